"""API.md "Contracts" and the public certificate verification."""
from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..achievements import services as achievements
from ..contracts import services
from ..contracts.models import Contract
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..listings import deals
from .achievement_schemas import CommentSchema, FileSchema
from .contract_schemas import (
    ContractInSchema,
    ContractListQuery,
    ContractPatchSchema,
    ContractReviewSchema,
    ContractRevokeSchema,
    ContractSchema,
    VerificationSchema,
)
from .core import api_user, endpoint, page_of, page_schema

TAGS = ("contracts",)
STATE_ERRORS = (401, 403, 404, 409, 422)


def to_data(payload, base=None):
    data = base or services.ContractData()
    for name in services.SIMPLE_FIELDS + services.AMOUNT_FIELDS:
        if name in payload:
            setattr(data, name, payload[name])
    for side in ("seller", "buyer"):
        if side in payload:
            setattr(data, side, services.PartyData(**payload[side]))
    if "non_technical_items" in payload:
        data.items = [services.ItemData(**i) for i in payload["non_technical_items"]]
    return data


def _api_names(call, *args):
    """Run a drafting service; its `items.N.x` fields are the API's `non_technical_items.N.x`."""
    try:
        return call(*args)
    except ValidationFailed as exc:
        exc.fields = {f"non_technical_{name}" if name.startswith("items.") else name: messages
                      for name, messages in exc.fields.items()}
        raise


@endpoint("/contracts", "POST", summary="Draft a contract (seller side)", tags=TAGS,
          auth="required", body=ContractInSchema, response=ContractSchema, status=201,
          errors=(400, 401, 403, 422))
def create_contract(data):
    """`technology_amount` must equal `total_amount` less the items, be > 0 and ≤ the total."""
    return _api_names(services.create, to_data(data), api_user())


@endpoint("/contracts", summary="List contracts", tags=TAGS, auth="required",
          query=ContractListQuery, response=page_schema(ContractSchema), errors=(401, 403, 422))
def list_contracts(args):
    """Your organisation's contracts (either side); officers see every contract."""
    user = api_user()
    stmt = select(Contract).order_by(Contract.id.desc())
    if args["mine"] or not user.is_officer:
        org = user.organization
        if org is None:
            raise PermissionDenied()
        stmt = stmt.where(or_(Contract.filer_org_id == org.id,
                              Contract.buyer_credit_code == org.credit_code,
                              Contract.seller_credit_code == org.credit_code))
    if args["status"]:
        stmt = stmt.where(Contract.status == args["status"])
    return page_of(stmt, args, ContractSchema, prepare=services.note_signed_copies)


@endpoint("/contracts/<int:contract_id>", summary="One contract", tags=TAGS, auth="required",
          response=ContractSchema, errors=(401, 404))
def get_contract(contract_id):
    """For the parties and the bureau."""
    return services.get_visible(contract_id, api_user())


@endpoint("/contracts/<int:contract_id>", "PATCH", summary="Change a draft", tags=TAGS,
          auth="required", body=ContractPatchSchema, response=ContractSchema,
          errors=(400,) + STATE_ERRORS)
def patch_contract(contract_id, data):
    """The filing side changes a draft or a returned contract."""
    user = api_user()
    record = services.get_visible(contract_id, user)
    return _api_names(services.update, contract_id, to_data(data, services.data_of(record)),
                      user)


@endpoint("/contracts/<int:contract_id>/files", "POST", summary="Attach the signed PDF",
          tags=TAGS, auth="required", response=FileSchema, status=201, errors=STATE_ERRORS,
          multipart={"file": {"type": "string", "format": "binary"}})
def upload_signed_copy(contract_id):
    """multipart/form-data with `file`: the signed contract as a PDF."""
    return services.attach_signed_copy(contract_id, request.files.get("file"), api_user())


@endpoint("/contracts/<int:contract_id>/submit", "POST", summary="Apply for certification",
          tags=TAGS, auth="required", response=ContractSchema, errors=STATE_ERRORS)
def submit_contract(contract_id):
    """→ `submitted` with `due_on`; 422 outside the validity period, without the signed PDF,
    or when the same contract is already filed."""
    return services.submit(contract_id, api_user())


@endpoint("/contracts/<int:contract_id>/review", "POST", summary="Decide (bureau)", tags=TAGS,
          auth="required", body=ContractReviewSchema, response=ContractSchema,
          errors=(400,) + STATE_ERRORS)
def review_contract(contract_id, data):
    """certify → `certified` with `registration_number` and `verification_code`; return needs
    a comment; reject needs a comment and a `ground`."""
    return services.review(contract_id, data["decision"], api_user(), data["comment"],
                           data["ground"])


@endpoint("/contracts/<int:contract_id>/revoke", "POST", summary="Revoke (bureau)", tags=TAGS,
          auth="required", body=ContractRevokeSchema, response=ContractSchema,
          errors=(400,) + STATE_ERRORS)
def revoke_contract(contract_id, data):
    """A certified contract found false, registered twice or invalidated."""
    return services.revoke(contract_id, api_user(), data["ground"], data["comment"])


@endpoint("/contracts/<int:contract_id>/cancel", "POST", summary="Cancel (the parties ended it)",
          tags=TAGS, auth="required", body=CommentSchema, response=ContractSchema,
          errors=(400,) + STATE_ERRORS)
def cancel_contract(contract_id, data):
    """The filing side records that the parties ended a certified contract."""
    return services.cancel(contract_id, api_user(), data["comment"])


@endpoint("/verify/<registration_number>", summary="Verify a certificate (public)",
          tags=("verification",), response=VerificationSchema, errors=(404, 422))
def verify(registration_number):
    """`?code=` the verification code printed on the certificate; 404 when they do not match.
    Achievement (12 digits), contract (16), deal confirmation (10) or transaction certificate
    (14) numbers."""
    code = request.args.get("code", "")
    if not code:
        raise ValidationFailed(fields={"code": [_l("This field is required.")]})
    if len(registration_number) == 16:
        c = services.by_registration_number(registration_number, code)
        facts = {"kind": "contract", "registered_at": c.certified_at,
                 "contract_type": c.contract_type, "seller": c.seller_name,
                 "buyer": c.buyer_name, "signed_on": c.signed_on,
                 "total_amount": c.total_amount, "technology_amount": c.technology_amount}
    elif len(registration_number) == 12:
        c = achievements.by_registration_number(registration_number, code)
        facts = {"kind": "achievement", "registered_at": c.registered_at,
                 "organization": c.owner.name}
    elif len(registration_number) in (deals.CONFIRMATION_DIGITS, deals.CERTIFICATE_DIGITS):
        return _verify_deal(registration_number, code)
    else:
        raise NotFound()
    return VerificationSchema().dump({**facts, "registration_number": c.registration_number,
                                      "status": c.status, "title": c.title})


def _verify_deal(number, code):
    """A deal confirmation (10 digits) or transaction certificate (14 digits)."""
    confirmation = len(number) == deals.CONFIRMATION_DIGITS
    deal = (deals.by_confirmation_number if confirmation else deals.by_certificate_number)(
        number, code)
    return VerificationSchema().dump({
        "kind": "deal_confirmation" if confirmation else "deal_certificate",
        "registration_number": number, "status": "dealt",
        "title": deal.title,
        "registered_at": deal.dealt_at, "seller": deal.seller.name, "buyer": deal.buyer.name,
        "transfer_mode": deal.transfer_mode, "price": deal.price,
        "confirmation_number": deal.confirmation_number,
        "certificate_number": deal.certificate_number})
