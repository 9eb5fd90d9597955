"""A listing's page as visitors see it is kept until the listing (or a record it shows)
changes: page_cache.keep() and the AuditWatcher (marketplace/page_cache.py)."""
import time
from datetime import timedelta

import pytest
from flask import template_rendered
from sqlalchemy import event, func, select

from marketplace import audit
from marketplace.accounts.models import Organization
from marketplace.audit import AuditEntry
from marketplace.extensions import db
from marketplace.page_cache import PageCache


class Clock:
    now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def app(make_app):
    """Pages kept up to 60 s past the short 2 s; the watcher thread is stopped at once, so
    each test says when the watcher looks."""
    return make_app(PAGE_CACHE_SECONDS=2, PAGE_CACHE_KEEP_SECONDS=60,
                    PAGE_CACHE_WATCH_SECONDS=0.5)


@pytest.fixture
def cache(app):
    """(layer, watcher, statements): the page cache on a clock the test moves, its watcher
    (its thread stopped; `look()` is called by the test) and the SQL each request runs."""
    layer = app.wsgi_app
    while not isinstance(layer, PageCache):
        layer = layer.app
    layer.clock = Clock()
    watcher = layer._watcher()
    watcher.stop()
    watcher.look()
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
    return layer, watcher, statements


def later(layer, watcher, seconds):
    """Move the cache's clock on, the watcher looking (and finding nothing) on the way."""
    layer.clock.now += seconds
    watcher.look()


