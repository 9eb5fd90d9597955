"""Marking the query's words in result texts loaded from SQL (the index stores no text).

Chinese parts are marked wherever they occur as substrings (which is also how the
character-pair fallback finds them), English words wherever their stem matches.
"""
import re
import unicodedata

from markupsafe import Markup, escape

from .analysis import stem

WORD = re.compile(r"[a-z0-9]+")


def _normalized(text):
    """The text normalized as the analyzer does (NFKC, lower case), with the index in `text`
    of each normalized character."""
    normal = unicodedata.normalize("NFKC", text).lower()
    if len(normal) == len(text):
        return normal, range(len(text))  # the usual case (full-width ，to , and the like)
    chars, origin = [], []
    for i, char in enumerate(text):
        normal = unicodedata.normalize("NFKC", char).lower() if ord(char) > 127 else \
            char.lower()
        chars.append(normal)
        origin += [i] * len(normal)
    return "".join(chars), origin


def spans(text, marks, stems):
    """Merged (start, end) offsets in `text` of what the query matched."""
    if not text or not (marks or stems):
        return []
    normal, origin = _normalized(text)
    found = []
    for mark in marks:
        start = normal.find(mark)
        while start != -1:
            found.append((start, start + len(mark)))
            start = normal.find(mark, start + len(mark))
    if stems:
        found += [m.span() for m in WORD.finditer(normal) if stem(m.group()) in stems]
    merged = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return [(origin[s], origin[e - 1] + 1) for s, e in merged]


def _render(text, found, start=0, end=None):
    end = len(text) if end is None else end
    out, at = [], start
    for s, e in found:
        if s < start or e > end:
            continue
        out += [escape(text[at:s]), Markup("<mark>"), escape(text[s:e]), Markup("</mark>")]
        at = e
    out.append(escape(text[at:end]))
    return Markup("").join(out)


def highlight(text, marks, stems):
    """The whole text, escaped, with <mark> around the matches."""
    return _render(text or "", spans(text, marks, stems))


def snippet(text, marks, stems, width=120):
    """About `width` characters of the text around its densest matches, marked."""
    text = text or ""
    found = spans(text, marks, stems)
    if len(text) <= width:
        return _render(text, found)
    start = 0
    if found:
        lead = width // 5
        best = max(found, key=lambda span: sum(
            1 for s, e in found if span[0] - lead <= s and e <= span[0] - lead + width))
        start = max(0, min(best[0] - lead, len(text) - width))
    end = min(len(text), start + width)
    body = _render(text, found, start, end)
    return Markup("").join([Markup("…") if start else Markup(""), body,
                            Markup("…") if end < len(text) else Markup("")])
