"""The blacklist (失信名单): who is listed, and the one check every entry point calls.

An entry is in force from its creation through the end of its `until` day, unless lifted;
it lapses by itself — `in_force()` compares with the market clock, so no job has to run for
a listed party to be allowed again (a market job only records the lapse in the audit log)."""
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import audit, clock, market
from ..accounts.models import Organization, Role, User
from ..brokers.models import BrokerProfile
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied
from ..extensions import db
from ..inbox.services import N_, notify
from .models import BlacklistEntry
from .services import record_event

# What a listed party is refused (SPEC.md §6: cannot list, bid or be engaged).
ACTIONS = {
    "list": _l("list technology for sale"),
    "intent": _l("register intent on a listing"),
    "bid": _l("bid"),
    "engage": _l("be engaged as a broker"),
    "invite": _l("engage a broker"),
    "respond": _l("respond to a need"),
}
STATES = {
    "in_force": _l("In force"),
    "lapsed": _l("Lapsed"),
    "lifted": _l("Lifted"),
}
MAX_REASON = 2000
audit.register_labels({"create": _l("put on the blacklist"), "lift": _l("lifted early"),
                       "lapse": _l("lapsed")}, "blacklist")


def in_force(org_id=None, broker_id=None):
    """The entry in force for this organisation or broker (the one lasting longest), or None."""
    if org_id is None and broker_id is None:
        return None
    column = BlacklistEntry.org_id if org_id is not None else BlacklistEntry.broker_id
    return db.session.scalars(
        select(BlacklistEntry)
        .where(column == (org_id if org_id is not None else broker_id),
               BlacklistEntry.lifted_at.is_(None), BlacklistEntry.until >= clock.today())
        .order_by(BlacklistEntry.until.desc()).limit(1)).first()


def ensure_allowed(action, *, org_id=None, broker_id=None):
    """Raise PermissionDenied (403, with a message saying why and until when) when the
    organisation or broker is on the blacklist; `action` is a key of ACTIONS."""
    entry = in_force(org_id=org_id, broker_id=broker_id)
    if entry is not None:
        raise PermissionDenied(_l(
            "On the market's blacklist until %(until)s, so not allowed to %(action)s. "
            "Reason: %(reason)s",
            until=format_date(entry.until), action=ACTIONS[action], reason=entry.reason))


# --- reading -----------------------------------------------------------------------------------

def state_of(entry, today=None):
    if entry.lifted_at is not None:
        return "lifted"
    return "in_force" if entry.until >= (today or clock.today()) else "lapsed"


def entries(state="in_force"):
    """The entries in one of STATES, the latest first (a SELECT, for pages and the API)."""
    stmt = select(BlacklistEntry)
    today = clock.today()
    if state == "lifted":
        stmt = stmt.where(BlacklistEntry.lifted_at.is_not(None))
    elif state in ("in_force", "lapsed"):
        stmt = stmt.where(BlacklistEntry.lifted_at.is_(None),
                          BlacklistEntry.until >= today if state == "in_force"
                          else BlacklistEntry.until < today)
    return stmt.order_by(BlacklistEntry.created_at.desc(), BlacklistEntry.id.desc())


def get(entry_id):
    entry = db.session.get(BlacklistEntry, entry_id)
    if entry is None:
        raise NotFound()
    return entry


def broker_profile(user_id):
    from ..brokers.engagement_queries import profile_of  # read once per session

    return profile_of(user_id)


def broker_name(user):
    """A broker's public name: the real name of its profile, else its username."""
    profile = broker_profile(user.id)
    return profile.real_name if profile is not None else user.username


def subject_name(entry):
    return entry.organization.name if entry.org_id is not None else broker_name(entry.broker)


def _people(entry):
    """Who is told about an entry: the organisation's members, or the broker."""
    if entry.broker_id is not None:
        return [entry.broker] if entry.broker.active else []
    return db.session.scalars(select(User).where(User.organization_id == entry.org_id,
                                                 User.active.is_(True))).all()


# --- the bureau's changes ---------------------------------------------------------------------

def _ensure_bureau(actor):
    if getattr(actor, "role", None) != Role.BUREAU:
        raise PermissionDenied(_l("Only the science bureau keeps the blacklist."))


def _reason(errors, reason, field="reason"):
    reason = (reason or "").strip()
    if not reason:
        errors.add(field, _l("Give the reason; the listed party will see it."))
    elif len(reason) > MAX_REASON:
        errors.add(field, _l("At most %(n)d characters.", n=MAX_REASON))
    return reason


def check_until(errors, until, field="until"):
    if until is None:
        errors.add(field, _l("Give the last day the entry is in force."))
    elif not isinstance(until, date) or until <= clock.today():
        errors.add(field, _l("The last day must be after today."))


