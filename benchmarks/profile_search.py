"""Where a hybrid query's time goes at the largest synthetic index that
latency_benchmark.py left in benchmarks/out/latency/ (1M sentences, hnsw), and a
check of one proposed fix for the BM25 side, measured in the same run.

    python benchmarks/profile_search.py [--index benchmarks/out/latency/idx_1000000_hnsw] [--no-write]

1. cProfile of 3 × 80 hybrid queries (the gold queries) through Index.search.
2. BM25 candidates as search.bm25_candidates computes them today (bm25s get_scores:
   np.add.at into a dense score array over every row, then argpartition over all
   rows) against scoring only the rows in the query terms' posting lists
   (np.bincount over the concatenated postings, top-k among the matched rows).
   Same terms, same depth (50); the top-10 of both are compared.
Nothing in pipeline/ is changed: the proposed path is written here, beside it.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import OUT, RESULTS, header, load_average  # noqa: E402
from corpus_docs import write_section  # noqa: E402

GOLD = Path(__file__).resolve().parent / "gold" / "search_gold.jsonl"
DEPTH = 50


def posting_list_top(bm25, words: list[str], n: int) -> list[tuple[int, float]]:
    """BM25 top-n scoring only the rows that contain a query term."""
    ids = np.asarray(bm25.get_tokens_ids(words), dtype=np.int64)
    if not len(ids):
        return []
    data, indices, indptr = bm25.scores["data"], bm25.scores["indices"], bm25.scores["indptr"]
    docs = np.concatenate([np.asarray(indices[indptr[t]:indptr[t + 1]]) for t in ids])
    weights = np.concatenate([np.asarray(data[indptr[t]:indptr[t + 1]]) for t in ids])
    rows, inverse = np.unique(docs, return_inverse=True)
    scores = np.bincount(inverse, weights=weights).astype(np.float32)
    n = min(n, len(rows))
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(rows[i]), float(scores[i])) for i in top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=OUT / "latency" / "idx_1000000_hnsw")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not (args.index / "CURRENT").exists():
        print(f"{args.index}: no index there; run benchmarks/latency_benchmark.py first (it writes the synthetic indexes)")
        return
    load_before = load_average()
    started = time.perf_counter()
    from pipeline.index import Index
    from pipeline.search import bm25_candidates

    try:
        from pipeline.search import index_terms as query_terms
    except ImportError:
        from pipeline.tokenize import terms as query_terms

    queries = [json.loads(line)["query"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    index = Index.open(args.index, verify=False)
    for q in queries[:5]:
        index.search(q, k=10, mode="hybrid")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        for q in queries:
            index.search(q, k=10, mode="hybrid")
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _) in sorted(stats.stats.items(), key=lambda kv: -kv[1][3]):
        short = next((filename.split(m, 1)[1] for m in ("/site-packages/", "/work/main/") if m in filename), filename.rsplit("/", 1)[-1])
        if func in ("<module>", "<listcomp>", "<genexpr>") or "builtins.exec" in func or short.startswith("numpy/core/fromnumeric"):
            continue
        rows.append((f"{short}:{line}({func})", nc, tt, ct))
        if len(rows) == 14:
            break
    prof = ["| function | calls | own s | cumulative s | share |", "|---|---:|---:|---:|---:|"]
    prof += [f"| `{name}` | {nc:,} | {tt:.2f} | {ct:.2f} | {ct / total:.0%} |" for name, nc, tt, ct in rows]

    bm25 = index.bm25
    words = [w for w in (query_terms(q) for q in queries) if w]
    for w in words[:5]:
        bm25_candidates(index, " ".join(w), DEPTH, None)
        posting_list_top(bm25, w, DEPTH)
    now, proposed, same = [], [], 0
    for p in range(3):
        for q, w in zip(queries, words):
            t = time.perf_counter()
            a = bm25_candidates(index, q, DEPTH, None)
            now.append(time.perf_counter() - t)
            t = time.perf_counter()
            b = posting_list_top(bm25, query_terms(q), DEPTH)
            proposed.append(time.perf_counter() - t)
            if p == 0:
                same += [r for r, _ in a[:10]] == [r for r, _ in b[:10]] or np.allclose([s for _, s in a[:10]], [s for _, s in b[:10]], rtol=1e-4)
    fix = ["| BM25 candidates (depth 50) | p50 ms | p95 ms | top-10 same as today |", "|---|---:|---:|---:|",
           f"| today: bm25s get_scores (np.add.at over all rows) + argpartition over all rows | {np.percentile(now, 50) * 1000:.2f} | "
           f"{np.percentile(now, 95) * 1000:.2f} | - |",
           f"| proposed: np.bincount over the query terms' posting lists, top-k among matched rows | "
           f"{np.percentile(proposed, 50) * 1000:.2f} | {np.percentile(proposed, 95) * 1000:.2f} | {same}/{len(words)} |"]
    text = (f"cProfile of {3 * len(queries)} hybrid queries at {len(index):,} sentences ({index.manifest['index_type']}), "
            f"profiled total {total:.2f} s:\n\n" + "\n".join(prof) + "\n\n" + "\n".join(fix))
    print(text)
    body = (header("python benchmarks/profile_search.py", ("bm25s", "faiss-cpu", "numpy"), load_before)
            + f"\nIndex: {args.index.name} (written by latency_benchmark.py). Script runtime {time.perf_counter() - started:.0f} s.\n\n" + text)
    if not args.no_write:
        write_section(RESULTS, "Search profile at 1M sentences", body)


if __name__ == "__main__":
    main()
