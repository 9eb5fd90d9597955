"""Credit records through the API: GET /api/v1/credit/organizations/<id> and
/api/v1/credit/brokers/<id> (the broker's profile id, as /api/v1/brokers/<id>)."""
import pytest
from credit_helpers import Api, Market, error, words

from marketplace.contracts import services as contracts

REVOKED = "经查该合同系重复登记。"


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


@pytest.fixture
def api(market):
    return Api(market)


def test_an_organisation_s_record(market, api):
    filer = market.contracts.filer()
    record_id = market.contract(filer, "certified")
    market.run(contracts.revoke, record_id, market.contracts.bureau(), "duplicate", REVOKED)
    response = api.get(f"/credit/organizations/{filer.organization_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["subject"], body["score"], body["grade"], body["grade_label"]) == (
        {"kind": "org", "id": filer.organization_id,
         "name": market.contracts.org_of(filer).name}, 63, "C", "C: needs attention")
    events = body["events"]
    assert (events["total"], events["page"], events["per_page"]) == (2, 1, 20)
    assert [(e["kind"], e["points"], e["entity"], e["entity_id"], e["counted"], e["comment"])
            for e in events["items"]] == [
        ("certificate_revoked", -10, "contract", record_id, True, None),
        ("contract_certified", 3, "contract", record_id, True, None)]
    assert events["items"][0]["label"] == "A certificate naming it was revoked"
    member_view = api.get(f"/credit/organizations/{filer.organization_id}", filer).get_json()
    assert member_view["events"]["items"][0]["comment"] == REVOKED
    officer_view = api.get(f"/credit/organizations/{filer.organization_id}",
                           market.bureau()).get_json()
    assert officer_view["events"]["items"][0]["comment"] == REVOKED


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_labels_follow_the_language(app, market, api, lang):
    org = market.user("enterprise")
    market.record("deal_completed", org_id=org.organization_id)
    body = api.get(f"/credit/organizations/{org.organization_id}", lang=lang).get_json()
    from marketplace.credit.services import GRADE_LABELS, KINDS

    assert body["grade_label"] == words(app, lang, GRADE_LABELS["B"])
    assert body["events"]["items"][0]["label"] == words(app, lang, KINDS["deal_completed"][1])


def test_events_are_paged(market, api):
    org = market.user("enterprise")
    market.record("deal_completed", 3, org_id=org.organization_id)
    body = api.get(f"/credit/organizations/{org.organization_id}?per_page=2&page=2").get_json()
    assert (body["events"]["total"], len(body["events"]["items"])) == (3, 1)
    bad = api.get(f"/credit/organizations/{org.organization_id}?per_page=0")
    assert bad.status_code == 422 and set(error(bad)[2]) == {"per_page"}


@pytest.mark.parametrize(("who", "status"), [("visitor", 404), ("stranger", 404),
                                             ("member", 200), ("bureau", 200)])
def test_an_unverified_organisation_s_record(market, api, who, status):
    member = market.contracts.filer(status="unverified")
    user = {"visitor": None, "stranger": market.user("enterprise"), "member": member,
            "bureau": market.bureau()}[who]
    assert api.get(f"/credit/organizations/{member.organization_id}", user).status_code == \
        status


def test_a_broker_s_record_by_its_public_id(market, api):
    seller, buyer, broker = (market.user("institute"), market.user("enterprise"),
                             market.broker())
    deal_id = market.new_deal(seller, buyer, broker)
    profile_id = market.profile_id(broker)
    body = api.get(f"/credit/brokers/{profile_id}").get_json()
    assert body["subject"]["kind"] == "broker"
    assert (body["subject"]["id"], body["subject"]["user_id"]) == (profile_id, broker.id)
    assert (body["score"], body["grade"]) == (73, "B")
    assert [(e["kind"], e["entity"], e["entity_id"]) for e in body["events"]["items"]] == [
        ("deal_completed", "deal", deal_id)]


@pytest.mark.parametrize(("status", "who", "code"), [
    ("pending", None, 404), ("pending", "self", 200), ("suspended", "bureau", 200),
    ("cancelled", None, 404)])
def test_a_broker_s_record_is_public_while_verified(market, api, status, who, code):
    broker = market.broker(status)
    user = {None: None, "self": broker, "bureau": market.bureau()}[who]
    assert api.get(f"/credit/brokers/{market.profile_id(broker)}", user).status_code == code


def test_unknown_ids_are_404(api):
    for path in ("/credit/organizations/424242", "/credit/brokers/424242"):
        response = api.get(path)
        assert (response.status_code, error(response)[0]) == (404, "not_found")


def test_the_openapi_document_describes_them(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    assert {"/credit/organizations/{org_id}", "/credit/brokers/{broker_id}",
            "/deals/{deal_id}/ratings"} <= set(paths)
    assert set(paths["/deals/{deal_id}/ratings"]) == {"get", "put"}
