"""Login, logout, registration, password change and organisation pages."""
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import audit
from ..errors import DomainError, ValidationFailed
from ..forms import apply_errors
from . import services
from .forms import LoginForm, OrganizationForm, PasswordForm, RegistrationForm
from .models import Role

bp = Blueprint("accounts", __name__)

ORG_FIELDS = ("name", "kind", "entity_type", "credit_code", "county", "address",
              "contact_name", "contact_phone")


def safe_next(target):
    """Only a path on this site; never another host (open-redirect guard)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def client_ip():
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with user name and password; throttled per account and per address."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    message, throttled = None, False
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, client_ip())
        except ValidationFailed as exc:
            message = apply_errors(form, exc)
        except services.TooManyAttempts as exc:
            message = [exc.message]
            throttled = True
        else:
            session.clear()  # nothing planted before the login survives it (fixation)
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.username), "success")
            return redirect(safe_next(form.next.data) or url_for("main.home"))
    # A refusal puts its message beside a field (message == []) or above the form.
    status = 429 if throttled else 422 if form.errors or message else 200
    return render_template("accounts/login.html", form=form, messages=message,
                           status=status), status


@bp.post("/logout")
@login_required
def logout():
    """Log out (POST only, so another site cannot log a user out with a link)."""
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))


def organization_data(form):
    return services.OrganizationData(
        **{name: (getattr(form, "org_" + name).data or "") for name in ORG_FIELDS})


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Self-registration of enterprises, institutes and brokers with their organisation."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    messages = None
    if form.validate_on_submit():
        with_org = form.role.data != Role.BROKER or form.with_employer.data
        data = services.Registration(
            username=form.username.data.strip(), email=form.email.data.strip(),
            password=form.password.data, role=form.role.data,
            locale=request.cookies.get("lang"),
            organization=organization_data(form) if with_org else None)
        try:
            user = services.register(data)
        except ValidationFailed as exc:
            messages = apply_errors(form, exc, {"organization.": "org_"})
        else:
            session.clear()
            login_user(user)
            flash(_("Your account is ready. The science bureau will verify your "
                    "organisation; you will find its decision in your inbox.")
                  if user.organization_id else _("Your account is ready."), "success")
            return redirect(url_for("main.home"))
    status = 422 if form.errors or messages else 200
    return render_template("accounts/register.html", form=form, messages=messages), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data,
                                     form.new_password.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            # The account's id in sessions carries a fingerprint of the password (User.get_id):
            # every other session and remember-me cookie has just ended; this one goes on.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(current_user._get_current_object(),
                       remember=remembered in request.cookies)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200


@bp.get("/account")
@login_required
def profile():
    """The user's own account page."""
    return render_template("accounts/profile.html", user=current_user)


@bp.get("/organizations/<int:org_id>")
def organization(org_id):
    """An organisation's page: public once verified; its history for members and officers."""
    org = services.get_organization(org_id)
    viewer = current_user if current_user.is_authenticated else None
    if not services.may_view_organization(viewer, org):
        abort(404)
    show_history = viewer is not None and (viewer.is_officer or viewer.organization_id == org.id)
    return render_template(
        "accounts/organization.html", org=org,
        history=audit.history("organization", org.id) if show_history else None,
        can_edit=viewer is not None and viewer.organization_id == org.id
        and not org.is_verified)


@bp.route("/organizations/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organization(org_id):
    """Members correct their organisation's details before verification (or after rejection)."""
    org = services.get_organization(org_id)
    if current_user.organization_id != org.id:
        abort(404)
    form = OrganizationForm(obj=None)
    if request.method == "GET":
        for name in ORG_FIELDS:
            getattr(form, "org_" + name).data = getattr(org, name)
    messages = None
    if form.validate_on_submit():
        try:
            services.update_organization(org.id, organization_data(form), current_user)
        except DomainError as exc:
            messages = apply_errors(form, exc, {name: "org_" + name for name in ORG_FIELDS})
        else:
            flash(_("The organisation's details have been saved."), "success")
            return redirect(url_for("accounts.organization", org_id=org.id))
    return render_template("accounts/organization_edit.html", form=form, org=org,
                           messages=messages), 422 if form.errors or messages else 200
