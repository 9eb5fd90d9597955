"""The credit formula (credit.services): the base, the cap on positive points, the window, the
grades' boundaries, the clamp to 0–100, and the exact reversal of a changed rating."""
import pytest
from credit_helpers import Market
from sqlalchemy import select

from marketplace import audit
from marketplace.credit import services as credit
from marketplace.credit.models import CreditEvent, CreditScore
from marketplace.extensions import db

BASE, CAP, WINDOW = credit.BASE, credit.POSITIVE_CAP, credit.WINDOW_DAYS


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


@pytest.fixture
def org(market):
    """An organisation's member: its organisation is the subject."""
    return market.user("enterprise")


def test_the_documented_constants():
    assert (BASE, CAP, WINDOW) == (70, 30, 3 * 365)
    assert credit.GRADES == (("A", 85), ("B", 70), ("C", 60), ("D", 0))
    assert {kind: points for kind, (points, _) in credit.KINDS.items()} == {
        "contract_certified": 3, "deal_completed": 3, "rating_good": 1, "rating_poor": -3,
        "rating_withdrawn": 0, "complaint_warning": -5, "complaint_restriction": -10,
        "complaint_takedown": -15, "complaint_closure": -30, "submission_false": -10,
        "certificate_revoked": -10, "winner_declined": -8, "winner_lapsed": -5,
        "blacklisted": -20}


def test_without_events_a_subject_stands_at_the_base_and_reading_writes_nothing(app, org):
    with app.app_context():
        assert credit.score_of(org_id=org.organization_id) == (BASE, "B")
        assert db.session.scalar(select(CreditScore)) is None


@pytest.mark.parametrize(("score", "grade"), [(100, "A"), (85, "A"), (84, "B"), (70, "B"),
                                              (69, "C"), (60, "C"), (59, "D"), (0, "D")])
def test_grade_boundaries(score, grade):
    assert credit.grade_of(score) == grade


@pytest.mark.parametrize(("kind", "times", "score", "grade"), [
    ("deal_completed", 5, 85, "A"), ("deal_completed", 4, 82, "B"),
    ("winner_lapsed", 1, 65, "C"), ("submission_false", 1, 60, "C"),
    ("complaint_restriction", 1, 60, "C"), ("rating_poor", 4, 58, "D")])
def test_events_cross_the_grade_boundaries(market, org, kind, times, score, grade):
    market.record(kind, times, org_id=org.organization_id)
    assert market.score(org) == (score, grade)


def test_positive_points_count_up_to_the_cap(market, org):
    market.record("deal_completed", 10, org_id=org.organization_id)
    assert market.score(org) == (BASE + CAP, "A")
    market.record("contract_certified", 2, org_id=org.organization_id)
    assert market.score(org) == (100, "A")
    market.record("winner_lapsed", org_id=org.organization_id)  # the cap applies first
    assert market.score(org) == (100 - 5, "A")


def test_negative_points_clamp_at_zero(market, org):
    market.record("complaint_closure", 3, org_id=org.organization_id)
    assert market.score(org) == (0, "D")
    market.record("deal_completed", org_id=org.organization_id)
    assert market.score(org) == (0, "D")


def test_a_reversed_rating_is_undone_exactly_even_over_the_cap(app, market, org):
    market.record("deal_completed", 11, org_id=org.organization_id)  # 33 points, capped
    market.record("rating_good", org_id=org.organization_id)
    with app.app_context():
        credit.record_event("rating_withdrawn", org_id=org.organization_id, entity="rating",
                            entity_id=1, points=-1)
        db.session.commit()
    assert market.score(org) == (100, "A")  # still 33 positive points, capped at 30


def test_a_reversed_poor_rating_gives_its_points_back(app, market, org):
    market.record("rating_poor", org_id=org.organization_id)
    with app.app_context():
        credit.record_event("rating_withdrawn", org_id=org.organization_id, entity="rating",
                            entity_id=1, points=3)
        db.session.commit()
    assert market.score(org) == (BASE, "B")


def test_only_a_withdrawal_carries_its_own_points(app, org):
    with app.app_context():
        event = credit.record_event("deal_completed", org_id=org.organization_id,
                                    entity="deal", entity_id=1, points=99)
        assert event.points == 3


def test_events_older_than_the_window_stop_counting(app, market, org, clock):
    market.record("winner_declined", org_id=org.organization_id)
    market.days_later(WINDOW - 1)
    market.record("deal_completed", org_id=org.organization_id)
    assert market.score(org) == (BASE - 8 + 3, "C")
    market.days_later(1, seconds=1)
    with app.app_context():
        assert credit.recompute_all() == 1
    assert market.score(org) == (BASE + 3, "B")
    assert [e[0] for e in market.events(org_id=org.organization_id)] == [
        "winner_declined", "deal_completed"]  # the history keeps it
    market.days_later(WINDOW)
    with app.app_context():
        assert credit.recompute_all() == 1
        row = db.session.get(CreditScore, f"org:{org.organization_id}")
        assert (row.score, row.grade, row.event_count) == (BASE, "B", 0)


def test_an_event_is_audited_and_recomputes_its_subject_in_the_callers_transaction(app, org):
    with app.app_context():
        event = credit.record_event("winner_declined", org_id=org.organization_id,
                                    entity="listing", entity_id=7, comment="未按期确认。")
        row = db.session.get(CreditScore, f"org:{org.organization_id}")
        assert (row.score, row.grade, row.event_count) == (62, "C", 1)
        db.session.rollback()  # nothing is committed by record_event itself
        assert db.session.scalar(select(CreditEvent)) is None
        event = credit.record_event("winner_declined", org_id=org.organization_id,
                                    entity="listing", entity_id=7)
        db.session.commit()
        entry = audit.history("credit_event", event.id)[0]
        assert (entry.action, entry.data["points"], entry.data["source"]) == (
            "winner_declined", -8, "listing:7")


@pytest.mark.parametrize("subject", [{}, {"org_id": 1, "broker_id": 2}])
def test_an_event_has_exactly_one_subject(app, subject):
    with app.app_context(), pytest.raises(ValueError):
        credit.record_event("deal_completed", entity="deal", entity_id=1, **subject)


def test_an_unknown_kind_is_refused(app, org):
    with app.app_context(), pytest.raises(ValueError):
        credit.record_event("praised", org_id=org.organization_id, entity="deal", entity_id=1)


def test_brokers_and_organisations_are_scored_apart(market):
    broker = market.user("broker")
    market.record("blacklisted", broker_id=broker.id)
    assert market.score(broker=broker) == (BASE - 20, "D")
    assert market.score(broker) == (BASE, "B")  # its employer is untouched
