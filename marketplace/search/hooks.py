"""Wiring search into the app: the analyzer at start-up, a sync after each request whose
transaction committed outbox rows (run once the response has been sent), and the follower:
a thread per host that applies what other hosts committed to the shared outbox."""
import atexit
import fcntl
import logging
import os
import threading

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
    if app.config.get("SEARCH_FOLLOW_SECONDS"):
        app.before_request(_start_follower)


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


# --- the follower ----------------------------------------------------------------------------
# Several hosts share one database and each has its own index: a change made on host A is
# applied to A's index after A's response, and to B's by B's follower, a daemon thread that
# looks at the outbox every SEARCH_FOLLOW_SECONDS and syncs when it has rows B's index lacks.
# It starts with a process's first request (after gunicorn forked the worker, never in the
# master, never in `flask` commands); of the workers of one index folder, only the one holding
# follow.lock follows, and another takes over within a period when that worker dies.

log = logging.getLogger(__name__)
MAX_BACKOFF = 60.0  # seconds between attempts while syncing keeps failing
_starting = threading.Lock()  # two threads of one process must not start two followers


def _start_follower():
    if request.endpoint == "static":
        return
    app = current_app._get_current_object()
    follower = app.extensions.get("search_follower")
    if follower is None or follower.pid != os.getpid():  # none yet, or a forked parent's
        with _starting:
            follower = app.extensions.get("search_follower")
            if follower is None or follower.pid != os.getpid():
                follower = app.extensions["search_follower"] = Follower(app)
                follower.start()


class Follower(threading.Thread):
    """Applies the shared outbox to this host's index every `period` seconds."""

    def __init__(self, app, period=None):
        super().__init__(name="search-follower", daemon=True)
        self.app = app
        self.period = float(period or app.config["SEARCH_FOLLOW_SECONDS"])
        self.pid = os.getpid()
        self.stopping = threading.Event()
        self.lock_file = None  # open while this thread is the host's follower
        self.rounds = 0  # outbox checks made, for tests and logs
        atexit.register(self.stop)

    def stop(self, timeout=5.0):
        """Stop after the sync in progress (at exit: never mid-write if it can be helped)."""
        self.stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def run(self):
        failures = 0
        try:
            while not self.stopping.wait(self._delay(failures)):
                try:
                    if self._lead():
                        self.follow_once()
                    failures = 0
                except Exception:
                    failures += 1
                    if failures == 1 or self._delay(failures) >= MAX_BACKOFF:
                        self.app.logger.exception(
                            "Search follower: sync failed (%d in a row); the outbox keeps the "
                            "changes.", failures)
        finally:
            if self.lock_file is not None:
                self.lock_file.close()  # releases follow.lock

    def _delay(self, failures):
        return min(self.period * 2 ** min(failures, 20), max(MAX_BACKOFF, self.period))

    def _lead(self):
        """Whether this thread is (now) the follower of its index folder."""
        from .store import get_store

        root = get_store(self.app).root
        if self.lock_file is not None:
            try:  # still the lock of the folder, not of one deleted under us?
                if os.stat(root / "follow.lock").st_ino == os.fstat(self.lock_file.fileno()).st_ino:
                    return True
            except FileNotFoundError:
                pass
            self.lock_file.close()
            self.lock_file = None
        root.mkdir(parents=True, exist_ok=True)
        lock_file = open(root / "follow.lock", "a+b")  # noqa: SIM115  (held for the thread)
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            return False
        self.lock_file = lock_file
        log.info("Search follower: process %d follows the outbox for %s.", self.pid, root)
        return True

    def follow_once(self):
        """Sync when the outbox has rows this index lacks; returns how many were applied."""
        from .indexer import pending, sync
        from .store import get_store

        self.rounds += 1
        with self.app.app_context():
            if pending(get_store(self.app)):
                return sync(wait=0) or 0
        return 0
