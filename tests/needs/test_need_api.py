"""The whole path of a need through the API alone: accounts registered and verified, an
achievement registered, a need drafted, reviewed and published, a response offering the
achievement shortlisted and accepted on terms, confirmed by the institute into a deal whose
draft contract both sides read. Then who reads what: the lists of needs, the responses, the
matches (with and without a search index), and the OpenAPI document."""
import io
import re

import pytest
from achievement_helpers import EVIDENCE
from achievement_helpers import api_body as achievement_body
from need_helpers import NeedApi, api_body, need_people
from openapi_spec_validator import validate

from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.search import sync
from tests.factories import PASSWORD, PDF, valid_credit_code

INSTITUTE_NAME = "吕梁学院瓦斯利用研究所"
ENTERPRISE_NAME = "吕梁市柳林县鑫源煤业有限公司"


def registration(role, username, org_name):
    return {"username": username, "password": PASSWORD, "email": f"{username}@example.cn",
            "role": role, "organization": {
                "name": org_name,
                "kind": "enterprise" if role == "enterprise" else "research_institute",
                "entity_type": "private_enterprise" if role == "enterprise"
                else "research_institute",
                "credit_code": valid_credit_code(), "county": "141125",
                "address": "吕梁市柳林县滨河北路 6 号", "contact_name": "张工",
                "contact_phone": "0358-4021234"}}


