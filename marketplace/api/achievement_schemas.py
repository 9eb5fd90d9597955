"""marshmallow schemas of API.md "Achievements"."""
from marshmallow import fields, validate

from ..achievements.states import (
    ATTRIBUTES,
    CATEGORIES,
    EVALUATION_METHODS,
    EVIDENCE_KINDS,
    IP_STATUSES,
    IP_TYPES,
    LEVELS,
    SECRECY,
    SOURCES,
    maturity_stage,
)
from ..codes import FIELDS
from .core import BaseSchema, PageQuery
from .schemas import one_of


def _enum(values, **kwargs):
    enum = list(values)
    if "load_default" in kwargs and kwargs["load_default"] is None:
        enum.append(None)  # the documented default must be one of the documented values
    return fields.String(validate=one_of(values), metadata={"enum": enum}, **kwargs)


MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$")


class EvaluationSchema(BaseSchema):
    # No defaults: a PATCH that sends part of the evaluation keeps the rest.
    method = _enum(EVALUATION_METHODS, allow_none=True)
    certificate_number = fields.String(allow_none=True)
    date = fields.Date(allow_none=True)


class CompleterSchema(BaseSchema):
    name = fields.String(required=True)
    organization = fields.String(required=True)


class IPSchema(BaseSchema):
    type = _enum(IP_TYPES, required=True)
    number = fields.String(required=True)
    status = _enum(IP_STATUSES, required=True)


class AchievementInSchema(BaseSchema):
    title = fields.String(required=True)
    title_en = fields.String(load_default="")
    category = _enum(CATEGORIES, required=True)
    field = _enum(FIELDS, required=True)
    keywords = fields.List(fields.String(), load_default=list)
    summary = fields.String(load_default="")
    details = fields.String(load_default="")
    attribute = _enum(ATTRIBUTES, allow_none=True, load_default=None)
    level = _enum(LEVELS, allow_none=True, load_default=None)
    maturity = fields.Integer(allow_none=True, load_default=None,
                              validate=validate.Range(min=1, max=9))
    research_start = fields.String(allow_none=True, load_default=None, validate=MONTH)
    research_end = fields.String(allow_none=True, load_default=None, validate=MONTH)
    source = _enum(SOURCES, allow_none=True, load_default=None)
    secrecy = _enum(SECRECY, load_default="none")
    ownership_disputed = fields.Boolean(load_default=False)
    confidentiality_terms = fields.String(allow_none=True, load_default=None)
    evaluation = fields.Nested(EvaluationSchema, load_default=None, allow_none=True)
    completers = fields.List(fields.Nested(CompleterSchema), load_default=list)
    ip = fields.List(fields.Nested(IPSchema), load_default=list)


class AchievementPatchSchema(AchievementInSchema):
    """PATCH: the same fields, none required; what is given replaces what was there."""

    def __init__(self, *args, **kwargs):
        # marshmallow has no Meta.partial: without this a PATCH had to repeat the required
        # fields, and the defaults of the fields it left out overwrote the record.
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class FileSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    original_name = fields.String(data_key="name")
    content_type = fields.String()
    size = fields.Integer()
    created_at = fields.DateTime()
    url = fields.Function(lambda f: f"/files/{f.id}")


class AchievementSchema(BaseSchema):
    id = fields.Integer()
    status = fields.String()
    title = fields.String()
    title_en = fields.String(allow_none=True)
    category = fields.String()
    field = fields.String()
    keywords = fields.List(fields.String())
    summary = fields.String()
    # Confidential: dumped as null; the endpoints fill it in for those allowed.
    details = fields.Constant(None, allow_none=True)
    attribute = fields.String(allow_none=True)
    level = fields.String(allow_none=True)
    maturity = fields.Integer(allow_none=True)
    maturity_stage = fields.Function(lambda a: str(maturity_stage(a.maturity)) or None)
    research_start = fields.String(allow_none=True)
    research_end = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    secrecy = fields.String()
    evaluation = fields.Function(lambda a: {
        "method": a.evaluation_method, "certificate_number": a.evaluation_certificate,
        "date": a.evaluation_date.isoformat() if a.evaluation_date else None})
    completers = fields.List(fields.Nested(CompleterSchema))
    ip = fields.Function(lambda a: [{"type": i.type, "number": i.number, "status": i.status}
                                    for i in a.ip_items])
    organization = fields.Function(lambda a: {"id": a.owner.id, "name": a.owner.name,
                                              "county": a.owner.county})
    registration_number = fields.String(allow_none=True)
    registered_at = fields.DateTime(allow_none=True)
    review_comment = fields.String(allow_none=True)
    transferred = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class AchievementListQuery(PageQuery):
    mine = fields.Boolean(load_default=False)
    field = _enum(FIELDS, load_default=None)
    category = _enum(CATEGORIES, load_default=None)
    maturity_min = fields.Integer(load_default=None, validate=validate.Range(min=1, max=9))
    county = fields.String(load_default=None)


class UploadSchema(BaseSchema):
    kind = _enum(EVIDENCE_KINDS, required=True)


class AchievementReviewSchema(BaseSchema):
    decision = _enum(("register", "return", "reject"), required=True)
    comment = fields.String(load_default="")


class CommentSchema(BaseSchema):
    comment = fields.String(load_default="")
