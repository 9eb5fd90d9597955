"""Wiring search into the app: the analyzer at start-up, and a sync after each request whose
transaction committed outbox rows, run once the response has been sent."""
from flask import current_app, g, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from .outbox import SearchOutbox


def init_app(app):
    from . import (  # noqa: F401  (they register their types)
        achievement_documents,
        listing_documents,
        need_documents,
    )
    from .analysis import initialize
    from .saved_views import bp as saved_bp
    from .views import bp

    initialize()  # jieba's dictionary: loaded now, not by the first search
    app.register_blueprint(bp)
    app.register_blueprint(saved_bp)
    app.after_request(_sync_after_response)


@event.listens_for(Session, "after_flush")
def _note_outbox_rows(session, flush_context):
    if any(isinstance(obj, SearchOutbox) for obj in session.new):
        session.info["search_outbox_flushed"] = True


@event.listens_for(Session, "after_commit")
def _outbox_committed(session):
    # No SQL may run here; the request hook reads the flag once the request is done.
    if session.info.pop("search_outbox_flushed", False):
        session.info["search_sync_wanted"] = True


@event.listens_for(Session, "after_rollback")
def _outbox_rolled_back(session):
    session.info.pop("search_outbox_flushed", None)


def _sync_after_response(response):
    if request.endpoint == "static":
        return response
    wanted = g.pop("search_sync_wanted", False)
    if db.session.registry.has():  # without creating a session for a request that had none
        wanted = db.session.info.pop("search_sync_wanted", False) or wanted
    if wanted:
        app = current_app._get_current_object()
        response.call_on_close(lambda: sync_quietly(app))
    return response


def sync_quietly(app):
    """sync() that never raises and never waits for the lock: the outbox keeps whatever it
    could not apply for the next sync."""
    from .indexer import sync

    try:
        with app.app_context():
            sync(wait=0)
    except Exception:
        app.logger.exception("Search sync failed; the outbox keeps the changes.")
