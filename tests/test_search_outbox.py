"""The search outbox: a row per searchable change, in the change's own transaction."""
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from marketplace.accounts.services import review_organization
from marketplace.extensions import db
from marketplace.search.outbox import SearchOutbox, queue_search_update
from marketplace.workflow import Workflow, transition

from .factories import make_org, make_user


def rows():
    return db.session.execute(select(SearchOutbox.entity, SearchOutbox.entity_id,
                                     SearchOutbox.op).order_by(SearchOutbox.id)).all()


def test_commit_keeps_the_row(app, clock):
    moment = clock.set("2026-10-01T09:00:00+08:00")
    with app.app_context():
        queue_search_update("listing", 5)
        queue_search_update("listing", 6, op="delete")
        db.session.commit()
        assert rows() == [("listing", 5, "upsert"), ("listing", 6, "delete")]
        assert {r.created_at for r in db.session.scalars(select(SearchOutbox))} == {moment}


def test_rollback_removes_the_row(app):
    with app.app_context():
        queue_search_update("listing", 5)
        db.session.rollback()
        assert rows() == []


def test_unknown_operation_is_refused(app):
    with app.app_context(), pytest.raises(ValueError):
        queue_search_update("listing", 5, op="reindex")


def test_a_searchable_transition_queues_an_update(app):
    searchable = Workflow(entity="need", transitions={"draft": {"publish": "published"}},
                          searchable=True)
    with app.app_context():
        actor = make_user("enterprise")
        record = SimpleNamespace(id=42, status="draft", version=1)
        transition(searchable, record, "publish", actor)
        db.session.commit()
        assert rows() == [("need", 42, "upsert")]


def test_a_transition_that_is_rolled_back_leaves_no_row(app):
    searchable = Workflow(entity="need", transitions={"draft": {"publish": "published"}},
                          searchable=True)
    with app.app_context():
        transition(searchable, SimpleNamespace(id=42, status="draft", version=1), "publish",
                   make_user("enterprise"))
        db.session.rollback()
        assert rows() == []


def test_organisations_are_not_indexed(app):
    with app.app_context():
        org = make_org(status="unverified")
        review_organization(org.id, "verify", make_user("bureau"))
        assert rows() == []
