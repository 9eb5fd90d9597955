"""The credit pages: the public formula and grade distribution, and an organisation's or a
broker's score, grade and history, with who may see what (in Chinese and English)."""
import pytest
from credit_helpers import Market, words

from marketplace.contracts import services as contracts
from marketplace.credit.services import KINDS
from tests.pages import element_text, text

REVOKED = "经查该合同系虚构交易。"


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


def get(market, user, path, lang=None):
    client = market.page_client(user)
    return client.get(path + (f"?lang={lang}" if lang else ""))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_formula_page_shows_the_formula_the_weights_and_the_grades(app, market, lang):
    response = get(market, None, "/credit", lang)
    assert response.status_code == 200
    html = text(response.get_data(as_text=True))
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}"' in html
    assert element_text(html, "credit-formula") == words(
        app, lang, "score = %(base)d + the positive points (at most %(cap)d) + the negative "
        "points, kept between 0 and 100", base=70, cap=30)
    for kind, (points, label) in KINDS.items():
        row = element_text(html, f"kind-{kind}")
        assert row.startswith(words(app, lang, label))
        if kind != "rating_withdrawn":
            assert row.endswith(f"+{points}" if points > 0 else f"−{-points}")
    assert element_text(html, "grade-A").startswith("A 85–100")
    assert element_text(html, "grade-B").startswith("B 70–84")
    assert element_text(html, "grade-C").startswith("C 60–69")
    assert element_text(html, "grade-D").startswith("D 0–59")
    assert words(app, lang, "Only the events of the last %(days)d days count; older events "
                 "stay in the history.", days=1095) in html


def test_the_distribution_counts_verified_organisations_and_brokers(market):
    top, low = market.user("enterprise"), market.user("enterprise")
    market.user("institute")  # verified, without events: grade B
    unverified = market.contracts.filer(status="unverified")
    market.record("deal_completed", 5, org_id=unverified.organization_id)  # not counted
    market.record("deal_completed", 5, org_id=top.organization_id)
    market.record("blacklisted", org_id=low.organization_id)
    plain_broker, good_broker = market.broker(), market.broker()
    market.broker("pending")  # not counted as a broker (its employer is an organisation)
    market.record("deal_completed", 5, broker_id=good_broker.id)
    assert market.score(broker=plain_broker) == (70, "B")  # no stored score: the base
    html = get(market, None, "/credit", "en").get_data(as_text=True)
    # Organisations: top (A); plain and the three brokers' employers (B); low (D).
    assert element_text(html, "distribution-A").endswith(" 1 1")
    assert element_text(html, "distribution-B").endswith(" 4 1")
    assert element_text(html, "distribution-C").endswith(" 0 0")
    assert element_text(html, "distribution-D").endswith(" 1 0")
    assert element_text(html, "distribution-total") == "Total 6 2"


def _revoked_contract(market):
    filer = market.contracts.filer()
    record_id = market.contract(filer, "certified")
    market.run(contracts.revoke, record_id, market.contracts.bureau(), "false", REVOKED)
    return filer, record_id


@pytest.mark.parametrize(("who", "link", "comment"), [
    ("visitor", False, False), ("stranger", False, False), ("member", True, True),
    ("bureau", True, True), ("admin", True, True)])
def test_an_organisation_s_history_links_and_explains_only_for_those_allowed(
        app, market, who, link, comment):
    filer, record_id = _revoked_contract(market)
    viewer = {"visitor": None, "stranger": market.user("enterprise"),
              "member": market.contracts.member_of(market.contracts.org_of(filer), "institute"),
              "bureau": market.contracts.bureau(), "admin": market.user("admin")}[who]
    response = get(market, viewer, f"/credit/organizations/{filer.organization_id}", "en")
    assert response.status_code == 200
    html = text(response.get_data(as_text=True))
    assert element_text(html, "credit-score").startswith("53 / 100 Grade D")  # 70 + 3 - 10 - 10
    table = element_text(html, "credit-events")
    for kind in ("contract_certified", "certificate_revoked", "submission_false"):
        assert str(KINDS[kind][1]) in table
    assert "−10" in table and "+3" in table
    assert (f'href="/contracts/{record_id}"' in html) is link
    assert (REVOKED in html) is comment
    assert f"Technology contract #{record_id}" in table


