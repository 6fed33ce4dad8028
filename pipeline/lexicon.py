"""The data files in resources/, loaded once: chrome patterns, cue words, actors,
salutations, ceremony phrases, stopwords, question cues and the jieba domain dictionary.

Users extend a list by passing their own file (same format) to `Lexicon.load`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable


def resource_path(name: str) -> Path:
    return Path(str(resources.files("pipeline") / "resources" / name))


def read_list(path: str | Path) -> list[str]:
    """Non-empty, non-comment lines of a UTF-8 list file."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


@dataclass(frozen=True)
class Lexicon:
    mandatory: frozenset[str]
    advisory: frozenset[str]
    imperative: frozenset[str]       # 加强… at the start of a sentence
    adverbs: frozenset[str]          # 进一步 … that may precede an imperative verb
    actors: tuple[str, ...]          # longest first
    targets: tuple[re.Pattern, ...]
    deadlines: tuple[re.Pattern, ...]
    ceremony: tuple[re.Pattern, ...]

    @cached_property
    def cue_words(self) -> frozenset[str]:
        return self.mandatory | self.advisory | self.imperative

    @classmethod
    def load(cls, extra_actors: Iterable[str | Path] = ()) -> "Lexicon":
        actors = set(read_list(resource_path("actors.txt")))
        for path in extra_actors:
            actors.update(read_list(path))
        verbs, _, adverbs = "\n".join(read_list(resource_path("imperative.txt"))).partition("[adverbs]")
        return cls(
            mandatory=frozenset(read_list(resource_path("mandatory.txt"))),
            advisory=frozenset(read_list(resource_path("advisory.txt"))),
            imperative=frozenset(verbs.split()),
            adverbs=frozenset(adverbs.split()),
            actors=tuple(sorted(actors, key=lambda a: (-len(a), a))),
            targets=tuple(re.compile(p) for p in read_list(resource_path("targets.txt"))),
            deadlines=tuple(re.compile(p) for p in read_list(resource_path("deadlines.txt"))),
            ceremony=tuple(re.compile(p) for p in read_list(resource_path("ceremony.txt"))),
        )


@lru_cache(maxsize=1)
def default() -> Lexicon:
    return Lexicon.load()


@lru_cache(maxsize=1)
def chrome_patterns() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.I) for p in read_list(resource_path("chrome.txt")))


@lru_cache(maxsize=1)
def _salutation() -> re.Pattern:
    alternatives = "|".join(f"(?:{p})" for p in read_list(resource_path("salutations.txt")))
    return re.compile(rf"^(?:{alternatives})[：:]")


def salutation_at(text: str) -> re.Match | None:
    """A salutation (同志们：) at the start of `text`, colon included."""
    return _salutation().match(text)


def starts_with_salutation(text: str) -> bool:
    return salutation_at(text) is not None


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(read_list(resource_path("stopwords.txt")))


@dataclass(frozen=True)
class QuestionCues:
    interrogatives: re.Pattern      # 多少, 什么, 如何 … (longest first)
    quantity_question: re.Pattern   # the query asks for a number, date or share
    quantity: re.Pattern            # a sentence states one


@lru_cache(maxsize=1)
def question_cues() -> QuestionCues:
    """resources/questions.txt: blocks headed [interrogatives], [quantity questions], [quantities]."""
    blocks: dict[str, list[str]] = {}
    current = ""
    for line in read_list(resource_path("questions.txt")):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
        else:
            blocks.setdefault(current, []).append(line)
    words = sorted({w for line in blocks["interrogatives"] for w in line.split()}, key=lambda w: (-len(w), w))
    return QuestionCues(
        interrogatives=re.compile("|".join(map(re.escape, words))),
        quantity_question=re.compile("|".join(f"(?:{p})" for p in blocks["quantity questions"])),
        quantity=re.compile("|".join(f"(?:{p})" for p in blocks["quantities"])),
    )


