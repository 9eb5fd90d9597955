"""The state-machine helper every capability uses.

A workflow is a table {state: {action: next_state}} plus, per action, a guard saying who
may take it. `transition()` is the only way a record's status changes: it checks the table
and the guard, sets the state, appends the audit entry and queues the search update, all in
the caller's transaction. Records carry a `version` column that SQLAlchemy checks on every
UPDATE, so two people deciding the same record at once cannot both win: the second gets
Conflict.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from . import audit
from .errors import Conflict, PermissionDenied
from .extensions import db
from .search.outbox import queue_search_update

Guard = Callable[[object, object], bool]


@dataclass(frozen=True)
class Workflow:
    entity: str
    transitions: dict[str, dict[str, str]]
    guards: dict[str, Guard] = field(default_factory=dict)
    labels: dict[str, object] = field(default_factory=dict)
    searchable: bool = False

    def target(self, record, action):
        """The state `action` leads `record` to, or None when the table has no such edge. A
        table entry may be a function of the record (resuming returns to where it paused)."""
        to_state = self.transitions.get(record.status, {}).get(action)
        return to_state(record) if callable(to_state) else to_state

    def may(self, actor, record, action):
        guard = self.guards.get(action)
        if guard is by_market:
            return actor is None
        return guard is None or bool(actor is not None and guard(actor, record))

    def available(self, record, actor):
        """The actions `actor` may take on `record` now, in table order."""
        return [a for a in self.transitions.get(record.status, {}) if self.may(actor, record, a)]

    def label(self, state):
        return self.labels.get(state, state)

    def check(self, record, action, actor, expected_version=None):
        """The state `action` would lead to; PermissionDenied or Conflict when it may not."""
        if not self.may(actor, record, action):
            raise PermissionDenied()
        to_state = self.target(record, action)
        if to_state is None:
            raise Conflict(_l("This action is not possible while the record is %(state)s.",
                              state=self.label(record.status)))
        if expected_version not in (None, "") and int(expected_version) != record.version:
            raise Conflict()
        return to_state


def transition(workflow, record, action, actor, comment=None, *, expected_version=None,
               **data):
    """Move `record` along `action`; raise Conflict or PermissionDenied when it may not."""
    from_state = record.status
    to_state = workflow.check(record, action, actor, expected_version)
    record.status = to_state
    flush()  # the version check happens here, not in some later query's autoflush
    audit.record(workflow.entity, record.id, action, actor, from_state=from_state,
                 to_state=to_state, comment=comment, **data)
    if workflow.searchable:
        queue_search_update(workflow.entity, record.id)
    return to_state


def flush():
    """Write pending changes now; a concurrent change of the same record becomes Conflict."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict() from None


def commit():
    """Commit the unit of work; a concurrent change of the same record becomes Conflict."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict() from None


def lock(model, record_id):
    """Load `model` #`record_id` for a read-then-write rule (a bid against the best bid, a timed
    move), holding the row until commit so that concurrent callers queue instead of deciding
    on the same values. PostgreSQL locks the row (SELECT … FOR UPDATE). SQLite has no row
    locks: a no-op UPDATE first takes the database's write lock (waiting up to busy_timeout),
    so the read that follows sees every earlier commit. None when there is no such record."""
    if db.session.get_bind().dialect.name == "sqlite":
        table = model.__table__
        db.session.execute(update(table).where(table.c.id == record_id)
                           .values(id=table.c.id))
    # FOR UPDATE OF the record's own table: PostgreSQL refuses to lock the nullable side of
    # the outer joins that eager-loaded relationships add.
    return db.session.scalar(select(model).where(model.id == record_id)
                             .with_for_update(of=model.__table__)
                             .execution_options(populate_existing=True))


# Guards shared by the capabilities.
def role_in(*roles) -> Guard:
    return lambda actor, record: getattr(actor, "role", None) in roles


def by_market(actor, record):
    """The guard of timed moves: only the market clock (no user) takes them."""
    return actor is None
