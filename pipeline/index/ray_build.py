"""ray_build: the work of an index build spread over Ray Data workers — reading,
cleaning and structuring each file, the BM25 terms of its sentences, and encoding —
for the same plan (pipeline/index/build.py) and the same store writes as a plain
build, so a Ray build gives the same rows as a plain one.

    RayBuild(True, encoder)                   a local Ray, one worker per core
    RayBuild("ray://HEAD:10001", encoder)     a Ray cluster (the package is shipped to it)

Stage 1 maps tasks over the files (each returns its speeches and their sentences'
terms, or the file's error); stage 2 maps an actor pool over the passages the
embedding cache does not hold, each actor loading the encoder once. The driver plans,
blends vectors with their paragraph and writes the store, as in a plain build.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from ..embed import Encoder
from ..errors import GovSpeechError, InputError
from .rows import SpeechRows, speech_rows
from .sources import ReadSpeech, Source, read_source

READ_BATCH = 4                # files per read task
EMBED_BATCH = 64              # passages per encoder call (as a plain build)


def start(address: bool | str, workers: int | None = None) -> int:
    """Connect to Ray (reusing a running session); returns the CPUs it offers."""
    try:
        import ray
    except ImportError:
        raise GovSpeechError("--ray needs Ray Data: pip install 'govspeech[ray]'") from None
    if not ray.is_initialized():
        package = str(Path(__file__).resolve().parents[1])     # the pipeline package folder
        try:
            if address is True or address in ("", "local"):
                # Ray waits a fixed 30 s for its raylet; the first start after an install on a busy
                # 2-core machine can take longer (seen from a fresh clone), so a local start is tried twice.
                for attempt in (1, 2):
                    try:
                        ray.init(num_cpus=workers or os.cpu_count(), include_dashboard=False, log_to_driver=False,
                                 configure_logging=False,
                                 runtime_env={"env_vars": {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}})
                        break
                    except Exception:
                        ray.shutdown()
                        if attempt == 2:
                            raise
            else:
                # a cluster: ship this package to the workers (they need govspeech's dependencies installed)
                ray.init(address=str(address), log_to_driver=False, configure_logging=False,
                         runtime_env={"py_modules": [package]})
        except Exception as exc:
            raise GovSpeechError(f"--ray {address}: cannot start or reach Ray ({exc.__class__.__name__}: "
                                 f"{str(exc).splitlines()[0][:200] if str(exc) else ''})") from None
    import logging

    import ray.data

    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # Ray Data warns when a small build cannot use every worker; that is expected here
    warnings.filterwarnings("ignore", category=UserWarning, module=r"ray\.data\..*")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"ray\..*")
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.execution_options.verbose_progress = False
    return int(ray.cluster_resources().get("CPU", 1))


def _read_files(batch: dict) -> dict:
    """Ray task: read, clean and structure a few files; each speech with its units' terms
    (build.unit_terms: the function a plain build runs)."""
    from .build import unit_terms

    out = {"path": [], "error": [], "key": [], "hash": [], "speech": [], "terms": []}
    for path, named in zip(batch["path"], batch["named"]):
        try:
            read = read_source(Source(Path(path), bool(named)))
            error = ""
        except GovSpeechError as exc:
            read, error = [], exc.problem if isinstance(exc, InputError) else str(exc)
        except Exception as exc:   # a parser bug must not abort a build of ten thousand files
            read, error = [], f"internal error: {exc.__class__.__name__}: {exc}"
        if error:
            out["path"].append(path), out["error"].append(error), out["key"].append("")
            out["hash"].append(""), out["speech"].append(None), out["terms"].append(None)
        for item in read:
            rows = speech_rows(item.speech, item.key, item.content_hash)
            out["path"].append(path), out["error"].append(""), out["key"].append(item.key)
            out["hash"].append(item.content_hash), out["speech"].append(item.speech)
            out["terms"].append(unit_terms([rows])[0])
    return {k: np.array(v, dtype=object) if k in ("speech", "terms") else np.array(v) for k, v in out.items()}


class _Embedder:
    """Ray actor: loads the encoder once, then encodes batch after batch."""

    def __init__(self, spec: str, threads: int):
        from .. import embed

        # each actor on its share of the machine's cores: never more threads than cores
        self.encoder = embed.make_encoder(spec, threads=threads)

    def __call__(self, batch: dict) -> dict:
        vectors = self.encoder.encode_passages([str(t) for t in batch["text"]])
        return {"i": batch["i"], "vector": np.asarray(vectors, dtype=np.float32)}


class RayEncoder:
    """An Encoder whose encode_passages runs on a Ray actor pool (queries stay local)."""

    def __init__(self, encoder: Encoder, workers: int, progress=None):
        self.local, self.workers, self.progress = encoder, workers, progress
        self.spec, self.dim, self.version = encoder.spec, encoder.dim, encoder.version

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.local.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        import ray.data

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        blocks = max(1, min(-(-len(texts) // EMBED_BATCH), 8 * self.workers))
        ds = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)], override_num_blocks=blocks)
        ds = ds.map_batches(_Embedder, fn_constructor_args=(self.spec, threads), batch_size=EMBED_BATCH,
                            compute=ray.data.ActorPoolStrategy(size=self.workers), num_cpus=1)
        done = 0
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            out[np.asarray(batch["i"], dtype=np.int64)] = np.stack(batch["vector"])
            done += len(batch["i"])
            if self.progress:
                self.progress("embed", done, len(texts))
        return out


class RayBuild:
    """The Ray half of Index._write: read → (plan, on the driver) → terms → encode."""

    def __init__(self, address: bool | str, encoder: Encoder, workers: int | None = None):
        self.workers = start(address, workers)
        self.encoder = encoder
        self._terms: dict[tuple[str, str], list[list[str]]] = {}

    def read(self, sources: list[Source], errors: list[tuple[str, str]], progress=None) -> list[ReadSpeech]:
        """As sources.read_sources, over Ray tasks: every readable speech in file order; a
        named file that fails raises, a found one is recorded in `errors`."""
        import ray.data

        if not sources:
            return []
        items = [{"n": i, "path": str(s.path), "named": s.named} for i, s in enumerate(sources)]
        ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 8 * self.workers)))
        ds = ds.map_batches(_read_files, batch_size=READ_BATCH, num_cpus=1,
                            compute=ray.data.TaskPoolStrategy(size=self.workers))
        by_path: dict[str, list] = {}
        done = 0
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            for j in range(len(batch["path"])):
                by_path.setdefault(str(batch["path"][j]), []).append(
                    (str(batch["error"][j]), str(batch["key"][j]), str(batch["hash"][j]), batch["speech"][j], batch["terms"][j]))
            done = len(by_path)
            if progress:
                progress("read", done, len(sources), file=Path(str(batch["path"][-1])).name)
        out: list[ReadSpeech] = []
        for s in sources:   # file order, as a plain build
            for error, key, digest, speech, terms in by_path.get(str(s.path), []):
                if error:
                    if s.named:
                        raise InputError(s.path, error)
                    errors.append((str(s.path), error))
                    continue
                out.append(ReadSpeech(key, speech, digest))
                self._terms[(key, digest)] = [list(t) for t in terms]
        return out

    def terms(self, rows: Sequence[SpeechRows], progress=None) -> list[list[list[str]]]:
        """The terms the workers computed for each new speech (the same function a plain build runs)."""
        from .build import unit_terms

        out = []
        for r in rows:
            known = self._terms.get((r.source, r.content_hash))
            out.append(known if known is not None and len(known) == len(r.units) else unit_terms([r])[0])
        return out

    def encode(self, rows: Sequence[SpeechRows], cache_folder: Path | None, report, passage: str, context_weight: float,
               progress=None, clauses=()) -> tuple[np.ndarray, np.ndarray]:
        """build.encode_rows with the encoding on the actor pool (the cache is read and written here)."""
        from .build import encode_rows

        return encode_rows(rows, RayEncoder(self.encoder, self.workers, progress), cache_folder, report, passage,
                           context_weight, progress, clauses, batch=None)
