"""compare: what changed between two speeches, each change cited on both sides.

    from pipeline.compare import compare
    result = compare(old_speech, new_speech, index=corpus_index)   # index: optional
    result.to_dict()                                              # the `compare --json` shape

Pure functions over two `Speech` values, one module per kind of change:

    sections.py   the heading trees aligned (kept / reworded / new / dropped)
    targets.py    quantitative targets paired by indicator (raised / lowered / …)
    terms.py      formulations one side has and the other never uses
    strength.py   the same directive topic at another strength (要 → 必须)
    result.py     the frozen values returned, and their JSON
    markdown.py   the memo `compare --markdown` writes

The low-level corpus index, when given, only dates terms: `first_seen` (the earliest
speech using a new term, so a term back after years says so) and how many of its
speeches use a term (rarely used terms rank as more notable). No encoder is needed:
character and word overlap align sections and topics well enough, and the encoder would
cost ~30 sentences a second (see benchmarks/RESULTS.md, "compare").
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Speech
from .result import (SECTION_STATUSES, STRENGTH_LEVELS, TARGET_CHANGES, Comparison, SectionPair, SpeechRef,
                     StrengthChange, TargetChange, TargetSide, TermChange)
from .sections import align_sections
from .strength import strength_changes
from .targets import compare_values, pair_targets, parse_value
from .terms import Candidate, new_terms, weights as term_weights
from .usage import TermUsage, usage_of

__all__ = [
    "compare", "Comparison", "SectionPair", "TargetChange", "TargetSide", "TermChange", "StrengthChange",
    "SpeechRef", "SECTION_STATUSES", "TARGET_CHANGES", "STRENGTH_LEVELS", "parse_value", "compare_values",
    "TermUsage", "usage_of",
]

TERMS = 30               # new and dropped terms reported on each side
RERANK = 5               # with an index, this many times TERMS candidates are re-ranked by usage


def compare(old: Speech, new: Speech, index=None, terms: int = TERMS) -> Comparison:
    """What changed from `old` to `new`.

    Args:
        old, new: two parsed speeches (any two: two years' work reports, a province's
            report against the national one, two speeches of one leader).
        index: the low-level corpus index (`pipeline.index.CorpusIndex`) to date terms in;
            without it `first_seen` is None and terms are ranked on the two texts alone.
        terms: how many new and dropped terms to report.
    """
    usage = usage_of(index) if index is not None else None
    added = _terms(new, old, usage, terms, dated=True, before=new)
    dropped = _terms(old, new, usage, terms, dated=False, before=old)
    return Comparison(
        old=_ref(old), new=_ref(new),
        sections=align_sections(old, new),
        targets=pair_targets(old, new),
        new_terms=added, dropped_terms=dropped,
        strength_changes=strength_changes(old, new),
        first_seen_from=usage.source if usage else None,
    )


def _ref(speech: Speech) -> SpeechRef:
    return SpeechRef(speech.id, speech.title, speech.meta.date, speech.meta.year)


def _terms(side: Speech, other: Speech, usage: "TermUsage | None", limit: int, dated: bool,
           before: Speech) -> tuple[TermChange, ...]:
    if usage is None:
        return tuple(_change(side, c) for c in new_terms(side, other, limit))
    pool = new_terms(side, other, limit * RERANK)
    w = term_weights()
    rescored = []
    for c in pool:
        users = usage.users(c.term, exclude=(side.id, other.id))
        share = len(users) / max(1, usage.count)
        earlier = [u for u in users if usage.before(u, side)]
        bonus = w["rare_in_index"] * (1 - share) + (w["first_use"] if not earlier else 0.0)
        rescored.append((c.score + bonus, c, users))
    rescored.sort(key=lambda x: (-x[0], x[1].sentence.span.start))
    out = []
    for score, c, users in rescored[:limit]:
        change = _change(side, replace(c, score=score))
        if dated:
            first, last, returning = usage.dates(users, side, other)
            change = replace(change, first_seen=first, last_seen=last, returning=returning)
        out.append(change)
    return tuple(out)


def _change(side: Speech, c: Candidate) -> TermChange:
    return TermChange(c.term, c.score, c.count, c.quoted, side.citation(c.sentence))
