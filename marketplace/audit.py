"""The append-only audit log: who did what to which record, when, from which state to which."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .extensions import db
from .types import UTCDateTime


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "entity", "entity_id", "id"),
                      # the audit search's filters, newest first
                      Index("ix_audit_entries_action", "action", "id"),
                      Index("ix_audit_entries_actor", "actor_id", "id"),
                      Index("ix_audit_entries_kind", "entity", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User", lazy="joined")


# Translated names of actions and states, shown in histories; capabilities add their own.
LABELS = {
    "register": _l("signed up"),
    "create": _l("created"),
    "edit": _l("edited"),
    "verify": _l("verified"),
    "reject": _l("rejected"),
    "resubmit": _l("resubmitted"),
    "change_password": _l("changed the password"),
    "change_role": _l("changed the role"),
    "activate": _l("activated"),
    "deactivate": _l("deactivated"),
    "set_day": _l("set a calendar day"),
    "clear_day": _l("cleared a calendar day"),
    "change": _l("changed"),
}


def register_labels(mapping, entity=None):
    """Add names of actions or states; with `entity`, only for that kind of record (the same
    word can mean different things: a user "registers", the bureau "registers" a record)."""
    LABELS.update({(entity, str(k)) if entity else str(k): v for k, v in mapping.items()})


def label(value, entity=None):
    """The translated name of an action or state (the raw value if none is registered)."""
    if not value:
        return ""
    return LABELS.get((entity, value)) or LABELS.get(value, value)


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target):
    # The database refuses too (triggers in the migration); this catches it earlier.
    raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


def record(entity, entity_id, action, actor=None, *, from_state=None, to_state=None,
           comment=None, **data):
    """Append one entry to the session; it is written with the change it describes."""
    entry = AuditEntry(
        at=clock.now(), actor_id=getattr(actor, "id", None), entity=entity,
        entity_id=entity_id, action=action, from_state=from_state, to_state=to_state,
        comment=comment or None, data=data or None,
    )
    db.session.add(entry)
    return entry


def history(entity, entity_id):
    """Every entry for one record, oldest first."""
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id)
    ).all()
