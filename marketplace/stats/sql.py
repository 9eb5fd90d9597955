"""SQL pieces the statistics share, the same answer on SQLite and PostgreSQL.

Sums of money are exact on both: PostgreSQL sums NUMERIC exactly; SQLite keeps NUMERIC as a
binary float, so there each amount is summed as whole cents (an integer) and turned back into
yuan here, and the groups of a breakdown add up to the cent to the headline total.
"""
from decimal import Decimal

from sqlalchemy import Date, Integer, cast, func, literal_column

from ..extensions import db
from ..money import CENT

LOCAL_OFFSET_HOURS = 8  # Asia/Shanghai, the market's time zone (clock.LOCAL_TZ)


def _sqlite():
    return db.session.get_bind().dialect.name == "sqlite"


def is_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def money_sum(column):
    """SUM(column) as exactly as the database allows; read it back with `yuan()`."""
    if _sqlite():
        return func.coalesce(func.sum(cast(func.round(column * 100), Integer)), 0)
    return func.coalesce(func.sum(column), 0)


def yuan(raw):
    """A `money_sum()` result as Decimal yuan with two decimals."""
    if _sqlite():
        return (Decimal(int(raw or 0)) / 100).quantize(CENT)
    return Decimal(raw or 0).quantize(CENT)


def local_day(column):
    """The market's local date (Asia/Shanghai) of a UTC timestamp column, as SQL.

    Asia/Shanghai has kept UTC+8 without daylight saving since 1991, so eight hours are
    added (cheaper than a time-zone conversion of every row).
    """
    if _sqlite():
        return func.date(column, f"+{LOCAL_OFFSET_HOURS} hours")
    return cast(column + literal_column(f"interval '{LOCAL_OFFSET_HOURS} hours'"), Date)
