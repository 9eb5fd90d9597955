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
"""
import threading
import time
from collections import OrderedDict

from flask import request, session
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie

PUBLIC_ENDPOINTS = frozenset({
    "main.home", "listings.index", "listings.detail", "achievements.index",
    "achievements.detail", "needs.index", "needs.detail", "brokers.index", "brokers.detail",
    "credit.index", "stats.index",
})
MARK = "market.page_cache"
MAX_ENTRIES = 2000


class PageCache:
    """WSGI middleware: answers a repeat of a kept page from memory."""

    def __init__(self, app, seconds, languages, private_cookies, clock=time.monotonic):
        self.app = app
        self.seconds = seconds
        self.languages = tuple(languages)
        self.private_cookies = frozenset(private_cookies)
        self.clock = clock
        self.entries = OrderedDict()  # key -> (expires, status, headers, body)
        self.lock = threading.Lock()

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

    def __call__(self, environ, start_response):
        key = self.key(environ)
        if key is None:
            return self.app(environ, start_response)
        now = self.clock()
        with self.lock:
            entry = self.entries.get(key)
        if entry is not None and entry[0] > now:
            start_response(entry[1], list(entry[2]))
            return [entry[3]]
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
        with self.lock:
            self.entries[key] = (now + self.seconds, captured["status"],
                                 tuple(captured["headers"]), content)
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)
        return [content]


def mark(response):
    """After-request: tell the middleware this response may be kept (see the module's
    conditions)."""
    if (request.method == "GET" and request.endpoint in PUBLIC_ENDPOINTS
            and response.status_code == 200 and response.mimetype == "text/html"
            and not current_user.is_authenticated and not session and not session.modified):
        request.environ[MARK] = True
    return response


def init_app(app):
    seconds = float(app.config.get("PAGE_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return
    app.after_request(mark)
    private = {app.config.get("SESSION_COOKIE_NAME", "session"),
               app.config.get("REMEMBER_COOKIE_NAME", "remember_token")}
    app.wsgi_app = PageCache(app.wsgi_app, seconds, app.config["LANGUAGES"], private)
