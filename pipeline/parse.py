"""parse: a file (or text in memory) → `Speech` values: load, clean, structure, classify.

The one place every door and the index read speeches through: `read_speech` for a
speech file, `read_collection` for a .jsonl/.csv collection (one speech per record),
`read_speeches` for either, `discover` for the files a folder holds. Below the index
and the work over speeches; above the stages it chains (load → clean → structure →
directives).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from . import lexicon as lexicon_module
from .clean import clean
from .directives import annotate
from .errors import InputError
from .lexicon import Lexicon
from .load import COLLECTION_SUFFIXES, MAX_BYTES, SPEECH_SUFFIXES, CollectionEntry, load, load_collection
from .model import Meta, Speech
from .structure import structure


def parse_text(
    raw: str,
    speech_id: str = "speech",
    title: str | None = None,
    meta: Meta | None = None,
    lexicon: Lexicon | None = None,
    title_is_authoritative: bool = False,
) -> Speech:
    """Clean, structure and classify a speech held in memory (no file needed).

    Args:
        raw: the speech text as it arrived.
        speech_id: names the speech's paragraphs and sentences.
        title: used when the text has no title line of its own, or always when
            `title_is_authoritative` (a collection's title field).
        meta: what is already known (source, date …); the text fills in the rest.
    """
    cleaned = clean(raw)
    speech = structure(cleaned.text, cleaned.offsets, raw, speech_id, title=title, meta=meta)
    if title_is_authoritative and title:
        speech = replace(speech, title=title)
    return annotate(speech, lexicon or lexicon_module.default())


def read_speech(
    path: str | Path,
    speech_id: str | None = None,
    lexicon: Lexicon | None = None,
    max_bytes: int = MAX_BYTES,
) -> Speech:
    """Load, clean, structure and classify one speech file.

    Args:
        path: .txt (any encoding), .html, .docx or .pdf.
        speech_id: defaults to the file's stem.
        lexicon: cue words and actors; `Lexicon.load(extra_actors=[...])` to extend.
        max_bytes: refuse files larger than this.

    Raises:
        InputError: with a one-line message naming the file and the problem.
    """
    doc = load(path, max_bytes=max_bytes)
    meta = Meta(source=str(path), format=doc.format, encoding=doc.encoding)
    return parse_text(doc.text, speech_id or Path(path).stem, title=doc.title, meta=meta, lexicon=lexicon)


def read_collection(path: str | Path, lexicon: Lexicon | None = None) -> list[Speech]:
    """Every speech of a .jsonl or .csv collection (see load.load_collection); the
    speech of record n is named `<stem>-<n>`."""
    return [_record_speech(path, e, lexicon) for e in load_collection(path)]


def _record_speech(path: str | Path, entry: CollectionEntry, lexicon: Lexicon | None) -> Speech:
    return parse_text(entry.text, f"{Path(path).stem}-{entry.number}", title=entry.title, lexicon=lexicon,
                      title_is_authoritative=True,
                      meta=Meta(source=entry.key, date=entry.date, year=entry.year, format=Path(path).suffix.lstrip(".")))


def is_collection(path: str | Path) -> bool:
    """A .jsonl or .csv file: many speeches, one per record."""
    return Path(path).suffix.lower() in COLLECTION_SUFFIXES


def speech_ids(path: str | Path) -> list[str]:
    """The ids read_speeches(path) would give, without parsing the speeches."""
    if is_collection(path):
        return [f"{Path(path).stem}-{e.number}" for e in load_collection(path)]
    return [Path(path).stem]


def read_speeches(path: str | Path, speech_id: str | None = None, lexicon: Lexicon | None = None) -> list[Speech]:
    """The speeches one file holds: one for a speech file (.txt, .html, .docx, .pdf), one
    per record for a .jsonl/.csv collection. What `outline`, `show`, `directives` and
    `summarize` read.

    Args:
        path: a speech file or a collection.
        speech_id: only this speech (a collection's record n is `<stem>-<n>`).

    Raises:
        InputError: the file cannot be read, or holds no speech `speech_id`.
    """
    if is_collection(path):
        entries = load_collection(path)
        stem = Path(path).stem
        if speech_id is not None:
            chosen = [e for e in entries if f"{stem}-{e.number}" == speech_id]
            if not chosen:
                ids = [f"{stem}-{e.number}" for e in entries]
                raise InputError(path, f"no speech {speech_id!r} in this collection ({_id_range(ids)})")
            entries = chosen
        return [_record_speech(path, e, lexicon) for e in entries]
    if speech_id is not None and speech_id != Path(path).stem:
        raise InputError(path, f"no speech {speech_id!r} in this file (its one speech is {Path(path).stem!r})")
    return [read_speech(path, lexicon=lexicon)]


def _id_range(ids: list[str]) -> str:
    return f"its {len(ids)} speeches are {ids[0]} … {ids[-1]}" if len(ids) > 1 else f"its one speech is {ids[0]}"


@dataclass(frozen=True)
class Source:
    """A file to read: named by the user (an error if unreadable) or found in a folder."""

    path: Path
    named: bool


def discover(paths: Iterable[str | Path]) -> list[Source]:
    """Files to read: named files as they are (a missing one is an InputError now);
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


def speech_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files `index build` and `summarize DIR` read (see discover)."""
    return [source.path for source in discover(paths)]
