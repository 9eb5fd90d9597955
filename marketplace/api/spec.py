"""The OpenAPI 3.1 document, generated from the route registry and the marshmallow schemas
that validate the requests."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .. import DatabaseIdConverter
from .core import ROUTES, endpoint
from .schemas import ErrorSchema

ERROR_TEXT = {400: "Malformed request", 401: "Missing or bad token", 403: "Not allowed",
              404: "Not found", 409: "Wrong state or conflict", 422: "Validation failed",
              429: "Too many attempts"}
PARAM_RE = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule):
    return PARAM_RE.sub(r"{\2}", rule)


def _path_params(rule):
    return [{"name": name, "in": "path", "required": True,
             "schema": ({"type": "integer", "minimum": 0,
                         "maximum": DatabaseIdConverter.MAX} if conv == "int"
                        else {"type": "string"})}
            for conv, name in PARAM_RE.findall(rule)]


def _statuses(route):
    """The error statuses an operation can answer: its declared ones, plus those every
    operation of its kind gives: 400 for a JSON body that is not an object, 404 for a path id
    that names nothing, 401 for a bad token where a token is read."""
    statuses = set(route.errors)
    if route.body is not None:
        statuses.add(400)
    if PARAM_RE.search(route.rule):
        statuses.add(404)
    if route.auth != "none":
        statuses.add(401)
    return sorted(statuses)


def build_spec():
    spec = APISpec(title="Lüliang Technology Market API", version="1.0.0",
                   openapi_version="3.1.0", plugins=[MarshmallowPlugin()],
                   info={"description": "The JSON API of API.md: the same services as the "
                                        "site's pages."},
                   servers=[{"url": "/api/v1"}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    operations = {}
    for route in ROUTES:
        op = {"operationId": route.name, "summary": route.summary, "tags": list(route.tags),
              "responses": {}}
        if route.description:
            op["description"] = route.description
        params = _path_params(route.rule)
        if route.query is not None:
            params += [{"in": "query", "schema": route.query}]
        if params:
            op["parameters"] = params
        if route.multipart:
            op["requestBody"] = {"required": True, "content": {"multipart/form-data": {
                "schema": {"type": "object", "properties": route.multipart,
                           "required": list(route.multipart)}}}}
        if route.body is not None:
            op["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": route.body}}}
        if route.auth == "required":
            op["security"] = [{"bearer": []}]
        elif route.auth == "optional":
            op["security"] = [{}, {"bearer": []}]
        if route.status == 204:
            op["responses"]["204"] = {"description": "Done"}
        else:
            content = ({"application/json": {"schema": route.response}}
                       if route.response is not None else {"application/json": {}})
            op["responses"][str(route.status)] = {"description": "Success", "content": content}
        for status in _statuses(route):
            op["responses"][str(status)] = {
                "description": ERROR_TEXT[status],
                "content": {"application/json": {"schema": "Error"}}}
        operations.setdefault(_path(route.rule), {})[route.method.lower()] = op
    for path, ops in operations.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()


@endpoint("/openapi.json", summary="This OpenAPI document", tags=("meta",))
def openapi():
    """The OpenAPI 3.1 description of every endpoint, generated from the code."""
    return build_spec()


