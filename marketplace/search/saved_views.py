"""Saved search pages: saving from the search page, the user's list, and the unsubscribe
link of the alerts (which needs no login)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import ValidationFailed
from ..forms import flash_errors
from . import saved as services

bp = Blueprint("saved_searches", __name__, url_prefix="/saved-searches")

SEARCH_ARGS = ("q", "type", "field", "county", "stage", "mode", "price")


@bp.get("")
@login_required
def index():
    """The user's saved searches: what each looks for, how often it tells, its matches."""
    rows = services.saved_searches_of(current_user)
    return render_template("search/saved_index.html", rows=rows,
                           frequencies=services.FREQUENCIES, describe=services.describe,
                           search_args=services.search_args)


@bp.post("")
@login_required
def create():
    """Save the search the search page shows (its URL arguments come as hidden fields)."""
    form = request.form
    try:
        saved = services.create(current_user, form.get("q", ""),
                                services.filters_from_args(form), form.get("name", ""),
                                form.get("frequency", "instant"))
    except ValidationFailed as exc:
        flash_errors(exc)
        return redirect(url_for("search.index", **{
            k: form[k] for k in SEARCH_ARGS if form.get(k)}))
    flash(_("Search saved as “%(name)s”. You will be told of new public records that match "
            "it.", name=saved.name), "success")
    return redirect(url_for("search.index", **services.search_args(saved)))


@bp.get("/<int:saved_id>/run")
@login_required
def run(saved_id):
    """The search page showing what the saved search finds."""
    saved = services.get_own(saved_id, current_user)
    return redirect(url_for("search.index", **services.search_args(saved)))


@bp.post("/<int:saved_id>/frequency")
@login_required
def frequency(saved_id):
    try:
        saved = services.change_frequency(saved_id, current_user, request.form.get("frequency"))
    except ValidationFailed as exc:
        flash_errors(exc)
    else:
        flash(_("“%(name)s” now tells you: %(frequency)s.", name=saved.name,
                frequency=services.FREQUENCIES[saved.frequency]), "success")
    return redirect(url_for("saved_searches.index"))


@bp.post("/<int:saved_id>/delete")
@login_required
def delete(saved_id):
    name = services.get_own(saved_id, current_user).name
    services.delete(saved_id, current_user)
    flash(_("Saved search “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("saved_searches.index"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token):
    """The link in every alert: a confirmation page, then no more alerts (no login)."""
    saved = services.by_token(token)
    done = False
    if request.method == "POST":
        saved = services.unsubscribe(token)
        done = True
    return render_template("search/saved_unsubscribe.html", saved=saved, done=done,
                           describe=services.describe)
