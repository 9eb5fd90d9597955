"""API.md "Needs": drafting, review, responses and their decisions, and the matches."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..errors import PermissionDenied
from ..needs import matching, services
from ..needs.models import Need
from .core import Unauthorized, api_user, endpoint, page_of, page_schema
from .listing_schemas import DealSchema
from .need_schemas import (
    AcceptResponseSchema,
    CommentInSchema,
    DeclineResponseSchema,
    MatchListSchema,
    NeedInSchema,
    NeedListQuery,
    NeedPatchSchema,
    NeedReviewSchema,
    NeedSchema,
    ResponseInSchema,
    ResponseSchema,
)

TAGS = ("needs",)
STATE_ERRORS = (401, 403, 404, 409, 422)
BODY_STATE_ERRORS = (400,) + STATE_ERRORS


def _data(payload, base=None):
    data = base or services.NeedData()
    for name in services.FIELDS_OF_NEED:
        if name in payload:
            setattr(data, name, payload[name])
    return data


@endpoint("/needs", "POST", summary="Draft a need (enterprise)", tags=TAGS, auth="required",
          body=NeedInSchema, response=NeedSchema, status=201, errors=(400, 401, 403, 422))
def create_need(data):
    """→ `draft`."""
    return services.create(_data(data), api_user())


@endpoint("/needs", summary="List needs", tags=TAGS, auth="optional", query=NeedListQuery,
          response=page_schema(NeedSchema), errors=(401, 403, 422))
def list_needs(args):
    """Public: every need once published (closed ones too; `status` filters). `?mine=1` with
    a token: your organisation's needs in any state; officers see every state."""
    services.expire_due()
    user = api_user()
    stmt = select(Need).order_by(Need.updated_at.desc(), Need.id.desc())
    if args["mine"]:
        if user is None:
            raise Unauthorized()
        if user.organization_id is None:
            raise PermissionDenied()
        stmt = stmt.where(Need.org_id == user.organization_id)
    elif user is None or not user.is_officer:
        stmt = stmt.where(Need.published_at.is_not(None))
    if args["status"]:
        stmt = stmt.where(Need.status == args["status"])
    if args["field"]:
        stmt = stmt.where(Need.field == args["field"])
    return page_of(stmt.options(selectinload(Need.responses)), args, NeedSchema)


@endpoint("/needs/<int:need_id>", summary="One need", tags=TAGS, auth="optional",
          response=NeedSchema, errors=(401, 404))
def get_need(need_id):
    return services.get_visible(need_id, api_user())


@endpoint("/needs/<int:need_id>", "PATCH", summary="Change a draft", tags=TAGS,
          auth="required", body=NeedPatchSchema, response=NeedSchema,
          errors=BODY_STATE_ERRORS)
def patch_need(need_id, data):
    """The enterprise changes a draft or returned need; what it leaves out stays."""
    user = api_user()
    record = services.get_visible(need_id, user)
    return services.update(need_id, _data(data, services.data_of(record)), user)


def _action(name, summary, call, body=None, doc=""):
    def view(need_id, data=None):
        return call(need_id, api_user(), data or {})
    view.__name__ = f"{name}_need"
    view.__doc__ = doc
    endpoint(f"/needs/<int:need_id>/{name}", "POST", summary=summary, tags=TAGS,
             auth="required", body=body, response=NeedSchema,
             errors=BODY_STATE_ERRORS if body else STATE_ERRORS)(view)


_action("submit", "Submit for review (enterprise)", lambda i, u, d: services.submit(i, u),
        doc="→ `pending_review`; 422 naming what is wrong.")
_action("review", "Decide (bureau)",
        lambda i, u, d: services.review(i, d["decision"], u, d["comment"]), NeedReviewSchema,
        "publish → `published`; return (with a comment) → `returned`.")
_action("withdraw", "Withdraw (enterprise)",
        lambda i, u, d: services.withdraw(i, u, d.get("comment")), CommentInSchema,
        "→ `closed` with `closure` withdrawn.")
_action("resolve", "Mark resolved (enterprise)",
        lambda i, u, d: services.resolve(i, u, d.get("comment")), CommentInSchema,
        "→ `closed` with `closure` resolved.")
