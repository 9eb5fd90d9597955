"""Fixtures of the achievement tests (helpers in achievement_helpers.py)."""
import pytest
from achievement_helpers import Market
from werkzeug.security import generate_password_hash

from tests import factories


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """Test users get a one-round PBKDF2 hash: scrypt costs a quarter second per login, and
    these tests log in hundreds of times. The login pages and token endpoint are unchanged."""
    cheap = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1")
    monkeypatch.setattr(factories, "default_password_hash", lambda: cheap)


@pytest.fixture
def market(app, client):
    return Market(app, client)
