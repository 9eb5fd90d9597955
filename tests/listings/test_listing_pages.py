"""The listing pages for the public, sellers and buyers: the list and its filters, who sees a
listing, the listing form and its errors, every action's POST (state and audit), the bidding
panel, the confirmation of a deal, "my trading", and both languages."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from achievement_helpers import flashes
from listing_helpers import form_data, money

from marketplace.accounts.models import Organization
from marketplace.extensions import db
from marketplace.listings import trading
from marketplace.listings.models import Listing
from tests.pages import element_text, field_errors, input_value, text


def title_of(market, listing_id):
    return market.get_listing(listing_id).title


def shown(html, title):
    """The title appears as an element's whole text (技术1 is not 技术10)."""
    return f">{title}<" in html


def selected(html, name):
    """The selected option's value of the select named `name` (None if none is)."""
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    option = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|'
                       r'<option[^>]*value="([^"]*)"[^>]*selected', select.group(1))
    return (option.group(1) or option.group(2)) if option else None


def options(html, name):
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'value="([^"]*)"', select.group(1))


def textarea(html, name):
    found = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', html,
                      re.S)
    return text(found.group(1)).strip() if found else None


def listing_id_of(response):
    return int(response.headers["Location"].split("?")[0].rstrip("/").rsplit("/", 1)[1])


def page(client, path, lang="en"):
    response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    return response, response.get_data(as_text=True)


def org_name(market, org_id):
    return market.run(lambda: db.session.get(Organization, org_id).name)


# --- the public list -----------------------------------------------------------------------------

def test_the_list_shows_what_the_public_may_see_newest_first(market):
    seller = market.user("institute")
    dealt = market.listing(seller, "dealt")
    listed = market.listing(seller, "listed")
    bidding = market.listing(seller, "bidding")
    licence = market.listing(seller, "announced", transfer_mode="licence_exclusive",
                             licence_term_years=5, licence_territory="山西省", asking_price=None)
    draft = market.listing(seller, "draft")
    withdrawn = market.listing(seller, "withdrawn")
    visitor = market.page_client(None)

    response, html = page(visitor, "/listings")
    assert response.status_code == 200
    for record_id in (listed, bidding, licence):
        assert shown(html, title_of(market, record_id))
    for record_id in (dealt, draft, withdrawn):
        assert not shown(html, title_of(market, record_id))
    # Newest first: the licence was announced last, the listed one first.
    positions = [html.index(f">{title_of(market, i)}<") for i in (licence, bidding, listed)]
    assert positions == sorted(positions)
    row = html[html.index(f">{title_of(market, licence)}<"):]
    row = text(row[:row.index("</article>")])
    assert "Exclusive licence" in row and "Negotiable" in row
    assert "Announcement ends" in row and "Last updated" in row
    assert "Bidding ends" in text(html) and "Listing ends" in text(html)

    _, everything = page(visitor, "/listings?state=all")
    assert shown(everything, title_of(market, dealt))
    assert not shown(everything, title_of(market, draft))
    assert not shown(everything, title_of(market, withdrawn))
    assert selected(everything, "state") == "all"


def test_the_filters_stay_in_the_url(market):
    seller = market.user("institute")
    coal = market.listing(seller, "announced")
    green = market.listing(seller, "announced", achievement_id=market.registered(
        seller, field="environment"), transfer_mode="equity")
    visitor = market.page_client(None)

    _, html = page(visitor, "/listings?field=environment")
    assert shown(html, title_of(market, green)) and not shown(html, title_of(market, coal))
    assert selected(html, "field") == "environment"
    _, html = page(visitor, "/listings?mode=assignment")
    assert shown(html, title_of(market, coal)) and not shown(html, title_of(market, green))
    _, html = page(visitor, "/listings?mode=licence_sole")
    assert "No listing matches these filters." in text(html)


def test_the_list_applies_the_timed_moves_that_are_due(market):
    seller = market.user("institute")
    record_id = market.listing(seller, "announced")
    market.clock.set(market.get_listing(record_id).announcement_ends_at + timedelta(minutes=1))
    response, html = page(market.page_client(None), "/listings")
    assert response.status_code == 200
    assert market.listing_status(record_id) == "listed"
    assert "Listing ends" in html


# --- who sees a listing --------------------------------------------------------------------------

