"""The bureau's decisions on complaints: each sanction's effects and credit points, the rules
of filing and deciding (messages in zh and en), the decision page, notifications."""
from datetime import timedelta

import pytest
from complaint_helpers import TODAY, translated
from listing_helpers import api_body as listing_body
from need_helpers import NeedApi
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.brokers.models import BrokerProfile
from marketplace.credit import blacklist
from marketplace.credit.services import KINDS
from marketplace.extensions import db
from tests.pages import element_text, field_errors

BODY = {"against": "party", "category": "breach", "subject": "未按约定交付技术资料",
        "description": "合同约定签约后 10 日内交付全部图纸，至今未交付。"}
REASON = "经调查，卖方未按合同约定交付技术资料，情况属实。"


@pytest.fixture
def api(market):
    return NeedApi(market)


@pytest.fixture
def deal(market):
    return market.deal()


def decide(api, market, complaint_id, decision="uphold", lang="en", **body):
    return api.post(f"/complaints/{complaint_id}/decide", market.bureau(),
                    {"decision": decision, "reason": REASON, **body}, lang=lang)


def profile_id(market, user):
    """The id of the broker's profile (the helpers give every broker a verified one)."""
    with market.app.app_context():
        return blacklist.broker_profile(user.id).id


# --- sanctions and credit -----------------------------------------------------------------------

@pytest.mark.parametrize("sanction, kind", [
    ("warning", "complaint_warning"), ("listing_taken_down", "complaint_takedown"),
    ("account_closed", "complaint_closure")])
def test_an_upheld_complaint_costs_the_target_its_documented_points(market, api, deal,
                                                                    sanction, kind):
    complaint_id = market.complaint(deal, state="investigating")
    org_id = deal.seller.organization_id
    before = market.score(org_id=org_id)
    response = decide(api, market, complaint_id, sanction=sanction)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["sanction"], body["decision_reason"]) == (
        "upheld", sanction, REASON)
    assert market.credit_events(org_id=org_id)[-1] == (kind, KINDS[kind][0], "complaint",
                                                       complaint_id)
    assert market.score(org_id=org_id) == before + KINDS[kind][0]
    # The complainant's score is untouched by the decision.
    assert [k for k, *_ in market.credit_events(org_id=deal.buyer.organization_id)] == \
        ["deal_completed"]


def test_a_dismissed_complaint_changes_no_credit(market, api, deal):
    complaint_id = market.complaint(deal, state="investigating")
    events = market.credit_events(org_id=deal.seller.organization_id)
    response = decide(api, market, complaint_id, "dismiss")
    assert response.get_json()["status"] == "dismissed"
    assert market.credit_events(org_id=deal.seller.organization_id) == events


def test_a_restriction_lists_the_target_until_the_date_given(market, api, deal):
    complaint_id = market.complaint(deal, state="investigating")
    org_id = deal.seller.organization_id
    until = TODAY + timedelta(days=90)
    response = decide(api, market, complaint_id, sanction="restriction",
                      until=until.isoformat())
    assert response.status_code == 200
    # The restriction's own points, not the blacklist's on top.
    assert [k for k, *_ in market.credit_events(org_id=org_id)] == [
        "deal_completed", "complaint_restriction"]
    with market.app.app_context():
        entry = blacklist.in_force(org_id=org_id)
        assert (entry.until, entry.complaint_id, entry.reason) == (until, complaint_id, REASON)
    achievement_id = market.registered(deal.seller)
    refused = api.post("/listings", deal.seller, listing_body(achievement_id))
    assert refused.status_code == 403


@pytest.mark.parametrize("until, message", [
    (None, "Give the last day the entry is in force."),
    (TODAY.isoformat(), "The last day must be after today.")])
def test_a_restriction_needs_a_date_after_today(market, api, deal, until, message):
    complaint_id = market.complaint(deal, state="investigating")
    for lang in ("en", "zh"):
        response = decide(api, market, complaint_id, sanction="restriction", until=until,
                          lang=lang)
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {
            "until": [translated(market.app, lang, message)]}
    assert market.complaint_status(complaint_id) == "investigating"


def test_taking_down_ends_the_targets_running_listings(market, api, deal):
    seller = deal.seller
    announced = market.listing(seller, "announced")
    draft = market.listing(seller, "draft")
    others = market.listing(market.user("institute"), "announced")
    complaint_id = market.complaint(deal, state="investigating")
    assert decide(api, market, complaint_id, sanction="listing_taken_down").status_code == 200
    assert market.listing_status(announced) == "terminated"
    assert market.listing_status(draft) == "draft"
    assert market.listing_status(others) == "announced"
    assert market.listing_history(announced)[-1] == (
        "terminate", "announced", "terminated", market.bureau().id, REASON)


