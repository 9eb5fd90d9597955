"""Engagements (委托, SPEC.md §5): a party invites a verified technology broker onto its listing,
need or deal; the broker accepts or declines; the principal withdraws an invitation or ends an
accepted engagement, and the open engagements of a listing or need that closes without a deal
end by themselves.

An accepted engagement puts its broker and the commission agreed on the deal (and on the
deal's contract while that is still a draft), and lets the broker see what its principal
sees. A listing's `seller_broker_id` and an intent's `broker_id` name the broker the party
invited (answer pending or accepted): they are kept in step here, and a broker who declines
or is let go is no longer named."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, clock
from ..accounts.models import Organization, Role, User
from ..credit import blacklist
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..inbox.services import N_, notify
from ..listings.models import Deal, Intent, Listing
from ..money import parse_money
from ..needs.models import Response
from ..workflow import Workflow, commit, lock, transition
from .engagement_queries import (  # noqa: F401  (the capability's reading, re-exported)
    MODELS,
    PARTY_ROLES,
    SUBJECT_LABELS,
    accepted,
    accepted_brokers,
    as_id,
    broker_choices,
    describe,
    display_name,
    engaged,
    engaged_clause,
    get_visible,
    is_engaged,
    is_principal,
    is_verified_broker,
    link_of,
    mine,
    on_record,
    open_engagement,
    preload_profiles,
    profile_of,
    profile_user_id,
    title_of,
)
from .models import Engagement
from .states import ENGAGEMENT_SIDES, ENGAGEMENT_STATUSES, ENGAGEMENT_SUBJECTS, OPEN_ENGAGEMENTS

MAX_TEXT = 2000


def _is_broker(actor, engagement):
    return getattr(actor, "id", None) == engagement.broker_id


WORKFLOW = Workflow(
    entity="engagement",
    transitions={
        "invited": {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn",
                    "close": "ended"},
        "accepted": {"end": "ended", "close": "ended"},
    },
    # "close" has no guard: only this module takes it, when the subject closes.
    guards={"accept": _is_broker, "decline": _is_broker, "withdraw": is_principal,
            "end": is_principal},
    labels=ENGAGEMENT_STATUSES,
)
ACTION_LABELS = {
    "invite": _l("broker invited"), "accept": _l("accepted by the broker"),
    "decline": _l("declined by the broker"), "withdraw": _l("invitation withdrawn"),
    "end": _l("ended by the principal"), "close": _l("ended: closed without a deal"),
}
audit.register_labels(ENGAGEMENT_STATUSES, "engagement")
audit.register_labels(ACTION_LABELS, "engagement")
audit.register_labels({"broker": _l("broker recorded")}, "deal")
audit.register_labels({"broker": _l("broker recorded")}, "contract")
audit.register_labels({"broker_unnamed": _l("broker no longer named")}, "listing")


# --- who may be engaged ------------------------------------------------------------------------

def _counterparts(subject, record, side):
    """The organisations on the other side: a broker they employ may not be engaged."""
    if record is None:
        return set()
    if subject == "listing":
        if side == "buyer":
            return {record.seller_org_id}
        orgs = set(db.session.scalars(select(Intent.org_id).where(
            Intent.listing_id == record.id)))
        return orgs | ({record.buyer_org_id} if record.buyer_org_id else set())
    if subject == "need":
        rows = db.session.execute(select(Response.org_id, Response.seller_org_id).where(
            Response.need_id == record.id, Response.status != "withdrawn")).all()
        return {org for row in rows for org in row if org}
    return {record.buyer_org_id if side == "seller" else record.seller_org_id}


def _acts_for_other_side(subject, record, side, broker_id):
    """Whether the broker is engaged (or invited) for the other side of the same record."""
    if record is None:
        return False
    other = "buyer" if side == "seller" else "seller"
    if subject == "deal" and getattr(record, f"{other}_broker_id") == broker_id:
        return True
    if subject == "need" and db.session.scalar(select(Response.id).where(
            Response.need_id == record.id, Response.user_id == broker_id,
            Response.status != "withdrawn").limit(1)):
        return True  # it proposed a solution to the need: it is the seller side's
    return db.session.scalar(select(Engagement.id).where(
        Engagement.subject == subject, Engagement.subject_id == record.id,
        Engagement.side == other, Engagement.broker_id == broker_id,
        Engagement.status.in_(OPEN_ENGAGEMENTS)).limit(1)) is not None


def check_broker(errors, field, broker_id, subject, record, side):
    """Add to `errors` why the broker (a user id) may not be engaged for `side` of `record`
    (None before the record exists): a verified broker, not on the blacklist, not employed by
    the other side, not already acting for it."""
    user = db.session.get(User, broker_id) if broker_id and broker_id > 0 else None
    if user is None or not is_verified_broker(user):
        errors.add(field, _l("Choose one of the market's verified technology brokers."))
        return
    if user.organization_id is not None and user.organization_id in _counterparts(
            subject, record, side):
        errors.add(field, _l("This broker works for the other party; choose another."))
        return
    try:
        blacklist.ensure_allowed("engage", broker_id=user.id)
    except PermissionDenied as exc:
        errors.add(field, exc.message)
        return
    if _acts_for_other_side(subject, record, side, broker_id):
        errors.add(field, _l("This broker already acts for the other side."))

# --- who invites, on what ----------------------------------------------------------------------

def _own_side(subject, record, actor):
    """The side `actor` may engage a broker for on the record, or None."""
    role, org_id = getattr(actor, "role", None), getattr(actor, "organization_id", None)
    if role not in PARTY_ROLES or org_id is None:
        return None
    if subject == "listing":
        if role == Role.INSTITUTE and org_id == record.seller_org_id:
            return "seller"
        if role == Role.ENTERPRISE and db.session.scalar(select(Intent.id).where(
                Intent.listing_id == record.id, Intent.org_id == org_id)):
            return "buyer"
        return None
    if subject == "need":
        return "buyer" if role == Role.ENTERPRISE and org_id == record.org_id else None
    return {record.seller_org_id: "seller", record.buyer_org_id: "buyer"}.get(org_id)


def _state_refusal(subject, record, side, principal_org_id):
    """Why no broker can be invited for that side of the record now (a message), or None."""
    from ..listings.states import LIVE
    from ..needs.states import NeedStatus

    if subject == "listing":
        if record.status not in LIVE:
            return _l("Brokers are engaged on a listing while it is in progress; once it is "
                      "dealt, on the deal.")
        if side == "buyer" and db.session.scalar(select(Intent.status).where(
                Intent.listing_id == record.id,
                Intent.org_id == principal_org_id)) != "active":
            return _l("Your intent on this listing is no longer active.")
    elif subject == "need":
        if record.status == NeedStatus.CLOSED:
            return _l("This need is closed.")
    elif getattr(record, f"{side}_broker_id") is not None:
        return _l("This side of the deal already has a broker.")
    if open_engagement(subject, record.id, side, principal_org_id) is not None:
        return _l("A broker is already invited or engaged for this side; withdraw or end "
                  "that engagement first.")
    return None


def check_invitable(subject, record, actor, side=None):
    """The side `actor` engages a broker for on the record now; PermissionDenied for anyone
    but a party (for its own side), and for a blacklisted one; Conflict when the record's
    state or an open engagement of that side does not allow it."""
    if side not in (None, "") and side not in ENGAGEMENT_SIDES:
        raise ValidationFailed(fields={"side": [_l("Choose the seller’s or the buyer’s side.")]})
    own = _own_side(subject, record, actor)
    if own is None or side not in (None, "", own):
        raise PermissionDenied(_l("Only a party engages a broker, for its own side."))
    blacklist.ensure_allowed("invite", org_id=actor.organization_id)
    refusal = _state_refusal(subject, record, own, actor.organization_id)
    if refusal:
        raise Conflict(refusal)
    return own


def invitable_side(subject, record, actor):
    """The side `actor` may invite a broker for on the record right now, or None."""
    try:
        return check_invitable(subject, record, actor)
    except (PermissionDenied, Conflict):
        return None


def choices_for(subject, record, side):
    """The brokers the invitation form offers: not those the other side employs."""
    return broker_choices(_counterparts(subject, record, side))


def get_subject(subject, subject_id, actor):
    """The listing, need or deal for reading; NotFound when `actor` may not see it."""
    return _subject(subject, subject_id, actor, hold=False)


def _subject(subject, subject_id, actor, hold=True):
    """The record (held for a change when `hold`); NotFound when `actor` may not see it."""
    if subject not in ENGAGEMENT_SUBJECTS:
        raise NotFound()
    if subject == "listing":
        from ..listings import services as listings

        return (listings.load if hold else listings.get_visible)(subject_id, actor)
    if subject == "need":
        from ..needs import services as needs

        return (needs.load if hold else needs.get_visible)(subject_id, actor)
    from ..listings.deals import get_visible

    deal = get_visible(subject_id, actor)
    return lock(Deal, subject_id) if hold else deal


# --- changes -----------------------------------------------------------------------------------

def _members(org_id):
    from ..listings.services import members

    return members(org_id)


def _name(e, broker_id, commission):
    """The listing or intent names the broker of its open engagement (or no longer does)."""
    if e.subject != "listing":
        return
    if e.side == "seller":
        record = db.session.get(Listing, e.subject_id)
        names = ("seller_broker_id", "seller_broker_commission")
    else:
        record = db.session.scalar(select(Intent).where(Intent.listing_id == e.subject_id,
                                                        Intent.org_id == e.principal_org_id))
        names = ("broker_id", "broker_commission")
    if record is None:
        return
    if broker_id is None and getattr(record, names[0]) != e.broker_id:
        return  # another broker is named now
    setattr(record, names[0], broker_id)
    setattr(record, names[1], commission)


def _insert(subject, record, side, principal_org_id, broker_id, commission, message, actor):
    blacklist.ensure_allowed("invite", org_id=principal_org_id)
    e = Engagement(broker_id=broker_id, subject=subject, subject_id=record.id, side=side,
                   principal_org_id=principal_org_id, invited_by_id=actor.id,
                   commission=commission, message=message or "", status="invited",
                   invited_at=clock.now())
    db.session.add(e)
    db.session.flush()
    audit.record("engagement", e.id, "invite", actor, to_state="invited", subject=subject,
                 subject_id=record.id, side=side, broker_id=broker_id,
                 principal_org_id=principal_org_id,
                 commission=None if commission is None else str(commission))
    _name(e, broker_id, commission)
    principal = db.session.get(Organization, principal_org_id)
    message_id = (N_("%(principal)s invites you to be the seller’s broker on %(title)s.")
                  if side == "seller" else
                  N_("%(principal)s invites you to be the buyer’s broker on %(title)s."))
    notify([db.session.get(User, broker_id)], message_id, link="/engagements",
           principal=principal.name, title=title_of(subject, record))
    return e


def invite(subject, subject_id, actor, broker_id, side=None, commission=None, message=None):
    """A party invites a broker (user id) onto its side of a listing, need or deal."""
    record = _subject(subject, subject_id, actor)
    own = check_invitable(subject, record, actor, side)
    errors = FieldErrors()
    broker_id = as_id(broker_id)
    check_broker(errors, "broker_id", broker_id, subject, record, own)
    amount = parse_money(errors, "commission", commission)
    message = (message or "").strip()
    if len(message) > MAX_TEXT:
        errors.add("message", _l("At most %(n)d characters.", n=MAX_TEXT))
    errors.raise_if_any()
    e = _insert(subject, record, own, actor.organization_id, broker_id, amount, message, actor)
    commit()
    return e


def name_broker(listing, side, principal_org_id, broker_id, commission, actor):
    """The broker a listing form (seller) or an intent (buyer) names, checked beforehand with
    `check_broker`: invited when new; the engagement of a broker no longer named, or named with
    another commission, is withdrawn (or ended). In the caller's transaction."""
    current = open_engagement("listing", listing.id, side, principal_org_id)
    if current is not None:
        if current.broker_id == broker_id and current.commission == commission:
            return current
        # Audited with the cause: the party named another broker or commission.
        _stop(current, "withdraw" if current.status == "invited" else "end", actor,
              cause="renamed")
    if broker_id is None:
        return None
    return _insert("listing", listing, side, principal_org_id, broker_id, commission, "",
                   actor)


