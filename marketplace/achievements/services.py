"""Achievement registration rules (SPEC.md §1): drafting, evidence, submission, the bureau's
review, registration numbers and certificates, and tiered disclosure of the details."""
import dataclasses
import re
import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit, clock, sequences, settings
from ..accounts.models import Organization, Role, User
from ..codes import FIELDS
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..files.models import StoredFile
from ..files.services import save_upload
from ..inbox.services import N_, notify
from ..ip_numbers import is_valid_patent, normalize_patent
from ..workflow import commit, flush, transition
from .models import Achievement, Completer, DisclosureRequest, DisclosureView, IPItem
from .states import (
    ATTRIBUTES,
    CATEGORIES,
    CATEGORY_DIGITS,
    EVALUATION_METHODS,
    EVIDENCE_KINDS,
    EVIDENCE_RULES,
    IP_STATUSES,
    IP_TYPES,
    LEVELS,
    PATENT_TYPES,
    SECRECY,
    SOURCES,
    STATUS_LABELS,
    WORKFLOW,
    AchievementStatus,
)

S = AchievementStatus
MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
EDITABLE = (S.DRAFT, S.RETURNED)
audit.register_labels(STATUS_LABELS, "achievement")
audit.register_labels({"register": _l("registered the achievement"), "submit": _l("submitted"),
                       "withdraw": _l("withdrew"), "reject": _l("refused to register"),
                       "return": _l("returned for correction"), "revoke": _l("revoked"),
                       "attach": _l("attached a file"), "detach": _l("removed a file"),
                       "request_details": _l("asked to read the details"),
                       "grant_details": _l("granted the details"),
                       "refuse_details": _l("refused the details")}, "achievement")


@dataclass
class CompleterData:
    name: str = ""
    organization: str = ""


@dataclass
class IPData:
    type: str = ""
    number: str = ""
    status: str = ""


@dataclass
class AchievementData:
    title: str = ""
    title_en: str = ""
    category: str = ""
    field: str = ""
    keywords: list = dataclasses.field(default_factory=list)
    summary: str = ""
    details: str = ""
    attribute: str | None = None
    level: str | None = None
    maturity: int | None = None
    research_start: str | None = None
    research_end: str | None = None
    source: str | None = None
    secrecy: str = "none"
    ownership_disputed: bool = False
    evaluation_method: str | None = None
    evaluation_certificate: str | None = None
    evaluation_date: date | None = None
    confidentiality_terms: str | None = None
    completers: list = dataclasses.field(default_factory=list)
    ip: list = dataclasses.field(default_factory=list)


SIMPLE_FIELDS = ("title", "title_en", "category", "field", "keywords", "summary", "details",
                 "attribute", "level", "maturity", "research_start", "research_end", "source",
                 "secrecy", "ownership_disputed", "evaluation_method", "evaluation_certificate",
                 "evaluation_date", "confidentiality_terms")


# --- validation ----------------------------------------------------------------------------

def _choice(errors, name, value, allowed, required=False):
    if value in (None, ""):
        if required:
            errors.add(name, _l("This field is required."))
        return
    if value not in allowed:
        errors.add(name, _l("Not one of the allowed values."))


def _text(errors, name, value, limit, required=False):
    if not (value or "").strip():
        if required:
            errors.add(name, _l("This field is required."))
    elif len(value) > limit:
        errors.add(name, _l("At most %(n)d characters.", n=limit))


