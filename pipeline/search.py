"""search: dense, BM25 and hybrid retrieval over an Index, with filters, optional
cross-encoder rerank, and a citation on every hit.

Orchestration only: the store (pipeline.index.store) gives candidates and scores,
pipeline.fusion combines them. Hybrid is a convex combination of z-scores (0.8 dense
+ 0.2 BM25); a query that asks for a quantity (多少, 哪一年) lifts sentences that
state one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from . import fusion as fusion_module
from .index.dense import top_of
from .errors import GovSpeechError
from .lexicon import question_cues
from .model import Filters, Hit
from .tokenize import index_terms

if TYPE_CHECKING:
    from .index import Index
    from .index.store import Store

MODES = ("hybrid", "dense", "bm25")
FUSIONS = fusion_module.FUSIONS
DENSE_WEIGHT = 0.8
QUANTITY_PRIOR = 1.0          # z-score bonus for a sentence stating a number when the query asks for one


def query_terms(query: str) -> list[str]:
    """What BM25 matches: the query's index terms, question words (多少, 如何) dropped
    first, since no answer contains them."""
    return index_terms(question_cues().interrogatives.sub(" ", query)) or index_terms(query)


def check_options(mode: str, fusion: str, query: str) -> None:
    if mode not in MODES:
        raise GovSpeechError(f"unknown search mode {mode!r} ({', '.join(MODES)})")
    if fusion not in FUSIONS:
        raise GovSpeechError(f"unknown fusion {fusion!r} ({', '.join(FUSIONS)})")
    if not query or not query.strip():
        raise GovSpeechError("empty query")


def _zscore(store: "Store", query: str, q: np.ndarray, terms: list[str], dense: list, sparse: list,
            alpha: float, prior: float) -> list[tuple[int, float]]:
    """Every candidate of either side scored exactly by both, fused as z-scores."""
    rows = np.array(sorted({r for r, _ in dense} | {r for r, _ in sparse}), dtype=np.int64)
    if not len(rows):
        return []
    fused = fusion_module.zscore(store.dense_scores(q, rows), store.dense_stats(q),
                                 store.sparse_scores(terms, rows) if terms else None,
                                 store.sparse_stats(terms) if terms else None, alpha)
    cues = question_cues()
    if prior and cues.quantity_question.search(query):
        texts = store.texts(rows)
        fused = fused + prior * np.array([bool(cues.quantity.search(texts[int(r)])) for r in rows])
    return top_of(rows, fused, len(rows))


def search(index: "Index", query: str, k: int = 10, mode: str = "hybrid", filters: Filters | None = None,
           rerank: str | None = None, context: int = 0, candidates: int | None = None,
           fusion: str = "zscore", dense_weight: float = DENSE_WEIGHT, quantity_prior: float = QUANTITY_PRIOR,
           query_vector: np.ndarray | None = None) -> list[Hit]:
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
        query_vector: the query already encoded (Index.search_many encodes a batch at once).

    Returns:
        Hits in rank order, each with its citation; [] when the filters leave no sentence
        (Index.count(filters) tells that case apart).
    """
    check_options(mode, fusion, query)
    if k <= 0 or len(index) == 0:
        return []
    store = index.store
    selection = store.select(filters or Filters())
    if selection is not None and store.count(selection) == 0:
        return []
    depth = candidates or max(50, 5 * k)
    q = None
    if mode != "bm25":
        q = query_vector if query_vector is not None else index.encoder.encode_queries([query])[0]
    terms = query_terms(query) if mode != "dense" else []
    if mode == "dense":
        ranked = store.dense_search(q, depth, selection)
    elif mode == "bm25":
        ranked = store.sparse_search(terms, depth, selection) if terms else []
    else:
        dense = store.dense_search(q, depth, selection)
        sparse = store.sparse_search(terms, depth, selection) if terms else []
        if fusion == "zscore":
            ranked = _zscore(store, query, q, terms, dense, sparse, dense_weight, quantity_prior)
        elif fusion == "minmax":
            ranked = fusion_module.minmax(dense, sparse, dense_weight)
        else:
            ranked = fusion_module.rrf([dense, sparse], weights=(dense_weight, 1 - dense_weight))
    if rerank:
        ranked = _rerank(store, query, ranked[:max(depth, k)], rerank)
    ranked = ranked[:k]
    units = store.units([r for r, _ in ranked])
    hits = []
    for rank, ((row, score), unit) in enumerate(zip(ranked, units), 1):
        before, after = store.neighbours(row, context) if context > 0 else ((), ())
        hits.append(Hit(rank, score, unit.kind, unit.strength, unit.actors, unit.targets, unit.citation(), row,
                        before, after))
    return hits


_cross_encoders: dict[str, object] = {}


def _rerank(store: "Store", query: str, ranked: list[tuple[int, float]], spec: str) -> list[tuple[int, float]]:
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
    texts = store.texts([r for r, _ in ranked])
    scores = _cross_encoders[spec].predict([(query, texts[r]) for r, _ in ranked], show_progress_bar=False)
    return sorted(((r, float(s)) for (r, _), s in zip(ranked, scores)), key=lambda x: (-x[1], x[0]))
