"""Engagement pages: the panel of the listing, need and deal pages (a party's invitation form,
the broker's accept / decline, the principal's withdraw / end), the invitation page with its
errors beside the fields, /engagements for brokers, parties and the bureau, and the
engagements API list."""
import re

import pytest
from achievement_helpers import flashes
from engagement_helpers import Api, Market, select_options

from tests.pages import element_text, field_errors, form_fields, input_value, text


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


@pytest.fixture
def api(market):
    return Api(market)


def test_the_seller_invites_from_the_listing_page(market):
    seller, buyer = market.user("institute"), market.user("enterprise")
    listing_id = market.listing(seller, "announced")
    market.intent(listing_id, buyer)
    broker = market.broker()
    theirs = market.broker(employer=buyer.organization_id)
    client = market.page_client(seller)
    html = text(client.get(f"/listings/{listing_id}?lang=en").get_data(as_text=True))
    action = f"/engagements/new/listing/{listing_id}"
    fields = form_fields(html, action)
    assert fields["invite-side"] == "seller"
    assert fields["invite-next"] == f"/listings/{listing_id}"
    choices = select_options(html, "invite-broker_id")
    assert choices[str(broker.id)].startswith(market.broker_name(broker) + " — ")
    assert str(theirs.id) not in choices  # employed by a buyer
    fields.update({"invite-broker_id": str(broker.id), "invite-commission": "25000"})
    response = client.post(action, data=fields)
    assert response.status_code == 302 and response.location == f"/listings/{listing_id}"
    assert flashes(client) == [("success", f"{market.broker_name(broker)} is invited; you "
                                           "are told when the broker answers.")]
    html = text(client.get(f"/listings/{listing_id}?lang=en").get_data(as_text=True))
    [engagement] = re.findall(r'id="engagement-(\d+)"', html)
    item = element_text(html, f"engagement-{engagement}")
    assert "Invited" in item and "commission ¥25,000.00" in item
    assert form_fields(html, f"/engagements/{engagement}/withdraw")
    assert "/engagements/new/" not in html  # one open engagement per side


def test_the_invitation_page_shows_errors_beside_the_fields(market):
    owner = market.user("enterprise")
    need_id = market.need(owner, "published")
    client = market.page_client(owner)
    action = f"/engagements/new/need/{need_id}"
    response = client.get(action + "?lang=en")
    assert response.status_code == 200
    fields = form_fields(response.get_data(as_text=True), action)
    assert fields["invite-next"] == f"/needs/{need_id}"
    for lang, messages in (("en", ("Choose one of the market's verified technology brokers.",
                                   "Enter an amount in yuan, such as 1200000.00.")),
                           ("zh", None)):
        response = client.post(f"{action}?lang={lang}", data={
            **fields, "invite-broker_id": str(market.broker("suspended").id),
            "invite-commission": "两万"})
        html = text(response.get_data(as_text=True))
        assert response.status_code == 422
        assert input_value(html, "invite-commission") == "两万"
        if messages:
            assert field_errors(html, "invite-broker_id") == messages[0]
            assert field_errors(html, "invite-commission") == messages[1]
        else:  # the amount rule's message is the market's, in Chinese
            assert "Enter an amount" not in field_errors(html, "invite-commission")
    assert market.engagements_on("need", need_id) == []


def test_others_get_no_invitation_form(market):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    for user, status in ((market.user("enterprise"), 403), (market.broker(), 403),
                         (market.bureau(), 403)):
        response = market.page_client(user).get(f"/engagements/new/listing/{listing_id}")
        assert response.status_code == status
    draft_id = market.listing(seller, "draft")
    response = market.page_client(market.user("institute")).get(
        f"/engagements/new/listing/{draft_id}")
    assert response.status_code == 404
    assert market.page_client(seller).get("/engagements/new/nothing/1").status_code == 404


def test_the_broker_answers_on_its_engagements_page(market):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    broker = market.broker()
    engagement_id = market.invite("listing", listing_id, seller, broker)
    client = market.page_client(broker)
    html = text(client.get("/engagements/?lang=en").get_data(as_text=True))
    item = element_text(html, f"engagement-{engagement_id}")
    title = market.get_listing(listing_id).title
    assert title in item and "Seller’s broker" in item and "请协助我方对接。" in item
    fields = form_fields(html, f"/engagements/{engagement_id}/accept")
    response = client.post(f"/engagements/{engagement_id}/accept", data=fields)
    assert response.status_code == 302 and response.location == "/engagements/"
    assert flashes(client)[0][0] == "success"
    html = text(client.get("/engagements/?lang=en").get_data(as_text=True))
    assert "Accepted" in element_text(html, f"engagement-{engagement_id}")
    assert form_fields(html, f"/engagements/{engagement_id}/accept") == {}
    # Answering twice: the state's answer, as a message.
    response = client.post(f"/engagements/{engagement_id}/decline", data=fields)
    assert response.status_code == 302
    assert flashes(client)[0][0] == "warning"


