"""The achievement record, its completers, IP items and the confidential-details disclosure."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime
from .states import AchievementStatus


class Achievement(db.Model):
    __tablename__ = "achievements"
    __table_args__ = (
        Index("ix_achievements_public", "status", "field", "registered_at"),
        Index("ix_achievements_owner", "owner_org_id", "status"),
        Index("ix_achievements_registered", "status", "registered_at", "id"),  # the register
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The first completing organisation files the record and owns it.
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(10))
    field: Mapped[str] = mapped_column(String(20))
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="")  # confidential
    attribute: Mapped[str | None] = mapped_column(String(20))
    level: Mapped[str | None] = mapped_column(String(30))
    maturity: Mapped[int | None]
    research_start: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM
    research_end: Mapped[str | None] = mapped_column(String(7))
    source: Mapped[str | None] = mapped_column(String(20))
    secrecy: Mapped[str] = mapped_column(String(20), default="none")
    ownership_disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluation_method: Mapped[str | None] = mapped_column(String(20))
    evaluation_certificate: Mapped[str | None] = mapped_column(String(100))
    evaluation_date: Mapped[date | None] = mapped_column(Date)
    confidentiality_terms: Mapped[str | None] = mapped_column(Text)

    status: Mapped[AchievementStatus] = mapped_column(
        Enum(AchievementStatus, name="achievement_status", native_enum=False,
             create_constraint=True, length=20, values_callable=lambda e: [m.value for m in e]),
        default=AchievementStatus.DRAFT)
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}  # see marketplace.workflow
    review_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    registration_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    verification_code: Mapped[str | None] = mapped_column(String(12))
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    transferred: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    owner = relationship("Organization", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    registered_by = relationship("User", foreign_keys=[registered_by_id])
    completers = relationship("Completer", order_by="Completer.position",
                              cascade="all, delete-orphan", lazy="selectin")
    ip_items = relationship("IPItem", order_by="IPItem.position",
                            cascade="all, delete-orphan", lazy="selectin")


class Completer(db.Model):
    """A completing person and organisation, in the order of the registration form."""

    __tablename__ = "achievement_completers"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    organization: Mapped[str] = mapped_column(String(200))


class IPItem(db.Model):
    __tablename__ = "achievement_ip_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), index=True)
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(60), index=True)
    status: Mapped[str] = mapped_column(String(10))


class DisclosureRequest(db.Model):
    """A member of a verified organisation asks to read the confidential details."""

    __tablename__ = "disclosure_requests"
    __table_args__ = (Index("ix_disclosure_requests_pair", "achievement_id", "requester_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requester_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # granted, refused
    message: Mapped[str | None] = mapped_column(Text)
    terms_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    requester = relationship("User", foreign_keys=[requester_id])
    requester_org = relationship("Organization")


class DisclosureView(db.Model):
    """Every reading of the confidential details by someone outside the owner."""

    __tablename__ = "disclosure_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    channel: Mapped[str] = mapped_column(String(10), default="web")  # web or api

    user = relationship("User")
    organization = relationship("Organization")
