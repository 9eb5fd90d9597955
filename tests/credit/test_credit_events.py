"""Credit events from the market's real actions: each moves its subjects' scores by exactly the
weight documented in credit.services.KINDS (the table /credit shows), and no one else's."""
from datetime import timedelta

import pytest
from credit_helpers import Market

from marketplace.contracts import services as contracts
from marketplace.credit.services import BASE, KINDS
from marketplace.listings import trading
from marketplace.needs import services as needs

W = {kind: points for kind, (points, _) in KINDS.items()}
REVOKED = "经查该合同系虚构交易。"


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


def _certified(market, broker=True):
    """A certified contract of a new filer with a registered buyer and a broker; (filer,
    buyer organisation, broker, contract id)."""
    filer, buyer_org = market.contracts.filer(), market.contracts.buyer_org()
    broker = market.user("broker") if broker else None
    record_id = market.contract(filer, "certified", buyer_org, broker)
    return filer, buyer_org, broker, record_id


def test_certifying_counts_for_the_filer_the_registered_other_party_and_the_broker(market):
    filer, buyer_org = market.contracts.filer(), market.contracts.buyer_org()
    broker = market.user("broker")
    record_id = market.contract(filer, "submitted", buyer_org, broker)
    assert (market.points(filer), market.points(org_id=buyer_org.id),
            market.points(broker=broker)) == (BASE, BASE, BASE)
    market.run(contracts.review, record_id, "certify", market.contracts.bureau(), "符合规定。")
    assert W["contract_certified"] > 0
    assert (market.points(filer), market.points(org_id=buyer_org.id),
            market.points(broker=broker)) == (BASE + W["contract_certified"],) * 3
    assert market.events(org_id=filer.organization_id) == [
        ("contract_certified", W["contract_certified"], "contract", record_id, None)]
    assert market.events(broker_id=broker.id) == [
        ("contract_certified", W["contract_certified"], "contract", record_id, None)]


def test_an_outside_buyer_and_no_broker_leave_only_the_filer(market):
    filer = market.contracts.filer()
    record_id = market.contract(filer, "certified")
    assert market.points(filer) == BASE + W["contract_certified"]
    with market.app.app_context():
        from marketplace.credit.models import CreditEvent
        from marketplace.extensions import db

        assert db.session.query(CreditEvent).count() == 1
    assert market.events(org_id=filer.organization_id)[0][3] == record_id


@pytest.mark.parametrize("ground", ["false", "unclear"])
def test_a_refusal_counts_against_the_filer_only_when_the_materials_are_false(market, ground):
    filer, buyer_org = market.contracts.filer(), market.contracts.buyer_org()
    record_id = market.contract(filer, "submitted", buyer_org)
    market.run(contracts.review, record_id, "reject", market.contracts.bureau(),
               "合同双方印章系伪造。", ground=ground)
    if ground == "false":
        assert W["submission_false"] < 0
        assert market.points(filer) == BASE + W["submission_false"]
        assert market.events(org_id=filer.organization_id) == [
            ("submission_false", W["submission_false"], "contract", record_id,
             "合同双方印章系伪造。")]
    else:
        assert market.events(org_id=filer.organization_id) == []
    assert market.points(org_id=buyer_org.id) == BASE


@pytest.mark.parametrize("ground", ["false", "duplicate", "invalidated"])
def test_revoking_reverses_the_certification_for_everyone_it_named(market, ground):
    filer, buyer_org, broker, record_id = _certified(market)
    certified = BASE + W["contract_certified"]
    market.run(contracts.revoke, record_id, market.contracts.bureau(), ground, REVOKED)
    revoked = certified + W["certificate_revoked"]
    false = W["submission_false"] if ground == "false" else 0
    assert market.points(filer) == revoked + false
    assert market.points(org_id=buyer_org.id) == revoked
    assert market.points(broker=broker) == revoked
    assert market.events(org_id=buyer_org.id)[-1] == (
        "certificate_revoked", W["certificate_revoked"], "contract", record_id, REVOKED)
    kinds = [e[0] for e in market.events(org_id=filer.organization_id)]
    assert kinds == ["contract_certified", "certificate_revoked"] + (
        ["submission_false"] if ground == "false" else [])


def test_a_listed_deal_counts_for_the_seller_the_winner_and_the_broker(market):
    seller, broker = market.user("institute"), market.user("broker")
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    listing_id = market.listing(seller, "dealt", buyers=(buyer, rival),
                                seller_broker_id=broker.id)
    deal = market.deal(listing_id)
    gained = BASE + W["deal_completed"]
    assert W["deal_completed"] > 0
    assert (market.points(seller), market.points(buyer), market.points(broker=broker),
            market.points(rival)) == (gained, gained, gained, BASE)
    assert market.events(broker_id=broker.id) == [
        ("deal_completed", W["deal_completed"], "deal", deal.id, None)]


