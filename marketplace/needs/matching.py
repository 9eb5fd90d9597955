"""Two-way matching (SPEC.md §3) through the search index's `more_like`: the offers that fit
a need, the needs that fit an offer, and a broker's view across the market. Each match says
why: the terms the two records share (a synonym counts: 瓦斯 matches 煤层气)."""
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..search.analysis import normalize, stem, words
from ..search.documents import TYPES
from ..search.engine import more_like
from ..search.highlight import WORD
from ..search.query import synonym_index, synonym_phrases
from .models import Need
from .states import NeedStatus

OFFER_TYPES = ("listing", "achievement")


@dataclass
class Match:
    hit: object  # search.engine.Hit (type, id, score, record, url)
    shared: list  # the terms both texts have, most telling first

    @property
    def score(self):
        return self.hit.score


def _terms(text):
    """The text's words (two characters or more) as written, each synonym group counted as
    one term, names of several words ("coal-bed methane") included."""
    chinese, english, _ = synonym_index()
    normal, found = normalize(text), {}
    for term, start, end in words(text, search_mode=False):
        if len(term) < 2:
            continue
        group = chinese.get(term) or english.get((term,))
        found.setdefault(min(group) if group else term, normal[start:end])
    for group, name in synonym_phrases(text):
        found.setdefault(min(group), name)
        for word in name.split() if name.isascii() else ():
            found.pop(stem(word), None)  # the name's words are not terms of their own
    return found


def _marks(forms):
    """(Chinese substrings, English stems) that mark `forms` in a text."""
    return (tuple(f for f in forms if not f.isascii()),
            tuple({stem(w) for f in forms if f.isascii() for w in WORD.findall(f)}))


def _text_of(record):
    return next(t for t in TYPES.values() if isinstance(record, t.model)).text(record)


# Words every technical text has: they explain no match, so they are not shown as the reason.
GENERIC = frozenset("""技术 系统 要求 满足 方法 应用 研究 开发 提高 实现 工艺 设备 产品 企业 项目
需求 需要 问题 提供 合作 成果 相关 进行 采用 具有 可以 以上 以下 能够 达到 成熟 方案 用于
technology system method application development product company""".split())


def _telling(term):
    return not (term.isdigit() or (term.isascii() and len(term) < 3) or term in GENERIC)


def shared_terms(a, b, limit=8):
    """The telling terms records `a` and `b` share: [(a's word, b's word)], longest first."""
    mine, theirs = _terms(_text_of(a)), _terms(_text_of(b))
    common = [(mine[key], theirs[key]) for key in mine
              if key in theirs and _telling(key) and _telling(mine[key].lower())]
    return sorted(common, key=lambda pair: len(pair[0]), reverse=True)[:limit]


def _matches(record, types, limit):
    matches = []
    for hit in more_like(record, types=types, limit=limit):
        pairs = shared_terms(record, hit.record)
        if not pairs:  # only generic words in common ("技术"): no reason to show it
            continue
        forms = {form for pair in pairs for form in pair}
        # hit.mark(text) now marks the shared terms in any text of the match.
        hit.marks = _marks(forms)
        matches.append(Match(hit, [mine for mine, _theirs in pairs]))
    return matches


def offers_for(need, limit=10):
    """The public listings and achievements that best fit `need`, best first."""
    return _matches(need, OFFER_TYPES, limit)


def needs_for(record, limit=10):
    """The published needs that best fit a listing or an achievement."""
    return _matches(record, ("need",), limit)


def across_market(fields=(), needs_per_page=10, page=1, per_need=3):
    """(need, match) pairs for a broker: the newest published needs (of `fields` when given),
    each with its best offers, all ranked by score."""
    stmt = select(Need).where(Need.status == NeedStatus.PUBLISHED).order_by(
        Need.published_at.desc(), Need.id.desc())
    if fields:
        stmt = stmt.where(Need.field.in_(list(fields)))
    needs = db.paginate(stmt, page=page, per_page=needs_per_page, error_out=False)
    pairs = [(need, match) for need in needs.items for match in offers_for(need, per_need)]
    pairs.sort(key=lambda pair: -pair[1].score)
    return needs, pairs
