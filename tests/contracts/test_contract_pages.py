"""The contract pages: a contract filed from scratch and certified through pages alone (and
through the API alone), the form's errors, the bureau's queue and review page, certificates
and the public verification page."""
import io
import re

import pytest
from contract_helpers import bearer, flashes

from marketplace.contracts import services
from tests.factories import PDF
from tests.pages import element_text, field_errors, input_value, text


def form_data(org, **changes):
    """What a browser posts from the new-contract form: every row, the unused ones empty."""
    data = {f"items-{i}-{name}": "" for i in range(5) for name in ("name", "amount")}
    data |= {
        "contract_type": "transfer", "subtype": "patent_right",
        "title": "煤矸石制备轻质陶粒专利权转让合同",
        "seller_name": org.name, "seller_credit_code": org.credit_code,
        "seller_entity_type": org.entity_type, "seller_region": org.county,
        "buyer_name": "孝义市金达建材有限公司", "buyer_credit_code": "91141181MA0K00003X",
        "buyer_entity_type": "private_enterprise", "buyer_region": "141181",
        "broker_name": "", "signed_on": "2026-06-20", "valid_from": "2026-06-20",
        "valid_to": "2031-06-19", "tech_domain": "environment", "field": "environment",
        "ip_kind": "invention_patent", "ip_numbers": "ZL202010000001.5",
        "plan_category": "provincial", "payment_method": "lump_sum",
        "total_amount": "1,250,000.00", "items-0-name": "陶粒窑炉控制柜",
        "items-0-amount": "200000", "technology_amount": "1050000.00",
        "expected_investment": "8000000", "expected_output": "", "achievement_id": "",
    }
    data.update(changes)
    return data


def fixed_credit_code(data):
    from marketplace.credit_code import check_character

    first17 = data["buyer_credit_code"][:17]
    data["buyer_credit_code"] = first17 + check_character(first17)
    return data


# --- from scratch to certificate -------------------------------------------------------------

def test_a_contract_filed_from_scratch_is_certified_through_pages_alone(market):
    filer = market.filer()
    org = market.org_of(filer)
    officer = market.bureau()
    client = market.page_client(filer)

    new = client.get("/contracts/new?lang=en")
    assert new.status_code == 200
    html = new.get_data(as_text=True)
    assert input_value(html, "seller_name") == org.name
    assert input_value(html, "seller_credit_code") == org.credit_code

    created = client.post("/contracts/new", data=fixed_credit_code(form_data(org)))
    assert created.status_code == 302, re.findall(r'id="([\w-]+-errors)"',
                                                   created.get_data(as_text=True))
    record_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert [c for c, _ in flashes(client)] == ["success"]
    record = market.get(record_id)
    assert (record.total_amount, record.technology_amount) == (1250000, 1050000)
    assert [(i.name, i.amount) for i in record.items] == [("陶粒窑炉控制柜", 200000)]

    detail = client.get(f"/contracts/{record_id}?lang=en")
    assert detail.status_code == 200
    assert "No signed contract is attached yet." in text(detail.get_data(as_text=True))
    refused = client.post(f"/contracts/{record_id}/submit", data={"version": record.version})
    assert refused.status_code == 302
    assert [c for c, _ in flashes(client)] == ["danger"]

    uploaded = client.post(f"/contracts/{record_id}/file",
                           data={"file": (io.BytesIO(PDF), "转让合同（盖章）.pdf")})
    assert uploaded.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]
    version = input_value(client.get(f"/contracts/{record_id}").get_data(as_text=True),
                          "version")
    submitted = client.post(f"/contracts/{record_id}/submit?lang=en",
                            data={"version": version})
    assert submitted.status_code == 302
    [(category, message)] = flashes(client)
    assert category == "success" and "2026-07-21" in message
    assert market.status(record_id) == "submitted"

    bureau = market.page_client(officer)
    queue = bureau.get("/bureau/contracts?lang=en").get_data(as_text=True)
    assert "煤矸石制备轻质陶粒专利权转让合同" in queue
    review = bureau.get(f"/bureau/contracts/{record_id}?lang=en")
    assert review.status_code == 200
    version = input_value(review.get_data(as_text=True), "version")
    decided = bureau.post(f"/bureau/contracts/{record_id}",
                          data={"decision": "certify", "comment": "", "ground": "",
                                "version": version})
    assert decided.status_code == 302
    assert decided.headers["Location"].endswith("/bureau/contracts")
    assert [c for c, _ in flashes(bureau)] == ["success"]
    record = market.get(record_id)
    assert record.registration_number == "2026141100010001"

    certificate = client.get(f"/contracts/{record_id}/certificate?lang=en")
    assert certificate.status_code == 200
    page = text(certificate.get_data(as_text=True))
    assert record.registration_number in page and record.verification_code in page
    assert "¥1,250,000.00" in page and "¥1,050,000.00" in page
    assert "Value-added tax" in page and "Enterprise income tax" in page
    assert f"/verify/{record.registration_number}?code={record.verification_code}" in page
    assert 'src="data:image/svg+xml' in page  # the QR code

    visitor = market.page_client(None)
    verified = visitor.get(f"/verify/{record.registration_number}"
                           f"?code={record.verification_code}&lang=en")
    assert verified.status_code == 200
    assert "煤矸石制备轻质陶粒专利权转让合同" in text(verified.get_data(as_text=True))


