"""Two-way matching through the search index: the offers that fit a need (matching.offers_for
and GET /api/v1/needs/<id>/matches), the needs that fit a listing (matching.needs_for and the
listing page's panel), a broker's matches across the market (/matches), and a need in the
search results. A synonym counts: a need about 瓦斯 finds records about 煤层气, and a need
written in English ("coal-bed methane") finds them through the synonym table."""
import re

import pytest

from marketplace.achievements.models import Achievement
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.needs import matching
from marketplace.needs.models import Need
from marketplace.search import search, sync
from tests.pages import element_text, text

GAS = {"title": "矿井瓦斯抽采技术需求", "keywords": ["瓦斯", "抽采"],
       "description": "我矿高瓦斯工作面需要提高瓦斯抽采浓度的钻孔封孔技术。",
       "indicators": "抽采浓度不低于 30%。"}
ENGLISH = {"title": "Coal-bed methane drainage", "keywords": ["drainage"],
           "description": "We need coal-bed methane drainage for a high-gas coal face.",
           "indicators": "Drained gas of at least 30 percent methane."}
DATES = {"title": "红枣深加工技术需求", "keywords": ["红枣", "加工"], "field": "agriculture",
         "description": "我公司需要红枣深加工与保鲜技术，开发红枣饮品。",
         "indicators": "保鲜期不少于 12 个月。", "cooperation_modes": ["licence_ordinary"]}
CBM = {"title": "煤层气抽采钻孔封孔技术", "title_en": "", "keywords": ["煤层气", "抽采"],
       "summary": "一种提高煤层气抽采浓度的钻孔封孔工艺，抽采浓度提高到 40%。"}
JUJUBE = {"title": "红枣深加工保鲜技术", "title_en": "", "keywords": ["红枣", "保鲜"],
          "field": "agriculture", "summary": "红枣深加工与保鲜工艺，保鲜期 18 个月。"}


def index(app):
    """Apply the outbox to the index (the request hook does it after a request)."""
    with app.app_context():
        sync()


def matches_of(app, model, record_id, find):
    """[(type, id, score, shared)] of find(record), best first."""
    with app.app_context():
        return [(m.hit.type, m.hit.id, m.score, m.shared)
                for m in find(db.session.get(model, record_id))]


def keys(found):
    return [(kind, record_id) for kind, record_id, _score, _shared in found]


@pytest.fixture
def offers(market, app):
    """An institute's registered 煤层气 achievement and its announced listing, an unrelated
    registered achievement (红枣) and its listing; everything indexed."""
    institute = market.user("institute")
    cbm = market.registered(institute, **CBM)
    jujube = market.registered(institute, **JUJUBE)
    made = {"institute": institute, "cbm": cbm, "jujube": jujube,
            "cbm_listing": market.listing(institute, "announced", achievement_id=cbm),
            "jujube_listing": market.listing(institute, "announced", achievement_id=jujube)}
    index(app)
    return made


# --- the offers that fit a need --------------------------------------------------------------

def test_a_need_about_gas_finds_coal_bed_methane_offers_first(market, app, offers):
    need_id = market.need(market.user("enterprise"), "published", **GAS)
    index(app)
    found = matches_of(app, Need, need_id, matching.offers_for)
    related = {("listing", offers["cbm_listing"]), ("achievement", offers["cbm"])}
    unrelated = {("listing", offers["jujube_listing"]), ("achievement", offers["jujube"])}
    assert set(keys(found)[:2]) == related
    assert not set(keys(found)[2:]) & related
    assert set(keys(found)) <= related | unrelated
    scores = [score for *_rest, score, _shared in found]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    for kind, record_id, _score, shared in found:
        if (kind, record_id) in related:
            # 瓦斯 (the need's word) is shared with 煤层气 (the offer's) through the synonyms.
            assert "瓦斯" in shared and "抽采" in shared
            assert "瓦斯抽采" in shared  # 瓦斯抽采 = 煤层气抽采, longest first
            assert shared[0] == "瓦斯抽采"
        else:
            assert "瓦斯" not in shared and "瓦斯抽采" not in shared


def test_the_shared_terms_are_marked_on_both_sides(market, app, offers):
    need_id = market.need(market.user("enterprise"), "published", **GAS)
    index(app)
    with app.app_context():
        need = db.session.get(Need, need_id)
        best = matching.offers_for(need)[0]
        # Adjacent shared terms are marked as one: 煤层气抽采 + 钻孔 + 封孔; a word every
        # technical text has (技术) explains nothing and is not marked.
        assert str(best.hit.mark(best.hit.record.title)) == "<mark>煤层气抽采钻孔封孔</mark>技术"
        assert str(best.hit.mark(need.title)) == "矿井<mark>瓦斯抽采</mark>技术需求"
        assert "<mark>" not in str(best.hit.mark("红枣饮品"))


