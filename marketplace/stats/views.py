"""Public statistics page and CSV downloads."""
from flask import Blueprint, abort

bp = Blueprint("stats", __name__, url_prefix="/stats")


@bp.get("/")
def index():
    abort(404)  # placeholder until the pages land
