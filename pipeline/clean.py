"""clean: raw text → clean text, with every clean character mapped to its raw offset.

What it does, in order: drop zero-width characters; fold full-width letters and
digits; drop site-chrome lines (resources/chrome.txt), and chrome among the spaced
pieces at the head of a page whose line breaks were lost; drop the title's second
copy; normalise half-width punctuation in Chinese context; then decide, for every
run of white space, whether it is a paragraph break ("\\n"), a real space between
Latin words (" "), or a hard-wrap artefact to remove (""). Text whose pieces have
the near-constant width of wrapped lines (PDF text flattened onto one line) gets
its paragraphs rebuilt from line widths and heading markers; text whose single
spaces fall after sentence ends and around headings (a scraped record stored on
one line, paragraphs joined by one space) gets a break at each of those spaces.
Every pass is linear in the text's length.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from . import lexicon
from .headings import match_marker
from .text import CLOSERS, HAN_RANGE, PARAGRAPH_END, SENTENCE_END, is_cjk, is_han

_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_ZERO_WIDTH_LINE = re.compile(r"(?<=\n)[\u200b-\u200d\u2060\ufeff]+\n")
_FULLWIDTH_ALNUM = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_WHITESPACE = re.compile(r"[ \t\n\u00a0\u3000\u2002\u2003\u2009\u200a\u202f\u205f]+")
_OPENERS = set("《“（「『【")
_JOINERS = set("》”）」』】，、。；：！？")
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}


@dataclass(frozen=True)
class Cleaned:
    text: str
    offsets: tuple[int, ...]   # raw offset of each clean character
    wrapped: bool              # paragraphs were rebuilt from wrapped lines


class Mapped:
    """A string whose every character remembers its offset in the raw text."""

    __slots__ = ("text", "offs", "raw_len")

    def __init__(self, text: str, offs: Sequence[int], raw_len: int):
        self.text, self.offs, self.raw_len = text, list(offs), raw_len

    @classmethod
    def of(cls, raw: str) -> "Mapped":
        return cls(raw, range(len(raw)), len(raw))

    def _at(self, i: int) -> int:
        if i < len(self.offs):
            return self.offs[i]
        return self.offs[-1] + 1 if self.offs else self.raw_len

    def sub(self, pattern: re.Pattern, repl: str | Callable[[re.Match], str]) -> "Mapped":
        """re.sub that keeps the offset map: an equal-length replacement maps 1:1,
        any other maps all its characters to the start of what it replaced."""
        texts: list[str] = []
        offs: list[int] = []
        last = 0
        for m in pattern.finditer(self.text):
            s, e = m.span()
            r = repl(m) if callable(repl) else repl
            if r == m.group(0):
                continue
            texts.append(self.text[last:s])
            offs.extend(self.offs[last:s])
            texts.append(r)
            offs.extend(self.offs[s:e] if len(r) == e - s else [self._at(s)] * len(r))
            last = e
        if not texts:
            return self
        texts.append(self.text[last:])
        offs.extend(self.offs[last:])
        return Mapped("".join(texts), offs, self.raw_len)


_CAPTION = re.compile(rf"(?<! ) *(?:新华社|人民日报|中新社)?记者 *[{HAN_RANGE}]{{2,4}}(?:[、 ][{HAN_RANGE}]{{2,4}})* */? *摄 *")


def clean(raw: str, chrome: Sequence[re.Pattern] | None = None) -> Cleaned:
    """Clean one speech's raw text.

    Args:
        raw: the loaded text.
        chrome: whole-line patterns of site chrome; the bundled lexicon by default.

    Returns:
        Clean text (paragraphs separated by one "\\n") and its offset map.
    """
    m = Mapped.of(raw)
    m = m.sub(re.compile(r"\r\n?"), "\n")
    m = m.sub(_ZERO_WIDTH_LINE, "")   # a line of nothing but U+200B is no blank line (人\n\u200b\n民)
    m = m.sub(_ZERO_WIDTH, "")
    m = m.sub(_FULLWIDTH_ALNUM, lambda x: chr(ord(x.group(0)) - 0xFEE0))
    m = m.sub(re.compile(r"(?<=\d)．(?=\d)"), ".")    # ５．２％ → 5.2％
    patterns = chrome if chrome is not None else lexicon.chrome_patterns()
    m = _drop_chrome(m, patterns)
    m = _drop_chrome_pieces(m, patterns)
    m = _drop_repeated_title(m)
    m = m.sub(_CAPTION, "")         # photo credits inside the text (新华社记者 鞠鹏/摄)
    m = _normalise_punctuation(m)
    m, wrapped = _resolve_whitespace(m, raw)
    m = _split_flattened(m)
    if wrapped or "\n" not in raw.strip():
        m = _drop_repeated_title(m)     # a page flattened onto one line shows its title's copy only now
    return Cleaned(m.text, tuple(m.offs), wrapped)


# -- site chrome ---------------------------------------------------------------

_RELATED = re.compile(r"^(相关报道|相关链接|相关阅读|相关新闻|相关文章|推荐阅读|热点推荐)[:：]?$")
_NOTES = re.compile(r"^(注释|注\s*释|名词解释)[:：]?$")   # a portal's glossary after the speech
# Wikisource's licence box after the text: 本作品是中华人民共和国的… (work reports),
# 本作品来自中华人民共和国全国人民代表大会…的决定、决议。依据《 (NPC resolutions), 本作品来自
# 1949年10月1日（含）之后的中国共产党文件… (congress reports), 这部作品在1931年1月1日以前…屬於公有領域。
# A line that opens so starts it only when a licence's words follow within _LICENCE_REACH
# characters: a speech's own 这部作品在群众中反响很好 does not end the speech.
_LICENCE = re.compile(r"^(本|这部|這部|此)作品(是|在|来自|來自|属于|屬於)")
_LICENCE_WORDS = re.compile(r"公有领域|公有領域|Public\s*domain|著作权法|著作權法", re.IGNORECASE)
_LICENCE_REACH = 600


def _drop_chrome(m: Mapped, patterns: Sequence[re.Pattern]) -> Mapped:
    drop: list[tuple[int, int]] = []
    in_related = in_notes = False
    pos = 0
    for line in m.text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip(" \t\u3000\u00a0")
        if not stripped:
            continue
        if in_notes or ((_NOTES.match(stripped) or _licence(stripped, m.text, start)) and start > len(m.text) // 2):
            in_notes = True
            drop.append((start, end))
            continue
        if in_related and len(stripped) < 60 and stripped[-1] not in "。！？；":
            drop.append((start, end))
            continue
        in_related = False
        if len(stripped) <= 80 and any(p.fullmatch(stripped) for p in patterns):
            drop.append((start, end))
            in_related = bool(_RELATED.match(stripped))
    if not drop:
        return m
    keep_text: list[str] = []
    keep_offs: list[int] = []
    last = 0
    for s, e in drop:
        keep_text.append(m.text[last:s])
        keep_offs.extend(m.offs[last:s])
        last = e
    keep_text.append(m.text[last:])
    keep_offs.extend(m.offs[last:])
    return Mapped("".join(keep_text), keep_offs, m.raw_len)


def _licence(line: str, text: str, start: int) -> bool:
    """The line opens a licence box: it starts like one and a licence's words follow."""
    return bool(_LICENCE.match(line)) and bool(_LICENCE_WORDS.search(text, start, start + _LICENCE_REACH))


