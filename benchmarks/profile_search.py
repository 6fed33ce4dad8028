"""Where a hybrid query's time goes at the largest synthetic index that
latency_benchmark.py left in benchmarks/out/latency/ (1M sentences, hnsw), and a
check of one proposed fix for the BM25 side, measured in the same run.

    python benchmarks/profile_search.py [--index benchmarks/out/latency/idx_1000000_hnsw] [--no-write]

1. cProfile of 3 × 80 hybrid queries (the gold queries) through Index.search.
2. The BM25 side's work: postings each query touches (single-character terms, which
   tokenize.index_terms adds, against word terms) and bm25s scoring time with all the
   query's terms against its word terms alone.
Nothing in pipeline/ is changed.
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
    from pipeline import Index

    try:
        from pipeline.tokenize import index_terms as query_terms
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

    # The BM25 side's work: postings touched per query, split by single Chinese
    # characters (index_terms adds one term per character) and multi-character words,
    # and bm25s scoring time with all query terms against words only.
    bm25 = index.bm25
    indptr = bm25.scores["indptr"]
    n_rows = bm25.scores["num_docs"]

    def postings(ids):
        return int(sum(int(indptr[t + 1] - indptr[t]) for t in ids))

    char_post, word_post, t_all, t_words = [], [], [], []
    for p in range(3):
        for q in queries:
            toks = query_terms(q)
            chars = [w for w in toks if len(w) == 1]
            words = [w for w in toks if len(w) > 1]
            if p == 0:
                char_post.append(postings(bm25.get_tokens_ids(chars)))
                word_post.append(postings(bm25.get_tokens_ids(words)))
            t = time.perf_counter()
            scores = bm25.get_scores(toks)
            np.argpartition(-scores, DEPTH - 1)[:DEPTH]
            t_all.append(time.perf_counter() - t)
            if words:
                t = time.perf_counter()
                scores = bm25.get_scores(words)
                np.argpartition(-scores, DEPTH - 1)[:DEPTH]
                t_words.append(time.perf_counter() - t)
    fix = ["| BM25 work per query at this size | median |", "|---|---:|",
           f"| postings touched, single-character terms | {np.median(char_post):,.0f} ({np.median(char_post) / n_rows:.2f} per row) |",
           f"| postings touched, multi-character word terms | {np.median(word_post):,.0f} |",
           f"| bm25s get_scores + argpartition, all query terms (today) ms | {np.percentile(t_all, 50) * 1000:.2f} |",
           f"| the same, word terms only (before characters were indexed) ms | {np.percentile(t_words, 50) * 1000:.2f} |"]
    text = (f"cProfile of {3 * len(queries)} hybrid queries at {len(index):,} sentences ({index.manifest['index_type']}), "
            f"profiled total {total:.2f} s:\n\n" + "\n".join(prof) + "\n\n" + "\n".join(fix))
    print(text)
    body = (header("python benchmarks/profile_search.py", ("bm25s", "faiss-cpu", "numpy"), load_before)
            + f"\nIndex: {args.index.name} (written by latency_benchmark.py). Script runtime {time.perf_counter() - started:.0f} s.\n\n" + text)
    if not args.no_write:
        write_section(RESULTS, "Search profile at 1M sentences", body)


if __name__ == "__main__":
    main()
