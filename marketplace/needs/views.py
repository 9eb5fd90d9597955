"""Need pages for the public, enterprises and responders (institutes, brokers): the list, one
need with the panels of whoever looks at it and the offers that fit it, the need form, "my
needs" / "my responses", and a POST endpoint for each action, all thin doors onto
services.py and matching.py."""
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import String, case, cast, func, or_, select

from .. import audit, clock, keyset
from ..accounts.models import Role
from ..achievements.models import Achievement
from ..achievements.states import AchievementStatus
from ..auth import roles_required
from ..brokers.engagements import engaged_clause, is_engaged
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import apply_errors, flash_errors
from ..listings.models import Deal, Listing
from ..listings.states import DECLINE_REASONS, OPEN
from ..templating import money
from . import matching, services
from .forms import (
    AcceptForm,
    ActionForm,
    CommentForm,
    DeclineForm,
    FilterForm,
    NeedForm,
    RefuseForm,
    ResponseForm,
    as_id,
)
from .models import Need, Response
from .states import (
    CLOSURES,
    COOPERATION_MODES,
    EDITABLE,
    OPEN_RESPONSES,
    RESPONSE_STATUSES,
    STATUS_LABELS,
    WORKFLOW,
    NeedStatus,
    is_owner,
)

S = NeedStatus
bp = Blueprint("needs", __name__, url_prefix="/needs")
PER_PAGE = 20
QUIET = {"formdata": None, "meta": {"csrf": False}}  # a form shown, not the one posted
POSTED = {"meta": {"csrf": False}}  # CSRFProtect checks every POST before the view runs


NEED_LABELS = {"status": STATUS_LABELS, "closure": CLOSURES, "mode": COOPERATION_MODES,
               "response": RESPONSE_STATUSES, "decline": DECLINE_REASONS}


def days_left(record):
    """Whole days until the need's response deadline (0 on its last day)."""
    return (record.deadline - clock.today()).days


@bp.app_context_processor
def need_labels():
    # For every template, so that other pages may use templates/needs/_macros.html.
    return {"NEED_LABELS": NEED_LABELS, "need_days_left": days_left}


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _user():
    return current_user._get_current_object()


def _response_counts(need_ids):
    """{need id: responses not withdrawn}."""
    if not need_ids:
        return {}
    return dict(db.session.execute(
        select(Response.need_id, func.count()).where(Response.need_id.in_(need_ids),
                                                     Response.status != "withdrawn")
        .group_by(Response.need_id)).all())


# --- the public list ---------------------------------------------------------------------------

@bp.get("")
def index():
    """Every need the public may see (published once), the open ones first."""
    services.expire_due()
    form = FilterForm(request.args)
    open_first = case((Need.status == S.PUBLISHED, 1), else_=0)  # descending, as keyset sorts
    stmt = (select(Need).where(Need.published_at.is_not(None))
            .order_by(open_first.desc(), Need.updated_at.desc(), Need.id.desc()))
    if form.state.data != "all":
        stmt = stmt.where(Need.status == S.PUBLISHED)
    if form.field.data:
        stmt = stmt.where(Need.field == form.field.data)
    if form.mode.data:
        # The modes are a JSON list of codes: '["consulting", "service"]' in either database.
        code = form.mode.data if form.mode.data in COOPERATION_MODES else "-"
        stmt = stmt.where(cast(Need.cooperation_modes, String).like(f'%"{code}"%'))
    page = keyset.paginate(stmt, [open_first, Need.updated_at], Need.id, PER_PAGE)
    return render_template("needs/index.html", page=page, form=form,
                           counts=_response_counts([r.id for r in page.items]))


# --- one need ----------------------------------------------------------------------------------

def _offer_choices(form, viewer):
    """What a responder may offer: an institute its own open listings and registered
    achievements; a broker the open listings it brokers and any registered achievement."""
    listings = select(Listing).where(Listing.status.in_(OPEN)).order_by(Listing.id.desc())
    achievements = select(Achievement).where(
        Achievement.status == AchievementStatus.REGISTERED).order_by(Achievement.title)
    broker = viewer.role == Role.BROKER
    if broker:  # the listings it is engaged on by their seller
        listings = listings.where(engaged_clause("listing", Listing.id, viewer.id, "seller"))
    else:
        listings = listings.where(Listing.seller_org_id == viewer.organization_id)
        achievements = achievements.where(Achievement.owner_org_id == viewer.organization_id)

    def label(record, owner):
        return f"{record.title} — {owner.name}" if broker and owner else record.title

    form.listing_id.choices = [("", _("None"))] + [
        (str(r.id), label(r, r.seller)) for r in db.session.scalars(listings)]
    form.achievement_id.choices = [("", _("None"))] + [
        (str(a.id), label(a, a.owner)) for a in db.session.scalars(achievements)]


