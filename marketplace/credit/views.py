"""Credit: the formula, scores and each record's event history."""
from flask import Blueprint, abort

bp = Blueprint("credit", __name__, url_prefix="/credit")


@bp.get("/")
def index():
    abort(404)  # placeholder until the pages land
