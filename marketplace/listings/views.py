"""Listing pages for the public, sellers (institutes) and buyers (enterprises): the list, one
listing with the panels of whoever looks at it, the listing form, "my trading", and a POST
endpoint for each action, all thin doors onto services.py and trading.py."""
from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit, clock, keyset, page_cache, settings
from ..accounts.models import Role
from ..achievements.models import Achievement
from ..achievements.states import AchievementStatus
from ..auth import roles_required
from ..brokers import engagements
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import apply_errors, flash_errors
from ..needs import match_views, matching
from ..templating import money
from . import deals, services, trading
from .forms import (
    ActionForm,
    BidForm,
    ConfirmForm,
    DeclineForm,
    FilterForm,
    IntentForm,
    ListingForm,
    WithdrawForm,
)
from .models import Intent, Listing
from .states import (
    AWAITING_CONFIRMATION,
    CHANGEABLE,
    EDITABLE,
    LIVE,
    OPEN,
    STATUS_LABELS,
    WORKFLOW,
    ListingStatus,
    is_buyer,
    is_seller,
)

S = ListingStatus
bp = Blueprint("listings", __name__, url_prefix="/listings")
FITTING_STATES = (S.ANNOUNCED, S.LISTED, S.NEGOTIATING, S.BIDDING)
PER_PAGE = 20
QUIET = {"formdata": None, "meta": {"csrf": False}}  # a form shown, not the one posted
POSTED = {"meta": {"csrf": False}}  # CSRFProtect checks every POST before the view runs


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _when(moment):
    return format_datetime(moment, "medium") if moment else ""


# --- the public list ---------------------------------------------------------------------------

@bp.get("")
def index():
    """Every listing the public may see (announced once, not withdrawn), newest first."""
    trading.advance_due(trading.LAZY_LIMIT)
    form = FilterForm(request.args)
    # The achievement and seller in queries of their own (20 rows by id), not joined: with
    # the joins, SQLite sorted every open listing's joined row to keep 20 (0.3 s at 100k).
    stmt = (select(Listing).where(Listing.first_announced_at.is_not(None),
                                  Listing.status != S.WITHDRAWN)
            .options(selectinload(Listing.achievement), selectinload(Listing.seller))
            .order_by(Listing.first_announced_at.desc(), Listing.id.desc()))
    if form.state.data != "all":
        stmt = stmt.where(Listing.status.in_(OPEN))
    if form.field.data:
        stmt = stmt.where(Listing.achievement_id.in_(
            select(Achievement.id).where(Achievement.field == form.field.data)))
    if form.mode.data:
        stmt = stmt.where(Listing.transfer_mode == form.mode.data)
    page = keyset.paginate(stmt, [Listing.first_announced_at], Listing.id, PER_PAGE)
    return render_template("listings/index.html", page=page, form=form)


# --- one listing -------------------------------------------------------------------------------

def _broker_choices(field, named=None):
    """The verified brokers (real name and level) a party may name, and the broker `named`
    already (a user), kept even if no longer one of them."""
    choices = [(str(user_id), label) for user_id, label in services.broker_choices()]
    if named is not None and str(named.id) not in dict(choices):
        choices.append((str(named.id), engagements.display_name(named)))
    field.choices = [("", _("None"))] + choices


def _timeline(record):
    """The listing's dated steps, in order: (label once past, label before, moment, past)."""
    deal = record.deal
    steps = [(_("Announced"), _("Announced"), record.announced_at),
             (_("Announcement ended"), _("Announcement ends"), record.announcement_ends_at),
             (_("Listing ended"), _("Listing ends"), record.listing_ends_at),
             (_("Bidding opened"), _("Bidding opens"), record.bidding_starts_at),
             (_("Bidding ended"), _("Bidding ends"), record.bidding_ends_at)]
    if record.first_announced_at != record.announced_at:
        steps.insert(0, (_("First announced"), _("First announced"),
                         record.first_announced_at))
    if record.status in AWAITING_CONFIRMATION:
        steps.append((_("Confirmation period ended"), _("Both sides confirm by"),
                      record.confirm_by))
    if record.paused_at:
        steps.append((_("Paused by the bureau"), _("Paused by the bureau"), record.paused_at))
    if deal is not None:
        steps.append((_("Dealt"), _("Dealt"), deal.dealt_at))
    now = clock.now()
    return sorted(({"label": past if at <= now else future, "at": at, "past": at <= now}
                   for past, future, at in steps if at is not None), key=lambda s: s["at"])


