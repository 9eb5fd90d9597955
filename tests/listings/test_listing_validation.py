"""Every rule of a listing's terms (services.validate), of an intent, of the decisions that
need reasons and of the confirmation's price, through the API: 422 naming the field, with the
message in the reader's language (Accept-Language: zh by default, en)."""
import pytest
from flask_babel import force_locale, gettext
from listing_helpers import api_body, bearer, org_name

from marketplace import audit, settings
from marketplace.extensions import db
from marketplace.listings.models import Listing

MISSING = object()  # a key left out of the body
REQUIRED = "This field is required."
SCHEMA_REQUIRED = "Missing data for required field."
NOT_NULL = "Field may not be null."
NOT_ALLOWED = "Not one of the allowed values."
NOT_INTEGER = "Not a valid integer."
NOT_NUMBER = "Not a valid number."
POSITIVE = "The amount must be more than zero."
AMOUNT_FORM = "Enter an amount in yuan, such as 1200000.00."
NOT_OWN = "Choose one of your organisation's registered achievements."
DAYS = "Between %(low)d and %(high)d days."
YEARS = "Between %(low)d and %(high)d years."
AT_MOST = "At most %(n)d characters."
NAMES_A_PARTY = ("Conditions describe what a buyer must meet; they may not name a particular "
                 "party.")
NOT_A_BROKER = "Choose one of the market's verified technology brokers."
NO_BROKER = "A commission is agreed with a broker: name the broker first."
TERM = "A licence gives its term in years."
TERRITORY = "Say where the licensee may use the technology."
LICENCE_MODES = ("licence_exclusive", "licence_sole", "licence_ordinary")
OTHER_MODES = ("assignment", "equity", "joint_development")
MONEY = ("asking_price", "reserve_price", "bid_increment", "seller_broker_commission")
LICENCE = {"licence_term_years": 5, "licence_territory": "山西省吕梁市"}


def licence_cases(mode):
    base = {"transfer_mode": mode, **LICENCE}
    return [
        (f"{mode}: term missing", {**base, "licence_term_years": None}, "licence_term_years",
         TERM, {}),
        (f"{mode}: term left out", {**base, "licence_term_years": MISSING},
         "licence_term_years", TERM, {}),
        (f"{mode}: term not a number", {**base, "licence_term_years": "ten"},
         "licence_term_years", NOT_INTEGER, {}),
        (f"{mode}: term 0", {**base, "licence_term_years": 0}, "licence_term_years", YEARS,
         {"low": 1, "high": 50}),
        (f"{mode}: term 51", {**base, "licence_term_years": 51}, "licence_term_years", YEARS,
         {"low": 1, "high": 50}),
        (f"{mode}: territory missing", {**base, "licence_territory": None},
         "licence_territory", TERRITORY, {}),
        (f"{mode}: territory blank", {**base, "licence_territory": "   "},
         "licence_territory", TERRITORY, {}),
        (f"{mode}: territory too long", {**base, "licence_territory": "省" * 201},
         "licence_territory", AT_MOST, {"n": 200}),
    ]