@pytest.mark.parametrize(("who", "status"), [
    ("visitor", 404), ("stranger", 404), ("member", 200), ("bureau", 200)])
def test_an_unverified_organisation_s_record_is_for_its_members_and_officers(
        market, who, status):
    member = market.contracts.filer(status="unverified")
    viewer = {"visitor": None, "stranger": market.user("enterprise"), "member": member,
              "bureau": market.contracts.bureau()}[who]
    response = get(market, viewer, f"/credit/organizations/{member.organization_id}")
    assert response.status_code == status


def test_unknown_records_are_404(market):
    enterprise = market.user("enterprise")
    for path in ("/credit/organizations/999999", "/credit/brokers/999999",
                 f"/credit/brokers/{enterprise.id}"):  # a user that is not a broker
        assert get(market, None, path).status_code == 404


@pytest.mark.parametrize(("status", "who", "code"), [
    ("verified", "visitor", 200), ("pending", "visitor", 404), ("pending", "stranger", 404),
    ("pending", "self", 200), ("suspended", "bureau", 200), ("rejected", "visitor", 404)])
def test_a_broker_s_record_is_public_while_verified(market, status, who, code):
    broker = market.broker(status)
    viewer = {"visitor": None, "stranger": market.user("broker"), "self": broker,
              "bureau": market.bureau()}[who]
    assert get(market, viewer, f"/credit/brokers/{broker.id}").status_code == code


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_broker_s_history_shows_its_deals_and_ratings(app, market, lang):
    seller, buyer, broker = (market.user("institute"), market.user("enterprise"),
                             market.broker())
    deal_id = market.new_deal(seller, buyer, broker)
    market.rate(deal_id, seller, f"broker:{broker.id}", 2, "报价材料准备不充分。")
    html = text(get(market, None, f"/credit/brokers/{broker.id}", lang)
                .get_data(as_text=True))
    grade = words(app, lang, "Grade %(grade)s", grade="B")
    assert element_text(html, "credit-score").startswith(f"70 / 100 {grade}")
    events = element_text(html, "credit-events")
    assert words(app, lang, KINDS["rating_poor"][1]) in events
    assert f'href="/deals/{deal_id}"' not in html  # a visitor may not see the deal
    assert "报价材料准备不充分。" in element_text(html, "credit-ratings")
    assert element_text(html, "rating-summary") == words(
        app, lang, "Average %(average)s of 5 from %(num)d rating.", average="2.0", num=1)
    profile_id = market.profile_id(broker)
    assert f'href="/brokers/{profile_id}"' in html


def test_the_broker_follows_the_link_to_the_deal_it_brokered(market):
    seller, buyer, broker = (market.user("institute"), market.user("enterprise"),
                             market.broker())
    deal_id = market.new_deal(seller, buyer, broker)
    html = get(market, broker, f"/credit/brokers/{broker.id}").get_data(as_text=True)
    assert f'href="/deals/{deal_id}"' in html


def test_old_events_are_shown_as_no_longer_counted(market):
    org = market.user("enterprise")
    market.record("winner_lapsed", org_id=org.organization_id)
    market.days_later(3 * 365 + 1)
    market.record("deal_completed", org_id=org.organization_id)
    html = get(market, None, f"/credit/organizations/{org.organization_id}", "en") \
        .get_data(as_text=True)
    assert element_text(html, "credit-score").startswith("73 / 100")
    assert element_text(html, "credit-events").count("No longer counted") == 1


def test_a_record_without_events_or_ratings(market):
    org = market.user("institute")
    html = get(market, None, f"/credit/organizations/{org.organization_id}", "en") \
        .get_data(as_text=True)
    assert element_text(html, "credit-score").startswith("70 / 100 Grade B")
    assert element_text(html, "no-events") == "No events yet."
    assert element_text(html, "rating-summary") == "No ratings yet."


def test_the_history_is_paged(market):
    org = market.user("institute")
    market.record("deal_completed", 21, org_id=org.organization_id)
    path = f"/credit/organizations/{org.organization_id}"
    first = get(market, None, path, "en").get_data(as_text=True)
    assert element_text(first, "credit-events").count("+3") == 20
    client = market.page_client(None)
    second = client.get(path + "?lang=en&page=2").get_data(as_text=True)
    assert element_text(second, "credit-events").count("+3") == 1
