"""A person's first visit: register an enterprise, log out, log in, switch language, log out."""
import itertools
import re

from playwright.sync_api import expect

from marketplace.credit_code import check_character, is_valid

PASSWORD = "Journey-pass-2026"
CJK = re.compile(r"[\u4e00-\u9fff]")
IN_CHINESE = "the navigation should be in Chinese (is translations/zh compiled?)"
_serial = itertools.count(1)


def credit_code():
    """A valid unified social credit code (GB 32100-2015) of a Lishi District enterprise."""
    first17 = f"91141102MA0L{next(_serial):05d}"
    code = first17 + check_character(first17)
    assert is_valid(code)
    return code


def logout_button(page):
    return page.locator("nav form[action$='/logout'] [type=submit]")


def login_link(page):
    return page.locator("nav a[href$='/login']")


def submit(page, field_id):
    """Press the submit button of the form that holds the field."""
    page.locator("form").filter(has=page.locator(f"#{field_id}")).locator(
        "[type=submit]").click()


def log_in(page, username, password):
    login_link(page).click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    submit(page, "password")
    expect(logout_button(page)).to_be_visible()


def test_register_login_switch_language_logout(page):
    username = "e2e_enterprise"

    # A browser asking for Chinese gets the Chinese pages.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.locator("nav a[href$='/register']").click()
    expect(page).to_have_url(re.compile(r"/register$"))

    page.locator("#role").select_option("enterprise")
    page.locator("#username").fill(username)
    page.locator("#email").fill(f"{username}@example.cn")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator("#org_name").fill("吕梁市端到端测试科技有限公司")
    page.locator("#org_kind").select_option("enterprise")
    page.locator("#org_entity_type").select_option("private_enterprise")
    page.locator("#org_credit_code").fill(credit_code())
    page.locator("#org_county").select_option("141102")
    page.locator("#org_address").fill("吕梁市离石区龙凤南大街 1 号")
    page.locator("#org_contact_name").fill("测试员")
    page.locator("#org_contact_phone").fill("0358-8200001")
    submit(page, "org_name")

    # Registration logs the new user in and goes home.
    expect(logout_button(page)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".flashes [role=status]")).to_be_visible()

    logout_button(page).click()
    expect(login_link(page)).to_be_visible()
    expect(logout_button(page)).to_have_count(0)

    log_in(page, username, PASSWORD)
    expect(page.locator(".flashes")).to_contain_text(username)

    # Chinese first: the language attribute and the navigation are Chinese.
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(logout_button(page), IN_CHINESE).to_have_text(CJK)

    page.get_by_role("link", name="English", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]lang=en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(logout_button(page)).to_have_text("Log out")
    expect(page.locator("nav .nav-link[href='/']")).to_have_text("Home")

    # The choice is remembered without ?lang= in the address.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(logout_button(page)).to_have_text("Log out")

    page.get_by_role("link", name="中文", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]lang=zh"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(logout_button(page), IN_CHINESE).to_have_text(CJK)
    expect(logout_button(page)).not_to_have_text("Log out")

    logout_button(page).click()
    expect(login_link(page)).to_be_visible()
    expect(logout_button(page)).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_demo_account_logs_in(page):
    """`flask seed-demo` ran on the live server: a demo enterprise user can log in."""
    page.goto("/?lang=en")
    log_in(page, "fenjiu", "demo-password-2026")
    expect(page.locator(".flashes")).to_contain_text("fenjiu")
    expect(page.locator("nav a[href^='/organizations/']")).to_be_visible()
    logout_button(page).click()
    expect(login_link(page)).to_be_visible()
