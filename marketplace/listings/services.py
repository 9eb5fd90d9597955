"""Listing rules (SPEC.md §2): drafting and validation, the bureau's review, changes that are
re-announced, withdrawal, pause, resume and termination, and buyers' intents. Bidding, the
timed moves and the deal are in `trading.py`; every service here starts from `load()`, which
holds the listing's row and first applies any timed move that is due."""
import re
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select
from sqlalchemy.orm import selectinload

from .. import audit, clock, settings
from ..accounts.models import Organization, Role, User
from ..achievements.models import Achievement
from ..achievements.states import AchievementStatus
from ..brokers import engagements
from ..credit.blacklist import ensure_allowed
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..inbox.services import N_, notify
from ..money import parse_money
from ..workflow import commit, lock, transition
from .models import Intent, Listing
from .states import (
    ACTION_LABELS,
    CHANGEABLE,
    DECLINE_REASONS,
    EDITABLE,
    LICENCE_MODES,
    LIVE,
    STATUS_LABELS,
    TAKES_INTENTS,
    TRANSFER_MODES,
    WORKFLOW,
    ListingStatus,
    is_party,
    is_seller,
)

S = ListingStatus
audit.register_labels(STATUS_LABELS, "listing")
audit.register_labels(ACTION_LABELS, "listing")

MAX_ANNOUNCEMENT_DAYS = 90
MAX_LISTING_DAYS = 365
MAX_BIDDING_DAYS = 30
MAX_LICENCE_YEARS = 50
MAX_TEXT = 2000
CREDIT_CODE_IN_TEXT = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}"
                                 r"(?![0-9A-Z])")


@dataclass
class ListingData:
    achievement_id: int | None = None
    transfer_mode: str = ""
    licence_term_years: int | None = None
    licence_territory: str | None = None
    asking_price: object = None  # None or "": negotiable
    reserve_price: object = None
    bid_increment: object = None
    announcement_days: int | None = 15
    listing_days: int | None = 30
    bidding_days: int | None = 5
    buyer_conditions: str = ""
    seller_broker_id: int | None = None
    seller_broker_commission: object = None


FIELDS = tuple(ListingData.__dataclass_fields__)
AMOUNTS = ("asking_price", "reserve_price", "bid_increment", "seller_broker_commission")


# --- validation --------------------------------------------------------------------------------

def _days(errors, name, value, low, high):
    if value in (None, ""):
        errors.add(name, _l("This field is required."))
        return
    try:
        value = int(value)
    except (TypeError, ValueError):
        errors.add(name, _l("Enter a whole number of days."))
        return
    if not low <= value <= high:
        errors.add(name, _l("Between %(low)d and %(high)d days.", low=low, high=high))


def _names_a_party(text):
    """The name of a registered organisation, or a credit code, written in `text`."""
    if CREDIT_CODE_IN_TEXT.search(text.upper()):
        return True
    # Names of four characters or more: shorter ones ("某公司") are words, not parties.
    position = func.strpos if db.session.get_bind().dialect.name == "postgresql" else \
        func.instr
    return db.session.scalar(select(Organization.id).where(
        func.length(Organization.name) >= 4,
        position(literal(text), Organization.name) > 0).limit(1)) is not None


def broker_choices():
    """(user id, "real name — level") of the brokers a party may name: verified, not on the
    blacklist (whether the other side employs one is checked when it is named)."""
    return engagements.broker_choices()


def _broker(errors, name, broker_id, commission_name, commission, record=None, side="seller"):
    """The broker named on a form and its commission: one a party may engage on `record` (a
    listing, None before it exists), unless it is the broker already named."""
    if broker_id in (None, ""):
        if commission not in (None, ""):
            errors.add(commission_name, _l("A commission is agreed with a broker: name the "
                                           "broker first."))
        return None, None
    broker_id = engagements.as_id(broker_id)
    named = record.seller_broker_id if record is not None and side == "seller" else None
    if broker_id != named:
        engagements.check_broker(errors, name, broker_id, "listing", record, side)
    return broker_id, parse_money(errors, commission_name, commission)


