"""fusion: one ranking from a dense and a keyword retriever's scores.

    zscore   convex combination of z-scores, each retriever standardised against its own
             score distribution over the collection (the default: on the paraphrased gold
             sets it beat the other two, benchmarks/RESULTS.md)
    minmax   convex combination of scores min-max scaled over each retriever's candidates
    rrf      weighted reciprocal rank fusion

Pure functions over (row, score) lists and score arrays; no index, no I/O.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

FUSIONS = ("zscore", "minmax", "rrf")
RRF_K = 60

Ranking = list[tuple[int, float]]


def zscore(dense: np.ndarray, dense_stats: tuple[float, float], sparse: np.ndarray | None,
           sparse_stats: tuple[float, float] | None, alpha: float) -> np.ndarray:
    """alpha·z(dense) + (1−alpha)·z(sparse) for the same rows, each z against its (mean, spread)."""
    fused = alpha * (dense - dense_stats[0]) / dense_stats[1]
    if sparse is not None and sparse_stats is not None:
        fused = fused + (1 - alpha) * (sparse - sparse_stats[0]) / sparse_stats[1]
    return fused


def minmax(dense: Ranking, sparse: Ranking, alpha: float) -> Ranking:
    """alpha·dense + (1−alpha)·sparse, each min-max scaled over its own candidates."""
    def scaled(ranking: Ranking) -> dict[int, float]:
        if not ranking:
            return {}
        values = np.array([s for _, s in ranking])
        lo, hi = values.min(), values.max()
        return {r: (s - lo) / (hi - lo) if hi > lo else 1.0 for r, s in ranking}

    d, b = scaled(dense), scaled(sparse)
    fused = {r: alpha * d.get(r, 0.0) + (1 - alpha) * b.get(r, 0.0) for r in set(d) | set(b)}
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))


def rrf(rankings: Sequence[Ranking], k: int = RRF_K, weights: Sequence[float] | None = None) -> Ranking:
    """Reciprocal rank fusion: Σ w / (k + rank) over the rankings a row appears in."""
    fused: dict[int, float] = {}
    weights = weights or [1.0] * len(rankings)
    for ranking, w in zip(rankings, weights):
        for rank, (row, _) in enumerate(ranking, 1):
            fused[row] = fused.get(row, 0.0) + w / (k + rank)
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))