class Caller:
    """One API user: a token from POST /api/v1/tokens, then JSON calls with it."""

    def __init__(self, client, username):
        self.client, self.username = client, username
        response = client.post("/api/v1/tokens",
                               json={"username": username, "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        self.headers = {"Authorization": f"Bearer {response.get_json()['token']}",
                        "Accept-Language": "en"}

    def get(self, path):
        return self.client.get("/api/v1" + path, headers=self.headers)

    def post(self, path, json=None, **kwargs):
        if "data" in kwargs:
            return self.client.post("/api/v1" + path, headers=self.headers, **kwargs)
        return self.client.post("/api/v1" + path, headers=self.headers,
                                json={} if json is None else json)


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_the_whole_path_through_the_api(market, client):
    # Accounts: an institute and an enterprise sign up; the bureau verifies them.
    officer = Caller(client, market.bureau().username)
    orgs = {}
    for role, name in (("institute", INSTITUTE_NAME), ("enterprise", ENTERPRISE_NAME)):
        user = ok(client.post("/api/v1/register",
                              json=registration(role, f"need_{role}", name)), 201)
        orgs[role] = user["organization"]["id"]
        assert ok(officer.post(f"/organizations/{orgs[role]}/verify",
                               {"decision": "verify", "comment": ""}))["status"] == "verified"
    institute, enterprise = Caller(client, "need_institute"), Caller(client, "need_enterprise")
    stranger = Caller(client, market.user("enterprise").username)

    # The institute registers an achievement with its evidence.
    achievement = ok(institute.post("/achievements", achievement_body()), 201)
    for kind in EVIDENCE["applied"]:
        ok(institute.post(f"/achievements/{achievement['id']}/files", data={
            "kind": kind, "file": (io.BytesIO(PDF), f"{kind}.pdf")}), 201)
    ok(institute.post(f"/achievements/{achievement['id']}/submit"))
    assert ok(officer.post(f"/achievements/{achievement['id']}/review",
                           {"decision": "register", "comment": ""}))["status"] == "registered"

    # The enterprise drafts its need; the bureau publishes it.
    need = ok(enterprise.post("/needs", api_body()), 201)
    need_id = need["id"]
    assert (need["status"], need["closure"], need["organization"]["id"], need["deadline"],
            need["budget_max"], need["responses_count"]) == (
        "draft", None, orgs["enterprise"], "2026-09-30", "2000000.00", 0)
    assert client.get(f"/api/v1/needs/{need_id}").status_code == 404
    assert ok(enterprise.post(f"/needs/{need_id}/submit"))["status"] == "pending_review"
    returned = ok(officer.post(f"/needs/{need_id}/review",
                               {"decision": "return", "comment": "请写明瓦斯浓度范围。"}))
    assert (returned["status"], returned["review_comment"]) == ("returned",
                                                                 "请写明瓦斯浓度范围。")
    ok(enterprise.client.patch(f"/api/v1/needs/{need_id}", headers=enterprise.headers,
                               json={"indicators": "抽采瓦斯浓度 8%–15%，利用率不低于 80%。"}))
    assert ok(enterprise.post(f"/needs/{need_id}/submit"))["status"] == "pending_review"
    published = ok(officer.post(f"/needs/{need_id}/review",
                                {"decision": "publish", "comment": ""}))
    assert (published["status"], published["published_at"] is not None) == ("published", True)
    public = ok(client.get(f"/api/v1/needs/{need_id}"))
    assert (public["status"], public["indicators"]) == ("published",
                                                        "抽采瓦斯浓度 8%–15%，利用率不低于 80%。")

    # The institute responds, offering its registered achievement.
    response = ok(institute.post(f"/needs/{need_id}/responses", {
        "message": "我所的低浓度瓦斯提纯技术可满足贵矿需求，可提供成套装置与调试。",
        "achievement_id": achievement["id"]}), 201)
    response_id = response["id"]
    assert (response["status"], response["seller_org_id"], response["achievement_id"],
            response["responder"]["organization"]) == (
        "submitted", orgs["institute"], achievement["id"], INSTITUTE_NAME)
    assert ok(client.get(f"/api/v1/needs/{need_id}"))["responses_count"] == 1
    seen = ok(enterprise.get(f"/needs/{need_id}/responses"))
    assert [(r["id"], r["message"]) for r in seen["items"]] == [(response_id,
                                                                 response["message"])]

    # The enterprise shortlists it, then accepts it at a price.
    url = f"/needs/{need_id}/responses/{response_id}"
    assert ok(enterprise.post(f"{url}/shortlist"))["status"] == "shortlisted"
    accepted = ok(enterprise.post(f"{url}/accept", {"price": "1680000.00",
                                                    "mode": "commissioned_development"}))
    assert (accepted["status"], accepted["agreed_price"], accepted["agreed_mode"]) == (
        "accepted", "1680000.00", "commissioned_development")
    assert enterprise.post(f"{url}/confirm").status_code == 403

    # The institute confirms: the deal, with its certificate and a draft contract.
    deal = ok(institute.post(f"{url}/confirm"), 201)
    assert (deal["seller"]["id"], deal["buyer"]["id"], deal["price"], deal["transfer_mode"],
            deal["listing_id"], deal["achievement_id"]) == (
        orgs["institute"], orgs["enterprise"], "1680000.00", "commissioned_development",
        None, achievement["id"])
    assert re.fullmatch(r"2026\d{10}", deal["certificate_number"])
    assert re.fullmatch(r"2026\d{6}", deal["confirmation_number"])
    assert deal["contract_id"] is not None
    closed = ok(client.get(f"/api/v1/needs/{need_id}"))
    assert (closed["status"], closed["closure"]) == ("closed", "resolved")
    assert [r["status"] for r in ok(enterprise.get(f"/needs/{need_id}/responses"))["items"]] \
        == ["dealt"]
    assert ok(enterprise.get(f"/deals/{deal['id']}"))["certificate_number"] == \
        deal["certificate_number"]

    # The draft contract: both sides read it, nobody else.
    contract_url = f"/contracts/{deal['contract_id']}"
    contract = ok(institute.get(contract_url))
    assert ok(enterprise.get(contract_url)) == contract
    assert stranger.get(contract_url).status_code == 404
    assert client.get(f"/api/v1{contract_url}").status_code == 401
    assert (contract["status"], contract["contract_type"], contract["subtype"],
            contract["deal_id"], contract["achievement_id"], contract["total_amount"],
            contract["technology_amount"]) == (
        "draft", "development", "commissioned", deal["id"], achievement["id"],
        "1680000.00", "1680000.00")
    assert (contract["seller"]["name"], contract["buyer"]["name"]) == (INSTITUTE_NAME,
                                                                       ENTERPRISE_NAME)
    assert contract["title"].startswith(achievement["title"])
    # The need takes no more responses.
    late = Caller(client, market.user("institute").username)
    assert late.post(f"/needs/{need_id}/responses", {"message": "我们也能做。"}).status_code \
        == 409


# --- who reads what ----------------------------------------------------------------------------

def ids(response):
    assert response.status_code == 200, response.get_json()
    return sorted(item["id"] for item in response.get_json()["items"])


def test_the_public_list_and_mine(market):
    owner = market.user("enterprise")
    colleague = market.member_of(owner.organization_id, "enterprise")
    other = market.user("enterprise")
    # The expired need first: making it moves the clock past the default deadline.
    expired = market.need(owner, "expired")
    later = "2026-12-31"
    mine = {state: market.need(owner, state, deadline=later)
            for state in ("draft", "pending_review", "returned", "published", "withdrawn",
                          "closed_withdrawn", "resolved")}
    mine["expired"] = expired
    others = {state: market.need(other, state, deadline=later)
              for state in ("draft", "published")}
    public = sorted([mine[s] for s in ("published", "closed_withdrawn", "resolved",
                                       "expired")] + [others["published"]])
    api = NeedApi(market)

    assert ids(api.get("/needs")) == public
    assert ids(api.get("/needs", market.user("institute"))) == public
    assert ids(api.get("/needs", owner)) == public
    assert ids(api.get("/needs?mine=1", owner)) == sorted(mine.values())
    assert ids(api.get("/needs?mine=1", colleague)) == sorted(mine.values())
    assert ids(api.get("/needs?mine=1", other)) == sorted(others.values())
    assert ids(api.get("/needs?status=published")) == sorted([mine["published"],
                                                              others["published"]])
    assert ids(api.get("/needs?status=closed")) == sorted(
        [mine[s] for s in ("closed_withdrawn", "resolved", "expired")])
    assert ids(api.get("/needs?status=draft")) == []
    assert ids(api.get("/needs?mine=1&status=draft", owner)) == [mine["draft"]]
    assert ids(api.get("/needs?field=power")) == []
    assert ids(api.get("/needs?field=coal")) == public
    # Officers see every need; a visitor has no "mine", an officer no organisation.
    officer = market.bureau()
    assert ids(api.get("/needs", officer)) == sorted([*mine.values(), *others.values()])
    assert api.get("/needs?mine=1").status_code == 401
    assert api.get("/needs?mine=1", officer).status_code == 403
    assert api.get("/needs?status=open").status_code == 422
    body = api.get("/needs?per_page=2").get_json()
    assert (body["total"], body["per_page"], len(body["items"])) == (5, 2, 2)
    closures = {i["id"]: i["closure"] for i in api.get("/needs?per_page=100").get_json()["items"]}
    assert closures == {mine["published"]: None, others["published"]: None,
                        mine["closed_withdrawn"]: "withdrawn", mine["resolved"]: "resolved",
                        mine["expired"]: "expired"}


def test_the_list_closes_needs_whose_deadline_passed(market, clock):
    need_id = market.need(market.user("enterprise"), "published")
    clock.set("2026-09-30T16:00:00+00:00")  # 1 October in Lüliang
    assert market.need_status(need_id) == "published"
    items = NeedApi(market).get("/needs?status=closed").get_json()["items"]
    assert [(i["id"], i["closure"]) for i in items] == [(need_id, "expired")]
    assert market.need_status(need_id) == "closed:expired"


@pytest.mark.parametrize("state", ["draft", "pending_review", "returned", "withdrawn"])
def test_a_need_never_published_is_hidden_from_strangers(market, state):
    owner = market.user("enterprise")
    need_id = market.need(owner, state)
    readers = {"owner": (owner, 200),
               "colleague": (market.member_of(owner.organization_id, "enterprise"), 200),
               "bureau": (market.bureau(), 200), "admin": (market.user("admin"), 200),
               "enterprise": (market.user("enterprise"), 404),
               "institute": (market.user("institute"), 404),
               "broker": (market.user("broker"), 404), "visitor": (None, 404)}
    api = NeedApi(market)
    got = {name: api.get(f"/needs/{need_id}", user).status_code
           for name, (user, _) in readers.items()}
    assert got == {name: status for name, (_, status) in readers.items()}
    assert api.get(f"/needs/{need_id}/matches").status_code == 404
    assert api.get(f"/needs/{need_id}/responses", readers["enterprise"][0]).status_code == 404


def test_who_sees_which_responses(market):
    people = need_people(market)
    owner, institute, broker = people["owner"], people["institute"], people["broker"]
    represented = market.user("institute")  # whose achievement the broker offers
    need_id = market.need(owner, "published")
    from_institute = market.respond(need_id, institute)
    from_broker = market.respond(need_id, broker,
                                 achievement_id=market.registered(represented))
    both = sorted([from_institute, from_broker])
    readers = {
        "owner": (owner, both),
        "owner's colleague": (market.member_of(owner.organization_id, "enterprise"), both),
        "bureau": (people["bureau"], both), "admin": (people["admin"], both),
        "institute": (institute, [from_institute]),
        "institute's colleague": (market.member_of(institute.organization_id),
                                  [from_institute]),
        "broker": (broker, [from_broker]),
        "the broker's institute": (represented, [from_broker]),
        "another broker": (market.user("broker"), []),
        "another enterprise": (people["enterprise"], []),
    }
    api = NeedApi(market)
    got = {name: ids(api.get(f"/needs/{need_id}/responses", user))
           for name, (user, _) in readers.items()}
    assert got == {name: expected for name, (_, expected) in readers.items()}
    assert api.get(f"/needs/{need_id}/responses").status_code == 401
    assert api.get("/needs/999999/responses", owner).status_code == 404
    # A response is reached through its own need only.
    other_need = market.need(owner, "published")
    assert api.post(f"/needs/{other_need}/responses/{from_institute}/shortlist",
                    owner).status_code == 404
    assert market.get_response(from_institute).status == "submitted"


# --- matches -----------------------------------------------------------------------------------

def test_the_matches_without_an_index_are_an_empty_list(market):
    need_id = market.need(market.user("enterprise"), "published")
    response = NeedApi(market).get(f"/needs/{need_id}/matches")
    assert response.status_code == 200
    assert response.get_json() == {"items": []}
    assert NeedApi(market).get("/needs/999999/matches").status_code == 404


def test_the_matches_of_a_need_best_first(app, market):
    institute = market.user("institute")
    need_id = market.need(market.user("enterprise"), "published",
                          title="低浓度瓦斯提纯与发电技术",
                          description="我矿抽采瓦斯浓度低，需要提纯后用于发电的成套技术。",
                          keywords=["瓦斯", "提纯", "发电"], indicators="")
    close = market.registered(institute, title="低浓度瓦斯变压吸附提纯技术",
                              keywords=["瓦斯", "提纯"], title_en="",
                              summary="将低浓度瓦斯提纯至 90% 以上，用于发电和民用。")
    listing_id = market.listing(institute, "announced", achievement_id=market.registered(
        institute, title="煤层气发电机组余热利用技术", keywords=["煤层气", "发电"], title_en="",
        summary="煤层气（瓦斯）发电机组的余热回收与利用。"))
    unrelated = market.registered(institute, title="红枣深加工与保鲜技术", field="agriculture",
                                  keywords=["红枣", "保鲜"], title_en="",
                                  summary="红枣烘干、制粉与保鲜工艺。")
    draft = market.achievement(institute, "draft", title="瓦斯提纯发电一体化装置",
                               keywords=["瓦斯", "提纯", "发电"], title_en="")
    with app.app_context():
        sync()

    body = NeedApi(market).get(f"/needs/{need_id}/matches").get_json()

    items = body["items"]
    assert all(set(item) == {"type", "id", "title", "score", "shared_terms"} for item in items)
    found = [(item["type"], item["id"]) for item in items]
    assert found[0] == ("achievement", close)
    assert ("listing", listing_id) in found
    assert ("achievement", unrelated) not in found and ("achievement", draft) not in found
    assert ("need", need_id) not in found
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert items[0]["title"] == "低浓度瓦斯变压吸附提纯技术"
    assert {"瓦斯", "提纯"} <= set(items[0]["shared_terms"])
    with app.app_context():
        assert db.session.get(Need, need_id) is not None


# --- the OpenAPI document ----------------------------------------------------------------------

def test_the_openapi_document_covers_every_need_route(app, client):
    spec = ok(client.get("/api/v1/openapi.json"))
    validate(spec)
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/needs"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes <= documented, routes - documented
    one = "/needs/{need_id}"
    response = f"{one}/responses/{{response_id}}"
    expected = {("/needs", "post"), ("/needs", "get"), (one, "get"), (one, "patch"),
                (f"{one}/matches", "get"), (f"{one}/responses", "post"),
                (f"{one}/responses", "get")}
    expected |= {(f"{one}/{action}", "post")
                 for action in ("submit", "review", "withdraw", "resolve", "renew")}
    expected |= {(f"{response}/{action}", "post")
                 for action in ("withdraw", "shortlist", "decline", "accept", "confirm",
                                "refuse")}
    expected.add((f"{one}/engagements", "post"))  # a broker invited (the brokers capability)
    assert routes == expected
    schemas = spec["components"]["schemas"]

    def body_schema(path, method="post"):
        ref = spec["paths"][path][method]["requestBody"]["content"]["application/json"][
            "schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]

    assert set(body_schema("/needs")["required"]) == {"title", "description", "field",
                                                      "deadline"}
    assert not body_schema(one, "patch").get("required")
    assert body_schema(f"{one}/responses")["required"] == ["message"]
    assert set(body_schema(f"{response}/accept")["required"]) == {"price", "mode"}
    assert body_schema(f"{one}/review")["required"] == ["decision"]
    assert {"200", "404"} <= set(spec["paths"][one]["get"]["responses"])
    assert "201" in spec["paths"][f"{response}/confirm"]["post"]["responses"]
    assert {"403", "409"} <= set(spec["paths"][f"{response}/confirm"]["post"]["responses"])
    assert spec["paths"]["/needs"]["get"]["tags"] == ["needs"]
