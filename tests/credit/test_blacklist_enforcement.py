"""A blacklisted party is refused at every entry point, through the pages and the API, with the
clear message of `ensure_allowed` in its language; it is allowed again once its entry has
lapsed (the market clock moved past the last day) or has been lifted."""
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask_babel import force_locale
from listing_helpers import api_body as listing_body
from listing_helpers import bidding_listing, form_data
from need_helpers import NeedApi

from marketplace import clock
from marketplace.credit import blacklist
from marketplace.errors import PermissionDenied
from tests.pages import text

REASON = "多次发布虚假成果信息。"


@dataclass
class EntryPoint:
    """Who acts, the subject listed, the action refused, and the two doors: `api(api, lang)`
    and `page(client, query)` each make the request once."""

    actor: object
    subject: dict
    action: str
    api: object
    page: object
    api_ok: int = 200


def listing_create(market):
    seller = market.user("institute")
    achievement_id = market.registered(seller)
    return EntryPoint(
        seller, {"org_id": seller.organization_id}, "list",
        lambda api, lang: api.post("/listings", seller, listing_body(achievement_id),
                                   lang=lang),
        lambda client, q: client.post(f"/listings/new{q}", data=form_data(achievement_id)),
        201)


def listing_submit(market):
    seller = market.user("institute")
    listing_id = market.listing(seller, "draft")
    return EntryPoint(
        seller, {"org_id": seller.organization_id}, "list",
        lambda api, lang: api.post(f"/listings/{listing_id}/submit", seller, lang=lang),
        lambda client, q: client.post(f"/listings/{listing_id}/submit{q}"))


def listing_renew(market):
    seller = market.user("institute")
    listing_id = market.listing(seller, "listed")
    return EntryPoint(
        seller, {"org_id": seller.organization_id}, "list",
        lambda api, lang: api.post(f"/listings/{listing_id}/renew", seller, lang=lang),
        lambda client, q: client.post(f"/listings/{listing_id}/renew{q}"))


def intent(market):
    listing_id = market.listing(market.user("institute"), "announced")
    buyer = market.user("enterprise")
    statement = "我公司具备煤层气开发资质，注册资本 5000 万元。"
    return EntryPoint(
        buyer, {"org_id": buyer.organization_id}, "intent",
        lambda api, lang: api.post(f"/listings/{listing_id}/intents", buyer,
                                   {"statement": statement}, lang=lang),
        lambda client, q: client.post(f"/listings/{listing_id}/intents{q}",
                                      data={"statement": statement}), 201)


def bid(market):
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    listing_id = bidding_listing(market, market.user("institute"), (buyer, rival))
    return EntryPoint(
        buyer, {"org_id": buyer.organization_id}, "bid",
        lambda api, lang: api.post(f"/listings/{listing_id}/bids", buyer,
                                   {"amount": "1000000.00"}, lang=lang),
        lambda client, q: client.post(f"/listings/{listing_id}/bids{q}",
                                      data={"amount": "1000000.00"}), 201)


def _response(market, responder, subject, offered=None):
    need_id = market.need(market.user("enterprise"))
    message = "我所有成熟的低浓度瓦斯提纯与发电技术。"
    body = {"message": message, **({"achievement_id": offered} if offered else {})}
    return EntryPoint(
        responder, subject, "respond",
        lambda api, lang: api.post(f"/needs/{need_id}/responses", responder, body, lang=lang),
        lambda client, q: client.post(f"/needs/{need_id}/responses{q}",
                                      data={k: str(v) for k, v in body.items()}), 201)


def institute_response(market):
    institute = market.user("institute")
    return _response(market, institute, {"org_id": institute.organization_id})


def broker_response(market):
    broker = market.user("broker")
    return _response(market, broker, {"broker_id": broker.id},
                     offered=market.registered(market.user("institute")))


ENTRY_POINTS = [listing_create, listing_submit, listing_renew, intent, bid, institute_response,
                broker_response]
IDS = [f.__name__ for f in ENTRY_POINTS]


def put_on_for_a_day(market, **subject):
    """List the subject through tomorrow (by the market clock); returns the last day."""
    until = market.clock.now().astimezone(clock.LOCAL_TZ).date() + timedelta(days=1)
    market.blacklist(until=until, reason=REASON, **subject)
    return until


def past_it(market):
    """Move the market clock two days on: the entry has lapsed."""
    market.clock.set(market.clock.now() + timedelta(days=2))


def refusal(market, lang, action, **subject):
    """The message ensure_allowed gives in `lang` now."""
    with market.app.test_request_context(), force_locale(lang):
        with pytest.raises(PermissionDenied) as caught:
            blacklist.ensure_allowed(action, **subject)
        return str(caught.value.message)


@pytest.fixture
def api(market):
    return NeedApi(market)


