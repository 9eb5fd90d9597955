"""Applying for certification: the refusals at submission, the signed PDF, the decision
deadline in working days, and the reminders of `flask market tick`."""
import io
from datetime import date
from decimal import Decimal

import pytest
from contract_helpers import bearer, error_fields

from marketplace import settings, workdays
from marketplace.accounts.models import Organization, OrgStatus
from marketplace.contracts import services
from marketplace.extensions import db
from tests.factories import JPEG, PDF, PNG


def submit(client, token, record_id):
    return client.post(f"/api/v1/contracts/{record_id}/submit", headers=bearer(token))


def upload(client, token, record_id, content=PDF, filename="合同.pdf"):
    data = {} if content is None else {"file": (io.BytesIO(content), filename)}
    return client.post(f"/api/v1/contracts/{record_id}/files", data=data, headers=bearer(token))


# --- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize(("moment", "ok"), [
    ("2026-06-14T23:59:00+08:00", False),   # the day before it is valid
    ("2026-06-15T00:00:00+08:00", True),    # its first day
    ("2027-06-30T23:59:00+08:00", True),    # its last day, late in the evening
    ("2027-07-01T00:00:00+08:00", False),   # the day after (still 30 June in UTC)
    ("2028-01-10T10:00:00+08:00", False),
])
def test_the_filing_date_must_be_inside_the_validity_period(market, client, market_time,
                                                            moment, ok):
    filer = market.filer()
    market_time.set("2026-06-15T00:00:00+08:00")
    record_id = market.contract(filer, signed_on="2026-06-15", valid_from="2026-06-15",
                                valid_to="2027-06-30")
    market_time.set(moment)
    response = submit(client, market.token(filer), record_id)
    if ok:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "submitted"
    else:
        assert response.status_code == 422
        assert set(error_fields(response)) == {"valid_to"}
        assert market.status(record_id) == "draft"


def test_a_contract_that_starts_later_is_filed_once_it_is_in_force(market, client, market_time):
    filer = market.filer()
    token = market.token(filer)
    record_id = market.contract(filer, valid_from="2026-08-01", valid_to="2027-07-31")
    assert submit(client, token, record_id).status_code == 422
    market_time.set("2026-08-01T09:00:00+08:00")
    token = market.token(filer)  # the first one has expired meanwhile
    assert submit(client, token, record_id).get_json()["status"] == "submitted"


def test_the_signed_pdf_is_required(market, client):
    filer = market.filer()
    token = market.token(filer)
    record_id = market.contract(filer, signed=False)
    response = submit(client, token, record_id)
    assert response.status_code == 422
    assert set(error_fields(response)) == {"file"}
    assert market.status(record_id) == "draft"
    assert upload(client, token, record_id).status_code == 201
    assert submit(client, token, record_id).get_json()["status"] == "submitted"


@pytest.mark.parametrize(("content", "filename"), [
    (PNG, "合同扫描件.png"), (JPEG, "合同.jpg"), (PNG, "disguised.pdf"),
    (b"%PDF-1.4\n1 0 obj << >> endobj\n", "truncated.pdf"), (b"", "empty.pdf"),
    (b"<html><script>alert(1)</script></html>", "contract.pdf"), (None, None)])
def test_only_a_pdf_is_accepted_as_the_signed_copy(market, client, content, filename):
    filer = market.filer()
    token = market.token(filer)
    record_id = market.contract(filer, signed=False)

    response = upload(client, token, record_id, content, filename)

    assert response.status_code == 422
    assert set(error_fields(response)) == {"file"}
    got = client.get(f"/api/v1/contracts/{record_id}", headers=bearer(token)).get_json()
    assert got["has_signed_copy"] is False
    assert [h[0] for h in market.history(record_id)] == ["create"]
    assert set(error_fields(submit(client, token, record_id))) == {"file"}


def test_the_signed_pdf_upload_answers_with_the_file(market, client):
    filer = market.filer()
    token = market.token(filer)
    record_id = market.contract(filer, signed=False)
    response = upload(client, token, record_id, PDF, "技术开发合同（盖章）.pdf")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["name"], body["content_type"], body["size"]) == (
        "技术开发合同（盖章）.pdf", "application/pdf", len(PDF))
    assert body["url"] == f"/files/{body['id']}"
    assert market.history(record_id)[-1] == ("upload_contract", None, None, filer.id,
                                             "技术开发合同（盖章）.pdf")
    assert market.audit_data(record_id)[-1] == {"file_id": body["id"]}
    got = client.get(f"/api/v1/contracts/{record_id}", headers=bearer(token)).get_json()
    assert got["has_signed_copy"] is True


