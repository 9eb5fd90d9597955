"""The bureau's review: comments, registration numbers (format, settings, concurrency),
withdrawal, correction and resubmission, revocation, and when a record may be edited."""
import io
import re
import threading

import pytest
from achievement_helpers import error_fields, flashes, form_data

from marketplace import sequences, settings
from marketplace.accounts.models import User
from marketplace.achievements import services
from marketplace.achievements.models import Achievement
from marketplace.extensions import db
from tests.factories import PDF
from tests.pages import field_errors, input_value

NUMBER = re.compile(r"^\d{3}\d{4}[123]\d{4}$")
CODE = re.compile(r"^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$")


def bearer(token, lang="en"):
    return {"Authorization": f"Bearer {token}", "Accept-Language": lang}


def review(client, record_id, token, decision, comment=None):
    body = {"decision": decision} | ({"comment": comment} if comment is not None else {})
    return client.post(f"/api/v1/achievements/{record_id}/review", json=body,
                       headers=bearer(token))


@pytest.mark.parametrize("decision", ["return", "reject"])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_return_and_reject_need_a_comment(market, client, decision, comment):
    record_id = market.achievement(market.institute(), "submitted")
    token = market.token(market.bureau())
    response = review(client, record_id, token, decision, comment)
    assert response.status_code == 422
    assert set(error_fields(response)) == {"comment"}
    assert market.status(record_id) == "submitted"


def test_an_unknown_decision_is_refused(market, client):
    record_id = market.achievement(market.institute(), "submitted")
    response = review(client, record_id, market.token(market.bureau()), "approve", "好")
    assert response.status_code == 422
    assert "decision" in error_fields(response)
    assert market.status(record_id) == "submitted"


def test_the_comment_reaches_the_owner(market, client):
    owner = market.institute()
    record_id = market.achievement(owner, "submitted")
    response = review(client, record_id, market.token(market.bureau()), "return",
                      "  请补充用户使用证明。 ")
    assert response.status_code == 200
    assert response.get_json()["review_comment"] == "请补充用户使用证明。"
    mine = client.get(f"/api/v1/achievements/{record_id}",
                      headers=bearer(market.token(owner))).get_json()
    assert (mine["status"], mine["review_comment"]) == ("returned", "请补充用户使用证明。")


def test_registration_gives_a_number_and_a_verification_code(market, client, clock):
    moment = clock.set("2026-03-15T10:00:00+08:00")
    owner = market.institute()
    officer = market.bureau()
    token = market.token(officer)
    numbers = []
    for category in ("applied", "basic", "soft", "applied"):
        record_id = market.achievement(owner, "submitted", category=category)
        response = review(client, record_id, token, "register")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["status"] == "registered"
        numbers.append(body["registration_number"])
        record = market.get(record_id)
        assert record.registration_number == body["registration_number"]
        assert CODE.match(record.verification_code)
        assert record.registered_by_id == officer.id
        assert record.registered_at.replace(tzinfo=None) == moment.replace(
            tzinfo=None) - moment.utcoffset()
    assert numbers == ["141202610001", "141202620002", "141202630003", "141202610004"]
    assert all(NUMBER.match(n) for n in numbers)


@pytest.mark.parametrize(("moment", "year"), [
    ("2025-12-31T15:59:59+00:00", "2025"),  # 23:59:59 in Lüliang
    ("2025-12-31T16:00:00+00:00", "2026"),  # midnight in Lüliang, still 2025 in UTC
])
def test_the_year_is_the_year_in_beijing_time(market, client, clock, moment, year):
    record_id = market.achievement(market.institute(), "submitted")
    clock.set(moment)
    response = review(client, record_id, market.token(market.bureau()), "register")
    assert response.get_json()["registration_number"] == f"141{year}10001"


def test_the_serial_starts_again_each_year(market, client, clock):
    owner = market.institute()
    first, second, third = (market.achievement(owner, "submitted") for _ in range(3))
    clock.set("2026-12-31T12:00:00+08:00")
    token = market.token(market.bureau())
    assert review(client, first, token, "register").get_json()[
        "registration_number"] == "141202610001"
    assert review(client, second, token, "register").get_json()[
        "registration_number"] == "141202610002"
    clock.set("2027-01-01T09:00:00+08:00")
    assert review(client, third, token, "register").get_json()[
        "registration_number"] == "141202710001"


