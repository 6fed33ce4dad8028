"""What every stage agrees a Chinese text is made of: which characters are Chinese
(汉字), which count as Chinese context for punctuation, and which marks end a
sentence or a paragraph. One definition each; the stages import them from here.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from importlib import resources

# Chinese characters: CJK Unified Ideographs with Extension A (U+3400–U+9FFF) and the
# compatibility ideographs (U+F900–U+FAFF). A fragment for inside a regex class: [{HAN_RANGE}].
HAN_RANGE = "\u3400-\u9fff\uf900-\ufaff"
HAN = re.compile(f"[{HAN_RANGE}]")


def is_han(ch: str) -> bool:
    """One Chinese character (汉字); punctuation and the empty string are not."""
    return len(ch) == 1 and ("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")


def all_han(text: str) -> bool:
    """Non-empty and every character a Chinese character (a name: 王建国)."""
    return bool(text) and all(is_han(c) for c in text)


def is_cjk(ch: str) -> bool:
    """Chinese context for punctuation: Chinese characters, CJK and full-width punctuation,
    and the redaction mark * (which stands for a word)."""
    o = ord(ch)
    return (
        is_han(ch)
        or 0x3000 < o <= 0x303F
        or 0xFF01 <= o <= 0xFF0F
        or 0xFF1A <= o <= 0xFF20
        or 0xFF3B <= o <= 0xFF40
        or 0xFF5B <= o <= 0xFF65
        or 0x2010 <= o <= 0x2027
        or ch in "*＊"
    )


# Where a sentence ends (a sentence is cut after these; half-width forms included
# because text may arrive before or without punctuation normalisation).
SENTENCE_END = "。！？；!?;"
# What a complete paragraph or line may end with: a sentence end, or a colon (a list
# or a quote follows) or an ellipsis. A line ending otherwise stops mid-sentence.
PARAGRAPH_END = SENTENCE_END + "：:…."
# Closing quotes and brackets that stay with the sentence before them.
CLOSERS = "”’」』）)】"


# -- the form two texts are compared in ------------------------------------------------
# NFKC (full-width ，：１ fold to ,:1; compatibility forms to their plain letters) with all
# white space dropped, one character at a time so that every position of the normalised
# text maps back to the clean text. Search collapses reposts on it (search._same_text) and
# trend counts exact mentions on it: one definition for both.

class _Normalised(dict):
    """ord(char) → its normalised form, filled on first sight (str.translate reads it)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        value = "" if ch.isspace() else unicodedata.normalize("NFKC", ch)
        self[code] = value
        return value


class _NormalisedLength(dict):
    """ord(char) → chr(length of its normalised form): a length per character, in C."""

    def __missing__(self, code: int) -> str:
        value = chr(len(_NORMALISED[code]))
        self[code] = value
        return value


_NORMALISED = _Normalised()
_NORMALISED_LENGTH = _NormalisedLength()


def normalised(text: str) -> str:
    """`text` as texts are compared: NFKC per character, white space removed."""
    return text.translate(_NORMALISED)


def normalised_ends(text: str):
    """For each character of `text`, where its normalised form ends in normalised(text)
    (a numpy array): position p of the normalised text came from character
    `numpy.searchsorted(ends, p, side="right")` of `text`."""
    import numpy as np

    lengths = np.frombuffer(text.translate(_NORMALISED_LENGTH).encode("latin-1"), dtype=np.uint8)
    return np.cumsum(lengths, dtype=np.int64)


# -- years and dates as speeches write them ----------------------------------------------
# 2023年3月5日, full-width ２０２３年３月５日 (PDF text), or in Chinese numerals: years digit
# by digit with 〇, 零 or ○ for zero (二〇二三年, 一九八○年: congress reports, the reports
# before 1990, official PDFs), months and days as numbers (三月五日, 十二月二十二日).
# Written here, not with cn2an: the digit-by-digit year and a number up to 31 (cn_number,
# which headings use too) are all a date needs, and cn2an would be a dependency for that.

