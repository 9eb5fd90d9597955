"""Public broker directory and profiles; the broker's own profile page."""
from flask import Blueprint, abort

bp = Blueprint("brokers", __name__, url_prefix="/brokers")


@bp.get("/")
def index():
    abort(404)  # placeholder until the pages land


@bp.get("/me")
def me():
    abort(404)  # placeholder until the pages land
