"""The breakdowns of certified contracts: for each, the SQL expression that gives a contract's
group key and the groups' labels in display order.

Every contract falls in exactly one group of each breakdown (a missing value is its own group,
"unknown"), so every breakdown adds up to the headline total.

County: the county of the contract's Lüliang party, the seller's when the seller is in
Lüliang, else the buyer's; "outside" when neither party is in Lüliang.
Flow: "out" sold out of the city (seller in Lüliang, buyer elsewhere or abroad); "in" bought
into the city from elsewhere in China; "import" bought into the city from abroad (a technology
import, or a seller abroad); "within" both parties in Lüliang; "outside" neither.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal_column, or_

from ..codes import ABROAD, COUNTIES, ENTITY_TYPES, FIELDS, TECH_DOMAINS
from ..contracts.models import Contract
from ..contracts.states import TYPES

UNKNOWN = "unknown"
UNKNOWN_LABEL = _l("Not stated")

FLOWS = {
    "out": _l("Sold out of the city"),
    "in": _l("Bought into the city from elsewhere in China"),
    "import": _l("Bought into the city from abroad"),
    "within": _l("Within the city"),
    "outside": _l("Neither party in Lüliang"),
}
COUNTY_LABELS = {**COUNTIES, "outside": _l("Neither party in Lüliang")}


def _coalesced(column):
    return func.coalesce(column, literal_column(f"'{UNKNOWN}'"))


def _in_city(column):
    return column.in_(tuple(COUNTIES))


def _county():
    return case((_in_city(Contract.seller_region), Contract.seller_region),
                (_in_city(Contract.buyer_region), Contract.buyer_region),
                else_=literal_column("'outside'"))


def _flow():
    seller_in, buyer_in = _in_city(Contract.seller_region), _in_city(Contract.buyer_region)
    from_abroad = or_(Contract.is_import.is_(True), Contract.seller_region == ABROAD)
    return case((and_(seller_in, buyer_in), literal_column("'within'")),
                (seller_in, literal_column("'out'")),
                (and_(buyer_in, from_abroad), literal_column("'import'")),
                (buyer_in, literal_column("'in'")),
                else_=literal_column("'outside'"))


@dataclass(frozen=True)
class Dimension:
    name: str
    title: object  # the breakdown's heading
    labels: dict  # key -> label, in display order
    expression: object  # a callable giving the SQL expression of a contract's key

    def label(self, key):
        if key == UNKNOWN:
            return UNKNOWN_LABEL
        return self.labels.get(key, key)

    def keys(self):
        return list(self.labels)


DIMENSIONS = {d.name: d for d in (
    Dimension("type", _l("Contract type"), TYPES, lambda: _coalesced(Contract.contract_type)),
    Dimension("field", _l("Industry field"), FIELDS, lambda: _coalesced(Contract.field)),
    Dimension("tech_domain", _l("Technology domain"), TECH_DOMAINS,
              lambda: _coalesced(Contract.tech_domain)),
    Dimension("seller_entity_type", _l("Seller's entity type"), ENTITY_TYPES,
              lambda: _coalesced(Contract.seller_entity_type)),
    Dimension("buyer_entity_type", _l("Buyer's entity type"), ENTITY_TYPES,
              lambda: _coalesced(Contract.buyer_entity_type)),
    Dimension("county", _l("County"), COUNTY_LABELS, _county),
    Dimension("flow", _l("Flow of technology"), FLOWS, _flow),
)}
# The time breakdowns (quarter, month) depend on the period: see services.time_groups.
TIME_DIMENSIONS = ("quarter", "month")
GROUP_BY = (*DIMENSIONS, *TIME_DIMENSIONS)
