"""Saved searches: saving from the search page, alerts as the outbox is applied (once per new
public record, never for a non-public one), the daily digest, unsubscribing, and who may see
a saved search."""
import logging
import sys
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

# The need helpers make needs, listings and achievements through their services; imported
# under the same module names as in their own folders, so their counters are shared.
for _folder in ("achievements", "listings", "needs"):
    _path = str(Path(__file__).parent.parent / _folder)
    if _path not in sys.path:
        sys.path.insert(0, _path)

from achievement_helpers import flashes  # noqa: E402
from need_helpers import DEFAULT_MOMENT, Market  # noqa: E402
from search_helpers import indexed_keys  # noqa: E402
from sqlalchemy import select  # noqa: E402

from marketplace.achievements import services as achievement_services  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.inbox import services as inbox_services  # noqa: E402
from marketplace.inbox.models import Notification  # noqa: E402
from marketplace.listings import services as listing_services  # noqa: E402
from marketplace.needs import services as need_services  # noqa: E402
from marketplace.search import saved, sync  # noqa: E402
from marketplace.search.outbox import queue_search_update  # noqa: E402
from marketplace.search.saved import SavedSearch, SavedSearchMatch  # noqa: E402
from tests import factories  # noqa: E402

INSTANT = "New for your saved search “%(name)s”: %(title)s. To stop these alerts: %(unsubscribe)s"
SUMMARY = ("%(count)s new records for your saved search “%(name)s”: %(titles)s. To stop these "
           "alerts: %(unsubscribe)s")
GAS = "低浓度瓦斯安全输送与利用技术"  # the title of the need helpers' needs


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    cheap = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1")
    monkeypatch.setattr(factories, "default_password_hash", lambda: cheap)


@pytest.fixture(autouse=True)
def market_time(clock):
    """Wednesday 2026-07-01 10:00 in Lüliang."""
    clock.set(DEFAULT_MOMENT)
    return clock


@pytest.fixture
def market(app, client, clock, indexed):
    """The need helpers' market, with an index that exists before any record is made (a
    sync that has to build a missing index makes no alerts)."""
    return Market(app, client, clock)


def synced(market):
    with market.app.app_context():
        return sync()


def save(market, user, query="", frequency="instant", name="", **filters):
    """A saved search of `user` made by the service; returns its id."""
    return market.run(lambda u: saved.create(u, query, filters, name, frequency).id, user)


def alerts(market, user):
    """(message, params, link) of the saved search notifications of `user`, oldest first."""
    with market.app.app_context():
        return [(n.message, n.params, n.link) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id,
                                       Notification.message.in_((INSTANT, SUMMARY)))
            .order_by(Notification.id))]


def matches(market, saved_id):
    """(entity, entity_id, notified) of the saved search's matches."""
    with market.app.app_context():
        return [(m.entity, m.entity_id, m.notified_at is not None) for m in db.session.scalars(
            select(SavedSearchMatch).where(SavedSearchMatch.saved_search_id == saved_id)
            .order_by(SavedSearchMatch.id))]


def saved_search(market, saved_id):
    with market.app.app_context():
        record = db.session.get(SavedSearch, saved_id)
        if record is not None:
            db.session.expunge(record)
        return record


def touch(market, entity, record_id):
    """Re-index a record as any change of it would (a new outbox row)."""
    with market.app.app_context():
        queue_search_update(entity, record_id)
        db.session.commit()


# --- saving from the search page ---------------------------------------------------------

