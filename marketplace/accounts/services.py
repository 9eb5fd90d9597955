"""Account rules: registration, login throttling, passwords, roles and organisation review.

Pages and the API both call these functions; each raises a domain error with per-field
messages instead of returning flags, so a rule is written once.
"""
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, clock, credit_code
from ..codes import ENTITY_TYPES, ORG_KINDS, REGIONS
from ..errors import DomainError, FieldErrors, NotFound, ValidationFailed
from ..extensions import db
from ..inbox.services import N_, notify
from ..workflow import Workflow, commit, role_in, transition
from .models import (
    ORG_STATUS_LABELS,
    ROLE_LABELS,
    SELF_REGISTERED_ROLES,
    LoginAttempt,
    Organization,
    OrgStatus,
    Role,
    User,
)

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"


def _is_member(actor, org):
    return getattr(actor, "organization_id", None) == org.id


ORGANIZATION_WORKFLOW = Workflow(
    entity="organization",
    transitions={
        OrgStatus.UNVERIFIED: {"verify": OrgStatus.VERIFIED, "reject": OrgStatus.REJECTED},
        OrgStatus.REJECTED: {"resubmit": OrgStatus.UNVERIFIED},
    },
    guards={
        "verify": role_in(Role.BUREAU),
        "reject": role_in(Role.BUREAU),
        "resubmit": _is_member,
    },
    labels=ORG_STATUS_LABELS,
)


audit.register_labels(ORG_STATUS_LABELS)
audit.register_labels(ROLE_LABELS)


@dataclass
class OrganizationData:
    name: str = ""
    kind: str = ""
    entity_type: str = ""
    credit_code: str = ""
    county: str = ""
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""


@dataclass
class Registration:
    username: str = ""
    email: str = ""
    password: str = ""
    role: str = ""
    locale: str | None = None
    organization: OrganizationData | None = field(default=None)


# --- validation shared by registration, the CLI and password change -------------------

def password_problems(password, username=None):
    if len(password or "") < 10:
        return _l("The password must have at least %(n)d characters.", n=10)
    if password.isdigit():
        return _l("The password must not be all digits.")
    if username and password.lower() == username.lower():
        return _l("The password must not be the user name.")
    return None


def _check_username(username, errors):
    if not USERNAME_RE.match(username or ""):
        errors.add("username", _l("Use 3 to 40 letters, digits, dots, dashes or underscores."))
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        errors.add("username", _l("This user name is taken."))


def _check_email(email, errors):
    try:
        return validate_email(email or "", check_deliverability=False).normalized
    except EmailNotValidError:
        errors.add("email", _l("Enter a valid e-mail address."))
        return email


def _check_organization(data: OrganizationData, errors, prefix="organization.", own_id=-1,
                        require_contact=True):
    def text(name, value, limit, required=True):
        if not (value or "").strip():
            if required:
                errors.add(prefix + name, _l("This field is required."))
        elif len(value) > limit:
            errors.add(prefix + name, _l("At most %(n)d characters.", n=limit))

    # API.md's registration names only name, kind, credit code and county, so the API may
    # leave the address and contact for later; the pages always ask for them.
    text("name", data.name, 200)
    text("address", data.address, 300, required=require_contact)
    text("contact_name", data.contact_name, 100, required=require_contact)
    if data.kind not in ORG_KINDS:
        errors.add(prefix + "kind", _l("Choose the kind of organisation."))
    if data.entity_type not in ENTITY_TYPES:
        errors.add(prefix + "entity_type", _l("Choose the entity type."))
    if data.county not in REGIONS:
        errors.add(prefix + "county", _l("Choose a county of Lüliang or, outside it, a province."))
    phone = (data.contact_phone or "").strip()
    if (phone or require_contact) and not PHONE_RE.match(phone):
        errors.add(prefix + "contact_phone", _l("Enter a telephone number of digits."))
    code = credit_code.normalize(data.credit_code)
    if not credit_code.is_valid(code):
        errors.add(prefix + "credit_code", _l(
            "Not a valid unified social credit code: 18 characters with a correct check "
            "character (GB 32100-2015)."))
    elif db.session.scalar(select(Organization.id).where(Organization.credit_code == code,
                                                         Organization.id != own_id)):
        errors.add(prefix + "credit_code", _l(
            "An organisation with this credit code is already registered."))
    data.credit_code = code


