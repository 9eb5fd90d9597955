"""A broker's track record equals what the database holds after a scripted series of deals,
contracts, ratings, engagements and credit events, and the profile page and the API show the
same numbers."""
import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from broker_helpers import (
    BrokerApi,
    get_profile,
    make_broker,
    make_deal,
    make_engagement,
    make_rating,
    name_broker_on_contract,
    run,
)
from contract_helpers import Market as ContractMarket

from marketplace.brokers.track_record import TrackRecord, YearOfDeals, track_record
from marketplace.credit import services as credit
from marketplace.extensions import db
from tests.pages import element_text


def record_of(app, profile_id):
    from marketplace.brokers.models import BrokerProfile

    with app.app_context():
        return track_record(db.session.get(BrokerProfile, profile_id))


def at(hours, day=1):
    return datetime(2026, 6, day, 1, 0, tzinfo=UTC) + timedelta(hours=hours)


@pytest.fixture
def scripted(app, client):
    """Broker A's history, with noise around it that must not count:
    - deals: 2023 (seller side), none in 2024, two in 2025 (buyer side; and both sides of one
      deal), 2026 (seller side); another broker's deal;
    - contracts naming A: certified, certified then revoked, submitted, a draft; a certified
      contract naming the other broker and one naming nobody;
    - ratings of A: 5, 4 and 2; one of the other broker;
    - invitations of A answered after 2 h, 5 h and 30 h, one not answered yet; the other
      broker's answer after 1 h;
    - credit events of A: a certified contract (+3) and a poor rating (-3) and a completed
      deal (+3)."""
    a = make_broker(app, level="senior", real_name="记录甲")
    other = make_broker(app, real_name="记录乙")
    deals = [
        make_deal(app, "100000.00", date(2023, 3, 1), seller_broker_id=a.user_id),
        make_deal(app, "250000.50", date(2025, 4, 2), buyer_broker_id=a.user_id),
        make_deal(app, "300000.00", date(2025, 9, 9), seller_broker_id=a.user_id,
                  buyer_broker_id=a.user_id),
        make_deal(app, "1200000.00", date(2026, 5, 20), seller_broker_id=a.user_id,
                  buyer_broker_id=other.user_id),
    ]
    make_deal(app, "999.00", date(2025, 1, 1), seller_broker_id=other.user_id)

    market = ContractMarket(app, client)
    filer = market.filer()
    for state, broker in (("certified", a), ("revoked", a), ("submitted", a), ("draft", a),
                          ("certified", other), ("certified", None)):
        contract_id = market.contract(filer, "draft")
        if broker is not None:
            name_broker_on_contract(app, contract_id, broker.user_id)
        if state != "draft":
            market.move(contract_id, filer, state)

    for deal_id, score in zip(deals, (5, 4, 2), strict=False):
        make_rating(app, deal_id, a.user_id, score)
    make_rating(app, deals[3], other.user_id, 1)

    for hours, day in ((2, 1), (5, 2), (30, 3)):
        make_engagement(app, a.user_id, at(0, day), at(hours, day))
    make_engagement(app, a.user_id, at(0, 10))
    make_engagement(app, other.user_id, at(0, 4), at(1, 4))

    with app.app_context():
        for kind in ("contract_certified", "rating_poor", "deal_completed"):
            credit.record_event(kind, broker_id=a.user_id, entity="deal", entity_id=deals[0])
        db.session.commit()
    return a, other


def credit_of(app, broker):
    """The broker's (score, grade) as the credit capability computes it from its events
    (which the contract, deal and rating hooks record too): the record shows that."""
    with app.app_context():
        score, grade, _ = credit.compute(broker_id=broker.user_id)
        assert credit.score_of(broker_id=broker.user_id) == (score, grade)  # stored is current
        return score, grade


def expected(app, broker):
    score, grade = credit_of(app, broker)
    return dataclasses.replace(EXPECTED, credit_score=score, credit_grade=grade)


EXPECTED = TrackRecord(
    deals=4, deal_value=Decimal("1850000.50"), certified_contracts=1, rating=Decimal("3.67"),
    rating_count=3, response_hours_median=Decimal("5.0"), engagements=3, credit_score=0,
    credit_grade="", deals_per_year=[
        YearOfDeals(2023, 1, Decimal("100000.00")), YearOfDeals(2024, 0, Decimal("0.00")),
        YearOfDeals(2025, 2, Decimal("550000.50")),
        YearOfDeals(2026, 1, Decimal("1200000.00"))])


def test_the_record_equals_what_the_database_holds(app, scripted):
    a, other = scripted
    assert record_of(app, a.profile_id) == expected(app, a)
    score, grade = credit_of(app, other)
    assert record_of(app, other.profile_id) == TrackRecord(
        deals=2, deal_value=Decimal("1200999.00"), certified_contracts=1,
        rating=Decimal("1.00"), rating_count=1, response_hours_median=Decimal("1.0"),
        engagements=1, credit_score=score, credit_grade=grade, deals_per_year=[
            YearOfDeals(2025, 1, Decimal("999.00")), YearOfDeals(2026, 1,
                                                                 Decimal("1200000.00"))])


