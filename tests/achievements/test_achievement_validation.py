"""Every format rule of a record, through the API (422 naming the field) and through the
page form (the message beside the field, the typed values kept)."""
import pytest
from achievement_helpers import api_body, error_fields, form_data
from sqlalchemy import func, select

from marketplace.achievements.models import Achievement
from marketplace.extensions import db
from marketplace.ip_numbers import check_character, is_valid_patent, normalize_patent
from tests.pages import field_errors, input_value

TODAY = "2026-03-15T12:00:00+08:00"  # the market's clock in these tests
EVALUATION = {"method": "appraisal", "certificate_number": "晋科鉴字〔2024〕第 1 号",
              "date": "2024-06-10"}
NOT_ALLOWED = "Not one of the allowed values."
REQUIRED = "This field is required."


def ip(number, type="invention_patent", status="granted"):
    return [{"type": type, "number": number, "status": status}]


# (case, changes to a complete body, the field named, a piece of its English message)
API_CASES = [
    ("title empty", {"title": ""}, "title", REQUIRED),
    ("title blank", {"title": "   "}, "title", REQUIRED),
    ("title missing", {"title": None}, "title", None),
    ("title too long", {"title": "技" * 201}, "title", "At most 200 characters."),
    ("category", {"category": "theory"}, "category", NOT_ALLOWED),
    ("field", {"field": "mining"}, "field", NOT_ALLOWED),
    ("level", {"level": "world_first"}, "level", NOT_ALLOWED),
    ("attribute", {"attribute": "copied"}, "attribute", NOT_ALLOWED),
    ("source", {"source": "private_fund"}, "source", NOT_ALLOWED),
    ("secrecy", {"secrecy": "classified"}, "secrecy", NOT_ALLOWED),
    ("evaluation method", {"evaluation": {**EVALUATION, "method": "guesswork"}},
     "evaluation.method", NOT_ALLOWED),
    ("four keywords", {"keywords": ["煤层气", "压裂", "水平井", "增产"]}, "keywords",
     "At most three keywords."),
    ("long keyword", {"keywords": ["煤" * 31]}, "keywords", "at most 30 characters"),
    ("maturity 0", {"maturity": 0}, "maturity", None),
    ("maturity 10", {"maturity": 10}, "maturity", None),
    ("start not YYYY-MM", {"research_start": "2021/03"}, "research_start", None),
    ("end not YYYY-MM", {"research_end": "2023-13"}, "research_end", None),
    ("start in the future", {"research_start": "2026-04", "research_end": None},
     "research_start", "This month is in the future."),
    ("end in the future", {"research_end": "2026-04"}, "research_end",
     "This month is in the future."),
    ("end before start", {"research_start": "2023-05", "research_end": "2022-12"},
     "research_end", "The research cannot end before it starts."),
    ("evaluation date in the future", {"evaluation": {**EVALUATION, "date": "2026-03-16"}},
     "evaluation.date", "This date is in the future."),
    ("completer without name", {"completers": [{"name": " ", "organization": "吕梁学院"}]},
     "completers.0.name", REQUIRED),
    ("completer without organisation", {"completers": [
        {"name": "李明", "organization": "吕梁学院"}, {"name": "王建国", "organization": ""}]},
     "completers.1.organization", REQUIRED),
    ("IP item without number", {"ip": ip("")}, "ip.0.number", REQUIRED),
    ("IP type", {"ip": ip("ZL201710601862.3", type="trademark")}, "ip.0.type", NOT_ALLOWED),
    ("IP status", {"ip": ip("ZL201710601862.3", status="pending")}, "ip.0.status",
     NOT_ALLOWED),
    ("patent form", {"ip": ip("ZL2017106018.3")}, "ip.0.number",
     "A patent number looks like ZL"),
    ("patent form, letters", {"ip": ip("ZLABCDEFGHIJKL.3")}, "ip.0.number",
     "A patent number looks like"),
    ("patent check digit", {"ip": ip("ZL201710601862.4")}, "ip.0.number",
     "The check digit of this patent number is wrong."),
    ("old patent check digit", {"ip": ip("ZL95115608.1")}, "ip.0.number", "check digit"),
    ("utility model check digit", {"ip": ip("ZL201720601862.0", type="utility_model")},
     "ip.0.number", "check digit"),
    ("second IP item", {"ip": ip("ZL201710601862.3") + ip("201710601862.5", type="design")},
     "ip.1.number", "check digit"),
]


