"""terms: formulations one speech uses and the other never does, ranked by how notable they are.

A candidate is a "core" that the other speech's text does not contain anywhere (not even
inside a longer word, so a reported new term never occurs in the old speech):
- a jieba word of two or more characters the other text lacks (供给侧, 僵尸);
- two or three adjacent words each found in the other text but never together
  (竞争 + 中性), when the side uses them together at least twice;
- a phrase in quotation marks (“放管服”, “智能+”).
A core used more than once grows to the words that always surround it (供给侧 →
供给侧结构性改革, 僵尸 → 僵尸企业), so the term is the phrase an analyst would quote.
Notability (weights in resources/term_weights.json) favours terms that recur, that are
quoted, that the policy dictionary knows, that are whole phrases rather than two
common words side by side, and, with an index, that few other speeches use.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache

from ..lexicon import read_list, resource_path, stopwords
from ..model import Sentence, Speech
from ..text import HAN_RANGE
from ..tokenize import words

_QUOTED = re.compile(r"[“「『\"]([^”」』\"，。；、]{2,12})[”」』\"]")
_HAS_DIGIT = re.compile(r"[0-9０-９]|[零一二三四五六七八九十百千万亿]{3,}|^[万亿千百年月日个多余项]")
_HAN_WORD = re.compile(f"[{HAN_RANGE}]+")
MAX_CHARS = 12


@dataclass(frozen=True)
class Candidate:
    term: str
    count: int
    quoted: bool
    known: bool            # in the policy dictionary
    cohesion: float        # how often the core's words come together when they come at all (0..1]
    rarity: float          # 0 (every word of it common in general Chinese) .. 1 (some word rare)
    sentence: Sentence     # the first sentence that carries it
    score: float = 0.0


@lru_cache(maxsize=1)
def weights() -> dict:
    with open(resource_path("term_weights.json"), encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def _policy_terms() -> frozenset[str]:
    return frozenset(line.split()[0] for line in read_list(resource_path("policy_terms.txt")))


@lru_cache(maxsize=1)
def _edge_words() -> frozenset[str]:
    """Words a term never starts or ends with: stopwords and the verbs that frame a slogan."""
    w = weights()
    return stopwords() | frozenset(w["edge_words"])


@lru_cache(maxsize=65536)
def _content(word: str) -> bool:
    return bool(_HAN_WORD.fullmatch(word)) and word not in _edge_words()


def _tokens(speech: Speech) -> list[tuple[str, int, int, Sentence]]:
    """(word, start, end, sentence) of every word of the speech's body sentences, in order."""
    out = []
    for sentence in speech.sentences:
        if sentence.kind == "heading" and not sentence.text:
            continue
        at = sentence.span.start
        for w in words(sentence.text):
            out.append((w, at, at + len(w), sentence))
            at += len(w)
    return out


def new_terms(side: Speech, other: Speech, limit: int | None = 30) -> list[Candidate]:
    """Terms `side` uses that `other` never does, most notable first (at most `limit`)."""
    absent = _Absent(other.text)
    tokens = _tokens(side)
    counts = Counter(t[0] for t in tokens)
    n = len(tokens)
    cores: dict[tuple[str, ...], list[int]] = defaultdict(list)   # core words → token positions
    for i, (w, *_rest) in enumerate(tokens):
        if not _content(w):
            continue
        if absent(w):
            if len(w) >= 2:
                cores[(w,)].append(i)
            continue
        for size in (2, 3):
            if i + size > n:
                break
            group = tuple(t[0] for t in tokens[i:i + size])
            if not all(_content(g) for g in group) or tokens[i + size - 1][3] is not tokens[i][3]:
                break
            if not absent("".join(group)):
                continue
            if all(not absent("".join(group[a:a + size - 1])) for a in (0, 1)):
                cores[group].append(i)
            break
    found: dict[str, Candidate] = {}
    for core, positions in cores.items():
        if len(core) > 1 and len(positions) < weights()["min_count_phrase"]:
            continue
        start, end = _grow(tokens, positions, len(core))
        term = "".join(t[0] for t in tokens[positions[0] + start:positions[0] + len(core) + end])
        if len(term) > MAX_CHARS or _HAS_DIGIT.search(term) or not absent(term):
            term = "".join(core)
        if len(term) < 2 or term in found or _HAS_DIGIT.search(term):
            continue
        cohesion = len(positions) / min(counts[w] for w in core)
        found[term] = Candidate(term, len(positions), False, term in _policy_terms(), cohesion, _rarity(words(term)),
                                tokens[positions[0]][3])
    for m in _QUOTED.finditer(side.text):
        term = m.group(1)
        if term in found:                       # a word found above that is also written in quotes
            found[term] = replace(found[term], quoted=True, rarity=1.0)
            continue
        if not absent(term) or _HAS_DIGIT.search(term):
            continue
        sentence = _sentence_at(side, m.start(1))
        if sentence is None:
            continue
        # written in quotes, it is a coined formulation however common its words (“智能+”)
        found[term] = Candidate(term, side.text.count(term), True, term in _policy_terms(), 1.0, 1.0, sentence)
    floor = weights()["min_score"]
    scored = sorted((c for c in map(_scored, found.values()) if c.score >= floor),
                    key=lambda c: (-c.score, c.sentence.span.start))
    return _distinct(scored, limit)


