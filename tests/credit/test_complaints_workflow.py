"""Complaints: who files them, who sees them, every transition by role (through the API), the
respondent's statement, evidence and its readers, notifications of both sides, the audit."""
import io

import pytest
from complaint_helpers import TODAY, translated
from need_helpers import NeedApi

from marketplace import workdays
from tests.factories import PDF, PNG
from tests.pages import field_errors

ROLES = ("complainant", "colleague", "respondent", "other", "broker", "bureau", "admin",
         "visitor")
BODY = {"against": "party", "category": "breach", "subject": "未按约定交付技术资料",
        "description": "合同约定签约后 10 日内交付全部图纸，至今未交付。"}


@pytest.fixture
def world(market):
    """A deal with brokers and one of each role around a complaint by the buyer about the
    seller: the complainant, a colleague in its organisation, the respondent (the seller's
    member), another enterprise, the seller's broker, an officer, the admin, a visitor."""
    deal = market.deal()
    people = {"complainant": deal.buyer, "colleague": market.member_of(
        deal.buyer.organization_id, "enterprise"), "respondent": deal.seller,
        "other": market.user("enterprise"), "broker": deal.seller_broker,
        "bureau": market.bureau(), "admin": market.user("admin"), "visitor": None}
    return deal, people


@pytest.fixture
def api(market):
    return NeedApi(market)


# --- filing ------------------------------------------------------------------------------------

def test_a_party_files_a_complaint_through_the_api(market, world, api):
    deal, people = world
    response = api.post(f"/deals/{deal.deal_id}/complaints", people["complainant"], BODY)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "submitted"
    assert body["target"]["kind"] == "org"
    assert body["target"]["organization"]["id"] == deal.seller.organization_id
    assert body["complainant"]["id"] == deal.buyer.organization_id
    # Due 30 working days after the day of filing (the setting's default).
    assert body["due_on"] == workdays_after(market, TODAY, 30).isoformat()
    assert (body["category"], body["subject"]) == ("breach", BODY["subject"])
    assert market.complaint_history(body["id"]) == [
        ("create", None, "submitted", people["complainant"].id, None)]


def workdays_after(market, day, n):
    with market.app.app_context():
        return workdays.add_working_days(day, n)


def test_the_decision_period_is_a_setting(market, world, api):
    deal, people = world
    with market.app.app_context():
        from marketplace import settings

        settings.update({"complaint_decision_days": "10"}, people["admin"])
    body = api.post(f"/deals/{deal.deal_id}/complaints", people["complainant"], BODY).get_json()
    assert body["due_on"] == workdays_after(market, TODAY, 10).isoformat()


@pytest.mark.parametrize("against, kind, broker", [
    ("party", "org", None), ("seller_broker", "broker", "seller_broker"),
    ("buyer_broker", "broker", "buyer_broker")])
def test_a_complaint_is_about_the_other_party_or_a_broker_of_the_deal(market, world, api,
                                                                      against, kind, broker):
    deal, people = world
    response = api.post(f"/deals/{deal.deal_id}/complaints", deal.seller,
                        dict(BODY, against=against))
    assert response.status_code == 201
    record = market.get_complaint(response.get_json()["id"])
    assert record.target_kind == kind
    if broker:
        assert record.target_broker_id == getattr(deal, broker).id
        assert response.get_json()["target"]["broker"]["user_id"] == getattr(deal, broker).id
    else:
        assert record.target_org_id == deal.buyer.organization_id  # the seller's other party


@pytest.mark.parametrize("role, status", [
    ("respondent", 201), ("colleague", 201), ("other", 404), ("broker", 403),
    ("bureau", 403), ("admin", 403), ("visitor", 401)])
def test_who_may_file(market, world, api, role, status):
    deal, people = world
    response = api.post(f"/deals/{deal.deal_id}/complaints", people[role], BODY)
    assert response.status_code == status


