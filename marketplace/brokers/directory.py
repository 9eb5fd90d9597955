"""The public directory of verified brokers: filters, search, order, and the figures shown
beside each broker (deals and rating), computed for a page at once."""
from sqlalchemy import String, cast, func, or_, select, union
from sqlalchemy.orm import contains_eager

from ..accounts.models import Organization, User
from ..codes import FIELDS, REGIONS
from ..extensions import db
from ..listings.models import Deal
from .models import BrokerProfile, Rating
from .states import SERVICES, BrokerStatus
from .track_record import average

SORTS = ("name", "deals", "rating")


def _contains(column, code, allowed):
    """A JSON list column holds `code` ('["coal", "power"]' in either database)."""
    code = code if code in allowed else "-"
    return cast(column, String).like(f'%"{code}"%')


def _deal_count():
    return (select(func.count(Deal.id))
            .where(or_(Deal.seller_broker_id == BrokerProfile.user_id,
                       Deal.buyer_broker_id == BrokerProfile.user_id))
            .correlate(BrokerProfile).scalar_subquery())


def _rating_average():
    return (select(func.avg(Rating.score)).where(Rating.target_broker_id == BrokerProfile.user_id)
            .correlate(BrokerProfile).scalar_subquery())


def directory(level=None, field=None, region=None, service=None, q=None, sort="name"):
    """A SELECT of the verified profiles matching the filters, in the order asked."""
    stmt = (select(BrokerProfile).join(User, User.id == BrokerProfile.user_id)
            .outerjoin(Organization, Organization.id == User.organization_id)
            .options(contains_eager(BrokerProfile.user).contains_eager(User.organization))
            .where(BrokerProfile.status == BrokerStatus.VERIFIED))
    if level:
        stmt = stmt.where(BrokerProfile.level == level)
    if field:
        stmt = stmt.where(_contains(BrokerProfile.fields, field, FIELDS))
    if region:
        stmt = stmt.where(_contains(BrokerProfile.regions, region, REGIONS))
    if service:
        stmt = stmt.where(_contains(BrokerProfile.services, service, SERVICES))
    q = (q or "").strip()
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*(column.ilike(pattern, escape="\\") for column in (
            BrokerProfile.real_name, BrokerProfile.bio, BrokerProfile.professional_title,
            Organization.name))))
    if sort == "deals":
        stmt = stmt.order_by(_deal_count().desc())
    elif sort == "rating":
        stmt = stmt.order_by(_rating_average().desc().nulls_last())
    return stmt.order_by(BrokerProfile.real_name, BrokerProfile.id)


def summaries(user_ids):
    """{broker user id: (deals, average rating or None, ratings)} for a page of brokers."""
    if not user_ids:
        return {}
    sides = union(
        select(Deal.seller_broker_id.label("broker"), Deal.id.label("deal"))
        .where(Deal.seller_broker_id.in_(user_ids)),
        select(Deal.buyer_broker_id.label("broker"), Deal.id.label("deal"))
        .where(Deal.buyer_broker_id.in_(user_ids))).subquery()
    deals = dict(db.session.execute(select(sides.c.broker, func.count())
                                    .group_by(sides.c.broker)).all())
    ratings = {broker: (total, count) for broker, total, count in db.session.execute(
        select(Rating.target_broker_id, func.sum(Rating.score), func.count())
        .where(Rating.target_broker_id.in_(user_ids)).group_by(Rating.target_broker_id))}
    return {uid: (deals.get(uid, 0), average(*ratings.get(uid, (0, 0))),
                  ratings.get(uid, (0, 0))[1]) for uid in user_ids}