VIEWERS = ("seller", "colleague", "buyer", "institute", "broker", "bureau", "admin", "visitor")


@pytest.mark.parametrize("state, allowed", [
    ("draft", {"seller", "colleague", "bureau", "admin"}),
    ("pending_review", {"seller", "colleague", "bureau", "admin"}),
    ("rejected", {"seller", "colleague", "bureau", "admin"}),
    ("withdrawn", {"seller", "colleague", "bureau", "admin"}),
    ("announced", set(VIEWERS)),
    ("terminated", set(VIEWERS)),
])
def test_the_detail_page_shows_a_listing_to_those_allowed(market, state, allowed):
    people = market.people()
    people["colleague"] = market.member_of(people["seller"].organization_id)
    record_id = market.listing(people["seller"], state)
    title = title_of(market, record_id)
    for role in VIEWERS:
        response, html = page(market.page_client(people[role]), f"/listings/{record_id}")
        assert response.status_code == (200 if role in allowed else 404), (role, state)
        if role in allowed:
            assert f"<h1 class=\"h3 mb-0\">{title}</h1>" in html
    assert market.page_client(None).get("/listings/999999").status_code == 404


def test_the_detail_page_shows_the_achievement_the_terms_and_a_timeline(market):
    seller = market.user("institute")
    record_id = market.listing(seller, "announced", transfer_mode="licence_sole",
                               licence_term_years=8, licence_territory="吕梁市",
                               asking_price=None, seller_broker_id=None)
    record = market.get_listing(record_id)
    response, html = page(market.page_client(None), f"/listings/{record_id}")
    assert response.status_code == 200
    page_text = text(html)
    assert record.achievement.registration_number in page_text
    assert f"/achievements/{record.achievement_id}" in html
    assert "Coal and coal-bed methane" in page_text and "TRL 7" in page_text
    assert "Sole licence" in page_text and "8 years" in page_text and "吕梁市" in page_text
    assert "Negotiable" in page_text and "¥1,000,000.00" in page_text
    assert "¥50,000.00" in page_text and "15 days" in page_text
    assert "具备煤层气开发资质的企业" in page_text
    timeline = element_text(html, "timeline-heading")
    assert timeline == "Timeline"
    assert "Announced" in page_text and "Announcement ends" in page_text
    assert "Last updated" in page_text
    # The public sees neither the seller's panel nor the history.
    assert "Your listing" not in page_text and 'id="history-heading"' not in html


# --- the seller's actions ------------------------------------------------------------------------

def test_the_seller_submits_and_withdraws_a_listing(market):
    seller = market.user("institute")
    record_id = market.listing(seller, "draft")
    client = market.page_client(seller)
    _, html = page(client, f"/listings/{record_id}")
    assert "Submit for review" in html and f"/listings/{record_id}/edit" in html
    assert 'id="history-heading"' in html

    response = client.post(f"/listings/{record_id}/submit?lang=en",
                           data={"version": input_value(html, "version")})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/listings/{record_id}")
    assert [c for c, _ in flashes(client)] == ["success"]
    assert market.listing_status(record_id) == "pending_review"
    assert market.listing_history(record_id)[-1] == (
        "submit", "draft", "pending_review", seller.id, None)

    _, html = page(client, f"/listings/{record_id}")
    assert "The science bureau is reviewing this listing." in html
    response = client.post(f"/listings/{record_id}/withdraw",
                           data={"withdraw-comment": "成果拟自行转化。"})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]
    assert market.listing_status(record_id) == "withdrawn"
    assert market.listing_history(record_id)[-1] == (
        "withdraw", "pending_review", "withdrawn", seller.id, "成果拟自行转化。")


def test_an_action_the_state_does_not_allow_is_a_flash_and_others_are_refused(market):
    seller = market.user("institute")
    buyer = market.user("enterprise")
    record_id = market.listing(seller, "announced")
    client = market.page_client(seller)
    response = client.post(f"/listings/{record_id}/submit?lang=en")
    assert response.status_code == 302
    [(category, message)] = flashes(client)
    assert category == "warning" and "Announced" in message
    assert market.listing_status(record_id) == "announced"

    assert market.page_client(buyer).post(f"/listings/{record_id}/withdraw").status_code == 403
    assert market.page_client(None).post(f"/listings/{record_id}/withdraw").status_code == 302
    assert market.listing_status(record_id) == "announced"


