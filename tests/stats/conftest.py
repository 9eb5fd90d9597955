"""Fixtures of the statistics tests (helpers in stats_helpers.py)."""
import sys
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

# The contract helpers take contracts through the real workflow; imported under the same
# module name as in their own folder.
for folder in ("contracts",):
    path = str(Path(__file__).parent.parent / folder)
    if path not in sys.path:
        sys.path.insert(0, path)

from stats_helpers import DEFAULT_MOMENT, Stats  # noqa: E402

from tests import factories  # noqa: E402


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """Test users get a one-round PBKDF2 hash (scrypt costs a quarter second per login)."""
    cheap = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1")
    monkeypatch.setattr(factories, "default_password_hash", lambda: cheap)


@pytest.fixture(autouse=True)
def market_time(clock):
    """Every statistics test runs on Tuesday 2026-06-30 10:00 in Lüliang (mid-year)."""
    clock.set(DEFAULT_MOMENT)
    return clock


@pytest.fixture
def stats(app, client):
    return Stats(app, client)
