"""The audit search: by record (kind and number), by user, by action and by a range of local
days, each alone and combined; newest first, paginated; invalid input answered beside its
field in both languages, with what was typed kept."""
import re

import pytest
from supervision_helpers import local

from marketplace import audit
from marketplace.bureau import audit_search
from marketplace.extensions import db
from tests.factories import make_user
from tests.pages import element_text, field_errors, input_value, text


@pytest.fixture
def log(app, clock):
    """Five entries at chosen local moments by two users; returns their ids by name."""
    with app.app_context():
        alice, bob = make_user("bureau", username="alice"), make_user("institute",
                                                                       username="bob")
    script = [
        ("listing_submit", "2026-07-31 23:30", "listing", 12, "submit", bob, {}),
        ("listing_approve", "2026-08-01 00:30", "listing", 12, "approve", alice,
         {"from_state": "pending_review", "to_state": "announced"}),
        ("contract_certify", "2026-08-03 10:00", "contract", 12, "certify", alice,
         {"comment": "符合认定条件。", "amount": ["100.00", "200.00"]}),
        ("other_listing", "2026-08-04 10:00", "listing", 7, "submit", bob, {}),
        ("organization", "2026-08-05 09:00", "organization", 3, "verify", None, {}),
    ]
    ids = {}
    for name, moment, entity, entity_id, action, actor, extra in script:
        clock.set(local(moment))
        with app.app_context():
            entry = audit.record(entity, entity_id, action,
                                 db.session.get(type(actor), actor.id) if actor else None,
                                 **extra)
            db.session.commit()
            ids[name] = entry.id
    return ids


def found(client, **args):
    """The ids of the entries listed for these criteria (in the order shown)."""
    response = client.get("/bureau/supervision/audit", query_string={"lang": "en", **args})
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    html = response.get_data(as_text=True)
    return [int(n) for n in re.findall(r'<tr id="entry-(\d+)"', html)]


def in_order(ids, *names):
    return [ids[name] for name in names]


def test_each_criterion_alone_and_combined(client, login, log):
    login("bureau")
    everything = in_order(log, "organization", "other_listing", "contract_certify",
                          "listing_approve", "listing_submit")
    assert found(client) == everything  # no criteria: the newest entries
    assert found(client, entity="listing") == in_order(
        log, "other_listing", "listing_approve", "listing_submit")
    assert found(client, entity="listing", entity_id="12") == in_order(
        log, "listing_approve", "listing_submit")
    assert found(client, entity="contract", entity_id="12") == in_order(log, "contract_certify")
    assert found(client, user="alice") == in_order(log, "contract_certify", "listing_approve")
    assert found(client, user=" ALICE ") == in_order(log, "contract_certify",
                                                     "listing_approve")
    assert found(client, action="submit") == in_order(log, "other_listing", "listing_submit")
    assert found(client, action="nothing-like-it") == []
    # Local days: 2026-07-31 23:30 and 2026-08-01 00:30 in Lüliang are both 31 July in UTC.
    assert found(client, date_to="2026-07-31") == in_order(log, "listing_submit")
    assert found(client, date_from="2026-08-01", date_to="2026-08-01") == in_order(
        log, "listing_approve")
    assert found(client, date_from="2026-08-04") == in_order(log, "organization",
                                                             "other_listing")
    assert found(client, entity="listing", user="bob", action="submit",
                 date_from="2026-08-01") == in_order(log, "other_listing")
    assert found(client, entity="listing", entity_id="12", user="alice",
                 date_to="2026-07-31") == []