# (case, changes to a complete body, the field named, its English msgid, the msgid's params).
# Achievement cases name a key of ACHIEVEMENTS instead of an id.
CASES = [
    ("another organisation's achievement", {"achievement_id": "foreign"}, "achievement_id",
     NOT_OWN, {}),
    ("a draft achievement", {"achievement_id": "draft"}, "achievement_id", NOT_OWN, {}),
    ("a revoked achievement", {"achievement_id": "revoked"}, "achievement_id", NOT_OWN, {}),
    ("no such achievement", {"achievement_id": 999999}, "achievement_id", NOT_OWN, {}),
    ("an achievement already listed", {"achievement_id": "listed"}, "achievement_id",
     "This achievement already has a listing in progress.", {}),
    ("achievement left out", {"achievement_id": MISSING}, "achievement_id", SCHEMA_REQUIRED,
     {}),
    ("transfer mode unknown", {"transfer_mode": "sale"}, "transfer_mode", NOT_ALLOWED, {}),
    ("transfer mode left out", {"transfer_mode": MISSING}, "transfer_mode", SCHEMA_REQUIRED,
     {}),
    *[case for mode in LICENCE_MODES for case in licence_cases(mode)],
    ("asking price 0", {"asking_price": "0"}, "asking_price", POSITIVE, {}),
    ("asking price negative", {"asking_price": "-1500000"}, "asking_price", POSITIVE, {}),
    ("asking price three decimals", {"asking_price": "1500000.001"}, "asking_price",
     AMOUNT_FORM, {}),
    ("asking price not a number", {"asking_price": "面议"}, "asking_price", NOT_NUMBER, {}),
    ("reserve left out", {"reserve_price": MISSING}, "reserve_price", SCHEMA_REQUIRED, {}),
    ("reserve null", {"reserve_price": None}, "reserve_price", NOT_NULL, {}),
    ("reserve 0", {"reserve_price": "0.00"}, "reserve_price", POSITIVE, {}),
    ("reserve three decimals", {"reserve_price": "1000000.005"}, "reserve_price",
     AMOUNT_FORM, {}),
    ("reserve above the asking price", {"reserve_price": "1500000.01"}, "reserve_price",
     "The reserve price cannot be above the asking price.", {}),
    ("increment left out", {"bid_increment": MISSING}, "bid_increment", SCHEMA_REQUIRED, {}),
    ("increment 0", {"bid_increment": "0"}, "bid_increment", POSITIVE, {}),
    ("increment above the reserve", {"bid_increment": "1000000.01"}, "bid_increment",
     "The bid increment cannot be more than the reserve price.", {}),
    ("announcement 14 days", {"announcement_days": 14}, "announcement_days", DAYS,
     {"low": 15, "high": 90}),
    ("announcement 91 days", {"announcement_days": 91}, "announcement_days", DAYS,
     {"low": 15, "high": 90}),
    ("announcement not a number", {"announcement_days": "two weeks"}, "announcement_days",
     NOT_INTEGER, {}),
    ("announcement null", {"announcement_days": None}, "announcement_days", NOT_NULL, {}),
    ("listing 0 days", {"listing_days": 0}, "listing_days", DAYS, {"low": 1, "high": 365}),
    ("listing 366 days", {"listing_days": 366}, "listing_days", DAYS,
     {"low": 1, "high": 365}),
    ("bidding 0 days", {"bidding_days": 0}, "bidding_days", DAYS, {"low": 1, "high": 30}),
    ("bidding 31 days", {"bidding_days": 31}, "bidding_days", DAYS, {"low": 1, "high": 30}),
    ("conditions too long", {"buyer_conditions": "条" * 2001}, "buyer_conditions", AT_MOST,
     {"n": 2000}),
    ("conditions naming a registered organisation",
     {"buyer_conditions": "限{buyer}受让。"}, "buyer_conditions", NAMES_A_PARTY, {}),
    ("conditions with a credit code", {"buyer_conditions": "限统一社会信用代码 "
                                                           "91141102MA0K2L3X5Q 的企业。"},
     "buyer_conditions", NAMES_A_PARTY, {}),
    ("conditions with a lower-case credit code",
     {"buyer_conditions": "限 91141102ma0k2l3x5q。"}, "buyer_conditions", NAMES_A_PARTY, {}),
    ("broker who is not a broker", {"seller_broker_id": "enterprise user"},
     "seller_broker_id", NOT_A_BROKER, {}),
    ("broker who does not exist", {"seller_broker_id": 999999}, "seller_broker_id",
     NOT_A_BROKER, {}),
    ("broker inactive", {"seller_broker_id": "inactive broker"}, "seller_broker_id",
     NOT_A_BROKER, {}),
    ("commission without a broker", {"seller_broker_commission": "30000.00"},
     "seller_broker_commission", NO_BROKER, {}),
    ("commission three decimals", {"seller_broker_id": "broker",
                                   "seller_broker_commission": "30000.001"},
     "seller_broker_commission", AMOUNT_FORM, {}),
]


