"""The market's side of a listing (SPEC.md §2): the timed moves at the end of each period,
bidding, and the two confirmations that make a deal.

Times: the announcement ends `announcement_days` × 24 h after approval; then a listing with
no intent is listed for `listing_days` × 24 h, one with one qualified intent is negotiated,
one with more goes to a bidding window of `bidding_days` × 24 h, which a bid in its last five
minutes extends to five minutes after that bid. The two sides confirm a negotiated or awarded
deal within a number of working days (settings). Every move is made by `advance()`, from
`flask market tick` and lazily whenever a listing is read or acted on, always as of the
period's scheduled end, so a late tick reaches the same outcome as a punctual one.
"""
from datetime import UTC, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, clock, market, settings, workdays
from ..accounts.models import Role
from ..brokers.engagements import close_open
from ..credit.blacklist import ensure_allowed
from ..credit.services import record_event
from ..errors import Conflict, FieldErrors, PermissionDenied, ValidationFailed
from ..extensions import db
from ..inbox.services import N_, notify
from ..money import parse_money
from ..workflow import commit, lock, transition
from .models import Bid, Intent, Listing
from .services import load, members
from .states import AWAITING_CONFIRMATION, DECLINE_REASONS, WORKFLOW, ListingStatus, is_buyer
from .states import is_seller as is_seller_of

S = ListingStatus
EXTENSION = timedelta(minutes=5)  # a late bid keeps the window open this long after it
EXPIRY_NOTICE = timedelta(days=7)


def deadline(moment, working_days):
    """The end (local midnight) of the `working_days`-th working day after `moment`."""
    day = workdays.add_working_days(moment.astimezone(clock.LOCAL_TZ).date(), working_days)
    return datetime.combine(day + timedelta(days=1), time(), clock.LOCAL_TZ).astimezone(UTC)


def schedule(record):
    """When the market clock next moves `record`: the end of its running period."""
    record.next_move_at = {
        S.ANNOUNCED: record.announcement_ends_at, S.LISTED: record.listing_ends_at,
        S.BIDDING: record.bidding_ends_at, S.NEGOTIATING: record.confirm_by,
        S.AWARDED: record.confirm_by}.get(record.status)


def _local(moment):
    return moment.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


def _active_intents(record):
    return db.session.scalars(select(Intent).where(
        Intent.listing_id == record.id, Intent.status == "active")
        .order_by(Intent.created_at, Intent.id)).all()


def _awaiting(record, moment, days_setting):
    record.seller_confirmed_at = record.buyer_confirmed_at = None
    record.confirm_by = deadline(moment, settings.get(days_setting))


def open_negotiation(record, intent, moment):
    """One buyer: negotiate at the lower of the asking price and the buyer's offer (with
    neither, the seller proposes the price when confirming)."""
    record.buyer_org_id = intent.org_id
    prices = [p for p in (record.asking_price, intent.offered_price) if p is not None]
    record.agreed_price = min(prices) if prices else None
    _awaiting(record, moment, "negotiation_days")
    schedule(record)
    notify(members(record.seller_org_id, intent.org_id),
           N_("Listing %(title)s: negotiation opened between the seller and %(buyer)s; both "
              "sides confirm the deal by %(end)s."), link=f"/listings/{record.id}",
           title=record.achievement.title, buyer=intent.organization.name,
           end=_local(record.confirm_by))


