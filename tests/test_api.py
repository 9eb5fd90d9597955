"""API.md's conventions: tokens, the error format, languages, pagination, the OpenAPI document."""
import re
from datetime import datetime, timedelta

import pytest
from openapi_spec_validator import validate

from marketplace.accounts.models import User
from marketplace.extensions import db

from .factories import PASSWORD, make_member, make_org, make_user


@pytest.fixture
def user(app):
    with app.app_context():
        return make_member("institute", username="liu")


def assert_error(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "fields"}
    return error


# --- tokens -------------------------------------------------------------------------------

def test_create_token(app, api, user, clock):
    moment = clock.set("2026-10-01T09:00:00+08:00")
    response = api.post("/tokens", json={"username": "liu", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["token"]) >= 32
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.utcoffset() is not None
    assert expires == moment + timedelta(hours=app.config["API_TOKEN_HOURS"])


@pytest.mark.parametrize("credentials", [
    {"username": "liu", "password": "wrong-password-1"},
    {"username": "nobody", "password": PASSWORD},
])
def test_wrong_credentials_are_401(api, user, credentials):
    error = assert_error(api.post("/tokens", json=credentials, lang="en"), 401, "unauthorized")
    assert error["message"] == "Wrong user name or password."


def test_a_deactivated_user_gets_no_token(app, api):
    with app.app_context():
        make_user("enterprise", username="gone", active=False)
    assert_error(api.post("/tokens", json={"username": "gone", "password": PASSWORD}), 401,
                 "unauthorized")


def test_token_request_needs_both_fields(api):
    error = assert_error(api.post("/tokens", json={"username": "liu"}, lang="en"), 422,
                         "validation_failed")
    assert error["fields"] == {"password": ["Missing data for required field."]}


def test_token_requests_are_throttled(api, user, clock):
    clock.set("2026-10-01T09:00:00+08:00")
    for _ in range(5):
        assert api.post("/tokens", json={"username": "liu", "password": "nope"}).status_code == 401
    response = api.post("/tokens", json={"username": "liu", "password": PASSWORD}, lang="en")
    error = assert_error(response, 429, "too_many_attempts")
    assert "Too many failed logins" in error["message"]


def test_me(api, user):
    api.login(user)
    response = api.get("/me")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["username"], body["role"]) == ("liu", "institute")
    assert body["organization"]["id"] == user.organization_id
    assert "password_hash" not in body
    assert "created_at" in body and "updated_at" in body


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic bGl1OnB3",
                                    "Token abc"])
def test_me_without_a_valid_token_is_401(api, user, header):
    headers = {"Authorization": header} if header else {}
    assert_error(api.get("/me", token=None, headers=headers), 401, "unauthorized")


def test_an_expired_token_is_401(app, api, user, clock):
    clock.set("2026-10-01T09:00:00+08:00")
    api.login(user)
    clock.advance(hours=app.config["API_TOKEN_HOURS"] - 1)
    assert api.get("/me").status_code == 200
    clock.advance(hours=1)
    error = assert_error(api.get("/me", lang="en"), 401, "unauthorized")
    assert error["message"] == "The API token is invalid, expired or revoked."


def test_a_revoked_token_is_401(api, user):
    api.login(user)
    other = api.login(user)  # a second token of the same user stays valid
    first = api.post("/tokens", json={"username": "liu", "password": PASSWORD}).get_json()
    response = api.delete("/tokens/current", token=first["token"])
    assert response.status_code == 204 and response.data == b""
    assert_error(api.get("/me", token=first["token"]), 401, "unauthorized")
    assert api.get("/me", token=other).status_code == 200
    assert_error(api.delete("/tokens/current", token=None), 401, "unauthorized")


def test_the_token_of_a_deactivated_user_stops_working(app, api, user):
    api.login(user)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert_error(api.get("/me"), 401, "unauthorized")