def translated(app, lang, msgid, **params):
    """`msgid` as the catalogue of `lang` words it (the lead translates; until then, English)."""
    with app.test_request_context(), force_locale(lang):
        return gettext(msgid, **params)


def count_listings(market):
    with market.app.app_context():
        return db.session.query(Listing).count()


@pytest.fixture
def world(market):
    """A seller, the achievements and users the cases name, and the seller's token."""
    seller = market.user("institute")
    people = {"seller": seller, "buyer": market.user("enterprise"),
              "enterprise user": market.user("enterprise"), "broker": market.user("broker"),
              "inactive broker": market.user("broker", active=False)}
    achievements = {"own": market.registered(seller),
                    "foreign": market.registered(market.user("institute")),
                    "draft": market.achievement(seller, "draft"),
                    "revoked": market.achievement(seller, "revoked")}
    listed = market.listing(seller, "draft")
    achievements["listed"] = market.get_listing(listed).achievement_id
    return {"people": people, "achievements": achievements, "token": market.token(seller)}


def body_for(world, market, changes):
    people, achievements = world["people"], world["achievements"]
    body = api_body(achievements["own"])
    for name, value in changes.items():
        if value is MISSING:
            body.pop(name, None)
        elif name == "achievement_id" and isinstance(value, str):
            body[name] = achievements[value]
        elif name == "seller_broker_id" and isinstance(value, str):
            body[name] = people[value].id
        elif name == "buyer_conditions":
            body[name] = value.replace("{buyer}", org_name(market, people["buyer"]))
        else:
            body[name] = value
    return body


def test_every_rule_of_the_terms_names_its_field_in_both_languages(app, market, client,
                                                                    world):
    before = count_listings(market)
    problems = {}
    zh_message = translated(app, "zh", "Some fields need correcting.")
    for case, changes, field, msgid, params in CASES:
        body = body_for(world, market, changes)
        answers = {}
        for lang in ("en", None, "zh-CN,zh;q=0.9"):
            response = client.post("/api/v1/listings", json=body,
                                   headers=bearer(world["token"], lang))
            error = (response.get_json() or {}).get("error", {})
            answers[lang] = (response.status_code, error.get("code"), error.get("message"),
                             error.get("fields", {}).get(field))
        expected = {
            "en": (422, "validation_failed", "Some fields need correcting.",
                   [msgid % params]),
            None: (422, "validation_failed", zh_message,
                   [translated(app, "zh", msgid, **params)]),
        }
        expected["zh-CN,zh;q=0.9"] = expected[None]
        if answers != expected:
            problems[case] = answers
    assert problems == {}
    assert count_listings(market) == before
    assert any("\u4e00" <= char <= "\u9fff" for char in zh_message)


def test_all_the_problems_are_reported_at_once(market, client, world):
    body = body_for(world, market, {"reserve_price": "0", "bid_increment": "0",
                                    "announcement_days": 10, "listing_days": 0,
                                    "bidding_days": 0})
    response = client.post("/api/v1/listings", json=body, headers=bearer(world["token"], "en"))
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {
        "reserve_price", "bid_increment", "announcement_days", "listing_days", "bidding_days"}


