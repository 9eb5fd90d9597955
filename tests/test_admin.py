"""Administration: users and roles, settings, the working-day calendar, and the CLI."""
from datetime import date

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from marketplace import audit, settings, workdays
from marketplace.accounts.models import Organization, User
from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db

from .factories import PASSWORD, make_member, make_user
from .pages import field_errors, text


@pytest.fixture
def admin(app, auth):
    with app.app_context():
        admin = make_user("admin", username="root")
    auth.login(admin)
    return admin


@pytest.fixture
def target(app):
    with app.app_context():
        return make_member("enterprise", username="wang")


def stored_user(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def actions(app, user_id):
    with app.app_context():
        return [(e.action, e.from_state, e.to_state) for e in audit.history("user", user_id)]


# --- users -----------------------------------------------------------------------------------

def test_users_page_filters(client, admin, target, app):
    with app.app_context():
        make_user("bureau", username="officer_li")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "wang" in html and "officer_li" in html
    html = client.get("/admin/users?q=WAN").get_data(as_text=True)
    assert "wang" in html and "officer_li" not in html
    html = client.get("/admin/users?role=bureau").get_data(as_text=True)
    assert "officer_li" in html and "wang@" not in html


def test_deactivate_and_reactivate(app, client, admin, target):
    other = app.test_client()  # the target's own browser, logged in before
    assert other.post("/login", data={"username": "wang", "password": PASSWORD}
                      ).status_code == 302
    assert other.get("/inbox").status_code == 200

    response = client.post(f"/admin/users/{target.id}/active", data={"active": "0"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert stored_user(app, target.id).active is False
    assert other.get("/inbox").status_code == 302  # the existing session no longer works
    response = other.post("/login?lang=en", data={"username": "wang", "password": PASSWORD})
    assert response.status_code == 422
    assert "This account has been deactivated." in text(response.get_data(as_text=True))

    assert client.post(f"/admin/users/{target.id}/active", data={"active": "1"}
                       ).status_code == 302
    assert stored_user(app, target.id).active is True
    assert other.post("/login", data={"username": "wang", "password": PASSWORD}
                      ).status_code == 302
    assert actions(app, target.id) == [("deactivate", None, None), ("activate", None, None)]


def test_change_role(app, client, admin, target):
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "institute"})
    assert response.status_code == 302
    assert stored_user(app, target.id).role == "institute"
    assert actions(app, target.id) == [("change_role", "enterprise", "institute")]


def test_an_unknown_role_changes_nothing(app, client, admin, target):
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "king"}
                       ).status_code == 302
    assert stored_user(app, target.id).role == "enterprise"
    assert actions(app, target.id) == []


def test_an_unknown_user(client, admin):
    assert client.post("/admin/users/999999/role", data={"role": "bureau"}).status_code == 404
    response = client.post("/admin/users/999999/active?lang=en", data={"active": "0"})
    assert response.status_code == 302  # this button reports every refusal as a message
    assert "No such record." in client.get("/admin/users?lang=en").get_data(as_text=True)


@pytest.mark.parametrize(("path", "form"), [
    ("role", {"role": "enterprise"}),
    ("active", {"active": "0"}),
])
def test_admins_cannot_change_themselves(app, client, admin, path, form):
    response = client.post(f"/admin/users/{admin.id}/{path}?lang=en", data=form)
    assert response.status_code == 302
    page = client.get("/admin/users?lang=en").get_data(as_text=True)
    assert "You cannot change your own account here." in text(page)
    me = stored_user(app, admin.id)
    assert (me.role, me.active) == ("admin", True)
    assert actions(app, admin.id) == []


@pytest.mark.parametrize("role", ["enterprise", "bureau"])
def test_only_admins_manage_users(app, client, login, target, role):
    login(role)
    assert client.post(f"/admin/users/{target.id}/active", data={"active": "0"}
                       ).status_code == 403
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "admin"}
                       ).status_code == 403
    user = stored_user(app, target.id)
    assert (user.active, user.role) == (True, "enterprise")


# --- settings ----------------------------------------------------------------------------------

def settings_form(**changes):
    form = {d.key: str(d.default) for d in settings.DEFINITIONS}
    form.update(changes)
    return form


def test_settings_page_shows_the_current_values(client, admin):
    html = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="141100"' in html and 'value="15"' in html


