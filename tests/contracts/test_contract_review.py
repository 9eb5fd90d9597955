"""The bureau's decision: comments and grounds, registration numbers (layout, settings,
uniqueness under concurrency), revocation and cancellation, achievements marked transferred."""
import re
import threading

import pytest
from contract_helpers import COMMENTS, bearer, error_fields

from marketplace import sequences, settings
from marketplace.accounts.models import User
from marketplace.contracts import services
from marketplace.contracts.states import REJECTION_GROUNDS, REVOCATION_GROUNDS
from marketplace.errors import Conflict
from marketplace.extensions import db

NUMBER = re.compile(r"^(\d{4})(\d{6})(\d{2})(\d{4})$")
CODE = re.compile(r"^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$")


def review(client, record_id, token, decision, comment=None, ground=None):
    body = {"decision": decision}
    if comment is not None:
        body["comment"] = comment
    if ground is not None:
        body["ground"] = ground
    return client.post(f"/api/v1/contracts/{record_id}/review", json=body,
                       headers=bearer(token))


@pytest.fixture
def officer_token(market):
    return market.token(market.bureau())


# --- return and reject ---------------------------------------------------------------------

@pytest.mark.parametrize("comment", [None, "", "   "])
def test_a_return_needs_a_comment(market, client, officer_token, comment):
    record_id = market.contract(market.filer(), "submitted")
    response = review(client, record_id, officer_token, "return", comment)
    assert response.status_code == 422
    assert set(error_fields(response)) == {"comment"}
    assert market.status(record_id) == "submitted"


@pytest.mark.parametrize(("comment", "ground", "fields"), [
    (None, "unclear", {"comment"}), ("合同标的不明确。", None, {"ground"}),
    ("", None, {"comment", "ground"}), ("合同标的不明确。", "duplicate", {"ground"}),
    ("合同标的不明确。", "", {"ground"})])
def test_a_rejection_needs_a_comment_and_an_official_ground(market, client, officer_token,
                                                          comment, ground, fields):
    record_id = market.contract(market.filer(), "submitted")
    response = review(client, record_id, officer_token, "reject", comment, ground)
    assert response.status_code == 422
    assert set(error_fields(response)) == fields
    assert market.status(record_id) == "submitted"


@pytest.mark.parametrize("ground", list(REJECTION_GROUNDS))
def test_each_official_ground_rejects(market, client, officer_token, ground):
    record_id = market.contract(market.filer(), "submitted")
    response = review(client, record_id, officer_token, "reject", " 不予登记的理由。 ", ground)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["ground"], body["review_comment"]) == (
        "rejected", ground, "不予登记的理由。")
    assert body["registration_number"] is None


def test_the_official_grounds_are_spec_md_s():
    assert list(REJECTION_GROUNDS) == ["invalid", "not_technology", "unclear",
                                       "approval_missing", "title_mismatch", "restrictive",
                                       "proofs_missing", "seals", "false", "other"]
    assert list(REVOCATION_GROUNDS) == ["false", "duplicate", "invalidated"]


def test_an_unknown_decision_is_refused(market, client, officer_token):
    record_id = market.contract(market.filer(), "submitted")
    response = review(client, record_id, officer_token, "approve", "好")
    assert response.status_code == 422
    assert "decision" in error_fields(response)
    assert market.status(record_id) == "submitted"
    with pytest.raises(services.ValidationFailed):
        market.run(services.review, record_id, "approve", market.bureau(), "好")


def test_the_comment_of_a_return_reaches_the_filer(market, client, officer_token):
    filer = market.filer()
    record_id = market.contract(filer, "submitted")
    review(client, record_id, officer_token, "return", "  请补充合同双方盖章页。 ")
    mine = client.get(f"/api/v1/contracts/{record_id}",
                      headers=bearer(market.token(filer))).get_json()
    assert (mine["status"], mine["review_comment"], mine["ground"]) == (
        "returned", "请补充合同双方盖章页。", None)


