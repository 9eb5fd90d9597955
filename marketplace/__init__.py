"""The Lüliang technology market: the application factory."""
import sqlite3

from flask import Flask, g, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from config import CONFIGS, ProductionConfig

from .extensions import babel, csrf, db, login_manager, migrate


def create_app(config=None):
    """Build the app; `config` is a name in config.CONFIGS or a config class/object."""
    import os

    if config is None:
        config = os.environ.get("MARKET_CONFIG", "development")
    config_obj = CONFIGS[config] if isinstance(config, str) else config
    app = Flask(__name__, instance_path=config_obj.INSTANCE_DIR,
                template_folder=config_obj.TEMPLATE_DIR, static_folder=config_obj.STATIC_DIR)
    app.config.from_object(config_obj)
    production = isinstance(config_obj, type) and issubclass(config_obj, ProductionConfig)
    app.config["ENV_NAME"] = "production" if production else (
        "testing" if app.config.get("TESTING") else "development")
    if production:
        ProductionConfig.check(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters["int"] = DatabaseIdConverter

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    from . import page_cache, static_files

    page_cache.init_app(app)  # visitors' repeats of a public page, for PAGE_CACHE_SECONDS
    static_files.init_app(app)  # fingerprinted static URLs, long cache headers
    if app.config.get("PROXY_FIX_X_FOR"):  # behind N reverse proxies (docs/deploy.md)
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in every route: an id beyond what an id column holds (PostgreSQL's integer,
    2**31 - 1) names nothing, so it answers 404 instead of failing in the database (SQLite
    cannot even bind one beyond 2**63 - 1)."""

    MAX = 2**31 - 1

    def to_python(self, value):
        number = super().to_python(value)
        if number > self.MAX:
            raise NotFound()  # not a ValidationError: that would make it a 405 on some paths
        return number


def select_locale():
    """?lang=, then the user's preference, then the cookie, then Accept-Language, then zh."""
    from flask import current_app, has_request_context

    if not has_request_context():  # CLI commands and worker threads: the default, zh
        return None
    languages = current_app.config["LANGUAGES"]
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages) or "zh"
    wanted = request.args.get("lang")
    if wanted in languages:
        return wanted
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if request.cookies.get("lang") in languages:
        return request.cookies["lang"]
    return request.accept_languages.best_match(languages) or "zh"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def register_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"),
                     render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"

    from .accounts.models import User

    @login_manager.user_loader
    def load_user(session_id):
        user_id, _, _ = session_id.partition(":")
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active or user.get_id() != session_id:
            return None  # unknown, deactivated, or the password changed since (User.get_id)
        return user

    from . import models  # noqa: F401  (every model, for Alembic and create_all)


def register_blueprints(app):
    from .accounts.views import bp as accounts_bp
    from .achievements.bureau_views import bp as bureau_achievements_bp
    from .achievements.views import bp as achievements_bp
    from .admin.views import bp as admin_bp
    from .api import bp as api_bp
    from .brokers.bureau_views import bp as bureau_brokers_bp
    from .brokers.engagement_views import bp as engagements_bp
    from .brokers.rating_views import bp as ratings_bp
    from .brokers.views import bp as brokers_bp
    from .bureau.supervision_views import bp as supervision_bp
    from .bureau.views import bp as bureau_bp
    from .contracts.bureau_views import bp as bureau_contracts_bp
    from .contracts.views import bp as contracts_bp
    from .credit.bureau_views import bp as bureau_credit_bp
    from .credit.complaint_views import bp as complaints_bp
    from .credit.views import bp as credit_bp
    from .files.views import bp as files_bp
    from .inbox.views import bp as inbox_bp
    from .listings.bureau_views import bp as bureau_listings_bp
    from .listings.deal_views import bp as deals_bp
    from .listings.views import bp as listings_bp
    from .main.views import bp as main_bp
    from .messages.views import bp as messages_bp
    from .needs.bureau_views import bp as bureau_needs_bp
    from .needs.match_views import bp as matches_bp
    from .needs.views import bp as needs_bp
    from .stats.views import bp as stats_bp

    for blueprint in (main_bp, accounts_bp, bureau_bp, admin_bp, inbox_bp, files_bp,
                      achievements_bp, bureau_achievements_bp, contracts_bp,
                      bureau_contracts_bp, listings_bp, bureau_listings_bp, deals_bp,
                      needs_bp, bureau_needs_bp, matches_bp, messages_bp, brokers_bp,
                      bureau_brokers_bp, engagements_bp, ratings_bp, credit_bp, complaints_bp,
                      bureau_credit_bp, supervision_bp, stats_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    from . import search

    search.init_app(app)  # the /search page, the analyzer, the after-commit sync


def register_errorhandlers(app):
    from .errorpages import register

    register(app)


def register_request_hooks(app):
    from .security import apply_security_headers

    @app.after_request
    def after_request(response):
        apply_security_headers(response)
        wanted = request.args.get("lang")
        if wanted in app.config["LANGUAGES"] and not request.path.startswith("/api/"):
            response.set_cookie("lang", wanted, max_age=365 * 24 * 3600, samesite="Lax",
                                httponly=True, secure=app.config.get("SESSION_COOKIE_SECURE",
                                                                     False))
            if current_user.is_authenticated and current_user.locale != wanted:
                from .accounts.services import set_locale

                set_locale(current_user, wanted)
        return response

    @app.teardown_request
    def forget_request_state(exc):
        g.pop("api_user", None)


def register_template_helpers(app):
    from .templating import register

    register(app)


def register_commands(app):
    from .cli import register

    register(app)
