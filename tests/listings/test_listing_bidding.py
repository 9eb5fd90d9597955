"""Bidding (SPEC.md §2) through POST /api/v1/listings/<id>/bids: the reserve, the increment,
ties, the window and its extension by late bids, who may bid, the audit and the outbid
notice, and what GET shows of the bidding. The listing of these tests: reserve 1,000,000.00,
increment 50,000.00, bidding from 2026-07-16 10:00 to 2026-07-21 10:00 in Lüliang."""
from datetime import UTC, datetime, timedelta

import pytest
from listing_helpers import Api, audit_entries, bidding_listing, notifications_of

from marketplace.listings import services

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
BIDDING_STARTS = datetime(2026, 7, 16, 2, 0, tzinfo=UTC)
BIDDING_END = datetime(2026, 7, 21, 2, 0, tzinfo=UTC)


@pytest.fixture
def bidding(market):
    """A listing in bidding between `buyer` and `rival`, and the API."""
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    listing_id = bidding_listing(market, seller, (buyer, rival))

    class Bidding:
        pass

    setup = Bidding()
    setup.id, setup.seller, setup.buyer, setup.rival = listing_id, seller, buyer, rival
    setup.api = Api(market)
    return setup


def amount_errors(response):
    assert response.status_code == 422, response.get_json()
    return response.get_json()["error"]["fields"]["amount"]


def ends_at(market, listing_id):
    return market.get_listing(listing_id).bidding_ends_at


def test_the_reserve_and_the_increment(market, bidding):
    api, listing_id, buyer, rival = bidding.api, bidding.id, bidding.buyer, bidding.rival
    [message] = amount_errors(api.bid(listing_id, buyer, "999999.99"))
    assert "1,000,000.00" in message and "reserve" in message

    response = api.bid(listing_id, buyer, "1000000.00")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["listing_id"], body["sequence"], body["amount"], body["mine"]) == (
        listing_id, 1, "1000000.00", True)

    [message] = amount_errors(api.bid(listing_id, rival, "1049999.99"))
    assert "1,050,000.00" in message and "increment" in message
    assert amount_errors(api.bid(listing_id, rival, "1000000.00"))  # the same as the best

    response = api.bid(listing_id, rival, "1050000.00")  # exactly best + increment
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["sequence"] == 2
    response = api.bid(listing_id, buyer, 1234567)  # a number is accepted too
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["amount"] == "1234567.00"
    assert market.bids(listing_id) == [(1, 1000000, buyer.organization_id),
                                       (2, 1050000, rival.organization_id),
                                       (3, 1234567, buyer.organization_id)]
    record = market.get_listing(listing_id)
    assert (record.bid_count, record.best_bid_amount, record.best_bid_org_id) == (
        3, 1234567, buyer.organization_id)


def test_of_two_equal_bids_the_earlier_stands(market, bidding):
    api, listing_id = bidding.api, bidding.id
    assert api.bid(listing_id, bidding.buyer, "1000000.00").status_code == 201
    assert api.bid(listing_id, bidding.rival, "1100000.00").status_code == 201
    [message] = amount_errors(api.bid(listing_id, bidding.buyer, "1100000.00"))
    assert "1,150,000.00" in message
    record = market.get_listing(listing_id)
    assert (record.best_bid_org_id, record.bid_count) == (bidding.rival.organization_id, 2)
    assert [b[2] for b in market.bids(listing_id)] == [bidding.buyer.organization_id,
                                                        bidding.rival.organization_id]


@pytest.mark.parametrize("amount", ["1000000.001", "999999.999", "abc", "-1000000.00", "0", ""])
def test_an_amount_that_is_not_money_is_refused(market, bidding, amount):
    response = bidding.api.bid(bidding.id, bidding.buyer, amount)
    assert response.status_code == 422, response.get_json()
    assert "amount" in response.get_json()["error"]["fields"]
    assert market.bids(bidding.id) == []


def test_a_missing_amount_is_refused(market, bidding):
    response = bidding.api.post(f"/listings/{bidding.id}/bids", bidding.buyer, {})
    assert amount_errors(response)
    assert market.bids(bidding.id) == []


def test_no_bid_before_the_bidding_opens(market, clock):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    listing_id = market.listing(seller, "announced")
    market.intent(listing_id, buyer)
    market.intent(listing_id, rival)
    api = Api(market)
    clock.set(BIDDING_STARTS - SECOND)
    response = api.bid(listing_id, buyer, "1000000.00")
    assert response.status_code == 409, response.get_json()
    assert market.listing_status(listing_id) == "announced"
    # At the announcement's end the bidding opens, even before any tick.
    clock.set(BIDDING_STARTS)
    response = api.bid(listing_id, buyer, "1000000.00")
    assert response.status_code == 201, response.get_json()
    assert market.listing_status(listing_id) == "bidding"


