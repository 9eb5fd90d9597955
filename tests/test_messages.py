"""Message threads: who takes part in the conversations of a listing, a need and a deal, and
that nobody else can read or post in them (competing buyers and responders included); posting
notifies the other side; unread counts; the pages and the start endpoint."""
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

# The need helpers extend the listing and achievement helpers; imported under the same module
# names as in their own folders, so their counters are shared.
for _folder in ("achievements", "listings", "needs"):
    _path = str(Path(__file__).parent / _folder)
    if _path not in sys.path:
        sys.path.insert(0, _path)

from listing_helpers import notifications_of  # noqa: E402
from need_helpers import DEFAULT_MOMENT, Market  # noqa: E402

from marketplace.errors import NotFound, PermissionDenied, ValidationFailed  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings.models import Deal, Listing  # noqa: E402
from marketplace.messages import services  # noqa: E402
from marketplace.messages.models import Message, Thread  # noqa: E402
from marketplace.messages.services import Counterpart  # noqa: E402
from marketplace.needs.models import Need  # noqa: E402
from tests import factories  # noqa: E402
from tests.pages import field_errors, input_value  # noqa: E402

NEW_MESSAGE = "New message from %(sender)s about %(title)s."


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """Test users get a one-round PBKDF2 hash (scrypt costs a quarter second per login)."""
    cheap = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1")
    monkeypatch.setattr(factories, "default_password_hash", lambda: cheap)


@pytest.fixture(autouse=True)
def market_time(clock):
    clock.set(DEFAULT_MOMENT)
    return clock


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


# --- scenarios -----------------------------------------------------------------------------

@pytest.fixture
def listing_case(market):
    """An announced listing with a seller broker, and two buyers A (with a broker) and B."""
    seller = market.user("institute")
    p = {"seller": seller, "colleague": market.member_of(seller.organization_id),
         "seller_broker": market.user("broker"), "buyer_a": market.user("enterprise"),
         "broker_a": market.user("broker"), "buyer_b": market.user("enterprise"),
         "stranger": market.user("institute"), "bureau": market.bureau(),
         "admin": market.user("admin")}
    p["colleague_b"] = market.member_of(p["buyer_b"].organization_id, "enterprise")
    p["listing_id"] = market.listing(seller, "announced", seller_broker_id=p["seller_broker"].id)
    market.run(lambda u: _intent(p["listing_id"], u, p["broker_a"].id), p["buyer_a"])
    market.accept_engagement(p["broker_a"].id, "listing", p["listing_id"])  # buyer A's broker
    market.intent(p["listing_id"], p["buyer_b"])
    return p


def _intent(listing_id, user, broker_id):
    from marketplace.listings import services as listings

    return listings.register_intent(listing_id, user, "我公司具备煤层气开发资质。",
                                    broker_id=broker_id)


def start(market, user, entity, entity_id, org=None, person=None):
    """POST /messages/start as `user`; returns the response."""
    data = {"entity": entity, "entity_id": str(entity_id)}
    if org:
        data["counterpart_org"] = str(org)
    if person:
        data["counterpart_user"] = str(person)
    return market.page_client(user).post("/messages/start?lang=en", data=data)


def thread_id_of(response):
    assert response.status_code == 302, response.status_code
    return int(re.search(r"/messages/(\d+)$", response.headers["Location"]).group(1))


def post(market, user, thread_id, body):
    return market.run(services.post, thread_id, user, body)


def can_read(market, user, thread_id):
    """Whether `user` may open the thread, asked of the service."""
    try:
        market.run(services.conversation, thread_id, user)
    except NotFound:
        return False
    return True


def unread(market, user):
    return market.run(services.unread_total, user)


def thread_count(market):
    with market.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Thread))


def listed_thread_ids(market, user):
    with market.app.app_context():
        return {s.thread.id for s in services.threads_of(user, per_page=100).items}


# --- participants, per entity --------------------------------------------------------------

