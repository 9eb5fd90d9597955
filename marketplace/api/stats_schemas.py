"""marshmallow schemas of API.md "Search and statistics": GET /stats/contracts."""
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ..stats.dimensions import GROUP_BY
from .contract_schemas import Money
from .core import BaseSchema
from .schemas import one_of


class ContractStatsQuery(BaseSchema):
    year = fields.Integer(load_default=None, metadata={
        "description": "The year (local calendar); this year when left out."})
    quarter = fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=4, error=_l("Choose a quarter from 1 to 4.")), metadata={
        "description": "Only this quarter of the year."})
    month = fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=12, error=_l("Choose a month from 1 to 12.")), metadata={
        "description": "Only this month of the year (with `quarter`, it must lie in it)."})
    group_by = fields.String(load_default=None, validate=one_of(GROUP_BY), metadata={
        "enum": [*GROUP_BY, None],
        "description": "The breakdown in `groups`; none when left out. `flow`: sold out of "
                       "the city (out), bought in from China (in) or abroad (import), within "
                       "the city, neither party in Lüliang (outside)."})


class StatsGroupSchema(BaseSchema):
    key = fields.String(metadata={
        "description": "The code (`unknown`: not stated); `2026-Q1` for a quarter, `2026-03` "
                       "for a month."})
    label = fields.String(metadata={"description": "The group's name in the reader's "
                                                   "language."})
    count = fields.Integer()
    total_amount = Money()
    technology_amount = Money()


class ContractStatsSchema(BaseSchema):
    year = fields.Integer()
    quarter = fields.Integer(allow_none=True)
    month = fields.Integer(allow_none=True)
    count = fields.Integer(metadata={"description": "Certified contracts (revoked and "
                                                    "cancelled ones do not count)."})
    total_amount = Money()
    technology_amount = Money()
    growth_vs_previous_year = fields.Float(allow_none=True, metadata={
        "description": "Growth of the contract amount on the same period of the previous "
                       "year, in percent; null when that period had no certified contract."})
    target_growth = fields.Float(metadata={"description": "The plan's target, in percent."})
    on_track = fields.Boolean(allow_none=True)
    compared_until = fields.Date(allow_none=True, metadata={
        "description": "For a period still running: the previous year is counted up to this "
                       "date (exclusive)."})
    groups = fields.List(fields.Nested(StatsGroupSchema), metadata={
        "description": "Every group of `group_by`; they add up to the totals."})
