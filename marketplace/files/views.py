"""Serving stored files through an authorising view, never from static/."""
from flask import Blueprint, send_file
from flask_login import current_user, login_required

from .services import path_of, printable_name, readable_file

bp = Blueprint("files", __name__)


@bp.get("/files/<int:file_id>")
@login_required
def download(file_id):
    """Send a stored file to someone allowed to read it (PDF inline, images inline)."""
    stored = readable_file(file_id, current_user)
    response = send_file(path_of(stored), mimetype=stored.content_type,
                         download_name=printable_name(stored.original_name), as_attachment=False,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    # Our own review pages show PDFs inline in a frame; nobody else may frame them, and the
    # file itself may run nothing.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