def _load(engagement_id, actor):
    get_visible(engagement_id, actor)
    return lock(Engagement, engagement_id)


def _comment(comment):
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise ValidationFailed(fields={"comment": [_l("At most %(n)d characters.",
                                                      n=MAX_TEXT)]})
    return comment or None


def deal_of(e):
    """The deal on which an engagement's broker is (or would be) recorded, if any."""
    if e.subject == "deal":
        return db.session.get(Deal, e.subject_id)
    column = Deal.listing_id if e.subject == "listing" else Deal.need_id
    deal = db.session.scalar(select(Deal).where(column == e.subject_id))
    if deal is None or getattr(deal, f"{e.side}_org_id") != e.principal_org_id:
        return None
    return deal


def _onto_deal(deal, e, actor):
    """The accepted broker and its commission on the deal, and on its contract while the
    contract is a draft that names no broker yet."""
    from ..contracts.models import Contract
    from ..contracts.services import EDITABLE
    from ..credit.services import record_event

    newly = getattr(deal, f"{e.side}_broker_id") is None
    setattr(deal, f"{e.side}_broker_id", e.broker_id)
    setattr(deal, f"{e.side}_broker_commission", e.commission)
    audit.record("deal", deal.id, "broker", actor, side=e.side, broker_id=e.broker_id,
                 commission=None if e.commission is None else str(e.commission),
                 engagement_id=e.id)
    if newly and e.broker_id not in (deal.seller_broker_id if e.side == "buyer"
                                     else deal.buyer_broker_id,):
        # As for the brokers on a deal when it was made (listings.deals).
        record_event("deal_completed", broker_id=e.broker_id, entity="deal",
                     entity_id=deal.id, actor=actor)
    contract = db.session.scalar(select(Contract).where(Contract.deal_id == deal.id)
                                 .order_by(Contract.id).limit(1))
    if contract is not None and contract.status in EDITABLE and contract.broker_id is None:
        contract.broker_id = e.broker_id
        contract.broker_name = display_name(e.broker)
        audit.record("contract", contract.id, "broker", actor, broker_id=e.broker_id,
                     engagement_id=e.id)