def test_a_deal_from_a_need_counts_for_both_organisations(market):
    owner, institute = market.user("enterprise"), market.user("institute")
    need_id = market.need(owner)
    response_id = market.respond(need_id, institute)
    market.run(needs.accept_response, response_id, owner, "600000", "licence_ordinary")
    market.run(needs.confirm_response, response_id, institute)
    assert (market.points(owner), market.points(institute)) == (
        BASE + W["deal_completed"],) * 2


def test_each_broker_on_a_deal_counts_once(market):
    seller, buyer = market.user("institute"), market.user("enterprise")
    first, second = market.user("broker"), market.user("broker")
    market.new_deal(seller, buyer, first, second)
    market.new_deal(seller, buyer, first, first)
    assert market.points(broker=first) == BASE + 2 * W["deal_completed"]
    assert market.points(broker=second) == BASE + W["deal_completed"]
    assert market.points(seller) == BASE + 2 * W["deal_completed"]


def test_a_winner_who_declines_the_award_loses_credit(market):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    listing_id = market.listing(seller, "awarded", buyers=(buyer, rival))
    market.run(trading.decline, listing_id, buyer, "price", "资金未能按期到位。")
    assert W["winner_declined"] < 0
    assert market.points(buyer) == BASE + W["winner_declined"]
    assert market.events(org_id=buyer.organization_id) == [
        ("winner_declined", W["winner_declined"], "listing", listing_id, "资金未能按期到位。")]
    assert (market.points(seller), market.points(rival)) == (BASE, BASE)


def test_a_seller_who_declines_costs_nobody_credit(market):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    listing_id = market.listing(seller, "awarded", buyers=(buyer, rival))
    market.run(trading.decline, listing_id, seller, "price", "中标价格低于评估价值。")
    assert (market.points(seller), market.points(buyer)) == (BASE, BASE)


def test_a_winner_who_lets_the_confirmation_lapse_loses_credit(market):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    listing_id = market.listing(seller, "awarded", buyers=(buyer, rival))
    market.clock.set(market.get_listing(listing_id).confirm_by + timedelta(seconds=1))
    market.tick()
    assert market.listing_status(listing_id) == "failed"
    assert W["winner_lapsed"] < 0
    assert market.points(buyer) == BASE + W["winner_lapsed"]
    assert market.points(seller) == BASE


@pytest.mark.parametrize(("score", "kind"), [(5, "rating_good"), (4, "rating_good"),
                                             (3, None), (2, "rating_poor"),
                                             (1, "rating_poor")])
def test_a_rating_counts_for_its_target_by_its_score(market, score, kind):
    seller, buyer, broker = (market.user("institute"), market.user("enterprise"),
                             market.user("broker"))
    deal_id = market.new_deal(seller, buyer, broker)
    before = (market.points(seller), market.points(broker=broker))
    rating_id, _ = market.rate(deal_id, buyer, f"org:{seller.organization_id}", score)
    market.rate(deal_id, buyer, f"broker:{broker.id}", score)
    moved = W[kind] if kind else 0
    assert (market.points(seller), market.points(broker=broker)) == (
        before[0] + moved, before[1] + moved)
    assert market.points(buyer) == BASE + W["deal_completed"]  # the rater is unchanged
    ratings_events = [e for e in market.events(org_id=seller.organization_id)
                      if e[2] == "rating"]
    assert ratings_events == ([(kind, W[kind], "rating", rating_id, None)] if kind else [])


@pytest.mark.parametrize(("first", "second"), [(5, 1), (1, 4), (2, 3), (3, 5), (4, 5), (1, 2)])
def test_changing_a_rating_reverses_its_earlier_event_first(market, first, second):
    seller, buyer = market.user("institute"), market.user("enterprise")
    deal_id = market.new_deal(seller, buyer)
    target = f"org:{seller.organization_id}"
    rating_id, _ = market.rate(deal_id, buyer, target, first)
    market.days_later(2)
    assert market.rate(deal_id, buyer, target, second) == (rating_id, False)

    def kind(score):
        return "rating_good" if score >= 4 else "rating_poor" if score <= 2 else None

    assert market.points(seller) == BASE + W["deal_completed"] + (
        W[kind(second)] if kind(second) else 0)
    events = [e[:2] for e in market.events(org_id=seller.organization_id) if e[2] == "rating"]
    expected = [(kind(first), W[kind(first)])] if kind(first) else []
    if kind(first) != kind(second):
        if kind(first):
            expected.append(("rating_withdrawn", -W[kind(first)]))
        if kind(second):
            expected.append((kind(second), W[kind(second)]))
    assert events == expected