def test_a_contract_filed_from_scratch_is_certified_through_the_api_alone(market, client):
    filer = market.filer()
    org = market.org_of(filer)
    token = market.token(filer)
    officer = market.token(market.bureau())
    body = {
        "contract_type": "licence", "subtype": "patent", "title": "无人机巡检专利实施许可合同",
        "seller": {"name": org.name, "credit_code": org.credit_code,
                   "entity_type": "research_institute", "region": org.county},
        "buyer": {"name": "北京中科储能技术有限公司", "credit_code": None,
                  "entity_type": "individual", "region": "110000"},
        "signed_on": "2026-06-01", "valid_from": "2026-06-01", "valid_to": "2031-05-31",
        "tech_domain": "electronics_it", "payment_method": "royalty_with_fee",
        "total_amount": "880000", "non_technical_items": [],
        "technology_amount": "880000.00", "expected_investment": "2000000",
        "expected_output": "6000000"}
    created = client.post("/api/v1/contracts", json=body, headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    record_id = created.get_json()["id"]
    upload = client.post(f"/api/v1/contracts/{record_id}/files", headers=bearer(token),
                         data={"file": (io.BytesIO(PDF), "许可合同.pdf")})
    assert upload.status_code == 201
    submitted = client.post(f"/api/v1/contracts/{record_id}/submit", headers=bearer(token))
    assert (submitted.get_json()["status"], submitted.get_json()["due_on"]) == (
        "submitted", "2026-07-21")
    certified = client.post(f"/api/v1/contracts/{record_id}/review", headers=bearer(officer),
                            json={"decision": "certify"})
    got = certified.get_json()
    assert got["status"] == "certified"
    number, code = got["registration_number"], got["verification_code"]
    verified = client.get(f"/api/v1/verify/{number}?code={code}")
    assert verified.status_code == 200
    assert (verified.get_json()["total_amount"], verified.get_json()["technology_amount"]) == (
        "880000.00", "880000.00")
    with market.app.test_request_context():
        hints = services.tax_hints(market.get(record_id))
    assert len(hints) == 2  # VAT, and EIT: a licence of five years


# --- the form ----------------------------------------------------------------------------------

def test_the_form_shows_the_service_s_errors_beside_the_fields(market):
    filer = market.filer()
    client = market.page_client(filer)
    data = fixed_credit_code(form_data(
        market.org_of(filer), subtype="patent", technology_amount="1250000.00",
        buyer_credit_code="91141181MA0K00003Y", **{"items-2-name": "材料",
                                                   "items-2-amount": "-5"}))
    response = client.post("/contracts/new?lang=en", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a subtype" in field_errors(html, "subtype")
    assert "less the non-technical items" in text(field_errors(html, "technology_amount"))
    assert "more than zero" in field_errors(html, "items-2-amount")
    assert input_value(html, "title") == "煤矸石制备轻质陶粒专利权转让合同"
    assert market.run(lambda: services.db.session.query(services.Contract).count()) == 0


def test_the_form_refuses_a_buyer_filing(market):
    filer = market.filer()
    org = market.org_of(filer)
    client = market.page_client(filer)
    data = form_data(org, seller_name="张三", seller_credit_code="",
                     seller_entity_type="individual", buyer_name=org.name,
                     buyer_credit_code=org.credit_code,
                     buyer_entity_type="research_institute", buyer_region=org.county)
    response = client.post("/contracts/new?lang=en", data=data)
    assert response.status_code == 422
    assert "seller side files" in text(field_errors(response.get_data(as_text=True),
                                                    "seller_credit_code"))


def test_the_edit_page_shows_and_saves_a_returned_contract(market):
    filer = market.filer()
    record_id = market.contract(filer, "returned")
    record = market.get(record_id)
    client = market.page_client(filer)
    page = client.get(f"/contracts/{record_id}/edit?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert input_value(html, "title") == record.title
    assert input_value(html, "total_amount") == f"{record.total_amount:.2f}"
    assert input_value(html, "items-0-amount") == "200000.00"
    assert "请补充合同双方盖章页。" in html
    data = form_data(
        market.org_of(filer), contract_type="development", subtype="commissioned",
        title="修改后的合同名称", buyer_name=record.buyer_name,
        buyer_credit_code=record.buyer_credit_code, buyer_entity_type=record.buyer_entity_type,
        buyer_region=record.buyer_region, broker_name=record.broker_name,
        signed_on="2026-06-15", valid_from="2026-06-15", valid_to="2027-06-30",
        tech_domain=record.tech_domain, field=record.field, ip_kind="none", ip_numbers="",
        plan_category="none", payment_method=record.payment_method,
        total_amount=input_value(html, "total_amount"), expected_investment="",
        technology_amount=input_value(html, "technology_amount"),
        version=input_value(html, "version"),
        **{"items-0-name": input_value(html, "items-0-name"),
           "items-0-amount": input_value(html, "items-0-amount")})
    response = client.post(f"/contracts/{record_id}/edit", data=data)
    assert response.status_code == 302, re.findall(r'id="([\w-]+-errors)"',
                                                   response.get_data(as_text=True))
    saved = market.get(record_id)
    assert (saved.title, str(saved.status)) == ("修改后的合同名称", "returned")
    assert saved.total_amount == record.total_amount


def test_a_decision_on_a_stale_page_is_refused(market):
    filer = market.filer()
    record_id = market.contract(filer, "submitted")
    client = market.page_client(market.bureau())
    version = input_value(client.get(f"/bureau/contracts/{record_id}").get_data(as_text=True),
                          "version")
    market.run(services.review, record_id, "return", market.bureau(), "补正")
    market.run(services.submit, record_id, filer)
    response = client.post(f"/bureau/contracts/{record_id}",
                           data={"decision": "certify", "version": version})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["warning"]
    assert market.get(record_id).registration_number is None


@pytest.mark.parametrize(("data", "field"), [
    ({"decision": "return", "comment": " "}, "comment"),
    ({"decision": "reject", "comment": "不予登记", "ground": ""}, "ground"),
    ({"decision": "reject", "comment": "", "ground": "seals"}, "comment")])
def test_the_review_page_needs_comment_and_ground(market, data, field):
    record_id = market.contract(market.filer(), "submitted")
    client = market.page_client(market.bureau())
    response = client.post(f"/bureau/contracts/{record_id}?lang=en", data=data)
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), field)
    assert market.status(record_id) == "submitted"


def test_the_review_page_revokes_with_a_ground(market):
    record_id = market.contract(market.filer(), "certified")
    client = market.page_client(market.bureau())
    page = client.get(f"/bureau/contracts/{record_id}?lang=en")
    assert page.status_code == 200
    response = client.post(f"/bureau/contracts/{record_id}/revoke",
                           data={"ground": "duplicate", "comment": "与另一份合同重复登记。"})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]
    assert (market.status(record_id), market.get(record_id).ground) == ("revoked", "duplicate")


