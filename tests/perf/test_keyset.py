"""Keyset pagination (marketplace/keyset.py): walking a list by `?after=` cursors returns every
row exactly once, in the list's order, also when many rows share the sort key; the page
after the last numbered one is reached by a cursor, not by OFFSET."""
import re

import pytest
import sqlalchemy as sa

from marketplace import keyset
from marketplace.extensions import db

from .query_helpers import clone, ids

TIED = 45  # rows sharing one sort key, more than two pages of them


def _tie(name, key_column, where, count=TIED):
    """`count` copies of the newest row of `name` matching `where`, all with its sort key."""
    newest = ids(f"SELECT id FROM {name} WHERE {where} "
                 f"ORDER BY {key_column} DESC, id DESC LIMIT 1")[0]
    for _ in range(count):
        if name == "achievements":
            clone(name, newest)
        else:  # a listing of an achievement of its own
            achievement = db.session.scalar(sa.text(
                "SELECT achievement_id FROM listings WHERE id = :i"), {"i": newest})
            clone(name, newest, achievement_id=clone("achievements", achievement))
    db.session.commit()


@pytest.fixture(scope="module")
def tied(demo):
    with demo.context():
        # past the numbered pages (5 × 20)
        _tie("listings", "first_announced_at", "first_announced_at IS NOT NULL", 2 * TIED)
        _tie("achievements", "registered_at", "status = 'registered'")
    return demo


LISTS = {
    # path: the SELECT of the list's ids in the view's order
    "/listings?state=all": "SELECT id FROM listings WHERE first_announced_at IS NOT NULL "
                           "AND status != 'withdrawn' ORDER BY first_announced_at DESC, id DESC",
    "/achievements": "SELECT id FROM achievements WHERE status = 'registered' "
                     "ORDER BY registered_at DESC, id DESC",
    "/needs?state=all": "SELECT id FROM needs WHERE published_at IS NOT NULL ORDER BY "
                        "CASE WHEN status = 'published' THEN 1 ELSE 0 END DESC, "
                        "updated_at DESC, id DESC",
    "/bureau/supervision/audit?entity=listing": "SELECT id FROM audit_entries "
                                                "WHERE entity = 'listing' ORDER BY id DESC",
}
ROW = {"/listings": r'href="/listings/(\d+)"', "/achievements": r'href="/achievements/(\d+)"',
       "/needs": r'href="/needs/(\d+)"', "/bureau": r'id="entry-(\d+)"'}


def _walk(demo, path, pattern, user):
    """Every row id the list shows, page 1 then by `after` cursors from each page's last."""
    seen, query, pages = [], "page=1", 0
    while True:
        response, _queries = demo.queries(f"{path}{'&' if '?' in path else '?'}{query}",
                                          as_user=user)
        assert response.status_code == 200
        shown = [int(i) for i in re.findall(pattern, response.get_data(as_text=True))]
        shown = list(dict.fromkeys(shown))  # a row may link to itself twice
        if not shown:
            return seen, pages
        seen += shown
        pages += 1
        query = f"after={shown[-1]}"


@pytest.mark.parametrize("path", LISTS)
def test_cursors_return_every_row_once_in_order(tied, path):
    user = "bureau" if path.startswith("/bureau") else None
    pattern = ROW["/" + path.split("/")[1].split("?")[0]]
    seen, pages = _walk(tied, path, pattern, user)
    expected = tied.scalars(LISTS[path])
    assert len(seen) == len(set(seen)), "a row shown twice"
    assert seen == expected
    assert pages >= 2


def test_the_page_after_the_numbered_ones_is_reached_by_a_cursor(tied):
    per_page = 20
    expected = tied.scalars(LISTS["/listings?state=all"])
    assert len(expected) > keyset.NUMBERED * per_page, "the data should go past the numbers"
    last_numbered, _ = tied.queries(f"/listings?state=all&page={keyset.NUMBERED}&lang=en")
    html = last_numbered.get_data(as_text=True)
    cursor = expected[keyset.NUMBERED * per_page - 1]
    assert f"after={cursor}" in html and 'rel="next"' in html
    assert f"page={keyset.NUMBERED + 1}" not in html  # no numbered link past the last one
    deep, queries = tied.queries(f"/listings?state=all&after={cursor}&lang=en")
    assert deep.status_code == 200
    assert "First page" in deep.get_data(as_text=True)
    # The rows are read after the cursor's row, from the start (no rows skipped by OFFSET).
    read = [(" ".join(s.split()), p) for s, p in zip(queries.statements, queries.parameters,
                                                     strict=True)]
    read = [(s, p) for s, p in read if s.startswith("SELECT listings.id, ")
            and "ORDER BY listings.first_announced_at DESC" in s]
    assert len(read) == 1, read
    statement, parameters = read[0]
    values = list(parameters.values() if isinstance(parameters, dict) else parameters)
    assert "listings.id <" in statement and cursor in values
    assert keyset.NUMBERED * per_page not in values, (statement, values)  # no OFFSET 100
    listed = [int(i) for i in re.findall(r'href="/listings/(\d+)"', deep.get_data(as_text=True))]
    assert list(dict.fromkeys(listed)) == expected[keyset.NUMBERED * per_page:][:per_page]
