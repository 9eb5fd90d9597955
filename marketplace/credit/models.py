"""Credit: the events a score is computed from, the computed scores, complaints and the
blacklist (SPEC.md §6). Scores are computed from events, never typed in."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime


class CreditEvent(db.Model):
    """What happened, to whom (an organisation or a broker), caused by which record, and the
    points the documented weight gave it when it happened."""

    __tablename__ = "credit_events"
    __table_args__ = (Index("ix_credit_events_org", "org_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    entity: Mapped[str] = mapped_column(String(40))  # the record that caused it
    entity_id: Mapped[int]
    points: Mapped[int] = mapped_column(default=0)
    comment: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    organization = relationship("Organization")
    broker = relationship("User", foreign_keys=[broker_id])


class CreditScore(db.Model):
    """The score last computed for one organisation or broker (subject_key "org:<id>" or
    "broker:<user id>"), recomputed whenever one of its events is recorded."""

    __tablename__ = "credit_scores"
    __table_args__ = (Index("ix_credit_scores_grade", "grade"),)

    subject_key: Mapped[str] = mapped_column(String(20), primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), unique=True)
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    score: Mapped[int]
    grade: Mapped[str] = mapped_column(String(1))
    event_count: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Complaint(db.Model):
    """A party to a deal complains about the other party or a broker; the bureau investigates
    and decides (upheld with a sanction, or dismissed) with reasons. Evidence files are
    stored files attached as ("complaint", id)."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint("target_kind IN ('org', 'broker')", name="target_kind"),
        Index("ix_complaints_queue", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    complainant_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    complainant_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target_kind: Mapped[str] = mapped_column(String(10))
    target_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                      index=True)
    target_broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    # submitted → investigating → upheld | dismissed; withdrawn by the complainant before.
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}
    sanction: Mapped[str | None] = mapped_column(String(30))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)  # the respondent's statement
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    investigating_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    deal = relationship("Deal")
    complainant_org = relationship("Organization", foreign_keys=[complainant_org_id],
                                   lazy="joined")
    complainant_user = relationship("User", foreign_keys=[complainant_user_id])
    target_org = relationship("Organization", foreign_keys=[target_org_id], lazy="joined")
    target_broker = relationship("User", foreign_keys=[target_broker_id], lazy="joined")
    handled_by = relationship("User", foreign_keys=[handled_by_id])


class BlacklistEntry(db.Model):
    """The bureau lists an organisation or a broker until a date, with a reason. An entry is
    in force while today ≤ `until` and it has not been lifted; it lapses by itself."""

    __tablename__ = "blacklist_entries"
    __table_args__ = (
        CheckConstraint("(org_id IS NULL) <> (broker_id IS NULL)", name="one_subject"),
        Index("ix_blacklist_org", "org_id", "until"),
        Index("ix_blacklist_broker", "broker_id", "until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[date] = mapped_column(Date)  # in force through the end of this day
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(Text)
    expiry_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organization = relationship("Organization", lazy="joined")
    broker = relationship("User", foreign_keys=[broker_id], lazy="joined")
    complaint = relationship("Complaint")
    created_by = relationship("User", foreign_keys=[created_by_id])
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])
