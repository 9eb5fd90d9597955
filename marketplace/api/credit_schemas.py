"""marshmallow schemas of the credit records and the ratings of a deal (API.md, extra)."""
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ..credit.services import GRADES, KINDS
from .core import BaseSchema, page_schema

TARGET = validate.Regexp(r"^(org|broker):\d{1,9}$",  # an id column holds < 2**31
                         error=_l("Use org:<organisation id> or broker:<broker id>."))


class CreditEventSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(KINDS)})
    label = fields.String()
    points = fields.Integer()
    occurred_at = fields.DateTime()
    counted = fields.Boolean(metadata={"description": "Inside the window the score counts"})
    entity = fields.String(metadata={"description": "The kind of record it came from"})
    entity_id = fields.Integer()
    comment = fields.String(allow_none=True, metadata={
        "description": "Only for the subject's own members (the broker itself) and officers"})


class CreditSubjectSchema(BaseSchema):
    kind = fields.String(metadata={"enum": ["org", "broker"]})
    id = fields.Integer(metadata={"description": "The organisation id, or the broker's id "
                                                 "(its profile id, as in /brokers/<id>)"})
    user_id = fields.Integer(metadata={"description": "Brokers only: the broker's user id"})
    name = fields.String()


class CreditRecordSchema(BaseSchema):
    subject = fields.Nested(CreditSubjectSchema)
    score = fields.Integer(metadata={"description": "0–100"})
    grade = fields.String(metadata={"enum": [g for g, _ in GRADES]})
    grade_label = fields.String()
    events = fields.Nested(page_schema(CreditEventSchema),
                           metadata={"description": "The newest first"})


class RatingSchema(BaseSchema):
    id = fields.Integer()
    deal_id = fields.Integer()
    rater = fields.Dict(metadata={"description": "The rating organisation: id and name"})
    target = fields.String(allow_none=True, metadata={
        "description": "org:<organisation id> | broker:<broker id (profile id)>"})
    target_name = fields.String()
    score = fields.Integer(metadata={"description": "1–5"})
    comment = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    editable_until = fields.DateTime()


class RatingTargetSchema(BaseSchema):
    target = fields.String()
    name = fields.String()
    role = fields.String()
    rating_id = fields.Integer(allow_none=True)
    editable = fields.Boolean()


class DealRatingsSchema(BaseSchema):
    items = fields.List(fields.Nested(RatingSchema), metadata={"description": "Every rating "
                                                                              "on the deal"})
    targets = fields.List(fields.Nested(RatingTargetSchema), metadata={
        "description": "Whom your organisation may rate on the deal (parties only)"})


class RatingInSchema(BaseSchema):
    target = fields.String(required=True, validate=TARGET)
    score = fields.Integer(required=True)
    comment = fields.String(load_default="")
