"""The contract's types, code lists, states and certification workflow (SPEC.md §4)."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..accounts.models import Role
from ..workflow import Workflow, role_in


class ContractStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    CERTIFIED = "certified"
    REJECTED = "rejected"
    REVOKED = "revoked"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    ContractStatus.DRAFT: _l("Draft"),
    ContractStatus.SUBMITTED: _l("Submitted"),
    ContractStatus.RETURNED: _l("Returned for correction"),
    ContractStatus.CERTIFIED: _l("Certified"),
    ContractStatus.REJECTED: _l("Not registered"),
    ContractStatus.REVOKED: _l("Revoked"),
    ContractStatus.CANCELLED: _l("Cancelled"),
}

TYPES = {
    "development": _l("Technology development"),
    "transfer": _l("Technology transfer"),
    "licence": _l("Technology licence"),
    "consulting": _l("Technical consulting"),
    "service": _l("Technical service"),
}
SUBTYPES = {
    "commissioned": _l("Commissioned development"),
    "cooperative": _l("Cooperative development"),
    "patent_right": _l("Patent right transfer"),
    "patent_application": _l("Patent application right transfer"),
    "technical_secret": _l("Technical secret"),
    "other_ip": _l("Other intellectual property"),
    "patent": _l("Patent licence"),
    "consulting": _l("Technical consulting"),
    "service": _l("Technical service"),
    "training": _l("Technical training"),
    "intermediary": _l("Technical intermediary"),
}
SUBTYPES_OF = {
    "development": ("commissioned", "cooperative"),
    "transfer": ("patent_right", "patent_application", "technical_secret", "other_ip"),
    "licence": ("patent", "technical_secret", "other_ip"),
    "consulting": ("consulting",),
    "service": ("service", "training", "intermediary"),
}
# The seller side of each type files: developer, transferor, licensor, consultant, provider.
SELLER_ROLE = {
    "development": _l("Developer"), "transfer": _l("Transferor"), "licence": _l("Licensor"),
    "consulting": _l("Consultant"), "service": _l("Service provider"),
}
BUYER_ROLE = {
    "development": _l("Commissioning party"), "transfer": _l("Transferee"),
    "licence": _l("Licensee"), "consulting": _l("Commissioning party"),
    "service": _l("Commissioning party"),
}
PAYMENT_METHODS = {
    "lump_sum": _l("Lump sum"), "instalments": _l("Fixed total in instalments"),
    "royalty": _l("Royalty"), "royalty_with_fee": _l("Royalty with an entry fee"),
}
PLAN_CATEGORIES = {
    "none": _l("Outside any plan"), "national": _l("National plan"),
    "provincial": _l("Provincial plan"), "municipal": _l("Municipal plan"),
}
IP_KINDS = {
    "none": _l("None"), "invention_patent": _l("Invention patent"),
    "utility_model": _l("Utility model"), "design": _l("Design patent"),
    "software_copyright": _l("Software copyright"), "technical_secret": _l("Technical secret"),
    "plant_variety": _l("Plant variety right"), "other": _l("Other"),
}
# 不予登记: the official grounds of a refusal.
REJECTION_GROUNDS = {
    "invalid": _l("The contract is invalid or not yet in force"),
    "not_technology": _l("Not a technology contract"),
    "unclear": _l("Parties, subject or price unclear"),
    "approval_missing": _l("A required approval is missing"),
    "title_mismatch": _l("The title does not match the obligations"),
    "restrictive": _l("Illegal restrictive clauses"),
    "proofs_missing": _l("Proofs missing"),
    "seals": _l("Seals missing or not matching"),
    # Not one of the official grounds' names, but the bureau must be able to say it: a refusal
    # on this ground is a "submission_false" event in the filer's credit record.
    "false": _l("False or forged materials"),
    "other": _l("Other"),
}
REVOCATION_GROUNDS = {
    "false": _l("False contract"), "duplicate": _l("Registered twice"),
    "invalidated": _l("Invalidated"),
}


def _is_filer(actor, record):
    return getattr(actor, "organization_id", None) == record.filer_org_id


S = ContractStatus
WORKFLOW = Workflow(
    entity="contract",
    transitions={
        S.DRAFT: {"submit": S.SUBMITTED},
        S.SUBMITTED: {"certify": S.CERTIFIED, "return": S.RETURNED, "reject": S.REJECTED},
        S.RETURNED: {"submit": S.SUBMITTED},
        S.CERTIFIED: {"revoke": S.REVOKED, "cancel": S.CANCELLED},
    },
    guards={
        "submit": _is_filer, "cancel": _is_filer,
        "certify": role_in(Role.BUREAU), "return": role_in(Role.BUREAU),
        "reject": role_in(Role.BUREAU), "revoke": role_in(Role.BUREAU),
    },
    labels=STATUS_LABELS,
)
