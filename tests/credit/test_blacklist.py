"""The blacklist kept by the bureau: adding an entry (its rules, credit event, audit and
notice), who may keep and read it, lifting early, lapsing by itself and the job that records
each lapse once, and the list pages."""
from datetime import timedelta

import pytest
from complaint_helpers import TODAY, translated
from need_helpers import NeedApi

from marketplace.credit import blacklist
from marketplace.credit.services import KINDS
from tests.pages import field_errors

UNTIL = TODAY + timedelta(days=180)
BODY = {"until": UNTIL.isoformat(), "reason": "提交虚假材料骗取认定登记。"}


@pytest.fixture
def api(market):
    return NeedApi(market)


@pytest.fixture
def org_member(market):
    return market.user("enterprise")


def in_force(market, **subject):
    with market.app.app_context():
        entry = blacklist.in_force(**subject)
        return entry.id if entry else None


# --- adding -------------------------------------------------------------------------------------

def test_the_bureau_lists_an_organisation(market, api, org_member):
    org_id = org_member.organization_id
    before = market.score(org_id=org_id)
    response = api.post("/blacklist", market.bureau(), dict(BODY, org_id=org_id))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["until"], body["reason"]) == ("in_force", UNTIL.isoformat(),
                                                               BODY["reason"])
    assert body["subject"]["kind"] == "org"
    assert body["subject"]["organization"]["id"] == org_id
    assert in_force(market, org_id=org_id) == body["id"]
    assert market.credit_events(org_id=org_id) == [
        ("blacklisted", KINDS["blacklisted"][0], "blacklist", body["id"])]
    assert market.score(org_id=org_id) == before + KINDS["blacklisted"][0]
    assert market.entry_history(body["id"]) == [
        ("create", market.bureau().id, BODY["reason"],
         {"org_id": org_id, "broker_id": None, "until": UNTIL.isoformat(),
          "complaint_id": None})]
    assert market.inbox(org_member) == [(
        "%(name)s is on the market's blacklist until %(until)s: %(reason)s",
        {"name": body["subject"]["organization"]["name"], "until": UNTIL.isoformat(),
         "reason": BODY["reason"]}, None)]


@pytest.mark.parametrize("named_by", ["broker_id", "broker_user_id"])
def test_a_broker_is_listed_by_its_profile_or_its_account(market, api, named_by):
    broker = market.user("broker")
    with market.app.app_context():
        profile = blacklist.broker_profile(broker.id)
        profile_id, name = profile.id, profile.real_name
    value = profile_id if named_by == "broker_id" else broker.id
    response = api.post("/blacklist", market.bureau(), dict(BODY, **{named_by: value}))
    assert response.status_code == 201
    assert response.get_json()["subject"]["broker"] == {
        "id": profile_id, "user_id": broker.id, "name": name}
    assert in_force(market, broker_id=broker.id) == response.get_json()["id"]
    assert market.credit_events(broker_id=broker.id)[0][0] == "blacklisted"


@pytest.mark.parametrize("changes, field, message", [
    ({"until": None}, "until", "Give the last day the entry is in force."),
    ({"until": TODAY.isoformat()}, "until", "The last day must be after today."),
    ({"until": (TODAY - timedelta(days=1)).isoformat()}, "until",
     "The last day must be after today."),
    ({"reason": "  "}, "reason", "Give the reason; the listed party will see it."),
    ({"org_id": None}, "subject", "Name either an organisation or a broker."),
    ({"broker_user_id": "member"}, "subject", "Name either an organisation or a broker."),
    ({"org_id": 99999}, "org_id", "Choose an organisation."),
    ({"org_id": None, "broker_user_id": "member"}, "broker_id",
     "Choose one of the market's technology brokers."),
    ({"org_id": None, "broker_id": 99999}, "broker_id",
     "Choose one of the market's technology brokers."),
    ({"complaint_id": 99999}, "complaint_id", "No such complaint."),
])
def test_what_an_entry_must_say(market, api, org_member, changes, field, message):
    body = dict(BODY, org_id=org_member.organization_id)
    body.update({k: org_member.id if v == "member" else v for k, v in changes.items()})
    for lang in ("en", "zh"):
        response = api.post("/blacklist", market.bureau(), body, lang=lang)
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {
            field: [translated(market.app, lang, message)]}
    assert in_force(market, org_id=org_member.organization_id) is None