def validate(data: ListingData, seller_org_id, record=None):
    """Every rule of a listing's fields. Amounts come back as Decimals in `data`."""
    errors = FieldErrors()
    achievement = db.session.get(Achievement, data.achievement_id) if str(
        data.achievement_id or "").isdigit() else None
    if (achievement is None or achievement.owner_org_id != seller_org_id
            or achievement.status != AchievementStatus.REGISTERED):
        errors.add("achievement_id", _l("Choose one of your organisation's registered "
                                        "achievements."))
    elif db.session.scalar(select(Listing.id).where(
            Listing.achievement_id == achievement.id, Listing.status.in_(LIVE),
            Listing.id != (record.id if record else 0)).limit(1)):
        errors.add("achievement_id", _l("This achievement already has a listing in progress."))
    if data.transfer_mode not in TRANSFER_MODES:
        errors.add("transfer_mode", _l("Choose the transfer mode."))
    elif data.transfer_mode in LICENCE_MODES:
        _days_or_years(errors, data)
        territory = (data.licence_territory or "").strip()
        if not territory:
            errors.add("licence_territory", _l("Say where the licensee may use the "
                                               "technology."))
        elif len(territory) > 200:
            errors.add("licence_territory", _l("At most %(n)d characters.", n=200))
    else:
        data.licence_term_years, data.licence_territory = None, None
    asking = parse_money(errors, "asking_price", data.asking_price, positive=True)
    reserve = parse_money(errors, "reserve_price", data.reserve_price, required=True,
                          positive=True)
    increment = parse_money(errors, "bid_increment", data.bid_increment, required=True,
                            positive=True)
    if asking is not None and reserve is not None and reserve > asking:
        errors.add("reserve_price", _l("The reserve price cannot be above the asking price."))
    if increment is not None and reserve is not None and increment > reserve:
        errors.add("bid_increment", _l("The bid increment cannot be more than the reserve "
                                       "price."))
    _days(errors, "announcement_days", data.announcement_days,
          settings.get("announcement_min_days"), MAX_ANNOUNCEMENT_DAYS)
    _days(errors, "listing_days", data.listing_days, 1, MAX_LISTING_DAYS)
    _days(errors, "bidding_days", data.bidding_days, 1, MAX_BIDDING_DAYS)
    conditions = (data.buyer_conditions or "").strip()
    if len(conditions) > MAX_TEXT:
        errors.add("buyer_conditions", _l("At most %(n)d characters.", n=MAX_TEXT))
    elif conditions and _names_a_party(conditions):
        errors.add("buyer_conditions", _l("Conditions describe what a buyer must meet; they "
                                          "may not name a particular party."))
    broker_id, commission = _broker(errors, "seller_broker_id", data.seller_broker_id,
                                    "seller_broker_commission", data.seller_broker_commission,
                                    record)
    errors.raise_if_any()
    data.asking_price, data.reserve_price, data.bid_increment = asking, reserve, increment
    data.seller_broker_id, data.seller_broker_commission = broker_id, commission
    data.buyer_conditions = conditions
    data.licence_territory = (data.licence_territory or "").strip() or None
    for name in ("announcement_days", "listing_days", "bidding_days", "licence_term_years"):
        value = getattr(data, name)
        setattr(data, name, int(value) if value not in (None, "") else None)


def _days_or_years(errors, data):
    value = data.licence_term_years
    if value in (None, ""):
        errors.add("licence_term_years", _l("A licence gives its term in years."))
        return
    try:
        years = int(value)
    except (TypeError, ValueError):
        errors.add("licence_term_years", _l("Enter a whole number of years."))
        return
    if not 1 <= years <= MAX_LICENCE_YEARS:
        errors.add("licence_term_years", _l("Between %(low)d and %(high)d years.", low=1,
                                            high=MAX_LICENCE_YEARS))


# --- access --------------------------------------------------------------------------------------

def is_public(record):
    return record.first_announced_at is not None and record.status != S.WITHDRAWN


