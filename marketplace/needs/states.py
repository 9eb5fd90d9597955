"""A need's states, code lists and workflow (SPEC.md §3)."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..accounts.models import Role
from ..listings.states import TRANSFER_MODES
from ..workflow import Workflow, by_market, role_in


class NeedStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    RETURNED = "returned"
    PUBLISHED = "published"
    CLOSED = "closed"


S = NeedStatus
STATUS_LABELS = {
    S.DRAFT: _l("Draft"),
    S.PENDING_REVIEW: _l("Awaiting review"),
    S.RETURNED: _l("Returned for correction"),
    S.PUBLISHED: _l("Published"),
    S.CLOSED: _l("Closed"),
}
CLOSURES = {
    "resolved": _l("Resolved"),
    "expired": _l("Expired"),
    "withdrawn": _l("Withdrawn"),
}
EDITABLE = (S.DRAFT, S.RETURNED)
# How an enterprise is willing to work with the one who solves its problem; the listing's
# transfer modes, and the two ways of having a technology made or served.
COOPERATION_MODES = {
    "commissioned_development": _l("Commissioned development"),
    **TRANSFER_MODES,
    "consulting": _l("Technical consulting"),
    "service": _l("Technical service"),
}
RESPONSE_STATUSES = {
    "submitted": _l("Submitted"),
    "shortlisted": _l("Shortlisted"),
    "accepted": _l("Accepted: awaiting the responder's confirmation"),
    "dealt": _l("Deal made"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
}
OPEN_RESPONSES = ("submitted", "shortlisted", "accepted")


def is_owner(actor, record):
    return (getattr(actor, "role", None) == Role.ENTERPRISE
            and getattr(actor, "organization_id", None) == record.org_id)


def _seller_of_accepted(actor, record):
    """The organisation offered by the accepted response, confirming its terms."""
    return getattr(actor, "role", None) == Role.INSTITUTE and any(
        r.status == "accepted" and r.seller_org_id == actor.organization_id
        for r in record.responses)


def _owner_may_renew(actor, record):
    return is_owner(actor, record) and not record.renewed


bureau = role_in(Role.BUREAU)
WORKFLOW = Workflow(
    entity="need",
    transitions={
        S.DRAFT: {"submit": S.PENDING_REVIEW, "withdraw": S.CLOSED},
        S.RETURNED: {"submit": S.PENDING_REVIEW, "withdraw": S.CLOSED},
        S.PENDING_REVIEW: {"publish": S.PUBLISHED, "return": S.RETURNED, "withdraw": S.CLOSED},
        S.PUBLISHED: {"resolve": S.CLOSED, "withdraw": S.CLOSED, "renew": S.PUBLISHED,
                      "expire": S.CLOSED, "deal": S.CLOSED},
    },
    guards={
        "submit": is_owner, "withdraw": is_owner, "resolve": is_owner,
        "renew": _owner_may_renew, "publish": bureau, "return": bureau, "expire": by_market,
        "deal": _seller_of_accepted,
    },
    labels=STATUS_LABELS,
    searchable=True,
)

ACTION_LABELS = {
    "create": _l("created"), "edit": _l("edited"), "submit": _l("submitted for review"),
    "publish": _l("published"), "return": _l("returned for correction"),
    "withdraw": _l("withdrawn"), "resolve": _l("resolved"), "renew": _l("renewed"),
    "expire": _l("response deadline passed"), "respond": _l("response received"),
    "withdraw_response": _l("response withdrawn"), "shortlist": _l("response shortlisted"),
    "decline_response": _l("response declined"), "accept_response": _l("response accepted"),
    "confirm_response": _l("deal confirmed by the responder"),
    "refuse_terms": _l("the responder refused the terms"),
    "deal": _l("deal made: resolved"),
}
