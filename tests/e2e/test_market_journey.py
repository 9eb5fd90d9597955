"""The whole market through its pages, once in Chinese and once in English.

Registration of an institute, two enterprises and a broker; the bureau verifies them; an
achievement registered; a listing announced; two intents; bidding with the market's clock
moved; a deal; the contract completed, filed and certified; the certificate verified by a
visitor; the statistics counting it; a need matched. No API and no database writes: only what
a browser does, and the clock file the server reads (MARKET_CLOCK_FILE).
"""
import re
import secrets
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from marketplace.clock import LOCAL_TZ
from tests.e2e.journey import (
    DEMO_PASSWORD,
    PASSWORD,
    Cast,
    Keyboard,
    check_boxes,
    credit_code,
    fill,
    patent_number,
    pdf,
)

RESERVE, INCREMENT = 1_000_000, 50_000
FIELD = "environment"  # 节能环保


def complete(actor, values, button, keyboard=False):
    """Fill a form (fields by id, in the page's order) and press its button: with the mouse,
    or with the keyboard only (Tab, typing, arrows, Space, Enter; focus always visible)."""
    if keyboard:
        keys = Keyboard(actor.page)
        keys.enter(values)
        with actor.page.expect_navigation():
            keys.submit(actor.button(button))
    else:
        fill(actor.page, values)
        actor.press(button)


def register(actor, role, username, org=None, keyboard=False):
    """The registration page: a new user (and organisation); it logs them in."""
    actor.goto("/register")
    values = {"role": role, "username": username, "email": f"{username}@example.cn",
              "password": PASSWORD, "confirm": PASSWORD}
    if org is not None:
        name, kind, entity_type = org
        values |= {"org_name": name, "org_kind": kind, "org_entity_type": entity_type,
                   "org_credit_code": credit_code(), "org_county": "141102",
                   "org_address": "吕梁市离石区龙凤南大街 1 号", "org_contact_name": "测试员",
                   "org_contact_phone": "0358-8200001"}
    complete(actor, values, "Create my account", keyboard)
    page = actor.page
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("nav form[action$='/logout'] [type=submit]")).to_have_text(
        actor.t("Log out"))
    actor.expect_flash()


def decide(actor, queue, name, decision, comment=None):
    """An officer opens a record from a queue by its name and records a decision."""
    actor.goto(queue)
    actor.click_and_wait(actor.link(name).first)
    fill(actor.page, {"decision": decision})
    if comment:
        fill(actor.page, {"comment": comment})
    actor.press("Record the decision")
    actor.expect_flash()


def headline(actor, moment):
    """{label: number} of the statistics page's headline figures for the month of `moment`."""
    day = moment.astimezone(LOCAL_TZ)
    page = actor.goto(f"/stats?year={day.year}&month={day.month}")
    figures = {}
    for item in page.locator(".stat-figure").all():
        label = item.locator(".stat-figure-label").inner_text().strip()
        value = item.locator(".stat-figure-value").inner_text().split()[0]
        figures[label] = value
    return figures


def number(text):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return 0.0  # "—": no contract yet


@pytest.mark.parametrize(("lang", "keyboard"), [("zh", False), ("en", True)],
                         ids=["zh", "en-keyboard"])
