"""Fixtures of the supervision tests (helpers in supervision_helpers.py)."""
import pytest
from supervision_helpers import TODAY_MOMENT, Records
from werkzeug.security import generate_password_hash

from tests import factories


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """Test users get a one-round PBKDF2 hash (scrypt costs a quarter second per login)."""
    cheap = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1")
    monkeypatch.setattr(factories, "default_password_hash", lambda: cheap)


@pytest.fixture(autouse=True)
def market_time(clock):
    """Every supervision test starts on Wednesday 2026-08-05 10:00 in Lüliang."""
    clock.set(TODAY_MOMENT)
    return clock


@pytest.fixture
def records(app):
    return Records(app)
