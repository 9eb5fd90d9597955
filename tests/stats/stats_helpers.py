"""Statistics test helpers: contracts inserted in bulk (bench/stats_corpus.py), the expected
figures computed here in Python from the same rows, and readers of the page's tables and CSV.

`Stats` (the `stats` fixture) opens its own app context for each call, so tests mix it freely
with requests through the test client.
"""
import csv
import io
import random
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser

from bench.stats_corpus import contract_row, contract_rows
from marketplace import clock
from marketplace.codes import ABROAD, COUNTIES
from marketplace.contracts.models import Contract
from marketplace.extensions import db
from tests.factories import make_member, make_user

DEFAULT_MOMENT = "2026-06-30T10:00:00+08:00"
ZERO = Decimal("0.00")
_serials = iter(range(1, 10**9))


def moment(text):
    """An aware datetime from ISO text with its offset (`2026-03-31T23:30:00+08:00`)."""
    return datetime.fromisoformat(text)


# --- the expected figures, from the rows themselves ------------------------------------------

def _county(row):
    for region in (row["seller_region"], row["buyer_region"]):
        if region in COUNTIES:
            return region
    return "outside"


def _flow(row):
    seller_in, buyer_in = row["seller_region"] in COUNTIES, row["buyer_region"] in COUNTIES
    if seller_in and buyer_in:
        return "within"
    if seller_in:
        return "out"
    if buyer_in:
        return "import" if row["is_import"] or row["seller_region"] == ABROAD else "in"
    return "outside"


def local_date(row):
    return row["certified_at"].astimezone(clock.LOCAL_TZ).date()


KEYS = {
    "type": lambda r: r["contract_type"] or "unknown",
    "field": lambda r: r["field"] or "unknown",
    "tech_domain": lambda r: r["tech_domain"] or "unknown",
    "seller_entity_type": lambda r: r["seller_entity_type"] or "unknown",
    "buyer_entity_type": lambda r: r["buyer_entity_type"] or "unknown",
    "county": _county,
    "flow": _flow,
    "quarter": lambda r: f"{local_date(r).year}-Q{(local_date(r).month - 1) // 3 + 1}",
    "month": lambda r: f"{local_date(r).year}-{local_date(r).month:02d}",
}


def expected(rows, year, quarter=None, month=None, group_by=None, **filters):
    """(count, total, technology) of the certified rows of the period, or per group key."""
    def keep(row):
        if row["status"] != "certified":
            return False
        day = local_date(row)
        if day.year != year or (month and day.month != month) or (
                quarter and (day.month - 1) // 3 + 1 != quarter):
            return False
        return all(KEYS[name](row) == key for name, key in filters.items())

    groups = defaultdict(lambda: [0, ZERO, ZERO])
    for row in filter(keep, rows):
        figures = groups[KEYS[group_by](row) if group_by else None]
        figures[0] += 1
        figures[1] += row["total_amount"]
        figures[2] += row["technology_amount"]
    if group_by is None:
        return tuple(groups[None]) if groups else (0, ZERO, ZERO)
    return {key: tuple(value) for key, value in groups.items()}


# --- reading the page ----------------------------------------------------------------------------

class _TableReader(HTMLParser):
    """Rows of cell texts (thead, tbody and tfoot) of the table with this id, and links."""

    def __init__(self, table_id):
        super().__init__(convert_charrefs=True)
        self.table_id, self.depth = table_id, 0
        self.rows, self.links, self.cell = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.depth = 1
        elif self.depth and tag == "table":
            self.depth += 1
        if not self.depth:
            return
        if tag == "tr":
            self.rows.append([])
            self.links.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "a" and self.cell is not None:
            self.links[-1].append(attrs.get("href"))

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and self.cell is not None:
            self.cell.append(data)


def page_table(html, name):
    """The rows (header first, total last) of the page's table `name`."""
    reader = _TableReader(f"table-{name}")
    reader.feed(html)
    return reader.rows


def page_links(html, name):
    reader = _TableReader(f"table-{name}")
    reader.feed(html)
    return reader.links


def csv_rows(body: bytes):
    """The rows of a CSV download, after checking its byte-order mark."""
    assert body.startswith("\ufeff".encode()), "the CSV starts with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def number(text):
    """A number shown on the page or in a CSV file (thousands separators removed)."""
    return Decimal(text.replace(",", ""))


# --- records -------------------------------------------------------------------------------

class Stats:
    def __init__(self, app, client):
        self.app, self.client = app, client
        self._filer = None

    def user(self, role):
        with self.app.app_context():
            if role in ("institute", "enterprise", "broker"):
                return make_member(role)
            return make_user(role)

    @property
    def filer(self):
        if self._filer is None:
            self._filer = self.user("institute")
        return self._filer

    def insert(self, rows):
        with self.app.app_context():
            db.session.execute(Contract.__table__.insert(), rows)
            db.session.commit()
        return rows

    def generate(self, count=300, seed=7, years=(2025, 2026), other_states=0.25):
        """Random but seeded contracts, inserted; returns their rows."""
        return self.insert(contract_rows(
            count, self.filer.organization_id, self.filer.id, years=years, seed=seed,
            other_states=other_states, first_serial=next(_serials) * 100000))

    def contract(self, certified_at, status="certified", seed=None, **values):
        """One contract certified (or last moved) at `certified_at` (ISO text or datetime),
        with `values` overriding the generated columns; returns its row."""
        when = moment(certified_at) if isinstance(certified_at, str) else certified_at
        serial = next(_serials)
        row = contract_row(random.Random(serial if seed is None else seed), serial,
                           self.filer.organization_id, self.filer.id, when, status)
        row.update(values)
        return self.insert([row])[0]
