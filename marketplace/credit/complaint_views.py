"""Complaint pages of the parties: their complaints, a new complaint from a deal, and one
complaint with the respondent's statement, the evidence and the bureau's decision."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import audit
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import apply_errors, flash_errors
from ..listings import deals
from . import blacklist, complaints
from .complaint_forms import ComplaintForm, EvidenceForm, StatementForm, WithdrawForm
from .states import (
    COMPLAINT_CATEGORIES,
    OPEN,
    SANCTIONS,
    STATUS_LABELS,
    TARGETS,
    WORKFLOW,
    is_complainant,
    is_respondent,
)

bp = Blueprint("complaints", __name__, url_prefix="/complaints")
PER_PAGE = 20
QUIET = {"formdata": None, "meta": {"csrf": False}}  # a form shown, not the one posted
LABELS = {"status": STATUS_LABELS, "category": COMPLAINT_CATEGORIES, "sanction": SANCTIONS,
          "target": TARGETS}


def _user():
    return current_user._get_current_object()


def act(call, success, back, on_invalid=None):
    """Run a service call for a POST: on success flash `success(result)` and go to `back`; a
    refused input is shown by `on_invalid(exc)` (the page again, messages beside the fields)
    or flashed; a state conflict (decided meanwhile, …) is flashed."""
    try:
        result = call()
    except ValidationFailed as exc:
        db.session.rollback()
        if on_invalid is not None:
            return on_invalid(exc)
        flash_errors(exc)
        return redirect(back)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "warning")
        return redirect(back)
    flash(success(result), "success")
    return redirect(back)


def evidence_files():
    """The files posted in the `evidence` field (a browser sends an empty one for none)."""
    return [f for f in request.files.getlist("evidence") if f and f.filename]


@bp.get("")
@login_required
def index():
    """The complaints the user's organisation filed or that are about it (or about the
    broker); officers go to the bureau's queue."""
    if current_user.is_officer:
        return redirect(url_for("bureau_credit.complaints"))
    status = request.args.get("status") if request.args.get("status") in STATUS_LABELS else None
    page = db.paginate(complaints.complaints_of(_user(), status),
                       page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template("credit/complaint_index.html", page=page, status=status,
                           labels=LABELS, target_name=complaints.target_name)


@bp.route("/new/<int:deal_id>", methods=["GET", "POST"])
@login_required
def new(deal_id):
    """A party to the deal complains about the other party or one of the deal's brokers."""
    deal = deals.get_visible(deal_id, _user())
    complaints.ensure_may_file(deal, _user())
    form = ComplaintForm()
    form.against.choices = [("", _("Choose…"))] + [
        (key, _("%(who)s: %(name)s", who=label, name=_deal_side_name(deal, key)))
        for key, label in complaints.targets_for(deal, _user()).items()]
    messages = None
    if form.validate_on_submit():
        data = complaints.ComplaintData(form.against.data, form.category.data,
                                        form.subject.data, form.description.data)
        try:
            record = complaints.file_complaint(deal.id, _user(), data, evidence_files())
        except ValidationFailed as exc:
            db.session.rollback()
            messages = apply_errors(form, exc)
        except Conflict as exc:
            db.session.rollback()
            messages = [exc.message]
        else:
            flash(_("Your complaint is filed. The science bureau decides by %(due)s.",
                    due=record.due_on.isoformat()), "success")
            return redirect(url_for(".detail", complaint_id=record.id))
    failed = bool(form.errors) or messages is not None
    return render_template("credit/complaint_new.html", deal=deal, form=form,
                           messages=messages), 422 if failed else 200


def _deal_side_name(deal, key):
    if key == "party":
        other = deal.buyer if current_user.organization_id == deal.seller_org_id else deal.seller
        return other.name
    broker = deal.seller_broker if key == "seller_broker" else deal.buyer_broker
    return blacklist.broker_name(broker)


def _render_detail(complaint_id, status=200, **forms):
    user = _user()
    record = complaints.get_visible(complaint_id, user)
    complainant, respondent = is_complainant(user, record), is_respondent(user, record)
    is_open = record.status in OPEN
    return render_template(
        "credit/complaint_detail.html", record=record, labels=LABELS,
        target_name=complaints.target_name(record), complainant=complainant,
        respondent=respondent, is_open=is_open, evidence=complaints.evidence_of(record),
        history=audit.history("complaint", record.id), overdue=complaints.is_overdue(record),
        may_withdraw="withdraw" in WORKFLOW.available(record, user),
        statement_form=forms.get("statement_form") or StatementForm(
            **({"data": {"response": record.response}} if record.response else {}), **QUIET),
        evidence_form=forms.get("evidence_form") or EvidenceForm(**QUIET),
        withdraw_form=WithdrawForm(version=record.version, **QUIET)), status


@bp.get("/<int:complaint_id>")
@login_required
def detail(complaint_id):
    """The complaint, the evidence, the respondent's statement and the decision."""
    return _render_detail(complaint_id)


def _back(complaint_id):
    return url_for(".detail", complaint_id=complaint_id)


@bp.post("/<int:complaint_id>/statement")
@login_required
def statement(complaint_id):
    """The respondent states its side (and may change it until the bureau decides)."""
    form = StatementForm()

    def again(exc):
        apply_errors(form, exc)
        return _render_detail(complaint_id, 422, statement_form=form)
    return act(lambda: complaints.state_statement(complaint_id, _user(), form.response.data),
               lambda r: _("Your statement is saved."), _back(complaint_id), again)


@bp.post("/<int:complaint_id>/evidence")
@login_required
def evidence(complaint_id):
    """Either side adds an evidence file while the complaint is open."""
    form = EvidenceForm()

    def again(exc):
        apply_errors(form, exc)
        return _render_detail(complaint_id, 422, evidence_form=form)
    files = evidence_files()
    return act(lambda: complaints.attach(complaint_id, files[0] if files else None, _user()),
               lambda f: _("File attached."), _back(complaint_id), again)


@bp.post("/<int:complaint_id>/withdraw")
@login_required
def withdraw(complaint_id):
    """The complainant withdraws the complaint before the bureau decides."""
    form = WithdrawForm()
    return act(lambda: complaints.withdraw(complaint_id, _user(), form.comment.data,
                                           form.version.data),
               lambda r: _("The complaint is withdrawn."), _back(complaint_id))
