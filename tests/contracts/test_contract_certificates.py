"""What a certification gives: tax hints, public verification of the number and code (for
achievements' 12-digit numbers too), the OpenAPI document, and the demonstration data."""
import re
from datetime import date
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from openapi_spec_validator import validate
from sqlalchemy import select

from marketplace import clock as market_clock
from marketplace.accounts import models as account_models
from marketplace.contracts import services
from marketplace.contracts.models import Contract
from marketplace.extensions import db

VAT = "Value-added tax: income from technology transfer and technology development"
VAT_RELATED = "Value-added tax: consulting and services may be exempt when they are part"
EIT = "Enterprise income tax: for transfers of ownership and licences of five years"


# --- tax hints ------------------------------------------------------------------------------

def hints(app, kind, valid_from="2026-07-01", valid_to="2027-06-30"):
    record = SimpleNamespace(contract_type=kind, valid_from=date.fromisoformat(valid_from),
                             valid_to=date.fromisoformat(valid_to))
    with app.test_request_context(), force_locale("en"):
        return [str(h) for h in services.tax_hints(record)]


def kinds_of(texts):
    return [name for name, start in (("VAT", VAT), ("VAT_RELATED", VAT_RELATED), ("EIT", EIT))
            for text in texts if text.startswith(start)]


@pytest.mark.parametrize(("kind", "expected"), [
    ("development", ["VAT"]), ("transfer", ["VAT", "EIT"]), ("licence", ["VAT"]),
    ("consulting", ["VAT_RELATED"]), ("service", ["VAT_RELATED"])])
def test_vat_for_transfer_development_and_licence_eit_for_transfers(app, kind, expected):
    assert kinds_of(hints(app, kind)) == expected


@pytest.mark.parametrize(("valid_from", "valid_to", "eit"), [
    ("2026-01-01", "2030-12-31", True),    # five years, the last day included
    ("2026-01-01", "2031-01-01", True),
    ("2026-01-01", "2030-12-30", False),   # a day short
    ("2024-03-01", "2029-02-28", True),    # across two 29 Februaries
    ("2026-07-01", "2036-06-30", True),
    ("2026-07-01", "2029-06-30", False),
])
def test_eit_for_licences_of_five_years_or_more_only(app, valid_from, valid_to, eit):
    assert ("EIT" in kinds_of(hints(app, "licence", valid_from, valid_to))) is eit
    # A transfer gets it whatever its term; development never does.
    assert "EIT" in kinds_of(hints(app, "transfer", valid_from, valid_to))
    assert "EIT" not in kinds_of(hints(app, "development", valid_from, valid_to))


def test_the_hints_say_they_are_hints(app):
    with app.test_request_context(), force_locale("zh"):
        texts = [str(h) for h in services.tax_hints(SimpleNamespace(
            contract_type="transfer", valid_from=date(2026, 1, 1),
            valid_to=date(2027, 1, 1)))]
    assert len(texts) == 2 and all(texts)


# --- verification through the API -------------------------------------------------------------

def certified(market, **changes):
    record_id = market.contract(market.filer(), "certified", **changes)
    return market.get(record_id)


def test_the_api_verifies_a_contract_certificate(market, client):
    record = certified(market, total_amount="1250000.00", technology_amount="1050000.00")
    response = client.get(f"/api/v1/verify/{record.registration_number}"
                          f"?code={record.verification_code}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body == {
        "kind": "contract", "registration_number": record.registration_number,
        "status": "certified", "title": record.title, "contract_type": "development",
        "seller": record.seller_name, "buyer": record.buyer_name, "signed_on": "2026-06-15",
        "total_amount": "1250000.00", "technology_amount": "1050000.00",
        "registered_at": body["registered_at"]}
    assert body["registered_at"].startswith("2026-06-30T02:00:00")
    lower = client.get(f"/api/v1/verify/{record.registration_number}"
                       f"?code={record.verification_code.lower()}%20")
    assert lower.status_code == 200


