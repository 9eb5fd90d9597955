"""API: complaints about the parties and brokers of a deal, and the blacklist (SPEC.md §6)."""
from flask import request
from sqlalchemy import select

from ..credit import blacklist, complaints
from ..credit.models import Complaint
from ..errors import PermissionDenied
from .complaint_schemas import (
    BlacklistEntrySchema,
    BlacklistInSchema,
    BlacklistQuery,
    ComplaintInSchema,
    ComplaintListQuery,
    ComplaintSchema,
    DecisionSchema,
    EvidenceSchema,
    LiftSchema,
    StatementSchema,
    WithdrawSchema,
)
from .core import api_user, endpoint, page_of, page_schema

TAGS = ("complaints",)
STATE_ERRORS = (401, 403, 404, 409, 422)
BODY_STATE_ERRORS = (400,) + STATE_ERRORS


@endpoint("/deals/<int:deal_id>/complaints", "POST", summary="File a complaint (a party)",
          tags=TAGS, auth="required", body=ComplaintInSchema, response=ComplaintSchema,
          status=201, errors=BODY_STATE_ERRORS)
def file_complaint(deal_id, data):
    """A member of the seller or the buyer complains about the other party or a broker of
    the deal → `submitted`, with `due_on`. Evidence: `POST /complaints/<id>/files`."""
    return complaints.file_complaint(deal_id, api_user(), complaints.ComplaintData(**data))


@endpoint("/complaints", summary="Complaints", tags=TAGS, auth="required",
          query=ComplaintListQuery, response=page_schema(ComplaintSchema), errors=(401, 422))
def list_complaints(args):
    """Those your organisation filed or that are about it (or about you, a broker); officers
    see all, the earliest due first."""
    user = api_user()
    if user.is_officer:
        stmt = select(Complaint).order_by(Complaint.due_on, Complaint.id)
        if args["status"]:
            stmt = stmt.where(Complaint.status == args["status"])
    else:
        stmt = complaints.complaints_of(user, args["status"])
    return page_of(stmt, args, ComplaintSchema)


@endpoint("/complaints/<int:complaint_id>", summary="One complaint", tags=TAGS,
          auth="required", response=ComplaintSchema, errors=(401, 404))
def get_complaint(complaint_id):
    """The two sides and the bureau."""
    return complaints.get_visible(complaint_id, api_user())


@endpoint("/complaints/<int:complaint_id>/decide", "POST", summary="Decide (bureau)",
          tags=TAGS, auth="required", body=DecisionSchema, response=ComplaintSchema,
          errors=BODY_STATE_ERRORS)
def decide_complaint(complaint_id, data):
    """investigate → `investigating`; uphold (with `sanction`; `until` for a restriction)
    → `upheld`; dismiss → `dismissed`. `reason` is required to uphold or dismiss."""
    return complaints.decide(complaint_id, data["decision"], api_user(), data["reason"],
                             data["sanction"], data["until"])


@endpoint("/complaints/<int:complaint_id>/withdraw", "POST", summary="Withdraw (complainant)",
          tags=TAGS, auth="required", body=WithdrawSchema, response=ComplaintSchema,
          errors=BODY_STATE_ERRORS)
def withdraw_complaint(complaint_id, data):
    """→ `withdrawn`, while `submitted` or `investigating`."""
    return complaints.withdraw(complaint_id, api_user(), data["comment"])


@endpoint("/complaints/<int:complaint_id>/statement", "POST",
          summary="State your side (respondent)", tags=TAGS, auth="required",
          body=StatementSchema, response=ComplaintSchema, errors=BODY_STATE_ERRORS)
def complaint_statement(complaint_id, data):
    """The respondent's one statement, which it may change until the bureau decides."""
    return complaints.state_statement(complaint_id, api_user(), data["statement"])


@endpoint("/complaints/<int:complaint_id>/files", "POST", summary="Add evidence (either side)",
          tags=TAGS, auth="required", response=EvidenceSchema, status=201,
          errors=STATE_ERRORS, multipart={"file": {"type": "string", "format": "binary"}})
def complaint_evidence(complaint_id):
    """multipart/form-data with `file` (PDF, PNG or JPEG), while the complaint is open."""
    return complaints.attach(complaint_id, request.files.get("file"), api_user())


# --- the blacklist -----------------------------------------------------------------------------

def _officer():
    user = api_user()
    if not user.is_officer:
        raise PermissionDenied()
    return user


@endpoint("/blacklist", summary="The blacklist (officers)", tags=("blacklist",),
          auth="required", query=BlacklistQuery, response=page_schema(BlacklistEntrySchema),
          errors=(401, 403, 422))
def list_blacklist(args):
    """`state`: in_force (default), lapsed or lifted."""
    _officer()
    return page_of(blacklist.entries(args["state"]), args, BlacklistEntrySchema)


@endpoint("/blacklist", "POST", summary="List an organisation or a broker (bureau)",
          tags=("blacklist",), auth="required", body=BlacklistInSchema,
          response=BlacklistEntrySchema, status=201, errors=(400, 401, 403, 422))
def add_to_blacklist(data):
    """One of `org_id`, `broker_id` (profile) or `broker_user_id`; `until` after today;
    `reason`; optionally the `complaint_id` it follows."""
    return blacklist.add(api_user(), org_id=data["org_id"], broker_id=data["broker_user_id"],
                         broker_profile_id=data["broker_id"], until=data["until"],
                         reason=data["reason"], complaint_id=data["complaint_id"])


@endpoint("/blacklist/<int:entry_id>/lift", "POST", summary="Lift early (bureau)",
          tags=("blacklist",), auth="required", body=LiftSchema,
          response=BlacklistEntrySchema, errors=BODY_STATE_ERRORS)
def lift_blacklist_entry(entry_id, data):
    """With a `reason`; only an entry in force."""
    return blacklist.lift(entry_id, api_user(), data["reason"])