def _move(record):
    """Make the one timed move that is due now."""
    due = record.next_move_at
    title = record.achievement.title
    link = f"/listings/{record.id}"
    if record.status == S.ANNOUNCED:
        intents = _active_intents(record)
        if not intents:
            transition(WORKFLOW, record, "open_listing", None, due_at=due.isoformat())
            record.listing_ends_at = due + timedelta(days=record.listing_days)
            notify(members(record.seller_org_id), N_(
                "The announcement of %(title)s ended without an intent; it stays listed until "
                "%(end)s."), link=link, title=title, end=_local(record.listing_ends_at))
        elif len(intents) == 1:
            transition(WORKFLOW, record, "open_negotiation", None, due_at=due.isoformat(),
                       intent_id=intents[0].id)
            open_negotiation(record, intents[0], due)
        else:
            transition(WORKFLOW, record, "open_bidding", None, due_at=due.isoformat(),
                       bidders=len(intents))
            record.bidding_starts_at = due
            record.bidding_ends_at = due + timedelta(days=record.bidding_days)
            notify(members(record.seller_org_id, *(i.org_id for i in intents)), N_(
                "Bidding on %(title)s is open until %(end)s; the lowest bid is %(amount)s "
                "yuan."), link=link, title=title, end=_local(record.bidding_ends_at),
                amount=f"{record.reserve_price:,.2f}")
    elif record.status == S.LISTED:
        transition(WORKFLOW, record, "expire", None, due_at=due.isoformat())
        notify(members(record.seller_org_id), N_("The listing of %(title)s expired."),
               link=link, title=title)
    elif record.status == S.BIDDING:
        bidders = [i.org_id for i in _active_intents(record)]
        if record.best_bid_amount is not None:
            transition(WORKFLOW, record, "award", None, due_at=due.isoformat(),
                       amount=str(record.best_bid_amount), org_id=record.best_bid_org_id)
            record.buyer_org_id, record.agreed_price = (record.best_bid_org_id,
                                                        record.best_bid_amount)
            _awaiting(record, due, "award_confirm_days")
            notify(members(record.seller_org_id, *bidders), N_(
                "Bidding on %(title)s ended: the best bid, %(amount)s yuan, wins. The seller "
                "and the winner confirm the deal by %(end)s."), link=link, title=title,
                amount=f"{record.agreed_price:,.2f}", end=_local(record.confirm_by))
        else:
            transition(WORKFLOW, record, "close_unsold", None, due_at=due.isoformat())
            notify(members(record.seller_org_id, *bidders), N_(
                "Bidding on %(title)s ended without a bid."), link=link, title=title)
    elif record.status in AWAITING_CONFIRMATION:
        was_awarded = record.status == S.AWARDED
        transition(WORKFLOW, record, "lapse", None, due_at=due.isoformat())
        if was_awarded and record.buyer_confirmed_at is None:
            record_event("winner_lapsed", org_id=record.buyer_org_id, entity="listing",
                         entity_id=record.id)
        notify(members(record.seller_org_id, record.buyer_org_id), N_(
            "The deal on %(title)s was not confirmed in time and has failed."), link=link,
            title=title)
    record.updated_at = clock.now()
    if record.status in (S.EXPIRED, S.FAILED):  # closed without a deal
        close_open("listing", record.id)
    schedule(record)


def advance(record, now=None):
    """Every timed move of `record` that is due, in order (a late tick catches up); the
    caller holds the row (workflow.lock) and commits. Returns how many moves were made."""
    now = now or clock.now()
    moved = 0
    while record.next_move_at is not None and record.next_move_at <= now:
        _move(record)
        moved += 1
    return moved


def advance_if_due(listing_id):
    """The lazy tick of one listing, for pages and API reads."""
    due = db.session.scalar(select(Listing.next_move_at).where(Listing.id == listing_id))
    if due is None or due > clock.now():
        return 0
    record = lock(Listing, listing_id)
    moved = advance(record) if record is not None else 0
    commit()  # also ends the transaction the lock began
    return moved


LAZY_LIMIT = 20  # listings a page or API read moves before it answers; the tick moves all


def advance_due(limit=None):
    """Every listing whose period has ended (the `limit` first due), each in its own
    transaction. The tick moves them all; a read moves at most LAZY_LIMIT, so a visitor who
    arrives after a long pause of the tick waits for a few moves, not for hundreds (about
    25–45 ms each, bench/bench_bidding.py); the record pages always move their own."""
    ids = db.session.scalars(select(Listing.id).where(Listing.next_move_at <= clock.now())
                             .order_by(Listing.next_move_at).limit(limit)).all()
    moved = 0
    for listing_id in ids:
        record = lock(Listing, listing_id)
        moved += advance(record) if record is not None else 0
        commit()
    return moved