def _seller_side(viewer, response):
    """The member of the organisation that would sell, who confirms accepted terms."""
    return (viewer is not None and viewer.role == Role.INSTITUTE
            and viewer.organization_id is not None
            and viewer.organization_id == response.seller_org_id)


def _render_detail(need_id, status=200, messages=None, posted=None):
    """The detail page; `posted` holds forms to show again with their errors, by key (the
    form's prefix, or "response" for the response form)."""
    viewer = _viewer()
    record = services.get_visible(need_id, viewer)
    posted = posted or {}
    owner = is_owner(viewer, record)
    officer = viewer is not None and viewer.is_officer
    # The enterprise's broker sees what the enterprise sees, without its actions.
    need_broker = is_engaged(viewer, "need", record.id)
    responder = (viewer is not None and viewer.role in (Role.INSTITUTE, Role.BROKER)
                 and not need_broker)
    published = record.status == S.PUBLISHED
    responses = services.responses_visible(record, viewer) if viewer else []
    deals = {d.response_id: d for d in db.session.scalars(select(Deal).where(
        Deal.response_id.in_([r.id for r in responses if r.status == "dealt"])))}

    forms = dict(posted)
    accepted = any(r.status == "accepted" for r in responses)
    for r in responses:
        decidable = owner and published and r.status in ("submitted", "shortlisted")
        if decidable:
            forms.setdefault(f"decline-{r.id}", DeclineForm(prefix=f"decline-{r.id}", **QUIET))
            if not accepted:
                first = (record.cooperation_modes or [""])[0]
                forms.setdefault(f"accept-{r.id}", AcceptForm(prefix=f"accept-{r.id}",
                                                              mode=first, **QUIET))
        if published and r.status == "accepted" and _seller_side(viewer, r):
            forms.setdefault(f"refuse-{r.id}", RefuseForm(prefix=f"refuse-{r.id}", **QUIET))
    for key, form in forms.items():
        if key.startswith("accept-"):
            form.mode.choices = [(m, COOPERATION_MODES.get(m, m))
                                 for m in record.cooperation_modes or []]

    has_open = any(r.status in OPEN_RESPONSES for r in responses)
    may_respond = (responder and published and not has_open
                   and (viewer.role == Role.BROKER or viewer.organization_id is not None))
    if may_respond or "response" in forms:
        forms.setdefault("response", ResponseForm(**QUIET))
        _offer_choices(forms["response"], viewer)
    for key, prefix in (("withdraw", "withdraw"), ("resolve", "resolve")):
        forms.setdefault(key, CommentForm(prefix=prefix, version=record.version, **QUIET))

    return render_template(
        "needs/detail.html", record=record, owner=owner, officer=officer,
        responder=responder, need_broker=need_broker, responses=responses, deals=deals,
        forms=forms,
        messages=messages or {}, may_respond=may_respond,
        seller_side={r.id for r in responses if _seller_side(viewer, r)},
        actions=WORKFLOW.available(record, viewer) if viewer else [],
        action_form=ActionForm(version=record.version, **QUIET),
        history=audit.history("need", record.id) if owner or officer or need_broker
        else None,
        matches=matching.offers_for(record) if published else [],
        renewed_deadline=record.deadline + timedelta(days=services.RENEWAL_DAYS)
        if published else None), status


@bp.get("/<int:need_id>")
def detail(need_id):
    """One need: what the enterprise wants, its state, the panels of the owner and the
    responders, and the offers that fit it."""
    return _render_detail(need_id)


def _back(need_id):
    return redirect(url_for("needs.detail", need_id=need_id))


