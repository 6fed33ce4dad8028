"""What every stage agrees a Chinese text is made of: which characters are Chinese
(汉字), which count as Chinese context for punctuation, and which marks end a
sentence or a paragraph. One definition each; the stages import them from here.
"""

from __future__ import annotations

import re

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
