"""Who may be invited and by whom: verified brokers not on the blacklist and not employed by
the other side, by a party for its own side, one open engagement per side; the broker named
on a listing form or an intent is invited (and let go when replaced, no longer named when it
declines); open engagements end when their listing or need closes without a deal."""
from datetime import timedelta

import pytest
from engagement_helpers import Api, Market, notifications_of
from listing_helpers import listing_data
from listing_helpers import money as market_money

from marketplace.brokers import engagements
from marketplace.listings import services as listings
from marketplace.needs import services as needs

VERIFIED_ONLY = "Choose one of the market's verified technology brokers."


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


@pytest.fixture
def api(market):
    return Api(market)


def _invite(api, path, user, broker_profile_id, **body):
    return api.post(path, user, {"broker_id": broker_profile_id, **body})


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended", "cancelled"])
def test_only_a_verified_broker_is_invited(market, api, status):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    response = _invite(api, f"/listings/{listing_id}/engagements", seller,
                       market.profile_id(market.broker(status)))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["broker_id"] == [VERIFIED_ONLY]
    assert market.engagements_on("listing", listing_id) == []


def test_an_unknown_broker_and_bad_amounts_are_refused(market, api):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    path = f"/listings/{listing_id}/engagements"
    response = _invite(api, path, seller, 999999, commission="-1", message="长" * 2001)
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422
    assert fields == {"broker_id": [VERIFIED_ONLY],
                      "commission": ["The amount cannot be negative."],
                      "message": ["At most 2000 characters."]}
    broker = market.broker()
    response = _invite(api, path, seller, market.profile_id(broker), commission="0")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["side"], body["commission"]) == ("invited", "seller", "0.00")
    assert body["broker"]["id"] == market.profile_id(broker)


def test_a_blacklisted_broker_is_refused_until_the_entry_lapses(market, api):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    broker = market.broker()
    market.blacklist(broker=broker, days=5)
    path = f"/listings/{listing_id}/engagements"
    response = _invite(api, path, seller, market.profile_id(broker))
    assert response.status_code == 422
    [message] = response.get_json()["error"]["fields"]["broker_id"]
    assert "blacklist" in message and "be engaged as a broker" in message
    # Invited before the entry: the broker cannot accept while it is in force.
    other = market.broker()
    engagement_id = market.invite("listing", listing_id, seller, other)
    market.blacklist(broker=other, days=5)
    response = api.post(f"/engagements/{engagement_id}/accept", other)
    assert response.status_code == 403
    assert "blacklist" in response.get_json()["error"]["message"]
    # The day after the last day (API tokens last a week), both are allowed again.
    market.clock.advance(days=6)
    assert api.post(f"/engagements/{engagement_id}/accept", other).status_code == 200
    market.answer("end", engagement_id, seller)
    assert _invite(api, path, seller, market.profile_id(broker)).status_code == 201


def test_a_blacklisted_party_cannot_engage_a_broker(market, api):
    owner = market.user("enterprise")
    need_id = market.need(owner, "published")
    market.blacklist(org_id=owner.organization_id)
    response = _invite(api, f"/needs/{need_id}/engagements", owner,
                       market.profile_id(market.broker()))
    assert response.status_code == 403
    assert "engage a broker" in response.get_json()["error"]["message"]


def test_a_suspended_broker_cannot_accept(market, api):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    broker = market.broker()
    engagement_id = market.invite("listing", listing_id, seller, broker)
    with market.app.app_context():
        from marketplace.extensions import db

        engagements.profile_of(broker.id).status = "suspended"
        db.session.commit()
    response = api.post(f"/engagements/{engagement_id}/accept", broker)
    assert response.status_code == 403
    assert market.engagement(engagement_id).status == "invited"


def test_not_a_broker_employed_by_the_other_side(market, api):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    buyer = market.user("enterprise")
    market.intent(listing_id, buyer)
    path = f"/listings/{listing_id}/engagements"
    theirs = market.broker(employer=buyer.organization_id)
    response = _invite(api, path, seller, market.profile_id(theirs))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["broker_id"] == [
        "This broker works for the other party; choose another."]
    # A broker employed by the principal itself is fine (the buyer may not have it).
    ours = market.broker(employer=seller.organization_id)
    assert _invite(api, path, buyer, market.profile_id(ours)).status_code == 422
    response = _invite(api, path, seller, market.profile_id(ours))
    assert response.status_code == 201
    # One acting for the seller cannot act for a buyer of the same listing.
    market.answer("withdraw", response.get_json()["id"], seller)
    free = market.broker()
    assert _invite(api, path, seller, market.profile_id(free)).status_code == 201
    response = _invite(api, path, buyer, market.profile_id(free))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["broker_id"] == [
        "This broker already acts for the other side."]


def test_one_open_engagement_per_side(market, api):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    path = f"/listings/{listing_id}/engagements"
    first = market.invite("listing", listing_id, seller, market.broker())
    response = _invite(api, path, seller, market.profile_id(market.broker()))
    assert response.status_code == 409
    market.answer("withdraw", first, seller)
    assert _invite(api, path, seller, market.profile_id(market.broker())).status_code == 201


