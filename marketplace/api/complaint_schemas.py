"""marshmallow schemas of the complaints and blacklist endpoints."""
from marshmallow import fields

from ..credit import blacklist, complaints
from ..credit.states import COMPLAINT_CATEGORIES, DECISIONS, SANCTIONS, STATUS_LABELS, TARGETS
from .achievement_schemas import _enum
from .core import BaseSchema, PageQuery


def _broker(user):
    """A broker as the API names it: its profile id (the /brokers/<id> id), user id, name."""
    profile = blacklist.broker_profile(user.id)
    return {"id": profile.id if profile else None, "user_id": user.id,
            "name": blacklist.broker_name(user)}


def _target(record):
    if record.target_kind == "broker":
        return {"kind": "broker", "broker": _broker(record.target_broker)}
    return {"kind": "org", "organization": {"id": record.target_org.id,
                                            "name": record.target_org.name}}


class ComplaintInSchema(BaseSchema):
    # party: the other party; seller_broker or buyer_broker: that broker of the deal.
    against = _enum(TARGETS, required=True)
    category = _enum(COMPLAINT_CATEGORIES, required=True)
    subject = fields.String(required=True)
    description = fields.String(required=True)


class EvidenceSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String(attribute="original_name")
    side = fields.String(attribute="kind", metadata={"enum": ["complainant", "respondent"]})
    content_type = fields.String()
    size = fields.Integer()
    url = fields.Function(lambda f: f"/files/{f.id}")
    created_at = fields.DateTime()


class ComplaintSchema(BaseSchema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": [s.value for s in STATUS_LABELS]})
    deal_id = fields.Integer()
    complainant = fields.Function(lambda c: {"id": c.complainant_org.id,
                                             "name": c.complainant_org.name})
    target = fields.Function(_target)
    category = fields.String()
    subject = fields.String()
    description = fields.String()
    statement = fields.String(attribute="response", allow_none=True)
    sanction = fields.String(allow_none=True, metadata={"enum": list(SANCTIONS) + [None]})
    decision_reason = fields.String(allow_none=True)
    due_on = fields.Date()
    overdue = fields.Function(complaints.is_overdue)
    evidence = fields.Function(lambda c: EvidenceSchema(many=True).dump(
        complaints.evidence_of(c)))
    created_at = fields.DateTime()
    investigating_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class ComplaintListQuery(PageQuery):
    status = _enum([s.value for s in STATUS_LABELS], allow_none=True, load_default=None)


class DecisionSchema(BaseSchema):
    decision = _enum(DECISIONS, required=True)
    sanction = _enum(SANCTIONS, allow_none=True, load_default=None)
    reason = fields.String(load_default="")
    until = fields.Date(allow_none=True, load_default=None, metadata={
        "description": "For a restriction: the last day on the blacklist (after today)"})


class WithdrawSchema(BaseSchema):
    comment = fields.String(load_default="")


class StatementSchema(BaseSchema):
    statement = fields.String(required=True)


class BlacklistEntrySchema(BaseSchema):
    id = fields.Integer()
    status = fields.Function(lambda e: blacklist.state_of(e),
                             metadata={"enum": list(blacklist.STATES)})
    subject = fields.Function(lambda e: {"kind": "broker", "broker": _broker(e.broker)}
                              if e.broker_id else {"kind": "org", "organization": {
                                  "id": e.organization.id, "name": e.organization.name}})
    reason = fields.String()
    until = fields.Date(metadata={"description": "In force through the end of this day"})
    complaint_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.Function(lambda e: (e.lifted_at or e.created_at).isoformat())
    lifted_at = fields.DateTime(allow_none=True)
    lift_reason = fields.String(allow_none=True)
    lapse_recorded_at = fields.DateTime(attribute="expiry_recorded_at", allow_none=True)


class BlacklistInSchema(BaseSchema):
    org_id = fields.Integer(allow_none=True, load_default=None)
    broker_id = fields.Integer(allow_none=True, load_default=None, metadata={
        "description": "The broker's profile id (as in /brokers/<id>)"})
    broker_user_id = fields.Integer(allow_none=True, load_default=None)
    until = fields.Date(allow_none=True, load_default=None)
    reason = fields.String(load_default="")
    complaint_id = fields.Integer(allow_none=True, load_default=None)


class BlacklistQuery(PageQuery):
    state = _enum(blacklist.STATES, load_default="in_force")


class LiftSchema(BaseSchema):
    reason = fields.String(load_default="")
