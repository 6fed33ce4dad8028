"""structure: clean text → a Speech (title, meta, section tree, paragraphs, sentences).

Every clean line is one unit: the title, front matter (date, speaker), the
salutation (同志们：), a standalone heading, or a body paragraph. A body paragraph
that opens with a marker such as （一） carries its heading as its first sentence
(a run-in heading). Headings nest by a stack of styles, so a document that starts
at （一） or uses 第一， works as well as one that starts at 一、.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from . import lexicon
from .headings import Marker, Style, match_marker
from .model import Meta, Paragraph, Section, Sentence, Span, Speech
from .text import CLOSERS, HAN_RANGE, PARAGRAPH_END, SENTENCE_END, all_han, cn_number, first_date, years_named

_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_END)}]")
MAX_HEADING = 80     # a run-in heading longer than this is body text that happens to start with 一、
MAX_QUOTE = 300      # a quote left open this long is a missing ” rather than a quoted passage


@dataclass
class _Open:
    """A section being built while its paragraphs are read."""

    marker: Marker
    path: tuple[str, ...]
    title: str
    start: int
    heading_span: Span
    paragraphs: list[int] = field(default_factory=list)
    children: list["_Open"] = field(default_factory=list)
    end: int = -1

    def freeze(self) -> Section:
        return Section(
            path=self.path,
            level=len(self.path),
            label=self.path[-1],
            title=self.title,
            span=Span(self.start, self.end),
            heading_span=self.heading_span,
            paragraph_numbers=tuple(self.paragraphs),
            children=tuple(c.freeze() for c in self.children),
        )


def structure(
    text: str,
    offsets,
    raw_text: str,
    speech_id: str,
    title: str | None = None,
    meta: Meta | None = None,
) -> Speech:
    """Build the Speech from clean text.

    Args:
        text: clean text, one unit per line.
        offsets: the clean→raw offset map from clean().
        raw_text: the loaded text (kept for to_raw quotes).
        speech_id: the id units are named after.
        title: a title the container states (HTML <title>), used when the text has none.
        meta: known metadata (source, format, encoding) to merge with what the text says.
    """
    lines = _lines(text)
    title_span = None
    if lines and _is_title(text[lines[0].start:lines[0].end]):
        title_span = lines.pop(0)
        title = text[title_span.start:title_span.end]
    title = title or ""

    # Lines between the title and a salutation that follows within a few lines are
    # front matter; those before any date or office line continue a title that
    # was broken across lines (Wikisource: 高举…旗帜 / 为…而奋斗 / ——在…上的报告).
    front_until = 0
    salutation_at = next((i for i, sp in enumerate(lines[:8]) if lexicon.salutation_at(text[sp.start:sp.end])), None)
    if title_span is not None and salutation_at:
        head = [text[sp.start:sp.end] for sp in lines[:salutation_at]]
        if all(len(h) <= 50 and h[-1] not in SENTENCE_END for h in head):
            front_until = salutation_at
            for h in head:
                if _front().match(h) or h.startswith(("——", "—", "（", "(")):
                    break
                title = f"{title} {h}"

    units: list[tuple[Span, str]] = []     # (span, kind) before heading analysis
    seen_body = False
    for n, span in enumerate(lines):
        line = text[span.start:span.end]
        if n < front_until:
            units.append((span, "front"))
            continue
        salutation = lexicon.salutation_at(line) if not seen_body else None
        if salutation:
            cut = span.start + salutation.end()
            units.append((Span(span.start, cut), "salutation"))
            if cut < span.end:
                units.append((Span(cut, span.end), "body"))
                seen_body = True
            continue
        if not seen_body and not units_have_body(units) and _is_front(line):
            units.append((span, "front"))
            continue
        units.append((span, "body"))
        seen_body = True

    paragraphs: list[Paragraph] = []
    sentences: list[Sentence] = []
    stack: list[_Open] = []
    roots: list[_Open] = []
    last_number: dict[str, int] = {}
    enumerations = _enumeration_items(text, units)
    topics = _topic_headings(text, units)
    enumeration_ends = _enumeration_ends(text, units, enumerations)
    used_paths: set[tuple[str, ...]] = set()
    for u, (span, kind) in enumerate(units):
        line = text[span.start:span.end]
        heading_end = None
        if kind == "body":
            marker = match_marker(line)
            if marker and _accept(marker, stack, last_number):
                heading_end = _heading_end(line, marker)
            elif marker is None and u in enumerations and _accept_enumeration(enumerations[u], stack, last_number):
                marker = enumerations[u]
                heading_end = _heading_end(line, marker)
            elif marker is None and u in topics:
                marker = _topic_under(topics[u], stack, line)
                heading_end = len(line)
        if heading_end is not None:
            path = tuple(o.marker.label for o in _popped(stack, marker)) + (marker.label,)
            if marker.style.name == ENUMERATION and path in used_paths:
                # a second 一是… series under the same heading: a list, not sections of the same name
                heading_end = None
        if heading_end is not None:
            heading = Span(span.start, span.start + heading_end)
            title_text = line[marker.length:heading_end].rstrip(SENTENCE_END + "：:").strip()
            remaining = _popped(stack, marker)
            for closed in stack[len(remaining):]:
                closed.end = span.start
            stack[:] = remaining
            path = tuple(o.marker.label for o in stack) + (marker.label,)
            used_paths.add(path)
            node = _Open(marker, path, title_text, span.start, heading)
            (stack[-1].children if stack else roots).append(node)
            stack.append(node)
            last_number[marker.style.name] = marker.number
            kind = "heading" if heading_end == len(line) else "body"
        number = len(paragraphs) + 1
        section_path = stack[-1].path if stack else ()
        pid = f"{speech_id}#p{number}"
        paragraph = Paragraph(pid, number, section_path, span, line, kind)
        if stack:
            stack[-1].paragraphs.append(number)
        pieces = _split_sentences(line)
        if heading_end is not None:
            pieces = [(0, heading_end)] + [(a, b) for a, b in _split_sentences(line[heading_end:], heading_end)]
        for i, (a, b) in enumerate(pieces, 1):
            is_heading = heading_end is not None and i == 1
            skind = "heading" if is_heading else ("statement" if kind == "body" else kind)
            sspan = Span(span.start + a, span.start + b)
            sentences.append(Sentence(f"{pid}s{i}", pid, number, section_path, sspan, text[sspan.start:sspan.end], skind))
        paragraphs.append(paragraph)
        if u in enumeration_ends and stack and stack[-1].marker.style.name == ENUMERATION:
            stack.pop().end = span.end
    closing = _closing_address(paragraphs)
    if closing is not None and stack:
        # 同志们！… after the last heading closes the speech: it sits at the top level
        for node in stack:
            node.paragraphs[:] = [n for n in node.paragraphs if n < paragraphs[closing].number]
            node.end = paragraphs[closing].span.start
        stack = []
        paragraphs[closing:] = [replace(p, section_path=()) for p in paragraphs[closing:]]
        sentences = [replace(x, section_path=()) if x.paragraph_number >= paragraphs[closing].number else x
                     for x in sentences]
    for node in stack:
        node.end = len(text)

    truncated = False
    if paragraphs and paragraphs[-1].kind == "body" and not _ends_complete(paragraphs[-1].text):
        truncated = True
        paragraphs[-1] = replace(paragraphs[-1], truncated=True)
        last = next(i for i in range(len(sentences) - 1, -1, -1) if sentences[i].paragraph_number == paragraphs[-1].number)
        sentences[last] = replace(sentences[last], truncated=True)

    front = " ".join(text[s.start:s.end] for s, k in units if k in ("front", "salutation"))
    salutation = next((text[s.start:s.end].rstrip("：:") for s, k in units if k == "salutation"), None)
    meta = _meta(title, front, text[:400], meta or Meta(), salutation, truncated, text[:OPENING])
    return Speech(
        id=speech_id,
        title=title,
        meta=meta,
        text=text,
        raw_text=raw_text,
        offsets=offsets,
        sections=tuple(r.freeze() for r in roots),
        paragraphs=tuple(paragraphs),
        sentences=tuple(sentences),
        title_span=title_span,
    )


def _closing_address(paragraphs: list[Paragraph]) -> int | None:
    """Index of the paragraph that opens the closing address: the last one after the last
    heading that starts with a salutation (同志们！ / 各位代表！), if the last section owns
    body text before it and is no closing section of its own (结束语). The last, not the
    first: work reports address 各位代表！ before each of their final topics (国防, 外交 …)."""
    last_heading = max((i for i, p in enumerate(paragraphs) if p.kind == "heading" or
                        (i and p.section_path and p.section_path != paragraphs[i - 1].section_path)), default=None)
    if last_heading is None or paragraphs[last_heading].section_path[:1] in {(c,) for c in _section_cues().closing}:
        return None
    address = max((i for i in range(last_heading + 1, len(paragraphs)) if lexicon.address_at(paragraphs[i].text)),
                  default=None)
    owns_body = address is not None and any(p.kind == "body" for p in paragraphs[last_heading:address])
    return address if owns_body else None


def units_have_body(units) -> bool:
    return any(k == "body" for _, k in units)


def _lines(text: str) -> list[Span]:
    spans, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append(Span(pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _is_title(line: str) -> bool:
    return (
        len(line) <= 100
        and line[-1] not in SENTENCE_END + "：:，,"
        and match_marker(line) is None
        and not lexicon.starts_with_salutation(line)
    )


@lru_cache(maxsize=1)
def _front() -> re.Pattern:
    """A date or an office (resources/front_offices.txt) near the start of a short line."""
    offices = "|".join(map(re.escape, lexicon.front_offices()))
    return re.compile(rf"^(——|—|\(|（)?.{{0,40}}(\d{{4}}年\d{{1,2}}月\d{{1,2}}日|{offices})")


def _is_front(line: str) -> bool:
    """Lines between title and speech: a date line, the speaker's office and name."""
    if len(line) > 50 or line[-1] in SENTENCE_END or match_marker(line):
        return False
    return bool(_front().match(line)) or (2 <= len(line) <= 4 and all_han(line))


