"""The bureau's listing pages: who may open them, the review queue and the running listings,
the review page, every decision taken through it (with the comment each needs, next to its
field), intents disqualified, and a listing found by search once approved and gone once it
ends."""
import re
from datetime import timedelta

import pytest
from achievement_helpers import flashes
from listing_helpers import listing_data

from marketplace.codes import REGIONS
from marketplace.listings import services
from marketplace.search import sync
from tests.factories import PASSWORD
from tests.pages import element_text, field_errors, input_value, text

COMMENT = "权属证明材料不全，请补充。"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return text(response.get_data(as_text=True))


def history(market, listing_id):
    """(action, from, to, actor, comment) of the listing's audit entries, oldest first."""
    return market.listing_history(listing_id)


@pytest.fixture
def people(market):
    return market.people()


# --- who may open what ---------------------------------------------------------------------

# role -> the answer to a page of the bureau (403: logged in, not an officer)
PAGE_ANSWERS = {"seller": 403, "buyer": 403, "rival": 403, "institute": 403, "broker": 403,
                "bureau": 200, "admin": 200, "visitor": "login"}


def expect(response, answer):
    if answer == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == answer


@pytest.mark.parametrize("role", list(PAGE_ANSWERS))
def test_the_bureau_pages_are_for_officers(market, people, role):
    listing_id = market.listing(people["seller"], "pending_review")
    client = market.page_client(people[role])
    for url in ("/bureau/listings", "/bureau/listings?state=running",
                f"/bureau/listings/{listing_id}"):
        expect(client.get(url), PAGE_ANSWERS[role])
    if PAGE_ANSWERS[role] == 200:
        assert client.get("/bureau/listings/999999").status_code == 404


@pytest.mark.parametrize("role", ["seller", "buyer", "institute", "broker", "visitor"])
def test_no_decision_is_taken_by_others(market, people, role):
    pending = market.listing(people["seller"], "pending_review")
    announced = market.listing(people["seller"], "announced")
    intent_id = market.intent(announced, people["buyer"])
    client = market.page_client(people[role])
    answer = "login" if role == "visitor" else 403
    expect(client.post(f"/bureau/listings/{pending}",
                       data={"decision": "approve", "comment": ""}), answer)
    for action in ("pause", "terminate", "resume"):
        expect(client.post(f"/bureau/listings/{announced}/{action}",
                           data={"comment": COMMENT}), answer)
    expect(client.post(f"/bureau/listings/{announced}/intents/{intent_id}/disqualify",
                       data={f"intent-{intent_id}-comment": COMMENT}), answer)
    assert market.listing_status(pending) == "pending_review"
    assert market.listing_status(announced) == "announced"
    assert market.intents(announced)[0].status == "active"


def test_the_admin_looks_but_does_not_decide(market, people):
    pending = market.listing(people["seller"], "pending_review")
    announced = market.listing(people["seller"], "announced")
    intent_id = market.intent(announced, people["buyer"])
    admin = market.page_client(people["admin"])
    for listing_id in (pending, announced):
        html = page(admin, f"/bureau/listings/{listing_id}?lang=en")
        assert "Only science bureau officers decide on listings." in html
        assert "Record the decision" not in html and "/pause" not in html
        assert "/disqualify" not in html
    assert admin.post(f"/bureau/listings/{pending}",
                      data={"decision": "approve"}).status_code == 403
    assert admin.post(f"/bureau/listings/{announced}/pause",
                      data={"comment": COMMENT}).status_code == 403
    assert admin.post(f"/bureau/listings/{announced}/intents/{intent_id}/disqualify",
                      data={f"intent-{intent_id}-comment": COMMENT}).status_code == 403
    assert market.listing_status(pending) == "pending_review"
    assert market.listing_status(announced) == "announced"


# --- the queue -------------------------------------------------------------------------------

