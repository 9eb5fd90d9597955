"""The need pages for the public, enterprises and responders: the list and its filters, who
sees a need and which panels, the need form and its errors, every action's POST (state,
response status and audit), the small forms' errors, the offers that fit a need with the
shared terms marked, "my needs" / "my responses", and both languages."""
import re
from datetime import date
from decimal import Decimal

import pytest
from achievement_helpers import flashes

from marketplace.accounts.models import Organization
from marketplace.extensions import db
from marketplace.listings.models import Deal
from marketplace.needs import services
from marketplace.needs.models import Need
from marketplace.search import sync
from tests.pages import element_text, field_errors, input_value, text

MESSAGE = "我所有成熟的低浓度瓦斯提纯与发电技术，可在六个月内完成工程示范。"


def page(client, path, lang="en"):
    response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    return response, response.get_data(as_text=True)


def post(client, path, data=None, lang="en"):
    return client.post(f"{path}?lang={lang}", data=data or {})


def plain(html):
    """The words of some HTML: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(text(re.sub(r"<[^>]+>", " ", html)).split())


def article(html, need_id):
    """The words of the need's row in the list."""
    row = html[html.index(f'id="need-{need_id}-title"'):]
    return plain(row[:row.index("</article>")])


def shown(html, title):
    """The title appears as an element's whole text."""
    return f">{title}<" in html


def selected(html, name):
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    option = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|'
                       r'<option[^>]*value="([^"]*)"[^>]*selected', select.group(1))
    return (option.group(1) or option.group(2)) if option else None


def options(html, name):
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'value="([^"]*)"', select.group(1)) if select else None


def textarea(html, name):
    found = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', html,
                      re.S)
    return text(found.group(1)).strip() if found else None


def checked(html, name):
    """The values of the checked checkboxes named `name`."""
    return sorted(re.findall(rf'<input[^>]*checked[^>]*name="{re.escape(name)}"[^>]*'
                             rf'value="([^"]*)"', html) +
                  re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"'
                             rf'[^>]*checked', html))


def org_name(market, org_id):
    return market.run(lambda: db.session.get(Organization, org_id).name)


def actions(market, need_id):
    return [entry[0] for entry in market.need_history(need_id)]


def form_data(**changes):
    """What a browser posts from the need form."""
    data = {"title": "焦炉煤气制氢提纯技术",
            "description": "我厂焦炉煤气富余，需要制取燃料电池级氢气的技术。",
            "field": "power", "keywords": "制氢，焦炉煤气、燃料电池",
            "indicators": "氢气纯度 99.999%。",
            "budget_min": "300000", "budget_max": "800000",
            "cooperation_modes": ["commissioned_development", "consulting"],
            "deadline": "2026-10-31"}
    data.update(changes)
    return data


@pytest.fixture
def people(market):
    owner = market.user("enterprise")
    return {"owner": owner, "enterprise": market.user("enterprise"),
            "institute": market.user("institute"), "broker": market.user("broker"),
            "bureau": market.bureau(), "admin": market.user("admin"), "visitor": None}


# --- the public list -----------------------------------------------------------------------------

def test_the_list_shows_published_needs_open_ones_first(market, people):
    owner = people["owner"]
    resolved = market.need(owner, "resolved", title="已解决的矿井水处理需求")
    published = market.need(owner, "published")
    open_budget = market.need(owner, "published", title="煤矸石综合利用需求", budget_min=None,
                              budget_max=None, cooperation_modes=["consulting"])
    market.need(owner, "draft", title="草稿需求")
    market.need(owner, "pending_review", title="待审核需求")
    market.need(owner, "withdrawn", title="撤回的草稿需求")
    market.respond(published, people["institute"])
    visitor = market.page_client(None)

    response, html = page(visitor, "/needs")
    assert response.status_code == 200
    assert shown(html, "低浓度瓦斯安全输送与利用技术") and shown(html, "煤矸石综合利用需求")
    for title in ("已解决的矿井水处理需求", "草稿需求", "待审核需求", "撤回的草稿需求"):
        assert not shown(html, title)
    row = article(html, published)
    assert org_name(market, owner.organization_id) in row and "Lishi District" in row
    assert "Coal and coal-bed methane" in row
    assert "¥500,000.00 – ¥2,000,000.00" in row
    assert "Commissioned development" in row and "Ordinary licence" in row
    assert "Sep 30, 2026" in row and "(91 days left)" in row
    assert "1 response" in row and "Last updated" in row
    row = article(html, open_budget)
    assert "Budget open" in row and "0 responses" in row and "Technical consulting" in row

    _, everything = page(visitor, "/needs?state=all")
    assert selected(everything, "state") == "all"
    assert shown(everything, "已解决的矿井水处理需求")
    assert "Closed: Resolved" in everything
    for title in ("草稿需求", "待审核需求", "撤回的草稿需求"):
        assert not shown(everything, title)
    # The open ones first, though the resolved one was posted first.
    assert everything.index(f"need-{published}-title") < everything.index(
        f"need-{resolved}-title")