def test_the_seller_reads_the_bureau_s_reasons(market):
    seller = market.user("institute")
    returned = market.listing(seller, "returned")
    rejected = market.listing(seller, "rejected")
    client = market.page_client(seller)
    _, html = page(client, f"/listings/{returned}")
    assert "returned this listing for correction" in html and "请补充受让方条件。" in html
    assert f"/listings/{returned}/edit" in html and "Submit for review" in html
    _, html = page(client, f"/listings/{rejected}")
    assert "rejected this listing" in html and "请补充受让方条件。" in html
    assert f"/listings/{rejected}/edit" not in html


def test_the_seller_renews_a_listed_listing_once(market):
    seller = market.user("institute")
    record_id = market.listing(seller, "listed")
    ends = market.get_listing(record_id).listing_ends_at
    client = market.page_client(seller)
    _, html = page(client, f"/listings/{record_id}")
    assert "Renew the listing" in html
    response = client.post(f"/listings/{record_id}/renew?lang=en",
                           data={"version": input_value(html, "version")})
    assert response.status_code == 302
    [(category, message)] = flashes(client)
    assert category == "success" and "Renewed" in message
    record = market.get_listing(record_id)
    assert record.renewed and record.listing_ends_at == ends + timedelta(days=30)
    assert market.listing_history(record_id)[-1][:3] == ("renew", "listed", "listed")
    _, html = page(client, f"/listings/{record_id}")
    assert "Renew the listing" not in html and "Renewed" in html


def test_the_change_link_is_offered_until_a_buyer_comes(market):
    seller = market.user("institute")
    buyer = market.user("enterprise")
    record_id = market.listing(seller, "announced")
    client = market.page_client(seller)
    _, html = page(client, f"/listings/{record_id}")
    assert f"/listings/{record_id}/change" in html
    market.intent(record_id, buyer)
    _, html = page(client, f"/listings/{record_id}")
    assert f"/listings/{record_id}/change" not in html
    assert "can no longer be withdrawn or changed" in html
    response = client.get(f"/listings/{record_id}/change?lang=en")
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["warning"]


# --- the listing form ----------------------------------------------------------------------------

def test_the_new_listing_form_offers_the_free_registered_achievements(market):
    seller = market.user("institute")
    free = market.registered(seller)
    busy = market.registered(seller)
    market.listing(seller, "draft", achievement_id=busy)
    draft_achievement = market.achievement(seller, "draft")
    client = market.page_client(seller)
    response, html = page(client, f"/listings/new?achievement={free}")
    assert response.status_code == 200
    assert selected(html, "achievement_id") == str(free)
    assert str(busy) not in options(html, "achievement_id")
    assert str(draft_achievement) not in options(html, "achievement_id")
    assert input_value(html, "announcement_days") == "15"
    assert input_value(html, "listing_days") == "30"
    assert input_value(html, "bidding_days") == "5"
    assert re.search(r"js/listings\.[0-9a-f]{8}\.js", html) and "data-licence-fields" in html


@pytest.mark.parametrize("role, status", [("enterprise", 403), ("broker", 403),
                                          ("bureau", 403), (None, 302)])
def test_only_institutes_draft_listings(market, role, status):
    user = market.user(role) if role else None
    assert market.page_client(user).get("/listings/new").status_code == status


def test_a_new_listing_is_saved_as_a_draft(market):
    seller = market.user("institute")
    achievement_id = market.registered(seller)
    client = market.page_client(seller)
    response = client.post("/listings/new?lang=en", data=form_data(
        achievement_id, negotiable="y", asking_price="1500000", reserve_price="800,000"))
    assert response.status_code == 302, field_errors(response.get_data(as_text=True),
                                                      "asking_price")
    record_id = listing_id_of(response)
    assert [c for c, _ in flashes(client)] == ["success"]
    record = market.get_listing(record_id)
    assert (record.status, record.asking_price, record.reserve_price) == (
        "draft", None, money(800000))
    assert market.listing_history(record_id) == [("create", None, "draft", seller.id, None)]