def _accept(marker: Marker, stack: list[_Open], last_number: dict[str, int]) -> bool:
    """Heading numbers must run in order; a stray 一、 inside body text does not."""
    name = marker.style.name
    if name not in last_number:
        return marker.number <= 3 or not stack
    last = last_number[name]
    in_stack = any(o.marker.style.name == name for o in stack)
    if in_stack:
        return last < marker.number <= last + 2
    return marker.number == 1 or last < marker.number <= last + 2


# 一是… items and unnumbered topic headings (关于九大路线): the cues are data in
# resources/section_cues.txt. An item nests below whatever heading is open; a topic
# heading sits above 一、 (a document that has both, 结束语 after 五、, closes them all).
ENUMERATION = "cn_shi"
TOPIC = "topic"


@dataclass(frozen=True)
class _SectionCues:
    enumeration: Style
    topic_prefixes: tuple[str, ...]
    closing: tuple[str, ...]
    not_final: frozenset[str]


@lru_cache(maxsize=1)
def _section_cues() -> _SectionCues:
    blocks = lexicon.section_cues()
    return _SectionCues(
        enumeration=Style(ENUMERATION, 6, lexicon.enumeration(), "{}是"),
        topic_prefixes=tuple(blocks["topic prefixes"] + blocks["closing"]),
        closing=tuple(blocks["closing"]),
        not_final=frozenset(" ".join(blocks["not final"]).split()),
    )