def test_the_queue_lists_submissions_oldest_first_with_age_and_changes(market, people, clock):
    seller = people["seller"]
    first = market.listing(seller, "pending_review")
    clock.advance(days=3)
    changed = market.listing(seller, "announced")
    market.run(services.change, changed, listing_data(None, asking_price="1800000.00",
                                                      buyer_conditions="具备开发资质。"), seller)
    clock.advance(days=1)
    market.listing(seller, "draft")  # not submitted: not in the queue
    html = page(market.page_client(people["bureau"]), "/bureau/listings?lang=en")
    queue = element_text(html, "review-queue")
    rows = re.findall(r'id="queue-(\d+)"', html)
    assert rows == [str(first), str(changed)]
    assert "4 days" in element_text(html, f"queue-{first}")
    assert "1 day" in element_text(html, f"queue-{changed}")
    assert "Change of an announced listing" in element_text(html, f"queue-{changed}")
    assert "New listing" in element_text(html, f"queue-{first}")
    assert "2 listings await a decision. 1 of them is a change" in " ".join(html.split())
    assert queue.count("¥1,500,000.00") == 1 and "¥1,800,000.00" in queue


def test_the_running_tab_shows_period_ends_intents_and_best_bids(market, people, clock):
    seller, buyer, rival = people["seller"], people["buyer"], people["rival"]
    bidding = market.listing(seller, "bidding", buyers=(buyer, rival),
                             bids=((rival, "1000000.00"), (buyer, "1100000.00")))
    paused = market.listing(seller, "paused")
    announced = market.listing(seller, "announced")  # last: the others move the clock
    market.intent(announced, buyer)
    pending = market.listing(seller, "pending_review")
    client = market.page_client(people["bureau"])
    html = page(client, "/bureau/listings?state=running&lang=en")
    shown = set(re.findall(r'id="running-(\d+)"', html))
    assert shown == {str(announced), str(bidding), str(paused)}
    assert str(pending) not in shown
    row = element_text(html, f"running-{bidding}")
    assert "Bidding" in row and "¥1,100,000.00" in row and "2 bids" in row
    assert "Bidding ends" in row
    assert "Announcement ends" in element_text(html, f"running-{announced}")
    assert re.search(rf'id="running-{announced}".*?<td class="text-end running-intents">1</td>',
                     html, re.S)
    assert "Paused since" in element_text(html, f"running-{paused}")
    html = page(client, "/bureau/listings?state=bidding&lang=en")
    assert set(re.findall(r'id="running-(\d+)"', html)) == {str(bidding)}
    html = page(client, "/bureau/listings?state=nonsense&lang=en")
    assert re.findall(r'id="queue-(\d+)"', html) == [str(pending)]


def test_the_queue_applies_timed_moves_first(market, people, clock):
    listing_id = market.listing(people["seller"], "announced")
    clock.set(market.get_listing(listing_id).announcement_ends_at + timedelta(seconds=1))
    html = page(market.page_client(people["bureau"]), "/bureau/listings?state=listed&lang=en")
    assert re.findall(r'id="running-(\d+)"', html) == [str(listing_id)]
    assert market.listing_status(listing_id) == "listed"


# --- the review page -------------------------------------------------------------------------

def test_the_review_page_shows_everything_needed_to_decide(market, people):
    seller, broker = people["seller"], people["broker"]
    listing_id = market.listing(seller, "pending_review", transfer_mode="licence_exclusive",
                                licence_term_years=5, licence_territory="山西省",
                                seller_broker_id=broker.id,
                                seller_broker_commission="30000.00")
    record = market.get_listing(listing_id)
    achievement = market.get(record.achievement_id)
    html = page(market.page_client(people["bureau"]), f"/bureau/listings/{listing_id}?lang=en")
    assert f'href="/bureau/achievements/{achievement.id}"' in html
    assert achievement.registration_number in html
    assert "Verified by the science bureau" in element_text(html, "seller-verified")
    terms = element_text(html, "listing-terms")
    for fact in ("Exclusive licence", "5 years", "山西省", "¥1,500,000.00", "¥1,000,000.00",
                 "¥50,000.00", "Announcement: 15 days", "具备煤层气开发资质的企业",
                 market.broker_name(broker), "¥30,000.00"):
        assert fact in terms, fact
    assert "Submitted" in element_text(html, "listing-dates")
    assert 'name="decision"' in html and 'name="comment"' in html
    assert input_value(html, "version") == str(record.version)
    history_table = html[html.index('id="history-heading"'):]
    assert "created" in history_table and "submitted for review" in history_table
    assert "A change of an announced listing" not in html


