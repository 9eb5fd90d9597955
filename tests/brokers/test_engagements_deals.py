"""Engagements and deals: a deal copies a side's broker and commission only from an accepted
engagement of that side; an engagement accepted after the deal (or on the deal itself)
writes onto the deal and onto its contract while that is a draft; the contract names the
broker by its real name."""
from datetime import timedelta

import pytest
from engagement_helpers import Api, Market, select_options
from listing_helpers import money

from marketplace.brokers import engagements
from marketplace.listings import services as listings
from marketplace.listings import trading
from marketplace.needs import services as needs
from tests.pages import field_errors, form_fields


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


@pytest.fixture
def api(market):
    return Api(market)


def _intent(market, listing_id, buyer, broker, commission):
    market.run(lambda u: listings.register_intent(listing_id, u, "我方具备资质。", None,
                                                  broker.id, commission), buyer)
    return market.run(lambda: engagements.open_engagement(
        "listing", listing_id, "buyer", buyer.organization_id).id)


def _deal_by_bidding(market, listing_id, seller, winner):
    market.end_announcement(listing_id)
    market.run(trading.place_bid, listing_id, market.get_listing(listing_id).reserve_price,
               winner)
    market.clock.set(market.get_listing(listing_id).bidding_ends_at + timedelta(seconds=1))
    market.tick()
    market.run(trading.confirm, listing_id, seller)
    market.run(trading.confirm, listing_id, winner)
    return market.deal(listing_id)


def test_the_deal_copies_only_accepted_engagements(market):
    seller = market.user("institute")
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    seller_broker, buyer_broker, rival_broker = market.broker(), market.broker(), \
        market.broker()
    listing_id = market.listing(seller, "announced", seller_broker_id=seller_broker.id,
                                seller_broker_commission="30000", broker_accepts=False)
    buyer_engagement = _intent(market, listing_id, buyer, buyer_broker, "8000")
    rival_engagement = _intent(market, listing_id, rival, rival_broker, "9000")
    market.answer("accept", buyer_engagement, buyer_broker)
    market.answer("accept", rival_engagement, rival_broker)
    deal = _deal_by_bidding(market, listing_id, seller, buyer)
    # The seller's broker has not answered: not on the deal; the winner's broker is.
    assert (deal.seller_broker_id, deal.seller_broker_commission) == (None, None)
    assert (deal.buyer_broker_id, deal.buyer_broker_commission) == (buyer_broker.id,
                                                                    money(8000))
    # The losing buyer's broker's engagement ended with the deal.
    assert market.engagement(rival_engagement).status == "ended"
    contract = market.deal_by_id(deal.id).contract_snapshot
    assert contract.broker_id == buyer_broker.id
    assert contract.broker_name == market.broker_name(buyer_broker)
    # Accepted after the deal: the seller's broker and its commission go on the deal.
    seller_engagement = market.run(lambda: engagements.open_engagement(
        "listing", listing_id, "seller").id)
    market.answer("accept", seller_engagement, seller_broker)
    deal = market.deal_by_id(deal.id)
    assert (deal.seller_broker_id, deal.seller_broker_commission) == (seller_broker.id,
                                                                      money(30000))
    assert market.audit_of("deal", deal.id, "broker") == [
        {"side": "seller", "broker_id": seller_broker.id, "commission": "30000.00",
         "engagement_id": seller_engagement}]
    # The contract already names the buyer's broker; it keeps it.
    assert deal.contract_snapshot.broker_id == buyer_broker.id


def test_a_broker_accepted_after_the_deal_is_written_on_the_draft_contract(market):
    seller = market.user("institute")
    broker = market.broker()
    listing_id = market.listing(seller, "dealt", seller_broker_id=broker.id,
                                seller_broker_commission="20000", broker_accepts=False)
    deal = market.deal(listing_id)
    assert deal.seller_broker_id is None
    contract = market.deal_by_id(deal.id).contract_snapshot
    assert (contract.broker_id, contract.broker_name) == (None, None)
    market.accept_engagement(broker.id, "listing", listing_id)
    deal = market.deal_by_id(deal.id)
    assert (deal.seller_broker_id, deal.seller_broker_commission) == (broker.id, money(20000))
    contract = deal.contract_snapshot
    assert (contract.broker_id, contract.broker_name) == (broker.id,
                                                          market.broker_name(broker))
    assert market.audit_of("contract", contract.id, "broker")[0]["broker_id"] == broker.id