def test_filing_through_the_deal_page_with_evidence(market, world):
    deal, people = world
    client = market.page_client(people["complainant"])
    page = client.get(f"/deals/{deal.deal_id}")
    assert f'/complaints/new/{deal.deal_id}' in page.get_data(as_text=True)
    form = client.get(f"/complaints/new/{deal.deal_id}")
    assert form.status_code == 200
    response = client.post(f"/complaints/new/{deal.deal_id}", data=dict(
        BODY, evidence=[(io.BytesIO(PDF), "合同.pdf"), (io.BytesIO(PNG), "照片.png")]),
        content_type="multipart/form-data")
    assert response.status_code == 302
    complaint_id = int(response.headers["Location"].rsplit("/", 1)[1])
    detail = client.get(f"/complaints/{complaint_id}").get_data(as_text=True)
    assert "合同.pdf" in detail and "照片.png" in detail
    assert [a for a, *_ in market.complaint_history(complaint_id)] == ["create", "attach",
                                                                       "attach"]


def test_the_deal_page_offers_no_complaint_to_its_broker(market, world):
    deal, people = world
    client = market.page_client(people["broker"])
    assert "/complaints/new/" not in client.get(f"/deals/{deal.deal_id}").get_data(as_text=True)
    assert client.get(f"/complaints/new/{deal.deal_id}").status_code == 403
    other = market.page_client(people["other"])
    assert other.get(f"/complaints/new/{deal.deal_id}").status_code == 404


def test_a_wrong_evidence_file_keeps_nothing(market, world):
    deal, people = world
    client = market.page_client(people["complainant"])
    response = client.post(f"/complaints/new/{deal.deal_id}", data=dict(
        BODY, evidence=[(io.BytesIO(b"MZ\x90\x00 not a document"), "tool.exe")]),
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "evidence") == translated(
        market.app, "zh", "Only PDF, PNG and JPEG files are accepted.")
    with market.app.app_context():
        from marketplace.credit.models import Complaint
        from marketplace.extensions import db

        assert db.session.query(Complaint).count() == 0


def test_a_second_open_complaint_about_the_same_target_is_refused(market, world, api):
    deal, people = world
    assert api.post(f"/deals/{deal.deal_id}/complaints", deal.buyer, BODY).status_code == 201
    again = api.post(f"/deals/{deal.deal_id}/complaints", people["colleague"], BODY)
    assert again.status_code == 409
    other_target = api.post(f"/deals/{deal.deal_id}/complaints", deal.buyer,
                            dict(BODY, against="seller_broker"))
    assert other_target.status_code == 201


# --- who sees it ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("complainant", 200), ("colleague", 200), ("respondent", 200), ("other", 404),
    ("broker", 404), ("bureau", 200), ("admin", 200), ("visitor", 401)])
def test_who_sees_a_complaint_through_the_api(market, world, api, role, status):
    deal, people = world
    complaint_id = market.complaint(deal)
    assert api.get(f"/complaints/{complaint_id}", people[role]).status_code == status


@pytest.mark.parametrize("role, status", [
    ("complainant", 200), ("respondent", 200), ("other", 404), ("broker", 404),
    ("bureau", 200), ("admin", 200), ("visitor", 302)])
def test_who_sees_a_complaint_page(market, world, role, status):
    deal, people = world
    complaint_id = market.complaint(deal)
    client = market.page_client(people[role])
    assert client.get(f"/complaints/{complaint_id}").status_code == status
    bureau_page = client.get(f"/bureau/credit/complaints/{complaint_id}").status_code
    assert bureau_page == (200 if role in ("bureau", "admin") else 302 if role == "visitor"
                           else 403)


def test_lists_show_each_side_its_own_complaints(market, world, api):
    deal, people = world
    mine = market.complaint(deal)
    elsewhere = market.deal(brokers=False)
    theirs = market.complaint(elsewhere)
    ids = {role: [c["id"] for c in api.get("/complaints", people[role]).get_json()["items"]]
           for role in ("complainant", "respondent", "other", "bureau")}
    assert ids["complainant"] == [mine] and ids["respondent"] == [mine]
    assert ids["other"] == []
    assert sorted(ids["bureau"]) == sorted([mine, theirs])
    page = market.page_client(people["respondent"]).get("/complaints").get_data(as_text=True)
    assert f"/complaints/{mine}" in page and f"/complaints/{theirs}" not in page


