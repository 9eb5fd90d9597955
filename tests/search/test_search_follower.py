"""The follower: each host's index applies what other hosts committed to the shared outbox,
without a separate `flask search sync --follow` process."""
import logging
import os
import shutil
import time

import pytest
from search_helpers import indexed_keys

from marketplace.search import hooks, sync
from marketplace.search import indexer as sync_module
from marketplace.search.hooks import Follower
from marketplace.search.store import IndexUnavailable


@pytest.fixture
def host_b(make_app, tmp_path):
    """A second host: the same database, an index folder of its own, built before the
    change (a missing index would be rebuilt, which proves nothing)."""
    app = make_app(SEARCH_INDEX_DIR=str(tmp_path / "index-b"))
    with app.app_context():
        sync()
    return app


@pytest.fixture
def followers():
    started = []

    def start(app, period=0.05):
        follower = Follower(app, period)
        follower.start()
        started.append(follower)
        return follower

    yield start
    for follower in started:
        follower.stop()


def wait_for(condition, timeout=2.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def keys_or_none(app):
    try:
        return indexed_keys(app)
    except IndexUnavailable:  # not rebuilt yet
        return None


def test_a_change_on_one_host_reaches_the_other_hosts_index(app, indexed, host_b, records,
                                                            followers):
    followers(host_b)
    kept = records.achievement("储能电站", "储能。")
    gone = records.achievement("风电场", "风电。")
    with app.app_context():
        sync()  # host A, after its own response
    assert wait_for(lambda: indexed_keys(host_b) == [f"achievement:{kept}",
                                                     f"achievement:{gone}"])
    records.change(gone, status="revoked")
    assert wait_for(lambda: indexed_keys(host_b) == [f"achievement:{kept}"])


def test_one_follower_per_index_folder(host_b, records, followers):
    first, second = followers(host_b), followers(host_b)
    assert wait_for(lambda: first.rounds + second.rounds >= 4)
    leaders = [f for f in (first, second) if f.lock_file is not None]
    assert len(leaders) == 1 and leaders[0].rounds >= 2
    others = [f for f in (first, second) if f is not leaders[0]]
    assert others[0].rounds == 0  # it only tries the lock

    leaders[0].stop()  # the leading worker dies: the other takes over
    record_id = records.achievement("储能电站", "储能。")
    assert wait_for(lambda: indexed_keys(host_b) == [f"achievement:{record_id}"])
    assert others[0].lock_file is not None


def test_an_index_folder_deleted_under_the_follower_is_rebuilt(host_b, records, followers,
                                                               tmp_path):
    follower = followers(host_b)
    assert wait_for(lambda: follower.lock_file is not None)
    shutil.rmtree(tmp_path / "index-b")
    record_id = records.achievement("储能电站", "储能。")
    assert wait_for(lambda: keys_or_none(host_b) == [f"achievement:{record_id}"], timeout=10)
    lock = next((tmp_path / "index-b").glob("v*/follow.lock"))
    assert os.fstat(follower.lock_file.fileno()).st_ino == lock.stat().st_ino  # the new one


def test_a_failing_sync_is_logged_once_and_retried(host_b, records, followers, monkeypatch,
                                                   caplog):
    real_pending = sync_module.pending
    failures = []

    def broken(store=None):
        if len(failures) < 3:
            failures.append(1)
            raise RuntimeError("the database is down")
        return real_pending(store)

    monkeypatch.setattr(sync_module, "pending", broken)
    record_id = records.achievement("储能电站", "储能。")
    with caplog.at_level(logging.ERROR):
        followers(host_b, period=0.02)
        assert wait_for(lambda: indexed_keys(host_b) == [f"achievement:{record_id}"])
    logged = [r for r in caplog.records if "Search follower" in r.getMessage()]
    assert len(failures) == 3 and len(logged) == 1


def test_the_first_request_starts_one_follower_per_process(make_app, client):
    assert not client.application.extensions.get("search_follower")  # off in tests
    app = make_app(SEARCH_FOLLOW_SECONDS=30)
    follow_client = app.test_client()
    follow_client.get("/static/css/site.css").close()
    assert "search_follower" not in app.extensions  # static files never start it
    follow_client.get("/login").close()
    follower = app.extensions["search_follower"]
    assert follower.is_alive() and follower.period == 30
    follow_client.get("/login").close()
    assert app.extensions["search_follower"] is follower

    follower.pid = -1  # as seen by a forked child: the parent's thread is not running there
    follow_client.get("/login").close()
    child = app.extensions["search_follower"]
    assert child is not follower and child.is_alive()
    for thread in (follower, child):
        thread.stop()
    assert not follower.is_alive() and not child.is_alive()
    assert hooks._start_follower in app.before_request_funcs[None]
