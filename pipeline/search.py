"""search: dense, BM25 and hybrid retrieval over an Index, with filters, optional
cross-encoder rerank, and a citation on every hit.

Hybrid fuses the two by a convex combination of z-scores (0.8 dense + 0.2 BM25),
each retriever's score standardised against its own score distribution over the
collection, so "far above what this query scores on a typical sentence" counts
the same on both sides. On the paraphrased gold sets in benchmarks/ it beat min-max
scaling over the candidates and reciprocal rank fusion (RESULTS.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .errors import GovSpeechError
from .lexicon import question_cues
from .model import Citation
from .tokenize import index_terms

if TYPE_CHECKING:
    from .index import Index

MODES = ("hybrid", "dense", "bm25")
FUSIONS = ("zscore", "minmax", "rrf")
DENSE_WEIGHT = 0.8
QUANTITY_PRIOR = 1.0          # z-score bonus for a sentence stating a number when the query asks for one
STATS_SAMPLE = 4096           # rows whose dense scores estimate the collection's mean and spread
RRF_K = 60
BRUTE_FORCE_LIMIT = 50_000    # filtered candidate sets this small are scored exactly


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    kind: str                  # heading / statement / directive / target
    strength: str | None
    actors: tuple[str, ...]
    targets: tuple[str, ...]
    citation: Citation
    row: int
    before: tuple[str, ...] = ()   # neighbouring sentences (--context)
    after: tuple[str, ...] = ()
    scores: dict = field(default_factory=dict)   # per-retriever ranks/scores, for inspection

    def to_dict(self) -> dict:
        d = {"rank": self.rank, "score": round(float(self.score), 6), "kind": self.kind, "strength": self.strength,
             "actors": list(self.actors), "targets": list(self.targets), **self.citation.to_dict()}
        if self.before or self.after:
            d["context_before"], d["context_after"] = list(self.before), list(self.after)
        return d


@dataclass(frozen=True)
class Filters:
    speech: Sequence[str] = ()     # speech ids
    since: str | None = None       # ISO date or year, inclusive
    until: str | None = None
    place: str | None = None       # substring of the speech's place or title
    section: str | None = None     # a section path prefix such as "二" or "二（一）"
    kind: Sequence[str] = ()       # heading / statement / directive / target
    strength: str | None = None    # mandatory / advisory

    def empty(self) -> bool:
        return not (self.speech or self.since or self.until or self.place or self.section or self.kind or self.strength)


def allowed_rows(index: "Index", filters: Filters) -> np.ndarray | None:
    """A boolean mask over the index's rows, or None when nothing is filtered."""
    if filters.empty():
        return None
    where, args = [], []
    if filters.speech:
        where.append(f"u.speech_id IN ({','.join('?' * len(filters.speech))})")
        args.extend(filters.speech)
    # A speech dated only by its year counts as inside a range that touches that year.
    if filters.since:
        where.append("(s.date >= ? OR (s.date IS NULL AND s.year >= ?))")
        args.extend([filters.since, _year(filters.since)])
    if filters.until:
        where.append("(s.date <= ? OR (s.date IS NULL AND s.year <= ?))")
        args.extend([filters.until + ("-12-31" if len(filters.until) == 4 else ""), _year(filters.until)])
    if filters.place:
        where.append("(s.place LIKE ? OR s.title LIKE ? OR s.meeting LIKE ?)")
        args.extend([f"%{filters.place}%"] * 3)
    if filters.kind:
        where.append(f"u.kind IN ({','.join('?' * len(filters.kind))})")
        args.extend(filters.kind)
    if filters.strength:
        where.append("u.strength = ?")
        args.append(filters.strength)
    section = _section_label(filters.section) if filters.section else None
    rows = [r for (r, path) in index.db.execute(
        f"SELECT u.row, u.section_path FROM units u JOIN speeches s ON s.id = u.speech_id WHERE {' AND '.join(where) or '1'}", args)
        if not section or "".join(json.loads(path)).startswith(section)]
    mask = np.zeros(len(index), dtype=bool)
    mask[np.array(rows, dtype=np.int64)] = True
    return mask


def _year(date: str) -> int:
    try:
        return int(date[:4])
    except ValueError:
        raise GovSpeechError(f"not a date: {date!r} (use 2020 or 2020-03-01)") from None


def _section_label(section: str) -> str:
    """二(一) / 二、（一） / 二（一） → 二（一）, the form section paths are stored in."""
    return section.replace("(", "（").replace(")", "）").replace("、", "").replace(" ", "")


def _top(scores: np.ndarray, n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    n = min(n, int(np.isfinite(scores).sum()) if mask is not None else len(scores))
    if n <= 0:
        return []
    idx = np.argpartition(-scores, n - 1)[:n]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(i), float(scores[i])) for i in idx]


