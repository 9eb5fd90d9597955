"""Bureau: the complaints queue with ages and due dates, investigation and decision, and the
blacklist (in force, lapsed, lifted; adding and lifting entries)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import audit, clock
from ..accounts.models import Organization, Role, User
from ..auth import roles_required
from ..errors import ValidationFailed
from ..extensions import db
from ..forms import apply_errors
from . import blacklist, complaints
from .complaint_forms import BlacklistForm, DecisionForm, InvestigateForm, LiftForm
from .complaint_views import LABELS, QUIET, act
from .models import BlacklistEntry, Complaint
from .states import WORKFLOW

bp = Blueprint("bureau_credit", __name__, url_prefix="/bureau/credit")
PER_PAGE = 30
officers_only = roles_required(Role.BUREAU, Role.ADMIN)  # the admin looks; the bureau acts


def _user():
    return current_user._get_current_object()


def _page(stmt):
    return db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)


@bp.get("")
@officers_only
def index():
    return redirect(url_for(".complaints"))


# --- complaints ------------------------------------------------------------------------------

@bp.get("/complaints", endpoint="complaints")
@officers_only
def complaints_queue():
    """Open complaints the earliest due first, with their age and due date (overdue ones
    flagged); `?state=closed` lists the decided and withdrawn ones."""
    state = "closed" if request.args.get("state") == "closed" else "open"
    return render_template("credit/bureau_complaints.html", page=_page(complaints.queue(state)),
                           state=state, today=clock.today(), labels=LABELS,
                           is_overdue=complaints.is_overdue, age_of=complaints.age_in_days,
                           target_name=complaints.target_name)


def _render_complaint(complaint_id, status=200, **forms):
    record = complaints.get_visible(complaint_id, _user())
    actions = WORKFLOW.available(record, _user())
    return render_template(
        "credit/bureau_complaint.html", record=record, labels=LABELS, actions=actions,
        target_name=complaints.target_name(record), evidence=complaints.evidence_of(record),
        history=audit.history("complaint", record.id), today=clock.today(),
        overdue=complaints.is_overdue(record), entries=db.session.scalars(
            blacklist.entries("all").where(BlacklistEntry.complaint_id == record.id)
        ).all(),
        investigate_form=forms.get("investigate_form") or InvestigateForm(
            version=record.version, **QUIET),
        decision_form=forms.get("decision_form") or DecisionForm(version=record.version,
                                                                 **QUIET)), status


@bp.get("/complaints/<int:complaint_id>")
@officers_only
def complaint(complaint_id):
    """The complaint, both sides' evidence, the statement, and the bureau's decision."""
    return _render_complaint(complaint_id)


def _to_complaint(complaint_id):
    return url_for(".complaint", complaint_id=complaint_id)


@bp.post("/complaints/<int:complaint_id>/investigate")
@officers_only
def investigate(complaint_id):
    form = InvestigateForm()

    def again(exc):
        apply_errors(form, exc)
        return _render_complaint(complaint_id, 422, investigate_form=form)
    return act(lambda: complaints.decide(complaint_id, "investigate", _user(), form.reason.data,
                                         expected_version=form.version.data),
               lambda r: _("The investigation has started; both sides are told."),
               _to_complaint(complaint_id), again)


@bp.post("/complaints/<int:complaint_id>/decide")
@officers_only
def decide(complaint_id):
    """Uphold with a sanction, or dismiss, with reasons."""
    form = DecisionForm()
    form.validate()  # parses the date; the service reports every rule

    def again(exc):
        apply_errors(form, exc)
        return _render_complaint(complaint_id, 422, decision_form=form)
    if form.until.errors:
        return _render_complaint(complaint_id, 422, decision_form=form)
    return act(lambda: complaints.decide(
        complaint_id, form.decision.data or "", _user(), form.reason.data,
        form.sanction.data or None, form.until.data, expected_version=form.version.data),
        lambda r: _("Decision recorded; both sides are told."), _to_complaint(complaint_id),
        again)


# --- the blacklist -----------------------------------------------------------------------------

@bp.get("/blacklist", endpoint="blacklist")
@officers_only
def blacklist_entries():
    """The entries in force, lapsed or lifted."""
    state = request.args.get("state")
    state = state if state in blacklist.STATES else "in_force"
    return render_template("credit/blacklist.html", page=_page(blacklist.entries(state)),
                           state=state, states=blacklist.STATES,
                           subject_name=blacklist.subject_name, lift_form=LiftForm(**QUIET))


def _subject_choices(form):
    form.org_id.choices = [("", _("Choose…"))] + [
        (str(o.id), f"{o.name} ({o.credit_code})") for o in db.session.scalars(
            select(Organization).order_by(Organization.name))]
    brokers = db.session.scalars(select(User).where(User.role == Role.BROKER)
                                 .order_by(User.username)).all()
    form.broker_id.choices = [("", _("Choose…"))] + [
        (str(u.id), f"{blacklist.broker_name(u)} ({u.username})") for u in brokers]


def _int(value):
    return int(value) if str(value or "").isdigit() else None


@bp.route("/blacklist/new", methods=["GET", "POST"])
@officers_only
def new_entry():
    """List an organisation or a broker until a date, with a reason (from a complaint when
    `?complaint=` names one: its target is chosen)."""
    form = BlacklistForm()
    _subject_choices(form)
    messages = None
    if request.method == "GET" and _int(request.args.get("complaint")):
        record = db.session.get(Complaint, _int(request.args["complaint"]))
        if record is not None:
            form.complaint_id.data = str(record.id)
            form.kind.data = record.target_kind
            form.org_id.data = str(record.target_org_id or "")
            form.broker_id.data = str(record.target_broker_id or "")
    if form.validate_on_submit():
        broker = form.kind.data == "broker"
        try:
            entry = blacklist.add(
                _user(), org_id=None if broker else _int(form.org_id.data),
                broker_id=_int(form.broker_id.data) if broker else None,
                until=form.until.data, reason=form.reason.data,
                complaint_id=_int(form.complaint_id.data))
        except ValidationFailed as exc:
            db.session.rollback()
            messages = apply_errors(form, exc, {"subject": "org_id"})
        else:
            flash(_("%(name)s is on the blacklist until %(until)s.",
                    name=blacklist.subject_name(entry), until=entry.until.isoformat()),
                  "success")
            return redirect(url_for(".blacklist"))
    failed = bool(form.errors) or messages is not None
    return render_template("credit/blacklist_new.html", form=form,
                           messages=messages), 422 if failed else 200


@bp.post("/blacklist/<int:entry_id>/lift")
@officers_only
def lift(entry_id):
    """Take an entry off the blacklist before its date, with a reason."""
    form = LiftForm()
    return act(lambda: blacklist.lift(entry_id, _user(), form.reason.data),
               lambda e: _("The entry of %(name)s is lifted.",
                           name=blacklist.subject_name(e)),
               url_for(".blacklist", state=request.args.get("state", "in_force")))
