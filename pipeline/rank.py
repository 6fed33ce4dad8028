"""rank: the learned ranking of search candidates: one feature row per candidate
sentence, a linear score over the rows with weights read from resources/ranker.json.

The features say how well a sentence answers a query beyond its plain retrieval
scores: its best clause's match, how many query terms it holds, whether it states a
number of the kind asked (万人 for 多少人), whether its speech is of the place and
year the query names, whether it plans or reports (今年 vs 去年), what kind of
sentence it is. The weights are fitted by benchmarks/fit_ranker.py (a listwise
softmax over each query's candidates, numpy) on questions made from corpus
documents outside every gold set; loading and scoring need numpy only.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import GovSpeechError
from .lexicon import question_cues, resource_path
from .query import Understood, content_words, places_in, tense, unit_kinds
from .text import years_named

RANKER = "ranker.json"
FEATURES = (
    "dense",            # z-score of the sentence's stored vector (sentence + paragraph context)
    "clause",           # z-score of its best clause (the sentence's own when it has no clauses)
    "bm25",             # z-score of its BM25 score
    "coverage",         # share of the query's content words found in the sentence
    "quantity",         # the query asks for a quantity and the sentence states one
    "unit_match",       # … of the kind asked (万人 for 多少人)
    "unit_other",       # … but only of other kinds
    "place_match",      # the speech is of a place the query names
    "place_other",      # the query names a place, the speech is of another one
    "place_sentence",   # the sentence itself names a place the query names
    "year_match",       # the query's year is the speech's year (or the sentence names it)
    "year_other",       # the query names a year the speech and the sentence don't
    "tense_match",      # 今年/明年 asked and the sentence plans, or 去年 asked and it reports
    "tense_other",      # the opposite
    "heading",          # the sentence is a section heading
    "target",           # it sets a target
    "directive",        # it gives an instruction
    "question",         # it is itself a question (问：…？)
    "after_pointer",    # it follows a heading or question that matches the query (z of that match)
    "length",           # log of its length against 40 characters
)
_QUESTION = re.compile(r"(^\s*问[：:])|[？?]\s*$")


@dataclass(frozen=True)
class Candidate:
    """One sentence the retrievers found, with what the features need to know of it."""

    row: int
    text: str
    kind: str
    speech_places: frozenset[str]     # provinces and names of the speech's place (title, meta)
    speech_year: int | None
    dense: float                      # z-scores against the collection
    clause: float
    bm25: float
    after_pointer: float = 0.0


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text))


@lru_cache(maxsize=4096)
def speech_places(title: str, place: str | None) -> frozenset[str]:
    """Names and provinces of the places a speech's title and meta place name (cached:
    every query asks again about the speeches its candidates come from)."""
    found = places_in(f"{place or ''} {title or ''}")
    return frozenset({p.name for p in found} | {p.province for p in found})


def features(query: str, understood: Understood, candidates: Sequence[Candidate]) -> np.ndarray:
    """The feature matrix, one row per candidate, columns in FEATURES order."""
    words = content_words(query)
    places = {p.name for p in understood.places} | understood.provinces
    place_names = [(p.name, _short(p.name)) for p in understood.places]
    quantity_cue = question_cues().quantity
    X = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
    for i, c in enumerate(candidates):
        f = dict.fromkeys(FEATURES, 0.0)
        f["dense"], f["clause"], f["bm25"] = c.dense, c.clause, c.bm25
        f["coverage"] = sum(w in c.text for w in words) / len(words) if words else 0.0
        if understood.quantity:
            states = bool(quantity_cue.search(c.text))
            f["quantity"] = float(states)
            if understood.units and states:
                kinds = unit_kinds(c.text)
                hit = bool(kinds & set(understood.units))
                f["unit_match"], f["unit_other"] = float(hit), float(bool(kinds) and not hit)
        if places:
            if c.speech_places:
                f["place_match"] = float(bool(places & c.speech_places))
                f["place_other"] = float(not places & c.speech_places)
            f["place_sentence"] = float(any(n in c.text or s in c.text for n, s in place_names))
        offset = understood.offset
        if understood.years:
            in_sentence = bool(set(understood.years) & set(years_named(c.text)))
            if c.speech_year is not None:
                # a report of year Y speaks of Y (今年) and of Y−1 (过去一年)
                match = in_sentence or any(y in (c.speech_year, c.speech_year - 1) for y in understood.years)
                f["year_match"], f["year_other"] = float(match), float(not match)
                if offset is None:
                    offset = understood.years[0] - c.speech_year
            else:
                f["year_match"] = float(in_sentence)
        if understood.period and not understood.years and offset is None:
            offset = 1
        if offset is not None:
            t = tense(c.text) if c.kind not in ("target", "directive") else 1
            wanted = 1 if offset >= 0 else -1
            f["tense_match"], f["tense_other"] = float(t == wanted), float(t == -wanted)
        f["heading"] = float(c.kind == "heading")
        f["target"] = float(c.kind == "target")
        f["directive"] = float(c.kind == "directive")
        f["question"] = float(is_question(c.text))
        f["after_pointer"] = c.after_pointer
        f["length"] = math.log(max(len(c.text), 1) / 40.0)
        X[i] = [f[name] for name in FEATURES]
    return X


def _short(name: str) -> str:
    return re.sub(r"(省|市|县|区|自治区|自治州|特别行政区)$", "", name) or name


@dataclass(frozen=True)
class Ranker:
    """A linear score over FEATURES (a softmax over a query's candidates at fit time)."""

    weights: np.ndarray
    source: str = ""

    def score(self, X: np.ndarray) -> np.ndarray:
        return X @ self.weights

    @classmethod
    def load(cls, path: str | Path) -> "Ranker":
        """Read a weights file: {"features": [...], "weights": {name: number}}. Every name in
        FEATURES must have a finite weight; a malformed file is a one-line GovSpeechError."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise GovSpeechError(f"{path}: cannot read ranker weights ({exc.__class__.__name__})") from None
        except json.JSONDecodeError as exc:
            raise GovSpeechError(f"{path}: ranker weights are not JSON (line {exc.lineno}: {exc.msg})") from None
        weights = data.get("weights") if isinstance(data, dict) else None
        if not isinstance(weights, dict):
            raise GovSpeechError(f'{path}: ranker weights need a "weights" object of feature → number')
        missing = [f for f in FEATURES if f not in weights]
        unknown = [f for f in weights if f not in FEATURES]
        if missing or unknown:
            raise GovSpeechError(f"{path}: ranker weights missing {missing or '-'}, unknown {unknown or '-'}")
        bad = [f for f in FEATURES if isinstance(weights[f], bool) or not isinstance(weights[f], (int, float))
               or not math.isfinite(weights[f])]
        if bad:
            raise GovSpeechError(f"{path}: ranker weights not finite numbers: {bad}")
        return cls(np.array([weights[f] for f in FEATURES], dtype=np.float32), str(path))


@lru_cache(maxsize=4)
def load_ranker(path: str | None = None) -> Ranker:
    """The ranker from `path`, or the bundled resources/ranker.json."""
    return Ranker.load(path or resource_path(RANKER))
