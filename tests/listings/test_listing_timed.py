"""The market clock's moves of a listing (SPEC.md §2, marketplace/listings/trading.py): what
the end of the announcement leads to, expiry, renewal and its reminder, the end of the
bidding, confirmations that lapse, a late tick that catches up, the lazy move when a listing
is read, and the pause that stops the clock. Times are exact: a move is due at the second its
period ends, not a second before."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from listing_helpers import (
    DEFAULT_MOMENT,
    Api,
    audit_entries,
    bidding_listing,
    credit_events,
    notifications_of,
)

from marketplace.listings import services, trading

SECOND = timedelta(seconds=1)
APPROVED = DEFAULT_MOMENT  # market.listing() approves at the test's first moment
ANNOUNCEMENT_END = APPROVED + timedelta(days=15)  # Thursday 2026-07-16, 10:00 in Lüliang
LISTING_END = ANNOUNCEMENT_END + timedelta(days=30)
BIDDING_END = ANNOUNCEMENT_END + timedelta(days=5)  # Tuesday 2026-07-21, 10:00
# The end of the 20th working day after Thursday 2026-07-16 (no holiday in between): Thursday
# 2026-08-13, i.e. midnight in Lüliang, 16:00 UTC.
NEGOTIATION_CONFIRM_BY = datetime(2026, 8, 13, 16, 0, tzinfo=UTC)
# The end of the 5th working day after Tuesday 2026-07-21: Tuesday 2026-07-28.
AWARD_CONFIRM_BY = datetime(2026, 7, 28, 16, 0, tzinfo=UTC)
COMMENT = "权属存在争议，待核查。"


def last_entry(market, listing_id):
    return audit_entries(market, listing_id)[-1]


def assert_timed_move(market, listing_id, action, due_at, outbox_before):
    """The move is audited without an actor, as of its scheduled end, and reaches search."""
    entry = last_entry(market, listing_id)
    assert (entry.action, entry.actor_id) == (action, None)
    assert entry.data["due_at"] == due_at.isoformat()
    outbox = market.listing_outbox(listing_id)
    assert len(outbox) == len(outbox_before) + 1 and outbox[-1] == "upsert"


# --- the end of the announcement -----------------------------------------------------------

ASKING = "1500000.00"
# (asking price, [(offered price, what became of the intent)], expected status, expected
# agreed price, index among the intents of the one buyer)
OUTCOMES = {
    "no intent": (ASKING, [], "listed", None, None),
    "offer lower": (ASKING, [("1200000.00", "active")], "negotiating", "1200000.00", 0),
    "offer higher": (ASKING, [("1800000.00", "active")], "negotiating", "1500000.00", 0),
    "no offer": (ASKING, [(None, "active")], "negotiating", "1500000.00", 0),
    "negotiable, offer": (None, [("1200000.00", "active")], "negotiating", "1200000.00", 0),
    "negotiable, no offer": (None, [(None, "active")], "negotiating", None, 0),
    "two intents": (ASKING, [(None, "active"), ("1600000.00", "active")], "bidding", None,
                    None),
    "three, one disqualified": (ASKING, [(None, "active"), (None, "disqualified"),
                                         (None, "active")], "bidding", None, None),
    "two, one disqualified": (ASKING, [(None, "disqualified"), ("1300000.00", "active")],
                              "negotiating", "1300000.00", 1),
    "two, one declined": (ASKING, [("1100000.00", "active"), (None, "declined")],
                          "negotiating", "1100000.00", 0),
    "two, one withdrawn": (ASKING, [(None, "withdrawn"), (None, "active")], "negotiating",
                           "1500000.00", 1),
    "one, withdrawn": (ASKING, [("1400000.00", "withdrawn")], "listed", None, None),
    "two, both ended": (ASKING, [(None, "declined"), (None, "disqualified")], "listed", None,
                        None),
}
OPENING = {"listed": "open_listing", "negotiating": "open_negotiation",
           "bidding": "open_bidding"}


def end_intent(market, intent_id, fate, seller, buyer):
    if fate == "disqualified":
        market.run(services.disqualify_intent, intent_id, market.bureau(), "资质证明已过期。")
    elif fate == "declined":
        market.run(services.decline_intent, intent_id, seller, "fit", "主营业务与本成果不符。")
    elif fate == "withdrawn":
        market.run(services.withdraw_intent, intent_id, buyer)


@pytest.mark.parametrize("case", OUTCOMES)
def test_the_end_of_the_announcement(market, clock, case):
    asking, intents, status, price, buyer_index = OUTCOMES[case]
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced", asking_price=asking)
    buyers = []
    for offer, fate in intents:
        buyer = market.user("enterprise")
        end_intent(market, market.intent(listing_id, buyer, offered_price=offer), fate, seller,
                   buyer)
        buyers.append(buyer)
    assert market.get_listing(listing_id).announcement_ends_at == ANNOUNCEMENT_END

    clock.set(ANNOUNCEMENT_END - SECOND)
    market.tick()
    assert market.listing_status(listing_id) == "announced"
    outbox = market.listing_outbox(listing_id)

    clock.set(ANNOUNCEMENT_END)
    market.tick()
    record = market.get_listing(listing_id)
    assert record.status == status
    assert_timed_move(market, listing_id, OPENING[status], ANNOUNCEMENT_END, outbox)
    if status == "listed":
        assert record.listing_ends_at == record.next_move_at == LISTING_END
        assert (record.buyer_org_id, record.agreed_price, record.bidding_ends_at) == (
            None, None, None)
    elif status == "negotiating":
        assert record.buyer_org_id == buyers[buyer_index].organization_id
        assert record.agreed_price == (Decimal(price) if price else None)
        assert record.confirm_by == record.next_move_at == NEGOTIATION_CONFIRM_BY
        assert record.listing_ends_at is None
    else:
        assert record.bidding_starts_at == ANNOUNCEMENT_END
        assert record.bidding_ends_at == record.next_move_at == BIDDING_END
        assert (record.buyer_org_id, record.agreed_price, record.bid_count) == (None, None, 0)
        assert last_entry(market, listing_id).data["bidders"] == sum(
            fate == "active" for _, fate in intents)


def test_the_opening_of_the_bidding_tells_the_bidders(market, clock):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    bidding_listing(market, seller, (buyer, rival))
    for user in (seller, buyer, rival):
        message, params, _ = notifications_of(market, user)[-1]
        assert message.startswith("Bidding on %(title)s is open until")
        assert params["end"] == "2026-07-21 10:00"  # in Lüliang
        assert params["amount"] == "1,000,000.00"


# --- listed: expiry, renewal and the reminder ------------------------------------------------

def test_a_listed_listing_expires_at_the_end_of_its_period(market, clock):
    listing_id = market.listing(market.user("institute"), "listed")
    clock.set(LISTING_END - SECOND)
    market.tick()
    assert market.listing_status(listing_id) == "listed"
    outbox = market.listing_outbox(listing_id)
    clock.set(LISTING_END)
    market.tick()
    record = market.get_listing(listing_id)
    assert (record.status, record.next_move_at) == ("expired", None)
    assert_timed_move(market, listing_id, "expire", LISTING_END, outbox)


def test_renewing_extends_the_listing_once(market, clock):
    seller = market.user("institute")
    listing_id = market.listing(seller, "listed")
    api = Api(market)
    clock.set(LISTING_END - timedelta(days=3))
    response = api.post(f"/listings/{listing_id}/renew", seller)
    assert response.status_code == 200, response.get_json()
    new_end = LISTING_END + timedelta(days=30)
    assert datetime.fromisoformat(response.get_json()["listing_ends_at"]) == new_end
    assert response.get_json()["renewed"] is True
    again = api.post(f"/listings/{listing_id}/renew", seller)  # once only
    assert again.status_code == 409, again.get_json()
    assert market.get_listing(listing_id).listing_ends_at == new_end

    clock.set(LISTING_END)
    market.tick()
    record = market.get_listing(listing_id)
    assert (record.status, record.listing_ends_at, record.next_move_at) == (
        "listed", new_end, new_end)
    clock.set(new_end - SECOND)
    market.tick()
    assert market.listing_status(listing_id) == "listed"
    clock.set(new_end)
    market.tick()
    assert market.listing_status(listing_id) == "expired"
    assert [e.action for e in audit_entries(market, listing_id)][-2:] == ["renew", "expire"]
    assert last_entry(market, listing_id).data["due_at"] == new_end.isoformat()


def expiry_reminders(market, seller):
    return [(message, params) for message, params, _ in notifications_of(market, seller)
            if "expires on" in message]


def test_the_seller_is_reminded_a_week_before_expiry_once(market, clock, runner):
    seller = market.user("institute")
    colleague = market.member_of(seller.organization_id)
    listing_id = market.listing(seller, "listed")
    week_before = LISTING_END - timedelta(days=7)

    clock.set(week_before - SECOND)
    result = runner.invoke(args=["market", "tick"])
    assert result.exit_code == 0, result.output
    assert "listing expiry reminders: 0" in result.output
    assert expiry_reminders(market, seller) == []

    clock.set(week_before)
    result = runner.invoke(args=["market", "tick"])
    assert result.exit_code == 0, result.output
    assert "listing expiry reminders: 1" in result.output
    for member in (seller, colleague):
        [(message, params)] = expiry_reminders(market, member)
        assert "you may renew it once" in message
        assert params["end"] == "2026-08-15 10:00"
    assert market.get_listing(listing_id).expiry_reminded_at == week_before

    clock.advance(days=3)
    assert market.tick()["listing expiry reminders"] == 0
    result = runner.invoke(args=["market", "tick"])
    assert "listing expiry reminders: 0" in result.output
    assert len(expiry_reminders(market, seller)) == 1

    # Renewed, the listing is reminded again a week before its new end, without the offer.
    market.run(services.renew, listing_id, seller)
    new_end = LISTING_END + timedelta(days=30)
    assert market.get_listing(listing_id).expiry_reminded_at is None
    assert market.tick()["listing expiry reminders"] == 0
    clock.set(new_end - timedelta(days=7))
    assert market.tick()["listing expiry reminders"] == 1
    assert market.tick()["listing expiry reminders"] == 0
    first, second = expiry_reminders(market, seller)
    assert "renew" not in second[0] and second[1]["end"] == "2026-09-14 10:00"


def test_only_listed_listings_are_reminded(market, clock):
    listed_seller, other_seller = market.user("institute"), market.user("institute")
    listed = market.listing(listed_seller, "announced")
    negotiating = market.listing(other_seller, "announced")
    market.intent(negotiating, market.user("enterprise"))
    clock.set(LISTING_END - timedelta(days=3))
    counts = market.tick()
    assert (counts["listing periods"], counts["listing expiry reminders"]) == (2, 1)
    assert market.listing_status(negotiating) == "negotiating"
    assert len(expiry_reminders(market, listed_seller)) == 1
    assert expiry_reminders(market, other_seller) == []
    clock.set(LISTING_END)
    market.tick()
    assert market.listing_status(listed) == "expired"
    clock.advance(days=30)
    market.tick()
    assert len(expiry_reminders(market, listed_seller)) == 1


# --- the end of the bidding ------------------------------------------------------------------

def test_the_best_bid_wins_when_the_bidding_ends(market, clock):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    listing_id = bidding_listing(market, seller, (buyer, rival))
    for user, amount in ((buyer, "1000000.00"), (rival, "1050000.00"), (buyer, "1200000.00"),
                         (rival, "1250000.00"), (buyer, "1300000.00")):
        market.run(trading.place_bid, listing_id, amount, user)
    clock.set(BIDDING_END - SECOND)
    market.tick()
    assert market.listing_status(listing_id) == "bidding"
    outbox = market.listing_outbox(listing_id)

    clock.set(BIDDING_END)
    market.tick()
    record = market.get_listing(listing_id)
    assert record.status == "awarded"
    assert (record.buyer_org_id, record.agreed_price) == (buyer.organization_id,
                                                          Decimal("1300000.00"))
    assert record.confirm_by == record.next_move_at == AWARD_CONFIRM_BY
    assert (record.seller_confirmed_at, record.buyer_confirmed_at) == (None, None)
    assert_timed_move(market, listing_id, "award", BIDDING_END, outbox)
    entry = last_entry(market, listing_id)
    assert (entry.data["amount"], entry.data["org_id"]) == ("1300000.00",
                                                            buyer.organization_id)
    for user in (seller, buyer, rival):
        message, params, _ = notifications_of(market, user)[-1]
        assert message.startswith("Bidding on %(title)s ended: the best bid")
        assert params["amount"] == "1,300,000.00"


def test_the_bidding_fails_without_a_bid(market, clock):
    listing_id = bidding_listing(market, market.user("institute"),
                                 (market.user("enterprise"), market.user("enterprise")))
    outbox = market.listing_outbox(listing_id)
    clock.set(BIDDING_END)
    market.tick()
    record = market.get_listing(listing_id)
    assert (record.status, record.buyer_org_id, record.agreed_price, record.next_move_at) == (
        "failed", None, None, None)
    assert_timed_move(market, listing_id, "close_unsold", BIDDING_END, outbox)
    assert credit_events(market) == []


# --- confirmations that lapse ----------------------------------------------------------------

@pytest.mark.parametrize("confirmed", [(), ("seller",), ("buyer",)])
def test_a_negotiation_not_confirmed_in_time_fails(market, clock, confirmed):
    seller, buyer = market.user("institute"), market.user("enterprise")
    listing_id = market.listing(seller, "negotiating", buyers=(buyer,))
    assert market.get_listing(listing_id).confirm_by == NEGOTIATION_CONFIRM_BY
    for side in confirmed:
        market.run(trading.confirm, listing_id, seller if side == "seller" else buyer)
    clock.set(NEGOTIATION_CONFIRM_BY - SECOND)
    market.tick()
    assert market.listing_status(listing_id) == "negotiating"
    outbox = market.listing_outbox(listing_id)
    clock.set(NEGOTIATION_CONFIRM_BY)
    market.tick()
    record = market.get_listing(listing_id)
    assert (record.status, record.next_move_at) == ("failed", None)
    assert_timed_move(market, listing_id, "lapse", NEGOTIATION_CONFIRM_BY, outbox)
    assert market.deal(listing_id) is None
    assert credit_events(market) == []  # only a winning bidder loses credit


@pytest.mark.parametrize("confirmed, winner_lapsed", [
    ((), True), (("seller",), True), (("buyer",), False)])
def test_an_award_not_confirmed_in_time_fails(market, clock, confirmed, winner_lapsed):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    listing_id = market.listing(seller, "awarded", buyers=(buyer, rival),
                                bids=((rival, "1000000.00"), (buyer, "1100000.00")))
    record = market.get_listing(listing_id)
    assert (record.buyer_org_id, record.confirm_by) == (buyer.organization_id,
                                                        AWARD_CONFIRM_BY)
    for side in confirmed:
        market.run(trading.confirm, listing_id, seller if side == "seller" else buyer)
    clock.set(AWARD_CONFIRM_BY - SECOND)
    market.tick()
    assert market.listing_status(listing_id) == "awarded"
    clock.set(AWARD_CONFIRM_BY)
    market.tick()
    assert market.listing_status(listing_id) == "failed"
    assert last_entry(market, listing_id).action == "lapse"
    expected = [("winner_lapsed", buyer.organization_id, "listing", listing_id, None)]
    assert credit_events(market) == (expected if winner_lapsed else [])


def test_a_winner_who_declines_loses_credit(market, clock):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    listing_id = market.listing(seller, "awarded", buyers=(buyer, rival))
    response = Api(market).post(f"/listings/{listing_id}/decline", buyer,
                                {"reason": "price", "comment": "董事会未批准该项投资。"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "failed"
    assert credit_events(market) == [("winner_declined", buyer.organization_id, "listing",
                                      listing_id, buyer.id)]
    entry = last_entry(market, listing_id)
    assert (entry.action, entry.actor_id, entry.data["side"]) == ("decline", buyer.id, "buyer")
    # Nothing lapses later.
    clock.set(AWARD_CONFIRM_BY + timedelta(days=1))
    market.tick()
    assert market.listing_status(listing_id) == "failed"
    assert len(credit_events(market)) == 1


@pytest.mark.parametrize("state", ["awarded", "negotiating"])
def test_a_seller_who_declines_costs_the_buyer_no_credit(market, clock, state):
    seller = market.user("institute")
    listing_id = market.listing(seller, state)
    response = Api(market).post(f"/listings/{listing_id}/decline", seller,
                                {"reason": "price", "comment": "价格低于评估值。"})
    assert response.status_code == 200, response.get_json()
    assert market.listing_status(listing_id) == "failed"
    assert credit_events(market) == []


def test_a_negotiating_buyer_who_declines_loses_no_credit(market, clock):
    seller, buyer = market.user("institute"), market.user("enterprise")
    listing_id = market.listing(seller, "negotiating", buyers=(buyer,))
    market.run(trading.decline, listing_id, buyer, "timing", "项目暂缓。")
    assert market.listing_status(listing_id) == "failed"
    assert credit_events(market) == []


# --- a late tick catches up --------------------------------------------------------------------

def test_a_late_tick_makes_every_move_in_order(market, clock):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    outbox = market.listing_outbox(listing_id)
    clock.set(APPROVED + timedelta(days=60))
    assert market.tick()["listing periods"] == 2
    record = market.get_listing(listing_id)
    assert (record.status, record.listing_ends_at, record.next_move_at) == (
        "expired", LISTING_END, None)
    entries = audit_entries(market, listing_id)
    assert [e.action for e in entries] == ["create", "submit", "approve", "open_listing",
                                           "expire"]
    opened, expired = entries[-2:]
    assert (opened.from_state, opened.to_state, opened.actor_id) == ("announced", "listed",
                                                                    None)
    assert (expired.from_state, expired.to_state, expired.actor_id) == ("listed", "expired",
                                                                       None)
    assert opened.data["due_at"] == ANNOUNCEMENT_END.isoformat()
    assert expired.data["due_at"] == LISTING_END.isoformat()
    assert opened.at == expired.at == APPROVED + timedelta(days=60)  # when the tick ran
    assert market.listing_outbox(listing_id) == outbox + ["upsert", "upsert"]
    assert market.tick()["listing periods"] == 0


def test_a_late_tick_awards_and_lapses_as_of_each_periods_end(market, clock):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    listing_id = bidding_listing(market, seller, (buyer, rival))
    market.run(trading.place_bid, listing_id, "1000000.00", rival)
    clock.set(BIDDING_END + timedelta(days=30))
    assert market.tick()["listing periods"] == 2
    record = market.get_listing(listing_id)
    assert (record.status, record.buyer_org_id, record.confirm_by) == (
        "failed", rival.organization_id, AWARD_CONFIRM_BY)
    award, lapse = audit_entries(market, listing_id)[-2:]
    assert (award.action, award.data["due_at"]) == ("award", BIDDING_END.isoformat())
    assert (lapse.action, lapse.data["due_at"]) == ("lapse", AWARD_CONFIRM_BY.isoformat())
    assert credit_events(market) == [("winner_lapsed", rival.organization_id, "listing",
                                      listing_id, None)]


def test_a_late_tick_opens_a_negotiation_and_lapses_it(market, clock):
    seller, buyer = market.user("institute"), market.user("enterprise")
    listing_id = market.listing(seller, "announced")
    market.intent(listing_id, buyer, offered_price="1250000.00")
    clock.set(NEGOTIATION_CONFIRM_BY + timedelta(days=1))
    market.tick()
    assert [e.action for e in audit_entries(market, listing_id)][-2:] == [
        "open_negotiation", "lapse"]
    record = market.get_listing(listing_id)
    assert (record.status, record.agreed_price, record.confirm_by) == (
        "failed", Decimal("1250000.00"), NEGOTIATION_CONFIRM_BY)


# --- the lazy move when a listing is read -------------------------------------------------------

def test_reading_a_listing_through_the_api_moves_it(market, clock):
    listing_id = market.listing(market.user("institute"), "announced")
    clock.set(ANNOUNCEMENT_END - SECOND)
    api = Api(market)
    assert api.get(f"/listings/{listing_id}").get_json()["status"] == "announced"
    clock.set(ANNOUNCEMENT_END)
    response = api.get(f"/listings/{listing_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "listed"
    assert datetime.fromisoformat(body["listing_ends_at"]) == LISTING_END
    assert market.listing_status(listing_id) == "listed"
    entry = last_entry(market, listing_id)
    assert (entry.action, entry.actor_id) == ("open_listing", None)
    # Read again: no second move.
    api.get(f"/listings/{listing_id}")
    assert len(audit_entries(market, listing_id, "open_listing")) == 1


def test_listing_the_listings_through_the_api_moves_them(market, clock):
    listed = market.listing(market.user("institute"), "announced")
    bidding = market.listing(market.user("institute"), "announced")
    for _ in range(2):
        market.intent(bidding, market.user("enterprise"))
    clock.set(BIDDING_END)  # past the announcements' end and the bidding's
    response = Api(market).get("/listings?per_page=100")
    assert response.status_code == 200
    statuses = {item["id"]: item["status"] for item in response.get_json()["items"]}
    assert statuses == {listed: "listed", bidding: "failed"}
    assert market.listing_status(listed) == "listed"
    assert [e.action for e in audit_entries(market, bidding)][-2:] == [
        "open_bidding", "close_unsold"]


def test_reading_the_listing_page_moves_it(market, clock):
    listing_id = market.listing(market.user("institute"), "announced")
    clock.set(ANNOUNCEMENT_END)
    response = market.page_client(None).get(f"/listings/{listing_id}")
    assert response.status_code == 200
    assert market.listing_status(listing_id) == "listed"
    entry = last_entry(market, listing_id)
    assert (entry.action, entry.actor_id) == ("open_listing", None)
    response = market.page_client(None).get(f"/listings/{listing_id}?lang=en")
    assert "Listed" in response.get_data(as_text=True)


def test_acting_on_a_listing_moves_it_first(market, clock):
    """An intent registered after the announcement ended (before any tick) lands on the
    listed listing and opens a negotiation, as it would after a punctual tick."""
    listing_id = market.listing(market.user("institute"), "announced")
    buyer = market.user("enterprise")
    clock.set(ANNOUNCEMENT_END + timedelta(hours=1))
    market.intent(listing_id, buyer, offered_price="1300000.00")
    assert [e.action for e in audit_entries(market, listing_id)][-3:] == [
        "open_listing", "intent", "engage"]
    record = market.get_listing(listing_id)
    assert (record.status, record.buyer_org_id, record.agreed_price) == (
        "negotiating", buyer.organization_id, Decimal("1300000.00"))


# --- the pause stops the clock ------------------------------------------------------------------

def test_nothing_moves_while_paused_and_the_resume_extends_the_period(market, clock):
    officer = market.bureau()
    listing_id = market.listing(market.user("institute"), "announced")
    paused_at = clock.set(APPROVED + timedelta(days=5))
    market.run(services.pause, listing_id, officer, COMMENT)
    assert market.get_listing(listing_id).next_move_at is None

    resumed_at = clock.set(APPROVED + timedelta(days=60))  # long past every period's end
    assert market.tick()["listing periods"] == 0
    assert Api(market).get(f"/listings/{listing_id}").get_json()["status"] == "paused"
    assert market.listing_status(listing_id) == "paused"

    market.run(services.resume, listing_id, officer, "核查完毕，恢复挂牌。")
    new_end = ANNOUNCEMENT_END + (resumed_at - paused_at)
    record = market.get_listing(listing_id)
    assert (record.status, record.announcement_ends_at, record.next_move_at) == (
        "announced", new_end, new_end)
    clock.set(new_end - SECOND)
    market.tick()
    assert market.listing_status(listing_id) == "announced"
    clock.set(new_end)
    market.tick()
    record = market.get_listing(listing_id)
    assert (record.status, record.listing_ends_at) == ("listed", new_end + timedelta(days=30))
    assert [e.action for e in audit_entries(market, listing_id)][-3:] == [
        "pause", "resume", "open_listing"]


def test_a_paused_bidding_is_extended_by_the_pause(market, clock):
    officer = market.bureau()
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    listing_id = bidding_listing(market, market.user("institute"), (buyer, rival))
    market.run(trading.place_bid, listing_id, "1000000.00", buyer)
    clock.set(ANNOUNCEMENT_END + timedelta(days=1))
    market.run(services.pause, listing_id, officer, COMMENT)
    clock.set(BIDDING_END + timedelta(hours=6))
    market.tick()
    assert market.listing_status(listing_id) == "paused"
    market.run(services.resume, listing_id, officer, "核查完毕。")
    new_end = BIDDING_END + timedelta(days=4, hours=6)  # Saturday 2026-07-25, 16:00 local
    record = market.get_listing(listing_id)
    assert (record.status, record.bidding_ends_at, record.next_move_at) == (
        "bidding", new_end, new_end)
    # Past the first end, the window is still open.
    market.run(trading.place_bid, listing_id, "1050000.00", rival)
    clock.set(new_end)
    market.tick()
    record = market.get_listing(listing_id)
    assert (record.status, record.buyer_org_id) == ("awarded", rival.organization_id)
    # The 5th working day after Saturday 2026-07-25 is Friday 2026-07-31.
    assert record.confirm_by == datetime(2026, 7, 31, 16, 0, tzinfo=UTC)


def test_a_paused_negotiation_is_extended_by_the_pause(market, clock):
    officer = market.bureau()
    listing_id = market.listing(market.user("institute"), "negotiating")
    clock.set(ANNOUNCEMENT_END + timedelta(days=2))
    market.run(services.pause, listing_id, officer, COMMENT)
    clock.set(NEGOTIATION_CONFIRM_BY + timedelta(days=10))
    market.tick()
    assert market.listing_status(listing_id) == "paused"
    market.run(services.resume, listing_id, officer, "核查完毕。")
    pause_length = NEGOTIATION_CONFIRM_BY + timedelta(days=10) - (
        ANNOUNCEMENT_END + timedelta(days=2))
    record = market.get_listing(listing_id)
    assert record.confirm_by == record.next_move_at == NEGOTIATION_CONFIRM_BY + pause_length
    clock.set(record.confirm_by)
    market.tick()
    assert market.listing_status(listing_id) == "failed"