def test_every_role_sees_the_same_public_list(market, people):
    draft = market.need(people["owner"], "draft", title="草稿需求")
    published = market.need(people["owner"], "published")
    for role, user in people.items():
        response, html = page(market.page_client(user), "/needs")
        assert response.status_code == 200, role
        assert f"need-{published}-title" in html and f"need-{draft}-title" not in html, role
        assert ('href="/needs/new"' in html) == (role in ("owner", "enterprise")), role


def test_the_filters_stay_in_the_url(market, people):
    owner = people["owner"]
    market.need(owner, "published")
    market.need(owner, "published", title="储能电站消防技术", field="power",
                cooperation_modes=["consulting", "service"])
    visitor = market.page_client(None)

    _, html = page(visitor, "/needs?field=power")
    assert shown(html, "储能电站消防技术") and not shown(html, "低浓度瓦斯安全输送与利用技术")
    assert selected(html, "field") == "power"
    _, html = page(visitor, "/needs?mode=licence_ordinary")
    assert shown(html, "低浓度瓦斯安全输送与利用技术") and not shown(html, "储能电站消防技术")
    assert selected(html, "mode") == "licence_ordinary"
    _, html = page(visitor, "/needs?mode=service&field=power")
    assert shown(html, "储能电站消防技术")
    _, html = page(visitor, "/needs?mode=equity")
    assert "No need matches these filters." in text(html)
    _, html = page(visitor, "/needs?mode=%25")  # not a code: nothing, no error
    assert "No need matches these filters." in text(html)


def test_the_list_closes_needs_past_their_deadline(market, people):
    need_id = market.need(people["owner"], "published")
    market.clock.set(market.clock.now().replace(month=10, day=1))
    response, html = page(market.page_client(None), "/needs")
    assert response.status_code == 200
    assert market.need_status(need_id) == "closed:expired"
    assert "No need is open for responses now." in text(html)
    assert "expire" in actions(market, need_id)


# --- who sees a need, and which panels -----------------------------------------------------------

VISIBLE = {
    "draft": {"owner", "colleague", "bureau", "admin"},
    "pending_review": {"owner", "colleague", "bureau", "admin"},
    "returned": {"owner", "colleague", "bureau", "admin"},
    "withdrawn": {"owner", "colleague", "bureau", "admin"},
    "published": {"owner", "colleague", "enterprise", "institute", "broker", "bureau", "admin",
                  "visitor"},
    "resolved": {"owner", "colleague", "enterprise", "institute", "broker", "bureau", "admin",
                 "visitor"},
}


@pytest.mark.parametrize("state", list(VISIBLE))
def test_who_sees_a_need_in_each_state(market, people, state):
    need_id = market.need(people["owner"], state)
    everyone = dict(people, colleague=market.member_of(people["owner"].organization_id,
                                                       "enterprise"))
    for role, user in everyone.items():
        response, html = page(market.page_client(user), f"/needs/{need_id}")
        expected = 200 if role in VISIBLE[state] else 404
        assert response.status_code == expected, (role, state)
        if expected != 200:
            continue
        owner = role in ("owner", "colleague")
        assert (element_text(html, "owner-heading") is not None) == owner, role
        assert (element_text(html, "history-heading") is not None) == (
            owner or role in ("bureau", "admin")), role
        may_respond = state == "published" and role in ("institute", "broker")
        assert (element_text(html, "respond-heading") is not None) == may_respond, role
        assert ("Offers that fit this need" in html) == (state == "published"), role
        assert ("/bureau/needs/" in html) == (role in ("bureau", "admin")), role
    assert market.page_client(None).get("/needs/99999").status_code == 404


