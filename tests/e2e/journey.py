"""Helpers of the browser journeys: people as browser contexts, the catalogue's words, forms.

Each actor of a journey is its own browser context (its own cookies) in the run's language;
`t()` gives the words the pages must show in that language (the compiled catalogue's Chinese,
or the English msgid).
"""
import gettext
import itertools
import re
import secrets

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, ROOT, TIMEOUT_MS

PASSWORD = "Journey-pass-2026"
DEMO_PASSWORD = "demo-password-2026"
LOCALES = {"zh": "zh-CN", "en": "en"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CJK = re.compile(r"[\u4e00-\u9fff]")
_codes = itertools.count(1)


def catalogue(lang):
    """gettext for the run's language: the compiled Chinese catalogue, or the msgids."""
    if lang == "en":
        return lambda msgid, **params: msgid % params if params else msgid
    with open(ROOT / "translations/zh/LC_MESSAGES/messages.mo", "rb") as mo:
        translations = gettext.GNUTranslations(mo)

    def t(msgid, **params):
        text = translations.gettext(msgid)
        return text % params if params else text
    return t


def credit_code(prefix="91141102MA0J"):
    """A valid, unique unified social credit code (GB 32100-2015)."""
    from marketplace.credit_code import check_character

    first17 = f"{prefix}{secrets.randbelow(10_000):04d}{next(_codes) % 10}"
    return first17 + check_character(first17)


def patent_number():
    """A valid, unique invention patent number (ZL + 12 digits + . + check character)."""
    from marketplace.ip_numbers import check_character

    digits = f"2024{secrets.randbelow(10 ** 8):08d}"
    return f"ZL{digits}.{check_character(digits)}"


def pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def fill(page, values):
    """Fill fields by id: a <select> gets its option by value, a checkbox is checked, any other
    input or textarea is typed into."""
    for field_id, value in values.items():
        field = page.locator(f"#{field_id}")
        tag = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if tag.startswith("select"):
            field.select_option(value)
        elif tag == "input:checkbox":
            field.set_checked(bool(value))
        else:
            field.fill(value)


def check_boxes(page, name, values):
    for value in values:
        page.locator(f"input[name='{name}'][value='{value}']").check()


class Actor:
    """One person of the journey: a browser context in the run's language and its tab."""

    def __init__(self, browser, server, lang, t, name):
        self.t, self.name = t, name
        # Reduced motion: no focus-ring transitions, so the focus check sees the final style.
        self.context = browser.new_context(base_url=server.url, locale=LOCALES[lang],
                                           viewport={"width": 1280, "height": 900},
                                           reduced_motion="reduce")
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.set_default_navigation_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())  # data-confirm questions
        self.lang = lang

    def goto(self, path):
        self.page.goto(path)
        expect(self.page.locator("html")).to_have_attribute("lang", LOCALES[self.lang])
        return self.page

    def button(self, msgid, **params):
        return self.page.get_by_role("button", name=self.t(msgid, **params), exact=True)

    def link(self, name, exact=True):
        return self.page.get_by_role("link", name=name, exact=exact)

    def press(self, msgid, **params):
        """Click the button named by the catalogue's words (one that is unique on the page)
        and wait for the page it leads to (so no check sees the previous page's message)."""
        with self.page.expect_navigation():
            self.button(msgid, **params).click()

    def click_and_wait(self, locator):
        with self.page.expect_navigation():
            locator.click()

    def expect_flash(self):
        expect(self.page.locator(".flashes [role=status], .flashes [role=alert]").first) \
            .to_be_visible()

    def expect_text(self, msgid, **params):
        expect(self.page.locator("main")).to_contain_text(self.t(msgid, **params))

    def log_in(self, username, password=PASSWORD, keyboard=False):
        page = self.goto("/login")
        button = page.locator("form").filter(has=page.locator("#password")).locator(
            "[type=submit]")
        with page.expect_navigation():
            if keyboard:
                keys = Keyboard(page)
                keys.enter({"username": username, "password": password})
                keys.submit(button)
            else:
                page.locator("#username").fill(username)
                page.locator("#password").fill(password)
                button.click()
        expect(page.locator("nav form[action$='/logout'] [type=submit]")).to_be_visible()
        # A user's saved language wins over the browser's: switch to the run's with ?lang=.
        page = self.goto(f"/?lang={self.lang}")
        expect(page.locator("nav form[action$='/logout'] [type=submit]")).to_have_text(
            self.t("Log out"))
        return page

    def close(self):
        self.context.close()


