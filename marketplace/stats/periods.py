"""A statistics period: a year, a quarter or a month of the market's local calendar.

Contracts store `certified_at` in UTC; a period is a range of local (Asia/Shanghai) dates, so
its bounds are the UTC instants of local midnight. A contract certified at 23:30 on 31 March
in Lüliang (15:30 UTC) is in March and in Q1.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .. import clock
from ..errors import FieldErrors

FIRST_YEAR = 2000  # earlier than any contract the market can hold
QUARTERS = (1, 2, 3, 4)
MONTHS = tuple(range(1, 13))


def local_midnight(day: date) -> datetime:
    """The UTC instant at which `day` starts in Lüliang."""
    return datetime.combine(day, time(), tzinfo=clock.LOCAL_TZ).astimezone(UTC)


def _month_start(year, month):
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None
    month: int | None = None

    @property
    def kind(self):
        return "month" if self.month else "quarter" if self.quarter else "year"

    @property
    def first_month(self):
        return self.month or (3 * self.quarter - 2 if self.quarter else 1)

    @property
    def month_count(self):
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    @property
    def start(self) -> date:
        return _month_start(self.year, self.first_month)

    @property
    def end(self) -> date:
        """The first local day after the period."""
        return _month_start(self.year, self.first_month + self.month_count)

    def bounds(self):
        """[start, end) as UTC instants."""
        return local_midnight(self.start), local_midnight(self.end)

    def months(self):
        """The period's months as (year, month), in order."""
        return [(self.year, m) for m in range(self.first_month,
                                              self.first_month + self.month_count)]

    def previous_year(self):
        return Period(self.year - 1, self.quarter, self.month)

    def in_progress(self, today=None):
        today = today or clock.today()
        return self.start <= today < self.end

    def args(self):
        """The period as URL query arguments."""
        return {k: v for k, v in (("year", self.year), ("quarter", self.quarter),
                                  ("month", self.month)) if v}

    def label(self):
        zh = str(get_locale()).startswith("zh")
        if self.month:
            return f"{self.year}年{self.month}月" if zh else f"{self.year}-{self.month:02d}"
        if self.quarter:
            return f"{self.year}年第{self.quarter}季度" if zh else f"{self.year} Q{self.quarter}"
        return f"{self.year}年" if zh else str(self.year)


def same_span_last_year(period, today=None):
    """The previous year's period, cut at the same day when `period` is still running, so a
    year in progress is compared with the same months and days of the year before."""
    previous = period.previous_year()
    today = today or clock.today()
    if not period.in_progress(today):
        return previous, None
    try:
        cut = today.replace(year=today.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February: up to and including 28 February
        cut = date(today.year - 1, 3, 1)
    return previous, min(cut, previous.end)


def _integer(errors, name, value, low, high, message):
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.add(name, message)
        return None
    if not low <= number <= high:
        errors.add(name, message)
        return None
    return number


def parse(year=None, quarter=None, month=None, today=None):
    """A Period from query arguments (strings or ints); the current year by default.
    Raises ValidationFailed naming the argument that is wrong."""
    today = today or clock.today()
    errors = FieldErrors()
    last = today.year + 1
    year_n = _integer(errors, "year", year, FIRST_YEAR, last, _l(
        "Enter a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=last))
    quarter_n = _integer(errors, "quarter", quarter, 1, 4, _l("Choose a quarter from 1 to 4."))
    month_n = _integer(errors, "month", month, 1, 12, _l("Choose a month from 1 to 12."))
    if quarter_n and month_n and (month_n - 1) // 3 + 1 != quarter_n:
        errors.add("month", _l("This month is not in the chosen quarter."))
    errors.raise_if_any()
    if month_n:
        quarter_n = None  # a month inside its quarter: the month is the period
    return Period(year_n or today.year, quarter_n, month_n)
