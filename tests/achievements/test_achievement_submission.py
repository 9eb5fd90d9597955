"""What submission refuses: missing fields and evidence, secrecy, disputes, unverified
organisations, and records already registered (same title, same patent)."""
import pytest
from achievement_helpers import error_fields, flashes, patent

from marketplace.achievements.states import EVIDENCE_RULES


def submit(client, record_id, token):
    return client.post(f"/api/v1/achievements/{record_id}/submit",
                       headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})


def test_submission_names_every_missing_field(market, client):
    owner = market.institute()
    token = market.token(owner)
    created = client.post("/api/v1/achievements", headers={"Authorization": f"Bearer {token}"},
                          json={"title": "半成品", "category": "applied", "field": "coal"})
    assert created.status_code == 201, created.get_json()
    record_id = created.get_json()["id"]

    response = submit(client, record_id, token)

    assert response.status_code == 422
    assert set(error_fields(response)) == {
        "summary", "details", "attribute", "level", "maturity", "research_start",
        "research_end", "source", "evaluation.method", "evaluation.certificate_number",
        "evaluation.date", "keywords", "completers", "evidence"}
    assert market.status(record_id) == "draft"
    assert [h[0] for h in market.history(record_id)] == ["create"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"secrecy": "secret"}, "secrecy"),
    ({"secrecy": "confidential"}, "secrecy"),
    ({"ownership_disputed": True}, "ownership_disputed"),
])
def test_classified_or_disputed_records_are_refused(market, client, changes, field):
    owner = market.institute()
    token = market.token(owner)
    record_id = market.achievement(owner, **changes)
    response = submit(client, record_id, token)
    assert response.status_code == 422
    assert set(error_fields(response)) == {field}
    assert market.status(record_id) == "draft"


@pytest.mark.parametrize("status", ["unverified", "rejected"])
def test_an_unverified_organisation_cannot_submit(market, client, status):
    owner = market.institute(status=status)
    token = market.token(owner)
    record_id = market.achievement(owner)
    response = submit(client, record_id, token)
    assert response.status_code == 422
    assert set(error_fields(response)) == {"organization"}
    assert market.status(record_id) == "draft"


COMPLETE = {category: [set(option) for option in options]
            for category, options in EVIDENCE_RULES.items()}
EVIDENCE_CASES = [
    ("applied", ()), ("applied", ("evaluation_proof",)), ("applied", ("development_report",)),
    ("applied", ("ip_certificate",)), ("applied", ("user_certificate",)),
    ("applied", ("evaluation_proof", "user_certificate")),
    ("applied", ("ip_certificate", "development_report")),
    ("applied", ("paper", "academic_evaluation", "research_report")),
    ("applied", ("evaluation_proof", "development_report")),
    ("applied", ("ip_certificate", "user_certificate")),
    ("applied", ("evaluation_proof", "development_report", "ip_certificate")),
    ("basic", ()), ("basic", ("paper",)), ("basic", ("academic_evaluation",)),
    ("basic", ("evaluation_proof", "development_report")),
    ("basic", ("paper", "academic_evaluation")),
    ("soft", ()), ("soft", ("evaluation_proof",)), ("soft", ("research_report",)),
    ("soft", ("evaluation_proof", "development_report")),
    ("soft", ("paper", "research_report")),
    ("soft", ("evaluation_proof", "research_report")),
]


def test_the_evidence_cases_cover_each_rule():
    passing = {(c, frozenset(kinds)) for c, kinds in EVIDENCE_CASES
               if any(option <= set(kinds) for option in COMPLETE[c])}
    for category, options in COMPLETE.items():
        for option in options:
            assert (category, frozenset(option)) in passing
            for kind in option:  # each incomplete half of each alternative is tried
                assert (category, (kind,)) in EVIDENCE_CASES


@pytest.mark.parametrize("category", ["applied", "basic", "soft"])
def test_evidence_by_category(market, client, category):
    owner = market.institute()
    token = market.token(owner)
    got, expected = {}, {}
    for kinds in (k for c, k in EVIDENCE_CASES if c == category):
        record_id = market.achievement(owner, category=category, evidence=kinds)
        complete = any(option <= set(kinds) for option in COMPLETE[category])
        expected[kinds] = (200, "submitted", {}) if complete else (422, "draft", {"evidence"})
        response = submit(client, record_id, token)
        got[kinds] = (response.status_code, market.status(record_id),
                      set(error_fields(response)) or {})
    assert got == expected


