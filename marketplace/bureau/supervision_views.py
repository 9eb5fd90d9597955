"""Bureau supervision: all queues with ages and due dates, overdue items, credit, audit search."""
from flask import Blueprint, abort

bp = Blueprint("supervision", __name__, url_prefix="/bureau/supervision")


@bp.get("/")
def index():
    abort(404)  # placeholder until the pages land
