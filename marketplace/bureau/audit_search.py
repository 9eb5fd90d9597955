"""Audit search for the bureau: entries by record, user, action and a range of the market's
local days, newest first. Filtered in SQL on the audit log's indexes: (entity, entity_id, id)
for a record, (entity, id) for a kind of record, (actor_id, id) for a user, (action, id) for
an action, at for dates; pages past the first few by keyset (see keyset.py)."""
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from .. import keyset
from ..accounts.models import User
from ..audit import AuditEntry
from ..errors import FieldErrors
from ..extensions import db
from ..stats.periods import local_midnight

PER_PAGE = 50
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# Names of the kinds of record the audit log speaks of; a kind without a name shows its code.
ENTITY_LABELS = {
    "organization": _l("Organisation"), "user": _l("User"), "achievement": _l("Achievement"),
    "listing": _l("Listing"), "need": _l("Need"), "contract": _l("Contract"),
    "deal": _l("Deal"), "broker": _l("Broker profile"), "engagement": _l("Engagement"),
    "rating": _l("Rating"), "credit_event": _l("Credit event"), "complaint": _l("Complaint"),
    "blacklist": _l("Blacklist entry"), "setting": _l("Setting"),
    "calendar": _l("Working-day calendar"),
}
# The page the bureau reads a record of each kind on (the endpoint's one argument is its id);
# kinds whose pages the app does not have (yet) are shown without a link.
ENTITY_PAGES = {
    "organization": "bureau.review_organization", "achievement": "bureau_achievements.review",
    "listing": "bureau_listings.review", "need": "bureau_needs.review",
    "contract": "bureau_contracts.review", "deal": "deals.detail",
    "broker": "bureau_brokers.review", "complaint": "bureau_credit.complaint",
}

# A loose index scan of ix_audit_entries_entity: one index probe per kind of record, however
# long the log (SELECT DISTINCT would read every entry).
_KINDS = text(
    "WITH RECURSIVE kinds(entity) AS ("
    " SELECT MIN(entity) FROM audit_entries"
    " UNION ALL"
    " SELECT (SELECT MIN(a.entity) FROM audit_entries a WHERE a.entity > kinds.entity)"
    " FROM kinds WHERE kinds.entity IS NOT NULL)"
    " SELECT entity FROM kinds WHERE entity IS NOT NULL")


def entities():
    """The kinds of record present in the audit log, in code order."""
    return list(db.session.scalars(_KINDS))


def entity_label(entity):
    return ENTITY_LABELS.get(entity, entity)


@dataclass
class Criteria:
    """What the search form sends, as typed."""

    entity: str = ""
    entity_id: str = ""
    user: str = ""
    action: str = ""
    date_from: str = ""
    date_to: str = ""

    def __post_init__(self):
        for name in ("entity", "entity_id", "user", "action", "date_from", "date_to"):
            setattr(self, name, (getattr(self, name) or "").strip())

    def __bool__(self):
        return any((self.entity, self.entity_id, self.user, self.action, self.date_from,
                    self.date_to))


def _day(errors, field, value):
    if not value:
        return None
    try:
        if not DAY.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
        if not 1900 <= day.year < 9999:  # a day the time zone arithmetic can take
            raise ValueError(value)
        return day
    except ValueError:
        errors.add(field, _l("Enter a date as YYYY-MM-DD."))
        return None


def _conditions(criteria: Criteria):
    """The SQL conditions of the criteria; ValidationFailed names each field in error."""
    errors, where = FieldErrors(), []
    if criteria.entity:
        if criteria.entity not in entities():
            errors.add("entity", _l("No record of this kind is in the audit log."))
        where.append(AuditEntry.entity == criteria.entity)
    if criteria.entity_id:
        if not criteria.entity_id.isdigit() or len(criteria.entity_id) > 18:
            errors.add("entity_id", _l("Enter the record's number (digits only)."))
        elif not criteria.entity:
            errors.add("entity_id", _l("Choose the kind of record this number belongs to."))
        else:
            where.append(AuditEntry.entity_id == int(criteria.entity_id))
    if criteria.user:
        user_id = db.session.scalar(select(User.id).where(
            func.lower(User.username) == criteria.user.lower()))
        if user_id is None:
            errors.add("user", _l("No user has this name."))
        where.append(AuditEntry.actor_id == user_id)
    if criteria.action:
        where.append(AuditEntry.action == criteria.action)
    first = _day(errors, "date_from", criteria.date_from)
    last = _day(errors, "date_to", criteria.date_to)
    if first and last and last < first:
        errors.add("date_to", _l("The end date is before the start date."))
    if first:
        where.append(AuditEntry.at >= local_midnight(first))
    if last:
        where.append(AuditEntry.at < local_midnight(last + timedelta(days=1)))
    errors.raise_if_any()
    return where


def search(criteria: Criteria):
    """The page the request asks for (`?page=`, then `?after=`: see keyset.py) of the
    entries matching every criterion given, newest first."""
    stmt = select(AuditEntry).where(*_conditions(criteria)).order_by(AuditEntry.id.desc())
    return keyset.paginate(stmt, [], AuditEntry.id, PER_PAGE)