# --- the bureau's queue ------------------------------------------------------------------------

def test_the_queue_sorts_by_due_date_and_flags_overdue_items(market, market_time):
    filer = market.filer()
    market.bureau()
    for title, moment, amount in (
            ("晚到期的合同", "2026-07-01T10:00:00+08:00", None),        # due 07-22
            ("已逾期的合同", "2026-06-24T10:00:00+08:00", None),        # due 07-15
            ("大额合同", "2026-06-24T10:00:00+08:00", "6000000.00"),   # due 08-05
            ("今日到期的合同", "2026-06-26T10:00:00+08:00", None)):     # due 07-17
        market_time.set(moment)
        changes = {"total_amount": amount, "technology_amount": amount,
                   "non_technical_items": []} if amount else {}
        market.contract(filer, "submitted", title=title, **changes)
    market.contract(filer, title="草稿不在队列里")
    market_time.set("2026-07-17T09:00:00+08:00")

    html = text(market.page_client(market.bureau()).get("/bureau/contracts?lang=en")
                .get_data(as_text=True))

    order = [html.index(t) for t in ("已逾期的合同", "今日到期的合同", "晚到期的合同", "大额合同")]
    assert order == sorted(order)
    assert "草稿不在队列里" not in html
    assert "1 of them is overdue" in html
    rows = re.findall(r'<tr class="([^"]*)">(.*?)</tr>', html, re.S)
    flagged = [t for cls, row in rows for t in ("已逾期的合同", "今日到期的合同", "晚到期的合同",
                                                "大额合同") if t in row and "row-overdue" in cls]
    assert flagged == ["已逾期的合同"]
    overdue_row = next(row for _, row in rows if "已逾期的合同" in row)
    assert "Overdue" in overdue_row and "2 days late" in overdue_row
    assert "Due today" in next(row for _, row in rows if "今日到期的合同" in row)