_PIECE = re.compile(r"[^ \t\u3000\u00a0\n]+")
HEAD_PIECES = 40        # how far into a page's head chrome is looked for among its pieces


def _drop_chrome_pieces(m: Mapped, patterns: Sequence[re.Pattern]) -> Mapped:
    """Chrome inside a line whose breaks were lost (`购物车 我的足迹 标题 加入Vip免费下载 立即下载
    标题 同志们: …`, or the same with no spaces at all): before the speech starts, a run of
    up to four space-separated pieces that is a whole chrome line, chrome glued to the
    front of a piece (购物车我的足迹在2025年…), and chrome glued after a title's last word
    (…的讲话加入Vip免费下载) go; glued chrome leaves a line break, as it stood between page elements."""
    text = m.text
    pieces = []
    for p in _PIECE.finditer(text):
        if len(pieces) >= HEAD_PIECES or lexicon.starts_with_salutation(p.group(0)):
            break
        pieces.append(p)
        if any(c in SENTENCE_END for c in p.group(0)):
            break
    chrome = lambda s: len(s) <= 80 and any(p.fullmatch(s) for p in patterns)  # noqa: E731
    drop: list[tuple[int, int, str]] = []    # (start, end, what stands in its place)
    i = 0
    while i < len(pieces):
        for j in range(min(len(pieces), i + 4), i, -1):
            run = text[pieces[i].start():pieces[j - 1].end()]
            if "\n" not in run and chrome(run):
                drop.append((pieces[i].start(), pieces[j].start() if j < len(pieces) else pieces[j - 1].end(), ""))
                i = j
                break
        else:
            drop.extend(_glued_chrome(pieces[i].group(0), pieces[i].start(), chrome))
            i += 1
    if not drop:
        return m
    out, offs, last = [], [], 0
    for s, e, gap in sorted(drop):
        out += [text[last:s], gap]
        offs += list(m.offs[last:s]) + [m.offs[s]] * len(gap)
        last = e
    out.append(text[last:])
    offs.extend(m.offs[last:])
    return Mapped("".join(out), offs, m.raw_len)