# (case, changes, what is stored): bodies the rules accept.
ACCEPTED = [
    ("negotiable", {"asking_price": None}, {"asking_price": None}),
    ("negotiable, left out", {"asking_price": MISSING}, {"asking_price": None}),
    ("reserve at the asking price, increment at the reserve",
     {"reserve_price": "1500000.00", "bid_increment": "1500000.00"},
     {"reserve_price": "1500000.00", "bid_increment": "1500000.00"}),
    ("whole yuan", {"asking_price": 2000000, "reserve_price": "1800000"},
     {"asking_price": "2000000.00", "reserve_price": "1800000.00"}),
    ("the shortest and longest periods", {"announcement_days": 15, "listing_days": 1,
                                          "bidding_days": 1},
     {"announcement_days": 15, "listing_days": 1, "bidding_days": 1}),
    ("the longest periods", {"announcement_days": 90, "listing_days": 365, "bidding_days": 30},
     {"announcement_days": 90, "listing_days": 365, "bidding_days": 30}),
    ("a broker with a commission", {"seller_broker_id": "broker",
                                    "seller_broker_commission": "30000"},
     {"seller_broker_id": "broker", "seller_broker_commission": "30000.00"}),
    ("a broker without a commission", {"seller_broker_id": "broker"},
     {"seller_broker_id": "broker", "seller_broker_commission": None}),
    ("conditions naming no one", {"buyer_conditions": "  某公司以外的山西省企业均可。 "},
     {"buyer_conditions": "某公司以外的山西省企业均可。"}),
    *[(f"{mode} with term and territory", {"transfer_mode": mode, **LICENCE},
       {"transfer_mode": mode, "licence_term_years": 5, "licence_territory": "山西省吕梁市"})
      for mode in LICENCE_MODES],
    *[(f"{mode} ignores a licence's term and territory",
       {"transfer_mode": mode, "licence_term_years": 99, "licence_territory": "省" * 300},
       {"transfer_mode": mode, "licence_term_years": None, "licence_territory": None})
      for mode in OTHER_MODES],
]


@pytest.mark.parametrize(("changes", "stored"), [c[1:] for c in ACCEPTED],
                         ids=[c[0] for c in ACCEPTED])
