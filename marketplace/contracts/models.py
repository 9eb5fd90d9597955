"""The technology contract record and its non-technical items."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime
from .states import ContractStatus

Money = Numeric(16, 2)


class Contract(db.Model):
    __tablename__ = "contracts"
    __table_args__ = (
        Index("ix_contracts_queue", "status", "due_on"),
        Index("ix_contracts_certified", "status", "certified_at"),
        Index("ix_contracts_same", "seller_credit_code", "buyer_credit_code", "signed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The organisation that files: the seller side (the domestic buyer for an import).
    filer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    achievement_id: Mapped[int | None] = mapped_column(ForeignKey("achievements.id"))
    contract_type: Mapped[str] = mapped_column(String(20))
    subtype: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    is_import: Mapped[bool] = mapped_column(Boolean, default=False)

    seller_name: Mapped[str] = mapped_column(String(200))
    seller_credit_code: Mapped[str | None] = mapped_column(String(18))
    seller_entity_type: Mapped[str] = mapped_column(String(30))
    seller_region: Mapped[str] = mapped_column(String(6))
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    buyer_entity_type: Mapped[str] = mapped_column(String(30))
    buyer_region: Mapped[str] = mapped_column(String(6))
    broker_name: Mapped[str | None] = mapped_column(String(200))
    # The verified broker the contract names, when it names one of the market's brokers.
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    signed_on: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    tech_domain: Mapped[str | None] = mapped_column(String(30))
    field: Mapped[str | None] = mapped_column(String(20))  # the plan's industry field
    ip_kind: Mapped[str] = mapped_column(String(30), default="none")
    ip_numbers: Mapped[str | None] = mapped_column(String(500))
    plan_category: Mapped[str] = mapped_column(String(20), default="none")
    payment_method: Mapped[str | None] = mapped_column(String(20))
    total_amount: Mapped[Decimal] = mapped_column(Money)
    technology_amount: Mapped[Decimal] = mapped_column(Money)
    expected_investment: Mapped[Decimal | None] = mapped_column(Money)
    expected_output: Mapped[Decimal | None] = mapped_column(Money)

    status: Mapped[ContractStatus] = mapped_column(
        Enum(ContractStatus, name="contract_status", native_enum=False, create_constraint=True,
             length=20, values_callable=lambda e: [m.value for m in e]),
        default=ContractStatus.DRAFT)
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}  # see marketplace.workflow
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    review_comment: Mapped[str | None] = mapped_column(Text)
    ground: Mapped[str | None] = mapped_column(String(30))
    registration_number: Mapped[str | None] = mapped_column(String(16), unique=True)
    verification_code: Mapped[str | None] = mapped_column(String(12))
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_soon_notified_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    filer = relationship("Organization", lazy="joined")
    deal = relationship("Deal")
    certified_by = relationship("User", foreign_keys=[certified_by_id])
    broker = relationship("User", foreign_keys=[broker_id])
    items = relationship("NonTechnicalItem", order_by="NonTechnicalItem.position",
                         cascade="all, delete-orphan", lazy="selectin")


class NonTechnicalItem(db.Model):
    """Equipment, instruments, parts or materials priced inside the contract amount."""

    __tablename__ = "contract_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
