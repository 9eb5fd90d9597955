"""Complaints by a party to a deal."""
from flask import Blueprint, abort

bp = Blueprint("complaints", __name__, url_prefix="/complaints")


@bp.get("/")
def index():
    abort(404)  # placeholder until the pages land
