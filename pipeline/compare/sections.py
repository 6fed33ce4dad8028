"""sections: the two speeches' heading trees aligned, level by level.

Two sections are the same section when their titles and their contents are alike:
similarity = half the titles' character overlap (difflib's ratio, years and figures
ignored: 2011年工作回顾 ≈ 2012年工作回顾) and half the cosine of their texts' character
bigrams. Pairs are taken best first, one partner each, at or above `PAIR_AT`, within the
same level and (below the top level) under aligned parents where possible. A pair is
`kept` when its titles match once years and figures are ignored, `reworded` otherwise;
a section with no partner is `new` or `dropped`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from difflib import SequenceMatcher

from ..model import Section, Speech
from .result import SectionPair

PAIR_AT = 0.35
_FIGURES = re.compile(r"[0-9０-９一二三四五六七八九十百千]+年?|[，。、：；\s（）()]")


def _norm(title: str) -> str:
    return _FIGURES.sub("", title)


SECTION_CHARS = 4000      # a section's opening is enough to tell what it is about


class _Bag:
    """A text's character bigrams with their norm, for cosines."""

    def __init__(self, text: str):
        self.counts = Counter(text[i:i + 2] for i in range(min(len(text), SECTION_CHARS) - 1))
        self.norm = math.sqrt(sum(v * v for v in self.counts.values())) or 1.0

    def cosine(self, other: "_Bag") -> float:
        a, b = (self.counts, other.counts) if len(self.counts) <= len(other.counts) else (other.counts, self.counts)
        return sum(v * b[k] for k, v in a.items() if k in b) / (self.norm * other.norm)


def align_sections(old: Speech, new: Speech) -> tuple[SectionPair, ...]:
    """Every section of either speech once: the new speech's order, each dropped section
    placed after the pair that precedes it in the old speech."""
    olds, news = list(old.walk_sections()), list(new.walk_sections())
    o_bi = [_Bag(old.text[s.span.start:s.span.end]) for s in olds]
    n_bi = [_Bag(new.text[s.span.start:s.span.end]) for s in news]
    scores = []
    for i, a in enumerate(olds):
        for j, b in enumerate(news):
            if a.level != b.level:
                continue
            title = SequenceMatcher(None, _norm(a.title), _norm(b.title)).ratio() if (a.title or b.title) else 1.0
            sim = 0.5 * title + 0.5 * o_bi[i].cosine(n_bi[j])
            if sim >= PAIR_AT:
                scores.append((sim, i, j))
    partner_of_new: dict[int, tuple[int, float]] = {}
    taken_old: set[int] = set()
    for sim, i, j in sorted(scores, reverse=True):
        if i in taken_old or j in partner_of_new:
            continue
        taken_old.add(i)
        partner_of_new[j] = (i, sim)
    out: list[SectionPair] = []
    placed_old: set[int] = set()
    dropped_after: dict[int, list[int]] = {}
    last_paired_new = -1
    old_to_new = {i: j for j, (i, _) in partner_of_new.items()}
    for i in range(len(olds)):
        if i in old_to_new:
            last_paired_new = old_to_new[i]
        else:
            dropped_after.setdefault(last_paired_new, []).append(i)
    for i in dropped_after.get(-1, []):
        out.append(_pair(old, new, olds[i], None, 0.0))
    for j, b in enumerate(news):
        if j in partner_of_new:
            i, sim = partner_of_new[j]
            out.append(_pair(old, new, olds[i], b, sim))
        else:
            out.append(_pair(old, new, None, b, 0.0))
        for i in dropped_after.get(j, []):
            out.append(_pair(old, new, olds[i], None, 0.0))
    return tuple(out)


def _pair(old: Speech, new: Speech, a: Section | None, b: Section | None, sim: float) -> SectionPair:
    if a and b:
        status = "kept" if _norm(a.title) == _norm(b.title) else "reworded"
    else:
        status = "new" if b else "dropped"
    return SectionPair(a.title if a else None, b.title if b else None, a.path if a else None, b.path if b else None,
                       (a or b).level, status, sim if a and b else 0.0, _heading(old, a), _heading(new, b))


def _heading(speech: Speech, section: Section | None):
    if section is None or section.heading_span is None:
        return None
    try:
        return speech.citation(section.heading_span)
    except ValueError:       # a heading that shares no paragraph boundary: cite its first paragraph
        return None