def test_a_png_refused_in_the_service_leaves_nothing_behind(market):
    """The service's refusal must not leave the image pending in the session, where the next
    commit of the same unit of work would attach it as the signed copy."""
    filer = market.filer()
    record_id = market.contract(filer, signed=False)

    def attach_png_then_look(actor):
        from contract_helpers import pdf

        with pytest.raises(services.ValidationFailed):
            services.attach_signed_copy(record_id, pdf("scan.png", PNG), actor)
        db.session.commit()
        return services.signed_copy(db.session.get(services.Contract, record_id))

    assert market.run(attach_png_then_look, filer) is None


@pytest.mark.parametrize("other_state", ["submitted", "certified"])
def test_the_same_contract_cannot_be_filed_twice(market, client, other_state):
    filer = market.filer()
    token = market.token(filer)
    body = market.body(filer)
    first = market.contract(filer, body=dict(body, title="第一次提交的合同"))
    market.move(first, filer, other_state)
    again = market.contract(filer, body=dict(body, title="同一份合同换了标题"))

    response = submit(client, token, again)

    assert response.status_code == 422
    assert set(error_fields(response)) == {"title"}
    assert "already been filed" in error_fields(response)["title"][0]
    assert market.status(again) == "draft"


@pytest.mark.parametrize("other_state", ["draft", "returned", "rejected", "revoked",
                                         "cancelled"])
def test_a_contract_no_longer_filed_does_not_block_its_twin(market, client, other_state):
    filer = market.filer()
    body = market.body(filer)
    first = market.contract(filer, body=dict(body))
    if other_state != "draft":
        market.move(first, filer, other_state)
    again = market.contract(filer, body=dict(body))
    response = submit(client, market.token(filer), again)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("change", ["signed_on", "amount", "buyer"])
def test_a_different_contract_is_not_a_twin(market, client, change):
    filer = market.filer()
    body = market.body(filer)
    market.contract(filer, "submitted", body=dict(body))
    twin = dict(body)
    if change == "signed_on":
        twin["signed_on"] = "2026-06-16"
    elif change == "amount":
        cent = Decimal("0.01")
        twin["total_amount"] = str(Decimal(body["total_amount"]) + cent)
        twin["technology_amount"] = str(Decimal(body["technology_amount"]) + cent)
    else:
        twin["buyer"] = dict(body["buyer"], credit_code=market.org().credit_code)
    record_id = market.contract(filer, body=twin)
    assert submit(client, market.token(filer), record_id).status_code == 200


@pytest.mark.parametrize("status", ["unverified", "rejected"])
def test_an_unverified_organisation_drafts_but_cannot_submit(market, client, status):
    filer = market.filer(status=status)
    token = market.token(filer)
    record_id = market.contract(filer)
    response = submit(client, token, record_id)
    assert response.status_code == 422
    assert set(error_fields(response)) == {"organization"}
    with market.app.app_context():
        org = db.session.get(Organization, filer.organization_id)
        org.status = OrgStatus.VERIFIED
        db.session.commit()
    assert submit(client, token, record_id).status_code == 200


def test_every_problem_is_reported_at_once(market, client, market_time):
    filer = market.filer(status="unverified")
    record_id = market.contract(filer, signed=False)
    market_time.set("2027-08-01T10:00:00+08:00")
    response = submit(client, market.token(filer), record_id)
    assert set(error_fields(response)) == {"valid_to", "file", "organization"}


# --- the decision deadline ---------------------------------------------------------------------

def submitted_due(market, client, filer, moment, market_time, **changes):
    market_time.set(moment)
    record_id = market.contract(filer, **changes)
    response = submit(client, market.token(filer), record_id)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["due_on"], record_id


