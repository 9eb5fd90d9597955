"""Reading engagements (see engagements.py): the brokers a party may engage, a broker's real
name, the engagements on a record and who sees them, a user's engagements, and whether a broker
is engaged on a record (the access checks of listings, needs, deals and messages ask this)."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, false, inspect, select

from .. import clock
from ..accounts.models import Role, User
from ..credit.models import BlacklistEntry
from ..errors import NotFound
from ..extensions import db
from ..listings.models import Deal, Listing
from ..needs.models import Need
from .models import BrokerProfile, Engagement
from .states import LEVELS, OPEN_ENGAGEMENTS, BrokerStatus

PARTY_ROLES = (Role.INSTITUTE, Role.ENTERPRISE)
MODELS = {"listing": Listing, "need": Need, "deal": Deal}
SUBJECT_LABELS = {"listing": _l("Listing"), "need": _l("Need"), "deal": _l("Deal")}


def is_principal(actor, engagement):
    """A member (institute or enterprise user) of the organisation that engaged the broker."""
    return (getattr(actor, "role", None) in PARTY_ROLES
            and getattr(actor, "organization_id", None) == engagement.principal_org_id)


# --- brokers -----------------------------------------------------------------------------------

def _not_blacklisted():
    """SQL: the broker user (User.id) is not on the blacklist today (see credit.blacklist)."""
    return ~exists().where(BlacklistEntry.broker_id == User.id,
                           BlacklistEntry.lifted_at.is_(None),
                           BlacklistEntry.until >= clock.today())


def broker_choices(exclude_org_ids=()):
    """(user id, "real name — level") of every broker a party may engage now: verified, active
    and not on the blacklist; none employed by `exclude_org_ids`."""
    profiles = db.session.scalars(
        select(BrokerProfile).join(User, User.id == BrokerProfile.user_id).where(
            BrokerProfile.status == BrokerStatus.VERIFIED, User.active.is_(True),
            User.role == Role.BROKER, _not_blacklisted())
        .order_by(BrokerProfile.real_name, BrokerProfile.id)).all()
    excluded = {i for i in exclude_org_ids if i}
    return [(p.user_id, f"{p.real_name} — {LEVELS.get(p.level, p.level)}") for p in profiles
            if p.user.organization_id not in excluded]


def _known_profiles():
    """The broker profiles this session has read, by user id: a page naming the same brokers
    many times (intents, engagements, responses) reads each once. Kept in the session's
    `info`, so it ends with the session; rows changed meanwhile are the same ORM objects."""
    return db.session.info.setdefault("broker_profiles", {})


def preload_profiles(user_ids):
    """Read the profiles of these users (ids, None ignored) in one query, for a list that
    names them all (see display_name)."""
    known = _known_profiles()
    missing = {i for i in user_ids if i is not None and i not in known}
    if missing:
        for profile in db.session.scalars(select(BrokerProfile).where(
                BrokerProfile.user_id.in_(sorted(missing)))):
            known[profile.user_id] = profile


def profile_of(user_id):
    if user_id is None:
        return None
    known = _known_profiles()
    profile = known.get(user_id)
    if profile is not None and not inspect(profile).persistent:  # rolled back meanwhile
        profile = known.pop(user_id) and None
    if profile is None:  # a user without a profile is asked again: one may be made meanwhile
        profile = db.session.scalar(select(BrokerProfile).where(
            BrokerProfile.user_id == user_id))
        if profile is not None:
            known[user_id] = profile
    return profile


def is_verified_broker(user):
    profile = profile_of(getattr(user, "id", None))
    return (getattr(user, "role", None) == Role.BROKER and user.active
            and profile is not None and profile.is_verified)


def display_name(user):
    """A broker's real name from its profile (the user name when it has none)."""
    if user is None:
        return ""
    profile = profile_of(user.id)
    return profile.real_name if profile is not None else user.username


def profile_user_id(profile_id):
    """The user id of the broker whose public id (BrokerProfile.id) is `profile_id`."""
    profile = db.session.get(BrokerProfile, profile_id) if profile_id is not None else None
    return profile.user_id if profile is not None else None


