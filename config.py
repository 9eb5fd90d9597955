"""Configuration classes; every deployment-specific value comes from the environment."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE = Path(os.environ.get("MARKET_INSTANCE_DIR", BASE_DIR / "instance"))
# The key used when SECRET_KEY is not set: fine for a laptop, refused in production.
DEV_SECRET_KEY = "dev-only-not-secret"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'market.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    INSTANCE_DIR = str(INSTANCE)
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE / "search-index"))
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads"))
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
    # Werkzeug refuses bodies past this before any view runs (a little above one upload).
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 1024 * 1024
    MARKET_CLOCK_FILE = os.environ.get("MARKET_CLOCK_FILE")
    # Each process applies the shared search outbox to its index this often (0: only after
    # its own changes and by `flask search sync --follow`); see docs/deploy.md.
    SEARCH_FOLLOW_SECONDS = float(os.environ.get("SEARCH_FOLLOW_SECONDS", 0.5))
    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0: none).
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", 0))
    # Public pages seen without a session are kept this long per worker (page_cache.py).
    PAGE_CACHE_SECONDS = float(os.environ.get("PAGE_CACHE_SECONDS", 2))
    # Recent searches' ranked pages kept per searcher, i.e. until the index changes
    # (search/engine.py; 0: none).
    SEARCH_RESULT_CACHE = int(os.environ.get("SEARCH_RESULT_CACHE", 512))
    # A page that names its records (a listing's) is kept until one changes, up to this long;
    # each worker reads the audit log this often to learn of changes (0: no page is kept
    # past PAGE_CACHE_SECONDS).
    PAGE_CACHE_KEEP_SECONDS = float(os.environ.get("PAGE_CACHE_KEEP_SECONDS", 60))
    PAGE_CACHE_WATCH_SECONDS = float(os.environ.get("PAGE_CACHE_WATCH_SECONDS", 0.5))
    PAGE_CACHE_MAX_MB = float(os.environ.get("PAGE_CACHE_MAX_MB", 48))  # per worker, LRU
    STATIC_MAX_AGE = int(os.environ.get("STATIC_MAX_AGE", 60))  # un-fingerprinted URLs
    STATIC_CHECK_MTIME = _bool("STATIC_CHECK_MTIME")  # re-hash static files changed on disk

    TEMPLATE_DIR = str(BASE_DIR / "templates")
    STATIC_DIR = str(BASE_DIR / "static")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None

    # Login throttling: failures counted over a sliding window.
    LOGIN_WINDOW_MINUTES = 15
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_IP = 20

    API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", 24 * 7))

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "noreply@localhost")


class DevelopmentConfig(Config):
    DEBUG = False  # the friendly error pages are part of what we show


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    LOGIN_MAX_FAILURES_PER_IP = 20
    SEARCH_FOLLOW_SECONDS = 0  # tests sync when they mean to
    PAGE_CACHE_SECONDS = 0  # tests see every change at once (tests/test_page_cache.py)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @staticmethod
    def check(config):
        """Refuse to start with settings that are unsafe in production."""
        if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production")
        if config.get("MARKET_CLOCK_FILE"):
            raise RuntimeError("MARKET_CLOCK_FILE is for tests and is refused in production")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