def test_a_need_in_english_finds_the_chinese_record_through_the_synonyms(market, app, offers):
    need_id = market.need(market.user("enterprise"), "published", **ENGLISH)
    index(app)
    found = matches_of(app, Need, need_id, matching.offers_for)
    related = {("listing", offers["cbm_listing"]), ("achievement", offers["cbm"])}
    assert set(keys(found)[:2]) == related
    assert ("achievement", offers["jujube"]) not in keys(found)[:2]
    shared = found[0][3]
    assert shared == ["coal bed methane"]
    with app.app_context():
        best = matching.offers_for(db.session.get(Need, need_id))[0]
        assert "<mark>煤层气</mark>" in str(best.hit.mark(best.hit.record.title))
        marked = str(best.hit.mark(ENGLISH["title"]))
        assert "<mark>Coal</mark>-<mark>bed</mark> <mark>methane</mark>" in marked


def test_a_name_of_several_words_is_one_shared_term(market, app):
    english = market.registered(market.user("institute"), title="煤层气井压裂技术",
                                title_en="Fracturing of coal-bed methane wells",
                                keywords=["压裂"], summary="压裂增产。")
    need_id = market.need(market.user("enterprise"), "published", **ENGLISH)
    index(app)
    found = matches_of(app, Need, need_id, matching.offers_for)
    assert found[0][:2] == ("achievement", english)
    assert found[0][3] == ["coal bed methane"]  # not also "coal", "bed" and "methane"


def test_records_that_are_not_public_never_match(market, app):
    institute, owner = market.user("institute"), market.user("enterprise")
    draft_achievement = market.achievement(institute, "draft", **CBM)
    returned_achievement = market.achievement(institute, "returned", **CBM)
    registered = market.registered(institute, **CBM)
    draft_listing = market.listing(institute, "draft", achievement_id=registered)
    pending_listing = market.listing(institute, "pending_review", achievement_id=market.registered(
        institute, **dict(CBM, title="煤层气抽采钻孔封孔装置")))
    unpublished = [market.need(owner, state, **GAS)
                   for state in ("draft", "pending_review", "returned", "withdrawn")]
    published = market.need(owner, "published", **GAS)
    resolved = market.need(owner, "resolved", **GAS)
    open_listing = market.listing(institute, "announced", achievement_id=market.registered(
        institute, **dict(CBM, title="煤层气抽采钻孔封孔材料")))
    index(app)
    found = keys(matches_of(app, Need, published, matching.offers_for))
    assert ("listing", open_listing) in found and ("achievement", registered) in found
    for hidden in (("achievement", draft_achievement), ("achievement", returned_achievement),
                   ("listing", draft_listing), ("listing", pending_listing)):
        assert hidden not in found, hidden
    # Even an unpublished need finds offers (its owner may look), but is never found itself.
    assert ("listing", open_listing) in keys(matches_of(app, Need, unpublished[0],
                                                        matching.offers_for))
    needs = keys(matches_of(app, Listing, open_listing, matching.needs_for))
    assert needs == [("need", published)]
    assert all(("need", n) not in needs for n in unpublished + [resolved])


def test_the_needs_that_fit_an_offer(market, app, offers):
    owner = market.user("enterprise")
    gas = market.need(owner, "published", **GAS)
    english = market.need(owner, "published", **ENGLISH)
    dates = market.need(owner, "published", **DATES)
    index(app)
    found = matches_of(app, Listing, offers["cbm_listing"], matching.needs_for)
    assert keys(found)[:2] == [("need", gas), ("need", english)]
    assert ("need", dates) not in keys(found)[:2]
    assert "煤层气抽采" in found[0][3] and "煤层气" in found[0][3]
    assert found[1][3] == ["煤层气"]  # the English need shares it through the synonyms
    found = matches_of(app, Achievement, offers["jujube"], matching.needs_for)
    assert keys(found)[0] == ("need", dates)
    assert "红枣" in found[0][3]


# --- the API ---------------------------------------------------------------------------------