def test_the_form_shows_the_service_s_errors_beside_the_fields_and_keeps_the_input(market):
    seller = market.user("institute")
    other = market.user("enterprise")
    achievement_id = market.registered(seller)
    client = market.page_client(seller)
    conditions = f"须为{org_name(market, other.organization_id)}的关联企业。"
    response = client.post("/listings/new?lang=en", data=form_data(
        achievement_id, transfer_mode="licence_ordinary", reserve_price="2000000",
        bid_increment="abc", announcement_days="10", seller_broker_commission="5000",
        buyer_conditions=conditions))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "term in years" in field_errors(html, "licence_term_years")
    assert "where the licensee" in field_errors(html, "licence_territory")
    assert "above the asking price" in field_errors(html, "reserve_price")
    assert "1200000.00" in field_errors(html, "bid_increment")
    assert "Between 15 and 90 days" in field_errors(html, "announcement_days")
    assert "name the broker first" in field_errors(html, "seller_broker_commission")
    assert "may not name a particular party" in field_errors(html, "buyer_conditions")
    assert input_value(html, "reserve_price") == "2000000"
    assert input_value(html, "bid_increment") == "abc"
    assert input_value(html, "announcement_days") == "10"
    assert selected(html, "transfer_mode") == "licence_ordinary"
    assert selected(html, "achievement_id") == str(achievement_id)
    assert textarea(html, "buyer_conditions") == conditions
    assert market.run(lambda: db.session.query(Listing).count()) == 0


def test_the_seller_edits_a_draft(market):
    seller = market.user("institute")
    record_id = market.listing(seller, "draft")
    client = market.page_client(seller)
    response, html = page(client, f"/listings/{record_id}/edit")
    assert response.status_code == 200
    assert input_value(html, "reserve_price") == "1000000.00"
    assert input_value(html, "asking_price") == "1500000.00"
    achievement_id = market.get_listing(record_id).achievement_id
    assert selected(html, "achievement_id") == str(achievement_id)

    response = client.post(f"/listings/{record_id}/edit?lang=en",
                           data=form_data(achievement_id, reserve_price="1200000.00",
                                          asking_price=""))
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]
    record = market.get_listing(record_id)
    assert (record.reserve_price, record.asking_price) == (money(1200000), None)
    assert market.listing_history(record_id)[-1][0] == "edit"

    refused = client.post(f"/listings/{record_id}/edit?lang=en",
                          data=form_data(achievement_id, bid_increment="5000000"))
    assert refused.status_code == 422
    assert "more than the reserve" in field_errors(refused.get_data(as_text=True),
                                                   "bid_increment")


def test_only_the_seller_edits_and_only_a_draft_or_returned_listing(market):
    people = market.people()
    draft = market.listing(people["seller"], "draft")
    announced = market.listing(people["seller"], "announced")
    for role in ("buyer", "institute", "broker", "bureau"):
        client = market.page_client(people[role])
        assert client.get(f"/listings/{announced}/edit").status_code == 403, role
        assert client.get(f"/listings/{announced}/change").status_code == 403, role
        expected = 403 if role == "bureau" else 404  # another organisation's draft
        assert client.get(f"/listings/{draft}/edit").status_code == expected, role
        assert client.post(f"/listings/{draft}/edit", data=form_data(1)).status_code \
            == expected, role
    assert market.page_client(None).get(f"/listings/{draft}/edit").status_code == 302
    client = market.page_client(people["seller"])
    response = client.get(f"/listings/{announced}/edit?lang=en")
    assert response.status_code == 302 and [c for c, _ in flashes(client)] == ["warning"]
    assert market.listing_status(draft) == "draft"


def test_a_change_goes_back_to_the_bureau(market):
    seller = market.user("institute")
    record_id = market.listing(seller, "announced")
    achievement_id = market.get_listing(record_id).achievement_id
    client = market.page_client(seller)
    response, html = page(client, f"/listings/{record_id}/change")
    assert response.status_code == 200
    assert "The science bureau must approve the change." in html
    assert "announcement starts again" in html
    assert 'name="achievement_id"' not in html  # fixed on a change

    unchanged = client.post(f"/listings/{record_id}/change?lang=en",
                            data=form_data(achievement_id, buyer_conditions=market.get_listing(
                                record_id).buyer_conditions, version=input_value(html,
                                                                                  "version")))
    assert unchanged.status_code == 422
    assert "Nothing was changed." in unchanged.get_data(as_text=True)

    response = client.post(f"/listings/{record_id}/change?lang=en", data=form_data(
        achievement_id, asking_price="1400000.00", version=input_value(html, "version")))
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]
    assert market.listing_status(record_id) == "pending_review"
    assert market.get_listing(record_id).asking_price == money(1400000)
    assert market.listing_history(record_id)[-1][:4] == (
        "change", "announced", "pending_review", seller.id)


