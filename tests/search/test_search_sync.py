"""The index stays true to the database: the outbox, the sync after commit, the lock, the
cursor, crashes, damage, rebuild and check."""
import itertools
import multiprocessing
import os
import signal
import threading
import time

import pytest
from search_helpers import Records, indexed_keys

from marketplace.achievements import services
from marketplace.achievements.models import Achievement
from marketplace.extensions import db
from marketplace.search import check, rebuild, remove_documents, search, sync
from marketplace.search import indexer as sync_module
from marketplace.search import store as store_module
from marketplace.search.outbox import queue_search_update
from marketplace.search.store import get_store
from tests import factories
from tests.achievements.achievement_helpers import Market


def test_a_committed_change_is_indexed_and_a_rolled_back_one_is_not(app, indexed, records):
    kept = records.achievement("储能电站", "储能。")
    with app.app_context():
        record = db.session.get(Achievement, kept)
        record.title = "储能电站（撤销的修改）"
        queue_search_update("achievement", kept)
        db.session.flush()
        db.session.rollback()
        ghost = Achievement(owner_org_id=record.owner_org_id, created_by_id=record.created_by_id,
                            title="回滚的成果", category="applied", field="coal", keywords=[],
                            summary="", details="", secrecy="none", status="registered",
                            created_at=record.created_at, updated_at=record.updated_at)
        db.session.add(ghost)
        db.session.flush()
        queue_search_update("achievement", ghost.id)
        db.session.rollback()
        assert sync() == 1  # the committed row only
        assert [h.id for h in search("储能").hits] == [kept]
        assert search("撤销").hits == [] and search("回滚").hits == []
    assert indexed_keys(app) == [f"achievement:{kept}"]


def test_a_revoked_or_expired_record_disappears(app, records, find):
    revoked = records.achievement("储能电站一号", "储能。")
    expired = records.achievement("储能电站二号", "储能。")
    assert set(find("储能")) == {revoked, expired}
    market = Market(app, app.test_client())
    officer = market.bureau()
    market.run(services.revoke, revoked, officer, "成果权属存在争议。")  # the real service
    records.change(expired, status="revoked")  # as a tick would end a listing
    assert find("储能") == []
    assert indexed_keys(app) == []