def test_what_the_rules_accept(market, client, world, changes, stored):
    response = client.post("/api/v1/listings", json=body_for(world, market, changes),
                           headers=bearer(world["token"], "en"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    record = market.get_listing(body["id"])
    assert str(record.status) == "draft"
    for name, value in stored.items():
        if name == "seller_broker_id":
            value = world["people"][value].id
        got = getattr(record, name)
        if name in MONEY and got is not None:
            got = f"{got:.2f}"
        assert got == value, name
        if name in body:  # the response shows what was stored (the commission is not shown)
            assert body[name] == value, name


def test_the_minimum_announcement_follows_the_setting(app, market, client, world):
    seller_token = world["token"]
    draft_id = market.listing(world["people"]["seller"], "draft")  # announced for 15 days
    market.run(settings.update, {"announcement_min_days": "20"}, market.user("admin"))

    short = client.post("/api/v1/listings", headers=bearer(seller_token, "en"),
                        json=body_for(world, market, {"announcement_days": 19}))
    enough = client.post("/api/v1/listings", headers=bearer(seller_token, "en"),
                         json=body_for(world, market, {"announcement_days": 20}))
    # The rules are checked again at submission: the draft's 15 days are now too few.
    submit = client.post(f"/api/v1/listings/{draft_id}/submit",
                         headers=bearer(seller_token, "en"))

    assert short.status_code == 422
    assert short.get_json()["error"]["fields"] == {
        "announcement_days": ["Between 20 and 90 days."]}
    assert enough.status_code == 201, enough.get_json()
    assert submit.status_code == 422
    assert submit.get_json()["error"]["fields"] == {
        "announcement_days": ["Between 20 and 90 days."]}
    assert market.listing_status(draft_id) == "draft"


# --- a PATCH of a draft ----------------------------------------------------------------------

def test_a_patch_of_a_draft_keeps_what_it_does_not_send(market, client, world):
    seller = world["people"]["seller"]
    broker = world["people"]["broker"]
    draft_id = market.listing(seller, "draft", transfer_mode="licence_sole",
                              licence_term_years=8, licence_territory="吕梁市",
                              seller_broker_id=broker.id, seller_broker_commission="20000")
    before = market.get_listing(draft_id)

    response = client.patch(f"/api/v1/listings/{draft_id}", json={"reserve_price": "900000"},
                            headers=bearer(world["token"], "en"))

    assert response.status_code == 200, response.get_json()
    after = market.get_listing(draft_id)
    assert after.reserve_price == 900000
    for name in ("achievement_id", "transfer_mode", "licence_term_years", "licence_territory",
                 "asking_price", "bid_increment", "announcement_days", "listing_days",
                 "bidding_days", "buyer_conditions", "seller_broker_id",
                 "seller_broker_commission"):
        assert getattr(after, name) == getattr(before, name), name
    assert market.listing_history(draft_id)[-1] == ("edit", None, None, seller.id, None)
    with market.app.app_context():
        entry = audit.history("listing", draft_id)[-1]
        assert entry.data == {"reserve_price": ["1000000.00", "900000.00"]}


@pytest.mark.parametrize(("patch", "field"), [
    ({"reserve_price": "2000000"}, "reserve_price"),
    ({"licence_territory": ""}, "licence_territory"),
    ({"transfer_mode": "licence_exclusive", "licence_territory": None}, "licence_territory"),
    ({"announcement_days": 7}, "announcement_days"),
    ({"asking_price": "0"}, "asking_price"),
])
def test_a_refused_patch_changes_nothing(market, client, world, patch, field):
    draft_id = market.listing(world["people"]["seller"], "draft", transfer_mode="licence_sole",
                              **LICENCE)
    before = market.get_listing(draft_id)
    response = client.patch(f"/api/v1/listings/{draft_id}", json=patch,
                            headers=bearer(world["token"], "en"))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    after = market.get_listing(draft_id)
    assert (after.version, after.reserve_price, after.licence_territory, after.transfer_mode) \
        == (before.version, before.reserve_price, before.licence_territory,
            before.transfer_mode)


# --- intents and the decisions that need reasons ---------------------------------------------

STATEMENT = "我公司具备煤层气开发资质，注册资本 5000 万元。"
INTENT_CASES = [
    ("statement left out", {"statement": MISSING}, "statement", SCHEMA_REQUIRED, {}),
    ("statement empty", {"statement": ""}, "statement",
     "Say who you are and how you meet the buyer conditions.", {}),
    ("statement blank", {"statement": " \n "}, "statement",
     "Say who you are and how you meet the buyer conditions.", {}),
    ("statement too long", {"statement": "述" * 2001}, "statement", AT_MOST, {"n": 2000}),
    ("offered price not a number", {"offered_price": "面议"}, "offered_price", NOT_NUMBER, {}),
    ("offered price 0", {"offered_price": "0"}, "offered_price", POSITIVE, {}),
    ("offered price three decimals", {"offered_price": "1200000.125"}, "offered_price",
     AMOUNT_FORM, {}),
    ("broker who is not a broker", {"broker_id": "enterprise user"}, "broker_id",
     NOT_A_BROKER, {}),
    ("commission without a broker", {"broker_commission": "10000"}, "broker_commission",
     NO_BROKER, {}),
]


def people_and_listing(market, state="announced"):
    seller = market.user("institute")
    people = {"seller": seller, "buyer": market.user("enterprise"),
              "enterprise user": market.user("enterprise"), "broker": market.user("broker"),
              "bureau": market.bureau()}
    buyers = (people["buyer"],) if state == "negotiating" else ()
    return people, market.listing(seller, state, buyers=buyers)


def check_cases(app, client, url, token, cases, make_body):
    problems = {}
    for case, changes, field, msgid, params in cases:
        body = make_body(changes)
        answers = {}
        for lang in ("en", None):
            response = client.post(url, json=body, headers=bearer(token, lang))
            error = (response.get_json() or {}).get("error", {})
            answers[lang] = (response.status_code, error.get("fields", {}).get(field))
        expected = {"en": (422, [msgid % params]),
                    None: (422, [translated(app, "zh", msgid, **params)])}
        if answers != expected:
            problems[case] = answers
    return problems


def test_every_rule_of_an_intent(app, market, client):
    people, listing_id = people_and_listing(market)

    def make_body(changes):
        body = {"statement": STATEMENT}
        for name, value in changes.items():
            if value is MISSING:
                body.pop(name)
            else:
                body[name] = people[value].id if name == "broker_id" else value
        return body

    problems = check_cases(app, client, f"/api/v1/listings/{listing_id}/intents",
                           market.token(people["buyer"]), INTENT_CASES, make_body)
    assert problems == {}
    assert market.intents(listing_id) == []
    accepted = client.post(f"/api/v1/listings/{listing_id}/intents",
                           headers=bearer(market.token(people["buyer"])),
                           json={"statement": STATEMENT, "offered_price": "1200000",
                                 "broker_id": people["broker"].id,
                                 "broker_commission": "10000"})
    assert accepted.status_code == 201, accepted.get_json()
    assert (accepted.get_json()["offered_price"], accepted.get_json()["broker_id"],
            accepted.get_json()["broker_commission"]) == ("1200000.00", people["broker"].id,
                                                          "10000.00")


SAY_WHY = "Say why; the other side will see it."
REASON_CASES = [
    ("reason left out", {"reason": MISSING}, "reason", SCHEMA_REQUIRED, {}),
    ("reason unknown", {"reason": "cheap"}, "reason", NOT_ALLOWED, {}),
    ("comment left out", {"comment": MISSING}, "comment", SAY_WHY, {}),
    ("comment blank", {"comment": "  "}, "comment", SAY_WHY, {}),
]


def reason_body(changes):
    body = {"reason": "price", "comment": "价格未达成一致。"}
    for name, value in changes.items():
        if value is MISSING:
            body.pop(name)
        else:
            body[name] = value
    return body


def test_declining_the_deal_needs_a_reason_and_a_comment(app, market, client):
    people, listing_id = people_and_listing(market, "negotiating")
    for side in ("seller", "buyer"):
        problems = check_cases(app, client, f"/api/v1/listings/{listing_id}/decline",
                               market.token(people[side]), REASON_CASES, reason_body)
        assert problems == {}, side
    assert market.listing_status(listing_id) == "negotiating"


def test_declining_an_intent_needs_a_reason_and_a_comment(app, market, client):
    people, listing_id = people_and_listing(market)
    intent_id = market.intent(listing_id, people["buyer"])
    problems = check_cases(app, client,
                           f"/api/v1/listings/{listing_id}/intents/{intent_id}/decline",
                           market.token(people["seller"]), REASON_CASES, reason_body)
    assert problems == {}
    assert [i.status for i in market.intents(listing_id)] == ["active"]


@pytest.mark.parametrize(("url", "body", "field", "msgid"), [
    ("/review", {"decision": "return", "comment": " "}, "comment",
     "Say why; the applicant will see it."),
    ("/review", {"decision": "reject"}, "comment", "Say why; the applicant will see it."),
    ("/review", {"decision": "publish", "comment": "准予。"}, "decision", NOT_ALLOWED),
])
def test_a_review_needs_reasons(app, market, client, url, body, field, msgid):
    seller = market.user("institute")
    listing_id = market.listing(seller, "pending_review")
    response = client.post(f"/api/v1/listings/{listing_id}{url}", json=body,
                           headers=bearer(market.token(market.bureau()), "en"))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {field: [msgid]}
    assert market.listing_status(listing_id) == "pending_review"


@pytest.mark.parametrize("action", ["pause", "terminate"])
def test_the_bureau_says_why_it_stops_a_listing(market, client, action):
    listing_id = market.listing(market.user("institute"), "announced")
    response = client.post(f"/api/v1/listings/{listing_id}/{action}", json={},
                           headers=bearer(market.token(market.bureau()), "en"))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "comment": ["Say why; the parties will see it."]}
    assert market.listing_status(listing_id) == "announced"


def test_disqualifying_an_intent_needs_a_comment(market, client):
    people, listing_id = people_and_listing(market)
    intent_id = market.intent(listing_id, people["buyer"])
    response = client.post(f"/api/v1/listings/{listing_id}/intents/{intent_id}/disqualify",
                           json={"comment": ""},
                           headers=bearer(market.token(people["bureau"]), "en"))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "comment": ["Say why; the parties will see it."]}
    assert [i.status for i in market.intents(listing_id)] == ["active"]


