"""Text analysis for the index and for queries: jieba for Chinese, stemmed English words.

Segmentation is jieba's algorithm and dictionary through rjieba, its Rust port: on the
benchmark corpus it cuts the same words as the Python jieba 0.42.1 and is about ten times
faster (bench/search_bench.py prints both).

Whoosh pickles the schema, analyzers included, into the index's table of contents: the
tokenizers below keep this import path and hold no state of their own (the jieba dictionary
lives in this module), so the pickle stays small and any process can open the index.
"""
import re
import threading
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

import rjieba
from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem as porter_stem

HERE = Path(__file__).parent
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{CJK}]+")
# A run of Chinese characters, or an English word or number (text already lower-cased).
RUNS = re.compile(f"([{CJK}]+)|([a-z0-9]+)")

ENGLISH_STOP = frozenset(
    "a an and are as at be by for from in into is it its of on or the to with via".split())
CHINESE_STOP = frozenset("的 了 和 与 及 或 等 在 是 对 于 以 为 其 之 并 将 把 被 由 从 以及 及其"
                         .split())

_jieba = None
_lock = threading.Lock()


@cache
def technical_terms():
    """{field code: [terms]} from terms.txt, in file order."""
    terms, field = {}, "other"
    for line in (HERE / "terms.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("##"):
            field = line[2:].strip()
        elif line and not line.startswith("#"):
            terms.setdefault(field, []).append(line)
    return terms


@cache
def synonym_groups():
    """The groups of synonyms.txt, each a tuple of names as written."""
    groups = []
    for line in (HERE / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            groups.append(tuple(name.strip() for name in line.split("|") if name.strip()))
    return groups


def initialize():
    """Load jieba's dictionary and our terms, once per process (a fifth of a second)."""
    global _jieba
    if _jieba is not None:
        return _jieba
    with _lock:
        if _jieba is None:
            segmenter = rjieba.Jieba()
            words = [t for terms in technical_terms().values() for t in terms]
            words += [n for group in synonym_groups() for n in group if CJK_RUN.fullmatch(n)]
            for word in words:
                segmenter.add_word(word, None, None)  # a frequency that keeps it whole
            _jieba = segmenter
    return _jieba


def normalize(text):
    """Full-width letters and digits to ASCII, then lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


@lru_cache(maxsize=65536)
def stem(word):
    return porter_stem(word)


def cut(run):
    """jieba's accurate segmentation of a run of Chinese characters."""
    return (_jieba or initialize()).cut(run, True)


def search_words(run):
    """(word, start, end) in jieba's search mode: each word of the accurate cut, preceded by
    the dictionary words of two and three characters inside it, so 储能电池 also gives 储能."""
    return (_jieba or initialize()).tokenize(run, "search", True)


def words(text, search_mode=True):
    """(term, start, end) of `text`: jieba words (search or accurate mode) and stemmed English
    words, stop words left out. Offsets are in the normalized text."""
    text = normalize(text)
    for match in RUNS.finditer(text):
        run, latin = match.groups()
        if run:
            base = match.start()
            found = search_words(run) if search_mode else _offsets(cut(run))
            for word, start, end in found:
                if word not in CHINESE_STOP:
                    yield word, base + start, base + end
        elif latin not in ENGLISH_STOP:
            yield stem(latin), match.start(), match.end()


def _offsets(cut_words):
    start = 0
    for word in cut_words:
        yield word, start, start + len(word)
        start += len(word)


def bigrams(text):
    """(term, start, end): the overlapping character pairs of each run of Chinese characters,
    then the run's last character alone, so any substring is found as a phrase of pairs (or,
    for one character, as a prefix)."""
    for match in CJK_RUN.finditer(normalize(text)):
        run, base = match.group(), match.start()
        for i in range(len(run) - 1):
            yield run[i:i + 2], base + i, base + i + 2
        yield run[-1], base + len(run) - 1, base + len(run)


def spelling_words(text):
    """Whole words for "did you mean": jieba words of two or more characters and unstemmed
    English words of three or more letters, each once."""
    seen, stop = set(), CHINESE_STOP | ENGLISH_STOP
    for match in RUNS.finditer(normalize(text)):
        run, latin = match.groups()
        candidates = cut(run) if run else [latin]
        for word in candidates:
            wanted = len(word) >= 2 if run else len(word) >= 3 and not word.isdigit()
            if wanted and word not in seen and word not in stop:
                seen.add(word)
                yield word, match.start(), match.end()


class _TermTokenizer(Tokenizer):
    """A whoosh tokenizer over one of the term functions above."""

    def terms(self, text, mode):
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (text, start, end) in enumerate(self.terms(value, mode)):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))


class WordTokenizer(_TermTokenizer):
    """Search-mode jieba words and stemmed English words (accurate mode for queries)."""

    def terms(self, text, mode):
        return words(text, search_mode=mode != "query")


class BigramTokenizer(_TermTokenizer):
    """Character pairs of Chinese text: the recall fallback where jieba cuts differently."""

    def terms(self, text, mode):
        return bigrams(text)


class SpellingTokenizer(_TermTokenizer):
    """Whole words for spelling suggestions."""

    def terms(self, text, mode):
        return spelling_words(text)
