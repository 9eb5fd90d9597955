"""API.md "Search and statistics": GET /api/v1/stats/contracts."""
from types import SimpleNamespace

from ..stats import periods, services
from .core import endpoint
from .stats_schemas import ContractStatsQuery, ContractStatsSchema


@endpoint("/stats/contracts", summary="Statistics of certified technology contracts",
          tags=("stats",), query=ContractStatsQuery, response=ContractStatsSchema,
          errors=(422,))
def contract_stats(args):
    """The count and amounts of the contracts certified in a year, quarter or month (by the
    date of certification in Lüliang), the growth on the previous year against the plan's
    target, and one breakdown. The same numbers as the page /stats."""
    period = periods.parse(args["year"], args["quarter"], args["month"])
    return SimpleNamespace(**services.contract_stats(period, args["group_by"]))
