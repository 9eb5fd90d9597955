"""Static files under fingerprinted names, cached by browsers for a year.

`url_for('static', filename='css/site.css')` gives /static/css/site.<8 hex>.css, the hex
being the start of the file's SHA-256: a changed file gets a new URL, so the old one can be
cached forever (`immutable`). The digest is computed once per file per process; it is
computed again when a request finds the file's mtime or size changed, and (in debug or with
STATIC_CHECK_MTIME) when a URL is built.

Answers for /static/<name>:
- a fingerprinted name whose hash is the file's: the file, cached for a year, immutable;
- a fingerprinted name with another hash (a page rendered before an upgrade, or by a host
  not yet upgraded): the current file with the short cache, so nothing stale stays cached;
- a plain name (/static/css/site.css): the file with the short cache (STATIC_MAX_AGE
  seconds) and an ETag (the same hash, so the same on every host): revalidation gets 304;
- anything else (a missing file, a path out of the folder): 404, from the app.
Relative references inside CSS (url(../fonts/x.woff2)) keep working: a fingerprinted file
stays in its own folder, so they resolve to the plain names beside it.

Existing files are answered by a small WSGI layer in front of the app (no request context,
session or hooks: a tenth of a Flask request), with the app's security headers; the app's
own static view gives the same answers and handles everything else.
"""
import hashlib
import mimetypes
import os
import re
from email.utils import formatdate
from typing import NamedTuple

from flask import Response, current_app, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.http import parse_date, parse_etags
from werkzeug.security import safe_join

LONG_MAX_AGE = 31536000
LONG_CACHE = f"public, max-age={LONG_MAX_AGE}, immutable"
HASH_LENGTH = 8
# stem . 8 hex . extension (no dots or slashes in the extension)
FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{8})(?P<ext>\.[^./]+)$")


class StaticFile(NamedTuple):
    path: str
    mtime_ns: int
    size: int
    digest: str


class Fingerprints:
    """The static folder's files as served: {filename: StaticFile}, hashed on first use."""

    def __init__(self, folder, check_mtime=False):
        self.folder = folder
        self.check_mtime = check_mtime
        self.files = {}

    def file(self, filename, fresh=True):
        """The StaticFile of `filename`, or None when it is outside the folder or no file.
        `fresh`: compare with the disk (a stat) even when known."""
        known = self.files.get(filename)
        if known is not None and not fresh:
            return known
        path = known.path if known is not None else safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            self.files.pop(filename, None)
            return None
        if known is not None and (known.mtime_ns, known.size) == (stat.st_mtime_ns,
                                                                   stat.st_size):
            return known
        if not os.path.isfile(path):
            return None
        sha = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 16), b""):
                sha.update(chunk)
        entry = StaticFile(path, stat.st_mtime_ns, stat.st_size,
                           sha.hexdigest()[:HASH_LENGTH])
        self.files[filename] = entry
        return entry

    def url_name(self, filename):
        """The fingerprinted name of `filename` (unchanged without an extension or a file)."""
        stem, dot, ext = filename.rpartition(".")
        if not dot or not stem or "/" in ext or stem.endswith("/"):
            return filename
        entry = self.file(filename, fresh=self.check_mtime)
        return f"{stem}.{entry.digest}.{ext}" if entry else filename

    def resolve(self, requested):
        """(StaticFile, long cache?) for a requested name, or (None, False)."""
        match = FINGERPRINTED.match(requested)
        literal = self.file(requested)  # a plain name, or a real file that only looks hashed
        if match is None or literal is not None:
            return literal, False
        entry = self.file(match["stem"] + match["ext"])
        return entry, entry is not None and entry.digest == match["hash"]


def fingerprints(app=None):
    return (app or current_app).extensions["static_fingerprints"]


def init_app(app):
    if not app.static_folder or "static" not in app.view_functions:
        return
    prints = app.extensions["static_fingerprints"] = Fingerprints(
        app.static_folder, check_mtime=app.debug or app.config.get("STATIC_CHECK_MTIME", False))

    @app.url_defaults
    def fingerprint_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = prints.url_name(values["filename"])

    app.view_functions["static"] = serve_static
    app.wsgi_app = StaticMiddleware(app.wsgi_app, prints, app.static_url_path + "/",
                                    app.config.get("STATIC_MAX_AGE", 60),
                                    _security_headers(app))


def _security_headers(app):
    from .security import apply_security_headers

    plain = set(Response().headers.keys())
    production = app.config.get("ENV_NAME") == "production"
    return [(name, value) for name, value
            in apply_security_headers(Response(), production).headers.items()
            if name not in plain]


def serve_static(filename):
    """The app's static view (for what the WSGI layer passes on): the same answers."""
    entry, current = fingerprints().resolve(filename)
    if entry is None:
        raise NotFound()
    relative = os.path.relpath(entry.path, fingerprints().folder)
    max_age = LONG_MAX_AGE if current else current_app.config.get("STATIC_MAX_AGE", 60)
    response = send_from_directory(fingerprints().folder, relative, max_age=max_age,
                                   conditional=True, etag=entry.digest)
    if current:
        response.headers["Cache-Control"] = LONG_CACHE
    return response


class StaticMiddleware:
    """Answers GET and HEAD for existing static files before the app; passes on the rest."""

    def __init__(self, app, prints, prefix, short_max_age, extra_headers):
        self.app = app
        self.prints = prints
        self.prefix = prefix
        self.short_cache = f"public, max-age={short_max_age}"
        self.extra_headers = extra_headers

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if not path.startswith(self.prefix) or method not in ("GET", "HEAD") \
                or not path.isascii():
            return self.app(environ, start_response)
        entry, current = self.prints.resolve(path[len(self.prefix):])
        if entry is None:
            return self.app(environ, start_response)  # its 404 page
        etag = f'"{entry.digest}"'
        headers = [("Cache-Control", LONG_CACHE if current else self.short_cache),
                   ("ETag", etag),
                   ("Last-Modified", formatdate(entry.mtime_ns // 10**9, usegmt=True)),
                   *self.extra_headers]
        if _not_modified(environ, entry):
            start_response("304 Not Modified", headers)
            return []
        content_type = mimetypes.guess_type(entry.path)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type == "application/javascript":
            content_type += "; charset=utf-8"
        headers += [("Content-Type", content_type), ("Content-Length", str(entry.size))]
        if method == "HEAD":
            start_response("200 OK", headers)
            return []
        try:
            f = open(entry.path, "rb")
        except OSError:
            return self.app(environ, start_response)
        start_response("200 OK", headers)
        wrapper = environ.get("wsgi.file_wrapper")
        if wrapper is not None:
            return wrapper(f, 1 << 16)
        return _chunks(f)


def _not_modified(environ, entry):
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        return parse_etags(if_none_match).contains_weak(entry.digest)
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and since.timestamp() >= entry.mtime_ns // 10**9


def _chunks(f):
    with f:
        while chunk := f.read(1 << 16):
            yield chunk