def test_who_invites_for_which_side(market, api):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    buyer, stranger = market.user("enterprise"), market.user("enterprise")
    market.intent(listing_id, buyer)
    path = f"/listings/{listing_id}/engagements"
    broker = market.broker()
    profile = market.profile_id(broker)
    # Only for its own side; someone without an intent, a broker, the bureau: 403.
    assert _invite(api, path, seller, profile, side="buyer").status_code == 403
    for user in (stranger, market.broker(), market.bureau()):
        assert _invite(api, path, user, profile).status_code == 403
    assert _invite(api, path, None, profile).status_code == 401
    # A draft is not visible to others: 404.
    draft_id = market.listing(seller, "draft")
    assert _invite(api, f"/listings/{draft_id}/engagements", stranger, profile) \
        .status_code == 404
    response = _invite(api, path, buyer, profile, commission="12000")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["side"], body["principal"]["id"]) == ("buyer", buyer.organization_id)
    intent = market.intents(listing_id)[0]
    assert intent.broker_id == broker.id


def test_the_listing_form_names_and_replaces_the_broker(market):
    seller = market.user("institute")
    first, second = market.broker(), market.broker()
    listing_id = market.listing(seller, "draft", seller_broker_id=first.id,
                                seller_broker_commission="30000", broker_accepts=False)
    assert market.engagements_on("listing", listing_id) == [
        (first.id, "seller", "invited", market_money("30000"))]
    assert notifications_of(market, first)[-1][0] == \
        "%(principal)s invites you to be the seller’s broker on %(title)s."
    achievement_id = market.get_listing(listing_id).achievement_id

    def edit(**changes):
        market.run(lambda u: listings.update(listing_id, listing_data(achievement_id,
                                                                      **changes), u), seller)

    edit(seller_broker_id=first.id, seller_broker_commission="30000")  # unchanged
    assert len(market.engagements_on("listing", listing_id)) == 1
    edit(seller_broker_id=first.id, seller_broker_commission="35000")  # new terms
    edit(seller_broker_id=second.id, seller_broker_commission="35000")  # another broker
    assert market.engagements_on("listing", listing_id) == [
        (first.id, "seller", "withdrawn", market_money("30000")),
        (first.id, "seller", "withdrawn", market_money("35000")),
        (second.id, "seller", "invited", market_money("35000"))]
    assert notifications_of(market, first)[-1][0] == \
        "%(principal)s withdrew its invitation to broker %(title)s."
    # Accepted, then no broker named: the engagement ends.
    market.accept_engagement(second.id, "listing", listing_id)
    edit(seller_broker_id=None, seller_broker_commission=None)
    assert market.engagements_on("listing", listing_id)[-1][2] == "ended"


def test_a_declined_invitation_is_no_longer_named(market):
    seller = market.user("institute")
    broker = market.broker()
    listing_id = market.listing(seller, "announced", seller_broker_id=broker.id,
                                seller_broker_commission="30000", broker_accepts=False)
    [row] = market.engagements_on("listing", listing_id)
    engagement_id = market.run(lambda: engagements.open_engagement(
        "listing", listing_id, "seller").id)
    market.answer("decline", engagement_id, broker, "不熟悉该领域")
    record = market.get_listing(listing_id)
    assert (record.seller_broker_id, record.seller_broker_commission) == (None, None)
    assert market.audit_of("listing", listing_id, "broker_unnamed") == [
        {"engagement_id": engagement_id, "side": "seller", "broker_id": broker.id}]


def test_the_intent_names_the_buyers_broker(market):
    seller, buyer = market.user("institute"), market.user("enterprise")
    listing_id = market.listing(seller, "announced")
    broker = market.broker()
    market.run(lambda u: listings.register_intent(listing_id, u, "我方具备资质。", None,
                                                  broker.id, "8000"), buyer)
    assert market.engagements_on("listing", listing_id) == [
        (broker.id, "buyer", "invited", market_money("8000"))]
    engagement_id = market.run(lambda: engagements.open_engagement(
        "listing", listing_id, "buyer", buyer.organization_id).id)
    market.answer("decline", engagement_id, broker)
    intent = market.intents(listing_id)[0]
    assert (intent.broker_id, intent.broker_commission) == (None, None)


@pytest.mark.parametrize("close", ["withdraw", "terminate", "expire"])
def test_engagements_end_when_the_listing_closes_without_a_deal(market, close):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced" if close != "expire" else "listed")
    accepted = market.engaged_on("listing", listing_id, seller, market.broker())
    if close == "withdraw":
        market.run(listings.withdraw, listing_id, seller)
    elif close == "terminate":
        market.run(listings.terminate, listing_id, market.bureau(), "权属存在争议。")
    else:
        market.clock.set(market.get_listing(listing_id).listing_ends_at + timedelta(seconds=1))
        market.tick()
    row = market.engagement(accepted)
    assert (row.status, row.ended_at is not None) == ("ended", True)
    assert market.engagement_history(accepted)[-1][0] == "close"


@pytest.mark.parametrize("close", ["withdraw", "resolve", "expire"])
def test_engagements_end_when_the_need_closes_without_a_deal(market, close):
    owner = market.user("enterprise")
    need_id = market.need(owner, "published")
    invited = market.invite("need", need_id, owner, market.broker())
    if close == "expire":
        market.clock.set(market.clock.now().replace(month=10, day=2))
        market.run(needs.expire_due)
    else:
        market.run(getattr(needs, close), need_id, owner)
    assert market.engagement(invited).status == "ended"


def test_the_need_broker_may_not_respond_to_the_need(market, api):
    owner = market.user("enterprise")
    need_id = market.need(owner, "published")
    broker = market.broker()
    market.invite("need", need_id, owner, broker)
    response = api.post(f"/needs/{need_id}/responses", broker,
                        {"message": "我来解决", "achievement_id": None})
    assert response.status_code == 403
