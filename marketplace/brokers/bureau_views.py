"""Bureau: the broker verification queue (pending profiles the longest waiting first, and tabs
of verified, suspended, rejected and cancelled ones) and one profile's review page with its
decision and history. Who may take which decision is the workflow's call."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import audit, clock
from ..accounts.models import Role
from ..auth import roles_required
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import apply_errors
from . import services
from .forms import DecisionForm
from .states import WORKFLOW, BrokerStatus
from .track_record import track_record
from .views import credit_url

bp = Blueprint("bureau_brokers", __name__, url_prefix="/bureau/brokers")

S = BrokerStatus
PER_PAGE = 30
TABS = (S.PENDING, S.VERIFIED, S.SUSPENDED, S.REJECTED, S.CANCELLED)
DECISION_LABELS = {
    "verify": _l("Verify"), "reject": _l("Reject"), "suspend": _l("Suspend"),
    "reinstate": _l("Reinstate"), "cancel": _l("Cancel the profile"),
}


@bp.get("")
@roles_required(Role.BUREAU, Role.ADMIN)
def queue():
    """Profiles awaiting verification, the longest waiting first; `?tab=` another state."""
    tab = request.args.get("tab", S.PENDING)
    tab = S(tab) if tab in set(TABS) else S.PENDING
    page = db.paginate(services.queue(tab), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False)
    return render_template("brokers/bureau_queue.html", page=page, tab=tab, tabs=TABS,
                           counts=services.queue_counts(), now=clock.now())


def _decisions(profile):
    return [a for a in WORKFLOW.available(profile, current_user) if a in DECISION_LABELS]


def _page(profile, form=None, status=200, messages=None):
    decisions = _decisions(profile)
    if form is None:
        form = DecisionForm(formdata=None, version=profile.version)
    form.decision.choices = [(a, DECISION_LABELS[a]) for a in decisions]
    return render_template(
        "brokers/bureau_review.html", profile=profile, form=form, decisions=decisions,
        messages=messages, record=track_record(profile), credit_url=credit_url(profile),
        history=audit.history("broker", profile.id), now=clock.now()), status


@bp.route("/<int:profile_id>", methods=["GET", "POST"])
@roles_required(Role.BUREAU, Role.ADMIN)
def review(profile_id):
    """Everything needed to decide on a profile, and the decisions the viewer may take."""
    profile = services.get_visible(profile_id, current_user)
    if request.method == "GET":
        return _page(profile)
    form = DecisionForm()
    messages = None
    if form.validate_on_submit():
        try:
            services.decide(profile.id, form.decision.data, current_user, form.comment.data,
                            expected_version=form.version.data)
        except ValidationFailed as exc:
            db.session.rollback()  # let go of the profile's row before rendering
            messages = apply_errors(form, exc)
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc.message), "warning")
            return redirect(url_for(".review", profile_id=profile.id))
        else:
            flash(_("Decision recorded for %(name)s.", name=profile.real_name), "success")
            return redirect(url_for(".queue"))
    return _page(services.get_visible(profile_id, current_user), form, 422, messages)
