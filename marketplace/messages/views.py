"""Message threads (being written)."""
from flask import Blueprint, abort

bp = Blueprint("messages", __name__, url_prefix="/messages")


@bp.get("")
def index():
    abort(404)
