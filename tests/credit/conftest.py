"""Fixtures of the complaint and blacklist tests (helpers in complaint_helpers.py)."""
import sys
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

# The achievement, listing and need helpers make the deals, listings and needs; imported
# under the same module names as in their own folders, so their counters are shared.
for folder in ("achievements", "listings", "needs"):
    path = str(Path(__file__).parent.parent / folder)
    if path not in sys.path:
        sys.path.insert(0, path)

from complaint_helpers import DEFAULT_MOMENT, Market  # noqa: E402

from tests import factories  # noqa: E402


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """Test users get a one-round PBKDF2 hash (scrypt costs a quarter second per login)."""
    cheap = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1")
    monkeypatch.setattr(factories, "default_password_hash", lambda: cheap)


@pytest.fixture(autouse=True)
def market_time(clock):
    """Every test here starts on Wednesday 2026-07-01 10:00 in Lüliang."""
    clock.set(DEFAULT_MOMENT)
    return clock


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)
