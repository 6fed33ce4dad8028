"""speeches: a stored speech read back out of an index version as a `Speech`.

The store keeps each speech's clean text, not the raw file, so a speech is re-parsed
from its clean text (cleaning clean text changes nothing, so the paragraphs and
sentences come back with the same numbers and spans; this is checked against the
stored paragraphs and sections on every read). The raw offsets the store recorded for
every paragraph and sentence are put back, so citations carry the same raw spans as
when the file was read.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ..errors import GovSpeechError, IndexStoreError
from ..model import Meta, Speech
from ..parse import parse_text


class UnknownSpeech(GovSpeechError, KeyError):
    """No speech with this id in the index (a KeyError too, for callers that look up)."""

    def __str__(self) -> str:          # KeyError would quote the message
        return GovSpeechError.__str__(self)


def rebuild(stored: dict, speech_id: str, where: Path) -> Speech:
    """The `Speech` of one stored record (`Store.speech`), raw offsets restored.

    Raises:
        IndexStoreError: the stored paragraphs differ from a re-parse of the stored text
            (an index built by another version of govspeech).
    """
    source, text, title = stored["source"], stored["text"], stored["title"]
    fmt = (Path(source.split("#")[0]).suffix.lstrip(".").lower() or None) if source else None
    meta = Meta(date=stored["date"], year=stored["year"], level=stored["level"], meeting=stored["meeting"],
                kind=stored["kind"], place=stored["place"], speaker=stored["speaker"], source=source, format=fmt)
    speech = parse_text(text, speech_id, title=title or None, meta=meta, title_is_authoritative=bool(title))
    paragraphs = [(p["number"], p["start"], p["end"], p["raw_start"], p["raw_end"]) for p in stored["paragraphs"]]
    if ([(p.number, p.span.start, p.span.end) for p in speech.paragraphs] != [r[:3] for r in paragraphs]
            or [(list(s.path), s.span.start, s.span.end) for s in speech.walk_sections()]
            != [(s["path"], s["start"], s["end"]) for s in stored["sections"]]):
        raise IndexStoreError(where, f"speech {speech_id}: its stored paragraphs differ from a re-parse of its "
                                     "text (built by another version of govspeech?); rebuild the index")
    return dataclasses.replace(speech, offsets=raw_offsets(len(text), [r[1:] for r in paragraphs]
                                                           + stored["unit_spans"]))


def raw_offsets(n: int, spans: list[tuple[int, int, int, int]]) -> list[int]:
    """A clean → raw offset map that is exact at the start and last character of every
    stored (start, end, raw_start, raw_end) span and interpolated in between."""
    anchors = sorted({(s, rs) for s, e, rs, re_ in spans if e > s} | {(e - 1, re_ - 1) for s, e, rs, re_ in spans if e > s})
    if not anchors or not n:
        return list(range(n))
    xs, ys = zip(*anchors)
    out = np.interp(np.arange(n), xs, ys)
    # Before the first anchor (the title line) and after the last, keep the raw text's pace.
    out[: xs[0]] = ys[0] - (xs[0] - np.arange(xs[0]))
    out[xs[-1] + 1:] = ys[-1] + np.arange(1, n - xs[-1])
    return np.maximum.accumulate(np.maximum(np.rint(out), 0)).astype(int).tolist()
