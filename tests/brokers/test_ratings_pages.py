"""The ratings panel of the deal page: a form per target for the parties, errors beside the
fields, changes within the days allowed, what brokers and officers see (zh and en)."""
import pytest
from rating_helpers import Market, words

from tests.pages import element_text, field_errors, form_fields, text


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


@pytest.fixture
def deal(market):
    people = {"seller": market.user("institute"), "buyer": market.user("enterprise"),
              "broker": market.broker()}
    people["deal_id"] = market.new_deal(people["seller"], people["buyer"], people["broker"])
    return people


def page(client, deal_id, lang="en"):
    response = client.get(f"/deals/{deal_id}?lang={lang}")
    assert response.status_code == 200
    return text(response.get_data(as_text=True))


def flashes(client):
    with client.session_transaction() as session:
        return [(c, str(m)) for c, m in session.pop("_flashes", [])]


def action(deal_id, kind, target_id):
    return f"/ratings/deals/{deal_id}/{kind}/{target_id}"


def test_a_party_rates_through_the_deal_page(market, deal):
    buyer, seller = deal["buyer"], deal["seller"]
    client = market.page_client(buyer)
    html = page(client, deal["deal_id"])
    org_form = action(deal["deal_id"], "org", seller.organization_id)
    fields = form_fields(html, org_form)
    prefix = f"rating-org-{seller.organization_id}"
    assert set(fields) == {"csrf_token", f"{prefix}-comment"}  # no score chosen yet
    assert f'action="{action(deal["deal_id"], "broker", deal["broker"].id)}"' in html
    fields.update({f"{prefix}-score": "4", f"{prefix}-comment": "资料齐全，配合积极。"})
    response = client.post(org_form, data=fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/deals/{deal['deal_id']}#ratings")
    assert flashes(client) == [("success", "Your rating is recorded.")]
    html = page(client, deal["deal_id"])
    card = element_text(html, f"rate-org-{seller.organization_id}")
    assert "Your rating: ★★★★☆ 4 of 5" in card
    assert "You can change it until" in card
    assert form_fields(html, org_form)[f"{prefix}-score"] == "4"
    assert market.points(seller) == 70 + 3 + 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_rating_shows_the_messages_beside_the_fields(app, market, deal, lang):
    buyer, seller = deal["buyer"], deal["seller"]
    client = market.page_client(buyer)
    prefix = f"rating-org-{seller.organization_id}"
    response = client.post(action(deal["deal_id"], "org", seller.organization_id) +
                           f"?lang={lang}", data={f"{prefix}-comment": "长" * 1001})
    assert response.status_code == 422
    html = text(response.get_data(as_text=True))
    assert field_errors(html, f"{prefix}-score") == words(app, lang,
                                                          "Choose a score from 1 to 5.")
    assert field_errors(html, f"{prefix}-comment") == words(app, lang,
                                                            "At most %(n)d characters.", n=1000)
    assert ("长" * 1001) in html  # what was typed is kept
    broker_prefix = f"rating-broker-{deal['broker'].id}"
    assert field_errors(html, f"{broker_prefix}-score") is None  # the other forms are clean
    assert market.points(seller) == 70 + 3


def test_a_rating_is_changed_within_the_days_allowed_then_shown_only(market, deal):
    buyer, seller = deal["buyer"], deal["seller"]
    rating_id, _ = market.rate(deal["deal_id"], buyer, f"org:{seller.organization_id}", 5,
                               "很满意。")
    client = market.page_client(buyer)
    org_form = action(deal["deal_id"], "org", seller.organization_id)
    prefix = f"rating-org-{seller.organization_id}"
    fields = form_fields(page(client, deal["deal_id"]), org_form)
    assert (fields[f"{prefix}-score"], fields[f"{prefix}-comment"].strip()) == ("5", "很满意。")
    fields[f"{prefix}-score"] = "2"
    assert client.post(org_form, data=fields).status_code == 302
    assert flashes(client) == [("success", "Your rating is changed.")]
    market.days_later(8)
    client = market.page_client(buyer)
    html = page(client, deal["deal_id"])
    assert form_fields(html, org_form) == {}
    card = element_text(html, f"rate-org-{seller.organization_id}")
    assert "Your rating: ★★☆☆☆ 2 of 5" in card and "it can no longer be changed" in card
    response = client.post(org_form, data=fields)  # a stale form
    assert response.status_code == 302
    assert flashes(client)[0][0] == "warning"
    assert market.rating(rating_id).score == 2


def test_a_target_not_on_the_deal_is_refused_with_a_message(market, deal):
    buyer = deal["buyer"]
    client = market.page_client(buyer)
    response = client.post(action(deal["deal_id"], "org", buyer.organization_id) + "?lang=en",
                           data={f"rating-org-{buyer.organization_id}-score": "5"})
    assert response.status_code == 302
    assert flashes(client) == [("danger", "You cannot rate your own organisation or its "
                                          "staff.")]


@pytest.mark.parametrize(("who", "status"), [("visitor", 302), ("stranger", 404),
                                             ("broker", 403), ("bureau", 403)])
def test_others_cannot_post_a_rating(market, deal, who, status):
    user = {"visitor": None, "stranger": market.user("enterprise"), "broker": deal["broker"],
            "bureau": market.bureau()}[who]
    client = market.page_client(user)
    seller_org = deal["seller"].organization_id
    response = client.post(action(deal["deal_id"], "org", seller_org),
                           data={f"rating-org-{seller_org}-score": "5"})
    assert response.status_code == status
    if who == "visitor":
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_broker_sees_its_ratings_and_no_form(app, market, deal, lang):
    market.rate(deal["deal_id"], deal["seller"], f"broker:{deal['broker'].id}", 3, "一般。")
    html = page(market.page_client(deal["broker"]), deal["deal_id"], lang)
    assert "/ratings/deals/" not in html
    assert element_text(html, "ratings-received-heading") == words(app, lang,
                                                                   "Ratings you received")
    assert "一般。" in html


def test_the_rated_party_sees_what_it_received_and_officers_see_all(market, deal):
    seller, buyer = deal["seller"], deal["buyer"]
    market.rate(deal["deal_id"], buyer, f"org:{seller.organization_id}", 1, "违约。")
    market.rate(deal["deal_id"], seller, f"org:{buyer.organization_id}", 5, "守约。")
    html = page(market.page_client(seller), deal["deal_id"])
    assert element_text(html, "ratings-received-heading") == \
        "Ratings your organisation received"
    received = html[html.index('id="ratings-received-heading"'):]
    assert "违约。" in received and "守约。" not in received
    officer_html = page(market.page_client(market.bureau()), deal["deal_id"])
    assert "/ratings/deals/" not in officer_html
    assert "违约。" in officer_html and "守约。" in officer_html
    assert element_text(officer_html, "ratings-all-heading") == "Every rating on this deal"