# --- intents -------------------------------------------------------------------------------------

def test_an_enterprise_registers_and_withdraws_an_intent(market):
    seller = market.user("institute")
    buyer, rival, broker = (market.user("enterprise"), market.user("enterprise"),
                            market.user("broker"))
    record_id = market.listing(seller, "announced")
    client = market.page_client(buyer)
    _, html = page(client, f"/listings/{record_id}")
    assert "Register an intent to buy" in html
    assert str(broker.id) in options(html, "broker_id")

    refused = client.post(f"/listings/{record_id}/intents?lang=en", data={
        "statement": "  ", "offered_price": "一百万", "broker_id": "",
        "broker_commission": "10000"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "how you meet the buyer conditions" in field_errors(html, "statement")
    assert "1200000.00" in field_errors(html, "offered_price")
    assert "name the broker first" in field_errors(html, "broker_commission")
    assert input_value(html, "offered_price") == "一百万"
    assert input_value(html, "broker_commission") == "10000"
    assert market.intents(record_id) == []

    response = client.post(f"/listings/{record_id}/intents?lang=en", data={
        "statement": "我公司具备煤层气开发资质。", "offered_price": "1200000",
        "broker_id": str(broker.id), "broker_commission": "20000"})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]
    [intent] = market.intents(record_id)
    assert (intent.org_id, intent.offered_price, intent.broker_id, intent.status) == (
        buyer.organization_id, money(1200000), broker.id, "active")
    assert market.listing_history(record_id)[-1] == ("intent", None, None, buyer.id, None)

    _, html = page(client, f"/listings/{record_id}")
    assert "Your intent" in html and "Register an intent to buy" not in html
    _, seller_html = page(market.page_client(seller), f"/listings/{record_id}")
    assert "我公司具备煤层气开发资质。" in seller_html and "Intents to buy" in seller_html
    _, rival_html = page(market.page_client(rival), f"/listings/{record_id}")
    assert "我公司具备煤层气开发资质。" not in rival_html

    path = f"/listings/{record_id}/intents/{intent.id}/withdraw"
    assert market.page_client(rival).post(path).status_code == 404
    other = market.listing(seller, "announced")
    assert client.post(f"/listings/{other}/intents/{intent.id}/withdraw").status_code == 404
    response = client.post(path + "?lang=en")
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]
    assert market.intents(record_id)[0].status == "withdrawn"
    assert market.listing_history(record_id)[-1][:4] == (
        "withdraw_intent", None, None, buyer.id)


def test_an_intent_on_a_listed_listing_opens_the_negotiation(market):
    seller = market.user("institute")
    buyer = market.user("enterprise")
    record_id = market.listing(seller, "listed")
    client = market.page_client(buyer)
    response = client.post(f"/listings/{record_id}/intents?lang=en",
                           data={"statement": "我公司有意受让。", "offered_price": ""})
    assert response.status_code == 302
    [(category, message)] = flashes(client)
    assert category == "success" and "negotiation" in message
    assert market.listing_status(record_id) == "negotiating"
    assert [e[0] for e in market.listing_history(record_id)[-2:]] == ["intent", "engage"]


