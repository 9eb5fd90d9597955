"""Searching the index: ranked ids, facet counts and suggestions from whoosh, then the
records themselves from SQL, in rank order, with the public-visibility rules applied again.
"""
import heapq
import logging
import math
import threading
import weakref
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from flask import current_app, g
from sqlalchemy.orm import Session
from whoosh import query as q

from ..extensions import db
from . import highlight as marking
from .analysis import CJK_RUN, RUNS, normalize, words
from .docsets import Docnums, column_values, matching
from .documents import TYPES, key, split_key
from .query import ParsedQuery, parse, synonym_index, synonym_phrases, without, words_only
from .schema import NO_PRICE, TEXT_FIELDS
from .store import IndexUnavailable, get_store

log = logging.getLogger(__name__)

FACETS = ("field", "county", "maturity", "transfer_mode", "price_band")
SORTS = ("relevance", "newest", "price")
PER_PAGE = 20
MAX_PAGE = 500
MORE_LIKE_TERMS = 12
RANK_LIMIT = 1000  # title and keyword matches scored by BM25F per search, at most
# The ranked pages of recent searches, per searcher (config SEARCH_RESULT_CACHE entries).
_results = weakref.WeakKeyDictionary()  # searcher -> OrderedDict(key -> ranked page)
_results_lock = threading.Lock()


@dataclass
class Hit:
    type: str
    id: int
    score: float | None  # None when sorted by something else than relevance
    record: object
    title: object = ""  # Markup, the query's words marked
    snippet: object = ""
    marks: tuple = ((), ())  # (Chinese substrings, English stems) of the query

    @property
    def url(self):
        return TYPES[self.type].url(self.record)

    def mark(self, text):
        """`text` with the query's words marked (for other fields of the record)."""
        return marking.highlight(text, *self.marks)


@dataclass
class SearchResults:
    """One page of results; also a pagination object for _macros/pagination.html."""

    query: str
    filters: dict
    sort: str
    page: int
    per_page: int
    total: int = 0
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)  # {"type": {...}, "field": {...}, ...}
    suggestion: str | None = None
    unavailable: bool = False  # the index is missing or broken: a rebuild is under way

    @property
    def items(self):
        return self.hits

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self):
        return self.page + 1 if self.has_next else None

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2):
        """Page numbers with None for the gaps, as Flask-SQLAlchemy's Pagination yields."""
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or self.page - left_current <= number
                    <= self.page + right_current or number > self.pages - right_edge):
                if last + 1 != number:
                    yield None
                yield number
                last = number


def request_sync():
    """Ask the after-request hook for a sync (which rebuilds a missing index)."""
    g.search_sync_wanted = True


def _filter_query(filters):
    parts = [q.Term(name, str(filters[name])) for name in
             ("type", "field", "county", "transfer_mode", "price_band") if filters.get(name)]
    low, high = filters.get("maturity_min"), filters.get("maturity_max")
    if low or high:
        parts.append(q.Or([q.Term("maturity", str(level))
                           for level in range(int(low or 1), int(high or 9) + 1)]))
    low, high = filters.get("price_min"), filters.get("price_max")
    if low is not None or high is not None:
        parts.append(q.NumericRange("price", int(low or 0),
                                    int(high) if high is not None else NO_PRICE - 1))
    return q.And(parts) if parts else None


def _counts(reader, docnums, names):
    """{facet: {value: count}} over `docnums`, without the empty value of records that have
    none."""
    counts = {}
    for name in names:
        tally = Counter(map(column_values(reader, name).__getitem__, docnums))
        tally.pop("", None)
        counts[name] = dict(tally)
    return counts


