"""Engagement pages: a broker's invitations and engagements (a party's: those its organisation
made), inviting a broker onto a listing, need or deal, the answers, and the panel that the
listing, need and deal pages include. Thin doors onto engagements.py."""
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import Role
from ..accounts.views import safe_next
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import apply_errors, flash_errors
from ..templating import money
from . import engagements
from .engagement_forms import AnswerForm, InviteForm
from .models import Engagement
from .states import ENGAGEMENT_SIDES, ENGAGEMENT_STATUSES

bp = Blueprint("engagements", __name__, url_prefix="/engagements")
PER_PAGE = 20
QUIET = {"formdata": None, "meta": {"csrf": False}}  # a form shown, not the one posted
POSTED = {"meta": {"csrf": False}}  # CSRFProtect checks every POST before the view runs
PAGE_ROLES = (Role.BROKER, Role.INSTITUTE, Role.ENTERPRISE, Role.BUREAU, Role.ADMIN)
PAST = ("declined", "withdrawn", "ended")


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.app_template_global()
def broker_name(user):
    """A broker's real name (its profile's), for every template."""
    return engagements.display_name(user)


@bp.app_context_processor
def engagement_labels():
    return {"ENGAGEMENT_LABELS": {"status": ENGAGEMENT_STATUSES, "side": ENGAGEMENT_SIDES,
                                  "subject": engagements.SUBJECT_LABELS}}


# --- the panel of a record's page -------------------------------------------------------------

@dataclass
class Actions:
    """What the viewer may do with the engagements shown: the broker answers its invitations
    (`answer`), the principal withdraws or ends (`stop`: id → action); `details` are the ids
    whose commission and messages the viewer may read."""

    answer: dict = field(default_factory=dict)
    stop: dict = field(default_factory=dict)
    details: set = field(default_factory=set)


def _actions(rows, viewer):
    actions = Actions()
    officer = getattr(viewer, "is_officer", False)
    for e in rows:
        broker, principal = e.broker_id == getattr(viewer, "id", None), \
            engagements.is_principal(viewer, e)
        if broker or principal or officer:
            actions.details.add(e.id)
        if broker and e.status == "invited":
            actions.answer[e.id] = AnswerForm(prefix=f"engagement-{e.id}", version=e.version,
                                              **QUIET)
        elif principal and e.status in ("invited", "accepted"):
            action = "withdraw" if e.status == "invited" else "end"
            actions.stop[e.id] = (action, AnswerForm(prefix=f"engagement-{e.id}",
                                                     version=e.version, **QUIET))
    return actions


@dataclass
class Panel:
    rows: list
    actions: Actions
    invite: InviteForm | None = None
    side: str | None = None


def _invite_form(subject, record, side, form=None, back=None):
    """The invitation form (the one posted, or a new one that comes back to `back`)."""
    form = form or InviteForm(prefix="invite", side=side, next=back or request.path, **QUIET)
    form.broker_id.choices = [("", _("Choose…"))] + [
        (str(user_id), label)
        for user_id, label in engagements.choices_for(subject, record, side)]
    return form


@bp.app_template_global()
def engagement_panel(subject, record):
    """For templates/brokers/_engagements.html: the engagements on a record that the viewer
    may see, its answers and withdrawals, and the invitation form of a party."""
    viewer = _viewer()
    rows = engagements.on_record(subject, record, viewer)
    side = engagements.invitable_side(subject, record, viewer) if viewer else None
    return Panel(rows, _actions(rows, viewer),
                 _invite_form(subject, record, side) if side else None, side)


# --- the engagements page ------------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    """A broker's invitations to answer, current and past engagements; a party's, those its
    organisation made; the bureau's, all of them."""
    viewer = _viewer()
    if viewer.role not in PAGE_ROLES:
        abort(403)
    stmt = engagements.mine(viewer)
    invited = db.session.scalars(stmt.where(Engagement.status == "invited")).all()
    current = db.session.scalars(stmt.where(Engagement.status == "accepted")).all()
    past = db.paginate(stmt.where(Engagement.status.in_(PAST)),
                       page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template(
        "brokers/engagements.html", invited=engagements.describe(invited),
        current=engagements.describe(current), past=past,
        past_rows=engagements.describe(past.items),
        actions=_actions(invited + current, viewer), broker=viewer.role == Role.BROKER)


# --- inviting ----------------------------------------------------------------------------------

@bp.route("/new/<subject>/<int:subject_id>", methods=["GET", "POST"])
@login_required
def new(subject, subject_id):
    """A party invites a broker onto its side of a listing, need or deal (the panel of the
    record's page posts here too; this page shows the form again with its errors)."""
    viewer = _viewer()
    record = engagements.get_subject(subject, subject_id, viewer)
    back = engagements.link_of(subject, subject_id)
    try:
        side = engagements.check_invitable(subject, record, viewer)
    except Conflict as exc:
        flash(str(exc.message), "warning")
        return redirect(back)
    form = _invite_form(subject, record, side, InviteForm(prefix="invite", **POSTED)
                        if request.method == "POST" else None, back)
    messages, status = None, 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            e = engagements.invite(subject, subject_id, viewer, form.broker_id.data, side,
                                   form.commission.data, form.message.data)
        except ValidationFailed as exc:
            db.session.rollback()
            messages, status = apply_errors(form, exc), 422
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc.message), "warning")
            return redirect(back)
        else:
            flash(_("%(broker)s is invited; you are told when the broker answers.",
                    broker=engagements.display_name(e.broker)), "success")
            return redirect(safe_next(form.next.data) or back)
    elif request.method == "POST":
        status = 400
    return render_template("brokers/engagement_new.html", form=form, messages=messages,
                           subject=subject, record=record, side=side, back=back,
                           title=engagements.title_of(subject, record)), status


# --- answers, withdrawals, ends ------------------------------------------------------------------

def _act(engagement_id, call, success):
    """Run the service for a button: flash the outcome (or why not) and go back."""
    form = AnswerForm(prefix=f"engagement-{engagement_id}", **POSTED)
    try:
        e = call(engagement_id, _viewer(), form.comment.data,
                 expected_version=form.version.data)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash_errors(exc, "warning")
    else:
        flash(success(e), "success")
    return redirect(safe_next(form.next.data) or url_for("engagements.index"))


def _commission(e):
    return money(e.commission) if e.commission is not None else _("none agreed")


@bp.post("/<int:engagement_id>/accept")
@login_required
def accept(engagement_id):
    """The broker accepts the invitation (the commission is as the party proposed it)."""
    return _act(engagement_id, engagements.accept,
                lambda e: _("You accepted the engagement (commission: %(amount)s). You now "
                            "see what your principal sees.", amount=_commission(e)))


@bp.post("/<int:engagement_id>/decline")
@login_required
def decline(engagement_id):
    """The broker declines, with a comment if it wishes."""
    return _act(engagement_id, engagements.decline,
                lambda e: _("You declined the invitation; the party is told."))


@bp.post("/<int:engagement_id>/withdraw")
@login_required
def withdraw(engagement_id):
    """The party withdraws an invitation the broker has not answered."""
    return _act(engagement_id, engagements.withdraw,
                lambda e: _("The invitation is withdrawn; the broker is told."))


@bp.post("/<int:engagement_id>/end")
@login_required
def end(engagement_id):
    """The party ends an accepted engagement."""
    return _act(engagement_id, engagements.end,
                lambda e: _("The engagement has ended; the broker is told."))
