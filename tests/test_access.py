"""Who may open which page (flaskr's parametrized access tests), and other users' ids."""
import pytest

from .factories import make_file, make_org, make_user

ROLES = ("visitor", "enterprise", "institute", "broker", "bureau", "admin")
LOGIN = "login"  # a redirect to the login page


@pytest.fixture
def world(app):
    """A member of each self-registered role, each with an unverified organisation of their
    own; an officer and an administrator; a verified and a stranger's unverified organisation."""
    with app.app_context():
        ids = {"verified": make_org(status="verified").id,
               "stranger": make_org(status="unverified").id}
        users = {}
        for role in ("enterprise", "institute", "broker"):
            org = make_org(status="unverified")
            users[role] = make_user(role, org=org)
        users["bureau"] = make_user("bureau")
        users["admin"] = make_user("admin")
    return ids, users


def own_org(ids, user):
    """The viewer's own organisation; for those without one, the stranger's."""
    return user.organization_id if user and user.organization_id else ids["stranger"]


# path template -> expected answer for (visitor, enterprise, institute, broker, bureau, admin)
MATRIX = {
    "/": (200, 200, 200, 200, 200, 200),
    "/login": (200, 302, 302, 302, 302, 302),
    "/register": (200, 302, 302, 302, 302, 302),
    "/account": (LOGIN, 200, 200, 200, 200, 200),
    "/account/password": (LOGIN, 200, 200, 200, 200, 200),
    "/inbox": (LOGIN, 200, 200, 200, 200, 200),
    "/organizations/{verified}": (200, 200, 200, 200, 200, 200),
    "/organizations/{own}": (404, 200, 200, 200, 200, 200),
    "/organizations/{stranger}": (404, 404, 404, 404, 200, 200),
    "/organizations/999999": (404, 404, 404, 404, 404, 404),
    "/organizations/{own}/edit": (LOGIN, 200, 200, 200, 404, 404),
    "/organizations/{stranger}/edit": (LOGIN, 404, 404, 404, 404, 404),
    "/organizations/{verified}/edit": (LOGIN, 404, 404, 404, 404, 404),
    "/bureau/organizations": (LOGIN, 403, 403, 403, 200, 200),
    "/bureau/organizations/{stranger}": (LOGIN, 403, 403, 403, 200, 200),
    "/bureau/organizations/999999": (LOGIN, 403, 403, 403, 404, 404),
    "/admin/users": (LOGIN, 403, 403, 403, 403, 200),
    "/admin/settings": (LOGIN, 403, 403, 403, 403, 200),
    "/admin/calendar": (LOGIN, 403, 403, 403, 403, 200),
}


@pytest.mark.parametrize(("path", "role", "expected"), [
    (path, role, expected)
    for path, answers in MATRIX.items()
    for role, expected in zip(ROLES, answers, strict=True)])
def test_page_access(client, auth, world, path, role, expected):
    ids, users = world
    user = users.get(role)
    if user:
        assert auth.login(user).status_code == 302
    url = path.format(own=own_org(ids, user), **ids)
    response = client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == expected, url


# --- other users' ids ---------------------------------------------------------------------

def test_editing_another_organisation_is_404(client, auth, world):
    ids, users = world
    auth.login(users["enterprise"])
    response = client.post(f"/organizations/{ids['stranger']}/edit",
                           data={"org_name": "改名", "org_credit_code": "X"})
    assert response.status_code == 404


def test_another_users_notification_is_404(app, client, auth, world):
    from marketplace.extensions import db
    from marketplace.inbox.services import notify

    ids, users = world
    with app.app_context():
        notify(users["institute"], "Your organisation %(name)s has been verified.",
               link="/", name="X")
        db.session.commit()
        from marketplace.inbox.models import Notification

        note_id = db.session.scalar(db.select(Notification.id))
    auth.login(users["enterprise"])
    assert client.post(f"/inbox/{note_id}/open").status_code == 404
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is None


def test_another_organisations_file_is_404(app, client, auth, world):
    ids, users = world
    with app.app_context():
        file_id = make_file(users["institute"]).id
    auth.login(users["enterprise"])
    assert client.get(f"/files/{file_id}").status_code == 404
    assert client.get("/files/999999").status_code == 404


def test_api_unverified_organisation_is_404_for_strangers(app, api, world):
    ids, users = world
    assert api.get(f"/organizations/{ids['stranger']}").status_code == 404
    api.login(users["enterprise"])
    assert api.get(f"/organizations/{ids['stranger']}").status_code == 404
    assert api.get(f"/organizations/{users['enterprise'].organization_id}").status_code == 200
    assert api.get(f"/organizations/{ids['verified']}").status_code == 200
    api.login(users["bureau"])
    assert api.get(f"/organizations/{ids['stranger']}").status_code == 200


@pytest.mark.parametrize(("role", "expected"), [
    ("enterprise", 403), ("institute", 403), ("broker", 403), ("admin", 403), ("bureau", 200)])
def test_api_verify_is_for_the_bureau(api, world, role, expected):
    ids, users = world
    api.login(users[role])
    response = api.post(f"/organizations/{ids['stranger']}/verify",
                        json={"decision": "verify"})
    assert response.status_code == expected, response.get_json()
    if expected == 403:
        assert response.get_json()["error"]["code"] == "forbidden"
    else:
        assert response.get_json()["status"] == "verified"


def test_api_verify_needs_a_token(api, world):
    ids, _ = world
    response = api.post(f"/organizations/{ids['stranger']}/verify", json={"decision": "verify"})
    assert response.status_code == 401
