"""The set of records a query matches, computed with Python's set operations over whole
posting blocks, and per-record column values kept in memory: for totals, facet counts and
sorting by date or price. Walking whoosh's matchers one record at a time costs a few
microseconds per record and dominated every broad search; whoosh still scores the top of
the list for the relevance order.

Index segments never change once written (only their deletions do), so values read from a
segment are cached by its id.
"""
import threading
from bisect import bisect_left
from collections import OrderedDict

from whoosh import query as q
from whoosh.matching import ListMatcher, NullMatcher


class _Cache:
    """A least-recently-used cache of values per (segment id, …), holding at most `size`
    elements in all (a value counts for its length)."""

    def __init__(self, size):
        self.size, self.held = size, 0
        self.values = OrderedDict()
        self.lock = threading.RLock()  # column_values() nests a get in a compute

    def get(self, cache_key, compute):
        with self.lock:
            try:
                self.values.move_to_end(cache_key)
                return self.values[cache_key]
            except KeyError:
                value = self.values[cache_key] = compute()
                self.held += len(value) + 1
                while self.held > self.size and len(self.values) > 1:
                    self.held -= len(self.values.popitem(last=False)[1]) + 1
                return value


_POSTINGS = _Cache(3_000_000)  # docnums per term (about 100 MB at most)
# Values per record of the facet and sort columns: eight of them, each kept per segment and,
# when the index has several segments, once more for the whole index. All must fit, or every
# search reads them all again (at 156k records in two segments, 2.5 million values: with
# room for 2 million, each search spent 0.8 s reading columns). 12 million pointers are
# about 100 MB at most, reached only past 700k records.
_COLUMNS = _Cache(12_000_000)


def _leaves(reader):
    """(segment reader, first docnum) of the live segments (none for an empty index)."""
    return [(leaf, offset) for leaf, offset in reader.leaf_readers()
            if leaf.segment() is not None]


def _block_ids(matcher):
    """Every docnum of a fresh whoosh 3 posting matcher, a block at a time."""
    matcher = getattr(matcher, "child", matcher)  # without the deletions filter
    ids = []
    while not matcher._atend and matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        ids.extend(matcher._ids)
        matcher._next_block()
    return ids


def term_ids(reader, fieldname, text):
    """The docnums having `text` in `fieldname`, deleted ones included (matching() takes
    them out once). Read-only: it may be the cached set itself."""
    found = None
    for leaf, offset in _leaves(reader):
        if (fieldname, text) not in leaf:
            continue

        def read(leaf=leaf, offset=offset):
            ids = _block_ids(leaf.postings(fieldname, text))
            return frozenset([i + offset for i in ids] if offset else ids)

        ids = _POSTINGS.get((leaf.segment().segment_id(), offset, fieldname, text), read)
        found = ids if found is None else found | ids
    return found if found is not None else frozenset()


def matching(searcher, query):
    """The live docnums matching `query`."""
    reader = searcher.reader()
    found = _matching(searcher, reader, query)
    deleted = [d + offset for leaf, offset in _leaves(reader) for d in leaf.deleted_docs_set]
    return found.difference(deleted) if deleted else found


def _matching(searcher, reader, query):
    if isinstance(query, q.Term):
        return term_ids(reader, query.fieldname, query.text)
    if isinstance(query, q.Or):
        parts = [_matching(searcher, reader, sub) for sub in query.subqueries]
        return frozenset().union(*parts) if len(parts) > 1 else parts[0]
    if isinstance(query, q.And):
        parts = sorted((_matching(searcher, reader, sub) for sub in query.subqueries),
                       key=len)
        return parts[0].intersection(*parts[1:])
    if isinstance(query, q.Prefix):
        return frozenset().union(*(term_ids(reader, query.fieldname, text)
                                   for text in reader.expand_prefix(query.fieldname,
                                                                    query.text)))
    if isinstance(query, q.Every):
        return frozenset(reader.all_doc_ids())
    return frozenset(searcher.docs_for_query(query))  # e.g. a price range: whoosh's way


def column_values(reader, name):
    """The column `name` of every document of `reader`, in docnum order (bytes decoded;
    "" where a record has no value)."""
    leaves = _leaves(reader)
    if len(leaves) > 1:
        every = tuple(leaf.segment().segment_id() for leaf, _offset in leaves)
        return _COLUMNS.get((every, name), lambda: [v for leaf, _offset in leaves
                                                    for v in column_values(leaf, name)])
    parts = []
    for leaf, _offset in leaves:

        def read(leaf=leaf):
            column = leaf.column_reader(name) if leaf.has_column(name) else None
            if column is None:
                return [""] * leaf.doc_count_all()
            shared = {}  # one object per distinct value
            return [shared.setdefault(v, v.decode() if isinstance(v, bytes) else v)
                    for v in column]

        parts.append(_COLUMNS.get((leaf.segment().segment_id(), name), read))
    return parts[0] if parts else []


class Docnums(q.Query):
    """Matches exactly the given records (global docnums), with no score of its own: ANDed
    with a query, whoosh scores those records only."""

    def __init__(self, reader, docnums):
        self.starts = {id(leaf): offset for leaf, offset in reader.leaf_readers()}
        self.docnums = sorted(docnums)

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        offset = self.starts.get(id(reader), 0)
        low = bisect_left(self.docnums, offset)
        high = bisect_left(self.docnums, offset + reader.doc_count_all())
        ids = [d - offset for d in self.docnums[low:high]]
        return ListMatcher(ids, all_weights=0.0) if ids else NullMatcher()

    def estimate_size(self, ixreader):
        return len(self.docnums)

    estimate_min_size = estimate_size

    def __eq__(self, other):
        return type(other) is Docnums and other.docnums == self.docnums

    def __hash__(self):
        return hash(tuple(self.docnums))
