"""Every form field on every page is labelled (WCAG 1.3.1, 4.1.2): a <label for>, a wrapping
<label>, aria-label or aria-labelledby naming existing elements.

The pages are found as a person would find them: each demo user (and a visitor) follows the
site's links from the home page, one page per URL shape (ids replaced), and every field of
every page reached is checked.
"""
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from .factories import cheap_password_hashes

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}
SKIP = re.compile(r"^/(static|files|api)/|\.csv$|/photo$|/certificate$|/logout$|/saved-searches/"
                  r"\d+/run|/unsubscribe")
MAX_PAGES = 90  # per person: the crawl stops there (the demo has fewer shapes than that)
PEOPLE = (None, "coalinst", "fenjiu", "broker", "bureau", "admin")


class _Fields(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.label_for, self.fields, self.links = set(), set(), [], []
        self.label_depth = 0
        self.has_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self.has_form = True
        elif tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and (attrs.get("type") or "text").lower() in UNLABELLED_TYPES:
                return
            self.fields.append((tag, attrs, self.label_depth > 0))

    def handle_endtag(self, tag):
        if tag == "label" and self.label_depth:
            self.label_depth -= 1


def unlabelled(html):
    """The fields of a page without a label, as short descriptions; and the page's links."""
    parser = _Fields()
    parser.feed(html)
    missing = []
    for tag, attrs, wrapped in parser.fields:
        named_by = (attrs.get("aria-labelledby") or "").split()
        if wrapped or (attrs.get("aria-label") or "").strip() \
                or (attrs.get("id") and attrs["id"] in parser.label_for) \
                or (named_by and all(i in parser.ids for i in named_by)):
            continue
        missing.append(f"<{tag} name={attrs.get('name')!r} id={attrs.get('id')!r} "
                       f"type={attrs.get('type')!r}>")
    return missing, parser.links, parser.has_form


def shape(path):
    return re.sub(r"\d+", "N", path)


@pytest.fixture
def demo(app, runner):
    """The seeded demo; the users' passwords get one PBKDF2 round instead of scrypt."""
    with app.app_context(), cheap_password_hashes():
        result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


def crawl(client, problems, visited_forms):
    seen, queue, pages = set(), deque(["/", "/register", "/login"]), 0
    while queue and pages < MAX_PAGES:
        path = queue.popleft()
        if shape(path) in seen or SKIP.search(path):
            continue
        seen.add(shape(path))
        response = client.get(path)
        pages += 1
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        missing, links, has_form = unlabelled(response.get_data(as_text=True))
        if has_form:
            visited_forms.add(shape(path))
        for field in missing:
            problems.add(f"{shape(path)}: {field}")
        for link in links:
            parts = urlsplit(urljoin("http://localhost" + path, link))
            if parts.netloc == "localhost" and parts.path not in seen:
                queue.append(parts.path)
    return pages


def test_every_field_of_every_form_page_is_labelled(demo):
    problems, visited_forms, counts = set(), set(), {}
    for username in PEOPLE:
        client = demo.test_client()
        if username:
            response = client.post("/login", data={"username": username,
                                                   "password": "demo-password-2026"})
            assert response.status_code == 302, username
        # One language: the labels' markup is the same in both (their words are the
        # catalogue's, checked by the i18n tests).
        counts[username] = crawl(client, problems, visited_forms)
    # The crawl reached the forms of every role (a broken crawl would prove nothing).
    for form_page in ("/login", "/register", "/achievements/new", "/listings/new", "/needs/new",
                      "/brokers/me", "/search", "/bureau/organizations/N", "/admin/settings",
                      "/listings/N", "/contracts/N/edit"):
        assert form_page in visited_forms, sorted(visited_forms)
    print(counts)
    assert not problems, "unlabelled form fields:\n" + "\n".join(sorted(problems))


def test_the_checker_finds_an_unlabelled_field():
    html = ('<form><label for="a">A</label><input id="a" name="a">'
            '<label>B <input name="b"></label><input name="c" aria-label="C">'
            '<span id="dl">D</span><select name="d" aria-labelledby="dl"></select>'
            '<textarea name="e"></textarea><input name="f" aria-labelledby="nowhere">'
            '<input type="hidden" name="g"><input type="submit"></form>')
    missing, _links, has_form = unlabelled(html)
    assert has_form
    assert missing == ["<textarea name='e' id=None type=None>",
                       "<input name='f' id=None type=None>"]