def _keep_for_visitors(record, deal, seller_engagement):
    """The visitors' page shows the listing, its achievement, the seller's name, its broker
    and the deal; it reads differently once the next of its dated steps passes (the timeline,
    a lazy tick) or the deal's announcement ends (the public then no longer sees the buyer
    and the price). page_cache keeps it until then or until one of these records changes."""
    tags = [("listing", record.id), ("achievement", record.achievement_id),
            ("organization", record.seller_org_id)]
    if seller_engagement is not None:
        tags.append(("engagement", seller_engagement.id))
    moments = [record.announcement_ends_at, record.listing_ends_at, record.bidding_starts_at,
               record.bidding_ends_at, record.confirm_by, record.next_move_at]
    if deal is not None and deal.announcement_until is not None:
        tags.append(("deal", deal.id))
        moments.append(datetime.combine(deal.announcement_until + timedelta(days=1), time(),
                                        clock.LOCAL_TZ))
    now = clock.now()
    coming = [clock.as_utc(m) for m in moments if m is not None and clock.as_utc(m) > now]
    page_cache.keep(*tags, until=min(coming, default=None))


def _render_detail(listing_id, status=200, messages=None, **forms):
    """The detail page; `forms` are posted forms to show again with their errors."""
    viewer = _viewer()
    record = services.get_visible(listing_id, viewer)
    seller, buyer = is_seller(viewer, record), is_buyer(viewer, record)
    officer = viewer is not None and viewer.is_officer
    # A broker engaged by the seller (or a buyer) sees what its principal sees, read-only.
    seller_broker = engagements.is_engaged(viewer, "listing", record.id, "seller")
    brokering = seller_broker or engagements.is_engaged(viewer, "listing", record.id)
    enterprise = (viewer is not None and viewer.role == Role.ENTERPRISE
                  and viewer.organization_id is not None)
    intents = services.intents_visible(record, viewer) if viewer else []
    engagements.preload_profiles(i.broker_id for i in intents)  # their names, in one query
    intent_form = forms.get("intent_form") or IntentForm(**QUIET)
    if enterprise and not seller:  # only they see the intent form (templates/listings/_buyer)
        _broker_choices(intent_form.broker_id)
    decline_forms = {i.id: DeclineForm(prefix=f"intent-{i.id}", **QUIET) for i in intents
                     if seller and i.status == "active" and record.status == S.ANNOUNCED}
    declining = None
    if "intent_decline" in forms:
        declining, form = forms["intent_decline"]
        decline_forms[declining] = form
    deal = record.deal
    contract = deal.contract if deal is not None and (seller or buyer) else None
    # The needs that fit the listing, for its seller and the bureau while it is open.
    fitting_needs = (matching.needs_for(record) if (seller or officer)
                     and record.status in FITTING_STATES else None)
    seller_engagement = engagements.open_engagement("listing", record.id, "seller",
                                                    record.seller_org_id)
    if viewer is None and record.status != S.BIDDING:  # its countdown: not kept past 2 s
        _keep_for_visitors(record, deal, seller_engagement)
    return render_template(
        "listings/detail.html", record=record, seller=seller, buyer=buyer, officer=officer,
        brokering=brokering, seller_engagement=seller_engagement,
        fitting_needs=fitting_needs, match_snippet=match_views.snippet,
        enterprise=enterprise, intents=intents,
        own_intent=services.own_intent(record, viewer) if enterprise else None,
        qualified=trading.qualified_intent(record, viewer) is not None,
        bids=trading.bids_of(record) if record.bid_count else [],
        actions=WORKFLOW.available(record, viewer) if viewer else [],
        history=audit.history("listing", record.id) if seller or officer or seller_broker
        else None,
        timeline=_timeline(record), deal=deal, contract=contract, messages=messages or {},
        deal_announced=deal is not None and deals.is_announced(deal),
        action_form=ActionForm(version=record.version, **QUIET),
        withdraw_form=forms.get("withdraw_form") or WithdrawForm(
            prefix="withdraw", version=record.version, **QUIET),
        intent_form=intent_form, decline_forms=decline_forms, declining=declining,
        bid_form=forms.get("bid_form") or BidForm(**QUIET),
        confirm_form=forms.get("confirm_form") or ConfirmForm(**QUIET),
        deal_decline_form=forms.get("deal_decline_form") or DeclineForm(prefix="deal",
                                                                         **QUIET),
        seconds_left=max(0, int((record.bidding_ends_at - clock.now()).total_seconds()))
        if record.status == S.BIDDING and record.bidding_ends_at else None), status


