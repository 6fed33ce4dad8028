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

from typing import TYPE_CHECKING, Sequence

import numpy as np

from . import confidence as confidence_module
from . import fusion as fusion_module
from . import group
from .blas import one_blas_thread
from .errors import GovSpeechError
from .index.dense import top_of
from .lexicon import question_cues
from .model import SEARCH_MODES, Filters, Hit, Match, SearchOptions, Unit, check_query
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
    followers = store.allowed(selection, followers)
    if followers:
        for u in store.units(followers):
            units[u.row] = u
    return feature_rows(index, query, units, q, terms, understand, clauses)


def feature_rows(index: "CorpusIndex", query: str, units: dict[int, Unit], q: np.ndarray, terms: list[str] | None = None,
                 understand: bool = True, clauses: bool = True
                 ) -> tuple[list[Unit], np.ndarray, list[tuple[int, int] | None]]:
    """The rank.FEATURES rows of these units (by row; returned in row order) for a query
    encoded as `q`, and the span of each one's best clause (None when it has none)."""
    store = index.store
    terms = bm25_terms(query) if terms is None else terms
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


def search(index: "CorpusIndex", query: str, options: SearchOptions = SearchOptions(),
           query_vector: np.ndarray | None = None, explain: list | None = None) -> list[Hit]:
    """Find the sentences that answer `query`.

    Args:
        index: an opened index (pipeline.index.CorpusIndex, or the façade pipeline.Index).
        query: plain Chinese, e.g. "农村道路建好以后怎么维护" (at most
            model.MAX_QUERY_CHARS characters).
        options: k, mode, filters and the rest (model.SearchOptions documents each):
            hybrid is the learned ranking over dense and BM25 candidates; `literal` the
            previous release's z-score fusion; `by` one hit per paragraph (the default:
            exactly k whenever the index, after filters, holds k matching paragraphs; its
            other matching sentences in `also_matched`) or per sentence.
        query_vector: the query already encoded (Index.search_many encodes a batch at once).
        explain: a list that receives each hit's confidence feature row (confidence.FEATURES;
            what benchmarks/fit_confidence.py fits the calibration on).

    Returns:
        Hits in rank order, each with its citation and calibrated `confidence`; [] when
        the filters leave no sentence (Index.count(filters) tells that case apart).

    Raises:
        UnknownSpeech: a speech filter names an id that is not in the index.
    """
    check_query(query)
    check_options(options)
    index.check_filters(options.filters)     # a speech id not in the index: an error naming it, not []
    o = options
    k, mode, literal, understand, by, collapse = o.k, o.mode, o.literal, o.understand, o.by, o.collapse
    fusion, clauses, candidates, rerank = o.fusion, o.clauses, o.candidates, o.rerank
    if len(index) == 0:
        return []
    with one_blas_thread():      # pipeline/blas.py: why a search keeps numpy's BLAS on one thread
        store = index.store
        selection = store.select(o.filters)
        allowed = store.count(selection) if selection is not None else len(store)
        if allowed == 0:
            return []
        model = o.ranker if isinstance(o.ranker, Ranker) else load_ranker(str(o.ranker) if o.ranker else None)
        q = None
        if mode != "bm25":
            q = query_vector if query_vector is not None else index.encoder.encode_queries(
                [query_text(query, mode, literal, understand)])[0]
        terms = bm25_terms(query) if mode != "dense" else []

        def ranking(depth: int):
            """(row, score) best first, clause spans, the units read, feature rows by row."""
            if mode == "dense":
                return store.dense_search(q, depth, selection), {}, {}, {}
            if mode == "bm25":
                return (store.sparse_search(terms, depth, selection) if terms else []), {}, {}, {}
            if literal or fusion != "zscore":
                dense = store.dense_search(q, depth, selection)
                sparse = store.sparse_search(terms, depth, selection) if terms else []
                if fusion == "zscore":
                    ranked = _plain_zscore(store, query, q, terms, dense, sparse, o.dense_weight, o.quantity_prior)
                elif fusion == "minmax":
                    ranked = fusion_module.minmax(dense, sparse, o.dense_weight)
                else:
                    ranked = fusion_module.rrf([dense, sparse], weights=(o.dense_weight, 1 - o.dense_weight))
                return ranked, {}, {}, {}
            units, X, clause_spans = candidate_table(index, query, depth, understand=understand, clauses=clauses,
                                                     query_vector=q, selection=selection)
            scores = model.score(X)
            order = np.argsort(-scores, kind="stable")
            return ([(units[i].row, float(scores[i])) for i in order],
                    {units[i].row: s for i, s in enumerate(clause_spans) if s},
                    {u.row: u for u in units}, {u.row: X[i] for i, u in enumerate(units)})

        wanted = max(k, 2)           # one more paragraph than the best: its score is the best's margin
        depth = candidates or max(50, 5 * k)
        while True:
            ranked, spans, known, table = ranking(depth)
            if rerank:
                ranked = _rerank(store, query, ranked[:max(depth, k)], rerank)
            missing = [r for r, _ in ranked if r not in known]
            units = {**known, **({u.row: u for u in store.units(missing)} if missing else {})}
            picked = group.pick(ranked, units, wanted, by, collapse, window=k)
            if len(picked) >= wanted or candidates or depth >= allowed:
                break
            depth = min(allowed, depth * 4)
        picked, following = picked[:k], (picked[1] if len(picked) > 1 else None)
        if not picked:
            return []
        if mode == "bm25":
            # keyword search needs no encoder; the confidence is fitted on the default (hybrid) ranking
            return _hits(store, picked, units, spans, o.context, collapse, selection, [None] * len(picked))
        rows = [p.row for p in picked] + ([following.row] if following else [])
        if all(r in table for r in rows):
            X = np.array([table[r] for r in rows])
        else:
            feats, X_rows, _ = feature_rows(index, query, {r: units[r] for r in rows}, q,     # q: set in every mode but bm25
                                            understand=understand and not literal, clauses=clauses)
            at = {u.row: i for i, u in enumerate(feats)}
            X = X_rows[[at[r] for r in rows]]
        s = model.score(X)
        best_row = picked[int(np.argmax(s[:len(picked)]))].row
        absent = confidence_module.absent_places(read_query(query), confidence_module.index_holds(store)[0], query)
        if absent:      # the best hit's paragraph names it (离汉、离鄂… in a paragraph on 武汉、湖北): not absent
            best = units[best_row]
            found = store.paragraph_text(best.speech_id, best.paragraph)
            named = found[2] if found else best.text
            absent = [name for name in absent if name not in named]
        calibrator = confidence_module.load_calibrator()
        cosine = calibrator.cosine_feature(best_cosine(store, best_row, q, clauses), index.manifest["encoder"]["spec"])
        F = confidence_module.feature_table(s[:len(picked)], X[:len(picked)], float(s[-1]) if following else None,
                                            bool(absent), cosine)
        conf = calibrator.predict(F)
        if explain is not None:
            explain.extend(F)
        return _hits(store, picked, units, spans, o.context, collapse, selection, conf)


