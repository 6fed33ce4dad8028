"""index: a corpus index over many speeches — FAISS vectors, a bm25s index over
jieba terms, and a SQLite store of speeches, sections, paragraphs and sentences.

Layout of an index folder (indexes/NAME/):

    CURRENT              the name of the live version ("v7")
    versions/v7/         manifest.json, meta.sqlite, vectors.npy, dense.faiss, bm25/
    embed_cache.sqlite   vectors by (encoder, text hash): a rebuild re-embeds nothing it has seen
    .lock                held by the one writer

Every change writes a complete new version beside the live one, fsyncs it, and
switches CURRENT in one rename: a crash at any moment leaves the previous
version readable, and readers never wait. Everything on disk is data (JSON,
SQLite, .npy, FAISS's own format); nothing is unpickled.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from . import api
from .embed import DEFAULT_MODEL, Encoder, load_encoder
from .errors import GovSpeechError, IndexStoreError, InputError
from .load import COLLECTION_SUFFIXES, HTML_SUFFIXES, TEXT_SUFFIXES
from .model import Speech
from .tokenize import index_terms

FORMAT = 2                    # 2: stored vectors carry their paragraph's context
INDEXED_KINDS = ("heading", "statement", "directive", "target")
SPEECH_SUFFIXES = (TEXT_SUFFIXES - {""}) | HTML_SUFFIXES | {".docx", ".pdf"}
FLAT_LIMIT = 100_000          # exact search below this many vectors (auto)
STAMPS = "stamps.json"        # modification times of the files as built (see Index._verify)
IVFPQ_MIN = 256 * 40          # product quantization trains 256 centroids per sub-vector
LOCK_WAIT = 30.0              # seconds a second writer waits before failing

Progress = Callable[..., None]   # progress(stage, done, total, **info)


def default_root() -> Path:
    return Path(os.environ.get("GOVSPEECH_INDEX_DIR", "indexes"))


def resolve(name_or_path: str | Path | None) -> Path:
    """`default`, `mycorpus`, or a folder path → the index folder."""
    if name_or_path is None:
        return default_root() / "default"
    p = Path(name_or_path)
    if p.is_absolute() or len(p.parts) > 1 or p.exists() and (p / "CURRENT").exists():
        return p
    return default_root() / str(name_or_path)


PASSAGES = ("sentence", "section")
DEFAULT_PASSAGE = "sentence"
CONTEXT_WEIGHT = 0.4          # share of the paragraph's mean vector in each stored vector
SHORT_SENTENCE = 12           # characters; a shorter sentence is encoded with its heading


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


# -- what gets indexed ---------------------------------------------------------

@dataclass
class SpeechRows:
    """One speech flattened into rows for the store, plus its source identity."""

    speech_id: str
    source: str
    content_hash: str
    speech: dict
    sections: list[tuple]
    paragraphs: list[tuple]
    units: list[dict]          # one per indexed sentence, in reading order


def speech_rows(speech: Speech, source: str, content_hash: str) -> SpeechRows:
    titles = {s.path: s.title for s in speech.walk_sections()}
    units = []
    for s in speech.sentences:
        if s.kind not in INDEXED_KINDS:
            continue
        raw = speech.to_raw(s.span)
        units.append({
            "id": s.id, "speech_id": speech.id, "paragraph": s.paragraph_number,
            "kind": s.kind, "strength": s.strength, "section_path": json.dumps(list(s.section_path), ensure_ascii=False),
            "section_title": titles.get(s.section_path, ""), "start": s.span.start, "end": s.span.end,
            "raw_start": raw.start, "raw_end": raw.end, "text": s.text,
            "actors": json.dumps(list(s.actors), ensure_ascii=False),
            "targets": json.dumps(list(s.targets), ensure_ascii=False), "truncated": int(s.truncated),
        })
    m = speech.meta
    return SpeechRows(
        speech.id, source, content_hash,
        {"id": speech.id, "source": source, "content_hash": content_hash, "title": speech.title,
         "date": m.date, "year": m.year, "level": m.level, "meeting": m.meeting, "kind": m.kind,
         "place": m.place, "speaker": m.speaker, "truncated": int(m.truncated), "text": speech.text,
         "n_paragraphs": len(speech.paragraphs), "n_sentences": len(units)},
        [(speech.id, json.dumps(list(s.path), ensure_ascii=False), s.level, s.label, s.title, s.span.start, s.span.end)
         for s in speech.walk_sections()],
        [(speech.id, p.number, p.kind, json.dumps(list(p.section_path), ensure_ascii=False), p.span.start, p.span.end,
          speech.to_raw(p.span).start, speech.to_raw(p.span).end)
         for p in speech.paragraphs],
        units,
    )


SCHEMA = """
CREATE TABLE speeches (id TEXT PRIMARY KEY, source TEXT UNIQUE, content_hash TEXT, title TEXT, date TEXT,
    year INTEGER, level TEXT, meeting TEXT, kind TEXT, place TEXT, speaker TEXT, truncated INTEGER,
    n_paragraphs INTEGER, n_sentences INTEGER, text TEXT);
