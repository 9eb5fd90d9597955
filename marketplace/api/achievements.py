"""API.md "Achievements": drafts, evidence, submission, review, public reads."""
from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import Organization
from ..achievements import services
from ..achievements.models import Achievement
from ..achievements.states import AchievementStatus
from ..errors import NotFound, ValidationFailed
from .achievement_schemas import (
    AchievementInSchema,
    AchievementListQuery,
    AchievementPatchSchema,
    AchievementReviewSchema,
    AchievementSchema,
    CommentSchema,
    FileSchema,
)
from .core import Unauthorized, api_user, endpoint, page_of, page_schema

TAGS = ("achievements",)
STATE_ERRORS = (401, 403, 404, 409, 422)


def to_data(payload, base=None):
    """An AchievementData from an API body, on top of `base` (the record's data) for PATCH."""
    data = base or services.AchievementData()
    for name in services.SIMPLE_FIELDS:
        if name in payload:
            setattr(data, name, payload[name])
    evaluation = payload.get("evaluation")
    for key, name in (("method", "evaluation_method"), ("date", "evaluation_date"),
                      ("certificate_number", "evaluation_certificate")):
        if evaluation and key in evaluation:
            setattr(data, name, evaluation[key])
    if "completers" in payload:
        data.completers = [services.CompleterData(**c) for c in payload["completers"]]
    if "ip" in payload:
        data.ip = [services.IPData(**i) for i in payload["ip"]]
    return data


# The services name the evaluation's fields flat; the API's body nests them (API.md).
API_FIELD_NAMES = {"evaluation_method": "evaluation.method",
                   "evaluation_certificate": "evaluation.certificate_number",
                   "evaluation_date": "evaluation.date"}


def api_names(call, *args, **kwargs):
    """Call a service; a ValidationFailed leaves with the API's names for the fields."""
    try:
        return call(*args, **kwargs)
    except ValidationFailed as exc:
        exc.fields = {API_FIELD_NAMES.get(name, name): messages
                      for name, messages in exc.fields.items()}
        raise


def dump(record, user):
    body = AchievementSchema().dump(record)
    body["details"] = services.read_details(record, user, channel="api")
    return body


@endpoint("/achievements", "POST", summary="Draft an achievement (institute)", tags=TAGS,
          auth="required", body=AchievementInSchema, response=AchievementSchema, status=201,
          errors=(400, 401, 403, 422))
def create_achievement(data):
    """Creates a draft owned by the token user's organisation."""
    user = api_user()
    return dump(api_names(services.create, to_data(data), user), user), 201


@endpoint("/achievements", summary="List achievements", tags=TAGS, auth="optional",
          query=AchievementListQuery, response=page_schema(AchievementSchema),
          errors=(401, 422))
def list_achievements(args):
    """Registered achievements for everyone; `mine=1` with a token: your own, in any state."""
    user = api_user()
    stmt = select(Achievement).order_by(Achievement.id.desc())
    if args["mine"]:
        if user is None:
            raise Unauthorized()
        stmt = stmt.where(Achievement.owner_org_id == (user.organization_id or -1))
    else:
        stmt = stmt.where(Achievement.status == AchievementStatus.REGISTERED)
    if args["field"]:
        stmt = stmt.where(Achievement.field == args["field"])
    if args["category"]:
        stmt = stmt.where(Achievement.category == args["category"])
    if args["maturity_min"]:
        stmt = stmt.where(Achievement.maturity >= args["maturity_min"])
    if args["county"]:
        stmt = stmt.join(Organization, Organization.id == Achievement.owner_org_id).where(
            Organization.county == args["county"])
    return page_of(stmt, args, AchievementSchema)


@endpoint("/achievements/<int:achievement_id>", summary="One achievement", tags=TAGS,
          auth="optional", response=AchievementSchema, errors=(401, 404))
def get_achievement(achievement_id):
    """`details` is filled in only for the owner, officers and granted organisations."""
    user = api_user()
    return dump(services.get_visible(achievement_id, user), user)


@endpoint("/achievements/<int:achievement_id>", "PATCH", summary="Change a draft", tags=TAGS,
          auth="required", body=AchievementPatchSchema, response=AchievementSchema,
          errors=(400,) + STATE_ERRORS)
def patch_achievement(achievement_id, data):
    """The owner changes a draft or a returned record; given fields replace the old ones."""
    user = api_user()
    record = services.get_visible(achievement_id, user)
    base = services.data_of(record)
    return dump(api_names(services.update, achievement_id, to_data(data, base), user), user)


@endpoint("/achievements/<int:achievement_id>/files", "POST", summary="Upload evidence",
          tags=TAGS, auth="required", response=FileSchema, status=201, errors=STATE_ERRORS,
          multipart={"file": {"type": "string", "format": "binary"},
                     "kind": {"type": "string", "enum": list(services.EVIDENCE_KINDS)}})
def upload_evidence(achievement_id):
    """multipart/form-data with `file` (PDF, PNG or JPEG) and `kind`."""
    kind = request.form.get("kind", "")
    if kind not in services.EVIDENCE_KINDS:
        raise ValidationFailed(fields={"kind": [_l("Choose what the file is.")]})
    return services.attach_evidence(achievement_id, request.files.get("file"), kind,
                                    api_user())


@endpoint("/achievements/<int:achievement_id>/files", summary="List evidence", tags=TAGS,
          auth="required", errors=(401, 404))
def list_evidence(achievement_id):
    """The evidence files of a record (owner and officers)."""
    user = api_user()
    record = services.get_visible(achievement_id, user)
    if not (services.is_owner(user, record) or user.is_officer):
        raise NotFound()
    return {"items": FileSchema(many=True).dump(services.evidence_of(record))}


@endpoint("/achievements/<int:achievement_id>/submit", "POST", summary="Submit for registration",
          tags=TAGS, auth="required", response=AchievementSchema, errors=STATE_ERRORS)
def submit_achievement(achievement_id):
    """422 names what is missing (fields, evidence); 409 from a state that cannot submit."""
    user = api_user()
    return dump(api_names(services.submit, achievement_id, user), user)


@endpoint("/achievements/<int:achievement_id>/withdraw", "POST", summary="Withdraw to draft",
          tags=TAGS, auth="required", response=AchievementSchema, errors=STATE_ERRORS)
def withdraw_achievement(achievement_id):
    """The owner takes a submitted record back before the bureau decides."""
    user = api_user()
    return dump(services.withdraw(achievement_id, user), user)


@endpoint("/achievements/<int:achievement_id>/review", "POST", summary="Decide (bureau)",
          tags=TAGS, auth="required", body=AchievementReviewSchema, response=AchievementSchema,
          errors=(400,) + STATE_ERRORS)
def review_achievement(achievement_id, data):
    """register → `registered` with a registration number; return and reject need a comment."""
    user = api_user()
    return dump(services.review(achievement_id, data["decision"], user, data["comment"]), user)


@endpoint("/achievements/<int:achievement_id>/revoke", "POST", summary="Revoke (bureau)",
          tags=TAGS, auth="required", body=CommentSchema, response=AchievementSchema,
          errors=(400,) + STATE_ERRORS)
def revoke_achievement(achievement_id, data):
    """Revoke a registration, with the reason in `comment`."""
    user = api_user()
    return dump(services.revoke(achievement_id, user, data["comment"]), user)