def validate(data: AchievementData):
    """Format rules, checked on every save; completeness is checked at submission."""
    errors = FieldErrors()
    today = clock.today()
    _text(errors, "title", data.title, 200, required=True)
    _text(errors, "title_en", data.title_en, 300)
    _choice(errors, "category", data.category, CATEGORIES, required=True)
    _choice(errors, "field", data.field, FIELDS, required=True)
    keywords = [k.strip() for k in data.keywords or [] if k and k.strip()]
    if len(keywords) > 3:
        errors.add("keywords", _l("At most three keywords."))
    if any(len(k) > 30 for k in keywords):
        errors.add("keywords", _l("A keyword has at most 30 characters."))
    data.keywords = keywords
    _text(errors, "summary", data.summary, 5000)
    _text(errors, "details", data.details, 50000)
    _text(errors, "confidentiality_terms", data.confidentiality_terms, 5000)
    _choice(errors, "attribute", data.attribute, ATTRIBUTES)
    _choice(errors, "level", data.level, LEVELS)
    _choice(errors, "source", data.source, SOURCES)
    _choice(errors, "secrecy", data.secrecy, SECRECY, required=True)
    _choice(errors, "evaluation_method", data.evaluation_method, EVALUATION_METHODS)
    _text(errors, "evaluation_certificate", data.evaluation_certificate, 100)
    if data.maturity is not None and not 1 <= int(data.maturity) <= 9:
        errors.add("maturity", _l("The maturity is a technology readiness level from 1 to 9."))
    for name in ("research_start", "research_end"):
        value = getattr(data, name)
        if value and not MONTH_RE.match(value):
            errors.add(name, _l("Write the month as YYYY-MM."))
        elif value and value > today.strftime("%Y-%m"):
            errors.add(name, _l("This month is in the future."))
    if (data.research_start and data.research_end and MONTH_RE.match(data.research_start)
            and MONTH_RE.match(data.research_end) and data.research_start > data.research_end):
        errors.add("research_end", _l("The research cannot end before it starts."))
    if data.evaluation_date and data.evaluation_date > today:
        errors.add("evaluation_date", _l("This date is in the future."))
    for i, person in enumerate(data.completers):
        if not (person.name or "").strip():
            errors.add(f"completers.{i}.name", _l("This field is required."))
        if not (person.organization or "").strip():
            errors.add(f"completers.{i}.organization", _l("This field is required."))
    for i, item in enumerate(data.ip):
        _choice(errors, f"ip.{i}.type", item.type, IP_TYPES, required=True)
        _choice(errors, f"ip.{i}.status", item.status, IP_STATUSES, required=True)
        if not (item.number or "").strip():
            errors.add(f"ip.{i}.number", _l("This field is required."))
        elif item.type in PATENT_TYPES:
            if not normalize_patent(item.number):
                errors.add(f"ip.{i}.number", _l(
                    "A patent number looks like ZL202310123456.6 (12 digits, a dot, a check "
                    "digit)."))
            elif not is_valid_patent(item.number):
                errors.add(f"ip.{i}.number", _l("The check digit of this patent number is "
                                                "wrong."))
            else:
                item.number = normalize_patent(item.number)
    errors.raise_if_any()


def missing_for_submission(record):
    """Per-field messages for what a record still lacks before it can be submitted."""
    errors = FieldErrors()
    required = ("summary", "details", "attribute", "level", "maturity", "research_start",
                "research_end", "source", "evaluation_method", "evaluation_certificate",
                "evaluation_date")
    for name in required:
        if getattr(record, name) in (None, ""):
            errors.add(name, _l("Required before submission."))
    if not record.keywords:
        errors.add("keywords", _l("Give at least one keyword."))
    if not record.completers:
        errors.add("completers", _l("Name at least one completing person and organisation."))
    if record.secrecy != "none":
        errors.add("secrecy", _l("A classified achievement cannot be registered here."))
    if record.ownership_disputed:
        errors.add("ownership_disputed",
                   _l("An achievement whose ownership is in dispute cannot be registered."))
    kinds = {f.kind for f in evidence_of(record)}
    alternatives = EVIDENCE_RULES[record.category]
    if not any(set(option) <= kinds for option in alternatives):
        wanted = _l(" or ").join(
            " + ".join(str(EVIDENCE_KINDS[k]) for k in option) for option in alternatives)
        errors.add("evidence", _l("Upload the evidence this category needs: %(what)s.",
                                  what=wanted))
    return errors


def _duplicates(record):
    errors = FieldErrors()
    others = select(Achievement.id).where(
        Achievement.id != record.id,
        Achievement.status.in_((S.SUBMITTED, S.REGISTERED)))
    same_title = db.session.scalar(others.where(
        Achievement.owner_org_id == record.owner_org_id,
        func.lower(func.trim(Achievement.title)) == record.title.strip().lower()))
    if same_title:
        errors.add("title", _l("Your organisation has already registered or submitted an "
                               "achievement with this title."))
    numbers = [item.number for item in record.ip_items if item.type in PATENT_TYPES]
    if numbers:
        clash = db.session.scalar(
            select(IPItem.number).join(Achievement, Achievement.id == IPItem.achievement_id)
            .where(IPItem.number.in_(numbers), Achievement.id != record.id,
                   Achievement.status.in_((S.SUBMITTED, S.REGISTERED))).limit(1))
        if clash:
            errors.add("ip", _l("Patent %(number)s is already part of a registered "
                                "achievement.", number=clash))
    return errors


