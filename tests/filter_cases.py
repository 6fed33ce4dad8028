"""Filters of every kind, and the rows each should select by the one definition of what
a filter means (pipeline/index/filters.py), for the stores' translations to match."""

from __future__ import annotations

from typing import Iterable

from pipeline.index.filters import matches
from pipeline.model import Filters, Unit

CASES = [
    Filters(speech=("safety_2019",)), Filters(speech=("ecology_2021", "no-such-speech")),
    Filters(since="2020"), Filters(since="2021-03-02"), Filters(since="2019-06"),
    Filters(until="2021"), Filters(until="2021-02"), Filters(until="2021-03"), Filters(until="2021-03-01"),
    Filters(until="2019-12-31"),
    Filters(place="河南"), Filters(place="安全生产"), Filters(place="营商"),
    Filters(place='100%_"市\\'), Filters(place="%"), Filters(place="_"),   # wildcards are matched literally
    Filters(kind=("directive",)), Filters(kind=("heading", "target")), Filters(strength="mandatory"),
    Filters(strength="advisory"), Filters(section="二"), Filters(section="一（四）"), Filters(section="二(一)"),
    Filters(since="2019", until="2021", kind=("directive",), strength="advisory", section="二"),
]


def reference_rows(units: Iterable[Unit], speeches: Iterable[dict], filters: Filters) -> set[int]:
    """The rows of these units (of these speeches) that pass the filters, by filters.matches."""
    speeches = {s["id"]: s for s in speeches}
    out = set()
    for u in units:
        s = speeches[u.speech_id]
        row = {"speech_id": u.speech_id, "kind": u.kind, "strength": u.strength, "section": "".join(u.section_path),
               "date": s["date"], "year": s["year"], "place": s["place"], "title": s["title"], "meeting": s["meeting"]}
        if matches(filters, row):
            out.add(u.row)
    return out
