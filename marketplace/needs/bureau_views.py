"""The bureau's need pages (being written)."""
from flask import Blueprint, abort

bp = Blueprint("bureau_needs", __name__, url_prefix="/bureau/needs")


@bp.get("")
def queue():
    abort(404)
