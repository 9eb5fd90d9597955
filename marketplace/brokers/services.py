"""Broker profiles (SPEC.md §5): what a broker files about itself, the rules it must meet, the
bureau's verification (verify, reject, suspend, reinstate, cancel), and the public directory
of verified brokers. The track record is computed elsewhere (track_record.py), never typed."""
import dataclasses
import re
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit, clock
from ..accounts.models import Role, User
from ..accounts.services import PHONE_RE
from ..codes import FIELDS, REGIONS
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..files.services import path_of, register_access_rule, save_upload
from ..inbox.services import N_, notify
from ..listings.services import officers
from ..workflow import commit, flush, lock, transition
from .models import BrokerProfile
from .states import (
    ACTION_LABELS,
    FILED_LEVELS,
    LEVELS,
    SERVICES,
    STATUS_LABELS,
    WORKFLOW,
    BrokerStatus,
)

S = BrokerStatus
audit.register_labels(STATUS_LABELS, "broker")
audit.register_labels(ACTION_LABELS, "broker")

FILING_RE = re.compile(r"^[A-Za-z0-9-]+$")
MAX_YEARS = 60
NOT_ALLOWED = _l("Not one of the allowed values.")
PHOTO_TYPES = ("image/png", "image/jpeg")


@dataclass
class ProfileData:
    real_name: str = ""
    level: str = ""
    filing_number: str | None = None
    certificate_number: str | None = None
    certificate_issuer: str | None = None
    certificate_date: date | None = None
    professional_title: str | None = None
    fields: list = dataclasses.field(default_factory=list)
    regions: list = dataclasses.field(default_factory=list)
    services: list = dataclasses.field(default_factory=list)
    years_of_practice: object = None
    bio: str = ""
    contact_phone: str | None = None
    contact_email: str | None = None


PROFILE_FIELDS = tuple(ProfileData.__dataclass_fields__)
# What the bureau verified: changing any of it on a verified profile sends it back for
# verification (it leaves the public directory until verified again).
QUALIFICATION = ("real_name", "level", "filing_number", "certificate_number",
                 "certificate_issuer", "certificate_date")


# --- validation --------------------------------------------------------------------------------

def _text(errors, name, value, limit, required=False):
    """The stripped text (None when blank); a message when required and blank or too long."""
    value = (value or "").strip()
    if not value:
        if required:
            errors.add(name, _l("This field is required."))
        return None
    if len(value) > limit:
        errors.add(name, _l("At most %(n)d characters.", n=limit))
    return value


def _codes(errors, name, values, allowed, empty_message=None):
    """The codes chosen, each once, in the order given; a message for an unknown one."""
    if not isinstance(values, list | tuple):
        errors.add(name, NOT_ALLOWED)
        return []
    codes = list(dict.fromkeys(values))
    if any(code not in allowed for code in codes):
        errors.add(name, NOT_ALLOWED)
    elif not codes and empty_message:
        errors.add(name, empty_message)
    return codes


def _years(errors, value):
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        value = int(value) if value.isascii() and value.isdigit() else -1
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_YEARS:
        errors.add("years_of_practice", _l("Enter a whole number of years from 0 to %(n)d.",
                                           n=MAX_YEARS))
    return value


