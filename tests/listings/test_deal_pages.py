"""The deal pages: the public deal announcements while they last, a user's deals, the deal
confirmation and the transaction certificate for the parties, their brokers and the bureau
only, and the public verification of both numbers (page and API)."""
import re
from datetime import datetime, time, timedelta

import pytest
from listing_helpers import money

from marketplace import clock as market_clock
from tests.pages import element_text, text

# Who sees a deal's papers: the seller's and the winning buyer's members, the seller's broker
# on the deal, and the officers; the losing bidder, other members and brokers do not.
PAPERS = {"seller": 200, "buyer": 200, "rival": 404, "institute": 404, "deal_broker": 200,
          "broker": 404, "bureau": 200, "admin": 200, "visitor": "login"}


@pytest.fixture
def dealt(market):
    """A dealt listing: the buyer outbid the rival; the seller's broker is on the deal."""
    people = market.people()
    people["deal_broker"] = market.user("broker")
    listing_id = market.listing(
        people["seller"], "dealt", buyers=(people["buyer"], people["rival"]),
        bids=((people["rival"], "1000000.00"), (people["buyer"], "1250000.00")),
        seller_broker_id=people["deal_broker"].id, seller_broker_commission="30000.00")
    deal = market.deal(listing_id)
    return people, listing_id, deal


def orgs(market, *users):
    """(name, credit code) of each user's organisation."""
    return [market.run(lambda u: (u.organization.name, u.organization.credit_code), user)
            for user in users]


def expect(response, answer):
    if answer == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == answer


def end_of_announcement(market, deal):
    """The market clock on the first day after the announcement."""
    day = deal.announcement_until + timedelta(days=1)
    market.clock.set(datetime.combine(day, time(9), market_clock.LOCAL_TZ))


# --- who sees what -------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(PAPERS))
def test_the_confirmation_and_certificate_are_for_the_deal_s_people(market, dealt, role):
    people, _listing_id, deal = dealt
    client = market.page_client(people[role])
    for url in (f"/deals/{deal.id}", f"/deals/{deal.id}/certificate"):
        response = client.get(url)
        expect(response, PAPERS[role])
        if PAPERS[role] != 200:
            assert deal.certificate_number not in response.get_data(as_text=True)
    if role != "visitor":
        assert client.get("/deals/999999").status_code == 404
        assert client.get("/deals/999999/certificate").status_code == 404


@pytest.mark.parametrize("role", list(PAPERS))
def test_my_deals_lists_one_s_own_deals(market, dealt, role):
    people, _listing_id, deal = dealt
    other_seller = market.user("institute")
    other_listing = market.listing(other_seller, "dealt")
    other = market.deal(other_listing)
    response = market.page_client(people[role]).get("/deals/mine?lang=en")
    if role == "visitor":
        expect(response, "login")
        return
    assert response.status_code == 200
    listed = set(re.findall(r'id="deal-(\d+)"', response.get_data(as_text=True)))
    officer = role in ("bureau", "admin")
    expected = {str(deal.id), str(other.id)} if officer else \
        {str(deal.id)} if PAPERS[role] == 200 else set()
    assert listed == expected


def test_my_deals_says_which_part_one_played(market, dealt):
    people, _listing_id, deal = dealt
    for role, part in (("seller", "Seller"), ("buyer", "Buyer"),
                       ("deal_broker", "Seller’s broker")):
        html = text(market.page_client(people[role]).get("/deals/mine?lang=en")
                    .get_data(as_text=True))
        row = element_text(html, f"deal-{deal.id}")
        assert part in row and deal.confirmation_number in row, (role, row)
        assert f'href="/deals/{deal.id}/certificate"' in html


@pytest.mark.parametrize("role", list(PAPERS))
def test_the_announcements_are_public_while_they_last(market, dealt, role):
    people, _listing_id, deal = dealt
    client = market.page_client(people[role])
    html = text(client.get("/deals?lang=en").get_data(as_text=True))
    assert re.findall(r'id="deal-(\d+)"', html) == [str(deal.id)]
    assert client.get(f"/deals/{deal.id}/announcement").status_code == 200
    end_of_announcement(market, deal)
    html = client.get("/deals?lang=en").get_data(as_text=True)
    assert re.findall(r'id="deal-(\d+)"', html) == []
    assert "No deal is being announced now." in html
    assert client.get(f"/deals/{deal.id}/announcement").status_code == 404
    assert client.get("/deals/999999/announcement").status_code == 404


