"""Need rules (SPEC.md §3): drafting and validation, the bureau's review, publication until
the response deadline (expiring by the market clock, renewable once), and the responses:
shortlist, decline with a reason, accept with terms that the seller side confirms into a
deal (the listings capability's deal, with its certificate and pre-filled contract)."""
import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from .. import audit, clock, market
from ..accounts.models import Role, User
from ..achievements.models import Achievement
from ..achievements.states import AchievementStatus
from ..brokers import engagements
from ..codes import FIELDS
from ..credit.blacklist import ensure_allowed
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..inbox.services import N_, notify
from ..listings.models import Listing
from ..listings.states import DECLINE_REASONS, OPEN
from ..money import parse_money
from ..workflow import commit, lock, transition
from .models import Need, Response
from .states import (
    ACTION_LABELS,
    CLOSURES,
    COOPERATION_MODES,
    EDITABLE,
    OPEN_RESPONSES,
    STATUS_LABELS,
    WORKFLOW,
    NeedStatus,
    is_owner,
)

S = NeedStatus
audit.register_labels(STATUS_LABELS, "need")
audit.register_labels(ACTION_LABELS, "need")
MAX_DEADLINE_DAYS = 365
RENEWAL_DAYS = 30
EXPIRY_NOTICE_DAYS = 7
MAX_KEYWORDS = 5


@dataclass
class NeedData:
    title: str = ""
    description: str = ""
    field: str = ""
    keywords: list = dataclasses.field(default_factory=list)
    indicators: str = ""
    budget_min: object = None
    budget_max: object = None
    cooperation_modes: list = dataclasses.field(default_factory=list)
    deadline: date | None = None


FIELDS_OF_NEED = tuple(NeedData.__dataclass_fields__)


# --- validation --------------------------------------------------------------------------------

def _text(errors, name, value, limit, required=False):
    if not (value or "").strip():
        if required:
            errors.add(name, _l("This field is required."))
    elif len(value) > limit:
        errors.add(name, _l("At most %(n)d characters.", n=limit))


def validate(data: NeedData):
    """Every rule of a need's fields; amounts come back as Decimals in `data`."""
    errors = FieldErrors()
    _text(errors, "title", data.title, 200, required=True)
    _text(errors, "description", data.description, 5000, required=True)
    _text(errors, "indicators", data.indicators, 5000)
    if data.field not in FIELDS:
        errors.add("field", _l("Choose the industry field."))
    keywords = [k.strip() for k in data.keywords or [] if k and k.strip()]
    if len(keywords) > MAX_KEYWORDS:
        errors.add("keywords", _l("At most %(n)d keywords.", n=MAX_KEYWORDS))
    if any(len(k) > 30 for k in keywords):
        errors.add("keywords", _l("A keyword has at most 30 characters."))
    low = parse_money(errors, "budget_min", data.budget_min)
    high = parse_money(errors, "budget_max", data.budget_max)
    if low is not None and high is not None and low > high:
        errors.add("budget_max", _l("The highest budget cannot be below the lowest."))
    modes = list(dict.fromkeys(data.cooperation_modes or []))
    if not modes:
        errors.add("cooperation_modes", _l("Choose at least one way of cooperating."))
    elif any(m not in COOPERATION_MODES for m in modes):
        errors.add("cooperation_modes", _l("Not one of the allowed values."))
    today = clock.today()
    if data.deadline is None:
        errors.add("deadline", _l("This field is required."))
    elif data.deadline <= today:
        errors.add("deadline", _l("The response deadline must be after today."))
    elif data.deadline > today + timedelta(days=MAX_DEADLINE_DAYS):
        errors.add("deadline", _l("The response deadline is at most a year away."))
    errors.raise_if_any()
    data.keywords, data.cooperation_modes = keywords, modes
    data.budget_min, data.budget_max = low, high
    data.title, data.description = data.title.strip(), data.description.strip()
    data.indicators = (data.indicators or "").strip()


