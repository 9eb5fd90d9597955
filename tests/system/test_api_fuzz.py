"""API fuzzing with schemathesis: every operation of /api/v1/openapi.json, with the bearer tokens
of users of the main roles in turn, on a market seeded with the demo data (so ids exist).

Checks on every answer: no 5xx, a status code the operation documents, a JSON content type
where one is documented, and a body matching the documented schema. In-process (the WSGI app),
which is fast. Each operation gets schemathesis's boundary cases (its "coverage" cases: edge
values, missing and wrong-typed fields, out-of-range ids) and FUZZ_EXAMPLES (default 6)
Hypothesis examples, which keeps the run within 3 minutes on 2 cores.
"""
import itertools
import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from marketplace import create_app
from marketplace.extensions import db

from ..conftest import config_class
from .demo_market import copy_uploads, demo_database
from .servers import drop_database

ROLES = ("bureau", "admin", "coalinst", "fenjiu", "broker")  # bureau, admin, institute,
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 6))          # enterprise, broker
TURNS = itertools.count()
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance]


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    url = demo_database(tmp_path, "fuzz")
    app = create_app(config_class(tmp_path, url))
    (tmp_path / "clock.txt").touch()
    copy_uploads(app.config["UPLOAD_DIR"])
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(url)


@pytest.fixture(scope="module")
def tokens(market):
    from marketplace.demo import DEMO_PASSWORD

    client = market.test_client()
    found = {}
    for username in ROLES:
        response = client.post("/api/v1/tokens",
                               json={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 201, response.get_data(as_text=True)
        found[username] = response.get_json()["token"]
    return found


def _schema():
    """The schema, loaded at collection time from an app on an empty in-memory database
    (serving the OpenAPI document needs no data); the calls go to the seeded `market`.
    (schemathesis's lazy `from_fixture` does not work with this pytest.)"""
    app = create_app(config_class(Path(tempfile.mkdtemp(prefix="fuzz-schema-")), "sqlite://"))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = _schema()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_fuzz(case, tokens, market):
    """Each generated request goes with the next role's token in turn, so that every
    operation's cases (schemathesis's boundary "coverage" cases, then Hypothesis's) are spread
    over all the roles: one call per case keeps the run within its time."""
    username = ROLES[next(TURNS) % len(ROLES)]
    token = tokens[username]
    if case.path == "/tokens/current" and case.method == "DELETE":
        token = _new_token(market, username)  # revoking must not end the others' run
    case.call_and_validate(session=market.test_client(), checks=CHECKS,
                           headers={"Authorization": f"Bearer {token}"})


def _new_token(market, username):
    from marketplace.demo import DEMO_PASSWORD

    response = market.test_client().post(
        "/api/v1/tokens", json={"username": username, "password": DEMO_PASSWORD})
    return response.get_json()["token"]
