"""Message pages: the user's threads, one conversation with its reply form, and starting a
conversation from a listing, need or deal page."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..errors import ValidationFailed
from ..extensions import db
from ..forms import apply_errors
from . import services
from .forms import MessageForm

bp = Blueprint("messages", __name__, url_prefix="/messages")


@bp.app_template_global()
def message_options(entity, record, viewer):
    """For templates/messages/_for_record.html: the viewer's conversations about a record."""
    return services.options_for(entity, record, viewer)


def _user():
    return current_user._get_current_object()


@bp.get("")
@login_required
def index():
    """The user's threads, the newest activity first, with their unread counts."""
    page = services.threads_of(_user(), request.args.get("page", 1, type=int))
    return render_template("messages/index.html", page=page)


@bp.post("/start")
@login_required
def start():
    """Open (starting if need be) the conversation about a record with a counterpart."""
    entity = request.form.get("entity", "")
    record = services.record_of(entity, request.form.get("entity_id", type=int))
    org_id = request.form.get("counterpart_org", type=int)
    user_id = request.form.get("counterpart_user", type=int)
    counterpart = services.Counterpart(org_id, None if org_id else user_id) \
        if org_id or user_id else None
    thread = services.thread_for(entity, record, counterpart, _user())
    return redirect(url_for("messages.thread", thread_id=thread.id))


@bp.route("/<int:thread_id>", methods=["GET", "POST"])
@login_required
def thread(thread_id):
    """The conversation, oldest message first, and the reply form (POST sends a reply)."""
    form, messages, status = MessageForm(), None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.post(thread_id, _user(), form.body.data)
            except ValidationFailed as exc:
                db.session.rollback()
                messages, status = apply_errors(form, exc), 422
            else:
                return redirect(url_for("messages.thread", thread_id=thread_id,
                                        _anchor="latest"))
        else:
            status = 400
    else:
        services.read(thread_id, _user())
    summary, conversation = services.conversation(thread_id, _user())
    return render_template("messages/thread.html", summary=summary, conversation=conversation,
                           form=form, form_errors=messages), status
