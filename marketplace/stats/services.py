"""Statistics of certified technology contracts (SPEC.md §7), computed in SQL.

Only contracts whose status is `certified` count: a revoked or cancelled certification leaves
the statistics, and drafts, submissions, returned and refused contracts never enter them. A
contract belongs to the period of its certification date in Lüliang (see periods.py).

The page, the CSV files and the API all read these functions, so they show the same numbers.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal_column, select, tuple_

from .. import settings, workdays
from ..contracts.models import Contract
from ..contracts.states import ContractStatus
from ..errors import FieldErrors
from ..extensions import db
from . import (
    cache,
    models,  # noqa: F401  (the index these queries use)
)
from .dimensions import DIMENSIONS, GROUP_BY, TIME_DIMENSIONS, UNKNOWN
from .periods import Period, local_midnight, same_span_last_year
from .sql import is_postgresql, local_day, money_sum, yuan

HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def percent(part, whole, places="0.01"):
    """part / whole as a percentage, or None when whole is zero."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP)


@dataclass
class Totals:
    count: int = 0
    total_amount: Decimal = ZERO
    technology_amount: Decimal = ZERO

    @property
    def technology_ratio(self):
        """Technology transaction amount as a percentage of the contract amount."""
        return percent(self.technology_amount, self.total_amount)

    @property
    def average_amount(self):
        if not self.count:
            return None
        return (self.total_amount / self.count).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class Group(Totals):
    key: str = ""
    label: object = ""

    def share_of(self, totals):
        """This group's share of the contract amount, in percent."""
        return percent(self.total_amount, totals.total_amount, "0.1")


@dataclass
class Growth:
    current: Decimal
    previous: Decimal
    target: Decimal
    compared_until: date | None = None  # the previous year is cut here for a running period
    rate: Decimal | None = field(init=False)

    def __post_init__(self):
        self.rate = (percent(self.current - self.previous, self.previous)
                     if self.previous > 0 else None)

    @property
    def on_track(self):
        """True when growth meets the plan's target, False when behind, None when undefined
        (no certified contract in the previous year's period)."""
        return None if self.rate is None else self.rate >= self.target


# --- filters ------------------------------------------------------------------------------------

def parse_filters(args):
    """The breakdown filters of a drill-down (`type=transfer&county=141102`), checked."""
    errors, filters = FieldErrors(), {}
    for name, dimension in DIMENSIONS.items():
        key = (args.get(name) or "").strip()
        if not key:
            continue
        if key != UNKNOWN and key not in dimension.labels:
            errors.add(name, _l("%(breakdown)s: there is no such group.",
                                breakdown=dimension.title))
        filters[name] = key
    errors.raise_if_any()
    return filters


def certified_in(period: Period, filters=None, until: date | None = None):
    """The WHERE clauses of the certified contracts of `period` (up to the local day `until`,
    exclusive, when given) within the drill-down `filters`."""
    start, end = period.bounds()
    if until is not None:
        end = min(end, local_midnight(until))
    clauses = [Contract.status == ContractStatus.CERTIFIED,
               Contract.certified_at >= start, Contract.certified_at < end]
    for name, key in (filters or {}).items():
        clauses.append(DIMENSIONS[name].expression() == key)
    return clauses


def _measures(source=Contract):
    return (func.count(), money_sum(source.total_amount), money_sum(source.technology_amount))


def summary(period, filters=None, until=None) -> Totals:
    """Count and amounts of the certified contracts of `period` (see certified_in)."""
    def compute():
        count, total, technology = db.session.execute(
            select(*_measures()).where(*certified_in(period, filters, until))).one()
        return Totals(count, yuan(total), yuan(technology))
    return cache.cached(("summary", period, _frozen(filters), until), compute)


