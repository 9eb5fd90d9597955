"""Contract pages for the parties: list, draft, edit, signed copy, submit, certificate."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from .. import audit, clock
from ..accounts.models import Role
from ..achievements.models import Achievement
from ..achievements.states import AchievementStatus
from ..auth import roles_required
from ..brokers import engagements
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import apply_errors, flash_errors
from ..verification import qr_data_uri, register_verifier
from . import services
from .forms import ActionForm, CancelForm, ContractForm, SignedCopyForm
from .models import Contract

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
PARTY_ROLES = (Role.INSTITUTE, Role.ENTERPRISE)
# Ids chosen in selects (converted here), and the deal (never from the form).
OWN_FIELDS = ("achievement_id", "broker_id", "deal_id")


@bp.get("")
@roles_required(*PARTY_ROLES)
def index():
    """The contracts the user's organisation filed or is the other party of."""
    org = current_user.organization
    stmt = select(Contract).where(or_(
        Contract.filer_org_id == org.id,
        Contract.buyer_credit_code == org.credit_code,
        Contract.seller_credit_code == org.credit_code)).order_by(Contract.updated_at.desc())
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=30,
                       error_out=False)
    return render_template("contracts/index.html", page=page, org=org,
                           is_overdue=services.is_overdue)


def _achievement_choices(form, record=None):
    rows = db.session.scalars(select(Achievement).where(
        Achievement.owner_org_id == current_user.organization_id,
        Achievement.status == AchievementStatus.REGISTERED).order_by(Achievement.title)).all()
    form.achievement_id.choices = [("", _("None"))] + [
        (str(a.id), f"{a.registration_number} {a.title}") for a in rows]
    # The verified brokers, and the one the contract names even if it is no longer one.
    brokers = [(str(user_id), label) for user_id, label in engagements.broker_choices()]
    if record is not None and record.broker_id and str(record.broker_id) not in dict(brokers):
        brokers.append((str(record.broker_id), record.broker_name or ""))
    form.broker_id.choices = [("", _("None"))] + brokers


def _rows(entries, *names):
    return [i for i, e in enumerate(entries)
            if any((getattr(e.form, n).data or "").strip() for n in names)]


def _data_from(form):
    data = services.ContractData(**{
        name: getattr(form, name).data for name in services.SIMPLE_FIELDS
        if name not in OWN_FIELDS})
    data.field = data.field or None
    for name in OWN_FIELDS[:2]:
        value = getattr(form, name).data or ""
        setattr(data, name, int(value) if value.isdigit() else None)
    for side in ("seller", "buyer"):
        setattr(data, side, services.PartyData(
            *(getattr(form, f"{side}_{n}").data or "" for n in
              ("name", "credit_code", "entity_type", "region"))))
    for name in services.AMOUNT_FIELDS:
        setattr(data, name, getattr(form, name).data or None)
    data.items = [services.ItemData(form.items[i].form.name.data or "",
                                    form.items[i].form.amount.data or None)
                  for i in _rows(form.items.entries, "name", "amount")]
    return data


def _errors_onto(form, exc):
    rows = _rows(form.items.entries, "name", "amount")
    fields = {}
    for name, messages in exc.fields.items():
        if name.startswith("items."):
            _, index, tail = name.split(".")
            name = f"items.{rows[int(index)]}.{tail}"
        fields[name] = messages
    return apply_errors(form, ValidationFailed(exc.message, fields),
                        {"seller.": "seller_", "buyer.": "buyer_"})


