"""Supervision queries for the bureau: every review queue with its size, the age of its oldest
item, its nearest due date and its overdue items; this month against last month; the credit
and complaint overview. Counted in SQL, one aggregate query per queue or figure.

A queue with a deadline rule of its own (contracts: 15 or 30 working days; complaints: their
`due_on`) is overdue past that date. The other queues have no statutory deadline; an item is
flagged overdue when it has waited more than REVIEW_DAYS working days, counted like the
contract deadline (the day it arrived is not counted), and the page says so.
"""
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import clock, workdays
from ..accounts.models import Organization, OrgStatus
from ..achievements.models import Achievement
from ..achievements.states import AchievementStatus
from ..brokers.models import BrokerProfile
from ..brokers.states import BrokerStatus
from ..contracts.models import Contract
from ..contracts.states import ContractStatus
from ..credit.models import Complaint
from ..credit.states import OPEN as OPEN_COMPLAINTS
from ..extensions import db
from ..listings.models import Deal, Listing
from ..listings.states import ListingStatus
from ..needs.models import Need
from ..needs.states import NeedStatus
from ..stats import activity
from ..stats import services as stats
from ..stats.periods import Period, local_midnight
from ..stats.services import percent
from ..stats.sql import money_sum, yuan

# Working days a queue without a deadline rule may keep an item before it counts as overdue.
REVIEW_DAYS = {"organizations": 5, "brokers": 10, "achievements": 15, "listings": 5,
               "listing_changes": 5, "needs": 5}


@dataclass(frozen=True)
class Queue:
    key: str
    label: object
    model: type
    where: tuple            # SQL conditions: the record waits in this queue
    since: object           # column: when it started waiting
    title: object           # column: the record's name
    queue_endpoint: str
    review_endpoint: str
    due: object = None      # column: its due date, for a queue with its own deadline rule
    join: tuple = ()        # (model, on clause) when the title lives in another table

    @property
    def review_days(self):
        return None if self.due is not None else REVIEW_DAYS[self.key]


QUEUES = (
    Queue("organizations", _l("Organisations awaiting verification"), Organization,
          (Organization.status == OrgStatus.UNVERIFIED,), Organization.created_at,
          Organization.name, "bureau.organizations", "bureau.review_organization"),
    Queue("brokers", _l("Broker profiles awaiting verification"), BrokerProfile,
          (BrokerProfile.status == BrokerStatus.PENDING,), BrokerProfile.submitted_at,
          BrokerProfile.real_name, "bureau_brokers.queue", "bureau_brokers.review"),
    Queue("achievements", _l("Achievements submitted for registration"), Achievement,
          (Achievement.status == AchievementStatus.SUBMITTED,), Achievement.submitted_at,
          Achievement.title, "bureau_achievements.queue", "bureau_achievements.review"),
    Queue("listings", _l("Listings awaiting review"), Listing,
          (Listing.status == ListingStatus.PENDING_REVIEW,
           Listing.first_announced_at.is_(None)), Listing.submitted_at, Achievement.title,
          "bureau_listings.queue", "bureau_listings.review",
          join=(Achievement, Listing.achievement_id == Achievement.id)),
    Queue("listing_changes", _l("Changes of announced listings awaiting review"), Listing,
          (Listing.status == ListingStatus.PENDING_REVIEW,
           Listing.first_announced_at.is_not(None)), Listing.submitted_at, Achievement.title,
          "bureau_listings.queue", "bureau_listings.review",
          join=(Achievement, Listing.achievement_id == Achievement.id)),
    Queue("needs", _l("Needs awaiting review"), Need,
          (Need.status == NeedStatus.PENDING_REVIEW,), Need.submitted_at, Need.title,
          "bureau_needs.queue", "bureau_needs.review"),
    Queue("contracts", _l("Contracts submitted for certification"), Contract,
          (Contract.status == ContractStatus.SUBMITTED,), Contract.submitted_at,
          Contract.title, "bureau_contracts.queue", "bureau_contracts.review",
          due=Contract.due_on),
    Queue("complaints", _l("Complaints submitted or under investigation"), Complaint,
          (Complaint.status.in_(OPEN_COMPLAINTS),), Complaint.created_at, Complaint.subject,
          "bureau_credit.complaints", "bureau_credit.complaint", due=Complaint.due_on),
)
BY_KEY = {q.key: q for q in QUEUES}


# --- the calendar ---------------------------------------------------------------------------

def local_day(moment):
    return clock.as_utc(moment).astimezone(clock.LOCAL_TZ).date()


class Calendar:
    """The working days of a window, read once, so that the ages and due dates of many records
    take no query each; outside the window it asks marketplace.workdays."""

    def __init__(self, start, end):
        overrides = {row.day: row.is_workday for row in workdays.overrides()}
        self.start, self.end = start, end
        self.days = [start + timedelta(days=i) for i in range((end - start).days + 1)
                     if workdays.is_workday(start + timedelta(days=i), overrides)]

    def between(self, start, end):
        """Working days after `start` up to and including `end`."""
        if start < self.start or end > self.end:
            return workdays.working_days_between(start, end)
        return max(0, bisect_right(self.days, end) - bisect_right(self.days, start))

    def add(self, start, n):
        """The n-th working day after `start` (the due date of a REVIEW_DAYS queue)."""
        i = bisect_right(self.days, start) + n - 1
        if start < self.start or i >= len(self.days):
            return workdays.add_working_days(start, n)
        return self.days[i]

    def before(self, end, n):
        """The n-th working day before `end`: an item that arrived before it is overdue."""
        i = bisect_left(self.days, end) - n
        if i < 0:
            raise ValueError("window too short")
        return self.days[i]


