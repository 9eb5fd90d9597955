"""The rating tests use the credit tests' helpers (tests/credit/credit_helpers.py): a deal's
parties and brokers, ratings through the service, scores, notifications and the API."""
import sys
from pathlib import Path

_path = str(Path(__file__).parent.parent / "credit")
if _path not in sys.path:
    sys.path.insert(0, _path)

from credit_helpers import Api, Market, error, words  # noqa: E402

__all__ = ["Api", "Market", "error", "words"]
