"""A short cache of the public pages as visitors without a session see them ("microcaching").

Most requests to a market's public pages (home, lists, a listing, statistics) come from
visitors who are not logged in, and each would render the same HTML from the same rows. Each
worker keeps such a page for PAGE_CACHE_SECONDS (default 2; 0 turns it off) and answers
repeats from memory, before Flask, the session or the database are touched.

A response is kept only when all of these hold, so that nothing personal is ever shared:
- a GET to one of PUBLIC_ENDPOINTS, answered 200 with HTML;
- the request carried no session or remember-me cookie (a logged-in user, or anyone with a
  flash message or a form token, has one) and set none (Set-Cookie: e.g. ?lang=, which
  sets the language cookie, or a page that made a CSRF token);
- the app said so (`mark()`, from the after-request hook: the endpoint is public and the
  visitor anonymous).
The key is the path, the query string and the language the visitor gets (the `lang` cookie,
else Accept-Language), so a Chinese visitor never gets the English page.

What this costs: a visitor without a session may see a page up to PAGE_CACHE_SECONDS old. A
change of one's own is never hidden from its author, who is logged in; the bidding panel
polls the API, which is never cached; the search page is not cached.

Kept until changed. A page about records (a listing's detail) may ask, with `keep()`, to live
longer: until one of its records changes, at most PAGE_CACHE_KEEP_SECONDS (60), and never past
a moment the page names (when a period it shows ends). Two seconds are too short for such a
page: a market has thousands of listings, and each is seen too rarely for a 2 s copy to be
reused. What tells a worker that a record changed is the audit log, which gets an entry with
every change of state or content (the search outbox is not enough: a bid or an intent
changes no searchable text). Each worker's AuditWatcher thread reads the entries that any
worker or host committed since its last look, every PAGE_CACHE_WATCH_SECONDS (0.5), and drops
the pages that named their records (`("listing", 12)`, as audit.record names them). So a
visitor sees a change made anywhere within about half a second, as with the short cache.

Safeguards: an entry id that commits after a larger one (PostgreSQL) is looked for again, as
the search index's cursor does (search.indexer.advance); a page whose rendering overlapped a
look that found a change of its records is kept only the short time (it may have read the
rows before the change); and while the watcher cannot read the log (the database is down,
the thread died), kept pages fall back to the short time.
"""
import logging
import os
import threading
import time
from collections import OrderedDict, namedtuple

from flask import g, request, session
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie

PUBLIC_ENDPOINTS = frozenset({
    "main.home", "listings.index", "listings.detail", "achievements.index",
    "achievements.detail", "needs.index", "needs.detail", "brokers.index", "brokers.detail",
    "credit.index", "stats.index",
})
MARK = "market.page_cache"
KEEP = "market.page_cache.keep"  # environ: (tags, seconds) of a page that asked to be kept
SEEN = "market.page_cache.seen"  # environ: the watcher's look count when the request began
MAX_ENTRIES = 4000
MAX_BYTES = 48 * 2**20  # of pages per worker (a listing's page is about 35 KB)
MAX_CHANGED = 20_000  # records whose last change the watcher remembers
log = logging.getLogger(__name__)

# stored: the layer's clock at storing; expires: until when; tags: the records it shows
Entry = namedtuple("Entry", "stored expires status headers body tags")