# --- access ----------------------------------------------------------------------------------

def is_owner(actor, record):
    return actor is not None and getattr(actor, "organization_id", None) == record.owner_org_id


def may_view(actor, record):
    if record.status == S.REGISTERED:
        return True
    return is_owner(actor, record) or bool(actor is not None and getattr(actor, "is_officer",
                                                                           False))


def get_visible(achievement_id, actor):
    """The record if `actor` may see it; NotFound otherwise (no hint that it exists)."""
    record = db.session.get(Achievement, achievement_id)
    if record is None or not may_view(actor, record):
        raise NotFound()
    return record


def _owned(achievement_id, actor, editable=False):
    """The record for an owner's action: NotFound when `actor` may not even see it,
    PermissionDenied when they see it but may not change it (the workflow's guards decide the
    rest)."""
    record = get_visible(achievement_id, actor)
    if editable and not is_owner(actor, record):
        raise PermissionDenied()
    if editable and record.status not in EDITABLE:
        raise Conflict(_l("Only a draft or a returned record can be changed."))
    return record


def evidence_of(record):
    return db.session.scalars(select(StoredFile).where(
        StoredFile.entity == "achievement", StoredFile.entity_id == record.id)
        .order_by(StoredFile.id)).all()


# --- drafting -----------------------------------------------------------------------------------

def _apply(record, data: AchievementData):
    for name in SIMPLE_FIELDS:
        value = getattr(data, name)
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    record.completers = [Completer(position=i + 1, name=p.name.strip(),
                                   organization=p.organization.strip())
                         for i, p in enumerate(data.completers)]
    record.ip_items = [IPItem(position=i + 1, type=item.type, number=item.number.strip(),
                              status=item.status) for i, item in enumerate(data.ip)]


def data_of(record) -> AchievementData:
    """The editable data of a record (the starting point of an edit)."""
    data = AchievementData(**{name: getattr(record, name) for name in SIMPLE_FIELDS})
    data.keywords = list(record.keywords or [])
    data.completers = [CompleterData(c.name, c.organization) for c in record.completers]
    data.ip = [IPData(i.type, i.number, i.status) for i in record.ip_items]
    return data


def create(data: AchievementData, actor) -> Achievement:
    """An institute drafts an achievement for its organisation."""
    if actor.role != Role.INSTITUTE or actor.organization_id is None:
        raise PermissionDenied(_l("Only research institutes and universities register "
                                  "achievements."))
    validate(data)
    moment = clock.now()
    record = Achievement(owner_org_id=actor.organization_id, created_by_id=actor.id,
                         status=S.DRAFT, created_at=moment, updated_at=moment)
    _apply(record, data)
    db.session.add(record)
    db.session.flush()
    audit.record("achievement", record.id, "create", actor, to_state=S.DRAFT)
    commit()
    return record


def update(achievement_id, data: AchievementData, actor) -> Achievement:
    record = _owned(achievement_id, actor, editable=True)
    validate(data)
    _apply(record, data)
    record.updated_at = clock.now()
    audit.record("achievement", record.id, "edit", actor)
    commit()
    return record


def attach_evidence(achievement_id, file_storage, kind, actor):
    record = _owned(achievement_id, actor, editable=True)
    if kind not in EVIDENCE_KINDS:
        raise ValidationFailed(fields={"kind": [_l("Choose what the file is.")]})
    stored = save_upload(file_storage, actor, entity="achievement", entity_id=record.id,
                         kind=kind)
    record.updated_at = clock.now()
    flush()
    audit.record("achievement", record.id, "attach", actor, comment=stored.original_name,
                 kind=kind, file_id=stored.id)
    commit()
    return stored


def detach_evidence(achievement_id, file_id, actor):
    record = _owned(achievement_id, actor, editable=True)
    stored = db.session.get(StoredFile, file_id)
    if stored is None or stored.entity != "achievement" or stored.entity_id != record.id:
        raise NotFound()
    stored.entity, stored.entity_id = None, None
    audit.record("achievement", record.id, "detach", actor, comment=stored.original_name,
                 file_id=stored.id)
    commit()


