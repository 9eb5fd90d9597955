"""The audit log is append-only: the ORM refuses changes, and so does the database itself."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from marketplace import audit
from marketplace.extensions import db

from .factories import make_user


@pytest.fixture
def entry_id(app):
    with app.app_context():
        officer = make_user("bureau")
        entry = audit.record("organization", 1, "verify", officer, from_state="unverified",
                             to_state="verified", comment="材料齐全", checked=True)
        db.session.commit()
        return entry.id


def test_record_keeps_who_what_when(app, clock, entry_id):
    with app.app_context():
        entry = db.session.get(audit.AuditEntry, entry_id)
        assert (entry.entity, entry.entity_id, entry.action) == ("organization", 1, "verify")
        assert (entry.from_state, entry.to_state) == ("unverified", "verified")
        assert entry.actor.role == "bureau"
        assert entry.comment == "材料齐全"
        assert entry.data == {"checked": True}
        assert [e.id for e in audit.history("organization", 1)] == [entry_id]
        assert audit.history("organization", 2) == []


def test_entries_use_the_market_clock(app, clock):
    moment = clock.set("2026-10-01T09:00:00+08:00")
    with app.app_context():
        entry = audit.record("calendar", 0, "set_day")
        db.session.commit()
        assert db.session.get(audit.AuditEntry, entry.id).at == moment


def test_orm_update_is_refused(app, entry_id):
    with app.app_context():
        entry = db.session.get(audit.AuditEntry, entry_id)
        entry.comment = "改过了"
        with pytest.raises(audit.AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(audit.AuditEntry, entry_id).comment == "材料齐全"


def test_orm_delete_is_refused(app, entry_id):
    with app.app_context():
        db.session.delete(db.session.get(audit.AuditEntry, entry_id))
        with pytest.raises(audit.AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(audit.AuditEntry, entry_id) is not None


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET comment = 'forged' WHERE id = :id",
    "DELETE FROM audit_entries WHERE id = :id",
])
def test_the_database_refuses_raw_sql_changes(app, entry_id, statement):
    """The migration's trigger stops what the ORM cannot see (SQLite and PostgreSQL)."""
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement), {"id": entry_id})
        db.session.rollback()
        comment = db.session.scalar(sa.text("SELECT comment FROM audit_entries WHERE id = :id"),
                                    {"id": entry_id})
        assert comment == "材料齐全"


def test_labels_name_actions_and_states(app):
    with app.test_request_context("/?lang=en"):
        assert str(audit.label("verify")) == "verified"
        assert str(audit.label("unverified")) == "Awaiting verification"
        assert audit.label("no_such_action") == "no_such_action"
        assert audit.label(None) == ""
