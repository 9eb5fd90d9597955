"""Public broker directory and profiles; the broker's own profile page. Thin doors onto
services.py (rules) and track_record.py (the computed record)."""
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from .. import audit
from ..accounts.models import Role
from ..auth import roles_required
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..files.services import path_of
from ..forms import apply_errors, flash_errors
from . import directory, services
from .forms import CancelForm, FilterForm, ProfileForm
from .states import LEVELS, SERVICES, STATUS_LABELS, WORKFLOW
from .track_record import track_record

bp = Blueprint("brokers", __name__, url_prefix="/brokers")
PER_PAGE = 20
BROKER_LABELS = {"level": LEVELS, "service": SERVICES, "status": STATUS_LABELS}


@bp.app_context_processor
def broker_labels():
    # For every template, so that other pages may name a broker's level or services.
    return {"BROKER_LABELS": BROKER_LABELS}


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def credit_url(profile):
    """The broker's credit history page (by the broker's user id), when the credit pages
    provide one."""
    for argument in ("user_id", "broker_id"):
        try:
            return url_for("credit.broker", **{argument: profile.user_id})
        except BuildError:
            continue
    return None


@bp.get("")
def index():
    """The verified brokers, filtered by level, field, region and service, searched by name,
    title, employer and introduction, in the order asked."""
    form = FilterForm(request.args)
    stmt = directory.directory(level=form.level.data, field=form.field.data,
                              region=form.region.data, service=form.service.data,
                              q=form.q.data, sort=form.sort.data)
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    return render_template("brokers/index.html", form=form, page=page,
                           summaries=directory.summaries([p.user_id for p in page.items]))


@bp.get("/<int:profile_id>")
def detail(profile_id):
    """A broker's public profile with its track record; an unverified profile only to the
    broker and officers."""
    viewer = _viewer()
    profile = services.get_visible(profile_id, viewer)
    own = services.is_own(viewer, profile)
    officer = viewer is not None and viewer.is_officer
    return render_template("brokers/detail.html", profile=profile, record=track_record(profile),
                           own=own, officer=officer, credit_url=credit_url(profile))


@bp.get("/<int:profile_id>/photo")
def photo(profile_id):
    """The photo: public for a verified broker, otherwise for the broker and officers."""
    profile = services.get_visible(profile_id, _viewer())
    if profile.photo is None:
        abort(404)
    response = send_file(path_of(profile.photo), mimetype=profile.photo.content_type,
                         max_age=0)
    response.headers["Cache-Control"] = "no-cache" if profile.is_verified else "private, no-store"
    return response


def _me_page(profile, form=None, status=200, messages=None):
    return render_template(
        "brokers/me.html", profile=profile, form=form or _filled(profile),
        cancel_form=CancelForm(formdata=None, prefix="cancel",
                               version=profile.version if profile else None),
        may_cancel=profile is not None and "cancel" in WORKFLOW.available(profile, current_user),
        messages=messages,
        history=audit.history("broker", profile.id) if profile else None), status


def _filled(profile):
    form = ProfileForm(formdata=None)
    if profile is not None:
        form.fill_from(profile)
    return form


@bp.route("/me", methods=["GET", "POST"])
@roles_required(Role.BROKER)
def me():
    """The broker's own profile: its state, the bureau's comment, the form and the history."""
    profile = services.profile_of(current_user)
    if request.method == "GET":
        return _me_page(profile)
    form = ProfileForm()
    messages = None
    if form.validate_on_submit():
        try:
            saved, created = services.save_profile(
                current_user._get_current_object(), form.profile_data(),
                photo=form.photo.data, expected_version=form.version.data)
        except ValidationFailed as exc:
            db.session.rollback()
            messages = apply_errors(form, exc)
            if form.bad_date:
                form.certificate_date.errors = [_("Enter a date such as 2024-06-10.")]
        except Conflict as exc:
            db.session.rollback()
            flash(str(exc.message), "warning")
            return redirect(url_for(".me"))
        else:
            flash(_saved_message(saved, created), "success")
            return redirect(url_for(".me"))
    return _me_page(services.profile_of(current_user), form, 422, messages)


def _saved_message(profile, created):
    if created:
        return _("Your profile is filed. The science bureau verifies it; it is listed in the "
                 "directory once verified.")
    if profile.status == "pending":
        return _("Changes saved. The science bureau verifies the profile; it is listed in the "
                 "directory once verified.")
    return _("Changes saved.")


@bp.post("/me/cancel")
@roles_required(Role.BROKER)
def cancel():
    """The broker gives up its profile (it leaves the directory for good)."""
    profile = services.profile_of(current_user)
    if profile is None:
        abort(404)
    form = CancelForm(prefix="cancel")
    try:
        services.decide(profile.id, "cancel", current_user._get_current_object(),
                        form.comment.data, expected_version=form.version.data)
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        flash_errors(exc, "warning")
    else:
        flash(_("Your broker profile is cancelled."), "success")
    return redirect(url_for(".me"))
