"""The security suite's world: the demo market (`flask seed-demo`) built once per module, on a
database of its own, with a logged-in test client per role.

The demo has two organisations of each self-registered role, so every role also has a
"member of another organisation of the same role": coalinst / luliangu (institutes),
fenjiu / xiaoyicoal (enterprises), broker (of an intermediary) / broker2 (independent).
Each test gets fresh clients carrying the role's session cookie, so a test that logs out
or changes the session cannot disturb the next one.
"""
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace.extensions import db

from ..conftest import (
    POSTGRES_URL,
    TEMPLATE_CACHE,
    config_class,
    create_postgres_database,
    empty_postgres_schema,
    empty_postgres_tables,
)
from ..factories import cheap_password_hashes

DEMO_PASSWORD = "demo-password-2026"
# column name -> demo username; None is the anonymous visitor.
ROLES = {
    "anon": None,
    "inst": "coalinst",  # institute of organisation A, owner of the records under test
    "inst2": "luliangu",  # an institute of another organisation
    "ent": "fenjiu",  # enterprise of organisation A (owner of the needs under test)
    "ent2": "xiaoyicoal",  # an enterprise of another organisation
    "broker": "broker",
    "broker2": "broker2",
    "bureau": "bureau",
    "admin": "admin",
}


def world_database_url():
    """SQLite: a file per module. PostgreSQL: `<worker's test database>_world`, because the
    ordinary tests of this worker empty their database after each test."""
    if not POSTGRES_URL:
        return None
    url = sa.engine.make_url(POSTGRES_URL)
    return url.set(database=f"{url.database}_world").render_as_string(hide_password=False)


@dataclass
class World:
    app: object
    ids: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    def request(self, role, method, url, **kwargs):
        """`method url` as `role`: pages with the role's session, the API with its token."""
        client = self.client(role) if not url.startswith("/api/") else self.app.test_client()
        if url.startswith("/api/") and self.tokens.get(role):
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {self.tokens[role]}"
        return client.open(url, method=method, **kwargs)

    def fresh_token(self, role):
        """Another API token of `role` (for requests that revoke the one they use)."""
        response = self.app.test_client().post("/api/v1/tokens", json={
            "username": ROLES[role], "password": DEMO_PASSWORD})
        return response.get_json()["token"]

    def client(self, role):
        """A new test client logged in as `role` (a ROLES key), sharing nothing with others."""
        client = self.app.test_client()
        cookie = self.cookies.get(role)
        if cookie:
            client.set_cookie("session", cookie)
        return client


def build_world(tmp_path, setup=None):
    url = world_database_url()
    if url:
        create_postgres_database(url)
        empty_postgres_schema(url)
    else:
        url = f"sqlite:///{tmp_path / 'world.db'}"
    (tmp_path / "clock.txt").touch()
    app = __import__("marketplace").create_app(config_class(tmp_path, url))
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    world = World(app)
    with app.app_context(), cheap_password_hashes():
        upgrade()
        from marketplace.demo import load_demo

        load_demo()
        if setup:
            setup(world)
    for role, username in ROLES.items():
        if username:
            client = app.test_client()
            response = client.post("/login", data={"username": username,
                                                   "password": DEMO_PASSWORD})
            assert response.status_code == 302, (role, response.status_code)
            world.cookies[role] = client.get_cookie("session").value
            response = client.post("/api/v1/tokens", json={"username": username,
                                                           "password": DEMO_PASSWORD})
            world.tokens[role] = response.get_json()["token"]
    return world


def tear_down(world):
    with world.app.app_context():
        if world_database_url():
            empty_postgres_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("world")
    yield Path(path)
    shutil.rmtree(path, ignore_errors=True)