@bp.get("/<int:listing_id>")
def detail(listing_id):
    """One listing: the achievement, the terms, the state and timeline, and the panels of the
    seller, a buyer, the bidding and the deal."""
    return _render_detail(listing_id)


def _back(listing_id):
    return redirect(url_for("listings.detail", listing_id=listing_id))


def _act(listing_id, call, success, form=None, form_key=None):
    """Run a service call for a POST: on success flash `success(result)` and go back to the
    listing; a refusal of the form's input shows the page again with the messages beside the
    fields (422); a state conflict (the window closed meanwhile, …) is a flash."""
    try:
        result = call()
    except ValidationFailed as exc:
        db.session.rollback()  # let go of the listing's row before rendering
        if form is None:
            flash_errors(exc)
            return _back(listing_id)
        leftover = apply_errors(form[1] if isinstance(form, tuple) else form, exc)
        return _render_detail(listing_id, 422, {form_key: leftover}, **{form_key: form})
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "warning")
        return _back(listing_id)
    flash(success(result), "success")
    return _back(listing_id)


def _user():
    return current_user._get_current_object()


@bp.post("/<int:listing_id>/submit")
@login_required
def submit(listing_id):
    """The seller sends a draft or returned listing to the bureau."""
    form = ActionForm(**POSTED)
    return _act(listing_id, lambda: services.submit(listing_id, _user(), form.version.data),
                lambda r: _("Submitted. The science bureau reviews the listing; it is "
                            "announced once approved."))


@bp.post("/<int:listing_id>/withdraw")
@login_required
def withdraw(listing_id):
    """The seller withdraws the listing before any buyer came."""
    form = WithdrawForm(prefix="withdraw", **POSTED)
    return _act(listing_id, lambda: services.withdraw(listing_id, _user(), form.comment.data,
                                                      form.version.data),
                lambda r: _("The listing is withdrawn."))


@bp.post("/<int:listing_id>/renew")
@login_required
def renew(listing_id):
    """The seller extends a listed listing by another listing period, once."""
    form = ActionForm(**POSTED)
    return _act(listing_id, lambda: services.renew(listing_id, _user(), form.version.data),
                lambda r: _("Renewed: the listing stays open until %(end)s.",
                            end=_when(r.listing_ends_at)))


def _intent_registered(intent):
    record = intent.listing
    if record.status == S.NEGOTIATING:
        return _("Your intent is registered. The listing was open, so the negotiation with "
                 "the seller has begun: both sides confirm the deal by %(end)s.",
                 end=_when(record.confirm_by))
    return _("Your intent is registered. When the announcement ends on %(end)s you negotiate "
             "with the seller, or bid if other buyers qualify too.",
             end=_when(record.announcement_ends_at))


@bp.post("/<int:listing_id>/intents")
@login_required
def register_intent(listing_id):
    """An enterprise registers its intent to buy."""
    form = IntentForm(**POSTED)
    return _act(listing_id, lambda: services.register_intent(
        listing_id, _user(), form.statement.data, form.offered_price.data,
        form.broker_id.data or None, form.broker_commission.data),
        _intent_registered, form, "intent_form")


