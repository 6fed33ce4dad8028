"""Heading markers of Chinese official documents: 一、 > （一） > 第一， > 1. > （1）.

Shared by clean (a heading starts a new paragraph when wrapped text is rebuilt)
and structure (the section tree). Half-width brackets are accepted because clean
may see them before its punctuation pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import CN_DIGITS, cn_number

_CN = f"[{CN_DIGITS[1:]}]{{1,3}}"


@dataclass(frozen=True)
class Style:
    name: str
    rank: int              # canonical depth: lower is higher in the tree
    pattern: re.Pattern    # group 1 is the number
    fmt: str               # how the label prints, from the number


STYLES = (
    Style("cn_dun", 1, re.compile(rf"^({_CN})、(?![{CN_DIGITS}])"), "{}"),      # 一、 (not 一、二线城市)
    Style("cn_paren", 2, re.compile(rf"^[（(]({_CN})[）)]"), "（{}）"),          # （一）
    Style("cn_ordinal", 3, re.compile(rf"^第({_CN})[，,、：:]"), "第{}"),        # 第一，
    Style("arabic_dot", 4, re.compile(r"^(\d{1,2})[.．、](?![\d.．])"), "{}."),  # 1.
    Style("arabic_paren", 5, re.compile(r"^[（(](\d{1,2})[）)]"), "（{}）"),     # （1）
)


@dataclass(frozen=True)
class Marker:
    style: Style
    number: int
    label: str     # as printed in a section path: "二", "（一）", "1."
    length: int    # characters the marker takes at the start of the text


def match_marker(text: str) -> Marker | None:
    """The heading marker at the start of `text`, if any."""
    for style in STYLES:
        m = style.pattern.match(text)
        if m:
            number = cn_number(m.group(1))
            if number <= 0:
                continue
            return Marker(style, number, style.fmt.format(m.group(1)), m.end())
    return None