def as_id(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # no such user: refused as "choose one of the brokers"


# --- what an engagement is on ------------------------------------------------------------------

def title_of(subject, record):
    if subject == "deal":
        return record.title or record.confirmation_number
    return record.title


def link_of(subject, subject_id):
    return f"/{subject}s/{subject_id}"


@dataclass
class Described:
    engagement: Engagement
    title: str
    link: str


def describe(engagements):
    """Each engagement with its subject's title and page, for lists."""
    rows = []
    for e in engagements:
        record = db.session.get(MODELS[e.subject], e.subject_id)
        rows.append(Described(e, title_of(e.subject, record) if record else "",
                              link_of(e.subject, e.subject_id)))
    return rows


# --- reading -----------------------------------------------------------------------------------

def _of_side(subject, subject_id, side, principal_org_id, statuses):
    stmt = select(Engagement).where(Engagement.subject == subject,
                                    Engagement.subject_id == subject_id,
                                    Engagement.side == side, Engagement.status.in_(statuses))
    if principal_org_id is not None:
        stmt = stmt.where(Engagement.principal_org_id == principal_org_id)
    return db.session.scalars(stmt.order_by(Engagement.id.desc()).limit(1)).first()


def open_engagement(subject, subject_id, side, principal_org_id=None):
    """The one engagement of that side (of that principal) awaiting an answer or accepted."""
    return _of_side(subject, subject_id, side, principal_org_id, OPEN_ENGAGEMENTS)


def accepted(subject, subject_id, side, principal_org_id=None):
    return _of_side(subject, subject_id, side, principal_org_id, ("accepted",))


def engaged(actor, subject, subject_id, side=None):
    """The accepted engagements of `actor` (a broker) on the record."""
    if getattr(actor, "role", None) != Role.BROKER:
        return []
    stmt = select(Engagement).where(Engagement.broker_id == actor.id,
                                    Engagement.subject == subject,
                                    Engagement.subject_id == subject_id,
                                    Engagement.status == "accepted")
    if side is not None:
        stmt = stmt.where(Engagement.side == side)
    return db.session.scalars(stmt.order_by(Engagement.id)).all()


def is_engaged(actor, subject, subject_id, side=None):
    return bool(engaged(actor, subject, subject_id, side))


def accepted_brokers(subject, subject_id, side=None, principal_org_id=None):
    """The user ids of the brokers engaged (accepted) on the record."""
    stmt = select(Engagement.broker_id).where(Engagement.subject == subject,
                                              Engagement.subject_id == subject_id,
                                              Engagement.status == "accepted")
    if side is not None:
        stmt = stmt.where(Engagement.side == side)
    if principal_org_id is not None:
        stmt = stmt.where(Engagement.principal_org_id == principal_org_id)
    return set(db.session.scalars(stmt))


def engaged_clause(subject, subject_id, broker_id, side=None, principal_org_id=None):
    """SQL: `broker_id` holds an accepted engagement on the record (columns welcome)."""
    conditions = [Engagement.subject == subject, Engagement.subject_id == subject_id,
                  Engagement.broker_id == broker_id, Engagement.status == "accepted"]
    if side is not None:
        conditions.append(Engagement.side == side)
    if principal_org_id is not None:
        conditions.append(Engagement.principal_org_id == principal_org_id)
    return exists().where(*conditions)


def _shown_to_all(e, viewer, record):
    """An accepted broker of the record's owner side (or, on a listing, any accepted broker
    for the seller, who sees the intents) is shown to whoever sees the record."""
    if e.status != "accepted":
        return False
    if e.subject == "listing" and e.side == "buyer":
        return getattr(viewer, "organization_id", None) == record.seller_org_id
    return True


def on_record(subject, record, viewer):
    """The engagements on the record that `viewer` may see: the bureau all; the principal
    its own; a broker those it was invited to; others the accepted ones of the owner side."""
    rows = db.session.scalars(select(Engagement).where(
        Engagement.subject == subject, Engagement.subject_id == record.id)
        .order_by(Engagement.id.desc())).all()
    if viewer is not None and getattr(viewer, "is_officer", False):
        return rows
    return [e for e in rows if e.broker_id == getattr(viewer, "id", None)
            or is_principal(viewer, e) or _shown_to_all(e, viewer, record)]


def mine(actor):
    """SELECT of the engagements `actor` sees on its engagements page: a broker's own, a
    party's organisation's, every one for officers."""
    stmt = select(Engagement).order_by(Engagement.invited_at.desc(), Engagement.id.desc())
    if getattr(actor, "is_officer", False):
        return stmt
    if actor.role == Role.BROKER:
        return stmt.where(Engagement.broker_id == actor.id)
    if actor.role in PARTY_ROLES and actor.organization_id is not None:
        return stmt.where(Engagement.principal_org_id == actor.organization_id)
    return stmt.where(false())


def get_visible(engagement_id, actor):
    """The engagement for its broker, its principal's members and officers; NotFound else."""
    e = db.session.get(Engagement, engagement_id)
    if e is None or actor is None or not (
            e.broker_id == actor.id or is_principal(actor, e)
            or getattr(actor, "is_officer", False)):
        raise NotFound()
    return e