def _subject(errors, org_id, broker_id, broker_profile_id):
    """(org_id, broker user id) of the one subject named; a broker may be named by its
    profile (the id the API uses for brokers) or by its user account."""
    if broker_profile_id is not None and broker_id is None:
        profile = db.session.get(BrokerProfile, broker_profile_id)
        if profile is None:
            errors.add("broker_id", _l("Choose one of the market's technology brokers."))
            return None, None
        broker_id = profile.user_id
    if (org_id is None) == (broker_id is None):
        errors.add("subject", _l("Name either an organisation or a broker."))
        return None, None
    if org_id is not None and db.session.get(Organization, org_id) is None:
        errors.add("org_id", _l("Choose an organisation."))
    if broker_id is not None:
        user = db.session.get(User, broker_id)
        if user is None or user.role != Role.BROKER:
            errors.add("broker_id", _l("Choose one of the market's technology brokers."))
    return org_id, broker_id


def put_on(actor, *, org_id=None, broker_id=None, until, reason, complaint_id=None):
    """Write an entry and its audit entry in the caller's transaction (the checks are the
    caller's). A complaint's restriction uses this directly: its credit event is the
    restriction's own, so the entry does not add "blacklisted" on top."""
    entry = BlacklistEntry(org_id=org_id, broker_id=broker_id, until=until, reason=reason,
                           complaint_id=complaint_id, created_by_id=actor.id,
                           created_at=clock.now())
    db.session.add(entry)
    db.session.flush()
    audit.record("blacklist", entry.id, "create", actor, comment=reason, org_id=org_id,
                 broker_id=broker_id, until=until.isoformat(), complaint_id=complaint_id)
    return entry


def add(actor, *, org_id=None, broker_id=None, broker_profile_id=None, until=None,
        reason=None, complaint_id=None):
    """The bureau lists an organisation or a broker until a date after today, with a reason
    (and the complaint it follows, if any); the credit event "blacklisted" is recorded."""
    _ensure_bureau(actor)
    errors = FieldErrors()
    org_id, broker_id = _subject(errors, org_id, broker_id, broker_profile_id)
    check_until(errors, until)
    reason = _reason(errors, reason)
    if complaint_id is not None:
        from .models import Complaint

        if db.session.get(Complaint, complaint_id) is None:
            errors.add("complaint_id", _l("No such complaint."))
    errors.raise_if_any()
    entry = put_on(actor, org_id=org_id, broker_id=broker_id, until=until, reason=reason,
                   complaint_id=complaint_id)
    record_event("blacklisted", org_id=org_id, broker_id=broker_id, entity="blacklist",
                 entity_id=entry.id, actor=actor, comment=reason)
    notify(_people(entry), N_("%(name)s is on the market's blacklist until %(until)s: "
                              "%(reason)s"), link=None, name=subject_name(entry),
           until=until.isoformat(), reason=reason)
    db.session.commit()
    return entry


def lift(entry_id, actor, reason):
    """The bureau takes an entry in force off the blacklist before its date, with a reason."""
    _ensure_bureau(actor)
    entry = get(entry_id)
    if state_of(entry) != "in_force":
        raise Conflict(_l("Only an entry in force can be lifted."))
    errors = FieldErrors()
    reason = _reason(errors, reason)
    errors.raise_if_any()
    entry.lifted_at, entry.lifted_by_id, entry.lift_reason = clock.now(), actor.id, reason
    audit.record("blacklist", entry.id, "lift", actor, comment=reason,
                 until=entry.until.isoformat())
    notify(_people(entry), N_("%(name)s is no longer on the market's blacklist: %(reason)s"),
           link=None, name=subject_name(entry), reason=reason)
    db.session.commit()
    return entry


def record_lapses():
    """Market job: each entry whose date has passed is recorded in the audit log once (the
    conditional UPDATE makes a second, concurrent tick skip it)."""
    ids = db.session.scalars(select(BlacklistEntry.id).where(
        BlacklistEntry.lifted_at.is_(None), BlacklistEntry.until < clock.today(),
        BlacklistEntry.expiry_recorded_at.is_(None)).order_by(BlacklistEntry.id)).all()
    recorded = 0
    for entry_id in ids:
        claimed = db.session.execute(
            update(BlacklistEntry).where(BlacklistEntry.id == entry_id,
                                         BlacklistEntry.expiry_recorded_at.is_(None))
            .values(expiry_recorded_at=clock.now())).rowcount
        if claimed:
            entry = db.session.get(BlacklistEntry, entry_id)
            audit.record("blacklist", entry_id, "lapse", None, until=entry.until.isoformat())
            notify(_people(entry), N_("The blacklist entry of %(name)s lapsed after "
                                      "%(until)s."), link=None, name=subject_name(entry),
                   until=entry.until.isoformat())
            recorded += 1
        db.session.commit()
    return recorded


market.register_job("blacklist lapses", record_lapses)
