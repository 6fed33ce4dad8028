"""search: dense, BM25 and hybrid retrieval over an Index, with filters, optional
cross-encoder rerank, and a citation on every hit.

Orchestration only: understand → candidates → fuse → rank → hits. The store
(pipeline.index.store) gives candidates and scores; pipeline.query reads what the
query asks about (place, year, quantity); pipeline.rank scores each candidate's
features with the learned weights in resources/ranker.json.

Hybrid (the default):
1. candidates: the top `depth` of dense and of BM25, plus the sentences right after a
   candidate heading or question (a heading points to its section's answer);
2. features: each candidate's dense, best-clause and BM25 z-scores (each against the
   collection's score distribution), query-word coverage, the quantity and its kind,
   the place and year of its speech against the query's, kind and length;
3. the learned linear score; then identical sentences (the same notice reposted) are
   collapsed into one hit that lists where else it appears (`also_in`).

`literal=True` (`--literal`) turns understanding, clauses and the learned ranking off
and ranks as the previous release did: 0.8 z(dense) + 0.2 z(BM25), plus a bonus for
sentences stating a number when the query asks for one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from . import fusion as fusion_module
from .blas import one_blas_thread
from .errors import GovSpeechError
from .index.dense import top_of
from .lexicon import question_cues
from .model import SEARCH_MODES, Filters, Hit, SearchOptions, Unit, check_query
from .query import bm25_terms, understand as read_query
from .rank import Candidate, Ranker, features, is_question, load_ranker, speech_places

if TYPE_CHECKING:
    from .index import CorpusIndex
    from .index.store import Store

MODES = SEARCH_MODES
FUSIONS = fusion_module.FUSIONS
POINTER_REACH = 3             # sentences after a heading or question that it may point to
POINTER_CONTEXT = 2           # sentences shown after a heading or question hit (when --context is 0)


def check_options(options: SearchOptions) -> None:
    if options.fusion not in FUSIONS:
        raise GovSpeechError(f"unknown fusion {options.fusion!r} ({', '.join(FUSIONS)})")


def query_text(query: str, mode: str = "hybrid", literal: bool = False, understand: bool = True) -> str:
    """What the encoder reads for a query: in hybrid search with understanding on, the
    query followed by the official wording of its everyday words (粮产 → 粮食产量,
    query.Understood.encoding_text); the query as typed otherwise (dense, bm25, --literal)."""
    if mode == "hybrid" and not literal and understand:
        return read_query(query).encoding_text(query)
    return query


def _plain_zscore(store: "Store", query: str, q: np.ndarray, terms: list[str], dense: list, sparse: list,
                  alpha: float, prior: float) -> list[tuple[int, float]]:
    """The previous release's ranking: every candidate of either side scored exactly by
    both, fused as z-scores, plus the quantity prior."""
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


def _allowed(selection, rows: list[int]) -> list[int]:
    if selection is None:
        return rows
    return [r for r in rows if 0 <= r < len(selection) and selection[r]]


def _is_pointer(unit: Unit) -> bool:
    return unit.kind == "heading" or is_question(unit.text)


def candidate_table(index: "CorpusIndex", query: str, depth: int = 50, filters: Filters | None = None,
                    understand: bool = True, clauses: bool = True, query_vector: np.ndarray | None = None,
                    selection=None) -> tuple[list[Unit], np.ndarray, list[tuple[int, int] | None]]:
    """The hybrid candidates of a query, their feature rows (rank.FEATURES) and the span
    of each one's best clause (speech offsets; None when it has none).

    What the learned ranking scores, and what benchmarks/fit_ranker.py fits it on."""
    store = index.store
    if selection is None and filters is not None:
        selection = store.select(filters)
    q = query_vector if query_vector is not None else index.encoder.encode_queries(
        [query_text(query, understand=understand)])[0]
    terms = bm25_terms(query)
    dense = store.dense_search(q, depth, selection)
    sparse = store.sparse_search(terms, depth, selection) if terms else []
    rows = sorted({r for r, _ in dense} | {r for r, _ in sparse})
    units = {u.row: u for u in store.units(rows)}
    # a heading or a question points to the sentences after it: bring them in
    followers = sorted({r + i for r, u in units.items() if _is_pointer(u) for i in range(1, POINTER_REACH + 1)}
                       - set(units))
    followers = [r for r in _allowed(selection, followers) if r < len(store)]
    if followers:
        for u in store.units(followers):
            units[u.row] = u
    rows = sorted(units)
    ordered = [units[r] for r in rows]
    row_array = np.array(rows, dtype=np.int64)
    mean, spread = store.dense_stats(q)
    dense_z = (store.dense_scores(q, row_array) - mean) / spread
    if terms:
        s_mean, s_spread = store.sparse_stats(terms)
        bm25_z = (store.sparse_scores(terms, row_array) - s_mean) / s_spread
    else:
        bm25_z = np.zeros(len(rows), dtype=np.float32)
    clause_z = dense_z.copy()
    spans: list[tuple[int, int] | None] = [None] * len(rows)
    if clauses:
        by_unit = store.clauses(rows)
        if by_unit:
            clause_rows = np.array(sorted({c for cs in by_unit.values() for c, _, _ in cs}), dtype=np.int64)
            scores = dict(zip(clause_rows.tolist(), store.clause_scores(q, clause_rows).tolist()))
            for i, r in enumerate(rows):
                found = by_unit.get(r)
                if found:
                    best, start, end = max(((scores[c], a, b) for c, a, b in found), key=lambda x: x[0])
                    clause_z[i] = (best - mean) / spread
                    u = units[r]
                    spans[i] = (u.start + start, u.start + end)
    places: dict[str, tuple[frozenset[str], int | None]] = {}
    for sid, meta in store.speech_meta({u.speech_id for u in ordered}).items():
        places[sid] = (speech_places(meta.get("title") or "", meta.get("place")), meta.get("year"))
    position = {r: i for i, r in enumerate(rows)}
    candidates = []
    for i, u in enumerate(ordered):
        pointer = 0.0
        if not _is_pointer(u):
            for back in range(1, POINTER_REACH + 1):
                p = units.get(u.row - back)
                if p is None or p.speech_id != u.speech_id:
                    break
                if _is_pointer(p):
                    pointer = max(pointer, float(dense_z[position[p.row]]))
                    break
        where, year = places.get(u.speech_id, (frozenset(), None))
        candidates.append(Candidate(u.row, u.text, u.kind, where, year, float(dense_z[i]), float(clause_z[i]),
                                    float(bm25_z[i]), pointer))
    X = features(query, read_query(query, literal=not understand), candidates)
    return ordered, X, spans


def hits_json(query: str, hits: list[Hit], mode: str = "hybrid", literal: bool = False) -> list[dict]:
    """The hits as `govspeech search --json` and the HTTP API print them: each hit's
    dict plus what search read from the query (`understood`; None when it read nothing)."""
    reading = read_query(query).to_dict() if mode == "hybrid" and not literal else None
    return [{**h.to_dict(), "understood": reading} for h in hits]


_PUNCT = re.compile(r"[\W_]+")


def _same_text(text: str) -> str:
    """What two reposts of one sentence share: the text without punctuation or spaces."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text))


