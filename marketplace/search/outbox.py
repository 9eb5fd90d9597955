"""The search outbox: a row per searchable change, written in the change's own transaction.

The index reads these rows after commit (search.sync), so a rolled-back change never reaches
it and a crashed indexer loses nothing: rows stay until the index's cursor passes them.
"""
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import db
from ..types import UTCDateTime

OPS = ("upsert", "delete")


class SearchOutbox(db.Model):
    __tablename__ = "search_outbox"
    __table_args__ = (Index("ix_search_outbox_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    op: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


def queue_search_update(entity, entity_id, op="upsert"):
    """Record that `entity` #`entity_id` must be re-indexed (or removed) after commit."""
    if op not in OPS:
        raise ValueError(op)
    db.session.add(SearchOutbox(entity=entity, entity_id=entity_id, op=op,
                                created_at=clock.now()))