class Cast:
    """The actors of one journey; on a failure, each one's screenshot and HTML are saved to
    test-artifacts/<test>-<actor>.png/.html (the conftest saves only the `page` fixture's)."""

    def __init__(self, browser, server, lang, test_name):
        self.browser, self.server, self.lang = browser, server, lang
        self.t = catalogue(lang)
        self.test_name = re.sub(r"[^\w.-]+", "_", test_name)
        self.actors = []

    def actor(self, name):
        actor = Actor(self.browser, self.server, self.lang, self.t, name)
        self.actors.append(actor)
        return actor

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, traceback):
        if exc is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            for actor in self.actors:
                stem = ARTIFACTS / f"{self.test_name}-{actor.name}"
                try:
                    actor.page.screenshot(path=f"{stem}.png", full_page=True)
                    stem.with_suffix(".html").write_text(actor.page.content())
                except Exception:  # noqa: BLE001  (the original failure matters more)
                    pass
        for actor in self.actors:
            actor.close()
        return False


# --- keyboard only ----------------------------------------------------------------------------

FOCUS_VISIBLE = """e => {
  const style = getComputedStyle(e);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return outline || (style.boxShadow && style.boxShadow !== 'none');
}"""
IS_FOCUSED = "e => document.activeElement === e"
TAB_LIMIT = 120  # a form page's navigation, form and footer have fewer stops than that


class Keyboard:
    """A form filled with the keyboard only: Tab (and Shift+Tab) to each field in the page's
    order, typing, arrow keys in a <select>, Space on a checkbox, Enter on the submit button.
    Every field reached must show its focus (an outline or a box shadow)."""

    def __init__(self, page):
        self.page = page

    def tab_to(self, locator, back=False):
        target = locator.first.element_handle()
        if self.page.evaluate(IS_FOCUSED, target):  # autofocus
            return target
        for _ in range(TAB_LIMIT):
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
            if self.page.evaluate(IS_FOCUSED, target):
                assert self.page.evaluate(FOCUS_VISIBLE, target), \
                    f"the keyboard focus is not visible on {locator}"
                return target
        raise AssertionError(f"{TAB_LIMIT} presses of Tab never reached {locator} "
                             "(is it out of the tab order?)")

    def enter(self, values):
        """Fill fields by id, in the page's tab order."""
        for field_id, value in values.items():
            field = self.page.locator(f"#{field_id}")
            kind = self.tab_to(field).evaluate(
                "e => e.tagName.toLowerCase() + ':' + (e.type || '')")
            if kind.startswith("select"):
                self._choose(field, value)
            elif kind == "input:checkbox":
                if field.is_checked() != bool(value):
                    self.page.keyboard.press("Space")
            elif kind == "input:date":
                self._date(field, value)
            else:
                self.page.keyboard.press("ControlOrMeta+A")
                self.page.keyboard.type(value)
            if not kind.startswith("select") and kind != "input:checkbox":
                assert field.input_value() == value, (field_id, field.input_value(), value)

    def _choose(self, field, value):
        values = field.locator("option").evaluate_all("os => os.map(o => o.value)")
        assert value in values, (value, values)
        steps = values.index(value) - field.evaluate("e => e.selectedIndex")
        for _ in range(abs(steps)):
            self.page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
        assert field.input_value() == value, (field.input_value(), value)

    def _date(self, field, value):
        """A date typed in the segments' order of the browser's locale."""
        year, month, day = value.split("-")
        order = self.page.evaluate("() => new Intl.DateTimeFormat(navigator.language)"
                                   ".formatToParts(new Date(2001, 1, 3))"
                                   ".map(p => p.type).filter(t => t !== 'literal')")
        parts = {"year": year, "month": month, "day": day}
        self.page.keyboard.type("".join(parts[segment] for segment in order))
        assert field.input_value() == value, (field.input_value(), value)

    def submit(self, button):
        """Tab to the submit button, check Shift+Tab leaves it and Tab returns, press Enter."""
        self.tab_to(button)
        self.page.keyboard.press("Shift+Tab")
        assert not self.page.evaluate(IS_FOCUSED, button.first.element_handle())
        self.tab_to(button)
        self.page.keyboard.press("Enter")
