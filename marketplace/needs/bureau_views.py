"""The bureau's need pages: the review queue and the published needs, and one need's review
page with its decision (publish, or return for correction with reasons), its responses and
its history. Who may take which decision is the workflow's and the services' call."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField, SelectField, TextAreaField

from .. import audit, clock
from ..accounts.models import Role
from ..auth import roles_required
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import apply_errors
from . import services
from .models import Need, Response
from .states import (
    CLOSURES,
    COOPERATION_MODES,
    OPEN_RESPONSES,
    RESPONSE_STATUSES,
    STATUS_LABELS,
    WORKFLOW,
    NeedStatus,
)

bp = Blueprint("bureau_needs", __name__, url_prefix="/bureau/needs")

S = NeedStatus
REVIEW_ACTIONS = ("publish", "return")
PER_PAGE = 30
LABELS = {"status": STATUS_LABELS, "closure": CLOSURES, "mode": COOPERATION_MODES,
          "response": RESPONSE_STATUSES}


class ReviewForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[
        ("publish", _l("Publish")), ("return", _l("Return for correction"))])
    comment = TextAreaField(_l("Comment"), description=_l(
        "Required to return the need; the enterprise sees it."))
    version = HiddenField()


def _response_counts(need_ids):
    """{need id: (responses, open responses)}."""
    if not need_ids:
        return {}
    rows = db.session.execute(
        select(Response.need_id, func.count(),
               func.count().filter(Response.status.in_(OPEN_RESPONSES)))
        .where(Response.need_id.in_(need_ids)).group_by(Response.need_id)).all()
    return {need_id: (total, open_) for need_id, total, open_ in rows}


@bp.get("")
@roles_required(Role.BUREAU, Role.ADMIN)
def queue():
    """Needs awaiting review, the oldest submission first; `?tab=published` lists the
    published needs instead, the soonest response deadline first."""
    services.expire_due()  # the lazy tick: a need past its deadline is no longer published
    show_published = request.args.get("tab") == "published"
    pending = services.review_queue()
    published_total = db.session.scalar(select(func.count()).select_from(Need).where(
        Need.status == S.PUBLISHED))
    published = None
    if show_published:
        published = db.paginate(
            select(Need).where(Need.status == S.PUBLISHED).order_by(Need.deadline, Need.id),
            page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    shown = published.items if published is not None else []
    return render_template(
        "needs/bureau_queue.html", pending=pending, published=published,
        published_total=published_total, show_published=show_published,
        counts=_response_counts([r.id for r in shown]), now=clock.now(),
        today=clock.today(), L=LABELS)


def _page(record, status=200, form=None, messages=None):
    """The review page; a posted form comes back with what was typed and its messages."""
    return render_template(
        "needs/bureau_review.html", record=record,
        review_form=form or ReviewForm(formdata=None, version=record.version),
        actions=[a for a in WORKFLOW.available(record, current_user) if a in REVIEW_ACTIONS],
        messages=messages, responses=services.responses_visible(record, current_user),
        history=audit.history("need", record.id), today=clock.today(), L=LABELS), status


@bp.route("/<int:need_id>", methods=["GET", "POST"])
@roles_required(Role.BUREAU, Role.ADMIN)
def review(need_id):
    """Everything needed to decide, and the decisions the viewer may take now."""
    record = services.get_visible(need_id, current_user)
    if request.method == "GET":
        return _page(record)
    form = ReviewForm()
    messages = None
    if form.validate_on_submit():
        try:
            services.review(record.id, form.decision.data, current_user, form.comment.data,
                            expected_version=form.version.data)
        except ValidationFailed as exc:
            db.session.rollback()  # let go of the need's row before rendering
            messages = apply_errors(form, exc)
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc.message), "warning")
            return redirect(url_for(".review", need_id=record.id))
        else:
            flash(_("The need is published.") if form.decision.data == "publish"
                  else _("The need is returned to the enterprise for correction."), "success")
            return redirect(url_for(".queue"))
    return _page(services.get_visible(need_id, current_user), 422, form, messages)
