"""Achievements registered, listed and transferred, the conversion rate, and the verified
brokers with their deals, for a statistics period.

- Registered: achievements registered in the period and still registered (not revoked).
- Listed: achievements whose listing was first announced in the period.
- Transferred: achievements cited by a contract certified in the period (and still
  certified). `achievements.transferred` marks them but has no date, so the period is the
  certification date of the contract that cites them.
- Conversion rate: one of FORMULAS, chosen in the settings (`conversion_rate_formula`).
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union

from .. import settings
from ..achievements.models import Achievement
from ..achievements.states import AchievementStatus
from ..brokers.models import BrokerProfile
from ..brokers.states import BrokerStatus
from ..contracts.models import Contract
from ..contracts.states import ContractStatus
from ..extensions import db
from ..listings.models import Deal, Listing
from . import cache
from .services import certified_in, percent
from .sql import money_sum, yuan

FORMULAS = {
    "period_registered": _l("achievements transferred in the period ÷ achievements registered "
                            "in the period"),
    "period_listed": _l("achievements transferred in the period ÷ achievements listed in the "
                        "period"),
    "cumulative": _l("registered achievements transferred by the end of the period ÷ "
                     "achievements registered by the end of the period"),
}


@dataclass
class Achievements:
    registered: int
    listed: int
    transferred: int
    registered_to_date: int
    transferred_to_date: int
    formula: str

    @property
    def operands(self):
        return {"period_registered": (self.transferred, self.registered),
                "period_listed": (self.transferred, self.listed),
                "cumulative": (self.transferred_to_date, self.registered_to_date)}[self.formula]

    @property
    def conversion_rate(self):
        return percent(*self.operands)

    @property
    def formula_text(self):
        return FORMULAS[self.formula]


def _count(stmt):
    return db.session.scalar(stmt) or 0


def achievements(period):
    return cache.cached(("achievements", period), lambda: _achievements(period))


def _achievements(period):
    start, end = period.bounds()
    registered = Achievement.status == AchievementStatus.REGISTERED
    # Not a correlated EXISTS: contracts have no index by achievement, so SQLite read every
    # contract for every achievement (minutes at 100k of each); the set is read once instead.
    cited_by_certified = Achievement.id.in_(select(Contract.achievement_id).where(
        Contract.status == ContractStatus.CERTIFIED, Contract.certified_at < end,
        Contract.achievement_id.is_not(None)))
    return Achievements(
        registered=_count(select(func.count(Achievement.id)).where(
            registered, Achievement.registered_at >= start, Achievement.registered_at < end)),
        listed=_count(select(func.count(func.distinct(Listing.achievement_id))).where(
            Listing.first_announced_at >= start, Listing.first_announced_at < end)),
        transferred=_count(select(func.count(func.distinct(Contract.achievement_id))).where(
            *certified_in(period), Contract.achievement_id.is_not(None))),
        registered_to_date=_count(select(func.count(Achievement.id)).where(
            registered, Achievement.registered_at < end)),
        transferred_to_date=_count(select(func.count(Achievement.id)).where(
            registered, Achievement.registered_at < end, cited_by_certified)),
        formula=settings.get("conversion_rate_formula"),
    )


@dataclass
class BrokerRow:
    profile_id: int
    name: str
    level: str
    deals: int
    deal_value: object
    contracts: int


@dataclass
class Brokers:
    verified: int
    deals: int  # deals of the period with a verified broker on either side
    deal_value: object
    rows: list


def brokers(period):
    """Verified brokers (now) and what they did in the period: deals they brokered for either
    side (a deal counts once per broker) and certified contracts that name them."""
    return cache.cached(("brokers", period), lambda: _brokers(period))


def _brokers(period):
    start, end = period.bounds()
    verified_users = select(BrokerProfile.user_id).where(
        BrokerProfile.status == BrokerStatus.VERIFIED)
    in_period = (Deal.dealt_at >= start, Deal.dealt_at < end)
    sides = union(
        select(Deal.seller_broker_id.label("broker"), Deal.id.label("deal"), Deal.price)
        .where(*in_period, Deal.seller_broker_id.in_(verified_users)),
        select(Deal.buyer_broker_id, Deal.id, Deal.price)
        .where(*in_period, Deal.buyer_broker_id.in_(verified_users))).subquery()
    distinct_deals = select(sides.c.deal, sides.c.price).distinct().subquery()
    deal_count, deal_value = db.session.execute(
        select(func.count(), money_sum(distinct_deals.c.price))).one()
    per_broker = {broker: (n, yuan(value)) for broker, n, value in db.session.execute(
        select(sides.c.broker, func.count(), money_sum(sides.c.price))
        .group_by(sides.c.broker))}
    contracts = dict(db.session.execute(
        select(Contract.broker_id, func.count(Contract.id))
        .where(*certified_in(period), Contract.broker_id.in_(verified_users))
        .group_by(Contract.broker_id)).all())
    active = set(per_broker) | set(contracts)
    profiles = db.session.scalars(select(BrokerProfile).where(
        BrokerProfile.user_id.in_(active))).all() if active else []
    rows = [BrokerRow(p.id, p.real_name, p.level, *per_broker.get(p.user_id, (0, yuan(0))),
                      contracts.get(p.user_id, 0)) for p in profiles]
    rows.sort(key=lambda r: (-r.deals, -r.deal_value, -r.contracts, r.name))
    return Brokers(verified=_count(select(func.count()).select_from(verified_users.subquery())),
                   deals=deal_count, deal_value=yuan(deal_value), rows=rows)