# --- certification and numbers -----------------------------------------------------------------

def test_certification_sets_number_code_and_time(market, client, market_time):
    moment = market_time.set("2026-07-03T15:20:00+08:00")
    officer = market.bureau()
    record_id = market.contract(market.filer(), "submitted")
    response = review(client, record_id, market.token(officer), "certify")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "certified"
    assert body["registration_number"] == "2026141100010001"
    assert NUMBER.match(body["registration_number"])
    assert CODE.match(body["verification_code"])
    assert body["certified_at"].startswith("2026-07-03T07:20:00")
    assert (body["review_comment"], body["ground"]) == (None, None)
    record = market.get(record_id)
    assert record.certified_by_id == officer.id
    assert record.certified_at.replace(tzinfo=None) == moment.replace(
        tzinfo=None) - moment.utcoffset()


def test_numbers_follow_on_and_codes_differ(market, client, officer_token):
    filer = market.filer()
    ids = [market.contract(filer, "submitted") for _ in range(3)]
    bodies = [review(client, i, officer_token, "certify").get_json() for i in ids]
    assert [b["registration_number"] for b in bodies] == [
        "2026141100010001", "2026141100010002", "2026141100010003"]
    assert len({b["verification_code"] for b in bodies}) == 3


def test_returns_and_rejections_take_no_number(market, client, officer_token):
    filer = market.filer()
    returned, rejected, certified = (market.contract(filer, "submitted") for _ in range(3))
    review(client, returned, officer_token, "return", "补正")
    review(client, rejected, officer_token, "reject", "不予登记", "other")
    assert review(client, certified, officer_token, "certify").get_json()[
        "registration_number"] == "2026141100010001"


@pytest.mark.parametrize(("moment", "year"), [
    ("2026-12-31T15:59:59+00:00", "2026"),   # 23:59:59 in Lüliang
    ("2026-12-31T16:00:00+00:00", "2027"),   # midnight in Lüliang, still 2026 in UTC
])
def test_the_year_is_the_year_in_beijing_time(market, client, market_time, moment, year):
    record_id = market.contract(market.filer(), "submitted")
    market_time.set(moment)
    response = review(client, record_id, market.token(market.bureau()), "certify")
    assert response.get_json()["registration_number"] == f"{year}141100010001"


def test_the_serial_starts_again_each_year(market, client, market_time):
    filer = market.filer()
    first, second, third = (market.contract(filer, "submitted") for _ in range(3))
    market_time.set("2026-12-31T12:00:00+08:00")
    token = market.token(market.bureau())
    assert review(client, first, token, "certify").get_json()[
        "registration_number"] == "2026141100010001"
    assert review(client, second, token, "certify").get_json()[
        "registration_number"] == "2026141100010002"
    market_time.set("2027-01-04T09:00:00+08:00")
    assert review(client, third, token, "certify").get_json()[
        "registration_number"] == "2027141100010001"


def test_area_code_and_registration_point_are_settings(market, client, officer_token):
    filer = market.filer()
    before, after = (market.contract(filer, "submitted") for _ in range(2))
    assert review(client, before, officer_token, "certify").get_json()[
        "registration_number"] == "2026141100010001"
    market.run(settings.update, {"contract_area_code": "141102", "contract_point_code": "07"},
               market.user("admin"))
    assert review(client, after, officer_token, "certify").get_json()[
        "registration_number"] == "2026141102070002"
    assert market.get(before).registration_number == "2026141100010001"


@pytest.mark.parametrize(("key", "value"), [("contract_area_code", "14110"),
                                            ("contract_area_code", "14110A"),
                                            ("contract_point_code", "1"),
                                            ("contract_point_code", "001")])
def test_number_settings_keep_their_length(market, key, value):
    with pytest.raises(services.ValidationFailed):
        market.run(settings.update, {key: value}, market.user("admin"))


