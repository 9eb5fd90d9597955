"""Fixtures for every test: an app on a fresh database, its clients, the clock, logins.

The schema comes from the Alembic migrations, upgraded once per session into a template
database, so the migration's own triggers (the append-only audit log) are tested too.
SQLite: each test gets a copy of the template file. PostgreSQL (TEST_DATABASE_URL set): every
test uses that database, and the tables are emptied after each test.

Under pytest-xdist (`-n 2`), each worker is a process of its own with its own tmp_path, so its
own SQLite files and search index; on PostgreSQL each worker gets a database of its own,
`<TEST_DATABASE_URL's database>_gw0`, `_gw1`…, made on first use.
"""
import os
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from jinja2 import BytecodeCache
from sqlalchemy.engine import Engine

import config
from marketplace import create_app
from marketplace.extensions import db

from .factories import PASSWORD, make_member, make_user

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1"… in an xdist worker


def worker_database_url(url, worker):
    """The URL of this xdist worker's own PostgreSQL database: the workers empty the tables
    after each test and rebuild the schema at the start, so they cannot share one."""
    if not url or not worker:
        return url
    base = sa.engine.make_url(url)
    return base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)


POSTGRES_URL = worker_database_url(os.environ.get("TEST_DATABASE_URL"), XDIST_WORKER)
if POSTGRES_URL:  # anything else that asks for the test database gets this worker's too
    os.environ["TEST_DATABASE_URL"] = POSTGRES_URL
    config.TestingConfig.SQLALCHEMY_DATABASE_URI = POSTGRES_URL


def create_postgres_database(url):
    """Create the database of `url` unless it exists, through the `postgres` maintenance
    database (the test role has CREATEDB; .ci/start-postgres makes it a superuser)."""
    name = sa.engine.make_url(url).database
    maintenance = sa.create_engine(sa.engine.make_url(url).set(database="postgres"),
                                   isolation_level="AUTOCOMMIT")
    exists = sa.text("SELECT 1 FROM pg_database WHERE datname = :name")
    try:
        with maintenance.connect() as connection:
            if connection.scalar(exists, {"name": name}) is None:
                try:
                    connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
                except sa.exc.ProgrammingError:  # made meanwhile by another run: fine
                    if connection.scalar(exists, {"name": name}) is None:
                        raise
    finally:
        maintenance.dispose()


def empty_postgres_schema(url):
    """Drop every table, type and sequence of `url`'s database (its `public` schema)."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@sa.event.listens_for(Engine, "connect")
def _no_fsync_for_test_databases(dbapi_connection, connection_record):
    # A test database is thrown away: waiting for the disk on every commit only slows tests.
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def config_class(tmp_path, database_url, **overrides):
    """A TestingConfig subclass whose files all live under `tmp_path`."""
    attrs = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_DIR": str(tmp_path),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "MARKET_CLOCK_FILE": str(tmp_path / "clock.txt"),
        **overrides,
    }
    return type("TestConfig", (config.TestingConfig,), attrs)


class SharedTemplateCache(BytecodeCache):
    """Compiled templates kept for the whole run: every test builds a new app, and compiling
    the templates again for each one would be most of the time a page test takes. A changed
    template has a new checksum, so it is compiled afresh."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedTemplateCache()


