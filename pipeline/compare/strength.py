"""strength: the same directive topic stated at a different strength (要 → 必须, 鼓励 → 严禁).

Directives in sections that review past work (resources/review_sections.txt) are left out.

A directive's level is its strongest cue word's (resources/strength_levels.txt). Its
topic is its content words without the cues and the framing verbs. Two directives are
on the same topic when the cosine of their words, weighted by how rare each word is
across both speeches' directives, is at least `SAME_TOPIC`, and each is the other's best
match; pairs whose levels differ are reported, the most alike first.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from functools import lru_cache

from ..lexicon import read_list, resource_path
from ..model import Sentence, Speech
from ..tokenize import terms
from .result import STRENGTH_LEVELS, StrengthChange
from .targets import review_paths

SAME_TOPIC = 0.6


@lru_cache(maxsize=1)
def cue_levels() -> dict[str, str]:
    out = {}
    for line in read_list(resource_path("strength_levels.txt")):
        level, _, cues = line.partition(":")
        for cue in cues.split():
            out[cue] = level.strip()
    return out


def level(sentence: Sentence) -> str | None:
    """encourage / advise / require / forbid, or None for a sentence with no cue."""
    if not sentence.cues and sentence.strength is None:
        return None
    known = cue_levels()
    default = "require" if sentence.strength == "mandatory" else "advise"
    levels = [known.get(c, default) for c in sentence.cues] or [default]
    return max(levels, key=STRENGTH_LEVELS.index)


def _topic_words(sentence: Sentence) -> Counter:
    cues = cue_levels()
    return Counter(w for w in terms(sentence.text) if w not in cues and w not in sentence.cues and len(w) > 1)


def _directives(speech: Speech) -> list[Sentence]:
    """Directives with a strength, outside sections that review past work (their verbs report, not order)."""
    review = review_paths(speech)
    return [s for s in speech.sentences if s.kind in ("directive", "target") and level(s)
            and not any(s.section_path[:len(p)] == p for p in review)]


def strength_changes(old: Speech, new: Speech, limit: int = 50) -> tuple[StrengthChange, ...]:
    a, b = _directives(old), _directives(new)
    if not a or not b:
        return ()
    wa, wb = [_topic_words(s) for s in a], [_topic_words(s) for s in b]
    df = Counter(w for bag in wa + wb for w in bag)
    n = len(wa) + len(wb)
    idf = {w: math.log(n / d) for w, d in df.items()}

    def vec(bag: Counter) -> dict[str, float]:
        v = {w: c * idf[w] for w, c in bag.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    va, vb = [vec(x) for x in wa], [vec(x) for x in wb]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(va):
        for w in v:
            postings[w].append(i)
    best_new: dict[int, tuple[float, int]] = {}
    best_old: dict[int, tuple[float, int]] = {}
    for j, v in enumerate(vb):
        dots: dict[int, float] = defaultdict(float)
        for w, x in v.items():
            for i in postings.get(w, ()):
                dots[i] += x * va[i][w]
        if not dots:
            continue
        i, sim = max(dots.items(), key=lambda kv: kv[1])
        best_new[j] = (sim, i)
        for i2, s2 in dots.items():
            if s2 > best_old.get(i2, (0.0, -1))[0]:
                best_old[i2] = (s2, j)
    out = []
    for j, (sim, i) in best_new.items():
        if sim < SAME_TOPIC or best_old.get(i, (0, -1))[1] != j:
            continue
        la, lb = level(a[i]), level(b[j])
        if la == lb:
            continue
        shared = sorted(set(va[i]) & set(vb[j]), key=lambda w: -(va[i][w] + vb[j][w]))[:6]
        out.append(StrengthChange(tuple(shared), la, lb, a[i].cues, b[j].cues, sim,
                                  old.citation(a[i]), new.citation(b[j])))
    out.sort(key=lambda c: -c.similarity)
    return tuple(out[:limit])