# --- access ----------------------------------------------------------------------------------

def is_public(record):
    return record.published_at is not None


def has_responded(actor, record):
    if actor is None:
        return False
    return db.session.scalar(select(Response.id).where(
        Response.need_id == record.id, _responder_is(actor)).limit(1)) is not None


def _responder_is(actor):
    if getattr(actor, "organization_id", None) is not None and actor.role == Role.INSTITUTE:
        return or_(Response.org_id == actor.organization_id,
                   Response.seller_org_id == actor.organization_id)
    return Response.user_id == actor.id


def may_view(actor, record):
    if is_public(record) or engagements.is_engaged(actor, "need", record.id):
        return True  # a broker sees what its principal sees
    return actor is not None and (getattr(actor, "is_officer", False)
                                  or getattr(actor, "organization_id", None) == record.org_id)


def _expire_if_due(record):
    """The lazy tick of one need: past its deadline it closes as expired."""
    if record.status == S.PUBLISHED and record.deadline < clock.today():
        transition(WORKFLOW, record, "expire", None, deadline=record.deadline.isoformat())
        engagements.close_open("need", record.id)
        record.closure, record.closed_at = "expired", clock.now()
        record.updated_at = record.closed_at
        notify(members(record.org_id), N_("The response deadline of your need %(title)s "
                                          "has passed; it is closed."),
               link=f"/needs/{record.id}", title=record.title)
        return True
    return False


def load(need_id, actor):
    """The need, held for a change, after its expiry if that is due. NotFound when `actor`
    may not see it."""
    record = lock(Need, need_id)
    if record is not None and _expire_if_due(record):
        commit()
        record = lock(Need, need_id)
    if record is None or not may_view(actor, record):
        raise NotFound()
    return record


def get_visible(need_id, actor):
    """For reading: a need past its deadline is closed first (the lazy tick)."""
    record = db.session.get(Need, need_id)
    if record is not None and record.status == S.PUBLISHED and record.deadline < clock.today():
        _expire_if_due(lock(Need, need_id))
        commit()
        record = db.session.get(Need, need_id)
    if record is None or not may_view(actor, record):
        raise NotFound()
    return record


def members(*org_ids):
    org_ids = [i for i in org_ids if i]
    if not org_ids:
        return []
    return db.session.scalars(select(User).where(User.organization_id.in_(org_ids),
                                                 User.active.is_(True))).all()


def officers():
    return db.session.scalars(select(User).where(User.role == Role.BUREAU,
                                                 User.active.is_(True))).all()


# --- drafting and the workflow ----------------------------------------------------------------

def _apply(record, data):
    changed = {}
    for name in FIELDS_OF_NEED:
        old, new = getattr(record, name, None), getattr(data, name)
        if old != new:
            changed[name] = (old, new)
            setattr(record, name, new)
    return changed


def data_of(record) -> NeedData:
    data = NeedData(**{name: getattr(record, name) for name in FIELDS_OF_NEED})
    data.keywords = list(record.keywords or [])
    data.cooperation_modes = list(record.cooperation_modes or [])
    return data


def create(data: NeedData, actor) -> Need:
    if getattr(actor, "role", None) != Role.ENTERPRISE or actor.organization_id is None:
        raise PermissionDenied(_l("Only enterprises post technology needs."))
    validate(data)
    moment = clock.now()
    record = Need(org_id=actor.organization_id, created_by_id=actor.id, status=S.DRAFT,
                  created_at=moment, updated_at=moment)
    _apply(record, data)
    db.session.add(record)
    db.session.flush()
    audit.record("need", record.id, "create", actor, to_state=S.DRAFT)
    commit()
    return record