def test_the_broker_declines_from_the_record_page(market):
    owner = market.user("enterprise")
    need_id = market.need(owner, "published")
    broker = market.broker()
    engagement_id = market.invite("need", need_id, owner, broker)
    client = market.page_client(broker)
    html = text(client.get(f"/needs/{need_id}?lang=en").get_data(as_text=True))
    fields = form_fields(html, f"/engagements/{engagement_id}/decline")
    fields[f"engagement-{engagement_id}-comment"] = "本月档期已满"
    response = client.post(f"/engagements/{engagement_id}/decline", data=fields)
    assert response.status_code == 302 and response.location == f"/needs/{need_id}"
    row = market.engagement(engagement_id)
    assert (row.status, row.response_comment) == ("declined", "本月档期已满")
    # The enterprise reads the answer on its own page.
    html = text(market.page_client(owner).get("/engagements/?lang=en").get_data(as_text=True))
    assert "本月档期已满" in element_text(html, f"engagement-{engagement_id}")


def test_each_sees_its_own_engagements(market):
    seller, other = market.user("institute"), market.user("institute")
    broker = market.broker()
    mine = market.invite("listing", market.listing(seller, "announced"), seller, broker)
    theirs = market.invite("listing", market.listing(other, "announced"), other,
                           market.broker())
    for user, shown, hidden in ((seller, mine, theirs), (broker, mine, theirs),
                                (other, theirs, mine)):
        html = market.page_client(user).get("/engagements/").get_data(as_text=True)
        assert f'id="engagement-{shown}"' in html and f'id="engagement-{hidden}"' not in html
    html = market.page_client(market.bureau()).get("/engagements/").get_data(as_text=True)
    assert f'id="engagement-{mine}"' in html and f'id="engagement-{theirs}"' in html
    assert market.client.get("/engagements/").status_code == 302  # to the login page


def test_the_public_sees_the_accepted_broker_without_the_terms(market):
    seller = market.user("institute")
    broker = market.broker()
    listing_id = market.listing(seller, "announced", seller_broker_id=broker.id,
                                seller_broker_commission="30000")
    html = text(market.client.get(f"/listings/{listing_id}?lang=en").get_data(as_text=True))
    engagement = re.search(r'id="engagement-(\d+)"', html).group(1)
    item = element_text(html, f"engagement-{engagement}")
    assert market.broker_name(broker) in item and "Accepted" in item
    assert "commission" not in item and "¥30,000.00" not in html


def test_the_deal_page_offers_each_party_its_side(market):
    seller = market.user("institute")
    listing_id = market.listing(seller, "dealt")
    deal = market.deal(listing_id)
    html = market.page_client(seller).get(f"/deals/{deal.id}").get_data(as_text=True)
    fields = form_fields(html, f"/engagements/new/deal/{deal.id}")
    assert fields["invite-side"] == "seller"


def test_the_api_lists_my_engagements(market, api):
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    broker = market.broker()
    first = market.invite("listing", listing_id, seller, broker)
    market.answer("decline", first, broker)
    second = market.invite("listing", listing_id, seller, broker)

    def ids(user, query=""):
        response = api.get(f"/engagements{query}", user)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids(broker) == [second, first]
    assert ids(seller, "?status=declined") == [first]
    assert ids(market.broker()) == [] and ids(market.user("enterprise")) == []
    assert api.get("/engagements").status_code == 401
    assert api.get("/engagements?status=lost", seller).status_code == 422


def test_the_listing_form_keeps_a_named_broker_no_longer_verified(market):
    seller = market.user("institute")
    broker = market.broker()
    listing_id = market.listing(seller, "draft", seller_broker_id=broker.id,
                                seller_broker_commission="30000")
    with market.app.app_context():
        from marketplace.brokers import engagements
        from marketplace.extensions import db

        engagements.profile_of(broker.id).status = "suspended"
        db.session.commit()
    client = market.page_client(seller)
    html = client.get(f"/listings/{listing_id}/edit").get_data(as_text=True)
    fields = form_fields(html, f"/listings/{listing_id}/edit")
    assert fields["seller_broker_id"] == str(broker.id)
    assert select_options(html, "seller_broker_id")[str(broker.id)] == \
        market.broker_name(broker)
    fields["buyer_conditions"] = "具备相关资质的企业。"
    assert client.post(f"/listings/{listing_id}/edit", data=fields).status_code == 302
    # Still the one accepted engagement: saving other terms did not let the broker go.
    assert [row[2] for row in market.engagements_on("listing", listing_id)] == ["accepted"]
