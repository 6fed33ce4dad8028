"""build: plan a change to an index (what is added, replaced, unchanged, removed) and
make what every backend writes of it — whichever backend then publishes the
BuildRecord (local.write_version, milvus/writing.py).

    plan_changes   live records + speeches read → kept ids, new rows, report
    unit_terms     new rows → BM25 terms;  unit_clauses: → the clause spans of long sentences
    encode_rows    new rows → stored vectors (through the embedding cache)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..parse import parse_text
from ..embed import Encoder
from ..errors import GovSpeechError
from ..model import Speech
from ..clauses import clause_spans
from ..tokenize import index_terms
from .rows import SpeechRows, speech_rows
from .sources import ReadSpeech
from .store import Progress
from .vectors import CACHE_FILE, EmbeddingCache, embed_passages, passage_text, with_context

@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)       # speech ids new to the index
    replaced: list[str] = field(default_factory=list)    # changed content, re-indexed
    unchanged: list[str] = field(default_factory=list)   # same content hash: skipped
    removed: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)   # (file, problem): skipped files
    warnings: list[str] = field(default_factory=list)    # what went wrong but was mended (a reset cache)
    sentences: int = 0           # sentences in the index afterwards
    clauses: int = 0             # clauses of long sentences indexed beside them (new speeches)
    clauses_embedded: int = 0    # distinct clauses the encoder really ran on
    clauses_cached: int = 0      # clauses whose vectors came from the cache
    embedded: int = 0            # distinct sentence passages the encoder really ran on
    repeated: int = 0            # passages repeating another in this build (encoded once)
    cached: int = 0              # passages whose vectors came from the cache
    embed_seconds: float = 0.0
    seconds: float = 0.0
    version: str = ""

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["errors"] = [{"file": f, "error": e} for f, e in self.errors]
        encoded = self.embedded + self.clauses_embedded
        d["embeddings_per_second"] = round(encoded / self.embed_seconds, 1) if self.embed_seconds else None
        return d


class NothingRead(GovSpeechError):
    """A build found no readable speech; carries the report of what failed."""

    def __init__(self, report: BuildReport, message: str):
        self.report = report
        super().__init__(message)

    def __reduce__(self):      # picklable, like errors._PathError: raised in a worker, it arrives as itself
        return type(self), (self.report, str(self))


@dataclass
class Plan:
    kept: list[str]              # speech ids copied unchanged from the live version
    new: list[SpeechRows]        # speeches to (re-)index, in order

    def changes(self, existing: int) -> bool:
        return bool(self.new) or len(self.kept) != existing


def _unique_id(speech_id: str, taken: set[str]) -> str:
    if speech_id not in taken:
        return speech_id
    n = 2
    while f"{speech_id}-{n}" in taken:
        n += 1
    return f"{speech_id}-{n}"


def _renamed(speech: Speech, new_id: str) -> Speech:
    """The same speech under another id (two files with one stem), units renamed too."""
    return parse_text(speech.raw_text, new_id, title=speech.title, meta=speech.meta, title_is_authoritative=True)


def plan_changes(existing: Sequence[tuple[str, str, str]], read: Sequence[ReadSpeech], report: BuildReport,
                 removed: Sequence[str] = ()) -> Plan:
    """existing: (id, source, content hash) of the live speeches. A source already there
    with the same hash is unchanged; with another hash it is replaced under its id;
    a new source gets its speech id, made unique. `removed` ids are dropped."""
    by_source = {r[1]: r for r in existing}
    taken = {r[0] for r in existing}
    replaced_sources: set[str] = set()
    seen: set[str] = set()
    new: list[SpeechRows] = []
    for item in read:
        if item.key in seen:
            continue
        seen.add(item.key)
        prior = by_source.get(item.key)
        if prior and prior[2] == item.content_hash:
            report.unchanged.append(prior[0])
            continue
        if prior:
            replaced_sources.add(item.key)
            report.replaced.append(prior[0])
            speech_id = prior[0]
        else:
            speech_id = _unique_id(item.speech.id, taken)
            report.added.append(speech_id)
        taken.add(speech_id)
        speech = item.speech if speech_id == item.speech.id else _renamed(item.speech, speech_id)
        new.append(speech_rows(speech, item.key, item.content_hash))
    gone = set(removed)
    report.removed.extend(r[0] for r in existing if r[0] in gone)
    kept = [r[0] for r in existing if r[1] not in replaced_sources and r[0] not in gone]
    return Plan(kept, new)


def unit_terms(rows: Sequence[SpeechRows], progress: Progress | None = None) -> list[list[list[str]]]:
    """BM25 terms of every new unit (its text and its section's heading), per speech."""
    total = sum(len(r.units) for r in rows)
    done = 0
    out = []
    if progress:
        progress("terms", 0, total)
    for r in rows:
        out.append([index_terms(u["text"] + " " + u["section_title"]) for u in r.units])
        done += len(r.units)
        if progress:
            progress("terms", done, total)
    return out


def unit_clauses(rows: Sequence[SpeechRows], clauses: bool = True) -> list[list[list[tuple[int, int]]]]:
    """The clause spans (inside the unit's text) of every new unit, per speech; none when
    `clauses` is off."""
    return [[clause_spans(u["text"]) if clauses else [] for u in r.units] for r in rows]


def encode_rows(rows: Sequence[SpeechRows], encoder: Encoder, cache_folder: Path | None, report: BuildReport,
                passage: str, context_weight: float, progress: Progress | None = None,
                clauses: Sequence[Sequence[Sequence[tuple[int, int]]]] = (), batch: int | None = 64
                ) -> tuple[np.ndarray, np.ndarray]:
    """The stored vectors of the new units (each passage through the cache and the
    encoder, then blended with its paragraph: vectors.with_context) and of their clauses
    (the clause text alone, no blend). The report's embedded / cached / repeated count
    sentences; clauses_embedded / clauses_cached count clauses; embed_seconds both.
    `batch`: passages per encoder call (None: all at once, as a Ray actor's share is)."""
    units = [u for r in rows for u in r.units]
    passages = [passage_text(u["section_title"], u["text"], passage) for u in units]
    clause_texts = [u["text"][a:b] for r, spans in zip(rows, clauses) for u, unit_spans in zip(r.units, spans)
                    for a, b in unit_spans]
    report.clauses += len(clause_texts)
    cache = EmbeddingCache(cache_folder / CACHE_FILE, encoder) if cache_folder else None
    try:
        if cache and cache.reset:
            report.warnings.append(cache.reset)
        raw, stats = embed_passages(encoder, passages, cache, progress, batch=batch or max(len(passages), 1))
        clause_vectors, clause_stats = embed_passages(encoder, clause_texts, cache, progress,
                                                      batch=batch or max(len(clause_texts), 1))
        if cache and cache.reset and cache.reset not in report.warnings:
            report.warnings.append(cache.reset)
    finally:
        if cache:
            cache.close()
    report.embedded += stats.encoded
    report.repeated += stats.repeated
    report.cached += stats.cached
    report.clauses_embedded += clause_stats.encoded
    report.clauses_cached += clause_stats.cached
    report.embed_seconds += stats.seconds + clause_stats.seconds
    sentence_vectors = with_context(raw, [(u["speech_id"], u["paragraph"]) for u in units], context_weight)
    return sentence_vectors, np.ascontiguousarray(clause_vectors, dtype=np.float32)