def cosines(store: "Store", rows: Sequence[int], q: np.ndarray) -> np.ndarray:
    """The cosine of each row's stored vector (its sentence in its paragraph's context) to
    the query vector, on the encoder's own scale (both are unit vectors)."""
    if not len(rows):
        return np.zeros(0, dtype=np.float32)
    return store.vectors(rows) @ np.asarray(q, dtype=np.float32)


def best_cosine(store: "Store", row: int, q: np.ndarray, clauses: bool = True) -> float:
    """The cosine to the query of a row's sentence, or of its best clause when that is
    closer (and `clauses`): an answer that is one clause of a 100-character sentence (会议号召，
    全国各族人民…，为…而努力奋斗) is far from the question as a whole sentence, near it as a clause."""
    best = float(cosines(store, [row], q)[0])
    found = store.clauses([row]).get(row) if clauses else None
    if found:
        clause_rows = np.array([c for c, _, _ in found], dtype=np.int64)
        best = max(best, float(store.clause_scores(np.asarray(q, dtype=np.float32), clause_rows).max()))
    return best


def _hits(store: "Store", picked: list[group.Picked], units: dict[int, Unit], spans: dict[int, tuple[int, int]],
          context: int, collapse: bool, selection, conf) -> list[Hit]:
    """The picked rows as hits: citation, matched clause, context, the paragraph's other
    matching sentences, the copies of the sentence elsewhere in the index, confidence."""
    copies = group.Copies.of(store, [units[p.row] for p in picked],
                             None if selection is None else (lambda r: bool(selection[r]))) if collapse else {}
    copy_units = {u.row: u for u in store.units(sorted({r for rs in copies.values() for r in rs}))}
    hits: list[Hit] = []
    for i, p in enumerate(picked):
        unit = units[p.row]
        before, after = store.neighbours(p.row, context) if context > 0 else ((), ())
        if context == 0 and _is_pointer(unit):
            after = store.neighbours(p.row, POINTER_CONTEXT)[1]
        match = spans.get(p.row)
        also = tuple(Match(units[r].start, units[r].end, units[r].text, s) for r, s in p.also_matched)
        hits.append(Hit(i + 1, p.score, unit.kind, unit.strength, unit.actors, unit.targets, unit.citation(), p.row,
                        before, after, match_start=match[0] if match else None,
                        match_end=match[1] if match else None,
                        also_in=tuple(copy_units[r].citation() for r in copies.get(p.row, ())),
                        also_matched=also, confidence=None if conf[i] is None else float(conf[i])))
    return hits


def no_good_match(index: "CorpusIndex", query: str, hits: list[Hit]) -> str | None:
    """The line to show before the hits when the best is below confidence 0.5 (None
    otherwise), saying why when it is known: the query names a place or a year no
    indexed speech is of ("no good match: no speech from 宁夏 in this index")."""
    top = hits[0].confidence if hits else None
    if (top is not None and top >= confidence_module.NO_GOOD_MATCH) or (hits and top is None):
        return None                 # a good match, or a mode with no calibrated confidence (bm25)
    places, years = confidence_module.index_holds(index.store)
    reading = read_query(query)
    return confidence_module.no_good_match(top, confidence_module.absent_places(reading, places, query),
                                           confidence_module.absent_years(reading, years))


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
