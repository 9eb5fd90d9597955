"""Bureau: complaints investigation and decision, the blacklist."""
from flask import Blueprint, abort

bp = Blueprint("bureau_credit", __name__, url_prefix="/bureau/credit")


@bp.get("/")
def index():
    abort(404)  # placeholder until the pages land