_FIRST_SENTENCE = re.compile(r"[。！？!?]")


def _enumeration_items(text: str, units: list[tuple[Span, str]]) -> dict[int, Marker]:
    """Units that open an 一是… item which owns body text: its first sentence is followed by
    more text in the same paragraph, or the next unit is a body paragraph that is no item.
    An item whose first sentence already holds the next item (一是…；二是…。) is a list."""
    style = _section_cues().enumeration
    found: dict[int, Marker] = {}
    starts = {}
    for u, (span, kind) in enumerate(units):
        if kind == "body":
            m = style.pattern.match(text[span.start:span.end])
            if m and cn_number(m.group(1)) > 0:
                starts[u] = m
    for u, m in starts.items():
        span = units[u][0]
        line = text[span.start:span.end]
        number = cn_number(m.group(1))
        first = _FIRST_SENTENCE.search(line)
        first_sentence = line[:first.end()] if first else line
        nxt = CN_NUMERALS[number + 1] if number + 1 < len(CN_NUMERALS) else None
        if nxt and f"{nxt}是" in first_sentence:
            continue
        run_in = first is not None and line[first.end():].strip() != ""
        follows = u + 1 < len(units) and units[u + 1][1] == "body" and u + 1 not in starts
        if run_in or follows:
            found[u] = Marker(style, number, style.fmt.format(m.group(1)), m.end())
    return found