def test_the_review_page_of_a_change_says_what_changed(market, people):
    seller = people["seller"]
    listing_id = market.listing(seller, "announced")
    market.run(services.change, listing_id,
               listing_data(None, asking_price="1800000.00", reserve_price="900000.00",
                            buyer_conditions="具备开发资质。"), seller)
    html = page(market.page_client(people["bureau"]), f"/bureau/listings/{listing_id}?lang=en")
    assert "A change of an announced listing" in html
    assert "Changed: Asking price, Buyer conditions, Reserve price" in " ".join(
        re.sub(r"<[^>]+>", "", html).split())
    table = re.search(r'<table class="table table-sm mb-0 change-table">.*?</table>', html,
                      re.S).group(0)
    assert re.search(r"Asking price</th>\s*<td[^>]*>¥1,500,000.00</td>\s*<td[^>]*>"
                     r"¥1,800,000.00</td>", table)
    assert re.search(r"Reserve price</th>\s*<td[^>]*>¥1,000,000.00</td>\s*<td[^>]*>"
                     r"¥900,000.00</td>", table)


def test_a_change_to_negotiable_shows_it(market, people):
    seller = people["seller"]
    listing_id = market.listing(seller, "announced")
    market.run(services.change, listing_id, listing_data(None, asking_price=None), seller)
    html = page(market.page_client(people["bureau"]), f"/bureau/listings/{listing_id}?lang=en")
    assert re.search(r"Asking price</th>\s*<td[^>]*>¥1,500,000.00</td>\s*<td[^>]*>"
                     r"Negotiable</td>", html)


def test_the_review_page_shows_intents_bids_and_the_deal(market, people):
    seller, buyer, rival = people["seller"], people["buyer"], people["rival"]
    listing_id = market.listing(seller, "dealt", buyers=(buyer, rival),
                                bids=((rival, "1000000.00"), (buyer, "1100000.00")))
    deal = market.deal(listing_id)
    html = page(market.page_client(people["bureau"]), f"/bureau/listings/{listing_id}?lang=en")
    intents = element_text(html, "intents-heading")
    assert intents.endswith("2")
    assert "我公司具备煤层气开发资质" in html and "Qualified" in html
    bids = element_text(html, "bids")
    assert re.search(r"2 ¥1,100,000.00 \S+ .*1 ¥1,000,000.00", bids)
    assert f'href="/deals/{deal.id}"' in html and deal.confirmation_number in html
    assert "This listing has ended; there is nothing to decide." in html
    assert "/disqualify" not in html  # intents are decided while announced only


# --- decisions through the page --------------------------------------------------------------

def test_approving_announces_the_listing(market, people):
    listing_id = market.listing(people["seller"], "pending_review")
    officer = people["bureau"]
    client = market.page_client(officer)
    version = input_value(page(client, f"/bureau/listings/{listing_id}"), "version")
    response = client.post(f"/bureau/listings/{listing_id}",
                           data={"decision": "approve", "comment": "", "version": version})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bureau/listings")
    assert [c for c, _ in flashes(client)] == ["success"]
    assert market.listing_status(listing_id) == "announced"
    assert market.get_listing(listing_id).announcement_ends_at is not None
    assert history(market, listing_id)[-1] == ("approve", "pending_review", "announced",
                                               officer.id, None)


@pytest.mark.parametrize(("decision", "state"), [("return", "returned"),
                                                 ("reject", "rejected")])