@lru_cache(maxsize=1)
def not_modal_yao() -> frozenset[str]:
    """要- words that are not the modal 要 (要求, 要点 …): resources/not_modal_yao.txt."""
    return frozenset(read_list(resource_path("not_modal_yao.txt")))


def _alternatives(name: str, anchored: bool = False) -> re.Pattern:
    body = "|".join(f"(?:{p})" for p in read_list(resource_path(name)))
    return re.compile(f"^(?:{body})" if anchored else body)


@lru_cache(maxsize=1)
def goal_pattern() -> re.Pattern:
    """A sentence that states a goal (目标, 力争, 年底前 …): resources/goals.txt."""
    return _alternatives("goals.txt")


@lru_cache(maxsize=1)
def past_pattern() -> re.Pattern:
    """A sentence that opens in the past (去年, 五年来 …): resources/past.txt, matched at the start."""
    return _alternatives("past.txt", anchored=True)


@lru_cache(maxsize=1)
def prohibition_pattern() -> re.Pattern:
    """A negated advisory cue (不要, 不应 …), a prohibition: resources/prohibitions.txt."""
    return re.compile("|".join(map(re.escape, read_list(resource_path("prohibitions.txt")))))


@lru_cache(maxsize=1)
def front_offices() -> tuple[str, ...]:
    """Offices and forms of address that mark a front-matter line: resources/front_offices.txt."""
    return tuple(read_list(resource_path("front_offices.txt")))


@lru_cache(maxsize=1)
def speech_kinds() -> tuple[str, ...]:
    """Kinds of text a title names, longer names first: resources/speech_kinds.txt."""
    return tuple(read_list(resource_path("speech_kinds.txt")))


@dataclass(frozen=True)
class PlaceNames:
    """The gazetteer's provinces and prefectures as Meta.place names them (query.Gazetteer
    is the same file read for queries: every level, each name → its places)."""

    names: re.Pattern                # every full and short name, longest first
    place: dict[str, str]            # a name as written → the place it stands for (河南 → 河南省, 洛阳 → 河南省洛阳市)


GAZETTEER = "gazetteer.tsv"
PLACE_LEVELS = ("province", "prefecture", "county")


@lru_cache(maxsize=1)
def gazetteer_rows() -> tuple[tuple[str, str, str, str], ...]:
    """resources/gazetteer.tsv: (name, short name, level, province) of every province,
    prefecture and county — the one list of places; query understanding reads all of it,
    Meta.place its provinces and prefectures."""
    from .errors import GovSpeechError

    path = resource_path(GAZETTEER)
    lines = read_list(path)
    if not lines or lines[0].split("\t") != ["name", "short", "level", "province"]:
        raise GovSpeechError(f"{path}: first line must be the header name<TAB>short<TAB>level<TAB>province")
    rows = []
    for n, line in enumerate(lines[1:], 2):
        cells = line.split("\t")
        if len(cells) != 4 or cells[2] not in PLACE_LEVELS:
            raise GovSpeechError(f"{path}: row {n} is not name, short, level, province: {line!r}")
        rows.append(tuple(cells))
    return tuple(rows)


@lru_cache(maxsize=1)
def place_names() -> PlaceNames:
    """Provinces and prefecture-level divisions by full and short name, for Meta.place. A
    prefecture stands for itself with its province (洛阳市 → 河南省洛阳市), so that a filter
    on either name finds it; a short name that is also a common word (长治) is not in the file."""
    place: dict[str, str] = {}
    for full, short, level, province in gazetteer_rows():
        if level == "county":
            continue
        canonical = full if level == "province" else province + full
        place[full] = canonical
        place.setdefault(short, canonical)      # 吉林 is the province; 吉林市 only by its full name
    names = sorted(place, key=lambda n: (-len(n), n))
    return PlaceNames(re.compile("|".join(map(re.escape, names))), place)
