"""Engagements: invitations of brokers onto listings, needs and deals, and their answers."""
from flask import Blueprint, abort

bp = Blueprint("engagements", __name__, url_prefix="/engagements")


@bp.get("/")
def index():
    abort(404)  # placeholder until the pages land