def test_a_request_that_commits_syncs_after_its_response(app, client):
    market = Market(app, client)
    owner = market.institute()
    record_id = market.achievement(owner, "submitted", title="无人机巡检系统")
    token = market.token(market.bureau())
    response = client.post(f"/api/v1/achievements/{record_id}/review",
                           json={"decision": "register"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    response.close()  # the server does this once the response is sent
    assert indexed_keys(app) == [f"achievement:{record_id}"]
    assert client.get("/api/v1/search?q=UAV").get_json()["total"] == 1


def test_an_index_failure_never_fails_a_saved_change(app, indexed, client, monkeypatch):
    market = Market(app, client)
    owner = market.institute()
    record_id = market.achievement(owner, "submitted", title="无人机巡检系统")
    token = market.token(market.bureau())

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sync_module, "write", broken)
    response = client.post(f"/api/v1/achievements/{record_id}/review",
                           json={"decision": "register"},
                           headers={"Authorization": f"Bearer {token}"})
    response.close()
    assert response.status_code == 200
    assert market.status(record_id) == "registered"
    monkeypatch.undo()
    with app.app_context():
        assert sync() == 2  # the outbox kept both changes: submission and registration
    assert indexed_keys(app) == [f"achievement:{record_id}"]


def test_static_files_and_plain_reads_do_not_sync(app, indexed, client, monkeypatch):
    calls = []
    monkeypatch.setattr(sync_module, "sync", lambda wait=0: calls.append(wait))
    for path in ("/static/css/search.css", "/search?q=储能", "/"):
        client.get(path).close()
    assert calls == []


def test_a_sync_never_waits_for_the_lock(app, indexed, records):
    records.achievement("储能电站", "储能。")
    held, release = threading.Event(), threading.Event()

    def hold():
        with app.app_context(), get_store().writing() as holding:
            assert holding
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        with app.app_context():
            started = time.monotonic()
            assert sync() is None
            assert time.monotonic() - started < 0.5
    finally:
        release.set()
        holder.join()
    with app.app_context():
        assert sync() == 1


def _write_and_sync(make_app, count, n, start):
    factories._serial = itertools.count(1_000_000 + 100_000 * n)  # credit codes of our own
    app = make_app()
    records = Records(app)
    start.wait(10)
    for i in range(count):
        records.achievement(f"进程{n}储能装置{i}", "储能。")
        with app.app_context():
            sync()


@pytest.mark.parametrize("writers", [2])
def test_processes_writing_at_once_lose_nothing(app, indexed, make_app, writers):
    fork = multiprocessing.get_context("fork")
    start = fork.Event()
    workers = [fork.Process(target=_write_and_sync, args=(make_app, 15, n, start))
               for n in range(writers)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with app.app_context():
        sync()
        assert check() == {"missing": [], "stale": [], "extra": []}
        assert search("储能", per_page=100).total == 15 * writers
    assert len(indexed_keys(app)) == 15 * writers


def _sync_until_killed(make_app, stage, ready):
    app = make_app()

    def stop_here(*args, **kwargs):
        ready.set()
        time.sleep(60)

    if stage == "before the index commit":
        original = sync_module.write

        def slow_write(index, documents=(), removals=()):
            stop_here()
            original(index, documents, removals)

        sync_module.write = slow_write
    else:
        store_module.IndexStore.write_state = stop_here
    with app.app_context():
        sync()


@pytest.mark.parametrize("stage", ["before the index commit", "before the cursor moves"])
def test_a_killed_sync_resumes_without_loss(app, indexed, make_app, records, stage):
    ids = [records.achievement(f"储能装置{i}", "储能。") for i in range(5)]
    fork = multiprocessing.get_context("fork")
    ready = fork.Event()
    worker = fork.Process(target=_sync_until_killed, args=(make_app, stage, ready))
    worker.start()
    assert ready.wait(30)
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(10)
    with app.app_context():
        store = get_store()
        assert store.read_state(store.current_name())["cursor"] < max(ids)
        assert sync() == 5  # the lock died with the process; the rows are applied again
        assert check() == {"missing": [], "stale": [], "extra": []}
    assert indexed_keys(app) == sorted(f"achievement:{i}" for i in ids)


def test_check_reports_a_deleted_document(app, records, runner):
    kept = records.achievement("储能电站", "储能。")
    lost = records.achievement("煤层气压裂", "煤层气。")
    with app.app_context():
        sync()
        assert check() == {"missing": [], "stale": [], "extra": []}
        remove_documents([f"achievement:{lost}"])
        assert check()["missing"] == [f"achievement:{lost}"]
    records.change(kept, title="储能电站二期")  # changed, not yet synced
    with app.app_context():
        assert check()["stale"] == [f"achievement:{kept}"]
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"achievement:{lost}" in result.output and "Missing from the index: 1" in result.output
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    clean = runner.invoke(args=["search", "check"])
    assert clean.exit_code == 0, clean.output


@pytest.mark.parametrize("damage", ["missing", "deleted generation", "corrupt"])
def test_a_missing_or_corrupt_index_is_detected_and_rebuilt(app, client, records, damage):
    record_id = records.achievement("储能电站", "储能。")
    with app.app_context():
        sync()
        store = get_store()
        folder = store.root / store.current_name()
    if damage == "missing":
        import shutil

        shutil.rmtree(store.root)
    elif damage == "deleted generation":
        import shutil

        shutil.rmtree(folder)
    else:
        for path in folder.iterdir():
            if path.suffix in (".toc", ".seg"):
                path.write_bytes(b"\0garbage")
    response = client.get("/search?q=储能")
    assert response.status_code == 200
    assert "Search is being rebuilt" in response.text or "搜索" in response.text
    response.close()  # the sync after the response rebuilds the index
    with app.app_context():
        assert [h.id for h in search("储能").hits] == [record_id]


def test_rebuild_switches_to_a_complete_new_index(app, records, runner):
    ids = [records.achievement(f"煤层气技术{i}", "煤层气。") for i in range(3)]
    records.achievement("草稿", status="draft")
    with app.app_context():
        sync()
        old = get_store().current_name()
        rebuild()
        new = get_store().current_name()
        assert new != old and not (get_store().root / old).exists()
        assert check() == {"missing": [], "stale": [], "extra": []}
        assert sync() == 0  # the cursor came with the new index
    assert indexed_keys(app) == sorted(f"achievement:{i}" for i in ids)
    result = runner.invoke(args=["search", "rebuild", "--batch", "2"])
    assert result.exit_code == 0 and "Indexed 3 public records" in result.output


def test_the_cursor_waits_for_ids_committed_out_of_order():
    state = sync_module.advance({"cursor": 10, "gaps": {}}, [11, 13, 14], now=1000.0)
    assert state == {"cursor": 14, "gaps": {"12": 1000.0}}
    assert sync_module.advance(state, [12], now=1001.0) == {"cursor": 14, "gaps": {}}
    expired = sync_module.advance(state, [], now=1000.0 + sync_module.GAP_SECONDS)
    assert expired == {"cursor": 14, "gaps": {}}


def test_a_row_committed_below_the_cursor_is_still_applied(app, records):
    """On PostgreSQL an earlier transaction may commit after a later one: its id is below
    the cursor when it appears."""
    first = records.achievement("储能电站", "储能。")
    with app.app_context():
        sync()
        store = get_store()
        name = store.current_name()
        state = store.read_state(name)
        # As if the row of `late` had been skipped over while its transaction was open.
        late = records.achievement("煤层气压裂", "煤层气。")
        late_row = state["cursor"] + 1
        store.write_state(name, {"cursor": late_row + 5, "gaps": {str(late_row): time.time()}})
        assert sync() == 1
        assert store.read_state(name) == {"cursor": late_row + 5, "gaps": {}}
    assert indexed_keys(app) == sorted([f"achievement:{first}", f"achievement:{late}"])
