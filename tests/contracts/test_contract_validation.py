"""Drafting a contract through the API: the amount rules, every other field rule, who may
file, and money as strings with two decimals."""
import pytest
from contract_helpers import api_body, bearer, error_fields, outside_party, party

from marketplace.contracts.states import SUBTYPES, SUBTYPES_OF, TYPES


@pytest.fixture
def filer(market):
    return market.filer()


@pytest.fixture
def seller(market, filer):
    return market.org_of(filer)


@pytest.fixture
def post(client, market, filer):
    """POST /api/v1/contracts as the filer (or as `user`)."""
    token = market.token(filer)

    def send(body, user=None, lang="en"):
        return client.post("/api/v1/contracts", json=body,
                           headers=bearer(market.token(user) if user else token, lang))

    return send


def amounts(total, technology, *items):
    return {"total_amount": total, "technology_amount": technology,
            "non_technical_items": [{"name": f"设备{i}", "amount": a}
                                    for i, a in enumerate(items, 1)]}


# --- amounts -------------------------------------------------------------------------------

def test_a_complete_draft_is_created_with_money_as_strings(post, seller, market, filer):
    body = api_body(seller, **amounts("1200000", "1000000.00", "150000.5", 49999.5))
    response = post(body)
    assert response.status_code == 201, response.get_json()
    got = response.get_json()
    assert got["status"] == "draft"
    assert (got["total_amount"], got["technology_amount"]) == ("1200000.00", "1000000.00")
    assert got["non_technical_items"] == [{"name": "设备1", "amount": "150000.50"},
                                          {"name": "设备2", "amount": "49999.50"}]
    assert got["expected_investment"] is None and got["due_on"] is None
    assert got["registration_number"] is None and got["has_signed_copy"] is False
    assert got["seller"] == party(seller)
    assert {"id", "created_at", "updated_at"} <= set(got)
    assert market.history(got["id"]) == [("create", None, "draft", filer.id, None)]
    assert got["created_at"].endswith("+00:00") and got["created_at"].startswith("2026-06-30")


def test_without_items_the_technology_amount_is_the_total(post, seller):
    response = post(api_body(seller, **amounts("80000.00", "80000.00")))
    assert response.status_code == 201
    assert response.get_json()["technology_amount"] == "80000.00"


def refused(response, field, case=None):
    assert response.status_code == 422, (case, response.get_json())
    assert field in error_fields(response), (case, error_fields(response))
    return error_fields(response)[field]


def test_the_technology_amount_must_be_the_total_less_the_items(post, seller):
    for total, technology, items in (
            ("1200000.00", "1200000.00", ["200000.00"]),       # the items not deducted
            ("1200000.00", "999999.99", ["200000.00"]),        # off by a cent
            ("1200000.00", "900000.00", ["200000.00", "50000.00"])):
        response = post(api_body(seller, **amounts(total, technology, *items)))
        messages = refused(response, "technology_amount", technology)
        assert set(error_fields(response)) == {"technology_amount"}
        assert "contract amount less the non-technical items" in messages[0]


def test_the_technology_amount_must_be_above_zero_and_at_most_the_total(post, seller):
    for total, technology, items in (
            ("1200000.00", "0", []),
            ("1200000.00", "0.00", ["1200000.00"]),            # all equipment: nothing technical
            ("1200000.00", "-100.00", ["1200100.00"]),
            ("1200000.00", "1200000.01", [])):                 # above the total
        refused(post(api_body(seller, **amounts(total, technology, *items))),
                "technology_amount", technology)


def test_the_contract_amount_must_be_above_zero(post, seller):
    for total in ("0", "0.00", "-5000.00"):
        refused(post(api_body(seller, **amounts(total, total))), "total_amount", total)


def test_more_than_two_decimals_is_refused_not_rounded(post, seller):
    for name in ("total_amount", "technology_amount", "expected_investment", "expected_output"):
        for value in ("1200000.001", "1200000.005", "0.125", 0.1 + 0.2, "1.2E-3"):
            body = api_body(seller, contract_type="transfer", subtype="patent_right",
                            **amounts("1200000.00", "1200000.00"))
            body[name] = value
            refused(post(body), name, (name, value))


