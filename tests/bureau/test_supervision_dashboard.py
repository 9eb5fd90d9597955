"""The supervision dashboard and the overdue page: who may open them, and each queue's size,
oldest item, age in working days, nearest due date and overdue count equal to what the
database holds for a scripted set of records, before and after the market clock moves.

Today is Wednesday 2026-08-05 in Lüliang; July and August 2026 have no public holiday, so a
working day is a weekday."""
from datetime import date

import pytest
from supervision_helpers import local

from marketplace.bureau import supervision
from tests.pages import element_text, text

PAGES = ("/bureau/supervision", "/bureau/supervision/overdue", "/bureau/supervision/audit")
ANSWERS = {"enterprise": 403, "institute": 403, "broker": 403, "bureau": 200, "admin": 200,
           "visitor": "login"}


@pytest.mark.parametrize("role", list(ANSWERS))
def test_the_supervision_pages_are_for_officers(client, login, role):
    if role != "visitor":
        login(role)
    for url in PAGES:
        response = client.get(url)
        if ANSWERS[role] == "login":
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/login?next=")
        else:
            assert response.status_code == ANSWERS[role], url


@pytest.fixture
def scripted(records):
    """Items waiting in every queue (and some that do not wait), with their ids."""
    r = records
    ids = {
        # Organisations: 5 working days. 23:30 and 00:30 fall on different local days.
        "org_a": r.organization("2026-07-28 23:30"),
        "org_b": r.organization("2026-07-29 00:30"),
        "org_c": r.organization("2026-08-04 09:00"),
        "org_verified": r.organization("2026-01-05 09:00", status="verified"),
        # Brokers: 10 working days.
        "broker": r.broker("2026-07-15 14:00")[0],
        "broker_verified": r.broker("2026-07-01 09:00", status="verified")[0],
        # Achievements: 15 working days.
        "achievement": r.achievement("2026-07-20 09:00"),
        "achievement_draft": r.achievement("2026-07-01 09:00", status="draft"),
        # Listings and changes of announced listings: 5 working days.
        "listing": r.listing("2026-07-27 09:00"),
        "change": r.listing("2026-08-03 09:00", announced="2026-07-10 09:00"),
        "listing_announced": r.listing("2026-07-01 09:00", status="announced",
                                       announced="2026-07-02 09:00"),
        # Needs: 5 working days.
        "need": r.need("2026-08-05 08:00"),
        # Contracts and complaints: their own due dates.
        "contract_late": r.contract("2026-07-01 09:00", due="2026-07-22"),
        "contract_today": r.contract("2026-07-15 09:00", due="2026-08-05"),
        "contract_later": r.contract("2026-08-04 09:00", due="2026-08-25"),
        "contract_certified": r.contract("2026-06-01 09:00", due="2026-06-20",
                                         status="certified", certified="2026-06-10 09:00"),
        "complaint_late": r.complaint("2026-07-21 10:00", due="2026-08-04"),
        "complaint_investigating": r.complaint("2026-07-25 10:00", due="2026-09-01",
                                               status="investigating"),
        "complaint_upheld": r.complaint("2026-07-02 10:00", due="2026-07-10",
                                        status="upheld"),
    }
    return ids


def queue_numbers(app):
    """{queue key: (count, oldest, age, next due, overdue)} from the service."""
    with app.app_context():
        return {row.queue.key: (row.count, row.oldest, row.age, row.next_due, row.overdue)
                for row in supervision.queue_rows()}


def test_every_queue_counts_what_waits_with_its_age_due_date_and_overdue_items(
        app, scripted, clock):
    d = date.fromisoformat
    assert queue_numbers(app) == {
        "organizations": (3, local("2026-07-28 23:30"), 6, d("2026-08-04"), 1),
        "brokers": (1, local("2026-07-15 14:00"), 15, d("2026-07-29"), 1),
        "achievements": (1, local("2026-07-20 09:00"), 12, d("2026-08-10"), 0),
        "listings": (1, local("2026-07-27 09:00"), 7, d("2026-08-03"), 1),
        "listing_changes": (1, local("2026-08-03 09:00"), 2, d("2026-08-10"), 0),
        "needs": (1, local("2026-08-05 08:00"), 0, d("2026-08-12"), 0),
        "contracts": (3, local("2026-07-01 09:00"), 25, d("2026-07-22"), 1),
        "complaints": (2, local("2026-07-21 10:00"), 11, d("2026-08-04"), 1),
    }
    # A day later: what was due today is overdue, every age one working day more.
    clock.set(local("2026-08-06 10:00"))
    later = queue_numbers(app)
    assert later["organizations"] == (3, local("2026-07-28 23:30"), 7, d("2026-08-04"), 2)
    assert later["contracts"] == (3, local("2026-07-01 09:00"), 26, d("2026-07-22"), 2)
    assert later["needs"][2:] == (1, d("2026-08-12"), 0)
    # Over a weekend the ages stand still.
    clock.set(local("2026-08-09 10:00"))
    assert queue_numbers(app)["needs"][2] == 2  # Thursday and Friday


