"""A complaint's states, categories, sanctions and workflow (SPEC.md §6)."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..accounts.models import Role
from ..workflow import Workflow, role_in


class ComplaintStatus(StrEnum):
    SUBMITTED = "submitted"
    INVESTIGATING = "investigating"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"


S = ComplaintStatus
STATUS_LABELS = {
    S.SUBMITTED: _l("Submitted"),
    S.INVESTIGATING: _l("Under investigation"),
    S.UPHELD: _l("Upheld"),
    S.DISMISSED: _l("Dismissed"),
    S.WITHDRAWN: _l("Withdrawn"),
}
OPEN = (S.SUBMITTED, S.INVESTIGATING)  # the bureau's queue; the respondent may still answer

COMPLAINT_CATEGORIES = {
    "false_information": _l("False information"),
    "breach": _l("Breach of the contract or the deal's terms"),
    "broker_misconduct": _l("Misconduct by a broker"),
    "fee_dispute": _l("Fee dispute"),
    "other": _l("Other"),
}
# Whom a complaint is about, named by its place on the deal.
TARGETS = {
    "party": _l("The other party"),
    "seller_broker": _l("The seller's broker"),
    "buyer_broker": _l("The buyer's broker"),
}
# What an upheld complaint does to its target, mildest first; each records the credit event
# of the same name (credit.services.KINDS).
SANCTIONS = {
    "warning": _l("Warning"),
    "restriction": _l("Restriction: on the blacklist until a date"),
    "listing_taken_down": _l("Listings taken down"),
    "account_closed": _l("Account closed"),
}
SANCTION_EVENTS = {
    "warning": "complaint_warning",
    "restriction": "complaint_restriction",
    "listing_taken_down": "complaint_takedown",
    "account_closed": "complaint_closure",
}
DECISIONS = ("investigate", "uphold", "dismiss")


def is_complainant(actor, record):
    """A member of the organisation that filed the complaint."""
    return (actor is not None and getattr(actor, "organization_id", None) is not None
            and actor.organization_id == record.complainant_org_id)


def is_respondent(actor, record):
    """The broker complained about, or a member of the organisation complained about."""
    if actor is None:
        return False
    if record.target_kind == "broker":
        return actor.id == record.target_broker_id
    return (getattr(actor, "organization_id", None) is not None
            and actor.organization_id == record.target_org_id)


bureau = role_in(Role.BUREAU)
WORKFLOW = Workflow(
    entity="complaint",
    transitions={
        S.SUBMITTED: {"investigate": S.INVESTIGATING, "withdraw": S.WITHDRAWN},
        S.INVESTIGATING: {"uphold": S.UPHELD, "dismiss": S.DISMISSED, "withdraw": S.WITHDRAWN},
    },
    guards={"investigate": bureau, "uphold": bureau, "dismiss": bureau,
            "withdraw": is_complainant},
    labels=STATUS_LABELS,
)

ACTION_LABELS = {
    "create": _l("complaint filed"), "investigate": _l("investigation started"),
    "uphold": _l("upheld"), "dismiss": _l("dismissed"), "withdraw": _l("withdrawn"),
    "statement": _l("the respondent's statement"), "attach": _l("attached a file"),
}
