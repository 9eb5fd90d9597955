"""Every rule of a broker profile's fields, through PUT /api/v1/brokers/me: 422 naming the
field, with the message in the reader's language (Accept-Language: zh by default, en), and
nothing saved. The page form shows the same messages beside its fields
(test_broker_pages.py)."""
import pytest
from broker_helpers import BrokerApi, api_body, filing_number, make_broker
from flask_babel import force_locale, gettext

from marketplace.brokers.models import BrokerProfile
from marketplace.extensions import db
from tests.factories import make_member

MISSING = object()
REQUIRED = "This field is required."
AT_MOST = "At most %(n)d characters."
NOT_ALLOWED = "Not one of the allowed values."
LEVEL = "Choose the level of your qualification."
FILING_REQUIRED = "Intermediate and senior brokers give their national filing number."
FILING_FORM = "A filing number has only letters, digits and hyphens."
FILING_TAKEN = "Another broker’s profile already has this filing number."
YEARS = "Enter a whole number of years from 0 to %(n)d."
TAKEN_NUMBER = "JJR-TAKEN-0001"

# (case, changes to a complete body, the field named, its English msgid, the msgid's params)
CASES = [
    ("real name left out", {"real_name": MISSING}, "real_name", REQUIRED, {}),
    ("real name null", {"real_name": None}, "real_name", REQUIRED, {}),
    ("real name blank", {"real_name": "  "}, "real_name", REQUIRED, {}),
    ("real name too long", {"real_name": "名" * 101}, "real_name", AT_MOST, {"n": 100}),
    ("level left out", {"level": MISSING}, "level", LEVEL, {}),
    ("level unknown", {"level": "expert"}, "level", LEVEL, {}),
    ("filing number left out", {"filing_number": MISSING}, "filing_number", FILING_REQUIRED,
     {}),
    ("filing number blank", {"filing_number": " "}, "filing_number", FILING_REQUIRED, {}),
    ("senior without filing number", {"level": "senior", "filing_number": None},
     "filing_number", FILING_REQUIRED, {}),
    ("filing number with a space", {"filing_number": "JJR 0001"}, "filing_number",
     FILING_FORM, {}),
    ("filing number with Chinese", {"filing_number": "吕备-0001"}, "filing_number",
     FILING_FORM, {}),
    ("filing number too long", {"filing_number": "9" * 41}, "filing_number", AT_MOST,
     {"n": 40}),
    ("filing number taken", {"filing_number": TAKEN_NUMBER}, "filing_number", FILING_TAKEN,
     {}),
    ("filing number taken, other case", {"filing_number": TAKEN_NUMBER.lower()},
     "filing_number", FILING_TAKEN, {}),
    ("certificate number left out", {"certificate_number": MISSING}, "certificate_number",
     REQUIRED, {}),
    ("certificate number blank", {"certificate_number": ""}, "certificate_number", REQUIRED,
     {}),
    ("certificate number too long", {"certificate_number": "C" * 61}, "certificate_number",
     AT_MOST, {"n": 60}),
    ("issuer too long", {"certificate_issuer": "厅" * 201}, "certificate_issuer", AT_MOST,
     {"n": 200}),
    ("certificate date in the future", {"certificate_date": "2026-07-02"}, "certificate_date",
     "The certificate’s date cannot be in the future.", {}),
    ("certificate date not a date", {"certificate_date": "2024-13-01"}, "certificate_date",
     "Not a valid date.", {}),
    ("title too long", {"professional_title": "职" * 101}, "professional_title", AT_MOST,
     {"n": 100}),
    ("no field", {"fields": []}, "fields", "Choose at least one field of expertise.", {}),
    ("fields left out", {"fields": MISSING}, "fields",
     "Choose at least one field of expertise.", {}),
    ("a field unknown", {"fields": ["coal", "mining"]}, "fields", NOT_ALLOWED, {}),
    ("fields not a list", {"fields": "coal"}, "fields", "Not a valid list.", {}),
    ("no region", {"regions": []}, "regions", "Choose at least one region you serve.", {}),
    ("the city is not a county", {"regions": ["141100"]}, "regions", NOT_ALLOWED, {}),
    ("abroad is not a region served", {"regions": ["990000"]}, "regions", NOT_ALLOWED, {}),
    ("a service unknown", {"services": ["catering"]}, "services", NOT_ALLOWED, {}),
    ("years negative", {"years_of_practice": -1}, "years_of_practice", YEARS, {"n": 60}),
    ("years over 60", {"years_of_practice": 61}, "years_of_practice", YEARS, {"n": 60}),
    ("years not a number", {"years_of_practice": "ten"}, "years_of_practice",
     "Not a valid integer.", {}),
    ("introduction too long", {"bio": "介" * 5001}, "bio", AT_MOST, {"n": 5000}),
    ("telephone of letters", {"contact_phone": "call me"}, "contact_phone",
     "Enter a telephone number of digits.", {}),
    ("telephone too long", {"contact_phone": "1" * 41}, "contact_phone", AT_MOST, {"n": 40}),
    ("e-mail without @", {"contact_email": "zhang.example.cn"}, "contact_email",
     "Enter a valid e-mail address.", {}),
    ("e-mail too long", {"contact_email": "z" * 250 + "@e.cn"}, "contact_email", AT_MOST,
     {"n": 254}),
]