def test_return_and_reject_need_a_comment_beside_the_field(market, people, decision, state):
    listing_id = market.listing(people["seller"], "pending_review")
    officer = people["bureau"]
    client = market.page_client(officer)
    response = client.post(f"/bureau/listings/{listing_id}?lang=en",
                           data={"decision": decision, "comment": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "comment") == "Say why; the applicant will see it."
    assert re.search(rf'<option selected value="{decision}">|<option value="{decision}" '
                     r"selected>", html)  # what was chosen stays chosen
    assert market.listing_status(listing_id) == "pending_review"
    response = client.post(f"/bureau/listings/{listing_id}",
                           data={"decision": decision, "comment": COMMENT})
    assert response.status_code == 302
    assert market.listing_status(listing_id) == state
    assert history(market, listing_id)[-1] == (decision, "pending_review", state, officer.id,
                                               COMMENT)


def test_a_decision_on_a_stale_page_is_refused(market, people):
    listing_id = market.listing(people["seller"], "pending_review")
    client = market.page_client(people["bureau"])
    version = input_value(page(client, f"/bureau/listings/{listing_id}"), "version")
    market.run(services.review, listing_id, "return", people["bureau"], "补正")
    response = client.post(f"/bureau/listings/{listing_id}",
                           data={"decision": "approve", "version": version})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bureau/listings/{listing_id}")
    assert [c for c, _ in flashes(client)] == ["warning"]
    assert market.listing_status(listing_id) == "returned"


def test_an_unknown_decision_is_refused_beside_the_field(market, people):
    listing_id = market.listing(people["seller"], "pending_review")
    client = market.page_client(people["bureau"])
    response = client.post(f"/bureau/listings/{listing_id}", data={"decision": "delete"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "decision")
    assert market.listing_status(listing_id) == "pending_review"


@pytest.mark.parametrize("state", ["announced", "listed", "negotiating", "bidding"])
def test_pause_resume_and_terminate_through_the_page(market, people, state):
    listing_id = market.listing(people["seller"], state)
    officer = people["bureau"]
    client = market.page_client(officer)
    html = page(client, f"/bureau/listings/{listing_id}?lang=en")
    assert f'formaction="/bureau/listings/{listing_id}/pause"' in html
    assert f'formaction="/bureau/listings/{listing_id}/terminate"' in html
    assert "/resume" not in html

    response = client.post(f"/bureau/listings/{listing_id}/pause?lang=en",
                           data={"comment": ""})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "comment") == \
        "Say why; the parties will see it."
    assert market.listing_status(listing_id) == state

    response = client.post(f"/bureau/listings/{listing_id}/pause", data={"comment": COMMENT})
    assert response.status_code == 302 and flashes(client)[0][0] == "success"
    assert market.listing_status(listing_id) == "paused"
    assert history(market, listing_id)[-1] == ("pause", state, "paused", officer.id, COMMENT)

    html = page(client, f"/bureau/listings/{listing_id}?lang=en")
    assert f'formaction="/bureau/listings/{listing_id}/resume"' in html
    assert f'formaction="/bureau/listings/{listing_id}/pause"' not in html
    response = client.post(f"/bureau/listings/{listing_id}/resume?lang=en",
                           data={"comment": " "})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "comment")
    client.post(f"/bureau/listings/{listing_id}/resume", data={"comment": "核查完毕，恢复。"})
    assert market.listing_status(listing_id) == state
    assert history(market, listing_id)[-1] == ("resume", "paused", state, officer.id,
                                               "核查完毕，恢复。")

    response = client.post(f"/bureau/listings/{listing_id}/terminate?lang=en",
                           data={"comment": ""})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "comment")
    client.post(f"/bureau/listings/{listing_id}/terminate", data={"comment": "成果权属存在争议。"})
    assert market.listing_status(listing_id) == "terminated"
    assert [c for c, _ in flashes(client)] == ["success"]
    assert history(market, listing_id)[-1] == ("terminate", state, "terminated", officer.id,
                                               "成果权属存在争议。")
    response = client.post(f"/bureau/listings/{listing_id}/pause", data={"comment": COMMENT})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["warning"]  # nothing left to pause
    assert market.listing_status(listing_id) == "terminated"


