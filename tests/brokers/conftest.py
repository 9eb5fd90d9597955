"""Fixtures of the broker tests (helpers in broker_helpers.py)."""
import sys
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

# The contract helpers make the certified contracts a track record counts; imported under
# the same module name as in their own folder, so that their counters are shared.
for folder in ("achievements", "listings", "contracts"):
    path = str(Path(__file__).parent.parent / folder)
    if path not in sys.path:
        sys.path.insert(0, path)

from broker_helpers import DEFAULT_MOMENT  # noqa: E402

from tests import factories  # noqa: E402


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """Test users get a one-round PBKDF2 hash (scrypt costs a quarter second per login)."""
    cheap = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1")
    monkeypatch.setattr(factories, "default_password_hash", lambda: cheap)


@pytest.fixture(autouse=True)
def market_time(clock):
    """Every broker test starts on Wednesday 2026-07-01 10:00 in Lüliang."""
    clock.set(DEFAULT_MOMENT)
    return clock