def search(query="", filters=None, sort="relevance", page=1, per_page=PER_PAGE,
           highlight=True):
    """One page of public records matching `query` (plain text, Chinese and/or English) and
    `filters` ({"type", "field", "county", "maturity_min", "maturity_max", "transfer_mode",
    "price_min", "price_max", "price_band"}). An index failure never raises: it gives empty
    results marked `unavailable` and asks for a sync, which rebuilds the index."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    sort = sort if sort in SORTS else "relevance"
    page = min(max(1, int(page or 1)), MAX_PAGE)
    results = SearchResults(query=query or "", filters=filters, sort=sort, page=page,
                            per_page=per_page)
    parsed = parse(query or "")
    store = get_store()
    for attempt in (1, 2):
        try:
            ranked = _ranked_cached(store.searcher(), parsed, filters, sort, results)
            break
        except Exception as exc:  # a broken or vanished index must not fail the page
            store.forget_searcher()
            if attempt == 2 or isinstance(exc, IndexUnavailable):
                if isinstance(exc, IndexUnavailable):
                    log.warning("Search index unavailable: %s", exc)
                else:
                    log.exception("Search failed; the index will be checked and rebuilt.")
                request_sync()
                results.unavailable = True
                return results
    results.hits = _load(ranked, parsed, highlight)
    return results


def _ranked_cached(searcher, parsed, filters, sort, results):
    """_ranked(), answered from the searcher's cache of recent searches when it has this one.

    Like Solr's query result cache: what the index gives for a search (the total, the facet
    counts, the suggestion and the ranked keys of the page) cannot change while the index
    does not, and a changed index comes with a new searcher (IndexStore.searcher refreshes
    it), whose cache starts empty. So a repeat costs no whoosh work and is exactly what a
    new search would give; the records are still read from SQL (_load), with the public
    rules applied again. Popular searches repeat: the 43 searches of bench/search_bench.py
    cost 6-40 ms each in whoosh at 100k records."""
    size = current_app.config.get("SEARCH_RESULT_CACHE", 0)
    if not size:
        return _ranked(searcher, parsed, filters, sort, results)
    key = (results.query.strip(), tuple(sorted((k, str(v)) for k, v in filters.items())),
           sort, results.page, results.per_page)
    with _results_lock:
        cache = _results.setdefault(searcher, OrderedDict())
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
    if found is None:
        ranked = _ranked(searcher, parsed, filters, sort, results)
        found = (results.total, results.facets, results.suggestion, tuple(ranked))
        with _results_lock:
            cache[key] = found
            while len(cache) > size:
                cache.popitem(last=False)
    results.total, facets, results.suggestion, ranked = found
    results.facets = {name: dict(counts) for name, counts in facets.items()}
    return list(ranked)


def _ranked(searcher, parsed, filters, sort, results):
    """Fill total, facets and suggestion; return [(key, score)] of the page."""
    reader = searcher.reader()
    restrict = _filter_query(filters)
    allowed = matching(searcher, restrict) if restrict else None
    found = matching(searcher, parsed.query) if parsed.query else None
    if found is None:
        docnums = allowed if allowed is not None else set(reader.all_doc_ids())
    else:
        docnums = found & allowed if allowed is not None else found
    results.total = len(docnums)
    results.facets = _counts(reader, docnums, FACETS)
    if filters.get("type"):
        others = _filter_query({k: v for k, v in filters.items() if k != "type"})
        everywhere = found if found is not None else set(reader.all_doc_ids())
        results.facets.update(_counts(reader, everywhere & matching(searcher, others)
                                      if others else everywhere, ["type"]))
    else:
        results.facets.update(_counts(reader, docnums, ["type"]))
    if not results.total and parsed.words:
        results.suggestion = _suggestion(searcher, results.query, restrict)
    start, limit = (results.page - 1) * results.per_page, results.page * results.per_page
    updated = column_values(reader, "updated")
    if parsed.query is not None and sort == "relevance":
        return _by_relevance(searcher, parsed, docnums, updated, start, limit)
    # Sorted by a column: no scores to compute, a partial sort of the matches.
    if sort == "price":
        price = column_values(reader, "price")
        top = heapq.nsmallest(limit, docnums, key=lambda d: (price[d], -updated[d]))
    else:
        top = heapq.nlargest(limit, docnums, key=updated.__getitem__)
    return [(searcher.stored_fields(d)["key"], None) for d in top[start:limit]]


def _by_relevance(searcher, parsed, docnums, updated, start, limit):
    """The page in order of relevance, in tiers: records whose title or keywords have the
    query's jieba words, ranked by whoosh's BM25F; then those whose summary has them; then
    those that only the character pairs found; newest first within the last two. Scoring
    every match of a broad query was most of its time at 100k records."""
    reader = searcher.reader()
    headline = without(parsed.query, ("chars", "summary"))
    first = matching(searcher, headline) & docnums if headline is not None else set()
    # BM25F over the newest RANK_LIMIT title matches at most: a common word in thousands of
    # titles would otherwise cost a few microseconds per title on every search.
    scored = set(heapq.nlargest(RANK_LIMIT, first, key=updated.__getitem__)) \
        if len(first) > RANK_LIMIT else first
    words = words_only(parsed.query)
    second = (matching(searcher, words) & docnums) - first if words is not None else set()
    page = []
    if start < len(scored):
        hits = searcher.search(q.And([headline, Docnums(reader, scored)]), limit=limit,
                               terms=False)
        page = [(hit["key"], hit.score) for hit in hits[start:limit]]
    need, skip = limit - start - len(page), max(0, start - len(scored))
    for tier in (first - scored, second, docnums - first - second):  # newest first
        if need <= 0:
            break
        if skip >= len(tier):
            skip -= len(tier)
            continue
        newest = heapq.nlargest(skip + need, tier, key=updated.__getitem__)[skip:]
        page += [(searcher.stored_fields(d)["key"], 0.0) for d in newest]
        need, skip = need - len(newest), 0
    return page


def _load(ranked, parsed, highlight):
    """The records of `ranked` from SQL, in rank order; ids no longer public are left out."""
    by_type = {}
    for doc_key, _score in ranked:
        entity, record_id = split_key(doc_key)
        by_type.setdefault(entity, []).append(record_id)
    with Session(db.engine) as session:
        records = {entity: TYPES[entity].load(session, ids)
                   for entity, ids in by_type.items() if entity in TYPES}
        hits = []
        for doc_key, score in ranked:
            entity, record_id = split_key(doc_key)
            record = records.get(entity, {}).get(record_id)
            if record is None:
                continue
            hit = Hit(entity, record_id, None if score is None else round(score, 4), record,
                      marks=(parsed.marks, parsed.stems))
            if highlight:
                hit.title = marking.highlight(record.title, parsed.marks, parsed.stems)
                # An achievement's summary, a need's description.
                text = getattr(record, "summary", None) or getattr(record, "description", "")
                hit.snippet = marking.snippet(text or "", parsed.marks, parsed.stems)
            hits.append(hit)
        session.expunge_all()
    return hits


# --- "did you mean" ------------------------------------------------------------------------

def _suggestion(searcher, text, restrict):
    """The query with unknown words replaced by the nearest words of the index, when that
    finds something."""
    corrector = searcher.reader().corrector("spelling")
    reader = searcher.reader()
    changed, parts = False, []
    for match in RUNS.finditer(normalize(text)):
        word = match.group()
        if len(word) < 2 or reader.doc_frequency("spelling", word):
            parts.append(word)
            continue
        chinese = bool(CJK_RUN.fullmatch(word))
        maxdist = 1 if chinese or len(word) <= 4 else 2
        found = corrector.suggest(word, limit=1, maxdist=maxdist, prefix=0 if chinese else 1)
        if found:
            changed = True
            parts.append(found[0])
        else:
            parts.append(word)
    if not changed:
        return None
    suggestion = " ".join(parts)
    parsed = parse(suggestion)
    if parsed.query is None or searcher.search(parsed.query, filter=restrict, limit=1,
                                               terms=False).is_empty():
        return None
    return suggestion


# --- more like this ------------------------------------------------------------------------

def _one_term(name):
    """The index term of a synonym name that is a single word, else None."""
    found = [term for term, _start, _end in words(name, search_mode=False)]
    return found[0] if len(found) == 1 else None


def more_like(record, types=None, limit=10):
    """Public records like `record` (any searchable model instance, public or not), best
    first: its most distinctive words, weighted by how rare they are in the index, each with
    its synonyms, in one OR query."""
    search_type = next((t for t in TYPES.values() if isinstance(record, t.model)), None)
    if search_type is None:
        raise TypeError(f"{type(record).__name__} is not searchable")
    text = search_type.text(record)
    normal, counts, written = normalize(text), Counter(), {}
    for term, start, end in words(text, search_mode=False):
        if len(term) > 1:
            counts[term] += 1
            # The query is parsed from the word as written: parse() stems English itself, and
            # a stem stemmed again ("desulphuris" → "desulphuri") loses its synonyms.
            written.setdefault(term, normal[start:end])
    # A synonym name of several words ("coal-bed methane") counts as one term, as rare as the
    # most frequent one-word name of its group (煤层气).
    phrases = {}
    for group, name in synonym_phrases(text):
        counts[name] += 1
        phrases[name] = [t for n in group for t in (_one_term(n),) if t]
    try:
        searcher = get_store().searcher()
    except IndexUnavailable:
        request_sync()
        return []
    size = searcher.doc_count() + 1
    chinese, english, _ = synonym_index()

    def frequency(terms):
        return max((searcher.doc_frequency(name, t) for t in terms for name in TEXT_FIELDS),
                   default=0)

    def with_synonyms(term):
        group = chinese.get(term) or english.get((term,))
        return [t for n in group for t in (_one_term(n),) if t] if group else [term]

    mask = q.Term("key", key(search_type.entity, record.id))
    reader, itself = searcher.reader(), searcher.document_number(key=mask.text)

    def elsewhere(terms):
        """Whether a record other than `record` has one of `terms`."""
        for name, term in ((name, t) for t in terms for name in TEXT_FIELDS):
            if (name, term) in reader:
                postings = reader.postings(name, term)
                while postings.is_active():
                    if postings.id() != itself:
                        return True
                    postings.next()
        return False

    # A word is as rare as its synonym group. A word that no other record has, nor any of
    # its synonyms, would weigh most and match nothing ("需求", "寻求" in a need): left out,
    # unless nothing else is left (a Chinese word may still match by its character pairs).
    group_of = {term: phrases.get(term) or with_synonyms(term) for term in counts}
    found = [term for term in counts if elsewhere(group_of[term])]
    weighted = sorted(((counts[term] * math.log(size / (1 + frequency(group_of[term]))), term)
                       for term in (found or [t for t in counts if not t.isascii()])),
                      reverse=True)[:MORE_LIKE_TERMS]
    parts = [(weight, parse(written.get(term, term)).query) for weight, term in weighted
             if weight > 0]
    if not parts:
        return []
    matcher = q.Or([part.with_boost(weight) for weight, part in parts if part is not None])
    restrict = q.Or([q.Term("type", t) for t in types]) if types else None
    found = searcher.search(matcher, filter=restrict, limit=limit, terms=False, mask=mask)
    ranked = [(hit["key"], hit.score or 0.0) for hit in found]
    return _load(ranked, ParsedQuery(query=None), highlight=False)
