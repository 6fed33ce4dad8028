"""result: the frozen values a comparison returns, and their JSON shape.

Every quote is a `Citation` (the keys a search hit carries, `text` exactly the
speech's text between `start` and `end`), so each side of each change can be opened
at its paragraph.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Citation

SECTION_STATUSES = ("kept", "reworded", "new", "dropped")
TARGET_CHANGES = ("raised", "lowered", "unchanged", "reworded", "new", "dropped")
STRENGTH_LEVELS = ("encourage", "advise", "require", "forbid")   # resources/strength_levels.txt, weakest first


@dataclass(frozen=True)
class SpeechRef:
    """Which speech a side is (or which speech of the index uses a term): enough to name it
    and link to it."""

    speech_id: str
    title: str
    date: str | None
    year: int | None

    def to_dict(self) -> dict:
        return {"speech_id": self.speech_id, "title": self.title, "date": self.date, "year": self.year}


@dataclass(frozen=True)
class SectionPair:
    """One section of either speech, aligned with its counterpart (None when it has none)."""

    old: str | None                  # the section title
    new: str | None
    old_path: tuple[str, ...] | None
    new_path: tuple[str, ...] | None
    level: int
    status: str                      # kept / reworded / new / dropped
    similarity: float                # 0..1: title and content together
    old_citation: Citation | None    # the heading
    new_citation: Citation | None

    def to_dict(self) -> dict:
        return {"old": self.old, "new": self.new, "old_path": _path(self.old_path), "new_path": _path(self.new_path),
                "level": self.level, "status": self.status, "similarity": round(self.similarity, 3),
                "old_citation": _cite(self.old_citation), "new_citation": _cite(self.new_citation)}


@dataclass(frozen=True)
class TargetSide:
    """A target as one speech writes it: `value` as written (6.5%－7%), `text` the
    words that state it (国内生产总值增长6.5%－7%), `citation` the sentence."""

    value: str
    text: str
    start: int                       # `text` is speech.text[start:end]
    end: int
    citation: Citation

    def to_dict(self) -> dict:
        return {"value": self.value, "text": self.text, "start": self.start, "end": self.end,
                "citation": self.citation.to_dict()}


@dataclass(frozen=True)
class TargetChange:
    indicator: str
    change: str                      # raised / lowered / unchanged / reworded / new / dropped
    old: TargetSide | None
    new: TargetSide | None
    known: bool                      # the indicator is in resources/indicators.tsv (else named by its words)

    def to_dict(self) -> dict:
        return {"indicator": self.indicator, "change": self.change, "known_indicator": self.known,
                "old": self.old.to_dict() if self.old else None, "new": self.new.to_dict() if self.new else None}


@dataclass(frozen=True)
class TermChange:
    """A formulation one side uses and the other never does (not even inside a longer word)."""

    term: str
    score: float                     # notability, higher first
    count: int                       # times the side that has it uses it
    quoted: bool                     # written in quotation marks (“放管服”)
    citation: Citation               # the first sentence that carries it
    first_seen: SpeechRef | None = None     # the earliest speech of the index using it (new terms, with an index)
    last_seen: SpeechRef | None = None      # the latest speech before the new one using it: a term back after years
    returning: bool = False              # used in the index before the old speech: back, not new

    def to_dict(self) -> dict:
        return {"term": self.term, "score": round(self.score, 3), "count": self.count, "quoted": self.quoted,
                "citation": self.citation.to_dict(),
                "first_seen": self.first_seen.to_dict() if self.first_seen else None,
                "last_seen": self.last_seen.to_dict() if self.last_seen else None, "returning": self.returning}


@dataclass(frozen=True)
class StrengthChange:
    """The same directive topic stated at two strengths (要 → 必须, 鼓励 → 严禁)."""

    topic: tuple[str, ...]           # the content words both sentences share, most telling first
    old_strength: str                # encourage / advise / require / forbid
    new_strength: str
    old_cues: tuple[str, ...]
    new_cues: tuple[str, ...]
    similarity: float
    old: Citation
    new: Citation

    @property
    def direction(self) -> str:
        up = STRENGTH_LEVELS.index(self.new_strength) > STRENGTH_LEVELS.index(self.old_strength)
        return "hardened" if up else "softened"

    def to_dict(self) -> dict:
        return {"topic": list(self.topic), "direction": self.direction, "old_strength": self.old_strength,
                "new_strength": self.new_strength, "old_cues": list(self.old_cues), "new_cues": list(self.new_cues),
                "similarity": round(self.similarity, 3), "old": self.old.to_dict(), "new": self.new.to_dict()}


@dataclass(frozen=True)
class Comparison:
    """What changed from `old` to `new`."""

    old: SpeechRef
    new: SpeechRef
    sections: tuple[SectionPair, ...]
    targets: tuple[TargetChange, ...]           # changed first (raised, lowered, reworded, new, dropped), then unchanged
    new_terms: tuple[TermChange, ...]            # most notable first
    dropped_terms: tuple[TermChange, ...]
    strength_changes: tuple[StrengthChange, ...]
    first_seen_from: str | None = None           # the index first_seen was looked up in

    def changed_targets(self) -> list[TargetChange]:
        return [t for t in self.targets if t.change != "unchanged"]

    def has_changes(self) -> bool:
        """Anything at all differs (a speech compared with itself has none)."""
        return bool(self.changed_targets() or self.new_terms or self.dropped_terms or self.strength_changes
                    or any(s.status != "kept" for s in self.sections))

    def to_dict(self) -> dict:
        return {"old": self.old.to_dict(), "new": self.new.to_dict(),
                "sections": [s.to_dict() for s in self.sections],
                "targets": [t.to_dict() for t in self.targets],
                "new_terms": [t.to_dict() for t in self.new_terms],
                "dropped_terms": [t.to_dict() for t in self.dropped_terms],
                "strength_changes": [s.to_dict() for s in self.strength_changes],
                "first_seen_from": self.first_seen_from}


def _path(path: tuple[str, ...] | None) -> list[str] | None:
    return list(path) if path is not None else None


def _cite(citation: Citation | None) -> dict | None:
    return citation.to_dict() if citation else None
