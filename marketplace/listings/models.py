"""The listing, its buyers' intents, their bids, and the deal that ends a successful listing."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
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
from .states import ListingStatus

Money = Numeric(16, 2)


class Listing(db.Model):
    __tablename__ = "listings"
    __table_args__ = (
        Index("ix_listings_public", "status", "updated_at"),
        Index("ix_listings_seller", "seller_org_id", "status"),
        Index("ix_listings_announced", "first_announced_at", "id"),  # the public list
        Index("ix_listings_status_announced", "status", "first_announced_at"),  # its count
        Index("ix_listings_updated", "updated_at", "id"),  # the API's list
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"), index=True)
    seller_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    transfer_mode: Mapped[str] = mapped_column(String(30))
    licence_term_years: Mapped[int | None]
    licence_territory: Mapped[str | None] = mapped_column(String(200))
    asking_price: Mapped[Decimal | None] = mapped_column(Money)  # None: negotiable
    reserve_price: Mapped[Decimal] = mapped_column(Money)
    bid_increment: Mapped[Decimal] = mapped_column(Money)
    announcement_days: Mapped[int]
    listing_days: Mapped[int]
    bidding_days: Mapped[int]
    buyer_conditions: Mapped[str] = mapped_column(Text, default="")
    seller_broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    seller_broker_commission: Mapped[Decimal | None] = mapped_column(Money)

    status: Mapped[ListingStatus] = mapped_column(
        Enum(ListingStatus, name="listing_status", native_enum=False, create_constraint=True,
             length=20, values_callable=lambda e: [m.value for m in e]),
        default=ListingStatus.DRAFT)
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}  # see marketplace.workflow
    review_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    announcement_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    listing_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    bidding_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    bidding_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    confirm_by: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the market clock next moves this listing (the end of whichever period is running).
    next_move_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True,
                                                          index=True)
    paused_from: Mapped[str | None] = mapped_column(String(20))
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    renewed: Mapped[bool] = mapped_column(Boolean, default=False)
    expiry_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    intents_count: Mapped[int] = mapped_column(default=0)  # qualified (active) intents
    bid_count: Mapped[int] = mapped_column(default=0)
    best_bid_amount: Mapped[Decimal | None] = mapped_column(Money)
    best_bid_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    best_bid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The one buyer of a negotiation or the winner of the bidding, and the price.
    buyer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    agreed_price: Mapped[Decimal | None] = mapped_column(Money)
    seller_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    buyer_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(20))  # a DECLINE_REASONS code
    end_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    achievement = relationship("Achievement", lazy="joined")
    seller = relationship("Organization", foreign_keys=[seller_org_id], lazy="joined")
    buyer = relationship("Organization", foreign_keys=[buyer_org_id])
    seller_broker = relationship("User", foreign_keys=[seller_broker_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    intents = relationship("Intent", back_populates="listing", order_by="Intent.id")
    deal = relationship("Deal", back_populates="listing", uselist=False)

    @property
    def title(self):
        return self.achievement.title

    @property
    def min_next_bid(self):
        if self.best_bid_amount is None:
            return self.reserve_price
        return self.best_bid_amount + self.bid_increment


class Intent(db.Model):
    """意向受让: an enterprise's registered wish to buy, the ticket to bidding."""

    __tablename__ = "listing_intents"
    __table_args__ = (UniqueConstraint("listing_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    statement: Mapped[str] = mapped_column(Text)
    offered_price: Mapped[Decimal | None] = mapped_column(Money)
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    broker_commission: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(15), default="active")
    reason: Mapped[str | None] = mapped_column(String(20))  # a DECLINE_REASONS code
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    listing = relationship("Listing", back_populates="intents")
    organization = relationship("Organization", foreign_keys=[org_id], lazy="joined")
    user = relationship("User", foreign_keys=[user_id])
    broker = relationship("User", foreign_keys=[broker_id])


class Bid(db.Model):
    """An accepted bid. Refused bids are not stored; the constraints make a second bid of the
    same amount, or two bids with one place in the sequence, impossible in the database too."""

    __tablename__ = "listing_bids"
    # Named: the naming convention's uq_<table>_<first column> would give both one name.
    __table_args__ = (UniqueConstraint("listing_id", "sequence",
                                       name="uq_listing_bids_listing_id_sequence"),
                      UniqueConstraint("listing_id", "amount",
                                       name="uq_listing_bids_listing_id_amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    intent_id: Mapped[int] = mapped_column(ForeignKey("listing_intents.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sequence: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    organization = relationship("Organization", lazy="joined")


class Deal(db.Model):
    """成交: the outcome of a listing, with its confirmation (成交确认书) and certificate (交易凭证)
    numbers; announced publicly until `announcement_until`."""

    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"), unique=True)
    # Or the need whose accepted response made it.
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("need_responses.id"),
                                                    unique=True)
    achievement_id: Mapped[int | None] = mapped_column(ForeignKey("achievements.id"))
    seller_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    buyer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    transfer_mode: Mapped[str] = mapped_column(String(30))
    price: Mapped[Decimal] = mapped_column(Money)
    seller_broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    seller_broker_commission: Mapped[Decimal | None] = mapped_column(Money)
    buyer_broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    buyer_broker_commission: Mapped[Decimal | None] = mapped_column(Money)
    dealt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    dealt_on: Mapped[date] = mapped_column(Date, index=True)
    seller_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    buyer_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    confirmation_number: Mapped[str] = mapped_column(String(10), unique=True)
    certificate_number: Mapped[str] = mapped_column(String(14), unique=True)
    verification_code: Mapped[str] = mapped_column(String(12))
    announcement_until: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    listing = relationship("Listing", back_populates="deal")
    need = relationship("Need")
    response = relationship("Response")
    achievement = relationship("Achievement")
    seller = relationship("Organization", foreign_keys=[seller_org_id], lazy="joined")
    buyer = relationship("Organization", foreign_keys=[buyer_org_id], lazy="joined")
    seller_broker = relationship("User", foreign_keys=[seller_broker_id])
    buyer_broker = relationship("User", foreign_keys=[buyer_broker_id])
    contract = relationship("Contract", primaryjoin="Deal.id == foreign(Contract.deal_id)",
                            viewonly=True, uselist=False, order_by="Contract.id")

    @property
    def title(self):
        """What was dealt: the achievement, or the need an accepted response solves."""
        subject = self.achievement or self.need
        return subject.title if subject is not None else None
