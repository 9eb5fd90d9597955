"""Complaints (SPEC.md §6): a party to a deal complains about the other party or a broker on
that deal, with evidence files; the respondent may answer with a statement; the bureau
investigates and decides, upholding with a sanction or dismissing, with reasons. An upheld
complaint records the sanction's credit event and applies it (the blacklist, the target's
listings taken down, its accounts closed). Both sides are told of every step."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from .. import audit, clock, settings, workdays
from ..accounts.models import Role, User
from ..brokers.states import WORKFLOW as BROKER_WORKFLOW
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..files.models import StoredFile
from ..files.services import register_access_rule, save_upload
from ..inbox.services import N_, notify
from ..listings import deals
from ..listings import services as listings
from ..workflow import commit, flush, lock, transition
from . import blacklist
from .models import Complaint
from .services import record_event
from .states import (
    ACTION_LABELS,
    COMPLAINT_CATEGORIES,
    DECISIONS,
    OPEN,
    SANCTION_EVENTS,
    SANCTIONS,
    STATUS_LABELS,
    TARGETS,
    WORKFLOW,
    ComplaintStatus,
    is_complainant,
    is_respondent,
)

S = ComplaintStatus
audit.register_labels(STATUS_LABELS, "complaint")
audit.register_labels(ACTION_LABELS, "complaint")
MAX_SUBJECT = 200
MAX_TEXT = 5000


@dataclass
class ComplaintData:
    against: str = ""  # a key of TARGETS
    category: str = ""
    subject: str = ""
    description: str = ""


# --- access ----------------------------------------------------------------------------------

def may_view(actor, record):
    return actor is not None and (getattr(actor, "is_officer", False)
                                  or is_complainant(actor, record)
                                  or is_respondent(actor, record))


def get_visible(complaint_id, actor):
    record = db.session.get(Complaint, complaint_id)
    if record is None or not may_view(actor, record):
        raise NotFound()
    return record


def _load(complaint_id, actor):
    """The complaint, held for a change; NotFound when `actor` may not see it."""
    record = lock(Complaint, complaint_id)
    if record is None or not may_view(actor, record):
        raise NotFound()
    return record


def _file_rule(user, stored):
    record = db.session.get(Complaint, stored.entity_id) if stored.entity_id else None
    return record is not None and may_view(user, record)


register_access_rule("complaint", _file_rule)


def evidence_of(record):
    return db.session.scalars(select(StoredFile).where(
        StoredFile.entity == "complaint", StoredFile.entity_id == record.id)
        .order_by(StoredFile.id)).all()


def target_name(record):
    if record.target_kind == "broker":
        return blacklist.broker_name(record.target_broker)
    return record.target_org.name


def respondents(record):
    """The users who answer for the target: the broker, or the organisation's members."""
    if record.target_kind == "broker":
        return [record.target_broker] if record.target_broker.active else []
    return listings.members(record.target_org_id)


def _link(record):
    return f"/complaints/{record.id}"


def _both_sides(record):
    people = listings.members(record.complainant_org_id) + list(respondents(record))
    return list({user.id: user for user in people}.values())


def complaints_of(actor, status=None):
    """A SELECT of the complaints `actor`'s organisation filed or that are about it (or about
    the broker `actor`), the latest first."""
    about = [Complaint.target_broker_id == actor.id]
    if actor.organization_id is not None:
        about += [Complaint.complainant_org_id == actor.organization_id,
                  Complaint.target_org_id == actor.organization_id]
    stmt = select(Complaint).where(or_(*about))
    if status:
        stmt = stmt.where(Complaint.status == status)
    return stmt.order_by(Complaint.created_at.desc(), Complaint.id.desc())


def queue(state="open"):
    """The bureau's complaints: open ones the earliest due first; decided or withdrawn ones
    the latest first."""
    if state == "open":
        return select(Complaint).where(Complaint.status.in_(OPEN)).order_by(
            Complaint.due_on, Complaint.created_at)
    return select(Complaint).where(Complaint.status.not_in(OPEN)).order_by(
        Complaint.updated_at.desc(), Complaint.id.desc())


