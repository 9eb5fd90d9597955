"""Contract forms: they collect input; the rules are in services.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from ..codes import ENTITY_TYPES, FIELDS, PARTY_REGIONS, TECH_DOMAINS
from .states import (
    IP_KINDS,
    PAYMENT_METHODS,
    PLAN_CATEGORIES,
    REJECTION_GROUNDS,
    REVOCATION_GROUNDS,
    SUBTYPES,
    TYPES,
)


def _choices(mapping, blank=True):
    return ([("", _l("Choose…"))] if blank else []) + list(mapping.items())


def _select(label, mapping, blank=True, **kwargs):
    # The service checks the codes, with messages that name the field.
    return SelectField(label, choices=_choices(mapping, blank), validate_choice=False, **kwargs)


class ItemForm(Form):
    name = StringField(_l("Item"))
    amount = StringField(_l("Amount (yuan)"))


class ContractForm(FlaskForm):
    contract_type = _select(_l("Type of contract"), TYPES)
    subtype = _select(_l("Subtype"), SUBTYPES)
    title = StringField(_l("Contract title"))
    is_import = BooleanField(_l("This is a technology import (the seller is abroad; we are the "
                                "domestic buyer)"))
    seller_name = StringField(_l("Name"))
    seller_credit_code = StringField(_l("Unified social credit code"))
    seller_entity_type = _select(_l("Entity type"), ENTITY_TYPES)
    seller_region = _select(_l("County, province or abroad"), PARTY_REGIONS)
    buyer_name = StringField(_l("Name"))
    buyer_credit_code = StringField(_l("Unified social credit code"))
    buyer_entity_type = _select(_l("Entity type"), ENTITY_TYPES)
    buyer_region = _select(_l("County, province or abroad"), PARTY_REGIONS)
    broker_id = SelectField(_l("The market's technology broker (optional)"), choices=[],
                            validate_choice=False, description=_l(
                                "A verified broker of the market; its real name is written "
                                "on the contract."))
    broker_name = StringField(_l("Technology broker or intermediary (optional)"),
                              description=_l("Or the name of an intermediary or broker who "
                                             "is not on the market."))
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid until"), validators=[Optional()])
    tech_domain = _select(_l("Technology domain"), TECH_DOMAINS)
    field = _select(_l("Industry field (optional)"), FIELDS)
    ip_kind = _select(_l("Intellectual property involved"), IP_KINDS, blank=False)
    ip_numbers = StringField(_l("IP numbers (optional)"),
                             description=_l("Patent or registration numbers, separated by "
                                            "commas"))
    plan_category = _select(_l("Plan category"), PLAN_CATEGORIES, blank=False)
    payment_method = _select(_l("Payment method"), PAYMENT_METHODS)
    total_amount = StringField(_l("Contract amount (yuan)"))
    items = FieldList(FormField(ItemForm), min_entries=5, max_entries=30)
    technology_amount = StringField(
        _l("Technology transaction amount (yuan)"),
        description=_l("The contract amount less the non-technical items"))
    expected_investment = StringField(_l("Expected new investment (yuan, optional)"))
    expected_output = StringField(_l("Expected new output (yuan, optional)"))
    achievement_id = SelectField(_l("Registered achievement the contract concerns (optional)"),
                                 choices=[], validate_choice=False)
    version = HiddenField()


class SignedCopyForm(FlaskForm):
    file = FileField(_l("Signed contract (PDF)"))


class ActionForm(FlaskForm):
    version = HiddenField()


class ContractReviewForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[
        ("certify", _l("Certify and register")), ("return", _l("Return for correction")),
        ("reject", _l("Do not register"))])
    ground = _select(_l("Ground for not registering"), REJECTION_GROUNDS)
    comment = TextAreaField(_l("Comment"), description=_l(
        "Required to return or not register; the applicant sees it."))
    version = HiddenField()


class RevokeForm(FlaskForm):
    ground = _select(_l("Ground for revoking"), REVOCATION_GROUNDS)
    comment = TextAreaField(_l("Reason"))
    version = HiddenField()


class CancelForm(FlaskForm):
    comment = TextAreaField(_l("Why the contract ended"))
    version = HiddenField()