def test_an_item_with_more_than_two_decimals_is_refused(post, seller):
    response = post(api_body(seller, **amounts("1200000.00", "999999.995", "200000.005")))
    assert response.status_code == 422
    assert "non_technical_items.0.amount" in error_fields(response)


def test_an_item_must_be_more_than_zero(post, seller):
    for amount in ("0", "0.00", "-100.00"):
        body = api_body(seller, **amounts("1200000.00", "1200000.00", "100.00", amount))
        refused(post(body), "non_technical_items.1.amount", amount)


def test_an_item_needs_a_name(post, seller):
    body = api_body(seller, **amounts("1200000.00", "1000000.00", "200000.00"))
    body["non_technical_items"][0]["name"] = "  "
    response = post(body)
    assert response.status_code == 422
    assert "non_technical_items.0.name" in error_fields(response)


def test_an_amount_that_is_not_money_is_refused(post, seller):
    for value in ("abc", "", None, "1,2,3", "NaN", "Infinity", True, [], "1e20"):
        body = api_body(seller)
        body["total_amount"] = value
        refused(post(body), "total_amount", value)


def test_errors_are_in_chinese_by_default_and_in_english_on_request(post, seller):
    body = api_body(seller, **amounts("100.00", "50.00"))
    zh = post(body, lang=None)
    assert zh.status_code == 422
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh.get_json()["error"]["message"])
    en = post(body, lang="en")
    assert en.get_json()["error"]["message"] == "Some fields need correcting."
    assert en.get_json()["error"]["code"] == "validation_failed"


# --- type and subtype ----------------------------------------------------------------------

def test_each_type_accepts_its_subtypes(post, seller):
    for kind, subtypes in SUBTYPES_OF.items():
        for subtype in subtypes:
            response = post(api_body(seller, contract_type=kind, subtype=subtype))
            assert response.status_code == 201, (kind, subtype, response.get_json())
            got = response.get_json()
            assert (got["contract_type"], got["subtype"]) == (kind, subtype)


def test_the_type_table_is_spec_md_s():
    assert SUBTYPES_OF == {
        "development": ("commissioned", "cooperative"),
        "transfer": ("patent_right", "patent_application", "technical_secret", "other_ip"),
        "licence": ("patent", "technical_secret", "other_ip"),
        "consulting": ("consulting",),
        "service": ("service", "training", "intermediary")}


def test_a_foreign_subtype_is_refused(post, seller):
    cases = [(kind, subtype) for kind in TYPES for subtype in SUBTYPES
             if subtype not in SUBTYPES_OF[kind]]
    assert len(cases) == 5 * 11 - 13
    for kind, subtype in cases:
        response = post(api_body(seller, contract_type=kind, subtype=subtype))
        refused(response, "subtype", (kind, subtype))
        assert set(error_fields(response)) == {"subtype"}


def test_unknown_codes_are_refused(post, seller):
    for name, value in (("contract_type", "equity"), ("subtype", "joint"),
                        ("tech_domain", "coal"), ("payment_method", "barter"),
                        ("field", "space"), ("ip_kind", "trademark"),
                        ("plan_category", "county"), ("is_import", "perhaps")):
        refused(post(api_body(seller, **{name: value})), name, value)


def test_required_fields(post, seller):
    for name in ("contract_type", "subtype", "title", "seller", "buyer", "signed_on",
                 "valid_from", "valid_to", "tech_domain", "payment_method", "total_amount",
                 "technology_amount"):
        body = api_body(seller)
        del body[name]
        refused(post(body), name, name)


def test_a_blank_or_overlong_title_is_refused(post, seller):
    assert "title" in error_fields(post(api_body(seller, title="   ")))
    assert "title" in error_fields(post(api_body(seller, title="合" * 201)))


def test_every_payment_method_and_tech_domain_is_accepted(post, seller):
    from marketplace.codes import TECH_DOMAINS
    from marketplace.contracts.states import PAYMENT_METHODS

    assert set(PAYMENT_METHODS) == {"lump_sum", "instalments", "royalty", "royalty_with_fee"}
    assert len(TECH_DOMAINS) == 11
    for method in PAYMENT_METHODS:
        assert post(api_body(seller, payment_method=method)).status_code == 201
    for domain in TECH_DOMAINS:
        assert post(api_body(seller, tech_domain=domain)).status_code == 201