def may_view(actor, record):
    if is_public(record) or is_party(actor, record):
        return True
    if engagements.is_engaged(actor, "listing", record.id):
        return True  # a broker sees what its principal sees
    return actor is not None and (getattr(actor, "is_officer", False)
                                  or getattr(actor, "organization_id", None)
                                  == record.seller_org_id)


def load(listing_id, actor):
    """The listing, locked for a change, after the timed moves that are due (committed on
    their own, so a refused action does not undo them). NotFound when `actor` may not see it."""
    from .trading import advance

    record = lock(Listing, listing_id)
    if record is not None and advance(record):
        commit()
        record = lock(Listing, listing_id)
    if record is None or not may_view(actor, record):
        raise NotFound()
    return record


def get_visible(listing_id, actor):
    """For reading: applies the timed moves that are due first (lazily, SPEC.md §2)."""
    from .trading import advance_if_due

    advance_if_due(listing_id)
    record = db.session.get(Listing, listing_id)
    if record is None or not may_view(actor, record):
        raise NotFound()
    return record


def _seller_record(listing_id, actor, states=None, message=None):
    record = load(listing_id, actor)
    if not is_seller(actor, record):
        raise PermissionDenied(_l("Only the seller can change the listing."))
    if states is not None and record.status not in states:
        raise Conflict(message)
    return record


def officers():
    return db.session.scalars(select(User).where(User.role == Role.BUREAU,
                                                 User.active.is_(True))).all()


def members(*org_ids):
    org_ids = [i for i in org_ids if i]
    if not org_ids:
        return []
    return db.session.scalars(select(User).where(User.organization_id.in_(org_ids),
                                                 User.active.is_(True))).all()


def _link(record):
    return f"/listings/{record.id}"


# --- drafting ----------------------------------------------------------------------------------

def _apply(record, data: ListingData):
    changed = {}
    for name in FIELDS:
        old, new = getattr(record, name, None), getattr(data, name)
        if old != new:
            changed[name] = (old, new)
            setattr(record, name, new)
    return changed


def _amount_changes(changed):
    """The audit data of changed amounts (SPEC.md §6: every amount change is audited)."""
    return {f"{name}": [None if old is None else str(old), None if new is None else str(new)]
            for name, (old, new) in changed.items() if name in AMOUNTS}


def _name_seller_broker(record, actor):
    """The broker named on the form is invited (the one it replaces let go)."""
    engagements.name_broker(record, "seller", record.seller_org_id, record.seller_broker_id,
                            record.seller_broker_commission, actor)


def data_of(record) -> ListingData:
    return ListingData(**{name: getattr(record, name) for name in FIELDS})


def create(data: ListingData, actor) -> Listing:
    """An institute drafts a listing of one of its registered achievements."""
    if getattr(actor, "role", None) != Role.INSTITUTE or actor.organization_id is None:
        raise PermissionDenied(_l("Only research institutes and universities list their "
                                  "achievements."))
    ensure_allowed("list", org_id=actor.organization_id)
    validate(data, actor.organization_id)
    moment = clock.now()
    record = Listing(seller_org_id=actor.organization_id, created_by_id=actor.id,
                     status=S.DRAFT, created_at=moment, updated_at=moment)
    _apply(record, data)
    db.session.add(record)
    db.session.flush()
    audit.record("listing", record.id, "create", actor, to_state=S.DRAFT)
    _name_seller_broker(record, actor)
    commit()
    return record


def update(listing_id, data: ListingData, actor) -> Listing:
    record = _seller_record(listing_id, actor, EDITABLE,
                            _l("Only a draft or a returned listing can be edited."))
    validate(data, actor.organization_id, record)
    changed = _apply(record, data)
    record.updated_at = clock.now()
    audit.record("listing", record.id, "edit", actor, **_amount_changes(changed))
    _name_seller_broker(record, actor)
    commit()
    return record