def share_url_builders():
    """Compile each URL rule's builder once per process instead of once per app.

    Every test builds a new app with the same ~180 rules, and werkzeug generates and compiles
    Python code for two builders per rule as each rule is added: 0.14 s of the 0.16 s that
    create_app() took, for some 1,500 apps a run. The generated function depends only on the
    rule's text and parsed parts (its converters are read at call time from the rule it is
    bound to), so rules with the same text and parts share it. Rules with defaults, which can
    be folded into the code, are compiled as before. Tests only: the app builds its URL map
    once. (Werkzeug's internals, pinned in requirements.txt: check this on an upgrade.)
    """
    from werkzeug.routing.rules import Rule

    original = Rule._compile_builder
    if getattr(original, "shared", False):
        return
    compiled = {}

    def compile_builder(self, append_unknown=True):
        if self.defaults:
            return original(self, append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        builder = compiled.get(key)
        if builder is None:
            builder = compiled[key] = original(self, append_unknown)
        return builder

    compile_builder.shared = True
    Rule._compile_builder = compile_builder


share_url_builders()


def share_compiled_sql():
    """One SQL compilation cache for the whole process instead of one per app.

    SQLAlchemy caches each statement's compiled SQL in its engine, under the engine's dialect;
    every test builds a new app, so a new engine, and compiled each of its statements anew
    (about 30 compilations a test, a fifth of its time). Engines of the same database kind and
    server version have dialects that compile alike, so the first such dialect stands for the
    others, and their statements share one cache (compiled SQL is immutable, shared across
    connections and threads as SQLAlchemy does within an engine). A statement run without a
    cache (an explicit compiled_cache=None) is left as it was. (SQLAlchemy's internals, pinned
    in requirements.txt: check this on an upgrade.)
    """
    from sqlalchemy.sql.elements import ClauseElement
    from sqlalchemy.util import LRUCache

    original = ClauseElement._compile_w_cache
    if getattr(original, "shared", False):
        return
    dialects = {}
    compiled = LRUCache(5000)

    def compile_w_cache(self, dialect, *, compiled_cache, **kw):
        if isinstance(compiled_cache, LRUCache):
            kind = (type(dialect), dialect.dbapi, dialect.server_version_info,
                    dialect.default_schema_name, dialect.paramstyle, dialect.label_length,
                    dialect.max_identifier_length)
            dialect = dialects.setdefault(kind, dialect)
            compiled_cache = compiled
        return original(self, dialect, compiled_cache=compiled_cache, **kw)

    compile_w_cache.shared = True
    ClauseElement._compile_w_cache = compile_w_cache


share_compiled_sql()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Upgrade a database to the newest migration once; returns what each test copies."""
    tmp_path = tmp_path_factory.mktemp("schema")
    if POSTGRES_URL:
        if XDIST_WORKER:
            create_postgres_database(POSTGRES_URL)
        empty_postgres_schema(POSTGRES_URL)
        url, template = POSTGRES_URL, None
    else:
        template = tmp_path / "template.db"
        url = f"sqlite:///{template}"
    app = create_app(config_class(tmp_path, url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return template


@pytest.fixture
def make_app(tmp_path, database_template):
    """Build apps on this test's database: `make_app(MAX_UPLOAD_BYTES=100)` etc."""
    (tmp_path / "clock.txt").touch()
    if POSTGRES_URL:
        url = POSTGRES_URL
    else:
        database = tmp_path / "market.db"
        shutil.copy(database_template, database)
        url = f"sqlite:///{database}"
    apps = []

    def factory(**overrides):
        app = create_app(config_class(tmp_path, url, **overrides))
        app.jinja_env.bytecode_cache = TEMPLATE_CACHE
        apps.append(app)
        return app

    yield factory

    for app in apps:
        with app.app_context():
            db.session.remove()
    on_test_database = [a for a in apps if a.config["SQLALCHEMY_DATABASE_URI"] == url]
    if POSTGRES_URL and on_test_database:
        with on_test_database[0].app_context():
            empty_postgres_tables()
            db.session.remove()
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def empty_postgres_tables():
    """Empty every table of the models and restart their ids, as TRUNCATE … RESTART IDENTITY
    CASCADE would, at a tenth of its cost (TRUNCATE makes new files for every table).

    One DELETE statement covers all tables: its foreign-key checks run at the statement's end,
    so neither the order nor the users <-> organizations cycle matters. Tables with triggers of
    their own (the append-only audit log refuses DELETE) are truncated instead.
    """
    with_triggers = set(db.session.scalars(sa.text(
        "SELECT relname FROM pg_class WHERE oid IN "
        "(SELECT tgrelid FROM pg_trigger WHERE NOT tgisinternal)")))
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name != "alembic_version"]
    truncated = [f'"{t}"' for t in tables if t in with_triggers]
    deleted = [f'"{t}"' for t in tables if t not in with_triggers]
    if truncated:
        db.session.execute(sa.text(f"TRUNCATE {', '.join(truncated)} CASCADE"))
    if deleted:
        *first, last = deleted
        ctes = ", ".join(f"d{i} AS (DELETE FROM {table})" for i, table in enumerate(first))
        db.session.execute(sa.text(f"{'WITH ' + ctes if ctes else ''} DELETE FROM {last}"))
    db.session.execute(sa.text(
        "SELECT setval(oid::regclass, 1, false) FROM pg_class "
        "WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace"))
    db.session.commit()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def csrf_app(make_app):
    """The app with CSRF protection on, as in production."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


class Clock:
    """Moves the market's time by writing MARKET_CLOCK_FILE (an empty file means real time)."""

    def __init__(self, path):
        self.path = path

    def set(self, moment):
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        self.path.write_text(moment.isoformat(), encoding="utf-8")
        return moment

    def now(self):
        text = self.path.read_text(encoding="utf-8").strip()
        return datetime.fromisoformat(text) if text else datetime.now(UTC)

    def advance(self, **delta):
        """`clock.advance(minutes=16)`, `clock.advance(days=1)`."""
        return self.set(self.now() + timedelta(**delta))

    def reset(self):
        self.path.write_text("", encoding="utf-8")


@pytest.fixture
def clock(app):
    return Clock(Path(app.config["MARKET_CLOCK_FILE"]))


class AuthActions:
    """Log a test client in and out through the real pages (flaskr's `auth` fixture)."""

    def __init__(self, client):
        self._client = client

    def login(self, user, password=PASSWORD, **kwargs):
        username = user if isinstance(user, str) else user.username
        return self._client.post("/login", data={"username": username, "password": password},
                                 **kwargs)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login(app, auth):
    """`login("bureau")` makes a user of that role (with a verified organisation for the
    roles that have one) and logs the client in; `login(user)` logs an existing user in."""

    def log_in(who="enterprise"):
        if isinstance(who, str):
            with app.app_context():
                who = (make_member(who) if who in ("enterprise", "institute")
                       else make_user(who))
        response = auth.login(who)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return who

    return log_in


class ApiClient:
    """JSON requests to /api/v1 with a bearer token obtained from POST /api/v1/tokens."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def login(self, user, password=PASSWORD):
        response = self.post("/tokens", json={"username": user.username, "password": password})
        assert response.status_code == 201, response.get_json()
        self.token = response.get_json()["token"]
        return self.token

    def request(self, method, path, *, lang=None, token=..., headers=None, **kwargs):
        """`token=None` sends no token; by default the one from login() is sent."""
        headers = dict(headers or {})
        token = self.token if token is ... else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if lang:
            headers["Accept-Language"] = lang
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api(client):
    return ApiClient(client)
