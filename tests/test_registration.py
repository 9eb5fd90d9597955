"""Self-registration by page and by API: who may register, and every validation rule."""
import copy

import pytest
from sqlalchemy import func, select

from marketplace import audit
from marketplace.accounts.models import Organization, User
from marketplace.extensions import db
from marketplace.inbox.models import Notification

from .factories import PASSWORD, make_org, make_user, valid_credit_code
from .pages import field_errors, input_value, text


def registration(role="enterprise", username="newuser", **changes):
    """A valid API registration body for `role` (a broker registers without organisation)."""
    body = {"username": username, "password": PASSWORD, "email": f"{username}@example.cn",
            "role": role}
    if role != "broker":
        body["organization"] = {
            "name": "吕梁市新元科技有限公司",
            "kind": "enterprise" if role == "enterprise" else "research_institute",
            "entity_type": "private_enterprise" if role == "enterprise"
            else "research_institute",
            "credit_code": valid_credit_code(), "county": "141102",
            "address": "吕梁市离石区龙凤大街 8 号", "contact_name": "李工",
            "contact_phone": "0358-8881234"}
    body.update(changes)
    return body


def with_org(body, **changes):
    body = copy.deepcopy(body)
    body["organization"].update(changes)
    return body


ORG_FIELDS = ("name", "kind", "entity_type", "credit_code", "county", "address",
              "contact_name", "contact_phone")


def as_form(body):
    """What a browser posts on the registration page for an API-shaped body: every field,
    the organisation's empty when there is none (the page only hides that part)."""
    org = body.get("organization") or {}
    form = {"username": body["username"], "email": body["email"], "password": body["password"],
            "confirm": body["password"], "role": body["role"],
            **{f"org_{name}": org.get(name, "") for name in ORG_FIELDS}}
    if org and body["role"] == "broker":
        form["with_employer"] = "y"
    return form


def broker_with_employer():
    return registration("broker", organization={
        "name": "山西技术转移服务中心", "kind": "intermediary", "entity_type": "other",
        "credit_code": valid_credit_code(), "county": "140000", "address": "太原市小店区 1 号",
        "contact_name": "陈静", "contact_phone": "0351-7000005"})


SUCCESSES = {
    "enterprise": lambda: registration("enterprise"),
    "institute": lambda: registration("institute"),
    "broker without organisation": lambda: registration("broker"),
    "broker with employer": broker_with_employer,
}


@pytest.fixture
def taken(app):
    """An existing user 'Alice' and organisation, to collide with."""
    with app.app_context():
        org = make_org()
        make_user("enterprise", org=org, username="Alice")
        return org


# Every rule: (body maker, API field, page field, the English message).
INVALID = {
    "credit code checksum": (
        lambda t: with_org(registration(), credit_code="91350100M000100Y44"),
        "organization.credit_code", "org_credit_code",
        "Not a valid unified social credit code: 18 characters with a correct check "
        "character (GB 32100-2015)."),
    "credit code too short": (
        lambda t: with_org(registration(), credit_code="91350100M000100Y4"),
        "organization.credit_code", "org_credit_code", "Not a valid unified social credit code"),
    "credit code too long": (
        lambda t: with_org(registration(), credit_code="91350100M000100Y433"),
        "organization.credit_code", "org_credit_code", "Not a valid unified social credit code"),
    "credit code letter I": (
        lambda t: with_org(registration(), credit_code="91350100I000100Y43"),
        "organization.credit_code", "org_credit_code", "Not a valid unified social credit code"),
    "credit code letter O": (
        lambda t: with_org(registration(), credit_code="91350100O000100Y43"),
        "organization.credit_code", "org_credit_code", "Not a valid unified social credit code"),
    "credit code letter S": (
        lambda t: with_org(registration(), credit_code="91350100S000100Y43"),
        "organization.credit_code", "org_credit_code", "Not a valid unified social credit code"),
    "credit code letter V": (
        lambda t: with_org(registration(), credit_code="91350100V000100Y43"),
        "organization.credit_code", "org_credit_code", "Not a valid unified social credit code"),
    "credit code letter Z": (
        lambda t: with_org(registration(), credit_code="91350100Z000100Y43"),
        "organization.credit_code", "org_credit_code", "Not a valid unified social credit code"),
    "duplicate credit code": (
        lambda t: with_org(registration(), credit_code=t.credit_code.lower()),
        "organization.credit_code", "org_credit_code",
        "An organisation with this credit code is already registered."),
    "duplicate user name, other case": (
        lambda t: registration(username="ALICE"),
        "username", "username", "This user name is taken."),
    "user name with spaces": (
        lambda t: registration(username="new user"),
        "username", "username", "Use 3 to 40 letters, digits, dots, dashes or underscores."),
    "password too short": (
        lambda t: registration(password="short-pw1"),
        "password", "password", "The password must have at least 10 characters."),
    "password all digits": (
        lambda t: registration(password="1234567890123"),
        "password", "password", "The password must not be all digits."),
    "password is the user name": (
        lambda t: registration(username="longusername", password="LongUserName"),
        "password", "password", "The password must not be the user name."),
    "bad e-mail": (
        lambda t: registration(email="not-an-address"),
        "email", "email", "Enter a valid e-mail address."),
    "bureau cannot self-register": (
        lambda t: registration(role="bureau"),
        "role", "role", None),
    "admin cannot self-register": (
        lambda t: registration(role="admin"),
        "role", "role", None),
    "enterprise without organisation": (
        lambda t: {k: v for k, v in registration("enterprise").items() if k != "organization"},
        "organization.name", "org_name", "This field is required."),
    "institute without organisation": (
        lambda t: {k: v for k, v in registration("institute").items() if k != "organization"},
        "organization.name", "org_name", "This field is required."),
    "county not a GB/T 2260 code": (
        lambda t: with_org(registration(), county="999999"),
        "organization.county", "org_county", None),
    "telephone not digits": (
        lambda t: with_org(registration(), contact_phone="call me"),
        "organization.contact_phone", "org_contact_phone", "Enter a telephone number of digits."),
}
# Where the page and the API word a rule differently (WTForms' and marshmallow's own checks).
API_MESSAGE = {"role": "Not one of the allowed values.",
               "organization.county": "Not one of the allowed values."}