class _Absent:
    """`absent(s)`: s occurs nowhere in the text. Short strings (most words and word
    pairs) are answered from the set of the text's short substrings, longer ones by a
    search, each distinct string once."""

    SHORT = 6

    def __init__(self, text: str):
        self.text = text
        self.short = {text[i:i + k] for k in range(1, self.SHORT + 1) for i in range(len(text) - k + 1)}
        self.memo: dict[str, bool] = {}

    def __call__(self, s: str) -> bool:
        if len(s) <= self.SHORT:
            return s not in self.short
        found = self.memo.get(s)
        if found is None:
            found = self.memo[s] = s not in self.text
        return found


def _grow(tokens, positions: list[int], size: int) -> tuple[int, int]:
    """How many words to add on the left (as a negative offset) and on the right: the
    words every use of the core shares (a single use grows only to a dictionary term)."""
    left = 0
    while True:
        ws = {tokens[p + left - 1][0] if p + left - 1 >= 0 and tokens[p + left - 1][3] is tokens[p][3] else None
              for p in positions}
        w = next(iter(ws))
        if len(ws) != 1 or w is None or not _content(w) or len(positions) < 2:
            break
        left -= 1
    right = 0
    while True:
        ws = {tokens[p + size + right][0] if p + size + right < len(tokens) and tokens[p + size + right][3] is tokens[p][3]
              else None for p in positions}
        w = next(iter(ws))
        if len(ws) != 1 or w is None or not _content(w) or len(positions) < 2:
            break
        right += 1
    return left, right


@lru_cache(maxsize=1)
def _common_words() -> dict[str, float]:
    """resources/common_words.tsv: general-Chinese IDF of common words (see benchmarks/make_common_words.py)."""
    out = {}
    for line in read_list(resource_path("common_words.tsv")):
        word, _, value = line.partition("\t")
        out[word] = float(value)
    return out


def _rarity(core: tuple[str, ...]) -> float:
    """How rare the core's rarest word is in general Chinese: IDF 6 or less → 0, unlisted (≥ 9.5) → 1."""
    common = _common_words()
    # single characters are not in jieba's table; a term of common words plus 地 is not rare
    idf = max((common.get(w, 12.0) for w in core if len(w) > 1), default=6.0)
    return max(0.0, min(1.0, (idf - 6.0) / 3.5))


def _sentence_at(speech: Speech, offset: int) -> Sentence | None:
    for s in speech.sentences:
        if s.span.start <= offset < s.span.end:
            return s
    return None


def _scored(c: Candidate) -> Candidate:
    w = weights()
    score = (w["count"] * math.log1p(c.count) + w["quoted"] * c.quoted + w["dictionary"] * c.known
             + w["cohesion"] * c.cohesion + w["length"] * min(len(c.term), 8) / 8 + w["rarity"] * c.rarity)
    if len(c.term) <= 2 and not (c.quoted or c.known):
        score += w["two_characters"]
    return replace(c, score=score)


def _distinct(ranked: list[Candidate], limit: int | None) -> list[Candidate]:
    """Best first, skipping a term inside one already taken, or holding one already taken."""
    out: list[Candidate] = []
    for c in ranked:
        if any(c.term in t.term or t.term in c.term for t in out):
            continue
        out.append(c)
        if limit is not None and len(out) >= limit:
            break
    return out