def test_listing_participants_are_the_seller_side_and_each_buyer_with_its_broker(market,
                                                                                 listing_case):
    p = listing_case

    def sides():
        listing = db.session.get(Listing, p["listing_id"])
        return services.listing_conversations(listing)

    conversations = market.run(sides)
    a = Counterpart(org_id=p["buyer_a"].organization_id)
    b = Counterpart(org_id=p["buyer_b"].organization_id)
    assert list(conversations) == [a, b]
    for counterpart in (a, b):
        sides_ = conversations[counterpart]
        for name in ("seller", "colleague", "seller_broker"):
            assert sides_.side_of(p[name]) == "owner", name
    assert conversations[a].side_of(p["buyer_a"]) == "other"
    assert conversations[a].side_of(p["broker_a"]) == "other"
    assert conversations[b].side_of(p["buyer_b"]) == "other"
    assert conversations[b].side_of(p["colleague_b"]) == "other"
    # Competing buyers and the other buyer's broker are not in each other's conversation.
    assert conversations[a].side_of(p["buyer_b"]) is None
    assert conversations[b].side_of(p["buyer_a"]) is None
    assert conversations[b].side_of(p["broker_a"]) is None
    for name in ("stranger", "bureau", "admin"):
        assert all(s.side_of(p[name]) is None for s in conversations.values()), name
    assert conversations[a].side_of(None) is None
    users_a = market.run(lambda: [u.id for u in conversations[a].other.users()])
    assert users_a == sorted([p["buyer_a"].id, p["broker_a"].id])


def test_buyer_a_cannot_read_the_seller_and_buyer_b_thread(market, listing_case):
    p = listing_case
    thread_id = thread_id_of(start(market, p["seller"], "listing", p["listing_id"],
                                   org=p["buyer_b"].organization_id))
    post(market, p["seller"], thread_id, "贵公司的中试条件如何？")
    for name in ("seller", "colleague", "seller_broker", "buyer_b", "colleague_b"):
        response = market.page_client(p[name]).get(f"/messages/{thread_id}?lang=en")
        assert response.status_code == 200, name
        assert "贵公司的中试条件如何？" in response.get_data(as_text=True)
    for name in ("buyer_a", "broker_a", "stranger", "bureau", "admin"):
        client = market.page_client(p[name])
        response = client.get(f"/messages/{thread_id}?lang=en")
        assert response.status_code == 404, name
        assert "贵公司的中试条件如何？" not in response.get_data(as_text=True)
        response = client.post(f"/messages/{thread_id}?lang=en", data={"body": "我也想看看"})
        assert response.status_code == 404, name
    with market.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    visitor = market.page_client(None).get(f"/messages/{thread_id}")
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]
    assert market.page_client(None).get("/messages").status_code == 302