def count_records(market):
    with market.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Achievement))


def test_api_refuses_each_broken_rule_naming_the_field(market, client, clock):
    clock.set(TODAY)
    headers = {"Authorization": f"Bearer {market.token(market.institute())}",
               "Accept-Language": "en"}
    problems = {}
    for case, changes, field, message in API_CASES:
        body = {k: v for k, v in api_body(**changes).items() if v is not None or k != "title"}
        response = client.post("/api/v1/achievements", json=body, headers=headers)
        error = (response.get_json() or {}).get("error", {})
        fields = error.get("fields", {})
        if (response.status_code, error.get("code"), error.get("message")) != (
                422, "validation_failed", "Some fields need correcting.") \
                or field not in fields \
                or (message and not any(message in text for text in fields[field])):
            problems[case] = (response.status_code, error)
    assert problems == {}
    assert count_records(market) == 0


def test_the_same_rules_guard_a_patch(market, client, clock):
    clock.set(TODAY)
    owner = market.institute()
    token = market.token(owner)
    record_id = market.achievement(owner)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    before = market.get(record_id)

    for body, field in (({"ip": ip("ZL201710601862.4")}, "ip.0.number"),
                        ({"research_end": "2026-05"}, "research_end"),
                        ({"keywords": ["一", "二", "三", "四"]}, "keywords"),
                        ({"title": ""}, "title")):
        response = client.patch(f"/api/v1/achievements/{record_id}", json=body,
                                headers=headers)
        assert response.status_code == 422, body
        assert field in error_fields(response), body

    after = market.get(record_id)
    assert (after.title, after.keywords, after.research_end, after.version) == (
        before.title, before.keywords, before.research_end, before.version)


