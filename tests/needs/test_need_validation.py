"""Every rule of a need's fields (services.validate) and of the inputs of the responses and
the decisions on them, through the API: 422 naming the field, with the message in the
reader's language (Accept-Language: zh by default, en). Then what the rules accept and store,
the PATCH of a draft, and the rules checked again when the need is submitted or published."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from need_helpers import NeedApi, api_body, need_data

from marketplace import audit
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.needs import services
from marketplace.needs.models import Need

MISSING = object()  # a key left out of the body
REQUIRED = "This field is required."
SCHEMA_REQUIRED = "Missing data for required field."
NOT_NULL = "Field may not be null."
NOT_ALLOWED = "Not one of the allowed values."
NOT_NUMBER = "Not a valid number."
NOT_INTEGER = "Not a valid integer."
AMOUNT_FORM = "Enter an amount in yuan, such as 1200000.00."
NEGATIVE = "The amount cannot be negative."
POSITIVE = "The amount must be more than zero."
AT_MOST = "At most %(n)d characters."
AFTER_TODAY = "The response deadline must be after today."
A_YEAR = "The response deadline is at most a year away."
SAY_WHY = "Say why; the other side will see it."

# (case, changes to a complete body, the field named, its English msgid, the msgid's params)
CASES = [
    ("title left out", {"title": MISSING}, "title", SCHEMA_REQUIRED, {}),
    ("title null", {"title": None}, "title", NOT_NULL, {}),
    ("title empty", {"title": ""}, "title", REQUIRED, {}),
    ("title blank", {"title": " \n "}, "title", REQUIRED, {}),
    ("title too long", {"title": "题" * 201}, "title", AT_MOST, {"n": 200}),
    ("description left out", {"description": MISSING}, "description", SCHEMA_REQUIRED, {}),
    ("description blank", {"description": "   "}, "description", REQUIRED, {}),
    ("description too long", {"description": "述" * 5001}, "description", AT_MOST,
     {"n": 5000}),
    ("indicators too long", {"indicators": "标" * 5001}, "indicators", AT_MOST, {"n": 5000}),
    ("field left out", {"field": MISSING}, "field", SCHEMA_REQUIRED, {}),
    ("field unknown", {"field": "mining"}, "field", NOT_ALLOWED, {}),
    ("six keywords", {"keywords": ["瓦斯", "煤层气", "发电", "提纯", "输送", "安全"]},
     "keywords", "At most %(n)d keywords.", {"n": 5}),
    ("a keyword too long", {"keywords": ["瓦斯", "词" * 31]}, "keywords",
     "A keyword has at most 30 characters.", {}),
    ("keywords not a list", {"keywords": "瓦斯"}, "keywords", "Not a valid list.", {}),
    ("lowest budget not a number", {"budget_min": "面议"}, "budget_min", NOT_NUMBER, {}),
    ("lowest budget negative", {"budget_min": "-1"}, "budget_min", NEGATIVE, {}),
    ("lowest budget three decimals", {"budget_min": "500000.005"}, "budget_min",
     AMOUNT_FORM, {}),
    ("highest budget negative", {"budget_min": None, "budget_max": "-2000000"}, "budget_max",
     NEGATIVE, {}),
    ("highest budget below the lowest", {"budget_min": "2000000",
                                         "budget_max": "1999999.99"}, "budget_max",
     "The highest budget cannot be below the lowest.", {}),
    ("no way of cooperating", {"cooperation_modes": []}, "cooperation_modes",
     "Choose at least one way of cooperating.", {}),
    ("a way of cooperating unknown", {"cooperation_modes": ["consulting", "sale"]},
     "cooperation_modes.1", NOT_ALLOWED, {}),
    ("deadline left out", {"deadline": MISSING}, "deadline", SCHEMA_REQUIRED, {}),
    ("deadline null", {"deadline": None}, "deadline", NOT_NULL, {}),
    ("deadline not a date", {"deadline": "2026-13-01"}, "deadline", "Not a valid date.", {}),
    ("deadline today", {"deadline": "2026-07-01"}, "deadline", AFTER_TODAY, {}),
    ("deadline past", {"deadline": "2026-06-30"}, "deadline", AFTER_TODAY, {}),
    ("deadline over a year away", {"deadline": "2027-07-02"}, "deadline", A_YEAR, {}),
]


def translated(app, lang, msgid, **params):
    """`msgid` as the catalogue of `lang` words it (the lead translates; until then, English)."""
    with app.test_request_context(), force_locale(lang):
        return gettext(msgid, **params)


def body_with(changes, base=None):
    body = dict(base if base is not None else api_body())
    for name, value in changes.items():
        if value is MISSING:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def count_needs(market):
    with market.app.app_context():
        return db.session.query(Need).count()


def check_cases(app, api, user, url, cases, make_body):
    """{case: answers} of the cases not answered 422 with exactly their field's message, in
    English, in Chinese by default and for a Chinese reader."""
    problems = {}
    zh_summary = translated(app, "zh", "Some fields need correcting.")
    for case, changes, field, msgid, params in cases:
        body = make_body(changes)
        answers = {}
        for lang in ("en", None, "zh-CN,zh;q=0.9"):
            response = api.post(url, user, body, lang=lang)
            error = (response.get_json() or {}).get("error", {})
            answers[lang] = (response.status_code, error.get("code"), error.get("message"),
                             error.get("fields"))
        expected = {"en": (422, "validation_failed", "Some fields need correcting.",
                           {field: [msgid % params]}),
                    None: (422, "validation_failed", zh_summary,
                           {field: [translated(app, "zh", msgid, **params)]})}
        expected["zh-CN,zh;q=0.9"] = expected[None]
        if answers != expected:
            problems[case] = answers
    return problems


def test_every_rule_of_a_need_names_its_field_in_both_languages(app, market):
    owner = market.user("enterprise")
    before = count_needs(market)

    problems = check_cases(app, NeedApi(market), owner, "/needs", CASES, body_with)

    assert problems == {}
    assert count_needs(market) == before


def test_all_the_problems_are_reported_at_once(market):
    """The service's rules all at once; the body's shape (the schema) is checked before."""
    owner = market.user("enterprise")
    api = NeedApi(market)
    body = body_with({"title": "", "budget_min": "-1", "keywords": ["词" * 31],
                      "cooperation_modes": [], "deadline": "2026-07-01"})
    response = api.post("/needs", owner, body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {
        "title", "budget_min", "keywords", "cooperation_modes", "deadline"}
    shape = api.post("/needs", owner, body_with({"title": MISSING, "field": "mining",
                                                 "deadline": "30/09/2026", "budget_min": "-1"}))
    assert shape.status_code == 422
    assert set(shape.get_json()["error"]["fields"]) == {"title", "field", "deadline"}


@pytest.mark.parametrize(("changes", "field", "msgid"), [
    ({"field": ""}, "field", "Choose the industry field."),
    ({"field": "mining"}, "field", "Choose the industry field."),
    ({"cooperation_modes": ["consulting", "sale"]}, "cooperation_modes", NOT_ALLOWED),
    ({"cooperation_modes": None}, "cooperation_modes",
     "Choose at least one way of cooperating."),
    ({"deadline": None}, "deadline", REQUIRED),
    ({"budget_min": "1,000,000", "budget_max": "999,999"}, "budget_max",
     "The highest budget cannot be below the lowest."),
])
def test_the_rules_the_api_schema_checks_first_hold_in_the_service(app, changes, field,
                                                                   msgid):
    """The pages reach services.validate without the API's schema: its own messages."""
    data = need_data()
    for name, value in changes.items():
        setattr(data, name, value)
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(ValidationFailed) as caught:
            services.validate(data)
        assert {k: [str(m) for m in v] for k, v in caught.value.fields.items()} == {
            field: [msgid]}