def remind_expiring():
    """Tell sellers a week ahead that a listing expires, and that it may be renewed once."""
    horizon = clock.now() + EXPIRY_NOTICE
    due = db.session.scalars(select(Listing).where(
        Listing.status == S.LISTED, Listing.listing_ends_at <= horizon,
        Listing.expiry_reminded_at.is_(None))).all()
    for record in due:
        message = (N_("The listing of %(title)s expires on %(end)s; you may renew it once.")
                   if not record.renewed else
                   N_("The listing of %(title)s expires on %(end)s."))
        notify(members(record.seller_org_id), message, link=f"/listings/{record.id}",
               title=record.achievement.title, end=_local(record.listing_ends_at))
        record.expiry_reminded_at = clock.now()
    db.session.commit()
    return len(due)


market.register_job("listing periods", advance_due)
market.register_job("listing expiry reminders", remind_expiring)


# --- bidding -----------------------------------------------------------------------------------

def qualified_intent(record, actor):
    if getattr(actor, "role", None) != Role.ENTERPRISE or actor.organization_id is None:
        return None
    return db.session.scalar(select(Intent).where(
        Intent.listing_id == record.id, Intent.org_id == actor.organization_id,
        Intent.status == "active"))


def place_bid(listing_id, amount, actor):
    """A bid by a buyer with a qualified intent, inside the window: at least the reserve
    price, and at least the best bid plus the increment (so of two equal bids at the same
    moment the earlier wins and the later is refused). The listing's row is held from the
    check to the commit, so the best bid and the end time always agree with the bids."""
    record = load(listing_id, actor)
    # Who may act first (only enterprises ever bid), then the state, then the intent: an
    # enterprise learns that bidding is closed before whether it would have qualified.
    if getattr(actor, "role", None) != Role.ENTERPRISE:
        raise PermissionDenied(_l("Only buyers whose intent qualified may bid."))
    ensure_allowed("bid", org_id=actor.organization_id)
    if record.status != S.BIDDING:
        raise Conflict(_l("Bidding is not open on this listing."))
    intent = qualified_intent(record, actor)
    if intent is None:
        raise PermissionDenied(_l("Only buyers whose intent qualified may bid."))
    errors = FieldErrors()
    value = parse_money(errors, "amount", amount, required=True, positive=True)
    errors.raise_if_any()
    minimum = record.min_next_bid
    if value < minimum:
        raise ValidationFailed(fields={"amount": [
            _l("Below the reserve price: the lowest bid is %(amount)s yuan.",
               amount=f"{minimum:,.2f}") if record.best_bid_amount is None else
            _l("The best bid plus the increment is %(amount)s yuan: bid at least that.",
               amount=f"{minimum:,.2f}")]})
    now = clock.now()
    previous = record.best_bid_org_id
    record.bid_count += 1
    bid = Bid(listing_id=record.id, intent_id=intent.id, org_id=intent.org_id,
              user_id=actor.id, sequence=record.bid_count, amount=value, placed_at=now)
    db.session.add(bid)
    record.best_bid_amount, record.best_bid_org_id, record.best_bid_at = value, intent.org_id, now
    extended = record.bidding_ends_at - now < EXTENSION
    if extended:
        record.bidding_ends_at = now + EXTENSION
        schedule(record)
    record.updated_at = now
    db.session.flush()
    audit.record("listing", record.id, "bid", actor, amount=str(value), sequence=bid.sequence,
                 bid_id=bid.id, **({"extended_to": record.bidding_ends_at.isoformat()}
                                   if extended else {}))
    if previous and previous != intent.org_id:
        notify(members(previous), N_("You were outbid on %(title)s: the best bid is now "
                                     "%(amount)s yuan."), link=f"/listings/{record.id}",
               title=record.achievement.title, amount=f"{value:,.2f}")
    commit()
    return bid


def bids_of(record):
    return db.session.scalars(select(Bid).where(Bid.listing_id == record.id)
                              .order_by(Bid.sequence.desc())).all()


# --- confirming the deal -------------------------------------------------------------------

def _may_be_party(actor, record):
    """Only the seller and an enterprise can ever be the two sides of a deal: everyone else
    is refused before the state is looked at."""
    if not (is_seller_of(actor, record) or getattr(actor, "role", None) == Role.ENTERPRISE):
        raise PermissionDenied(_l("Only the seller and the buyer confirm a deal."))


