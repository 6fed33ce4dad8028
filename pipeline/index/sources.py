"""sources: which files an index build reads, and the speeches in them.

A file named on the command line that cannot be read is an error (the build stops
before any work); a file found by walking a folder is reported and skipped, so one
bad page does not stop a build of ten thousand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .. import api
from ..errors import GovSpeechError, InputError
from ..load import COLLECTION_SUFFIXES, SPEECH_SUFFIXES
from ..model import Speech


Progress = Callable[..., None]


@dataclass(frozen=True)
class Source:
    path: Path
    named: bool          # named by the user (an error if unreadable) rather than found in a folder


@dataclass(frozen=True)
class ReadSpeech:
    key: str             # the source identity an index tracks: resolved path, or collection record key
    speech: Speech
    content_hash: str


def discover(paths: Iterable[str | Path]) -> list[Source]:
    """Files to index: named files as they are (a missing one is an InputError now);
    folders searched recursively for speech files and .jsonl/.csv collections, in a
    stable order."""
    found: list[Source] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(Source(f, False) for f in sorted(p.rglob("*")) if f.is_file() and not f.name.startswith(".")
                         and f.suffix.lower() in SPEECH_SUFFIXES | COLLECTION_SUFFIXES)
        elif not p.exists():
            raise InputError(p, "no such file or folder")
        else:
            found.append(Source(p, True))
    return found


def content_hash(speech: Speech) -> str:
    return hashlib.sha256(speech.raw_text.encode("utf-8")).hexdigest()


def read_source(source: Source) -> list[ReadSpeech]:
    """The speeches in one file (one, or a collection's many)."""
    f = source.path
    if f.suffix.lower() in COLLECTION_SUFFIXES:
        return [ReadSpeech(s.meta.source, s, content_hash(s)) for s in api.read_collection(f)]
    speech = api.read_speech(f)
    return [ReadSpeech(str(f.resolve()), speech, content_hash(speech))]


def read_sources(sources: list[Source], errors: list[tuple[str, str]], progress: Progress | None = None
                 ) -> list[ReadSpeech]:
    """Every readable speech. A named file that fails raises; a found one is recorded
    in `errors` as (file, problem) and skipped."""
    out: list[ReadSpeech] = []
    for i, source in enumerate(sources, 1):
        try:
            out.extend(read_source(source))
        except GovSpeechError as exc:
            if source.named:
                raise
            errors.append((str(source.path), exc.problem if isinstance(exc, InputError) else str(exc)))
        except Exception as exc:  # a parser bug must not abort a build of ten thousand files
            if source.named:
                raise InputError(source.path, f"internal error: {exc.__class__.__name__}: {exc}") from exc
            errors.append((str(source.path), f"internal error: {exc.__class__.__name__}: {exc}"))
        if progress:
            progress("read", i, len(sources), file=source.path.name)
    return out
