"""Security headers on every kind of response: pages, error pages, API JSON, static files,
downloads, CSV exports; HSTS and secure cookies in production only."""
import pytest

from marketplace import create_app

from ..factories import PDF, make_file
from ..test_security import production


def assert_protected(response, frame="'none'"):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert f"frame-ancestors {frame}" in csp, (response.status, csp)
    assert "unsafe-eval" not in csp and "script-src 'self'" in csp or "default-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] in ("DENY", "SAMEORIGIN")
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.fixture
def failing_app(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1000)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    return app


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/", 200),
    ("GET", "/login", 200),
    ("GET", "/no-such-page", 404),
    ("GET", "/logout", 405),
    ("GET", "/boom", 500),
    ("POST", "/login", 413),
    ("GET", "/stats/summary.csv", 200),
    ("GET", "/api/v1/openapi.json", 200),
    ("GET", "/api/v1/me", 401),
    ("GET", "/api/v1/listings/999999", 404),
    ("GET", "/api/v1/no-such-endpoint", 404),
    ("GET", "/static/css/site.css", 200),
    ("GET", "/static/no-such-file.css", 404),
])
def test_every_kind_of_response_has_the_headers(failing_app, method, path, status):
    data = {"username": "x" * 2000} if status == 413 else None
    response = failing_app.test_client().open(path, method=method, data=data)
    assert response.status_code == status
    assert_protected(response)
    assert "Strict-Transport-Security" not in response.headers  # not outside production


def test_a_fingerprinted_static_file_has_the_headers(app):
    from flask import url_for

    with app.test_request_context():
        url = url_for("static", filename="css/site.css")
    response = app.test_client().get(url)
    assert response.status_code == 200
    assert_protected(response)


def test_403_page_has_the_headers(client, login):
    login("enterprise")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert_protected(response)


def test_a_download_has_the_headers(app, client, login):
    user = login("institute")
    with app.app_context():
        stored = make_file(user, PDF, "x.pdf")
    response = client.get(f"/files/{stored.id}")
    assert response.status_code == 200
    assert_protected(response, frame="'self'")  # our review pages frame PDFs
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_csrf_refusal_has_the_headers(csrf_client):
    response = csrf_client.post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert_protected(response)


@pytest.mark.parametrize("path", ["/", "/no-such-page", "/api/v1/openapi.json",
                                  "/static/css/site.css"])
def test_production_adds_hsts(tmp_path, path):
    app = create_app(production(tmp_path))
    response = app.test_client().get(path)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert_protected(response)


def test_production_cookies_are_secure_when_set(tmp_path):
    app = create_app(production(tmp_path))
    response = app.test_client().get("/?lang=en")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c and "Secure" in c
                           for c in cookies)
    with app.test_request_context():
        assert app.config["SESSION_COOKIE_SECURE"] is True


