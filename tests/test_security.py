"""Security defaults: headers, production settings, and friendly error pages."""
import pytest
from flask_babel import force_locale, gettext

import config
from marketplace import clock, create_app

from .pages import text


def in_chinese(app, message):
    with app.test_request_context(), force_locale("zh"):
        return gettext(message)


@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page", "/api/v1/me"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin",
                                          "no-referrer")


def test_pages_have_no_inline_script(client):
    html = client.get("/login").get_data(as_text=True)
    for tag in html.split("<script")[1:]:
        opening, _, rest = tag.partition(">")
        assert "src=" in opening, "an inline <script> would be blocked by the CSP"
        assert rest.startswith("</script>")
    assert " onclick=" not in html and " onload=" not in html


def test_language_cookie_is_httponly_and_lax(client):
    cookie = client.get("/?lang=en").headers["Set-Cookie"]
    assert cookie.startswith("lang=en") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- production settings ------------------------------------------------------------------------

def production(tmp_path, **attrs):
    attrs = {"INSTANCE_DIR": str(tmp_path), "MARKET_CLOCK_FILE": None,
             "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
             "SECRET_KEY": "a-long-random-production-secret", **attrs}
    return type("Production", (config.ProductionConfig,), attrs)


@pytest.mark.parametrize("attrs", [
    {"SECRET_KEY": ""},
    {"SECRET_KEY": None},
    {"SECRET_KEY": config.DEV_SECRET_KEY},
    {"MARKET_CLOCK_FILE": "/tmp/clock.txt"},
])
def test_production_refuses_unsafe_settings(tmp_path, attrs):
    with pytest.raises(RuntimeError):
        create_app(production(tmp_path, **attrs))


def test_production_starts_with_the_secret_key_from_the_environment(tmp_path, monkeypatch):
    # SECRET_KEY=... in the environment sets Config.SECRET_KEY too: only the development
    # default is refused, not a key equal to the base class's.
    monkeypatch.setattr(config.Config, "SECRET_KEY", "a-long-random-production-secret")
    assert create_app(production(tmp_path)).config["ENV_NAME"] == "production"


def test_production_starts_with_safe_settings(tmp_path):
    app = create_app(production(tmp_path))
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert not app.config["TESTING"] and not app.debug
    app.config["MARKET_CLOCK_FILE"] = str(tmp_path / "clock.txt")  # slipped in later
    with app.app_context(), pytest.raises(RuntimeError):
        clock.now()


# --- error pages ----------------------------------------------------------------------------------

def test_404_page_in_english(client):
    response = client.get("/no-such-page?lang=en")
    assert response.status_code == 404
    html = text(response.get_data(as_text=True))
    assert "Page not found" in html and "There is no such page or record." in html
    assert 'href="/"' in html  # a way back home


def test_404_page_in_chinese_by_default(app, client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = text(response.get_data(as_text=True))
    assert "Page not found" not in html
    assert in_chinese(app, "Page not found") in html


@pytest.fixture
def failing_app(make_app):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    @app.get("/api/boom")
    def api_boom():
        raise RuntimeError("secret internal detail")

    return app


def test_500_is_a_friendly_page(failing_app, caplog):
    response = failing_app.test_client().get("/boom?lang=en")
    assert response.status_code == 500
    html = text(response.get_data(as_text=True))
    assert "Something went wrong" in html
    assert "It has been logged" in html
    assert "secret internal detail" not in html and "Traceback" not in html
    assert "secret internal detail" in caplog.text  # logged for the operators


def test_500_in_the_api_is_json(failing_app):
    response = failing_app.test_client().get("/api/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent-directory/for/sure/market.db",
    "postgresql+psycopg://market:market@127.0.0.1:1/market?connect_timeout=2",
])
def test_database_unavailable_is_503(make_app, url):
    client = make_app(SQLALCHEMY_DATABASE_URI=url).test_client()
    response = client.get("/?lang=en")
    assert response.status_code == 503
    html = text(response.get_data(as_text=True))
    assert "Temporarily unavailable" in html and "Traceback" not in html
    response = client.post("/login?lang=en", data={"username": "wang", "password": "x" * 12})
    assert response.status_code == 503
    response = client.get("/api/v1/organizations")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