def _fill(form, record):
    data = services.data_of(record)
    for name in services.SIMPLE_FIELDS + services.AMOUNT_FIELDS:
        if name not in OWN_FIELDS:
            getattr(form, name).data = getattr(data, name)
    form.achievement_id.data = str(record.achievement_id or "")
    form.broker_id.data = str(record.broker_id or "")
    for side in ("seller", "buyer"):
        party = getattr(data, side)
        for n in ("name", "credit_code", "entity_type", "region"):
            getattr(form, f"{side}_{n}").data = getattr(party, n)
    for i, item in enumerate(record.items[:len(form.items.entries)]):
        form.items[i].form.name.data = item.name
        form.items[i].form.amount.data = f"{item.amount:.2f}"
    for name in services.AMOUNT_FIELDS:
        value = getattr(record, name)
        getattr(form, name).data = f"{value:.2f}" if value is not None else ""
    form.version.data = record.version


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*PARTY_ROLES)
def new():
    """Draft a contract; the filing organisation's details are filled in as the seller."""
    form = ContractForm()
    _achievement_choices(form)
    messages = None
    if request.method == "GET":
        org = current_user.organization
        form.seller_name.data, form.seller_credit_code.data = org.name, org.credit_code
        form.seller_entity_type.data, form.seller_region.data = org.entity_type, org.county
    elif form.validate_on_submit():
        try:
            record = services.create(_data_from(form), current_user)
        except ValidationFailed as exc:
            messages = _errors_onto(form, exc)
        else:
            flash(_("Draft saved. Attach the signed contract, then submit it."), "success")
            return redirect(url_for("contracts.detail", contract_id=record.id))
    return render_template("contracts/form.html", form=form, record=None,
                           messages=messages), 422 if form.errors or messages else 200


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contract_id):
    """Complete or correct a draft or a returned contract (the filing side)."""
    record = services.get_visible(contract_id, current_user)
    if not services.is_filer(current_user, record):
        abort(403)
    if record.status not in services.EDITABLE:
        flash(_("Only a draft or a returned contract can be changed."), "warning")
        return redirect(url_for("contracts.detail", contract_id=record.id))
    form = ContractForm()
    _achievement_choices(form, record)
    messages = None
    if request.method == "GET":
        _fill(form, record)
    elif form.validate_on_submit():
        data = _data_from(form)
        data.deal_id = record.deal_id  # the deal that pre-filled it stays its origin
        try:
            services.update(record.id, data, current_user)
        except ValidationFailed as exc:
            messages = _errors_onto(form, exc)
        except Conflict as exc:
            messages = [exc.message]
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("contracts.detail", contract_id=record.id))
    return render_template("contracts/form.html", form=form, record=record,
                           messages=messages), 422 if form.errors or messages else 200


@bp.get("/<int:contract_id>")
@login_required
def detail(contract_id):
    """The contract for its parties and the bureau: fields, amounts, file, state, history."""
    record = services.get_visible(contract_id, current_user)
    filer = services.is_filer(current_user, record)
    return render_template(
        "contracts/detail.html", record=record, filer=filer,
        signed=services.signed_copy(record), upload_form=SignedCopyForm(),
        action_form=ActionForm(version=record.version),
        cancel_form=CancelForm(version=record.version),
        actions=services.WORKFLOW.available(record, current_user),
        overdue=services.is_overdue(record), today=clock.today(),
        history=audit.history("contract", record.id))


@bp.post("/<int:contract_id>/file")
@login_required
def upload(contract_id):
    """Attach the signed contract (PDF)."""
    form = SignedCopyForm()
    if form.validate_on_submit():
        try:
            services.attach_signed_copy(contract_id, form.file.data, current_user)
        except (ValidationFailed, Conflict) as exc:  # 403 and 404 as on every other page
            flash_errors(exc)
        else:
            flash(_("Signed contract attached."), "success")
    return redirect(url_for("contracts.detail", contract_id=contract_id))


@bp.post("/<int:contract_id>/submit")
@login_required
def submit(contract_id):
    """Apply for certification."""
    form = ActionForm()
    try:
        record = services.submit(contract_id, current_user, expected_version=form.version.data)
    except (ValidationFailed, Conflict) as exc:
        flash_errors(exc)
    else:
        flash(_("Submitted. The science bureau decides by %(due)s.",
                due=record.due_on.isoformat()), "success")
    return redirect(url_for("contracts.detail", contract_id=contract_id))


@bp.post("/<int:contract_id>/cancel")
@login_required
def cancel(contract_id):
    """Record that the parties ended a certified contract."""
    form = CancelForm()
    try:
        services.cancel(contract_id, current_user, form.comment.data,
                        expected_version=form.version.data)
    except (ValidationFailed, Conflict) as exc:
        flash_errors(exc)
    else:
        flash(_("The contract has been cancelled."), "success")
    return redirect(url_for("contracts.detail", contract_id=contract_id))


@bp.get("/<int:contract_id>/certificate")
@login_required
def certificate(contract_id):
    """The printable certificate with both amounts, tax hints, code and QR code."""
    record = services.get_visible(contract_id, current_user)
    if record.registration_number is None:
        abort(404)
    verify_url = url_for("main.verify_certificate", number=record.registration_number,
                         code=record.verification_code, _external=True)
    return render_template("contracts/certificate.html", record=record,
                           hints=services.tax_hints(record), verify_url=verify_url,
                           qr=qr_data_uri(verify_url))


def _verify(number, code):
    return "contracts/verify.html", {"record": services.by_registration_number(number, code)}


register_verifier(16, _verify)
