"""An engaged broker sees what its principal sees, and nothing more: the seller's broker the
seller's view of the listing (intents, history) without the seller's actions; a buyer's
broker that buyer's intent; a need's broker the responses; a contract's broker the contract.
A broker not engaged (or only invited) still gets 404 where the principal's records are not
public."""
import pytest
from engagement_helpers import Api, Market

from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.messages import services as messages
from tests.pages import element_text, text


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


@pytest.fixture
def api(market):
    return Api(market)


def _page(market, user, path):
    response = market.page_client(user).get(path + "?lang=en")
    return response.status_code, text(response.get_data(as_text=True))


def test_the_sellers_broker_sees_the_sellers_listing(market, api):
    seller = market.user("institute")
    broker, invited, stranger = market.broker(), market.broker(), market.broker()
    draft_id = market.listing(seller, "draft", seller_broker_id=broker.id)
    other_draft = market.listing(seller, "draft", seller_broker_id=invited.id,
                                 broker_accepts=False)
    assert api.get(f"/listings/{draft_id}", broker).status_code == 200
    for user in (stranger, invited):
        assert api.get(f"/listings/{draft_id}", user).status_code == 404
    assert api.get(f"/listings/{other_draft}", invited).status_code == 404
    status, html = _page(market, broker, f"/listings/{draft_id}")
    assert status == 200
    assert element_text(html, "history-heading") == "History"
    # None of the seller's actions.
    assert "/submit" not in html and "Edit the listing" not in html
    assert _page(market, stranger, f"/listings/{draft_id}")[0] == 404
    # On a public listing a broker not engaged sees neither intents nor history.
    listing_id = market.listing(seller, "announced", seller_broker_id=broker.id)
    market.intent(listing_id, market.user("enterprise"))
    status, html = _page(market, stranger, f"/listings/{listing_id}")
    assert status == 200 and element_text(html, "history-heading") is None
    assert element_text(html, "intents-heading") is None
    status, html = _page(market, broker, f"/listings/{listing_id}")
    assert element_text(html, "intents-heading") == "Intents to buy"


def test_intents_are_seen_by_whom_the_principal_allows(market, api):
    seller, buyer, rival = (market.user("institute"), market.user("enterprise"),
                            market.user("enterprise"))
    seller_broker, buyer_broker, stranger = market.broker(), market.broker(), market.broker()
    listing_id = market.listing(seller, "announced", seller_broker_id=seller_broker.id)
    market.intent(listing_id, buyer)
    market.intent(listing_id, rival)
    market.engaged_on("listing", listing_id, buyer, buyer_broker)
    intents = market.intents(listing_id)

    def seen(user):
        response = api.get(f"/listings/{listing_id}/intents", user)
        assert response.status_code == 200, response.get_json()
        return sorted(i["id"] for i in response.get_json()["items"])

    assert seen(seller_broker) == sorted(i.id for i in intents)
    assert seen(buyer_broker) == [intents[0].id]
    assert seen(stranger) == []
    status, html = _page(market, seller_broker, f"/listings/{listing_id}")
    listed = element_text(html, "intents-heading")
    assert listed == "Intents to buy"
    # Read-only: no decline form for the broker.
    assert "Decline this buyer" not in html


def test_the_needs_broker_sees_the_responses(market, api):
    owner = market.user("enterprise")
    draft_id = market.need(owner, "draft")
    broker, stranger = market.broker(), market.broker()
    market.engaged_on("need", draft_id, owner, broker)
    assert api.get(f"/needs/{draft_id}", broker).status_code == 200
    assert api.get(f"/needs/{draft_id}", stranger).status_code == 404
    need_id = market.need(owner, "published")
    market.engaged_on("need", need_id, owner, broker)
    institute = market.user("institute")
    market.respond(need_id, institute)
    status, html = _page(market, broker, f"/needs/{need_id}")
    assert status == 200 and institute.username in html
    assert element_text(html, "responses-heading") == "Responses (1)"
    status, html = _page(market, stranger, f"/needs/{need_id}")
    assert status == 200 and institute.username not in html


def test_a_contracts_broker_reads_the_contract(market, api):
    seller = market.user("institute")
    broker, stranger = market.broker(), market.broker()
    listing_id = market.listing(seller, "dealt", seller_broker_id=broker.id,
                                seller_broker_commission="10000")
    deal = market.deal(listing_id)
    assert api.get(f"/contracts/{deal.contract_id}", broker).status_code == 200
    assert api.get(f"/contracts/{deal.contract_id}", stranger).status_code == 404
    assert market.page_client(broker).get(f"/contracts/{deal.contract_id}").status_code == 200
    # Reading, not filing: the broker cannot change it.
    assert market.page_client(broker).get(f"/contracts/{deal.contract_id}/edit") \
        .status_code == 403


def test_the_engaged_broker_takes_part_in_the_conversations(market):
    seller, buyer = market.user("institute"), market.user("enterprise")
    broker, invited, stranger = market.broker(), market.broker(), market.broker()
    listing_id = market.listing(seller, "announced", seller_broker_id=broker.id)
    market.intent(listing_id, buyer)
    market.invite("listing", listing_id, buyer, invited)  # the buyer's, not yet accepted

    def options(user):
        return market.run(lambda u: [o.label for o in messages.options_for(
            "listing", db.session.get(Listing, listing_id), u)], user)

    assert len(options(broker)) == 1
    assert options(stranger) == options(invited) == []
