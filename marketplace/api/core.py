"""What every API endpoint shares: the route registry behind the OpenAPI document, bearer
tokens, request parsing with marshmallow, the error format and pagination."""
import hashlib
from dataclasses import dataclass, field
from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from .. import clock
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from . import bp


class ApiError(DomainError):
    pass


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    default_message = _l("A valid API token is required.")


class Malformed(ApiError):
    status = 400
    code = "bad_request"
    default_message = _l("The request body must be a JSON object.")


class BaseSchema(Schema):
    class Meta:
        unknown = EXCLUDE


@dataclass
class Route:
    rule: str
    method: str
    name: str
    summary: str
    tags: tuple
    body: type | None
    query: type | None
    response: object
    status: int
    auth: str  # "none", "optional" or "required"
    errors: tuple
    description: str = ""
    multipart: dict = field(default_factory=dict)


ROUTES: list[Route] = []


def _token_user(required):
    header = request.headers.get("Authorization", "")
    if not header:
        if required:
            raise Unauthorized()
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    from ..accounts.models import ApiToken

    digest = token_digest(token.strip())
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now() \
            or not row.user.active:
        raise Unauthorized(_l("The API token is invalid, expired or revoked."))
    g.api_token = row
    return row.user


def api_user():
    """The user of the current API request's token (None for an anonymous public read)."""
    return g.get("api_user")


def _load(schema_cls, source):
    try:
        return schema_cls().load(source)
    except SchemaError as exc:
        raise ValidationFailed(fields=_flatten(exc.messages)) from None


def _flatten(messages, prefix=""):
    """marshmallow's nested messages as {"a.b": [...]}, translated for the reader."""
    flat = {}
    if isinstance(messages, list):
        flat[prefix.rstrip(".") or "_schema"] = [gettext(str(m)) for m in messages]
        return flat
    for key, value in messages.items():
        flat.update(_flatten(value, f"{prefix}{key}."))
    return flat


def endpoint(rule, method="GET", *, summary, tags=(), body=None, query=None, response=None,
             status=200, auth="none", errors=(), multipart=None):
    """Register an API view and describe it for the OpenAPI document at once.

    The view receives `data` (the loaded body) and/or `args` (the loaded query) when the
    schemas are given, and returns a model object (dumped with `response`), a dict already in
    its final shape, or either with a status: (value, status).
    """
    def decorator(view):
        ROUTES.append(Route(rule, method, view.__name__, summary, tuple(tags), body, query,
                            response, status, auth, tuple(errors),
                            (view.__doc__ or "").strip(), multipart or {}))

        @wraps(view)
        def wrapped(**kwargs):
            g.api_user = _token_user(required=auth == "required") if auth != "none" else None
            if body is not None:
                payload = request.get_json(silent=True)
                if not isinstance(payload, dict):
                    raise Malformed()
                kwargs["data"] = _load(body, payload)
            if query is not None:
                kwargs["args"] = _load(query, request.args.to_dict())
            result = view(**kwargs)
            code = status
            if isinstance(result, tuple):
                result, code = result
            if result is None:
                return "", 204
            # Model objects are dumped here; a dict is taken as already in its final shape.
            dumped = response is not None and not isinstance(result, dict)
            payload = response().dump(result) if dumped else result
            return jsonify(payload), code

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return wrapped
    return decorator


class PageQuery(BaseSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(
        min=1, error=_l("Must be 1 or more.")))
    per_page = fields.Integer(load_default=20, validate=validate.Range(
        min=1, max=100, error=_l("Must be between 1 and 100.")))


def page_of(select_stmt, args, item_schema, prepare=None):
    """API.md's list shape for a SELECT: {"items", "total", "page", "per_page"}. `prepare`
    is given the page's records before they are dumped, to read what they show for all of
    them at once (no query per record)."""
    pagination = db.paginate(select_stmt, page=args["page"], per_page=args["per_page"],
                             error_out=False)
    if prepare is not None:
        prepare(pagination.items)
    return {"items": item_schema(many=True).dump(pagination.items), "total": pagination.total,
            "page": args["page"], "per_page": args["per_page"]}


def page_schema(item_schema):
    """The OpenAPI/marshmallow schema of a page of `item_schema`."""
    return type(f"{item_schema.__name__.removesuffix('Schema')}PageSchema", (BaseSchema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "total": fields.Integer(), "page": fields.Integer(), "per_page": fields.Integer(),
    })


# marshmallow's own messages, marked here so that the catalogue translates them.
def N_(message):
    return message


SCHEMA_MESSAGES = (
    N_("Missing data for required field."), N_("Field may not be null."),
    N_("Not a valid string."), N_("Not a valid integer."), N_("Not a valid number."),
    N_("Not a valid boolean."), N_("Not a valid date."), N_("Not a valid datetime."),
    N_("Not a valid email address."), N_("Invalid input type."), N_("Invalid value."),
    N_("Not a valid list."), N_("Not a valid mapping type."), N_("Unknown field."),
)


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()