def test_a_session_cookie_does_not_authenticate_the_api(client, auth, api, user):
    assert auth.login(user).status_code == 302
    assert client.get("/inbox").status_code == 200
    assert_error(api.get("/me", token=None), 401, "unauthorized")


# --- the error format and languages ------------------------------------------------------------

@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', ""])
def test_malformed_json_is_400(api, body):
    response = api.post("/tokens", data=body, content_type="application/json", lang="en")
    error = assert_error(response, 400, "bad_request")
    assert error["message"] == "The request body must be a JSON object."


def test_unknown_api_path_and_method_answer_in_json(api):
    assert_error(api.get("/no-such-thing"), 404, "not_found")
    assert_error(api.get("/tokens"), 405, "method_not_allowed")


def test_messages_follow_accept_language(api):
    english = api.get("/me", token=None, lang="en").get_json()["error"]["message"]
    assert english == "A valid API token is required."
    assert api.get("/me", token=None, lang="en-GB,en;q=0.9").get_json()["error"][
        "message"] == english
    chinese = api.get("/me", token=None, lang="zh-CN,zh;q=0.9").get_json()["error"]["message"]
    default = api.get("/me", token=None).get_json()["error"]["message"]
    assert chinese == default
    assert default != english


def test_the_api_ignores_the_page_language(client, api):
    client.get("/?lang=en")  # sets the page-language cookie
    assert api.get("/me", token=None).get_json()["error"]["message"] != \
        "A valid API token is required."


# --- lists -------------------------------------------------------------------------------------

@pytest.fixture
def organisations(app):
    with app.app_context():
        verified = [make_org(status="verified").id for _ in range(25)]
        for _ in range(3):
            make_org(status="unverified")
    return verified


def test_pagination(api, organisations):
    first = api.get("/organizations?per_page=10").get_json()
    assert (first["total"], first["page"], first["per_page"]) == (25, 1, 10)
    assert [o["id"] for o in first["items"]] == organisations[:10]
    third = api.get("/organizations?page=3&per_page=10").get_json()
    assert [o["id"] for o in third["items"]] == organisations[20:]
    beyond = api.get("/organizations?page=9&per_page=10").get_json()
    assert beyond["items"] == [] and beyond["total"] == 25
    default = api.get("/organizations").get_json()
    assert (len(default["items"]), default["per_page"]) == (20, 20)
    assert {o["status"] for o in default["items"]} == {"verified"}
    assert api.get("/organizations?per_page=100").status_code == 200


@pytest.mark.parametrize(("query", "field"), [
    ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"),
    ("per_page=ten", "per_page"), ("status=deleted", "status")])
def test_bad_list_arguments_are_422(api, organisations, query, field):
    error = assert_error(api.get(f"/organizations?{query}"), 422, "validation_failed")
    assert field in error["fields"]


@pytest.mark.parametrize("role", [None, "enterprise", "institute", "broker"])
def test_only_officers_list_unverified_organisations(app, api, organisations, role):
    if role:
        with app.app_context():
            api.login(make_member(role) if role != "broker" else make_user(role))
        assert_error(api.get("/organizations?status=unverified"), 403, "forbidden")
    else:  # a visitor is told to authenticate
        assert_error(api.get("/organizations?status=unverified"), 401, "unauthorized")


@pytest.mark.parametrize("role", ["bureau", "admin"])
def test_officers_list_unverified_organisations(app, api, organisations, role):
    with app.app_context():
        api.login(make_user(role))
    body = api.get("/organizations?status=unverified").get_json()
    assert body["total"] == 3 and {o["status"] for o in body["items"]} == {"unverified"}


# --- OpenAPI -----------------------------------------------------------------------------------

def test_openapi_document_is_valid_and_complete(app, api):
    response = api.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    prefix = "/api/v1"
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(prefix))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []
    assert spec["servers"] == [{"url": prefix}]
    me = spec["paths"]["/me"]["get"]
    assert me["security"] == [{"bearer": []}] and "401" in me["responses"]
