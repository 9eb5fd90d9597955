"""The bureau's contract pages: the certification queue by due date, review, revocation."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, clock
from ..accounts.models import Role
from ..auth import roles_required
from ..errors import Conflict, ValidationFailed
from ..forms import apply_errors, flash_errors
from . import services
from .forms import ContractReviewForm, RevokeForm

bp = Blueprint("bureau_contracts", __name__, url_prefix="/bureau/contracts")


@bp.get("")
@roles_required(Role.BUREAU, Role.ADMIN)
def queue():
    """Submitted contracts, the earliest due first, overdue ones flagged."""
    return render_template("contracts/bureau_queue.html", queue=services.review_queue(),
                           today=clock.today(), is_overdue=services.is_overdue)


@bp.route("/<int:contract_id>", methods=["GET", "POST"])
@roles_required(Role.BUREAU, Role.ADMIN)
def review(contract_id):
    """Every field, the signed PDF inline, and the decision with comment and ground."""
    record = services.get_visible(contract_id, current_user)
    actions = services.WORKFLOW.available(record, current_user)  # the admin may only look
    form = ContractReviewForm(version=record.version)
    messages = None
    if form.validate_on_submit():
        try:
            services.review(record.id, form.decision.data, current_user, form.comment.data,
                            form.ground.data or None, expected_version=form.version.data)
        except ValidationFailed as exc:
            messages = apply_errors(form, exc)
        except Conflict as exc:
            flash(str(exc.message), "warning")
            return redirect(url_for(".review", contract_id=record.id))
        else:
            flash(_("Decision recorded."), "success")
            return redirect(url_for(".queue"))
    return render_template(
        "contracts/bureau_review.html", record=record, form=form,
        revoke_form=RevokeForm(version=record.version), messages=messages,
        signed=services.signed_copy(record), history=audit.history("contract", record.id),
        overdue=services.is_overdue(record), hints=services.tax_hints(record),
        can_decide="certify" in actions, can_revoke="revoke" in actions,
    ), 422 if form.errors or messages else 200


@bp.post("/<int:contract_id>/revoke")
@roles_required(Role.BUREAU)
def revoke(contract_id):
    form = RevokeForm()
    try:
        services.revoke(contract_id, current_user, form.ground.data, form.comment.data,
                        expected_version=form.version.data)
    except (ValidationFailed, Conflict) as exc:
        flash_errors(exc)
    else:
        flash(_("The certification has been revoked."), "success")
    return redirect(url_for(".review", contract_id=contract_id))