def test_a_broker_has_no_listings_to_take_down(market, api, deal):
    complaint_id = market.complaint(deal, against="buyer_broker", category="fee_dispute",
                                    state="investigating")
    for lang in ("en", "zh"):
        response = decide(api, market, complaint_id, sanction="listing_taken_down", lang=lang)
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {"sanction": [translated(
            market.app, lang, "A broker has no listings to take down; choose another "
                              "sanction.")]}


def test_closing_an_organisations_accounts(market, api, deal):
    colleague = market.member_of(deal.seller.organization_id)
    complaint_id = market.complaint(deal, state="investigating")
    assert decide(api, market, complaint_id, sanction="account_closed").status_code == 200
    with market.app.app_context():
        active = dict(db.session.execute(select(User.id, User.active).where(User.id.in_(
            [deal.seller.id, colleague.id, deal.buyer.id]))).all())
    assert active == {deal.seller.id: False, colleague.id: False, deal.buyer.id: True}
    # They can no longer log in or use the API.
    assert api.get("/me", deal.seller).status_code == 401
    with market.app.app_context():
        from marketplace.audit import history

        assert [(e.action, e.data["complaint_id"]) for e in history("user", deal.seller.id)] \
            == [("deactivate", complaint_id)]


def test_closing_a_brokers_account_cancels_its_profile(market, api, deal):
    broker = deal.seller_broker
    profile = profile_id(market, broker)
    complaint_id = market.complaint(deal, against="seller_broker",
                                    category="broker_misconduct", state="investigating")
    before = market.score(broker_id=broker.id)
    assert decide(api, market, complaint_id, sanction="account_closed").status_code == 200
    with market.app.app_context():
        assert db.session.get(BrokerProfile, profile).status == "cancelled"
        assert db.session.get(User, broker.id).active is False
    assert market.credit_events(broker_id=broker.id)[-1][0] == "complaint_closure"
    assert market.score(broker_id=broker.id) == before + KINDS["complaint_closure"][0]


def test_a_warning_for_a_broker_without_a_profile(market, api, deal):
    complaint_id = market.complaint(deal, against="buyer_broker", category="fee_dispute",
                                    state="investigating")
    assert decide(api, market, complaint_id, sanction="warning").status_code == 200
    assert market.credit_events(broker_id=deal.buyer_broker.id)[-1][:2] == (
        "complaint_warning", KINDS["complaint_warning"][0])


# --- validation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, field, message", [
    ({"category": "rumour"}, "category", "Not one of the allowed values."),
    ({"subject": "  "}, "subject", "This field is required."),
    ({"subject": "长" * 201}, "subject", "At most %(n)d characters."),
    ({"description": ""}, "description", "This field is required."),
    ({"category": "broker_misconduct"}, "category",
     "Misconduct by a broker is a complaint about a broker."),
])
def test_what_a_complaint_must_say(market, api, deal, changes, field, message):
    for lang in ("en", "zh"):
        response = api.post(f"/deals/{deal.deal_id}/complaints", deal.buyer,
                            dict(BODY, **changes), lang=lang)
        assert response.status_code == 422
        expected = translated(market.app, lang, message, n=200 if "subject" in changes
                              else 5000)
        assert response.get_json()["error"]["fields"][field] == [expected], lang


def test_a_broker_the_deal_does_not_have(market, api):
    deal = market.deal(brokers=False)
    response = api.post(f"/deals/{deal.deal_id}/complaints", deal.buyer,
                        dict(BODY, against="seller_broker"), lang="zh")
    assert response.get_json()["error"]["fields"] == {"against": [translated(
        market.app, "zh", "Choose the other party or a broker of this deal.")]}


@pytest.mark.parametrize("body, field, message", [
    ({"sanction": None}, "sanction", "Choose the sanction."),
    ({"sanction": "warning", "reason": " "}, "reason", "This field is required."),
])
def test_what_a_decision_must_say(market, api, deal, body, field, message):
    complaint_id = market.complaint(deal, state="investigating")
    for lang in ("en", "zh"):
        response = decide(api, market, complaint_id, lang=lang, **body)
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {
            field: [translated(market.app, lang, message)]}
    dismissed = decide(api, market, complaint_id, "dismiss", reason="")
    assert dismissed.get_json()["error"]["fields"] == {
        "reason": [translated(market.app, "en", "This field is required.")]}