# (case, changes, what is stored)
ACCEPTED = [
    ("no budget", {"budget_min": None, "budget_max": MISSING},
     {"budget_min": None, "budget_max": None}),
    ("only the highest budget", {"budget_min": MISSING, "budget_max": 800000},
     {"budget_min": None, "budget_max": Decimal("800000.00")}),
    ("a budget of one amount", {"budget_min": 1000000, "budget_max": "1000000.00"},
     {"budget_min": Decimal("1000000.00"), "budget_max": Decimal("1000000.00")}),
    ("a budget from nothing", {"budget_min": "0"}, {"budget_min": Decimal("0.00")}),
    ("deadline tomorrow", {"deadline": "2026-07-02"}, {"deadline": date(2026, 7, 2)}),
    ("deadline a year away", {"deadline": "2027-07-01"}, {"deadline": date(2027, 7, 1)}),
    ("blank keywords dropped, the others trimmed",
     {"keywords": [" 瓦斯 ", "", "  ", "煤层气", "发电", "提纯", "输送"]},
     {"keywords": ["瓦斯", "煤层气", "发电", "提纯", "输送"]}),
    ("no keywords", {"keywords": MISSING}, {"keywords": []}),
    ("a keyword of 30 characters", {"keywords": ["词" * 30]}, {"keywords": ["词" * 30]}),
    ("ways of cooperating once each", {"cooperation_modes": ["consulting", "service",
                                                             "consulting"]},
     {"cooperation_modes": ["consulting", "service"]}),
    ("ways of cooperating left out", {"cooperation_modes": MISSING},
     {"cooperation_modes": ["commissioned_development"]}),
    ("every way of cooperating", {"cooperation_modes": [
        "commissioned_development", "assignment", "licence_exclusive", "licence_sole",
        "licence_ordinary", "equity", "joint_development", "consulting", "service"]},
     {"cooperation_modes": [
         "commissioned_development", "assignment", "licence_exclusive", "licence_sole",
         "licence_ordinary", "equity", "joint_development", "consulting", "service"]}),
    ("text at its longest", {"title": "题" * 200, "description": "述" * 5000,
                             "indicators": "标" * 5000},
     {"title": "题" * 200, "description": "述" * 5000, "indicators": "标" * 5000}),
    ("text trimmed", {"title": "  低浓度瓦斯利用 ", "description": "\n需要成套技术。 ",
                      "indicators": " "},
     {"title": "低浓度瓦斯利用", "description": "需要成套技术。", "indicators": ""}),
    ("indicators left out", {"indicators": MISSING}, {"indicators": ""}),
]