def test_a_failed_certification_gives_its_number_back(market, client, officer_token):
    filer = market.filer()
    first, second = (market.contract(filer, "submitted") for _ in range(2))
    with market.app.app_context():
        assert services._registration_number(services.clock.now()).endswith("0001")
        db.session.rollback()
    assert review(client, second, officer_token, "certify").get_json()[
        "registration_number"] == "2026141100010001"


def run_at_once(app, jobs):
    """Run each job (a function taking nothing) in its own thread and app context, all
    released at the same moment; returns their results or exceptions in order."""
    start = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def work(i, job):
        with app.app_context():
            try:
                results[i] = job(start)
            except Exception as exc:  # reported by the caller
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_certifications_take_unique_gap_free_numbers(market):
    workers = 8
    filers = [market.filer() for _ in range(2)]
    record_ids = [market.contract(filers[i % 2], "submitted") for i in range(workers)]
    officer = market.bureau()

    def certify(record_id):
        def job(start):
            actor = db.session.get(User, officer.id)
            services.get_visible(record_id, actor)
            start.wait()
            return services.review(record_id, "certify", actor).registration_number
        return job

    results = run_at_once(market.app, [certify(i) for i in record_ids])

    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = [market.get(i).registration_number for i in record_ids]
    assert sorted(numbers) == sorted(results)
    assert all(len(n) == 16 and NUMBER.match(n) for n in numbers), numbers
    assert {n[:12] for n in numbers} == {"202614110001"}
    assert sorted(int(n[-4:]) for n in numbers) == list(range(1, workers + 1))
    assert len({market.get(i).verification_code for i in record_ids}) == workers
    with market.app.app_context():
        assert sequences.current_value("contract", 2026) == workers


@pytest.mark.parametrize("decisions", [("certify", "certify"), ("certify", "return"),
                                       ("reject", "certify")])
def test_two_officers_deciding_the_same_contract_at_once_one_wins(market, decisions):
    record_id = market.contract(market.filer(), "submitted")
    officers = [market.bureau(), market.user("bureau")]
    history = market.history(record_id)

    def decide(officer, decision):
        def job(start):
            actor = db.session.get(User, officer.id)
            seen = services.get_visible(record_id, actor)
            assert seen.status == "submitted"
            start.wait()
            services.review(record_id, decision, actor, "意见", ground="other")
            return decision
        return job

    results = run_at_once(market.app, [decide(o, d) for o, d in zip(officers, decisions,
                                                                          strict=True)])

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "str"], results
    winner = next(i for i, r in enumerate(results) if not isinstance(r, Exception))
    assert isinstance(results[1 - winner], Conflict)
    record = market.get(record_id)
    expected = {"certify": "certified", "return": "returned", "reject": "rejected"}
    assert str(record.status) == expected[decisions[winner]]
    entries = market.history(record_id)[len(history):]
    assert [(e[0], e[3]) for e in entries] == [(decisions[winner], officers[winner].id)]
    with market.app.app_context():
        taken = sequences.current_value("contract", 2026)
    assert taken == (1 if decisions[winner] == "certify" else 0)
    if decisions[winner] == "certify":
        assert record.registration_number == "2026141100010001"


def test_a_decision_through_the_api_on_a_contract_decided_meanwhile_is_409(market, client):
    record_id = market.contract(market.filer(), "submitted")
    first = market.token(market.bureau())
    second = market.token(market.user("bureau"))
    assert review(client, record_id, first, "certify").status_code == 200
    response = review(client, record_id, second, "return", "补正")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


# --- revocation and cancellation ---------------------------------------------------------------

@pytest.mark.parametrize(("body", "fields"), [
    ({"comment": "虚假合同。"}, {"ground"}),
    ({"ground": "unclear", "comment": "虚假合同。"}, {"ground"}),
    ({"ground": "false"}, {"comment"}),
    ({"ground": "false", "comment": "  "}, {"comment"})])
