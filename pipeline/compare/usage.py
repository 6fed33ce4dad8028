"""usage: which speeches of a corpus index use a term, and when (for `first_seen`).

The index's speech texts are read once per opened index version and searched as plain
strings: a term is "used" by a speech whose clean text contains it. Speeches are
ordered by date (or year), then id, so `first_seen` is the earliest dated user.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from ..model import Speech
from .result import SpeechRef

_lock = threading.Lock()
_cache: "weakref.WeakKeyDictionary[object, TermUsage]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class _Stored:
    ref: SpeechRef
    key: tuple          # sort key: (year or 9999, date or "", id)
    text: str


class TermUsage:
    """The speeches of one index, as texts to search terms in."""

    def __init__(self, speeches: list[_Stored], source: str):
        self.speeches = sorted(speeches, key=lambda s: s.key)
        self.source = source
        self.count = len(self.speeches)
        self._memo: dict[str, list[_Stored]] = {}

    def users(self, term: str, exclude: tuple[str, ...] = ()) -> list[_Stored]:
        """The speeches using `term`, earliest first (without those in `exclude`)."""
        found = self._memo.get(term)
        if found is None:
            found = self._memo[term] = [s for s in self.speeches if term in s.text]
        return [s for s in found if s.ref.speech_id not in exclude]

    def before(self, stored: _Stored, speech: Speech) -> bool:
        """`stored` is dated before `speech` (an undated speech is never before one)."""
        return stored.key < _key(speech.meta.year, speech.meta.date, speech.id)

    def dates(self, users: list[_Stored], side: Speech, other: Speech) -> tuple[SpeechRef | None, SpeechRef | None, bool]:
        """first_seen (the earliest user, `side` itself when no other speech is earlier),
        last_seen (the latest user before `side`), and whether the term was used before
        the `other` speech was given: back after years rather than new."""
        earlier = [u for u in users if self.before(u, side)]
        own = SpeechRef(side.id, side.title, side.meta.date, side.meta.year)
        first = earlier[0].ref if earlier else own
        last = earlier[-1].ref if earlier else None
        returning = any(self.before(u, other) for u in earlier)
        return first, last, returning


def _key(year, date, speech_id) -> tuple:
    return (year if year is not None else (int(date[:4]) if date else 9999), date or "", speech_id)


def usage_of(index) -> TermUsage:
    """The (cached) term usage of an opened index."""
    with _lock:
        found = _cache.get(index)
    if found is not None:
        return found
    speeches = []
    for record in index.speeches():
        text = _text(index, record["id"])
        ref = SpeechRef(record["id"], record.get("title") or "", record.get("date"), record.get("year"))
        speeches.append(_Stored(ref, _key(ref.year, ref.date, ref.speech_id), text))
    usage = TermUsage(speeches, str(getattr(index, "root", "")))
    with _lock:
        _cache[index] = usage
    return usage


def _text(index, speech_id: str) -> str:
    """A stored speech's clean text, without re-parsing it."""
    stored = getattr(index, "stored", None)
    record = stored(speech_id) if stored else index.speech(speech_id)
    return record["text"] if isinstance(record, dict) else record.text