def visit(app, path):
    response = app.test_client().get(path, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_visitors_page_is_kept_until_the_listing_changes(app, market, cache):
    layer, watcher, statements = cache
    people = market.people()
    record_id = market.listing(people["seller"], "announced")
    watcher.look()  # past the entries of its making
    first = visit(app, f"/listings/{record_id}")
    later(layer, watcher, 45)  # far past the short 2 s
    statements.clear()
    assert visit(app, f"/listings/{record_id}") == first
    assert statements == []
    market.intent(record_id, people["buyer"])  # audited as ("listing", id, "intent")
    watcher.look()
    statements.clear()
    fresh = visit(app, f"/listings/{record_id}")
    assert statements and fresh != first


def test_a_change_of_another_listing_leaves_it_kept(app, market, cache):
    layer, watcher, statements = cache
    people = market.people()
    record_id = market.listing(people["seller"], "announced")
    other_id = market.listing(people["seller"], "announced")
    watcher.look()  # past the entries of its making
    visit(app, f"/listings/{record_id}")
    market.intent(other_id, people["buyer"])
    later(layer, watcher, 10)
    statements.clear()
    visit(app, f"/listings/{record_id}")
    assert statements == []


def test_a_change_of_the_sellers_name_reaches_the_page(app, market, cache):
    layer, watcher, statements = cache
    people = market.people()
    record_id = market.listing(people["seller"], "announced")
    watcher.look()  # past the entries of its making
    assert "吕梁新名称研究院" not in visit(app, f"/listings/{record_id}")
    with app.app_context():  # as the bureau's correction of a verified organisation does
        org = db.session.get(Organization, people["seller"].organization_id)
        org.name = "吕梁新名称研究院"
        audit.record("organization", org.id, "edit", None)
        db.session.commit()
    watcher.look()
    assert "吕梁新名称研究院" in visit(app, f"/listings/{record_id}")


def test_kept_no_longer_than_keep_seconds(app, market, cache):
    layer, watcher, statements = cache
    record_id = market.listing(market.user("institute"), "announced")
    watcher.look()  # past the entries of its making
    visit(app, f"/listings/{record_id}")
    later(layer, watcher, 59)
    statements.clear()
    visit(app, f"/listings/{record_id}")
    assert statements == []
    later(layer, watcher, 2)
    visit(app, f"/listings/{record_id}")
    assert statements


def test_not_kept_past_the_end_of_the_period_it_shows(app, market, cache, clock):
    layer, watcher, statements = cache
    record_id = market.listing(market.user("institute"), "announced")
    watcher.look()  # past the entries of its making
    ends = market.get_listing(record_id).announcement_ends_at
    clock.set(ends - timedelta(seconds=10))  # the announcement ends in 10 s
    visit(app, f"/listings/{record_id}")
    later(layer, watcher, 9)
    statements.clear()
    visit(app, f"/listings/{record_id}")
    assert statements == []
    later(layer, watcher, 2)  # past its end: rendered again (and the lazy tick may run)
    visit(app, f"/listings/{record_id}")
    assert statements


def test_a_listing_in_bidding_is_kept_the_short_time_only(app, market, cache):
    layer, watcher, statements = cache
    people = market.people()
    from listing_helpers import listing_in

    record_id = listing_in(market, people, "bidding")
    watcher.look()  # past the entries of its making
    visit(app, f"/listings/{record_id}")
    later(layer, watcher, 3)
    statements.clear()
    visit(app, f"/listings/{record_id}")
    assert statements  # its countdown is part of the page


def test_a_change_found_while_the_page_rendered_keeps_it_short(app, market, cache):
    """The page may have read the listing before a change that a look found meanwhile: it is
    kept the short time only, not until the next change."""
    layer, watcher, statements = cache
    record_id = market.listing(market.user("institute"), "announced")
    watcher.look()  # past the entries of its making

    def a_look_finds_a_change(sender, template, context, **extra):
        watcher.changed[("listing", record_id)] = watcher.looks + 1
        watcher.looks += 1

    template_rendered.connect(a_look_finds_a_change, app)
    try:
        visit(app, f"/listings/{record_id}")
    finally:
        template_rendered.disconnect(a_look_finds_a_change, app)
    later(layer, watcher, 3)
    statements.clear()
    visit(app, f"/listings/{record_id}")
    assert statements


def test_while_the_watcher_cannot_look_pages_are_kept_the_short_time(app, market, cache):
    layer, watcher, statements = cache
    record_id = market.listing(market.user("institute"), "announced")
    watcher.look()  # past the entries of its making
    visit(app, f"/listings/{record_id}")
    layer.clock.now += 1.5  # no look for 1.5 s: still within the short time
    statements.clear()
    visit(app, f"/listings/{record_id}")
    assert statements == []
    layer.clock.now += 1  # no look for 2.5 s: the watcher is not trusted, the entry is 2.5 s old
    visit(app, f"/listings/{record_id}")
    assert statements
    # rendered again while the watcher was silent, it is kept the short time only
    watcher.look()
    later(layer, watcher, 3)
    statements.clear()
    visit(app, f"/listings/{record_id}")
    assert statements


def test_an_entry_committed_after_a_larger_one_still_reaches_the_page(app, market, cache,
                                                                      monkeypatch):
    """On PostgreSQL a smaller id can commit after a larger one: the watcher looks for the
    ids it skipped (the gaps) again."""
    layer, watcher, statements = cache
    record_id = market.listing(market.user("institute"), "announced")
    watcher.look()  # past the entries of its making
    visit(app, f"/listings/{record_id}")
    with app.app_context():
        top = db.session.scalar(select(func.max(AuditEntry.id)))
        db.session.add(AuditEntry(id=top + 5, at=market.get_listing(record_id).updated_at,
                                  entity="setting", entity_id=1, action="change"))
        db.session.commit()
    watcher.look()
    assert str(top + 2) in watcher.state["gaps"]
    statements.clear()
    visit(app, f"/listings/{record_id}")
    assert statements == []  # an unrelated entry
    with app.app_context():
        db.session.add(AuditEntry(id=top + 2, at=market.get_listing(record_id).updated_at,
                                  entity="listing", entity_id=record_id, action="edit"))
        db.session.commit()
    watcher.look()
    visit(app, f"/listings/{record_id}")
    assert statements
    assert str(top + 2) not in watcher.state["gaps"]
    # a gap that never fills (a rolled-back transaction) is let go in time, rows or not
    assert watcher.state["gaps"]
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3600)  # as indexer.advance reads it
    watcher.look()
    assert watcher.state["gaps"] == {}


def test_a_logged_in_sellers_page_is_never_kept(app, market, cache):
    layer, watcher, statements = cache
    seller = market.user("institute")
    record_id = market.listing(seller, "announced")
    watcher.look()  # past the entries of its making
    page = market.page_client(seller).get(f"/listings/{record_id}")
    assert page.status_code == 200 and "/logout" in page.get_data(as_text=True)
    assert not [key for key in layer.entries if key[1] == f"/listings/{record_id}"]


def test_the_watcher_thread_brings_a_change_to_visitors_within_a_second(make_app, market):
    """Without a test moving it: the real thread on the real clock. The short time is 30 s
    here, so only the watcher can bring the change sooner."""
    app = make_app(PAGE_CACHE_SECONDS=30, PAGE_CACHE_KEEP_SECONDS=60,
                   PAGE_CACHE_WATCH_SECONDS=0.2)
    people = market.people()
    record_id = market.listing(people["seller"], "announced")
    path = f"/listings/{record_id}"
    first = visit(app, path)  # starts the watcher, which looks 0.2 s later
    time.sleep(0.6)
    assert visit(app, path) == first
    market.intent(record_id, people["buyer"])
    changed_at = time.monotonic()
    while visit(app, path) == first:
        assert time.monotonic() - changed_at < 2, "the change did not reach the kept page"
        time.sleep(0.05)
