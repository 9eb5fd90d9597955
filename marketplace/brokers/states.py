"""A broker profile's states and code lists, and an engagement's (SPEC.md §5)."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..accounts.models import Role
from ..workflow import Workflow, role_in


class BrokerStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


S = BrokerStatus
STATUS_LABELS = {
    S.PENDING: _l("Awaiting verification"),
    S.VERIFIED: _l("Verified"),
    S.REJECTED: _l("Rejected"),
    S.SUSPENDED: _l("Suspended"),
    S.CANCELLED: _l("Cancelled"),
}

# The national levels of the technology broker's qualification (技术经纪人职业能力等级).
LEVELS = {
    "junior": _l("Junior technology broker (初级技术经纪人)"),
    "intermediate": _l("Intermediate technology broker (中级技术经纪人)"),
    "senior": _l("Senior technology manager (高级技术经理人)"),
}
# Levels that must carry the national filing number (备案编号).
FILED_LEVELS = ("intermediate", "senior")

SERVICES = {
    "matching": _l("Matching supply and demand"),
    "valuation": _l("Technology valuation"),
    "ip": _l("Intellectual property services"),
    "negotiation": _l("Negotiation and deal making"),
    "contract": _l("Contract drafting and certification"),
    "financing": _l("Financing for commercialisation"),
    "incubation": _l("Incubation and pilot production"),
    "policy": _l("Policy and subsidy applications"),
}


def _is_owner(actor, record):
    return getattr(actor, "id", None) == record.user_id


bureau = role_in(Role.BUREAU)
WORKFLOW = Workflow(
    entity="broker",
    transitions={
        S.PENDING: {"verify": S.VERIFIED, "reject": S.REJECTED, "cancel": S.CANCELLED},
        S.REJECTED: {"resubmit": S.PENDING, "cancel": S.CANCELLED},
        S.VERIFIED: {"suspend": S.SUSPENDED, "resubmit": S.PENDING, "cancel": S.CANCELLED},
        S.SUSPENDED: {"reinstate": S.VERIFIED, "cancel": S.CANCELLED},
    },
    guards={
        "verify": bureau, "reject": bureau, "suspend": bureau, "reinstate": bureau,
        "resubmit": _is_owner,
        # The broker gives up the profile, or the bureau cancels it (e.g. an upheld complaint).
        "cancel": lambda actor, record: _is_owner(actor, record) or bureau(actor, record),
    },
    labels=STATUS_LABELS,
    searchable=False,
)

ACTION_LABELS = {
    "create": _l("profile filed"), "edit": _l("profile edited"),
    "resubmit": _l("submitted again for verification"), "verify": _l("verified"),
    "reject": _l("rejected"), "suspend": _l("suspended"), "reinstate": _l("reinstated"),
    "cancel": _l("cancelled"),
}

# Engagements: a party invites a broker onto its listing, need or deal.
ENGAGEMENT_SUBJECTS = ("listing", "need", "deal")
ENGAGEMENT_SIDES = {"seller": _l("Seller’s broker"), "buyer": _l("Buyer’s broker")}
ENGAGEMENT_STATUSES = {
    "invited": _l("Invited"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
    "ended": _l("Ended"),
}
OPEN_ENGAGEMENTS = ("invited", "accepted")

# Ratings: 1–5, editable for this many days after the first rating.
RATING_EDIT_DAYS = 7