def test_the_office_code_is_a_setting(market, client, clock):
    clock.set("2026-05-01T10:00:00+08:00")
    owner = market.institute()
    before, after = market.achievement(owner, "submitted"), market.achievement(owner, "submitted")
    token = market.token(market.bureau())
    assert review(client, before, token, "register").get_json()[
        "registration_number"] == "141202610001"
    admin = market.user("admin")
    market.run(settings.update, {"achievement_office_code": "142"}, admin)

    response = review(client, after, token, "register")

    assert response.get_json()["registration_number"] == "142202610002"
    assert market.get(before).registration_number == "141202610001"


def test_concurrent_registrations_take_unique_gap_free_numbers(market, clock):
    clock.set("2026-06-01T10:00:00+08:00")
    workers = 8
    owners = [market.institute() for _ in range(2)]
    record_ids = [market.achievement(owners[i % 2], "submitted") for i in range(workers)]
    officer = market.bureau()
    app = market.app
    start = threading.Barrier(workers)
    errors = []

    def register(record_id):
        try:
            with app.app_context():
                actor = db.session.get(User, officer.id)
                start.wait()
                services.review(record_id, "register", actor, "准予登记。")
        except Exception as exc:  # reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=register, args=(i,)) for i in record_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = [market.get(i).registration_number for i in record_ids]
    assert all(n.startswith("14120261") for n in numbers), numbers
    assert sorted(int(n[-4:]) for n in numbers) == list(range(1, workers + 1))
    assert len({market.get(i).verification_code for i in record_ids}) == workers
    with app.app_context():
        assert sequences.current_value("achievement", 2026) == workers


def test_a_failed_registration_gives_its_number_back(market, client, clock):
    """A registration that rolls back leaves no gap: the next one takes the same serial."""
    clock.set("2026-06-01T10:00:00+08:00")
    owner = market.institute()
    first, second = market.achievement(owner, "submitted"), market.achievement(
        owner, "submitted")
    with market.app.app_context():
        record = db.session.get(Achievement, first)
        assert services._registration_number(record, services.clock.now()).endswith("0001")
        db.session.rollback()
    token = market.token(market.bureau())
    assert review(client, second, token, "register").get_json()[
        "registration_number"] == "141202610001"


def test_withdraw_returns_a_submission_to_draft_and_it_can_be_sent_again(market, client):
    owner = market.institute()
    token = market.token(owner)
    record_id = market.achievement(owner, "submitted")

    response = client.post(f"/api/v1/achievements/{record_id}/withdraw", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["status"] == "draft"
    patched = client.patch(f"/api/v1/achievements/{record_id}", headers=bearer(token),
                           json={"summary": "补充了应用情况。"})
    assert patched.status_code == 200, patched.get_json()
    again = client.post(f"/api/v1/achievements/{record_id}/submit", headers=bearer(token))
    assert again.status_code == 200
    assert again.get_json()["status"] == "submitted"
    assert [h[:3] for h in market.history(record_id)][-4:] == [
        ("submit", "draft", "submitted"), ("withdraw", "submitted", "draft"),
        ("edit", None, None), ("submit", "draft", "submitted")]


def test_a_returned_record_is_corrected_and_resubmitted(market, client):
    owner = market.institute()
    token = market.token(owner)
    record_id = market.achievement(owner, "returned", evidence=("evaluation_proof",
                                                                "development_report"))
    upload = client.post(f"/api/v1/achievements/{record_id}/files", headers=bearer(token),
                         data={"kind": "user_certificate",
                               "file": (io.BytesIO(PDF), "user.pdf")})
    assert upload.status_code == 201, upload.get_json()
    patched = client.patch(f"/api/v1/achievements/{record_id}", headers=bearer(token),
                           json={"maturity": 8})
    assert patched.status_code == 200
    assert patched.get_json()["status"] == "returned"

    response = client.post(f"/api/v1/achievements/{record_id}/submit", headers=bearer(token))

    assert response.status_code == 200
    assert response.get_json()["status"] == "submitted"
    assert market.get(record_id).maturity == 8
    assert market.history(record_id)[-1][:3] == ("submit", "returned", "submitted")
    registered = review(client, record_id, market.token(market.bureau()), "register")
    assert registered.get_json()["status"] == "registered"


@pytest.mark.parametrize("comment", [None, "", "  "])
def test_revoking_needs_a_reason(market, client, comment):
    record_id = market.achievement(market.institute(), "registered")
    body = {} if comment is None else {"comment": comment}
    response = client.post(f"/api/v1/achievements/{record_id}/revoke", json=body,
                           headers=bearer(market.token(market.bureau())))
    assert response.status_code == 422
    assert set(error_fields(response)) == {"comment"}
    assert market.status(record_id) == "registered"


def test_a_revoked_record_leaves_the_public_register(market, client):
    record_id = market.achievement(market.institute(), "registered")
    assert client.get(f"/api/v1/achievements/{record_id}").status_code == 200
    response = client.post(f"/api/v1/achievements/{record_id}/revoke",
                           json={"comment": "成果权属存在争议。"},
                           headers=bearer(market.token(market.bureau())))
    assert response.status_code == 200
    assert response.get_json()["review_comment"] == "成果权属存在争议。"
    assert client.get(f"/api/v1/achievements/{record_id}").status_code == 404
    assert client.get("/api/v1/achievements").get_json()["total"] == 0


# --- the bureau's pages ---------------------------------------------------------------

def test_the_review_page_needs_a_comment_to_return(market):
    record_id = market.achievement(market.institute(), "submitted")
    client = market.page_client(market.bureau())
    response = client.post(f"/bureau/achievements/{record_id}?lang=en",
                           data={"decision": "reject", "comment": " "})
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), "comment")
    assert errors and "Say why" in errors
    assert market.status(record_id) == "submitted"