def test_the_api_never_tells_a_wrong_code_from_an_unknown_number(market, client):
    record = certified(market)
    number, code = record.registration_number, record.verification_code
    wrong = "A" * 8 if code != "A" * 8 else "B" * 8
    for url in (f"/api/v1/verify/{number}?code={wrong}",
                f"/api/v1/verify/{number[:-1]}9?code={code}",
                f"/api/v1/verify/{number[:-1]}?code={code}",
                f"/api/v1/verify/{number}0?code={code}",
                f"/api/v1/verify/2026141100O10001?code={code}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["code"] == "not_found"
        assert record.title not in response.get_data(as_text=True)


def test_the_api_asks_for_the_code(market, client):
    record = certified(market)
    for url in (f"/api/v1/verify/{record.registration_number}",
                f"/api/v1/verify/{record.registration_number}?code="):
        response = client.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 422
        assert set(response.get_json()["error"]["fields"]) == {"code"}


def test_a_revoked_certificate_verifies_as_revoked(market, client):
    record_id = market.contract(market.filer(), "revoked")
    record = market.get(record_id)
    body = client.get(f"/api/v1/verify/{record.registration_number}"
                      f"?code={record.verification_code}").get_json()
    assert body["status"] == "revoked"


def test_the_api_verifies_an_achievement_s_12_digit_number(market, client):
    owner = market.filer()
    achievement = market.get_achievement(market.achievement(owner))
    number, code = achievement.registration_number, achievement.verification_code
    assert len(number) == 12
    response = client.get(f"/api/v1/verify/{number}?code={code}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["kind"], body["registration_number"], body["status"], body["title"]) == (
        "achievement", number, "registered", achievement.title)
    assert body["organization"] == market.org_of(owner).name
    assert "total_amount" not in body and "technology_amount" not in body
    assert client.get(f"/api/v1/verify/{number}?code=XXXXXXXX").status_code == 404
    assert client.get(f"/api/v1/verify/{number}").status_code == 422


# --- the OpenAPI document ------------------------------------------------------------------------

def test_the_openapi_document_validates_and_covers_every_contract_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    # The contract and verification paths, validated on their own: the whole document is
    # tests/test_api.py's, and other capabilities' paths change under it meanwhile.
    ours = {path: ops for path, ops in spec["paths"].items()
            if path.startswith(("/contracts", "/verify"))}
    validate({**spec, "paths": ours})
    documented = {(path, method): op for path, ops in spec["paths"].items()
                  for method, op in ops.items()}
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith(("/api/v1/contracts", "/api/v1/verify"))]
    assert len(rules) >= 9
    seen = set()
    for rule in rules:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
            seen.add((path, method.lower()))
    assert {("/contracts", "post"), ("/contracts", "get"),
            ("/contracts/{contract_id}", "get"), ("/contracts/{contract_id}", "patch"),
            ("/contracts/{contract_id}/files", "post"),
            ("/contracts/{contract_id}/submit", "post"),
            ("/contracts/{contract_id}/review", "post"),
            ("/contracts/{contract_id}/revoke", "post"),
            ("/contracts/{contract_id}/cancel", "post"),
            ("/verify/{registration_number}", "get")} <= seen
    schemas = spec["components"]["schemas"]

    def body_schema(path, method):
        ref = documented[path, method]["requestBody"]["content"]["application/json"][
            "schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]

    create = body_schema("/contracts", "post")
    assert {"contract_type", "subtype", "title", "seller", "buyer", "signed_on",
            "valid_from", "valid_to", "tech_domain", "payment_method", "total_amount",
            "technology_amount"} <= set(create["required"])
    assert create["properties"]["total_amount"]["type"] == "string"
    assert set(create["properties"]["subtype"]["enum"]) >= {
        "commissioned", "patent_right", "patent", "intermediary"}
    assert not body_schema("/contracts/{contract_id}", "patch").get("required")
    review = body_schema("/contracts/{contract_id}/review", "post")
    assert review["properties"]["decision"]["enum"] == ["certify", "return", "reject"]
    for (path, method), op in documented.items():
        if not path.startswith("/contracts"):
            continue
        assert op["security"] == [{"bearer": []}], (path, method)
        assert "401" in op["responses"], (path, method)
        if path != "/contracts" and (path, method) != ("/contracts/{contract_id}", "get"):
            assert {"404", "409", "422"} <= set(op["responses"]), (path, method)
    upload = documented["/contracts/{contract_id}/files", "post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    verify = documented["/verify/{registration_number}", "get"]
    assert "security" not in verify
    assert {"200", "404", "422"} <= set(verify["responses"])
    assert documented["/contracts/{contract_id}/submit", "post"]["responses"]["200"]


# --- demonstration data ------------------------------------------------------------------------

def test_seed_demo_certifies_contracts_in_two_years_with_gap_free_numbers(app, runner,
                                                                         monkeypatch):
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(account_models, "generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))
    with app.app_context():  # as `flask` does: seed-demo is not an AppGroup command
        result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        records = db.session.scalars(select(Contract).order_by(Contract.id)).all()
        this_year = market_clock.now().astimezone(market_clock.LOCAL_TZ).year
        certified = [r for r in records if r.status == "certified"]
        by_year = {}
        for record in certified:
            year = market_clock.as_utc(record.certified_at).astimezone(
                market_clock.LOCAL_TZ).year
            number = record.registration_number
            assert re.fullmatch(rf"{year}14110001\d{{4}}", number), number
            assert len(record.verification_code) == 8
            by_year.setdefault(year, []).append(int(number[-4:]))
        assert set(by_year) == {this_year - 1, this_year}
        for year, serials in by_year.items():
            assert sorted(serials) == list(range(1, len(serials) + 1)), year
        waiting = [r for r in records if r.status == "submitted"]
        assert waiting and all(r.due_on for r in waiting)
        assert {r.contract_type for r in certified} == {
            "development", "transfer", "licence", "consulting", "service"}
        assert all(services.signed_copy(r) is not None for r in records)
