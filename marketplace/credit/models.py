"""Credit events: what happened, to whom, caused by which record. Scores are computed from
these rows (and from deals, contracts and ratings), never typed in."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime


class CreditEvent(db.Model):
    __tablename__ = "credit_events"
    __table_args__ = (Index("ix_credit_events_org", "org_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    entity: Mapped[str] = mapped_column(String(40))  # the record that caused it
    entity_id: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    organization = relationship("Organization")