@pytest.mark.parametrize("entry_point", ENTRY_POINTS, ids=IDS)
def test_the_api_refuses_a_listed_party_until_its_entry_lapses(market, api, entry_point):
    case = entry_point(market)
    put_on_for_a_day(market, **case.subject)
    for lang in ("en", "zh"):
        response = case.api(api, lang)
        assert response.status_code == 403
        error = response.get_json()["error"]
        assert error["code"] == "forbidden"
        assert error["message"] == refusal(market, lang, case.action, **case.subject)
        assert REASON in error["message"]
    past_it(market)
    allowed = case.api(api, "en")
    assert allowed.status_code == case.api_ok, allowed.get_json()


@pytest.mark.parametrize("entry_point", ENTRY_POINTS, ids=IDS)
def test_the_pages_refuse_a_listed_party_until_its_entry_lapses(market, entry_point):
    case = entry_point(market)
    put_on_for_a_day(market, **case.subject)
    client = market.page_client(case.actor)
    for lang, query in (("zh", ""), ("en", "?lang=en")):
        response = case.page(client, query)
        assert response.status_code == 403
        expected = refusal(market, lang, case.action, **case.subject)
        assert expected in text(response.get_data(as_text=True)), lang
    past_it(market)
    allowed = case.page(client, "")
    assert allowed.status_code == 302, text(allowed.get_data(as_text=True))[-2000:]


@pytest.mark.parametrize("entry_point", ENTRY_POINTS, ids=IDS)
def test_a_lifted_entry_no_longer_refuses(market, api, entry_point):
    case = entry_point(market)
    entry_id = market.blacklist(until=clock_today(market) + timedelta(days=90),
                                **case.subject)
    assert case.api(api, "en").status_code == 403
    market.run(blacklist.lift, entry_id, market.bureau(), "经复核，已整改到位。")
    assert case.api(api, "en").status_code == case.api_ok


def clock_today(market):
    return market.clock.now().astimezone(clock.LOCAL_TZ).date()


def test_the_english_message_says_why_and_until_when(market, api):
    case = listing_create(market)
    put_on_for_a_day(market, **case.subject)
    message = case.api(api, "en").get_json()["error"]["message"]
    assert message == ("On the market's blacklist until Jul 2, 2026, so not allowed to list "
                       f"technology for sale. Reason: {REASON}")


def test_a_listed_organisations_other_members_are_refused_too(market, api):
    case = intent(market)
    colleague = market.member_of(case.actor.organization_id, "enterprise")
    put_on_for_a_day(market, **case.subject)
    listing_id = market.listing(market.user("institute"), "announced")
    response = api.post(f"/listings/{listing_id}/intents", colleague,
                        {"statement": "我公司具备相应资质。"})
    assert response.status_code == 403


def test_another_partys_entry_refuses_nobody_else(market, api):
    case = intent(market)
    market.blacklist(org_id=market.user("enterprise").organization_id)
    assert case.api(api, "en").status_code == 201


# --- engagements (the brokers capability's calls) --------------------------------------------

def _engagements():
    module = pytest.importorskip("marketplace.brokers.engagements")
    if not all(hasattr(module, name) for name in ("invite", "accept")):
        pytest.skip("the engagements module has no invite/accept yet")
    return module


def test_a_listed_party_cannot_engage_a_broker(market):
    engagements = _engagements()
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    broker = market.user("broker")
    put_on_for_a_day(market, org_id=seller.organization_id)
    with pytest.raises(PermissionDenied) as refused:
        market.run(engagements.invite, "listing", listing_id, seller, broker.id)
    assert REASON in str(refused.value.message)
    page = market.page_client(seller).post(f"/engagements/new/listing/{listing_id}",
                                           data={"invite-broker_id": str(broker.id)})
    assert page.status_code == 403
    assert refusal(market, "zh", "invite", org_id=seller.organization_id) in text(
        page.get_data(as_text=True))
    past_it(market)
    assert market.run(lambda u: engagements.invite("listing", listing_id, u, broker.id).id,
                      seller)


def test_a_listed_broker_cannot_accept_an_engagement(market):
    engagements = _engagements()
    seller = market.user("institute")
    listing_id = market.listing(seller, "announced")
    broker = market.user("broker")
    engagement_id = market.run(lambda u: engagements.invite("listing", listing_id, u,
                                                            broker.id).id, seller)
    put_on_for_a_day(market, broker_id=broker.id)
    with pytest.raises(PermissionDenied) as refused:
        market.run(engagements.accept, engagement_id, broker)
    assert REASON in str(refused.value.message)
    page = market.page_client(broker).post(f"/engagements/{engagement_id}/accept")
    assert page.status_code == 403
    assert refusal(market, "zh", "engage", broker_id=broker.id) in text(
        page.get_data(as_text=True))
    past_it(market)
    assert market.run(lambda u: engagements.accept(engagement_id, u).status,
                      broker) == "accepted"
