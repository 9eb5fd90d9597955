"""Achievement pages: the public register, the owner's drafts, evidence, disclosure."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import audit, keyset
from ..accounts.models import Organization, Role
from ..auth import roles_required
from ..errors import Conflict, DomainError, ValidationFailed
from ..extensions import db
from ..forms import apply_errors, flash_errors
from ..verification import qr_data_uri, register_verifier
from . import services
from .forms import (
    AchievementForm,
    ActionForm,
    DisclosureRequestForm,
    EvidenceForm,
    FilterForm,
)
from .models import Achievement
from .states import AchievementStatus

bp = Blueprint("achievements", __name__, url_prefix="/achievements")


def _viewer():
    return current_user if current_user.is_authenticated else None


@bp.get("")
def index():
    """The public register: registered achievements, filterable, newest first."""
    form = FilterForm(request.args)
    stmt = (select(Achievement).where(Achievement.status == AchievementStatus.REGISTERED)
            .order_by(Achievement.registered_at.desc(), Achievement.id.desc()))
    if form.field.data:
        stmt = stmt.where(Achievement.field == form.field.data)
    if form.category.data:
        stmt = stmt.where(Achievement.category == form.category.data)
    if (form.maturity.data or "").isdigit():
        stmt = stmt.where(Achievement.maturity >= int(form.maturity.data))
    if form.county.data:
        stmt = stmt.join(Organization, Organization.id == Achievement.owner_org_id).where(
            Organization.county == form.county.data)
    page = keyset.paginate(stmt, [Achievement.registered_at], Achievement.id, 20)
    return render_template("achievements/index.html", page=page, form=form)


@bp.get("/mine")
@roles_required(Role.INSTITUTE)
def mine():
    """The records of the user's organisation, in every state."""
    records = db.session.scalars(select(Achievement).where(
        Achievement.owner_org_id == current_user.organization_id)
        .order_by(Achievement.updated_at.desc())).all()
    return render_template("achievements/mine.html", records=records)


def _data_from(form):
    data = services.AchievementData(
        **{name: getattr(form, name).data for name in services.SIMPLE_FIELDS
           if name != "keywords"})
    data.keywords = form.keyword_list()
    for name in ("attribute", "level", "source", "evaluation_method"):
        setattr(data, name, getattr(data, name) or None)
    data.completers = [services.CompleterData(e.form.name.data or "",
                                              e.form.organization.data or "")
                       for e in form.completers.entries
                       if (e.form.name.data or "").strip() or
                       (e.form.organization.data or "").strip()]
    data.ip = [services.IPData(e.form.type.data or "", e.form.number.data or "",
                               e.form.status.data or "")
               for e in form.ip.entries if _ip_row_used(e)]
    return data


def _ip_row_used(entry):
    """An IP row counts once anything is filled in (a type without a number is an error)."""
    return any((getattr(entry.form, name).data or "").strip()
               for name in ("type", "number", "status"))


def _errors_onto(form, exc, data):
    """Service paths count only the non-blank rows; map them back onto the form's rows."""
    rows = {"completers": [i for i, e in enumerate(form.completers.entries)
                           if (e.form.name.data or "").strip()
                           or (e.form.organization.data or "").strip()],
            "ip": [i for i, e in enumerate(form.ip.entries) if _ip_row_used(e)]}
    fields = {}
    for name, messages in exc.fields.items():
        head, _, rest = name.partition(".")
        if head in rows and rest:
            index, _, tail = rest.partition(".")
            name = f"{head}.{rows[head][int(index)]}.{tail}"
        fields[name] = messages
    return apply_errors(form, ValidationFailed(exc.message, fields))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.INSTITUTE)
def new():
    """Draft a new achievement."""
    form = AchievementForm()
    messages = None
    if request.method == "GET":
        form.completers[0].form.organization.data = (
            current_user.organization.name if current_user.organization else "")
    if form.validate_on_submit():
        data = _data_from(form)
        try:
            record = services.create(data, current_user)
        except ValidationFailed as exc:
            messages = _errors_onto(form, exc, data)
        else:
            flash(_("Draft saved. Attach the evidence, then submit it to the bureau."),
                  "success")
            return redirect(url_for("achievements.detail", achievement_id=record.id))
    # messages is a list (perhaps empty) once the service refused: its errors may all be on
    # the completer and IP rows, which form.errors does not see.
    return render_template("achievements/form.html", form=form, record=None,
                           messages=messages), 422 if form.errors or messages is not None else 200


@bp.route("/<int:achievement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(achievement_id):
    """Change a draft or a record the bureau returned."""
    record = services.get_visible(achievement_id, current_user)
    if not services.is_owner(current_user, record):
        abort(404)
    if record.status not in services.EDITABLE:
        flash(_("Only a draft or a returned record can be changed."), "warning")
        return redirect(url_for("achievements.detail", achievement_id=record.id))
    form = AchievementForm(obj=None)
    messages = None
    if request.method == "GET":
        _fill(form, record)
    elif form.validate_on_submit():
        data = _data_from(form)
        try:
            services.update(record.id, data, current_user)
        except ValidationFailed as exc:
            messages = _errors_onto(form, exc, data)
        except Conflict as exc:
            messages = [exc.message]
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("achievements.detail", achievement_id=record.id))
    return render_template("achievements/form.html", form=form, record=record,
                           messages=messages), 422 if form.errors or messages is not None else 200


