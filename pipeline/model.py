"""The shared vocabulary: frozen dataclasses that flow between the stages.

Offsets are half-open character offsets into `Speech.text` (the clean text);
`Speech.to_raw` maps them back to character offsets of the loaded raw text.
Every `text` field of a unit is exactly `speech.text[span.start:span.end]`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterator, Sequence


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start

    def __contains__(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class Meta:
    """What the title and the first lines say about the speech. Unknown fields are None."""

    date: str | None = None          # ISO date, e.g. "2020-02-12"
    year: int | None = None
    level: str | None = None         # 全市 / 全省 / 全国 …
    meeting: str | None = None       # 全市巩固拓展…工作会议
    kind: str | None = None          # 讲话 / 报告 / 致辞 …
    place: str | None = None
    speaker: str | None = None
    salutation: str | None = None    # 同志们
    source: str | None = None        # the file it was read from
    format: str | None = None        # txt / html / docx / pdf
    encoding: str | None = None
    truncated: bool = False          # the text stops mid-sentence


@dataclass(frozen=True)
class Section:
    """A node of the heading tree: 一、 (level 1) > （一） > 1. > （1）, or 第一，"""

    path: tuple[str, ...]            # ("二", "（一）"); () is the whole speech
    level: int
    label: str                       # "二" or "（一）"
    title: str                       # the heading text without its label or final 。
    span: Span                       # from the heading to the end of the section
    heading_span: Span | None        # the heading sentence itself (label included)
    paragraph_numbers: tuple[int, ...]  # paragraphs directly in this section
    children: tuple["Section", ...] = ()

    def walk(self) -> Iterator["Section"]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Paragraph:
    id: str                          # "<speech>#p<n>"
    number: int                      # 1-based, reading order
    section_path: tuple[str, ...]
    span: Span
    text: str
    kind: str = "body"               # body / heading / salutation
    truncated: bool = False


@dataclass(frozen=True)
class Sentence:
    id: str                          # "<speech>#p<n>s<m>"
    paragraph_id: str
    paragraph_number: int
    section_path: tuple[str, ...]
    span: Span
    text: str
    kind: str = "statement"          # heading / directive / target / statement
    strength: str | None = None      # mandatory / advisory, for directives and targets
    cues: tuple[str, ...] = ()       # the cue words that made it a directive (必须, 要 …)
    actors: tuple[str, ...] = ()     # 县乡, 行业部门 …
    targets: tuple[str, ...] = ()    # 高于全市农民平均水平, 今年 …
    truncated: bool = False


@dataclass(frozen=True)
class Citation:
    speech_id: str
    title: str
    section_path: tuple[str, ...]
    paragraph: int
    start: int
    end: int
    raw_start: int
    raw_end: int
    text: str

    def label(self) -> str:
        """`二（一）¶12`: where the quote sits, as a reader would say it."""
        return f"{''.join(self.section_path)}¶{self.paragraph}"

    def __str__(self) -> str:
        return f"《{self.title}》{''.join(self.section_path)} ¶{self.paragraph} [{self.start}:{self.end}]"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["section_path"] = list(self.section_path)
        return d


@dataclass(frozen=True, eq=False)
class Speech:
    id: str
    title: str
    meta: Meta
    text: str                        # clean text
    raw_text: str                    # the loaded text, before cleaning
    offsets: Sequence[int] = field(repr=False)  # raw offset of every clean character
    sections: tuple[Section, ...]    # top-level sections; text before the first heading is in none
    paragraphs: tuple[Paragraph, ...]
    sentences: tuple[Sentence, ...]
    title_span: Span | None = None

    def to_raw(self, span: Span) -> Span:
        """Map a clean-text span to the raw-text characters it came from."""
        if span.end <= span.start:
            at = self.offsets[span.start] if span.start < len(self.offsets) else len(self.raw_text)
            return Span(at, at)
        return Span(self.offsets[span.start], self.offsets[span.end - 1] + 1)

    def paragraph(self, number: int) -> Paragraph:
        if not 1 <= number <= len(self.paragraphs):
            raise KeyError(f"paragraph {number} not in 1..{len(self.paragraphs)}")
        return self.paragraphs[number - 1]

    def walk_sections(self) -> Iterator[Section]:
        for section in self.sections:
            yield from section.walk()

    def section(self, path: Sequence[str]) -> Section:
        for section in self.walk_sections():
            if section.path == tuple(path):
                return section
        raise KeyError(f"no section {''.join(path)}")

    def sentences_in(self, paragraph: Paragraph) -> list[Sentence]:
        return [s for s in self.sentences if s.paragraph_id == paragraph.id]

    def citation(self, unit: Paragraph | Sentence | Span) -> Citation:
        """The citation of a paragraph, a sentence, or any span inside one paragraph."""
        if isinstance(unit, Span):
            span = unit
            paragraph = next((p for p in self.paragraphs if span in p.span), None)
            if paragraph is None:
                raise ValueError(f"span {span} lies in no single paragraph")
        else:
            span = unit.span
            paragraph = unit if isinstance(unit, Paragraph) else self.paragraphs[unit.paragraph_number - 1]
        raw = self.to_raw(span)
        return Citation(
            speech_id=self.id,
            title=self.title,
            section_path=paragraph.section_path,
            paragraph=paragraph.number,
            start=span.start,
            end=span.end,
            raw_start=raw.start,
            raw_end=raw.end,
            text=self.text[span.start:span.end],
        )


# -- what the index stores and search returns --------------------------------------

UNIT_KINDS = ("heading", "statement", "directive", "target")
STRENGTHS = ("mandatory", "advisory")


@dataclass(frozen=True)
class Unit:
    """One indexed sentence as the store holds it: everything a hit and its citation need."""

    row: int
    id: str
    speech_id: str
    title: str
    paragraph: int
    kind: str
    strength: str | None
    section_path: tuple[str, ...]
    section_title: str
    start: int
    end: int
    raw_start: int
    raw_end: int
    text: str
    actors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()

    def citation(self) -> Citation:
        return Citation(self.speech_id, self.title, self.section_path, self.paragraph, self.start, self.end,
                        self.raw_start, self.raw_end, self.text)


@dataclass(frozen=True)
class Hit:
    """A search result: a sentence of a speech with its citation."""

    rank: int
    score: float
    kind: str                  # heading / statement / directive / target
    strength: str | None
    actors: tuple[str, ...]
    targets: tuple[str, ...]
    citation: Citation
    row: int
    before: tuple[str, ...] = ()   # neighbouring sentences (--context); after a heading or question: its answer
    after: tuple[str, ...] = ()
    match_start: int | None = None     # the clause that matched best, offsets in the speech's clean text
    match_end: int | None = None       # (inside citation.start … citation.end); None: the whole sentence
    also_in: tuple[Citation, ...] = ()   # the same sentence in other places (reposts), collapsed into this hit

    def to_dict(self) -> dict:
        d = {"rank": self.rank, "score": round(float(self.score), 6), "kind": self.kind, "strength": self.strength,
             "actors": list(self.actors), "targets": list(self.targets), **self.citation.to_dict(),
             "match_start": self.match_start, "match_end": self.match_end,
             "also_in": [c.to_dict() for c in self.also_in]}
        if self.before or self.after:
            d["context_before"], d["context_after"] = list(self.before), list(self.after)
        return d


def _year_of(value: str, name: str) -> int:
    """2020, 2020-03 or 2020-03-01 → 2020; anything else is a usage error."""
    import re

    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        from .errors import GovSpeechError

        raise GovSpeechError(f"--{name}: not a date: {value!r} (use 2020 or 2020-03-01)")
    return int(value[:4])


@dataclass(frozen=True)
class Filters:
    """What a search may return. Checked when made, so a misspelt kind or strength
    fails before any work instead of returning a silent []."""

    speech: Sequence[str] = ()     # speech ids
    since: str | None = None       # ISO date or year, inclusive
    until: str | None = None
    place: str | None = None       # substring of the speech's place, title or meeting
    section: str | None = None     # a section path prefix such as "二" or "二（一）"
    kind: Sequence[str] = ()       # heading / statement / directive / target
    strength: str | None = None    # mandatory / advisory

    def __post_init__(self) -> None:
        from .errors import GovSpeechError

        for name in ("speech", "kind"):
            value = getattr(self, name)
            if isinstance(value, str):   # Filters(kind="directive") means one kind, not nine letters
                object.__setattr__(self, name, (value,))
        bad = [k for k in self.kind if k not in UNIT_KINDS]
        if bad:
            raise GovSpeechError(f"unknown kind {', '.join(map(repr, bad))} (use {', '.join(UNIT_KINDS)})")
        if self.strength is not None and self.strength not in STRENGTHS:
            raise GovSpeechError(f"unknown strength {self.strength!r} (use {', '.join(STRENGTHS)})")
        for name in ("since", "until"):
            if getattr(self, name):
                _year_of(getattr(self, name), name)

    def empty(self) -> bool:
        return not (self.speech or self.since or self.until or self.place or self.section or self.kind or self.strength)

    def describe(self) -> str:
        """`place=河南, since=2020`: the filters given, as a user typed them."""
        parts = []
        for name in ("speech", "since", "until", "place", "section", "kind", "strength"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}={','.join(value) if isinstance(value, (tuple, list)) else value}")
        return ", ".join(parts)

    @staticmethod
    def section_label(section: str) -> str:
        """二(一) / 二、（一） / 二（一） → 二（一）, the form section paths are stored in."""
        return section.replace("(", "（").replace(")", "）").replace("、", "").replace(" ", "")


SEARCH_MODES = ("hybrid", "dense", "bm25")
MAX_QUERY_CHARS = 2000        # a question is a sentence or two; a pasted page is not a query


@dataclass(frozen=True)
class SearchOptions:
    """How one search runs: everything but the index and the query. Checked when made,
    so a bad value fails before any work, naming itself.

    `pipeline.Index.search(query, k=…, mode=…, …)` builds one from its keyword arguments;
    pipeline.search.search takes it whole.
    """

    k: int = 10                         # hits to return
    mode: str = "hybrid"                # hybrid / dense / bm25
    filters: Filters = Filters()
    rerank: str | None = None           # "st:NAME" of a cross-encoder, run after the ranking
    context: int = 0                    # neighbouring sentences attached before and after each hit
    candidates: int | None = None       # how deep each retriever looks (default max(50, 5k))
    literal: bool = False               # no understanding, no clauses, no learned ranking
    understand: bool = True             # read places, years and the quantity asked for
    clauses: bool = True                # score a long sentence by its best clause too
    collapse: bool = True               # one hit per distinct sentence text, reposts in also_in
    fusion: str = "zscore"              # with literal: zscore / minmax / rrf
    dense_weight: float = 0.8           # with literal: the dense side's share
    quantity_prior: float = 1.0         # with literal: bonus for a number when one is asked for
    ranker: object = None               # a rank.Ranker or the path of a weights file (default: resources/ranker.json)

    def __post_init__(self) -> None:
        from .errors import GovSpeechError

        if isinstance(self.filters, dict):      # Filters(**a dict) for callers from JSON
            object.__setattr__(self, "filters", Filters(**self.filters))
        elif self.filters is None:
            object.__setattr__(self, "filters", Filters())
        elif not isinstance(self.filters, Filters):
            raise GovSpeechError(f"filters must be a Filters or a dict, not {type(self.filters).__name__}")
        if self.mode not in SEARCH_MODES:
            raise GovSpeechError(f"unknown search mode {self.mode!r} ({', '.join(SEARCH_MODES)})")
        for name, low in (("k", 1), ("context", 0), ("candidates", 1)):
            value = getattr(self, name)
            if value is None and name == "candidates":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise GovSpeechError(f"{name} must be a whole number ≥ {low}, not {value!r}")


def check_query(query: str) -> str:
    """The query, stripped; a one-line error when it is empty or longer than MAX_QUERY_CHARS."""
    from .errors import GovSpeechError

    if not isinstance(query, str) or not query.strip():
        raise GovSpeechError("empty query")
    if len(query) > MAX_QUERY_CHARS:
        raise GovSpeechError(f"query too long: {len(query):,} characters (at most {MAX_QUERY_CHARS:,}; "
                             "ask a question, not a page)")
    return query