def search(index: "CorpusIndex", query: str, options: SearchOptions = SearchOptions(),
           query_vector: np.ndarray | None = None) -> list[Hit]:
    """Find the sentences that answer `query`.

    Args:
        index: an opened index (pipeline.index.CorpusIndex, or the façade pipeline.Index).
        query: plain Chinese, e.g. "农村道路建好以后怎么维护" (at most
            model.MAX_QUERY_CHARS characters).
        options: k, mode, filters and the rest (model.SearchOptions documents each):
            hybrid is the learned ranking over dense and BM25 candidates; `literal` the
            previous release's z-score fusion.
        query_vector: the query already encoded (Index.search_many encodes a batch at once).

    Returns:
        Hits in rank order, each with its citation; [] when the filters leave no sentence
        (Index.count(filters) tells that case apart).
    """
    check_query(query)
    check_options(options)
    o = options
    k, mode, literal, understand_query = o.k, o.mode, o.literal, o.understand
    if len(index) == 0:
        return []
    with one_blas_thread():      # pipeline/blas.py: why a search keeps numpy's BLAS on one thread
        store = index.store
        selection = store.select(o.filters)
        if selection is not None and store.count(selection) == 0:
            return []
        depth = o.candidates or max(50, 5 * k)
        q = None
        if mode != "bm25":
            q = query_vector if query_vector is not None else index.encoder.encode_queries(
                [query_text(query, mode, literal, understand_query)])[0]
        terms = bm25_terms(query) if mode != "dense" else []
        spans: dict[int, tuple[int, int]] = {}
        known: dict[int, Unit] = {}
        if mode == "dense":
            ranked = store.dense_search(q, depth, selection)
        elif mode == "bm25":
            ranked = store.sparse_search(terms, depth, selection) if terms else []
        elif literal or o.fusion != "zscore":
            dense = store.dense_search(q, depth, selection)
            sparse = store.sparse_search(terms, depth, selection) if terms else []
            if o.fusion == "zscore":
                ranked = _plain_zscore(store, query, q, terms, dense, sparse, o.dense_weight, o.quantity_prior)
            elif o.fusion == "minmax":
                ranked = fusion_module.minmax(dense, sparse, o.dense_weight)
            else:
                ranked = fusion_module.rrf([dense, sparse], weights=(o.dense_weight, 1 - o.dense_weight))
        else:
            units, X, clause_spans = candidate_table(index, query, depth, understand=understand_query,
                                                     clauses=o.clauses, query_vector=q, selection=selection)
            model = o.ranker if isinstance(o.ranker, Ranker) else load_ranker(str(o.ranker) if o.ranker else None)
            scores = model.score(X)
            order = np.argsort(-scores, kind="stable")
            ranked = [(units[i].row, float(scores[i])) for i in order]
            spans = {units[i].row: s for i, s in enumerate(clause_spans) if s}
            known = {u.row: u for u in units}       # read once: the hits reuse them
        if o.rerank:
            ranked = _rerank(store, query, ranked[:max(depth, k)], o.rerank)
        return _hits(store, ranked, k, spans, o.context, o.collapse, known)


