"""Sessions: nothing planted before login survives it, logout ends the session, a password
change ends the account's other sessions and remember-me cookies."""
import pytest

from marketplace.extensions import db

from ..factories import PASSWORD, make_user

NEW_PASSWORD = "another-horse-2"


@pytest.fixture
def user(app):
    with app.app_context():
        return make_user("enterprise")


def log_in(client, user, password=PASSWORD, **form):
    response = client.post("/login", data={"username": user.username, "password": password,
                                           **form})
    assert response.status_code == 302
    return response


def test_login_protection_is_strong(app):
    from marketplace.extensions import login_manager

    assert login_manager.session_protection == "strong"


def test_a_planted_session_does_not_survive_login(client, user):
    """Session fixation with Flask's cookie sessions: an attacker who plants a session (for
    example one whose CSRF token they know) must not find it carried into the login."""
    with client.session_transaction() as session:
        session["csrf_token"] = "known-to-the-attacker"
        session["planted"] = "by-the-attacker"
    planted = client.get_cookie("session").value
    log_in(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != "known-to-the-attacker"
        assert session["_user_id"]
    assert client.get_cookie("session").value != planted
    assert client.get("/account").status_code == 200


def test_logout_clears_the_session(client, user):
    log_in(client, user)
    with client.session_transaction() as session:
        session["left-over"] = "x"
    assert client.post("/logout").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session and "left-over" not in session
    assert client.get("/account").status_code == 302


def test_a_password_change_ends_other_sessions(app, user):
    mine, other = app.test_client(), app.test_client()
    log_in(mine, user)
    log_in(other, user, remember="y")
    remember = other.get_cookie("remember_token")
    assert remember is not None
    response = mine.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert mine.get("/account").status_code == 200  # the session that changed it stays
    assert other.get("/account").status_code == 302  # the other one is logged out
    # …and its remember-me cookie alone no longer logs anyone in
    thief = app.test_client()
    thief.set_cookie("remember_token", remember.value)
    assert thief.get("/account").status_code == 302


def test_a_deactivated_user_is_logged_out(app, client, user):
    from marketplace.accounts.models import User

    log_in(client, user)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_production_cookies_are_secure(tmp_path):
    from marketplace import create_app

    from ..test_security import production

    config = create_app(production(tmp_path)).config
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax" == config["REMEMBER_COOKIE_SAMESITE"]


def test_the_session_cookie_is_httponly_and_lax(client, user):
    response = log_in(client, user)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
