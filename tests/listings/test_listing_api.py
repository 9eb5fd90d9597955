"""The whole path through the API alone: accounts registered and verified, an achievement
registered, listed, announced, wanted by one buyer, negotiated lazily at the end of the
announcement, confirmed by both sides into a deal, and its draft contract completed, filed
and certified. Then who reads what: the lists of listings, intents, bids and deals, and the
OpenAPI document."""
import io
import re
from datetime import datetime, timedelta

import pytest
from achievement_helpers import EVIDENCE
from achievement_helpers import api_body as achievement_body
from listing_helpers import api_body, bearer, listing_in
from openapi_spec_validator import validate

from marketplace import clock as market_clock
from marketplace.contracts.services import DEAL_LEAVES_OPEN
from tests.factories import PASSWORD, PDF, valid_credit_code

INSTITUTE_NAME = "吕梁学院技术转移中心"
ENTERPRISE_NAME = "吕梁市新元煤层气开发有限公司"


def registration(role, username, org_name):
    return {"username": username, "password": PASSWORD, "email": f"{username}@example.cn",
            "role": role, "organization": {
                "name": org_name,
                "kind": "enterprise" if role == "enterprise" else "research_institute",
                "entity_type": "private_enterprise" if role == "enterprise"
                else "research_institute",
                "credit_code": valid_credit_code(), "county": "141102",
                "address": "吕梁市离石区龙凤大街 8 号", "contact_name": "李工",
                "contact_phone": "0358-8881234"}}