def test_the_search_page_offers_to_save_a_search_to_logged_in_users(market):
    user = market.user("institute")
    page = market.page_client(user).get("/search?q=瓦斯&type=need&field=coal&lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'action="/saved-searches"' in text and "Save this search" in text
    for name, value in (("q", "瓦斯"), ("type", "need"), ("field", "coal")):
        assert f'name="{name}" value="{value}"' in text
    visitor = market.page_client(None).get("/search?q=瓦斯&lang=en").get_data(as_text=True)
    assert 'action="/saved-searches"' not in visitor
    assert "Log in to save this search" in visitor
    # Nothing to save on the bare search page.
    bare = market.page_client(user).get("/search?lang=en").get_data(as_text=True)
    assert 'action="/saved-searches"' not in bare


def test_saving_a_search_keeps_its_words_and_filters(market):
    user = market.user("enterprise")
    client = market.page_client(user)
    response = client.post("/saved-searches?lang=en", data={
        "q": " 瓦斯  发电 ", "type": "need", "field": "coal", "stage": "mature",
        "mode": "nonsense", "name": "", "frequency": "daily"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/search?")
    assert "q=%E7%93%A6%E6%96%AF+%E5%8F%91%E7%94%B5" in response.headers["Location"]
    assert ("success", "Search saved as “瓦斯 发电”. You will be told of new public records "
            "that match it.") in flashes(client)
    with market.app.app_context():
        record = db.session.scalar(select(SavedSearch).where(SavedSearch.user_id == user.id))
        assert (record.name, record.query, record.frequency, record.active) == (
            "瓦斯 发电", "瓦斯 发电", "daily", True)
        # The unknown transfer mode is left out, as the search page leaves it out.
        assert record.filters == {"type": "need", "field": "coal", "maturity_min": 7,
                                  "maturity_max": 9}
        assert len(record.token) >= 40
    listing = client.get("/saved-searches?lang=en").get_data(as_text=True)
    assert "瓦斯 发电" in listing and "Coal and coal-bed methane" in listing
    assert "Mature application (TRL 7–9)" in listing and "Needs" in listing
    assert '<option value="daily" selected>' in listing


def test_a_search_without_words_or_filters_is_refused(market):
    user = market.user("broker")
    client = market.page_client(user)
    response = client.post("/saved-searches?lang=en", data={"q": "  ", "type": "bogus",
                                                            "frequency": "instant"})
    assert response.status_code == 302
    assert ("danger", "Enter words or choose a filter before saving a search.") \
        in flashes(client)
    refused = client.post("/saved-searches?lang=en", data={"q": "瓦斯", "frequency": "hourly"})
    assert refused.status_code == 302 and "q=" in refused.headers["Location"]
    assert ("danger", "Choose how often to be told.") in flashes(client)
    client.post("/saved-searches?lang=en", data={"q": "瓦斯", "frequency": "instant"})
    again = client.post("/saved-searches?lang=en", data={"q": "瓦斯", "frequency": "daily"})
    assert again.status_code == 302
    assert ("danger", "You have already saved this search.") in flashes(client)
    with market.app.app_context():
        assert db.session.scalars(select(SavedSearch.query)).all() == ["瓦斯"]
    assert market.page_client(None).post("/saved-searches", data={"q": "瓦斯"}).status_code \
        == 302  # to the login page
    with market.app.app_context():
        assert db.session.scalars(select(SavedSearch.query)).all() == ["瓦斯"]


# --- alerts --------------------------------------------------------------------------------

def test_a_new_matching_record_is_announced_once_and_an_update_is_not_new(market):
    watcher, other = market.user("institute"), market.user("broker")
    first = save(market, watcher, "瓦斯", type="need")
    owner = market.user("enterprise")
    need_id = market.need(owner, "published")
    assert synced(market)
    [(message, params, link)] = alerts(market, watcher)
    token = saved_search(market, first).token
    assert (message, link) == (INSTANT, f"/needs/{need_id}")
    assert params == {"name": "瓦斯", "title": GAS,
                      "unsubscribe": f"/saved-searches/unsubscribe/{token}"}
    assert matches(market, first) == [("need", need_id, True)]
    # Re-indexed (any change of a public record): it is not new.
    touch(market, "need", need_id)
    assert synced(market) == 1
    assert len(alerts(market, watcher)) == 1
    # A second saved search, of another user, has its own alert for the next new record.
    second = save(market, other, "瓦斯 输送", field="coal")
    later = market.need(owner, "published")
    synced(market)
    assert [link for _m, _p, link in alerts(market, watcher)] == [f"/needs/{need_id}",
                                                                   f"/needs/{later}"]
    assert [link for _m, _p, link in alerts(market, other)] == [f"/needs/{later}"]
    assert matches(market, second) == [("need", later, True)]
    # The owner of the need hears nothing of the saved searches.
    assert alerts(market, owner) == []


def test_a_record_that_leaves_the_index_and_comes_back_is_not_announced_again(market):
    watcher = market.user("enterprise")
    saved_id = save(market, watcher, "压裂", type="listing")
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    synced(market)
    assert [link for _m, _p, link in alerts(market, watcher)] == [f"/listings/{listing_id}"]
    officer = market.bureau()
    market.run(listing_services.pause, listing_id, officer, "权属存在争议，待核查。")
    synced(market)
    assert f"listing:{listing_id}" not in indexed_keys(market.app)
    market.run(listing_services.resume, listing_id, officer, "核查完毕。")
    synced(market)
    assert f"listing:{listing_id}" in indexed_keys(market.app)
    assert len(alerts(market, watcher)) == 1
    assert matches(market, saved_id) == [("listing", listing_id, True)]


def test_records_the_public_may_not_see_are_never_announced(market):
    watcher = market.user("broker")
    for entity in ("listing", "achievement", "need"):
        save(market, watcher, "", type=entity)
    seller, owner = market.user("institute"), market.user("enterprise")
    # Each made in its own state with the index synced in between: the draft listing's
    # achievement is registered, hence public, and announced; it is the only alert.
    draft_listing = market.listing(seller, "draft")
    achievement_of_listing = market.get_listing(draft_listing).achievement_id
    synced(market)
    pending_listing = market.listing(seller, "pending_review")
    submitted = market.achievement(seller, "submitted")
    draft_need = market.need(owner, "draft")
    pending_need = market.need(owner, "pending_review")
    returned_need = market.need(owner, "returned")
    synced(market)
    # Later withdrawn, still never public.
    market.run(listing_services.withdraw, pending_listing, seller)
    market.run(achievement_services.withdraw, submitted, seller)
    market.run(need_services.withdraw, draft_need, owner)
    market.run(need_services.withdraw, pending_need, owner)
    synced(market)
    links = [link for _m, _p, link in alerts(market, watcher)]
    public_achievements = {f"/achievements/{market.get_listing(i).achievement_id}"
                           for i in (draft_listing, pending_listing)}
    assert f"/achievements/{achievement_of_listing}" in links
    assert set(links) == public_achievements  # the registered achievements only
    for hidden in (f"/listings/{draft_listing}", f"/listings/{pending_listing}",
                   f"/achievements/{submitted}", f"/needs/{draft_need}",
                   f"/needs/{pending_need}", f"/needs/{returned_need}"):
        assert hidden not in links
    with market.app.app_context():
        assert db.session.scalars(select(SavedSearchMatch.entity).distinct()).all() == [
            "achievement"]


def test_a_record_must_match_the_words_and_the_filters(market):
    watcher = market.user("institute")
    missed = [save(market, watcher, "储能", type="need"),  # words the need does not have
              save(market, watcher, "瓦斯", type="need", field="power"),  # not its field
              save(market, watcher, "瓦斯", type="listing"),  # not its type
              save(market, watcher, "瓦斯", type="need", county="141121")]  # not its county
    hit = save(market, watcher, "瓦斯", type="need", field="coal", county="141102")
    need_id = market.need(market.user("enterprise"), "published")  # an org of 141102
    synced(market)
    assert [link for _m, _p, link in alerts(market, watcher)] == [f"/needs/{need_id}"]
    assert matches(market, hit) == [("need", need_id, True)]
    assert all(matches(market, saved_id) == [] for saved_id in missed)
    # The search page finds the same with the same words and filters.
    with market.app.app_context():
        from marketplace.search import search

        assert search("储能", {"type": "need"}).total == 0
        assert search("瓦斯", {"type": "need", "field": "power"}).total == 0
        assert search("瓦斯", {"type": "need", "county": "141121"}).total == 0
        assert search("瓦斯", {"type": "need", "field": "coal", "county": "141102"}).total == 1


def test_many_new_matches_in_one_batch_make_one_message(market):
    watcher = market.user("broker")
    saved_id = save(market, watcher, "瓦斯")
    owner = market.user("enterprise")
    needs = [market.need(owner, "published") for _ in range(saved.INSTANT_LIMIT + 1)]
    synced(market)
    [(message, params, link)] = alerts(market, watcher)
    assert message == SUMMARY and link == f"/saved-searches/{saved_id}/run"
    assert params["count"] == len(needs) and params["titles"].count(GAS) == len(needs)
    assert [m[2] for m in matches(market, saved_id)] == [True] * len(needs)


def test_a_daily_search_sends_one_digest_a_day(market, clock):
    watcher = market.user("institute")
    saved_id = save(market, watcher, "瓦斯", "daily")
    owner = market.user("enterprise")
    first, second = market.need(owner, "published"), market.need(owner, "published")
    synced(market)
    assert alerts(market, watcher) == []  # not at once
    assert matches(market, saved_id) == [("need", first, False), ("need", second, False)]
    clock.set(DEFAULT_MOMENT.replace(hour=0))  # 08:00 in Lüliang: the digest goes
    market.tick()
    [(message, params, link)] = alerts(market, watcher)
    assert message == SUMMARY and link == f"/saved-searches/{saved_id}/run"
    assert params["count"] == 2 and params["name"] == "瓦斯"
    assert params["unsubscribe"].endswith(saved_search(market, saved_id).token)
    assert [m[2] for m in matches(market, saved_id)] == [True, True]
    assert saved_search(market, saved_id).last_digest_at == clock.now()
    # A new match the same day waits for tomorrow's digest; a second tick sends nothing.
    third = market.need(owner, "published")
    synced(market)
    market.later(hours=6)
    market.tick()
    assert len(alerts(market, watcher)) == 1
    clock.set(DEFAULT_MOMENT.replace(hour=23))  # 07:00 the next day: not yet
    market.tick()
    assert len(alerts(market, watcher)) == 1
    market.later(hours=1)
    market.tick()
    market.tick()
    [(message, params, link)] = alerts(market, watcher)[1:]
    assert (message, params["title"], link) == (INSTANT, GAS, f"/needs/{third}")


def test_a_digest_leaves_out_a_record_that_is_no_longer_public(market, clock):
    watcher = market.user("institute")
    saved_id = save(market, watcher, "瓦斯", "daily")
    owner = market.user("enterprise")
    need_id = market.need(owner, "published")
    synced(market)
    market.run(need_services.withdraw, need_id, owner)
    synced(market)
    market.tick()
    assert alerts(market, watcher) == []
    assert matches(market, saved_id) == [("need", need_id, True)]
    assert saved_search(market, saved_id).last_digest_at is None


def test_mail_carries_the_alert_and_its_unsubscribe_link(market, monkeypatch):
    sent = []
    monkeypatch.setattr(inbox_services, "_send_mail", lambda messages: sent.extend(messages))
    market.app.config["MAIL_SERVER"] = "smtp.example.cn"
    watcher = market.user("institute", email="watcher@example.cn", locale="en")
    saved_id = save(market, watcher, "瓦斯")
    need_id = market.need(market.user("enterprise"), "published")
    sent.clear()  # the need's own mail to its owner and the bureau
    synced(market)
    token = saved_search(market, saved_id).token
    assert sent == [("watcher@example.cn",
                     f"New for your saved search “瓦斯”: {GAS}. To stop these alerts: "
                     f"/saved-searches/unsubscribe/{token}", f"/needs/{need_id}")]


# --- unsubscribing and managing ------------------------------------------------------------

def test_unsubscribing_stops_the_alerts(market):
    watcher = market.user("enterprise")
    saved_id = save(market, watcher, "瓦斯")
    token = saved_search(market, saved_id).token
    visitor = market.page_client(None)  # the link works without logging in
    page = visitor.get(f"/saved-searches/unsubscribe/{token}?lang=en")
    assert page.status_code == 200
    assert "Stop the alerts" in page.get_data(as_text=True)
    assert saved_search(market, saved_id).active  # a GET changes nothing
    done = visitor.post(f"/saved-searches/unsubscribe/{token}?lang=en")
    assert done.status_code == 200
    assert "You will no longer be told" in done.get_data(as_text=True)
    assert not saved_search(market, saved_id).active
    assert visitor.get("/saved-searches/unsubscribe/not-a-token").status_code == 404
    market.need(market.user("enterprise"), "published")
    synced(market)
    assert alerts(market, watcher) == [] and matches(market, saved_id) == []
    # Choosing a frequency again resumes the alerts.
    client = market.page_client(watcher)
    listing = client.get("/saved-searches?lang=en").get_data(as_text=True)
    assert "Unsubscribed" in listing and "Resume alerts" in listing
    assert client.post(f"/saved-searches/{saved_id}/frequency?lang=en",
                       data={"frequency": "instant"}).status_code == 302
    assert saved_search(market, saved_id).active
    later = market.need(market.user("enterprise"), "published")
    synced(market)
    assert [link for _m, _p, link in alerts(market, watcher)] == [f"/needs/{later}"]


def test_only_the_owner_sees_and_changes_a_saved_search(market):
    owner, stranger = market.user("institute"), market.user("institute")
    saved_id = save(market, owner, "瓦斯", name="我的瓦斯检索")
    client = market.page_client(stranger)
    assert "我的瓦斯检索" not in client.get("/saved-searches?lang=en").get_data(as_text=True)
    assert client.get(f"/saved-searches/{saved_id}/run").status_code == 404
    assert client.post(f"/saved-searches/{saved_id}/frequency",
                       data={"frequency": "daily"}).status_code == 404
    assert client.post(f"/saved-searches/{saved_id}/delete").status_code == 404
    assert saved_search(market, saved_id).frequency == "instant"
    assert market.page_client(None).get("/saved-searches").status_code == 302  # log in

    mine = market.page_client(owner)
    page = mine.get("/saved-searches?lang=en").get_data(as_text=True)
    assert "我的瓦斯检索" in page and f"/saved-searches/{saved_id}/delete" in page
    run = mine.get(f"/saved-searches/{saved_id}/run")
    assert run.status_code == 302 and run.headers["Location"].startswith("/search?q=")
    assert mine.post(f"/saved-searches/{saved_id}/frequency?lang=en",
                     data={"frequency": "daily"}).status_code == 302
    assert saved_search(market, saved_id).frequency == "daily"
    assert mine.post(f"/saved-searches/{saved_id}/frequency?lang=en",
                     data={"frequency": "weekly"}).status_code == 302
    assert ("danger", "Choose how often to be told.") in flashes(mine)
    market.need(market.user("enterprise"), "published")
    synced(market)
    assert len(matches(market, saved_id)) == 1
    page = mine.get("/saved-searches?lang=en").get_data(as_text=True)
    assert '<td class="text-end">1</td>' in page
    assert mine.post(f"/saved-searches/{saved_id}/delete?lang=en").status_code == 302
    assert saved_search(market, saved_id) is None and matches(market, saved_id) == []


def test_a_failing_alert_never_breaks_the_sync(market, monkeypatch, caplog):
    watcher = market.user("institute")
    save(market, watcher, "瓦斯")

    def broken(*args, **kwargs):
        raise RuntimeError("alerts are down")

    monkeypatch.setattr(saved, "_alert", broken)
    # Alembic's logging setup (the migrations of the test database) disables the loggers
    # that existed before it ran.
    monkeypatch.setattr(saved.log, "disabled", False)
    need_id = market.need(market.user("enterprise"), "published")
    with caplog.at_level(logging.ERROR, logger="marketplace.search.saved"):
        assert synced(market) >= 1
    assert f"need:{need_id}" in indexed_keys(market.app)
    assert "Saved search alerts failed" in caplog.text
    assert alerts(market, watcher) == []
    # A failure half-way rolls its matches back with it.
    monkeypatch.undo()
    monkeypatch.setattr(saved, "notify", broken)
    later = market.need(market.user("enterprise"), "published")
    assert synced(market) >= 1
    assert f"need:{later}" in indexed_keys(market.app)
    with market.app.app_context():
        assert db.session.scalars(select(SavedSearchMatch)).all() == []


def test_the_digest_job_is_registered_with_the_market_tick(market):
    from marketplace import market as market_jobs

    assert ("saved search digests", saved.send_digests) in market_jobs.JOBS
    assert market.tick()["saved search digests"] == 0
