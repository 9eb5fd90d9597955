"""Bureau: broker verification queue and review."""
from flask import Blueprint, abort

bp = Blueprint("bureau_brokers", __name__, url_prefix="/bureau/brokers")


@bp.get("/")
def index():
    abort(404)  # placeholder until the pages land