@bp.post("/<int:listing_id>/intents/<int:intent_id>/withdraw")
@login_required
def withdraw_intent(listing_id, intent_id):
    """The buyer withdraws its own intent while the listing is announced."""
    services.intent_on(listing_id, intent_id)
    return _act(listing_id, lambda: services.withdraw_intent(intent_id, _user()),
                lambda i: _("Your intent is withdrawn."))


@bp.post("/<int:listing_id>/intents/<int:intent_id>/decline")
@login_required
def decline_intent(listing_id, intent_id):
    """The seller declines a buyer who does not meet the conditions, saying why."""
    services.intent_on(listing_id, intent_id)
    form = DeclineForm(prefix=f"intent-{intent_id}", **POSTED)
    return _act(listing_id, lambda: services.decline_intent(intent_id, _user(),
                                                            form.reason.data, form.comment.data),
                lambda i: _("The intent of %(buyer)s is declined; the buyer is told why.",
                            buyer=i.organization.name),
                (intent_id, form), "intent_decline")


@bp.post("/<int:listing_id>/bids")
@login_required
def bid(listing_id):
    """A qualified buyer bids while the bidding window is open."""
    form = BidForm(**POSTED)
    return _act(listing_id, lambda: trading.place_bid(listing_id, form.amount.data, _user()),
                lambda b: _("Your bid of %(amount)s is now the best bid.",
                            amount=money(b.amount)), form, "bid_form")


def _confirmed(record):
    if record.status == S.DEALT:
        return _("Both sides confirmed: the deal is made. Transaction certificate No. "
                 "%(number)s.", number=record.deal.certificate_number)
    return _("Your confirmation is recorded; the other side’s is awaited until %(end)s.",
             end=_when(record.confirm_by))


@bp.post("/<int:listing_id>/confirm")
@login_required
def confirm(listing_id):
    """The seller or the buyer confirms the deal (the seller names the price if none is)."""
    form = ConfirmForm(**POSTED)
    return _act(listing_id, lambda: trading.confirm(listing_id, _user(), form.price.data),
                _confirmed, form, "confirm_form")


@bp.post("/<int:listing_id>/decline")
@login_required
def decline(listing_id):
    """The seller or the buyer declines the deal, saying why; the listing fails."""
    form = DeclineForm(prefix="deal", **POSTED)
    return _act(listing_id, lambda: trading.decline(listing_id, _user(), form.reason.data,
                                                    form.comment.data),
                lambda r: _("You declined the deal; the listing has failed."),
                form, "deal_decline_form")


# --- the listing form --------------------------------------------------------------------------

def _achievements(org_id, record=None):
    """The organisation's registered achievements without another listing in progress."""
    busy = select(Listing.achievement_id).where(Listing.status.in_(LIVE))
    if record is not None:
        busy = busy.where(Listing.id != record.id)
    return db.session.scalars(select(Achievement).where(
        Achievement.owner_org_id == org_id, Achievement.status == AchievementStatus.REGISTERED,
        Achievement.id.not_in(busy)).order_by(Achievement.title)).all()


def _form(record=None):
    form = ListingForm()
    org_id = record.seller_org_id if record else current_user.organization_id
    choices = _achievements(org_id, record)
    form.achievement_id.choices = [("", _("Choose…"))] + [
        (str(a.id), f"{a.registration_number} {a.title}") for a in choices]
    _broker_choices(form.seller_broker_id, record.seller_broker if record else None)
    minimum = settings.get("announcement_min_days")
    form.announcement_days.description = _("At least %(n)d days: the public may object "
                                            "during the announcement.", n=minimum)
    return form, choices


def _render_form(form, record, mode, choices, messages):
    failed = bool(form.errors) or messages is not None
    return render_template("listings/form.html", form=form, record=record, mode=mode,
                           achievements=choices, messages=messages), 422 if failed else 200


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.INSTITUTE)
def new():
    """Draft a listing of one of the organisation's registered achievements."""
    if current_user.organization_id is None:
        abort(403)
    form, choices = _form()
    messages = None
    if request.method == "GET":
        form.achievement_id.data = request.args.get("achievement", "")
        form.announcement_days.data = str(settings.get("announcement_min_days"))
        form.listing_days.data, form.bidding_days.data = "30", "5"
    elif form.validate_on_submit():
        try:
            record = services.create(form.listing_data(), _user())
        except ValidationFailed as exc:
            messages = apply_errors(form, exc)
        else:
            flash(_("Draft saved. Check it, then submit it to the science bureau."), "success")
            return redirect(url_for("listings.detail", listing_id=record.id))
    return _render_form(form, None, "new", choices, messages)


