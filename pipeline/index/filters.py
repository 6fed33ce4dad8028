"""filters: what a `Filters` value means, written once, as conditions over one indexed
sentence and its speech. Each backend translates the conditions into its own query
language (rows.sql_where for SQLite, milvus/expressions.py for Milvus); `matches`
evaluates them in Python, the reference both translations are tested against (and
all a backend without a query language needs).

    speech=ids           the sentence's speech is one of them
    since / until        a dated speech by its date; an undated one by its year (a
                         speech known only by its year is inside a range touching it)
    place=TEXT           TEXT occurs literally in the speech's place, title or meeting
    section=二（一）      the sentence's section path, its labels joined, starts with it
    kind=…, strength=…   the sentence's own kind / strength is one of them
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..model import Filters

# The fields a condition names: a sentence's own, then its speech's.
SPEECH_ID, KIND, STRENGTH, SECTION = "speech_id", "kind", "strength", "section"
DATE, YEAR, PLACE, TITLE, MEETING = "date", "year", "place", "title", "meeting"
FIELDS = (SPEECH_ID, KIND, STRENGTH, SECTION, DATE, YEAR, PLACE, TITLE, MEETING)


@dataclass(frozen=True)
class OneOf:
    """The field's value is one of `values`."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Contains:
    """`text` occurs, literally (no wildcards), in at least one of `fields`."""

    fields: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class StartsWith:
    """The field's value starts with `text`."""

    field: str
    text: str


@dataclass(frozen=True)
class DateBound:
    """A speech with a date: date >= `date` (after) or <= it (not after); a speech without
    one (None or ""): its year is known and >= `year` (or <= it)."""

    date: str
    year: int
    after: bool


Condition = OneOf | Contains | StartsWith | DateBound


def last_day(value: str) -> str:
    """The latest ISO date a `until` value covers: 2019 → 2019-12-31, 2019-02 → 2019-02-31
    (no month has more; dates compare as strings), a full date itself."""
    return value + ("-12-31" if len(value) == 4 else "-31" if len(value) == 7 else "")


def conditions(filters: Filters) -> tuple[Condition, ...]:
    """The filters as conditions, all of which a sentence must meet (none: every sentence)."""
    out: list[Condition] = []
    if filters.speech:
        out.append(OneOf(SPEECH_ID, tuple(filters.speech)))
    if filters.since:
        out.append(DateBound(filters.since, int(filters.since[:4]), after=True))
    if filters.until:
        out.append(DateBound(last_day(filters.until), int(filters.until[:4]), after=False))
    if filters.place:
        out.append(Contains((PLACE, TITLE, MEETING), filters.place))
    if filters.kind:
        out.append(OneOf(KIND, tuple(filters.kind)))
    if filters.strength:
        out.append(OneOf(STRENGTH, (filters.strength,)))
    if filters.section:
        out.append(StartsWith(SECTION, Filters.section_label(filters.section)))
    return tuple(out)


def section_key(section_path: str) -> str:
    """A stored section path (a JSON list of labels) as the SECTION field: the labels
    joined, 二（一）, which a section filter is a prefix of."""
    return "".join(json.loads(section_path)) if section_path else ""


def meets(condition: Condition, row: dict) -> bool:
    """Whether one sentence (a dict of FIELDS; missing values None) meets one condition."""
    if isinstance(condition, OneOf):
        return row.get(condition.field) in condition.values
    if isinstance(condition, Contains):
        return any(condition.text in (row.get(f) or "") for f in condition.fields)
    if isinstance(condition, StartsWith):
        return (row.get(condition.field) or "").startswith(condition.text)
    date, year = row.get(DATE) or "", row.get(YEAR)
    if date:
        return date >= condition.date if condition.after else date <= condition.date
    if year is None:
        return False
    return year >= condition.year if condition.after else year <= condition.year


def matches(filters: Filters, row: dict) -> bool:
    """Whether one sentence passes the filters: the reference meaning of a filter."""
    return all(meets(c, row) for c in conditions(filters))