def test_removed_evidence_no_longer_counts(market, client):
    owner = market.institute()
    token = market.token(owner)
    record_id = market.achievement(owner)
    files = client.get(f"/api/v1/achievements/{record_id}/files",
                       headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    assert sorted(f["kind"] for f in files) == ["development_report", "evaluation_proof"]
    owner_client = market.page_client(owner)
    response = owner_client.post(f"/achievements/{record_id}/files/{files[0]['id']}/delete")
    assert response.status_code == 302

    response = submit(client, record_id, token)

    assert response.status_code == 422
    assert set(error_fields(response)) == {"evidence"}


@pytest.mark.parametrize("other_state", ["submitted", "registered"])
def test_the_same_title_twice_from_one_organisation_is_refused(market, client, other_state):
    owner = market.institute()
    token = market.token(owner)
    market.achievement(owner, other_state, title="Coal-bed methane fracturing")
    record_id = market.achievement(owner, title="  coal-bed METHANE fracturing ")

    response = submit(client, record_id, token)

    assert response.status_code == 422
    assert set(error_fields(response)) == {"title"}
    assert market.status(record_id) == "draft"


@pytest.mark.parametrize("other_state", ["draft", "returned", "rejected", "revoked"])
def test_the_same_title_is_allowed_beside_a_record_not_submitted_or_registered(
        market, client, other_state):
    owner = market.institute()
    token = market.token(owner)
    market.achievement(owner, other_state, title="煤层气压裂技术")
    record_id = market.achievement(owner, title="煤层气压裂技术")
    assert submit(client, record_id, token).status_code == 200


def test_another_organisation_may_use_the_same_title(market, client):
    market.achievement(market.institute(), "registered", title="煤层气压裂技术")
    owner = market.institute()
    record_id = market.achievement(owner, title="煤层气压裂技术")
    assert submit(client, record_id, market.token(owner)).status_code == 200


@pytest.mark.parametrize("other_state", ["submitted", "registered"])
def test_a_patent_already_in_a_submitted_or_registered_record_is_refused(
        market, client, other_state):
    number = patent()
    market.achievement(market.institute(), other_state,
                       ip=[{"type": "invention_patent", "number": number, "status": "granted"}])
    owner = market.institute()
    token = market.token(owner)
    record_id = market.achievement(owner, ip=[
        {"type": "software_copyright", "number": "2019SR0123456", "status": "granted"},
        {"type": "invention_patent", "number": number.removeprefix("ZL"),
         "status": "granted"}])

    response = submit(client, record_id, token)

    assert response.status_code == 422
    assert set(error_fields(response)) == {"ip"}
    assert number in error_fields(response)["ip"][0]
    assert market.status(record_id) == "draft"


def test_a_patent_of_a_draft_elsewhere_does_not_block(market, client):
    number = patent()
    item = {"type": "invention_patent", "number": number, "status": "granted"}
    market.achievement(market.institute(), "draft", ip=[item])
    market.achievement(market.institute(), "rejected", ip=[item])
    owner = market.institute()
    record_id = market.achievement(owner, ip=[item])
    assert submit(client, record_id, market.token(owner)).status_code == 200


def test_every_problem_is_reported_at_once(market, client):
    owner = market.institute(status="unverified")
    token = market.token(owner)
    record_id = market.achievement(owner, evidence=(), secrecy="secret")
    response = submit(client, record_id, token)
    assert response.status_code == 422
    assert set(error_fields(response)) == {"evidence", "secrecy", "organization"}


def test_the_submit_page_flashes_each_problem_and_changes_nothing(market):
    owner = market.institute()
    record_id = market.achievement(owner, evidence=("paper",), secrecy="secret")
    client = market.page_client(owner)

    response = client.post(f"/achievements/{record_id}/submit?lang=en")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/achievements/{record_id}")
    messages = flashes(client)
    assert [category for category, _ in messages] == ["danger", "danger"]
    assert any("classified" in text for _, text in messages)
    assert any("evidence" in text for _, text in messages)
    assert market.status(record_id) == "draft"