def test_the_decision_page(market, deal):
    complaint_id = market.complaint(deal, state="investigating")
    client = market.page_client(market.bureau())
    url = f"/bureau/credit/complaints/{complaint_id}"
    page = client.get(url).get_data(as_text=True)
    assert f"{url}/decide" in page and f"{url}/investigate" not in page
    refused = client.post(f"{url}/decide", data={"decision": "uphold", "sanction":
                                                 "restriction", "until": "", "reason": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert field_errors(html, "until") == translated(
        market.app, "zh", "Give the last day the entry is in force.")
    assert field_errors(html, "reason") == translated(market.app, "zh",
                                                      "This field is required.")
    until = TODAY + timedelta(days=60)
    done = client.post(f"{url}/decide", data={"decision": "uphold", "sanction": "restriction",
                                              "until": until.isoformat(), "reason": REASON})
    assert done.status_code == 302
    assert market.complaint_status(complaint_id) == "upheld"
    assert market.entry_history(market_entry_id(market, complaint_id))[0][0] == "create"


def market_entry_id(market, complaint_id):
    with market.app.app_context():
        from marketplace.credit.models import BlacklistEntry

        return db.session.scalar(select(BlacklistEntry.id).where(
            BlacklistEntry.complaint_id == complaint_id))


def test_the_investigation_page_and_the_queue(market, deal):
    complaint_id = market.complaint(deal)
    client = market.page_client(market.bureau())
    queue = client.get("/bureau/credit/complaints").get_data(as_text=True)
    assert f'id="complaint-{complaint_id}"' in queue
    market.clock.set(market.clock.now() + timedelta(days=60))  # past the due date
    queue = client.get("/bureau/credit/complaints").get_data(as_text=True)
    assert "row-overdue" in queue
    started = client.post(f"/bureau/credit/complaints/{complaint_id}/investigate",
                          data={"reason": "已调取交易记录。"})
    assert started.status_code == 302
    assert market.complaint_status(complaint_id) == "investigating"
    admin = market.page_client(market.user("admin"))
    assert admin.get(f"/bureau/credit/complaints/{complaint_id}").status_code == 200
    assert admin.post(f"/bureau/credit/complaints/{complaint_id}/decide", data={
        "decision": "dismiss", "reason": "证据不足。"}).status_code == 403
    closed = client.get("/bureau/credit/complaints", query_string={"state": "closed"})
    assert f'id="complaint-{complaint_id}"' not in closed.get_data(as_text=True)


# --- notifications -------------------------------------------------------------------------------

@pytest.mark.parametrize("sanction, message", [
    ("warning", "The complaint %(subject)s was upheld with a warning: %(reason)s"),
    ("listing_taken_down", "The complaint %(subject)s was upheld: the listings of "
                           "%(target)s are taken down. %(reason)s"),
    ("account_closed", "The complaint %(subject)s was upheld: the accounts of %(target)s "
                       "are closed. %(reason)s")])
def test_both_sides_are_told_of_the_sanction(market, api, deal, sanction, message):
    complaint_id = market.complaint(deal, state="investigating")
    decide(api, market, complaint_id, sanction=sanction)
    for user in (deal.buyer, deal.seller):
        last = market.inbox(user)[-1]
        assert (last[0], last[2]) == (message, f"/complaints/{complaint_id}")
        assert last[1]["reason"] == REASON


def test_a_decided_complaint_shows_its_decision_in_english(market, deal):
    until = TODAY + timedelta(days=30)
    complaint_id = market.complaint(deal, state="upheld", sanction="restriction", until=until)
    page = market.page_client(deal.seller).get(f"/complaints/{complaint_id}?lang=en")
    decision = element_text(page.get_data(as_text=True), "complaint-decision")
    assert "Upheld: Restriction: on the blacklist until a date" in decision
    assert "经调查，情况属实。" in decision
    assert "/statement" not in page.get_data(as_text=True)  # no answer once decided
    bureau = market.page_client(market.bureau()).get(
        f"/bureau/credit/complaints/{complaint_id}?lang=en").get_data(as_text=True)
    assert "Blacklist entries from this complaint" in bureau
    assert "Until July 31, 2026" in bureau
    assert f"/bureau/credit/complaints/{complaint_id}/decide" not in bureau