# --- the parties ---------------------------------------------------------------------------

@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_a_domestic_organisation_gives_a_valid_credit_code(post, seller, side):
    for code in (None, "", "91141102MA0K00007X", "91141102MA0K0000", "91141102MA0K000O70",
                 "9114110ZMA0K000070"):
        body = api_body(seller)
        body[side] = {**body[side], "credit_code": code}
        refused(post(body), f"{side}.credit_code", code)


def test_the_credit_code_check_character_is_checked(post, seller):
    from marketplace.credit_code import check_character

    good = outside_party()["credit_code"]
    wrong = good[:17] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"
                             if c != check_character(good[:17]))
    response = post(api_body(seller, buyer=outside_party(credit_code=wrong)))
    assert response.status_code == 422
    assert "GB 32100" in error_fields(response)["buyer.credit_code"][0]
    ok = post(api_body(seller, buyer=outside_party(credit_code=" " + good.lower() + " ")))
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["buyer"]["credit_code"] == good


def test_an_individual_or_a_party_abroad_needs_no_credit_code(post, seller):
    individual = post(api_body(seller, buyer={"name": "张三", "credit_code": None,
                                              "entity_type": "individual", "region": "141102"}))
    assert individual.status_code == 201, individual.get_json()
    abroad = post(api_body(seller, buyer={"name": "Rio Tinto Ltd", "entity_type":
                                          "foreign_enterprise", "region": "990000"}))
    assert abroad.status_code == 201, abroad.get_json()
    assert abroad.get_json()["buyer"] == {"name": "Rio Tinto Ltd", "credit_code": None,
                                          "entity_type": "foreign_enterprise",
                                          "region": "990000"}


@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_party_fields_are_checked(post, seller, side):
    for name, value in (("entity_type", "enterprise"), ("entity_type", ""),
                        ("region", "141100"), ("region", "999999"), ("region", ""),
                        ("name", ""), ("name", "企" * 201)):
        body = api_body(seller)
        body[side] = {**body[side], name: value}
        refused(post(body), f"{side}.{name}", (name, value))


def test_a_county_a_province_or_abroad_is_a_region(post, seller):
    for region in ("141102", "141182", "140000", "110000", "820000", "990000"):
        response = post(api_body(seller, buyer=outside_party(region=region)))
        assert response.status_code == 201, (region, response.get_json())
        assert response.get_json()["buyer"]["region"] == region


def test_every_entity_type_is_accepted(post, seller):
    for entity_type in ("research_institute", "university", "state_enterprise",
                        "private_enterprise", "foreign_enterprise", "government", "individual",
                        "other"):
        response = post(api_body(seller, buyer=outside_party(entity_type=entity_type)))
        assert response.status_code == 201, (entity_type, response.get_json())


# --- who files -------------------------------------------------------------------------------

def test_the_filer_must_be_the_seller(post, seller, market):
    other = market.buyer_org()
    response = post(api_body(other, buyer=seller))  # we are the buyer here
    assert response.status_code == 422
    assert "seller.credit_code" in error_fields(response)


def test_the_buyer_cannot_file_by_naming_a_seller_without_a_credit_code(post, seller):
    """A seller without a credit code (an individual, or a party abroad outside an import)
    does not let the buyer side file."""
    for other in ({"name": "张三", "entity_type": "individual", "region": "141102"},
                  {"name": "Siemens AG", "entity_type": "foreign_enterprise",
                   "region": "990000"}):
        response = post(api_body(other, buyer=seller))
        assert response.status_code == 422, other
        assert "seller.credit_code" in error_fields(response)


