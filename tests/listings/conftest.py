"""Fixtures of the listing tests (helpers in listing_helpers.py)."""
import sys
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

# The achievement helpers make the registered achievements that listings offer; imported
# under the same module name as in their own folder, so their counters are shared.
sys.path.insert(0, str(Path(__file__).parent.parent / "achievements"))

from listing_helpers import DEFAULT_MOMENT, Market  # noqa: E402

from tests import factories  # noqa: E402


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """Test users get a one-round PBKDF2 hash (scrypt costs a quarter second per login)."""
    cheap = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1")
    monkeypatch.setattr(factories, "default_password_hash", lambda: cheap)


@pytest.fixture(autouse=True)
def market_time(clock):
    """Every listing test starts on Wednesday 2026-07-01 10:00 in Lüliang."""
    clock.set(DEFAULT_MOMENT)
    return clock


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)