def test_a_party_engages_a_broker_on_its_side_of_a_deal(market, api):
    seller = market.user("institute")
    listing_id = market.listing(seller, "dealt")
    deal = market.deal(listing_id)
    buyer = market.member_of(deal.buyer_org_id, "enterprise")
    broker, other = market.broker(), market.broker()
    path = f"/deals/{deal.id}/engagements"
    # The buyer engages for the buyer's side only; strangers cannot see the deal.
    response = api.post(path, buyer, {"broker_id": market.profile_id(broker),
                                      "side": "seller"})
    assert response.status_code == 403
    assert api.post(path, market.user("enterprise"), {
        "broker_id": market.profile_id(broker)}).status_code == 404
    response = api.post(path, buyer, {"broker_id": market.profile_id(broker),
                                      "commission": "15000.50"})
    assert response.status_code == 201, response.get_json()
    engagement_id = response.get_json()["id"]
    assert response.get_json()["side"] == "buyer"
    # The broker sees no deal papers before it accepts; after, it does.
    assert api.get(f"/deals/{deal.id}", broker).status_code == 404
    assert api.post(f"/engagements/{engagement_id}/accept", broker).status_code == 200
    assert api.get(f"/deals/{deal.id}", broker).status_code == 200
    deal = market.deal_by_id(deal.id)
    assert (deal.buyer_broker_id, deal.buyer_broker_commission) == (broker.id,
                                                                    money("15000.50"))
    assert deal.contract_snapshot.broker_id == broker.id
    # That side has its broker now; the seller's side has none yet.
    response = api.post(path, buyer, {"broker_id": market.profile_id(other)})
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "This side of the deal already has a " \
                                                      "broker."
    response = api.post(path, seller, {"broker_id": market.profile_id(broker)})
    assert response.status_code == 422  # it acts for the buyer
    assert api.post(path, seller, {"broker_id": market.profile_id(other)}).status_code == 201
    # Ending the engagement leaves the deal as it was made.
    market.answer("end", engagement_id, buyer)
    assert market.deal_by_id(deal.id).buyer_broker_id == broker.id


def test_a_need_deal_takes_the_need_broker_and_the_offered_listing_broker(market):
    owner = market.user("enterprise")
    need_id = market.need(owner, "published")
    need_broker, listing_broker = market.broker(), market.broker()
    engagement_id = market.invite("need", need_id, owner, need_broker, commission="6000")
    market.answer("accept", engagement_id, need_broker)
    institute = market.user("institute")
    listing_id = market.listing(institute, "announced", seller_broker_id=listing_broker.id,
                                seller_broker_commission="5000")
    response_id = market.respond(need_id, institute, listing_id=listing_id)
    market.run(needs.accept_response, response_id, owner, "800000", "licence_ordinary")
    deal = market.run(lambda u: needs.confirm_response(response_id, u).id, institute)
    deal = market.deal_by_id(deal)
    assert (deal.buyer_broker_id, deal.buyer_broker_commission) == (need_broker.id,
                                                                    money(6000))
    assert (deal.seller_broker_id, deal.seller_broker_commission) == (listing_broker.id,
                                                                      money(5000))
    # The contract names the seller's broker.
    assert deal.contract_snapshot.broker_id == listing_broker.id


def test_a_broker_responding_for_a_listing_it_brokers_is_the_sellers_broker(market):
    owner = market.user("enterprise")
    need_id = market.need(owner, "published")
    broker = market.broker()
    institute = market.user("institute")
    listing_id = market.listing(institute, "announced", seller_broker_id=broker.id,
                                seller_broker_commission="4000")
    response_id = market.respond(need_id, broker, listing_id=listing_id)
    market.run(needs.accept_response, response_id, owner, "500000", "licence_ordinary")
    deal = market.run(lambda u: needs.confirm_response(response_id, u).id, institute)
    deal = market.deal_by_id(deal)
    assert (deal.seller_broker_id, deal.seller_broker_commission) == (broker.id, money(4000))
    assert (deal.buyer_broker_id, deal.buyer_broker_commission) == (None, None)


def test_the_contract_form_names_a_verified_broker(market):
    seller = market.user("institute")
    broker, other, suspended = market.broker(), market.broker(), market.broker("suspended")
    listing_id = market.listing(seller, "dealt", seller_broker_id=broker.id,
                                seller_broker_commission="10000")
    contract_id = market.deal(listing_id).contract_id
    client = market.page_client(seller)
    html = client.get(f"/contracts/{contract_id}/edit?lang=en").get_data(as_text=True)
    fields = form_fields(html, f"/contracts/{contract_id}/edit")
    assert fields["broker_id"] == str(broker.id)
    assert fields["broker_name"] == market.broker_name(broker)
    assert str(suspended.id) not in select_options(html, "broker_id")
    fields.update({"signed_on": "2026-06-20", "valid_from": "2026-06-20",
                   "valid_to": "2027-06-30", "tech_domain": "new_materials",
                   "payment_method": "lump_sum"})
    response = client.post(f"/contracts/{contract_id}/edit?lang=en",
                           data={**fields, "broker_id": str(suspended.id)})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "broker_id") == \
        "Choose one of the market's verified technology brokers."
    response = client.post(f"/contracts/{contract_id}/edit", data={
        **fields, "broker_id": str(other.id), "broker_name": "随便写的名字"})
    assert response.status_code == 302
    contract = market.deal(listing_id)
    contract = market.deal_by_id(contract.id).contract_snapshot
    assert (contract.broker_id, contract.broker_name) == (other.id, market.broker_name(other))
    # No broker of the market: the free text names an intermediary.
    client.post(f"/contracts/{contract_id}/edit", data={
        **fields, "broker_id": "", "broker_name": "吕梁市技术转移服务中心"})
    contract = market.deal_by_id(market.deal(listing_id).id).contract_snapshot
    assert (contract.broker_id, contract.broker_name) == (None, "吕梁市技术转移服务中心")