def test_the_api_lists_the_matches_best_first(market, app, offers, client):
    need_id = market.need(market.user("enterprise"), "published", **GAS)
    index(app)
    response = client.get(f"/api/v1/needs/{need_id}/matches")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert all(set(item) == {"type", "id", "title", "score", "shared_terms"} for item in items)
    assert {(i["type"], i["id"]) for i in items[:2]} == {("listing", offers["cbm_listing"]),
                                                          ("achievement", offers["cbm"])}
    assert items[0]["title"] == CBM["title"]
    assert "瓦斯" in items[0]["shared_terms"]
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    pending = market.need(market.user("enterprise"), "pending_review", **GAS)
    assert client.get(f"/api/v1/needs/{pending}/matches").status_code == 404


# --- the listing page's panel ----------------------------------------------------------------

PANEL = "Needs that fit this listing"


def test_the_seller_and_the_bureau_see_the_needs_that_fit_the_listing(market, app, offers):
    owner = market.user("enterprise")
    gas = market.need(owner, "published", **GAS, budget_min="300000", budget_max="900000")
    market.need(owner, "draft", title="未发布的瓦斯抽采需求", keywords=["瓦斯"])
    index(app)
    url = f"/listings/{offers['cbm_listing']}?lang=en"
    seller_member = market.member_of(offers["institute"].organization_id)
    for viewer in (offers["institute"], seller_member, market.bureau(),
                   market.user("admin")):
        html = text(market.page_client(viewer).get(url).get_data(as_text=True))
        panel = element_text(html, "fitting-needs")
        assert panel is not None and PANEL in panel
        match = re.search(rf'<div class="match" id="match-need-{gas}">.*?</ol>', html, re.S)
        assert match, html[:200]
        block = match.group(0)
        assert f'href="/needs/{gas}"' in block
        # In the title and the description (with the shared terms next to it).
        assert len(re.findall(r"<mark>[^<]*瓦斯抽采[^<]*</mark>", block)) == 2
        assert "No. 1" in block
        item = element_text(html, f"match-need-{gas}")
        for fact in (owner_name(market, owner), "¥300,000.00 to ¥900,000.00",
                     "Responses until Sep 30, 2026", "Shared terms: 煤层气抽采 煤层气"):
            assert fact in item, fact
        assert "未发布的瓦斯抽采需求" not in html


def owner_name(market, user):
    with market.app.app_context():
        from marketplace.accounts.models import Organization

        return db.session.get(Organization, user.organization_id).name


@pytest.mark.parametrize("role", ["enterprise", "institute", "broker", "visitor"])
def test_others_do_not_see_the_panel(market, app, offers, role):
    market.need(market.user("enterprise"), "published", **GAS)
    index(app)
    viewer = None if role == "visitor" else market.user(role)
    response = market.page_client(viewer).get(f"/listings/{offers['cbm_listing']}?lang=en")
    assert response.status_code == 200
    assert PANEL not in response.get_data(as_text=True)


@pytest.mark.parametrize("state", ["pending_review", "paused", "terminated"])
def test_the_panel_is_shown_while_the_listing_is_open_only(market, app, state):
    institute = market.user("institute")
    market.need(market.user("enterprise"), "published", **GAS)
    listing_id = market.listing(institute, state,
                                achievement_id=market.registered(institute, **CBM))
    index(app)
    html = market.page_client(institute).get(f"/listings/{listing_id}?lang=en") \
        .get_data(as_text=True)
    assert PANEL not in html


def test_the_panel_says_when_no_need_fits(market, app, offers):
    index(app)
    html = market.page_client(offers["institute"]).get(
        f"/listings/{offers['jujube_listing']}?lang=en").get_data(as_text=True)
    assert PANEL in html and "No published need fits this listing yet." in html


# --- a broker's matches across the market ----------------------------------------------------

@pytest.mark.parametrize(("role", "answer"), [
    ("broker", 200), ("bureau", 200), ("admin", 200), ("enterprise", 403),
    ("institute", 403), ("visitor", "login")])
def test_the_matches_page_is_for_brokers_and_officers(market, role, answer):
    viewer = None if role == "visitor" else market.user(role)
    response = market.page_client(viewer).get("/matches")
    if answer == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == answer


def pairs_on(html):
    """[(need id, offer type, offer id)] of the pairs shown, in order."""
    return [(int(n), kind, int(i)) for n, kind, i in
            re.findall(r'id="pair-(\d+)-(\w+?)-(\d+)"', html)]


