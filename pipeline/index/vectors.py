"""vectors: what the encoder sees for each unit, the paragraph-context blend of the
stored vectors, and the embedding cache that makes a rebuild re-embed nothing it
has seen. The one embedding cache of the project: benchmarks use it too.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..embed import Encoder

PASSAGES = ("sentence", "section")
DEFAULT_PASSAGE = "sentence"
CONTEXT_WEIGHT = 0.4          # share of the paragraph's mean vector in each stored vector
SHORT_SENTENCE = 12           # characters; a shorter sentence is encoded with its heading
CACHE_FILE = "embed_cache.sqlite"

Progress = Callable[..., None]   # progress(stage, done, total, **info)


def passage_text(section_title: str, sentence: str, passage: str = DEFAULT_PASSAGE) -> str:
    """What the encoder sees for one sentence. "sentence": the sentence itself, but one
    too short to name its own topic (管护要长效常态。) is prefixed by its section's
    heading; "section": every sentence prefixed. benchmarks/search_benchmark.py
    compares them."""
    if section_title and (passage == "section" or len(sentence) < SHORT_SENTENCE):
        return f"{section_title}：{sentence}"
    return sentence


def with_context(vectors: np.ndarray, paragraphs: Sequence, weight: float = CONTEXT_WEIGHT) -> np.ndarray:
    """Each sentence vector blended with its paragraph: s + weight × (normalised mean of
    the paragraph's sentence vectors), normalised again (`paragraphs[i]` names row i's
    paragraph). A bare sentence (管护要长效常态) leaves its topic to its neighbours; the
    mean brings them in at no encoding cost. A one-sentence paragraph (a heading)
    keeps its own vector. On the gold set this beat sentence windows, paragraphs
    encoded whole and the section-heading prefix (benchmarks/RESULTS.md)."""
    out = np.array(vectors, dtype=np.float32, copy=True)
    if not len(out) or not weight:
        return out
    groups: dict = {}
    for i, key in enumerate(paragraphs):
        groups.setdefault(key, []).append(i)
    for rows in groups.values():
        mean = vectors[rows].mean(axis=0)
        norm = np.linalg.norm(mean)
        if norm > 0:
            out[rows] += weight * (mean / norm)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


class EmbeddingCache:
    """Vectors by (encoder identity, sha1 of the passage). SQLite: append-only, crash-safe.
    A cache is disposable: one that cannot be read is moved aside and started afresh
    (`self.reset` says why), never a reason for a build to fail."""

    def __init__(self, path: Path, encoder: Encoder):
        self.path = Path(path)
        self.key = f"{encoder.spec}|{encoder.version}|{encoder.dim}"
        self.reset: str | None = None
        try:
            self._open()
            self.db.execute("SELECT count(*) FROM cache").fetchone()
        except sqlite3.DatabaseError as exc:
            self._start_afresh(exc)

    def _open(self) -> None:
        # written from embed_passages' writer thread while the encoder runs (one thread at a time)
        self.db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS cache (model TEXT, hash BLOB, vec BLOB, PRIMARY KEY (model, hash))")

    def _start_afresh(self, exc: Exception) -> None:
        self.db.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.reset = f"{self.path}: embedding cache was unreadable ({exc}); started a new one"
        self._open()

    def get(self, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        try:
            for i in range(0, len(hashes), 500):
                chunk = list(hashes[i:i + 500])
                q = f"SELECT hash, vec FROM cache WHERE model = ? AND hash IN ({','.join('?' * len(chunk))})"
                for h, v in self.db.execute(q, [self.key, *chunk]):
                    found[bytes(h)] = np.frombuffer(v, dtype=np.float32)
        except sqlite3.DatabaseError as exc:   # damaged pages found only on reading them
            self._start_afresh(exc)
            return {}
        return found

    def put(self, hashes: Sequence[bytes], vectors: np.ndarray) -> None:
        rows = [(self.key, h, v.astype(np.float32).tobytes()) for h, v in zip(hashes, vectors)]
        try:
            self.db.executemany("INSERT OR REPLACE INTO cache VALUES (?, ?, ?)", rows)
            self.db.commit()
        except sqlite3.DatabaseError as exc:
            self._start_afresh(exc)

    def close(self) -> None:
        self.db.close()


@dataclass
class EmbedStats:
    encoded: int = 0       # distinct passages the encoder ran on
    repeated: int = 0      # passages that repeat another of this batch (encoded once)
    cached: int = 0        # passages whose vectors came from the cache
    seconds: float = 0.0


CHUNK = 512        # passages per encoder call: the encoder cuts its own batches of similar length


def embed_passages(encoder: Encoder, passages: Sequence[str], cache: EmbeddingCache | None = None,
                   progress: Progress | None = None, batch: int = CHUNK) -> tuple[np.ndarray, EmbedStats]:
    """Vectors for all passages, from the cache where possible; each distinct new passage
    is encoded once, in length-sorted chunks (less padding), and written to the cache by
    a writer thread while the encoder goes on (a commit per chunk cost the encoder up to
    a quarter of its time when it waited for it)."""
    stats = EmbedStats()
    out = np.zeros((len(passages), encoder.dim), dtype=np.float32)
    hashes = [hashlib.sha1(p.encode("utf-8")).digest() for p in passages]
    known = cache.get(list(dict.fromkeys(hashes))) if cache else {}
    todo: dict[bytes, list[int]] = {}
    for i, h in enumerate(hashes):
        if h in known:
            out[i] = known[h]
            stats.cached += 1
        else:
            todo.setdefault(h, []).append(i)
    stats.repeated = sum(len(v) - 1 for v in todo.values())
    order = sorted(todo, key=lambda h: len(passages[todo[h][0]]))
    started = time.perf_counter()
    writer = ThreadPoolExecutor(1, thread_name_prefix="embed-cache") if cache and order else None
    pending: list = []
    try:
        for b in range(0, len(order), batch):
            chunk = order[b:b + batch]
            vectors = encoder.encode_passages([passages[todo[h][0]] for h in chunk])
            for h, v in zip(chunk, vectors):
                out[todo[h]] = v
            if writer:
                pending.append(writer.submit(cache.put, chunk, np.array(vectors, dtype=np.float32)))
            stats.encoded += len(chunk)
            if progress:
                elapsed = time.perf_counter() - started
                progress("embed", stats.encoded, len(order), rate=stats.encoded / elapsed if elapsed else 0.0)
    finally:
        if writer:
            writer.shutdown(wait=True)
    for done in pending:
        done.result()
    stats.seconds = time.perf_counter() - started
    return out, stats
