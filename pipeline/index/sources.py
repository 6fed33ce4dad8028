"""sources: the speeches an index build reads from the files parse.discover finds.

A file named on the command line that cannot be read is an error (the build stops
before any work); a file found by walking a folder is reported and skipped, so one
bad page does not stop a build of ten thousand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .. import parse
from ..errors import GovSpeechError, InputError
from ..load import COLLECTION_SUFFIXES
from ..model import Speech
from ..parse import Source, discover


Progress = Callable[..., None]


@dataclass(frozen=True)
class ReadSpeech:
    key: str             # the source identity an index tracks: resolved path, or collection record key
    speech: Speech
    content_hash: str


def content_hash(speech: Speech) -> str:
    return hashlib.sha256(speech.raw_text.encode("utf-8")).hexdigest()


def read_source(source: Source) -> list[ReadSpeech]:
    """The speeches in one file (one, or a collection's many)."""
    f = source.path
    if f.suffix.lower() in COLLECTION_SUFFIXES:
        return [ReadSpeech(s.meta.source, s, content_hash(s)) for s in parse.read_collection(f)]
    speech = parse.read_speech(f)
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
