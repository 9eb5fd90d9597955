"""JSON API v1 (API.md): token auth, one error format, and an OpenAPI document from the code."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from . import (  # noqa: E402,F401  (routes register)
    accounts,
    achievements,
    brokers,
    complaints,
    contracts,
    credit,
    engagements,
    listings,
    needs,
    search,
    spec,
    stats,
)
