"""The search page: one box, type tabs, facets with counts, highlighted results."""
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from ..codes import FIELDS, REGIONS
from ..listings.states import TRANSFER_MODES
from .documents import TYPES, types_in_order
from .engine import search
from .schema import PRICE_BANDS

bp = Blueprint("search", __name__)

# The maturity facet groups technology readiness levels into GB/T 22900's stages.
STAGES = {"early": (1, 3, _l("Early stage (TRL 1–3)")),
          "middle": (4, 6, _l("Middle stage (TRL 4–6)")),
          "mature": (7, 9, _l("Mature application (TRL 7–9)"))}
PRICE_LABELS = dict(zip((code for code, _low, _below in PRICE_BANDS), (
    _l("Under ¥100,000"), _l("¥100,000 to ¥500,000"), _l("¥500,000 to ¥1 million"),
    _l("¥1 million to ¥5 million"), _l("¥5 million and more")), strict=True))
SORT_LABELS = {"relevance": _l("Relevance"), "newest": _l("Newest"), "price": _l("Price")}
MAX_QUERY = 200


def _choice(name, allowed):
    value = request.args.get(name, "")
    return value if value in allowed else None


def _facets(results):
    """[(name, heading, request argument, [(value, label, count)])] of the non-empty facets,
    most frequent value first."""
    counts = results.facets
    stages = {}
    for level, n in counts.get("maturity", {}).items():
        stage = next(code for code, (low, high, _) in STAGES.items() if low <= int(level) <= high)
        stages[stage] = stages.get(stage, 0) + n
    facets = [
        ("field", _l("Field"), "field", FIELDS, counts.get("field", {})),
        ("county", _l("Region"), "county", REGIONS, counts.get("county", {})),
        ("maturity", _l("Maturity"), "stage", {c: s[2] for c, s in STAGES.items()}, stages),
        ("transfer_mode", _l("Transfer mode"), "mode", TRANSFER_MODES,
         counts.get("transfer_mode", {})),
        ("price", _l("Price"), "price", PRICE_LABELS, counts.get("price_band", {})),
    ]
    shown = []
    for name, heading, arg, labels, values in facets:
        if name == "maturity":
            rows = [(code, labels[code], values[code]) for code in STAGES if code in values]
        else:
            rows = sorted(((value, labels.get(value, value), n) for value, n in values.items()),
                          key=lambda row: -row[2])
        if rows:
            shown.append((name, heading, arg, rows))
    return shown


@bp.get("/search")
def index():
    """Search every public record: `?q=` with tabs (`type`), facets (`field`, `county`,
    `stage`, `mode`, `price`), `sort` and `page`, all kept in the URL."""
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    stage = _choice("stage", STAGES)
    filters = {
        "type": _choice("type", TYPES), "field": _choice("field", FIELDS),
        "county": _choice("county", REGIONS), "transfer_mode": _choice("mode", TRANSFER_MODES),
        "price_band": _choice("price", PRICE_LABELS),
        "maturity_min": STAGES[stage][0] if stage else None,
        "maturity_max": STAGES[stage][1] if stage else None,
    }
    # Without words there is no relevance: the newest come first.
    sorts = SORT_LABELS if query else {k: v for k, v in SORT_LABELS.items() if k != "relevance"}
    sort = _choice("sort", sorts) or next(iter(sorts))
    results = search(query, filters, sort, request.args.get("page", 1, type=int))
    return render_template("search/index.html", results=results, query=query,
                           types=types_in_order(), facets=_facets(results), sorts=sorts,
                           sort=sort, default_sort=next(iter(sorts)),
                           active_type=filters["type"])
