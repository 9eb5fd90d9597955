"""A broker's track record, computed from the database and never typed: the deals it brokered
and their value, the certified contracts naming it, the parties' ratings, how fast it answers
invitations, and its credit score (SPEC.md §5)."""
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, or_, select

from ..contracts.models import Contract
from ..contracts.states import ContractStatus
from ..credit.services import score_of
from ..extensions import db
from ..listings.models import Deal
from .models import Engagement, Rating

CENT = Decimal("0.01")


@dataclass(frozen=True)
class YearOfDeals:
    year: int
    deals: int
    value: Decimal


@dataclass(frozen=True)
class TrackRecord:
    deals: int  # deals with the broker on either side, each counted once
    deal_value: Decimal  # the sum of their prices (yuan)
    certified_contracts: int  # certified (not revoked, not cancelled) contracts naming it
    rating: Decimal | None  # the average score, two decimals; None before the first rating
    rating_count: int
    response_hours_median: Decimal | None  # hours from invitation to answer, one decimal
    engagements: int  # invitations answered: the basis of the median
    credit_score: int
    credit_grade: str
    deals_per_year: list = field(default_factory=list)  # YearOfDeals, every year in between

    @property
    def busiest_year(self):
        return max((y.deals for y in self.deals_per_year), default=0)


def average(total, count):
    """The average of `count` scores adding up to `total`, two decimals (None for none)."""
    if not count:
        return None
    return (Decimal(int(total)) / count).quantize(CENT)


def _years(deals):
    """Deals and value per year from the first year with a deal to the last, gaps as zero."""
    by_year = {}
    for dealt_on, price in deals:
        count, value = by_year.get(dealt_on.year, (0, Decimal(0)))
        by_year[dealt_on.year] = (count + 1, value + price)
    if not by_year:
        return []
    return [YearOfDeals(year, *by_year.get(year, (0, Decimal("0.00"))))
            for year in range(min(by_year), max(by_year) + 1)]


def _hours(invited_at, responded_at):
    return Decimal((responded_at - invited_at).total_seconds()) / 3600


def track_record(profile) -> TrackRecord:
    """The record of the broker of `profile` (all figures key on the broker's user id)."""
    broker_id = profile.user_id
    deals = db.session.execute(select(Deal.dealt_on, Deal.price).where(or_(
        Deal.seller_broker_id == broker_id, Deal.buyer_broker_id == broker_id))).all()
    contracts = db.session.scalar(select(func.count(Contract.id)).where(
        Contract.broker_id == broker_id, Contract.status == ContractStatus.CERTIFIED))
    total, count = db.session.execute(
        select(func.coalesce(func.sum(Rating.score), 0), func.count(Rating.id))
        .where(Rating.target_broker_id == broker_id)).one()
    answers = db.session.execute(select(Engagement.invited_at, Engagement.responded_at).where(
        Engagement.broker_id == broker_id, Engagement.responded_at.is_not(None))).all()
    hours = [_hours(*pair) for pair in answers]
    score, grade = score_of(broker_id=broker_id)
    return TrackRecord(
        deals=len(deals), deal_value=sum((price for _, price in deals), Decimal(0)).quantize(CENT),
        certified_contracts=contracts, rating=average(total, count), rating_count=count,
        response_hours_median=statistics.median(hours).quantize(Decimal("0.1"))
        if hours else None,
        engagements=len(hours), credit_score=score, credit_grade=grade,
        deals_per_year=_years(deals))