def test_the_seller_declines_an_intent_saying_why(market):
    seller = market.user("institute")
    buyer = market.user("enterprise")
    record_id = market.listing(seller, "announced", buyers=())
    intent_id = market.intent(record_id, buyer)
    client = market.page_client(seller)
    _, html = page(client, f"/listings/{record_id}")
    assert "Decline this buyer" in html
    prefix = f"intent-{intent_id}"

    refused = client.post(f"/listings/{record_id}/intents/{intent_id}/decline?lang=en",
                          data={f"{prefix}-reason": "maturity", f"{prefix}-comment": " "})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Say why" in field_errors(html, f"{prefix}-comment")
    assert selected(html, f"{prefix}-reason") == "maturity"
    assert market.intents(record_id)[0].status == "active"

    response = client.post(f"/listings/{record_id}/intents/{intent_id}/decline?lang=en",
                           data={f"{prefix}-reason": "fit", f"{prefix}-comment": "经营范围不符。"})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]
    intent = market.intents(record_id)[0]
    assert (intent.status, intent.reason, intent.decision_comment) == (
        "declined", "fit", "经营范围不符。")
    assert market.listing_history(record_id)[-1] == (
        "decline_intent", None, None, seller.id, "经营范围不符。")
    _, html = page(market.page_client(buyer), f"/listings/{record_id}")
    assert "Declined by the seller" in html and "Fit with the need" in html
    assert "经营范围不符。" in html
    assert market.page_client(buyer).post(
        f"/listings/{record_id}/intents/{intent_id}/decline",
        data={f"{prefix}-reason": "fit", f"{prefix}-comment": "x"}).status_code == 403


# --- bidding -------------------------------------------------------------------------------------

def test_the_bidding_panel_carries_what_the_script_needs(market, client):
    seller = market.user("institute")
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    record_id = market.listing(seller, "bidding", buyers=(buyer, rival))
    response, html = page(market.page_client(None), f"/listings/{record_id}")
    assert response.status_code == 200
    record = market.get_listing(record_id)
    assert "data-bidding-panel" in html
    assert f'data-status-url="/api/v1/listings/{record_id}"' in html
    assert f'data-seconds-left="{5 * 86400 - 1}"' in html
    assert f'data-ends-at="{record.bidding_ends_at.isoformat()}"' in html
    for attribute in ("data-best-bid", "data-min-next-bid", "data-bid-count", "data-countdown",
                      "data-bidding-notice", "data-reload", "data-text-closed",
                      "data-text-days", "data-text-extended"):
        assert attribute in html, attribute
    assert 'data-text-days="%(days)s d %(time)s"' in html
    assert 'data-amount="1000000.00"' in html  # the minimum next bid: the reserve
    assert "4 d 23:59:59" in html
    assert re.search(r"js/bidding\.[0-9a-f]{8}\.js", html) and "<script>" not in html
    assert 'name="amount"' not in html  # a visitor does not bid
    _, html = page(market.page_client(buyer), f"/listings/{record_id}")
    assert 'name="amount"' in html and "Place the bid" in html

    data = client.get(f"/api/v1/listings/{record_id}").get_json()
    assert (data["status"], data["best_bid"], data["min_next_bid"], data["bid_count"],
            data["bidding_seconds_left"]) == ("bidding", None, "1000000.00", 0, 5 * 86400 - 1)
    assert data["bidding_ends_at"]