def submit(listing_id, actor, expected_version=None):
    record = _seller_record(listing_id, actor)
    ensure_allowed("list", org_id=record.seller_org_id)
    WORKFLOW.check(record, "submit", actor, expected_version)
    # The rules again: a setting may have changed, the achievement may have been revoked.
    validate(data_of(record), record.seller_org_id, record)
    if not record.seller.is_verified:
        raise ValidationFailed(fields={"organization": [_l(
            "Your organisation must be verified by the bureau before it can submit.")]})
    transition(WORKFLOW, record, "submit", actor, expected_version=expected_version)
    record.submitted_at = record.updated_at = clock.now()
    notify(officers(), N_("A listing awaits review: %(title)s"),
           link=f"/bureau/listings/{record.id}", title=record.achievement.title)
    commit()
    return record


def withdraw(listing_id, actor, comment=None, expected_version=None):
    """The seller withdraws a listing that no buyer has registered an intent on."""
    record = load(listing_id, actor)
    # The guard refuses the seller once an intent exists: to the seller that is the state's
    # answer (409), whatever the state, not a question of who may act (403).
    if is_seller(actor, record) and record.intents_count:
        raise Conflict(_l("A buyer has registered an intent: the listing can no longer be "
                          "withdrawn."))
    transition(WORKFLOW, record, "withdraw", actor, (comment or "").strip() or None,
               expected_version=expected_version)
    record.next_move_at = None
    record.updated_at = clock.now()
    engagements.close_open("listing", record.id, actor)
    commit()
    return record


def _announce(record, moment):
    record.announced_at = moment
    record.first_announced_at = record.first_announced_at or moment
    record.announcement_ends_at = moment + timedelta(days=record.announcement_days)
    record.listing_ends_at = record.bidding_starts_at = record.bidding_ends_at = None
    record.confirm_by = None
    record.next_move_at = record.announcement_ends_at


def review(listing_id, decision, actor, comment=None, expected_version=None):
    """The bureau approves (the announcement starts), returns or rejects, with reasons."""
    if decision not in ("approve", "return", "reject"):
        raise ValidationFailed(fields={"decision": [_l("Choose approve, return or reject.")]})
    record = load(listing_id, actor)
    WORKFLOW.check(record, decision, actor, expected_version)
    comment = (comment or "").strip()
    if decision != "approve" and not comment:
        raise ValidationFailed(fields={"comment": [_l("Say why; the applicant will see it.")]})
    if decision == "approve" and record.achievement.status != AchievementStatus.REGISTERED:
        raise Conflict(_l("The achievement is no longer registered."))
    transition(WORKFLOW, record, decision, actor, comment or None,
               expected_version=expected_version)
    moment = clock.now()
    record.review_comment, record.updated_at = comment or None, moment
    if decision == "approve":
        _announce(record, moment)
        message = N_("Listing %(title)s is approved and announced until %(end)s.")
    elif decision == "return":
        message = N_("Listing %(title)s was returned for correction: %(comment)s")
    else:
        message = N_("Listing %(title)s was rejected: %(comment)s")
        engagements.close_open("listing", record.id, actor)
    end = record.announcement_ends_at.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M") \
        if record.announcement_ends_at else ""
    notify(members(record.seller_org_id), message, link=_link(record),
           title=record.achievement.title, comment=comment, end=end)
    commit()
    return record


def change(listing_id, data: ListingData, actor, expected_version=None):
    """An announced or listed listing changed by its seller goes back to the bureau, and its
    announcement starts again when approved. Not once a buyer has registered an intent: the
    terms the buyer answered stay as they were."""
    record = _seller_record(listing_id, actor, CHANGEABLE,
                            _l("Only an announced or listed listing can be changed this way."))
    ensure_allowed("list", org_id=record.seller_org_id)
    if record.intents_count:
        raise Conflict(_l("A buyer has registered an intent: the terms can no longer be "
                          "changed."))
    WORKFLOW.check(record, "change", actor, expected_version)
    data.achievement_id = record.achievement_id  # the same achievement, other terms
    validate(data, record.seller_org_id, record)
    changed = _apply(record, data)
    if not changed:
        raise ValidationFailed(fields={"_schema": [_l("Nothing was changed.")]})
    transition(WORKFLOW, record, "change", actor, expected_version=expected_version,
               fields=sorted(changed), **_amount_changes(changed))
    _name_seller_broker(record, actor)
    record.next_move_at = None
    record.submitted_at = record.updated_at = clock.now()
    notify(officers(), N_("A changed listing awaits review: %(title)s"),
           link=f"/bureau/listings/{record.id}", title=record.achievement.title)
    commit()
    return record