def test_revoking_needs_a_ground_and_a_reason(market, client, officer_token, body, fields):
    record_id = market.contract(market.filer(), "certified")
    response = client.post(f"/api/v1/contracts/{record_id}/revoke", json=body,
                           headers=bearer(officer_token))
    assert response.status_code == 422
    assert set(error_fields(response)) == fields
    assert market.status(record_id) == "certified"


@pytest.mark.parametrize("ground", list(REVOCATION_GROUNDS))
def test_each_revocation_ground_revokes(market, client, officer_token, ground):
    filer = market.filer()
    record_id = market.contract(filer, "certified")
    number = market.get(record_id).registration_number
    response = client.post(f"/api/v1/contracts/{record_id}/revoke",
                           json={"ground": ground, "comment": " 经查属实。 "},
                           headers=bearer(officer_token))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["ground"], body["review_comment"]) == (
        "revoked", ground, "经查属实。")
    assert body["registration_number"] == number  # the number is never given again
    assert market.history(record_id)[-1][:3] == ("revoke", "certified", "revoked")
    assert market.audit_data(record_id)[-1] == {"ground": ground}


def test_revoking_in_the_service_checks_the_ground(market):
    record_id = market.contract(market.filer(), "certified")
    with pytest.raises(services.ValidationFailed) as caught:
        market.run(services.revoke, record_id, market.bureau(), "other", "理由")
    assert set(caught.value.fields) == {"ground"}


@pytest.mark.parametrize("comment", [None, "", "  "])
def test_cancelling_needs_a_reason(market, client, comment):
    filer = market.filer()
    record_id = market.contract(filer, "certified")
    body = {} if comment is None else {"comment": comment}
    response = client.post(f"/api/v1/contracts/{record_id}/cancel", json=body,
                           headers=bearer(market.token(filer)))
    assert response.status_code == 422
    assert set(error_fields(response)) == {"comment"}
    assert market.status(record_id) == "certified"


def test_the_filer_cancels_a_certified_contract(market, client):
    filer = market.filer()
    record_id = market.contract(filer, "certified")
    response = client.post(f"/api/v1/contracts/{record_id}/cancel",
                           json={"comment": COMMENTS["cancel"]},
                           headers=bearer(market.token(filer)))
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["review_comment"]) == (
        "cancelled", COMMENTS["cancel"])


# --- achievements transferred ------------------------------------------------------------------

def test_a_certified_contract_marks_its_achievement_transferred(market, client, officer_token):
    filer = market.filer()
    achievement_id = market.achievement(filer)
    record_id = market.contract(filer, "submitted", contract_type="transfer",
                                subtype="patent_right", achievement_id=achievement_id)
    assert market.get_achievement(achievement_id).transferred is False
    outbox_before = market.outbox("achievement", achievement_id)

    response = review(client, record_id, officer_token, "certify")

    assert response.status_code == 200
    assert market.get_achievement(achievement_id).transferred is True
    assert market.outbox("achievement", achievement_id) == [*outbox_before, "upsert"]
    officer = market.bureau()
    assert market.history(achievement_id, "achievement")[-1] == (
        "transferred", None, None, officer.id, None)
    # A second contract citing it changes nothing more.
    again = market.contract(filer, "submitted", contract_type="licence", subtype="patent",
                            achievement_id=achievement_id)
    review(client, again, officer_token, "certify")
    assert [h[0] for h in market.history(achievement_id, "achievement")].count(
        "transferred") == 1


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_a_contract_not_certified_does_not_mark_it(market, client, officer_token, decision):
    filer = market.filer()
    achievement_id = market.achievement(filer)
    record_id = market.contract(filer, "submitted", contract_type="transfer",
                                subtype="patent_right", achievement_id=achievement_id)
    review(client, record_id, officer_token, decision, "意见", "other")
    assert market.get_achievement(achievement_id).transferred is False
