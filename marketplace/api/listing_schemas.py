"""marshmallow schemas of API.md "Listings" and the deals they end in."""
from marshmallow import fields

from .. import clock
from ..listings.states import DECLINE_REASONS, INTENT_STATUSES, STATUS_LABELS, TRANSFER_MODES
from .achievement_schemas import _enum
from .contract_schemas import Money
from .core import BaseSchema, PageQuery


class ListingInSchema(BaseSchema):
    achievement_id = fields.Integer(required=True)
    transfer_mode = _enum(TRANSFER_MODES, required=True)
    licence_term_years = fields.Integer(allow_none=True, load_default=None, metadata={
        "description": "Required for the three licence modes"})
    licence_territory = fields.String(allow_none=True, load_default=None, metadata={
        "description": "Required for the three licence modes"})
    asking_price = Money(allow_none=True, load_default=None,
                         metadata={"description": "null: negotiable"})
    reserve_price = Money(required=True)
    bid_increment = Money(required=True)
    announcement_days = fields.Integer(load_default=15, metadata={"minimum": 15})
    listing_days = fields.Integer(load_default=30)
    bidding_days = fields.Integer(load_default=5)
    buyer_conditions = fields.String(load_default="")
    seller_broker_id = fields.Integer(allow_none=True, load_default=None)
    seller_broker_commission = Money(allow_none=True, load_default=None)