def test_the_dashboard_shows_the_queues_and_links_to_them(app, client, login, scripted):
    login("bureau")
    html = text(client.get("/bureau/supervision?lang=en").get_data(as_text=True))
    assert element_text(html, "queue-organizations") == (
        "Organisations awaiting verification 3 7/28/26, 11:30 PM 6 working days "
        "Aug 4, 2026 (guide) 1")
    assert element_text(html, "queue-contracts") == (
        "Contracts submitted for certification 3 7/1/26, 9:00 AM 25 working days "
        "Jul 22, 2026 1")
    assert element_text(html, "queue-needs").endswith("0 working days Aug 12, 2026 (guide) 0")
    for url in ("/bureau/organizations", "/bureau/achievements", "/bureau/listings",
                "/bureau/needs", "/bureau/contracts"):
        assert f'href="{url}"' in html
    assert "5 overdue items" in element_text(html, "overdue-link")
    rules = element_text(html, "queue-rules")
    assert "Organisations awaiting verification: 5 working days" in rules
    assert "Broker profiles awaiting verification: 10 working days" in rules


def test_the_overdue_page_lists_every_overdue_item_oldest_first(app, client, login, scripted,
                                                                clock):
    ids = scripted
    with app.app_context():
        items = supervision.overdue_items()
    assert [(i.queue.key, i.record_id, i.age, i.due.isoformat(), i.days_late)
            for i in items] == [
        ("contracts", ids["contract_late"], 25, "2026-07-22", 10),
        ("brokers", ids["broker"], 15, "2026-07-29", 5),
        ("complaints", ids["complaint_late"], 11, "2026-08-04", 1),
        ("listings", ids["listing"], 7, "2026-08-03", 2),
        ("organizations", ids["org_a"], 6, "2026-08-04", 1),
    ]
    login("bureau")
    html = text(client.get("/bureau/supervision/overdue?lang=en").get_data(as_text=True))
    row = element_text(html, f"overdue-contracts-{ids['contract_late']}")
    assert row.endswith("25 working days Jul 22, 2026 Overdue 10 working days")
    assert f'href="/bureau/contracts/{ids["contract_late"]}"' in html
    assert f'href="/bureau/listings/{ids["listing"]}"' in html
    assert f'href="/bureau/organizations/{ids["org_a"]}"' in html
    assert "5 items are overdue." in html

    clock.set(local("2026-08-06 10:00"))
    html = text(client.get("/bureau/supervision/overdue?lang=en").get_data(as_text=True))
    assert f"overdue-organizations-{ids['org_b']}" in html
    assert f"overdue-contracts-{ids['contract_today']}" in html
    assert "7 items are overdue." in html


def test_empty_queues_read_as_empty(client, login):
    login("admin")
    html = text(client.get("/bureau/supervision?lang=en").get_data(as_text=True))
    assert element_text(html, "queue-contracts") == (
        "Contracts submitted for certification 0 — — — 0")
    assert "0 overdue items" in element_text(html, "overdue-link")
    html = text(client.get("/bureau/supervision/overdue?lang=en").get_data(as_text=True))
    assert "Nothing is overdue." in html


def test_a_calendar_override_moves_ages_and_due_dates(app, records):
    """The admin's calendar counts: a local holiday on Monday 2026-08-03 is not a working day."""
    from marketplace import workdays
    from tests.factories import make_user

    records.organization("2026-07-28 23:30")
    with app.app_context():
        workdays.set_override(date(2026, 8, 3), False, "地方假日", make_user("admin"))
        row = next(r for r in supervision.queue_rows() if r.queue.key == "organizations")
        assert (row.age, row.next_due, row.overdue) == (5, date(2026, 8, 5), 0)
        assert supervision.overdue_items() == []