CREATE TABLE sections (speech_id TEXT, path TEXT, level INTEGER, label TEXT, title TEXT, start INTEGER, "end" INTEGER);
CREATE TABLE paragraphs (speech_id TEXT, number INTEGER, kind TEXT, section_path TEXT, start INTEGER, "end" INTEGER,
    raw_start INTEGER, raw_end INTEGER);
CREATE TABLE units (row INTEGER PRIMARY KEY, id TEXT, speech_id TEXT, paragraph INTEGER, kind TEXT, strength TEXT,
    section_path TEXT, section_title TEXT, start INTEGER, "end" INTEGER, raw_start INTEGER, raw_end INTEGER,
    text TEXT, actors TEXT, targets TEXT, truncated INTEGER, terms TEXT);
CREATE INDEX units_speech ON units(speech_id);
CREATE INDEX sections_speech ON sections(speech_id);
CREATE INDEX paragraphs_speech ON paragraphs(speech_id, number);
"""
UNIT_COLUMNS = ("id", "speech_id", "paragraph", "kind", "strength", "section_path", "section_title", "start", "end",
                "raw_start", "raw_end", "text", "actors", "targets", "truncated")
SPEECH_COLUMNS = ("id", "source", "content_hash", "title", "date", "year", "level", "meeting", "kind", "place",
                  "speaker", "truncated", "n_paragraphs", "n_sentences", "text")


# -- reports -------------------------------------------------------------------

@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)       # speech ids new to the index
    replaced: list[str] = field(default_factory=list)    # changed content, re-indexed
    unchanged: list[str] = field(default_factory=list)   # same content hash: skipped
    removed: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)   # (file, problem)
    sentences: int = 0           # sentences in the index afterwards
    embedded: int = 0            # sentences the encoder ran on
    cached: int = 0              # sentences whose vectors came from the cache
    embed_seconds: float = 0.0
    seconds: float = 0.0
    version: str = ""

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["errors"] = [{"file": f, "error": e} for f, e in self.errors]
        d["embeddings_per_second"] = round(self.embedded / self.embed_seconds, 1) if self.embed_seconds else None
        return d


class NothingRead(GovSpeechError):
    """A build found no readable speech; carries the report of what failed."""

    def __init__(self, report: BuildReport, message: str):
        self.report = report
        super().__init__(message)


# -- the embedding cache -------------------------------------------------------

class EmbeddingCache:
    """Vectors by (encoder version, sha1 of the passage). SQLite: append-only, crash-safe."""

    def __init__(self, path: Path, encoder: Encoder):
        self.key = f"{encoder.spec}|{encoder.version}|{encoder.dim}"
        self.dim = encoder.dim
        self.db = sqlite3.connect(path, timeout=60)
        self.db.execute("CREATE TABLE IF NOT EXISTS cache (model TEXT, hash BLOB, vec BLOB, PRIMARY KEY (model, hash))")

    def get(self, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            chunk = list(hashes[i:i + 500])
            q = f"SELECT hash, vec FROM cache WHERE model = ? AND hash IN ({','.join('?' * len(chunk))})"
            for h, v in self.db.execute(q, [self.key, *chunk]):
                found[bytes(h)] = np.frombuffer(v, dtype=np.float32)
        return found

    def put(self, hashes: Sequence[bytes], vectors: np.ndarray) -> None:
        self.db.executemany("INSERT OR REPLACE INTO cache VALUES (?, ?, ?)",
                            [(self.key, h, v.astype(np.float32).tobytes()) for h, v in zip(hashes, vectors)])
        self.db.commit()

    def close(self) -> None:
        self.db.close()


def embed_passages(encoder: Encoder, passages: Sequence[str], cache: EmbeddingCache | None,
                   report: BuildReport, progress: Progress | None = None, batch: int = 64) -> np.ndarray:
    """Vectors for all passages, from the cache where possible; new ones are encoded
    in length-sorted batches (less padding) and written back to the cache."""
    out = np.zeros((len(passages), encoder.dim), dtype=np.float32)
    hashes = [hashlib.sha1(p.encode("utf-8")).digest() for p in passages]
    known = cache.get(hashes) if cache else {}
    todo: dict[bytes, list[int]] = {}
    for i, h in enumerate(hashes):
        if h in known:
            out[i] = known[h]
        else:
            todo.setdefault(h, []).append(i)
    report.cached += len(passages) - sum(len(v) for v in todo.values())
    order = sorted(todo, key=lambda h: len(passages[todo[h][0]]))
    done = 0
    started = time.perf_counter()
    for b in range(0, len(order), batch):
        chunk = order[b:b + batch]
        vectors = encoder.encode_passages([passages[todo[h][0]] for h in chunk])
        for h, v in zip(chunk, vectors):
            out[todo[h]] = v
        if cache:
            cache.put(chunk, vectors)
        done += len(chunk)
        if progress:
            elapsed = time.perf_counter() - started
            progress("embed", done, len(order), rate=done / elapsed if elapsed else 0.0)
    report.embedded += sum(len(v) for v in todo.values())
    report.embed_seconds += time.perf_counter() - started
    return out


# -- files, atomically ---------------------------------------------------------

def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for dirpath, _, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextmanager
def writer_lock(root: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """One writer at a time; a second one waits up to `wait` seconds, then fails clearly."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexStoreError(root, f"another process is writing this index (waited {wait:.0f} s); try again when it finishes") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


