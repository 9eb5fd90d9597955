"""From what a person typed to a whoosh query.

Every part of the query must match (AND). A part is a run of Chinese words between synonyms,
an English word, or a name from the synonym table (which matches any name of its group). A
Chinese part matches when its jieba words are all in the record, or when the part occurs as
a substring: all its character pairs (a single character: as the start of a pair). The pairs
field has a low weight, so jieba words keep the ranking.
"""
from dataclasses import dataclass, field
from functools import cache

from whoosh import query as q

from .analysis import (
    CHINESE_STOP,
    CJK_RUN,
    ENGLISH_STOP,
    RUNS,
    cut,
    normalize,
    stem,
    synonym_groups,
)
from .schema import TEXT_FIELDS


@dataclass
class ParsedQuery:
    query: q.Query | None  # None: the query has no words (browse everything)
    # What to mark in results: Chinese substrings and English stems.
    marks: set = field(default_factory=set)
    stems: set = field(default_factory=set)
    # The words as typed (Chinese words, English words unstemmed), for "did you mean".
    words: list = field(default_factory=list)


@dataclass
class _Piece:
    kind: str  # "zh" or "en"
    text: str  # a jieba word, or an English word as typed (lower case)
    run: int  # pieces of one run of Chinese characters share it


@cache
def synonym_index():
    """({Chinese name: group}, {tuple of English stems: group}, longest name in pieces)."""
    chinese, english, longest = {}, {}, 1
    for group in synonym_groups():
        for name in group:
            text = normalize(name)
            if CJK_RUN.fullmatch(text):
                chinese[text] = group
                longest = max(longest, len(cut(text)))
            else:
                stems = tuple(stem(w) for w in _english_words(text))
                english[stems] = group
                longest = max(longest, len(stems))
    return chinese, english, longest


def _pieces(text):
    pieces = []
    for run, match in enumerate(RUNS.finditer(normalize(text))):
        chinese, latin = match.groups()
        if chinese:
            pieces += [_Piece("zh", word, run) for word in cut(chinese)]
        else:
            pieces.append(_Piece("en", latin, run))
    return pieces


def _synonym_at(pieces, i):
    """(group, pieces used) when a synonym name starts at pieces[i], longest first."""
    chinese, english, longest = synonym_index()
    first = pieces[i]
    for n in range(min(longest, len(pieces) - i), 0, -1):
        span = pieces[i:i + n]
        if any(p.kind != first.kind or (p.kind == "zh" and p.run != first.run) for p in span):
            continue
        if first.kind == "zh":
            group = chinese.get("".join(p.text for p in span))
        else:
            group = english.get(tuple(stem(p.text) for p in span))
        if group:
            return group, n
    return None, 0


def synonym_phrases(text):
    """(group, the name's words in lower case) of each name of the synonym table in `text`
    that is more than one word ("coal-bed methane" -> "coal bed methane"): the words of a
    text, taken one at a time, miss them."""
    pieces, found, i = _pieces(text), [], 0
    while i < len(pieces):
        group, used = _synonym_at(pieces, i)
        if group and used > 1:
            join = "" if pieces[i].kind == "zh" else " "
            found.append((group, join.join(p.text for p in pieces[i:i + used])))
        i += used or 1
    return found


def parse(text):
    """The ParsedQuery of `text`."""
    pieces = _pieces(text)
    parsed = ParsedQuery(query=None, words=[p.text for p in pieces])
    parts, chunk = [], []

    def close_chunk():
        if chunk:
            parts.append(_chinese(chunk, parsed))
            chunk.clear()

    i = 0
    while i < len(pieces):
        group, used = _synonym_at(pieces, i)
        piece = pieces[i]
        if group:
            close_chunk()
            parts.append(q.Or([_name(name, parsed) for name in group]))
            i += used
            continue
        if piece.kind == "zh":
            if chunk and chunk[-1].run != piece.run or piece.text in CHINESE_STOP:
                close_chunk()  # a stop word such as 的 separates parts
            if piece.text not in CHINESE_STOP:
                chunk.append(piece)
        else:
            close_chunk()
            if piece.text not in ENGLISH_STOP:
                parts.append(_english([piece.text], parsed))
        i += 1
    close_chunk()
    parts = [p for p in parts if p is not None]
    if parts:
        parsed.query = parts[0] if len(parts) == 1 else q.And(parts)
    return parsed


def without(query, fieldnames):
    """`query` without its terms in `fieldnames`, or None when some part of it can only
    match there."""
    if isinstance(query, q.Or):
        kept = [k for k in (without(sub, fieldnames) for sub in query.subqueries)
                if k is not None]
        return None if not kept else kept[0] if len(kept) == 1 else q.Or(kept)
    if isinstance(query, q.And):
        kept = [without(sub, fieldnames) for sub in query.subqueries]
        return None if None in kept else q.And(kept)
    if isinstance(query, q.Term | q.Prefix) and query.fieldname in fieldnames:
        return None
    return query


def words_only(query):
    """`query` without its character-pair parts: what ranks the results."""
    return without(query, ("chars",))


def _terms(term):
    return q.Or([q.Term(name, term) for name in TEXT_FIELDS])


def _chinese(pieces, parsed):
    """Words all present, or the whole text as a substring."""
    text = "".join(p.text for p in pieces)
    words = [p.text for p in pieces if p.text not in CHINESE_STOP] or [text]
    parsed.marks.add(text)
    parsed.marks.update(w for w in words if len(w) > 1 or len(words) == 1)
    by_words = _terms(words[0]) if len(words) == 1 else q.And([_terms(w) for w in words])
    return q.Or([by_words, substring(text)])


def substring(text):
    """`text` anywhere in the character-pair field: all of its pairs (a single character: a
    pair that starts with it). The field keeps no positions, so the pairs are not checked
    for adjacency: a record with all the pairs of a longer term in other places also
    matches, rarely and with this field's low weight."""
    if len(text) == 1:
        return q.Prefix("chars", text)
    pairs = list(dict.fromkeys(text[i:i + 2] for i in range(len(text) - 1)))
    return q.Term("chars", pairs[0]) if len(pairs) == 1 else q.And(
        [q.Term("chars", pair) for pair in pairs])


def _english(words, parsed):
    stems = [stem(w) for w in words if w not in ENGLISH_STOP]
    if not stems:
        return None
    parsed.stems.update(stems)
    return _terms(stems[0]) if len(stems) == 1 else q.And([_terms(s) for s in stems])


def _name(name, parsed):
    """The query for one name of a synonym group."""
    text = normalize(name)
    if CJK_RUN.fullmatch(text):
        return _chinese([_Piece("zh", w, 0) for w in cut(text)], parsed)
    return _english(_english_words(text), parsed)


def _english_words(text):
    return [m.group(2) for m in RUNS.finditer(text) if m.group(2)]