def _glued_chrome(piece: str, at: int, chrome: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    """Spans (offset by `at`) of chrome glued to a piece: the shortest chrome prefixes, one
    after another (购物车|我的足迹|在2025年…), and a chrome tail after a speech-kind word (…讲话|加入Vip免费下载)."""
    found, start = [], 0
    while start < len(piece):
        k = next((k for k in range(start + 2, min(len(piece), start + 20)) if chrome(piece[start:k])), None)
        if k is None:
            break
        found.append((at + start, at + k, "\n"))
        start = k
    for kind in lexicon.speech_kinds():
        end = piece.rfind(kind, start) + len(kind)
        if end >= len(kind) and end < len(piece) and chrome(piece[end:]):
            found.append((at + end, at + len(piece), "\n"))
            break
    return found


# -- the title's second copy ---------------------------------------------------

def _drop_repeated_title(m: Mapped) -> Mapped:
    """Scraped pages print the title twice (page header, then document); keep the first."""
    lines = m.text.split("\n")
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    chars = [c for c in first if not c.isspace()]
    if not 6 <= len(chars) <= 80 or first[-1] in PARAGRAPH_END:
        return m
    at = m.text.find(first) + len(first)
    pattern = re.compile(r"(?:^|(?<=\n))[ \t\u3000]*" + r"\s*".join(map(re.escape, chars)), re.M)
    found = pattern.search(m.text, at, at + len(first) * 4 + 400)
    if not found:
        return m
    s, e = found.span()
    return Mapped(m.text[:s] + m.text[e:], m.offs[:s] + m.offs[e:], m.raw_len)


# -- punctuation ---------------------------------------------------------------

_QUOTED_LINE = re.compile(r'^[^\n"]*"[^\n]*', re.M)


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] in " \t\u3000":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def _normalise_punctuation(m: Mapped) -> Mapped:
    text = m.text

    def simple(x: re.Match) -> str:
        ch, i = x.group(0), x.start()
        before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if before.isdigit() and after.isdigit():
            return ch                                  # 1,000 and 10:30 stay
        if (before and is_cjk(before)) or (after and is_cjk(after)):
            return _HALF_TO_FULL[ch]
        return ch

    def paren(x: re.Match) -> str:
        inner = x.group(1)
        before = _neighbour(text, x.start(), -1)
        after = _neighbour(text, x.end() - 1, 1)
        cjk_inside = any(is_cjk(c) for c in inner)
        numbered = re.fullmatch(r"\s*[\d一二三四五六七八九十]{1,3}\s*", inner) is not None
        if cjk_inside or (numbered and (not before or before == "\n" or is_cjk(before) or is_cjk(after or "a"))):
            return f"（{inner}）"
        return x.group(0)

    def period(x: re.Match) -> str:
        return "。"

    def quotes(x: re.Match) -> str:
        line = x.group(0)
        if line.count('"') % 2 or not any(is_cjk(c) for c in line):
            return line
        out, opening = [], True
        for c in line:
            if c == '"':
                out.append("“" if opening else "”")
                opening = not opening
            else:
                out.append(c)
        return "".join(out)

    m = m.sub(re.compile(r"[,:;?!]"), simple)
    text = m.text
    m = m.sub(re.compile(r"\(([^()\n]{0,60})\)"), paren)
    m = m.sub(re.compile(rf"(?<=[{HAN_RANGE}”）])\.(?=\s*(?:$|\n|[{HAN_RANGE}“]))"), period)
    # One match per line holding a straight quote, anchored at the line start: an
    # unanchored [^\n]*"[^\n]* retries from every position of a line without one,
    # which made a one-line speech quadratic (500 KB: minutes).
    return m.sub(_QUOTED_LINE, quotes)


