"""query: what a search query says beyond its words: the places it names, the
years it asks about (今年, 去年, 2026年, 十五五) and the kind of quantity it wants
(万人, 亿元, %), and the official wording of its everyday words (粮产 → 粮食产量,
中产 → 中等收入群体), which the query is also encoded with.

`understand(query)` returns an `Understood`; search turns it into ranking features
against each candidate's speech (its place and year) and sentence (its numbers and
tense). They are soft priors, never filters: a question about 河南 still finds a
national sentence when no Henan speech answers it.

The places come from resources/gazetteer.tsv (every province, prefecture and county,
with its short name: 河南 for 河南省, 郑州 for 郑州市); the time words, units and
cues from resources/query.txt; the official wording from resources/synonyms.tsv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import GovSpeechError
from .lexicon import gazetteer_rows, question_cues, read_list, resource_path
from .text import years_named
from .tokenize import index_terms, terms

QUERY_WORDS = "query.txt"
SYNONYMS = "synonyms.tsv"
_NUMBER = r"(?:[0-9０-９]+(?:[.．][0-9０-９]+)?|[一二三四五六七八九十两百千万亿零〇几]+多?)"


@dataclass(frozen=True)
class Place:
    name: str            # as the gazetteer spells it: 河南省
    level: str           # province / prefecture / county
    province: str        # 河南省 (its own name for a province)


@dataclass(frozen=True)
class Understood:
    """What a query asks about. Empty fields: the query said nothing of it."""

    places: tuple[Place, ...] = ()
    years: tuple[int, ...] = ()          # 2026年 → 2026
    offset: int | None = None            # 今年 0, 去年 -1, 明年 1: relative to the speech's year
    period: tuple[int, int] | None = None   # 十五五 → (2026, 2030)
    quantity: bool = False               # asks for a number, share or date
    units: tuple[str, ...] = ()          # quantity kinds asked for: percent, money, people …
    also: tuple[str, ...] = ()           # official wording of the query's everyday words (粮产 → 粮食产量)

    @property
    def provinces(self) -> frozenset[str]:
        return frozenset(p.province for p in self.places)

    def empty(self) -> bool:
        return not (self.places or self.years or self.offset is not None or self.period or self.quantity or self.also)

    def to_dict(self) -> dict:
        return {"places": [{"name": p.name, "level": p.level, "province": p.province} for p in self.places],
                "years": list(self.years), "relative_year": self.offset,
                "period": list(self.period) if self.period else None,
                "quantity": self.quantity, "units": list(self.units), "also_searched": list(self.also)}

    def encoding_text(self, query: str) -> str:
        """What the encoder reads: the query, followed by the official wording of its
        everyday words in brackets (both meanings in one vector, one encoding)."""
        return f"{query}（{'，'.join(self.also)}）" if self.also else query


@dataclass(frozen=True)
class QueryWords:
    relative: dict[str, int]
    periods: dict[str, tuple[int, int]]
    units: dict[str, str]                 # unit → kind
    cues: tuple[tuple[str, str], ...]     # (cue word, kind)
    forward: frozenset[str]
    backward: frozenset[str]


def _blocks(name: str) -> dict[str, list[str]]:
    path = resource_path(name)
    blocks: dict[str, list[str]] = {}
    current = ""
    for line in read_list(path):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
        elif not current:
            raise GovSpeechError(f"{path}: line {line!r} comes before any [block]")
        else:
            blocks.setdefault(current, []).append(line)
    return blocks


@lru_cache(maxsize=1)
def query_words() -> QueryWords:
    blocks = _blocks(QUERY_WORDS)
    path = resource_path(QUERY_WORDS)
    try:
        relative = {w: int(n) for w, n in (line.split() for line in blocks["relative years"])}
        periods = {w: (int(a), int(b)) for w, a, b in (line.split() for line in blocks["plan periods"])}
        units = {u: kind for line in blocks["units"] for kind, *us in [line.split()] for u in us}
        cues = tuple((w, kind) for line in blocks["kind cues"] for kind, *ws in [line.split()] for w in ws)
        forward = frozenset(w for line in blocks["forward"] for w in line.split())
        backward = frozenset(w for line in blocks["backward"] for w in line.split())
    except (KeyError, ValueError) as exc:
        raise GovSpeechError(f"{path}: malformed ({exc.__class__.__name__}: {exc})") from None
    return QueryWords(relative, periods, units, cues, forward, backward)


@dataclass(frozen=True)
class Gazetteer:
    by_name: dict[str, tuple[Place, ...]]   # full and short names → places
    pattern: re.Pattern                     # every name, longest first

    def find(self, text: str) -> tuple[Place, ...]:
        """Places named in `text`, in order, each once (longest name wins: 郑州市 not 郑州 + 市)."""
        found: dict[Place, None] = {}
        for m in self.pattern.finditer(text):
            for place in self.by_name[m.group()]:
                found.setdefault(place, None)
        return tuple(found)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    by_name: dict[str, list[Place]] = {}
    for name, short, level, province in gazetteer_rows():
        place = Place(name, level, province)
        for key in {name, short}:
            by_name.setdefault(key, []).append(place)
    # a bare short name shared by several places prefers the higher level (吉林 the province)
    rank = {"province": 0, "prefecture": 1, "county": 2}
    names = sorted(by_name, key=lambda w: (-len(w), w))
    return Gazetteer({k: tuple(sorted(v, key=lambda p: rank[p.level])) for k, v in by_name.items()},
                     re.compile("|".join(map(re.escape, names))))


@dataclass(frozen=True)
class Synonyms:
    official: dict[str, tuple[str, ...]]    # everyday wording → the official terms
    pattern: re.Pattern | None              # every everyday wording, longest first

    def find(self, query: str) -> tuple[str, ...]:
        """Official terms for the everyday words of `query` (longest match wins; terms the
        query already holds are left out), in order, each once."""
        if self.pattern is None:
            return ()
        found: dict[str, None] = {}
        for m in self.pattern.finditer(query):
            for term in self.official[m.group()]:
                if term not in query:
                    found.setdefault(term, None)
        return tuple(found)


def read_synonyms(path) -> Synonyms:
    """A synonyms file: `everyday<TAB>official1|official2` lines, # comments.

    Raises:
        GovSpeechError: a malformed line, named by file and line number.
    """
    from pathlib import Path

    official: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        left, tab, right = line.partition("\t")
        terms = tuple(t.strip() for t in right.split("|") if t.strip())
        if not tab or not left.strip() or not terms:
            raise GovSpeechError(f"{path}: line {number}: expected `everyday<TAB>official|official…`")
        official[left.strip()] = tuple(dict.fromkeys(official.get(left.strip(), ()) + terms))
    names = sorted(official, key=lambda w: (-len(w), w))
    return Synonyms(official, re.compile("|".join(map(re.escape, names))) if names else None)


@lru_cache(maxsize=1)
def synonyms() -> Synonyms:
    return read_synonyms(resource_path(SYNONYMS))


def places_in(text: str) -> tuple[Place, ...]:
    return gazetteer().find(text)


def _quantity_question(query: str) -> bool:
    return bool(question_cues().quantity_question.search(query))


@lru_cache(maxsize=1)
def _unit_pattern() -> re.Pattern:
    units = sorted(query_words().units, key=lambda u: (-len(u), u))
    return re.compile(rf"{_NUMBER}\s*({'|'.join(map(re.escape, units))})|百分之")


@lru_cache(maxsize=1)
def _asked_unit_pattern() -> re.Pattern:
    units = sorted(query_words().units, key=lambda u: (-len(u), u))
    return re.compile(rf"(?:多少|几|多大|多高|多长|多远)\s*({'|'.join(map(re.escape, units))})")


def unit_kinds(text: str) -> frozenset[str]:
    """Quantity kinds a sentence states: '新增就业1200万人以上' → {people}."""
    units = query_words().units
    return frozenset("percent" if m.group(1) is None else units[m.group(1)] for m in _unit_pattern().finditer(text))


@lru_cache(maxsize=1024)
def understand(query: str, literal: bool = False) -> Understood:
    """Read places, years, relative time and the quantity asked for out of a query
    (cached: one search reads its query for the encoder, the features and the JSON).
    With `literal` (`--literal`), only whether it asks for a quantity (the previous
    release's prior).

    >>> understand("河南今年GDP预期涨幅定在多少").to_dict()["places"][0]["name"]
    '河南省'
    """
    if literal:
        return Understood(quantity=bool(question_cues().quantity_question.search(query)))
    words = query_words()
    places = places_in(query)
    years = years_named(query)
    offset = next((n for w, n in sorted(words.relative.items(), key=lambda x: -len(x[0])) if w in query), None)
    period = next((span for w, span in words.periods.items() if w in query), None)
    quantity = _quantity_question(query)
    kinds: list[str] = [words.units[m.group(1)] for m in _asked_unit_pattern().finditer(query)]
    if "百分之" in query or "%" in query:
        kinds.append("percent")
    if quantity and not kinds:
        kinds = [kind for cue, kind in words.cues if cue in query]
        if "date" in kinds:             # 多久 / 哪一年 ask when, whatever else the query names
            kinds = ["date"]
    return Understood(places, years, offset, period, quantity or bool(kinds), tuple(dict.fromkeys(kinds)),
                      synonyms().find(query))


def bm25_terms(query: str) -> list[str]:
    """What BM25 matches for a query: its index terms, question words (多少, 如何) dropped
    first, since no answer contains them."""
    return index_terms(question_cues().interrogatives.sub(" ", query)) or index_terms(query)


def content_words(query: str) -> list[str]:
    """The query's keyword terms without question words, each once, in order: what the
    ranker's coverage feature counts and what a hit marks."""
    stripped = question_cues().interrogatives.sub(" ", query)
    return list(dict.fromkeys(terms(stripped) or terms(query)))


def tense(text: str) -> int:
    """+1 a sentence that plans or sets a target, −1 one that reports a result, 0 neither or both."""
    words = query_words()
    forward = any(w in text for w in words.forward)
    backward = any(w in text for w in words.backward)
    return int(forward) - int(backward)