def test_the_review_page_registers(market):
    record_id = market.achievement(market.institute(), "submitted")
    client = market.page_client(market.bureau())
    page = client.get(f"/bureau/achievements/{record_id}")
    assert page.status_code == 200
    version = input_value(page.get_data(as_text=True), "version")
    response = client.post(f"/bureau/achievements/{record_id}",
                           data={"decision": "register", "comment": "", "version": version})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bureau/achievements")
    assert flashes(client)[0][0] == "success"
    assert NUMBER.match(market.get(record_id).registration_number)


def test_a_decision_on_a_stale_page_is_refused(market):
    owner = market.institute()
    record_id = market.achievement(owner, "submitted")
    client = market.page_client(market.bureau())
    version = input_value(client.get(f"/bureau/achievements/{record_id}").get_data(
        as_text=True), "version")
    market.run(services.withdraw, record_id, owner)
    market.run(services.submit, record_id, owner)
    assert market.status(record_id) == "submitted"

    response = client.post(f"/bureau/achievements/{record_id}",
                           data={"decision": "register", "version": version})

    assert response.status_code == 302
    assert flashes(client)[0][0] == "warning"
    assert market.get(record_id).registration_number is None


def test_the_revoke_page_needs_a_reason(market):
    record_id = market.achievement(market.institute(), "registered")
    client = market.page_client(market.bureau())
    response = client.post(f"/bureau/achievements/{record_id}/revoke", data={"comment": ""})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["danger"]
    assert market.status(record_id) == "registered"


def test_the_queue_lists_submissions_oldest_first_for_officers(market, clock):
    owner = market.institute()
    clock.set("2026-04-02T09:00:00+08:00")
    market.achievement(owner, "submitted", title="较晚提交的成果")
    clock.set("2026-04-01T09:00:00+08:00")
    market.achievement(owner, "submitted", title="较早提交的成果")
    market.achievement(owner, "draft", title="尚未提交的草稿")
    for role in ("bureau", "admin"):
        html = market.page_client(market.user(role)).get("/bureau/achievements").get_data(
            as_text=True)
        assert html.index("较早提交的成果") < html.index("较晚提交的成果")
        assert "尚未提交的草稿" not in html
    for role in ("institute", "enterprise"):
        assert market.page_client(market.user(role)).get(
            "/bureau/achievements").status_code == 403


# --- editing: only drafts and returned records ------------------------------------------

@pytest.mark.parametrize(("state", "editable"), [
    ("draft", True), ("returned", True), ("submitted", False), ("registered", False),
    ("rejected", False), ("revoked", False)])
def test_only_drafts_and_returned_records_can_be_edited(market, client, state, editable):
    owner = market.institute()
    token = market.token(owner)
    record_id = market.achievement(owner, state)
    before = market.get(record_id)

    response = client.patch(f"/api/v1/achievements/{record_id}", headers=bearer(token),
                            json={"title": "改过的标题"})

    if editable:
        assert response.status_code == 200
        assert market.get(record_id).title == "改过的标题"
    else:
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "conflict"
        assert market.get(record_id).title == before.title
        assert market.get(record_id).version == before.version