def current_version(root: Path) -> Path | None:
    try:
        name = (root / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    return root / "versions" / name


def _next_version_name(root: Path) -> str:
    numbers = [int(p.name[1:]) for p in (root / "versions").glob("v*") if p.name[1:].isdigit()]
    return f"v{max(numbers, default=0) + 1}"


def _switch(root: Path, staged: Path) -> str:
    """Publish a fully written version: rename it into place, then swap CURRENT."""
    name = _next_version_name(root)
    final = root / "versions" / name
    os.rename(staged, final)
    _fsync_dir(root / "versions")
    tmp = root / f".CURRENT.{uuid.uuid4().hex}"
    with open(tmp, "w") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / "CURRENT")
    _fsync_dir(root)
    # Keep the live version and the one before it (a reader may still be opening it).
    versions = sorted((p for p in (root / "versions").glob("v*") if p.name[1:].isdigit()), key=lambda p: int(p.name[1:]))
    for old in versions[:-2]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in (root / "versions").glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return name


# -- gathering speeches ----------------------------------------------------------

def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files to index: given files as they are; folders searched recursively for speech
    files and .jsonl/.csv collections, in a stable order."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")
                                and f.suffix.lower() in SPEECH_SUFFIXES | COLLECTION_SUFFIXES))
        else:
            found.append(p)
    return found