@pytest.mark.parametrize("state", ["listed", "negotiating", "awarded", "failed", "paused"])
def test_no_bid_on_a_listing_that_is_not_bidding(market, state):
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    buyers = {"listed": (), "negotiating": (buyer,)}.get(state, (buyer, rival))
    listing_id = market.listing(market.user("institute"), state, buyers=buyers)
    bidder = buyer if buyers else market.user("enterprise")
    response = Api(market).bid(listing_id, bidder, "5000000.00")
    assert response.status_code == 409, response.get_json()
    assert market.listing_status(listing_id) == state


def test_no_bid_after_the_window_closes(market, clock, bidding):
    api, listing_id = bidding.api, bidding.id
    assert api.bid(listing_id, bidding.buyer, "1000000.00").status_code == 201
    clock.set(BIDDING_END)
    response = api.bid(listing_id, bidding.rival, "2000000.00")
    assert response.status_code == 409, response.get_json()
    record = market.get_listing(listing_id)
    assert (record.status, record.buyer_org_id, record.agreed_price) == (
        "awarded", bidding.buyer.organization_id, 1000000)
    assert len(market.bids(listing_id)) == 1


def test_a_late_bid_extends_the_window(market, clock, bidding):
    api, listing_id, buyer, rival = bidding.api, bidding.id, bidding.buyer, bidding.rival
    # Six minutes before the end: no extension.
    clock.set(BIDDING_END - 6 * MINUTE)
    assert api.bid(listing_id, buyer, "1000000.00").status_code == 201
    assert ends_at(market, listing_id) == BIDDING_END
    assert "extended_to" not in audit_entries(market, listing_id, "bid")[-1].data
    # Exactly five minutes before: the window already ends five minutes after the bid.
    clock.set(BIDDING_END - 5 * MINUTE)
    assert api.bid(listing_id, rival, "1050000.00").status_code == 201
    assert ends_at(market, listing_id) == BIDDING_END
    # In the last five minutes, again and again: five minutes after each bid.
    moment, bidder = BIDDING_END - 4 * MINUTE, buyer
    for n, amount in enumerate(("1100000.00", "1150000.00", "1200000.00", "1250000.00")):
        clock.set(moment)
        response = api.bid(listing_id, bidder, amount)
        assert response.status_code == 201, response.get_json()
        end = moment + 5 * MINUTE
        record = market.get_listing(listing_id)
        assert record.bidding_ends_at == record.next_move_at == end
        assert audit_entries(market, listing_id, "bid")[-1].data["extended_to"] == \
            end.isoformat()
        assert api.get(f"/listings/{listing_id}").get_json()["bidding_seconds_left"] == 300
        bidder = rival if bidder == buyer else buyer
        moment = end - SECOND if n % 2 == 0 else end - 3 * MINUTE
    # A second after the (extended) end the window is closed: the last bidder won.
    clock.set(end + SECOND)
    response = api.bid(listing_id, bidder, "9000000.00")
    assert response.status_code == 409, response.get_json()
    record = market.get_listing(listing_id)
    last_bidder = rival if bidder == buyer else buyer
    assert (record.status, record.buyer_org_id, record.agreed_price) == (
        "awarded", last_bidder.organization_id, 1250000)
    award = audit_entries(market, listing_id)[-1]
    assert (award.action, award.data["due_at"]) == ("award", end.isoformat())


@pytest.mark.parametrize("who, status", [
    ("stranger", 403), ("disqualified", 403), ("declined", 403), ("withdrawn", 403),
    ("seller", 403), ("colleague", 403), ("institute", 403), ("broker", 403),
    ("bureau", 403), ("admin", 403), ("visitor", 401)])
def test_only_qualified_buyers_bid(market, clock, who, status):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    listing_id = market.listing(seller, "announced")
    market.intent(listing_id, buyer)
    market.intent(listing_id, rival)
    people = {"stranger": market.user("enterprise"), "seller": seller,
              "colleague": market.member_of(seller.organization_id),
              "institute": market.user("institute"), "broker": market.user("broker"),
              "bureau": market.bureau(), "admin": market.user("admin"), "visitor": None}
    if who in ("disqualified", "declined", "withdrawn"):
        person = people[who] = market.user("enterprise")
        intent_id = market.intent(listing_id, person)
        if who == "disqualified":
            market.run(services.disqualify_intent, intent_id, market.bureau(), "资质不符。")
        elif who == "declined":
            market.run(services.decline_intent, intent_id, seller, "fit", "主营业务不符。")
        else:
            market.run(services.withdraw_intent, intent_id, person)
    market.end_announcement(listing_id)
    assert market.listing_status(listing_id) == "bidding"
    response = Api(market).bid(listing_id, people[who], "1000000.00")
    assert response.status_code == status, response.get_json()
    assert market.bids(listing_id) == []
    assert audit_entries(market, listing_id, "bid") == []