_action("renew", "Renew once (enterprise)", lambda i, u, d: services.renew(i, u),
        doc="The response deadline moves 30 days later, once.")


@endpoint("/needs/<int:need_id>/matches", summary="The offers that fit a need", tags=TAGS,
          auth="optional", response=MatchListSchema, errors=(401, 404))
def need_matches(need_id):
    """Public listings and achievements ranked by the search engine, best first, with the
    terms each shares with the need."""
    record = services.get_visible(need_id, api_user())
    return {"items": [{"type": m.hit.type, "id": m.hit.id, "title": m.hit.record.title,
                       "score": round(m.score or 0.0, 4), "shared_terms": m.shared}
                      for m in matching.offers_for(record)]}


@endpoint("/needs/<int:need_id>/responses", "POST", summary="Respond (institute or broker)",
          tags=TAGS, auth="required", body=ResponseInSchema, response=ResponseSchema,
          status=201, errors=BODY_STATE_ERRORS)
def create_response(need_id, data):
    """A proposal, optionally offering one of your listings or achievements (a broker offers
    the listing or achievement of the organisation it represents)."""
    return services.respond(need_id, api_user(), data["message"], data["listing_id"],
                            data["achievement_id"])


@endpoint("/needs/<int:need_id>/responses", summary="Responses", tags=TAGS, auth="required",
          response=page_schema(ResponseSchema), errors=(401, 404))
def list_responses(need_id):
    """The enterprise and the bureau see all; a responder sees its own."""
    user = api_user()
    record = services.get_visible(need_id, user)
    items = services.responses_visible(record, user)
    return {"items": ResponseSchema(many=True).dump(items), "total": len(items), "page": 1,
            "per_page": max(len(items), 1)}


RESPONSE_URL = "/needs/<int:need_id>/responses/<int:response_id>"


@endpoint(f"{RESPONSE_URL}/withdraw", "POST", summary="Withdraw your response", tags=TAGS,
          auth="required", response=ResponseSchema, errors=STATE_ERRORS)
def withdraw_response(need_id, response_id):
    return services.withdraw_response(services.response_to(need_id, response_id), api_user())


@endpoint(f"{RESPONSE_URL}/shortlist", "POST", summary="Shortlist (enterprise)", tags=TAGS,
          auth="required", response=ResponseSchema, errors=STATE_ERRORS)
def shortlist_response(need_id, response_id):
    return services.shortlist(services.response_to(need_id, response_id), api_user())


@endpoint(f"{RESPONSE_URL}/decline", "POST", summary="Decline (enterprise)", tags=TAGS,
          auth="required", body=DeclineResponseSchema, response=ResponseSchema,
          errors=BODY_STATE_ERRORS)
def decline_response(need_id, response_id, data):
    """A reason category and a comment, which the responder reads."""
    return services.decline_response(services.response_to(need_id, response_id), api_user(),
                                     data["reason"], data["comment"])


@endpoint(f"{RESPONSE_URL}/accept", "POST", summary="Accept on terms (enterprise)",
          tags=TAGS, auth="required", body=AcceptResponseSchema, response=ResponseSchema,
          errors=BODY_STATE_ERRORS)
def accept_response(need_id, response_id, data):
    """`price` and the way of cooperating (`mode`); the seller side then confirms."""
    return services.accept_response(services.response_to(need_id, response_id), api_user(),
                                    data["price"], data["mode"])


@endpoint(f"{RESPONSE_URL}/confirm", "POST", summary="Confirm the accepted terms (seller)",
          tags=TAGS, auth="required", response=DealSchema, status=201, errors=STATE_ERRORS)
def confirm_response(need_id, response_id):
    """The deal is made (with its certificate and a draft contract) and the need resolved."""
    return services.confirm_response(services.response_to(need_id, response_id), api_user())


@endpoint(f"{RESPONSE_URL}/refuse", "POST", summary="Refuse the accepted terms (seller)",
          tags=TAGS, auth="required", body=CommentInSchema, response=ResponseSchema,
          errors=BODY_STATE_ERRORS)
def refuse_terms(need_id, response_id, data):
    return services.refuse_terms(services.response_to(need_id, response_id), api_user(),
                                 data["comment"])