def test_a_paused_listing_can_be_terminated(market, people):
    listing_id = market.listing(people["seller"], "paused")
    client = market.page_client(people["bureau"])
    client.post(f"/bureau/listings/{listing_id}/terminate", data={"comment": COMMENT})
    assert market.listing_status(listing_id) == "terminated"


def test_an_intent_is_disqualified_with_a_reason(market, people):
    listing_id = market.listing(people["seller"], "announced")
    buyer_intent = market.intent(listing_id, people["buyer"])
    rival_intent = market.intent(listing_id, people["rival"])
    officer = people["bureau"]
    client = market.page_client(officer)
    html = page(client, f"/bureau/listings/{listing_id}?lang=en")
    for intent_id in (buyer_intent, rival_intent):
        assert f"/bureau/listings/{listing_id}/intents/{intent_id}/disqualify" in html
    url = f"/bureau/listings/{listing_id}/intents/{buyer_intent}/disqualify"
    response = client.post(url + "?lang=en", data={f"intent-{buyer_intent}-comment": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, f"intent-{buyer_intent}-comment") == \
        "Say why; the parties will see it."
    assert field_errors(html, f"intent-{rival_intent}-comment") is None
    reason = "未提供煤层气开发资质证明。"
    response = client.post(url, data={f"intent-{buyer_intent}-comment": reason})
    assert response.status_code == 302
    statuses = {i.id: i.status for i in market.intents(listing_id)}
    assert statuses == {buyer_intent: "disqualified", rival_intent: "active"}
    entry = history(market, listing_id)[-1]
    assert (entry[0], entry[3], entry[4]) == ("disqualify_intent", officer.id, reason)
    assert market.get_listing(listing_id).intents_count == 1
    html = page(client, f"/bureau/listings/{listing_id}?lang=en")
    assert "Disqualified" in element_text(html, f"intent-{buyer_intent}")
    assert reason in element_text(html, f"intent-{buyer_intent}")
    assert f"intents/{buyer_intent}/disqualify" not in html
    assert f"intents/{rival_intent}/disqualify" in html
    # Twice: the intent is no longer active.
    response = client.post(url, data={f"intent-{buyer_intent}-comment": reason})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["warning"]


def test_an_intent_of_another_listing_is_not_found(market, people):
    listing_id = market.listing(people["seller"], "announced")
    other = market.listing(market.user("institute"), "announced")
    intent_id = market.intent(other, people["buyer"])
    client = market.page_client(people["bureau"])
    response = client.post(f"/bureau/listings/{listing_id}/intents/{intent_id}/disqualify",
                           data={f"intent-{intent_id}-comment": COMMENT})
    assert response.status_code == 404
    assert client.post(f"/bureau/listings/{listing_id}/intents/999999/disqualify",
                       data={}).status_code == 404
    assert market.intents(other)[0].status == "active"


def test_intents_are_decided_while_announced_only(market, people):
    buyer, rival = people["buyer"], people["rival"]
    listing_id = market.listing(people["seller"], "bidding", buyers=(buyer, rival))
    intent_id = market.intents(listing_id)[0].id
    client = market.page_client(people["bureau"])
    html = page(client, f"/bureau/listings/{listing_id}")
    assert "/disqualify" not in html
    response = client.post(f"/bureau/listings/{listing_id}/intents/{intent_id}/disqualify",
                           data={f"intent-{intent_id}-comment": COMMENT})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["warning"]
    assert market.intents(listing_id)[0].status == "active"


def test_the_decision_forms_carry_the_csrf_token(market, people, csrf_app):
    listing_id = market.listing(people["seller"], "announced")
    intent_id = market.intent(listing_id, people["buyer"])
    client = csrf_app.test_client()
    token = input_value(client.get("/login").get_data(as_text=True), "csrf_token")
    client.post("/login", data={"username": people["bureau"].username, "password": PASSWORD,
                                "csrf_token": token})
    html = client.get(f"/bureau/listings/{listing_id}").get_data(as_text=True)
    token = input_value(html, "csrf_token")
    disqualify = f"/bureau/listings/{listing_id}/intents/{intent_id}/disqualify"
    data = {f"intent-{intent_id}-comment": COMMENT}
    assert client.post(disqualify, data=data).status_code == 400
    assert client.post(disqualify, data={**data, "csrf_token": token}).status_code == 302
    assert market.intents(listing_id)[0].status == "disqualified"
    pause = {"comment": COMMENT, "version": input_value(html, "version")}
    assert client.post(f"/bureau/listings/{listing_id}/pause", data=pause).status_code == 400
    response = client.post(f"/bureau/listings/{listing_id}/pause",
                           data={**pause, "csrf_token": token, "version": ""})
    assert response.status_code == 302
    assert market.listing_status(listing_id) == "paused"


# --- search ----------------------------------------------------------------------------------

def listing_hits(client, query):
    html = client.get(f"/search?q={query}&type=listing&lang=en").get_data(as_text=True)
    return html, re.findall(r'id="hit-listing-(\d+)"', html)


def synced(app):
    with app.app_context():
        sync()


@pytest.mark.parametrize("end", ["terminate", "withdraw", "deal"])
def test_a_listing_is_found_once_approved_and_gone_once_it_ends(app, market, people, end):
    seller = people["seller"]
    achievement_id = market.registered(seller, title="石墨烯改性导热涂料制备技术",
                                       title_en="Graphene thermal coating")
    if end == "deal":
        listing_id = market.listing(seller, "bidding", achievement_id=achievement_id,
                                    buyers=(people["buyer"], people["rival"]),
                                    bids=((people["buyer"], "1000000.00"),))
    else:
        listing_id = market.listing(seller, "pending_review", achievement_id=achievement_id)
        synced(app)
        client = market.page_client(people["bureau"])
        assert listing_hits(client, "石墨烯")[1] == []
        response = client.post(f"/bureau/listings/{listing_id}", data={"decision": "approve"})
        assert response.status_code == 302
        response.close()  # the sync runs once the response is sent
    visitor = market.page_client(None)
    synced(app)
    html, hits = listing_hits(visitor, "石墨烯")
    assert hits == [str(listing_id)]
    card = text(re.search(rf'aria-labelledby="hit-listing-{listing_id}">(.*?)</article>', html,
                          re.S).group(1))
    assert 'type-badge type-listing">Listing<' in card
    assert f'href="/listings/{listing_id}"><mark>石墨烯</mark>改性导热涂料制备技术</a>' in card
    assert "<mark>Graphene</mark> thermal coating" in card
    assert "Coal and coal-bed methane" in card  # the achievement's field
    seller_org, county = market.run(lambda u: (u.organization.name, u.organization.county),
                                    seller)
    assert seller_org in card and str(REGIONS[county]) in card
    assert "Assignment" in card and "Asking ¥1,500,000.00" in card
    state = "Bidding" if end == "deal" else "Announced"
    assert f">{state}</span>" in card
    if end == "terminate":
        client = market.page_client(people["bureau"])
        client.post(f"/bureau/listings/{listing_id}/terminate",
                    data={"comment": COMMENT}).close()
    elif end == "withdraw":
        market.run(services.withdraw, listing_id, seller)
    else:
        record = market.get_listing(listing_id)
        market.clock.set(record.bidding_ends_at + timedelta(seconds=1))
        market.tick()
        from marketplace.listings import trading

        market.run(trading.confirm, listing_id, seller)
        market.run(trading.confirm, listing_id, people["buyer"])
        assert market.listing_status(listing_id) == "dealt"
    synced(app)
    assert listing_hits(visitor, "石墨烯")[1] == []


def test_a_negotiable_listing_says_so_in_the_results(app, market, people):
    seller = people["seller"]
    achievement_id = market.registered(seller, title="煤矸石制备陶粒技术")
    listing_id = market.listing(seller, "announced", achievement_id=achievement_id,
                                asking_price=None)
    synced(app)
    html, hits = listing_hits(market.page_client(None), "陶粒")
    assert hits == [str(listing_id)]
    assert "Price negotiable" in html