def test_bids_through_the_page(market):
    seller = market.user("institute")
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    record_id = market.listing(seller, "bidding", buyers=(buyer, rival))
    client = market.page_client(buyer)

    refused = client.post(f"/listings/{record_id}/bids?lang=en", data={"amount": "900000"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "lowest bid is 1,000,000.00" in field_errors(html, "amount")
    assert input_value(html, "amount") == "900000"
    assert market.bids(record_id) == []

    response = client.post(f"/listings/{record_id}/bids?lang=en", data={"amount": "1000000"})
    assert response.status_code == 302
    [(category, message)] = flashes(client)
    assert category == "success" and "¥1,000,000.00" in message
    assert market.bids(record_id) == [(1, money(1000000), buyer.organization_id)]
    assert market.listing_history(record_id)[-1][:4] == ("bid", None, None, buyer.id)

    rival_client = market.page_client(rival)
    refused = rival_client.post(f"/listings/{record_id}/bids?lang=en",
                                data={"amount": "1020000"})
    assert refused.status_code == 422
    assert "1,050,000.00" in field_errors(refused.get_data(as_text=True), "amount")
    assert rival_client.post(f"/listings/{record_id}/bids",
                             data={"amount": "1050000.00"}).status_code == 302
    _, html = page(client, f"/listings/{record_id}")
    assert 'data-amount="1050000.00"' in html and 'data-amount="1100000.00"' in html
    assert element_text(html, "bids-heading") == "Bids"

    assert market.page_client(seller).post(f"/listings/{record_id}/bids",
                                           data={"amount": "2000000"}).status_code == 403
    assert market.page_client(None).post(f"/listings/{record_id}/bids",
                                         data={"amount": "2000000"}).status_code == 302
    assert len(market.bids(record_id)) == 2


def test_a_bid_after_the_window_closed_is_a_flash(market):
    seller = market.user("institute")
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    record_id = market.listing(seller, "bidding", buyers=(buyer, rival),
                               bids=((rival, Decimal("1000000")),))
    market.clock.set(market.get_listing(record_id).bidding_ends_at + timedelta(seconds=1))
    client = market.page_client(buyer)
    response = client.post(f"/listings/{record_id}/bids?lang=en", data={"amount": "1200000"})
    assert response.status_code == 302
    [(category, message)] = flashes(client)
    assert category == "warning" and "Bidding is not open" in message
    assert market.listing_status(record_id) == "awarded"
    assert len(market.bids(record_id)) == 1


# --- confirming the deal -------------------------------------------------------------------------

def test_a_negotiated_deal_is_priced_and_confirmed_by_both_sides(market):
    seller = market.user("institute")
    buyer = market.user("enterprise")
    record_id = market.listing(seller, "negotiating", buyers=(buyer,), asking_price=None)
    buyer_client, seller_client = market.page_client(buyer), market.page_client(seller)
    _, html = page(buyer_client, f"/listings/{record_id}")
    assert "The seller names the agreed price first" in html
    _, html = page(seller_client, f"/listings/{record_id}")
    assert 'name="price"' in html and "Name the price and confirm" in html
    assert "Confirm or decline the deal below." in html

    refused = seller_client.post(f"/listings/{record_id}/confirm?lang=en", data={"price": ""})
    assert refused.status_code == 422
    assert "Name the price" in field_errors(refused.get_data(as_text=True), "price")
    refused = seller_client.post(f"/listings/{record_id}/confirm?lang=en",
                                 data={"price": "-5"})
    assert refused.status_code == 422
    assert input_value(refused.get_data(as_text=True), "price") == "-5"

    response = seller_client.post(f"/listings/{record_id}/confirm?lang=en",
                                  data={"price": "1300000"})
    assert response.status_code == 302
    assert [c for c, _ in flashes(seller_client)] == ["success"]
    record = market.get_listing(record_id)
    assert record.agreed_price == money(1300000) and record.seller_confirmed_at
    assert [e[0] for e in market.listing_history(record_id)[-2:]] == ["set_price", "confirm"]

    _, html = page(buyer_client, f"/listings/{record_id}")
    assert "Confirm the deal at ¥1,300,000.00" in html
    response = buyer_client.post(f"/listings/{record_id}/confirm?lang=en", data={})
    assert response.status_code == 302
    [(category, message)] = flashes(buyer_client)
    deal = market.deal(record_id)
    assert category == "success" and deal.certificate_number in message
    assert market.listing_status(record_id) == "dealt"
    assert market.listing_history(record_id)[-1][:4] == (
        "deal", "negotiating", "dealt", buyer.id)

    for client in (seller_client, buyer_client):
        _, html = page(client, f"/listings/{record_id}")
        assert f'href="/deals/{deal.id}"' in html
        assert f'href="/contracts/{deal.contract_id}"' in html
    _, html = page(market.page_client(None), f"/listings/{record_id}")
    assert "The deal" in html and f'href="/deals/{deal.id}"' not in html
    assert "¥1,300,000.00" in html  # announced to the public for a few working days
    market.clock.set(market.clock.now() + timedelta(days=30))
    _, html = page(market.page_client(None), f"/listings/{record_id}")
    assert "The deal" in html and "¥1,300,000.00" not in html


def test_the_winner_declines_an_award_saying_why(market):
    seller = market.user("institute")
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    record_id = market.listing(seller, "awarded", buyers=(buyer, rival))
    client = market.page_client(buyer)
    _, html = page(client, f"/listings/{record_id}")
    assert "Confirm the award" in html and "recorded in its credit record" in html
    assert market.page_client(rival).post(f"/listings/{record_id}/confirm").status_code == 403

    refused = client.post(f"/listings/{record_id}/decline?lang=en",
                          data={"deal-reason": "price", "deal-comment": ""})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Say why" in field_errors(html, "deal-comment")
    assert selected(html, "deal-reason") == "price"
    assert market.listing_status(record_id) == "awarded"

    response = client.post(f"/listings/{record_id}/decline?lang=en",
                           data={"deal-reason": "price", "deal-comment": "预算调整。"})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]
    assert market.listing_status(record_id) == "failed"
    assert market.listing_history(record_id)[-1] == (
        "decline", "awarded", "failed", buyer.id, "预算调整。")
    _, html = page(market.page_client(seller), f"/listings/{record_id}")
    assert "ended without a deal" in html and "预算调整。" in html


# --- my trading ----------------------------------------------------------------------------------

def test_my_trading_for_an_institute(market):
    seller = market.user("institute")
    dealt = market.listing(seller, "dealt")
    draft = market.listing(seller, "draft")
    announced = market.listing(seller, "announced")
    free = market.registered(seller)
    response, html = page(market.page_client(seller), "/listings/mine")
    assert response.status_code == 200
    for state, record_id in (("draft", draft), ("announced", announced), ("dealt", dealt)):
        assert element_text(html, f"group-{state}").startswith(
            {"draft": "Draft", "announced": "Announced", "dealt": "Dealt"}[state])
        assert shown(html, title_of(market, record_id))
    assert "Check it and submit it for review." in html
    assert "0 qualified intents so far" in html
    assert f'href="/deals/{market.deal(dealt).id}"' in html
    assert f"/listings/new?achievement={free}" in html


def test_my_trading_for_an_enterprise(market):
    seller = market.user("institute")
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    dealt = market.listing(seller, "dealt", buyers=(buyer, rival))
    bidding = market.listing(seller, "announced")
    negotiating = market.listing(seller, "announced")
    for record_id, bidders in ((bidding, (buyer, rival)), (negotiating, (buyer,))):
        for user in bidders:
            market.intent(record_id, user)
    market.end_announcement(bidding)
    market.run(trading.place_bid, bidding, Decimal("1000000"), buyer)
    announced = market.listing(seller, "announced")
    market.intent(announced, buyer, offered_price="1250000")
    assert [market.listing_status(i) for i in (bidding, negotiating)] == [
        "bidding", "negotiating"]

    response, html = page(market.page_client(buyer), "/listings/mine")
    assert response.status_code == 200
    awaiting = html[html.index('id="awaiting-heading"'):html.index('id="bidding-heading"')]
    assert shown(awaiting, title_of(market, negotiating))
    bids = html[html.index('id="bidding-heading"'):html.index('id="intents-heading"')]
    assert shown(bids, title_of(market, bidding)) and "Yours" in bids
    intents = html[html.index('id="intents-heading"'):html.index('id="deals-heading"')]
    for record_id in (dealt, bidding, negotiating, announced):
        assert shown(intents, title_of(market, record_id))
    assert "¥1,250,000.00" in intents
    assert f'href="/deals/{market.deal(dealt).id}"' in html

    _, html = page(market.page_client(rival), "/listings/mine")
    bids = html[html.index('id="bidding-heading"'):html.index('id="intents-heading"')]
    assert "Another buyer’s" in text(bids)


@pytest.mark.parametrize("role, status", [("broker", 403), ("bureau", 403), ("admin", 403),
                                          (None, 302)])
def test_my_trading_is_for_institutes_and_enterprises(market, role, status):
    user = market.user(role) if role else None
    assert market.page_client(user).get("/listings/mine").status_code == status


# --- languages -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, html_lang", [("zh", "zh-CN"), ("en", "en")])
def test_the_pages_render_in_both_languages(market, lang, html_lang):
    seller = market.user("institute")
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    record_id = market.listing(seller, "bidding", buyers=(buyer, rival))
    draft = market.listing(seller, "draft")
    title = title_of(market, record_id)
    seller_client, buyer_client = market.page_client(seller), market.page_client(buyer)
    for client, path, expected in (
            (market.page_client(None), "/listings", title),
            (market.page_client(None), f"/listings/{record_id}", title),
            (buyer_client, f"/listings/{record_id}", 'name="amount"'),
            (buyer_client, "/listings/mine", title),
            (seller_client, "/listings/mine", title),
            (seller_client, "/listings/new", 'name="achievement_id"'),
            (seller_client, f"/listings/{draft}/edit", 'name="reserve_price"')):
        response, html = page(client, path, lang)
        assert response.status_code == 200, path
        assert f'<html lang="{html_lang}"' in html and expected in html, path
