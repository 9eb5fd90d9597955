"""Matches across the market for brokers (officers may look too): the newest published needs,
of the fields chosen, each with the listings and achievements that best fit it, the pairs
ranked by score, the terms each pair shares marked on both sides."""
from flask import Blueprint, render_template, request

from ..accounts.models import Role
from ..auth import roles_required
from ..codes import FIELDS
from ..search import highlight
from . import matching

bp = Blueprint("matches", __name__, url_prefix="/matches")

NEEDS_PER_PAGE = 10
OFFERS_PER_NEED = 3


def snippet(match, text, width=120):
    """About `width` characters of `text` around the terms `match` shares, marked."""
    return highlight.snippet(text or "", *match.hit.marks, width=width)


@bp.get("")
@roles_required(Role.BROKER, Role.BUREAU, Role.ADMIN)
def index():
    """`?field=coal&field=power` keeps the needs of those fields (none: every field);
    `?page=` pages through the needs, ten a page."""
    fields = [f for f in dict.fromkeys(request.args.getlist("field")) if f in FIELDS]
    needs, pairs = matching.across_market(
        fields=fields, needs_per_page=NEEDS_PER_PAGE, page=max(1, request.args.get(
            "page", 1, type=int)), per_need=OFFERS_PER_NEED)
    matched = {need.id for need, _match in pairs}
    return render_template(
        "needs/matches.html", needs=needs, pairs=pairs, fields=fields,
        unmatched=[n for n in needs.items if n.id not in matched], match_snippet=snippet)