def test_the_domestic_buyer_files_an_import(post, seller):
    abroad = {"name": "Siemens AG", "entity_type": "foreign_enterprise", "region": "990000"}
    response = post(api_body(abroad, buyer=seller, is_import=True,
                             contract_type="licence", subtype="patent"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["is_import"] is True


def test_an_import_needs_the_seller_abroad(post, seller):
    response = post(api_body(outside_party(), buyer=seller, is_import=True))
    assert response.status_code == 422
    assert "is_import" in error_fields(response)


def test_in_an_import_the_seller_does_not_file(post, seller):
    abroad = {"name": "Siemens AG", "entity_type": "foreign_enterprise", "region": "990000"}
    response = post(api_body(seller, buyer=abroad, is_import=True))
    assert response.status_code == 422
    assert "is_import" in error_fields(response) or "buyer.credit_code" in error_fields(response)


@pytest.mark.parametrize("role", ["broker", "bureau", "admin"])
def test_only_party_organisations_file(post, seller, market, role):
    response = post(api_body(seller), user=market.user(role))
    assert response.status_code == 403


def test_an_enterprise_files_as_the_seller_of_its_own_technology(post, market):
    enterprise = market.user("enterprise")
    response = post(api_body(market.org_of(enterprise)), user=enterprise)
    assert response.status_code == 201


def test_without_a_token_drafting_is_401(client, seller):
    response = client.post("/api/v1/contracts", json=api_body(seller))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_body_that_is_not_an_object_is_400(client, market, filer):
    response = client.post("/api/v1/contracts", data="[]", content_type="application/json",
                           headers=bearer(market.token(filer)))
    assert response.status_code == 400


# --- dates -------------------------------------------------------------------------------------

def test_dates_are_checked(post, seller):
    for changes, field in (
            ({"signed_on": "2026-07-01"}, "signed_on"),                     # tomorrow
            ({"valid_from": "2026-07-01", "valid_to": "2026-06-30"}, "valid_to"),
            ({"signed_on": "2026-06-15", "valid_from": "2026-01-01", "valid_to": "2026-06-14"},
             "valid_to"),
            ({"signed_on": "2026-06-31"}, "signed_on"),
            ({"valid_to": "30/06/2027"}, "valid_to"),
            ({"valid_from": None}, "valid_from")):
        refused(post(api_body(seller, **changes)), field, changes)


def test_signed_today_and_starting_later_is_fine(post, seller):
    response = post(api_body(seller, signed_on="2026-06-30", valid_from="2026-09-01",
                             valid_to="2026-09-01"))
    assert response.status_code == 201, response.get_json()


def test_today_is_today_in_lueliang(post, seller, market_time):
    """At 01:00 on 1 July in Lüliang it is still 30 June in UTC: signing on 1 July is fine."""
    market_time.set("2026-07-01T01:00:00+08:00")
    assert post(api_body(seller, signed_on="2026-07-01")).status_code == 201
    market_time.set("2026-06-30T23:00:00+08:00")
    assert post(api_body(seller, signed_on="2026-07-01")).status_code == 422


# --- expected investment and output, achievements ------------------------------------------

@pytest.mark.parametrize("kind", ["transfer", "licence"])
def test_expected_investment_and_output_for_transfer_and_licence(post, seller, kind):
    response = post(api_body(seller, contract_type=kind, subtype="technical_secret",
                             expected_investment="3000000", expected_output="9000000.50"))
    assert response.status_code == 201, response.get_json()
    got = response.get_json()
    assert (got["expected_investment"], got["expected_output"]) == ("3000000.00", "9000000.50")


def test_expected_investment_and_output_only_for_transfer_and_licence(post, seller):
    for kind, subtype in (("development", "cooperative"), ("consulting", "consulting"),
                          ("service", "training")):
        for name in ("expected_investment", "expected_output"):
            response = post(api_body(seller, contract_type=kind, subtype=subtype,
                                     **{name: "100.00"}))
            refused(response, "expected_output", (kind, name))


def test_negative_expected_investment_is_refused(post, seller):
    response = post(api_body(seller, contract_type="transfer", subtype="patent_right",
                             expected_investment="-1.00"))
    assert response.status_code == 422
    assert "expected_investment" in error_fields(response)


def test_the_achievement_must_be_the_filer_s_registered_one(post, seller, market, filer):
    mine = market.achievement(filer)
    draft = market.achievement(filer, register=False)
    theirs = market.achievement(market.filer())
    ok = post(api_body(seller, contract_type="transfer", subtype="patent_right",
                       achievement_id=mine))
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["achievement_id"] == mine
    for other in (draft, theirs, 999999):
        response = post(api_body(seller, contract_type="transfer", subtype="patent_right",
                                 achievement_id=other))
        assert response.status_code == 422, other
        assert set(error_fields(response)) == {"achievement_id"}