def test_a_broker_complained_about_sees_and_answers_it(market, world, api):
    deal, people = world
    complaint_id = market.complaint(deal, against="seller_broker",
                                    category="broker_misconduct")
    broker = deal.seller_broker
    assert api.get(f"/complaints/{complaint_id}", broker).status_code == 200
    assert [c["id"] for c in api.get("/complaints", broker).get_json()["items"]] == \
        [complaint_id]
    answer = api.post(f"/complaints/{complaint_id}/statement", broker,
                      {"statement": "我已按约定提供撮合服务。"})
    assert answer.status_code == 200
    # The seller organisation is not the target this time.
    assert api.get(f"/complaints/{complaint_id}", deal.seller).status_code == 404


# --- transitions by role -----------------------------------------------------------------------

def _act(api, complaint_id, action, user):
    if action == "withdraw":
        return api.post(f"/complaints/{complaint_id}/withdraw", user)
    body = {"decision": action, "reason": "经调查，情况属实。"}
    if action == "uphold":
        body["sanction"] = "warning"
    return api.post(f"/complaints/{complaint_id}/decide", user, body)


TABLE = {  # (state, action) → the one role that may; everyone else as REFUSALS says
    ("submitted", "investigate"): ("bureau", "investigating"),
    ("submitted", "withdraw"): ("complainant", "withdrawn"),
    ("investigating", "uphold"): ("bureau", "upheld"),
    ("investigating", "dismiss"): ("bureau", "dismissed"),
    ("investigating", "withdraw"): ("complainant", "withdrawn"),
}
STATES = ("submitted", "investigating", "upheld", "dismissed", "withdrawn")
ACTIONS = ("investigate", "uphold", "dismiss", "withdraw")


def expected(state, action, role):
    """The status code `role` gets for `action` on a complaint in `state`."""
    if role == "visitor":
        return 401
    if role in ("other", "broker"):
        return 404
    allowed = TABLE.get((state, action))
    if allowed and allowed[0] == role or (allowed and role == "colleague"
                                          and allowed[0] == "complainant"):
        return 200
    may = {"withdraw": ("complainant", "colleague")}.get(action, ("bureau",))
    return 409 if role in may else 403


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_transition_by_role(market, world, api, state, action):
    deal, people = world
    complaint_id = market.complaint(deal, state=state)
    outcomes = {}
    for role in ROLES:
        response = _act(api, complaint_id, action, people[role])
        outcomes[role] = response.status_code
        if response.status_code == 200:
            assert response.get_json()["status"] == TABLE[(state, action)][1]
            break  # the complaint has moved on
    assert outcomes == {role: expected(state, action, role) for role in outcomes}


def test_a_transition_is_audited_with_its_comment(market, world, api):
    deal, people = world
    complaint_id = market.complaint(deal, state="investigating")
    api.post(f"/complaints/{complaint_id}/withdraw", deal.buyer, {"comment": "双方已和解。"})
    officer = people["bureau"].id
    assert market.complaint_history(complaint_id) == [
        ("create", None, "submitted", deal.buyer.id, None),
        ("investigate", "submitted", "investigating", officer, None),
        ("withdraw", "investigating", "withdrawn", deal.buyer.id, "双方已和解。")]


# --- the respondent's statement, evidence ------------------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("respondent", 200), ("complainant", 403), ("bureau", 403), ("other", 404)])
def test_only_the_respondent_states_its_side(market, world, api, role, status):
    deal, people = world
    complaint_id = market.complaint(deal)
    response = api.post(f"/complaints/{complaint_id}/statement", people[role],
                        {"statement": "资料已于 6 月 20 日通过邮件交付。"})
    assert response.status_code == status


def test_the_statement_is_editable_until_the_decision(market, world, api):
    deal, people = world
    complaint_id = market.complaint(deal)
    first = api.post(f"/complaints/{complaint_id}/statement", deal.seller,
                     {"statement": "资料已交付。"})
    assert first.get_json()["statement"] == "资料已交付。"
    again = api.post(f"/complaints/{complaint_id}/statement", deal.seller,
                     {"statement": "资料已于 6 月 20 日交付，附邮件记录。"})
    assert again.get_json()["statement"] == "资料已于 6 月 20 日交付，附邮件记录。"
    history = market.complaint_history(complaint_id)
    assert [a for a, *_ in history].count("statement") == 2
    # The complainant is told once, of the first statement.
    told = [m for m in market.messages_of(deal.buyer)
            if m == "The respondent answered your complaint %(subject)s."]
    assert len(told) == 1
    api.post(f"/complaints/{complaint_id}/decide", people["bureau"], {"decision": "investigate"})
    api.post(f"/complaints/{complaint_id}/decide", people["bureau"],
             {"decision": "dismiss", "reason": "证据不足。"})
    late = api.post(f"/complaints/{complaint_id}/statement", deal.seller,
                    {"statement": "补充说明。"})
    assert late.status_code == 409