# -- white space: breaks, wraps and real spaces ---------------------------------

def _width(s: str) -> float:
    """Display width in a PDF line: half-width characters take half a cell."""
    return sum(0.5 if ord(c) < 0x2E80 and c not in "“”‘’—…" else 1.0 for c in s)


def _latin(ch: str) -> bool:
    return bool(ch) and ord(ch) < 0x2E80 and not is_cjk(ch) and (ch.isalnum() or ch in "%.-_/+&'\"")


def _resolve_whitespace(m: Mapped, raw: str) -> tuple[Mapped, bool]:
    text = m.text
    runs = list(_WHITESPACE.finditer(text))
    # Each run is either kept as a single space (between Latin words), a certain
    # break (blank line, \u3000\u3000 paragraph marks), or a candidate: a line end
    # or a space touching Chinese, which is a wrap when the text is wrapped.
    kinds: list[str] = []
    for r in runs:
        s, e = r.span()
        ws = r.group(0)
        before = text[s - 1] if s else ""
        after = text[e] if e < len(text) else ""
        if not before or not after:
            kinds.append("drop")
        elif ws.count("\n") >= 2 or re.search(r"[\u3000\u2003]{2}", ws):
            kinds.append("break")
        elif _latin(before) and _latin(after):
            kinds.append("line" if "\n" in ws else "space")
        elif "\n" in ws and (before in _OPENERS or after in _JOINERS):
            kinds.append("wrap-join")          # Wikisource link text on its own line: 《\n书名\n》，
        elif "\n" in ws:
            kinds.append("line")
        else:
            kinds.append("wrap")
    # Pieces between candidate separators, measured in raw characters.
    cut = [r for r, k in zip(runs, kinds) if k in ("line", "wrap", "wrap-join", "break", "drop")]
    bounds = [0] + [p for r in cut for p in r.span()] + [len(text)]
    pieces = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    widths = [_width("".join(raw[o] for o in m.offs[a:b])) for a, b in pieces]
    last_chars = [text[b - 1] if b > a else "" for a, b in pieces]
    # Single spaces touching Chinese are PDF wraps or paragraph separators (a scraped
    # record: `标题 第一段。 第二段。 一、…`). Wraps cut mid-sentence at one line
    # width; separators fall after sentence ends and around headings.
    spaces = [r for r, k in zip(runs, kinds) if k == "wrap"]
    between = _paragraph_spaces(text, spaces, pieces)
    width_before = {b: w for (_, b), w in zip(pieces, widths)}
    regular = _regular_width([width_before[r.start()] for r in spaces if r.start() not in between])
    joined = regular is None and len(spaces) >= 2 and len(between) >= 0.6 * len(spaces)
    # (text that keeps its own line breaks is no flattened PDF, whatever a few stray
    # wrap spaces inside its lines say: it needs the page-wide evidence of _line_width)
    one_line = len(spaces) > 2 * sum(k == "line" for k in kinds)
    full = None if joined else (_line_width(widths, last_chars) or (regular if one_line else None))
    wrapped = full is not None
    # A space after a sentence end that precedes a heading marker is a paragraph
    # break in any shape; in a space-joined document every paragraph space is.
    breaks = set(between) if joined else {s for s, why in between.items() if why == "end+heading"}

    width_of = {a: w for (a, _), w in zip(pieces, widths)}
    start_of_next = {r.start(): r.end() for r in runs}
    piece_start = {b: a for a, b in pieces}

    phrase = _PhraseBreaks(text)

    def decide(x: re.Match) -> str:
        out = decide_run(x)
        if "\n" in out:
            phrase.paragraph_from(x.end(), text[x.start() - 1] if x.start() else "")
        return out

    def decide_run(x: re.Match) -> str:
        kind = kinds[index[x.start()]]
        if kind == "drop" or (kind == "wrap-join" and not wrapped):
            return ""
        if kind == "break":
            return "\n"
        if kind == "space":
            # a wrap inside a number (6 0%): wrapped Chinese text never spaces digits
            return "" if wrapped and text[x.start() - 1].isdigit() and text[x.end()].isdigit() else " "
        if not wrapped:
            if kind == "line" and x.group(0) == "\n" and phrase.inside(x.start(), x.end()):
                return ""
            return "\n" if kind == "line" or x.start() in breaks else ""
        prev_start = piece_start.get(x.start(), 0)
        prev = text[prev_start:x.start()]
        if between.get(x.start()) == "title" and width_of.get(prev_start, full) < 0.9 * max(full, regular or 0):
            # a title line short of the width the mid-sentence wraps show (below 0.8 is caught anyway)
            return "\n"
        nxt_start = start_of_next[x.start()]
        return "\n" if _paragraph_ends(prev, width_of.get(prev_start, full), text[nxt_start:nxt_start + 12], full) else ""

    index = {r.start(): i for i, r in enumerate(runs)}
    return m.sub(_WHITESPACE, decide), wrapped


