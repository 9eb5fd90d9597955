"""Behind a reverse proxy (PROXY_FIX_X_FOR=1) the client's address and scheme come from the
proxy's X-Forwarded-* headers; without it those headers are ignored (they could be forged)."""
from flask import request


def echo_app(app):
    app.add_url_rule("/_echo", "echo", lambda: f"{request.remote_addr} {request.scheme}")
    return app


def test_forwarded_headers_are_used_behind_a_proxy(make_app):
    client = echo_app(make_app(PROXY_FIX_X_FOR=1)).test_client()
    response = client.get("/_echo", headers={"X-Forwarded-For": "10.0.0.1, 203.0.113.7",
                                             "X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == "203.0.113.7 https"  # the one proxy's word


def test_forwarded_headers_are_ignored_without_a_proxy(make_app):
    client = echo_app(make_app()).test_client()
    response = client.get("/_echo", headers={"X-Forwarded-For": "203.0.113.7",
                                             "X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == "127.0.0.1 http"