def confirm(listing_id, actor, price=None):
    """The seller and the buyer each confirm; the second confirmation makes the deal. On a
    negotiable listing without an offered price the seller names the price first."""
    record = load(listing_id, actor)
    _may_be_party(actor, record)
    if record.status not in AWAITING_CONFIRMATION:
        raise Conflict(_l("There is no deal to confirm on this listing now."))
    seller, buyer = is_seller_of(actor, record), is_buyer(actor, record)
    if not (seller or buyer):
        raise PermissionDenied(_l("Only the seller and the buyer confirm a deal."))
    now = clock.now()
    if price not in (None, ""):
        if not seller:
            raise ValidationFailed(fields={"price": [_l("The seller names the price.")]})
        if record.agreed_price is not None:
            raise ValidationFailed(fields={"price": [_l("The price is already set.")]})
        errors = FieldErrors()
        value = parse_money(errors, "price", price, required=True, positive=True)
        errors.raise_if_any()
        record.agreed_price = value
        audit.record("listing", record.id, "set_price", actor, amount=str(value))
    if record.agreed_price is None:
        if seller:
            raise ValidationFailed(fields={"price": [_l("Name the price the two sides agreed.")]})
        raise Conflict(_l("The seller has not named the price yet."))
    if (record.seller_confirmed_at if seller else record.buyer_confirmed_at) is not None:
        raise Conflict(_l("Your side has already confirmed."))
    if seller:
        record.seller_confirmed_at = now
    else:
        record.buyer_confirmed_at = now
    record.updated_at = now
    audit.record("listing", record.id, "confirm", actor, side="seller" if seller else "buyer",
                 amount=str(record.agreed_price))
    if record.seller_confirmed_at and record.buyer_confirmed_at:
        from .deals import make_deal

        transition(WORKFLOW, record, "deal", actor, amount=str(record.agreed_price))
        record.next_move_at = None
        deal = make_deal(record, actor)
        notify(members(record.seller_org_id, record.buyer_org_id), N_(
            "Deal confirmed: %(title)s for %(amount)s yuan, certificate No. %(number)s."),
            link=f"/deals/{deal.id}", title=record.achievement.title,
            amount=f"{deal.price:,.2f}", number=deal.certificate_number)
    else:
        other = record.buyer_org_id if seller else record.seller_org_id
        notify(members(other), N_("The other side confirmed the deal on %(title)s at "
                                  "%(amount)s yuan; your confirmation is awaited."),
               link=f"/listings/{record.id}", title=record.achievement.title,
               amount=f"{record.agreed_price:,.2f}")
    commit()
    return record


def decline(listing_id, actor, reason, comment):
    """Either side declines the deal, saying why; the listing fails. A winning bidder who
    declines is recorded for the credit score."""
    record = load(listing_id, actor)
    _may_be_party(actor, record)
    if record.status not in AWAITING_CONFIRMATION:
        raise Conflict(_l("There is no deal to decline on this listing now."))
    seller, buyer = is_seller_of(actor, record), is_buyer(actor, record)
    if not (seller or buyer):
        raise PermissionDenied(_l("Only the seller and the buyer confirm a deal."))
    errors = FieldErrors()
    if reason not in DECLINE_REASONS:
        errors.add("reason", _l("Choose a reason."))
    comment = (comment or "").strip()
    if not comment:
        errors.add("comment", _l("Say why; the other side will see it."))
    errors.raise_if_any()
    was_awarded = record.status == S.AWARDED
    transition(WORKFLOW, record, "decline", actor, comment, reason=reason,
               side="seller" if seller else "buyer")
    record.end_reason, record.end_comment = reason, comment
    record.next_move_at = None
    record.updated_at = clock.now()
    close_open("listing", record.id, actor)
    if was_awarded and buyer:
        record_event("winner_declined", org_id=record.buyer_org_id, entity="listing",
                     entity_id=record.id, actor=actor, comment=comment)
    other = record.buyer_org_id if seller else record.seller_org_id
    notify(members(other), N_("The other side declined the deal on %(title)s: %(comment)s"),
           link=f"/listings/{record.id}", title=record.achievement.title, comment=comment)
    commit()
    return record
