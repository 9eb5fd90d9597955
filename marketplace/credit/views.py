"""Credit pages: the formula and the market's grades (public), and an organisation's or a
broker's score, grade and event history."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from ..brokers import ratings
from ..extensions import db
from . import history, services

bp = Blueprint("credit", __name__, url_prefix="/credit")
PER_PAGE = 20
RATINGS_SHOWN = 20


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.get("")
def index():
    """The formula, the weight of each kind of event, and how many organisations and brokers
    hold each grade."""
    return render_template(
        "credit/index.html", kinds=services.KINDS, grades=services.GRADES,
        grade_labels=services.GRADE_LABELS, base=services.BASE, cap=services.POSITIVE_CAP,
        window_days=services.WINDOW_DAYS, base_grade=services.grade_of(services.BASE),
        distribution=history.distribution())


def _render(subject):
    viewer = _viewer()
    page = db.paginate(history.events(subject), page=request.args.get("page", 1, type=int),
                       per_page=PER_PAGE, error_out=False)
    score, grade = subject.score
    received = ratings.received(**subject.columns).limit(RATINGS_SHOWN)
    loaded = history.preload_sources(page.items)  # noqa: F841  (kept in the session meanwhile)
    return render_template(
        "credit/history.html", subject=subject, score=score, grade=grade,
        grade_label=services.GRADE_LABELS[grade], page=page, kinds=services.KINDS,
        sources={e.id: history.source(e, viewer) for e in page.items},
        comments=history.may_read_comments(subject, viewer),
        since=history.window_start(), window_days=services.WINDOW_DAYS,
        ratings=db.session.scalars(received).all(),
        rating_summary=ratings.summary(**subject.columns))


@bp.get("/organizations/<int:org_id>")
def organization(org_id):
    """An organisation's score, grade, events and the ratings it received: public once it
    is verified."""
    return _render(history.organization(org_id, _viewer()))


@bp.get("/brokers/<int:user_id>")
def broker(user_id):
    """A broker's (by user id) score, grade, events and ratings: public while verified."""
    return _render(history.broker(user_id, _viewer()))
