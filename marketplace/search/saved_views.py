"""Saved searches (being written)."""
from flask import Blueprint, abort

bp = Blueprint("saved_searches", __name__, url_prefix="/saved-searches")


@bp.get("")
def index():
    abort(404)
