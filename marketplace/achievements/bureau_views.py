"""The bureau's achievement pages: the registration queue, review and revocation."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, clock
from ..accounts.models import Role
from ..auth import roles_required
from ..errors import Conflict, ValidationFailed
from ..forms import apply_errors, flash_errors
from . import services
from .forms import AchievementReviewForm, RevokeForm

bp = Blueprint("bureau_achievements", __name__, url_prefix="/bureau/achievements")


@bp.get("")
@roles_required(Role.BUREAU, Role.ADMIN)
def queue():
    """Submitted achievements, oldest submission first, with their age."""
    return render_template("achievements/bureau_queue.html", queue=services.review_queue(),
                           now=clock.now())


@bp.route("/<int:achievement_id>", methods=["GET", "POST"])
@roles_required(Role.BUREAU, Role.ADMIN)
def review(achievement_id):
    """Every field and file of a submission, and the decision with its comment."""
    record = services.get_visible(achievement_id, current_user)
    actions = services.WORKFLOW.available(record, current_user)  # the admin may only look
    form = AchievementReviewForm(version=record.version)
    revoke_form = RevokeForm(version=record.version)
    messages = None
    if form.validate_on_submit():
        try:
            services.review(record.id, form.decision.data, current_user, form.comment.data,
                            expected_version=form.version.data)
        except ValidationFailed as exc:
            messages = apply_errors(form, exc)
        except Conflict as exc:
            flash(str(exc.message), "warning")
            return redirect(url_for(".review", achievement_id=record.id))
        else:
            flash(_("Decision recorded."), "success")
            return redirect(url_for(".queue"))
    return render_template(
        "achievements/bureau_review.html", record=record, form=form, revoke_form=revoke_form,
        messages=messages, evidence=services.evidence_of(record),
        history=audit.history("achievement", record.id),
        details=services.read_details(record, current_user),
        can_decide="register" in actions, can_revoke="revoke" in actions,
    ), 422 if form.errors or messages else 200


@bp.post("/<int:achievement_id>/revoke")
@roles_required(Role.BUREAU)
def revoke(achievement_id):
    form = RevokeForm()
    try:
        services.revoke(achievement_id, current_user, form.comment.data,
                        expected_version=form.version.data)
    except (ValidationFailed, Conflict) as exc:
        flash_errors(exc)
    else:
        flash(_("The registration has been revoked."), "success")
    return redirect(url_for(".review", achievement_id=achievement_id))