def update(need_id, data: NeedData, actor) -> Need:
    record = load(need_id, actor)
    if not is_owner(actor, record):
        raise PermissionDenied(_l("Only the enterprise that posted the need can change it."))
    if record.status not in EDITABLE:
        raise Conflict(_l("Only a draft or a returned need can be edited."))
    validate(data)
    changed = _apply(record, data)
    record.updated_at = clock.now()
    audit.record("need", record.id, "edit", actor, fields=sorted(changed))
    commit()
    return record


def submit(need_id, actor, expected_version=None):
    record = load(need_id, actor)
    WORKFLOW.check(record, "submit", actor, expected_version)
    validate(data_of(record))  # the deadline may have come closer since the draft
    if not record.organization.is_verified:
        raise ValidationFailed(fields={"organization": [_l(
            "Your organisation must be verified by the bureau before it can submit.")]})
    transition(WORKFLOW, record, "submit", actor, expected_version=expected_version)
    record.submitted_at = record.updated_at = clock.now()
    notify(officers(), N_("A technology need awaits review: %(title)s"),
           link=f"/bureau/needs/{record.id}", title=record.title)
    commit()
    return record


def review(need_id, decision, actor, comment=None, expected_version=None):
    """The bureau publishes the need or returns it for correction (with reasons)."""
    if decision not in ("publish", "return"):
        raise ValidationFailed(fields={"decision": [_l("Choose publish or return.")]})
    record = load(need_id, actor)
    WORKFLOW.check(record, decision, actor, expected_version)
    comment = (comment or "").strip()
    if decision == "return" and not comment:
        raise ValidationFailed(fields={"comment": [_l("Say why; the applicant will see it.")]})
    if decision == "publish" and record.deadline <= clock.today():
        raise ValidationFailed(fields={"deadline": [_l(
            "The response deadline has come; return the need so that its owner sets a new "
            "one.")]})
    transition(WORKFLOW, record, decision, actor, comment or None,
               expected_version=expected_version)
    moment = clock.now()
    record.review_comment, record.updated_at = comment or None, moment
    if decision == "publish":
        record.published_at = record.published_at or moment
        message = N_("Your need %(title)s is published; responses are open until %(end)s.")
    else:
        message = N_("Your need %(title)s was returned for correction: %(comment)s")
    notify(members(record.org_id), message, link=f"/needs/{record.id}", title=record.title,
           end=record.deadline.isoformat(), comment=comment)
    commit()
    return record


def _close(record, action, closure, actor, comment=None, expected_version=None):
    transition(WORKFLOW, record, action, actor, comment, expected_version=expected_version)
    engagements.close_open("need", record.id, actor)  # closed without a deal
    record.closure, record.closed_at = closure, clock.now()
    record.updated_at = record.closed_at
    return record


def withdraw(need_id, actor, comment=None, expected_version=None):
    record = load(need_id, actor)
    _close(record, "withdraw", "withdrawn", actor, (comment or "").strip() or None,
           expected_version)
    commit()
    return record


def resolve(need_id, actor, comment=None, expected_version=None):
    """The enterprise found its solution (here or elsewhere) and closes the need."""
    record = load(need_id, actor)
    _close(record, "resolve", "resolved", actor, (comment or "").strip() or None,
           expected_version)
    commit()
    return record


def renew(need_id, actor, expected_version=None):
    """Once, the enterprise keeps a published need open another 30 days past its deadline."""
    record = load(need_id, actor)
    if is_owner(actor, record) and record.renewed:
        raise Conflict(_l("The need has already been renewed once."))
    transition(WORKFLOW, record, "renew", actor, expected_version=expected_version,
               old_deadline=record.deadline.isoformat())
    record.renewed = True
    record.deadline += timedelta(days=RENEWAL_DAYS)
    record.expiry_reminded_at = None
    record.updated_at = clock.now()
    commit()
    return record


def expire_due():
    """The tick: close the published needs whose response deadline has passed."""
    ids = db.session.scalars(select(Need.id).where(Need.status == S.PUBLISHED,
                                                   Need.deadline < clock.today())).all()
    for need_id in ids:
        record = lock(Need, need_id)
        if record is not None:
            _expire_if_due(record)
        commit()
    return len(ids)


