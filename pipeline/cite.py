"""cite: a citation as a reference for a paper or a memo, in GB/T 7714-2015 or CSL-JSON.

    [1] 2019年中华人民共和国国务院政府工作报告[R]. 2019: 第21段.        (gbt7714)
    {"id": "national_work_reports-4-p21", "type": "report", "locator": "21", …}   (csl-json)

Pure functions over a `Citation` (which paragraph, which quote) and a `Source` (what
is known about the speech: date or year, kind, speaker), so the CLI, the server, the
MCP server and `Hit.cite` make the same references. One reference per cited paragraph:
two hits in one paragraph cite it once. The document type (报告 → [R] / report,
讲话 → [Z] / speech …) is read from resources/citation_types.tsv.

This module imports nothing from the package but its errors (model.Hit.cite calls it),
so it sits beside model.py in the layers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping, Protocol, Sequence

from .errors import GovSpeechError


class Citation(Protocol):
    """What a reference reads of a model.Citation (named here, not imported: model imports this module)."""

    speech_id: str
    title: str
    section_path: Sequence[str]
    paragraph: int
    start: int
    end: int
    raw_start: int
    raw_end: int
    text: str

STYLES = ("gbt7714", "csl-json")
_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_TRAILING_NOTE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")     # 讲话（2018年2月12日）, 报告 (一大)


@dataclass(frozen=True)
class Source:
    """What a reference says about a speech beyond the quote. Unknown fields are None."""

    date: str | None = None        # ISO date, "2023-03-05"
    year: int | None = None
    kind: str | None = None        # 讲话 / 政府工作报告 … (Meta.kind)
    speaker: str | None = None
    place: str | None = None
    meeting: str | None = None

    @classmethod
    def of(cls, meta: "Source | Mapping[str, Any] | Any | None") -> "Source":
        """From a Speech or its `Meta`, an index's stored speech record (a dict), or None."""
        if meta is None or isinstance(meta, Source):
            return meta or cls()
        if not isinstance(meta, Mapping) and hasattr(meta, "meta"):     # a Speech
            meta = meta.meta
        get = meta.get if isinstance(meta, Mapping) else lambda name: getattr(meta, name, None)
        year = get("year")
        return cls(date=get("date") or None, year=int(year) if year not in (None, "") else None, kind=get("kind") or None,
                   speaker=get("speaker") or None, place=get("place") or None, meeting=get("meeting") or None)

    def when(self) -> tuple[int, ...]:
        """(2023, 3, 5) from the date, else (2019,) from the year, else ()."""
        match = _DATE.fullmatch(self.date or "")
        if match:
            return tuple(int(g) for g in match.groups() if g)
        return (self.year,) if self.year else ()


@lru_cache(maxsize=1)
def _types() -> tuple[tuple[str, str, str], ...]:
    text = (resources.files("pipeline") / "resources" / "citation_types.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple((ending, code, csl) for ending, code, csl in rows)


def document_type(title: str, kind: str | None) -> tuple[str, str]:
    """(GB/T 7714 code, CSL type) of a text: by how its title ends (…的讲话, …工作报告),
    else by its kind; [Z] / document when neither says."""
    for name in (_TRAILING_NOTE.sub("", title or ""), kind or ""):
        for ending, code, csl in _types():
            if name and name.endswith(ending):
                return code, csl
    return "Z", "document"


def _title(citation: "Citation") -> str:
    return citation.title or citation.speech_id


def gbt7714(citation: "Citation", source: "Source | Mapping | Any | None" = None, number: int | None = 1) -> str:
    """One GB/T 7714-2015 reference line: `[n] 主要责任者. 题名[文献类型标识]. 日期: 第N段.`

    The author is the speaker when known; the date is the speech's date when known, else
    its year; the locator is the paragraph (speeches have no pages). `number=None`: the
    entry without its `[n] ` (what a "copy citation" button copies into a list of one's own)."""
    source = Source.of(source)
    code, _ = document_type(citation.title, source.kind)
    when = source.date if _DATE.fullmatch(source.date or "") else (str(source.year) if source.year else "")
    author = f"{source.speaker}. " if source.speaker else ""
    where = f"{when}: 第{citation.paragraph}段." if when else f"第{citation.paragraph}段."
    return f"{f'[{number}] ' if number is not None else ''}{author}{_title(citation)}[{code}]. {where}"


def csl_id(citation: "Citation") -> str:
    """`reports-1-p21`: the speech id and the paragraph, one id per cited paragraph."""
    return f"{citation.speech_id}-p{citation.paragraph}"


def csl_item(citation: "Citation", source: "Source | Mapping | Any | None" = None) -> dict:
    """One CSL-JSON item (what Zotero, Pandoc and citeproc read) for the cited paragraph.

    Standard CSL variables where CSL has one (type, title, author, issued, event-title,
    event-place, note, language); the paragraph as `locator` (label `paragraph`) and as
    第N段 in `note`; the speech id, section path, spans and quote under `custom`."""
    source = Source.of(source)
    _, csl_type = document_type(citation.title, source.kind)
    item: dict[str, Any] = {"id": csl_id(citation), "type": csl_type, "title": _title(citation), "language": "zh-CN"}
    if source.speaker:
        item["author"] = [{"literal": source.speaker}]
    when = source.when()
    if when:
        item["issued"] = {"date-parts": [list(when)]}
    if source.meeting:
        item["event-title"] = source.meeting
    if source.place:
        item["event-place"] = source.place
    item["locator"] = str(citation.paragraph)
    item["label"] = "paragraph"
    item["note"] = f"第{citation.paragraph}段"
    item["custom"] = {"speech_id": citation.speech_id, "paragraph": citation.paragraph,
                      "section_path": list(citation.section_path), "start": citation.start, "end": citation.end,
                      "raw_start": citation.raw_start, "raw_end": citation.raw_end, "quote": citation.text}
    return item


def cite(citation: "Citation", style: str, source: "Source | Mapping | Any | None" = None,
         number: int | None = 1) -> str | dict:
    """The citation in one style: a GB/T 7714 line (str) or a CSL-JSON item (dict)."""
    if style == "gbt7714":
        return gbt7714(citation, source, number)
    if style == "csl-json":
        return csl_item(citation, source)
    raise GovSpeechError(f"unknown citation style {style!r} (use {', '.join(STYLES)})")


def references(cited: Iterable[tuple["Citation", "Source | Mapping | Any | None"]], style: str) -> list:
    """A reference list: one entry per cited paragraph, in the order first cited, numbered
    [1], [2] … in GB/T 7714."""
    if style not in STYLES:
        raise GovSpeechError(f"unknown citation style {style!r} (use {', '.join(STYLES)})")
    seen: dict[tuple[str, int], tuple] = {}
    for citation, source in cited:
        seen.setdefault((citation.speech_id, citation.paragraph), (citation, source))
    return [cite(c, style, s, number=n) for n, (c, s) in enumerate(seen.values(), start=1)]