class _PhraseBreaks:
    """Hard line breaks inside a phrase in text that keeps its own lines (Wikisource puts
    a subscript or a link on a line of its own: 广义货币M / 2 / 预期增长12%左右). A single
    line break is inside a phrase when the paragraph so far stops mid-sentence and is
    body text: it ends in ，or 、, or holds a sentence end before, or it was already
    rejoined once, or the next line is a bare word of its own (a link) after a sentence;
    or the line is a list marker alone (一是 on its line, the item on the next).
    Titles, front lines and headings keep their breaks. Linear: sentence ends are found once."""

    def __init__(self, text: str):
        self.text = text
        self.ends = [i for i, c in enumerate(text) if c in SENTENCE_END]
        self.start = 0          # where the current paragraph starts
        self.joined = False     # a break inside it was rejoined
        self.after_sentence = False   # the paragraph before it ended a sentence

    def paragraph_from(self, at: int, last: str) -> None:
        """A paragraph starts at `at`; the one before ended with the character `last`."""
        self.after_sentence = bool(last) and last in SENTENCE_END + CLOSERS
        self.start, self.joined = at, False

    def inside(self, s: int, e: int) -> bool:
        text, nxt = self.text, self.text[e:e + 16]
        last = text[s - 1] if s > self.start else ""
        if not last or last in PARAGRAPH_END or last in CLOSERS or not nxt:
            return False
        if match_marker(nxt) or lexicon.starts_with_salutation(nxt) or _heading_piece(text[self.start:s][:60]):
            return False
        paragraph = text[self.start:s]
        if len(paragraph) <= 6 and _marker_alone(paragraph):
            return True                 # a marker alone on its line (一是 / 按照…): it numbers the next line
        i = bisect.bisect_left(self.ends, self.start)
        found = (last in "，、" and not match_marker(text[self.start:s])
                 or (i < len(self.ends) and self.ends[i] < s)
                 or self.joined
                 or (self.after_sentence and _bare_line(text, e)))
        self.joined = self.joined or found
        return found


