"""HTTP security headers; the CSP allows no inline script and nothing from other origins."""
from flask import current_app, has_app_context

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# Production only (served over HTTPS there): browsers then refuse plain HTTP for a year.
HSTS = "max-age=31536000; includeSubDomains"


def apply_security_headers(response, production=None):
    """The headers of every response; `production` defaults to the current app's config."""
    if production is None:
        production = has_app_context() and current_app.config.get("ENV_NAME") == "production"
    headers = response.headers
    if production:
        headers.setdefault("Strict-Transport-Security", HSTS)
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response
