"""targets: the quantitative targets of a speech, paired by indicator across two speeches.

A target is a figure stated as something to reach this period (国内生产总值增长6.5%左右,
赤字率拟按2.8%安排, 城镇新增就业1100万人以上): a figure in a target or directive
sentence, or in a sentence that states a goal (resources/goals.txt) and does not open
in the past (resources/past.txt), or in the list a "主要预期目标是：" sentence opens.
Its indicator is the name before the figure, from resources/indicators.tsv; a figure
with 左右/以上/以内/不低于/控制在… whose name is not listed is named by the words
before it and paired only with the same words on the other side.

How two values compare (the README says the same):
- a value is an interval: 7% is [7, 7]; 6.5%－7% is [6.5, 7]; 左右 and 上下 keep the
  point; 以上/不低于/不少于/超过 make it a floor, 以内/以下/不超过/不高于 a ceiling;
- the change is decided by the middle of the interval (a floor or ceiling by its bound):
  7%左右 → 6.5%－7% is `lowered` (6.75 < 7), 6.5%左右 → 6%－6.5% is `lowered`;
- the same middle with another form is `reworded` (5.5%以内 → 5.5%左右, 3%以上 → 3%左右);
  the same middle and form is `unchanged` (1000万人以上 = 1000万以上);
- figures in different units (a % against 亿元) are `reworded`.
An indicator the new speech names without a figure (进出口回稳向好) counts as dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .. import lexicon as lexicon_module
from ..lexicon import read_list, resource_path
from ..model import Sentence, Speech
from .result import TargetChange, TargetSide

_NUM = r"\d+(?:\.\d+)?"
_MAG = r"万亿|亿|万|千"
_UNIT = r"%|％|个百分点|元|人次|人|斤|吨|户|套|亩|公里|千瓦|立方米|平方米|所|个|家|项|辆|座|台|倍|美元"
_ONE = rf"(?:{_NUM})\s*(?:{_MAG})?\s*(?:{_UNIT})?"
VALUE = re.compile(rf"(?P<lo>{_ONE})(?:\s*[－\-—–~～至]\s*(?P<hi>{_ONE}))?\s*(?P<q>左右|上下|以上|以内|以下)?")
_PARTS = re.compile(rf"(?P<n>{_NUM})\s*(?P<mag>{_MAG})?\s*(?P<unit>{_UNIT})?")
_MAGNITUDE = {"千": 1e3, "万": 1e4, "亿": 1e8, "万亿": 1e12}
_FLOOR = ("以上", "不低于", "不少于", "超过", "高于", "达到")
_CEILING = ("以内", "以下", "不超过", "不高于", "低于")
_GOAL_OPENER = re.compile(r"(?:主要)?预期目标(?:是|为)")
_GOAL_OPENS = re.compile(r"预期目标(?:是|为|[：:])")    # a sentence that opens this year's goal list
_GOAL_LEAD = re.compile(r"(?:主要)?预期目标(?:是|为)?[：:]\s*$|目标是[：:]\s*$")
_CLAUSE = re.compile(r"[^，,；;。！？!?：:]+")
_OTHER_YEARS = re.compile(r"五年|今后|十[二三四五]五|年均|累计|到20\d\d年|20\d\d年前|[一二三四五六七八九十]年来|过去")
_THIS_PERIOD = re.compile(r"今年|主要预期目标|拟|预期|全年|本年")
_DIFF = re.compile(r"(?:比|较)[^，；。]{0,8}(?:增加|减少|提高|降低|高|低|下降|上升|多|少)$")


@dataclass(frozen=True)
class Value:
    """A figure as written and the interval it means."""

    text: str
    low: float
    high: float
    unit: str             # % / 元 / 人 … ('' when none)
    form: str             # point / approx / floor / ceiling / range

    @property
    def middle(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class Mention:
    indicator: str
    known: bool
    value: Value
    start: int            # speech offsets of the words that state it
    end: int
    sentence: Sentence
    rank: tuple           # lower is the better mention of this indicator


@lru_cache(maxsize=1)
def indicators() -> tuple[tuple[str, re.Pattern], ...]:
    """resources/indicators.tsv: (canonical name, pattern), in file order."""
    out = []
    for line in read_list(resource_path("indicators.tsv")):
        name, _, pattern = line.partition("\t")
        out.append((name.strip(), re.compile(pattern.strip())))
    return tuple(out)


def parse_value(text: str, before: str = "") -> Value | None:
    """`6.5%－7%`, `1100万人以上`, `控制在4.6%以内` … as an interval; None if no figure."""
    m = VALUE.search(text)
    if not m:
        return None
    lo = _PARTS.match(m.group("lo"))
    hi = _PARTS.match(m.group("hi")) if m.group("hi") else None
    unit = _unit((hi or lo).group("unit") or lo.group("unit") or "")
    mag = (hi or lo).group("mag") or lo.group("mag")
    low = float(lo.group("n")) * _MAGNITUDE.get(lo.group("mag") or mag or "", 1)
    high = float(hi.group("n")) * _MAGNITUDE.get(hi.group("mag") or mag or "", 1) if hi else low
    q = m.group("q") or ""
    if hi:
        form = "range"
    elif q in ("左右", "上下"):
        form = "approx"
    elif q in _FLOOR or before.endswith(_FLOOR):
        form = "floor"
    elif q in _CEILING or before.endswith(_CEILING):
        form = "ceiling"
    else:
        form = "point"
    return Value(m.group(0).strip(), low, high, unit, form)


def _unit(unit: str) -> str:
    return {"％": "%", "人次": "人次"}.get(unit, unit)


def compare_values(old: Value, new: Value) -> str:
    """raised / lowered / unchanged / reworded, as the module docstring says."""
    counts = {"人", "户", "个", ""}
    same_unit = old.unit == new.unit or (old.unit in counts and new.unit in counts)
    if not same_unit:
        return "reworded"
    a, b = old.middle, new.middle
    if abs(a - b) > 1e-9 * max(abs(a), abs(b), 1):
        return "raised" if b > a else "lowered"
    return "unchanged" if (old.form, old.low, old.high) == (new.form, new.low, new.high) else "reworded"


def mentions(speech: Speech) -> list[Mention]:
    """Every target figure of the speech with its indicator, in reading order."""
    past = lexicon_module.past_pattern()
    goal = lexicon_module.goal_pattern()
    out: list[Mention] = []
    goal_list: set[int] = set()   # paragraphs holding this period's goal list (its sentences end in ；)
    in_list = False
    previous: tuple[int, bool] | None = None
    review = review_paths(speech)
    for sentence in speech.sentences:
        if sentence.kind == "heading" or any(sentence.section_path[:len(p)] == p for p in review):
            continue
        if _GOAL_OPENER.search(sentence.text) and not _OTHER_YEARS.search(sentence.text):
            goal_list.add(sentence.paragraph_number)
            in_list = True
            if _GOAL_LEAD.search(sentence.text):       # 主要预期目标是： at a paragraph's end: the list follows
                goal_list.add(sentence.paragraph_number + 1)
        elif sentence.paragraph_number not in goal_list:
            in_list = False
        listed = in_list and sentence.paragraph_number in goal_list
        # a sentence after a forward one's ；in the same paragraph goes on with it (赤字率拟按2.6%安排…；财政赤字2.38万亿元)
        carried = previous is not None and previous[0] == sentence.paragraph_number and previous[1]
        forward = (sentence.kind in ("target", "directive") or bool(goal.search(sentence.text)) or listed or carried) \
            and not past.search(sentence.text)
        if forward:
            out.extend(_sentence_mentions(speech, sentence, listed))
        previous = (sentence.paragraph_number, forward and sentence.text.endswith(("；", ";")))
    return out


@lru_cache(maxsize=1)
def _review_pattern() -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in read_list(resource_path("review_sections.txt"))))


def review_paths(speech: Speech) -> list[tuple[str, ...]]:
    """Sections that review past work (resources/review_sections.txt): their figures are results."""
    pattern = _review_pattern()
    return [s.path for s in speech.walk_sections() if pattern.search(s.title)]


def _sentence_mentions(speech: Speech, sentence: Sentence, after_goal_lead: bool) -> list[Mention]:
    text, base = sentence.text, sentence.span.start
    # a sentence that opens the goal list (预期目标是/为/：), not any naming 预期目标 (the 14th plan's
    # 各年度视情提出经济增长预期目标 sits in a five-year paragraph whose figures are not this year's)
    goal_list = after_goal_lead or bool(_GOAL_OPENS.search(text))
    found: list[Mention] = []
    for clause in _CLAUSE.finditer(text):
        c_text, c_start = clause.group(0), clause.start()
        if _OTHER_YEARS.search(c_text) and not goal_list:
            continue
        taken: list[tuple[int, int]] = []
        for name, pattern in indicators():
            for m in pattern.finditer(c_text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                hit = _value_after(c_text, m.end()) or _value_before(c_text, m.start())
                if hit is None:
                    continue
                v_start, value = hit
                taken.append((m.start(), m.end()))
                s, e = min(m.start(), v_start), max(m.end(), v_start + len(value.text))
                found.append(Mention(name, True, value, base + c_start + s, base + c_start + e, sentence,
                                     _rank(sentence, goal_list, c_text)))
        if not taken:
            found.extend(_unnamed(speech, sentence, c_text, base + c_start, goal_list))
    return found


def _value_after(clause: str, at: int) -> tuple[int, Value] | None:
    """The figure after an indicator's name: within 12 characters, the second of 从…到…,
    not a difference (比去年增加2700亿元)."""
    rest = clause[at:]
    m = VALUE.search(rest)
    if not m or m.start() > 12:
        return None
    gap = rest[:m.start()]
    if _DIFF.search(gap):
        return None
    if "从" in gap:
        to = re.search(r"(?:到|至)", rest[m.end():])
        if not to:
            return None
        m2 = VALUE.search(rest, m.end() + to.end())
        if not m2 or m2.start() - (m.end() + to.end()) > 2:
            return None
        m, gap = m2, rest[:m2.start()]
    value = parse_value(m.group(0), before=gap)
    return (at + m.start(), value) if value else None


def _value_before(clause: str, at: int) -> tuple[int, Value] | None:
    """完成1000万以上农村贫困人口脱贫: a figure that ends right before the name."""
    for m in VALUE.finditer(clause[:at]):
        if m.end() >= at - 1 and m.group("q"):
            value = parse_value(m.group(0))
            return (m.start(), value) if value else None
    return None


def _unnamed(speech: Speech, sentence: Sentence, clause: str, start: int, goal_list: bool) -> list[Mention]:
    """A figure with 左右/以上/以内 or after 不低于/控制在… whose indicator is not listed:
    named by the Chinese words before it in its clause (新增高标准农田8000万亩以上 →
    新增高标准农田)."""
    out = []
    for m in VALUE.finditer(clause):
        before = clause[:m.start()]
        lead = re.search(r"(?:不低于|不少于|不超过|不高于|控制在|保持在|稳定在)$", before)
        if not (m.group("q") or m.group("hi") or lead):
            continue
        if _DIFF.search(before):
            continue
        name = _name_before(before[:lead.start()] if lead else before)
        if not name:
            continue
        value = parse_value(m.group(0), before=before)
        if value is None or value.unit in ("个百分点",):
            continue
        s = before.rfind(name)
        out.append(Mention(name, False, value, start + s, start + m.end(), sentence, _rank(sentence, goal_list, clause)))
        break
    return out


_LEAD_WORDS = re.compile(r"^(?:今年|全年|要|拟|再|力争|确保|努力|继续|进一步|安排|完成|实现|其中|全国|同时|预计|计划|预期)+")


def _name_before(text: str) -> str | None:
    """The indicator words of `…农村公路20万公里以上`: Chinese characters right before the figure, 2–10 long."""
    m = re.search(r"[\u4e00-\u9fff]{2,12}$", text)
    if not m:
        return None
    name = _LEAD_WORDS.sub("", m.group(0))
    return name if 2 <= len(name) <= 10 else None


def _rank(sentence: Sentence, goal_list: bool, clause: str) -> tuple:
    """This period's goal list first, then sentences naming this year, then the rest; then reading order."""
    if goal_list:
        tier = 0
    elif _THIS_PERIOD.search(sentence.text) and not _OTHER_YEARS.search(clause):
        tier = 1
    else:
        tier = 2
    return (tier, sentence.span.start)


