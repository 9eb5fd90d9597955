"""The bureau's listing pages: the review queue and the running listings, and one listing's
review page with its decisions (approve, return, reject; pause, resume, terminate; disqualify
a buyer's intent). Who may take which decision is the workflow's and the services' call."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField, SelectField, TextAreaField

from .. import audit, clock
from ..accounts.models import Role, User
from ..audit import AuditEntry
from ..auth import roles_required
from ..brokers import engagements
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import apply_errors
from . import services, trading
from .models import Listing
from .states import WORKFLOW, ListingStatus

bp = Blueprint("bureau_listings", __name__, url_prefix="/bureau/listings")

S = ListingStatus
RUNNING = (S.ANNOUNCED, S.LISTED, S.NEGOTIATING, S.BIDDING, S.AWARDED, S.PAUSED)
SUPERVISION = {"pause": services.pause, "resume": services.resume,
               "terminate": services.terminate}
# The names of a listing's fields, for "what changed" (the audit names them).
FIELD_LABELS = {
    "achievement_id": _l("Achievement"), "transfer_mode": _l("Transfer mode"),
    "licence_term_years": _l("Licence term"), "licence_territory": _l("Licence territory"),
    "asking_price": _l("Asking price"), "reserve_price": _l("Reserve price"),
    "bid_increment": _l("Bid increment"), "announcement_days": _l("Announcement period"),
    "listing_days": _l("Listing period"), "bidding_days": _l("Bidding period"),
    "buyer_conditions": _l("Buyer conditions"), "seller_broker_id": _l("Seller's broker"),
    "seller_broker_commission": _l("Seller's broker commission"),
}


class ReviewForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[
        ("approve", _l("Approve and announce")), ("return", _l("Return for correction")),
        ("reject", _l("Reject"))])
    comment = TextAreaField(_l("Comment"), description=_l(
        "Required to return or reject; the seller sees it."))
    version = HiddenField()


class SuperviseForm(FlaskForm):
    comment = TextAreaField(_l("Reasons"), description=_l(
        "Required; the seller and the buyers with intents see them."))
    version = HiddenField()


class DisqualifyForm(FlaskForm):
    comment = TextAreaField(_l("Why this buyer does not qualify"), description=_l(
        "Required; the buyer sees it."))


def _changes(listing_ids):
    """The latest `change` audit entry of each listing that has one."""
    if not listing_ids:
        return {}
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "listing", AuditEntry.entity_id.in_(listing_ids),
        AuditEntry.action == "change").order_by(AuditEntry.id)).all()
    return {entry.entity_id: entry for entry in entries}


def _change_summary(entry):
    """(changed fields' labels, [(field, label, old amount, new amount)]) of a `change` entry
    (amounts as text; None: none, for the asking price "negotiable")."""
    data = entry.data or {}
    amounts = [(name, FIELD_LABELS.get(name, name), *data[name]) for name in services.AMOUNTS
               if name in data]
    return [FIELD_LABELS.get(name, name) for name in data.get("fields", [])], amounts


@bp.get("")
@roles_required(Role.BUREAU, Role.ADMIN)
def queue():
    """Listings awaiting review, the oldest submission first; `?state=running` (or one running
    state) lists the running listings instead, the soonest period end first."""
    trading.advance_due(trading.LAZY_LIMIT)
    state = request.args.get("state", "")
    running_filter = state if state in RUNNING else None
    show_running = state == "running" or running_filter is not None
    pending = services.review_queue()
    counts = dict(db.session.execute(select(Listing.status, func.count()).where(
        Listing.status.in_(RUNNING)).group_by(Listing.status)).all())
    running = None
    if show_running:
        stmt = select(Listing).where(Listing.status.in_([running_filter] if running_filter
                                                        else RUNNING))
        running = db.paginate(stmt.order_by(Listing.next_move_at.asc().nulls_last(),
                                            Listing.id),
                              page=request.args.get("page", 1, type=int), per_page=30,
                              error_out=False)
    return render_template(
        "listings/bureau_queue.html", pending=pending, running=running,
        changes=_changes([r.id for r in pending]), counts=counts, running_states=RUNNING,
        running_filter=running_filter, show_running=show_running, now=clock.now())


def _page(record, status=200, review_form=None, supervise_form=None, intent_forms=None,
          messages=None):
    """The review page; the form that was posted (if any) comes back with what was typed."""
    intents = services.intents_visible(record, current_user)
    # Who registered each intent, and its broker's name: read for all intents at once (held
    # here while the page renders: the session keeps only weak references).
    users = db.session.scalars(select(User).where(User.id.in_(  # noqa: F841
        sorted({i.user_id for i in intents})))).all()
    engagements.preload_profiles(i.broker_id for i in intents)
    forms = {i.id: DisqualifyForm(formdata=None, prefix=f"intent-{i.id}") for i in intents}
    forms.update(intent_forms or {})
    change = _changes([record.id]).get(record.id)
    changed_fields, changed_amounts = _change_summary(change) if change else ([], [])
    return render_template(
        "listings/bureau_review.html", record=record, intents=intents, intent_forms=forms,
        review_form=review_form or ReviewForm(formdata=None, version=record.version),
        supervise_form=supervise_form or SuperviseForm(formdata=None,
                                                       version=record.version),
        actions=WORKFLOW.available(record, current_user), messages=messages,
        can_disqualify=(record.status == S.ANNOUNCED
                        and current_user.role == Role.BUREAU),
        bids=trading.bids_of(record), change=change, changed_fields=changed_fields,
        changed_amounts=changed_amounts, history=audit.history("listing", record.id),
        now=clock.now()), status


@bp.route("/<int:listing_id>", methods=["GET", "POST"])
@roles_required(Role.BUREAU, Role.ADMIN)
def review(listing_id):
    """Everything needed to decide, and the decisions the viewer may take now."""
    record = services.get_visible(listing_id, current_user)
    if request.method == "GET":
        return _page(record)
    form = ReviewForm()
    messages = None
    if form.validate_on_submit():
        try:
            services.review(record.id, form.decision.data, current_user, form.comment.data,
                            expected_version=form.version.data)
        except ValidationFailed as exc:
            messages = apply_errors(form, exc)
        except Conflict as exc:
            flash(str(exc.message), "warning")
            return redirect(url_for(".review", listing_id=record.id))
        else:
            flash(_("Decision recorded."), "success")
            return redirect(url_for(".queue"))
    return _page(record, 422, review_form=form, messages=messages)


def _supervise(listing_id, action, done):
    record = services.get_visible(listing_id, current_user)
    form = SuperviseForm()
    try:
        SUPERVISION[action](record.id, current_user, form.comment.data,
                            expected_version=form.version.data)
    except ValidationFailed as exc:
        return _page(record, 422, supervise_form=form, messages=apply_errors(form, exc))
    except Conflict as exc:
        flash(str(exc.message), "warning")
    else:
        flash(done, "success")
    return redirect(url_for(".review", listing_id=record.id))


@bp.post("/<int:listing_id>/pause")
@roles_required(Role.BUREAU, Role.ADMIN)
def pause(listing_id):
    """中止: the listing's clock stops until it is resumed."""
    return _supervise(listing_id, "pause", _("The listing is paused."))


@bp.post("/<int:listing_id>/resume")
@roles_required(Role.BUREAU, Role.ADMIN)
def resume(listing_id):
    return _supervise(listing_id, "resume", _("The listing is resumed."))


@bp.post("/<int:listing_id>/terminate")
@roles_required(Role.BUREAU, Role.ADMIN)
def terminate(listing_id):
    """终结: the listing ends for good."""
    return _supervise(listing_id, "terminate", _("The listing is terminated."))


@bp.post("/<int:listing_id>/intents/<int:intent_id>/disqualify")
@roles_required(Role.BUREAU, Role.ADMIN)
def disqualify(listing_id, intent_id):
    """The bureau finds that a buyer does not meet the conditions, with the reason."""
    record = services.get_visible(listing_id, current_user)
    services.intent_on(record.id, intent_id)
    form = DisqualifyForm(prefix=f"intent-{intent_id}")
    try:
        services.disqualify_intent(intent_id, current_user, form.comment.data)
    except ValidationFailed as exc:
        return _page(record, 422, intent_forms={intent_id: form},
                     messages=apply_errors(form, exc))
    except Conflict as exc:
        flash(str(exc.message), "warning")
    else:
        flash(_("The intent is disqualified; the buyer is told why."), "success")
    return redirect(url_for(".review", listing_id=record.id))
