"""Ratings after a deal."""
from flask import Blueprint, abort

bp = Blueprint("ratings", __name__, url_prefix="/ratings")


@bp.get("/")
def index():
    abort(404)  # placeholder until the pages land