def test_the_need_page_shows_the_need_and_its_state(market, people):
    need_id = market.need(people["owner"], "published")
    _, html = page(market.page_client(None), f"/needs/{need_id}")
    page_text = plain(html)
    for part in ("我矿抽采瓦斯浓度在 8%–15% 之间", "瓦斯利用率不低于 80%", "煤层气",
                 "¥500,000.00 – ¥2,000,000.00", "Commissioned development", "Ordinary licence",
                 "Sep 30, 2026", "(91 days left)", "Published",
                 org_name(market, people["owner"].organization_id)):
        assert part in page_text, part
    assert "Can you solve it?" in page_text  # the visitor is asked to log in

    market.run(services.withdraw, need_id, people["owner"], "已自行解决。")
    _, html = page(market.page_client(None), f"/needs/{need_id}")
    assert "Closed: Withdrawn" in html
    assert "The enterprise withdrew this need on Jul 1, 2026." in text(html)


def test_the_owner_sees_the_bureaus_comment_and_the_actions_of_each_state(market, people):
    owner = people["owner"]
    client = market.page_client(owner)
    returned = market.need(owner, "returned")
    _, html = page(client, f"/needs/{returned}")
    assert "请补充技术指标。" in html
    assert f'/needs/{returned}/edit"' in html and f'/needs/{returned}/submit"' in html
    assert f'/needs/{returned}/withdraw"' in html
    assert f'/needs/{returned}/resolve"' not in html

    published = market.need(owner, "published")
    _, html = page(client, f"/needs/{published}")
    for action in ("resolve", "withdraw", "renew"):
        assert f'/needs/{published}/{action}"' in html, action
    assert f'/needs/{published}/edit"' not in html
    assert "responses are taken 30 more days, until Oct 30, 2026" in html

    pending = market.need(owner, "pending_review")
    _, html = page(client, f"/needs/{pending}")
    assert "The science bureau is reviewing this need." in html
    assert f'/needs/{pending}/withdraw"' in html and f'/needs/{pending}/submit"' not in html


# --- the owner's actions -------------------------------------------------------------------------

def test_submit_withdraw_resolve_and_renew(market, people):
    owner = people["owner"]
    client = market.page_client(owner)
    draft = market.need(owner, "draft")
    response = post(client, f"/needs/{draft}/submit")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/needs/{draft}")
    assert market.need_status(draft) == "pending_review"
    assert flashes(client)[0][0] == "success"
    assert actions(market, draft)[-1] == "submit"

    published = market.need(owner, "published")
    post(client, f"/needs/{published}/renew")
    assert market.get_need(published).deadline == date(2026, 10, 30)
    assert market.get_need(published).renewed
    assert "Renewed: responses are taken until 2026-10-30." in flashes(client)[0][1]
    _, html = page(client, f"/needs/{published}")
    assert f'/needs/{published}/renew"' not in html
    assert "The need has been renewed once" in html
    post(client, f"/needs/{published}/renew")  # not twice: the workflow's guard refuses
    assert market.get_need(published).deadline == date(2026, 10, 30)

    post(client, f"/needs/{published}/resolve", {"resolve-comment": "已与吕梁学院合作解决。"})
    assert market.need_status(published) == "closed:resolved"
    assert market.need_history(published)[-1][0] == "resolve"
    assert market.need_history(published)[-1][4] == "已与吕梁学院合作解决。"

    other = market.need(owner, "published")
    post(client, f"/needs/{other}/withdraw", {"withdraw-comment": ""})
    assert market.need_status(other) == "closed:withdrawn"
    response = post(client, f"/needs/{other}/withdraw")  # closed already: a flash
    assert response.status_code == 302
    assert flashes(client)[-1][0] == "warning"


def test_a_submit_the_service_refuses_is_flashed(market, people):
    owner = people["owner"]
    need_id = market.need(owner, "draft")
    market.clock.set(market.clock.now().replace(month=10, day=1))  # the deadline has passed
    client = market.page_client(owner)
    response = post(client, f"/needs/{need_id}/submit")
    assert response.status_code == 302
    assert ("danger", "The response deadline must be after today.") in flashes(client)
    assert market.need_status(need_id) == "draft"


def test_others_may_not_act_on_the_need(market, people):
    owner = people["owner"]
    published = market.need(owner, "published")
    draft = market.need(owner, "draft")
    for role in ("enterprise", "institute", "broker", "bureau"):
        client = market.page_client(people[role])
        for action in ("withdraw", "resolve", "renew"):
            assert post(client, f"/needs/{published}/{action}").status_code == 403, role
        expected = 403 if role == "bureau" else 404
        assert post(client, f"/needs/{draft}/submit").status_code == expected, role
    assert market.need_status(published) == "published"
    assert market.need_status(draft) == "draft"
    response = post(market.page_client(None), f"/needs/{published}/withdraw")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- responses -----------------------------------------------------------------------------------

