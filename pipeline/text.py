"""What every stage agrees a Chinese text is made of: which characters are Chinese
(汉字), which count as Chinese context for punctuation, and which marks end a
sentence or a paragraph. One definition each; the stages import them from here.
"""

from __future__ import annotations

import re
import unicodedata

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