class PageCache:
    """WSGI middleware: answers a repeat of a kept page from memory."""

    def __init__(self, app, seconds, languages, private_cookies, clock=time.monotonic,
                 flask_app=None, keep_seconds=0, watch_seconds=0, max_bytes=MAX_BYTES):
        self.app = app
        self.seconds = seconds
        self.languages = tuple(languages)
        self.private_cookies = frozenset(private_cookies)
        self.clock = clock
        self.entries = OrderedDict()  # key -> Entry, the least recently used first
        self.max_bytes = max_bytes
        self.bytes = 0  # of the kept bodies
        self.tagged = {}  # (entity, id) -> keys of the entries that show it
        self.lock = threading.Lock()
        self.flask_app = flask_app
        self.keep_seconds = keep_seconds if watch_seconds > 0 else 0
        self.watch_seconds = watch_seconds
        self.watcher = None  # this process's AuditWatcher, started by its first request

    def key(self, environ):
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        cookies = parse_cookie(environ)
        if self.private_cookies.intersection(cookies):
            return None
        language = cookies.get("lang")
        if language not in self.languages:
            accept = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
            language = accept.best_match(self.languages) or self.languages[0]
        return (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""), language)

    def _watcher(self):
        """This process's watcher (a forked worker starts its own), or None when pages are
        not kept past the short time."""
        if not self.keep_seconds:
            return None
        watcher = self.watcher
        if watcher is None or watcher.pid != os.getpid():
            with self.lock:
                if self.watcher is None or self.watcher.pid != os.getpid():
                    self.watcher = AuditWatcher(self.flask_app, self, self.watch_seconds)
                    self.watcher.start()
                watcher = self.watcher
        return watcher

    def _fresh(self, entry, now, watcher):
        if entry.tags and not (watcher and watcher.healthy(now)):
            return entry.stored + self.seconds > now  # nobody watches: the short time only
        return entry.expires > now

    def __call__(self, environ, start_response):
        key = self.key(environ)
        if key is None:
            return self.app(environ, start_response)
        now = self.clock()
        watcher = self._watcher()
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
        if entry is not None and self._fresh(entry, now, watcher):
            start_response(entry.status, list(entry.headers))
            return [entry.body]
        if watcher is not None:
            environ[SEEN] = watcher.looks
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        if not environ.get(MARK) or not captured.get("status", "").startswith("200"):
            return body
        if any(name.lower() == "set-cookie" for name, _ in captured["headers"]):
            return body
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        expires, tags = now + self.seconds, frozenset()
        kept = environ.get(KEEP)
        if kept and watcher is not None:  # evicted by a change even when kept the short time
            tags, seconds = kept
            if watcher.healthy(self.clock()) and not watcher.changed_since(tags, environ[SEEN]):
                expires = now + min(seconds, self.keep_seconds)
        self._store(key, Entry(now, expires, captured["status"], tuple(captured["headers"]),
                               content, tags))
        return [content]

    def _store(self, key, entry):
        with self.lock:
            self._drop(key)
            self.entries[key] = entry
            self.bytes += len(entry.body)
            for tag in entry.tags:
                self.tagged.setdefault(tag, set()).add(key)
            while len(self.entries) > MAX_ENTRIES or self.bytes > self.max_bytes:
                self._drop(next(iter(self.entries)))

    def _drop(self, key):
        """Forget one entry (the lock is held)."""
        entry = self.entries.pop(key, None)
        if entry is None:
            return
        self.bytes -= len(entry.body)
        for tag in entry.tags:
            keys = self.tagged.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.tagged[tag]

    def evict(self, tags):
        """Forget the pages that show any of `tags` (records that changed)."""
        with self.lock:
            for tag in tags:
                for key in list(self.tagged.get(tag, ())):
                    self._drop(key)