def test_the_detail_page_flags_an_overdue_contract(market, market_time):
    filer = market.filer()
    record_id = market.contract(filer, "submitted")
    market_time.set("2026-07-22T09:00:00+08:00")
    html = market.page_client(filer).get(f"/contracts/{record_id}?lang=en").get_data(
        as_text=True)
    assert "Overdue" in html


# --- parties' pages ----------------------------------------------------------------------------

def test_the_buyer_side_reads_the_contract_and_its_certificate_but_cannot_act(market):
    filer = market.filer()
    buyer_org = market.buyer_org()
    buyer = market.member_of(buyer_org)
    record_id = market.contract(filer, "certified", buyer=buyer_org)
    client = market.page_client(buyer)
    detail = client.get(f"/contracts/{record_id}?lang=en")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert market.get(record_id).title in html
    assert f'action="/contracts/{record_id}/cancel"' not in html
    assert f'action="/contracts/{record_id}/file"' not in html
    assert client.get(f"/contracts/{record_id}/certificate").status_code == 200
    listed = client.get("/contracts?lang=en").get_data(as_text=True)
    assert market.get(record_id).title in listed
    stranger = market.page_client(market.user("enterprise"))
    for url in (f"/contracts/{record_id}", f"/contracts/{record_id}/certificate"):
        assert stranger.get(url).status_code == 404, url
    assert market.get(record_id).title not in stranger.get("/contracts").get_data(as_text=True)


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "rejected"])
def test_there_is_no_certificate_before_certification(market, state):
    filer = market.filer()
    record_id = market.contract(filer, state)
    assert market.page_client(filer).get(
        f"/contracts/{record_id}/certificate").status_code == 404


