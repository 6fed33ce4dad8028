"""dense: the vector half of a local index, behind one small base class.

    FlatDense    exact: a matrix product over the memory-mapped vectors (no copy into RAM)
    HnswDense    FAISS HNSW graph, for hundreds of thousands of sentences and up
    IvfpqDense   FAISS IVF-PQ, compressed, for many millions

Every kind keeps `vectors.npy` (L2-normalised float32) beside its own file, so exact
scores of any rows are one memory-mapped read whatever the kind. Scores are cosines.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import numpy as np

from ..blas import all_blas_threads
from ..errors import GovSpeechError

VECTORS = "vectors.npy"
FAISS_FILE = "dense.faiss"
KINDS = ("auto", "flat", "hnsw", "ivfpq")
FLAT_LIMIT = 100_000          # exact search below this many vectors (auto)
IVFPQ_MIN = 256 * 40          # product quantization trains 256 centroids per sub-vector
BRUTE_FORCE_LIMIT = 50_000    # filtered candidate sets this small are scored exactly
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 80   # graph degree and build-time breadth
EF_SEARCH = 256               # recall@10 vs exact 0.97 / 0.83 at 100k / 1M (128: 0.93 / 0.72); RESULTS.md
NPROBE = 16


def check_kind(requested: str, n: int | None = None) -> None:
    """Fail before any work on a kind that does not exist or cannot hold n vectors."""
    if requested not in KINDS:
        raise GovSpeechError(f"unknown index type {requested!r} ({', '.join(KINDS)})")
    if requested == "ivfpq" and n is not None and n < IVFPQ_MIN:
        raise GovSpeechError(f"ivfpq needs at least {IVFPQ_MIN} sentences to train its quantizer; this index would "
                             f"have {n} (use --index-type flat or hnsw)")


def choose_kind(requested: str, n: int) -> str:
    check_kind(requested, n)
    if requested != "auto":
        return requested
    return "flat" if n < FLAT_LIMIT else "hnsw"


LARGE = 100_000          # score arrays at least this long are narrowed by a sampled threshold first
# A scan of at least this many vectors runs on every BLAS thread. Encode a query, then scan, on 2 cores:
# 200k vectors 37 ms on one thread vs 44 on two, 400k 62 vs 58, 1M 156 vs 107 (the woken threads
# go on spinning after the call and slow the next encoding, which only a long scan outweighs).
PARALLEL_SCAN = 400_000
SAMPLE_STEP = 97


def best_rows(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n highest scores, in no order (1 <= n <= len(scores)).

    Over a large array a threshold read off every 97th score (its share of the n best,
    with a margin) narrows the partition to the rows that reach it. Exact: whenever n
    rows reach the threshold, the n best are among them; otherwise the whole array is
    partitioned. numpy's argpartition over 1M BM25 scores took 11 ms, this 0.6 ms."""
    if len(scores) >= LARGE:
        sample = scores[::SAMPLE_STEP]
        k = min(len(sample), 4 * n // SAMPLE_STEP + 1)
        threshold = np.partition(sample, len(sample) - k)[len(sample) - k]
        reach = np.flatnonzero(scores >= threshold)
        if len(reach) >= n:
            return reach[np.argpartition(scores[reach], len(reach) - n)[len(reach) - n:]]
    return np.argpartition(-scores, n - 1)[:n]


def top(scores: np.ndarray, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The n best (row, score) pairs of a full score array, under an optional mask."""
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    n = min(n, int(np.isfinite(scores).sum()) if mask is not None else len(scores))
    if n <= 0:
        return []
    idx = best_rows(scores, n)
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(i), float(scores[i])) for i in idx]


def top_of(rows: np.ndarray, scores: np.ndarray, n: int) -> list[tuple[int, float]]:
    """The n best of the given rows and their scores."""
    order = np.argsort(-scores, kind="stable")[:n]
    return [(int(rows[i]), float(scores[i])) for i in order]


class DenseIndex:
    """Vectors plus a way to find the best rows for a query vector."""

    kind = "base"

    def __init__(self, vectors: np.ndarray):
        self.vectors = vectors

    def __len__(self) -> int:
        return len(self.vectors)

    # writing
    @classmethod
    def build(cls, vectors: np.ndarray) -> "DenseIndex":
        return cls(vectors)

    def save(self, folder: Path) -> None:
        np.save(folder / VECTORS, np.ascontiguousarray(self.vectors, dtype=np.float32), allow_pickle=False)

    # reading
    @classmethod
    def load(cls, folder: Path) -> "DenseIndex":
        return cls(np.load(folder / VECTORS, mmap_mode="r", allow_pickle=False))

    def scores(self, q: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact scores of the given rows (sorted row numbers read fastest from the memory map)."""
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self.vectors[rows], dtype=np.float32) @ q

    def all_scores(self, q: np.ndarray, block: int = 262_144) -> np.ndarray:
        """vectors @ q in blocks, so a memory-mapped matrix is streamed, not copied."""
        out = np.empty(len(self.vectors), dtype=np.float32)
        with all_blas_threads() if len(self.vectors) >= PARALLEL_SCAN else nullcontext():
            for i in range(0, len(self.vectors), block):
                out[i:i + block] = np.asarray(self.vectors[i:i + block]) @ q
        return out

    def search(self, q: np.ndarray, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        if mask is not None and mask.sum() <= BRUTE_FORCE_LIMIT:
            rows = np.flatnonzero(mask)
            return top_of(rows, self.scores(q, rows), n)
        return self._search(q, n, mask)

    def _search(self, q: np.ndarray, n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        return top(self.all_scores(q), n, mask)


class FlatDense(DenseIndex):
    kind = "flat"


class _FaissDense(DenseIndex):
    """A FAISS index file beside the vectors, memory-mapped when read."""

    def __init__(self, vectors: np.ndarray, index):
        super().__init__(vectors)
        self.index = index

    @classmethod
    def _make(cls, vectors: np.ndarray):
        raise NotImplementedError

    @classmethod
    def build(cls, vectors: np.ndarray) -> "DenseIndex":
        index = cls._make(vectors)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(vectors, index)

    def save(self, folder: Path) -> None:
        import faiss

        super().save(folder)
        faiss.write_index(self.index, str(folder / FAISS_FILE))

    @classmethod
    def load(cls, folder: Path) -> "DenseIndex":
        import faiss

        index = faiss.read_index(str(folder / FAISS_FILE), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = EF_SEARCH
        if hasattr(index, "nprobe"):
            index.nprobe = NPROBE
        return cls(np.load(folder / VECTORS, mmap_mode="r", allow_pickle=False), index)

    def _search(self, q: np.ndarray, n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        import faiss

        n = min(n, len(self))
        if mask is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little")))
            scores, ids = self.index.search(q[None, :], n, params=params)
        else:
            scores, ids = self.index.search(q[None, :], n)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]


class HnswDense(_FaissDense):
    kind = "hnsw"

    @classmethod
    def _make(cls, vectors: np.ndarray):
        import faiss

        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        return index


class IvfpqDense(_FaissDense):
    kind = "ivfpq"

    @classmethod
    def _make(cls, vectors: np.ndarray):
        import faiss

        n, dim = vectors.shape
        nlist = max(1, min(int(4 * np.sqrt(n)), n // 39))
        m = next(m for m in (48, 32, 24, 16, 12, 8, 4, 2, 1) if dim % m == 0 and m <= dim)
        index = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors[np.random.default_rng(0).choice(n, size=min(n, 100_000), replace=False)])
        return index


BY_KIND = {cls.kind: cls for cls in (FlatDense, HnswDense, IvfpqDense)}


def build(vectors: np.ndarray, requested: str = "auto") -> DenseIndex:
    return BY_KIND[choose_kind(requested, len(vectors))].build(vectors)


def load(folder: Path, kind: str) -> DenseIndex:
    return BY_KIND[kind].load(folder)
