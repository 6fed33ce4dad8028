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
from contextlib import contextmanager


@functools.cache
def _pools():
    """The BLAS pools loaded by the first search (numpy's among them: it is imported by
    then) and their largest thread count. A library loaded later (torch's) is left alone."""
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController().select(user_api="blas")
    return controller, max([pool.num_threads for pool in controller.lib_controllers], default=1)


@contextmanager
def one_blas_thread():
    controller, _ = _pools()
    with controller.limit(limits=1):
        yield


@contextmanager
def all_blas_threads():
    """Inside one_blas_thread: the count numpy's BLAS started with, for a large scan."""
    controller, threads = _pools()
    with controller.limit(limits=threads):
        yield