def _act(need_id, call, success, form=None, key=None):
    """Run a service call for a POST: on success flash `success(result)` and go back to the
    need; a refusal of the form's input shows the page again with the messages beside the
    fields (422); a state conflict (the need closed meanwhile, …) is a flash."""
    try:
        result = call()
    except ValidationFailed as exc:
        db.session.rollback()  # let go of the need's row before rendering
        if form is None:
            flash_errors(exc)
            return _back(need_id)
        leftover = apply_errors(form, exc)
        return _render_detail(need_id, 422, {key: leftover}, {key: form})
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "warning")
        return _back(need_id)
    flash(success(result), "success")
    return _back(need_id)


@bp.post("/<int:need_id>/submit")
@login_required
def submit(need_id):
    """The enterprise sends a draft or returned need to the science bureau."""
    form = ActionForm(**POSTED)
    return _act(need_id, lambda: services.submit(need_id, _user(), form.version.data),
                lambda r: _("Submitted. The science bureau reviews the need; it is published "
                            "once approved."))


@bp.post("/<int:need_id>/withdraw")
@login_required
def withdraw(need_id):
    form = CommentForm(prefix="withdraw", **POSTED)
    return _act(need_id, lambda: services.withdraw(need_id, _user(), form.comment.data,
                                                   form.version.data),
                lambda r: _("The need is withdrawn."), form, "withdraw")


@bp.post("/<int:need_id>/resolve")
@login_required
def resolve(need_id):
    """The enterprise found its solution and closes the need."""
    form = CommentForm(prefix="resolve", **POSTED)
    return _act(need_id, lambda: services.resolve(need_id, _user(), form.comment.data,
                                                  form.version.data),
                lambda r: _("The need is closed as resolved."), form, "resolve")


@bp.post("/<int:need_id>/renew")
@login_required
def renew(need_id):
    """Once, the enterprise keeps the need open another 30 days."""
    form = ActionForm(**POSTED)
    return _act(need_id, lambda: services.renew(need_id, _user(), form.version.data),
                lambda r: _("Renewed: responses are taken until %(end)s.",
                            end=r.deadline.isoformat()))


@bp.post("/<int:need_id>/responses")
@login_required
def respond(need_id):
    """An institute or a broker proposes to solve the need."""
    form = ResponseForm(**POSTED)
    return _act(need_id, lambda: services.respond(
        need_id, _user(), form.message.data, as_id(form.listing_id.data),
        as_id(form.achievement_id.data)),
        lambda r: _("Your response is sent. The enterprise is told and decides on it."),
        form, "response")


@bp.post("/<int:need_id>/responses/<int:response_id>/withdraw")
@login_required
def withdraw_response(need_id, response_id):
    services.response_to(need_id, response_id)
    return _act(need_id, lambda: services.withdraw_response(response_id, _user()),
                lambda r: _("Your response is withdrawn."))


@bp.post("/<int:need_id>/responses/<int:response_id>/shortlist")
@login_required
def shortlist(need_id, response_id):
    services.response_to(need_id, response_id)
    return _act(need_id, lambda: services.shortlist(response_id, _user()),
                lambda r: _("The response is shortlisted; the responder is told."))


@bp.post("/<int:need_id>/responses/<int:response_id>/decline")
@login_required
def decline_response(need_id, response_id):
    services.response_to(need_id, response_id)
    key = f"decline-{response_id}"
    form = DeclineForm(prefix=key, **POSTED)
    return _act(need_id, lambda: services.decline_response(
        response_id, _user(), form.reason.data, form.comment.data),
        lambda r: _("The response is declined; the responder is told why."), form, key)


@bp.post("/<int:need_id>/responses/<int:response_id>/accept")
@login_required
def accept_response(need_id, response_id):
    """The enterprise accepts a response on terms; the seller side confirms them."""
    services.response_to(need_id, response_id)
    key = f"accept-{response_id}"
    form = AcceptForm(prefix=key, **POSTED)
    return _act(need_id, lambda: services.accept_response(
        response_id, _user(), form.price.data, form.mode.data),
        lambda r: _("You accepted the response for %(amount)s. The seller confirms the deal.",
                    amount=money(r.agreed_price)), form, key)


@bp.post("/<int:need_id>/responses/<int:response_id>/confirm")
@login_required
def confirm_response(need_id, response_id):
    """The seller side confirms the accepted terms: the deal is made."""
    services.response_to(need_id, response_id)
    return _act(need_id, lambda: services.confirm_response(response_id, _user()),
                lambda deal: _("Deal confirmed: transaction certificate No. %(number)s. The "
                               "need is resolved.", number=deal.certificate_number))