def accept(engagement_id, actor, comment=None, expected_version=None):
    """The broker accepts: a verified broker not on the blacklist. On a deal (or on a listing
    or need already dealt) the broker and the commission go on the deal."""
    e = _load(engagement_id, actor)
    WORKFLOW.check(e, "accept", actor, expected_version)
    if not is_verified_broker(actor):
        raise PermissionDenied(_l("Only a verified technology broker accepts an engagement."))
    blacklist.ensure_allowed("engage", broker_id=actor.id)
    comment = _comment(comment)
    deal = deal_of(e)
    if deal is not None and getattr(deal, f"{e.side}_broker_id") not in (None, e.broker_id):
        raise Conflict(_l("The deal already has another broker on this side."))
    transition(WORKFLOW, e, "accept", actor, comment, expected_version=expected_version)
    e.responded_at, e.response_comment = clock.now(), comment
    if deal is not None:
        _onto_deal(deal, e, actor)
    record = db.session.get(MODELS[e.subject], e.subject_id)
    notify(_members(e.principal_org_id), N_("%(broker)s accepted your invitation to broker "
                                            "%(title)s."),
           link=link_of(e.subject, e.subject_id), broker=display_name(actor),
           title=title_of(e.subject, record))
    commit()
    return e


def decline(engagement_id, actor, comment=None, expected_version=None):
    """The broker declines (a comment is optional); the party no longer names it."""
    e = _load(engagement_id, actor)
    WORKFLOW.check(e, "decline", actor, expected_version)
    comment = _comment(comment)
    transition(WORKFLOW, e, "decline", actor, comment, expected_version=expected_version)
    e.responded_at, e.response_comment = clock.now(), comment
    _unname(e, actor)
    record = db.session.get(MODELS[e.subject], e.subject_id)
    notify(_members(e.principal_org_id), N_("%(broker)s declined your invitation to broker "
                                            "%(title)s."),
           link=link_of(e.subject, e.subject_id), broker=display_name(actor),
           title=title_of(e.subject, record))
    commit()
    return e