@pytest.mark.parametrize("role, status", [
    ("enterprise", 403), ("institute", 403), ("broker", 403), ("admin", 403),
    ("visitor", 401)])
def test_only_the_bureau_keeps_the_blacklist(market, api, org_member, role, status):
    user = None if role == "visitor" else market.user(role)
    entry_id = market.blacklist(org_id=org_member.organization_id)
    assert api.post("/blacklist", user, dict(BODY, org_id=org_member.organization_id)) \
        .status_code == status
    assert api.post(f"/blacklist/{entry_id}/lift", user, {"reason": "已整改。"}) \
        .status_code == status
    assert api.get("/blacklist", user).status_code == (200 if role == "admin" else status)


# --- lifting and lapsing ---------------------------------------------------------------------

def test_lifting_early(market, api, org_member):
    org_id = org_member.organization_id
    entry_id = market.blacklist(org_id=org_id)
    officer = market.bureau()
    missing = api.post(f"/blacklist/{entry_id}/lift", officer, {"reason": ""}, lang="zh")
    assert missing.get_json()["error"]["fields"] == {"reason": [translated(
        market.app, "zh", "Give the reason; the listed party will see it.")]}
    lifted = api.post(f"/blacklist/{entry_id}/lift", officer, {"reason": "经复核，已整改。"})
    assert lifted.status_code == 200
    assert (lifted.get_json()["status"], lifted.get_json()["lift_reason"]) == (
        "lifted", "经复核，已整改。")
    assert in_force(market, org_id=org_id) is None
    assert [a for a, *_ in market.entry_history(entry_id)] == ["create", "lift"]
    assert market.messages_of(org_member)[-1] == \
        "%(name)s is no longer on the market's blacklist: %(reason)s"
    again = api.post(f"/blacklist/{entry_id}/lift", officer, {"reason": "重复操作。"})
    assert again.status_code == 409
    assert api.post("/blacklist/99999/lift", officer, {"reason": "x"}).status_code == 404


def test_an_entry_lapses_by_itself_and_the_job_records_it_once(market, org_member):
    org_id = org_member.organization_id
    entry_id = market.blacklist(org_id=org_id, until=TODAY + timedelta(days=3))
    lifted_id = market.blacklist(org_id=market.user("institute").organization_id,
                                 until=TODAY + timedelta(days=3))
    market.run(blacklist.lift, lifted_id, market.bureau(), "已整改。")
    market.clock.set(market.clock.now() + timedelta(days=3))  # the last day: still in force
    assert in_force(market, org_id=org_id) == entry_id
    assert market.tick()["blacklist lapses"] == 0
    market.clock.set(market.clock.now() + timedelta(days=1))
    # Allowed again at once, before any job has run.
    assert in_force(market, org_id=org_id) is None
    assert market.tick()["blacklist lapses"] == 1
    assert market.tick()["blacklist lapses"] == 0
    history = market.entry_history(entry_id)
    assert [(a, actor) for a, actor, *_ in history] == [("create", market.bureau().id),
                                                       ("lapse", None)]
    assert market.entry(entry_id).expiry_recorded_at is not None
    assert [a for a, *_ in market.entry_history(lifted_id)] == ["create", "lift"]
    assert market.messages_of(org_member)[-1] == \
        "The blacklist entry of %(name)s lapsed after %(until)s."


def test_the_longest_entry_in_force_decides(market, org_member):
    org_id = org_member.organization_id
    market.blacklist(org_id=org_id, until=TODAY + timedelta(days=5))
    longer = market.blacklist(org_id=org_id, until=TODAY + timedelta(days=50))
    assert in_force(market, org_id=org_id) == longer
    market.clock.set(market.clock.now() + timedelta(days=10))
    assert in_force(market, org_id=org_id) == longer


