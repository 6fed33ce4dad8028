"""Small helpers the speed benchmarks share: package versions, the machine's load,
medians and percentiles, folder sizes, and running one measurement in a fresh
subprocess with its own peak memory (os.wait4 gives that child's rusage alone)."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path

from corpus_docs import machine

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
RESULTS = HERE / "RESULTS.md"


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def versions(*packages: str) -> str:
    return ", ".join(f"{p} {version(p)}" for p in packages)


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def header(command: str, packages: tuple[str, ...], load_before: str) -> str:
    """The first lines of a RESULTS.md section: when, where, with what, and how busy the machine was."""
    return (f"{date.today()} · {machine()} · {versions('govspeech', *packages)}\n\n"
            f"Load average (1/5 min) before → after: {load_before} → {load_average()} "
            f"(the machine is shared; a load above {os.cpu_count()} means other processes competed for the cores).\n\n"
            f"Reproduce: `{command}`\n")


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return float("nan")
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def percentile(xs, p: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(xs, dtype=float), p)) if len(xs) else float("nan")


def dir_size(path: Path) -> int:
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def mib(nbytes: float) -> str:
    return f"{nbytes / 1024 / 1024:.1f}"


def run_child(argv: list[str], timeout: float = 3600, env: dict | None = None) -> dict:
    """Run `python argv…` in a fresh process that prints one JSON object as its last
    stdout line; returns it with the child's wall time and peak RSS (MiB) added."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    # communicate() reaped the child; its rusage is folded into RUSAGE_CHILDREN, whose maxrss
    # is the max over all children so far. So the child reports its own peak (RUSAGE_SELF) too.
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"child {' '.join(argv)} failed ({proc.returncode}):\n{err[-3000:]}")
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"child {' '.join(argv)} printed no JSON:\n{out[-2000:]}\n{err[-2000:]}")
    result = json.loads(lines[-1])
    result["process_wall_s"] = wall
    return result


@contextmanager
def blas_on_every_core():
    """Searches as they ran before pipeline/blas.py: numpy's BLAS left on every core."""
    import pipeline.search as search_module

    limited, search_module.one_blas_thread = search_module.one_blas_thread, nullcontext
    try:
        yield
    finally:
        search_module.one_blas_thread = limited


def peak_rss_mib() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def cached_vectors(folder: Path, encoder, passages, progress=None):
    """The passages' vectors through an embedding cache file in `folder` (the one an index
    keeps), so benchmark runs reuse vectors across runs; returns (vectors, stats)."""
    from pipeline.index.vectors import CACHE_FILE, EmbeddingCache, embed_passages

    folder.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(folder / CACHE_FILE, encoder)
    try:
        return embed_passages(encoder, passages, cache, progress)
    finally:
        cache.close()
