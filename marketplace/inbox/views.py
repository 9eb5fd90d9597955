"""The inbox page."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..accounts.views import safe_next
from . import services

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@login_required
def index():
    """The user's notifications, newest first."""
    page = services.notifications_of(current_user, request.args.get("page", 1, type=int))
    return render_template("inbox/index.html", page=page, render=services.render)


@bp.post("/inbox/<int:notification_id>/open")
@login_required
def open_notification(notification_id):
    """Mark a notification read and follow its link."""
    services.mark_read(current_user, notification_id)
    from ..extensions import db
    from .models import Notification

    note = db.session.get(Notification, notification_id)
    return redirect(safe_next(note.link) or url_for("inbox.index"))


@bp.post("/inbox/read-all")
@login_required
def read_all():
    services.mark_read(current_user)
    return redirect(url_for("inbox.index"))