def _unname(e, actor):
    if e.subject != "listing":
        return
    _name(e, None, None)
    audit.record("listing", e.subject_id, "broker_unnamed", actor, engagement_id=e.id,
                 side=e.side, broker_id=e.broker_id)


STOP_MESSAGES = {
    "withdraw": N_("%(principal)s withdrew its invitation to broker %(title)s."),
    "end": N_("%(principal)s ended your engagement on %(title)s."),
    "close": N_("Your engagement on %(title)s has ended: it closed without a deal."),
}


def _stop(e, action, actor, comment=None, **data):
    transition(WORKFLOW, e, action, actor, comment, **data)
    e.ended_at = clock.now()
    if action != "close":
        _unname(e, actor)
    record = db.session.get(MODELS[e.subject], e.subject_id)
    notify([e.broker], STOP_MESSAGES[action], link="/engagements", principal=e.principal.name,
           title=title_of(e.subject, record))


def withdraw(engagement_id, actor, comment=None, expected_version=None):
    """The principal withdraws an invitation not yet answered."""
    return _principal_stops(engagement_id, actor, "withdraw", comment, expected_version)


def end(engagement_id, actor, comment=None, expected_version=None):
    """The principal ends an accepted engagement (a deal already made keeps its broker)."""
    return _principal_stops(engagement_id, actor, "end", comment, expected_version)


