"""The short cache of public pages seen without a session (marketplace/page_cache.py)."""
import pytest
from sqlalchemy import event

from marketplace.extensions import db
from marketplace.page_cache import PageCache
from tests.conftest import PASSWORD
from tests.factories import make_user


class Clock:
    now = 1000.0

    def __call__(self):
        return self.now


def layer_of(app):
    layer = app.wsgi_app
    while not isinstance(layer, PageCache):
        layer = layer.app
    return layer


@pytest.fixture
def cached(make_app):
    """(app, clock, statements): an app with a 2 s page cache on a clock the test moves, and a
    list collecting the SQL each request runs."""
    app = make_app(PAGE_CACHE_SECONDS=2)
    clock = layer_of(app).clock = Clock()
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
    return app, clock, statements


def test_a_visitors_repeat_is_answered_from_memory(cached):
    app, clock, statements = cached
    client = app.test_client()
    first = client.get("/listings")
    assert first.status_code == 200 and statements
    statements.clear()
    again = client.get("/listings")
    assert again.status_code == 200 and again.data == first.data
    assert statements == []  # neither the view nor the database was reached
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    clock.now += 2.5  # kept 2 s only
    client.get("/listings")
    assert statements


def test_each_language_has_its_own_copy(cached):
    app, clock, statements = cached
    client = app.test_client()
    zh = client.get("/listings", headers={"Accept-Language": "zh-CN"})
    en = client.get("/listings", headers={"Accept-Language": "en"})
    assert 'lang="zh-CN"' in zh.get_data(as_text=True)
    assert 'lang="en"' in en.get_data(as_text=True)
    statements.clear()
    assert client.get("/listings", headers={"Accept-Language": "en"}).data == en.data
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    assert browser.get("/listings", headers={"Accept-Language": "zh"}).data == en.data
    assert statements == []


def test_the_language_switch_is_not_kept(cached):
    app, clock, statements = cached
    client = app.test_client()
    switched = client.get("/listings?lang=en")
    assert "lang=en" in switched.headers.get("Set-Cookie", "")
    statements.clear()
    fresh = app.test_client().get("/listings?lang=en")
    assert statements and "lang=en" in fresh.headers.get("Set-Cookie", "")


def test_a_logged_in_user_is_never_served_a_kept_page(cached):
    app, clock, statements = cached
    with app.app_context():
        make_user("enterprise", username="reader")
    app.test_client().get("/listings")
    client = app.test_client()
    client.post("/login", data={"username": "reader", "password": PASSWORD})
    statements.clear()
    page = client.get("/listings")
    assert statements  # rendered for this user
    assert "/logout" in page.get_data(as_text=True)
    # and the page rendered for them was not kept for visitors
    statements.clear()
    visitor = app.test_client().get("/listings")
    assert "/logout" not in visitor.get_data(as_text=True)


def test_a_session_cookie_bypasses_the_cache(cached):
    app, clock, statements = cached
    app.test_client().get("/listings")
    client = app.test_client()
    client.set_cookie("session", "anything")
    statements.clear()
    client.get("/listings")
    assert statements


@pytest.mark.parametrize("path", ["/search?q=x", "/login", "/no-such-page",
                                  "/listings/999999"])
def test_pages_outside_the_public_set_or_not_200_are_not_kept(cached, path):
    app, clock, statements = cached
    client = app.test_client()
    first = client.get(path)
    again = client.get(path)
    assert again.status_code == first.status_code
    assert not [key for key in layer_of(app).entries if key[1] == path.partition("?")[0]]


def test_posts_are_never_answered_from_memory(cached):
    app, clock, statements = cached
    client = app.test_client()
    client.get("/listings")
    response = client.post("/listings")
    assert response.status_code in (400, 403, 405)


def test_off_in_the_test_configuration(app):
    layer = app.wsgi_app
    while hasattr(layer, "app"):
        assert not isinstance(layer, PageCache)
        layer = layer.app


def test_the_least_recently_used_pages_go_first_beyond_the_byte_budget(cached):
    app, clock, statements = cached
    layer = layer_of(app)
    client = app.test_client()
    sizes = {path: len(client.get(path).data) for path in ("/achievements", "/", "/listings")}
    assert sizes["/listings"] < sizes["/achievements"]
    layer.max_bytes = sizes["/"] + sizes["/achievements"] + 10  # not room for all three
    clock.now += 3  # all three expired (still held)
    client.get("/listings")  # kept again: the least recently used (/achievements) goes
    client.get("/")  # now more recently used than the listings
    client.get("/achievements")  # no room for three: the listings go
    kept = {key[1] for key in layer.entries}
    assert kept == {"/", "/achievements"}
    assert layer.bytes == sum(len(entry.body) for entry in layer.entries.values())
    assert layer.bytes <= layer.max_bytes
