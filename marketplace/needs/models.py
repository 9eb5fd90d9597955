"""The technology need and the responses (proposals) to it."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, Enum, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime
from .states import NeedStatus

Money = Numeric(16, 2)


class Need(db.Model):
    __tablename__ = "needs"
    __table_args__ = (
        Index("ix_needs_public", "status", "deadline"),
        Index("ix_needs_owner", "org_id", "status"),
        Index("ix_needs_status_updated", "status", "updated_at", "id"),  # the public list
        Index("ix_needs_updated", "updated_at", "id"),  # the API's list
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str] = mapped_column(String(20))
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    indicators: Mapped[str] = mapped_column(Text, default="")  # technical indicators wanted
    budget_min: Mapped[Decimal | None] = mapped_column(Money)
    budget_max: Mapped[Decimal | None] = mapped_column(Money)
    cooperation_modes: Mapped[list] = mapped_column(JSON, default=list)
    deadline: Mapped[date] = mapped_column(Date)  # responses until the end of this day

    status: Mapped[NeedStatus] = mapped_column(
        Enum(NeedStatus, name="need_status", native_enum=False, create_constraint=True,
             length=20, values_callable=lambda e: [m.value for m in e]),
        default=NeedStatus.DRAFT)
    closure: Mapped[str | None] = mapped_column(String(20))  # resolved, expired, withdrawn
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}  # see marketplace.workflow
    review_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    renewed: Mapped[bool] = mapped_column(Boolean, default=False)
    expiry_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    organization = relationship("Organization", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    responses = relationship("Response", back_populates="need", order_by="Response.id")


class Response(db.Model):
    """A proposal to solve a need, from an institute or a broker, optionally offering one of
    the responder's listings or achievements."""

    __tablename__ = "need_responses"
    __table_args__ = (Index("ix_need_responses_need", "need_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    message: Mapped[str] = mapped_column(Text)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"))
    achievement_id: Mapped[int | None] = mapped_column(ForeignKey("achievements.id"))
    # The organisation that would sell: the responder's own, or the one whose listing or
    # achievement a broker offers.
    seller_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(15), default="submitted")
    reason: Mapped[str | None] = mapped_column(String(20))  # a DECLINE_REASONS code
    decision_comment: Mapped[str | None] = mapped_column(Text)
    # The terms the enterprise accepted, for the seller side to confirm.
    agreed_price: Mapped[Decimal | None] = mapped_column(Money)
    agreed_mode: Mapped[str | None] = mapped_column(String(30))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    need = relationship("Need", back_populates="responses")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    organization = relationship("Organization", foreign_keys=[org_id])
    seller = relationship("Organization", foreign_keys=[seller_org_id])
    listing = relationship("Listing")
    achievement = relationship("Achievement")
