"""CSRF on every state-changing form, found in app.url_map (tests/test_csrf.py shows the
token at work on a few forms); the API takes bearer tokens only, never the session cookie."""
import re

import pytest
import sqlalchemy as sa

from marketplace.api.core import ROUTES
from marketplace.extensions import db

from ..factories import PASSWORD, make_member
from ..pages import input_value, text
from .world_ids import IDS

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
REFUSED = "The form expired or was not sent from this site."


def form_routes(app):
    """(method, url) of every rule outside the API that changes state, ids filled with 1."""
    found = []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if rule.rule.startswith("/api/"):
                continue
            for method in sorted(rule.methods & CHANGING):
                values = {name: IDS.get(name) or 1 for name in rule.arguments}
                found.append((method, url_for(rule.endpoint, **values)))
    return found


def row_counts(app):
    with app.app_context():
        return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


@pytest.fixture
def member(csrf_app, csrf_client):
    with csrf_app.app_context():
        user = make_member("institute")
    token = input_value(csrf_client.get("/login").get_data(as_text=True), "csrf_token")
    response = csrf_client.post("/login", data={"username": user.username, "password": PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302
    return user


def test_there_are_forms_to_check(csrf_app):
    assert len(form_routes(csrf_app)) > 80


@pytest.mark.parametrize("logged_in", [False, True])
def test_every_form_refuses_a_post_without_token(csrf_app, csrf_client, member, logged_in):
    if not logged_in:
        csrf_client.delete_cookie("session")
    before = row_counts(csrf_app)
    wrong = []
    for method, url in form_routes(csrf_app):
        response = csrf_client.open(url + "?lang=en", method=method,
                                    data={"title": "forged", "active": "0"})
        if response.status_code != 400 or REFUSED not in text(response.get_data(as_text=True)):
            wrong.append(f"{method} {url}: {response.status_code}")
    assert wrong == []
    assert row_counts(csrf_app) == before
    assert (csrf_client.get("/account").status_code == 200) is logged_in  # still as it was


def test_the_api_ignores_the_session_cookie(csrf_app, csrf_client, member):
    """A cross-site POST carries the browser's session cookie: the API must not act on it
    (it is exempt from CSRF because it reads only the Authorization header)."""
    assert csrf_client.get("/account").status_code == 200  # the cookie is a live session
    before = row_counts(csrf_app)
    accepted = []
    for route in ROUTES:
        if route.method == "GET" or route.auth != "required":
            continue
        url = "/api/v1" + re.sub(r"<[^>]+>", "1", route.rule)
        response = csrf_client.open(url, method=route.method, json={},
                                    headers={"Origin": "https://evil.example"})
        if response.status_code != 401:
            accepted.append(f"{route.method} {url}: {response.status_code}")
        assert "Access-Control-Allow-Origin" not in response.headers
    assert accepted == []
    assert row_counts(csrf_app) == before