def test_the_entries_read_who_when_what_and_link_to_their_records(client, login, log):
    login("admin")
    html = text(client.get("/bureau/supervision/audit?lang=en").get_data(as_text=True))
    assert element_text(html, f"entry-{log['listing_approve']}") == (
        "8/1/26, 12:30 AM alice Listing #12 approved and announced approve "
        "Awaiting review → Announced")
    certify = element_text(html, f"entry-{log['contract_certify']}")
    assert "符合认定条件。" in certify and "amount 100.00 → 200.00" in certify
    assert element_text(html, f"entry-{log['organization']}").startswith(
        "8/5/26, 9:00 AM system Organisation #3")
    assert 'href="/bureau/listings/12"' in html and 'href="/bureau/contracts/12"' in html
    assert 'href="/bureau/organizations/3"' in html
    # The kinds offered are those in the log.
    assert '<option value="contract">Contract</option>' in html
    assert '<option value="organization">Organisation</option>' in html
    assert 'value="need"' not in html


def test_the_kinds_of_record_come_from_the_log(app, log):
    with app.app_context():
        assert audit_search.entities() == ["contract", "listing", "organization"]


def test_pages_of_fifty_newest_first_keeping_the_criteria(app, client, login, log):
    with app.app_context():
        for n in range(55):
            audit.record("setting", 0, "change", None, comment=f"key{n}")
        db.session.commit()
    login("bureau")
    first = found(client, entity="setting")
    assert len(first) == 50 and first == sorted(first, reverse=True)
    html = text(client.get("/bureau/supervision/audit?lang=en&entity=setting").get_data(
        as_text=True))
    assert "Page 1 of 2 (55 in all)" in html
    assert 'href="/bureau/supervision/audit?lang=en&amp;entity=setting&amp;page=2"' in (
        client.get("/bureau/supervision/audit?lang=en&entity=setting").get_data(as_text=True))
    second = found(client, entity="setting", page="2")
    assert len(second) == 5 and max(second) < min(first)
    assert found(client, entity="setting", page="3") == []


INVALID = [
    # (criteria, field, English message, Chinese message)
    ({"date_from": "2026-13-01"}, "date_from", "Enter a date as YYYY-MM-DD.",
     "请按 YYYY-MM-DD 格式输入日期。"),
    ({"date_to": "yesterday"}, "date_to", "Enter a date as YYYY-MM-DD.",
     "请按 YYYY-MM-DD 格式输入日期。"),
    ({"date_from": "2026-08-05", "date_to": "2026-08-01"}, "date_to",
     "The end date is before the start date.", "结束日期早于开始日期。"),
    ({"entity": "spaceship"}, "entity", "No record of this kind is in the audit log.",
     "审计日志中没有这类记录。"),
    ({"entity": "listing", "entity_id": "12a"}, "entity_id",
     "Enter the record's number (digits only).", "请输入记录编号（仅限数字）。"),
    ({"entity_id": "12"}, "entity_id", "Choose the kind of record this number belongs to.",
     "请选择该编号所属的记录类型。"),
    ({"user": "nobody"}, "user", "No user has this name.", "没有使用该用户名的用户。"),
]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("criteria, field, english, chinese", INVALID)
def test_invalid_input_is_answered_beside_its_field(client, login, log, lang, criteria,
                                                    field, english, chinese):
    login("bureau")
    response = client.get("/bureau/supervision/audit", query_string={"lang": lang, **criteria})
    assert response.status_code == 422
    html = text(response.get_data(as_text=True))
    assert field_errors(html, field) == (english if lang == "en" else chinese)
    assert 'id="audit-entries"' not in html
    for name, value in criteria.items():
        if name == "entity":
            assert f'<option selected value="{value}">' in html
        else:
            assert input_value(html, name) == value


def test_several_mistakes_at_once(client, login, log):
    login("bureau")
    response = client.get("/bureau/supervision/audit", query_string={
        "lang": "en", "entity_id": "x", "user": "nobody", "date_from": "2026-02-30"})
    html = text(response.get_data(as_text=True))
    assert response.status_code == 422
    assert field_errors(html, "entity_id") == "Enter the record's number (digits only)."
    assert field_errors(html, "user") == "No user has this name."
    assert field_errors(html, "date_from") == "Enter a date as YYYY-MM-DD."