def test_a_patch_changes_only_the_fields_it_gives(market, client, clock):
    clock.set(TODAY)
    owner = market.institute()
    token = market.token(owner)
    record_id = market.achievement(owner)
    before = market.get(record_id)

    response = client.patch(f"/api/v1/achievements/{record_id}", json={
        "title": "改进的煤层气压裂技术", "ip": ip("201710601862.3")},
        headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "改进的煤层气压裂技术"
    assert body["ip"] == ip("ZL201710601862.3")
    after = market.get(record_id)
    assert after.title == "改进的煤层气压裂技术"
    for name in ("category", "field", "keywords", "summary", "details", "maturity",
                 "research_start", "research_end", "evaluation_method", "evaluation_date"):
        assert getattr(after, name) == getattr(before, name), name
    assert [(c.name, c.organization) for c in after.completers] == [
        (c.name, c.organization) for c in before.completers]


@pytest.mark.parametrize(("given", "stored"), [
    ("ZL201710601862.3", "ZL201710601862.3"),
    ("201710601862.3", "ZL201710601862.3"),
    ("ZL95115608.X", "ZL95115608.X"),
    ("zl95115608.x", "ZL95115608.X"),
    ("CN 2017 1060 1862.3", "ZL201710601862.3"),
    ("2017106018623", "ZL201710601862.3"),
])
def test_valid_patent_numbers_are_accepted_and_normalised(market, client, given, stored):
    token = market.token(market.institute())
    response = client.post("/api/v1/achievements", json=api_body(ip=ip(given)),
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["ip"][0]["number"] == stored
    assert market.get(response.get_json()["id"]).ip_items[0].number == stored


def test_check_characters_computed_for_other_numbers_are_accepted(market, client):
    token = market.token(market.institute())
    numbers = []
    for digits in ("202310123456", "201920345678", "200510012345", "02118765"):
        number = f"ZL{digits}.{check_character(digits)}"
        wrong = f"ZL{digits}.{'0' if check_character(digits) != '0' else '1'}"
        assert is_valid_patent(number) and not is_valid_patent(wrong)
        numbers.append(number)
    items = [{"type": t, "number": n, "status": "filed"} for t, n in zip(
        ("invention_patent", "utility_model", "design", "invention_patent"), numbers,
        strict=True)]
    items.append({"type": "software_copyright", "number": "2019SR0123456", "status": "granted"})
    response = client.post("/api/v1/achievements", json=api_body(ip=items),
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()
    assert [i["number"] for i in response.get_json()["ip"]] == numbers + ["2019SR0123456"]


def test_known_check_characters():
    assert check_character("201710601862") == "3"
    assert check_character("95115608") == "X"
    assert normalize_patent("ZL2017106018.3") == ""
    assert normalize_patent(" 201710601862.3 ") == "ZL201710601862.3"


def test_the_month_rules_use_the_market_clock_in_beijing_time(market, client, clock):
    # 2026-02-28 17:00 UTC is already March 1st in Lüliang.
    clock.set("2026-02-28T17:00:00+00:00")
    token = market.token(market.institute())
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    ok = client.post("/api/v1/achievements", headers=headers, json=api_body(
        research_end="2026-03", evaluation={**EVALUATION, "date": "2026-03-01"}))
    assert ok.status_code == 201, ok.get_json()
    late = client.post("/api/v1/achievements", headers=headers, json=api_body(
        research_end="2026-04", evaluation={**EVALUATION, "date": "2026-03-02"}))
    assert late.status_code == 422
    assert set(error_fields(late)) == {"research_end", "evaluation.date"}


def test_a_good_body_is_saved_as_a_draft(market, client):
    owner = market.institute()
    token = market.token(owner)
    body = api_body(keywords=[" 煤层气 ", "", "压裂"], title="  带空格的标题  ")
    response = client.post("/api/v1/achievements", json=body,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "draft"
    assert created["title"] == "带空格的标题"
    assert created["keywords"] == ["煤层气", "压裂"]
    assert created["details"] == body["details"]  # the owner reads its own details
    assert created["evaluation"] == body["evaluation"]
    assert created["maturity_stage"]
    assert created["organization"]["id"] == owner.organization_id
    assert created["registration_number"] is None
    for key in ("id", "created_at", "updated_at"):
        assert created[key]


@pytest.mark.parametrize("role", ["enterprise", "broker", "bureau", "admin"])
def test_only_institutes_draft_achievements(market, client, role):
    token = market.token(market.user(role))
    response = client.post("/api/v1/achievements", json=api_body(),
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert count_records(market) == 0


def test_a_visitor_cannot_draft(client):
    assert client.post("/api/v1/achievements", json=api_body()).status_code == 401


# --- the page form ----------------------------------------------------------------------

# (case, changes to the form, the field's id, a piece of the message beside it)
PAGE_CASES = [
    ("title empty", {"title": ""}, "title", REQUIRED),
    ("title too long", {"title": "技" * 201}, "title", "At most 200 characters."),
    ("category", {"category": "theory"}, "category", None),
    ("field", {"field": "mining"}, "field", None),
    ("level", {"level": "world_first"}, "level", None),
    ("attribute", {"attribute": "copied"}, "attribute", None),
    ("source", {"source": "private_fund"}, "source", None),
    ("secrecy", {"secrecy": "classified"}, "secrecy", None),
    ("evaluation method", {"evaluation_method": "guesswork"}, "evaluation_method", None),
    ("four keywords", {"keywords": "煤层气, 压裂, 水平井, 增产"}, "keywords",
     "At most three keywords."),
    ("maturity 10", {"maturity": "10"}, "maturity", "from 1 to 9"),
    ("maturity 0", {"maturity": "0"}, "maturity", "from 1 to 9"),
    ("start not YYYY-MM", {"research_start": "2021/03"}, "research_start",
     "Write the month as YYYY-MM."),
    ("end in the future", {"research_end": "2026-04"}, "research_end",
     "This month is in the future."),
    ("end before start", {"research_start": "2023-05", "research_end": "2022-12"},
     "research_end", "The research cannot end before it starts."),
    ("evaluation date in the future", {"evaluation_date": "2026-03-16"}, "evaluation_date",
     "This date is in the future."),
    ("completer without organisation", {"completers-0-organization": ""},
     "completers-0-organization", REQUIRED),
    ("completer without name", {"completers-0-name": "",
                                "completers-2-organization": "吕梁学院"},
     "completers-0-name", REQUIRED),
    ("patent check digit", {"ip-0-number": "ZL201710601862.4"}, "ip-0-number",
     "The check digit of this patent number is wrong."),
    ("patent form", {"ip-0-number": "ZL2017106018.3"}, "ip-0-number",
     "A patent number looks like"),
    ("IP item without number", {"ip-0-number": ""}, "ip-0-number", REQUIRED),
    ("third IP row, the first ones empty", {
        "ip-0-type": "", "ip-0-number": "", "ip-0-status": "",
        "ip-2-type": "utility_model", "ip-2-number": "201710601862.4", "ip-2-status": "filed"},
     "ip-2-number", "check digit"),
]


def test_the_form_shows_each_message_beside_its_field(market, clock):
    clock.set(TODAY)
    client = market.page_client(market.institute())
    problems = {}
    for case, changes, field_id, message in PAGE_CASES:
        data = form_data(**changes)
        response = client.post("/achievements/new?lang=en", data=data)
        html = response.get_data(as_text=True)
        errors = field_errors(html, field_id)
        kept = {name: input_value(html, name) for name in (
            "title", "keywords", "research_start", "research_end", "ip-0-number",
            "completers-0-name", "evaluation_certificate")}
        if response.status_code != 422 or not errors or (message and message not in errors):
            problems[case] = (response.status_code, errors)
        elif kept != {name: data[name] for name in kept}:
            problems[case] = ("typed values lost", kept)
    assert problems == {}
    assert count_records(market) == 0


def test_the_form_saves_a_draft_and_redirects_to_it(market, clock):
    clock.set(TODAY)
    owner = market.institute()
    client = market.page_client(owner)
    data = form_data(**{"ip-0-number": "201710601862.3", "completers-1-name": "王建国",
                        "completers-1-organization": "吕梁市煤炭科学研究所"})

    response = client.post("/achievements/new", data=data)

    assert response.status_code == 302
    record_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    record = market.get(record_id)
    assert (record.owner_org_id, record.created_by_id, str(record.status)) == (
        owner.organization_id, owner.id, "draft")
    assert record.keywords == ["煤矸石", "陶粒", "固废利用"]
    assert [(c.position, c.name, c.organization) for c in record.completers] == [
        (1, "李明", "吕梁学院"), (2, "王建国", "吕梁市煤炭科学研究所")]
    assert [(i.type, i.number, i.status) for i in record.ip_items] == [
        ("invention_patent", "ZL201710601862.3", "granted")]
    assert record.maturity == 7 and str(record.evaluation_date) == "2024-06-10"


def test_messages_follow_accept_language(market, client):
    token = market.token(market.institute())
    body = api_body(ip=ip("ZL201710601862.4"))
    answers = {}
    for lang in (None, "zh-CN,zh;q=0.9", "en-US,en;q=0.8"):
        headers = {"Authorization": f"Bearer {token}"} | (
            {"Accept-Language": lang} if lang else {})
        error = client.post("/api/v1/achievements", json=body, headers=headers).get_json()[
            "error"]
        answers[lang] = (error["message"], error["fields"]["ip.0.number"][0])
    assert answers[None] == answers["zh-CN,zh;q=0.9"]  # Chinese is the default
    assert answers["en-US,en;q=0.8"] == ("Some fields need correcting.",
                                         "The check digit of this patent number is wrong.")
    for message in answers[None]:
        assert any("\u4e00" <= char <= "\u9fff" for char in message), message