def translated(app, lang, msgid, **params):
    """`msgid` as the catalogue of `lang` words it (the lead translates; until then, English)."""
    with app.test_request_context(), force_locale(lang):
        return gettext(msgid, **params)


def body_with(changes):
    body = api_body()
    for name, value in changes.items():
        if value is MISSING:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def profiles(app):
    with app.app_context():
        return db.session.query(BrokerProfile).count()


def test_every_rule_names_its_field_in_both_languages(app, client):
    make_broker(app, level="senior", filing_number=TAKEN_NUMBER)
    with app.app_context():
        user = make_member("broker")
    api = BrokerApi(client)
    before = profiles(app)
    zh_summary = translated(app, "zh", "Some fields need correcting.")
    problems = {}
    for case, changes, field, msgid, params in CASES:
        answers = {}
        for lang in ("en", None, "zh-CN,zh;q=0.9"):
            response = api.put_profile(user, body_with(changes), lang=lang)
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
    assert problems == {}
    assert profiles(app) == before


def test_every_problem_is_reported_at_once(app, client):
    with app.app_context():
        user = make_member("broker")
    response = BrokerApi(client).put_profile(user, {
        "level": "senior", "fields": [], "regions": ["000000"], "years_of_practice": 99,
        "contact_email": "nobody"})
    assert response.status_code == 422
    assert sorted(response.get_json()["error"]["fields"]) == [
        "certificate_number", "contact_email", "fields", "filing_number", "real_name",
        "regions", "years_of_practice"]


@pytest.mark.parametrize("changes", [
    {"level": "junior", "filing_number": None, "certificate_date": None,
     "professional_title": None, "services": [], "years_of_practice": None, "bio": None,
     "contact_phone": None, "contact_email": None, "certificate_issuer": None},
    {"years_of_practice": 0, "certificate_date": "2026-07-01"},
    {"years_of_practice": 60, "regions": ["110000", "141130"], "fields": ["other"]},
    {"real_name": "名" * 100, "bio": "介" * 5000, "contact_phone": "+86 358 822 1234"},
], ids=["only the required", "today and zero", "the limits", "the longest"])
def test_what_the_rules_accept(app, client, changes):
    with app.app_context():
        user = make_member("broker")
    response = BrokerApi(client).put_profile(user, body_with(changes))
    assert response.status_code == 201, response.get_json()


def test_a_filing_number_can_be_given_by_a_junior_broker_but_must_still_be_unique(app, client):
    number = filing_number()
    make_broker(app, level="junior", filing_number=number)
    with app.app_context():
        user = make_member("broker")
    response = BrokerApi(client).put_profile(user, body_with({"level": "junior",
                                                              "filing_number": number}))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"filing_number": [FILING_TAKEN]}