def test_the_matches_page_pairs_needs_and_offers_best_first(market, app, offers):
    owner = market.user("enterprise")
    gas = market.need(owner, "published", **GAS)
    dates = market.need(owner, "published", **DATES)
    market.need(owner, "pending_review", title="待审的瓦斯需求", keywords=["瓦斯"])
    index(app)
    client = market.page_client(market.user("broker"))
    response = client.get("/matches?lang=en")
    assert response.status_code == 200
    html = text(response.get_data(as_text=True))
    pairs = pairs_on(html)
    assert (gas, "listing", offers["cbm_listing"]) in pairs
    assert (gas, "achievement", offers["cbm"]) in pairs
    assert (dates, "achievement", offers["jujube"]) in pairs
    assert "待审的瓦斯需求" not in html
    scores = [float(s) for s in re.findall(r"score (\d+\.\d+)", html)]
    assert scores == sorted(scores, reverse=True) and len(scores) == len(pairs)
    pair = re.search(rf'id="pair-{gas}-listing-{offers["cbm_listing"]}".*?</article>', html,
                     re.S).group(0)
    need_side = pair[pair.index("match-need"):pair.index("match-offer")]
    offer_side = pair[pair.index("match-offer"):]
    assert "<mark>瓦斯抽采" in need_side and f'href="/needs/{gas}"' in need_side
    assert "<mark>煤层气抽采" in offer_side
    assert f'href="/listings/{offers["cbm_listing"]}"' in offer_side
    assert "Shared terms: 瓦斯抽采" in " ".join(re.sub(r"<[^>]+>", " ", pair).split())
    assert "published needs in all" in html


def test_the_matches_page_filters_by_field(market, app, offers):
    owner = market.user("enterprise")
    gas = market.need(owner, "published", **GAS)
    dates = market.need(owner, "published", **DATES)
    index(app)
    client = market.page_client(market.user("broker"))
    html = client.get("/matches?field=agriculture&lang=en").get_data(as_text=True)
    assert {n for n, _kind, _id in pairs_on(html)} == {dates}
    assert re.search(r'value="agriculture" id="field-agriculture" checked', html)
    assert not re.search(r'value="coal" id="field-coal" checked', html)
    html = client.get("/matches?field=coal&lang=en").get_data(as_text=True)
    assert {n for n, _kind, _id in pairs_on(html)} == {gas}
    html = client.get("/matches?field=coal&field=agriculture&field=bogus").get_data(
        as_text=True)
    assert {n for n, _kind, _id in pairs_on(html)} == {gas, dates}
    html = client.get("/matches?field=culture&lang=en").get_data(as_text=True)
    assert pairs_on(html) == [] and "No need is published in these fields." in html


def test_the_matches_page_pages_through_the_needs(market, app, offers):
    owner = market.user("enterprise")
    needs = [market.need(owner, "published", **dict(GAS, title=f"瓦斯抽采需求{i}"))
             for i in range(11)]
    index(app)
    client = market.page_client(market.bureau())
    first = client.get("/matches?field=coal&lang=en").get_data(as_text=True)
    second = client.get("/matches?field=coal&page=2&lang=en").get_data(as_text=True)
    # The newest published ten first, the oldest on the second page.
    assert {n for n, *_ in pairs_on(first)} == set(needs[1:])
    assert {n for n, *_ in pairs_on(second)} == {needs[0]}
    assert 'href="/matches?field=coal&amp;page=2"' in first


# --- a need in the search results ------------------------------------------------------------

def test_a_published_need_in_the_search_results(market, app, client):
    owner = market.user("enterprise")
    need_id = market.need(owner, "published", **GAS)
    index(app)
    with app.app_context():
        assert [h.id for h in search("瓦斯", {"type": "need"}).hits] == [need_id]
    html = text(client.get("/search?q=封孔&type=need&lang=en").get_data(as_text=True))
    hit = element_text(html, f"hit-need-{need_id}")
    assert hit == GAS["title"]
    item = re.search(r'<article class="card-body" aria-labelledby="hit-need-\d+">.*?</article>',
                     html, re.S).group(0)
    assert '<span class="badge type-badge type-need">Need</span>' in item
    assert "<mark>封孔</mark>" in item  # the snippet of the description
    meta = " ".join(re.sub(r"<[^>]+>", " ", item[item.index("search-hit-meta"):]).split())
    for fact in ("Coal and coal-bed methane", owner_name(market, owner),
                 "Budget: ¥500,000.00 to ¥2,000,000.00", "Responses until Sep 30, 2026"):
        assert fact in meta, fact