# --- the workflow -------------------------------------------------------------------------------

def _officers():
    return db.session.scalars(select(User).where(User.role == Role.BUREAU,
                                                 User.active.is_(True))).all()


def _members(record):
    return db.session.scalars(select(User).where(User.organization_id == record.owner_org_id,
                                                 User.active.is_(True))).all()


def submit(achievement_id, actor, expected_version=None):
    """Send a draft (or a returned record) to the bureau, refusing what SPEC.md refuses."""
    record = _owned(achievement_id, actor)
    WORKFLOW.check(record, "submit", actor, expected_version)
    problems = missing_for_submission(record)
    for name, messages in _duplicates(record).fields.items():
        for message in messages:
            problems.add(name, message)
    if not db.session.get(Organization, record.owner_org_id).is_verified:
        problems.add("organization", _l("Your organisation must be verified by the bureau "
                                        "before it can submit."))
    problems.raise_if_any()
    transition(WORKFLOW, record, "submit", actor, expected_version=expected_version)
    record.submitted_at = record.updated_at = clock.now()
    notify(_officers(), N_("An achievement awaits registration: %(title)s"),
           link=f"/bureau/achievements/{record.id}", title=record.title)
    commit()
    return record


def withdraw(achievement_id, actor, expected_version=None):
    record = _owned(achievement_id, actor)
    transition(WORKFLOW, record, "withdraw", actor, expected_version=expected_version)
    record.updated_at = clock.now()
    commit()
    return record


def _registration_number(record, moment):
    year = moment.astimezone(clock.LOCAL_TZ).year
    serial = sequences.next_value("achievement", year)
    if serial > 9999:
        raise Conflict(_l("This year's registration numbers are used up."))
    office = settings.get("achievement_office_code")
    return f"{office}{year}{CATEGORY_DIGITS[record.category]}{serial:04d}"


def new_verification_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def review(achievement_id, decision, actor, comment=None, expected_version=None):
    """The bureau registers, returns (with what to correct) or rejects (with the reason)."""
    if decision not in ("register", "return", "reject"):
        raise ValidationFailed(fields={"decision": [_l("Choose register, return or reject.")]})
    record = get_visible(achievement_id, actor)
    WORKFLOW.check(record, decision, actor, expected_version)
    if decision in ("return", "reject") and not (comment or "").strip():
        raise ValidationFailed(fields={"comment": [_l("Say why; the applicant will see it.")]})
    transition(WORKFLOW, record, decision, actor, comment, expected_version=expected_version)
    moment = clock.now()
    record.review_comment = (comment or "").strip() or None
    record.updated_at = moment
    if decision == "register":
        record.registration_number = _registration_number(record, moment)
        record.verification_code = new_verification_code()
        record.registered_at, record.registered_by_id = moment, actor.id
        message = N_("Your achievement %(title)s is registered as No. %(number)s.")
    elif decision == "return":
        message = N_("Your achievement %(title)s was returned for correction: %(comment)s")
    else:
        message = N_("Your achievement %(title)s was not registered: %(comment)s")
    notify(_members(record), message, link=f"/achievements/{record.id}", title=record.title,
           number=record.registration_number or "", comment=record.review_comment or "")
    commit()
    return record


def revoke(achievement_id, actor, comment, expected_version=None):
    record = get_visible(achievement_id, actor)
    WORKFLOW.check(record, "revoke", actor, expected_version)
    if not (comment or "").strip():
        raise ValidationFailed(fields={"comment": [_l("Say why; the applicant will see it.")]})
    transition(WORKFLOW, record, "revoke", actor, comment, expected_version=expected_version)
    record.review_comment, record.updated_at = comment.strip(), clock.now()
    from ..listings.services import end_for_revoked_achievement

    end_for_revoked_achievement(record, actor, comment.strip())
    notify(_members(record), N_("The registration of %(title)s was revoked: %(comment)s"),
           link=f"/achievements/{record.id}", title=record.title, comment=comment.strip())
    commit()
    return record


def review_queue():
    """Submitted records, oldest submission first."""
    return db.session.scalars(select(Achievement).where(Achievement.status == S.SUBMITTED)
                              .order_by(Achievement.submitted_at, Achievement.id)).all()


