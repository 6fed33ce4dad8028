"""directives: mark each body sentence as directive / target / statement.

A directive carries a cue word from resources/mandatory.txt (必须, 严禁 …) or
resources/advisory.txt (要, 切实 …), matched on jieba words so that 重要 or
要害 never count as 要. Its actors come from resources/actors.txt (plus any file
the user adds); measurable targets (numbers, percentages, 高于/不低于, 年底前)
from resources/targets.txt. A target is a directive or goal sentence that
states a measure; a past-tense figure (去年增长3%) stays a statement.
"""

from __future__ import annotations

from dataclasses import replace

from . import lexicon as lexicon_module
from .lexicon import Lexicon
from .model import Sentence, Speech
from .tokenize import words


def classify(sentence: Sentence, lexicon: Lexicon) -> Sentence:
    """The sentence with its kind, strength, cues, actors and targets filled in."""
    if sentence.kind in ("heading", "salutation", "front"):
        return sentence
    tokens = words(sentence.text) if _may_have_cue(sentence.text, lexicon) else ()
    ordering = [w for i, w in enumerate(tokens) if not _assesses(tokens, i)]
    mandatory = [w for w in ordering if w in lexicon.mandatory]
    advisory = [w for w in ordering if w in lexicon.advisory]
    # 要 glued by jieba to the verb after it (要选) is still the modal; 要求, 要点 … are not.
    not_modal = lexicon_module.not_modal_yao()
    advisory += ["要" for w in ordering if len(w) > 1 and w[0] == "要" and w not in not_modal and w not in lexicon.cue_words]
    opening = _opening_verb(tokens, lexicon)
    if opening:
        advisory.append(opening)
    prohibition = lexicon_module.prohibition_pattern().search(sentence.text)
    if prohibition:
        mandatory.append(prohibition.group(0))
    cues = tuple(dict.fromkeys(mandatory + advisory))
    strength = "mandatory" if mandatory else ("advisory" if advisory else None)
    measures = _matches(sentence.text, lexicon.targets)
    targets = _matches(sentence.text, lexicon.targets + lexicon.deadlines)
    is_goal = bool(lexicon_module.goal_pattern().search(sentence.text)) and not lexicon_module.past_pattern().search(sentence.text)
    if measures and (strength or is_goal):
        kind = "target"
    elif strength:
        kind = "directive"
    else:
        kind, targets = "statement", ()
    actors = _actors(_outside(sentence.text, targets), lexicon) if kind != "statement" else ()
    return replace(sentence, kind=kind, strength=strength if kind != "statement" else None,
                   cues=cues if kind != "statement" else (), actors=actors, targets=targets)


def annotate(speech: Speech, lexicon: Lexicon | None = None) -> Speech:
    """Classify every sentence of a speech."""
    lexicon = lexicon or lexicon_module.default()
    return replace(speech, sentences=tuple(classify(s, lexicon) for s in speech.sentences))


def _may_have_cue(text: str, lexicon: Lexicon) -> bool:
    """A cheap substring test before jieba: no cue word in the text, no directive."""
    return any(cue in text for cue in lexicon.cue_words)


def _assesses(tokens, i: int) -> bool:
    """Does token i (a cue such as 必须 or 要) govern a verb of seeing or knowing, making
    the clause an assessment (必须清醒认识到，… / 同时要看到，…) rather than an order?"""
    cues = lexicon_module.assessment_cues()
    j = i + 1
    while j < len(tokens) and tokens[j] in cues.adverbs:
        j += 1
    if j >= len(tokens):
        return False
    verb, after = tokens[j], tokens[j + 1] if j + 1 < len(tokens) else ""
    if tokens[i].startswith("要") and len(tokens[i]) > 1:     # 要看到 glued by jieba
        verb, after = tokens[i][1:], tokens[i + 1] if i + 1 < len(tokens) else ""
    return (verb in cues.verbs and after not in cues.joiners) or (verb in cues.verbs_before_dao and after in ("到", "，", ","))


def _opening_verb(tokens: list[str], lexicon: Lexicon) -> str | None:
    """The imperative verb that opens a sentence (加强…, 进一步推进…), if any."""
    content = [t for t in tokens if t.strip() and t not in "，、：“”"]
    for i, token in enumerate(content[:3]):
        if token in lexicon.imperative:
            # 发展是第一要务: the verb is the subject of 是, not an order
            return None if "是" in content[i + 1:i + 3] else token
        if token not in lexicon.adverbs:
            return None
    return None


def _matches(text: str, patterns) -> tuple[str, ...]:
    """Non-overlapping matches of all patterns, longest kept, in text order."""
    found: list[tuple[int, int]] = []
    for pattern in patterns:
        for m in pattern.finditer(text):
            s, e = m.span()
            if e > s and not any(a <= s and e <= b for a, b in found):
                found = [(a, b) for a, b in found if not (s <= a and b <= e)] + [(s, e)]
    return tuple(text[a:b] for a, b in sorted(found))


def _outside(text: str, targets: tuple[str, ...]) -> str:
    """The text with its targets blanked: 农民 in 高于全市农民平均水平 is a yardstick, not an actor."""
    for t in targets:
        text = text.replace(t, " " * len(t))
    return text


def _actors(text: str, lexicon: Lexicon) -> tuple[str, ...]:
    """Dictionary actors in the sentence, longest match first, no overlaps, in order."""
    taken = [False] * len(text)
    hits: list[tuple[int, str]] = []
    for actor in lexicon.actors:
        start = text.find(actor)
        while start != -1:
            end = start + len(actor)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(actor)
                hits.append((start, actor))
            start = text.find(actor, end)
    return tuple(dict.fromkeys(a for _, a in sorted(hits)))
