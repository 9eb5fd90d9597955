"""The index's fields. Raise SCHEMA_VERSION with any change here, in analysis.py or in
terms.txt: the version is part of the index folder's name, so a new version starts from an
empty folder and is rebuilt from the database."""
from whoosh.columns import NumericColumn, RefBytesColumn
from whoosh.fields import COLUMN, ID, NUMERIC, TEXT, FieldType, Schema
from whoosh.formats import Existence

from .analysis import BigramTokenizer, SpellingTokenizer, WordTokenizer

SCHEMA_VERSION = 1

# Jieba words rank; character pairs only rescue recall where jieba cut differently.
TITLE_BOOST = 4.0
KEYWORDS_BOOST = 2.0
CHARS_BOOST = 0.2
TEXT_FIELDS = ("title", "keywords", "summary")

# Price bands of the facet, in yuan: (code, lowest, below).
PRICE_BANDS = (("lt100k", 0, 100_000), ("100k-500k", 100_000, 500_000),
               ("500k-1m", 500_000, 1_000_000), ("1m-5m", 1_000_000, 5_000_000),
               ("5m+", 5_000_000, None))
NO_PRICE = 10 ** 15  # sorts records without a price after every priced one


def price_band(price):
    if price is None:
        return None
    for code, low, below in PRICE_BANDS:
        if price >= low and (below is None or price < below):
            return code
    return None


def make_schema():
    # Facet columns keep each value once and a small number per record. Each indexed numeric
    # value costs a posting per tier (16 for a 64-bit value with whoosh's default tiers):
    # maturity is a code, `updated` is only sorted on (a column), and price keeps four tiers
    # for its range filter.
    words = WordTokenizer()
    return Schema(
        key=ID(unique=True, stored=True),  # "<type>:<id>"
        type=ID(sortable=RefBytesColumn()),
        title=TEXT(analyzer=words, phrase=False, field_boost=TITLE_BOOST),
        keywords=TEXT(analyzer=words, phrase=False, field_boost=KEYWORDS_BOOST),
        summary=TEXT(analyzer=words, phrase=False),
        # Which pairs a record has, no more: no positions (their encoding was more than half
        # of the indexing time). Scorable, because whoosh looks for the length of every
        # posting when it writes a segment, and without lengths that is a stat() each.
        chars=FieldType(Existence(field_boost=CHARS_BOOST), analyzer=BigramTokenizer(),
                        scorable=True),
        spelling=FieldType(Existence(), analyzer=SpellingTokenizer(), scorable=True),  # ditto
        field=ID(sortable=RefBytesColumn()),
        county=ID(sortable=RefBytesColumn()),
        maturity=ID(sortable=RefBytesColumn()),  # technology readiness level "1" … "9"
        transfer_mode=ID(sortable=RefBytesColumn()),
        price=NUMERIC(int, bits=64, shift_step=16, sortable=True),
        price_band=ID(sortable=RefBytesColumn()),
        status=ID(),
        updated=COLUMN(NumericColumn("q")),  # microseconds since 1970, UTC
    )
