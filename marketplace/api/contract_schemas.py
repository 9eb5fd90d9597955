"""marshmallow schemas of API.md "Contracts" and the public verification."""
from marshmallow import fields

from ..codes import ENTITY_TYPES, FIELDS, PARTY_REGIONS, TECH_DOMAINS
from ..contracts.states import (
    IP_KINDS,
    PAYMENT_METHODS,
    PLAN_CATEGORIES,
    REJECTION_GROUNDS,
    REVOCATION_GROUNDS,
    SUBTYPES,
    TYPES,
)
from .achievement_schemas import _enum
from .core import BaseSchema, PageQuery


class _MoneyField(fields.Decimal):
    """Dumped with two decimals; loaded exactly as sent, not rounded, so that the service
    refuses an amount with more than two decimals instead of silently changing it."""

    def _deserialize(self, value, attr, data, **kwargs):
        places, self.places = self.places, None
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        finally:
            self.places = places


def Money(**kwargs):  # noqa: N802  (a field factory, named like the fields it makes)
    """Money as a string with two decimals (API.md), accepted as a string or a number."""
    metadata = {"type": "string", "example": "1200000.00", **kwargs.pop("metadata", {})}
    return _MoneyField(as_string=True, places=2, allow_nan=False, metadata=metadata, **kwargs)


class PartySchema(BaseSchema):
    name = fields.String(required=True)
    credit_code = fields.String(allow_none=True, load_default=None)
    entity_type = _enum(ENTITY_TYPES, required=True)
    region = _enum(PARTY_REGIONS, required=True)


class ItemSchema(BaseSchema):
    name = fields.String(required=True)
    amount = Money(required=True)


class ContractInSchema(BaseSchema):
    contract_type = _enum(TYPES, required=True)
    subtype = _enum(SUBTYPES, required=True)
    title = fields.String(required=True)
    is_import = fields.Boolean(load_default=False)
    seller = fields.Nested(PartySchema, required=True)
    buyer = fields.Nested(PartySchema, required=True)
    broker_name = fields.String(allow_none=True, load_default=None)
    signed_on = fields.Date(required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)
    tech_domain = _enum(TECH_DOMAINS, required=True)
    field = _enum(FIELDS, allow_none=True, load_default=None)
    ip_kind = _enum(IP_KINDS, load_default="none")
    ip_numbers = fields.String(allow_none=True, load_default=None)
    plan_category = _enum(PLAN_CATEGORIES, load_default="none")
    payment_method = _enum(PAYMENT_METHODS, required=True)
    total_amount = Money(required=True)
    non_technical_items = fields.List(fields.Nested(ItemSchema), load_default=list)
    technology_amount = Money(required=True)
    expected_investment = Money(allow_none=True, load_default=None)
    expected_output = Money(allow_none=True, load_default=None)
    achievement_id = fields.Integer(allow_none=True, load_default=None)
    deal_id = fields.Integer(allow_none=True, load_default=None)


class ContractPatchSchema(ContractInSchema):
    """PATCH: the same fields, none required; what is given replaces what was there."""

    def __init__(self, *args, **kwargs):
        # marshmallow has no Meta.partial: without this a PATCH had to repeat every required
        # field, and the defaults of the fields it left out overwrote the record.
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class ContractSchema(BaseSchema):
    id = fields.Integer()
    status = fields.String()
    contract_type = fields.String()
    subtype = fields.String()
    title = fields.String()
    is_import = fields.Boolean()
    seller = fields.Function(lambda c: _party(c, "seller"))
    buyer = fields.Function(lambda c: _party(c, "buyer"))
    broker_name = fields.String(allow_none=True)
    # a draft may not have these yet
    signed_on = fields.Date(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    tech_domain = fields.String(allow_none=True)
    field = fields.String(allow_none=True)
    ip_kind = fields.String()
    ip_numbers = fields.String(allow_none=True)
    plan_category = fields.String()
    payment_method = fields.String(allow_none=True)
    total_amount = Money()
    non_technical_items = fields.Function(
        lambda c: [{"name": i.name, "amount": f"{i.amount:.2f}"} for i in c.items])
    technology_amount = Money()
    expected_investment = Money(allow_none=True)
    expected_output = Money(allow_none=True)
    achievement_id = fields.Integer(allow_none=True)
    deal_id = fields.Integer(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    due_on = fields.Date(allow_none=True)
    review_comment = fields.String(allow_none=True)
    ground = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)
    verification_code = fields.String(allow_none=True)
    certified_at = fields.DateTime(allow_none=True)
    has_signed_copy = fields.Method("get_signed")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def get_signed(self, record):
        from ..contracts.services import has_signed_copy

        return has_signed_copy(record)


def _party(record, side):
    return {"name": getattr(record, f"{side}_name"),
            "credit_code": getattr(record, f"{side}_credit_code"),
            "entity_type": getattr(record, f"{side}_entity_type"),
            "region": getattr(record, f"{side}_region")}


class ContractListQuery(PageQuery):
    mine = fields.Boolean(load_default=False)
    status = fields.String(load_default=None)


class ContractReviewSchema(BaseSchema):
    decision = _enum(("certify", "return", "reject"), required=True)
    comment = fields.String(load_default="")
    ground = _enum(REJECTION_GROUNDS, allow_none=True, load_default=None)


class ContractRevokeSchema(BaseSchema):
    ground = _enum(REVOCATION_GROUNDS, required=True)
    comment = fields.String(load_default="")


class VerificationSchema(BaseSchema):
    kind = fields.String(metadata={"enum": ["achievement", "contract", "deal_confirmation",
                                            "deal_certificate"]})
    registration_number = fields.String()
    status = fields.String()
    title = fields.String()
    registered_at = fields.DateTime(allow_none=True)
    organization = fields.String(allow_none=True)
    contract_type = fields.String(allow_none=True)
    seller = fields.String(allow_none=True)
    buyer = fields.String(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    total_amount = Money(allow_none=True)
    technology_amount = Money(allow_none=True)
    transfer_mode = fields.String(allow_none=True)
    price = Money(allow_none=True)
    confirmation_number = fields.String(allow_none=True)
    certificate_number = fields.String(allow_none=True)
