"""The public Python API: everything the CLI does, one import away.

    from pipeline import read_speech
    speech = read_speech("seeds/000_dbe0c8ca6deedb3a.txt")
    for s in speech.sentences:
        if s.kind == "directive" and s.strength == "mandatory":
            print(speech.citation(s), s.text)
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

from . import lexicon as lexicon_module
from .clean import clean
from .directives import annotate
from .lexicon import Lexicon
from .errors import GovSpeechError, InputError
from .load import COLLECTION_SUFFIXES, MAX_BYTES, CollectionEntry, load, load_collection
from .model import Meta, Paragraph, Sentence, Speech
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


def speech_files(paths) -> list[Path]:
    """The files `index build` and `summarize DIR` read: files as given, folders searched
    recursively for speech files and .jsonl/.csv collections, in a stable order."""
    from .index import discover

    return [source.path for source in discover(paths)]


def _id_range(ids: list[str]) -> str:
    return f"its {len(ids)} speeches are {ids[0]} … {ids[-1]}" if len(ids) > 1 else f"its one speech is {ids[0]}"


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


def outline(speech: Speech) -> dict:
    """The speech's structure as plain JSON-ready data (the `outline --json` shape)."""

    def section(s) -> dict:
        return {
            "label": s.label,
            "title": s.title,
            "level": s.level,
            "path": list(s.path),
            "start": s.span.start,
            "end": s.span.end,
            "paragraphs": list(s.paragraph_numbers),
            "children": [section(c) for c in s.children],
        }

    return {
        "speech_id": speech.id,
        "title": speech.title,
        "meta": asdict(speech.meta),
        "sections": [section(s) for s in speech.sections],
        "paragraphs": [paragraph_dict(speech, p) for p in speech.paragraphs],
    }


def paragraph_dict(speech: Speech, paragraph: Paragraph) -> dict:
    raw = speech.to_raw(paragraph.span)
    return {
        "number": paragraph.number,
        "kind": paragraph.kind,
        "section_path": list(paragraph.section_path),
        "start": paragraph.span.start,
        "end": paragraph.span.end,
        "raw_start": raw.start,
        "raw_end": raw.end,
        "truncated": paragraph.truncated,
        "text": paragraph.text,
    }


from .model import STRENGTHS  # noqa: E402  (one definition, shared with Filters)


def directives(speech: Speech, strength: str | None = None, kinds: tuple[str, ...] = ("directive", "target")) -> list[Sentence]:
    """The speech's directives (and targets), optionally of one strength, in reading order."""
    if strength is not None and strength not in STRENGTHS:
        raise ValueError(f"strength must be one of {', '.join(STRENGTHS)}, not {strength!r}")
    return [s for s in speech.sentences if s.kind in kinds and (strength is None or s.strength == strength)]


def directive_dict(speech: Speech, sentence: Sentence) -> dict:
    return {
        "kind": sentence.kind,
        "strength": sentence.strength,
        "cues": list(sentence.cues),
        "actors": list(sentence.actors),
        "targets": list(sentence.targets),
        **speech.citation(sentence).to_dict(),
    }


def summarize(speech: Speech, per_section: int | None = None, ratio: float | None = None, encoder=None, top_n: int = 5):
    """Per-section key points; see pipeline.summarize.summarize."""
    from .summarize import summarize as run

    return run(speech, per_section=per_section, ratio=ratio, encoder=encoder, top_n=top_n)


def abstract(speech: Speech, n: int = 8, encoder=None, weights_file: str | Path | None = None):
    """The whole-speech summary: the n sentences that best restate the speech, in reading order,
    each a KeyPoint with its citation; see pipeline.summarize.abstract."""
    from .summarize import abstract as run, load_weights

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise GovSpeechError(f"n (sentences in the abstract) must be a whole number of at least 1, not {n!r}")
    return run(speech, n, encoder=encoder, model=load_weights(weights_file) if weights_file else None)