def test_an_institute_responds_offering_its_listing_and_achievement(market, people):
    owner, institute = people["owner"], people["institute"]
    need_id = market.need(owner, "published")
    achievement_id = market.registered(institute)
    listing_id = market.listing(institute, "announced")
    foreign = market.registered(market.user("institute"))
    client = market.page_client(institute)

    _, html = page(client, f"/needs/{need_id}")
    assert str(listing_id) in options(html, "listing_id")
    assert str(achievement_id) in options(html, "achievement_id")
    assert str(foreign) not in options(html, "achievement_id")

    response = post(client, f"/needs/{need_id}/responses",
                    {"message": MESSAGE, "listing_id": str(listing_id),
                     "achievement_id": str(achievement_id)})
    assert response.status_code == 302
    (row,) = market.responses(need_id)
    assert (row.status, row.listing_id, row.achievement_id, row.user_id) == (
        "submitted", listing_id, achievement_id, institute.id)
    assert row.seller_org_id == institute.organization_id
    assert actions(market, need_id)[-1] == "respond"

    _, html = page(client, f"/needs/{need_id}")
    assert element_text(html, "respond-heading") is None  # one open response at a time
    assert "Your responses" in html and MESSAGE in html
    assert f'/needs/{need_id}/responses/{row.id}/withdraw"' in html

    _, html = page(market.page_client(owner), f"/needs/{need_id}")
    item = element_text(html, f"response-{row.id}")
    assert institute.username in item and org_name(market, institute.organization_id) in item
    assert MESSAGE in item and "Submitted" in item
    assert f'href="/listings/{listing_id}"' in html
    assert f'href="/achievements/{achievement_id}"' in html

    # Others do not see the response.
    _, html = page(market.page_client(people["enterprise"]), f"/needs/{need_id}")
    assert MESSAGE not in html
    _, html = page(market.page_client(None), f"/needs/{need_id}")
    assert MESSAGE not in html