def renew(listing_id, actor, expected_version=None):
    """Once, the seller extends a listed listing by another listing period."""
    record = load(listing_id, actor)
    if is_seller(actor, record):
        ensure_allowed("list", org_id=record.seller_org_id)
        if record.renewed:  # the guard's 403 is for other people
            raise Conflict(_l("The listing has already been renewed once."))
    transition(WORKFLOW, record, "renew", actor, expected_version=expected_version)
    record.renewed = True
    record.listing_ends_at += timedelta(days=record.listing_days)
    record.next_move_at = record.listing_ends_at
    record.expiry_reminded_at = None
    record.updated_at = clock.now()
    commit()
    return record


def _bureau_comment(comment):
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(fields={"comment": [_l("Say why; the parties will see it.")]})
    return comment


def _interested(record):
    """Everyone with a stake: the seller, the buyers with intents, the bidders."""
    org_ids = {record.seller_org_id, record.buyer_org_id}
    org_ids.update(db.session.scalars(select(Intent.org_id).where(
        Intent.listing_id == record.id, Intent.status == "active")))
    return members(*org_ids)


TIMERS = ("announcement_ends_at", "listing_ends_at", "bidding_ends_at", "confirm_by")


def pause(listing_id, actor, comment, expected_version=None):
    """中止: the bureau stops the clock of a listing, with reasons."""
    record = load(listing_id, actor)
    WORKFLOW.check(record, "pause", actor, expected_version)
    comment = _bureau_comment(comment)
    paused_from = record.status
    transition(WORKFLOW, record, "pause", actor, comment, expected_version=expected_version)
    moment = clock.now()
    record.paused_from, record.paused_at = paused_from.value, moment
    record.next_move_at = None
    record.updated_at = moment
    notify(_interested(record), N_("Listing %(title)s is paused by the bureau: %(comment)s"),
           link=_link(record), title=record.achievement.title, comment=comment)
    commit()
    return record


def resume(listing_id, actor, comment, expected_version=None):
    """The listing goes on where it stopped; the running period is extended by the pause."""
    record = load(listing_id, actor)
    WORKFLOW.check(record, "resume", actor, expected_version)
    comment = _bureau_comment(comment)
    transition(WORKFLOW, record, "resume", actor, comment, expected_version=expected_version)
    moment = clock.now()
    pause_length = moment - record.paused_at
    for name in TIMERS:
        value = getattr(record, name)
        if value is not None and value > record.paused_at:
            setattr(record, name, value + pause_length)
    from .trading import schedule

    schedule(record)
    record.paused_from = record.paused_at = None
    record.updated_at = moment
    notify(_interested(record), N_("Listing %(title)s is resumed: %(comment)s"),
           link=_link(record), title=record.achievement.title, comment=comment)
    commit()
    return record


def terminate(listing_id, actor, comment, expected_version=None):
    """终结: the bureau ends a listing for good, with reasons."""
    record = load(listing_id, actor)
    WORKFLOW.check(record, "terminate", actor, expected_version)
    comment = _bureau_comment(comment)
    transition(WORKFLOW, record, "terminate", actor, comment,
               expected_version=expected_version)
    record.next_move_at = None
    record.end_comment, record.updated_at = comment, clock.now()
    engagements.close_open("listing", record.id, actor)
    notify(_interested(record), N_("Listing %(title)s was terminated by the bureau: "
                                   "%(comment)s"), link=_link(record),
           title=record.achievement.title, comment=comment)
    commit()
    return record


def end_for_revoked_achievement(achievement, actor, comment):
    """A revoked registration terminates the achievement's running listings (the achievements
    service calls this in its transaction). Drafts stay: they can no longer be submitted."""
    _end_running(Listing.achievement_id == achievement.id, actor, comment,
                 cause="achievement_revoked")


