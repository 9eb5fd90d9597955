"""The monthly report for the national technology-market statistics: one row per contract
certified in the month (and still certified), with the fields of the national registration
form (全国技术合同认定登记统计表), for upload to the national system. Bureau only.
"""
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import noload

from .. import clock
from ..codes import ENTITY_TYPES, FIELDS, PARTY_REGIONS, TECH_DOMAINS
from ..contracts.models import Contract
from ..contracts.states import IP_KINDS, PAYMENT_METHODS, PLAN_CATEGORIES, SUBTYPES, TYPES
from ..extensions import db
from .services import certified_in
from .tables import Cell, Table


def _label(labels, key):
    return str(labels.get(key, key)) if key else ""


def _day(value):
    return value.isoformat() if value else ""


# (heading, value of a contract): amounts in yuan with two decimals, as the form records them.
COLUMNS = [
    (_l("Registration number"), lambda c: c.registration_number),
    (_l("Contract title"), lambda c: c.title),
    (_l("Contract type"), lambda c: _label(TYPES, c.contract_type)),
    (_l("Subtype"), lambda c: _label(SUBTYPES, c.subtype)),
    (_l("Seller name"), lambda c: c.seller_name),
    (_l("Seller's unified social credit code"), lambda c: c.seller_credit_code or ""),
    (_l("Seller's entity type"), lambda c: _label(ENTITY_TYPES, c.seller_entity_type)),
    (_l("Seller's region"), lambda c: _label(PARTY_REGIONS, c.seller_region)),
    (_l("Seller's region code"), lambda c: c.seller_region),
    (_l("Buyer name"), lambda c: c.buyer_name),
    (_l("Buyer's unified social credit code"), lambda c: c.buyer_credit_code or ""),
    (_l("Buyer's entity type"), lambda c: _label(ENTITY_TYPES, c.buyer_entity_type)),
    (_l("Buyer's region"), lambda c: _label(PARTY_REGIONS, c.buyer_region)),
    (_l("Buyer's region code"), lambda c: c.buyer_region),
    (_l("Technology import"), lambda c: "1" if c.is_import else "0"),
    (_l("Broker or intermediary"), lambda c: c.broker_name or ""),
    (_l("Technology domain"), lambda c: _label(TECH_DOMAINS, c.tech_domain)),
    (_l("Industry field"), lambda c: _label(FIELDS, c.field)),
    (_l("Intellectual property"), lambda c: _label(IP_KINDS, c.ip_kind)),
    (_l("Intellectual property numbers"), lambda c: c.ip_numbers or ""),
    (_l("Plan category"), lambda c: _label(PLAN_CATEGORIES, c.plan_category)),
    (_l("Payment method"), lambda c: _label(PAYMENT_METHODS, c.payment_method)),
    (_l("Signing date"), lambda c: _day(c.signed_on)),
    (_l("Valid from"), lambda c: _day(c.valid_from)),
    (_l("Valid to"), lambda c: _day(c.valid_to)),
    (_l("Contract amount (yuan)"), lambda c: f"{c.total_amount:.2f}"),
    (_l("Technology transaction amount (yuan)"), lambda c: f"{c.technology_amount:.2f}"),
    (_l("Non-technical items (yuan)"),
     lambda c: f"{c.total_amount - c.technology_amount:.2f}"),
    (_l("Expected new investment (yuan)"),
     lambda c: f"{c.expected_investment:.2f}" if c.expected_investment is not None else ""),
    (_l("Expected new output (yuan)"),
     lambda c: f"{c.expected_output:.2f}" if c.expected_output is not None else ""),
    (_l("Registration date"),
     lambda c: format_date(c.certified_at.astimezone(clock.LOCAL_TZ).date(), "yyyy-MM-dd")),
]


def monthly_contracts(period):
    """The contracts certified in the month, in the order of their registration numbers."""
    return db.session.scalars(
        select(Contract).where(*certified_in(period))
        .options(noload(Contract.filer), noload(Contract.items))
        .order_by(Contract.certified_at, Contract.id)).all()


def monthly_report(period):
    """The month's report as a Table (its CSV is the file to upload)."""
    rows = [[Cell(str(value(c) or "")) for _, value in COLUMNS]
            for c in monthly_contracts(period)]
    return Table("report", _l("Monthly report"), [heading for heading, _ in COLUMNS], rows)
