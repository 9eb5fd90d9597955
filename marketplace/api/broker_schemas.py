"""marshmallow schemas of API.md "Brokers". The input schema only checks the shape: every rule
of a profile is the service's, with the same messages as the pages."""
from flask import url_for
from marshmallow import fields as ma

from ..brokers.directory import SORTS
from ..brokers.services import DECISIONS
from ..brokers.states import LEVELS, SERVICES, STATUS_LABELS
from ..codes import FIELDS, REGIONS
from .achievement_schemas import _enum
from .contract_schemas import Money
from .core import BaseSchema, PageQuery


def _text(**kwargs):
    return ma.String(allow_none=True, **kwargs)


def _codes(values, description):
    return ma.List(ma.String(metadata={"enum": list(values)}),
                       metadata={"description": description})


class BrokerInSchema(BaseSchema):
    """PUT /brokers/me: the fields left out keep their values (none for a new profile)."""

    real_name = _text()
    level = _text(metadata={"enum": list(LEVELS)})
    filing_number = _text(metadata={"description": "National filing number (备案编号), "
                                                   "required for intermediate and senior"})
    certificate_number = _text()
    certificate_issuer = _text()
    certificate_date = ma.Date(allow_none=True)
    professional_title = _text()
    fields = _codes(FIELDS, "Industry field codes")
    regions = _codes(REGIONS, "GB/T 2260 county or province codes")
    services = _codes(SERVICES, "Services offered")
    years_of_practice = ma.Integer(allow_none=True)
    bio = _text()
    contact_phone = _text()
    contact_email = _text()


class YearSchema(BaseSchema):
    year = ma.Integer()
    deals = ma.Integer()
    value = Money()


class TrackRecordSchema(BaseSchema):
    deals = ma.Integer(metadata={"description": "Deals with the broker on either side"})
    deal_value = Money(metadata={"description": "Sum of their prices"})
    certified_contracts = ma.Integer()
    rating = ma.Float(allow_none=True, metadata={"description": "Average score, 1–5"})
    rating_count = ma.Integer()
    credit_score = ma.Integer()
    credit_grade = ma.String(metadata={"enum": ["A", "B", "C", "D"]})
    response_hours_median = ma.Float(allow_none=True, metadata={
        "description": "Median hours from an invitation to the broker's answer"})
    engagements = ma.Integer(metadata={"description": "Invitations answered"})
    deals_per_year = ma.List(ma.Nested(YearSchema))


def _employer(profile):
    org = profile.user.organization
    return {"id": org.id, "name": org.name} if org is not None else None


def _photo_url(profile):
    return url_for("brokers.photo", profile_id=profile.id) if profile.photo_id else None


class BrokerSchema(BaseSchema):
    id = ma.Integer(metadata={"description": "The profile's id"})
    user_id = ma.Integer(metadata={"description": "The broker's user id (deals, "
                                                      "contracts and engagements name it)"})
    status = ma.String(metadata={"enum": [s.value for s in STATUS_LABELS]})
    real_name = ma.String()
    level = ma.String(metadata={"enum": list(LEVELS)})
    filing_number = ma.String(allow_none=True)
    certificate_number = ma.String(allow_none=True)
    certificate_issuer = ma.String(allow_none=True)
    certificate_date = ma.Date(allow_none=True)
    professional_title = ma.String(allow_none=True)
    employer = ma.Function(_employer, allow_none=True)
    fields = _codes(FIELDS, "Industry field codes")
    regions = _codes(REGIONS, "GB/T 2260 codes")
    services = _codes(SERVICES, "Services offered")
    years_of_practice = ma.Integer(allow_none=True)
    bio = ma.String()
    contact_phone = ma.String(allow_none=True, metadata={
        "description": "Only with a token (null otherwise)"})
    contact_email = ma.String(allow_none=True, metadata={
        "description": "Only with a token (null otherwise)"})
    photo_url = ma.Function(_photo_url, allow_none=True)
    review_comment = ma.String(allow_none=True, metadata={
        "description": "The bureau's last comment (the broker and officers only)"})
    submitted_at = ma.DateTime()
    verified_at = ma.DateTime(allow_none=True)
    created_at = ma.DateTime()
    updated_at = ma.DateTime()


class BrokerDetailSchema(BrokerSchema):
    track_record = ma.Nested(TrackRecordSchema)


class BrokerListQuery(PageQuery):
    level = _enum(LEVELS, allow_none=True, load_default=None)
    field = _enum(FIELDS, allow_none=True, load_default=None)
    region = _enum(REGIONS, allow_none=True, load_default=None)
    service = _enum(SERVICES, allow_none=True, load_default=None)
    q = ma.String(load_default="", metadata={
        "description": "Matches the real name, title, employer and introduction"})
    sort = _enum(SORTS, load_default="name")


class BrokerDecisionSchema(BaseSchema):
    decision = _enum(DECISIONS, required=True)
    comment = ma.String(load_default="")
    version = ma.Integer(allow_none=True, load_default=None, metadata={
        "description": "The version you saw; 409 if the profile changed meanwhile"})
