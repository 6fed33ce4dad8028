"""markdown: a comparison as a memo an analyst can paste (`govspeech compare --markdown`).

Sections in the new speech's order (a dropped section where the old speech had it);
under each, every change that sits in it as a bullet: targets, new and dropped
formulations, strength changes, each with its quotes and their paragraph citations.
"""

from __future__ import annotations

from ..model import Citation
from .result import Comparison, SectionPair

_CHANGE_WORDS = {"raised": "raised", "lowered": "lowered", "unchanged": "unchanged", "reworded": "reworded",
                 "new": "new", "dropped": "dropped"}


def _where(c: Citation) -> str:
    return f"{''.join(c.section_path) or '—'} ¶{c.paragraph}"


def _quote(c: Citation) -> str:
    return f"“{c.text}” ({_where(c)})"


def to_markdown(result: Comparison) -> str:
    old, new = result.old, result.new
    lines = [f"# {old.title} → {new.title}", "",
             f"`{old.speech_id}` → `{new.speech_id}`. Quotes cite section and paragraph (¶) of each speech.", ""]
    top = [s for s in result.sections if s.level == 1]
    # which top-level heading each item goes under: the new side's section, else the old side's aligned one
    old_to_new = {s.old_path: s.new_path for s in top if s.old_path and s.new_path}
    buckets: dict[tuple, list[str]] = {}

    def put(new_cite: Citation | None, old_cite: Citation | None, line: str) -> None:
        if new_cite is not None:
            key = ("new", new_cite.section_path[:1])
        else:
            path = old_cite.section_path[:1]
            key = ("new", old_to_new[path]) if path in old_to_new else ("old", path)
        buckets.setdefault(key, []).append(line)

    for t in result.targets:
        if t.change == "unchanged":
            continue
        o = f"{t.old.value}" if t.old else "—"
        n = f"{t.new.value}" if t.new else "—"
        quotes = "; ".join(q for q in ((f"old {_quote(t.old.citation)}" if t.old else ""),
                                       (f"new {_quote(t.new.citation)}" if t.new else "")) if q)
        put(t.new.citation if t.new else None, t.old.citation if t.old else None,
            f"- **Target {t.indicator}**: {o} → {n} ({_CHANGE_WORDS[t.change]}). {quotes}")
    for term in result.new_terms:
        back = ""
        if term.returning and term.first_seen:
            back = f" — back: first used in {term.first_seen.title}"
        elif term.first_seen and term.first_seen.speech_id != new.speech_id:
            back = f" — first used in {term.first_seen.title}"
        put(term.citation, None, f"- **New formulation** {term.term}{back}: {_quote(term.citation)}")
    for term in result.dropped_terms:
        put(None, term.citation, f"- **Dropped formulation** {term.term}: {_quote(term.citation)}")
    for s in result.strength_changes:
        put(s.new, s.old, f"- **Strength {s.direction}** ({s.old_strength} → {s.new_strength}, "
                          f"{'/'.join(s.old_cues)} → {'/'.join(s.new_cues)}): old {_quote(s.old)}; new {_quote(s.new)}")

    unchanged = [t for t in result.targets if t.change == "unchanged"]
    for s in top:
        lines.append(f"## {_heading(s)}")
        lines.append("")
        items = buckets.pop(("new", s.new_path), []) if s.new_path else []
        if s.old_path and not s.new_path:
            items = buckets.pop(("old", s.old_path), [])
        lines.extend(items or ["- no change found here"])
        lines.append("")
    rest = [line for items in buckets.values() for line in items]
    if rest:
        lines += ["## Outside the numbered sections", "", *rest, ""]
    if unchanged:
        lines += ["## Targets unchanged", "",
                  *[f"- {t.indicator}: {t.new.value} ({_where(t.new.citation)})" for t in unchanged], ""]
    return "\n".join(lines)


def _heading(s: SectionPair) -> str:
    label = "".join(s.new_path or s.old_path or ())
    if s.status == "kept":
        return f"{label}、{s.new}"
    if s.status == "reworded":
        return f"{label}、{s.new} (was: {s.old})"
    if s.status == "new":
        return f"{label}、{s.new} (new section)"
    return f"{label}、{s.old} (dropped section)"