def test_the_api_lists_entries_by_state(market, api, org_member):
    current = market.blacklist(org_id=org_member.organization_id,
                               until=TODAY + timedelta(days=30))
    lapsing = market.blacklist(org_id=market.user("institute").organization_id,
                               until=TODAY + timedelta(days=1))
    lifted = market.blacklist(broker_id=market.user("broker").id)
    market.run(blacklist.lift, lifted, market.bureau(), "已整改。")
    market.clock.set(market.clock.now() + timedelta(days=2))
    officer = market.bureau()
    ids = {state: [e["id"] for e in api.get(f"/blacklist?state={state}", officer)
                   .get_json()["items"]] for state in ("in_force", "lapsed", "lifted")}
    assert ids == {"in_force": [current], "lapsed": [lapsing], "lifted": [lifted]}
    assert api.get("/blacklist?state=gone", officer).status_code == 422


# --- pages ----------------------------------------------------------------------------------------

def test_the_list_pages(market, org_member):
    current = market.blacklist(org_id=org_member.organization_id)
    lifted = market.blacklist(org_id=market.user("institute").organization_id)
    market.run(blacklist.lift, lifted, market.bureau(), "已整改。")
    client = market.page_client(market.bureau())
    page = client.get("/bureau/credit/blacklist").get_data(as_text=True)
    assert f'id="entry-{current}"' in page and f'id="entry-{lifted}"' not in page
    assert f"/bureau/credit/blacklist/{current}/lift" in page
    lifted_page = client.get("/bureau/credit/blacklist?state=lifted").get_data(as_text=True)
    assert f'id="entry-{lifted}"' in lifted_page and "已整改。" in lifted_page
    admin = market.page_client(market.user("admin"))
    admin_page = admin.get("/bureau/credit/blacklist").get_data(as_text=True)
    assert f'id="entry-{current}"' in admin_page and "/lift" not in admin_page
    assert market.page_client(org_member).get("/bureau/credit/blacklist").status_code == 403


def test_adding_and_lifting_through_the_pages(market, org_member):
    client = market.page_client(market.bureau())
    assert client.get("/bureau/credit/blacklist/new").status_code == 200
    refused = client.post("/bureau/credit/blacklist/new", data={
        "kind": "org", "org_id": str(org_member.organization_id), "until": "", "reason": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert field_errors(html, "until") == translated(
        market.app, "zh", "Give the last day the entry is in force.")
    assert field_errors(html, "reason") == translated(
        market.app, "zh", "Give the reason; the listed party will see it.")
    added = client.post("/bureau/credit/blacklist/new", data={
        "kind": "org", "org_id": str(org_member.organization_id),
        "until": UNTIL.isoformat(), "reason": BODY["reason"]})
    assert added.status_code == 302
    entry_id = in_force(market, org_id=org_member.organization_id)
    assert entry_id is not None
    lift = client.post(f"/bureau/credit/blacklist/{entry_id}/lift", data={"reason": ""})
    assert lift.status_code == 302
    assert in_force(market, org_id=org_member.organization_id) == entry_id
    client.post(f"/bureau/credit/blacklist/{entry_id}/lift", data={"reason": "已整改。"})
    assert in_force(market, org_id=org_member.organization_id) is None


def test_a_broker_through_the_page_and_from_a_complaint(market):
    deal = market.deal()
    complaint_id = market.complaint(deal, against="buyer_broker", category="fee_dispute",
                                    state="upheld")
    client = market.page_client(market.bureau())
    form = client.get(f"/bureau/credit/blacklist/new?complaint={complaint_id}")
    html = form.get_data(as_text=True)
    assert f'value="{complaint_id}"' in html
    added = client.post("/bureau/credit/blacklist/new", data={
        "kind": "broker", "broker_id": str(deal.buyer_broker.id), "org_id": "",
        "until": UNTIL.isoformat(), "reason": "违规收取佣金。",
        "complaint_id": str(complaint_id)})
    assert added.status_code == 302
    entry_id = in_force(market, broker_id=deal.buyer_broker.id)
    assert market.entry(entry_id).complaint_id == complaint_id
