"""API.md "Search and statistics": GET /api/v1/search."""
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ..codes import FIELDS, REGIONS
from ..search import search
from ..search.engine import SORTS
from .core import BaseSchema, PageQuery, endpoint
from .schemas import one_of

TYPES = ("listing", "achievement", "need")


def _enum(values):
    # The documented default (none) must be one of the documented values.
    return fields.String(load_default=None, validate=one_of(values),
                         metadata={"enum": [*values, None]})


class SearchQuery(PageQuery):
    q = fields.String(load_default="", validate=validate.Length(
        max=200, error=_l("At most %(n)d characters.", n=200)))
    type = _enum(TYPES)
    field = _enum(FIELDS)
    county = _enum(REGIONS)
    maturity_min = fields.Integer(load_default=None, validate=validate.Range(min=1, max=9))
    maturity_max = fields.Integer(load_default=None, validate=validate.Range(min=1, max=9))
    transfer_mode = fields.String(load_default=None)
    price_min = fields.Integer(load_default=None, validate=validate.Range(min=0),
                               metadata={"description": "Yuan, whole."})
    price_max = fields.Integer(load_default=None, validate=validate.Range(min=0),
                               metadata={"description": "Yuan, whole."})
    sort = fields.String(load_default="relevance", validate=one_of(SORTS),
                         metadata={"enum": list(SORTS)})


class SearchItemSchema(BaseSchema):
    type = fields.String(metadata={"enum": list(TYPES)})
    id = fields.Integer()
    title = fields.String()
    highlight = fields.String(metadata={
        "description": "An HTML fragment of the summary: escaped text, the query's words in "
                       "<mark>."})
    score = fields.Float()
    url = fields.String(metadata={"description": "The record's page on the site."})


class SearchPageSchema(BaseSchema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(SearchItemSchema))
    facets = fields.Dict(keys=fields.String(), values=fields.Dict(
        keys=fields.String(), values=fields.Integer()), metadata={
        "description": "Counts per value of type, field, county, maturity (TRL), "
                       "transfer_mode and price (band). `type` counts ignore the type filter; "
                       "the others count within the current results."})
    suggestion = fields.String(allow_none=True, metadata={
        "description": "A corrected query when nothing matched, if it finds something."})


@endpoint("/search", summary="Search public listings, achievements and needs",
          tags=("search",), query=SearchQuery, response=SearchPageSchema, errors=(422,))
def search_records(args):
    """Plain text in Chinese or English (names of one technology in either language find each
    other), with filters and facets. Only public records are found."""
    filters = {name: args[name] for name in ("type", "field", "county", "maturity_min",
                                              "maturity_max", "transfer_mode", "price_min",
                                              "price_max")}
    results = search(args["q"], filters, args["sort"], args["page"], args["per_page"])
    facets = dict(results.facets)
    facets["price"] = facets.pop("price_band", {})
    return {
        "total": results.total, "page": results.page, "per_page": results.per_page,
        "items": [{"type": hit.type, "id": hit.id, "title": hit.record.title,
                   "highlight": str(hit.snippet), "score": hit.score, "url": hit.url}
                  for hit in results.hits],
        "facets": facets, "suggestion": results.suggestion,
    }