@pytest.mark.parametrize(("kind", "subtype", "valid_to", "vat", "eit"), [
    ("development", "commissioned", "2027-06-30", True, False),
    ("licence", "patent", "2027-06-30", True, False),
    ("licence", "patent", "2031-06-14", True, True),
    ("consulting", "consulting", "2027-06-30", False, False),
])
def test_the_certificate_shows_the_tax_hints_that_apply(market, kind, subtype, valid_to, vat,
                                                        eit):
    filer = market.filer()
    record_id = market.contract(filer, "certified", contract_type=kind, subtype=subtype,
                                valid_to=valid_to)
    page = text(market.page_client(filer).get(f"/contracts/{record_id}/certificate?lang=en")
                .get_data(as_text=True))
    assert ("income from technology transfer and technology development" in page) is vat
    assert ("Enterprise income tax" in page) is eit


# --- verification page -------------------------------------------------------------------------

def test_the_verification_page_shows_title_and_both_amounts_for_the_right_code(market):
    record = market.get(market.contract(market.filer(), "certified",
                                        total_amount="1250000.00",
                                        technology_amount="1050000.00"))
    visitor = market.page_client(None)
    number, code = record.registration_number, record.verification_code
    ok = visitor.get(f"/verify/{number}?code={code}&lang=en")
    assert ok.status_code == 200
    page = text(ok.get_data(as_text=True))
    assert record.title in page and record.seller_name in page
    assert "¥1,250,000.00" in page and "¥1,050,000.00" in page
    assert "Genuine certificate" in page
    zh = text(visitor.get(f"/verify/{number}?code={code.lower()}&lang=zh").get_data(
        as_text=True))
    assert "125 万元" in zh and "105 万元" in zh
    wrong = "A" * 8 if code != "A" * 8 else "B" * 8
    for url in (f"/verify/{number}?code={wrong}", f"/verify/{number[:-1]}9?code={code}",
                f"/verify/{number}0?code={code}"):
        response = visitor.get(url)
        assert response.status_code == 404, url
        assert record.title not in response.get_data(as_text=True)
    form = visitor.get(f"/verify/{number}")
    assert form.status_code == 200
    assert record.title not in form.get_data(as_text=True)
    assert 'name="code"' in form.get_data(as_text=True)


def test_the_verification_page_says_when_a_certification_was_revoked(market):
    record = market.get(market.contract(market.filer(), "revoked"))
    page = text(market.page_client(None).get(
        f"/verify/{record.registration_number}?code={record.verification_code}&lang=en")
        .get_data(as_text=True))
    assert "This certification was revoked" in page
    assert "Genuine certificate" not in page


def test_the_verification_page_checks_an_achievement_s_12_digit_number(market):
    owner = market.filer()
    achievement = market.get_achievement(market.achievement(owner))
    visitor = market.page_client(None)
    number, code = achievement.registration_number, achievement.verification_code
    ok = visitor.get(f"/verify/{number}?code={code}&lang=en")
    assert ok.status_code == 200
    assert achievement.title in text(ok.get_data(as_text=True))
    assert visitor.get(f"/verify/{number}?code=XXXXXXXX").status_code == 404


def test_the_detail_page_shows_amounts_and_history(market):
    filer = market.filer()
    record_id = market.contract(filer, "returned")
    html = text(market.page_client(filer).get(f"/contracts/{record_id}?lang=en").get_data(
        as_text=True))
    record = market.get(record_id)
    assert record.title in html
    assert f"¥{record.total_amount:,.2f}" in html
    assert f"¥{record.technology_amount:,.2f}" in html
    assert "请补充合同双方盖章页。" in html
    assert element_text(html, "submission-checklist")
