"""Computed statistics, kept per app until the data they come from changes.

The figures of certified contracts change only when a contract is certified, revoked or
cancelled, and the other figures when an achievement, listing, deal or broker changes. Each
entry is stored with a version of the data (data_version: the newest ids and the latest
certification time, found in the indexes); every such change is audited or adds a row, so it
gives a new version and the entry is computed again.

Only locale-independent values are kept (keys, counts, Decimal amounts, lazy labels); the
page formats them for its reader. The store is bounded (least recently used out first) and
belongs to the app, so tests, each with its own app and database, never share entries.
"""
import threading
from collections import OrderedDict

from flask import current_app, g
from sqlalchemy import func, select

from ..achievements.models import Achievement
from ..audit import AuditEntry
from ..brokers.models import BrokerProfile
from ..contracts.models import Contract
from ..contracts.states import ContractStatus
from ..extensions import db
from ..listings.models import Deal, Listing

SIZE = 256


class _Store:
    def __init__(self):
        self.entries, self.lock = OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return True, self.entries[key]
        return False, None

    def put(self, key, value):
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > SIZE:
                self.entries.popitem(last=False)


def _store():
    return current_app.extensions.setdefault("stats_cache", _Store())


def data_version():
    """What changes whenever the statistics may change, in one statement of index lookups:
    the newest contract, the latest certification, the newest audit entry (certifications,
    revocations, cancellations, registrations, listings, deals and broker decisions are all
    audited), and the newest achievement, listing, deal and broker profile."""
    newest = [select(func.max(Contract.id)).scalar_subquery(),
              select(func.max(Contract.certified_at))
              .where(Contract.status == ContractStatus.CERTIFIED).scalar_subquery(),
              *(select(func.max(model.id)).scalar_subquery()
                for model in (AuditEntry, Achievement, Listing, Deal, BrokerProfile))]
    return tuple(db.session.execute(select(*newest)).one())


def _version():
    """The data version, read once per request (or app context)."""
    if "stats_data_version" not in g:
        g.stats_data_version = data_version()
    return g.stats_data_version


def cached(key, compute):
    """compute(), or the value it gave for `key` at the current data version."""
    store = _store()
    full_key = (key, _version())
    found, value = store.get(full_key)
    if not found:
        value = compute()
        store.put(full_key, value)
    return value