def _new_organization(data: OrganizationData):
    moment = clock.now()
    return Organization(
        name=data.name.strip(), kind=data.kind, entity_type=data.entity_type,
        credit_code=data.credit_code, county=data.county, address=data.address.strip(),
        contact_name=data.contact_name.strip(), contact_phone=data.contact_phone.strip(),
        status=OrgStatus.UNVERIFIED, created_at=moment, updated_at=moment,
    )


def register(data: Registration, require_contact=True) -> User:
    """Create a self-registered account (enterprise, institute or broker) and its organisation.

    `require_contact=False` (the API) lets the organisation's address and contact wait."""
    errors = FieldErrors()
    _check_username(data.username, errors)
    data.email = _check_email(data.email, errors)
    if data.role not in SELF_REGISTERED_ROLES:
        errors.add("role", _l("Choose enterprise, research institute or technology broker."))
    problem = password_problems(data.password, data.username)
    if problem:
        errors.add("password", problem)
    if data.organization is None and data.role != Role.BROKER:
        errors.add("organization.name", _l("This field is required."))
    if data.organization is not None:
        _check_organization(data.organization, errors, require_contact=require_contact)
    errors.raise_if_any()

    moment = clock.now()
    user = User(username=data.username, email=data.email, role=Role(data.role),
                locale=data.locale, active=True, created_at=moment, updated_at=moment)
    user.set_password(data.password)
    if data.organization is not None:
        org = _new_organization(data.organization)
        db.session.add(org)
        db.session.flush()
        user.organization_id = org.id
        audit.record("organization", org.id, "register", None, to_state=org.status)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # Someone registered the same user name or credit code a moment ago: say which.
        db.session.rollback()
        errors = FieldErrors()
        _check_username(data.username, errors)
        if data.organization is not None:
            _check_organization(data.organization, errors, require_contact=require_contact)
        errors.raise_if_any()
        raise
    audit.record("user", user.id, "register", user, to_state=user.role)
    _notify_bureau_of_new_organization(user)
    db.session.commit()
    return user


def _notify_bureau_of_new_organization(user):
    if user.organization_id is None:
        return
    officers = db.session.scalars(select(User).where(User.role == Role.BUREAU,
                                                     User.active.is_(True))).all()
    notify(officers, N_("A new organisation awaits verification: %(name)s"),
           link=f"/bureau/organizations/{user.organization_id}",
           name=user.organization.name if user.organization else "")


def create_user(username, password, role, email=None, organization_id=None) -> User:
    """Create any account, bureau and admin included (for `flask users create`)."""
    errors = FieldErrors()
    _check_username(username, errors)
    problem = password_problems(password, username)
    if problem:
        errors.add("password", problem)
    if role not in set(Role):
        errors.add("role", _l("Unknown role."))
    if organization_id is not None and db.session.get(Organization, organization_id) is None:
        errors.add("organization_id", _l("No such organisation."))
    email = _check_email(email, errors) if email else f"{username}@localhost"
    errors.raise_if_any()
    moment = clock.now()
    user = User(username=username, email=email, role=Role(role),
                organization_id=organization_id, created_at=moment, updated_at=moment)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user", user.id, "create", None, to_state=user.role)
    db.session.commit()
    return user


# --- login -------------------------------------------------------------------------------

def _recent_failures(column, value, since, reset_by_success):
    """Failures in the window; for an account, only those after its last successful login
    (the owner got in). An address is never reset: an attacker could log in to an account of
    their own between guesses."""
    conditions = [column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since]
    if reset_by_success:
        last_success = select(func.max(LoginAttempt.at)).where(
            column == value, LoginAttempt.success.is_(True), LoginAttempt.at >= since
        ).scalar_subquery()
        conditions.append(LoginAttempt.at > func.coalesce(last_success, since))
    return db.session.scalar(select(func.count()).select_from(LoginAttempt).where(*conditions))


@cache
def _timing_hash():
    return generate_password_hash(secrets.token_hex(16), method="scrypt")


def authenticate(username, password, ip) -> User:
    """The user with these credentials; refuses after too many failures (account and IP)."""
    config = current_app.config
    moment = clock.now()
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    username = (username or "").strip()[:40]
    since = moment - window
    if (_recent_failures(LoginAttempt.username, username, since, reset_by_success=True)
            >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
            or _recent_failures(LoginAttempt.ip, ip, since, reset_by_success=False)
            >= config["LOGIN_MAX_FAILURES_PER_IP"]):
        raise TooManyAttempts(_l(
            "Too many failed logins. Wait %(minutes)d minutes and try again.",
            minutes=config["LOGIN_WINDOW_MINUTES"]))
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        # Spend the same time as a wrong password, so timing does not tell who has an account.
        check_password_hash(_timing_hash(), password or "")
    ok = user is not None and user.check_password(password or "")
    db.session.add(LoginAttempt(username=username, ip=ip, at=moment, success=ok))
    if not ok:
        db.session.commit()
        raise ValidationFailed(fields={"password": [_l("Wrong user name or password.")]})
    if not user.active:
        db.session.commit()
        raise ValidationFailed(fields={"username": [_l("This account has been deactivated.")]})
    user.last_login_at = moment
    db.session.commit()
    return user