def test_the_response_form_shows_its_errors_beside_the_fields(market, people):
    need_id = market.need(people["owner"], "published")
    institute = people["institute"]
    achievement_id = market.registered(institute)
    foreign = market.registered(market.user("institute"))
    client = market.page_client(institute)

    response = post(client, f"/needs/{need_id}/responses",
                    {"message": "  ", "listing_id": "", "achievement_id": str(achievement_id)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "message") == "Say how you would solve the need."
    assert selected(html, "achievement_id") == str(achievement_id)

    response = post(client, f"/needs/{need_id}/responses",
                    {"message": MESSAGE, "achievement_id": str(foreign)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "registered achievement" in field_errors(html, "achievement_id")
    assert textarea(html, "message") == MESSAGE
    response = post(client, f"/needs/{need_id}/responses",
                    {"message": MESSAGE, "listing_id": "abc"})
    assert response.status_code == 422
    assert "open on the market" in field_errors(response.get_data(as_text=True), "listing_id")
    assert market.responses(need_id) == []


def test_a_broker_responds_for_the_organisation_it_represents(market, people):
    owner, broker = people["owner"], people["broker"]
    seller = market.user("institute")
    need_id = market.need(owner, "published")
    brokered = market.listing(seller, "announced", seller_broker_id=broker.id)
    other = market.listing(seller, "announced")
    client = market.page_client(broker)

    _, html = page(client, f"/needs/{need_id}")
    assert options(html, "listing_id") == ["", str(brokered)]
    response = post(client, f"/needs/{need_id}/responses", {"message": MESSAGE})
    assert response.status_code == 422
    assert "A broker offers a listing or an achievement" in field_errors(
        response.get_data(as_text=True), "listing_id")
    response = post(client, f"/needs/{need_id}/responses",
                    {"message": MESSAGE, "listing_id": str(other)})
    assert response.status_code == 422
    assert post(client, f"/needs/{need_id}/responses",
                {"message": MESSAGE, "listing_id": str(brokered)}).status_code == 302
    (row,) = market.responses(need_id)
    assert row.user_id == broker.id and row.seller_org_id == seller.organization_id

    _, html = page(market.page_client(owner), f"/needs/{need_id}")
    item = element_text(html, f"response-{row.id}")
    assert "Technology broker" in item
    assert f"for {org_name(market, seller.organization_id)}" in item
    # The seller organisation's member sees the response made for it.
    _, html = page(market.page_client(seller), f"/needs/{need_id}")
    assert element_text(html, f"response-{row.id}") is not None

    # Accepted: the organisation represented confirms, not the broker.
    market.run(services.accept_response, row.id, owner, "600000", "licence_ordinary")
    _, html = page(client, f"/needs/{need_id}")
    item = element_text(html, f"response-{row.id}")
    assert "¥600,000.00" in item and "Confirm the deal" not in item
    assert f"Awaiting the confirmation of {org_name(market, seller.organization_id)}." in item
    assert post(client, f"/needs/{need_id}/responses/{row.id}/confirm").status_code == 403
    _, html = page(market.page_client(seller), f"/needs/{need_id}")
    assert "Confirm the deal" in element_text(html, f"response-{row.id}")
    _, html = page(market.page_client(seller), "/needs/mine")
    assert f'#response-{row.id}"' in html  # awaiting its confirmation
    post(market.page_client(seller), f"/needs/{need_id}/responses/{row.id}/confirm")
    assert market.get_response(row.id).status == "dealt"
    assert market.need_status(need_id) == "closed:resolved"


def test_the_responder_withdraws_its_response(market, people):
    need_id = market.need(people["owner"], "published")
    institute = people["institute"]
    response_id = market.respond(need_id, institute)
    client = market.page_client(institute)
    assert post(client, f"/needs/{need_id}/responses/{response_id}/withdraw").status_code == 302
    assert market.get_response(response_id).status == "withdrawn"
    assert actions(market, need_id)[-1] == "withdraw_response"
    _, html = page(client, f"/needs/{need_id}")
    assert element_text(html, "respond-heading") is not None  # may respond again
    # Somebody else's response: not found for a stranger, refused to the owner.
    other = market.respond(need_id, market.user("institute"))
    assert post(client, f"/needs/{need_id}/responses/{other}/withdraw").status_code == 404
    assert post(market.page_client(people["owner"]),
                f"/needs/{need_id}/responses/{other}/withdraw").status_code == 403
    assert market.get_response(other).status == "submitted"


def test_the_owner_shortlists_and_declines_with_a_reason(market, people):
    owner = people["owner"]
    need_id = market.need(owner, "published")
    response_id = market.respond(need_id, people["institute"])
    client = market.page_client(owner)

    assert post(client, f"/needs/{need_id}/responses/{response_id}/shortlist").status_code == 302
    assert market.get_response(response_id).status == "shortlisted"
    assert actions(market, need_id)[-1] == "shortlist"

    prefix = f"decline-{response_id}"
    response = post(client, f"/needs/{need_id}/responses/{response_id}/decline",
                    {f"{prefix}-reason": "", f"{prefix}-comment": "技术成熟度不够。"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, f"{prefix}-reason") == "Choose a reason."
    assert textarea(html, f"{prefix}-comment") == "技术成熟度不够。"
    assert market.get_response(response_id).status == "shortlisted"
    response = post(client, f"/needs/{need_id}/responses/{response_id}/decline",
                    {f"{prefix}-reason": "maturity", f"{prefix}-comment": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, f"{prefix}-comment") == "Say why; the other side will see it."
    assert selected(html, f"{prefix}-reason") == "maturity"

    post(client, f"/needs/{need_id}/responses/{response_id}/decline",
         {f"{prefix}-reason": "maturity", f"{prefix}-comment": "技术成熟度不够。"})
    row = market.get_response(response_id)
    assert (row.status, row.reason, row.decision_comment) == ("declined", "maturity",
                                                             "技术成熟度不够。")
    assert actions(market, need_id)[-1] == "decline_response"
    _, html = page(market.page_client(people["institute"]), f"/needs/{need_id}")
    assert "Maturity of the technology:" in html and "技术成熟度不够。" in html
    # A declined response cannot be shortlisted: a flash, nothing changes.
    post(client, f"/needs/{need_id}/responses/{response_id}/shortlist")
    assert flashes(client)[-1][0] == "warning"
    assert market.get_response(response_id).status == "declined"


def test_accept_confirm_and_the_deal(market, people, app):
    owner, institute = people["owner"], people["institute"]
    need_id = market.need(owner, "published")
    achievement_id = market.registered(institute)
    response_id = market.respond(need_id, institute, achievement_id=achievement_id)
    rival = market.respond(need_id, market.user("institute"))
    client = market.page_client(owner)
    prefix = f"accept-{response_id}"

    _, html = page(client, f"/needs/{need_id}")
    assert options(html, f"{prefix}-mode") == ["commissioned_development", "licence_ordinary"]
    assert selected(html, f"{prefix}-mode") == "commissioned_development"
    response = post(client, f"/needs/{need_id}/responses/{response_id}/accept",
                    {f"{prefix}-price": "一百万", f"{prefix}-mode": "licence_ordinary"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, f"{prefix}-price")
    assert input_value(html, f"{prefix}-price") == "一百万"
    assert selected(html, f"{prefix}-mode") == "licence_ordinary"
    assert market.get_response(response_id).status == "submitted"

    post(client, f"/needs/{need_id}/responses/{response_id}/accept",
         {f"{prefix}-price": "1200000", f"{prefix}-mode": "commissioned_development"})
    row = market.get_response(response_id)
    assert (row.status, row.agreed_price, row.agreed_mode) == (
        "accepted", Decimal("1200000.00"), "commissioned_development")
    assert actions(market, need_id)[-1] == "accept_response"
    _, html = page(client, f"/needs/{need_id}")
    assert f'/responses/{rival}/accept"' not in html  # one accepted response at a time
    assert "Awaiting the confirmation of" in html

    seller = market.page_client(institute)
    _, html = page(seller, f"/needs/{need_id}")
    terms = element_text(html, f"response-{response_id}")
    assert "¥1,200,000.00" in terms and "Commissioned development" in terms
    assert "Confirm the deal" in terms and "Refuse the terms" in terms
    # The rival and the owner may not confirm.
    assert post(market.page_client(people["enterprise"]),
                f"/needs/{need_id}/responses/{response_id}/confirm").status_code == 404
    assert post(client, f"/needs/{need_id}/responses/{response_id}/confirm").status_code == 403

    response = post(seller, f"/needs/{need_id}/responses/{response_id}/confirm")
    assert response.status_code == 302
    assert market.get_response(response_id).status == "dealt"
    assert market.need_status(need_id) == "closed:resolved"
    assert actions(market, need_id)[-2:] == ["deal", "confirm_response"]
    deal_id = market.run(lambda: db.session.query(Deal.id).filter_by(
        response_id=response_id).scalar())
    (message,) = [m for c, m in flashes(seller) if c == "success"]
    assert message.startswith("Deal confirmed: transaction certificate No.")
    for user in (institute, owner):
        _, html = page(market.page_client(user), f"/needs/{need_id}")
        assert f'href="/deals/{deal_id}"' in html
        assert "Offers that fit this need" not in html
    _, html = page(seller, "/needs/mine")
    assert f'href="/deals/{deal_id}"' in html


def test_the_seller_refuses_the_terms_with_a_comment(market, people):
    owner, institute = people["owner"], people["institute"]
    need_id = market.need(owner, "published")
    response_id = market.respond(need_id, institute, achievement_id=market.registered(institute))
    market.run(services.accept_response,
               response_id, owner, "800000", "licence_ordinary")
    client = market.page_client(institute)
    prefix = f"refuse-{response_id}"

    _, html = page(client, "/needs/mine")
    awaiting = element_text(html, "awaiting-heading")
    assert awaiting and "¥800,000.00" in html and "Ordinary licence" in html

    response = post(client, f"/needs/{need_id}/responses/{response_id}/refuse",
                    {f"{prefix}-comment": " "})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), f"{prefix}-comment") == (
        "Say why; the other side will see it.")
    assert market.get_response(response_id).status == "accepted"
    post(client, f"/needs/{need_id}/responses/{response_id}/refuse",
         {f"{prefix}-comment": "价格低于研发成本。"})
    row = market.get_response(response_id)
    assert (row.status, row.agreed_price) == ("shortlisted", None)
    assert market.need_history(need_id)[-1][0] == "refuse_terms"
    _, html = page(market.page_client(owner), f"/needs/{need_id}")
    assert "价格低于研发成本。" in html  # in the history


def test_a_response_of_another_need_is_not_found(market, people):
    owner = people["owner"]
    need_id = market.need(owner, "published")
    other = market.need(market.user("enterprise"), "published")
    response_id = market.respond(other, people["institute"])
    client = market.page_client(owner)
    for action in ("shortlist", "decline", "accept", "confirm", "refuse", "withdraw"):
        assert post(client, f"/needs/{need_id}/responses/{response_id}/{action}"
                    ).status_code == 404, action
    assert market.get_response(response_id).status == "submitted"


# --- the offers that fit -------------------------------------------------------------------------

def test_the_offers_that_fit_the_need_with_the_shared_terms_marked(market, people, app):
    owner, institute = people["owner"], people["institute"]
    need_id = market.need(owner, "published")
    fitting = market.registered(institute, title="低浓度瓦斯发电机组成套技术",
                                keywords=["瓦斯", "发电"],
                                summary="利用矿井抽采的低浓度瓦斯发电，瓦斯利用率达到 85%。")
    listed = market.listing(institute, "announced", achievement_id=market.registered(
        institute, title="煤层气安全输送监测系统", keywords=["煤层气", "输送"],
        summary="煤层气管道输送的在线监测与安全控制。"))
    unrelated = market.registered(institute, title="苹果冷链保鲜包装", title_en="Cold chain",
                                  keywords=["保鲜"],
                                  summary="水果采后保鲜。", field="agriculture")
    with app.app_context():
        sync()

    _, html = page(market.page_client(None), f"/needs/{need_id}")
    section = html[html.index('id="offers-heading"'):]
    section = section[:section.index("</section>")]
    assert f'href="/achievements/{fitting}"' in section
    assert f'href="/listings/{listed}"' in section
    assert f'href="/achievements/{unrelated}"' not in section
    # The terms shared with the need are marked (touching ones in one mark).
    assert re.search(r"<mark>[^<]*瓦斯[^<]*</mark>", section)
    assert re.search(r"<mark>[^<]*煤层气[^<]*</mark>", section)  # a synonym of 瓦斯 counts
    assert "苹果" not in section
    assert re.search(r'class="badge shared-term">[^<]*瓦斯', section)
    assert "Listing" in section and "Achievement" in section and "No. 1" in section

    # The need's own page hides them once it is closed.
    market.run(services.resolve, need_id, owner)
    _, html = page(market.page_client(None), f"/needs/{need_id}")
    assert "Offers that fit this need" not in html


# --- the need form -------------------------------------------------------------------------------

def test_who_may_open_the_need_form(market, people):
    for role, expected in (("owner", 200), ("enterprise", 200), ("institute", 403),
                           ("broker", 403), ("bureau", 403), ("admin", 403)):
        assert market.page_client(people[role]).get("/needs/new").status_code == expected, role
    response = market.page_client(None).get("/needs/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_new_need_is_saved_as_a_draft(market, people):
    owner = people["owner"]
    client = market.page_client(owner)
    response = client.post("/needs/new?lang=en", data=form_data())
    assert response.status_code == 302
    need_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    record = market.get_need(need_id)
    assert market.need_status(need_id) == "draft"
    assert record.keywords == ["制氢", "焦炉煤气", "燃料电池"]
    assert record.cooperation_modes == ["commissioned_development", "consulting"]
    assert (record.budget_min, record.budget_max) == (Decimal("300000.00"), Decimal("800000.00"))
    assert record.deadline == date(2026, 10, 31) and record.org_id == owner.organization_id
    assert actions(market, need_id) == ["create"]
    assert flashes(client)[0][0] == "success"


def test_the_need_form_shows_the_services_errors_beside_the_fields(market, people):
    client = market.page_client(people["owner"])
    response = client.post("/needs/new?lang=en", data=form_data(
        title="", budget_min="900000", budget_max="100000", cooperation_modes=[],
        deadline="2026-06-30", keywords="一，二，三，四，五，六"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "title") == "This field is required."
    assert field_errors(html, "budget_max") == "The highest budget cannot be below the lowest."
    assert field_errors(html, "cooperation_modes") == "Choose at least one way of cooperating."
    assert field_errors(html, "deadline") == "The response deadline must be after today."
    assert field_errors(html, "keywords") == "At most 5 keywords."
    # What was typed stays.
    assert input_value(html, "budget_min") == "900000"
    assert input_value(html, "keywords") == "一，二，三，四，五，六"
    assert textarea(html, "description") == form_data()["description"]
    assert selected(html, "field") == "power"

    response = client.post("/needs/new?lang=en", data=form_data(
        deadline="next month", cooperation_modes=["consulting", "service"]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "deadline") == "Enter a date such as 2026-09-30."
    assert input_value(html, "deadline") == "next month"
    assert checked(html, "cooperation_modes") == ["consulting", "service"]
    assert market.run(lambda: db.session.query(
        Need).count()) == 0


def test_editing_a_draft_or_a_returned_need(market, people):
    owner = people["owner"]
    client = market.page_client(owner)
    need_id = market.need(owner, "returned")
    response, html = page(client, f"/needs/{need_id}/edit")
    assert response.status_code == 200
    assert input_value(html, "title") == "低浓度瓦斯安全输送与利用技术"
    assert input_value(html, "keywords") == "瓦斯, 煤层气, 发电"
    assert input_value(html, "budget_min") == "500000.00"
    assert input_value(html, "deadline") == "2026-09-30"
    assert checked(html, "cooperation_modes") == ["commissioned_development",
                                                  "licence_ordinary"]
    assert "请补充技术指标。" in html

    response = client.post(f"/needs/{need_id}/edit?lang=en",
                           data=form_data(title="低浓度瓦斯发电技术", description=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "description") == "This field is required."
    assert input_value(html, "title") == "低浓度瓦斯发电技术"
    response = client.post(f"/needs/{need_id}/edit?lang=en",
                           data=form_data(title="低浓度瓦斯发电技术"))
    assert response.status_code == 302
    assert market.get_need(need_id).title == "低浓度瓦斯发电技术"
    assert actions(market, need_id)[-1] == "edit"

    for role, expected in (("enterprise", 404), ("institute", 404), ("broker", 404),
                           ("bureau", 403), ("admin", 403)):
        assert market.page_client(people[role]).get(
            f"/needs/{need_id}/edit").status_code == expected, role
    response = market.page_client(None).get(f"/needs/{need_id}/edit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    published = market.need(owner, "published")
    for role in ("enterprise", "institute", "broker"):
        assert market.page_client(people[role]).get(
            f"/needs/{published}/edit").status_code == 403, role
    response = client.get(f"/needs/{published}/edit?lang=en")
    assert response.status_code == 302
    assert ("warning", "Only a draft or a returned need can be edited.") in flashes(client)


# --- my needs, my responses ----------------------------------------------------------------------

def test_my_needs_by_state_with_what_awaits_the_enterprise(market, people):
    owner = people["owner"]
    published = market.need(owner, "published")
    draft = market.need(owner, "draft", title="焦炉煤气制氢需求")
    resolved = market.need(owner, "resolved", title="已解决的需求")
    market.need(people["enterprise"], "published", title="别家企业的需求")
    market.respond(published, people["institute"])
    market.respond(published, market.user("institute"))

    response, html = page(market.page_client(owner), "/needs/mine")
    assert response.status_code == 200
    assert element_text(html, "group-draft").startswith("Draft (1)")
    assert element_text(html, "group-published").startswith("Published (1)")
    assert element_text(html, "group-closed").startswith("Closed (1)")
    row = element_text(html, f"need-{published}")
    assert "2 responses to decide on." in row and "Sep 30, 2026" in row
    assert "Check it and submit it for review." in element_text(html, f"need-{draft}")
    assert "Resolved" in element_text(html, f"need-{resolved}")
    assert "别家企业的需求" not in html


def test_my_responses_for_institutes_and_brokers(market, people):
    need_id = market.need(people["owner"], "published")
    institute = people["institute"]
    response_id = market.respond(need_id, institute)
    response, html = page(market.page_client(institute), "/needs/mine")
    assert response.status_code == 200
    row = element_text(html, f"response-{response_id}")
    assert "低浓度瓦斯安全输送与利用技术" in row and "Submitted" in row
    assert "Nothing awaits your confirmation." in html

    response, html = page(market.page_client(people["broker"]), "/needs/mine")
    assert response.status_code == 200
    assert "You have not responded to any need yet." in html
    for role in ("bureau", "admin"):
        assert market.page_client(people[role]).get("/needs/mine").status_code == 403
    response = market.page_client(None).get("/needs/mine")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- languages -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pages_render_in_both_languages(market, people, lang):
    owner = people["owner"]
    need_id = market.need(owner, "published")
    response_id = market.respond(need_id, people["institute"])
    for user, path in ((None, "/needs"), (None, f"/needs/{need_id}"),
                       (owner, f"/needs/{need_id}"), (owner, "/needs/mine"),
                       (owner, "/needs/new"), (people["institute"], f"/needs/{need_id}"),
                       (people["institute"], "/needs/mine"), (people["broker"], "/needs")):
        response, html = page(market.page_client(user), path, lang)
        assert response.status_code == 200, path
        assert f'lang="{lang}' in html, path
    _, html = page(market.page_client(owner), f"/needs/{need_id}", lang)
    assert f"response-{response_id}" in html
    if lang == "zh":
        assert "50 万元" in html  # the budget in 万元
    else:
        assert "¥500,000.00" in html
