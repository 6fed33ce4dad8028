"""Benchmarks measure against a development corpus that is not in the repository: without
it each says in one line what it needs and exits non-zero, instead of a traceback."""

import os
import subprocess
import sys

from conftest import ROOT

CORPUS_BENCHMARKS = ["build_benchmark.py", "ingest_benchmark.py", "latency_benchmark.py", "search_benchmark.py",
                     "summary_benchmark.py"]


def test_each_benchmark_names_the_corpus_it_needs(tmp_path):
    env = {**os.environ, "GOVSPEECH_CORPUS": str(tmp_path)}      # an empty folder: no corpus there
    procs = {name: subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / name)], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env, cwd=tmp_path)
             for name in CORPUS_BENCHMARKS}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 2, (name, proc.returncode, err[-2000:])
        assert "Traceback" not in err, (name, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, (name, err)
        assert lines[0].startswith(f"{name}: needs the development corpus (national_work_reports.jsonl"), lines[0]
        assert f"in {tmp_path}: not found; set GOVSPEECH_CORPUS" in lines[0], lines[0]
