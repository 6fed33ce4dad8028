"""versions: an index folder, its writer lock, and versions published by one rename.

    indexes/NAME/
      CURRENT              the name of the live version ("v7")
      versions/v7/         manifest.json, stamps.json and the store's files
      embed_cache.sqlite   vectors by (encoder, text hash), shared by every version
      .lock                held by the one writer (filelock: works on Windows too)

Every change writes a complete new version beside the live one, fsyncs it, and
switches CURRENT in one rename: a crash at any moment leaves the previous version
readable, and readers never wait. The version that was live before the switch is
kept, so `rollback` has somewhere to go.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import IndexStoreError

FORMAT = 2                    # 2: stored vectors carry their paragraph's context
MANIFEST = "manifest.json"
STAMPS = "stamps.json"        # modification times of the files as built (see verify)
LOCK_WAIT = 30.0              # seconds a second writer waits before failing
STAGING = ".tmp-"


def default_root() -> Path:
    """Where plain index names live: $GOVSPEECH_INDEX_DIR, else ./indexes of the current directory."""
    return Path(os.environ.get("GOVSPEECH_INDEX_DIR", "indexes"))


def resolve(name_or_path: str | Path | None) -> Path:
    """`default`, `mycorpus`, or a folder path → the index folder. A plain name goes
    under default_root() (./indexes unless GOVSPEECH_INDEX_DIR says otherwise)."""
    if name_or_path is None:
        return default_root() / "default"
    p = Path(name_or_path)
    if p.is_absolute() or len(p.parts) > 1 or p.exists() and (p / "CURRENT").exists():
        return p
    return default_root() / str(name_or_path)


# -- durable files ---------------------------------------------------------------

def fsync_dir(path: Path) -> None:
    if os.name == "nt":          # directories cannot be opened for fsync on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    for dirpath, _, files in os.walk(path):
        for name in files:
            with open(os.path.join(dirpath, name), "rb+") as f:
                os.fsync(f.fileno())
        fsync_dir(Path(dirpath))


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextmanager
def writer_lock(root: Path, wait: float | None = None) -> Iterator[None]:
    """One writer at a time; a second one waits up to `wait` seconds (LOCK_WAIT), then fails clearly."""
    from filelock import FileLock, Timeout

    root.mkdir(parents=True, exist_ok=True)
    wait = LOCK_WAIT if wait is None else wait
    lock = FileLock(str(root / ".lock"))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise IndexStoreError(root, f"another process is writing this index (waited {wait:.0f} s); "
                                    "try again when it finishes") from None
    try:
        yield
    finally:
        lock.release()


# -- which version is live -------------------------------------------------------

def version_dirs(root: Path) -> list[Path]:
    """Published versions, oldest first."""
    folder = root / "versions"
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.glob("v*") if p.name[1:].isdigit()), key=lambda p: int(p.name[1:]))


def live_stamp(root: Path) -> tuple:
    """What changes when a writer switches the live version (a new CURRENT renamed into
    place): one stat, for readers that re-open when it moves; () where there is none."""
    try:
        st = os.stat(root / "CURRENT")
    except FileNotFoundError:
        return ()
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def current_version(root: Path) -> Path | None:
    """The live version's folder; None where no index was ever built here."""
    try:
        name = (root / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    if not name:
        raise IndexStoreError(root / "CURRENT", "is empty (a switch was interrupted or the file was truncated); "
                                                "`govspeech index versions` lists the intact versions and "
                                                "`govspeech index rollback` makes one live")
    version = root / "versions" / name
    if not version.is_dir():
        raise IndexStoreError(root / "CURRENT", f"names {name!r}, which is not in {root / 'versions'}; "
                                                "`govspeech index rollback` makes an intact version live")
    return version


def read_manifest(version: Path) -> dict:
    try:
        manifest = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexStoreError(version / MANIFEST, "missing (the version is incomplete or corrupt); rebuild it or "
                                                  "`govspeech index rollback`") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexStoreError(version / MANIFEST, f"unreadable manifest ({exc.__class__.__name__})") from None
    if manifest.get("format") != FORMAT:
        raise IndexStoreError(version.parent.parent, f"index format {manifest.get('format')} is not {FORMAT}; rebuild it")
    return manifest


def verify(version: Path, manifest: dict, full: bool = False) -> None:
    """Every file against the manifest: sizes always; SHA-256 for each file whose
    modification time differs from the one the build recorded (all of them with
    `full`), so a search does not re-hash a gigabyte of vectors nobody touched."""
    try:
        stamps = json.loads((version / STAMPS).read_text())
    except (OSError, json.JSONDecodeError):
        stamps = {}
    for name, expected in manifest["files"].items():
        path = version / name
        if not path.exists():
            raise IndexStoreError(path, "missing from the index (corrupt or half-deleted); rebuild it")
        st = path.stat()
        if st.st_size != expected["size"]:
            raise IndexStoreError(path, "fails its checksum (wrong size: the index is corrupt); rebuild it")
        if not full and stamps.get(name) == st.st_mtime_ns:
            continue
        if sha256(path) != expected["sha256"]:
            raise IndexStoreError(path, "fails its checksum (the index is corrupt); rebuild it")


def intact(version: Path) -> str | None:
    """None when the version reads and verifies in full, else what is wrong with it."""
    try:
        verify(version, read_manifest(version), full=True)
    except IndexStoreError as exc:
        return exc.problem
    return None


# -- writing a version -------------------------------------------------------------

def staging_dir(root: Path) -> Path:
    """A fresh folder to write a version into; invisible to readers until `publish`."""
    staged = root / "versions" / f"{STAGING}{uuid.uuid4().hex}"
    staged.mkdir(parents=True)
    return staged


def seal(staged: Path, manifest: dict) -> None:
    """Record every file's size and hash in the manifest, write it, and fsync the tree."""
    files = {str(p.relative_to(staged)).replace(os.sep, "/"): {"size": p.stat().st_size, "sha256": sha256(p)}
             for p in sorted(staged.rglob("*")) if p.is_file()}
    manifest = {"format": FORMAT, **manifest, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": files}
    (staged / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    (staged / STAMPS).write_text(json.dumps({n: (staged / n).stat().st_mtime_ns for n in files}))
    fsync_tree(staged)


def _point_current(root: Path, name: str) -> None:
    tmp = root / f".CURRENT.{uuid.uuid4().hex}"
    with open(tmp, "w") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / "CURRENT")
    fsync_dir(root)


def publish(root: Path, staged: Path) -> str:
    """Make a sealed version live: rename it into place, then swap CURRENT. Keeps the
    version that was live before (for readers still opening it, and for rollback)."""
    try:
        previous = current_version(root)
    except IndexStoreError:
        previous = None
    numbers = [int(p.name[1:]) for p in version_dirs(root)]
    name = f"v{max(numbers, default=0) + 1}"
    os.rename(staged, root / "versions" / name)
    fsync_dir(root / "versions")
    _point_current(root, name)
    keep = {name, previous.name if previous else None}
    for old in version_dirs(root):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in (root / "versions").glob(f"{STAGING}*"):
        shutil.rmtree(stale, ignore_errors=True)
    return name


def discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)


def list_versions(root: Path) -> list[dict]:
    """Every published version with its state: live, intact, or what is wrong with it."""
    try:
        live = current_version(root)
    except IndexStoreError:
        live = None
    out = []
    for v in version_dirs(root):
        problem = intact(v)
        manifest = {}
        if problem is None:
            manifest = read_manifest(v)
        out.append({"version": v.name, "live": live is not None and v.name == live.name, "intact": problem is None,
                    "problem": problem, "created": manifest.get("created"), "counts": manifest.get("counts")})
    return out


def rollback(root: Path, to: str | None = None) -> str:
    """Make an earlier intact version live: `to`, else the newest intact one before the
    live version (or the newest intact one at all when CURRENT is broken)."""
    versions = list_versions(root)
    if not versions:
        raise IndexStoreError(root, "no versions here to roll back to")
    if to is not None:
        chosen = next((v for v in versions if v["version"] == to), None)
        if chosen is None:
            raise IndexStoreError(root, f"no version {to!r} (have {', '.join(v['version'] for v in versions)})")
        if not chosen["intact"]:
            raise IndexStoreError(root / "versions" / to, f"is not intact: {chosen['problem']}")
    else:
        live = next((i for i, v in enumerate(versions) if v["live"]), len(versions))
        chosen = next((v for v in reversed(versions[:live]) if v["intact"]), None)
        if chosen is None:
            raise IndexStoreError(root, "no intact version before the live one to roll back to")
    _point_current(root, chosen["version"])
    return chosen["version"]