def age_in_days(record, today=None):
    """Calendar days since the complaint was filed (its age in the bureau's queue)."""
    return ((today or clock.today()) - record.created_at.astimezone(clock.LOCAL_TZ).date()).days


def is_overdue(record, today=None):
    return (record.status in OPEN and record.due_on is not None
            and record.due_on < (today or clock.today()))


# --- filing ----------------------------------------------------------------------------------

def ensure_may_file(deal, actor):
    """Members of the seller and the buyer file complaints; the deal's brokers and the bureau,
    who also see the deal, do not."""
    if not deals.is_party(actor, deal) or actor.role not in (Role.INSTITUTE, Role.ENTERPRISE):
        raise PermissionDenied(_l("Only the seller and the buyer of a deal file complaints "
                                  "about it."))


def targets_for(deal, actor):
    """{key: label} of whom `actor`'s organisation may complain about on `deal`."""
    choices = {"party": TARGETS["party"]}
    for key in ("seller_broker", "buyer_broker"):
        if getattr(deal, f"{key}_id") is not None:
            choices[key] = TARGETS[key]
    return choices


def _target(errors, deal, actor, against):
    """(kind, org_id, broker user id) of the target named by its place on the deal."""
    if against == "party":
        other = deal.buyer_org_id if actor.organization_id == deal.seller_org_id \
            else deal.seller_org_id
        return "org", other, None
    if against in ("seller_broker", "buyer_broker") and getattr(deal, f"{against}_id"):
        return "broker", None, getattr(deal, f"{against}_id")
    errors.add("against", _l("Choose the other party or a broker of this deal."))
    return None, None, None


def _text(errors, name, value, limit):
    value = (value or "").strip()
    if not value:
        errors.add(name, _l("This field is required."))
    elif len(value) > limit:
        errors.add(name, _l("At most %(n)d characters.", n=limit))
    return value


def _attach(record, file_storage, actor, side):
    stored = save_upload(file_storage, actor, entity="complaint", entity_id=record.id,
                         kind=side, field="evidence")
    flush()
    audit.record("complaint", record.id, "attach", actor, comment=stored.original_name,
                 file_id=stored.id, side=side)
    return stored


def file_complaint(deal_id, actor, data: ComplaintData, evidence=()):
    """A member of the seller or the buyer organisation complains about the other party or a
    broker of the deal; the bureau is to decide within the set working days of filing."""
    deal = deals.get_visible(deal_id, actor)
    ensure_may_file(deal, actor)
    errors = FieldErrors()
    kind, org_id, broker_id = _target(errors, deal, actor, data.against)
    if data.category not in COMPLAINT_CATEGORIES:
        errors.add("category", _l("Choose what the complaint is about."))
    elif data.category == "broker_misconduct" and kind == "org":
        errors.add("category", _l("Misconduct by a broker is a complaint about a broker."))
    subject = _text(errors, "subject", data.subject, MAX_SUBJECT)
    description = _text(errors, "description", data.description, MAX_TEXT)
    errors.raise_if_any()
    if db.session.scalar(select(Complaint.id).where(
            Complaint.deal_id == deal.id, Complaint.complainant_org_id == actor.organization_id,
            Complaint.target_kind == kind, Complaint.target_org_id == org_id,
            Complaint.target_broker_id == broker_id, Complaint.status.in_(OPEN)).limit(1)):
        raise Conflict(_l("Your organisation already has an open complaint about them on this "
                          "deal."))
    moment, today = clock.now(), clock.today()
    record = Complaint(
        deal_id=deal.id, complainant_org_id=actor.organization_id, complainant_user_id=actor.id,
        target_kind=kind, target_org_id=org_id, target_broker_id=broker_id,
        category=data.category, subject=subject, description=description, status=S.SUBMITTED,
        due_on=workdays.add_working_days(today, settings.get("complaint_decision_days")),
        created_at=moment, updated_at=moment)
    db.session.add(record)
    db.session.flush()
    audit.record("complaint", record.id, "create", actor, to_state=S.SUBMITTED,
                 deal_id=deal.id, target=f"{kind}:{org_id or broker_id}",
                 category=data.category, due_on=record.due_on.isoformat())
    for file_storage in evidence:
        _attach(record, file_storage, actor, "complainant")
    params = {"subject": subject, "number": deal.confirmation_number,
              "due": record.due_on.isoformat()}
    notify(listings.members(record.complainant_org_id), N_(
        "Your complaint %(subject)s is filed; the science bureau decides by %(due)s."),
        link=_link(record), **params)
    notify(respondents(record), N_(
        "A complaint about you on deal No. %(number)s was filed: %(subject)s. You may add "
        "a statement."), link=_link(record), **params)
    notify(listings.officers(), N_("A complaint awaits investigation: %(subject)s"),
           link=f"/bureau/credit/complaints/{record.id}", **params)
    commit()
    return record


