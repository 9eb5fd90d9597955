"""Ratings after a deal: the deal page shows the panel (templates/brokers/_ratings.html, fed
by `rating_panel(deal)`), whose forms, one per target, post here."""
from flask import Blueprint, flash, g, make_response, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import apply_errors, flash_errors
from ..listings import deal_views
from . import ratings
from .states import RATING_EDIT_DAYS

bp = Blueprint("ratings", __name__, url_prefix="/ratings")
QUIET = {"formdata": None, "meta": {"csrf": False}}  # a form shown, not the one posted
POSTED = {"meta": {"csrf": False}}  # CSRFProtect checks every POST before the view runs


class RatingForm(FlaskForm):
    # The service checks the score, with a message beside the field.
    score = RadioField(_l("Score"), choices=[(str(k), v) for k, v in ratings.SCORES.items()],
                       validate_choice=False)
    comment = TextAreaField(_l("Comment"), description=_l(
        "What went well or badly. The rating and its comment are public on the credit "
        "page of whom you rate."))


def _prefix(kind, target_id):
    return f"rating-{kind}-{target_id}"


@bp.app_context_processor
def panel_context():
    return {"rating_panel": _panel, "rating_target_name": ratings.target_name,
            "RATING_EDIT_DAYS": RATING_EDIT_DAYS}


def _panel(deal):
    """The ratings panel of the deal page for the current viewer (see ratings.for_deal_page),
    each target's row with its form: the one just posted when it is shown again."""
    if not current_user.is_authenticated:
        return None
    panel = ratings.for_deal_page(deal, current_user._get_current_object())
    posted = g.get("rating_form")
    for row in panel["rows"]:
        target, rating = row["target"], row["rating"]
        if posted is not None and posted[0] == target.key:
            row["form"], row["messages"] = posted[1], posted[2]
            continue
        row["form"] = RatingForm(prefix=_prefix(target.kind, target.id),
                                 score=str(rating.score) if rating else None,
                                 comment=rating.comment if rating else "", **QUIET)
        row["messages"] = None
    return panel


def _back(deal_id):
    return redirect(url_for("deals.detail", deal_id=deal_id, _anchor="ratings"))


@bp.post("/deals/<int:deal_id>/<any(org, broker):kind>/<int:target_id>")
@login_required
def rate(deal_id, kind, target_id):
    """A party gives (or, within the days allowed, changes) its rating of the other party or
    of a broker of the deal; a refused input shows the deal page again with the messages
    beside the fields."""
    key = f"{kind}:{target_id}"
    form = RatingForm(prefix=_prefix(kind, target_id), **POSTED)
    try:
        created = ratings.rate(deal_id, current_user._get_current_object(), key,
                               form.score.data, form.comment.data)[1]
    except ValidationFailed as exc:
        db.session.rollback()
        if "target" in exc.fields:
            flash_errors(exc)
            return _back(deal_id)
        g.rating_form = (key, form, apply_errors(form, exc))
        response = make_response(deal_views.detail(deal_id))
        response.status_code = 422
        return response
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "warning")
        return _back(deal_id)
    flash(_("Your rating is recorded.") if created else _("Your rating is changed."),
          "success")
    return _back(deal_id)
