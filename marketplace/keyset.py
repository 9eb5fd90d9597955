"""Keyset pagination for the lists that get deep (the public listings, achievements and needs,
the audit search): the first pages keep their numbers (`?page=1` … `?page=NUMBERED`), and from
the last numbered page on, "Next" is `?after=<id of the page's last row>`, which reads the rows
that sort after that row through the list's index instead of counting past N×20 rows with
OFFSET.

The cursor is the last row's id: the rest of its sort key is read from that row in the same
query (a subquery by primary key), so the URL carries no dates to parse or forge, and rows
with the same sort key are told apart by their id (the last key of every such list). Every key
sorts descending (newest first), as these lists do.

A page is a Flask-SQLAlchemy Pagination (numbered pages) or a KeysetPage (a page after a
cursor); both have what templates/_macros/pagination.html reads, plus `next_after` (the
cursor of the next page, or None) and `numbered_up_to`.
"""
from flask import request
from sqlalchemy import and_, func, or_, select

from .extensions import db

NUMBERED = 5  # pages reachable by number; past them, "Next" follows the keyset


class KeysetPage:
    """A page read after a cursor: no number of its own (`page` is None)."""

    deep = True
    page = None
    numbered_up_to = NUMBERED

    def __init__(self, items, per_page, total, next_after):
        self.items, self.per_page, self.total, self.next_after = items, per_page, total, next_after
        self.pages = -(-total // per_page) if total else 0
        self.has_prev, self.has_next = True, next_after is not None


def _after(keys, ident, cursor):
    """SQL: the row sorts after the row whose id is `cursor` (every key descending, `ident`
    last)."""
    # The cursor row's keys, read by its primary key (not correlated to the outer rows).
    values = [select(key).where(ident == cursor).correlate(None).scalar_subquery()
              for key in keys]
    condition = ident < cursor
    for key, value in reversed(list(zip(keys, values, strict=True))):
        condition = or_(key < value, and_(key == value, condition))
    # The first key's bound on its own as well: without it SQLite reads each branch of the OR
    # apart and sorts them (0.8 s at 100,000 listings), with it one range of the index in order
    # (0.04 ms).
    return and_(keys[0] <= values[0], condition) if keys else condition


def paginate(stmt, keys, ident, per_page=20):
    """The page of `stmt` (already filtered and ordered by `keys` then `ident`, descending)
    that the request asks for: `?after=<id>` or `?page=<n>` (n up to NUMBERED)."""
    cursor = request.args.get("after", type=int)
    if cursor is not None:
        total = db.session.scalar(select(func.count()).select_from(
            stmt.order_by(None).subquery()))
        rows = db.session.scalars(stmt.where(_after(keys, ident, cursor))
                                  .limit(per_page + 1)).all()
        items = rows[:per_page]
        more = len(rows) > per_page and items
        return KeysetPage(items, per_page, total, _id_of(items[-1]) if more else None)
    number = min(max(request.args.get("page", 1, type=int), 1), NUMBERED)
    page = db.paginate(stmt, page=number, per_page=per_page, error_out=False)
    page.numbered_up_to = NUMBERED
    page.next_after = (_id_of(page.items[-1]) if page.page >= NUMBERED and page.has_next
                       and page.items else None)
    return page


def _id_of(row):
    return row.id
