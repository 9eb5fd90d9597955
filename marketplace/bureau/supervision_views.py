"""Bureau supervision pages: every queue with its age and due date, this month against last
month and the credit overview; the overdue items of all queues; the audit search."""
from babel.dates import format_skeleton
from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import clock, settings
from ..accounts.models import Role
from ..auth import roles_required
from ..credit import blacklist
from ..credit import services as credit
from ..credit.states import STATUS_LABELS as COMPLAINT_LABELS
from ..errors import ValidationFailed
from ..forms import apply_errors
from . import audit_search, credit_overview, supervision
from .supervision_forms import AuditSearchForm

bp = Blueprint("supervision", __name__, url_prefix="/bureau/supervision")
officers_only = roles_required(Role.BUREAU, Role.ADMIN)


def month_label(day):
    """The month in words: July 2026, 2026年7月."""
    return format_skeleton("yMMMM", day, locale=get_locale())


def page_url(endpoint, record_id=None):
    """The URL of `endpoint` (for `record_id`: with it as the endpoint's one argument), or
    None while the app has no such page: colleagues' pages land one by one."""
    if not endpoint or endpoint not in current_app.view_functions:
        return None
    if record_id is None:
        return url_for(endpoint)
    for rule in current_app.url_map.iter_rules(endpoint):
        if len(rule.arguments) == 1:
            return url_for(endpoint, **{next(iter(rule.arguments)): record_id})
    return None


def record_url(entity, entity_id):
    """The bureau's page of an audited record, where there is one."""
    return page_url(audit_search.ENTITY_PAGES.get(entity), entity_id)


def _queue_rules():
    """What the pages say of each queue's due dates."""
    return {"review_days": supervision.REVIEW_DAYS, "queues": supervision.BY_KEY,
            "page_url": page_url,
            "contract_days": (settings.get("contract_review_days"),
                              settings.get("contract_review_days_large"))}


@bp.get("")
@officers_only
def index():
    """The dashboard: queues, this month against last month, credit and complaints."""
    rows = supervision.queue_rows()
    figures, months = supervision.month_figures()
    blacklisted, first_to_lapse = credit_overview.blacklist_in_force()
    complaints, complaints_overdue = credit_overview.complaint_counts()
    return render_template(
        "bureau/supervision.html", rows=rows, overdue_total=sum(r.overdue for r in rows),
        figures=figures, months=months, today=clock.today(), **_queue_rules(),
        grades={kind: credit_overview.grade_distribution(kind) for kind in ("org", "broker")},
        lowest=credit_overview.lowest_scored(), complaints=complaints,
        complaints_overdue=complaints_overdue,
        complaints_url=page_url("bureau_credit.complaints"),
        blacklisted=blacklisted, first_to_lapse=first_to_lapse,
        first_to_lapse_name=(blacklist.subject_name(first_to_lapse)
                             if first_to_lapse else None),
        blacklist_url=page_url("bureau_credit.blacklist"),
        grade_labels=credit.GRADE_LABELS, base_score=credit.BASE,
        base_grade=credit_overview.BASE_GRADE, complaint_labels=COMPLAINT_LABELS,
        month_label=month_label)


@bp.get("/overdue")
@officers_only
def overdue():
    """Every overdue item of every queue, the longest waiting first."""
    return render_template("bureau/supervision_overdue.html",
                           items=supervision.overdue_items(), today=clock.today(),
                           **_queue_rules())


@bp.get("/audit")
@officers_only
def audit():
    """The audit log searched by record, user, action and dates, newest first."""
    form = AuditSearchForm(request.args)
    kinds = audit_search.entities()
    if form.entity.data and form.entity.data not in kinds:
        kinds.append(form.entity.data)  # kept as typed, with its message beside it
    form.entity.choices = [("", _("All kinds of record"))] + [
        (kind, audit_search.entity_label(kind)) for kind in kinds]
    criteria = audit_search.Criteria(**form.criteria_values())
    page, messages = None, None
    try:
        page = audit_search.search(criteria)
    except ValidationFailed as exc:
        messages = apply_errors(form, exc)
    html = render_template("bureau/audit_search.html", form=form, page=page,
                           messages=messages, searched=bool(criteria),
                           entity_label=audit_search.entity_label, record_url=record_url)
    return html, 422 if page is None else 200