def _fill(form, record):
    for name in services.SIMPLE_FIELDS:
        if name != "keywords":
            getattr(form, name).data = getattr(record, name)
    form.keywords.data = ", ".join(record.keywords or [])
    for i, person in enumerate(record.completers[:len(form.completers.entries)]):
        form.completers[i].form.name.data = person.name
        form.completers[i].form.organization.data = person.organization
    for i, item in enumerate(record.ip_items[:len(form.ip.entries)]):
        form.ip[i].form.type.data = item.type
        form.ip[i].form.number.data = item.number
        form.ip[i].form.status.data = item.status
    form.version.data = record.version


@bp.get("/<int:achievement_id>")
def detail(achievement_id):
    """One achievement: public facts for all; details, evidence and history for those allowed."""
    viewer = _viewer()
    record = services.get_visible(achievement_id, viewer)
    owner = services.is_owner(viewer, record)
    officer = viewer is not None and viewer.is_officer
    return render_template(
        "achievements/detail.html", record=record, owner=owner, officer=officer,
        details=services.read_details(record, viewer),
        evidence=services.evidence_of(record) if owner or officer else [],
        history=audit.history("achievement", record.id) if owner or officer else None,
        evidence_form=EvidenceForm(), action_form=ActionForm(version=record.version),
        actions=services.WORKFLOW.available(record, viewer) if viewer else [],
        missing=services.missing_for_submission(record).fields
        if owner and record.status in services.EDITABLE else {},
        can_request=services.may_request_details(viewer, record),
        listing=_listing_of(record, viewer))


def _listing_of(record, viewer):
    """The achievement's listing in progress, when the viewer may see it."""
    from ..listings import services as listings

    listing = listings.live_listing_of(record.id)
    return listing if listing is not None and listings.may_view(viewer, listing) else None


@bp.post("/<int:achievement_id>/files")
@login_required
def upload(achievement_id):
    """Attach one evidence file."""
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            services.attach_evidence(achievement_id, form.file.data, form.kind.data,
                                     current_user)
        except (ValidationFailed, Conflict) as exc:  # 403 and 404 as on every other page
            flash_errors(exc)
        else:
            flash(_("File attached."), "success")
    return redirect(url_for("achievements.detail", achievement_id=achievement_id))


@bp.post("/<int:achievement_id>/files/<int:file_id>/delete")
@login_required
def remove_file(achievement_id, file_id):
    services.detach_evidence(achievement_id, file_id, current_user)
    flash(_("File removed."), "success")
    return redirect(url_for("achievements.detail", achievement_id=achievement_id))


@bp.post("/<int:achievement_id>/<any(submit, withdraw):action>")
@login_required
def act(achievement_id, action):
    """Submit to the bureau, or withdraw back to draft."""
    form = ActionForm()
    do = services.submit if action == "submit" else services.withdraw
    try:
        do(achievement_id, current_user, expected_version=form.version.data)
    except ValidationFailed as exc:
        flash_errors(exc)
    except Conflict as exc:
        flash_errors(exc, "warning")
    else:
        flash(_("Submitted to the science bureau.") if action == "submit"
              else _("Withdrawn; the record is a draft again."), "success")
    return redirect(url_for("achievements.detail", achievement_id=achievement_id))


@bp.get("/<int:achievement_id>/certificate")
@login_required
def certificate(achievement_id):
    """The printable registration certificate (owner and officers)."""
    record = services.get_visible(achievement_id, current_user)
    if record.registration_number is None or not (
            services.is_owner(current_user, record) or current_user.is_officer):
        abort(404)
    verify_url = url_for("main.verify_certificate", number=record.registration_number,
                         code=record.verification_code, _external=True)
    return render_template("achievements/certificate.html", record=record,
                           verify_url=verify_url, qr=qr_data_uri(verify_url))


@bp.route("/<int:achievement_id>/disclosure", methods=["GET", "POST"])
@login_required
def request_disclosure(achievement_id):
    """Ask to read the confidential details, accepting the owner's terms."""
    record = services.get_visible(achievement_id, current_user)
    if not services.may_request_details(current_user, record):
        abort(404)
    form = DisclosureRequestForm()
    messages = None
    if form.validate_on_submit():
        try:
            services.request_details(record.id, current_user, form.message.data,
                                     form.accept_terms.data)
        except ValidationFailed as exc:
            messages = apply_errors(form, exc)
        except DomainError as exc:
            flash(str(exc.message), "warning")
            return redirect(url_for("achievements.detail", achievement_id=record.id))
        else:
            flash(_("Your request has been sent to the owner."), "success")
            return redirect(url_for("achievements.detail", achievement_id=record.id))
    return render_template("achievements/disclosure_request.html", record=record, form=form,
                           messages=messages), 422 if form.errors or messages else 200


@bp.get("/<int:achievement_id>/disclosures")
@login_required
def disclosures(achievement_id):
    """Who asked for the details, and every reading of them (owner and officers)."""
    record = services.get_visible(achievement_id, current_user)
    requests, views = services.disclosure_log(record, current_user)
    return render_template("achievements/disclosures.html", record=record, requests=requests,
                           views=views, form=ActionForm(),
                           owner=services.is_owner(current_user, record))


@bp.post("/disclosures/<int:request_id>/<any(grant, refuse):decision>")
@login_required
def decide_disclosure(request_id, decision):
    req = services.decide_request(request_id, decision == "grant", current_user)
    flash(_("Access granted.") if decision == "grant" else _("Request refused."), "success")
    return redirect(url_for("achievements.disclosures", achievement_id=req.achievement_id))


def _verify(number, code):
    record = services.by_registration_number(number, code)
    return "achievements/verify.html", {"record": record}


register_verifier(12, _verify)