def test_market_journey(browser, live_server, lang, keyboard, request):
    """In English, the main forms (login, registration, achievement, listing, intent and bid)
    are filled with the keyboard only."""
    started = time.monotonic()
    run = f"{lang}{secrets.token_hex(2)}"
    server = live_server
    t0 = server.now() + timedelta(hours=1)
    server.set_clock(t0)
    with Cast(browser, server, lang, request.node.name) as cast:
        t = cast.t
        institute, buyer_a, buyer_b = (cast.actor(n) for n in ("institute", "buyer_a", "buyer_b"))
        broker, bureau, visitor = (cast.actor(n) for n in ("broker", "bureau", "visitor"))

        # --- registration -------------------------------------------------------------------
        orgs = {"institute": f"吕梁端到端研究院{run}", "buyer_a": f"吕梁端到端甲公司{run}",
                "buyer_b": f"吕梁端到端乙公司{run}"}
        register(institute, "institute", f"e2e_inst_{run}",
                 (orgs["institute"], "research_institute", "research_institute"))
        register(buyer_a, "enterprise", f"e2e_ent_a_{run}",
                 (orgs["buyer_a"], "enterprise", "private_enterprise"))
        register(buyer_b, "enterprise", f"e2e_ent_b_{run}",
                 (orgs["buyer_b"], "enterprise", "private_enterprise"), keyboard)
        register(broker, "broker", f"e2e_broker_{run}")

        broker_name = f"端到端经纪人{run}"
        page = broker.goto("/brokers/me")
        fill(page, {"real_name": broker_name, "level": "junior",
                    "certificate_number": f"LLJJ-{run}", "certificate_issuer": "吕梁市科技局",
                    "years_of_practice": "3", "contact_phone": "13800000001",
                    "contact_email": f"broker_{run}@example.cn"})
        check_boxes(page, "fields", [FIELD])
        check_boxes(page, "regions", ["141102"])
        broker.press("File my profile")
        broker.expect_flash()

        # --- the bureau verifies the organisations and the broker ------------------------------
        bureau.log_in("bureau", DEMO_PASSWORD, keyboard)
        for key in ("institute", "buyer_a", "buyer_b"):
            decide(bureau, "/bureau/organizations", orgs[key], "verify")
        decide(bureau, "/bureau/brokers", broker_name, "verify")
        page = broker.goto("/brokers/me")
        expect(page.locator("main")).to_contain_text(t("Verified"))

        # --- an achievement registered --------------------------------------------------------
        title = f"煤矸石陶粒固废综合利用技术{run}"
        page = institute.goto("/achievements/new")
        complete(institute, {
            "title": title, "category": "applied", "field": FIELD,
            "keywords": "煤矸石，陶粒，固废利用",
            "summary": "以煤矸石为主要原料烧制轻质陶粒，固废综合利用率达到 90%。",
            "details": "保密：烧成温度曲线。", "attribute": "original",
            "level": "domestic_leading", "maturity": "7", "source": "provincial_plan",
            "research_start": "2021-03", "research_end": "2023-12", "secrecy": "none",
            "evaluation_method": "appraisal",
            "evaluation_certificate": f"晋科鉴字〔2024〕第 {run} 号",
            "evaluation_date": "2024-06-10", "completers-0-name": "李明",
            "completers-0-organization": orgs["institute"], "ip-0-type": "invention_patent",
            "ip-0-number": patent_number(), "ip-0-status": "granted"},
            "Save the draft", keyboard)
        institute.expect_flash()
        for kind in ("evaluation_proof", "development_report"):
            fill(page, {"kind": kind})
            page.locator("#file").set_input_files(pdf(f"{kind}.pdf"))
            institute.press("Attach")
            institute.expect_flash()
        institute.press("Submit to the science bureau")
        institute.expect_text("Submitted")
        decide(bureau, "/bureau/achievements", title, "register", "准予登记。")
        page = institute.goto(page.url)
        institute.expect_text("Registered")

        # --- a listing announced ----------------------------------------------------------
        page = institute.goto("/listings/new")
        option = page.locator("#achievement_id option", has_text=title)
        complete(institute, {
            "achievement_id": option.get_attribute("value"), "transfer_mode": "assignment",
            "asking_price": "1200000", "reserve_price": str(RESERVE),
            "bid_increment": str(INCREMENT), "announcement_days": "15", "listing_days": "30",
            "bidding_days": "1"}, "Save the draft", keyboard)
        institute.expect_flash()
        listing_url = page.url
        institute.press("Submit for review")
        institute.expect_text("Awaiting review")
        decide(bureau, "/bureau/listings", title, "approve")
        institute.goto(listing_url)
        institute.expect_text("Announced")

        # --- two intents --------------------------------------------------------------------
        for buyer, offer, keys in ((buyer_a, "1100000", False), (buyer_b, "1150000", keyboard)):
            page = buyer.goto(listing_url)
            complete(buyer, {"statement": "我公司有意受让该技术，具备实施条件。",
                             "offered_price": offer}, "Register the intent", keys)
            buyer.expect_flash()
            expect(buyer.button("Withdraw your intent")).to_be_visible()

        # --- bidding, with the clock moved past the announcement --------------------------
        server.set_clock(t0 + timedelta(days=15, minutes=30))
        for buyer, amount, keys in ((buyer_a, RESERVE, False),
                                    (buyer_b, RESERVE + INCREMENT, keyboard)):
            page = buyer.goto(listing_url)
            buyer.expect_text("Bidding")
            complete(buyer, {"amount": str(amount)}, "Place the bid", keys)
            buyer.expect_flash()

        # --- awarded at the end of bidding (moved by `flask market tick`), then a deal --------
        server.set_clock(t0 + timedelta(days=17))
        server.tick()
        for actor in (institute, buyer_b):
            actor.goto(listing_url)
            actor.expect_text("Awarded")
        for actor in (buyer_b, institute):
            page = actor.goto(listing_url)
            actor.click_and_wait(page.locator("form.confirm-form [type=submit]"))
            actor.expect_flash()
        institute.expect_text("Dealt")
        price = RESERVE + INCREMENT

        # --- the contract completed, signed, filed and certified -----------------------------
        page = institute.goto("/deals/mine")
        institute.click_and_wait(
            page.locator("main a[href^='/deals/']").filter(has_text=title).first)
        institute.click_and_wait(institute.link(t("The draft technology contract")).first)
        contract_url = page.url
        institute.click_and_wait(page.locator("main a[href$='/edit']").first)
        today = (t0 + timedelta(days=17)).astimezone(LOCAL_TZ).date()
        fill(page, {"signed_on": today.isoformat(), "valid_from": today.isoformat(),
                    "valid_to": (today + timedelta(days=730)).isoformat(),
                    "payment_method": "lump_sum"})
        institute.press("Save the changes")
        institute.expect_flash()
        page.goto(contract_url)
        page.locator("#file").set_input_files(pdf("signed-contract.pdf"))
        institute.press("Attach")
        institute.expect_flash()
        before = headline(visitor, t0 + timedelta(days=17))
        page = institute.goto(contract_url)
        institute.click_and_wait(page.locator("form[action$='/submit'] [type=submit]"))
        institute.expect_text("Submitted")
        contract_title = page.locator("h1").inner_text().strip()
        decide(bureau, "/bureau/contracts", contract_title, "certify", "准予登记。")
        page = institute.goto(contract_url)
        institute.expect_text("Certified")
        page = institute.goto(contract_url.rstrip("/") + "/certificate")
        code = page.locator(".certificate-code").inner_text().strip()
        certificate_url = page.locator(".certificate-url").inner_text().strip()
        number_match = re.search(r"/verify/(\w+)", certificate_url)
        assert number_match, certificate_url

        # --- a visitor verifies the certificate -------------------------------------------
        page = visitor.goto(f"/verify/{number_match.group(1)}")
        page.locator("#verify-code").fill(code)
        visitor.press("Check the certificate")
        expect(page.locator("main")).to_contain_text(contract_title)

        # --- the statistics count it --------------------------------------------------------
        after = headline(visitor, t0 + timedelta(days=17))
        count_label, amount_label = t("Certified contracts"), t("Contract amount")
        assert number(after[count_label]) == number(before[count_label]) + 1, (before, after)
        grown = round(number(after[amount_label]) - number(before[amount_label]), 2)
        assert grown in (price / 10_000, price), (before, after)  # in 万元 or in yuan

        # --- a need matched ----------------------------------------------------------------
        need_title = f"煤矸石陶粒生产线技术需求{run}"
        page = buyer_a.goto("/needs/new")
        fill(page, {"title": need_title,
                    "description": "寻求煤矸石制备轻质陶粒的固废综合利用技术。",
                    "field": FIELD, "keywords": "煤矸石，陶粒，固废利用",
                    "deadline": (today + timedelta(days=60)).isoformat()})
        page.locator("input[name=cooperation_modes]").first.check()
        buyer_a.press("Save the draft")
        buyer_a.expect_flash()
        buyer_a.press("Submit for review")
        buyer_a.expect_flash()
        decide(bureau, "/bureau/needs", need_title, "publish")
        page = broker.goto(f"/matches?field={FIELD}")
        expect(page.locator("main")).to_contain_text(need_title)
        expect(page.locator("main")).to_contain_text(title)

    elapsed = time.monotonic() - started
    print(f"\nthe {lang} journey took {elapsed:.1f} s")