@pytest.mark.parametrize("state", ["submitted", "registered", "rejected", "revoked"])
def test_the_edit_page_sends_a_locked_record_back_with_a_message(market, state):
    owner = market.institute()
    record_id = market.achievement(owner, state)
    client = market.page_client(owner)
    for method in ("GET", "POST"):
        response = client.open(f"/achievements/{record_id}/edit", method=method,
                               data={"title": "改"})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/achievements/{record_id}")
        assert [c for c, _ in flashes(client)] == ["warning"]
    assert market.get(record_id).title != "改"


def test_the_edit_page_shows_and_saves_a_returned_record(market):
    owner = market.institute()
    record_id = market.achievement(owner, "returned", comment="请补充第二完成人。")
    record = market.get(record_id)
    client = market.page_client(owner)

    page = client.get(f"/achievements/{record_id}/edit")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert input_value(html, "title") == record.title
    assert input_value(html, "ip-0-number") == record.ip_items[0].number
    assert "请补充第二完成人。" in html
    data = form_data(**{
        "title": record.title, "maturity": "8", "completers-1-name": "王建国",
        "completers-1-organization": "吕梁学院", "ip-0-number": record.ip_items[0].number,
        "version": input_value(html, "version")})
    response = client.post(f"/achievements/{record_id}/edit", data=data)
    assert response.status_code == 302, re.findall(
        r'id="([\w-]+-errors)"', response.get_data(as_text=True))
    saved = market.get(record_id)
    assert [c.name for c in saved.completers] == ["李明", "王建国"]
    assert saved.maturity == 8 and str(saved.status) == "returned"


def test_strangers_cannot_open_the_edit_page(market):
    record_id = market.achievement(market.institute())
    for role in ("institute", "enterprise", "bureau"):
        client = market.page_client(market.user(role))
        assert client.get(f"/achievements/{record_id}/edit").status_code == 404


@pytest.mark.parametrize("decisions", [("register", "register"), ("register", "reject"),
                                       ("return", "reject")])
def test_two_officers_deciding_at_once_one_wins_and_no_number_is_lost(market, clock,
                                                                     decisions):
    clock.set("2026-06-01T10:00:00+08:00")
    record_id = market.achievement(market.institute(), "submitted")
    officers = [market.bureau(), market.user("bureau")]
    app = market.app
    both_loaded = threading.Barrier(2)
    outcomes = {}

    def decide(officer_id, decision):
        with app.app_context():
            actor = db.session.get(User, officer_id)
            assert db.session.get(Achievement, record_id).status == "submitted"
            both_loaded.wait()
            try:
                services.review(record_id, decision, actor, "意见。")
                outcomes[officer_id] = decision
            except services.Conflict:
                outcomes[officer_id] = "conflict"
            except Exception as exc:  # anything else is a failure, reported below
                outcomes[officer_id] = repr(exc)

    threads = [threading.Thread(target=decide, args=(o.id, d))
               for o, d in zip(officers, decisions, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) in (sorted([decisions[0], "conflict"]),
                                         sorted(["conflict", decisions[1]])), outcomes
    [winner] = [o for o, outcome in outcomes.items() if outcome != "conflict"]
    decided = [h for h in market.history(record_id) if h[1] == "submitted"]
    assert [(h[0], h[3]) for h in decided] == [(outcomes[winner], winner)]
    record = market.get(record_id)
    with app.app_context():
        used = sequences.current_value("achievement", 2026)
    if outcomes[winner] == "register":
        assert (record.registration_number, used) == ("141202610001", 1)
    else:
        assert (record.registration_number, used) == (None, 0)


def test_when_the_yearly_serials_run_out_registration_is_refused(market, client, clock):
    clock.set("2026-06-01T10:00:00+08:00")
    record_id = market.achievement(market.institute(), "submitted")
    with market.app.app_context():
        db.session.add(sequences.NumberSequence(name="achievement", year=2026, last_value=9999))
        db.session.commit()
    response = review(client, record_id, market.token(market.bureau()), "register")
    assert response.status_code == 409
    assert market.status(record_id) == "submitted"
    assert market.get(record_id).registration_number is None
    with market.app.app_context():
        assert sequences.current_value("achievement", 2026) == 9999
