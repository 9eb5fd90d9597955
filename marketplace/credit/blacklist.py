"""The blacklist (失信名单): who is listed, and the one check every entry point calls.

An entry is in force from its creation through the end of its `until` day, unless lifted;
it lapses by itself — `in_force()` compares with the market clock, so no job has to run for
a listed party to be allowed again (a market job only records the lapse in the audit log)."""
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock
from ..errors import PermissionDenied
from ..extensions import db
from .models import BlacklistEntry

# What a listed party is refused (SPEC.md §6: cannot list, bid or be engaged).
ACTIONS = {
    "list": _l("list technology for sale"),
    "intent": _l("register intent on a listing"),
    "bid": _l("bid"),
    "engage": _l("be engaged as a broker"),
    "invite": _l("engage a broker"),
    "respond": _l("respond to a need"),
}


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
