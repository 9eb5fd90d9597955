"""Errors as friendly pages in the user's language, or as API.md's JSON on /api/."""
from flask import jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from .errors import DomainError
from .extensions import db

TITLES = {
    400: _l("Bad request"),
    401: _l("Please log in"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Not allowed"),
    409: _l("Changed meanwhile"),
    413: _l("Too large"),
    422: _l("Please correct the form"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}
MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Log in first."),
    403: _l("You are not allowed to see or do this."),
    404: _l("There is no such page or record."),
    405: _l("This address does not accept that method."),
    409: _l("This record has changed; reload it and try again."),
    413: _l("The upload is larger than allowed."),
    422: _l("Some fields need correcting."),
    429: _l("Too many attempts; wait a while and try again."),
    500: _l("An unexpected error happened. It has been logged; please try again later."),
    503: _l("The service is briefly unavailable; please try again in a minute."),
}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large",
         422: "validation_failed", 429: "too_many_attempts", 500: "server_error",
         503: "unavailable"}


def wants_json():
    return request.path.startswith("/api/")


def json_error(status, code, message, fields=None):
    body = {"error": {"code": code, "message": str(message)}}
    if fields:
        body["error"]["fields"] = {name: [str(m) for m in msgs] for name, msgs in fields.items()}
    return jsonify(body), status


def page(status, message=None):
    return render_template("errors/error.html", status=status, title=TITLES.get(status),
                           message=message or MESSAGES.get(status)), status


def register(app):
    @app.errorhandler(DomainError)
    def domain_error(exc):
        db.session.rollback()
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.fields)
        return page(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        status = exc.code or 500
        if wants_json():
            return json_error(status, CODES.get(status, "error"),
                              MESSAGES.get(status, exc.description))
        if status in (400,) and "CSRF" in (exc.description or ""):
            return page(400, gettext("The form expired or was not sent from this site. "
                                     "Reload the page and try again."))
        return page(status)

    @app.errorhandler(DBAPIError)
    def database_unavailable(exc):
        """A refused or lost database connection: 503, friendly, no SQL; the pool (with
        pool_pre_ping) reconnects by itself once the database is back. Any other database
        error is a bug: 500."""
        if not (isinstance(exc, OperationalError | InterfaceError)
                or exc.connection_invalidated):
            return unexpected(exc)
        try:
            db.session.rollback()
        except DBAPIError:
            db.session.remove()
        app.logger.error("database unavailable: %s", exc.orig)
        if wants_json():
            return json_error(503, "unavailable", MESSAGES[503])
        return page(503)

    @app.errorhandler(Exception)
    def unexpected(exc):
        db.session.rollback()
        app.logger.exception("unhandled error")
        if wants_json():
            return json_error(500, "server_error", MESSAGES[500])
        return page(500)