@pytest.mark.parametrize(("key", "value", "message"), [
    ("achievement_office_code", "14", "Enter exactly 3 digits."),
    ("achievement_office_code", "14a", "Enter exactly 3 digits."),
    ("contract_area_code", "1411000", "Enter exactly 6 digits."),
    ("contract_review_days", "0", "Must be at least 1."),
    ("contract_review_days", "91", "Must be at most 90."),
    ("contract_review_days", "fifteen", "Enter a number."),
    ("contract_large_threshold", "-1", "Must be at least 0."),
    ("contract_large_threshold", "五百万", "Enter a number."),
    ("announcement_min_days", "14", "Must be at least 15."),
])
def test_settings_validation(app, client, admin, key, value, message):
    response = client.post("/admin/settings?lang=en", data=settings_form(**{key: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in text(field_errors(html, key))
    with app.app_context():
        assert settings.get(key) == settings.BY_KEY[key].default
        assert audit.history("setting", 0) == []


def test_settings_are_saved_and_audited(app, client, admin):
    response = client.post("/admin/settings", data=settings_form(
        contract_review_days="20", contract_large_threshold="8000000.50",
        contract_point_code="02"))
    assert response.status_code == 302
    with app.app_context():
        from decimal import Decimal

        assert settings.get("contract_review_days") == 20
        assert settings.get("contract_large_threshold") == Decimal("8000000.50")
        assert settings.get("contract_point_code") == "02"
        changed = sorted((e.comment, e.data["old"], e.data["new"], e.actor_id)
                         for e in audit.history("setting", 0))
    assert changed == [
        ("contract_large_threshold", "5000000", "8000000.50", admin.id),
        ("contract_point_code", "01", "02", admin.id),
        ("contract_review_days", "15", "20", admin.id)]


# --- the calendar -----------------------------------------------------------------------------

def test_calendar_override_changes_due_dates(app, client, admin):
    response = client.post("/admin/calendar", data={"day": "2026-07-08", "kind": "holiday",
                                                    "note": "防汛"})
    assert response.status_code == 302
    assert "防汛" in client.get("/admin/calendar").get_data(as_text=True)
    with app.app_context():
        assert workdays.add_working_days(date(2026, 6, 30), 15) == date(2026, 7, 22)
    assert client.post("/admin/calendar/2026-07-08/delete").status_code == 302
    with app.app_context():
        assert workdays.add_working_days(date(2026, 6, 30), 15) == date(2026, 7, 21)
        assert [e.action for e in audit.history("calendar", 0)] == ["set_day", "clear_day"]


def test_calendar_needs_a_date(client, admin):
    response = client.post("/admin/calendar?lang=en", data={"day": "", "kind": "holiday"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "day")


# --- the command line --------------------------------------------------------------------------

def create_user_args(**options):
    options = {"username": "officer_zhao", "password": "a-strong-password-1", "role": "bureau",
               **options}
    return ["users", "create", *[f"--{k.replace('_', '-')}={v}" for k, v in options.items()]]


def test_cli_creates_a_user(app, runner):
    result = runner.invoke(args=create_user_args())
    assert result.exit_code == 0, result.output
    assert "Created bureau user officer_zhao" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "officer_zhao"))
        assert user.role == "bureau" and user.check_password("a-strong-password-1")
        assert user.password_hash.startswith("scrypt:")
        assert [e.action for e in audit.history("user", user.id)] == ["create"]


def test_cli_refuses_an_unknown_role(app, runner):
    result = runner.invoke(args=create_user_args(role="king"))
    assert result.exit_code != 0
    assert "role" in result.output and "king" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def in_default_language(app, message, **params):
    """`message` as the command line prints it: in the default language (Chinese)."""
    with app.app_context():
        return gettext(message, **params)


@pytest.mark.parametrize(("options", "field", "message", "params"), [
    ({"password": "short"}, "password", "The password must have at least %(n)d characters.",
     {"n": 10}),
    ({"password": "12345678901"}, "password", "The password must not be all digits.", {}),
    ({"username": "x"}, "username",
     "Use 3 to 40 letters, digits, dots, dashes or underscores.", {}),
    ({"email": "not-an-address"}, "email", "Enter a valid e-mail address.", {}),
    ({"organization_id": "999"}, "organization_id", "No such organisation.", {}),
])
def test_cli_refuses_bad_input(app, runner, options, field, message, params):
    result = runner.invoke(args=create_user_args(**options))
    assert result.exit_code == 1
    assert f"{field}: {in_default_language(app, message, **params)}" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_cli_refuses_a_taken_user_name(app, runner):
    assert runner.invoke(args=create_user_args()).exit_code == 0
    result = runner.invoke(args=create_user_args(username="OFFICER_ZHAO"))
    assert result.exit_code == 1
    assert in_default_language(app, "This user name is taken.") in result.output


def seed_demo(app, runner):
    # The `flask` command pushes an app context for the app's commands; the test runner
    # calls app.cli directly, so it is pushed here.
    with app.app_context():
        return runner.invoke(args=["seed-demo"])


def test_seed_demo_is_idempotent(app, runner, client):
    result = seed_demo(app, runner)
    assert result.exit_code == 0, result.output
    with app.app_context():
        users = dict(db.session.execute(select(User.username, User.role)).all())
        statuses = sorted(db.session.scalars(select(Organization.status)))
    assert {"bureau": "bureau", "admin": "admin"}.items() <= users.items()
    assert set(users.values()) == {"bureau", "admin", "institute", "enterprise", "broker"}
    assert all(name in result.output for name in users)
    assert statuses.count("unverified") == 1 and statuses.count("verified") == 5
    assert client.post("/login", data={"username": "bureau", "password": DEMO_PASSWORD}
                       ).status_code == 302

    again = seed_demo(app, runner)
    assert again.exit_code == 0 and "not loaded" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == len(users)
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 6
