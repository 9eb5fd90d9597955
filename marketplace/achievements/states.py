"""The achievement's states, its code lists and its registration workflow (SPEC.md §1)."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..accounts.models import Role
from ..workflow import Workflow, role_in


class AchievementStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    REGISTERED = "registered"
    REJECTED = "rejected"
    REVOKED = "revoked"


STATUS_LABELS = {
    AchievementStatus.DRAFT: _l("Draft"),
    AchievementStatus.SUBMITTED: _l("Submitted"),
    AchievementStatus.RETURNED: _l("Returned for correction"),
    AchievementStatus.REGISTERED: _l("Registered"),
    AchievementStatus.REJECTED: _l("Rejected"),
    AchievementStatus.REVOKED: _l("Revoked"),
}

CATEGORIES = {"applied": _l("Applied technology"), "basic": _l("Basic theory"),
              "soft": _l("Soft science")}
CATEGORY_DIGITS = {"applied": "1", "basic": "2", "soft": "3"}
ATTRIBUTES = {"original": _l("Original innovation"),
              "absorbed": _l("Imported, absorbed and re-innovated"),
              "secondary": _l("Secondary development of domestic technology")}
LEVELS = {"international_leading": _l("International leading"),
          "international_advanced": _l("International advanced"),
          "domestic_leading": _l("Domestic leading"),
          "domestic_advanced": _l("Domestic advanced"),
          "not_evaluated": _l("Not evaluated")}
SOURCES = {"national_plan": _l("National plan"), "provincial_plan": _l("Provincial plan"),
           "unplanned": _l("Outside any plan")}
SECRECY = {"none": _l("Not classified"), "secret": _l("Secret"),
           "confidential": _l("Confidential"), "top_secret": _l("Top secret")}
EVALUATION_METHODS = {"appraisal": _l("Appraisal"), "acceptance": _l("Acceptance check"),
                      "review": _l("Expert review"), "admission": _l("Industry admission"),
                      "assessment": _l("Assessment")}
IP_TYPES = {"invention_patent": _l("Invention patent"), "utility_model": _l("Utility model"),
            "design": _l("Design patent"), "software_copyright": _l("Software copyright"),
            "plant_variety": _l("Plant variety right"),
            "technical_secret": _l("Technical secret")}
PATENT_TYPES = ("invention_patent", "utility_model", "design")
IP_STATUSES = {"filed": _l("Filed"), "granted": _l("Granted")}
EVIDENCE_KINDS = {"evaluation_proof": _l("Evaluation proof"),
                  "development_report": _l("Development report"),
                  "ip_certificate": _l("IP certificate"),
                  "user_certificate": _l("User's certificate"),
                  "paper": _l("Published paper"),
                  "academic_evaluation": _l("Academic evaluation"),
                  "research_report": _l("Research report")}
# What a category must show before submission: any one of the alternatives, complete.
EVIDENCE_RULES = {
    "applied": (("evaluation_proof", "development_report"),
                ("ip_certificate", "user_certificate")),
    "basic": (("paper", "academic_evaluation"),),
    "soft": (("evaluation_proof", "research_report"),),
}


def maturity_stage(trl):
    """GB/T 22900's stages: TRL 1–3 early, 4–6 middle, 7–9 mature application."""
    if trl is None:
        return ""
    return _l("Early stage") if trl <= 3 else _l("Middle stage") if trl <= 6 else _l(
        "Mature application")


def _is_owner(actor, record):
    return getattr(actor, "organization_id", None) == record.owner_org_id


S = AchievementStatus
WORKFLOW = Workflow(
    entity="achievement",
    transitions={
        S.DRAFT: {"submit": S.SUBMITTED},
        S.SUBMITTED: {"withdraw": S.DRAFT, "register": S.REGISTERED, "return": S.RETURNED,
                      "reject": S.REJECTED},
        S.RETURNED: {"submit": S.SUBMITTED},
        S.REGISTERED: {"revoke": S.REVOKED},
    },
    guards={
        "submit": _is_owner, "withdraw": _is_owner,
        "register": role_in(Role.BUREAU), "return": role_in(Role.BUREAU),
        "reject": role_in(Role.BUREAU), "revoke": role_in(Role.BUREAU),
    },
    labels=STATUS_LABELS,
    searchable=True,
)