# --- what the pages say ----------------------------------------------------------------------

def test_the_announcement_list_and_page_give_the_public_facts(market, dealt):
    people, listing_id, deal = dealt
    visitor = market.page_client(None)
    (seller, _), (buyer, _) = orgs(market, people["seller"], people["buyer"])
    title = market.get(market.get_listing(listing_id).achievement_id).title
    html = text(visitor.get("/deals?lang=en").get_data(as_text=True))
    row = element_text(html, f"deal-{deal.id}")
    until = market.run(lambda: deal.announcement_until.isoformat())
    for fact in (title, seller, buyer, "Assignment", "¥1,250,000.00", deal.certificate_number):
        assert fact in row, fact
    assert f'<time datetime="{until}">' in html
    assert f'href="/deals/{deal.id}/announcement"' in html
    html = text(visitor.get(f"/deals/{deal.id}/announcement?lang=en").get_data(as_text=True))
    facts = element_text(html, "announcement-facts")
    for fact in (title, seller, buyer, "Assignment", "¥1,250,000.00", deal.certificate_number):
        assert fact in facts, fact
    assert deal.confirmation_number not in html and deal.verification_code not in html
    assert f'href="/listings/{listing_id}"' in html
    zh = text(visitor.get(f"/deals/{deal.id}/announcement?lang=zh").get_data(as_text=True))
    assert "125 万元" in zh


def test_the_confirmation_has_parties_terms_brokers_and_links(market, dealt):
    people, listing_id, deal = dealt
    (seller, seller_code), (buyer, buyer_code) = orgs(market, people["seller"],
                                                     people["buyer"])
    achievement = market.get(market.get_listing(listing_id).achievement_id)
    html = text(market.page_client(people["seller"]).get(f"/deals/{deal.id}?lang=en")
                .get_data(as_text=True))
    assert f"No. {deal.confirmation_number}" in html
    parties = element_text(html, "deal-parties")
    for fact in (seller, seller_code, buyer, buyer_code,
                 market.broker_name(people["deal_broker"]), "Commission: ¥30,000.00"):
        assert fact in parties, fact
    seller_at = market.run(lambda: deal.seller_confirmed_at.isoformat())
    assert f'<time datetime="{seller_at}">' in html
    facts = element_text(html, "deal-facts")
    for fact in (achievement.title, achievement.registration_number, "Assignment",
                 "¥1,250,000.00", deal.certificate_number):
        assert fact in facts, fact
    assert f'href="/contracts/{deal.contract_id}"' in html
    assert f'href="/deals/{deal.id}/certificate"' in html
    assert f'href="/listings/{listing_id}"' in html
    assert deal.verification_code in html
    assert f"http://localhost/verify/{deal.confirmation_number}?code=" \
           f"{deal.verification_code}" in html
    assert 'href="/static/css/deals.' in html and "data-print" in html
    assert "<script>" not in html and " style=" not in html  # CSP: nothing inline


def test_the_contract_link_is_for_those_who_may_read_the_contract(market, dealt):
    people, _listing_id, deal = dealt
    # The broker on the deal is the one its contract names: it reads the contract too.
    for role, shown in (("seller", True), ("buyer", True), ("bureau", True),
                        ("deal_broker", True)):
        html = market.page_client(people[role]).get(f"/deals/{deal.id}").get_data(
            as_text=True)
        assert (f'href="/contracts/{deal.contract_id}"' in html) is shown, role


def test_a_licence_shows_its_term_and_territory(market):
    seller = market.user("institute")
    listing_id = market.listing(seller, "dealt", transfer_mode="licence_exclusive",
                                licence_term_years=5, licence_territory="山西省")
    deal = market.deal(listing_id)
    client = market.page_client(seller)
    for url in (f"/deals/{deal.id}", f"/deals/{deal.id}/certificate",
                f"/deals/{deal.id}/announcement"):
        html = text(client.get(url + "?lang=en").get_data(as_text=True))
        assert "Exclusive licence" in html and "5 years" in html, url
        assert "territory: 山西省" in html, url