def filing_taken(number, profile_id=None):
    """Whether another profile has this filing number (letters compared without case)."""
    stmt = select(BrokerProfile.id).where(
        func.upper(BrokerProfile.filing_number) == number.upper())
    if profile_id is not None:
        stmt = stmt.where(BrokerProfile.id != profile_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _filing_number(errors, data, profile_id):
    number = _text(errors, "filing_number", data.filing_number, 40)
    if number is None:
        if data.level in FILED_LEVELS:
            errors.add("filing_number", _l("Intermediate and senior brokers give their "
                                           "national filing number."))
    elif "filing_number" in errors.fields:
        pass  # too long: one message is enough
    elif not FILING_RE.match(number):
        errors.add("filing_number", _l("A filing number has only letters, digits and "
                                       "hyphens."))
    elif filing_taken(number, profile_id):
        errors.add("filing_number", _l("Another broker’s profile already has this filing "
                                       "number."))
    return number


def _contact(errors, data):
    # A value too long has its one message already.
    phone = _text(errors, "contact_phone", data.contact_phone, 40)
    if phone and "contact_phone" not in errors.fields and not PHONE_RE.match(phone):
        errors.add("contact_phone", _l("Enter a telephone number of digits."))
    email = _text(errors, "contact_email", data.contact_email, 254)
    if email and "contact_email" not in errors.fields:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors.add("contact_email", _l("Enter a valid e-mail address."))
    return phone, email


def validate(data: ProfileData, profile_id=None):
    """Every rule of a profile's fields; the cleaned values come back in `data`."""
    errors = FieldErrors()
    real_name = _text(errors, "real_name", data.real_name, 100, required=True)
    if data.level not in LEVELS:
        errors.add("level", _l("Choose the level of your qualification."))
    filing = _filing_number(errors, data, profile_id)
    certificate = _text(errors, "certificate_number", data.certificate_number, 60,
                        required=True)
    issuer = _text(errors, "certificate_issuer", data.certificate_issuer, 200)
    if data.certificate_date is not None and data.certificate_date > clock.today():
        errors.add("certificate_date", _l("The certificate’s date cannot be in the future."))
    title = _text(errors, "professional_title", data.professional_title, 100)
    fields = _codes(errors, "fields", data.fields, FIELDS,
                    _l("Choose at least one field of expertise."))
    regions = _codes(errors, "regions", data.regions, REGIONS,
                     _l("Choose at least one region you serve."))
    services = _codes(errors, "services", data.services, SERVICES)
    years = _years(errors, data.years_of_practice)
    bio = _text(errors, "bio", data.bio, 5000)
    phone, email = _contact(errors, data)
    errors.raise_if_any()
    data.real_name, data.filing_number, data.certificate_number = real_name, filing, certificate
    data.certificate_issuer, data.professional_title = issuer, title
    data.fields, data.regions, data.services = fields, regions, services
    data.years_of_practice, data.bio = years, bio or ""
    data.contact_phone, data.contact_email = phone, email


# --- access ------------------------------------------------------------------------------------

def is_own(actor, profile):
    return actor is not None and getattr(actor, "id", None) == profile.user_id


def may_view(actor, profile):
    """The public sees verified profiles; the broker and officers see it in any state."""
    return profile.is_verified or is_own(actor, profile) or bool(
        getattr(actor, "is_officer", False))


def get_visible(profile_id, actor):
    profile = db.session.get(BrokerProfile, profile_id)
    if profile is None or not may_view(actor, profile):
        raise NotFound()
    return profile


def profile_of(user):
    """The broker's own profile, or None."""
    if user is None:
        return None
    return db.session.scalar(select(BrokerProfile).where(BrokerProfile.user_id == user.id))


def _photo_rule(user, stored):
    # A verified broker's current photo is public; officers and the broker pass may_read's
    # own checks. Visitors without an account get it through brokers.photo.
    profile = db.session.get(BrokerProfile, stored.entity_id) if stored.entity_id else None
    return profile is not None and profile.photo_id == stored.id and profile.is_verified


register_access_rule("broker", _photo_rule)


# --- the broker's own profile ------------------------------------------------------------------

def data_of(profile) -> ProfileData:
    data = ProfileData(**{name: getattr(profile, name) for name in PROFILE_FIELDS})
    for name in ("fields", "regions", "services"):
        setattr(data, name, list(getattr(profile, name) or []))
    return data


def _changes(profile, data):
    return [name for name in PROFILE_FIELDS if getattr(profile, name, None) != getattr(data, name)]


def _attach_photo(profile, photo, actor):
    stored = save_upload(photo, actor, entity="broker", entity_id=profile.id, kind="photo",
                         field="photo")
    if stored.content_type not in PHOTO_TYPES:
        # Neither left pending in the session (a later commit would keep it) nor on disk.
        db.session.expunge(stored)
        path_of(stored).unlink(missing_ok=True)
        raise ValidationFailed(fields={"photo": [_l("The photo must be a PNG or JPEG "
                                                    "image.")]})
    flush()
    profile.photo_id = stored.id


def _write(step, data, profile_id=None):
    """Flush or commit; a filing number taken meanwhile by another profile becomes a field
    message, another clash (the broker's second profile, filed twice at once) a conflict."""
    try:
        step()
    except IntegrityError:
        db.session.rollback()
        if data.filing_number and filing_taken(data.filing_number, profile_id):
            raise ValidationFailed(fields={"filing_number": [_l(
                "Another broker’s profile already has this filing number.")]}) from None
        raise Conflict() from None


def save_profile(user, data: ProfileData, photo=None, expected_version=None):
    """A broker files its profile (pending, for the bureau to verify) or changes it; returns
    (profile, created). A rejected profile goes back to the bureau when changed; so does a
    verified one whose qualification (QUALIFICATION) changes. Other changes keep the state."""
    if getattr(user, "role", None) != Role.BROKER:
        raise PermissionDenied(_l("Only technology brokers keep a broker profile."))
    current = profile_of(user)
    profile = lock(BrokerProfile, current.id) if current is not None else None
    if profile is not None and profile.status == S.CANCELLED:
        raise Conflict(_l("Your broker profile is cancelled; it can no longer be changed."))
    if profile is not None and expected_version not in (None, "") \
            and str(expected_version) != str(profile.version):
        raise Conflict()
    validate(data, profile.id if profile is not None else None)
    moment = clock.now()
    if profile is None:
        profile = BrokerProfile(user_id=user.id, status=S.PENDING, submitted_at=moment,
                                created_at=moment, updated_at=moment)
        for name in PROFILE_FIELDS:
            setattr(profile, name, getattr(data, name))
        db.session.add(profile)
        _write(flush, data)
        audit.record("broker", profile.id, "create", user, to_state=S.PENDING)
        if photo is not None and photo.filename:
            _attach_photo(profile, photo, user)
        _tell_officers(profile)
        _write(commit, data, profile.id)
        return profile, True
    changed = _changes(profile, data)
    qualification = [name for name in changed if name in QUALIFICATION]
    if profile.status == S.SUSPENDED and qualification:
        raise Conflict(_l("While your profile is suspended its qualification cannot be "
                          "changed."))
    for name in changed:
        setattr(profile, name, getattr(data, name))
    if photo is not None and photo.filename:
        _attach_photo(profile, photo, user)
        changed.append("photo")
    if profile.status == S.REJECTED or (profile.status == S.VERIFIED and qualification):
        transition(WORKFLOW, profile, "resubmit", user, fields=changed)
        profile.submitted_at = moment
        _tell_officers(profile)
    elif changed:
        audit.record("broker", profile.id, "edit", user, fields=changed)
    if changed or profile.status == S.PENDING:
        profile.updated_at = moment
    _write(commit, data, profile.id)
    return profile, False


def set_photo(user, photo):
    """The broker's new photo (PNG or JPEG) for its existing profile; the state is kept."""
    profile = profile_of(user)
    if profile is None or getattr(user, "role", None) != Role.BROKER:
        raise NotFound()
    if photo is None or not photo.filename:
        raise ValidationFailed(fields={"photo": [_l("Choose a file to upload.")]})
    return save_profile(user, data_of(profile), photo=photo)[0]


def _tell_officers(profile):
    notify(officers(), N_("A broker profile awaits verification: %(name)s"),
           link=f"/bureau/brokers/{profile.id}", name=profile.real_name)


# --- the bureau's decisions ----------------------------------------------------------------------

DECISIONS = ("verify", "reject", "suspend", "reinstate", "cancel")
# The bureau says why (the broker sees it); a broker cancelling its own profile need not.
NEEDS_COMMENT = ("reject", "suspend", "cancel")
DECISION_MESSAGES = {
    "verify": N_("Your broker profile is verified; it is listed in the public directory."),
    "reject": N_("Your broker profile was rejected: %(comment)s"),
    "suspend": N_("Your broker profile is suspended: %(comment)s"),
    "reinstate": N_("Your broker profile is reinstated and listed in the directory again."),
    "cancel": N_("Your broker profile was cancelled by the science bureau: %(comment)s"),
}


def decide(profile_id, decision, actor, comment=None, expected_version=None):
    """The bureau verifies, rejects, suspends, reinstates or cancels a profile (the broker
    may cancel its own); the broker is told of the bureau's decisions."""
    if decision not in DECISIONS:
        raise ValidationFailed(fields={"decision": [NOT_ALLOWED]})
    profile = lock(BrokerProfile, profile_id)
    if profile is None or not may_view(actor, profile):
        raise NotFound()
    WORKFLOW.check(profile, decision, actor, expected_version)
    comment = (comment or "").strip()
    own = is_own(actor, profile)
    if decision in NEEDS_COMMENT and not comment and not own:
        raise ValidationFailed(fields={"comment": [_l("Say why; the broker will see it.")]})
    transition(WORKFLOW, profile, decision, actor, comment or None,
               expected_version=expected_version)
    moment = clock.now()
    profile.review_comment, profile.updated_at = comment or None, moment
    if decision in ("verify", "reinstate"):
        profile.verified_at, profile.verified_by_id = moment, actor.id
    if not own:
        notify(profile.user, DECISION_MESSAGES[decision], link="/brokers/me", comment=comment)
    commit()
    return profile


def queue(status=S.PENDING):
    """Profiles in `status`: pending ones the longest waiting first, others newest first."""
    stmt = (select(BrokerProfile).where(BrokerProfile.status == status)
            .options(joinedload(BrokerProfile.user).joinedload(User.organization)))
    if status == S.PENDING:
        return stmt.order_by(BrokerProfile.submitted_at, BrokerProfile.id)
    return stmt.order_by(BrokerProfile.updated_at.desc(), BrokerProfile.id.desc())


def queue_counts():
    return dict(db.session.execute(select(BrokerProfile.status, func.count())
                                   .group_by(BrokerProfile.status)).all())
