"""CSRF protection: every form POST needs the token; the JSON API is exempt."""
import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import LoginAttempt, User
from marketplace.extensions import db

from .factories import PASSWORD, make_user
from .pages import input_value, text


def token_from(client, path="/login"):
    """The CSRF token a page gives this client, as a browser would find it."""
    token = input_value(client.get(path).get_data(as_text=True), "csrf_token")
    assert token
    return token


def log_in(client, user):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": token_from(client)})
    assert response.status_code == 302


@pytest.fixture
def user(csrf_app):
    with csrf_app.app_context():
        return make_user("enterprise")


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_login_without_token_is_refused(csrf_app, csrf_client, user):
    response = csrf_client.post("/login?lang=en",
                                data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "The form expired or was not sent from this site." in text(
        response.get_data(as_text=True))
    assert count(csrf_app, LoginAttempt) == 0
    assert csrf_client.get("/inbox").status_code == 302
    log_in(csrf_client, user)  # the same login with the token works
    assert csrf_client.get("/inbox").status_code == 200


def test_a_wrong_token_is_refused(csrf_client, user):
    token_from(csrf_client)
    response = csrf_client.post("/login", data={"username": user.username, "password": PASSWORD,
                                                "csrf_token": "forged"})
    assert response.status_code == 400


def test_register_without_token_is_refused(csrf_app, csrf_client):
    form = {"username": "newcomer", "email": "n@example.cn", "password": PASSWORD,
            "confirm": PASSWORD, "role": "broker"}
    assert csrf_client.post("/register", data=form).status_code == 400
    assert count(csrf_app, User) == 0


def test_logout_without_token_is_refused(csrf_client, user):
    log_in(csrf_client, user)
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.get("/inbox").status_code == 200
    response = csrf_client.post("/logout", data={"csrf_token": token_from(csrf_client, "/")})
    assert response.status_code == 302
    assert csrf_client.get("/inbox").status_code == 302


def test_admin_action_without_token_is_refused(csrf_app, csrf_client, user):
    with csrf_app.app_context():
        admin = make_user("admin")
    log_in(csrf_client, admin)
    assert csrf_client.post(f"/admin/users/{user.id}/active",
                            data={"active": "0"}).status_code == 400
    with csrf_app.app_context():
        assert db.session.get(User, user.id).active is True
    response = csrf_client.post(f"/admin/users/{user.id}/active", data={
        "active": "0", "csrf_token": token_from(csrf_client, "/admin/users")})
    assert response.status_code == 302
    with csrf_app.app_context():
        assert db.session.get(User, user.id).active is False


def test_the_api_is_exempt(csrf_client, user):
    response = csrf_client.post("/api/v1/tokens",
                                json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 201
    assert response.get_json()["token"]
