"""Languages: the Chinese catalogue is complete, and the locale is chosen as DESIGN.md says
(?lang=, then the user's preference, then the cookie, then Accept-Language, then zh)."""
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db

from .factories import PASSWORD, make_user
from .pages import text

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
ZH_PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
# The keywords `make translations` extracts (see the Makefile): gettext's, _l and N_.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}


def message_id(message):
    return message.id if isinstance(message.id, str) else message.id[0]


def translation(message):
    """The translated text, a tuple for plural forms ("" or ("",) when untranslated)."""
    return message.string if isinstance(message.string, str) else tuple(message.string)


def translated(message):
    text = translation(message)
    return all(text) if isinstance(text, tuple) else bool(text)


@pytest.fixture(scope="module")
def zh_catalogue():
    assert ZH_PO.exists(), f"{ZH_PO} is missing: run `make translations` and translate it"
    with ZH_PO.open("rb") as po:
        return read_po(po)


def test_zh_catalogue_has_no_untranslated_or_fuzzy_entry(zh_catalogue):
    assert not zh_catalogue.fuzzy, "the catalogue's header is marked fuzzy"
    untranslated = [message_id(m) for m in zh_catalogue if m.id and not translated(m)]
    fuzzy = [message_id(m) for m in zh_catalogue if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_zh_translations_keep_their_placeholders(zh_catalogue):
    problems = [(message_id(m), [str(e) for e in errors])
                for m, errors in zh_catalogue.check() if errors]
    assert problems == []


def test_every_message_in_the_code_is_in_the_zh_catalogue(zh_catalogue):
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    # Only hidden folders are skipped: babel's default also skips "_macros".
    in_code = {(message if isinstance(message, str) else message[0])
               for _, _, message, _, _ in extract_from_dir(
                   str(ROOT), method_map, options_map, keywords=KEYWORDS,
                   directory_filter=lambda path: not Path(path).name.startswith("."))}
    catalogued = {message_id(m) for m in zh_catalogue if m.id}
    assert sorted(in_code - catalogued) == [], "run `make translations` and translate"


def test_compiled_zh_catalogue_matches_the_po_file(zh_catalogue):
    mo_path = ZH_PO.with_suffix(".mo")
    assert mo_path.exists(), "run `make compile-translations`"
    with mo_path.open("rb") as mo:
        compiled = {message_id(m): translation(m) for m in read_mo(mo) if m.id}
    stale = [message_id(m) for m in zh_catalogue
             if m.id and translated(m) and compiled.get(message_id(m)) != translation(m)]
    assert stale == [], "run `make compile-translations`"


# --- choosing the language ----------------------------------------------------------------------

@pytest.fixture
def probe(make_app):
    """An app with two routes that answer with the locale chosen for them."""
    app = make_app()
    app.add_url_rule("/_locale", "page_locale", lambda: str(get_locale()))
    app.add_url_rule("/api/_locale", "api_locale", lambda: str(get_locale()))
    return app


@pytest.fixture
def browser(probe):
    return probe.test_client()


@pytest.mark.parametrize(("headers", "locale"), [
    ({}, "zh"),
    ({"Accept-Language": "en"}, "en"),
    ({"Accept-Language": "en-US,en;q=0.9"}, "en"),
    ({"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}, "zh"),
    ({"Accept-Language": "fr-FR,fr;q=0.9"}, "zh"),
])
def test_accept_language_then_chinese(browser, headers, locale):
    assert browser.get("/_locale", headers=headers).text == locale


def test_lang_parameter_is_remembered_in_a_cookie(browser):
    response = browser.get("/_locale?lang=en")
    assert response.text == "en"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert browser.get("/_locale").text == "en"
    assert browser.get("/_locale", headers={"Accept-Language": "zh-CN"}).text == "en"
    assert browser.get("/_locale?lang=zh").text == "zh"
    assert browser.get("/_locale").text == "zh"


def test_an_unknown_language_is_ignored(browser):
    response = browser.get("/_locale?lang=fr")
    assert response.text == "zh" and "Set-Cookie" not in response.headers


def test_a_users_choice_is_stored_and_follows_them(probe, browser):
    with probe.app_context():
        user = make_user("enterprise", username="li")
    assert browser.post("/login", data={"username": "li", "password": PASSWORD}
                        ).status_code == 302
    browser.get("/_locale?lang=en")
    with probe.app_context():
        assert db.session.scalar(select(User.locale).where(User.id == user.id)) == "en"
    elsewhere = probe.test_client()  # another browser: no cookie, a Chinese browser
    elsewhere.post("/login", data={"username": "li", "password": PASSWORD})
    assert elsewhere.get("/_locale", headers={"Accept-Language": "zh-CN"}).text == "en"


def test_the_api_follows_only_accept_language(browser):
    browser.get("/_locale?lang=en")  # the page-language cookie is set
    assert browser.get("/api/_locale").text == "zh"
    assert browser.get("/api/_locale?lang=en").text == "zh"
    assert browser.get("/api/_locale", headers={"Accept-Language": "en"}).text == "en"


def test_pages_speak_the_chosen_language(app, client):
    with app.test_request_context(), force_locale("zh"):
        log_in_zh = gettext("Log in")
    assert log_in_zh != "Log in", "the Chinese catalogue has no translation of 'Log in'"
    chinese = text(client.get("/login").get_data(as_text=True))
    assert log_in_zh in chinese and '<html lang="zh-CN"' in chinese
    english = text(client.get("/login?lang=en").get_data(as_text=True))
    assert ">Log in<" in english and '<html lang="en"' in english