def test_the_brokers_of_each_side_read_their_sides_thread(market, listing_case):
    p = listing_case
    thread_id = thread_id_of(start(market, p["buyer_a"], "listing", p["listing_id"]))
    post(market, p["buyer_a"], thread_id, "请问可否提供现场考察？")
    assert can_read(market, p["seller_broker"], thread_id)
    assert can_read(market, p["broker_a"], thread_id)
    post(market, p["broker_a"], thread_id, "我是受让方的经纪人，补充一下需求。")
    post(market, p["seller_broker"], thread_id, "可以，下周安排。")
    page = market.page_client(p["broker_a"]).get(f"/messages/{thread_id}?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    # Oldest first, the broker's own message aligned as its own.
    assert (text.index("请问可否提供现场考察？") < text.index("补充一下需求")
            < text.index("下周安排"))
    assert len(re.findall(r'class="message message-mine"', text)) == 1
    assert len(re.findall(r'class="message message-theirs"', text)) == 2
    assert not can_read(market, p["buyer_b"], thread_id)


def test_officers_are_not_participants_and_may_not_start_a_thread(market, listing_case):
    p = listing_case
    before = thread_count(market)
    response = start(market, p["bureau"], "listing", p["listing_id"],
                     org=p["buyer_a"].organization_id)
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        market.run(lambda u: services.thread_for(
            "listing", db.session.get(Listing, p["listing_id"]),
            Counterpart(org_id=p["buyer_a"].organization_id), u), p["admin"])
    assert thread_count(market) == before


def test_need_participants_are_the_enterprise_and_each_responder(market):
    owner = market.user("enterprise")
    colleague = market.member_of(owner.organization_id, "enterprise")
    institute = market.user("institute")
    institute_colleague = market.member_of(institute.organization_id)
    broker = market.user("broker")
    represented = market.user("institute")  # the organisation the broker's response offers
    need_id = market.need(owner, "published")
    market.respond(need_id, institute)
    market.respond(need_id, broker, achievement_id=market.registered(represented))

    conversations = market.run(lambda: services.need_conversations(db.session.get(Need,
                                                                                   need_id)))
    by_institute = Counterpart(org_id=institute.organization_id)
    by_broker = Counterpart(org_id=broker.organization_id)
    assert set(conversations) == {by_institute, by_broker}
    for sides in conversations.values():
        assert sides.side_of(owner) == sides.side_of(colleague) == "owner"
    assert conversations[by_institute].side_of(institute) == "other"
    assert conversations[by_institute].side_of(institute_colleague) == "other"
    assert conversations[by_broker].side_of(broker) == "other"
    assert conversations[by_broker].side_of(represented) == "other"
    assert conversations[by_institute].side_of(broker) is None
    assert conversations[by_broker].side_of(institute) is None
    assert conversations[by_institute].side_of(market.bureau()) is None

    # The responder starts without naming a counterpart: it is its own conversation.
    thread_id = thread_id_of(start(market, broker, "need", need_id))
    post(market, broker, thread_id, "可提供中试线参观。")
    assert can_read(market, represented, thread_id)
    assert can_read(market, colleague, thread_id)
    assert not can_read(market, institute, thread_id)
    assert not can_read(market, institute_colleague, thread_id)
    assert market.page_client(institute).get(f"/messages/{thread_id}").status_code == 404
    # The enterprise names the responder it writes to; the same thread, not a second one.
    again = thread_id_of(start(market, owner, "need", need_id, org=broker.organization_id))
    assert again == thread_id
    other = thread_id_of(start(market, owner, "need", need_id,
                               org=institute.organization_id))
    assert other != thread_id
    assert thread_count(market) == 2


def test_deal_participants_are_both_sides_and_their_brokers(market):
    seller = market.user("institute")
    seller_broker = market.user("broker")
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    listing_id = market.listing(seller, "dealt", buyers=(buyer, rival),
                                seller_broker_id=seller_broker.id)
    deal_id = market.deal(listing_id).id
    conversations = market.run(lambda: services.deal_conversations(db.session.get(Deal,
                                                                                  deal_id)))
    assert list(conversations) == [Counterpart(org_id=buyer.organization_id)]
    sides = conversations[Counterpart(org_id=buyer.organization_id)]
    assert sides.side_of(seller) == sides.side_of(seller_broker) == "owner"
    assert sides.side_of(buyer) == "other"
    assert sides.side_of(rival) is None
    assert sides.side_of(market.bureau()) is None

    # One thread per deal, whichever side starts it.
    thread_id = thread_id_of(start(market, buyer, "deal", deal_id))
    assert thread_id_of(start(market, seller, "deal", deal_id)) == thread_id
    post(market, seller, thread_id, "合同草稿已生成，请查看。")
    assert can_read(market, seller_broker, thread_id)
    assert not can_read(market, rival, thread_id)
    assert start(market, rival, "deal", deal_id).status_code == 404
    # The losing bidder still has its own conversation about the listing.
    rival_thread = thread_id_of(start(market, rival, "listing", listing_id))
    assert rival_thread != thread_id and not can_read(market, buyer, rival_thread)
    page = market.page_client(buyer).get(f"/deals/{deal_id}?lang=en")
    assert "Conversation with the seller" in page.get_data(as_text=True)


def test_threads_of_lists_exactly_the_threads_a_user_can_read(market, listing_case):
    """The inbox's SQL and the participants functions agree, for every person."""
    p = listing_case
    with_a = thread_id_of(start(market, p["buyer_a"], "listing", p["listing_id"]))
    with_b = thread_id_of(start(market, p["buyer_b"], "listing", p["listing_id"]))
    post(market, p["buyer_a"], with_a, "A 的问题")
    post(market, p["buyer_b"], with_b, "B 的问题")
    for name, user in p.items():
        if name == "listing_id":
            continue
        readable = {t for t in (with_a, with_b) if can_read(market, user, t)}
        assert listed_thread_ids(market, user) == readable, name
    assert listed_thread_ids(market, p["seller"]) == {with_a, with_b}
    assert listed_thread_ids(market, p["buyer_a"]) == {with_a}


# --- posting, notifications, unread counts ----------------------------------------------------

def test_posting_notifies_the_other_sides_people_only(market, listing_case):
    p = listing_case
    thread_id = thread_id_of(start(market, p["seller"], "listing", p["listing_id"],
                                   org=p["buyer_b"].organization_id))
    post(market, p["seller"], thread_id, "欢迎来所考察。")
    for name in ("buyer_b", "colleague_b"):
        notes = [n for n in notifications_of(market, p[name]) if n[0] == NEW_MESSAGE]
        assert len(notes) == 1, name
        message, params, link = notes[0]
        assert link == f"/messages/{thread_id}"
        assert p["seller"].username in params["sender"]
        assert params["title"] == market.get_listing(p["listing_id"]).title
    for name in ("seller", "colleague", "seller_broker", "buyer_a", "broker_a", "bureau"):
        assert not [n for n in notifications_of(market, p[name]) if n[0] == NEW_MESSAGE], name
    post(market, p["buyer_b"], thread_id, "好的，谢谢。")
    for name in ("seller", "colleague", "seller_broker"):
        assert [n for n in notifications_of(market, p[name]) if n[0] == NEW_MESSAGE], name
    assert len([n for n in notifications_of(market, p["buyer_b"])
                if n[0] == NEW_MESSAGE]) == 1


def test_unread_counts_go_up_and_back_to_zero_when_read(market, listing_case):
    p = listing_case
    thread_id = thread_id_of(start(market, p["seller"], "listing", p["listing_id"],
                                   org=p["buyer_b"].organization_id))
    assert unread(market, p["buyer_b"]) == 0
    post(market, p["seller"], thread_id, "第一条")
    post(market, p["seller_broker"], thread_id, "第二条")
    assert unread(market, p["buyer_b"]) == 2
    assert unread(market, p["colleague_b"]) == 2
    assert unread(market, p["seller_broker"]) == 1  # a message is unread but by its writer
    assert unread(market, p["seller"]) == 1
    assert unread(market, p["buyer_a"]) == 0

    client = market.page_client(p["buyer_b"])
    inbox = client.get("/messages?lang=en").get_data(as_text=True)
    assert re.search(r'thread-unread">2<', inbox)
    assert "第二条" in inbox  # the last message's excerpt
    assert market.get_listing(p["listing_id"]).title in inbox

    page = client.get(f"/messages/{thread_id}?lang=en")
    assert page.status_code == 200
    assert unread(market, p["buyer_b"]) == 0
    assert unread(market, p["colleague_b"]) == 2  # read marks are per person
    assert 'thread-unread' not in client.get("/messages?lang=en").get_data(as_text=True)

    post(market, p["buyer_b"], thread_id, "回复")
    assert unread(market, p["buyer_b"]) == 0
    assert unread(market, p["seller"]) == 2
    assert unread(market, p["colleague_b"]) == 3
    market.run(services.read, thread_id, p["seller"])
    assert unread(market, p["seller"]) == 0


def test_the_navigation_shows_the_unread_messages(market, listing_case):
    p = listing_case
    thread_id = thread_id_of(start(market, p["seller"], "listing", p["listing_id"],
                                   org=p["buyer_a"].organization_id))
    post(market, p["seller"], thread_id, "你好")
    home = market.page_client(p["buyer_a"]).get("/?lang=en").get_data(as_text=True)
    assert "1<span class=\"visually-hidden\"> unread message</span>" in home
    assert "unread message" not in market.page_client(p["buyer_b"]).get(
        "/?lang=en").get_data(as_text=True)


# --- validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, error", [("", "Write a message."),
                                         ("   \n ", "Write a message."),
                                         ("长" * 5001, "At most 5000 characters.")])