def change_password(user, current, new):
    errors = FieldErrors()
    if not user.check_password(current or ""):
        errors.add("current_password", _l("The current password is wrong."))
    problem = password_problems(new, user.username)
    if problem:
        errors.add("new_password", problem)
    errors.raise_if_any()
    user.set_password(new)
    user.updated_at = clock.now()
    audit.record("user", user.id, "change_password", user)
    db.session.commit()


def set_locale(user, locale):
    if user.locale != locale:
        user.locale = locale
        db.session.commit()


# --- administration -----------------------------------------------------------------------

def _other_user(user_id, actor):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == actor.id:
        raise ValidationFailed(_l("You cannot change your own account here."))
    return user


def set_role(user_id, role, actor):
    user = _other_user(user_id, actor)
    if role not in set(Role):
        raise ValidationFailed(fields={"role": [_l("Unknown role.")]})
    if user.role != role:
        audit.record("user", user.id, "change_role", actor, from_state=user.role, to_state=role)
        user.role, user.updated_at = Role(role), clock.now()
        db.session.commit()
    return user


def set_active(user_id, active, actor):
    user = _other_user(user_id, actor)
    if user.active != active:
        user.active, user.updated_at = active, clock.now()
        audit.record("user", user.id, "activate" if active else "deactivate", actor)
        db.session.commit()
    return user


# --- organisations --------------------------------------------------------------------------

def get_organization(org_id) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound()
    return org


def may_view_organization(actor, org):
    """Verified organisations are public; others only to their members and officers."""
    if org.status == OrgStatus.VERIFIED:
        return True
    return actor is not None and (getattr(actor, "is_officer", False) or _is_member(actor, org))


def review_organization(org_id, decision, actor, comment=None, expected_version=None):
    """The bureau verifies or rejects an organisation (a reason is required to reject)."""
    org = get_organization(org_id)
    if decision not in ("verify", "reject"):
        raise ValidationFailed(fields={"decision": [_l("Choose verify or reject.")]})
    ORGANIZATION_WORKFLOW.check(org, decision, actor, expected_version)
    if decision == "reject" and not (comment or "").strip():
        raise ValidationFailed(fields={"comment": [_l("Give the reason for rejecting.")]})
    transition(ORGANIZATION_WORKFLOW, org, decision, actor, comment,
               expected_version=expected_version)
    moment = clock.now()
    org.review_comment = comment or None
    org.updated_at = moment
    if decision == "verify":
        org.verified_at, org.verified_by_id = moment, actor.id
    message = (N_("Your organisation %(name)s has been verified.") if decision == "verify"
               else N_("Your organisation %(name)s was not verified: %(comment)s"))
    notify(list(org.members), message, link=f"/organizations/{org.id}", name=org.name,
           comment=comment or "")
    commit()
    return org


def update_organization(org_id, data: OrganizationData, actor):
    """Members correct their organisation's details while it is not yet verified."""
    org = get_organization(org_id)
    if not _is_member(actor, org):
        raise NotFound()
    if org.status == OrgStatus.VERIFIED:
        raise ValidationFailed(_l("A verified organisation's details are changed by the bureau."))
    errors = FieldErrors()
    _check_organization(data, errors, prefix="", own_id=org.id)
    errors.raise_if_any()
    for name in ("name", "kind", "entity_type", "credit_code", "county", "address",
                 "contact_name", "contact_phone"):
        setattr(org, name, getattr(data, name).strip())
    org.updated_at = clock.now()
    audit.record("organization", org.id, "edit", actor)
    if org.status == OrgStatus.REJECTED:
        transition(ORGANIZATION_WORKFLOW, org, "resubmit", actor)
    commit()
    return org


def organization_queue(status=OrgStatus.UNVERIFIED):
    """Organisations awaiting the bureau, oldest first."""
    return db.session.scalars(select(Organization).where(Organization.status == status)
                              .order_by(Organization.created_at, Organization.id)).all()
