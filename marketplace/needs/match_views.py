"""Matches across the market for brokers (being written)."""
from flask import Blueprint, abort

bp = Blueprint("matches", __name__, url_prefix="/matches")


@bp.get("")
def index():
    abort(404)