def test_every_bid_is_audited_and_the_outbid_bidder_told(market, bidding):
    api, listing_id, buyer, rival = bidding.api, bidding.id, bidding.buyer, bidding.rival
    colleague = market.member_of(buyer.organization_id, "enterprise")
    before = {u.id: len(notifications_of(market, u)) for u in (buyer, rival, colleague)}
    assert api.bid(listing_id, buyer, "1000000.00").status_code == 201
    assert api.bid(listing_id, buyer, "1050000.00").status_code == 201  # raising its own bid
    assert api.bid(listing_id, rival, "1100000.00").status_code == 201
    assert amount_errors(api.bid(listing_id, buyer, "1100000.00"))  # refused: not audited

    entries = audit_entries(market, listing_id, "bid")
    assert [(e.actor_id, e.data["amount"], e.data["sequence"]) for e in entries] == [
        (buyer.id, "1000000.00", 1), (buyer.id, "1050000.00", 2), (rival.id, "1100000.00", 3)]
    assert all(e.from_state is None and e.to_state is None for e in entries)

    def new_notes(user):
        return notifications_of(market, user)[before[user.id]:]

    assert new_notes(rival) == []
    for member in (buyer, colleague):  # every member of the outbid organisation
        [(message, params, link)] = new_notes(member)
        assert message.startswith("You were outbid on %(title)s")
        assert (params["amount"], link) == ("1,100,000.00", f"/listings/{listing_id}")


def test_the_listing_shows_the_state_of_the_bidding(market, clock, bidding):
    api, listing_id = bidding.api, bidding.id
    body = api.get(f"/listings/{listing_id}").get_json()
    assert (body["status"], body["best_bid"], body["min_next_bid"], body["bid_count"]) == (
        "bidding", None, "1000000.00", 0)
    assert body["bidding_seconds_left"] == 5 * 24 * 3600 - 1  # a second after the opening
    assert datetime.fromisoformat(body["bidding_ends_at"]) == BIDDING_END

    assert api.bid(listing_id, bidding.buyer, "1000000.00").status_code == 201
    clock.set(BIDDING_END - timedelta(hours=1))
    assert api.bid(listing_id, bidding.rival, "1080000.50").status_code == 201
    body = api.get(f"/listings/{listing_id}", bidding.seller).get_json()
    assert (body["best_bid"], body["min_next_bid"], body["bid_count"]) == (
        "1080000.50", "1130000.50", 2)
    assert body["bidding_seconds_left"] == 3600

    clock.set(BIDDING_END)
    body = api.get(f"/listings/{listing_id}").get_json()
    assert (body["status"], body["best_bid"], body["min_next_bid"], body["agreed_price"]) == (
        "awarded", "1080000.50", None, "1080000.50")
    assert body["bidding_seconds_left"] is None


def test_an_announced_listing_shows_no_bidding(market):
    listing_id = market.listing(market.user("institute"), "announced")
    body = Api(market).get(f"/listings/{listing_id}").get_json()
    assert (body["best_bid"], body["min_next_bid"], body["bid_count"],
            body["bidding_seconds_left"], body["bidding_ends_at"]) == (None, None, 0, None, None)


def test_the_bids_best_first_with_mine_for_the_callers_organisation(market, bidding):
    api, listing_id, buyer, rival = bidding.api, bidding.id, bidding.buyer, bidding.rival
    for bidder, amount in ((buyer, "1000000.00"), (rival, "1050000.00"),
                           (buyer, "1100000.00")):
        assert api.bid(listing_id, bidder, amount).status_code == 201

    def listed(user):
        response = api.get(f"/listings/{listing_id}/bids", user)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["total"] == 3
        return [(b["sequence"], b["amount"], b["mine"]) for b in body["items"]]

    amounts = [(3, "1100000.00"), (2, "1050000.00"), (1, "1000000.00")]
    assert listed(buyer) == [(s, a, m) for (s, a), m in zip(amounts, (True, False, True),
                                                            strict=True)]
    assert listed(market.member_of(buyer.organization_id, "enterprise")) == listed(buyer)
    assert listed(rival) == [(s, a, m) for (s, a), m in zip(amounts, (False, True, False),
                                                            strict=True)]
    for other in (None, bidding.seller, market.bureau(), market.user("enterprise")):
        assert listed(other) == [(s, a, False) for s, a in amounts]
    # The bids name no bidder.
    item = api.get(f"/listings/{listing_id}/bids").get_json()["items"][0]
    assert set(item) == {"id", "listing_id", "sequence", "amount", "placed_at", "mine"}


def test_the_bids_of_a_listing_nobody_may_see_are_not_found(market):
    listing_id = market.listing(market.user("institute"), "pending_review")
    response = Api(market).get(f"/listings/{listing_id}/bids")
    assert response.status_code == 404
