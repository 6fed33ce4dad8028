"""local: the embedded backend, the default — one version folder of SQLite rows
(rows.py), a dense index (dense.py) and BM25 (sparse.py), written by
build.write_version."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import GovSpeechError
from ..model import Filters
from . import dense as dense_module
from .dense import top
from .rows import FILE as ROWS_FILE, RowStore
from .sparse import Bm25Sparse
from .store import STATS_SAMPLE, BuildRecord, Progress, score_stats

SPEC = "local"
CLAUSE_VECTORS = "clauses.npy"   # one L2-normalised row per clause of a long sentence (rows.clauses)


class LocalStore:
    """One version folder, every file opened at once so a reader keeps working after
    writers publish newer versions and delete this one (open files outlive their names)."""

    def __init__(self, version: Path, manifest: dict):
        self.rows = RowStore(version / ROWS_FILE)
        self.dense = dense_module.load(version, manifest["index_type"])
        self.sparse = Bm25Sparse.load(version)
        self.n = int(manifest["counts"]["sentences"])
        clauses = version / CLAUSE_VECTORS
        self.clause_vectors = np.load(clauses, mmap_mode="r", allow_pickle=False) if clauses.exists() else None
        self._sample: tuple[np.ndarray, np.ndarray] | None = None
        self._bm25: tuple[tuple[str, ...], np.ndarray] | None = None   # the last query's scores of every row

    def __len__(self) -> int:
        return self.n

    def close(self) -> None:
        self.rows.close()

    # filters
    def select(self, filters: Filters) -> np.ndarray | None:
        return self.rows.mask(filters, self.n)

    def count(self, selection) -> int:
        return self.n if selection is None else int(selection.sum())

    # dense
    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of these rows, in the order asked (one memory-mapped read)."""
        return np.asarray(self.dense.vectors[np.asarray(rows, dtype=np.int64)], dtype=np.float32)

    def dense_search(self, q, n, selection):
        return self.dense.search(q, n, selection)

    def dense_scores(self, q, rows):
        return self.dense.scores(q, rows)

    def sample_rows(self, limit: int = STATS_SAMPLE) -> tuple[np.ndarray, np.ndarray]:
        """Up to `limit` evenly spaced rows and their vectors, held in memory: the rows
        hybrid search standardises each query's scores against."""
        if self._sample is None:
            rows = np.unique(np.linspace(0, max(self.n - 1, 0), num=min(self.n, limit)).astype(np.int64))
            self._sample = (rows, self.vectors(rows))
        return self._sample

    def dense_stats(self, q):
        return score_stats(self.sample_rows()[1] @ q)

    # sparse: bm25s scores every row at once; the last query's array is kept for the
    # candidates, the stats and the search that all ask about the same terms
    def _all_sparse(self, terms: Sequence[str]) -> np.ndarray:
        key = tuple(terms)
        cached = self._bm25      # read once: another thread may replace it meanwhile
        if cached is None or cached[0] != key:
            cached = (key, self.sparse.scores(key)[: self.n])
            self._bm25 = cached
        return cached[1]

    def sparse_search(self, terms, n, selection):
        return [(i, s) for i, s in top(self._all_sparse(terms), n, selection) if s > 0]

    def sparse_scores(self, terms, rows):
        return self._all_sparse(terms)[np.asarray(rows, dtype=np.int64)]

    def sparse_stats(self, terms):
        return score_stats(self._all_sparse(terms)[self.sample_rows()[0]])

    # rows
    def units(self, rows):
        return self.rows.units(rows)

    def texts(self, rows):
        return self.rows.texts(rows)

    def clauses(self, rows):
        return self.rows.clauses(rows) if self.clause_vectors is not None else {}

    def clause_scores(self, q, clause_rows):
        if not len(clause_rows):
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self.clause_vectors[np.asarray(clause_rows, dtype=np.int64)], dtype=np.float32) @ q

    def speech_meta(self, ids):
        return self.rows.speech_meta(ids)

    def all_rows(self, speech_id=None):
        return self.rows.all_rows(speech_id)

    def neighbours(self, row, context):
        return self.rows.neighbours(row, context)

    def speeches(self):
        return self.rows.speeches()

    def speech(self, speech_id):
        return self.rows.speech(speech_id)

    def paragraph_text(self, speech_id, number):
        return self.rows.paragraph_text(speech_id, number)

    def records(self):
        return self.rows.records()


class LocalBackend:
    """The index folder's own files: nothing to reach, nothing to follow on rollback."""

    example = SPEC

    def parse(self, spec: str) -> str:
        if spec != SPEC:
            raise GovSpeechError(f"--store {spec}: the local store takes no address (use --store local)")
        return SPEC

    def check(self, spec: str) -> None:
        """Always usable."""

    def open(self, version: Path, manifest: dict) -> LocalStore:
        return LocalStore(version, manifest)

    def publish(self, root: Path, spec: str, record: BuildRecord, progress: Progress | None = None) -> tuple[str, int]:
        from .build import write_version

        return write_version(root, record, progress, store=spec)

    def after_rollback(self, manifest: dict) -> None:
        """The folder's CURRENT is all there is."""


BACKEND = LocalBackend()