def calendar_around(today, earliest=None):
    """A calendar reaching back past the longest REVIEW_DAYS and forward to the due dates."""
    reach = timedelta(days=3 * max(REVIEW_DAYS.values()) + 30)
    start = min(today - reach, earliest or today)
    return Calendar(start, today + reach)


def _overdue_condition(queue, today, calendar):
    if queue.due is not None:
        return queue.due < today
    return queue.since < local_midnight(calendar.before(today, queue.review_days))


# --- the queues -----------------------------------------------------------------------------

@dataclass
class QueueRow:
    queue: Queue
    count: int
    oldest: datetime | None
    age: int | None          # working days the oldest item has waited
    next_due: date | None
    overdue: int


def queue_rows():
    """One row per queue: size, oldest item and its age, nearest due date, overdue count."""
    today = clock.today()
    calendar = calendar_around(today)
    found = []
    for queue in QUEUES:
        columns = [func.count(), func.min(queue.since),
                   func.count().filter(_overdue_condition(queue, today, calendar))]
        if queue.due is not None:
            columns.append(func.min(queue.due))
        row = db.session.execute(select(*columns).select_from(queue.model)
                                 .where(*queue.where)).one()
        found.append((queue, row))
    oldest_days = [local_day(row[1]) for _, row in found if row[1] is not None]
    if oldest_days and min(oldest_days) < calendar.start:
        calendar = calendar_around(today, min(oldest_days))
    rows = []
    for queue, row in found:
        count, oldest, overdue = row[0], row[1], row[2]
        age = calendar.between(local_day(oldest), today) if oldest else None
        if queue.due is not None:
            next_due = row[3]
        else:
            next_due = calendar.add(local_day(oldest), queue.review_days) if oldest else None
        rows.append(QueueRow(queue, count, oldest, age, next_due, overdue))
    return rows


@dataclass
class OverdueItem:
    queue: Queue
    record_id: int
    title: str
    since: datetime | None
    due: date
    age: int                 # working days waited
    days_late: int           # working days past the due date


def overdue_items():
    """Every overdue item of every queue, the longest waiting first."""
    today = clock.today()
    calendar = calendar_around(today)
    found = []
    for queue in QUEUES:
        columns = [queue.model.id, queue.title, queue.since]
        if queue.due is not None:
            columns.append(queue.due)
        stmt = select(*columns).select_from(queue.model)
        if queue.join:
            stmt = stmt.join(*queue.join)
        stmt = stmt.where(*queue.where, _overdue_condition(queue, today, calendar))
        found.extend((queue, row) for row in db.session.execute(stmt))
    earliest = [local_day(row[2]) for _, row in found if row[2] is not None]
    if earliest and min(earliest) < calendar.start:
        calendar = calendar_around(today, min(earliest))
    items = []
    for queue, row in found:
        record_id, title, since = row[0], row[1], row[2]
        start = local_day(since) if since else today
        due = row[3] if queue.due is not None else calendar.add(start, queue.review_days)
        items.append(OverdueItem(
            queue, record_id, title, since, due, calendar.between(start, today),
            calendar.between(due, today)))
    epoch = datetime.min.replace(tzinfo=UTC)
    items.sort(key=lambda item: (item.since or epoch, item.queue.key, item.record_id))
    return items


# --- this month against last month ----------------------------------------------------------

@dataclass
class Figure:
    key: str
    label: object
    this: object
    last: object
    money: bool = False

    @property
    def change(self):
        return self.this - self.last

    @property
    def percent(self):
        """The change in per cent of last month (None when last month had none)."""
        return percent(self.change, self.last, "0.1")


def months(today):
    """(last month, this month) as statistics periods of the market's local days."""
    if today.month == 1:
        return Period(today.year - 1, None, 12), Period(today.year, None, 1)
    return Period(today.year, None, today.month - 1), Period(today.year, None, today.month)


def _in(column, period):
    start, end = period.bounds()
    return column >= start, column < end


def _deals(period):
    count, value = db.session.execute(select(func.count(), money_sum(Deal.price))
                                      .where(*_in(Deal.dealt_at, period))).one()
    return count, yuan(value)


def _count(column, period):
    return db.session.scalar(select(func.count()).where(*_in(column, period)))


def month_figures():
    """This month so far against the whole of last month. Contracts and achievements are
    counted as the statistics count them (stats.services.summary, stats.activity): certified
    contracts still certified, achievements registered and still registered, achievements
    whose first listing was announced."""
    last, this = months(clock.today())

    def both(compute, *args):
        return compute(*args, this), compute(*args, last)

    contracts, achievements, deals = (both(stats.summary), both(activity.achievements),
                                      both(_deals))
    figures = [
        Figure("contracts", _l("Contracts certified"), *(c.count for c in contracts)),
        Figure("technology_amount", _l("Technology transaction amount of those contracts"),
               *(c.technology_amount for c in contracts), money=True),
        Figure("deals", _l("Deals made"), *(d[0] for d in deals)),
        Figure("deal_value", _l("Value of those deals"), *(d[1] for d in deals), money=True),
        Figure("achievements", _l("Achievements registered"),
               *(a.registered for a in achievements)),
        Figure("listed", _l("Achievements listed for the first time"),
               *(a.listed for a in achievements)),
        Figure("needs", _l("Needs published"), *both(_count, Need.published_at)),
        Figure("complaints", _l("Complaints filed"), *both(_count, Complaint.created_at)),
    ]
    return figures, (last, this)