class AuditWatcher(threading.Thread):
    """Reads the audit entries committed since its last look, every `period` seconds, and
    evicts the kept pages of the records they name (see the module's "Kept until changed")."""

    def __init__(self, app, cache, period):
        super().__init__(name="page-cache-watcher", daemon=True)
        self.app = app
        self.cache = cache
        self.period = period
        self.pid = os.getpid()
        self.state = None  # the cursor over audit entry ids, with its gaps
        self.looks = 0  # successful looks so far
        self.last_look = None  # the cache's clock at the last successful look
        self.changed = OrderedDict()  # (entity, id) -> the look that found its last change
        self.forgotten = 0  # changes found by looks up to this one are no longer in `changed`
        self.stopping = threading.Event()

    def stop(self, timeout=2.0):
        """Stop looking (the thread ends after the look in progress)."""
        self.stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def healthy(self, now):
        """Whether the last look is recent enough for pages to be kept past the short time."""
        return self.last_look is not None and now - self.last_look <= max(
            4 * self.period, self.cache.seconds)

    def changed_since(self, tags, look):
        """Whether a look after `look` found a change of any of `tags`."""
        if self.forgotten > look:
            return True
        return any(self.changed.get(tag, 0) > look for tag in tags)

    def run(self):
        failures = 0
        while not self.stopping.wait(self.period):
            try:
                self.look()
                failures = 0
            except Exception:
                failures += 1
                if failures == 1:
                    log.warning("Page cache: cannot read the audit log; pages are kept for "
                                "PAGE_CACHE_SECONDS only until it can.", exc_info=True)

    def look(self):
        """One look at the audit log: evict the pages of the records changed since."""
        from sqlalchemy.orm import Session

        from .audit import AuditEntry
        from .extensions import db
        from .search.indexer import advance, head_state, rows_after

        gap_seconds = 2 * self.cache.keep_seconds + 60  # kept pages are younger than this
        with self.app.app_context(), Session(db.engine) as session:
            if self.state is None:  # nothing was kept before: start at the newest entry
                self.state = head_state(session, AuditEntry.id, gap_seconds=gap_seconds)
                rows = []
            else:
                rows = session.execute(rows_after(
                    self.state, AuditEntry.id,
                    (AuditEntry.id, AuditEntry.entity, AuditEntry.entity_id), 5000)).all()
        tags = {(row.entity, row.entity_id) for row in rows}
        look = self.looks + 1
        for tag in tags:
            self.changed[tag] = look
            self.changed.move_to_end(tag)
        while len(self.changed) > MAX_CHANGED:
            self.forgotten = max(self.forgotten, self.changed.popitem(last=False)[1])
        if tags:
            self.cache.evict(tags)
        if rows or self.state["gaps"]:  # with no rows, let expired gaps go
            self.state = advance(self.state, [row.id for row in rows],
                                 gap_seconds=gap_seconds)
        self.looks = look
        self.last_look = self.cache.clock()


def keep(*tags, until=None):
    """Ask that this page, if it is kept for visitors at all, be kept until one of `tags`
    changes: (entity, id) pairs as the audit log names records, e.g. ("listing", 12). `until`
    (an aware datetime) is a moment past which the page would read differently (a period it
    shows ends), so it is not kept beyond it."""
    g.page_cache_keep = (frozenset(tags), until)


def mark(response):
    """After-request: tell the middleware this response may be kept (see the module's
    conditions)."""
    if (request.method == "GET" and request.endpoint in PUBLIC_ENDPOINTS
            and response.status_code == 200 and response.mimetype == "text/html"
            and not current_user.is_authenticated and not session and not session.modified):
        request.environ[MARK] = True
        kept = g.get("page_cache_keep")
        if kept is not None:
            tags, until = kept
            seconds = float("inf")
            if until is not None:
                from . import clock

                seconds = (until - clock.now()).total_seconds()
            if seconds > 0:
                request.environ[KEEP] = (tags, seconds)
    return response


def init_app(app):
    seconds = float(app.config.get("PAGE_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return
    app.after_request(mark)
    private = {app.config.get("SESSION_COOKIE_NAME", "session"),
               app.config.get("REMEMBER_COOKIE_NAME", "remember_token")}
    app.wsgi_app = PageCache(
        app.wsgi_app, seconds, app.config["LANGUAGES"], private, flask_app=app,
        keep_seconds=float(app.config.get("PAGE_CACHE_KEEP_SECONDS", 0) or 0),
        watch_seconds=float(app.config.get("PAGE_CACHE_WATCH_SECONDS", 0) or 0),
        max_bytes=int(float(app.config.get("PAGE_CACHE_MAX_MB", 48)) * 2**20))