def _own(listing_id, states, refusal):
    """The seller's listing, or a redirect with `refusal` when it is not in `states`."""
    record = services.get_visible(listing_id, _viewer())
    if not is_seller(_viewer(), record):
        abort(403)
    if record.status not in states:
        flash(refusal, "warning")
        return record, _back(record.id)
    return record, None


@bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(listing_id):
    """Correct a draft or a listing the bureau returned."""
    record, refused = _own(listing_id, EDITABLE,
                           _("Only a draft or a returned listing can be edited."))
    if refused:
        return refused
    form, choices = _form(record)
    messages = None
    if request.method == "GET":
        form.fill_from(record)
    elif form.validate_on_submit():
        try:
            services.update(record.id, form.listing_data(), _user())
        except ValidationFailed as exc:
            messages = apply_errors(form, exc)
        except Conflict as exc:
            messages = [exc.message]
        else:
            flash(_("Changes saved."), "success")
            return _back(record.id)
    return _render_form(form, record, "edit", choices, messages)


@bp.route("/<int:listing_id>/change", methods=["GET", "POST"])
@login_required
def change(listing_id):
    """Change the terms of an announced or listed listing: the bureau approves again and the
    announcement starts again."""
    record, refused = _own(listing_id, CHANGEABLE,
                           _("Only an announced or listed listing can be changed this way."))
    if refused:
        return refused
    if record.intents_count:
        flash(_("A buyer has registered an intent: the terms can no longer be changed."),
              "warning")
        return _back(record.id)
    form, choices = _form(record)
    messages = None
    if request.method == "GET":
        form.fill_from(record)
    elif form.validate_on_submit():
        try:
            services.change(record.id, form.listing_data(), _user(),
                            expected_version=form.version.data)
        except ValidationFailed as exc:
            messages = apply_errors(form, exc)
        except Conflict as exc:
            messages = [exc.message]
        else:
            flash(_("The change is sent to the science bureau. Once approved, the listing is "
                    "announced again."), "success")
            return _back(record.id)
    return _render_form(form, record, "change", choices, messages)


# --- my trading --------------------------------------------------------------------------------

@bp.get("/mine")
@roles_required(Role.INSTITUTE, Role.ENTERPRISE)
def mine():
    """An institute's listings by state with the next step of each; an enterprise's intents,
    biddings and confirmations; and the deals of both."""
    trading.advance_due(trading.LAZY_LIMIT)
    user, org_id = _user(), current_user.organization_id
    context = {"deals": db.session.scalars(deals.deals_of(user)).all(), "org_id": org_id}
    if user.role == Role.INSTITUTE:
        records = db.session.scalars(select(Listing).where(Listing.seller_org_id == org_id)
                                     .order_by(Listing.updated_at.desc())).all()
        context["groups"] = [(status, label, [r for r in records if r.status == status])
                             for status, label in STATUS_LABELS.items()
                             if any(r.status == status for r in records)]
        context["unlisted"] = _achievements(org_id) if org_id else []
    else:
        context["intents"] = db.session.scalars(
            select(Intent).where(Intent.org_id == org_id).options(selectinload(Intent.listing))
            .order_by(Intent.created_at.desc())).all()
        context["bidding"] = db.session.scalars(select(Listing).where(
            Listing.status == S.BIDDING, Listing.id.in_(select(Intent.listing_id).where(
                Intent.org_id == org_id, Intent.status == "active")))
            .order_by(Listing.bidding_ends_at)).all()
        context["awaiting"] = db.session.scalars(select(Listing).where(
            Listing.status.in_(AWAITING_CONFIRMATION), Listing.buyer_org_id == org_id)
            .order_by(Listing.confirm_by)).all()
    return render_template("listings/mine.html", **context)