def test_due_in_15_working_days_not_counting_the_day_of_submission(market, client,
                                                                   market_time):
    """SPEC.md: a contract submitted on Tuesday 2026-06-30 is due 2026-07-21."""
    due, record_id = submitted_due(market, client, market.filer(),
                                   "2026-06-30T10:00:00+08:00", market_time)
    assert due == "2026-07-21"
    record = market.get(record_id)
    assert record.due_on == date(2026, 7, 21)
    assert record.submitted_at.replace(tzinfo=None).isoformat() == "2026-06-30T02:00:00"
    with market.app.app_context():
        assert workdays.working_days_between(date(2026, 6, 30), date(2026, 7, 21)) == 15


def test_the_national_day_holiday_is_not_counted_and_its_make_up_saturday_is(market, client,
                                                                            market_time):
    with market.app.app_context():
        assert not any(workdays.is_workday(date(2026, 10, d)) for d in range(1, 8))
        assert workdays.is_workday(date(2026, 10, 10))  # Saturday, a make-up working day
        assert not workdays.is_workday(date(2026, 10, 11))
    due, _ = submitted_due(market, client, market.filer(), "2026-09-29T15:00:00+08:00",
                           market_time)
    # 9-30, 10-8, 10-9, 10-10 (Sat), 10-12..16, 10-19..23, 10-26: the 15th working day.
    assert due == "2026-10-26"


@pytest.mark.parametrize(("moment", "due"), [
    ("2026-06-30T23:30:00+08:00", "2026-07-21"),   # late on the 30th in Lüliang
    ("2026-06-30T16:30:00+00:00", "2026-07-22"),   # 00:30 on 1 July in Lüliang
])
def test_the_day_of_submission_is_the_day_in_lueliang(market, client, market_time, moment,
                                                      due):
    assert submitted_due(market, client, market.filer(), moment, market_time)[0] == due


@pytest.mark.parametrize(("total", "technology", "items", "due"), [
    ("5000000.00", "5000000.00", [], "2026-08-11"),            # 30 working days
    ("6000000.00", "5000000.00", ["1000000.00"], "2026-08-11"),
    ("4999999.99", "4999999.99", [], "2026-07-21"),            # just below: 15
    ("6000000.00", "4999999.99", ["1000000.01"], "2026-07-21"),  # the contract amount is big
])
def test_a_large_technology_amount_gets_30_working_days(market, client, market_time, total,
                                                        technology, items, due):
    got, _ = submitted_due(
        market, client, market.filer(), "2026-06-30T10:00:00+08:00", market_time,
        total_amount=total, technology_amount=technology,
        non_technical_items=[{"name": "设备", "amount": a} for a in items])
    assert got == due


def test_the_deadlines_are_settings(market, client, market_time):
    admin = market.user("admin")
    filer = market.filer()
    market.run(settings.update, {"contract_review_days": "10",
                                 "contract_review_days_large": "20",
                                 "contract_large_threshold": "1000000"}, admin)
    small, _ = submitted_due(market, client, filer, "2026-06-30T10:00:00+08:00", market_time,
                             total_amount="999999.99", technology_amount="999999.99",
                             non_technical_items=[])
    large, _ = submitted_due(market, client, filer, "2026-06-30T10:00:00+08:00", market_time,
                             total_amount="1000000.00", technology_amount="1000000.00",
                             non_technical_items=[])
    assert (small, large) == ("2026-07-14", "2026-07-28")


def test_the_admin_s_calendar_moves_the_deadline(market, client, market_time):
    admin = market.user("admin")
    market.run(workdays.set_override, date(2026, 7, 1), False, "地方假日", admin)
    due, _ = submitted_due(market, client, market.filer(), "2026-06-30T10:00:00+08:00",
                           market_time)
    assert due == "2026-07-22"


def test_a_resubmission_after_correction_restarts_the_clock(market, client, market_time):
    filer = market.filer()
    token = market.token(filer)
    officer = market.token(market.bureau())
    due, record_id = submitted_due(market, client, filer, "2026-06-30T10:00:00+08:00",
                                   market_time)
    assert due == "2026-07-21"
    market_time.set("2026-07-03T10:00:00+08:00")
    returned = client.post(f"/api/v1/contracts/{record_id}/review", headers=bearer(officer),
                           json={"decision": "return", "comment": "请补充盖章页。"})
    assert returned.get_json()["status"] == "returned"
    patched = client.patch(f"/api/v1/contracts/{record_id}", headers=bearer(token),
                           json={"broker_name": "吕梁市科技成果转化中心"})
    assert patched.status_code == 200, patched.get_json()
    assert upload(client, token, record_id, PDF, "补正后的合同.pdf").status_code == 201
    market_time.set("2026-07-06T09:00:00+08:00")  # Monday

    again = submit(client, token, record_id)

    assert again.status_code == 200, again.get_json()
    assert again.get_json()["due_on"] == "2026-07-27"
    assert again.get_json()["submitted_at"].startswith("2026-07-06T01:00:00")
    assert [h[:3] for h in market.history(record_id)][-5:] == [
        ("submit", "draft", "submitted"), ("return", "submitted", "returned"),
        ("edit", None, None), ("upload_contract", None, None),
        ("submit", "returned", "submitted")]


