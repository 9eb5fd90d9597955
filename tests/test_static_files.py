"""Static files: fingerprinted URLs cached for a year, plain URLs revalidated, nothing stale
kept, nothing outside the folder served."""
import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from flask import url_for

from marketplace.static_files import LONG_CACHE

STATIC = Path(__file__).resolve().parents[1] / "static"


def short_hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:8]


@pytest.fixture
def folder(tmp_path):
    """A static folder of our own: a stylesheet that loads a font and an image relatively."""
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "fonts").mkdir()
    (root / "img").mkdir()
    (root / "css" / "app.css").write_text(
        "@font-face { font-family: x; src: url(../fonts/x.woff2) format('woff2'); }\n"
        "body { background: url('../img/dot.svg'); }\n", encoding="utf-8")
    (root / "fonts" / "x.woff2").write_bytes(b"wOF2 font bytes")
    (root / "img" / "dot.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return root


@pytest.fixture
def own_app(make_app, folder):
    return make_app(STATIC_DIR=str(folder))


def static_url(app, filename):
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_pages_link_fingerprinted_files(app, client):
    html = client.get("/").get_data(as_text=True)
    site = f"/static/css/site.{short_hash(STATIC / 'css' / 'site.css')}.css"
    bootstrap = short_hash(STATIC / "vendor" / "bootstrap" / "bootstrap.min.css")
    assert f'href="{site}"' in html
    assert f'href="/static/vendor/bootstrap/bootstrap.min.{bootstrap}.css"' in html
    assert not re.search(r'(href|src)="/static/[^"]*(?<!\.[0-9a-f]{8})\.(css|js)"', html)
    assert static_url(app, "vendor/bootstrap/LICENSE") == "/static/vendor/bootstrap/LICENSE"
    assert static_url(app, "css/none.css") == "/static/css/none.css"  # no file: as asked


def test_a_fingerprinted_file_is_cached_for_a_year(client):
    name = f"css/site.{short_hash(STATIC / 'css' / 'site.css')}.css"
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == LONG_CACHE
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.data == (STATIC / "css" / "site.css").read_bytes()
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # the app's headers too
    assert "Content-Security-Policy" in response.headers
    head = client.head(f"/static/{name}")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == response.headers["Content-Length"]


def test_a_plain_name_is_revalidated_and_answers_304(client):
    digest = short_hash(STATIC / "js" / "site.js")
    response = client.get("/static/js/site.js")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["ETag"] == f'"{digest}"'  # the content's: alike on every host
    again = client.get("/static/js/site.js", headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == f'"{digest}"'
    since = client.get("/static/js/site.js",
                       headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304
    changed = client.get("/static/js/site.js", headers={"If-None-Match": '"0000beef"'})
    assert changed.status_code == 200 and changed.data == response.data


def test_a_wrong_hash_gets_the_current_file_without_the_long_cache(client):
    response = client.get("/static/css/site.00000000.css")
    assert response.status_code == 200
    assert response.data == (STATIC / "css" / "site.css").read_bytes()
    assert "immutable" not in response.headers["Cache-Control"]
    assert response.headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize("path", [
    "/static/css/missing.css", "/static/css/missing.0123abcd.css", "/static/css/",
    "/static/../config.py", "/static/%2e%2e/config.py", "/static/..%2fconfig.py",
    "/static/css/..%2f..%2fconfig.py", "/static//etc/passwd", "/static/%2fetc/passwd",
    "/static/../config.0123abcd.py",
])
def test_missing_files_and_paths_out_of_the_folder_are_404(client, path):
    response = client.get(path, follow_redirects=True)  # "//" is merged by a redirect first
    assert response.status_code == 404
    assert b"SECRET_KEY" not in response.data and b"root:" not in response.data


def test_only_get_and_head(client):
    assert client.post("/static/css/site.css").status_code == 405


def test_a_stylesheet_still_loads_its_font_and_image(own_app, folder):
    client = own_app.test_client()
    css_url = static_url(own_app, "css/app.css")
    assert css_url == f"/static/css/app.{short_hash(folder / 'css' / 'app.css')}.css"
    css = client.get(css_url)
    assert css.status_code == 200 and css.headers["Cache-Control"] == LONG_CACHE
    references = re.findall(r"url\('?([^')]+)'?\)", css.get_data(as_text=True))
    assert references == ["../fonts/x.woff2", "../img/dot.svg"]
    font = client.get(urljoin(css_url, references[0]))
    assert font.status_code == 200 and font.data == b"wOF2 font bytes"
    assert font.headers["Content-Type"] == "font/woff2"
    image = client.get(urljoin(css_url, references[1]))
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/svg+xml"


def test_the_hash_is_computed_once_unless_asked_to_check(make_app, folder, monkeypatch):
    app = make_app(STATIC_DIR=str(folder))
    first = static_url(app, "css/app.css")
    stylesheet = folder / "css" / "app.css"
    stylesheet.write_text("body { color: red; }\n", encoding="utf-8")
    os.utime(stylesheet, ns=(1, 1))  # a different mtime, whatever the clock's resolution
    assert static_url(app, "css/app.css") == first  # remembered for the process

    # A request stats the file: the new content is served, the old hash is no longer current
    client = app.test_client()
    response = client.get(first)
    assert response.data == b"body { color: red; }\n"
    assert "immutable" not in response.headers["Cache-Control"]
    new = static_url(app, "css/app.css")
    assert new == f"/static/css/app.{short_hash(stylesheet)}.css" != first
    assert client.get(new).headers["Cache-Control"] == LONG_CACHE

    checking = make_app(STATIC_DIR=str(folder), STATIC_CHECK_MTIME=True)
    before = static_url(checking, "css/app.css")
    stylesheet.write_text("body { color: blue; }\n", encoding="utf-8")
    os.utime(stylesheet, ns=(2, 2))
    assert static_url(checking, "css/app.css") == \
        f"/static/css/app.{short_hash(stylesheet)}.css" != before


def test_a_real_file_that_looks_fingerprinted_is_served_as_is(own_app, folder):
    (folder / "css" / "print.0123abcd.css").write_text("p {}", encoding="utf-8")
    (folder / "css" / "print.css").write_text("div {}", encoding="utf-8")
    response = own_app.test_client().get("/static/css/print.0123abcd.css")
    assert response.data == b"p {}" and "immutable" not in response.headers["Cache-Control"]
