"""store: the seam between the index and its backends.

    Store         what search, the index and the server ask of one opened version
    Backend       what the index asks of a kind of store: parse and check a --store
                  value, open a version, publish one, follow a rollback
    BuildRecord   one version to write, handed whole to whichever backend publishes it

search.py asks a Store for candidates and scores and never sees SQL, FAISS or Milvus.
The backends are local.py (the embedded default) and milvus/; backends.py maps a
--store value to one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

import numpy as np

from ..model import Filters, Unit

if TYPE_CHECKING:
    from .rows import SpeechRows

Progress = Callable[..., None]   # progress(stage, done, total, **info)
STATS_SAMPLE = 4096              # rows whose scores estimate a query's mean and spread, in every store
Spans = Sequence[Sequence[Sequence[tuple[int, int]]]]   # per speech, per unit: clause offsets inside the unit


class Store(Protocol):
    """One opened version of an index. A selection is whatever select() returns (None:
    every row); rows are the store's integer row numbers."""

    def __len__(self) -> int: ...
    def close(self) -> None: ...
    # filters
    def select(self, filters: Filters): ...
    def count(self, selection) -> int: ...
    def allowed(self, selection, rows: Sequence[int]) -> list[int]: ...
    # dense: stored vectors and cosine scores
    def vectors(self, rows: Sequence[int]) -> np.ndarray: ...
    def dense_search(self, q: np.ndarray, n: int, selection) -> list[tuple[int, float]]: ...
    def dense_scores(self, q: np.ndarray, rows: np.ndarray) -> np.ndarray: ...
    def dense_stats(self, q: np.ndarray) -> tuple[float, float]: ...
    # sparse: BM25
    def sparse_search(self, terms: Sequence[str], n: int, selection) -> list[tuple[int, float]]: ...
    def sparse_scores(self, terms: Sequence[str], rows: np.ndarray) -> np.ndarray: ...
    def sparse_stats(self, terms: Sequence[str]) -> tuple[float, float]: ...
    # clauses of long sentences
    def clauses(self, rows: Sequence[int]) -> dict[int, list[tuple[int, int, int]]]: ...
    def clause_scores(self, q: np.ndarray, clause_rows: np.ndarray) -> np.ndarray: ...
    # rows and speeches
    def units(self, rows: Sequence[int]) -> list[Unit]: ...
    def texts(self, rows: Sequence[int]) -> dict[int, str]: ...
    def all_rows(self, speech_id: str | None = None) -> list[int]: ...
    def neighbours(self, row: int, context: int) -> tuple[tuple[str, ...], tuple[str, ...]]: ...
    def records(self) -> list[tuple[str, str, str]]: ...
    def speeches(self) -> list[dict]: ...
    def speech(self, speech_id: str) -> dict: ...
    def speech_meta(self, ids) -> dict[str, dict]: ...
    def paragraph_text(self, speech_id: str, number: int) -> tuple[int, int, str] | None: ...


@dataclass(frozen=True, eq=False)
class BuildRecord:
    """One version to write: the speeches kept from the live version (by id) and the new
    ones with their units' vectors, BM25 terms and clauses, plus what the manifest
    records. Every backend's publish takes one."""

    kept: Sequence[str]
    new: Sequence[SpeechRows]
    vectors: np.ndarray              # one row per new unit, in order
    terms: Sequence[Sequence[Sequence[str]]]   # per speech, per unit
    encoder: dict                    # {"spec", "dim", "version"} of the encoder the vectors came from
    settings: dict                   # passage, context_weight, clauses: recorded in the manifest
    index_type: str = "auto"
    clauses: Spans = ()              # the clause spans of each new unit; () when none are indexed
    clause_vectors: np.ndarray | None = None   # their vectors, in that order
    live: Store | None = None        # the version this one changes (None: written from nothing)
    rebuild: bool = False            # from nothing even if `live` is set

    @property
    def n_units(self) -> int:
        return sum(len(r.units) for r in self.new)

    @property
    def n_clauses(self) -> int:
        return sum(len(spans) for speech in self.clauses for spans in speech)

    def check(self) -> None:
        """Every new unit has its vector and terms, every clause its vector."""
        if self.n_units != len(self.vectors):
            raise ValueError(f"{len(self.vectors)} vectors for {self.n_units} new units")
        if len(self.terms) != len(self.new):
            raise ValueError(f"terms for {len(self.terms)} of {len(self.new)} new speeches")
        have = 0 if self.clause_vectors is None else len(self.clause_vectors)
        if self.n_clauses != have:
            raise ValueError(f"{have} clause vectors for {self.n_clauses} new clauses")


class Backend(Protocol):
    """A kind of store, as backends.py registers it under the scheme of its --store values."""

    example: str     # a --store value, for messages: "milvus-lite:PATH.db"

    def parse(self, spec: str) -> str:
        """The canonical spec (what the manifest records) of a --store value; GovSpeechError
        naming it when it is malformed. No I/O."""

    def check(self, spec: str) -> None:
        """Fail now, in one line, if the store cannot be used (a missing package, an
        unreachable server), before a build does any work."""

    def open(self, version: Path, manifest: dict) -> Store:
        """The Store of one published version (its folder and manifest)."""

    def publish(self, root: Path, spec: str, record: BuildRecord, progress: Progress | None = None) -> tuple[str, int]:
        """Write the record and publish it as the index folder's new live version.
        Returns (version name, sentences in it)."""

    def after_rollback(self, manifest: dict) -> None:
        """Follow `index rollback` to the version of this manifest (the folder already has)."""


def score_stats(scores: np.ndarray) -> tuple[float, float]:
    """Mean and spread (never 0) of a query's scores over the sample rows."""
    spread = float(scores.std()) if len(scores) else 0.0
    return (float(scores.mean()) if len(scores) else 0.0), spread or 1.0
