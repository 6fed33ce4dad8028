"""trend: how often, and how strongly, a query is said across years, places or speeches.

Two ways to count a mention:

- exact (`exact=True`): every occurrence of the query in a speech's clean text, both
  compared in the form search compares texts in (text.normalised: NFKC, white space
  removed), non-overlapping, left to right;
- semantic (the default): the sentences search finds for the query whose ranking score
  and whose encoder cosine to the query both clear the thresholds fitted for the index's
  encoder (resources/trend.json, see `Threshold`), each sentence once. The score alone
  is relative to the query (its features are z-scores over the query's candidates), so
  a question about a recipe still lifts some sentence of every report above it; the
  absolute cosine is what an off-topic query does not reach.

Speeches are grouped into buckets by year (the stored year, else the date's), place
(the stored meta.place) or speech; a speech with no year or no place goes into the
"unknown" bucket, never dropped. Each bucket counts its speeches, their characters, the
mentions and mentions per 10,000 characters (a long report does not win by length),
names the strongest directive strength among its mentions, and quotes its best mention
as a full citation (the sentence; text == speech text[start:end]).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

import numpy as np

from .errors import GovSpeechError
from .lexicon import resource_path
from .model import Citation, Filters, Hit, SearchOptions, Unit
from .search import cosines, query_text, search
from .text import normalised, normalised_ends

if TYPE_CHECKING:
    from .index import CorpusIndex

BYS = ("year", "place", "speech")
UNKNOWN = "unknown"
PER = 10_000                     # per_10k: mentions per this many characters of clean text
STRENGTH_RANK = {"mandatory": 2, "advisory": 1}
FIRST_K = 200                    # semantic: hits asked for first, then 4× as long as all clear the threshold
MAX_K = 12_800
COLUMNS = ("key", "title", "speeches", "chars", "mentions", "per_10k", "strongest", "quote_speech_id",
           "quote_paragraph", "quote_start", "quote_end", "quote_text")


# -- the semantic threshold: one place ------------------------------------------------

@dataclass(frozen=True)
class Threshold:
    """Which hits count as mentions: those whose `field` (a Hit attribute: the search
    `score`) is at least `value` and, when `cosine` is set, whose stored vector's cosine
    to the query vector is at least `cosine` (a cosine is the encoder's own scale, so it
    is set only for an encoder it was fitted on). Read from resources/trend.json,
    written by benchmarks/trend_benchmark.py --fit."""

    field: str
    value: float
    encoder: str | None = None       # the encoder the values were fitted with
    source: str = ""
    cosine: float | None = None

    def passes(self, hit: Hit, cosine: float | None = None) -> bool:
        if self.cosine is not None and (cosine is None or cosine < self.cosine):
            return False
        return float(getattr(hit, self.field)) >= self.value

    def to_dict(self) -> dict:
        return {"field": self.field, "value": self.value, "cosine": self.cosine, "encoder": self.encoder}


@lru_cache(maxsize=8)
def default_threshold(encoder: str | None = None) -> Threshold:
    """The fitted thresholds for an index built with `encoder` (scores and cosines depend on
    the encoder); an encoder they were not fitted for gets the default encoder's score
    threshold and no cosine one (another encoder's cosines are on another scale), and the
    threshold names the encoder it was fitted with."""
    path = resource_path("trend.json")
    data = json.loads(path.read_text(encoding="utf-8"))["semantic"]
    fitted = data.get("by_encoder", {})
    if encoder in fitted:
        values = fitted[encoder]
        return Threshold(data["field"], float(values["score"]), encoder, str(path),
                         None if values.get("cosine") is None else float(values["cosine"]))
    default = fitted[data["encoder"]]
    return Threshold(data["field"], float(default["score"]), data["encoder"], str(path))


# -- what a trend is made of ------------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    """One counted mention: the sentence it is in (its citation) and, in exact mode, the
    occurrence itself (match_start/match_end, clean-text offsets inside the sentence)."""

    key: str                          # its bucket
    speech_id: str
    year: int | None
    date: str | None
    kind: str | None                  # heading / statement / directive / target; None outside any sentence
    strength: str | None              # mandatory / advisory / None
    score: float                      # semantic: the search score; exact: occurrences in the sentence
    citation: Citation | None         # None: in no paragraph (the title line)
    match_start: int | None = None
    match_end: int | None = None

    def to_dict(self) -> dict:
        return {"key": self.key, "speech_id": self.speech_id, "year": self.year, "date": self.date, "kind": self.kind,
                "strength": self.strength, "score": round(self.score, 6),
                "citation": self.citation.to_dict() if self.citation else None,
                "match_start": self.match_start, "match_end": self.match_end}


@dataclass(frozen=True)
class Bucket:
    key: str                          # "2019", "河南省", a speech id, or "unknown"
    speeches: int
    chars: int                        # characters of the speeches' clean text
    mentions: int
    per_10k: float
    strongest: str | None             # the strongest directive strength among the mentions
    quote: Mention | None             # the best mention
    title: str | None = None          # by speech: its title

    def to_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "speeches": self.speeches, "chars": self.chars,
                "mentions": self.mentions, "per_10k": round(self.per_10k, 4), "strongest": self.strongest,
                "quote": self.quote.to_dict() if self.quote else None}

    def row(self) -> dict:
        """One flat row (CSV, DataFrame): the bucket with its quote's citation spelled out."""
        c = self.quote.citation if self.quote else None
        d = self.to_dict()
        return {**{k: d[k] for k in COLUMNS[:7]}, "quote_speech_id": c.speech_id if c else None,
                "quote_paragraph": c.paragraph if c else None, "quote_start": c.start if c else None,
                "quote_end": c.end if c else None, "quote_text": c.text if c else None}


@dataclass(frozen=True)
class Trend:
    """A query counted over buckets, in key order (years ascending, "unknown" last)."""

    query: str
    by: str
    exact: bool
    buckets: tuple[Bucket, ...]
    first_seen: Mention | None        # the earliest dated mention (first in reading order within its speech)
    threshold: Threshold | None = None   # semantic mode: what a hit had to reach
    filters: str = ""                 # Filters.describe()
    mentions: tuple[Mention, ...] = field(default=(), repr=False)   # every counted mention, bucket by bucket

    @property
    def total(self) -> int:
        return sum(b.mentions for b in self.buckets)

    def to_dict(self) -> dict:
        return {"query": self.query, "by": self.by, "exact": self.exact,
                "threshold": self.threshold.to_dict() if self.threshold else None, "filters": self.filters,
                "mentions": self.total, "speeches": sum(b.speeches for b in self.buckets),
                "first_seen": self.first_seen.to_dict() if self.first_seen else None,
                "buckets": [b.to_dict() for b in self.buckets]}

    def rows(self) -> list[dict]:
        """One flat dict per bucket, columns COLUMNS: what --csv writes and to_frame holds."""
        return [b.row() for b in self.buckets]

    def to_csv(self) -> str:
        """The rows as CSV text with a header line (what --csv prints)."""
        import csv
        import io

        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        return out.getvalue()

    def to_frame(self):
        """The buckets as a pandas DataFrame indexed by key (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise GovSpeechError("Trend.to_frame needs pandas: pip install pandas") from None
        return pd.DataFrame(self.rows(), columns=list(COLUMNS)).set_index("key")


# -- counting ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Speech:
    id: str
    title: str
    key: str
    year: int | None
    date: str | None
    text: str = field(repr=False)

    @property
    def chars(self) -> int:
        return len(self.text)


def _year(record: dict) -> int | None:
    if record.get("year"):
        return int(record["year"])
    date = record.get("date") or ""
    return int(date[:4]) if re.match(r"\d{4}", date) else None


def _key(record: dict, by: str) -> str:
    if by == "year":
        year = _year(record)
        return str(year) if year else UNKNOWN
    if by == "place":
        return record.get("place") or UNKNOWN
    return record["id"]


def _order(key: str):
    """Key order: unknown last, numbers (years, record numbers) by value inside strings."""
    return (key == UNKNOWN, [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", key) if p])


def _speeches(index: "CorpusIndex", filters: Filters, by: str) -> list[_Speech]:
    """The speeches that pass the speech-level filters (ids, dates, place), with their
    bucket keys and lengths."""
    speech_level = Filters(speech=filters.speech, since=filters.since, until=filters.until, place=filters.place)
    mask = index.store.select(speech_level)
    out = []
    for record in index.speeches():
        if mask is not None:
            rows = index.store.all_rows(record["id"])
            if not rows or not mask[np.asarray(rows, dtype=np.int64)].any():
                continue
        out.append(_Speech(record["id"], record.get("title") or "", _key(record, by), _year(record),
                           record.get("date"), index.stored(record["id"])["text"]))
    return out


def _sentence_level(filters: Filters) -> bool:
    return bool(filters.section or filters.kind or filters.strength)


def _exact_mentions(index: "CorpusIndex", query: str, speeches: list[_Speech], filters: Filters) -> list[Mention]:
    """Every occurrence of the normalised query in each speech's normalised clean text."""
    needle = normalised(query)
    if not needle:
        raise GovSpeechError(f"query {query!r} is empty once white space is removed")
    allowed = index.store.select(filters) if _sentence_level(filters) else None
    out: list[Mention] = []
    for s in speeches:
        text = s.text
        hay = normalised(text)
        found, at = [], hay.find(needle)
        while at != -1:
            found.append(at)
            at = hay.find(needle, at + len(needle))
        if not found:
            continue
        ends = normalised_ends(text)
        starts = np.searchsorted(ends, np.asarray(found), side="right")
        stops = np.searchsorted(ends, np.asarray(found) + len(needle) - 1, side="right") + 1
        units = index.units(s.id)
        unit_starts = np.asarray([u.start for u in units], dtype=np.int64)
        where = np.searchsorted(unit_starts, starts, side="right") - 1
        inside: list[Unit | None] = [units[w] if w >= 0 and starts[i] < units[w].end else None
                                     for i, w in enumerate(where)]
        per_unit: dict[int, int] = {}
        for u in inside:
            if u is not None:
                per_unit[u.row] = per_unit.get(u.row, 0) + 1
        for a, b, u in zip(starts.tolist(), stops.tolist(), inside):
            if allowed is not None and (u is None or not allowed[u.row]):
                continue
            out.append(Mention(s.key, s.id, s.year, s.date, u.kind if u else None, u.strength if u else None,
                               float(per_unit.get(u.row, 1)) if u else 1.0, u.citation() if u else None, a, b))
    return out


def answering(index: "CorpusIndex", query: str, filters: Filters, threshold: Threshold) -> list[Hit]:
    """Every sentence search finds for the query that clears the threshold, each once
    (no collapsing of reposts: a sentence repeated in two years' reports counts in both).
    Asks for FIRST_K hits, then four times as many while all of them clear it."""
    q = index.encoder.encode_queries([query_text(query)])[0]
    k = FIRST_K
    while True:
        hits = search(index, query, SearchOptions(k=k, filters=filters, collapse=False, by="sentence"), query_vector=q)
        near = cosines(index.store, [h.row for h in hits], q).tolist() if threshold.cosine is not None else [None] * len(hits)
        kept = [h for h, c in zip(hits, near) if threshold.passes(h, c)]
        if len(kept) < len(hits) or len(hits) < k or k >= MAX_K:
            return kept
        k *= 4


def _semantic_mentions(index: "CorpusIndex", query: str, speeches: list[_Speech], filters: Filters,
                       threshold: Threshold) -> list[Mention]:
    known = {s.id: s for s in speeches}
    out = []
    for h in answering(index, query, filters, threshold):
        s = known.get(h.citation.speech_id)
        if s is None:       # not expected: search applies the same speech-level filters
            continue
        out.append(Mention(s.key, s.id, s.year, s.date, h.kind, h.strength, float(h.score), h.citation,
                           h.match_start, h.match_end))
    return out


def _strongest(mentions: Iterable[Mention]) -> str | None:
    best = max((STRENGTH_RANK.get(m.strength or "", 0) for m in mentions), default=0)
    return next((s for s, r in STRENGTH_RANK.items() if r == best), None)


def _best(mentions: list[Mention], exact: bool) -> Mention | None:
    """The quote: the highest score (semantic); the strongest directive, then the sentence
    saying the query most often (exact). Ties: the first in reading order."""
    quotable = [m for m in mentions if m.citation is not None]
    if not quotable:
        return None
    if exact:
        return max(quotable, key=lambda m: (STRENGTH_RANK.get(m.strength or "", 0), m.score))
    return max(quotable, key=lambda m: m.score)


def _first_seen(mentions: list[Mention], speeches: list[_Speech]) -> Mention | None:
    order = {s.id: i for i, s in enumerate(speeches)}
    dated = [m for m in mentions if m.year is not None]
    if not dated:
        return None
    # within the earliest speech, a mention with a citation before one in the title line
    return min(dated, key=lambda m: (m.date or f"{m.year:04d}-99", m.year, order[m.speech_id],
                                     m.citation is None, m.citation.start if m.citation else 0, m.match_start or 0))


def trend(index: "CorpusIndex", query: str, by: str = "year", exact: bool = False, filters: Filters | None = None,
          threshold: Threshold | None = None) -> Trend:
    """Count `query` over the index's speeches, bucket by bucket.

    Args:
        index: an opened index.
        query: a term (exact) or a directive in plain Chinese (semantic).
        by: "year", "place" or "speech".
        exact: count occurrences of the query itself instead of the sentences that answer it.
        filters: speech ids, since/until, place choose the speeches; section, kind and
            strength choose which sentences' mentions count.
        threshold: semantic mode: what a hit must reach (default: resources/trend.json).

    Returns:
        A Trend whose buckets are in key order, each with its best quote.

    Raises:
        GovSpeechError: an unknown `by`, or an empty query.
    """
    if by not in BYS:
        raise GovSpeechError(f"unknown --by {by!r} (use {', '.join(BYS)})")
    if not query or not query.strip():
        raise GovSpeechError("empty query")
    filters = filters or Filters()
    speeches = _speeches(index, filters, by)
    threshold = None if exact else (threshold or default_threshold(index.manifest["encoder"]["spec"]))
    mentions = (_exact_mentions(index, query, speeches, filters) if exact
                else _semantic_mentions(index, query, speeches, filters, threshold))
    mentions.sort(key=lambda m: (_order(m.key), m.date or "", m.speech_id,
                                 m.citation.start if m.citation else -1, m.match_start or 0))
    groups: dict[str, list[_Speech]] = {}
    for s in speeches:
        groups.setdefault(s.key, []).append(s)
    said: dict[str, list[Mention]] = {}
    for m in mentions:
        said.setdefault(m.key, []).append(m)
    buckets = []
    for key in sorted(groups, key=_order):
        members, found = groups[key], said.get(key, [])
        chars = sum(s.chars for s in members)
        buckets.append(Bucket(key, len(members), chars, len(found), PER * len(found) / chars if chars else 0.0,
                              _strongest(found), _best(found, exact), members[0].title if by == "speech" else None))
    return Trend(query, by, exact, tuple(buckets), _first_seen(mentions, speeches), threshold,
                 filters.describe(), tuple(mentions))
