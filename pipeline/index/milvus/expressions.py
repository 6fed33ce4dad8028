"""milvus.expressions: Milvus boolean expressions — string and list literals, and the
one translation of filter conditions (pipeline/index/filters.py) into an expression."""

from __future__ import annotations

from typing import Iterable, Sequence

from ...model import Filters
from ..filters import (DATE, KIND, MEETING, PLACE, SECTION, SPEECH_ID, STRENGTH, TITLE, YEAR, Condition, Contains,
                       DateBound, OneOf, StartsWith, conditions)

def quote(value: str) -> str:
    """A Milvus string literal."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def like_literal(value: str, prefix: bool = False) -> str:
    """A LIKE pattern matching `value` literally inside a field (or at its start)."""
    escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return quote(f"{escaped}%" if prefix else f"%{escaped}%")


def strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(quote(v) for v in values) + "]"


def ints(values: Iterable[int]) -> str:
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


# the filter fields (pipeline/index/filters.py) as fields of the units collection
# (schema.py: the speech's date, year, place, title and meeting are copied into each unit;
# a missing date is "", a missing year -1)
FIELDS = {SPEECH_ID: "speech_id", KIND: "kind", STRENGTH: "strength", SECTION: "section_key", DATE: "date",
          YEAR: "year", PLACE: "place", TITLE: "title", MEETING: "meeting"}


def expression(conds: Sequence[Condition]) -> str | None:
    """Filter conditions → a Milvus boolean expression over the units collection (None:
    no condition)."""
    parts = []
    for c in conds:
        if isinstance(c, OneOf):
            parts.append(f"{FIELDS[c.field]} in {strings(c.values)}")
        elif isinstance(c, Contains):
            pattern = like_literal(c.text)
            parts.append("(" + " or ".join(f"{FIELDS[f]} like {pattern}" for f in c.fields) + ")")
        elif isinstance(c, StartsWith):
            parts.append(f"{FIELDS[c.field]} like {like_literal(c.text, prefix=True)}")
        elif isinstance(c, DateBound):
            op = ">=" if c.after else "<="
            date, year = FIELDS[DATE], FIELDS[YEAR]
            parts.append(f'(({date} != "" and {date} {op} {quote(c.date)}) or '
                         f'({date} == "" and {year} >= 0 and {year} {op} {int(c.year)}))')
        else:
            raise TypeError(f"no Milvus expression for filter condition {c!r}")
    return " and ".join(parts) or None


def filter_expression(filters: Filters) -> str | None:
    """Filters → a Milvus boolean expression over the units collection (None: no filter)."""
    return expression(conditions(filters))