def read_sources(paths: Iterable[str | Path], report: BuildReport, progress: Progress | None = None
                 ) -> list[tuple[str, Speech, str]]:
    """(source key, speech, content hash) for every readable speech; each bad file is
    recorded in the report and skipped."""
    files = discover(paths)
    out: list[tuple[str, Speech, str]] = []
    for i, f in enumerate(files, 1):
        try:
            if f.suffix.lower() in COLLECTION_SUFFIXES:
                for speech in api.read_collection(f):
                    out.append((speech.meta.source, speech, hashlib.sha256(speech.raw_text.encode()).hexdigest()))
            else:
                speech = api.read_speech(f)
                out.append((str(f.resolve()), speech, hashlib.sha256(speech.raw_text.encode()).hexdigest()))
        except GovSpeechError as exc:
            report.errors.append((str(f), exc.problem if isinstance(exc, InputError) else str(exc)))
        except Exception as exc:  # a parser bug must not abort a build of ten thousand files
            report.errors.append((str(f), f"internal error: {exc.__class__.__name__}: {exc}"))
        if progress:
            progress("read", i, len(files), file=f.name)
    return out


# -- the index -------------------------------------------------------------------

def choose_index_type(requested: str, n: int) -> str:
    if requested not in ("auto", "flat", "hnsw", "ivfpq"):
        raise GovSpeechError(f"unknown index type {requested!r} (auto, flat, hnsw, ivfpq)")
    if requested != "auto":
        return requested
    return "flat" if n < FLAT_LIMIT else "hnsw"


