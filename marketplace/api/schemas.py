"""marshmallow schemas of the account endpoints; they validate requests and describe them in
the OpenAPI document, so the two cannot drift."""
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ..accounts.models import SELF_REGISTERED_ROLES
from ..codes import ENTITY_TYPES, ORG_KINDS, REGIONS
from .core import BaseSchema, PageQuery


def one_of(values):
    return validate.OneOf(list(values), error=_l("Not one of the allowed values."))


class ErrorBodySchema(BaseSchema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(BaseSchema):
    error = fields.Nested(ErrorBodySchema, required=True)


class TokenRequestSchema(BaseSchema):
    username = fields.String(required=True)
    password = fields.String(required=True)


class TokenSchema(BaseSchema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class OrganizationInSchema(BaseSchema):
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=one_of(ORG_KINDS),
                         metadata={"enum": list(ORG_KINDS)})
    entity_type = fields.String(load_default="other", validate=one_of(ENTITY_TYPES),
                                metadata={"enum": list(ENTITY_TYPES)})
    credit_code = fields.String(required=True)
    county = fields.String(required=True, validate=one_of(REGIONS),
                           metadata={"enum": list(REGIONS),
                                     "description": "GB/T 2260 county or province code"})
    address = fields.String(load_default="")
    contact_name = fields.String(load_default="")
    contact_phone = fields.String(load_default="")


class RegisterSchema(BaseSchema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=one_of(r.value for r in SELF_REGISTERED_ROLES),
                         metadata={"enum": [r.value for r in SELF_REGISTERED_ROLES]})
    locale = fields.String(load_default=None, validate=one_of(("zh", "en")))
    organization = fields.Nested(OrganizationInSchema, load_default=None, allow_none=True)


class OrganizationSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    entity_type = fields.String()
    credit_code = fields.String()
    county = fields.String()
    address = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    status = fields.String(metadata={"enum": ["unverified", "verified", "rejected"]})
    review_comment = fields.String(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    verified_by = fields.Function(lambda o: o.verified_by.username if o.verified_by else None,
                                  allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class UserSchema(BaseSchema):
    id = fields.Integer()
    username = fields.String()
    email = fields.String()
    role = fields.String()
    locale = fields.String(allow_none=True)
    active = fields.Boolean()
    organization = fields.Nested(OrganizationSchema, allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ReviewSchema(BaseSchema):
    decision = fields.String(required=True, validate=one_of(("verify", "reject")),
                             metadata={"enum": ["verify", "reject"]})
    comment = fields.String(load_default="")


class OrganizationListQuery(PageQuery):
    status = fields.String(load_default=None, validate=one_of(
        ("unverified", "verified", "rejected")))