@pytest.mark.parametrize(("changes", "stored"), [c[1:] for c in ACCEPTED],
                         ids=[c[0] for c in ACCEPTED])
def test_what_the_rules_accept(market, changes, stored):
    owner = market.user("enterprise")
    response = NeedApi(market).post("/needs", owner, body_with(changes))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    record = market.get_need(body["id"])
    assert (str(record.status), record.org_id, record.created_by_id) == (
        "draft", owner.organization_id, owner.id)
    for name, value in stored.items():
        assert getattr(record, name) == value, name
        shown = body[name]
        if isinstance(value, Decimal):
            value = f"{value:.2f}"
        elif isinstance(value, date):
            value = value.isoformat()
        assert shown == value, name
    assert market.need_history(body["id"]) == [("create", None, "draft", owner.id, None)]


# --- a PATCH of a draft ----------------------------------------------------------------------

def test_a_patch_of_a_draft_keeps_what_it_does_not_send(market):
    owner = market.user("enterprise")
    need_id = market.need(owner, "draft")
    before = market.get_need(need_id)

    response = NeedApi(market).patch(f"/needs/{need_id}", owner, {"budget_max": "3000000"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["budget_max"] == "3000000.00"
    after = market.get_need(need_id)
    assert after.budget_max == Decimal("3000000.00")
    for name in ("title", "description", "field", "keywords", "indicators", "budget_min",
                 "cooperation_modes", "deadline", "status", "org_id"):
        assert getattr(after, name) == getattr(before, name), name
    assert market.need_history(need_id)[-1] == ("edit", None, None, owner.id, None)
    with market.app.app_context():
        assert audit.history("need", need_id)[-1].data == {"fields": ["budget_max"]}


def test_a_patch_of_a_returned_need_keeps_it_returned(market):
    owner = market.user("enterprise")
    need_id = market.need(owner, "returned")
    response = NeedApi(market).patch(f"/needs/{need_id}", owner, {
        "indicators": "瓦斯利用率不低于 85%。", "keywords": ["瓦斯"]})
    assert response.status_code == 200, response.get_json()
    after = market.get_need(need_id)
    assert (str(after.status), after.indicators, after.keywords, after.review_comment) == (
        "returned", "瓦斯利用率不低于 85%。", ["瓦斯"], "请补充技术指标。")


@pytest.mark.parametrize(("patch", "field"), [
    ({"budget_min": "3000000"}, "budget_max"),
    ({"title": " "}, "title"),
    ({"deadline": "2026-07-01"}, "deadline"),
    ({"cooperation_modes": []}, "cooperation_modes"),
    ({"keywords": ["瓦斯"] * 6}, "keywords"),
])
def test_a_refused_patch_changes_nothing(market, patch, field):
    owner = market.user("enterprise")
    need_id = market.need(owner, "draft")
    before = market.get_need(need_id)
    history = market.need_history(need_id)
    response = NeedApi(market).patch(f"/needs/{need_id}", owner, patch)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [field]
    after = market.get_need(need_id)
    assert (after.version, after.title, after.budget_min, after.deadline,
            after.cooperation_modes, after.keywords) == (
        before.version, before.title, before.budget_min, before.deadline,
        before.cooperation_modes, before.keywords)
    assert market.need_history(need_id) == history


# --- the rules again at submission and publication ----------------------------------------------

def test_submission_checks_the_deadline_again(market, clock):
    owner = market.user("enterprise")
    need_id = market.need(owner, "draft", deadline="2026-07-05")
    clock.set(datetime(2026, 7, 4, 16, 0, tzinfo=UTC))  # 5 July in Lüliang
    api = NeedApi(market)

    response = api.post(f"/needs/{need_id}/submit", owner)

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"deadline": [AFTER_TODAY]}
    assert market.need_status(need_id) == "draft"
    assert api.patch(f"/needs/{need_id}", owner,
                     {"deadline": "2026-08-31"}).status_code == 200
    assert api.post(f"/needs/{need_id}/submit", owner).status_code == 200


def test_the_bureau_returns_a_need_whose_deadline_has_come(market, clock):
    owner = market.user("enterprise")
    officer = market.bureau()
    need_id = market.need(owner, "pending_review", deadline="2026-07-05")
    clock.set(datetime(2026, 7, 4, 16, 0, tzinfo=UTC))
    api = NeedApi(market)

    publish = api.post(f"/needs/{need_id}/review", officer, {"decision": "publish"})

    assert publish.status_code == 422
    assert publish.get_json()["error"]["fields"] == {"deadline": [
        "The response deadline has come; return the need so that its owner sets a new one."]}
    assert market.need_status(need_id) == "pending_review"
    returned = api.post(f"/needs/{need_id}/review", officer,
                        {"decision": "return", "comment": "请重新设定截止日期。"})
    assert returned.status_code == 200
    assert returned.get_json()["status"] == "returned"


@pytest.mark.parametrize(("body", "field", "msgid"), [
    ({"decision": "return"}, "comment", "Say why; the applicant will see it."),
    ({"decision": "return", "comment": "  "}, "comment", "Say why; the applicant will see it."),
    ({"decision": "approve", "comment": "准予。"}, "decision", NOT_ALLOWED),
    ({"comment": "准予。"}, "decision", SCHEMA_REQUIRED),
])
def test_a_review_needs_reasons(app, market, body, field, msgid):
    need_id = market.need(market.user("enterprise"), "pending_review")
    api = NeedApi(market)
    for lang in ("en", None):
        response = api.post(f"/needs/{need_id}/review", market.bureau(), body, lang=lang)
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {
            field: [translated(app, lang or "zh", msgid)]}
    assert market.need_status(need_id) == "pending_review"
    assert market.need_history(need_id)[-1][0] == "submit"


# --- a response, and the decisions on it -------------------------------------------------------

MESSAGE = "我所有成熟的低浓度瓦斯提纯与发电技术。"
NOT_OWN_LISTING = "Choose one of your listings that is open on the market."
NOT_OWN_ACHIEVEMENT = "Choose a registered achievement (your organisation's own)."
RESPONSE_CASES = [
    ("message left out", {"message": MISSING}, "message", SCHEMA_REQUIRED, {}),
    ("message null", {"message": None}, "message", NOT_NULL, {}),
    ("message empty", {"message": ""}, "message", "Say how you would solve the need.", {}),
    ("message blank", {"message": " \n "}, "message", "Say how you would solve the need.",
     {}),
    ("message too long", {"message": "案" * 5001}, "message", AT_MOST, {"n": 5000}),
    ("listing not a number", {"listing_id": "挂牌"}, "listing_id", NOT_INTEGER, {}),
    ("achievement not a number", {"achievement_id": "成果"}, "achievement_id", NOT_INTEGER,
     {}),
    ("no such listing", {"listing_id": 999999}, "listing_id", NOT_OWN_LISTING, {}),
    ("another's listing", {"listing_id": "foreign listing"}, "listing_id", NOT_OWN_LISTING,
     {}),
    ("a draft listing", {"listing_id": "draft listing"}, "listing_id", NOT_OWN_LISTING, {}),
    ("no such achievement", {"achievement_id": 999999}, "achievement_id",
     NOT_OWN_ACHIEVEMENT, {}),
    ("another's achievement", {"achievement_id": "foreign achievement"}, "achievement_id",
     NOT_OWN_ACHIEVEMENT, {}),
    ("a draft achievement", {"achievement_id": "draft achievement"}, "achievement_id",
     NOT_OWN_ACHIEVEMENT, {}),
]
BROKER_CASES = [
    ("nothing offered", {}, "listing_id",
     "A broker offers a listing or an achievement of the organisation it represents.", {}),
    ("a listing it does not broker", {"listing_id": "foreign listing"}, "listing_id",
     NOT_OWN_LISTING, {}),
    ("a listing and an achievement of two organisations",
     {"listing_id": "brokered listing", "achievement_id": "own achievement"},
     "achievement_id",
     "The listing and the achievement offered belong to different organisations.", {}),
]


@pytest.fixture
def offers(market):
    """A published need, an institute and a broker, and what they might offer."""
    institute, other, broker = (market.user("institute"), market.user("institute"),
                                market.user("broker"))
    return {"need": market.need(market.user("enterprise"), "published"),
            "institute": institute, "broker": broker,
            "own achievement": market.registered(institute),
            "foreign achievement": market.registered(other),
            "draft achievement": market.achievement(institute, "draft"),
            "foreign listing": market.listing(other, "announced"),
            "draft listing": market.listing(institute, "draft"),
            "brokered listing": market.listing(other, "announced",
                                               seller_broker_id=broker.id)}


def response_body(offers, changes):
    body = {"message": MESSAGE}
    for name, value in changes.items():
        if value is MISSING:
            body.pop(name)
        elif name in ("listing_id", "achievement_id") and value in offers:
            body[name] = offers[value]
        else:
            body[name] = value
    return body


def test_every_rule_of_a_response(app, market, offers):
    api = NeedApi(market)
    url = f"/needs/{offers['need']}/responses"
    assert check_cases(app, api, offers["institute"], url, RESPONSE_CASES,
                       lambda changes: response_body(offers, changes)) == {}
    assert check_cases(app, api, offers["broker"], url, BROKER_CASES,
                       lambda changes: response_body(offers, changes)) == {}
    assert market.responses(offers["need"]) == []


def test_an_unverified_institute_cannot_respond(app, market, offers):
    unverified = market.user("institute", status="unverified")
    api = NeedApi(market)
    for lang in ("en", None):
        response = api.post(f"/needs/{offers['need']}/responses", unverified,
                            {"message": MESSAGE}, lang=lang)
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {"organization": [translated(
            app, lang or "zh", "Your organisation must be verified by the bureau before it "
                               "can take part in a deal.")]}
    assert market.responses(offers["need"]) == []


DECLINE_CASES = [
    ("reason left out", {"reason": MISSING}, "reason", SCHEMA_REQUIRED, {}),
    ("reason null", {"reason": None}, "reason", NOT_NULL, {}),
    ("reason unknown", {"reason": "cheap"}, "reason", NOT_ALLOWED, {}),
    ("comment left out", {"comment": MISSING}, "comment", SAY_WHY, {}),
    ("comment blank", {"comment": "  "}, "comment", SAY_WHY, {}),
]
ACCEPT_CASES = [
    ("price left out", {"price": MISSING}, "price", SCHEMA_REQUIRED, {}),
    ("price null", {"price": None}, "price", NOT_NULL, {}),
    ("price not a number", {"price": "面议"}, "price", NOT_NUMBER, {}),
    ("price 0", {"price": "0"}, "price", POSITIVE, {}),
    ("price negative", {"price": "-980000"}, "price", POSITIVE, {}),
    ("price three decimals", {"price": "980000.001"}, "price", AMOUNT_FORM, {}),
    ("mode left out", {"mode": MISSING}, "mode", SCHEMA_REQUIRED, {}),
    ("mode unknown", {"mode": "sale"}, "mode", NOT_ALLOWED, {}),
]
REFUSE_CASES = [
    ("comment left out", {"comment": MISSING}, "comment", SAY_WHY, {}),
    ("comment blank", {"comment": " \t"}, "comment", SAY_WHY, {}),
]


def test_every_rule_of_the_decisions_on_a_response(app, market):
    owner, institute = market.user("enterprise"), market.user("institute")
    need_id = market.need(owner, "published")
    response_id = market.respond(need_id, institute)
    api = NeedApi(market)
    url = f"/needs/{need_id}/responses/{response_id}"
    decline = {"reason": "price", "comment": "报价过高。"}
    accept = {"price": "980000", "mode": "consulting"}

    assert check_cases(app, api, owner, f"{url}/decline", DECLINE_CASES,
                       lambda changes: body_with(changes, decline)) == {}
    assert check_cases(app, api, owner, f"{url}/accept", ACCEPT_CASES,
                       lambda changes: body_with(changes, accept)) == {}
    assert market.get_response(response_id).status == "submitted"
    assert api.post(f"{url}/accept", owner, accept).status_code == 200
    assert check_cases(app, api, institute, f"{url}/refuse", REFUSE_CASES,
                       lambda changes: body_with(changes, {"comment": "价格过低。"})) == {}
    record = market.get_response(response_id)
    assert (record.status, record.agreed_price, record.agreed_mode) == (
        "accepted", Decimal("980000.00"), "consulting")
    assert [e[0] for e in market.need_history(need_id)][-2:] == ["respond", "accept_response"]


@pytest.mark.parametrize("reason", ["price", "maturity", "fit", "ip", "timing", "other"])
def test_each_reason_of_a_decline_is_kept(market, reason):
    owner, institute = market.user("enterprise"), market.user("institute")
    need_id = market.need(owner, "published")
    response_id = market.respond(need_id, institute)
    response = NeedApi(market).post(f"/needs/{need_id}/responses/{response_id}/decline",
                                    owner, {"reason": reason, "comment": " 不合适。 "})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["reason"], response.get_json()["decision_comment"]) == (
        reason, "不合适。")
