"""Logging in and out, login throttling, the `next` redirect, and changing one's password."""
import pytest
from sqlalchemy import select

from marketplace import audit
from marketplace.accounts.models import User
from marketplace.extensions import db

from .factories import PASSWORD, make_member, make_user
from .pages import field_errors, text


@pytest.fixture
def user(app):
    with app.app_context():
        return make_member("enterprise", username="wang")


def logged_in(client):
    """Whether the client's session is a logged-in user's (the inbox needs a login)."""
    return client.get("/inbox").status_code == 200


def test_login_page_renders(client):
    response = client.get("/login?lang=en")
    assert response.status_code == 200
    assert 'name="username"' in response.get_data(as_text=True)


def test_login_succeeds(app, client, auth, user, clock):
    moment = clock.set("2026-10-01T09:00:00+08:00")
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert logged_in(client)
    with app.app_context():
        assert db.session.get(User, user.id).last_login_at == moment


def test_user_name_is_case_insensitive(client, auth, user):
    assert auth.login("WANG").status_code == 302
    assert logged_in(client)


@pytest.mark.parametrize(("username", "password"), [
    ("wang", "wrong-password-1"),
    ("nobody", PASSWORD),
    ("", ""),
])
def test_login_refused(client, auth, user, username, password):
    response = client.post("/login?lang=en", data={"username": username, "password": password})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    if username:
        assert "Wrong user name or password." in text(field_errors(html, "password"))
    else:
        assert field_errors(html, "username") and field_errors(html, "password")
    assert not logged_in(client)


def test_deactivated_user_is_refused(app, client, auth):
    with app.app_context():
        make_user("enterprise", username="gone", active=False)
    response = client.post("/login?lang=en", data={"username": "gone", "password": PASSWORD})
    assert response.status_code == 422
    assert "This account has been deactivated." in text(field_errors(
        response.get_data(as_text=True), "username"))
    assert not logged_in(client)


def test_a_page_for_members_sends_visitors_to_login_and_back(client, auth, user):
    response = client.get("/inbox")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/inbox"' in login_page
    response = client.post("/login", data={"username": "wang", "password": PASSWORD,
                                           "next": "/inbox"})
    assert response.headers["Location"] == "/inbox"


@pytest.mark.parametrize(("target", "location"), [
    ("/account", "/account"),
    ("/organizations/1?tab=history", "/organizations/1?tab=history"),
    ("http://evil.example/", "/"),
    ("https://evil.example/login", "/"),
    ("//evil.example", "/"),
    ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("account", "/"),
])
def test_next_only_goes_to_this_site(client, user, target, location):
    response = client.post("/login", data={"username": "wang", "password": PASSWORD,
                                           "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_too_many_failures_for_one_account(client, auth, user, clock):
    clock.set("2026-10-01T09:00:00+08:00")
    for _ in range(5):
        assert auth.login(user, "wrong-password-1").status_code == 422
        clock.advance(minutes=1)
    response = client.post("/login?lang=en", data={"username": "wang", "password": PASSWORD})
    assert response.status_code in (422, 429)
    assert "Too many failed logins. Wait 15 minutes and try again." in text(
        response.get_data(as_text=True))
    assert not logged_in(client)

    clock.advance(minutes=12)  # the first failure is now 16 minutes old: 4 remain in the window
    assert auth.login(user).status_code == 302
    assert logged_in(client)


def test_four_failures_do_not_lock_and_a_success_clears_them(client, auth, user, clock):
    clock.set("2026-10-01T09:00:00+08:00")
    for _ in range(4):
        assert auth.login(user, "wrong-password-1").status_code == 422
    assert auth.login(user).status_code == 302
    auth.logout()
    for _ in range(4):
        assert auth.login(user, "wrong-password-1").status_code == 422
    assert auth.login(user).status_code == 302


def test_the_lock_lifts_after_the_window(client, auth, user, clock):
    clock.set("2026-10-01T09:00:00+08:00")
    for _ in range(6):
        auth.login(user, "wrong-password-1")
    assert auth.login(user).status_code != 302
    clock.advance(minutes=16)
    assert auth.login(user).status_code == 302


def test_too_many_failures_from_one_address(app, client, user, clock):
    clock.set("2026-10-01T09:00:00+08:00")
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(20):
        response = client.post("/login", data={"username": f"guess{n}", "password": "x"},
                               environ_base=attacker)
        assert response.status_code == 422
    response = client.post("/login?lang=en", data={"username": "wang", "password": PASSWORD},
                           environ_base=attacker)
    assert response.status_code in (422, 429)
    assert "Too many failed logins" in text(response.get_data(as_text=True))
    # The account itself is not locked: the same user from another address gets in.
    response = client.post("/login", data={"username": "wang", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert response.status_code == 302


def test_a_success_from_the_address_does_not_reset_its_count(app, client, user, clock):
    """An attacker cannot clear the address's count by logging in to an account of their own."""
    clock.set("2026-10-01T09:00:00+08:00")
    attacker = {"REMOTE_ADDR": "203.0.113.8"}
    for n in range(19):
        client.post("/login", data={"username": f"guess{n}", "password": "x"},
                    environ_base=attacker)
    response = client.post("/login", data={"username": "wang", "password": PASSWORD},
                           environ_base=attacker)
    assert response.status_code == 302  # the 20th try, a success
    client.post("/logout", environ_base=attacker)
    client.post("/login", data={"username": "guess19", "password": "x"},
                environ_base=attacker)
    response = client.post("/login?lang=en", data={"username": "wang", "password": PASSWORD},
                           environ_base=attacker)
    assert response.status_code == 429
    assert "Too many failed logins" in text(response.get_data(as_text=True))


def test_logout_is_post_only(client, auth, user):
    auth.login(user)
    assert client.get("/logout").status_code == 405
    assert logged_in(client)
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not logged_in(client)


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, user):
    response = auth.login(user)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# --- changing the password ---------------------------------------------------------------

def change(client, current, new, confirm=None):
    return client.post("/account/password?lang=en", data={
        "current_password": current, "new_password": new, "confirm": confirm or new})


def test_password_page_renders(client, login):
    login("institute")
    assert client.get("/account/password").status_code == 200


def test_wrong_current_password(client, auth, user):
    auth.login(user)
    response = change(client, "not-my-password", "a-new-password-2")
    assert response.status_code == 422
    assert "The current password is wrong." in text(field_errors(
        response.get_data(as_text=True), "current_password"))


@pytest.mark.parametrize(("new", "message"), [
    ("short-1", "The password must have at least 10 characters."),
    ("12345678901", "The password must not be all digits."),
    ("WangWangWang", None),
])
def test_weak_new_password(app, client, auth, new, message):
    with app.app_context():
        user = make_user("enterprise", username="wangwangwang")
    auth.login(user)
    response = change(client, PASSWORD, new)
    assert response.status_code == 422
    errors = text(field_errors(response.get_data(as_text=True), "new_password"))
    assert (message or "The password must not be the user name.") in errors


def test_new_passwords_must_match(client, auth, user):
    auth.login(user)
    response = change(client, PASSWORD, "a-new-password-2", "another-password-3")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "confirm")


def test_password_change(app, client, auth, user):
    auth.login(user)
    response = change(client, PASSWORD, "a-new-password-2")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    auth.logout()
    assert auth.login(user).status_code == 422
    assert auth.login(user, "a-new-password-2").status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.username == "wang"))
        assert [e.action for e in audit.history("user", stored.id)] == ["change_password"]