def attach(complaint_id, file_storage, actor):
    """Either side adds an evidence file while the complaint is open."""
    record = _load(complaint_id, actor)
    side = "complainant" if is_complainant(actor, record) else \
        "respondent" if is_respondent(actor, record) else None
    if side is None:
        raise PermissionDenied(_l("Only the two sides add evidence to a complaint."))
    if record.status not in OPEN:
        raise Conflict(_l("The complaint is closed."))
    stored = _attach(record, file_storage, actor, side)
    record.updated_at = clock.now()
    commit()
    return stored


def state_statement(complaint_id, actor, text):
    """The respondent's statement: one, which it may edit until the bureau decides."""
    record = _load(complaint_id, actor)
    if not is_respondent(actor, record):
        raise PermissionDenied(_l("Only the party complained about answers a complaint."))
    if record.status not in OPEN:
        raise Conflict(_l("The complaint is closed."))
    errors = FieldErrors()
    text = _text(errors, "response", text, MAX_TEXT)
    errors.raise_if_any()
    first = record.response is None
    record.response, record.updated_at = text, clock.now()
    audit.record("complaint", record.id, "statement", actor, edited=not first)
    if first:
        notify(listings.members(record.complainant_org_id), N_(
            "The respondent answered your complaint %(subject)s."), link=_link(record),
            subject=record.subject)
    commit()
    return record


def withdraw(complaint_id, actor, comment=None, expected_version=None):
    """The complainant withdraws its complaint before the bureau decides."""
    record = _load(complaint_id, actor)
    transition(WORKFLOW, record, "withdraw", actor, (comment or "").strip() or None,
               expected_version=expected_version)
    record.updated_at = clock.now()
    told = list(respondents(record))
    if record.handled_by is not None:
        told.append(record.handled_by)
    notify(told, N_("The complaint %(subject)s was withdrawn by the complainant."),
           link=_link(record), subject=record.subject)
    commit()
    return record


# --- the bureau's decision --------------------------------------------------------------------

DECISION_MESSAGES = {
    "warning": N_("The complaint %(subject)s was upheld with a warning: %(reason)s"),
    "restriction": N_("The complaint %(subject)s was upheld: %(target)s is on the blacklist "
                      "until %(until)s. %(reason)s"),
    "listing_taken_down": N_("The complaint %(subject)s was upheld: the listings of "
                             "%(target)s are taken down. %(reason)s"),
    "account_closed": N_("The complaint %(subject)s was upheld: the accounts of %(target)s "
                         "are closed. %(reason)s"),
    "dismiss": N_("The complaint %(subject)s was dismissed: %(reason)s"),
}


