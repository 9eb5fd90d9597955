"""marshmallow schemas of API.md "Needs"."""
from marshmallow import fields

from ..codes import FIELDS
from ..listings.states import DECLINE_REASONS
from ..needs.states import CLOSURES, COOPERATION_MODES, RESPONSE_STATUSES, STATUS_LABELS
from .achievement_schemas import _enum
from .contract_schemas import Money
from .core import BaseSchema, PageQuery


class NeedInSchema(BaseSchema):
    title = fields.String(required=True)
    description = fields.String(required=True)
    field = _enum(FIELDS, required=True)
    keywords = fields.List(fields.String(), load_default=list)
    indicators = fields.String(load_default="")
    budget_min = Money(allow_none=True, load_default=None)
    budget_max = Money(allow_none=True, load_default=None)
    cooperation_modes = fields.List(_enum(COOPERATION_MODES), load_default=lambda: [
        "commissioned_development"])
    deadline = fields.Date(required=True, metadata={"description": "Responses until the end "
                                                                   "of this day"})


class NeedPatchSchema(NeedInSchema):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class NeedSchema(BaseSchema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": [s.value for s in STATUS_LABELS]})
    closure = fields.String(allow_none=True, metadata={"enum": list(CLOSURES) + [None]})
    title = fields.String()
    description = fields.String()
    field = fields.String()
    keywords = fields.List(fields.String())
    indicators = fields.String()
    budget_min = Money(allow_none=True)
    budget_max = Money(allow_none=True)
    cooperation_modes = fields.List(fields.String())
    deadline = fields.Date()
    organization = fields.Function(lambda n: {"id": n.organization.id,
                                              "name": n.organization.name,
                                              "county": n.organization.county})
    review_comment = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    renewed = fields.Boolean()
    responses_count = fields.Function(lambda n: sum(
        1 for r in n.responses if r.status not in ("withdrawn",)))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class NeedListQuery(PageQuery):
    mine = fields.Boolean(load_default=False)
    status = _enum([s.value for s in STATUS_LABELS], allow_none=True, load_default=None)
    field = _enum(FIELDS, allow_none=True, load_default=None)


class NeedReviewSchema(BaseSchema):
    decision = _enum(("publish", "return"), required=True)
    comment = fields.String(load_default="")


class CommentInSchema(BaseSchema):
    comment = fields.String(load_default="")


class ResponseInSchema(BaseSchema):
    message = fields.String(required=True)
    listing_id = fields.Integer(allow_none=True, load_default=None)
    achievement_id = fields.Integer(allow_none=True, load_default=None)


class ResponseSchema(BaseSchema):
    id = fields.Integer()
    need_id = fields.Integer()
    responder = fields.Function(lambda r: {
        "user_id": r.user_id, "role": str(r.user.role),
        "organization": r.organization.name if r.organization else None})
    seller_org_id = fields.Integer(allow_none=True)
    message = fields.String()
    listing_id = fields.Integer(allow_none=True)
    achievement_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": list(RESPONSE_STATUSES)})
    reason = fields.String(allow_none=True)
    decision_comment = fields.String(allow_none=True)
    agreed_price = Money(allow_none=True)
    agreed_mode = fields.String(allow_none=True)
    created_at = fields.DateTime()


class DeclineResponseSchema(BaseSchema):
    reason = _enum(DECLINE_REASONS, required=True)
    comment = fields.String(load_default="")


class AcceptResponseSchema(BaseSchema):
    price = Money(required=True)
    mode = _enum(COOPERATION_MODES, required=True)


class MatchSchema(BaseSchema):
    type = fields.String(metadata={"enum": ["listing", "achievement", "need"]})
    id = fields.Integer()
    title = fields.String()
    score = fields.Float()
    shared_terms = fields.List(fields.String())


class MatchListSchema(BaseSchema):
    items = fields.List(fields.Nested(MatchSchema))
