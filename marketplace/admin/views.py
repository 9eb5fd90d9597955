"""Admin pages: users (deactivate, change role), settings, working-day calendar."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import settings, workdays
from ..accounts import services as accounts
from ..accounts.models import ROLE_LABELS, Role, User
from ..auth import roles_required
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..forms import apply_errors
from .forms import CalendarDayForm, EmptyForm, RoleForm, settings_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    """All users, filterable by name and role."""
    query = select(User).options(selectinload(User.organization)).order_by(User.id)
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    if q:
        query = query.where(func.lower(User.username).contains(q.lower()))
    if role in set(Role):
        query = query.where(User.role == role)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=30,
                       error_out=False)
    return render_template("admin/users.html", page=page, q=q, role=role,
                           role_form=RoleForm(), button_form=EmptyForm())


@bp.post("/users/<int:user_id>/role")
@roles_required(Role.ADMIN)
def change_role(user_id):
    form = RoleForm()
    if form.validate_on_submit():
        try:
            user = accounts.set_role(user_id, form.role.data, current_user)
        except ValidationFailed as exc:
            flash(str(next(iter(exc.fields.values()))[0] if exc.fields else exc.message),
                  "danger")
        else:
            flash(_("%(name)s now has the role %(role)s.", name=user.username,
                    role=ROLE_LABELS[Role(form.role.data)]), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@roles_required(Role.ADMIN)
def toggle_active(user_id):
    form = EmptyForm()
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            user = accounts.set_active(user_id, active, current_user)
        except DomainError as exc:
            flash(str(exc.message), "danger")
        else:
            flash(_("%(name)s has been activated.", name=user.username) if active else
                  _("%(name)s has been deactivated.", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_settings():
    """The market's settings: number layouts, deadlines, thresholds, plan targets."""
    current = settings.all_values()
    form = settings_form(settings.DEFINITIONS, current,
                         request.form if request.method == "POST" else None)
    messages = None
    if request.method == "POST" and form.validate():
        try:
            settings.update({d.key: form[d.key].data for d in settings.DEFINITIONS},
                            current_user)
        except ValidationFailed as exc:
            messages = apply_errors(form, exc)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("admin.edit_settings"))
    return render_template("admin/settings.html", form=form, definitions=settings.DEFINITIONS,
                           messages=messages), 422 if form.errors or messages else 200


@bp.route("/calendar", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def calendar():
    """Local exceptions to the national working-day calendar."""
    form = CalendarDayForm()
    if form.validate_on_submit():
        workdays.set_override(form.day.data, form.kind.data == "workday", form.note.data,
                              current_user)
        flash(_("The calendar has been updated."), "success")
        return redirect(url_for("admin.calendar"))
    return render_template("admin/calendar.html", form=form, overrides=workdays.overrides(),
                           button_form=EmptyForm()), 422 if form.errors else 200


@bp.post("/calendar/<day>/delete")
@roles_required(Role.ADMIN)
def calendar_delete(day):
    from datetime import date

    form = EmptyForm()
    if form.validate_on_submit():
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            return redirect(url_for("admin.calendar"))
        workdays.remove_override(parsed, current_user)
        flash(_("The calendar has been updated."), "success")
    return redirect(url_for("admin.calendar"))