def remind_expiring():
    """A week before the deadline, tell the enterprise (once) that it may renew once."""
    horizon = clock.today() + timedelta(days=EXPIRY_NOTICE_DAYS)
    due = db.session.scalars(select(Need).where(Need.status == S.PUBLISHED,
                                                Need.deadline <= horizon,
                                                Need.expiry_reminded_at.is_(None))).all()
    for record in due:
        message = (N_("Responses to your need %(title)s close on %(end)s; you may renew it "
                      "once.") if not record.renewed else
                   N_("Responses to your need %(title)s close on %(end)s."))
        notify(members(record.org_id), message, link=f"/needs/{record.id}",
               title=record.title, end=record.deadline.isoformat())
        record.expiry_reminded_at = clock.now()
    db.session.commit()
    return len(due)


market.register_job("need deadlines", expire_due)
market.register_job("need expiry reminders", remind_expiring)


def review_queue():
    return db.session.scalars(select(Need).where(Need.status == S.PENDING_REVIEW)
                              .order_by(Need.submitted_at)).all()


def closure_label(record):
    return CLOSURES.get(record.closure, "")


# --- responses ---------------------------------------------------------------------------------

def _offer(errors, actor, listing_id, achievement_id):
    """The listing or achievement a response offers, and the organisation that would sell."""
    seller_org_id = actor.organization_id if actor.role == Role.INSTITUTE else None
    if listing_id:
        listing = db.session.get(Listing, listing_id)
        own = listing is not None and (
            listing.seller_org_id == actor.organization_id if actor.role == Role.INSTITUTE
            else engagements.is_engaged(actor, "listing", listing.id, "seller"))
        if not own or listing.status not in OPEN:
            errors.add("listing_id", _l("Choose one of your listings that is open on the "
                                        "market."))
        else:
            seller_org_id = listing.seller_org_id
    if achievement_id:
        achievement = db.session.get(Achievement, achievement_id)
        if achievement is None or achievement.status != AchievementStatus.REGISTERED or (
                actor.role == Role.INSTITUTE
                and achievement.owner_org_id != actor.organization_id):
            errors.add("achievement_id", _l("Choose a registered achievement (your "
                                            "organisation's own)."))
        elif seller_org_id not in (None, achievement.owner_org_id):
            errors.add("achievement_id", _l("The listing and the achievement offered belong "
                                            "to different organisations."))
        else:
            seller_org_id = achievement.owner_org_id
    if seller_org_id is None and "listing_id" not in errors.fields \
            and "achievement_id" not in errors.fields:
        errors.add("listing_id", _l("A broker offers a listing or an achievement of the "
                                    "organisation it represents."))
    return seller_org_id


def respond(need_id, actor, message, listing_id=None, achievement_id=None):
    """An institute or a broker proposes to solve a published need."""
    record = load(need_id, actor)
    if getattr(actor, "role", None) not in (Role.INSTITUTE, Role.BROKER) or (
            actor.role == Role.INSTITUTE and actor.organization_id is None):
        raise PermissionDenied(_l("Institutes and technology brokers respond to needs."))
    if actor.role == Role.BROKER:
        ensure_allowed("respond", broker_id=actor.id)
    ensure_allowed("respond", org_id=actor.organization_id)
    if record.status != S.PUBLISHED:
        raise Conflict(_l("This need does not take responses now."))
    engaged = engagements.open_engagement("need", record.id, "buyer")
    if engaged is not None and engaged.broker_id == actor.id:
        raise PermissionDenied(_l("You are the enterprise’s broker on this need: you cannot "
                                  "also propose a solution to it."))
    errors = FieldErrors()
    message = (message or "").strip()
    if not message:
        errors.add("message", _l("Say how you would solve the need."))
    elif len(message) > 5000:
        errors.add("message", _l("At most %(n)d characters.", n=5000))
    seller_org_id = _offer(errors, actor, listing_id or None, achievement_id or None)
    if actor.organization is not None and not actor.organization.is_verified:
        errors.add("organization", _l("Your organisation must be verified by the bureau "
                                      "before it can take part in a deal."))
    errors.raise_if_any()
    if db.session.scalar(select(Response.id).where(
            Response.need_id == record.id, Response.status.in_(OPEN_RESPONSES),
            _responder_is(actor)).limit(1)):
        raise Conflict(_l("You have already responded to this need."))
    response = Response(need_id=record.id, user_id=actor.id, org_id=actor.organization_id,
                        message=message, listing_id=listing_id or None,
                        achievement_id=achievement_id or None, seller_org_id=seller_org_id,
                        status="submitted", created_at=clock.now())
    db.session.add(response)
    db.session.flush()
    record.updated_at = clock.now()
    audit.record("need", record.id, "respond", actor, response_id=response.id)
    notify(members(record.org_id), N_("A new response to your need %(title)s."),
           link=f"/needs/{record.id}", title=record.title)
    commit()
    return response