# --- reminders: flask market tick ---------------------------------------------------------------

def reminders(market):
    return [(n[0], n[1], n[2]["title"], n[2]["due"]) for n in market.notifications()
            if "due" in (n[2] or {}) and "awaits" not in n[1]]


def test_tick_reminds_officers_of_due_and_overdue_contracts_once_a_day(market, runner,
                                                                       market_time):
    filer = market.filer()
    officers = [market.bureau(), market.user("bureau")]
    market.user("bureau", active=False)
    market.user("admin")
    titles = {}
    for name, moment, state in (
            ("overdue", "2026-06-24T10:00:00+08:00", "submitted"),   # due 07-15
            ("today", "2026-06-26T10:00:00+08:00", "submitted"),     # due 07-17
            ("soon", "2026-06-30T10:00:00+08:00", "submitted"),      # due 07-21
            ("later", "2026-07-01T10:00:00+08:00", "submitted"),     # due 07-22
            ("decided", "2026-06-24T10:00:00+08:00", "certified")):
        market_time.set(moment)
        record_id = market.contract(filer, state, title=f"到期提醒测试合同-{name}")
        titles[name] = (record_id, market.get(record_id).due_on.isoformat())
    assert {k: v[1] for k, v in titles.items()} == {
        "overdue": "2026-07-15", "today": "2026-07-17", "soon": "2026-07-21",
        "later": "2026-07-22", "decided": "2026-07-15"}

    market_time.set("2026-07-17T08:00:00+08:00")  # Friday; two working days on: Tuesday 21
    result = runner.invoke(args=["market", "tick"])

    assert result.exit_code == 0, result.output
    assert "contract review reminders: 3" in result.output
    first = reminders(market)
    assert len(first) == 3 * len(officers)
    assert {n[0] for n in first} == {o.id for o in officers}
    by_title = {n[2]: n for n in first}
    assert set(by_title) == {f"到期提醒测试合同-{k}" for k in ("overdue", "today", "soon")}
    assert "overdue" in by_title["到期提醒测试合同-overdue"][1]
    assert by_title["到期提醒测试合同-overdue"][3] == "2026-07-15"
    assert "overdue" not in by_title["到期提醒测试合同-soon"][1]
    links = {n[3] for n in market.notifications()[-6:]}
    assert links == {f"/bureau/contracts/{titles[k][0]}" for k in ("overdue", "today", "soon")}

    market_time.set("2026-07-17T18:00:00+08:00")  # later the same day: nothing again
    again = runner.invoke(args=["market", "tick"])
    assert "contract review reminders: 0" in again.output
    assert reminders(market) == first

    market_time.set("2026-07-20T08:00:00+08:00")  # Monday: once more, and 'later' joins
    runner.invoke(args=["market", "tick"])
    monday = reminders(market)[len(first):]
    assert sorted({n[2] for n in monday}) == sorted(
        f"到期提醒测试合同-{k}" for k in ("overdue", "today", "soon", "later"))
    assert len(monday) == 4 * len(officers)


def test_a_decided_or_resubmitted_contract_is_reminded_afresh(market, runner, market_time):
    filer = market.filer()
    market.bureau()
    market_time.set("2026-06-24T10:00:00+08:00")
    record_id = market.contract(filer, "submitted")
    market_time.set("2026-07-16T08:00:00+08:00")
    runner.invoke(args=["market", "tick"])
    assert len(reminders(market)) == 1
    market.run(services.review, record_id, "return", market.bureau(), "补正")
    market.run(services.submit, record_id, filer)  # due again in 15 working days
    runner.invoke(args=["market", "tick"])
    assert len(reminders(market)) == 1
    assert market.get(record_id).due_soon_notified_on is None