def by_registration_number(number, code):
    """The public facts of a registration, when number and verification code match."""
    record = db.session.scalar(select(Achievement).where(
        Achievement.registration_number == number))
    if record is None or not code or not secrets.compare_digest(
            record.verification_code or "", code.strip().upper()):
        raise NotFound()
    return record


# --- tiered disclosure of the confidential details -------------------------------------------

def may_read_details(actor, record):
    if actor is None or not getattr(actor, "is_authenticated", True):
        return False
    if is_owner(actor, record) or actor.is_officer:
        return True
    return db.session.scalar(select(DisclosureRequest.id).where(
        DisclosureRequest.achievement_id == record.id,
        DisclosureRequest.requester_org_id == actor.organization_id,
        DisclosureRequest.status == "granted")) is not None


def read_details(record, actor, channel="web"):
    """The details for someone allowed; every reading from outside the owner is logged."""
    if not may_read_details(actor, record):
        return None
    if not is_owner(actor, record):
        db.session.add(DisclosureView(achievement_id=record.id, user_id=actor.id,
                                      organization_id=actor.organization_id, at=clock.now(),
                                      channel=channel))
        db.session.commit()
    return record.details


def may_request_details(actor, record):
    """Outsiders (not the owner, not officers) may ask for a registered record's details."""
    return (actor is not None and record.status == S.REGISTERED
            and not is_owner(actor, record) and not actor.is_officer)


def request_details(achievement_id, actor, message, accept_terms):
    record = get_visible(achievement_id, actor)
    org = actor.organization if actor.organization_id else None
    if not may_request_details(actor, record):
        raise Conflict(_l("You cannot ask for the details of this record."))
    if org is None or not org.is_verified:
        raise PermissionDenied(_l("Only members of verified organisations may ask for the "
                                  "details."))
    if not accept_terms:
        raise ValidationFailed(fields={"accept_terms": [
            _l("Accept the confidentiality terms to ask for the details.")]})
    existing = db.session.scalar(select(DisclosureRequest).where(
        DisclosureRequest.achievement_id == record.id,
        DisclosureRequest.requester_org_id == org.id,
        DisclosureRequest.status.in_(("pending", "granted"))))
    if existing is not None:
        raise Conflict(_l("Your organisation has already asked for these details."))
    moment = clock.now()
    request = DisclosureRequest(achievement_id=record.id, requester_id=actor.id,
                                requester_org_id=org.id, status="pending",
                                message=(message or "").strip()[:2000] or None,
                                terms_accepted_at=moment, created_at=moment)
    db.session.add(request)
    db.session.flush()
    audit.record("achievement", record.id, "request_details", actor, request_id=request.id)
    notify(_members(record), N_("%(org)s asks to read the details of %(title)s."),
           link=f"/achievements/{record.id}/disclosures", org=org.name, title=record.title)
    db.session.commit()
    return request


def decide_request(request_id, grant, actor):
    request = db.session.get(DisclosureRequest, request_id)
    if request is None:
        raise NotFound()
    record = db.session.get(Achievement, request.achievement_id)
    if not is_owner(actor, record):
        raise NotFound()
    if request.status != "pending":
        raise Conflict(_l("This request has already been decided."))
    request.status = "granted" if grant else "refused"
    request.decided_at, request.decided_by_id = clock.now(), actor.id
    audit.record("achievement", record.id, "grant_details" if grant else "refuse_details",
                 actor, request_id=request.id)
    notify([request.requester],
           N_("Your request to read the details of %(title)s was granted.") if grant else
           N_("Your request to read the details of %(title)s was refused."),
           link=f"/achievements/{record.id}", title=record.title)
    db.session.commit()
    return request


def disclosure_log(record, actor):
    """Requests and readings of the details, for the owner and officers."""
    if not (is_owner(actor, record) or actor.is_officer):
        raise NotFound()
    requests = db.session.scalars(select(DisclosureRequest).where(
        DisclosureRequest.achievement_id == record.id).order_by(DisclosureRequest.id)).all()
    views = db.session.scalars(select(DisclosureView).where(
        DisclosureView.achievement_id == record.id).order_by(DisclosureView.id.desc())).all()
    return requests, views
