"""Fixtures of the contract tests (helpers in contract_helpers.py)."""
import pytest
from contract_helpers import DEFAULT_MOMENT, Market
from werkzeug.security import generate_password_hash

from tests import factories


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """Test users get a one-round PBKDF2 hash: scrypt costs a quarter second per login, and
    these tests log in hundreds of times. The login pages and token endpoint are unchanged."""
    cheap = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1")
    monkeypatch.setattr(factories, "default_password_hash", lambda: cheap)


@pytest.fixture(autouse=True)
def market_time(clock):
    """Every contract test starts on Tuesday 2026-06-30 10:00 in Lüliang (the contracts are
    signed 2026-06-15 and valid until 2027-06-30); a test moves the clock as it needs."""
    clock.set(DEFAULT_MOMENT)
    return clock


@pytest.fixture
def market(app, client):
    return Market(app, client)
