"""API.md "Listings": drafting, review, intents, bids, confirmation, and the deals."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..achievements.models import Achievement
from ..errors import PermissionDenied
from ..listings import deals, services, trading
from ..listings.models import Deal, Listing
from ..listings.states import CHANGEABLE
from .core import Unauthorized, api_user, endpoint, page_of, page_schema
from .listing_schemas import (
    BidInSchema,
    BidSchema,
    ConfirmSchema,
    DealAnnouncementSchema,
    DealListQuery,
    DealSchema,
    DeclineSchema,
    IntentInSchema,
    IntentSchema,
    ListingInSchema,
    ListingListQuery,
    ListingPatchSchema,
    ListingReviewSchema,
    ListingSchema,
    ReasonSchema,
)

TAGS = ("listings",)
STATE_ERRORS = (401, 403, 404, 409, 422)
BODY_STATE_ERRORS = (400,) + STATE_ERRORS


def _data(payload, base=None):
    data = base or services.ListingData()
    for name in services.FIELDS:
        if name in payload:
            setattr(data, name, payload[name])
    return data


@endpoint("/listings", "POST", summary="Draft a listing (institute)", tags=TAGS,
          auth="required", body=ListingInSchema, response=ListingSchema, status=201,
          errors=(400, 401, 403, 422))
def create_listing(data):
    """One registered achievement of your organisation; → `draft`."""
    return services.create(_data(data), api_user())


@endpoint("/listings", summary="List listings", tags=TAGS, auth="optional",
          query=ListingListQuery, response=page_schema(ListingSchema),
          errors=(401, 403, 422))
def list_listings(args):
    """Public: every listing once announced (`status` filters). `?mine=1` with a token: your
    organisation's listings in any state; officers see every state with `status`."""
    trading.advance_due(trading.LAZY_LIMIT)
    user = api_user()
    stmt = select(Listing).order_by(Listing.updated_at.desc(), Listing.id.desc())
    if args["mine"]:
        if user is None:
            raise Unauthorized()
        if user.organization_id is None:
            raise PermissionDenied()
        stmt = stmt.where(Listing.seller_org_id == user.organization_id)
    elif user is None or not user.is_officer:
        stmt = stmt.where(Listing.first_announced_at.is_not(None),
                          Listing.status != "withdrawn")
    if args["status"]:
        stmt = stmt.where(Listing.status == args["status"])
    if args["field"]:
        stmt = stmt.where(Listing.achievement_id.in_(
            select(Achievement.id).where(Achievement.field == args["field"])))
    return page_of(stmt.options(selectinload(Listing.deal).selectinload(Deal.contract)), args,
                   ListingSchema)


@endpoint("/listings/<int:listing_id>", summary="One listing", tags=TAGS, auth="optional",
          response=ListingSchema, errors=(401, 404))
def get_listing(listing_id):
    """With `status`, `announcement_ends_at`, `bidding_ends_at`, `best_bid`, `min_next_bid`,
    `bidding_seconds_left` and `intents_count`."""
    return services.get_visible(listing_id, api_user())


@endpoint("/listings/<int:listing_id>", "PATCH", summary="Change a listing", tags=TAGS,
          auth="required", body=ListingPatchSchema, response=ListingSchema,
          errors=BODY_STATE_ERRORS)
def patch_listing(listing_id, data):
    """A draft or returned listing is edited; an announced or listed one (without intents)
    goes back to the bureau and is announced again once approved."""
    user = api_user()
    record = services.get_visible(listing_id, user)
    merged = _data(data, services.data_of(record))
    if record.status in CHANGEABLE:
        return services.change(listing_id, merged, user)
    return services.update(listing_id, merged, user)


def _action(name, summary, call, body=None, doc=""):
    def view(listing_id, data=None):
        return call(listing_id, api_user(), data or {})
    view.__name__ = f"{name}_listing"
    view.__doc__ = doc
    endpoint(f"/listings/<int:listing_id>/{name}", "POST", summary=summary, tags=TAGS,
             auth="required", body=body, response=ListingSchema,
             errors=BODY_STATE_ERRORS if body else STATE_ERRORS)(view)


_action("submit", "Submit for review (seller)", lambda i, u, d: services.submit(i, u),
        doc="→ `pending_review`; 422 naming what is wrong.")
_action("withdraw", "Withdraw (seller, before any intent)",
        lambda i, u, d: services.withdraw(i, u, d.get("comment")), ReasonSchema)
_action("review", "Decide (bureau)",
        lambda i, u, d: services.review(i, d["decision"], u, d["comment"]), ListingReviewSchema,
        "approve → `announced` with `announcement_ends_at`; return and reject need a "
        "comment.")
_action("renew", "Renew once (seller, while listed)", lambda i, u, d: services.renew(i, u))
_action("pause", "Pause (bureau)", lambda i, u, d: services.pause(i, u, d["comment"]),
        ReasonSchema, "中止, with a reason; the running period stops.")
_action("resume", "Resume (bureau)", lambda i, u, d: services.resume(i, u, d["comment"]),
        ReasonSchema, "The running period is extended by the pause.")
_action("terminate", "Terminate (bureau)",
        lambda i, u, d: services.terminate(i, u, d["comment"]), ReasonSchema)