def test_the_body_is_required_and_at_most_5000_characters(market, listing_case, body, error):
    p = listing_case
    thread_id = thread_id_of(start(market, p["buyer_a"], "listing", p["listing_id"]))
    client = market.page_client(p["buyer_a"])
    response = client.post(f"/messages/{thread_id}?lang=en", data={"body": body})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(text, "body") == error
    if body.strip():
        assert body in text  # the input is kept
    with pytest.raises(ValidationFailed) as raised:
        post(market, p["buyer_a"], thread_id, body)
    assert list(raised.value.fields) == ["body"]
    with market.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_reply_of_exactly_5000_characters_is_sent(market, listing_case):
    p = listing_case
    thread_id = thread_id_of(start(market, p["buyer_a"], "listing", p["listing_id"]))
    client = market.page_client(p["buyer_a"])
    response = client.post(f"/messages/{thread_id}?lang=en", data={"body": " 长" * 2500})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/messages/{thread_id}#latest")
    with market.app.app_context():
        message = db.session.scalar(select(Message))
        assert message.body == ("长 " * 2500).strip() and message.sender_id == p["buyer_a"].id
    assert "长 长" in client.get(f"/messages/{thread_id}").get_data(as_text=True)


# --- the start endpoint and strangers -----------------------------------------------------