def decide(complaint_id, decision, actor, reason=None, sanction=None, until=None,
           expected_version=None):
    """The bureau starts the investigation, or decides it: upheld with a sanction (and, for a
    restriction, the last day on the blacklist), or dismissed; the reasons are required."""
    record = _load(complaint_id, actor)
    if getattr(actor, "role", None) != Role.BUREAU:
        raise PermissionDenied(_l("Only the science bureau decides complaints."))
    if decision not in DECISIONS:
        raise ValidationFailed(fields={"decision": [_l(
            "Choose investigate, uphold or dismiss.")]})
    WORKFLOW.check(record, decision, actor, expected_version)
    if decision == "investigate":
        return _investigate(record, actor, reason, expected_version)
    errors = FieldErrors()
    reason = _text(errors, "reason", reason, MAX_TEXT)
    if decision == "uphold":
        if sanction not in SANCTIONS:
            errors.add("sanction", _l("Choose the sanction."))
        elif sanction == "listing_taken_down" and record.target_kind == "broker":
            errors.add("sanction", _l("A broker has no listings to take down; choose another "
                                      "sanction."))
        elif sanction == "restriction":
            blacklist.check_until(errors, until)
    errors.raise_if_any()
    data = {"sanction": sanction} if decision == "uphold" else {}
    until = until if data and sanction == "restriction" else None
    if until is not None:
        data["until"] = until.isoformat()
    transition(WORKFLOW, record, decision, actor, reason, expected_version=expected_version,
               **data)
    told = _both_sides(record)  # before a closure deactivates the respondents
    moment = clock.now()
    record.decision_reason, record.handled_by_id = reason, actor.id
    record.decided_at = record.updated_at = moment
    if decision == "uphold":
        record.sanction = sanction
        _apply_sanction(record, sanction, actor, reason, until)
    notify(told, DECISION_MESSAGES[sanction if decision == "uphold" else "dismiss"],
           link=_link(record), subject=record.subject, reason=reason,
           target=target_name(record), until=until.isoformat() if until else "")
    commit()
    return record


def _investigate(record, actor, comment, expected_version):
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise ValidationFailed(fields={"reason": [_l("At most %(n)d characters.",
                                                     n=MAX_TEXT)]})
    transition(WORKFLOW, record, "investigate", actor, comment or None,
               expected_version=expected_version)
    record.handled_by_id = actor.id
    record.investigating_at = record.updated_at = clock.now()
    notify(_both_sides(record), N_("The science bureau is investigating the complaint "
                                   "%(subject)s; it decides by %(due)s."),
           link=_link(record), subject=record.subject, due=record.due_on.isoformat())
    commit()
    return record


def _apply_sanction(record, sanction, actor, reason, until):
    subject = ({"broker_id": record.target_broker_id} if record.target_kind == "broker"
               else {"org_id": record.target_org_id})
    record_event(SANCTION_EVENTS[sanction], entity="complaint", entity_id=record.id,
                 actor=actor, comment=reason, **subject)
    if sanction == "restriction":
        blacklist.put_on(actor, until=until, reason=reason, complaint_id=record.id, **subject)
    elif sanction == "listing_taken_down":
        listings.end_for_sanction(record.target_org_id, actor, reason, record.id)
    elif sanction == "account_closed":
        _close_accounts(record, actor, reason)


def _close_accounts(record, actor, reason):
    """Deactivate the organisation's members, or cancel the broker's profile and deactivate
    the broker."""
    if record.target_kind == "broker":
        profile = blacklist.broker_profile(record.target_broker_id)
        if profile is not None and BROKER_WORKFLOW.target(profile, "cancel") is not None:
            transition(BROKER_WORKFLOW, profile, "cancel", actor, reason,
                       complaint_id=record.id)
            profile.updated_at = clock.now()
        users = [record.target_broker]
    else:
        users = db.session.scalars(select(User).where(
            User.organization_id == record.target_org_id)).all()
    for user in users:
        if user.active:
            user.active, user.updated_at = False, clock.now()
            audit.record("user", user.id, "deactivate", actor, comment=reason,
                         complaint_id=record.id)
