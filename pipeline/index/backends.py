"""backends: the one registry that maps a --store value to the backend serving it.

A store value's scheme is what comes before its first ":" ("local" has none):

    local                    local.py           the embedded default
    milvus-lite:PATH.db      milvus/            Milvus Lite in this process
    milvus://HOST:19530      milvus/            a Milvus server (milvus+https:// for TLS)

A backend is a module whose BACKEND object has store.Backend's methods. Adding one is
that module plus one line in REGISTRY (or, from outside the package, `register`).
Modules are imported when a value names them, so an index that never asks for Milvus
never imports it.
"""

from __future__ import annotations

import importlib

from ..errors import GovSpeechError
from .store import Backend

DEFAULT = "local"
REGISTRY: dict[str, str | Backend] = {      # scheme → the module whose BACKEND serves it (or the backend)
    "local": "pipeline.index.local",
    "milvus-lite": "pipeline.index.milvus",
    "milvus": "pipeline.index.milvus",
    "milvus+https": "pipeline.index.milvus",
}


def register(scheme: str, backend: str | Backend) -> None:
    """Serve store values `SCHEME:…` (or plain `SCHEME`) with a backend, or the module
    (a dotted name) whose BACKEND it is."""
    REGISTRY[scheme] = backend


def unregister(scheme: str) -> None:
    REGISTRY.pop(scheme, None)


def scheme(spec: str) -> str:
    return spec.split(":", 1)[0]


def backend_for(spec: str | None) -> Backend:
    """The backend of a store value (None or "": the default).

    Raises:
        GovSpeechError: no backend serves its scheme, named with the ones that exist.
    """
    spec = spec or DEFAULT
    entry = REGISTRY.get(scheme(spec))
    if entry is None:
        examples = ", ".join(dict.fromkeys(backend_for(s).example for s in REGISTRY))
        raise GovSpeechError(f"--store {spec}: unknown store (use {examples})")
    if isinstance(entry, str):
        entry = importlib.import_module(entry).BACKEND
    return entry


def prepare(spec: str | None) -> str:
    """A --store value checked now, before a build does any work: its canonical spec
    (what the manifest records), or a one-line error naming it."""
    backend = backend_for(spec)
    canonical = backend.parse(spec or DEFAULT)
    backend.check(canonical)
    return canonical


def store_of(manifest: dict) -> str:
    """The store a version's manifest names (versions before stores existed: local)."""
    return manifest.get("store", DEFAULT)