def test_a_strangers_thread_id_and_an_unknown_one_are_not_found(market, listing_case):
    p = listing_case
    thread_id = thread_id_of(start(market, p["buyer_a"], "listing", p["listing_id"]))
    post(market, p["buyer_a"], thread_id, "保密的报价")
    client = market.page_client(p["stranger"])
    response = client.get(f"/messages/{thread_id}?lang=en")
    assert response.status_code == 404
    assert "保密的报价" not in response.get_data(as_text=True)
    assert client.get(f"/messages/{thread_id + 100}").status_code == 404
    assert thread_id not in listed_thread_ids(market, p["stranger"])
    assert "保密的报价" not in client.get("/messages?lang=en").get_data(as_text=True)


def test_the_start_endpoint_refuses_non_participants(market, listing_case):
    p = listing_case
    a_org = p["buyer_a"].organization_id
    refused = [
        (p["stranger"], "listing", p["listing_id"], a_org),  # not a party
        (p["buyer_b"], "listing", p["listing_id"], a_org),  # another buyer's conversation
        (p["broker_a"], "listing", p["listing_id"], p["buyer_b"].organization_id),
        (p["seller"], "listing", p["listing_id"], None),  # the owner side names the buyer
        (p["seller"], "listing", p["listing_id"], p["stranger"].organization_id),  # no intent
        (p["seller"], "auction", p["listing_id"], a_org),  # no such kind of record
        (p["seller"], "listing", p["listing_id"] + 100, a_org),  # no such listing
    ]
    for user, entity, entity_id, org in refused:
        assert start(market, user, entity, entity_id, org=org).status_code == 404, (
            user.username, entity, org)
    assert thread_count(market) == 0
    response = market.page_client(None).post("/messages/start", data={
        "entity": "listing", "entity_id": str(p["listing_id"]), "counterpart_org": str(a_org)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thread_count(market) == 0
    # A participant starts it, once: the second start opens the same thread.
    first = thread_id_of(start(market, p["seller"], "listing", p["listing_id"], org=a_org))
    assert thread_id_of(start(market, p["broker_a"], "listing", p["listing_id"])) == first
    assert thread_count(market) == 1


# --- the panel on the record's page --------------------------------------------------------

def test_the_listing_page_offers_one_conversation_per_buyer_to_the_seller(market,
                                                                          listing_case):
    p = listing_case
    name_a, name_b = (market.run(lambda u: u.organization.name, p[n])
                      for n in ("buyer_a", "buyer_b"))
    url = f"/listings/{p['listing_id']}?lang=en"
    seller_page = market.page_client(p["seller"]).get(url).get_data(as_text=True)
    assert f"Message the buyer {name_a}" in seller_page
    assert f"Message the buyer {name_b}" in seller_page
    buyer_page = market.page_client(p["buyer_a"]).get(url).get_data(as_text=True)
    assert "Message the seller" in buyer_page and name_b not in buyer_page
    for name in ("stranger", "bureau"):
        page = market.page_client(p[name]).get(url).get_data(as_text=True)
        assert "messages-card" not in page, name
    assert "messages-card" not in market.page_client(None).get(url).get_data(as_text=True)

    thread_id = thread_id_of(start(market, p["buyer_a"], "listing", p["listing_id"]))
    post(market, p["buyer_a"], thread_id, "您好")
    seller_page = market.page_client(p["seller"]).get(url).get_data(as_text=True)
    assert f"Conversation with the buyer {name_a}" in seller_page
    assert f'href="/messages/{thread_id}"' in seller_page
    badge = rf'Conversation with the buyer {re.escape(name_a)} <span class="badge[^>]*">1<'
    assert re.search(badge, seller_page)
    assert f"Message the buyer {name_b}" in seller_page


def test_the_inbox_lists_threads_newest_activity_first(market, listing_case, clock):
    p = listing_case
    with_a = thread_id_of(start(market, p["seller"], "listing", p["listing_id"],
                                org=p["buyer_a"].organization_id))
    with_b = thread_id_of(start(market, p["seller"], "listing", p["listing_id"],
                                org=p["buyer_b"].organization_id))
    post(market, p["seller"], with_b, "先发给 B")
    clock.advance(minutes=5)
    post(market, p["seller"], with_a, "再发给 A")
    text = market.page_client(p["seller"]).get("/messages?lang=en").get_data(as_text=True)
    assert text.index(f"/messages/{with_a}") < text.index(f"/messages/{with_b}")
    assert "You: 再发给 A" in text
    name_b = market.run(lambda u: u.organization.name, p["buyer_b"])
    assert f"With {name_b}" in text
    clock.advance(minutes=5)
    post(market, p["buyer_b"], with_b, "B 回复")
    text = market.page_client(p["seller"]).get("/messages?lang=en").get_data(as_text=True)
    assert text.index(f"/messages/{with_b}") < text.index(f"/messages/{with_a}")
    # A thread nobody has written in yet is not listed.
    thread_id_of(start(market, p["colleague"], "listing", p["listing_id"],
                       org=p["buyer_a"].organization_id))
    assert listed_thread_ids(market, p["buyer_a"]) == {with_a}


def test_the_need_page_offers_the_enterprise_and_each_responder_a_conversation(market):
    owner = market.user("enterprise")
    first, second = market.user("institute"), market.user("institute")
    need_id = market.need(owner, "published")
    market.respond(need_id, first)
    market.respond(need_id, second)
    name_first, name_second = (market.run(lambda u: u.organization.name, u)
                               for u in (first, second))
    url = f"/needs/{need_id}?lang=en"
    page = market.page_client(owner).get(url).get_data(as_text=True)
    assert f"Message the responder {name_first}" in page
    assert f"Message the responder {name_second}" in page
    page = market.page_client(first).get(url).get_data(as_text=True)
    assert "Message the enterprise" in page and "Message the responder" not in page
    for user in (market.user("institute"), market.bureau()):
        assert "messages-card" not in market.page_client(user).get(url).get_data(as_text=True)
    thread_id = thread_id_of(start(market, first, "need", need_id))
    post(market, first, thread_id, "我所可以承担。")
    page = market.page_client(first).get(url).get_data(as_text=True)
    assert "Conversation with the enterprise" in page
    assert f'href="/messages/{thread_id}"' in page
    conversation = market.page_client(owner).get(f"/messages/{thread_id}?lang=en")
    text = conversation.get_data(as_text=True)
    assert conversation.status_code == 200
    assert f"Conversation with {name_first}" in text and "我所可以承担。" in text
    assert not can_read(market, second, thread_id)


def test_the_forms_carry_their_csrf_token(listing_case, csrf_app):
    """With CSRF protection on, as in production, the start button and the reply form work."""
    p = listing_case
    client = csrf_app.test_client()
    response = client.post("/login", data={
        "username": p["buyer_a"].username, "password": factories.PASSWORD,
        "csrf_token": input_value(client.get("/login").get_data(as_text=True), "csrf_token")})
    assert response.status_code == 302
    page = client.get(f"/listings/{p['listing_id']}?lang=en").get_data(as_text=True)
    form = page[page.index('action="/messages/start"'):]
    response = client.post("/messages/start", data={
        "csrf_token": input_value(form, "csrf_token"), "entity": "listing",
        "entity_id": str(p["listing_id"])})
    thread_id = thread_id_of(response)
    assert client.post("/messages/start", data={
        "entity": "listing", "entity_id": str(p["listing_id"])}).status_code == 400
    page = client.get(f"/messages/{thread_id}?lang=en").get_data(as_text=True)
    reply = page[page.index('id="reply-heading"'):]
    assert client.post(f"/messages/{thread_id}", data={"body": "没有令牌"}).status_code == 400
    response = client.post(f"/messages/{thread_id}", data={
        "csrf_token": input_value(reply, "csrf_token"), "body": "带令牌的消息"})
    assert response.status_code == 302
    page = client.get(f"/messages/{thread_id}").get_data(as_text=True)
    assert "带令牌的消息" in page and "没有令牌" not in page