def _marker_alone(line: str) -> bool:
    """一、 or 第一， or 一是 and nothing else."""
    marker = match_marker(line)
    if marker is not None:
        return marker.length == len(line)
    item = lexicon.enumeration().match(line)
    return item is not None and item.end() == len(line)


def _bare_line(text: str, at: int) -> bool:
    """A short line of Chinese words alone (a link's text), followed by one more line break."""
    end = text.find("\n", at, at + 14)
    return end > at and text[end + 1:end + 2] not in ("", "\n") and all(is_han(c) for c in text[at:end])


_DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")   # a notice's closing date
_DOC_NUMBER = re.compile(r"[〔［\[]\d{4}[〕］\]]\d{1,4}号$")     # 国办发〔2024〕12号 under the title


def _paragraph_spaces(text: str, spaces: list[re.Match], pieces: list[tuple[int, int]]) -> dict[int, str]:
    """The spaces (by start) that would separate paragraphs if the document's
    paragraphs were joined by single spaces, with the reason: after a sentence end
    (。！？；：), before or after a heading (一、 （一） …), after the title or the
    document number, around a closing date. Wrap spaces of a PDF line fall there only by chance."""
    piece_at = {a: b for a, b in pieces}
    piece_before = {b: a for a, b in pieces}
    first = next((a for a, b in pieces if b > a), 0)
    out: dict[int, str] = {}
    for r in spaces:
        s, e = r.span()
        a = piece_before.get(s, s)
        prev = text[a:s].rstrip("".join(CLOSERS))
        nxt = text[e:piece_at.get(e, e)]
        ends = bool(prev) and prev[-1] in PARAGRAPH_END
        if ends and match_marker(nxt[:16]):
            out[s] = "end+heading"
        elif ends:
            out[s] = "end"
        elif match_marker(nxt[:16]):
            out[s] = "heading"
        elif _heading_piece(prev):
            out[s] = "after heading"
        elif a == first and len(prev) <= 100 and prev[-1:] not in "，,、" and not lexicon.starts_with_salutation(prev):
            out[s] = "title"
        elif _DATE_LINE.fullmatch(nxt) or _DATE_LINE.fullmatch(prev):
            out[s] = "date"
        elif _DOC_NUMBER.search(prev):
            out[s] = "document number"
    return out


def _heading_piece(piece: str) -> bool:
    """一、总体要求 or （一）完善监测帮扶机制: a marker and a short title without a sentence end."""
    marker = match_marker(piece[:16])
    return (marker is not None and 0 < len(piece) - marker.length <= 40
            and not any(c in PARAGRAPH_END for c in piece[marker.length:]))


