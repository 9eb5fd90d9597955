"""Fixtures of the query-count tests: one app per module on the demo data, made larger.

Seeding the demo takes seconds, so it is done once per module (per xdist worker) on a database
of its own, as tests/conftest.py's `make_app` would make it, and emptied at the end on
PostgreSQL as `make_app` does; the tests only read.
"""
import shutil

import pytest

from marketplace import create_app
from marketplace.extensions import db
from tests.conftest import (
    POSTGRES_URL,
    TEMPLATE_CACHE,
    config_class,
    empty_postgres_tables,
)
from tests.factories import cheap_password_hashes

from .query_helpers import Demo, grow_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory, database_template):
    """The demo data (`flask seed-demo`) plus enough extra rows that an N+1 shows: a `Demo`."""
    import marketplace.demo as demo_module

    tmp_path = tmp_path_factory.mktemp("perf")
    (tmp_path / "clock.txt").touch()
    if POSTGRES_URL:
        url = POSTGRES_URL
    else:
        shutil.copy(database_template, tmp_path / "market.db")
        url = f"sqlite:///{tmp_path / 'market.db'}"
    app = create_app(config_class(tmp_path, url))
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    with app.app_context(), cheap_password_hashes():
        demo_module.load_demo()
        grow_demo()
        db.session.remove()
    yield Demo(app)
    with app.app_context():
        db.session.remove()
        if POSTGRES_URL:
            empty_postgres_tables()
            db.session.remove()
        db.engine.dispose()
