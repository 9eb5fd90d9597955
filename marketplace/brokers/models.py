"""Broker profiles, engagements and ratings. A broker's track record is computed from deals,
contracts and ratings; nothing here is a typed-in figure."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime
from .states import BrokerStatus

Money = Numeric(16, 2)


class BrokerProfile(db.Model):
    __tablename__ = "broker_profiles"
    __table_args__ = (Index("ix_broker_profiles_status", "status", "verified_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    real_name: Mapped[str] = mapped_column(String(100))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    level: Mapped[str] = mapped_column(String(20))  # states.LEVELS
    filing_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    certificate_number: Mapped[str | None] = mapped_column(String(60))
    certificate_issuer: Mapped[str | None] = mapped_column(String(200))
    certificate_date: Mapped[date | None] = mapped_column(Date)
    professional_title: Mapped[str | None] = mapped_column(String(100))
    # The employer is the broker's organisation (users.organization_id), an intermediary if any.
    fields: Mapped[list] = mapped_column(JSON, default=list)     # industry field codes
    regions: Mapped[list] = mapped_column(JSON, default=list)    # GB/T 2260 codes
    services: Mapped[list] = mapped_column(JSON, default=list)   # states.SERVICES
    years_of_practice: Mapped[int | None]
    bio: Mapped[str] = mapped_column(Text, default="")
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))

    status: Mapped[BrokerStatus] = mapped_column(
        Enum(BrokerStatus, name="broker_status", native_enum=False, create_constraint=True,
             length=20, values_callable=lambda e: [m.value for m in e]),
        default=BrokerStatus.PENDING)
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}  # see marketplace.workflow
    review_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    verified_by = relationship("User", foreign_keys=[verified_by_id])
    photo = relationship("StoredFile")

    @property
    def is_verified(self):
        return self.status == BrokerStatus.VERIFIED


class Engagement(db.Model):
    """A party's invitation of a broker onto its listing, need or deal, and the broker's answer.
    `broker_id` is the broker's user id, like every other broker column in the schema."""

    __tablename__ = "broker_engagements"
    __table_args__ = (
        CheckConstraint("subject IN ('listing', 'need', 'deal')", name="subject"),
        CheckConstraint("side IN ('seller', 'buyer')", name="side"),
        Index("ix_broker_engagements_subject", "subject", "subject_id", "side"),
        Index("ix_broker_engagements_broker", "broker_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int]
    side: Mapped[str] = mapped_column(String(10))
    principal_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    commission: Mapped[Decimal | None] = mapped_column(Money)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="invited")  # ENGAGEMENT_STATUSES
    response_comment: Mapped[str | None] = mapped_column(Text)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}

    broker = relationship("User", foreign_keys=[broker_id], lazy="joined")
    principal = relationship("Organization", lazy="joined")
    invited_by = relationship("User", foreign_keys=[invited_by_id])


class Rating(db.Model):
    """A party's rating (1–5) of the other party or of a broker after a deal: one per rater
    organisation, deal and target; editable for RATING_EDIT_DAYS."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("deal_id", "rater_org_id", "target_key", name="uq_ratings_once"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        CheckConstraint("target_kind IN ('org', 'broker')", name="target_kind"),
        Index("ix_ratings_target_org", "target_org_id"),
        Index("ix_ratings_target_broker", "target_broker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    rater_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    rater_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target_kind: Mapped[str] = mapped_column(String(10))
    target_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    target_broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    target_key: Mapped[str] = mapped_column(String(20))  # "org:<id>" | "broker:<id>"
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    deal = relationship("Deal")
    rater_org = relationship("Organization", foreign_keys=[rater_org_id], lazy="joined")
    rater_user = relationship("User", foreign_keys=[rater_user_id])
    target_org = relationship("Organization", foreign_keys=[target_org_id])
    target_broker = relationship("User", foreign_keys=[target_broker_id])