def _enumeration_ends(text: str, units: list[tuple[Span, str]], items: dict[int, Marker]) -> set[int]:
    """Units after which an 一是… series closes: when every item of a series is one paragraph
    with its body run in (一是聚焦主题、紧扣主线。针对…), in consecutive paragraphs, the paragraph
    after the last item belongs to the heading above the series again (同志们！ 在充分肯定成绩的
    同时…). Items that stand alone on their line own the paragraphs that follow them."""
    ends = set()
    run: list[int] = []
    for u in sorted(items) + [None]:
        if u is not None and run and u == run[-1] + 1 and items[u].number == items[run[-1]].number + 1:
            run.append(u)
            continue
        if len(run) >= 2 and all(_SENTENCE_END.search(text[units[i][0].start:units[i][0].end]) is not None
                                 and _heading_end(text[units[i][0].start:units[i][0].end], items[i]) is not None
                                 and _heading_end(text[units[i][0].start:units[i][0].end], items[i])
                                 < units[i][0].end - units[i][0].start for i in run):
            ends.add(run[-1])
        run = [u] if u is not None else []
    return ends


CN_NUMERALS = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")


def _accept_enumeration(marker: Marker, stack: list["_Open"], last_number: dict[str, int]) -> bool:
    """一是 opens a series; 二是… continue it in order (a skipped number is an item run in elsewhere)."""
    if marker.number == 1:
        return True
    if not any(o.marker.style.name == ENUMERATION for o in stack):
        return False
    last = last_number.get(ENUMERATION, 0)
    return last < marker.number <= last + 2


def _topic_headings(text: str, units: list[tuple[Span, str]]) -> dict[int, Marker]:
    """Unnumbered standalone headings: a short line with no punctuation inside, between a
    paragraph that ended a sentence and a paragraph of body text. Kept when it starts with
    a topic prefix (关于…, 结束语), or when the document has two or more of them."""
    cues = _section_cues()
    style = Style(TOPIC, 0, re.compile(""), "{}")
    candidates = []
    for u in range(1, len(units) - 1):
        span, kind = units[u]
        line = text[span.start:span.end].strip()
        prev_span, prev_kind = units[u - 1]
        next_span, next_kind = units[u + 1]
        prev = text[prev_span.start:prev_span.end].rstrip()
        nxt = text[next_span.start:next_span.end].strip()
        if (kind == "body" and prev_kind in ("body", "salutation", "front") and next_kind == "body"
                and 3 <= len(line) <= 25 and line == text[span.start:span.end]
                and not re.search(r"[\W_]", line) and line[-1] not in cues.not_final
                and prev and prev[-1] in "。！？：!?:" and len(nxt) >= 15 and re.match(r"\w", nxt)
                and match_marker(line) is None and cues.enumeration.pattern.match(line) is None):
            candidates.append(u)
    if len(candidates) < 2:
        candidates = [u for u in candidates if text[units[u][0].start:units[u][0].end].startswith(cues.topic_prefixes)]
    return {u: Marker(style, i + 1, text[units[u][0].start:units[u][0].end], 0) for i, u in enumerate(candidates)}


def _popped(stack: list[_Open], marker: Marker) -> list[_Open]:
    """The open sections that stay open when `marker` opens a new one: a heading closes its
    own style, anything below its rank, and everything down to an earlier one of its style."""
    keep = list(stack)
    while keep and (keep[-1].marker.style.name == marker.style.name
                    or marker.style.name in {o.marker.style.name for o in keep}
                    or keep[-1].marker.style.rank > marker.style.rank):
        keep.pop()
    return keep


def _topic_under(marker: Marker, stack: list[_Open], line: str) -> Marker:
    """A topic heading met while a numbered top-level heading is open (二、… 关于教育改革问题)
    nests below that heading, so the next 三、 closes it; otherwise (关于九大路线 before any
    number, or a closing 结束语) it sits above the numbered headings."""
    if not stack or stack[0].marker.style.name == TOPIC or line.startswith(_section_cues().closing):
        return marker
    rank = stack[0].marker.style.rank + 0.5
    return replace(marker, style=replace(marker.style, rank=rank))