def _regular_width(widths: list[float]) -> float | None:
    """The line width when the pieces that end mid-sentence all have about one width
    (PDF wraps cut at the page's line width), else None. Stray spaces inside the
    paragraphs of a space-joined document cut pieces of any width."""
    if len(widths) < 3:
        return None
    median = sorted(widths)[len(widths) // 2]
    near = [w for w in widths if 0.9 * median <= w <= 1.1 * median]
    if median < 12 or len(near) < 0.75 * len(widths):
        return None
    return max(near)


def _line_width(widths: list[float], last_chars: list[str]) -> float | None:
    """The page's line width if the text is hard-wrapped, else None.

    Wrapped text has many pieces of one width (the page's) that end mid-sentence;
    text written one paragraph per line has lines that mostly end in 。 however
    alike their lengths are."""
    long = sorted(w for w in widths if w >= 8)
    if len(long) < 6:
        return None
    full = long[int(0.75 * (len(long) - 1))]
    if full < 12:
        return None
    ends_sentence = [bool(c) and (c in PARAGRAPH_END or c in CLOSERS) for c in last_chars]
    if sum(ends_sentence) >= 0.5 * len(widths):
        return None
    near = [i for i, w in enumerate(widths) if 0.85 * full <= w <= 1.12 * full]
    mid_sentence = sum(1 for i in near if not ends_sentence[i])
    if len(near) >= 0.5 * len(widths) or (len(near) >= 0.3 * len(widths) and mid_sentence >= 0.6 * len(near)):
        return full
    return None


def _paragraph_ends(prev: str, width: float, nxt: str, full: float) -> bool:
    """In wrapped text, does the line `prev` end its paragraph?"""
    if not prev:
        return False
    last = prev[-1]
    while last in CLOSERS and len(prev) > 1:
        prev, last = prev[:-1], prev[-2]
    ends_sentence = last in PARAGRAPH_END
    if width < 0.8 * full:
        return True                      # a short line ends its paragraph
    if ends_sentence and width < 0.93 * full:
        return True
    if ends_sentence and (match_marker(nxt) or lexicon.starts_with_salutation(nxt)):
        return True                      # each heading starts a new unit
    if match_marker(prev) and not any(c in PARAGRAPH_END for c in prev) and width < 0.9 * full:
        return True                      # a heading line a little short of full width
    return False


# -- flattened text without any break marks --------------------------------------

FLATTENED = 800   # a "paragraph" longer than this has lost its line breaks
_RUN_IN = re.compile(r"(?<=[。！？；：!?;:])(?=(?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）|第[一二三四五六七八九十]{1,3}，))")
_TITLE_DATE = re.compile(r"^(.{4,80}?(?:讲话|报告|致辞|发言|演讲)（\d{4}年\d{1,2}月\d{1,2}日）)(?=\S)")


def _split_flattened(m: Mapped) -> Mapped:
    """Text that arrived with no line breaks and no wrap spaces (a scraped speech
    flattened onto one line) gets a break before each heading marker that follows
    a sentence end, when the markers number in sequence (一、 二、 三、 …), and
    after a title glued to its body (…的讲话（2018年2月12日）…)."""
    text = m.text
    breaks: set[int] = set()
    pos = 0
    for line in text.split("\n"):
        if len(line) > FLATTENED:
            title = _TITLE_DATE.match(line)
            if title and pos == 0:
                breaks.add(pos + title.end())
            last: dict[str, int] = {}
            for cut in _RUN_IN.finditer(line):
                marker = match_marker(line[cut.start():cut.start() + 16])   # a window: slicing to the end is quadratic
                if marker is None:
                    continue
                name, n = marker.style.name, marker.number
                top_level = name == "cn_dun"
                if n == last.get(name, 0) + 1 or (n == 1 and not top_level):
                    last[name] = n
                    breaks.add(pos + cut.start())
        pos += len(line) + 1
    if not breaks:
        return m
    texts, offs, prev = [], [], 0
    for b in sorted(breaks):
        texts += [text[prev:b], "\n"]
        offs += list(m.offs[prev:b]) + [m._at(b)]
        prev = b
    texts.append(text[prev:])
    offs += m.offs[prev:]
    return Mapped("".join(texts), offs, m.raw_len)
