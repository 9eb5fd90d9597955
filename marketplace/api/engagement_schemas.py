"""marshmallow schemas of the engagements API (brokers invited onto listings, needs, deals)."""
from marshmallow import fields

from ..brokers.engagements import profile_of
from ..brokers.states import ENGAGEMENT_SIDES, ENGAGEMENT_STATUSES, ENGAGEMENT_SUBJECTS
from .achievement_schemas import _enum
from .contract_schemas import Money
from .core import BaseSchema, PageQuery


class InviteInSchema(BaseSchema):
    broker_id = fields.Integer(required=True, metadata={
        "description": "The broker's public id (its profile's, as in /brokers/<id>)"})
    # Your side of the record, the only one you may engage for (left out: that one).
    side = _enum(ENGAGEMENT_SIDES, allow_none=True, load_default=None)
    commission = Money(allow_none=True, load_default=None)
    message = fields.String(load_default="")


class AnswerInSchema(BaseSchema):
    comment = fields.String(load_default="")


def _broker(e):
    profile = profile_of(e.broker_id)
    return {"id": profile.id if profile else None,
            "real_name": profile.real_name if profile else e.broker.username,
            "level": profile.level if profile else None}


class EngagementSchema(BaseSchema):
    id = fields.Integer()
    subject = fields.String(metadata={"enum": list(ENGAGEMENT_SUBJECTS)})
    subject_id = fields.Integer()
    side = fields.String(metadata={"enum": list(ENGAGEMENT_SIDES)})
    status = fields.String(metadata={"enum": list(ENGAGEMENT_STATUSES)})
    broker = fields.Function(_broker, metadata={
        "description": "`id` is the broker's public id (/brokers/<id>)"})
    principal = fields.Function(lambda e: {"id": e.principal.id, "name": e.principal.name})
    commission = Money(allow_none=True)
    message = fields.String()
    response_comment = fields.String(allow_none=True)
    invited_at = fields.DateTime()
    responded_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)


class EngagementListQuery(PageQuery):
    status = _enum(ENGAGEMENT_STATUSES, allow_none=True, load_default=None)