def _matmul(vectors: np.ndarray, q: np.ndarray, block: int = 262_144) -> np.ndarray:
    """vectors @ q in blocks, so a memory-mapped matrix is streamed, not copied."""
    out = np.empty(len(vectors), dtype=np.float32)
    for i in range(0, len(vectors), block):
        out[i:i + block] = np.asarray(vectors[i:i + block]) @ q
    return out


def dense_candidates(index: "Index", q: np.ndarray, n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
    """The n best rows for query vector q (exact for flat and small filtered sets)."""
    if index.dense is None:   # flat: exact scores over the memory-mapped vectors
        return _top(_matmul(index.vectors, q), n, mask)
    if mask is not None and mask.sum() <= BRUTE_FORCE_LIMIT:
        rows = np.flatnonzero(mask)
        return _top_of(rows, dense_scores(index, q, rows), n)
    params = None
    if mask is not None:
        import faiss

        selector = faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little"))
        params = faiss.SearchParameters(sel=selector)
    query = q[None, :]
    scores, ids = index.dense.search(query, min(n, len(index)), params=params) if params else index.dense.search(query, min(n, len(index)))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


def dense_scores(index: "Index", q: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Exact scores of the given rows (sorted row numbers read fastest from the memory map)."""
    if not len(rows):
        return np.zeros(0, dtype=np.float32)
    return np.asarray(index.vectors[rows], dtype=np.float32) @ q


def _stats(scores: np.ndarray) -> tuple[float, float]:
    spread = float(scores.std())
    return float(scores.mean()), spread or 1.0


def bm25_scores(index: "Index", query: str) -> np.ndarray | None:
    """BM25 score of every row (None when the query has no indexable term). Question
    words (多少, 如何) are dropped first: no answer contains them."""
    words = index_terms(question_cues().interrogatives.sub(" ", query)) or index_terms(query)
    if not words:
        return None
    return np.asarray(index.bm25.get_scores(words), dtype=np.float32)


def bm25_candidates(scores: np.ndarray | None, n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
    if scores is None:
        return []
    return [(i, s) for i, s in _top(scores, n, mask) if s > 0]


def _top_of(rows: np.ndarray, scores: np.ndarray, n: int) -> list[tuple[int, float]]:
    order = np.argsort(-scores, kind="stable")[:n]
    return [(int(rows[i]), float(scores[i])) for i in order]


def rrf(rankings: Sequence[list[tuple[int, float]]], k: int = RRF_K, weights: Sequence[float] | None = None
        ) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: Σ w / (k + rank) over the rankings a row appears in."""
    fused: dict[int, float] = {}
    weights = weights or [1.0] * len(rankings)
    for ranking, w in zip(rankings, weights):
        for rank, (row, _) in enumerate(ranking, 1):
            fused[row] = fused.get(row, 0.0) + w / (k + rank)
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))


def minmax(dense: list[tuple[int, float]], sparse: list[tuple[int, float]], alpha: float) -> list[tuple[int, float]]:
    """alpha·dense + (1−alpha)·bm25, each min-max scaled over its own candidates."""
    def scaled(ranking):
        if not ranking:
            return {}
        values = np.array([s for _, s in ranking])
        lo, hi = values.min(), values.max()
        return {r: (s - lo) / (hi - lo) if hi > lo else 1.0 for r, s in ranking}
    d, b = scaled(dense), scaled(sparse)
    fused = {r: alpha * d.get(r, 0.0) + (1 - alpha) * b.get(r, 0.0) for r in set(d) | set(b)}
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))


def zscore(index: "Index", query: str, q: np.ndarray, dense: list[tuple[int, float]], sparse: np.ndarray | None,
           sparse_top: list[tuple[int, float]], alpha: float, prior: float = QUANTITY_PRIOR) -> list[tuple[int, float]]:
    """alpha·z(dense) + (1−alpha)·z(bm25) over the union of both candidate lists, every
    candidate scored exactly by both retrievers; z against the scores of a fixed sample
    of the collection (all of it up to STATS_SAMPLE rows).
    A query that asks for a quantity (多少, 哪一年) lifts sentences that state one."""
    rows = np.array(sorted({r for r, _ in dense} | {r for r, _ in sparse_top}), dtype=np.int64)
    if not len(rows):
        return []
    sample, sample_vectors = index.score_sample(STATS_SAMPLE)
    mean, spread = _stats(sample_vectors @ q)
    fused = alpha * (dense_scores(index, q, rows) - mean) / spread
    if sparse is not None:
        mean, spread = _stats(sparse[sample])
        fused += (1 - alpha) * (sparse[rows] - mean) / spread
    cues = question_cues()
    if prior and cues.quantity_question.search(query):
        texts = dict(index.db.execute(f"SELECT row, text FROM units WHERE row IN ({','.join(map(str, rows.tolist()))})"))
        fused += prior * np.array([bool(cues.quantity.search(texts[int(r)])) for r in rows])
    return _top_of(rows, fused, len(rows))