def best_mentions(speech: Speech) -> dict[str, Mention]:
    """One mention per indicator: the best ranked (the goal list's, else the first)."""
    best: dict[str, Mention] = {}
    for m in mentions(speech):
        if m.indicator not in best or m.rank < best[m.indicator].rank:
            best[m.indicator] = m
    return best


def pair_targets(old: Speech, new: Speech) -> tuple[TargetChange, ...]:
    """Every target of either speech, paired by indicator; changed ones first, each group
    in the new speech's reading order (dropped ones in the old's)."""
    a, b = best_mentions(old), best_mentions(new)
    changes: list[tuple[tuple, TargetChange]] = []
    for name in dict.fromkeys(list(b) + list(a)):
        o, n = a.get(name), b.get(name)
        known = (o or n).known
        if o and n:
            change = compare_values(o.value, n.value)
        elif n:
            change = "new"
        else:
            change = "dropped"
        order = (0 if change != "unchanged" else 1, 0 if n else 1, (n or o).start)
        changes.append((order, TargetChange(name, change, _side(old, o), _side(new, n), known)))
    # an unlisted name is only worth showing when it is paired or carries a qualifier on a goal list
    kept = [c for key, c in sorted(changes, key=lambda x: x[0])
            if c.known or (c.old and c.new) or _strong((a.get(c.indicator) or b.get(c.indicator)))]
    return tuple(kept)


def _strong(m: Mention | None) -> bool:
    return m is not None and m.rank[0] == 0


def _side(speech: Speech, m: Mention | None) -> TargetSide | None:
    if m is None:
        return None
    return TargetSide(m.value.text, speech.text[m.start:m.end], m.start, m.end, speech.citation(m.sentence))