def test_the_page_shows_the_record(app, client, scripted):
    a, _ = scripted
    html = client.get(f"/brokers/{a.profile_id}?lang=en").get_data(as_text=True)
    assert element_text(html, "record-deals") == "4"
    assert element_text(html, "record-deal-value") == "¥1,850,000.50"
    assert element_text(html, "record-contracts") == "1"
    assert element_text(html, "record-rating") == "3.67 of 5 (3 ratings)"
    assert element_text(html, "record-response") == "5.0 hours (3 answers)"
    score, grade = credit_of(app, a)
    assert element_text(html, "record-credit").startswith(f"{score}, grade {grade}")
    assert element_text(html, "deals-per-year") == (
        "Deals per year and their value Year Deals Value 2023 1 ¥100,000.00 2024 0 ¥0.00 "
        "2025 2 ¥550,000.50 2026 1 ¥1,200,000.00")
    # The chart: one bar per year with its number written on it, no inline style.
    chart = html[html.index("<svg"):html.index("</svg>")]
    assert chart.count("<rect") == 4
    assert 'height="100.0"' in chart and 'height="50.0"' in chart  # 2025 is the top
    assert "style=" not in chart


def test_the_page_in_chinese_shows_wan_yuan(app, client, scripted):
    a, _ = scripted
    html = client.get(f"/brokers/{a.profile_id}?lang=zh").get_data(as_text=True)
    assert element_text(html, "record-deal-value") == "185 万元"


def test_the_api_gives_the_numbers_of_the_page(app, client, scripted):
    a, _ = scripted
    body = BrokerApi(client).get(f"/brokers/{a.profile_id}").get_json()
    score, grade = credit_of(app, a)
    assert body["track_record"] == {
        "deals": 4, "deal_value": "1850000.50", "certified_contracts": 1, "rating": 3.67,
        "rating_count": 3, "credit_score": score, "credit_grade": grade,
        "response_hours_median": 5.0, "engagements": 3, "deals_per_year": [
            {"year": 2023, "deals": 1, "value": "100000.00"},
            {"year": 2024, "deals": 0, "value": "0.00"},
            {"year": 2025, "deals": 2, "value": "550000.50"},
            {"year": 2026, "deals": 1, "value": "1200000.00"}]}


def test_the_directory_shows_deals_and_rating_and_sorts_by_them(app, client, scripted):
    a, other = scripted
    newcomer = make_broker(app, real_name="记录丙")  # no deal, no rating
    html = client.get("/brokers?lang=en").get_data(as_text=True)
    assert "Deals4 Rating3.67 of 5 (3 ratings)" in element_text(html, f"broker-{a.profile_id}")
    body = BrokerApi(client)

    def order(sort):
        items = body.get(f"/brokers?sort={sort}").get_json()["items"]
        return [i["id"] for i in items]

    assert order("deals") == [a.profile_id, other.profile_id, newcomer.profile_id]
    assert order("rating") == [a.profile_id, other.profile_id, newcomer.profile_id]
    assert set(order("name")) == {a.profile_id, other.profile_id, newcomer.profile_id}


def test_a_new_broker_has_an_empty_record(app, client):
    broker = make_broker(app)
    assert record_of(app, broker.profile_id) == TrackRecord(
        deals=0, deal_value=Decimal("0.00"), certified_contracts=0, rating=None,
        rating_count=0, response_hours_median=None, engagements=0, credit_score=70,
        credit_grade="B", deals_per_year=[])
    html = client.get(f"/brokers/{broker.profile_id}?lang=en").get_data(as_text=True)
    assert element_text(html, "record-rating") == "Not rated yet"
    assert element_text(html, "no-deals") == "No deal brokered on this market yet."
    assert "<svg" not in html


def test_an_even_number_of_answers_takes_the_middle_two(app):
    broker = make_broker(app)
    for hours, day in ((1, 1), (2, 2), (4, 3), (10, 4)):
        make_engagement(app, broker.user_id, at(0, day), at(hours, day))
    assert record_of(app, broker.profile_id).response_hours_median == Decimal("3.0")


def test_the_record_follows_the_database_when_a_contract_is_revoked(app, client):
    broker = make_broker(app)
    market = ContractMarket(app, client)
    filer = market.filer()
    contract_id = market.contract(filer, "draft")
    name_broker_on_contract(app, contract_id, broker.user_id)
    market.move(contract_id, filer, "certified")
    assert record_of(app, broker.profile_id).certified_contracts == 1
    from marketplace.contracts import services as contracts

    run(app, contracts.revoke, contract_id, market.bureau(), "false", "经查系虚假合同。")
    assert record_of(app, broker.profile_id).certified_contracts == 0
    assert str(get_profile(app, broker.profile_id).status) == "verified"