_DIGIT = "0-9０-９〇零○一二三四五六七八九"
_YEAR_WRITTEN = rf"(?<![{_DIGIT}])([12１２一二][{_DIGIT}]{{3}})\s*年"
_YEAR_NAMED = re.compile(_YEAR_WRITTEN)
_DATE_NAMED = re.compile(rf"{_YEAR_WRITTEN}\s*([0-9０-９]{{1,2}}|[一二三四五六七八九十]{{1,2}})"
                         rf"\s*月\s*([0-9０-９]{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*[日号]")
_DIGITS = str.maketrans("０１２３４５６７８９〇零○一二三四五六七八九", "0123456789000123456789")
CN_DIGITS = "零一二三四五六七八九十"


def cn_number(s: str) -> int:
    """A number up to 99 as headings and dates write it: 一 → 1, 十二 → 12, 二十三 → 23,
    digits (half- or full-width) as they are; anything else 0."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (CN_DIGITS.index(tens) if tens else 1) * 10 + (CN_DIGITS.index(ones) if ones else 0)
    return CN_DIGITS.index(s) if len(s) == 1 else 0


# A national congress session names its year (第十二届全国人民代表大会第四次会议, 十二届全国人大
#四次会议, 全国政协十三届二次会议, 政协第十三届全国委员会第二次会议); a provincial one
# (河南省第十四届人民代表大会) does not, its terms differ by province. The standing
# committee's sessions (全国人大常委会第十次会议) are no annual session and are not read.
_N = rf"第?\s*([{CN_DIGITS}]{{1,3}}|[0-9]{{1,2}}|首)\s*"          # 首届, 首次: the first
_SESSION_NAMED = re.compile(
    rf"{_N}届\s*(?:全国人民代表大会|全国人大)\s*{_N}次\s*(?:全体)?会议"
    rf"|(?:全国人大|全国人民代表大会)\s*{_N}届\s*{_N}次\s*会议"
    rf"|全国政协\s*{_N}届\s*{_N}次\s*会议"
    rf"|政协\s*{_N}届\s*全国委员会\s*{_N}次\s*会议")


@functools.lru_cache(maxsize=1)
def _session_years() -> dict[tuple[int, int], int]:
    """(term, session) → year, from resources/npc_sessions.tsv (read here, not through
    lexicon, which is a layer above text)."""
    path = resources.files("pipeline") / "resources" / "npc_sessions.tsv"
    years = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            term, *sessions = line.split()
            years.update({(int(term), i + 1): int(y) for i, y in enumerate(sessions)})
    return years


def sessions_named(text: str) -> list[tuple[int, int, int]]:
    """(offset, term, session) of each national congress session a text names:
    第十三届全国人民代表大会第三次会议 → (0, 13, 3)."""
    return [(m.start(), *(1 if g == "首" else cn_number(g) for g in m.groups() if g is not None))
            for m in _SESSION_NAMED.finditer(text)]


def session_year(term: int, session: int) -> int | None:
    """The year the national congress's `term` met for its `session` (None: not in the table)."""
    return _session_years().get((term, session))


def years_named(text: str) -> tuple[int, ...]:
    """The years 1900–2099 a text names, in order, however they are written: as years
    or as a session of the national congress.

    >>> years_named("到二〇三五年基本实现社会主义现代化，２０２０年全面建成小康社会，1958年")
    (2035, 2020, 1958)
    >>> years_named("十二届全国人大四次会议的决议")
    (2016,)
    """
    found = [(m.start(), int(m[1].translate(_DIGITS))) for m in _YEAR_NAMED.finditer(text)]
    if "会议" in text:
        found = sorted(found + [(at, y) for at, term, session in sessions_named(text)
                                if (y := session_year(term, session)) is not None])
    return tuple(dict.fromkeys(y for _, y in found if 1900 <= y <= 2099))


def first_date(text: str) -> tuple[int, int, int] | None:
    """The first real date (year, month, day) a text names, however it is written.

    >>> first_date("（二〇二四年一月二十二日在河南省第十四届人民代表大会第二次会议上）")
    (2024, 1, 22)
    """
    for m in _DATE_NAMED.finditer(text):
        y, mo, d = int(m[1].translate(_DIGITS)), cn_number(m[2]), cn_number(m[3])
        try:
            datetime.date(y, mo, d)
        except ValueError:
            continue
        if 1900 <= y <= 2099:
            return y, mo, d
    return None
