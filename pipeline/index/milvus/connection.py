"""milvus.connection: where a Milvus store is — a --store value parsed into a Target,
one client per URI per process, Milvus Lite's one-process-per-file lock, and the
alias an index name becomes."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ...errors import GovSpeechError, IndexStoreError

LITE, SERVER = "milvus-lite:", (("milvus://", "http://"), ("milvus+https://", "https://"))
EXAMPLE = "milvus-lite:PATH.db or milvus://HOST:19530"

@dataclass(frozen=True)
class Target:
    """A parsed --store value: what the user wrote, and the URI pymilvus takes."""

    spec: str      # milvus-lite:/abs/path.db | milvus://host:19530
    uri: str       # /abs/path.db | http://host:19530
    lite: bool


def parse_target(spec: str) -> Target:
    """`milvus-lite:PATH.db`, `milvus://HOST:PORT` or `milvus+https://HOST:PORT` → Target.

    Raises:
        GovSpeechError: anything else, named.
    """
    if spec.startswith(LITE):
        path = spec[len(LITE):]
        if not path.endswith(".db"):
            raise GovSpeechError(f"--store {spec}: a Milvus Lite store is a file ending in .db (milvus-lite:PATH.db)")
        path = str(Path(path).expanduser().resolve())
        return Target(f"{LITE}{path}", path, True)
    for scheme, http in SERVER:
        if spec.startswith(scheme):
            host = spec[len(scheme):].rstrip("/")
            if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+", host or "-"):
                raise GovSpeechError(f"--store {spec}: expected {scheme}HOST:PORT")
            if ":" not in host.strip("[]"):
                host += ":19530"
            return Target(f"{scheme}{host}", http + host, False)
    raise GovSpeechError(f"--store {spec}: not a Milvus store (use {EXAMPLE})")


_clients: dict[str, object] = {}
LITE_IN_USE = ("is open in another process (Milvus Lite serves a file to one process at a time; "
               "use a Milvus server for more)")


def connect(target: Target):
    """A MilvusClient for the target (one per URI per process: Milvus Lite allows one
    process per file, and its server runs inside this one).

    Raises:
        GovSpeechError: pymilvus missing, or the store cannot be reached (one line, naming it).
    """
    if target.uri in _clients:
        return _clients[target.uri]
    try:
        import logging

        from pymilvus import MilvusClient

        # pymilvus logs every failed call and Lite's missing timestamps itself; the errors
        # that matter reach the user as one line from here
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
        logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)    # it logs a 20-line traceback when a file is in use
    except ImportError:
        raise GovSpeechError(f"--store {target.spec} needs pymilvus: pip install 'govspeech[milvus]'") from None
    if target.lite:
        try:
            import milvus_lite  # noqa: F401
        except ImportError:
            raise GovSpeechError(f"--store {target.spec} needs milvus-lite: pip install 'govspeech[milvus]'") from None
        if not Path(target.uri).parent.is_dir():
            raise IndexStoreError(target.spec, f"folder {Path(target.uri).parent} does not exist")
        if _locked(Path(target.uri)):      # before Lite tries (and logs its failure)
            raise IndexStoreError(target.spec, LITE_IN_USE)
    try:
        # Milvus Lite's in-process server answers keep-alive pings with GOAWAY (too_many_pings),
        # which grpc prints to stderr; a connection to our own process needs no keep-alive
        options = {"grpc.keepalive_time_ms": 2**31 - 1, "grpc.keepalive_permit_without_calls": 0} if target.lite else {}
        client = MilvusClient(uri=target.uri, timeout=float(os.environ.get("GOVSPEECH_MILVUS_TIMEOUT", "10")),
                              grpc_options=options)
        client.list_collections()
    except Exception as exc:   # grpc, pymilvus and Lite each raise their own kinds
        if target.lite and _locked(Path(target.uri)):
            raise IndexStoreError(target.spec, LITE_IN_USE) from None
        raise IndexStoreError(target.spec, f"cannot reach Milvus ({reason(exc)})") from None
    _clients[target.uri] = client
    return client


def reason(exc: Exception) -> str:
    """The first line of a pymilvus/grpc error's message."""
    text = str(getattr(exc, "message", "") or exc).strip()
    return text.splitlines()[0][:200] if text else exc.__class__.__name__


def _locked(data_dir: Path) -> bool:
    """Whether another process holds Milvus Lite's lock on this .db folder."""
    import fcntl

    try:
        fd = os.open(data_dir / "LOCK", os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def release(spec: str) -> None:
    """Close this process's client for a store; for Milvus Lite also stop the in-process
    server, so another process may open the file."""
    target = parse_target(spec)
    client = _clients.pop(target.uri, None)
    if client is not None:
        client.close()
    if target.lite:
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(target.uri)


def base_name(index_name: str) -> str:
    """The alias of an index called `index_name` (Milvus names: letters, digits, _)."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", index_name)
    return f"gs_{clean}"[:200]