# --- the price at confirmation ---------------------------------------------------------------

def negotiable(market, offered_price=None):
    """A negotiation on a listing without an asking price; the buyer offered `offered_price`."""
    seller, buyer = market.user("institute"), market.user("enterprise")
    listing_id = market.listing(seller, "announced", asking_price=None)
    market.intent(listing_id, buyer, offered_price=offered_price)
    market.end_announcement(listing_id)
    assert market.listing_status(listing_id) == "negotiating"
    return {"seller": seller, "buyer": buyer}, listing_id


def confirm(client, market, user, listing_id, price=MISSING, lang="en"):
    body = {} if price is MISSING else {"price": price}
    return client.post(f"/api/v1/listings/{listing_id}/confirm", json=body,
                       headers=bearer(market.token(user), lang))


def test_on_a_negotiable_listing_without_an_offer_the_seller_names_the_price(app, market,
                                                                             client):
    people, listing_id = negotiable(market)
    seller, buyer = people["seller"], people["buyer"]
    assert market.get_listing(listing_id).agreed_price is None
    expectations = [
        (seller, MISSING, "Name the price the two sides agreed."),
        (seller, None, "Name the price the two sides agreed."),
        (seller, "", NOT_NUMBER),
        (seller, "0", POSITIVE),
        (seller, "800000.001", AMOUNT_FORM),
        (seller, "八十万", NOT_NUMBER),
        (buyer, "800000", "The seller names the price."),
    ]
    for user, price, msgid in expectations:
        for lang in ("en", None):
            response = confirm(client, market, user, listing_id, price, lang)
            assert response.status_code == 422, (price, response.get_json())
            assert response.get_json()["error"]["fields"] == {
                "price": [translated(app, lang or "zh", msgid)]}, price
    # Without a price the buyer has nothing to confirm yet.
    early = confirm(client, market, buyer, listing_id)
    assert early.status_code == 409
    assert early.get_json()["error"]["message"] == "The seller has not named the price yet."
    record = market.get_listing(listing_id)
    assert (record.agreed_price, record.seller_confirmed_at, record.buyer_confirmed_at) == (
        None, None, None)

    named = confirm(client, market, seller, listing_id, "800000")

    assert named.status_code == 200, named.get_json()
    assert (named.get_json()["agreed_price"], named.get_json()["seller_confirmed"]) == (
        "800000.00", True)
    assert [e[0] for e in market.listing_history(listing_id)[-2:]] == ["set_price", "confirm"]
    dealt = confirm(client, market, buyer, listing_id)
    assert dealt.status_code == 200
    assert dealt.get_json()["status"] == "dealt"
    assert market.deal(listing_id).price == 800000


@pytest.mark.parametrize("how", ["asking price", "offered price"])
def test_a_price_already_set_cannot_be_named_again(market, client, how):
    if how == "asking price":
        people, listing_id = people_and_listing(market, "negotiating")
        agreed = "1500000.00"
    else:
        people, listing_id = negotiable(market, offered_price="1100000")
        agreed = "1100000.00"
    assert str(market.get_listing(listing_id).agreed_price) == agreed

    response = confirm(client, market, people["seller"], listing_id, "900000")

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"price": ["The price is already set."]}
    record = market.get_listing(listing_id)
    assert (str(record.agreed_price), record.seller_confirmed_at) == (agreed, None)