class ListingPatchSchema(ListingInSchema):
    """PATCH: the same fields, none required; what is given replaces what was there. On an
    announced or listed listing a PATCH is a change for the bureau to approve again."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


def _money(value):
    return None if value is None else f"{value:.2f}"


def _seconds_left(record):
    if record.status != "bidding" or record.bidding_ends_at is None:
        return None
    return max(0, int((record.bidding_ends_at - clock.now()).total_seconds()))


def _deal(record):
    deal = record.deal
    if deal is None:
        return None
    contract = deal.contract
    return {"id": deal.id, "certificate_number": deal.certificate_number,
            "confirmation_number": deal.confirmation_number,
            "contract_id": contract.id if contract else None}


class ListingSchema(BaseSchema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": [s.value for s in STATUS_LABELS]})
    title = fields.String()
    achievement_id = fields.Integer()
    achievement = fields.Function(lambda r: {
        "id": r.achievement.id, "title": r.achievement.title, "field": r.achievement.field,
        "maturity": r.achievement.maturity,
        "registration_number": r.achievement.registration_number})
    seller = fields.Function(lambda r: {"id": r.seller.id, "name": r.seller.name,
                                        "county": r.seller.county})
    transfer_mode = fields.String(metadata={"enum": list(TRANSFER_MODES)})
    licence_term_years = fields.Integer(allow_none=True)
    licence_territory = fields.String(allow_none=True)
    asking_price = Money(allow_none=True)
    reserve_price = Money()
    bid_increment = Money()
    announcement_days = fields.Integer()
    listing_days = fields.Integer()
    bidding_days = fields.Integer()
    buyer_conditions = fields.String()
    seller_broker_id = fields.Integer(allow_none=True)
    review_comment = fields.String(allow_none=True)
    announced_at = fields.DateTime(allow_none=True)
    announcement_ends_at = fields.DateTime(allow_none=True)
    listing_ends_at = fields.DateTime(allow_none=True)
    bidding_starts_at = fields.DateTime(allow_none=True)
    bidding_ends_at = fields.DateTime(allow_none=True)
    bidding_seconds_left = fields.Function(_seconds_left, allow_none=True)
    best_bid = fields.Function(lambda r: _money(r.best_bid_amount), allow_none=True,
                               metadata={"type": "string"})
    min_next_bid = fields.Function(
        lambda r: _money(r.min_next_bid) if r.status == "bidding" else None, allow_none=True,
        metadata={"type": "string"})
    bid_count = fields.Integer()
    intents_count = fields.Integer()
    agreed_price = Money(allow_none=True)
    confirm_by = fields.DateTime(allow_none=True)
    seller_confirmed = fields.Function(lambda r: r.seller_confirmed_at is not None)
    buyer_confirmed = fields.Function(lambda r: r.buyer_confirmed_at is not None)
    renewed = fields.Boolean()
    deal = fields.Function(_deal, allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ListingListQuery(PageQuery):
    mine = fields.Boolean(load_default=False)
    status = _enum([s.value for s in STATUS_LABELS], allow_none=True, load_default=None)
    field = fields.String(load_default=None)


class ListingReviewSchema(BaseSchema):
    decision = _enum(("approve", "return", "reject"), required=True)
    comment = fields.String(load_default="")


class ReasonSchema(BaseSchema):
    comment = fields.String(load_default="")


class IntentInSchema(BaseSchema):
    statement = fields.String(required=True)
    offered_price = Money(allow_none=True, load_default=None)
    broker_id = fields.Integer(allow_none=True, load_default=None)
    broker_commission = Money(allow_none=True, load_default=None)


class IntentSchema(BaseSchema):
    id = fields.Integer()
    listing_id = fields.Integer()
    organization = fields.Function(lambda i: {"id": i.organization.id,
                                              "name": i.organization.name})
    statement = fields.String()
    offered_price = Money(allow_none=True)
    broker_id = fields.Integer(allow_none=True)
    broker_commission = Money(allow_none=True)
    status = fields.String(metadata={"enum": list(INTENT_STATUSES)})
    reason = fields.String(allow_none=True)
    decision_comment = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class DeclineSchema(BaseSchema):
    reason = _enum(DECLINE_REASONS, required=True)
    comment = fields.String(load_default="")


class BidInSchema(BaseSchema):
    amount = Money(required=True)


class BidSchema(BaseSchema):
    id = fields.Integer()
    listing_id = fields.Integer()
    sequence = fields.Integer()
    amount = Money()
    placed_at = fields.DateTime()
    mine = fields.Boolean(allow_none=True)


class ConfirmSchema(BaseSchema):
    price = Money(allow_none=True, load_default=None, metadata={
        "description": "Only the seller, only when no price is set yet"})


class DealSchema(BaseSchema):
    id = fields.Integer()
    listing_id = fields.Integer(allow_none=True)
    achievement_id = fields.Integer(allow_none=True)
    seller = fields.Function(lambda d: {"id": d.seller.id, "name": d.seller.name})
    buyer = fields.Function(lambda d: {"id": d.buyer.id, "name": d.buyer.name})
    transfer_mode = fields.String()
    price = Money()
    seller_broker_id = fields.Integer(allow_none=True)
    seller_broker_commission = Money(allow_none=True)
    buyer_broker_id = fields.Integer(allow_none=True)
    buyer_broker_commission = Money(allow_none=True)
    dealt_at = fields.DateTime()
    confirmation_number = fields.String()
    certificate_number = fields.String()
    verification_code = fields.String()
    announcement_until = fields.Date()
    contract_id = fields.Function(lambda d: d.contract.id if d.contract else None,
                                  allow_none=True)


class DealAnnouncementSchema(BaseSchema):
    """成交公告: what the public is told of a deal."""

    id = fields.Integer()
    listing_id = fields.Integer(allow_none=True)
    title = fields.String(allow_none=True)
    seller = fields.Function(lambda d: {"id": d.seller.id, "name": d.seller.name})
    buyer = fields.Function(lambda d: {"id": d.buyer.id, "name": d.buyer.name})
    transfer_mode = fields.String()
    price = Money()
    dealt_at = fields.DateTime()
    certificate_number = fields.String()
    announcement_until = fields.Date()


class DealListQuery(PageQuery):
    announced = fields.Boolean(load_default=False, metadata={
        "description": "The public deal announcements (成交公告) instead of your deals"})


