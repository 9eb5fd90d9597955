"""Open redirects: every place that follows a target it was given (the login's `next`, a
notification's link, the broker invitation's `next`) stays on this site."""
import pytest

from marketplace.accounts.views import safe_next
from marketplace.extensions import db

from ..factories import PASSWORD, make_user

HOSTILE = [
    "//evil.example", "///evil.example", "https://evil.example", "http:evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", " //evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example",
    "https:/\\evil.example", "evil.example", "@evil.example",
]
# (an encoded tab stays encoded: "/%09/evil.example" is a path on this site)
LOCAL = ["/", "/listings?page=2", "/listings/3", "/search?q=%E7%85%A4", "/%09/evil.example"]


def stays_here(location):
    """Where a browser would go for this Location: this site only."""
    cleaned = "".join(c for c in location if c not in "\t\r\n").strip()
    return cleaned.startswith("/") and not cleaned.startswith(("//", "/\\")) \
        and "\\" not in cleaned


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_other_sites(app, target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", LOCAL)
def test_safe_next_keeps_local_paths(app, target):
    assert safe_next(target) == target


@pytest.fixture
def user(app):
    with app.app_context():
        return make_user("enterprise")


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_sends_elsewhere(client, user, target):
    response = client.post("/login", query_string={"next": target},
                           data={"username": user.username, "password": PASSWORD,
                                 "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(client, user):
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                            "next": "/listings?page=2"})
    assert response.headers["Location"] == "/listings?page=2"


@pytest.mark.parametrize("link", ["//evil.example/x", "https://evil.example", "javascript:x"])
def test_a_notification_link_never_sends_elsewhere(app, client, auth, user, link):
    from marketplace.inbox.models import Notification
    from marketplace.inbox.services import notify

    with app.app_context():
        notify(db.session.get(type(user), user.id), "Your organisation %(name)s has been "
               "verified.", link="/", name="x")
        db.session.commit()
        note = db.session.scalar(db.select(Notification))
        note.link = link  # as if a capability had stored something hostile
        db.session.commit()
        note_id = note.id
    auth.login(user)
    response = client.post(f"/inbox/{note_id}/open")
    assert response.status_code == 302 and stays_here(response.headers["Location"])
    assert "evil" not in response.headers["Location"]


def test_the_language_switch_only_sets_a_cookie(client):
    response = client.get("/?lang=en&next=//evil.example")
    assert response.status_code == 200
    assert "Location" not in response.headers