PAGE_MESSAGE = {"role": "Not a valid choice",
                "org_county": "Choose a county of Lüliang or, outside it, a province."}


# --- the API ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", SUCCESSES)
def test_api_registration(app, api, kind):
    body = SUCCESSES[kind]()
    response = api.post("/register", json=body)
    assert response.status_code == 201, response.get_json()
    user = response.get_json()
    assert (user["username"], user["role"], user["active"]) == (
        body["username"], body["role"], True)
    assert "password" not in user and "password_hash" not in user
    if "organization" in body:
        assert user["organization"]["credit_code"] == body["organization"]["credit_code"]
        assert user["organization"]["status"] == "unverified"
    else:
        assert user["organization"] is None
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.username == body["username"]))
        assert stored.check_password(PASSWORD)
        assert [e.action for e in audit.history("user", stored.id)] == ["register"]
        assert (stored.organization_id is None) == ("organization" not in body)


def test_registration_tells_the_bureau(app, api):
    with app.app_context():
        officer = make_user("bureau")
    assert api.post("/register", json=registration()).status_code == 201
    with app.app_context():
        org = db.session.scalar(select(Organization))
        note = db.session.scalar(select(Notification).where(Notification.user_id == officer.id))
        assert note.link == f"/bureau/organizations/{org.id}"
        assert [e.action for e in audit.history("organization", org.id)] == ["register"]


@pytest.mark.parametrize("case", INVALID)
def test_api_validation(app, api, taken, case):
    make_body, field, _, message = INVALID[case]
    body = make_body(taken)
    response = api.post("/register", json=body, lang="en")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error
    assert (message or API_MESSAGE[field]) in " ".join(error["fields"][field])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize("case", INVALID)
def test_api_validation_messages_are_chinese_by_default(app, api, taken, case):
    make_body, field, _, message = INVALID[case]
    response = api.post("/register", json=make_body(taken))
    assert response.status_code == 422
    messages = " ".join(response.get_json()["error"]["fields"][field])
    assert messages and (message or API_MESSAGE[field]) not in messages


# --- the page --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", SUCCESSES)
def test_page_registration(app, client, kind):
    body = SUCCESSES[kind]()
    response = client.post("/register", data=as_form(body))
    assert response.status_code == 302, field_errors(response.get_data(as_text=True), "org_name")
    assert response.headers["Location"] == "/"
    assert client.get("/inbox").status_code == 200  # logged in as the new user
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == body["username"]))
        assert user.role == body["role"]
        if "organization" in body:
            assert user.organization.credit_code == body["organization"]["credit_code"]
            assert user.organization.status == "unverified"
        else:
            assert user.organization_id is None


def test_page_registration_keeps_the_language_chosen(app, client):
    client.get("/register?lang=en")
    assert client.post("/register", data=as_form(registration())).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.username == "newuser")) == "en"


@pytest.mark.parametrize("case", INVALID)
def test_page_validation_in_english(app, client, taken, case):
    make_body, _, field, message = INVALID[case]
    response = client.post("/register?lang=en", data=as_form(make_body(taken)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = field_errors(html, field)
    assert errors is not None, f"no error shown beside {field}"
    assert (message or PAGE_MESSAGE[field]) in errors
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize("case", INVALID)
def test_page_validation_in_chinese_by_default(client, taken, case):
    make_body, _, field, message = INVALID[case]
    response = client.post("/register", data=as_form(make_body(taken)))
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), field)
    assert errors, f"no error shown beside {field}"
    assert (message or PAGE_MESSAGE[field]) not in errors


def test_page_keeps_what_was_typed_but_not_the_password(client, taken):
    body = registration(username="typed_name", email="typed@example.cn",
                        password="secret-but-weak")
    body = with_org(body, credit_code="91350100M000100Y44", name="吕梁市打字测试有限公司")
    response = client.post("/register?lang=en", data=as_form(body))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert input_value(html, "username") == "typed_name"
    assert input_value(html, "email") == "typed@example.cn"
    assert input_value(html, "org_name") == "吕梁市打字测试有限公司"
    assert input_value(html, "org_credit_code") == "91350100M000100Y44"
    assert input_value(html, "password") in (None, "")
    assert "secret-but-weak" not in html


def test_page_passwords_must_match(client):
    form = as_form(registration())
    form["confirm"] = "something-else-1"
    response = client.post("/register?lang=en", data=form)
    assert response.status_code == 422
    assert "The passwords do not match." in text(field_errors(
        response.get_data(as_text=True), "confirm"))


def test_logged_in_users_do_not_register_again(client, login):
    login("enterprise")
    response = client.get("/register")
    assert response.status_code == 302 and response.headers["Location"] == "/"