def response_to(need_id, response_id):
    """`response_id` when it is a response to that need (URLs name both); NotFound else."""
    response = db.session.get(Response, response_id)
    if response is None or response.need_id != need_id:
        raise NotFound()
    return response_id


def _response(response_id, actor):
    response = db.session.get(Response, response_id)
    if response is None:
        raise NotFound()
    record = load(response.need_id, actor)
    if not (is_owner(actor, record) or getattr(actor, "is_officer", False)
            or is_responder(actor, response)):
        raise NotFound()
    return record, db.session.get(Response, response_id)


def is_responder(actor, response):
    """The responder, or (for a broker's response) a member of the organisation offered."""
    if actor is None:
        return False
    if response.user_id == actor.id:
        return True
    org_id = getattr(actor, "organization_id", None)
    return org_id is not None and actor.role == Role.INSTITUTE and org_id in (
        response.org_id, response.seller_org_id)


def _is_seller_side(actor, response):
    return (getattr(actor, "role", None) == Role.INSTITUTE
            and actor.organization_id == response.seller_org_id)


def _decide(record, response, actor, status, action, allowed, **data):
    if record.status != S.PUBLISHED:
        raise Conflict(_l("Responses are decided while the need is published."))
    if response.status not in allowed:
        raise Conflict(_l("This response cannot be changed that way now."))
    response.status, response.decided_at = status, clock.now()
    record.updated_at = response.decided_at
    audit.record("need", record.id, action, actor, response_id=response.id, **data)


def withdraw_response(response_id, actor):
    record, response = _response(response_id, actor)
    if response.user_id != actor.id:
        raise PermissionDenied()
    _decide(record, response, actor, "withdrawn", "withdraw_response",
            ("submitted", "shortlisted"))
    commit()
    return response


def shortlist(response_id, actor):
    record, response = _response(response_id, actor)
    if not is_owner(actor, record):
        raise PermissionDenied()
    _decide(record, response, actor, "shortlisted", "shortlist", ("submitted",))
    notify([response.user], N_("Your response to %(title)s is shortlisted."),
           link=f"/needs/{record.id}", title=record.title)
    commit()
    return response


def decline_response(response_id, actor, reason, comment):
    record, response = _response(response_id, actor)
    if not is_owner(actor, record):
        raise PermissionDenied()
    errors = FieldErrors()
    if reason not in DECLINE_REASONS:
        errors.add("reason", _l("Choose a reason."))
    comment = (comment or "").strip()
    if not comment:
        errors.add("comment", _l("Say why; the other side will see it."))
    errors.raise_if_any()
    _decide(record, response, actor, "declined", "decline_response",
            ("submitted", "shortlisted"), reason=reason, comment=comment)
    response.reason, response.decision_comment = reason, comment
    notify([response.user], N_("Your response to %(title)s was declined: %(comment)s"),
           link=f"/needs/{record.id}", title=record.title, comment=comment)
    commit()
    return response


