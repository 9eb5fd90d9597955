import pytest


@pytest.mark.parametrize("state", ["draft", "pending_review", "returned", "rejected",
                                   "announced", "listed", "negotiating", "bidding", "awarded",
                                   "dealt", "failed", "expired", "paused", "terminated",
                                   "withdrawn"])
def test_states(market, state):
    seller = market.user("institute")
    listing_id = market.listing(seller, state)
    assert market.listing_status(listing_id) == state
    if state == "dealt":
        deal = market.deal(listing_id)
        assert deal.contract_id
