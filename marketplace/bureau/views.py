"""Bureau pages: the organisation verification queue and review."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, clock
from ..accounts import services as accounts
from ..accounts.forms import ReviewForm
from ..accounts.models import OrgStatus, Role
from ..auth import roles_required
from ..errors import Conflict, ValidationFailed
from ..forms import apply_errors

bp = Blueprint("bureau", __name__, url_prefix="/bureau")


@bp.get("/organizations")
@roles_required(Role.BUREAU, Role.ADMIN)
def organizations():
    """Organisations awaiting verification, oldest first, with their age."""
    return render_template("bureau/organizations.html",
                           queue=accounts.organization_queue(OrgStatus.UNVERIFIED),
                           now=clock.now())


@bp.route("/organizations/<int:org_id>", methods=["GET", "POST"])
@roles_required(Role.BUREAU, Role.ADMIN)
def review_organization(org_id):
    """Review one organisation and verify or reject it, with a comment."""
    org = accounts.get_organization(org_id)
    form = ReviewForm(version=org.version)
    messages = None
    if form.validate_on_submit():  # the workflow's guard refuses anyone but an officer
        try:
            accounts.review_organization(org.id, form.decision.data, current_user,
                                         form.comment.data, expected_version=form.version.data)
        except ValidationFailed as exc:
            messages = apply_errors(form, exc)
        except Conflict as exc:
            flash(str(exc.message), "warning")
            return redirect(url_for("bureau.review_organization", org_id=org.id))
        else:
            flash(_("Decision recorded for %(name)s.", name=org.name), "success")
            return redirect(url_for("bureau.organizations"))
    can_decide = bool(accounts.ORGANIZATION_WORKFLOW.available(org, current_user))
    return render_template("bureau/organization_review.html", org=org, form=form,
                           can_decide=can_decide, messages=messages,
                           history=audit.history("organization", org.id)), (
        422 if form.errors or messages else 200)