def end_for_sanction(org_id, actor, comment, complaint_id):
    """An upheld complaint takes the organisation's listings off the market: the running ones
    are terminated (the complaints service calls this in its transaction)."""
    _end_running(Listing.seller_org_id == org_id, actor, comment, cause="complaint",
                 complaint_id=complaint_id)


def _end_running(condition, actor, comment, **data):
    for record in db.session.scalars(select(Listing).where(
            condition, Listing.status.in_(LIVE)).order_by(Listing.id)).all():
        if WORKFLOW.target(record, "terminate") is None:
            continue
        transition(WORKFLOW, record, "terminate", actor, comment, **data)
        engagements.close_open("listing", record.id, actor)
        record.next_move_at = None
        record.end_comment, record.updated_at = comment, clock.now()
        notify(_interested(record), N_("Listing %(title)s was terminated by the bureau: "
                                       "%(comment)s"), link=_link(record),
               title=record.achievement.title, comment=comment)


# --- intents -----------------------------------------------------------------------------------

def register_intent(listing_id, actor, statement, offered_price=None, broker_id=None,
                    broker_commission=None):
    """意向受让 by a verified enterprise while the listing is announced or listed. On a listed
    listing the first intent opens the negotiation at once."""
    record = load(listing_id, actor)
    if getattr(actor, "role", None) != Role.ENTERPRISE or actor.organization is None:
        raise PermissionDenied(_l("Only enterprises register an intent to buy."))
    ensure_allowed("intent", org_id=actor.organization_id)
    if record.status not in TAKES_INTENTS:
        raise Conflict(_l("This listing does not take intents now."))
    if actor.organization_id == record.seller_org_id:
        raise PermissionDenied(_l("A seller cannot buy its own listing."))
    errors = FieldErrors()
    statement = (statement or "").strip()
    if not statement:
        errors.add("statement", _l("Say who you are and how you meet the buyer conditions."))
    elif len(statement) > MAX_TEXT:
        errors.add("statement", _l("At most %(n)d characters.", n=MAX_TEXT))
    offered = parse_money(errors, "offered_price", offered_price, positive=True)
    broker_id, commission = _broker(errors, "broker_id", broker_id, "broker_commission",
                                    broker_commission, record, "buyer")
    if not actor.organization.is_verified:
        errors.add("organization", _l("Your organisation must be verified by the bureau "
                                      "before it can take part in a deal."))
    errors.raise_if_any()
    if db.session.scalar(select(Intent.id).where(Intent.listing_id == record.id,
                                                 Intent.org_id == actor.organization_id)):
        raise Conflict(_l("Your organisation has already registered an intent on this "
                          "listing."))
    intent = Intent(listing_id=record.id, org_id=actor.organization_id, user_id=actor.id,
                    statement=statement, offered_price=offered, broker_id=broker_id,
                    broker_commission=commission, status="active", created_at=clock.now())
    db.session.add(intent)
    db.session.flush()
    engagements.name_broker(record, "buyer", intent.org_id, broker_id, commission, actor)
    record.intents_count += 1
    record.updated_at = clock.now()
    audit.record("listing", record.id, "intent", actor, intent_id=intent.id,
                 offered_price=str(offered) if offered is not None else None)
    if record.status == S.LISTED:
        from .trading import open_negotiation

        transition(WORKFLOW, record, "engage", actor, intent_id=intent.id)
        open_negotiation(record, intent, clock.now())
    notify(members(record.seller_org_id), N_("%(buyer)s registered an intent on your listing "
                                             "%(title)s."), link=_link(record),
           buyer=actor.organization.name, title=record.achievement.title)
    commit()
    return intent


def intent_on(listing_id, intent_id):
    """`intent_id` when it is an intent on that listing (URLs name both); NotFound else."""
    intent = db.session.get(Intent, intent_id)
    if intent is None or intent.listing_id != listing_id:
        raise NotFound()
    return intent_id


def _intent(intent_id, actor):
    intent = db.session.get(Intent, intent_id)
    if intent is None:
        raise NotFound()
    record = load(intent.listing_id, actor)
    if not (is_seller(actor, record) or getattr(actor, "is_officer", False)
            or getattr(actor, "organization_id", None) == intent.org_id):
        raise NotFound()
    return record, db.session.get(Intent, intent_id)