def build_dense(vectors: np.ndarray, index_type: str):
    """A FAISS inner-product index over L2-normalised vectors (so scores are cosines)."""
    import faiss

    n, dim = vectors.shape
    if index_type == "flat":
        index = faiss.IndexFlatIP(dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    else:  # ivfpq: compressed, for millions of sentences
        nlist = max(1, min(int(4 * np.sqrt(n)), n // 39))
        m = next(m for m in (48, 32, 24, 16, 12, 8, 4, 2, 1) if dim % m == 0 and m <= dim)
        index = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
        sample = vectors[np.random.default_rng(0).choice(n, size=min(n, 100_000), replace=False)]
        index.train(sample)
    if n:
        index.add(vectors)
    return index


class Index:
    """An opened, read-only view of one version of an index. Writers (build, add,
    remove) make a new version and return a fresh Index over it."""

    def __init__(self, root: Path, version: Path, manifest: dict, verify: bool = True):
        self.root, self.version_dir, self.manifest = root, version, manifest
        if verify:
            self._verify(full=verify == "full")
        try:
            self.db = sqlite3.connect(f"file:{version / 'meta.sqlite'}?mode=ro", uri=True, check_same_thread=False)
            self.db.execute("SELECT count(*) FROM units").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexStoreError(version / "meta.sqlite", f"unreadable store ({exc})") from None
        # Open every file now, so a reader keeps working after writers publish
        # newer versions and delete this one (open files outlive their names).
        self.vectors = np.load(version / "vectors.npy", mmap_mode="r", allow_pickle=False)
        self.dense = self._load_dense()
        self.bm25 = self._load_bm25()
        self._encoder: Encoder | None = None
        self._sample: tuple[np.ndarray, np.ndarray] | None = None

    # opening ---------------------------------------------------------------

    @classmethod
    def open(cls, name_or_path: str | Path | None = None, model: str | None = None, verify: bool | str = True) -> "Index":
        """Open an index by name (under indexes/) or folder.

        Args:
            model: if given, it must be the encoder the index was built with.
            verify: check every file against the manifest (True: sizes, and hashes of
                files modified since the build; "full": hash everything; False: skip).

        Raises:
            IndexStoreError: missing, corrupt, or built by another encoder.
        """
        root = resolve(name_or_path)
        version = current_version(root)
        if version is None:
            raise IndexStoreError(root, "no index here (build one with `govspeech index build DIR`)")
        try:
            manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise IndexStoreError(version / "manifest.json", f"unreadable manifest ({exc.__class__.__name__})") from None
        if manifest.get("format") != FORMAT:
            raise IndexStoreError(root, f"index format {manifest.get('format')} is not {FORMAT}; rebuild it")
        if model and model != manifest["encoder"]["spec"]:
            raise IndexStoreError(root, f"built with encoder {manifest['encoder']['spec']!r} (dim {manifest['encoder']['dim']}), "
                                        f"not {model!r}: rebuild it with --model {model} or leave --model out")
        return cls(root, version, manifest, verify=verify)

    def _verify(self, full: bool = False) -> None:
        """Every file against the manifest: sizes always; SHA-256 for each file whose
        modification time differs from the one the build recorded (all of them with
        `full`), so a search does not re-hash a gigabyte of vectors nobody touched."""
        try:
            stamps = json.loads((self.version_dir / STAMPS).read_text())
        except (OSError, json.JSONDecodeError):
            stamps = {}
        for name, expected in self.manifest["files"].items():
            path = self.version_dir / name
            if not path.exists():
                raise IndexStoreError(path, "missing from the index (corrupt or half-deleted); rebuild it")
            st = path.stat()
            if st.st_size != expected["size"]:
                raise IndexStoreError(path, "fails its checksum (wrong size: the index is corrupt); rebuild it")
            if not full and stamps.get(name) == st.st_mtime_ns:
                continue
            if _sha256(path) != expected["sha256"]:
                raise IndexStoreError(path, "fails its checksum (the index is corrupt); rebuild it")

    @property
    def encoder(self) -> Encoder:
        """The encoder that built this index, loaded on first dense query."""
        if self._encoder is None:
            want = self.manifest["encoder"]
            encoder = load_encoder(want["spec"])
            if encoder.dim != want["dim"] or encoder.version != want["version"]:
                raise IndexStoreError(self.root, f"built with {want['version']} (dim {want['dim']}) but the installed encoder is "
                                                 f"{encoder.version} (dim {encoder.dim}); rebuild the index")
            self._encoder = encoder
        return self._encoder

    def _load_dense(self):
        """FAISS index for hnsw/ivfpq (memory-mapped); None for flat, which is an exact
        matrix product over the memory-mapped vectors (no copy into RAM)."""
        if self.manifest["index_type"] == "flat":
            return None
        import faiss

        index = faiss.read_index(str(self.version_dir / "dense.faiss"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        if hasattr(index, "hnsw"):
            # recall@10 vs exact 0.97 / 0.83 at 100k / 1M sentences for under a millisecond
            # (128 gave 0.93 / 0.72); benchmarks/RESULTS.md, query latency
            index.hnsw.efSearch = 256
        if hasattr(index, "nprobe"):
            index.nprobe = 16
        return index

    def score_sample(self, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to `limit` evenly spaced rows and their vectors, held in memory: the rows
        hybrid search standardises each query's scores against."""
        if self._sample is None or len(self._sample[0]) != min(limit, len(self)):
            rows = np.unique(np.linspace(0, len(self) - 1, num=min(len(self), limit)).astype(np.int64))
            self._sample = (rows, np.asarray(self.vectors[rows], dtype=np.float32))
        return self._sample

    def _load_bm25(self):
        import bm25s

        return bm25s.BM25.load(str(self.version_dir / "bm25"), mmap=True, load_vocab=True)

    def __len__(self) -> int:
        return int(self.manifest["counts"]["sentences"])

    def info(self) -> dict:
        speeches = [dict(zip(("id", "title", "date", "source", "sentences"), r)) for r in
                    self.db.execute("SELECT id, title, date, source, n_sentences FROM speeches ORDER BY id")]
        return {"path": str(self.root), "version": self.version_dir.name, **{k: v for k, v in self.manifest.items() if k != "files"},
                "speeches": speeches}

    def close(self) -> None:
        self.db.close()

    # writing ---------------------------------------------------------------

    @classmethod
    def build(cls, paths: Iterable[str | Path], name: str | Path | None = None, model: str = DEFAULT_MODEL,
              index_type: str = "auto", progress: Progress | None = None, passage: str = DEFAULT_PASSAGE,
              context_weight: float = CONTEXT_WEIGHT) -> tuple["Index", BuildReport]:
        """Index speeches (files, folders, .jsonl/.csv collections) from scratch.

        `passage` is what the encoder sees ("sentence", or "section": heading-prefixed);
        `context_weight` is the paragraph context's share in each stored vector (0: none).

        Returns:
            The opened new index and a report (added, errors per file, counts, timings).
        """
        root = resolve(name)
        with writer_lock(root):
            if passage not in PASSAGES:
                raise GovSpeechError(f"unknown passage mode {passage!r} ({', '.join(PASSAGES)})")
            return cls._write(root, [], paths, model, index_type, progress, replace_all=True, passage=passage,
                              context_weight=context_weight)

    def add(self, paths: Iterable[str | Path], progress: Progress | None = None) -> tuple["Index", BuildReport]:
        """Add speeches; unchanged ones (same content hash) are skipped, changed ones replaced."""
        with writer_lock(self.root):
            fresh = Index.open(self.root, verify=False)
            return Index._write(self.root, fresh._records(), paths, self.manifest["encoder"]["spec"],
                                self.manifest["index_type_requested"], progress)

    def remove(self, ids_or_sources: Iterable[str], progress: Progress | None = None) -> tuple["Index", BuildReport]:
        """Remove speeches by id or source path."""
        wanted = set(ids_or_sources)
        with writer_lock(self.root):
            fresh = Index.open(self.root, verify=False)
            records = fresh._records()
            resolved = {str(Path(w).resolve()) for w in wanted}
            gone = [r for r in records if r[0] in wanted or r[1] in wanted or r[1] in resolved]
            missing = wanted - {r[0] for r in gone} - {r[1] for r in gone} - {w for w in wanted if str(Path(w).resolve()) in {r[1] for r in gone}}
            if missing:
                raise IndexStoreError(self.root, f"no speech {', '.join(sorted(missing))} in this index")
            keep = [r for r in records if r not in gone]
            index, report = Index._write(self.root, keep, [], self.manifest["encoder"]["spec"],
                                         self.manifest["index_type_requested"], progress, force_write=True)
            report.removed = [r[0] for r in gone]
            return index, report

    def _records(self) -> list[tuple[str, str, str]]:
        return [tuple(r) for r in self.db.execute("SELECT id, source, content_hash FROM speeches ORDER BY rowid")]

    @classmethod
    def _write(cls, root: Path, existing: list[tuple[str, str, str]], paths: Iterable[str | Path], model: str,
               index_type: str, progress: Progress | None, replace_all: bool = False,
               force_write: bool = False, passage: str | None = None, context_weight: float | None = None
               ) -> tuple["Index", BuildReport]:
        started = time.perf_counter()
        report = BuildReport()
        encoder = load_encoder(model)
        old = None if replace_all or not existing else Index.open(root, verify=False)
        passage = passage or (old.manifest.get("passage", DEFAULT_PASSAGE) if old else DEFAULT_PASSAGE)
        if context_weight is None:
            context_weight = old.manifest.get("context_weight", CONTEXT_WEIGHT) if old else CONTEXT_WEIGHT
        sources = read_sources(paths, report, progress)
        by_source = {r[1]: r for r in existing}
        new_rows: list[SpeechRows] = []
        replaced_sources: set[str] = set()
        seen: set[str] = set()
        taken_ids = {r[0] for r in existing}
        for source, speech, digest in sources:
            if source in seen:
                continue
            seen.add(source)
            prior = by_source.get(source)
            if prior and prior[2] == digest and not replace_all:
                report.unchanged.append(prior[0])
                continue
            if prior and not replace_all:
                replaced_sources.add(source)
                report.replaced.append(prior[0])
                speech_id = prior[0]
            else:
                speech_id = _unique_id(speech.id, taken_ids)
                report.added.append(speech_id)
            taken_ids.add(speech_id)
            if speech_id != speech.id:
                speech = _renamed(speech, speech_id)
            new_rows.append(speech_rows(speech, source, digest))
        kept = [r for r in existing if r[1] not in replaced_sources]
        if old is not None and not new_rows and len(kept) == len(existing) and not force_write:
            # Nothing new or changed: the live version already is the answer.
            old.close()
            live = Index.open(root, verify=False)
            report.sentences = len(live)
            report.version = live.version_dir.name
            report.seconds = time.perf_counter() - started
            return live, report

        if replace_all and not new_rows:
            # Publishing an empty index would replace a good one with nothing.
            raise NothingRead(report, f"{', '.join(map(str, paths)) or 'no paths'}: no speech could be read "
                                      f"({len(report.errors)} files failed); the index was not changed")
        total = sum(len(r.units) for r in new_rows) + (len(old) if old is not None else 0)
        if index_type == "ivfpq" and total < IVFPQ_MIN:
            raise GovSpeechError(f"ivfpq needs at least {IVFPQ_MIN} sentences to train its quantizer; this index would "
                                 f"have {total} (use --index-type flat or hnsw)")
        staged = root / "versions" / f".tmp-{uuid.uuid4().hex}"
        staged.mkdir(parents=True)
        try:
            db = sqlite3.connect(staged / "meta.sqlite")
            db.executescript(SCHEMA)
            vectors_parts: list[np.ndarray] = []
            terms_all: list[list[str]] = []
            row = 0
            if old is not None and kept:
                row = _copy_kept(old, db, [r[0] for r in kept], vectors_parts, terms_all)
            passages, new_units = [], []
            for rec in new_rows:
                db.execute(f"INSERT INTO speeches ({','.join(SPEECH_COLUMNS)}) VALUES ({','.join('?' * len(SPEECH_COLUMNS))})",
                           [rec.speech[c] for c in SPEECH_COLUMNS])
                db.executemany("INSERT INTO sections VALUES (?,?,?,?,?,?,?)", rec.sections)
                db.executemany("INSERT INTO paragraphs VALUES (?,?,?,?,?,?,?,?)", rec.paragraphs)
                for u in rec.units:
                    passages.append(passage_text(u["section_title"], u["text"], passage))
                    new_units.append(u)
            if progress:
                progress("terms", 0, len(new_units))
            for i, u in enumerate(new_units):
                t = index_terms(u["text"] + " " + u["section_title"])
                terms_all.append(t)
                db.execute(f"INSERT INTO units (row, {','.join(f'{chr(34)}{c}{chr(34)}' for c in UNIT_COLUMNS)}, terms) "
                           f"VALUES ({','.join('?' * (len(UNIT_COLUMNS) + 2))})",
                           [row + i, *[u[c] for c in UNIT_COLUMNS], " ".join(t)])
                if progress and (i + 1) % 500 == 0:
                    progress("terms", i + 1, len(new_units))
            if progress:
                progress("terms", len(new_units), len(new_units))
            db.commit()
            cache = EmbeddingCache(root / "embed_cache.sqlite", encoder)
            try:
                raw = embed_passages(encoder, passages, cache, report, progress)
                vectors_parts.append(with_context(raw, [(u["speech_id"], u["paragraph"]) for u in new_units], context_weight))
            finally:
                cache.close()
            vectors = np.concatenate(vectors_parts) if vectors_parts else np.zeros((0, encoder.dim), np.float32)
            n = len(vectors)
            report.sentences = n
            counts = {"speeches": db.execute("SELECT count(*) FROM speeches").fetchone()[0], "sentences": n}
            db.close()
            np.save(staged / "vectors.npy", vectors, allow_pickle=False)
            kind = choose_index_type(index_type, n)
            if progress:
                progress("dense", 0, 1, index_type=kind)
            if kind != "flat":
                import faiss

                faiss.write_index(build_dense(vectors, kind), str(staged / "dense.faiss"))
            if progress:
                progress("dense", 1, 1, index_type=kind)
            _write_bm25(staged / "bm25", terms_all)
            files = {str(p.relative_to(staged)): {"size": p.stat().st_size, "sha256": _sha256(p)}
                     for p in sorted(staged.rglob("*")) if p.is_file()}
            manifest = {
                "format": FORMAT,
                "encoder": {"spec": encoder.spec, "dim": encoder.dim, "version": encoder.version, "normalized": True},
                "passage": passage,
                "context_weight": context_weight,
                "index_type": kind, "index_type_requested": index_type,
                "counts": counts, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": files,
            }
            (staged / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            (staged / STAMPS).write_text(json.dumps({n: (staged / n).stat().st_mtime_ns for n in files}))
            _fsync_tree(staged)
            report.version = _switch(root, staged)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        finally:
            if old is not None:
                old.close()
        report.seconds = time.perf_counter() - started
        return Index.open(root, verify=False), report

    # searching ---------------------------------------------------------------

    def search(self, query: str, k: int = 10, mode: str = "hybrid", **options):
        """Search the index; see pipeline.search.search for modes, filters and options."""
        from .search import search

        return search(self, query, k=k, mode=mode, **options)


def _unique_id(speech_id: str, taken: set[str]) -> str:
    if speech_id not in taken:
        return speech_id
    n = 2
    while f"{speech_id}-{n}" in taken:
        n += 1
    return f"{speech_id}-{n}"


def _renamed(speech: Speech, new_id: str) -> Speech:
    """The same speech under another id (two files with one stem), units renamed too."""
    return api.parse_text(speech.raw_text, new_id, title=speech.title, meta=speech.meta, title_is_authoritative=True)


def _copy_kept(old: Index, db: sqlite3.Connection, ids: list[str], vectors_parts: list, terms_all: list) -> int:
    """Copy kept speeches' rows and vectors from the live version; returns the next row."""
    row = 0
    cols = ",".join(f'"{c}"' for c in UNIT_COLUMNS)
    for speech_id in ids:
        speech = old.db.execute(f"SELECT {','.join(SPEECH_COLUMNS)} FROM speeches WHERE id = ?", [speech_id]).fetchone()
        db.execute(f"INSERT INTO speeches ({','.join(SPEECH_COLUMNS)}) VALUES ({','.join('?' * len(SPEECH_COLUMNS))})", speech)
        db.executemany("INSERT INTO sections VALUES (?,?,?,?,?,?,?)", old.db.execute("SELECT * FROM sections WHERE speech_id = ?", [speech_id]))
        db.executemany("INSERT INTO paragraphs VALUES (?,?,?,?,?,?,?,?)", old.db.execute("SELECT * FROM paragraphs WHERE speech_id = ?", [speech_id]))
        rows = old.db.execute(f"SELECT row, {cols}, terms FROM units WHERE speech_id = ? ORDER BY row", [speech_id]).fetchall()
        if not rows:
            continue
        old_rows = np.array([r[0] for r in rows])
        vectors_parts.append(np.asarray(old.vectors[old_rows], dtype=np.float32))
        db.executemany(f"INSERT INTO units (row, {cols}, terms) VALUES ({','.join('?' * (len(UNIT_COLUMNS) + 2))})",
                       [(row + i, *r[1:]) for i, r in enumerate(rows)])
        terms_all.extend(r[-1].split() for r in rows)
        row += len(rows)
    return row


def _write_bm25(path: Path, corpus_terms: list[list[str]]) -> None:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(corpus_terms if corpus_terms else [[""]], show_progress=False)
    retriever.save(str(path), show_progress=False)
