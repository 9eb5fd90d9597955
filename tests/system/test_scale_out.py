"""Scale-out: two application hosts (gunicorn, separate processes and index folders) on one
PostgreSQL database. A need published or withdrawn through one host is found, or no longer
found, by the other's search within 2 seconds, with no `flask search sync --follow` running:
each host's in-process follower applies the shared outbox (marketplace/search/hooks.py)."""
import threading
import time
import uuid
from datetime import date, timedelta
from urllib.parse import quote

import pytest

from marketplace.credit_code import check_character

from .servers import (
    AppServer,
    drop_database,
    fresh_database,
    postgres_url,
    start_together,
    stop_together,
)

pytestmark = pytest.mark.skipif(
    postgres_url() is None,
    reason="several hosts share one database only on PostgreSQL: set TEST_DATABASE_URL to a "
           "postgresql+psycopg:// URL")

FRESHNESS = 2.0  # seconds from a host's commit to the other host's search results


PASSWORD = "scale-out-password-2026"


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("scale-out")
    url = fresh_database(tmp_path, "scale")
    a = AppServer(tmp_path / "a", url)
    b = AppServer(tmp_path / "b", url)
    try:
        a.flask("db", "upgrade")
        a.flask("users", "create", "--username", "officer", "--password", PASSWORD,
                "--role", "bureau")
        # A with --preload (the app built in gunicorn's master, then forked), B without: the
        # follower must start in the workers either way (docs/deploy.md).
        start_together((a, b), extra_args={a: ("--preload",)})
        register_enterprise(a, "enterprise1", "91141182MA0K0000")
        register_enterprise(a, "enterprise2", "91141182MA0K0001")
        for host in (a, b):  # the first request started the follower, which builds the index
            assert wait(lambda h=host: list(h.instance.glob("search-index/v*/current")), 30), \
                host.log_tail()
            for _ in range(6):  # warm both workers' searchers: it is freshness we measure
                assert search(host, "需求") == set()
        yield a, b
    finally:
        stop_together((a, b))
        drop_database(url)


def register_enterprise(host, username, code16):
    """An enterprise account whose organisation the bureau has verified."""
    code = code16 + "0"
    code += check_character(code[:17])
    status, body = call(host, "POST", "/api/v1/register", {
        "username": username, "password": PASSWORD, "email": f"{username}@example.cn",
        "role": "enterprise", "organization": {"name": f"{username}有限公司",
                                               "kind": "enterprise", "credit_code": code,
                                               "county": "141182"}})
    assert status == 201, body
    org_id = body["organization"]["id"] if isinstance(body["organization"], dict) \
        else body["organization_id"]
    status, body = call(host, "POST", f"/api/v1/organizations/{org_id}/verify",
                        {"decision": "verify", "comment": ""}, token(host, "officer"))
    assert status == 200, body


def call(host, method, path, body=None, token=None):
    return host.api(method, path, body, token)


def token(host, username):
    status, body = call(host, "POST", "/api/v1/tokens",
                        {"username": username, "password": PASSWORD})
    assert status == 201, body
    return body["token"]


def search(host, word):
    """The ids of needs host's search finds for `word`, or None when search fails."""
    status, body = call(host, "GET", f"/api/v1/search?q={quote(word)}&type=need&per_page=50")
    return {item["id"] for item in body["items"]} if status == 200 else None


def wait(condition, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def publish_need(host, enterprise, bureau, word):
    """Draft, submit and publish a need through `host`; returns (id, when the publishing
    request was sent): its commit came after that moment."""
    need = {"title": f"{word}技术攻关需求", "description": f"寻求{word}工艺的合作伙伴。",
            "field": "coal", "keywords": [word], "budget_min": "100000.00",
            "budget_max": "500000.00", "deadline": (date.today() + timedelta(days=60)).isoformat()}
    status, body = call(host, "POST", "/api/v1/needs", need, enterprise)
    assert status == 201, body
    need_id = body["id"]
    status, body = call(host, "POST", f"/api/v1/needs/{need_id}/submit", {}, enterprise)
    assert status == 200, body
    sent = time.monotonic()
    status, body = call(host, "POST", f"/api/v1/needs/{need_id}/review",
                        {"decision": "publish", "comment": ""}, bureau)
    assert status == 200 and body["status"] == "published", body
    print(f"\n{host.url}: the publishing request took {time.monotonic() - sent:.3f} s")
    return need_id, sent


def delay_until(condition, since):
    """Seconds from `since` until `condition()` holds (None after FRESHNESS + 3 s)."""
    found = wait(condition, FRESHNESS + 3 - (time.monotonic() - since))
    return time.monotonic() - since if found else None


def test_a_published_and_withdrawn_need_reaches_the_other_host_within_2_seconds(hosts):
    a, b = hosts
    enterprise, bureau = token(a, "enterprise1"), token(a, "officer")
    word = f"焦炉{uuid.uuid4().hex[:6]}"
    need_id, sent = publish_need(a, enterprise, bureau, word)
    seen = delay_until(lambda: need_id in (search(b, word) or ()), sent)
    print(f"\npublished on A, searchable on B after {seen} s")
    assert seen is not None and seen <= FRESHNESS, b.log_tail()

    sent = time.monotonic()
    status, body = call(a, "POST", f"/api/v1/needs/{need_id}/withdraw", {"comment": "已解决"},
                        enterprise)
    assert status == 200 and body["status"] == "closed", body
    gone = delay_until(lambda: search(b, word) == set(), sent)
    print(f"withdrawn on A, gone from B's search after {gone} s")
    assert gone is not None and gone <= FRESHNESS, b.log_tail()
    assert search(a, word) == set()


def test_changes_made_on_both_hosts_at_once_appear_on_both(hosts):
    a, b = hosts
    word = f"煤层气{uuid.uuid4().hex[:6]}"
    logins = {host: (token(host, "enterprise2"), token(host, "officer")) for host in (a, b)}
    made, errors = {}, []

    def publish(host):
        try:
            made[host] = publish_need(host, *logins[host], word)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(host,)) for host in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    ids = {need_id for need_id, _ in made.values()}
    since = min(sent for _, sent in made.values())
    for host in (a, b):
        seen = delay_until(lambda h=host: search(h, word) == ids, since)
        print(f"\nboth needs searchable on {host.url} after {seen} s")
        assert seen is not None and seen <= FRESHNESS, host.log_tail()