class Caller:
    """One API user: a token from POST /api/v1/tokens, then JSON calls with it."""

    def __init__(self, client, username):
        self.client, self.username = client, username
        response = client.post("/api/v1/tokens",
                               json={"username": username, "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        self.headers = bearer(response.get_json()["token"], "en")

    def get(self, path):
        return self.client.get("/api/v1" + path, headers=self.headers)

    def post(self, path, json=None, **kwargs):
        if "data" in kwargs:
            return self.client.post("/api/v1" + path, headers=self.headers, **kwargs)
        return self.client.post("/api/v1" + path, headers=self.headers,
                                json={} if json is None else json)

    def patch(self, path, json):
        return self.client.patch("/api/v1" + path, headers=self.headers, json=json)


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def local_today(clock):
    return clock.now().astimezone(market_clock.LOCAL_TZ).date()


def test_the_whole_path_through_the_api(market, client, clock):
    # Accounts: an institute and an enterprise sign up; the bureau verifies them.
    officer = Caller(client, market.bureau().username)
    orgs = {}
    for role, name in (("institute", INSTITUTE_NAME), ("enterprise", ENTERPRISE_NAME)):
        user = ok(client.post("/api/v1/register",
                              json=registration(role, f"new_{role}", name)), 201)
        assert user["organization"]["status"] == "unverified"
        orgs[role] = user["organization"]["id"]
        verified = ok(officer.post(f"/organizations/{orgs[role]}/verify",
                                   {"decision": "verify", "comment": ""}))
        assert verified["status"] == "verified"
    seller, buyer = Caller(client, "new_institute"), Caller(client, "new_enterprise")
    stranger = Caller(client, market.user("enterprise").username)

    # The institute registers an achievement with its evidence.
    achievement = ok(seller.post("/achievements", achievement_body()), 201)
    for kind in EVIDENCE["applied"]:
        ok(seller.post(f"/achievements/{achievement['id']}/files", data={
            "kind": kind, "file": (io.BytesIO(PDF), f"{kind}.pdf")}), 201)
    assert ok(seller.post(f"/achievements/{achievement['id']}/submit"))["status"] == \
        "submitted"
    registered = ok(officer.post(f"/achievements/{achievement['id']}/review",
                                 {"decision": "register", "comment": ""}))
    assert registered["status"] == "registered" and registered["registration_number"]

    # It is listed, reviewed and announced.
    listing = ok(seller.post("/listings", api_body(achievement["id"])), 201)
    listing_id = listing["id"]
    assert (listing["status"], listing["seller"]["id"], listing["asking_price"]) == (
        "draft", orgs["institute"], "1500000.00")
    assert ok(seller.post(f"/listings/{listing_id}/submit"))["status"] == "pending_review"
    announced = ok(officer.post(f"/listings/{listing_id}/review",
                                {"decision": "approve", "comment": ""}))
    ends = datetime.fromisoformat(announced["announcement_ends_at"])
    assert announced["status"] == "announced"
    assert ends == clock.now() + timedelta(days=15)

    # One enterprise registers an intent with a price.
    intent = ok(buyer.post(f"/listings/{listing_id}/intents", {
        "statement": "我公司从事煤层气开发十年，满足受让方条件。",
        "offered_price": "1200000.00"}), 201)
    assert (intent["status"], intent["organization"]["id"]) == ("active",
                                                                orgs["enterprise"])

    # The announcement ends; no tick runs: reading the listing moves it.
    clock.set(ends + timedelta(seconds=1))
    assert market.listing_status(listing_id) == "announced"
    read = ok(client.get(f"/api/v1/listings/{listing_id}"))
    assert (read["status"], read["agreed_price"], read["intents_count"]) == (
        "negotiating", "1200000.00", 1)
    assert read["confirm_by"] is not None
    assert market.listing_status(listing_id) == "negotiating"
    # Tokens last hours, the announcement weeks: everyone signs in again.
    assert seller.get("/me").status_code == 401
    seller, buyer, officer, stranger = (Caller(client, caller.username) for caller in (
        seller, buyer, officer, stranger))

    # Both sides confirm: the deal.
    first = ok(seller.post(f"/listings/{listing_id}/confirm"))
    assert (first["status"], first["seller_confirmed"], first["deal"]) == (
        "negotiating", True, None)
    dealt = ok(buyer.post(f"/listings/{listing_id}/confirm"))
    assert dealt["status"] == "dealt"
    assert set(dealt["deal"]) >= {"id", "certificate_number", "contract_id"}
    deal = ok(buyer.get(f"/deals/{dealt['deal']['id']}"))
    assert (deal["price"], deal["seller"]["id"], deal["buyer"]["id"], deal["transfer_mode"],
            deal["certificate_number"], deal["contract_id"]) == (
        "1200000.00", orgs["institute"], orgs["enterprise"], "assignment",
        dealt["deal"]["certificate_number"], dealt["deal"]["contract_id"])

    # The draft contract the deal pre-filled: both sides read it, nobody else.
    contract_url = f"/contracts/{dealt['deal']['contract_id']}"
    contract = ok(seller.get(contract_url))
    assert ok(buyer.get(contract_url)) == contract
    assert stranger.get(contract_url).status_code == 404
    assert (contract["status"], contract["contract_type"], contract["deal_id"],
            contract["achievement_id"], contract["total_amount"],
            contract["technology_amount"]) == (
        "draft", "transfer", deal["id"], achievement["id"], "1200000.00", "1200000.00")
    assert (contract["seller"]["name"], contract["buyer"]["name"]) == (INSTITUTE_NAME,
                                                                       ENTERPRISE_NAME)
    assert contract["seller"]["credit_code"] and contract["buyer"]["credit_code"]
    missing = {name for name in DEAL_LEAVES_OPEN if contract.get(name) is None}
    assert {"signed_on", "valid_from", "valid_to", "payment_method"} <= missing

    # Submitted before it is complete: 422 naming what is missing.
    early = seller.post(f"{contract_url}/submit")
    assert early.status_code == 422
    assert set(early.get_json()["error"]["fields"]) == missing
    assert buyer.post(f"{contract_url}/submit").status_code == 403

    today = local_today(clock)
    completed = ok(seller.patch(contract_url, {
        "signed_on": today.isoformat(), "valid_from": today.isoformat(),
        "valid_to": today.replace(year=today.year + 3).isoformat(),
        "tech_domain": "new_energy", "payment_method": "instalments"}))
    assert (completed["signed_on"], completed["tech_domain"], completed["payment_method"],
            completed["total_amount"]) == (today.isoformat(), "new_energy", "instalments",
                                           "1200000.00")
    ok(seller.post(f"{contract_url}/files", data={
        "file": (io.BytesIO(PDF), "技术转让合同（签字盖章）.pdf")}), 201)
    submitted = ok(seller.post(f"{contract_url}/submit"))
    assert submitted["status"] == "submitted" and submitted["due_on"]
    certified = ok(officer.post(f"{contract_url}/review",
                                {"decision": "certify", "comment": ""}))
    assert certified["status"] == "certified"

    # The achievement is transferred, and the certificates verify publicly.
    assert ok(client.get(f"/api/v1/achievements/{achievement['id']}"))["transferred"] is True
    facts = ok(client.get(f"/api/v1/verify/{certified['registration_number']}"
                          f"?code={certified['verification_code']}"))
    assert (facts["kind"], facts["seller"], facts["buyer"]) == ("contract", INSTITUTE_NAME,
                                                                ENTERPRISE_NAME)
    # The deal's transaction certificate (交易凭证) verifies too, with the deal's code.
    certificate = ok(client.get(f"/api/v1/verify/{deal['certificate_number']}"
                                f"?code={deal['verification_code']}"))
    assert (certificate["kind"], certificate["certificate_number"], certificate["price"],
            certificate["seller"], certificate["buyer"], certificate["title"]) == (
        "deal_certificate", deal["certificate_number"], "1200000.00", INSTITUTE_NAME,
        ENTERPRISE_NAME, achievement["title"])
    assert client.get(f"/api/v1/verify/{deal['certificate_number']}"
                      f"?code=WRONG123").status_code == 404


# --- who reads what ----------------------------------------------------------------------------

def ids(response):
    return sorted(item["id"] for item in ok(response)["items"])


def test_the_public_list_and_mine(market, client):
    seller = market.user("institute")
    colleague = market.member_of(seller.organization_id)
    other = market.user("institute")
    # Timed states first: making one moves the clock past the announcements made before.
    listed = market.listing(seller, "listed")
    mine = {state: market.listing(seller, state)
            for state in ("draft", "pending_review", "returned", "withdrawn", "announced")}
    mine["listed"] = listed
    others = {state: market.listing(other, state) for state in ("draft", "announced")}
    public = sorted([listed, mine["announced"], others["announced"]])

    def get(user, query=""):
        token = market.token(user) if user else None
        return client.get(f"/api/v1/listings{query}", headers=bearer(token))

    assert ids(get(None)) == public
    assert ids(get(market.user("enterprise"))) == public
    assert ids(get(seller, "?mine=1")) == sorted(mine.values())
    assert ids(get(colleague, "?mine=1")) == sorted(mine.values())
    assert ids(get(other, "?mine=1")) == sorted(others.values())
    assert ids(get(None, "?status=listed")) == [listed]
    assert ids(get(None, "?status=draft")) == []
    assert ids(get(seller, "?mine=1&status=draft")) == [mine["draft"]]
    # Officers see every listing; a visitor has no "mine", an officer no organisation.
    officer = market.bureau()
    assert ids(get(officer)) == sorted([*mine.values(), *others.values()])
    assert get(None, "?mine=1").status_code == 401
    assert get(officer, "?mine=1").status_code == 403
    body = ok(get(None, "?per_page=2"))
    assert (body["total"], body["per_page"], len(body["items"])) == (3, 2, 2)


@pytest.mark.parametrize("state", ["draft", "pending_review", "returned", "rejected",
                                   "withdrawn"])
def test_a_listing_never_announced_is_hidden_from_strangers(market, client, state):
    seller = market.user("institute")
    listing_id = market.listing(seller, state)
    readers = {"seller": (seller, 200),
               "colleague": (market.member_of(seller.organization_id), 200),
               "bureau": (market.bureau(), 200), "admin": (market.user("admin"), 200),
               "institute": (market.user("institute"), 404),
               "enterprise": (market.user("enterprise"), 404),
               "broker": (market.user("broker"), 404), "visitor": (None, 404)}
    got = {}
    for name, (user, _) in readers.items():
        token = market.token(user) if user else None
        got[name] = client.get(f"/api/v1/listings/{listing_id}",
                               headers=bearer(token)).status_code
    assert got == {name: status for name, (_, status) in readers.items()}


def test_who_sees_which_intents(market, client):
    people = market.people()
    listing_id = listing_in(market, people, "announced")
    intents = {role: market.intent(listing_id, people[role]) for role in ("buyer", "rival")}
    expected = {"seller": sorted(intents.values()), "bureau": sorted(intents.values()),
                "admin": sorted(intents.values()), "buyer": [intents["buyer"]],
                "rival": [intents["rival"]], "institute": [], "broker": []}
    got = {}
    for role in expected:
        got[role] = ids(client.get(f"/api/v1/listings/{listing_id}/intents",
                                   headers=bearer(market.token(people[role]))))
    assert got == expected
    assert client.get(f"/api/v1/listings/{listing_id}/intents").status_code == 401
    # A stranger's draft has no intents to show, nor is it there at all.
    draft = market.listing(people["seller"], "draft")
    assert client.get(f"/api/v1/listings/{draft}/intents", headers=bearer(
        market.token(people["buyer"]))).status_code == 404


def test_bids_are_public_and_each_bidder_sees_its_own(market, client, clock):
    people = market.people()
    listing_id = listing_in(market, people, "bidding")
    for role, amount in (("buyer", "1000000.00"), ("rival", "1050000.00")):
        response = client.post(f"/api/v1/listings/{listing_id}/bids", json={"amount": amount},
                               headers=bearer(market.token(people[role])))
        assert ok(response, 201)["mine"] is True

    def bids(user):
        token = market.token(user) if user else None
        items = ok(client.get(f"/api/v1/listings/{listing_id}/bids",
                              headers=bearer(token)))["items"]
        return [(b["sequence"], b["amount"], b["mine"]) for b in items]

    assert bids(None) == [(2, "1050000.00", False), (1, "1000000.00", False)]
    assert bids(people["buyer"]) == [(2, "1050000.00", False), (1, "1000000.00", True)]
    assert bids(people["rival"]) == [(2, "1050000.00", True), (1, "1000000.00", False)]
    assert bids(people["seller"]) == [(2, "1050000.00", False), (1, "1000000.00", False)]
    listing = ok(client.get(f"/api/v1/listings/{listing_id}"))
    ends = datetime.fromisoformat(listing["bidding_ends_at"])
    assert (listing["best_bid"], listing["min_next_bid"], listing["bid_count"]) == (
        "1050000.00", "1100000.00", 2)
    assert listing["bidding_seconds_left"] == int((ends - clock.now()).total_seconds())
    assert "best_bid_org_id" not in listing and "buyer" not in listing
    # The bids of a stranger's draft are not there.
    draft = market.listing(people["seller"], "draft")
    assert client.get(f"/api/v1/listings/{draft}/bids").status_code == 404


def test_the_deals_of_each_side_and_the_public_announcements(market, client, clock):
    people = market.people()
    listing_id = listing_in(market, people, "dealt")
    deal = market.deal(listing_id)

    def deals(user, query=""):
        token = market.token(user) if user else None
        return client.get(f"/api/v1/deals{query}", headers=bearer(token))

    got = {role: ids(deals(people[role]))
           for role in ("seller", "buyer", "rival", "institute", "broker", "bureau", "admin")}
    assert got == {"seller": [deal.id], "buyer": [deal.id], "rival": [], "institute": [],
                   "broker": [], "bureau": [deal.id], "admin": [deal.id]}
    assert deals(None).status_code == 401
    mine = ok(deals(people["buyer"]))["items"][0]
    assert (mine["verification_code"], mine["contract_id"], mine["price"]) == (
        deal.verification_code, deal.contract_id, f"{deal.price:.2f}")

    # The public announcement (成交公告): no token, no verification code.
    announced = ok(deals(None, "?announced=1"))["items"]
    assert [(a["id"], a["certificate_number"], a["price"]) for a in announced] == [
        (deal.id, deal.certificate_number, f"{deal.price:.2f}")]
    assert "verification_code" not in announced[0]
    assert announced[0]["announcement_until"] == deal.announcement_until.isoformat()

    # One deal: the parties and officers; nobody else.
    for role, status in (("seller", 200), ("buyer", 200), ("bureau", 200), ("rival", 404),
                         ("institute", 404)):
        response = client.get(f"/api/v1/deals/{deal.id}",
                              headers=bearer(market.token(people[role])))
        assert response.status_code == status, role
    assert client.get(f"/api/v1/deals/{deal.id}").status_code == 401

    # Five working days later the announcement is over.
    last_day = datetime.combine(deal.announcement_until, datetime.min.time(),
                                market_clock.LOCAL_TZ)
    clock.set(last_day + timedelta(hours=23))
    assert ids(deals(None, "?announced=1")) == [deal.id]
    clock.set(last_day + timedelta(days=1, minutes=1))
    assert ids(deals(None, "?announced=1")) == []
    assert ids(deals(people["buyer"])) == [deal.id]  # the parties' own list keeps it


def test_the_lists_move_listings_whose_period_ended(market, client, clock):
    """The list applies the timed moves that are due before it answers, as a read of one
    listing does."""
    people = market.people()
    listing_id = listing_in(market, people, "announced")
    market.intent(listing_id, people["buyer"])
    clock.set(market.get_listing(listing_id).announcement_ends_at + timedelta(seconds=1))
    assert market.listing_status(listing_id) == "announced"
    items = ok(client.get("/api/v1/listings?status=negotiating"))["items"]
    assert [(i["id"], i["status"]) for i in items] == [(listing_id, "negotiating")]


def test_the_openapi_document_covers_every_listing_route(app, client):
    spec = ok(client.get("/api/v1/openapi.json"))
    validate(spec)
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith(("/api/v1/listings", "/api/v1/deals"))]
    routes = set()
    for rule in rules:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
        routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes <= documented, routes - documented
    expected = {("/listings", "post"), ("/listings", "get"),
                ("/listings/{listing_id}", "get"), ("/listings/{listing_id}", "patch"),
                ("/listings/{listing_id}/intents", "post"),
                ("/listings/{listing_id}/intents", "get"),
                ("/listings/{listing_id}/bids", "post"), ("/listings/{listing_id}/bids", "get"),
                ("/deals", "get"), ("/deals/{deal_id}", "get")}
    expected |= {(f"/listings/{{listing_id}}/{action}", "post") for action in (
        "submit", "withdraw", "review", "renew", "pause", "resume", "terminate", "confirm",
        "decline")}
    expected |= {(f"/listings/{{listing_id}}/intents/{{intent_id}}/{action}", "post")
                 for action in ("withdraw", "disqualify", "decline")}
    expected |= {("/deals/{deal_id}/complaints", "post")}  # the credit capability's
    # The brokers capability's: a party invites a broker onto its listing or deal.
    expected |= {("/listings/{listing_id}/engagements", "post"),
                 ("/deals/{deal_id}/engagements", "post")}
    expected |= {("/deals/{deal_id}/ratings", "get"),  # the ratings after a deal
                 ("/deals/{deal_id}/ratings", "put")}
    assert expected == routes
    schemas = spec["components"]["schemas"]

    def body_schema(path, method):
        ref = spec["paths"][path][method]["requestBody"]["content"]["application/json"][
            "schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]

    assert {"achievement_id", "transfer_mode", "reserve_price", "bid_increment"} <= set(
        body_schema("/listings", "post")["required"])
    assert not body_schema("/listings/{listing_id}", "patch").get("required")
    assert body_schema("/listings/{listing_id}/intents", "post")["required"] == ["statement"]
    get_one = spec["paths"]["/listings/{listing_id}"]["get"]["responses"]
    assert {"200", "404"} <= set(get_one)