def _heading_end(line: str, marker: Marker) -> int | None:
    """Where the heading ends inside its line: the whole line for a standalone
    heading, the first sentence for a run-in one (（一）收官之年，更是考验之年。…)."""
    body = line[marker.length:]
    if not body:
        return None
    m = _SENTENCE_END.search(body)
    if m is None:
        return len(line) if len(body) <= MAX_HEADING else None
    end = marker.length + m.end()
    if m.end() > MAX_HEADING:
        return None
    return end


def _split_sentences(text: str, base: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (relative to `text` + base): cut after 。！？；, keeping
    closing quotes with their sentence and a quoted “…。…” passage whole."""
    spans: list[tuple[int, int]] = []
    start, depth, opened_at, i, n = 0, 0, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "“「『":
            if depth == 0:
                opened_at = i
            depth += 1
        elif c in "”」』":
            depth = max(0, depth - 1)
        elif c in SENTENCE_END:
            j = i + 1
            while j < n and text[j] in SENTENCE_END:
                j += 1
            closing = depth
            while j < n and text[j] in CLOSERS:
                if text[j] in "”」』":
                    closing = max(0, closing - 1)
                j += 1
            if closing == 0 or i - opened_at > MAX_QUOTE:
                spans.append((start, j))
                start, depth = j, 0
            i = j
            continue
        i += 1
    if start < n:
        spans.append((start, n))
    return [(a + base, b + base) for a, b in spans if text[a:b].strip()]


def _ends_complete(paragraph: str) -> bool:
    tail = paragraph.rstrip(CLOSERS + " ")
    return bool(tail) and tail[-1] in PARAGRAPH_END


_LEVEL = re.compile(r"全(国|省|市|县|区|州|盟|旗|镇|乡)")
_MEETING = re.compile(r"在(.{2,60}?)(?:上|时)的(?:主题|总结|开幕|闭幕)?(?:讲话|报告|致辞|发言|主持词|演讲)")
_PLACE = re.compile(rf"(?:^在?|[在于年])([{HAN_RANGE}]{{2,6}}?(?:省|市|县|自治区|自治州|地区))")


OPENING = 3000     # the first characters of a speech (a page or so): where it says where it is
_LOCAL = re.compile(r"(?<![健完齐安周保成顾])全[省市县区州盟旗镇乡]")   # 全市, not 健全区域
_NATIONAL = re.compile(r"全国|中央|国务院")


def _place_in(text: str) -> str | None:
    """The place a provincial, city or county speech is about when its title names none:
    the province or prefecture (resources/gazetteer.tsv) its title and opening name most
    often, the first named on a tie. A national speech (全国, 中央 … more often than 全省,
    全市, 全县 …) gets none: the places it names are examples, not where it was given."""
    if len(_LOCAL.findall(text)) <= len(_NATIONAL.findall(text)):
        return None
    gazetteer = lexicon.place_names()
    seen: dict[str, list[int]] = {}
    for m in gazetteer.names.finditer(text):
        seen.setdefault(gazetteer.place[m.group(0)], []).append(m.start())
    if not seen:
        return None
    return max(seen, key=lambda p: (len(seen[p]), -seen[p][0]))


def _meta(title: str, front: str, head: str, known: Meta, salutation: str | None, truncated: bool,
          opening: str = "") -> Meta:
    date = first_date(front) or first_date(title) or first_date(head)     # 2024年1月22日 or 二〇二四年一月二十二日
    year = next(iter(years_named(title) or years_named(front)), None)
    kinds = re.findall("|".join(map(re.escape, lexicon.speech_kinds())), title)
    meeting = _MEETING.search(title)
    place = next((p for p in _PLACE.findall(title) if not p.startswith(("全", "我", "本", "在全"))), None)
    if place is None:
        place = _place_in(f"{title}\n{opening}")
    speaker = next((w for w in front.split() if 2 <= len(w) <= 4 and all_han(w)), None)
    return replace(
        known,
        date=known.date or (f"{date[0]:04d}-{date[1]:02d}-{date[2]:02d}" if date else None),
        year=known.year or year or (date[0] if date else None),
        level=known.level or (m.group(0) if (m := _LEVEL.search(title)) else None),
        meeting=known.meeting or (meeting.group(1) if meeting else None),
        kind=known.kind or (kinds[-1] if kinds else None),
        place=known.place or place,
        speaker=known.speaker or speaker,
        salutation=salutation,
        truncated=truncated,
    )
