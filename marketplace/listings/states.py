"""A listing's states, code lists and workflow (SPEC.md §2)."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..accounts.models import Role
from ..workflow import Workflow, by_market, role_in


class ListingStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    RETURNED = "returned"
    REJECTED = "rejected"
    ANNOUNCED = "announced"
    LISTED = "listed"
    NEGOTIATING = "negotiating"
    BIDDING = "bidding"
    AWARDED = "awarded"
    DEALT = "dealt"
    FAILED = "failed"
    EXPIRED = "expired"
    PAUSED = "paused"
    TERMINATED = "terminated"
    WITHDRAWN = "withdrawn"


S = ListingStatus
STATUS_LABELS = {
    S.DRAFT: _l("Draft"),
    S.PENDING_REVIEW: _l("Awaiting review"),
    S.RETURNED: _l("Returned for correction"),
    S.REJECTED: _l("Rejected"),
    S.ANNOUNCED: _l("Announced"),
    S.LISTED: _l("Listed"),
    S.NEGOTIATING: _l("Negotiating"),
    S.BIDDING: _l("Bidding"),
    S.AWARDED: _l("Awarded"),
    S.DEALT: _l("Dealt"),
    S.FAILED: _l("Failed"),
    S.EXPIRED: _l("Expired"),
    S.PAUSED: _l("Paused"),
    S.TERMINATED: _l("Terminated"),
    S.WITHDRAWN: _l("Withdrawn"),
}
# A listing occupies its achievement while it is in one of these states.
LIVE = (S.DRAFT, S.PENDING_REVIEW, S.RETURNED, S.ANNOUNCED, S.LISTED, S.NEGOTIATING,
        S.BIDDING, S.AWARDED, S.PAUSED)
# The states in which the public finds a listing in the search index.
OPEN = (S.ANNOUNCED, S.LISTED, S.NEGOTIATING, S.BIDDING, S.AWARDED)
EDITABLE = (S.DRAFT, S.RETURNED)
CHANGEABLE = (S.ANNOUNCED, S.LISTED)  # changed with the bureau's approval, re-announced
TAKES_INTENTS = (S.ANNOUNCED, S.LISTED)
AWAITING_CONFIRMATION = (S.NEGOTIATING, S.AWARDED)

TRANSFER_MODES = {
    "assignment": _l("Assignment"),
    "licence_exclusive": _l("Exclusive licence"),
    "licence_sole": _l("Sole licence"),
    "licence_ordinary": _l("Ordinary licence"),
    "equity": _l("Equity investment"),
    "joint_development": _l("Joint development"),
}
LICENCE_MODES = ("licence_exclusive", "licence_sole", "licence_ordinary")
# A deal's mode: a listing's transfer mode, or how a need's solver works for the enterprise.
DEAL_MODES = {
    "commissioned_development": _l("Commissioned development"),
    **TRANSFER_MODES,
    "consulting": _l("Technical consulting"),
    "service": _l("Technical service"),
}

INTENT_STATUSES = {
    "active": _l("Qualified"),
    "disqualified": _l("Disqualified"),
    "declined": _l("Declined by the seller"),
    "withdrawn": _l("Withdrawn"),
}
# SPEC.md §3: declining an intent, a response or a deal takes one of these and a comment.
DECLINE_REASONS = {
    "price": _l("Price"),
    "maturity": _l("Maturity of the technology"),
    "fit": _l("Fit with the need"),
    "ip": _l("Intellectual property position"),
    "timing": _l("Timing"),
    "other": _l("Other"),
}


def is_seller(actor, record):
    return (getattr(actor, "role", None) == Role.INSTITUTE
            and getattr(actor, "organization_id", None) == record.seller_org_id)


def is_buyer(actor, record):
    return (record.buyer_org_id is not None
            and getattr(actor, "role", None) == Role.ENTERPRISE
            and getattr(actor, "organization_id", None) == record.buyer_org_id)


def is_party(actor, record):
    return is_seller(actor, record) or is_buyer(actor, record)


def _seller_before_intents(actor, record):
    return is_seller(actor, record) and record.intents_count == 0


def _seller_may_renew(actor, record):
    return is_seller(actor, record) and not record.renewed


bureau = role_in(Role.BUREAU)
STOPPABLE = {"pause": S.PAUSED, "terminate": S.TERMINATED}
WORKFLOW = Workflow(
    entity="listing",
    transitions={
        S.DRAFT: {"submit": S.PENDING_REVIEW, "withdraw": S.WITHDRAWN},
        S.RETURNED: {"submit": S.PENDING_REVIEW, "withdraw": S.WITHDRAWN},
        S.PENDING_REVIEW: {"approve": S.ANNOUNCED, "return": S.RETURNED,
                           "reject": S.REJECTED, "withdraw": S.WITHDRAWN},
        S.ANNOUNCED: {"open_listing": S.LISTED, "open_negotiation": S.NEGOTIATING,
                      "open_bidding": S.BIDDING, "change": S.PENDING_REVIEW,
                      "withdraw": S.WITHDRAWN, **STOPPABLE},
        S.LISTED: {"engage": S.NEGOTIATING, "expire": S.EXPIRED, "renew": S.LISTED,
                   "change": S.PENDING_REVIEW, "withdraw": S.WITHDRAWN, **STOPPABLE},
        S.NEGOTIATING: {"deal": S.DEALT, "decline": S.FAILED, "lapse": S.FAILED,
                        **STOPPABLE},
        S.BIDDING: {"award": S.AWARDED, "close_unsold": S.FAILED, **STOPPABLE},
        S.AWARDED: {"deal": S.DEALT, "decline": S.FAILED, "lapse": S.FAILED, **STOPPABLE},
        S.PAUSED: {"resume": lambda record: ListingStatus(record.paused_from),
                   "terminate": S.TERMINATED},
    },
    guards={
        "submit": is_seller, "change": is_seller, "withdraw": _seller_before_intents,
        "renew": _seller_may_renew,
        "approve": bureau, "return": bureau, "reject": bureau, "pause": bureau,
        "resume": bureau, "terminate": bureau,
        "engage": role_in(Role.ENTERPRISE),
        "deal": is_party, "decline": is_party,
        "open_listing": by_market, "open_negotiation": by_market, "open_bidding": by_market,
        "expire": by_market, "award": by_market, "close_unsold": by_market, "lapse": by_market,
    },
    labels=STATUS_LABELS,
    searchable=True,
)

ACTION_LABELS = {
    "create": _l("created"), "edit": _l("edited"), "submit": _l("submitted for review"),
    "withdraw": _l("withdrawn"), "approve": _l("approved and announced"),
    "return": _l("returned for correction"), "reject": _l("rejected"),
    "change": _l("changed, for review again"), "open_listing": _l("announcement ended: listed"),
    "open_negotiation": _l("announcement ended: negotiation with the one buyer"),
    "open_bidding": _l("announcement ended: bidding opened"), "engage": _l("a buyer came"),
    "expire": _l("listing period ended"), "renew": _l("renewed"),
    "award": _l("bidding ended: awarded"), "close_unsold": _l("bidding ended without a bid"),
    "deal": _l("confirmed by both sides: dealt"), "decline": _l("declined"),
    "lapse": _l("not confirmed in time"), "pause": _l("paused"), "resume": _l("resumed"),
    "terminate": _l("terminated"), "intent": _l("intent registered"),
    "withdraw_intent": _l("intent withdrawn"), "disqualify_intent": _l("intent disqualified"),
    "decline_intent": _l("intent declined"), "bid": _l("bid"), "confirm": _l("confirmed"),
    "set_price": _l("price agreed"),
}