_action("confirm", "Confirm the deal (seller, then buyer)",
        lambda i, u, d: trading.confirm(i, u, d.get("price")), ConfirmSchema,
        "→ `dealt` once both sides confirmed, with `deal: {id, certificate_number, "
        "contract_id}`. On a negotiable listing without an offered price the seller sends "
        "`price`.")
_action("decline", "Decline the deal (seller or buyer)",
        lambda i, u, d: trading.decline(i, u, d["reason"], d["comment"]), DeclineSchema,
        "→ `failed`; a reason category and a comment. A winning bidder who declines loses "
        "credit.")


@endpoint("/listings/<int:listing_id>/intents", "POST", summary="Register an intent (enterprise)",
          tags=TAGS, auth="required", body=IntentInSchema, response=IntentSchema, status=201,
          errors=BODY_STATE_ERRORS)
def create_intent(listing_id, data):
    """While `announced` or `listed`; on a listed listing the first intent opens the
    negotiation."""
    return services.register_intent(listing_id, api_user(), data["statement"],
                                     data["offered_price"], data["broker_id"],
                                     data["broker_commission"])


@endpoint("/listings/<int:listing_id>/intents", summary="Intents", tags=TAGS, auth="required",
          response=page_schema(IntentSchema), errors=(401, 404))
def list_intents(listing_id):
    """The seller and the bureau see all; a buyer sees its own."""
    user = api_user()
    record = services.get_visible(listing_id, user)
    items = services.intents_visible(record, user)
    return {"items": IntentSchema(many=True).dump(items), "total": len(items), "page": 1,
            "per_page": max(len(items), 1)}


@endpoint("/listings/<int:listing_id>/intents/<int:intent_id>/withdraw", "POST",
          summary="Withdraw your intent", tags=TAGS, auth="required", response=IntentSchema,
          errors=STATE_ERRORS)
def withdraw_intent(listing_id, intent_id):
    return services.withdraw_intent(services.intent_on(listing_id, intent_id), api_user())


@endpoint("/listings/<int:listing_id>/intents/<int:intent_id>/disqualify", "POST",
          summary="Disqualify an intent (bureau)", tags=TAGS, auth="required",
          body=ReasonSchema, response=IntentSchema, errors=BODY_STATE_ERRORS)
def disqualify_intent(listing_id, intent_id, data):
    return services.disqualify_intent(services.intent_on(listing_id, intent_id), api_user(),
                                      data["comment"])


@endpoint("/listings/<int:listing_id>/intents/<int:intent_id>/decline", "POST",
          summary="Decline an intent (seller)", tags=TAGS, auth="required",
          body=DeclineSchema, response=IntentSchema, errors=BODY_STATE_ERRORS)
def decline_intent(listing_id, intent_id, data):
    return services.decline_intent(services.intent_on(listing_id, intent_id), api_user(),
                                   data["reason"], data["comment"])


@endpoint("/listings/<int:listing_id>/bids", "POST", summary="Bid (a qualified buyer)",
          tags=TAGS, auth="required", body=BidInSchema, response=BidSchema, status=201,
          errors=BODY_STATE_ERRORS)
def create_bid(listing_id, data):
    """While `bidding`: 409 outside the window, 422 below the reserve or below the best bid
    plus the increment."""
    bid = trading.place_bid(listing_id, data["amount"], api_user())
    return BidSchema().dump({**_bid(bid), "mine": True}), 201


def _bid(bid):
    return {"id": bid.id, "listing_id": bid.listing_id, "sequence": bid.sequence,
            "amount": bid.amount, "placed_at": bid.placed_at}


@endpoint("/listings/<int:listing_id>/bids", summary="The accepted bids, best first",
          tags=TAGS, auth="optional", response=page_schema(BidSchema), errors=(401, 404))
def list_bids(listing_id):
    """Amounts and times are public; `mine` marks your organisation's bids."""
    user = api_user()
    record = services.get_visible(listing_id, user)
    org_id = getattr(user, "organization_id", None)
    items = [{**_bid(b), "mine": org_id is not None and b.org_id == org_id}
             for b in trading.bids_of(record)]
    return {"items": BidSchema(many=True).dump(items), "total": len(items), "page": 1,
            "per_page": max(len(items), 1)}


@endpoint("/deals", summary="Deals", tags=("deals",), auth="optional", query=DealListQuery,
          response=page_schema(DealSchema), errors=(401, 422))
def list_deals(args):
    """Your organisation's deals (or those you brokered); `?announced=1`: the public deal
    announcements, which need no token."""
    user = api_user()
    if args["announced"]:
        return page_of(deals.announcements(), args, DealAnnouncementSchema)
    if user is None:
        raise Unauthorized()
    stmt = select(Deal).order_by(Deal.dealt_at.desc()) if user.is_officer else \
        deals.deals_of(user)
    return page_of(stmt, args, DealSchema)


@endpoint("/deals/<int:deal_id>", summary="One deal", tags=("deals",), auth="required",
          response=DealSchema, errors=(401, 404))
def get_deal(deal_id):
    """For the parties, their brokers and the bureau."""
    return deals.get_visible(deal_id, api_user())