def _end_intent(record, intent, status, action, actor, reason=None, comment=None):
    if record.status != S.ANNOUNCED:
        raise Conflict(_l("Intents are decided while the listing is announced."))
    if intent.status != "active":
        raise Conflict(_l("This intent is no longer active."))
    moment = clock.now()
    intent.status, intent.reason, intent.decision_comment = status, reason, comment
    intent.decided_by_id, intent.decided_at = actor.id, moment
    record.intents_count -= 1
    record.updated_at = moment
    audit.record("listing", record.id, action, actor, comment=comment, intent_id=intent.id,
                 org_id=intent.org_id, **({"reason": reason} if reason else {}))
    engagements.close_open("listing", record.id, actor, side="buyer",
                           principal_org_id=intent.org_id)


def withdraw_intent(intent_id, actor):
    record, intent = _intent(intent_id, actor)
    if getattr(actor, "organization_id", None) != intent.org_id:
        raise PermissionDenied()
    _end_intent(record, intent, "withdrawn", "withdraw_intent", actor)
    commit()
    return intent


def disqualify_intent(intent_id, actor, comment):
    """The bureau finds that a buyer does not qualify (with reason)."""
    record, intent = _intent(intent_id, actor)
    if getattr(actor, "role", None) != Role.BUREAU:
        raise PermissionDenied()
    comment = _bureau_comment(comment)
    _end_intent(record, intent, "disqualified", "disqualify_intent", actor, comment=comment)
    notify(members(intent.org_id), N_("Your intent on %(title)s was disqualified: "
                                      "%(comment)s"), link=_link(record),
           title=record.achievement.title, comment=comment)
    commit()
    return intent


def decline_intent(intent_id, actor, reason, comment):
    """The seller declines a buyer who does not meet the conditions, saying why."""
    record, intent = _intent(intent_id, actor)
    if not is_seller(actor, record):
        raise PermissionDenied()
    errors = FieldErrors()
    if reason not in DECLINE_REASONS:
        errors.add("reason", _l("Choose a reason."))
    if not (comment or "").strip():
        errors.add("comment", _l("Say why; the other side will see it."))
    errors.raise_if_any()
    _end_intent(record, intent, "declined", "decline_intent", actor, reason, comment.strip())
    notify(members(intent.org_id), N_("Your intent on %(title)s was declined: %(comment)s"),
           link=_link(record), title=record.achievement.title, comment=comment.strip())
    commit()
    return intent


def intents_visible(record, actor):
    """The seller, its broker and the bureau see every intent; a buyer (and its broker) its
    own."""
    stmt = select(Intent).where(Intent.listing_id == record.id).order_by(Intent.id)
    if not (is_seller(actor, record) or getattr(actor, "is_officer", False)
            or engagements.is_engaged(actor, "listing", record.id, "seller")):
        principals = [e.principal_org_id for e in engagements.engaged(
            actor, "listing", record.id, "buyer")]
        if getattr(actor, "organization_id", None) is not None \
                and getattr(actor, "role", None) != Role.BROKER:
            principals.append(actor.organization_id)
        if not principals:
            return []
        stmt = stmt.where(Intent.org_id.in_(principals))
    return db.session.scalars(stmt.options(selectinload(Intent.broker))).all()


def own_intent(record, actor):
    if actor is None or getattr(actor, "organization_id", None) is None:
        return None
    return db.session.scalar(select(Intent).where(Intent.listing_id == record.id,
                                                  Intent.org_id == actor.organization_id))


def live_listing_of(achievement_id):
    """The achievement's listing in progress, if any (one at a time)."""
    return db.session.scalar(select(Listing).where(Listing.achievement_id == achievement_id,
                                                   Listing.status.in_(LIVE))
                             .order_by(Listing.id.desc()).limit(1))


def review_queue():
    return db.session.scalars(select(Listing).where(Listing.status == S.PENDING_REVIEW)
                              .order_by(Listing.submitted_at)).all()