def time_edges(period: Period, unit):
    """(key, sub-period) of each quarter or month of `period`."""
    if unit == "month":
        subs = [Period(year, None, month) for year, month in period.months()]
        return [(f"{p.year}-{p.month:02d}", p) for p in subs]
    quarters = sorted({(month - 1) // 3 + 1 for _, month in period.months()})
    return [(f"{period.year}-Q{q}", Period(period.year, q)) for q in quarters]


def _key_expression(name, period):
    if name == "month":
        # The WHERE clause keeps the period; the first month that ends later holds it.
        return case(*[(Contract.certified_at < sub.bounds()[1], literal_column(f"'{key}'"))
                      for key, sub in time_edges(period, name)],
                    else_=literal_column(f"'{UNKNOWN}'"))
    return DIMENSIONS[name].expression()


# Breakdowns counted together: one GROUP BY per pair, each breakdown summed up from its
# pair's rows (a few dozen rows), so SQLite reads the period's contracts four times instead of
# nine, and PostgreSQL once (GROUPING SETS of the pairs). Quarters are summed from months.
PAIRS = (("type", "month"), ("field", "tech_domain"),
         ("seller_entity_type", "buyer_entity_type"), ("county", "flow"))


def _add(into, key, figures):
    count, total, technology = into.get(key, (0, ZERO, ZERO))
    into[key] = (count + figures[0], total + figures[1], technology + figures[2])


def _count_groups(period, filters):
    """The totals and {breakdown: {key: (count, total, technology)}} of `period`.

    The contracts of the period get their key for every breakdown in a subquery, then are
    grouped by each pair of PAIRS. A key is never NULL (a missing value is "unknown"), so in
    a row of the grouping sets the NULL keys are those of the other pairs."""
    names = [name for pair in PAIRS for name in pair]
    keyed = select(*[_key_expression(name, period).label(name) for name in names],
                   Contract.total_amount, Contract.technology_amount).where(
        *certified_in(period, filters)).subquery()
    measures = _measures(keyed.c)
    if is_postgresql():
        stmt = select(*[keyed.c[name] for name in names], *measures).group_by(
            func.grouping_sets(*[tuple_(*(keyed.c[n] for n in pair)) for pair in PAIRS]))
        rows = [(dict(zip(names, row[:len(names)], strict=True)), row[len(names):])
                for row in db.session.execute(stmt)]
    else:
        rows = [({a: row[0], b: row[1]}, row[2:]) for a, b in PAIRS
                for row in db.session.execute(select(keyed.c[a], keyed.c[b], *measures)
                                              .group_by(keyed.c[a], keyed.c[b]))]
    groups = {name: {} for name in GROUP_BY}
    totals = {}
    for keys, (count, total, technology) in rows:
        figures = (count, yuan(total), yuan(technology))
        for name in names:
            if keys.get(name) is not None:
                _add(groups[name], keys[name], figures)
        if keys.get(PAIRS[0][0]) is not None:  # the first pair's rows cover every contract once
            _add(totals, None, figures)
    for month, figures in groups["month"].items():
        year, number = month.split("-")
        _add(groups["quarter"], f"{year}-Q{(int(number) - 1) // 3 + 1}", figures)
    return Totals(*totals.get(None, (0, ZERO, ZERO))), groups


def _frozen(filters):
    return tuple(sorted((filters or {}).items()))


def counted(period, filters=None):
    """The totals and every breakdown's groups of `period`, cached until a contract is
    certified, revoked or cancelled (see cache.py)."""
    return cache.cached(("groups", period, _frozen(filters)),
                        lambda: _count_groups(period, filters))


def _groups(rows, labels):
    """Every labelled key in order (zero when no contract), then any other key found."""
    keys = list(labels) + sorted((k for k in rows if k not in labels),
                                 key=lambda k: (k == UNKNOWN, k))
    return [Group(*rows.get(key, (0, ZERO, ZERO)), key=key, label=labels.get(key, key))
            for key in keys]


def breakdown(period, group_by, filters=None) -> list[Group]:
    """The groups of one breakdown; their counts and amounts add up to `summary()`."""
    rows = counted(period, filters)[1][group_by]
    if group_by in TIME_DIMENSIONS:
        return _groups(rows, {key: LazyString(sub.label) for key, sub in
                              time_edges(period, group_by)})
    dimension = DIMENSIONS[group_by]
    groups = _groups(rows, dimension.labels)
    for group in groups:
        group.label = dimension.label(group.key)
    return groups


def growth(period, filters=None, current: Totals | None = None) -> Growth:
    """Year-on-year growth of the contract amount against the plan's target."""
    current = current or counted(period, filters)[0]
    previous_period, cut = same_span_last_year(period)
    previous = summary(previous_period, filters, until=cut)
    return Growth(current.total_amount, previous.total_amount,
                  settings.get("plan_growth_target"), compared_until=cut)


# --- days to certify ----------------------------------------------------------------------------

def _working_day_index(first: date, last: date):
    """For each day from `first` to `last`: the working days after `first` up to that day."""
    overrides = {row.day: row.is_workday for row in db.session.scalars(
        select(workdays.WorkdayOverride).where(
            workdays.WorkdayOverride.day.between(first, last)))}
    index, counted = {}, 0
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        if offset and workdays.is_workday(day, overrides):
            counted += 1
        index[day] = counted
    return index


def median_days_to_certify(period, filters=None):
    return cache.cached(("median", period, _frozen(filters)),
                        lambda: _median_days(period, filters))


def _median_days(period, filters):
    """The median, over the period's certified contracts, of the working days from the last
    submission to the certification (the day of submission not counted, as for the deadline).

    The database groups the contracts by their pair of local dates, so the work here grows with
    the number of distinct pairs, not with the number of contracts."""
    submitted, certified = local_day(Contract.submitted_at), local_day(Contract.certified_at)
    rows = db.session.execute(
        select(submitted, certified, func.count(Contract.id))
        .where(*certified_in(period, filters), Contract.submitted_at.is_not(None))
        .group_by(submitted, certified)).all()
    if not rows:
        return None
    pairs = [(_as_date(s), _as_date(c), n) for s, c, n in rows]
    index = _working_day_index(min(p[0] for p in pairs), max(p[1] for p in pairs))
    counts = {}
    for start, end, n in pairs:
        days = max(index[end] - index[start], 0) if end > start else 0
        counts[days] = counts.get(days, 0) + n
    return weighted_median(counts)


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def weighted_median(counts: dict):
    """The median of a multiset given as {value: how many}."""
    total = sum(counts.values())
    ordered = sorted(counts.items())

    def nth(position):  # 0-based
        seen = 0
        for value, n in ordered:
            seen += n
            if position < seen:
                return value
        raise IndexError(position)

    middle = total // 2
    if total % 2:
        return Decimal(nth(middle))
    return (Decimal(nth(middle - 1) + nth(middle)) / 2).quantize(Decimal("0.1"))


# --- what the API and the page share -----------------------------------------------------------

def contract_stats(period, group_by=None, filters=None):
    """API.md GET /stats/contracts: the headline, the growth and one breakdown."""
    totals = counted(period, filters)[0]
    change = growth(period, filters, totals)
    groups = breakdown(period, group_by, filters) if group_by else []
    return {
        "year": period.year, "quarter": period.quarter, "month": period.month,
        "count": totals.count, "total_amount": totals.total_amount,
        "technology_amount": totals.technology_amount,
        "growth_vs_previous_year": change.rate, "target_growth": change.target,
        "on_track": change.on_track,
        "compared_until": change.compared_until,
        "groups": [{"key": g.key, "label": str(g.label), "count": g.count,
                    "total_amount": g.total_amount,
                    "technology_amount": g.technology_amount} for g in groups],
    }