def test_the_certificate_carries_number_code_and_qr_code(market, dealt):
    people, _listing_id, deal = dealt
    (seller, seller_code), (buyer, _) = orgs(market, people["seller"], people["buyer"])
    html = text(market.page_client(people["buyer"]).get(
        f"/deals/{deal.id}/certificate?lang=en").get_data(as_text=True))
    assert f"Certificate No. {deal.certificate_number}" in html
    assert "Technology Transaction Certificate" in html
    assert deal.verification_code in html and deal.confirmation_number in html
    assert seller in html and seller_code in html and buyer in html
    assert "¥1,250,000.00" in html
    url = f"http://localhost/verify/{deal.certificate_number}?code={deal.verification_code}"
    assert url in html
    assert re.search(r'<img class="certificate-qr" src="data:image/svg\+xml', html)
    assert 'href="/static/css/certificate.' in html
    assert "<script>" not in html and " style=" not in html


def test_the_certificate_numbers_have_their_layout(market, dealt):
    _people, _listing_id, deal = dealt
    assert re.fullmatch(r"2026\d{6}", deal.confirmation_number)
    assert re.fullmatch(r"2026\d{10}", deal.certificate_number)


# --- verification --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["confirmation", "certificate"])
def test_the_verification_page_checks_both_numbers(market, dealt, kind):
    people, listing_id, deal = dealt
    number = getattr(deal, f"{kind}_number")
    code = deal.verification_code
    (seller, _), (buyer, _) = orgs(market, people["seller"], people["buyer"])
    title = market.get(market.get_listing(listing_id).achievement_id).title
    visitor = market.page_client(None)
    ok = visitor.get(f"/verify/{number}?code={code}&lang=en")
    assert ok.status_code == 200
    html = text(ok.get_data(as_text=True))
    heading = "Genuine deal confirmation" if kind == "confirmation" else \
        "Genuine transaction certificate"
    assert heading in html
    facts = element_text(html, "verified-facts")
    for fact in (title, seller, buyer, "Assignment", "¥1,250,000.00",
                 deal.confirmation_number, deal.certificate_number):
        assert fact in facts, fact
    assert visitor.get(f"/verify/{number}?code={code.lower()}%20").status_code == 200
    wrong = "A" * 8 if code != "A" * 8 else "B" * 8
    unknown = number[:-1] + ("9" if number[-1] != "9" else "8")
    for url in (f"/verify/{number}?code={wrong}", f"/verify/{unknown}?code={code}",
                f"/verify/{number}0?code={code}"):
        response = visitor.get(url)
        assert response.status_code == 404, url
        assert title not in response.get_data(as_text=True)
    form = visitor.get(f"/verify/{number}")
    assert form.status_code == 200 and 'name="code"' in form.get_data(as_text=True)
    assert title not in form.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["confirmation", "certificate"])
def test_the_api_verifies_both_numbers(market, client, dealt, kind):
    people, listing_id, deal = dealt
    number = getattr(deal, f"{kind}_number")
    code = deal.verification_code
    (seller, _), (buyer, _) = orgs(market, people["seller"], people["buyer"])
    title = market.get(market.get_listing(listing_id).achievement_id).title
    response = client.get(f"/api/v1/verify/{number}?code={code}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body == {
        "kind": f"deal_{kind}", "registration_number": number, "status": "dealt",
        "title": title, "seller": seller, "buyer": buyer, "transfer_mode": "assignment",
        "price": "1250000.00", "confirmation_number": deal.confirmation_number,
        "certificate_number": deal.certificate_number,
        "registered_at": body["registered_at"]}
    assert money(body["price"]) == money("1250000")
    assert client.get(f"/api/v1/verify/{number}?code={code.lower()}").status_code == 200
    wrong = "A" * 8 if code != "A" * 8 else "B" * 8
    unknown = number[:-1] + ("9" if number[-1] != "9" else "8")
    for url in (f"/api/v1/verify/{number}?code={wrong}",
                f"/api/v1/verify/{unknown}?code={code}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["code"] == "not_found"
        assert title not in response.get_data(as_text=True)
    assert client.get(f"/api/v1/verify/{number}").status_code == 422