def _hits(store: "Store", ranked: list[tuple[int, float]], k: int, spans: dict[int, tuple[int, int]],
          context: int, collapse: bool, known: dict[int, Unit] | None = None) -> list[Hit]:
    """The first k distinct sentences of a ranking as hits; a repeat of one already
    taken joins its `also_in` (read in chunks, so a run of repeats costs little).
    `also_in` lists the repeats among the ranked candidates: identical text scores
    alike on both retrievers, so the copies of a hit are found together."""
    hits: list[Hit] = []
    first: dict[str, int] = {}
    also: dict[int, list] = {}
    at = 0
    chunk = max(k, 16)
    while at < len(ranked) and len(hits) < k:
        part = ranked[at:at + chunk]
        at += chunk
        missing = [r for r, _ in part if r not in (known or {})]
        read = dict(zip(missing, store.units(missing))) if missing else {}
        for row, score in part:
            unit = read[row] if row in read else known[row]
            key = _same_text(unit.text) if collapse else str(row)
            if key in first:
                also[first[key]].append(unit.citation())
                continue
            if len(hits) == k:
                continue
            first[key] = len(hits)
            also[len(hits)] = []
            before, after = store.neighbours(row, context) if context > 0 else ((), ())
            if context == 0 and _is_pointer(unit):
                after = store.neighbours(row, POINTER_CONTEXT)[1]
            match = spans.get(row)
            hits.append(Hit(len(hits) + 1, score, unit.kind, unit.strength, unit.actors, unit.targets,
                            unit.citation(), row, before, after,
                            match_start=match[0] if match else None, match_end=match[1] if match else None))
    return [replace(h, also_in=tuple(also[i])) if also[i] else h for i, h in enumerate(hits)]


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
