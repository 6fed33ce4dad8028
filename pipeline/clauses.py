"""clauses: the clauses of a long sentence, indexed beside it.

Work reports pack several facts into one sentence (…疏解一般制造业企业104家，治理违法
建设2049万平方米，…); a question about one of them matches that clause far better than
the whole sentence. A sentence is cut at ；，： (full or half width) into clauses of at
least MIN_CLAUSE characters (a shorter piece joins the next one); a sentence that
yields fewer than two clauses has none. Spans are offsets inside the sentence, so a
clause is always an exact quote of it.
"""

from __future__ import annotations

import re

MIN_CLAUSE = 12          # characters; shorter pieces are joined to their neighbour
MIN_SENTENCE = 50        # a shorter sentence is its own clause (keeps the build ≤ 1.6× the cost)
_CUT = re.compile(r"[；，：;,:]")
_TRAILING = "。！？!?…；，：;,: \u3000"


def clause_spans(sentence: str) -> list[tuple[int, int]]:
    """Half-open (start, end) offsets of the clauses of `sentence`, separators excluded."""
    if len(sentence) < MIN_SENTENCE:
        return []
    pieces: list[tuple[int, int]] = []
    start = 0
    for m in _CUT.finditer(sentence):
        pieces.append((start, m.start()))
        start = m.end()
    pieces.append((start, len(sentence)))
    spans: list[tuple[int, int]] = []
    begin = None
    for a, b in pieces:
        begin = a if begin is None else begin
        if b - begin >= MIN_CLAUSE:
            spans.append((begin, b))
            begin = None
    if begin is not None:
        if spans:
            spans[-1] = (spans[-1][0], len(sentence))
        else:
            spans.append((begin, len(sentence)))
    spans = [_trim(sentence, a, b) for a, b in spans]
    return spans if len(spans) >= 2 else []


def _trim(sentence: str, start: int, end: int) -> tuple[int, int]:
    while end > start and sentence[end - 1] in _TRAILING:
        end -= 1
    while start < end and sentence[start] in " \u3000":
        start += 1
    return start, end