def search(index: "Index", query: str, k: int = 10, mode: str = "hybrid", filters: Filters | None = None,
           rerank: str | None = None, context: int = 0, candidates: int | None = None,
           fusion: str = "zscore", dense_weight: float = DENSE_WEIGHT, quantity_prior: float = QUANTITY_PRIOR
           ) -> list[Hit]:
    """Find the sentences that answer `query`.

    Args:
        index: an opened Index.
        query: plain Chinese, e.g. "农村道路建好以后怎么维护".
        k: hits to return.
        mode: hybrid (fusion of dense and BM25), dense, or bm25.
        filters: narrow to speeches, dates, places, sections, kinds, strengths.
        rerank: "st:NAME" of a sentence-transformers cross-encoder to reorder the top hits.
        fusion: "zscore" (the default), "minmax" (scores scaled over each retriever's candidates)
            or "rrf" (weighted reciprocal rank fusion).
        dense_weight: the dense side's share in the fusion.
        quantity_prior: z-score bonus (zscore fusion) for sentences stating a number when the
            query asks for one (多少, 哪一年); 0 turns it off.
        context: neighbouring sentences to attach before and after each hit.
        candidates: how deep each retriever looks before fusion (default max(50, 5k)).

    Returns:
        Hits in rank order, each with its citation.
    """
    if mode not in MODES:
        raise GovSpeechError(f"unknown search mode {mode!r} ({', '.join(MODES)})")
    if fusion not in FUSIONS:
        raise GovSpeechError(f"unknown fusion {fusion!r} ({', '.join(FUSIONS)})")
    if not query or not query.strip():
        raise GovSpeechError("empty query")
    if k <= 0 or len(index) == 0:
        return []
    mask = allowed_rows(index, filters or Filters())
    if mask is not None and not mask.any():
        return []
    depth = candidates or max(50, 5 * k)
    q = index.encoder.encode_queries([query])[0] if mode != "bm25" else None
    sparse = bm25_scores(index, query) if mode != "dense" else None
    if mode == "dense":
        ranked = dense_candidates(index, q, depth, mask)
    elif mode == "bm25":
        ranked = bm25_candidates(sparse, depth, mask)
    else:
        dense = dense_candidates(index, q, depth, mask)
        sparse_top = bm25_candidates(sparse, depth, mask)
        if fusion == "zscore":
            ranked = zscore(index, query, q, dense, sparse, sparse_top, dense_weight, quantity_prior)
        elif fusion == "minmax":
            ranked = minmax(dense, sparse_top, dense_weight)
        else:
            ranked = rrf([dense, sparse_top], weights=(dense_weight, 1 - dense_weight))
    if rerank:
        ranked = _rerank(index, query, ranked[:max(depth, k)], rerank)
    return [_hit(index, rank, row, score, context) for rank, (row, score) in enumerate(ranked[:k], 1)]


_cross_encoders: dict[str, object] = {}


def _rerank(index: "Index", query: str, ranked: list[tuple[int, float]], spec: str) -> list[tuple[int, float]]:
    if not spec.startswith("st:"):
        raise GovSpeechError(f"rerank takes st:NAME_OR_PATH of a cross-encoder, not {spec!r}")
    if spec not in _cross_encoders:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import CrossEncoder

            _cross_encoders[spec] = CrossEncoder(spec[3:], device="cpu")
        except Exception as exc:
            raise GovSpeechError(f"cannot load cross-encoder {spec[3:]!r} offline: {exc.__class__.__name__}") from None
    texts = dict(index.db.execute(f"SELECT row, text FROM units WHERE row IN ({','.join(str(r) for r, _ in ranked)})"))
    scores = _cross_encoders[spec].predict([(query, texts[r]) for r, _ in ranked], show_progress_bar=False)
    return sorted(((r, float(s)) for (r, _), s in zip(ranked, scores)), key=lambda x: (-x[1], x[0]))


def _hit(index: "Index", rank: int, row: int, score: float, context: int) -> Hit:
    (uid, speech_id, paragraph, kind, strength, path, start, end, raw_start, raw_end, text, actors, targets, title) = index.db.execute(
        'SELECT u.id, u.speech_id, u.paragraph, u.kind, u.strength, u.section_path, u.start, u."end", u.raw_start, '
        'u.raw_end, u.text, u.actors, u.targets, s.title FROM units u JOIN speeches s ON s.id = u.speech_id WHERE u.row = ?',
        [row]).fetchone()
    before = after = ()
    if context > 0:
        near = index.db.execute("SELECT row, text FROM units WHERE speech_id = ? AND row BETWEEN ? AND ? ORDER BY row",
                                [speech_id, row - context, row + context]).fetchall()
        before = tuple(t for r, t in near if r < row)
        after = tuple(t for r, t in near if r > row)
    citation = Citation(speech_id, title, tuple(json.loads(path)), paragraph, start, end, raw_start, raw_end, text)
    return Hit(rank, score, kind, strength, tuple(json.loads(actors)), tuple(json.loads(targets)), citation, row,
               before, after)
