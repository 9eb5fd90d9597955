"""Need pages for the public, enterprises and responders (being written)."""
from flask import Blueprint, abort

bp = Blueprint("needs", __name__, url_prefix="/needs")


@bp.get("")
def index():
    abort(404)


@bp.get("/mine")
def mine():
    abort(404)


@bp.get("/<int:need_id>")
def detail(need_id):
    abort(404)