def accept_response(response_id, actor, price, mode):
    """The enterprise accepts a proposal on terms (price, way of cooperating); the seller
    side confirms them into a deal."""
    record, response = _response(response_id, actor)
    if not is_owner(actor, record):
        raise PermissionDenied()
    errors = FieldErrors()
    value = parse_money(errors, "price", price, required=True, positive=True)
    if mode not in COOPERATION_MODES:
        errors.add("mode", _l("Choose the way of cooperating."))
    errors.raise_if_any()
    if db.session.scalar(select(Response.id).where(Response.need_id == record.id,
                                                   Response.status == "accepted")):
        raise Conflict(_l("Another response is accepted and awaits its confirmation."))
    _decide(record, response, actor, "accepted", "accept_response",
            ("submitted", "shortlisted"), price=str(value), mode=mode)
    response.agreed_price, response.agreed_mode = value, mode
    response.accepted_at, response.accepted_by_id = response.decided_at, actor.id
    # The seller organisation's members and the responder (a broker), each told once.
    told = list(members(response.seller_org_id))
    if response.user not in told:
        told.append(response.user)
    notify(told,
           N_("%(buyer)s accepted the response to its need %(title)s for %(amount)s yuan; "
              "the seller confirms the deal."), link=f"/needs/{record.id}",
           buyer=record.organization.name, title=record.title, amount=f"{value:,.2f}")
    commit()
    return response


def confirm_response(response_id, actor):
    """The seller side confirms the accepted terms: the deal is made and the need resolved."""
    from ..listings.deals import make_deal_from_response

    record, response = _response(response_id, actor)
    if not _is_seller_side(actor, response):
        raise PermissionDenied(_l("The organisation that would sell confirms the deal."))
    if response.status != "accepted":
        raise Conflict(_l("This response cannot be changed that way now."))
    # The need closes first: its guard is that this response is the accepted one.
    transition(WORKFLOW, record, "deal", actor, response_id=response.id)
    record.closure, record.closed_at = "resolved", clock.now()
    record.updated_at = record.closed_at
    response.status, response.decided_at = "dealt", record.closed_at
    deal = make_deal_from_response(record, response, actor)
    audit.record("need", record.id, "confirm_response", actor, response_id=response.id,
                 deal_id=deal.id)
    notify(members(record.org_id, response.seller_org_id), N_(
        "Deal confirmed: %(title)s for %(amount)s yuan, certificate No. %(number)s."),
        link=f"/deals/{deal.id}", title=record.title, amount=f"{deal.price:,.2f}",
        number=deal.certificate_number)
    commit()
    return deal


def refuse_terms(response_id, actor, comment):
    """The seller side does not accept the terms; the response is shortlisted again."""
    record, response = _response(response_id, actor)
    if not _is_seller_side(actor, response):
        raise PermissionDenied(_l("The organisation that would sell confirms the deal."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(fields={"comment": [_l("Say why; the other side will see it.")]})
    _decide(record, response, actor, "shortlisted", "refuse_terms", ("accepted",),
            comment=comment)
    response.agreed_price = response.agreed_mode = response.accepted_at = None
    notify(members(record.org_id), N_("The seller did not accept the terms for %(title)s: "
                                      "%(comment)s"), link=f"/needs/{record.id}",
           title=record.title, comment=comment)
    commit()
    return response


def responses_visible(record, actor):
    """The enterprise, its broker and the bureau see every response; a responder its own."""
    stmt = select(Response).where(Response.need_id == record.id).order_by(Response.id)
    if not (is_owner(actor, record) or getattr(actor, "is_officer", False)
            or engagements.is_engaged(actor, "need", record.id)):
        if actor is None:
            return []
        stmt = stmt.where(_responder_is(actor))
    return db.session.scalars(stmt).all()