def _principal_stops(engagement_id, actor, action, comment, expected_version):
    e = _load(engagement_id, actor)
    WORKFLOW.check(e, action, actor, expected_version)
    _stop(e, action, actor, _comment(comment))
    commit()
    return e


def close_open(subject, subject_id, actor=None, side=None, principal_org_id=None,
               except_principal=None):
    """End the open engagements of a listing or need that closed without a deal (or of one
    buyer's intent, or of the buyers who did not win), in the caller's transaction."""
    stmt = select(Engagement).where(Engagement.subject == subject,
                                    Engagement.subject_id == subject_id,
                                    Engagement.status.in_(OPEN_ENGAGEMENTS))
    if side is not None:
        stmt = stmt.where(Engagement.side == side)
    if principal_org_id is not None:
        stmt = stmt.where(Engagement.principal_org_id == principal_org_id)
    if except_principal is not None:
        stmt = stmt.where(Engagement.principal_org_id != except_principal)
    for e in db.session.scalars(stmt.order_by(Engagement.id)).all():
        _stop(e, "close", actor)


# --- deals ---------------------------------------------------------------------------------------

def _pair(e):
    return (e.broker_id, e.commission) if e is not None else (None, None)


def deal_brokers(listing=None, need=None, response=None, buyer_org_id=None):
    """The deal's broker columns from the ACCEPTED engagements: a listing's seller side and
    its winning buyer's intent; a need's enterprise (buyer side) and, for a response, the
    broker who made it (with the commission of its engagement on the listing it offered) or
    the broker engaged on the listing offered."""
    if listing is not None:
        seller = _pair(accepted("listing", listing.id, "seller", listing.seller_org_id))
        buyer = _pair(accepted("listing", listing.id, "buyer", buyer_org_id))
    else:
        buyer = _pair(accepted("need", need.id, "buyer", need.org_id))
        offered = accepted("listing", response.listing_id, "seller") \
            if response.listing_id else None
        if response.user.role == Role.BROKER:
            same = offered is not None and offered.broker_id == response.user_id
            seller = (response.user_id, offered.commission if same else None)
        else:
            seller = _pair(offered)
    return {"seller_broker_id": seller[0], "seller_broker_commission": seller[1],
            "buyer_broker_id": buyer[0], "buyer_broker_commission": buyer[1]}
