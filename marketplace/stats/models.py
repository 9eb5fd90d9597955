"""The index the statistics read: declared here, on the contracts table, by the statistics
(migration 0c5d7e9f1a2b).

Every statistics query selects certified contracts by `certified_at` and reads a few short
columns; with all of them in one index the database answers from the index alone, without
visiting the wide contract rows (titles, names, comments): on SQLite this made each breakdown
two to three times faster. `ix_contracts_certified` (status, certified_at) stays for the
contract pages.
"""
from sqlalchemy import Index

from ..contracts.models import Contract

# In the order of the index: the range first, then what the breakdowns group and sum.
STATS_COLUMNS = ("status", "certified_at", "contract_type", "field", "tech_domain",
                 "seller_entity_type", "buyer_entity_type", "seller_region", "buyer_region",
                 "is_import", "total_amount", "technology_amount", "submitted_at",
                 "achievement_id", "broker_id")

stats_index = Index("ix_contracts_stats", *(Contract.__table__.c[name] for name in STATS_COLUMNS))