@bp.post("/<int:need_id>/responses/<int:response_id>/refuse")
@login_required
def refuse_terms(need_id, response_id):
    services.response_to(need_id, response_id)
    key = f"refuse-{response_id}"
    form = RefuseForm(prefix=key, **POSTED)
    return _act(need_id, lambda: services.refuse_terms(response_id, _user(),
                                                       form.comment.data),
                lambda r: _("You refused the terms; the enterprise is told why."), form, key)


# --- the need form -----------------------------------------------------------------------------

def _save(form, record, save, success):
    """Save the form through `save(data)`; the page again (422) with the service's messages
    beside the fields when it refuses."""
    messages = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            saved = save(form.need_data())
        except ValidationFailed as exc:
            db.session.rollback()
            messages = apply_errors(form, exc)
            if form.bad_deadline:
                form.deadline.errors = [_("Enter a date such as 2026-09-30.")]
        except Conflict as exc:
            db.session.rollback()
            messages = [exc.message]
        else:
            flash(success, "success")
            return _back(saved.id)
    failed = bool(form.errors) or messages is not None
    return render_template("needs/form.html", form=form, record=record,
                           messages=messages), 422 if failed else 200


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def new():
    """Draft a technology need in the name of the enterprise."""
    if current_user.organization_id is None:
        abort(403)
    form = NeedForm()
    return _save(form, None, lambda data: services.create(data, _user()),
                 _("Draft saved. Check it, then submit it to the science bureau."))


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit(need_id):
    """Correct a draft or a need the bureau returned."""
    record = services.get_visible(need_id, _viewer())
    if not is_owner(_viewer(), record):
        abort(403)
    if record.status not in EDITABLE:
        flash(_("Only a draft or a returned need can be edited."), "warning")
        return _back(record.id)
    form = NeedForm()
    if request.method == "GET":
        form.fill_from(record)
    return _save(form, record, lambda data: services.update(need_id, data, _user()),
                 _("Changes saved."))


# --- my needs, my responses --------------------------------------------------------------------

def _responses_of(user):
    """The responses of `user`: an institute's organisation's own and those offering its
    listings or achievements; a broker's own (as services.responses_visible counts them)."""
    stmt = select(Response).order_by(Response.created_at.desc(), Response.id.desc())
    if user.role == Role.INSTITUTE and user.organization_id is not None:
        return stmt.where(or_(Response.org_id == user.organization_id,
                              Response.seller_org_id == user.organization_id))
    return stmt.where(Response.user_id == user.id)


@bp.get("/mine")
@roles_required(Role.ENTERPRISE, Role.INSTITUTE, Role.BROKER)
def mine():
    """An enterprise's needs by state with what awaits it; a responder's responses and the
    accepted terms awaiting its confirmation."""
    services.expire_due()
    user, org_id = _user(), current_user.organization_id
    if user.role == Role.ENTERPRISE:
        records = db.session.scalars(select(Need).where(Need.org_id == org_id).order_by(
            Need.updated_at.desc(), Need.id.desc())).all() if org_id else []
        tally = {}
        if records:
            for need_id, state, n in db.session.execute(
                    select(Response.need_id, Response.status, func.count())
                    .where(Response.need_id.in_([r.id for r in records]))
                    .group_by(Response.need_id, Response.status)):
                tally.setdefault(need_id, {})[state] = n
        groups = [(status, label, [r for r in records if r.status == status])
                  for status, label in STATUS_LABELS.items()
                  if any(r.status == status for r in records)]
        return render_template("needs/mine.html", groups=groups, tally=tally, org_id=org_id)
    responses = db.session.scalars(_responses_of(user)).all()
    deals = {d.response_id: d for d in db.session.scalars(select(Deal).where(
        Deal.response_id.in_([r.id for r in responses if r.status == "dealt"])))}
    awaiting = [r for r in responses if r.status == "accepted" and _seller_side(user, r)
                and r.need.status == S.PUBLISHED]
    return render_template("needs/mine.html", responses=responses, awaiting=awaiting,
                           deals=deals, org_id=org_id)
