"""blas: how many threads numpy's BLAS may use while one query is answered.

A search runs on one BLAS thread. OpenBLAS workers spin on a core for a while after
each call; a hybrid search's small products woke them, and on 2 cores they then held
the core the query encoder's threads needed: encoding the next query took 23–30 ms
instead of 14, and hybrid p50 at 10k sentences was 55 ms instead of 26
(benchmarks/latency_benchmark.py). Those products gain nothing from a second thread.
A scan of every vector of a large flat index does (from 400k vectors), and gets them
all back (pipeline.index.dense.PARALLEL_SCAN).

threadpoolctl changes the count at run time; OPENBLAS_NUM_THREADS only counts if it is
set before numpy is imported, which a library cannot promise.
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager


@functools.cache
def _pools() -> tuple:
    """numpy's BLAS pools (loaded by the first search: numpy is imported by then) and
    their thread counts as found. A library loaded later (scipy's own OpenBLAS) is left
    alone."""
    from threadpoolctl import ThreadpoolController

    return tuple((lib, lib.num_threads) for lib in ThreadpoolController().select(user_api="blas").lib_controllers)


def _set(threads: int | None = None) -> None:
    """Each pool to its count (None: as found), from whichever thread runs the search.
    threadpoolctl lets one thread at a time change OpenBLAS's process-wide pool and
    silently ignores the others; the callers hold _lock, so this thread takes control,
    sets, and lets go again (a server answers from many threads, a caller's own
    threadpool_limits comes from another)."""
    for lib, found in _pools():
        release = getattr(lib, "clear_controlling_thread", None)     # threadpoolctl >= 3.6
        if release:
            release(force=True)
        lib.set_num_threads(found if threads is None else threads)
        if release:
            release(force=True)


_lock = threading.Lock()
_searching = 0                    # searches under way in this process (threads of a server)


@contextmanager
def one_blas_thread():
    """The count is the process's, not the thread's: the first of concurrent searches
    sets it and the last one restores it, so a search that ends early cannot hand the
    others every thread back, nor leave the process on one thread after all have ended."""
    global _searching
    with _lock:
        _searching += 1
        if _searching == 1:
            _set(1)
    try:
        yield
    finally:
        with _lock:
            _searching -= 1
            if _searching == 0:
                _set()


@contextmanager
def all_blas_threads():
    """Inside a search: the counts numpy's BLAS started with, for a large scan. Outside
    one the counts are the caller's, and are left as they are."""
    with _lock:
        lifted = _searching > 0
        if lifted:
            _set()
    try:
        yield
    finally:
        with _lock:
            if lifted and _searching:
                _set(1)
