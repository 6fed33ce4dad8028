"""Run the benchmarks one after another (each writes its own section of RESULTS.md)
and print how long each took. A script that is missing is skipped with a message;
one that fails is reported and the rest still run.

    python benchmarks/run_all.py [--only ingest,structure,build,latency,busy,plot,profile,search,summary,milvus]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    ("ingest", "ingest_benchmark.py"),
    ("structure", "structure_benchmark.py"),
    ("build", "build_benchmark.py"),
    ("latency", "latency_benchmark.py"),
    ("busy", "busy_benchmark.py"),
    ("plot", "plot_latency.py"),
    ("profile", "profile_search.py"),
    ("search", "search_benchmark.py"),
    ("summary", "summary_benchmark.py"),
    ("milvus", "milvus_benchmark.py"),     # needs the milvus and ray extras
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated names: " + ",".join(n for n, _ in SCRIPTS))
    args = parser.parse_args()
    wanted = set(args.only.split(",")) if args.only else None
    summary = []
    for name, script in SCRIPTS:
        if wanted and name not in wanted:
            continue
        path = HERE / script
        if not path.exists():
            print(f"== {script}: not present, skipped", flush=True)
            summary.append((script, "skipped (missing)", 0.0))
            continue
        print(f"== {script}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(path)], cwd=HERE.parent)
        seconds = time.perf_counter() - started
        summary.append((script, "ok" if code == 0 else f"FAILED (exit {code})", seconds))
        print(f"== {script}: {'ok' if code == 0 else f'exit {code}'} in {seconds:.0f} s", flush=True)
    print("\n| script | result | runtime s |\n|---|---|---:|")
    for script, result, seconds in summary:
        print(f"| {script} | {result} | {seconds:.0f} |")
    if any(r.startswith("FAILED") for _, r, _ in summary):
        sys.exit(1)


if __name__ == "__main__":
    main()