def test_the_statement_page(market, world):
    deal, people = world
    complaint_id = market.complaint(deal)
    client = market.page_client(deal.seller)
    empty = client.post(f"/complaints/{complaint_id}/statement", data={"response": " "})
    assert empty.status_code == 422
    assert 'id="response-errors"' in empty.get_data(as_text=True)
    saved = client.post(f"/complaints/{complaint_id}/statement",
                        data={"response": "资料已交付。"})
    assert saved.status_code == 302
    page = market.page_client(deal.buyer).get(f"/complaints/{complaint_id}")
    assert "资料已交付。" in page.get_data(as_text=True)


def test_evidence_is_read_by_both_sides_and_the_bureau_only(market, world, api):
    deal, people = world
    complaint_id = market.complaint(deal)
    upload = api.market.client.post(
        f"/api/v1/complaints/{complaint_id}/files", headers=api.headers(deal.buyer),
        data={"file": (io.BytesIO(PDF), "验收记录.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 201
    file_id = upload.get_json()["id"]
    assert upload.get_json()["side"] == "complainant"
    for role, status in (("complainant", 200), ("respondent", 200), ("bureau", 200),
                         ("admin", 200), ("other", 404), ("broker", 404)):
        client = market.page_client(people[role])
        assert client.get(f"/files/{file_id}").status_code == status, role
    # The respondent adds its own; an outsider cannot.
    answer = market.page_client(deal.seller).post(
        f"/complaints/{complaint_id}/evidence",
        data={"evidence": (io.BytesIO(PNG), "邮件截图.png")}, content_type="multipart/form-data")
    assert answer.status_code == 302
    sides = [f["side"] for f in api.get(f"/complaints/{complaint_id}",
                                        people["bureau"]).get_json()["evidence"]]
    assert sides == ["complainant", "respondent"]
    assert market.page_client(people["other"]).post(
        f"/complaints/{complaint_id}/evidence",
        data={"evidence": (io.BytesIO(PNG), "x.png")},
        content_type="multipart/form-data").status_code == 404


def test_no_evidence_once_decided(market, world, api):
    deal, people = world
    complaint_id = market.complaint(deal, state="dismissed")
    response = market.client.post(
        f"/api/v1/complaints/{complaint_id}/files", headers=api.headers(deal.buyer),
        data={"file": (io.BytesIO(PDF), "late.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 409


# --- notifications -------------------------------------------------------------------------------

def test_both_sides_are_told_of_filing_investigation_and_decision(market, world):
    deal, people = world
    complaint_id = market.complaint(deal, state="dismissed")
    link = f"/complaints/{complaint_id}"
    expected_steps = {
        "complainant": [
            "Your complaint %(subject)s is filed; the science bureau decides by %(due)s.",
            "The science bureau is investigating the complaint %(subject)s; it decides by "
            "%(due)s.", "The complaint %(subject)s was dismissed: %(reason)s"],
        "respondent": [
            "A complaint about you on deal No. %(number)s was filed: %(subject)s. You may "
            "add a statement.",
            "The science bureau is investigating the complaint %(subject)s; it decides by "
            "%(due)s.", "The complaint %(subject)s was dismissed: %(reason)s"]}
    for role, messages in expected_steps.items():
        inbox = [(m, link_) for m, _, link_ in market.inbox(people[role]) if link_ == link]
        assert [m for m, _ in inbox] == messages, role
    officer_inbox = market.inbox(people["bureau"])
    assert ("A complaint awaits investigation: %(subject)s",
            f"/bureau/credit/complaints/{complaint_id}") in [(m, li) for m, _, li in
                                                             officer_inbox]
    assert market.inbox(people["other"]) == []


def test_a_withdrawal_is_told_to_the_respondent(market, world):
    deal, people = world
    market.complaint(deal, state="withdrawn")
    assert "The complaint %(subject)s was withdrawn by the complainant." in \
        market.messages_of(deal.seller)
