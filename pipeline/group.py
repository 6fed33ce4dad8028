"""group: a ranking of sentences turned into hits, one per paragraph (the default) or
one per sentence, and the reposted copies of each hit found in the whole index.

Paragraph grouping: the first-ranked sentence of a paragraph is the hit; the
paragraph's other sentences that rank among the first k sentences (the ones a list of
k sentences would have shown) come with it as `also_matched`, so a reader sees one
result where a paragraph answers, not five sentences of it. A paragraph whose best sentence repeats one already
shown (the same notice reposted) is not a new hit: it is a copy.

Copies (`also_in`) come from the whole index, not from the candidate list: every row
whose text is the hit's text once punctuation and spaces are dropped (NFKC). A table
of those normalised texts (one 64-bit hash per row, sorted) is built from the store the
first time a store is searched and kept while it is open, so the copies a hit lists do
not change with k or with how deep the retrievers looked.

Pure over (row, score) rankings and Units, except `Copies`, which reads the store once.
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .errors import GovSpeechError
from .model import Unit
from .text import normalised

if TYPE_CHECKING:
    from .index.store import Store

BY = ("paragraph", "sentence")
_PUNCT = re.compile(r"[\W_]+")


def check_by(by: str) -> None:
    if by not in BY:
        raise GovSpeechError(f"unknown grouping {by!r} (use {', '.join(BY)})")


def same_text(text: str) -> str:
    """What two reposts of one sentence share: the text without punctuation or spaces."""
    return _PUNCT.sub("", normalised(text))


@dataclass(frozen=True)
class Picked:
    """One hit before it is dressed: its row and score, the other matching rows of its
    paragraph (row, score) and the rows that repeat its text."""

    row: int
    score: float
    also_matched: tuple[tuple[int, float], ...] = ()


def paragraph_key(unit: Unit) -> tuple[str, int]:
    return unit.speech_id, unit.paragraph


def pick(ranked: Sequence[tuple[int, float]], units: dict[int, Unit], k: int, by: str = "paragraph",
         collapse: bool = True, window: int | None = None) -> list[Picked]:
    """The first k hits of a ranking (best first).

    by="paragraph": one hit per paragraph, its best-ranked sentence; the paragraph's other
    sentences among the first `window` ranked (default k) are its also_matched (reading
    order). by="sentence": one hit per sentence. With `collapse`, a sentence (or, grouped,
    a paragraph's best sentence) whose text repeats one already shown, as a hit or as
    an also_matched sentence, is not a new hit.
    `units` must hold every ranked row."""
    check_by(by)
    shown: set[str] = set()
    picked: list[Picked] = []
    if by == "sentence":
        for row, score in ranked:
            key = same_text(units[row].text) if collapse else str(row)
            if key in shown:
                continue
            shown.add(key)
            picked.append(Picked(row, score))
            if len(picked) == k:
                break
        return picked
    window = k if window is None else window
    groups: dict[tuple[str, int], list[tuple[int, float, int]]] = {}
    order: list[tuple[str, int]] = []
    for position, (row, score) in enumerate(ranked):
        key = paragraph_key(units[row])
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((row, score, position))
    for key in order:
        (row, score, _), *rest = groups[key]
        text = same_text(units[row].text) if collapse else str(row)
        if text in shown:
            continue
        others = tuple((r, s) for r, s, at in sorted(rest, key=lambda x: units[x[0]].start) if at < window)
        shown.add(text)
        if collapse:
            shown.update(same_text(units[r].text) for r, _ in others)
        picked.append(Picked(row, score, others))
        if len(picked) == k:
            break
    return picked


@dataclass
class _Table:
    size: int
    hashes: np.ndarray      # sorted
    rows: np.ndarray        # rows[i] has hashes[i]


class Copies:
    """Rows with the same normalised text as a given row, over the whole index
    (one table per open store, built on first use from all its texts)."""

    _tables: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
    _lock = threading.Lock()

    @classmethod
    def table(cls, store: "Store") -> _Table:
        with cls._lock:
            found = cls._tables.get(store)
            if found is not None and found.size == len(store):
                return found
            rows = store.all_rows()
            texts = store.texts(rows)
            hashes = np.fromiter((hash(same_text(texts[r])) for r in rows), dtype=np.int64, count=len(rows))
            order = np.argsort(hashes, kind="stable")
            table = _Table(len(store), hashes[order], np.asarray(rows, dtype=np.int64)[order])
            cls._tables[store] = table
            return table

    @classmethod
    def of(cls, store: "Store", units: Sequence[Unit], allowed: Callable[[int], bool] | None = None
           ) -> dict[int, list[int]]:
        """For each unit, the other rows (ascending) whose text is the same once
        normalised; only rows `allowed` accepts (a search's filters) when given."""
        table = cls.table(store)
        wanted = {u.row: same_text(u.text) for u in units}
        candidates: dict[int, list[int]] = {}
        for row, text in wanted.items():
            h = hash(text)
            lo, hi = np.searchsorted(table.hashes, [h, h + 1]) if h < np.iinfo(np.int64).max else \
                (np.searchsorted(table.hashes, h), len(table.hashes))
            rows = [int(r) for r in table.rows[lo:hi] if int(r) != row]
            candidates[row] = rows
        # a hash can collide: keep only rows whose text really is the same
        check = sorted({r for rows in candidates.values() for r in rows})
        texts = store.texts(check) if check else {}
        out: dict[int, list[int]] = {}
        for row, rows in candidates.items():
            out[row] = sorted(r for r in rows if same_text(texts[r]) == wanted[row] and (allowed is None or allowed(r)))
        return out
