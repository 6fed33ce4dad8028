"""local: the embedded backend, the default — one version folder of SQLite rows
(rows.py), a dense index (dense.py) and BM25 (sparse.py).

    LocalStore     one published version, read
    write_version  a BuildRecord → a published version (kept rows copied from the live one)
    LocalBackend   the two behind backends.py's registry
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import GovSpeechError
from ..model import Filters
from . import dense as dense_module
from . import versions
from .dense import top
from .rows import FILE as ROWS_FILE, RowStore, RowWriter
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

    def allowed(self, selection, rows: Sequence[int]) -> list[int]:
        """Those of these rows that exist and the selection admits, in the order given."""
        return [int(r) for r in rows if 0 <= r < self.n and (selection is None or selection[r])]

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


def write_version(root: Path, record: BuildRecord, progress: Progress | None = None, store: str = "local"
                  ) -> tuple[str, int]:
    """Write a local version: kept speeches (rows, vectors and terms copied from
    `record.live`, a LocalStore) and new ones into a staged folder, seal it and publish
    it. Returns (version name, sentences). A failure at any point discards the staged
    folder and leaves the live version as it was. `store`: the spec the manifest
    records, which backend opens the version (backends.py).
    """
    record.check()
    live, encoder_info = record.live, record.encoder
    dim = int(encoder_info["dim"])
    staged = versions.staging_dir(root)
    try:
        writer = RowWriter(staged / ROWS_FILE)
        parts: list[np.ndarray] = []
        clause_parts: list[np.ndarray] = [np.zeros((0, dim), np.float32)]
        terms: list[list[str]] = []
        for speech_id in record.kept:
            old_rows, old_terms = writer.copy(live.rows, speech_id)
            if len(old_rows):
                parts.append(live.vectors(old_rows))
                if live.clause_vectors is not None:
                    new_rows = range(writer.next_row - len(old_rows), writer.next_row)
                    old_clauses = writer.copy_clauses(live.rows, old_rows, new_rows)
                    if len(old_clauses):
                        clause_parts.append(np.asarray(live.clause_vectors[old_clauses], dtype=np.float32))
            terms.extend(old_terms)
        at = clause_at = 0
        for i, (rows, speech_terms) in enumerate(zip(record.new, record.terms)):
            unit_rows = writer.add(rows, [list(t) for t in speech_terms])
            if record.clauses:
                added = writer.add_clauses(list(unit_rows), record.clauses[i])
                clause_parts.append(record.clause_vectors[clause_at:clause_at + len(added)])
                clause_at += len(added)
            terms.extend(list(t) for t in speech_terms)
            parts.append(record.vectors[at:at + len(rows.units)])
            at += len(rows.units)
        clause_vectors = np.concatenate(clause_parts)
        if len(clause_vectors) != writer.next_clause:
            raise ValueError(f"{len(clause_vectors)} clause vectors for {writer.next_clause} clauses")
        np.save(staged / CLAUSE_VECTORS, np.ascontiguousarray(clause_vectors, dtype=np.float32), allow_pickle=False)
        counts = {"speeches": writer.count_speeches(), "sentences": writer.next_row, "clauses": writer.next_clause}
        writer.close()
        vectors = np.concatenate(parts) if parts else np.zeros((0, dim), np.float32)
        kind = dense_module.choose_kind(record.index_type, len(vectors))
        if progress:
            progress("dense", 0, 1, index_type=kind)
        dense_module.BY_KIND[kind].build(vectors).save(staged)
        if progress:
            progress("dense", 1, 1, index_type=kind)
        Bm25Sparse.build(terms).save(staged)
        versions.seal(staged, {
            "store": store,
            "encoder": {"spec": encoder_info["spec"], "dim": dim, "version": encoder_info["version"], "normalized": True},
            **record.settings,
            "index_type": kind, "index_type_requested": record.index_type,
            "counts": counts,
        })
        return versions.publish(root, staged), counts["sentences"]
    except BaseException:
        versions.discard(staged)
        raise


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
        return write_version(root, record, progress, store=spec)

    def after_rollback(self, manifest: dict) -> None:
        """The folder's CURRENT is all there is."""


BACKEND = LocalBackend()
