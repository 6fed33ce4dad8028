"""serve: a reading room in the browser and an HTTP API over one index (`govspeech serve`).

    pip install -e '.[serve]' && govspeech serve          # http://127.0.0.1:8765/

Pages (server-rendered, usable without JavaScript):
    GET /                       search box, filters, hits shown inside their paragraph
    GET /speeches/{id}          outline, numbered paragraphs (#p12), key points, directives
    GET /trend?q=…&by=year      a query counted by year / place / speech: an inline SVG bar
                                chart (no script), each bar a link to its quote's paragraph
API (the same JSON the CLI's --json prints; OpenAPI at /docs and /openapi.json):
    GET /api/search?q=…         [hit dict + understood, …]     (govspeech search --json)
    GET /api/trend?q=…&by=year  the trend                         (govspeech trend --json)
    GET /api/speeches           index info's speech list         (govspeech index info --json)
    GET /api/speeches/{id}      the outline                      (govspeech outline --json)
    GET /api/speeches/{id}/summary                               (govspeech summarize --json)
    GET /api/speeches/{id}/directives                            (govspeech directives --json)

The index and its encoder are opened once; every request stats the index's CURRENT
file (one syscall) and re-opens when a writer (`index add`) has switched versions.
Speeches are looked up by id in the index's store, never by path; every text is
escaped by Jinja2's autoescape; query length and k are bounded; every error is JSON
`{"status": …, "error": …}`, never a traceback. fastapi, uvicorn and jinja2 are the
`serve` extra and are imported only here.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures, whose types are local to create_app.

import dataclasses
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from . import Filters, GovSpeechError, Index, IndexStoreError, Meta, Speech, api
from .lexicon import question_cues
from .tokenize import terms

log = logging.getLogger("govspeech.serve")

MAX_QUERY = 500           # characters: a question is a sentence or two
MAX_FIELD = 100           # characters of a filter value (place, section, a date, a speech id)
MAX_K = 100
MAX_SPEECH_FILTERS = 50
PASSAGE_CONTEXT = 150     # characters of the paragraph shown on each side of a hit
SPEECH_CACHE = 32         # re-parsed speeches (and their summaries) kept per index version
MODES = ("hybrid", "dense", "bm25")
KINDS = ("heading", "statement", "directive", "target")
STRENGTH_LABELS = {"mandatory": "必须", "advisory": "要"}
Mode = Literal["hybrid", "dense", "bm25"]
Kind = Literal["heading", "statement", "directive", "target"]
Strength = Literal["mandatory", "advisory"]
KIND_LABELS = {"heading": "标题", "statement": "陈述", "directive": "部署", "target": "目标"}


# == SpeechReader: reads speeches back out of an index version ==================
# Proposed to move into the index package as `Index.speech(id) -> Speech` (and
# `Index.paragraph_text(id, number)`); it reads only the `speeches`, `sections`,
# `paragraphs` and `units` tables of <index>/versions/<v>/meta.sqlite.

class SpeechReader:
    """The speeches one index version holds, rebuilt as `Speech` values.

    The store keeps each speech's clean text, not the raw file, so a speech is
    re-parsed from its clean text (cleaning clean text changes nothing, so the
    paragraphs and sentences come back with the same numbers and spans; this is
    checked against the stored paragraphs and sections on every read). The raw
    offsets the store recorded for every paragraph and sentence are put back, so
    citations carry the same raw spans as when the file was read.
    """

    def __init__(self, index: Index):
        self.index = index
        self.path = index.version_dir
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[Speech, object]] = OrderedDict()

    def _locked(self, fn, *args):
        with self._lock:   # one SQLite connection shared by the server's worker threads
            return fn(*args)

    def ids(self) -> list[str]:
        return [s["id"] for s in self._locked(self.index.speeches)]

    def exists(self, speech_id: str) -> bool:
        return speech_id in self.ids()

    def paragraph(self, speech_id: str, number: int) -> tuple[int, int, str] | None:
        """(start, end, text) of one paragraph, without loading the whole speech."""
        found = self._locked(self.index.paragraph_text, speech_id, number)
        return tuple(found) if found else None

    def speech(self, speech_id: str) -> Speech:
        """The speech with this id. Raises KeyError when the index has none."""
        with self._lock:
            if speech_id in self._cache:
                self._cache.move_to_end(speech_id)
                return self._cache[speech_id][0]
        speech = self._read(speech_id)
        with self._lock:
            self._cache[speech_id] = (speech, None)
            while len(self._cache) > SPEECH_CACHE:
                self._cache.popitem(last=False)
        return speech

    def summary(self, speech_id: str):
        """Default key points (`govspeech summarize` without options), cached with the speech."""
        speech = self.speech(speech_id)
        with self._lock:
            cached = self._cache.get(speech_id)
            if cached and cached[1] is not None:
                return cached[1]
        summary = api.summarize(speech)
        with self._lock:
            if speech_id in self._cache:
                self._cache[speech_id] = (speech, summary)
        return summary

    def _read(self, speech_id: str) -> Speech:
        stored = self._locked(self.index.speech, speech_id)     # KeyError when absent
        source, text, title = stored["source"], stored["text"], stored["title"]
        fmt = Path(source.split("#")[0]).suffix.lstrip(".").lower() or None if source else None
        meta = Meta(date=stored["date"], year=stored["year"], level=stored["level"], meeting=stored["meeting"],
                    kind=stored["kind"], place=stored["place"], speaker=stored["speaker"], source=source, format=fmt)
        speech = api.parse_text(text, speech_id, title=title or None, meta=meta, title_is_authoritative=bool(title))
        paragraphs = [(p["number"], p["start"], p["end"], p["raw_start"], p["raw_end"]) for p in stored["paragraphs"]]
        if ([(p.number, p.span.start, p.span.end) for p in speech.paragraphs] != [r[:3] for r in paragraphs]
                or [(list(s.path), s.span.start, s.span.end) for s in speech.walk_sections()]
                != [(s["path"], s["start"], s["end"]) for s in stored["sections"]]):
            raise IndexStoreError(self.path, f"speech {speech_id}: its stored paragraphs differ from a re-parse of its "
                                             "text (built by another version of govspeech?); rebuild the index")
        return dataclasses.replace(speech, offsets=_raw_offsets(len(text), [r[1:] for r in paragraphs]
                                                                + stored["unit_spans"]))


def _raw_offsets(n: int, spans: list[tuple[int, int, int, int]]) -> list[int]:
    """A clean → raw offset map that is exact at the start and last character of every
    stored (start, end, raw_start, raw_end) span and interpolated in between."""
    import numpy as np

    anchors = sorted({(s, rs) for s, e, rs, re_ in spans if e > s} | {(e - 1, re_ - 1) for s, e, rs, re_ in spans if e > s})
    if not anchors or not n:
        return list(range(n))
    xs, ys = zip(*anchors)
    out = np.interp(np.arange(n), xs, ys)
    # Before the first anchor (the title line) and after the last, keep the raw text's pace.
    out[: xs[0]] = ys[0] - (xs[0] - np.arange(xs[0]))
    out[xs[-1] + 1:] = ys[-1] + np.arange(1, n - xs[-1])
    return np.maximum.accumulate(np.maximum(np.rint(out), 0)).astype(int).tolist()


# == the live index: re-opened when a writer switches versions =====================

@dataclasses.dataclass(frozen=True)
class _Version:
    index: Index
    reader: SpeechReader
    name: str
    stamp: tuple
    speeches: list[dict]       # index info's speech list, read once per version


class LiveIndex:
    """The index's current version. `get()` costs one stat of CURRENT; when a writer has
    replaced that file (`index add`/`remove` rename a new one into place) the new version
    is opened. Requests already running keep the version they started with."""

    def __init__(self, name: str | None):
        self.name = name
        self._lock = threading.Lock()
        self._search_lock = threading.Lock()
        index = Index.open(name)
        self.root = Path(index.info()["path"])
        self.current = self.root / "CURRENT"
        self.version = self._open(index)

    def _stamp(self) -> tuple:
        try:
            st = os.stat(self.current)
        except FileNotFoundError:
            return ()
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _open(self, index: Index | None = None) -> _Version:
        stamp = self._stamp()
        index = index or Index.open(self.name)
        info = index.info()
        return _Version(index, SpeechReader(index), info["version"], stamp, info["speeches"])

    def get(self) -> _Version:
        version = self.version
        if self._stamp() == version.stamp:
            return version
        with self._lock:
            if self._stamp() != self.version.stamp:
                try:
                    self.version = self._open()
                    log.info("index %s: now serving version %s", self.root, self.version.name)
                except GovSpeechError as exc:   # a half-visible switch: keep serving the old one, retry next time
                    log.warning("index %s: could not open the new version (%s); still serving %s", self.root, exc,
                                self.version.name)
            return self.version

    def search(self, query: str, **options):
        # One search at a time: the encoders are native engines with their own threads and
        # make no promise about concurrent calls; on 2 cores parallel searches gain little.
        version = self.get()
        with self._search_lock:
            return version.index.search(query, **options)


# == rendering helpers ==============================================================

def query_terms(query: str) -> list[str]:
    """The words of a query worth marking in a hit (no question words, no single characters)."""
    words = terms(question_cues().interrogatives.sub(" ", query))
    return sorted({w for w in words if len(w) >= 2}, key=len, reverse=True)


def marked(text: str, spans: list[tuple[int, int, str]]) -> Markup:
    """`text` escaped, with each (start, end, class) span inside a <mark> (nested spans
    are not needed here: the callers pass disjoint ones, sorted)."""
    out, at = [], 0
    for start, end, cls in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if end <= start:
            continue
        out.append(escape(text[at:start]))
        out.append(Markup('<mark class="{}">{}</mark>').format(cls, text[start:end]))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def term_spans(text: str, words: list[str], offset: int = 0) -> list[tuple[int, int, str]]:
    """Where the query's words occur in text (longest first, no overlaps)."""
    taken = [False] * len(text)
    spans = []
    for w in words:
        i = text.find(w)
        while i != -1:
            if not any(taken[i:i + len(w)]):
                spans.append((offset + i, offset + i + len(w), "term"))
                taken[i:i + len(w)] = [True] * len(w)
            i = text.find(w, i + len(w))
    return sorted(spans)


def hit_paragraph(reader: SpeechReader, hit, words: list[str]) -> Markup:
    """The hit's paragraph with the hit sentence marked, and the query's words marked in it."""
    c = hit.citation
    found = reader.paragraph(c.speech_id, c.paragraph)
    if found is None:   # not expected: the hit came from the same version's store
        return marked(c.text, [(0, len(c.text), "hit")])
    p_start, _, text = found
    s, e = c.start - p_start, c.end - p_start
    lo, hi = max(0, s - PASSAGE_CONTEXT), min(len(text), e + PASSAGE_CONTEXT)   # a long paragraph: the hit's neighbourhood
    text, s, e = text[lo:hi], s - lo, e - lo
    pieces, at = [], s
    for a, b, _ in term_spans(text[s:e], words, offset=s):   # the sentence, cut around its query words
        pieces += [(at, a, "hit"), (a, b, "hit term")]
        at = b
    pieces.append((at, e, "hit"))
    around = term_spans(text[:s], words) + term_spans(text[e:], words, offset=e)
    return Markup("").join(["…" if lo else "", marked(text, [x for x in pieces if x[1] > x[0]] + around),
                            "…" if hi < len(found[2]) else ""])


def cited_href(c) -> str:
    """The speech page at a citation's paragraph, the cited span marked."""
    return f"/speeches/{quote(c.speech_id, safe='')}?{urlencode({'mark': f'{c.start}-{c.end}'})}#p{c.paragraph}"


def section_label(path) -> str:
    """("二", "（一）") → 二（一）; a top-level label alone gets its 、."""
    path = list(path)
    if len(path) == 1:
        return f"{path[0]}、"
    return "".join(path)


def speech_view(speech: Speech, summary, mark: tuple[int, int] | None) -> dict:
    """Everything the speech page shows, as plain values (the template only lays them out)."""
    directive_spans: dict[int, list] = {}
    for s in speech.sentences:
        if s.kind in ("directive", "target") and s.strength:
            directive_spans.setdefault(s.paragraph_number, []).append(s)
    paragraphs = []
    for p in speech.paragraphs:
        spans = []
        for s in directive_spans.get(p.number, ()):
            spans.append((s.span.start - p.span.start, s.span.end - p.span.start, f"directive {s.strength}"))
        cited = False
        if mark and p.span.start <= mark[0] < p.span.end:
            cited = True
            a, b = mark[0] - p.span.start, min(mark[1], p.span.end) - p.span.start
            spans = [x for x in spans if x[1] <= a or x[0] >= b] + [(a, b, "hit")]
        paragraphs.append({"number": p.number, "kind": p.kind, "section": "".join(p.section_path),
                           "html": marked(p.text, spans), "cited": cited})
    heading_of = {}
    for p in speech.paragraphs:
        heading_of.setdefault(p.section_path, p.number)

    def node(section) -> dict:
        return {"label": f"{section.label}、" if section.level == 1 else section.label, "title": section.title,
                "paragraph": heading_of.get(section.path, section.paragraph_numbers[0] if section.paragraph_numbers else None),
                "children": [node(c) for c in section.children]}

    def point(k) -> dict:
        return {"text": k.sentence.text, "paragraph": k.citation.paragraph, "label": k.citation.label(),
                "strength": k.sentence.strength}

    keypoints = [{"label": section_label(s.path) if s.path else "开篇", "title": s.title, "level": s.level,
                  "points": [point(k) for k in s.key_points]} for s in summary.sections if s.key_points]
    directive_list = [{"text": s.text, "strength": s.strength, "kind": s.kind, "paragraph": s.paragraph_number,
                       "label": speech.citation(s).label(), "actors": list(s.actors), "targets": list(s.targets)}
                      for s in api.directives(speech)]
    meta = speech.meta
    facts = [(k, v) for k, v in (("日期", meta.date or meta.year), ("地点", meta.place), ("会议", meta.meeting),
                                  ("讲话人", meta.speaker), ("类型", meta.kind)) if v]
    return {"speech": speech, "facts": facts, "paragraphs": paragraphs, "outline": [node(s) for s in speech.sections],
            "keypoints": keypoints, "top": [point(k) for k in summary.top], "directives": directive_list,
            "counts": {"paragraphs": len(speech.paragraphs), "sentences": len(speech.sentences),
                       "mandatory": sum(d["strength"] == "mandatory" for d in directive_list),
                       "advisory": sum(d["strength"] == "advisory" for d in directive_list)}}


def _templates():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("pipeline", "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["urlpart"] = lambda s: quote(str(s), safe="")
    env.globals.update(STRENGTH_LABELS=STRENGTH_LABELS, KIND_LABELS=KIND_LABELS, MODES=MODES, KINDS=KINDS)
    return env


# == the app ========================================================================

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(index_name: str | None = None, warm: bool = False, allowed_hosts: list[str] | None = None):
    """The ASGI app over one index (a name under indexes/ or a folder; default: default).

    Args:
        warm: run one query at start so the first user does not wait for the encoder.
        allowed_hosts: Host headers to accept (the CLI passes the loopback names when it
            listens on loopback, so a web page cannot reach the API by DNS rebinding).

    Raises:
        IndexStoreError: no index there, or a corrupt one.
    """
    from fastapi import FastAPI, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException

    live = LiveIndex(index_name)
    if warm:
        live.search("讲话", k=1)
    env = _templates()
    app = FastAPI(title="govspeech", version=_version(),
                  description="Search Chinese government speeches; every hit and key point cites its paragraph.")
    app.state.live = live
    app.mount("/static", StaticFiles(packages=[("pipeline", "static")]), name="static")
    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.headers.get("content-type", "").startswith("text/html") and not request.url.path.startswith("/docs"):
            response.headers["Content-Security-Policy"] = CSP
            response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # -- errors: JSON with a status, never a traceback -----------------------------

    def error(status: int, message: str, **extra) -> JSONResponse:
        return JSONResponse({"status": status, "error": message, **extra}, status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = [{"field": ".".join(str(x) for x in e.get("loc", ())[1:]) or "request", "problem": e.get("msg", "")}
                    for e in exc.errors()]
        return error(422, "; ".join(f"{p['field']}: {p['problem']}" for p in problems), problems=problems)

    @app.exception_handler(IndexStoreError)
    async def store_error(request: Request, exc: IndexStoreError):
        return error(503, str(exc))

    @app.exception_handler(GovSpeechError)
    async def bad_request(request: Request, exc: GovSpeechError):
        return error(400, str(exc))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception):
        log.exception("internal error on %s", request.url.path)
        return error(500, f"internal error: {exc.__class__.__name__}")

    def speech_or_404(reader: SpeechReader, speech_id: str) -> Speech:
        try:
            return reader.speech(speech_id)
        except KeyError:
            raise HTTPException(404, f"no speech {speech_id!r} in this index") from None

    # -- parameters shared by the page and the API ----------------------------------

    Q = Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="The question, in plain Chinese.")]
    K = Annotated[int, Query(ge=1, le=MAX_K, description="How many hits.")]
    Field = Annotated[str | None, Query(max_length=MAX_FIELD)]

    def filters_of(speech, since, until, place, section, kind, strength) -> Filters:
        speech = speech or []
        if len(speech) > MAX_SPEECH_FILTERS:
            raise HTTPException(422, f"speech: at most {MAX_SPEECH_FILTERS} ids")
        if any(len(s) > MAX_FIELD for s in speech):
            raise HTTPException(422, f"speech: an id longer than {MAX_FIELD} characters")
        return Filters(speech=tuple(s for s in speech if s), since=since or None, until=until or None,
                       place=place or None, section=section or None, kind=tuple(kind or ()),
                       strength=strength or None)

    # -- API --------------------------------------------------------------------------

    @app.get("/api/search", tags=["api"], summary="Hits with citations (govspeech search --json)")
    def api_search(q: Q, k: K = 10, mode: Mode = "hybrid", speech: Annotated[list[str] | None, Query()] = None,
                   since: Field = None, until: Field = None, place: Field = None, section: Field = None,
                   kind: Annotated[list[Kind] | None, Query()] = None, strength: Strength | None = None,
                   context: Annotated[int, Query(ge=0, le=5)] = 0) -> list[dict]:
        filters = filters_of(speech, since, until, place, section, kind, strength)
        from .search import hits_json

        return hits_json(q, live.search(q, k=k, mode=mode, filters=filters, context=context), mode)

    @app.get("/api/speeches", tags=["api"], summary="The speeches in the index (index info --json's list)")
    def api_speeches() -> list[dict]:
        return live.get().speeches

    @app.get("/api/speeches/{speech_id}", tags=["api"], summary="Outline and paragraphs (govspeech outline --json)")
    def api_outline(speech_id: str) -> dict:
        return api.outline(speech_or_404(live.get().reader, speech_id))

    @app.get("/api/speeches/{speech_id}/summary", tags=["api"], summary="Key points (govspeech summarize --json)")
    def api_summary(speech_id: str) -> dict:
        reader = live.get().reader
        speech_or_404(reader, speech_id)
        return reader.summary(speech_id).to_dict()

    @app.get("/api/speeches/{speech_id}/directives", tags=["api"], summary="Directives (govspeech directives --json)")
    def api_directives(speech_id: str, strength: Strength | None = None) -> list[dict]:
        speech = speech_or_404(live.get().reader, speech_id)
        return [api.directive_dict(speech, s) for s in api.directives(speech, strength)]

    By = Literal["year", "place", "speech"]

    def trend_of(q: str, by: str, exact: bool):
        version = live.get()
        with live._search_lock:      # semantic trends run search: one at a time, as searches do
            return version, version.index.trend(q, by=by, exact=exact)

    @app.get("/api/trend", tags=["api"], summary="A query counted by year, place or speech (govspeech trend --json)")
    def api_trend(q: Q, by: By = "year", exact: bool = False) -> dict:
        return trend_of(q, by, exact)[1].to_dict()

    # -- pages --------------------------------------------------------------------------

    @app.get("/trend", response_class=HTMLResponse, include_in_schema=False)
    def trend_page(q: Annotated[str, Query(max_length=MAX_QUERY)] = "", by: By = "year", exact: bool = False):
        from . import chart

        version, found, problem, status = live.get(), None, None, 200
        if q.strip():
            try:
                version, found = trend_of(q, by, exact)
            except IndexStoreError:
                raise
            except GovSpeechError as exc:
                problem, status = str(exc), 400
        rows = [{"bucket": b, "href": cited_href(b.quote.citation) if b.quote and b.quote.citation else None}
                for b in (found.buckets if found else ())]
        links = {r["bucket"].key: r["href"] for r in rows}
        html = env.get_template("trend.html").render(
            form={"q": q, "by": by, "exact": exact}, trend=found, rows=rows, problem=problem, version=version.name,
            chart=Markup(chart.svg(found, lambda b: links.get(b.key))) if found else None, max_query=MAX_QUERY,
            first_href=cited_href(found.first_seen.citation) if found and found.first_seen and found.first_seen.citation
            else None, BY_LABELS={"year": "年份", "place": "地点", "speech": "讲话"})
        return HTMLResponse(html, status_code=status)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: Annotated[str, Query(max_length=MAX_QUERY)] = "", k: K = 10,
                    mode: Mode = "hybrid", speech: Annotated[list[str] | None, Query()] = None, since: Field = None,
                    until: Field = None, place: Field = None, section: Field = None,
                    kind: Annotated[list[Kind] | None, Query()] = None,
                    strength: Literal["", "mandatory", "advisory"] | None = None):   # "": the form's 不限
        version = live.get()
        hits, problem, status = [], None, 200
        try:
            filters = filters_of(speech, since, until, place, section, kind, strength)
        except GovSpeechError as exc:   # a bad date and the like: shown on the page, with the form
            problem, status, filters = str(exc), 400, Filters(speech=tuple(s for s in speech or () if s),
                                                              kind=tuple(kind or ()))
        if q.strip() and problem is None:
            try:
                found = live.search(q, k=k, mode=mode, filters=filters)
            except IndexStoreError:
                raise
            except GovSpeechError as exc:
                problem, status, found = str(exc), 400, []
            words = query_terms(q)
            hits = [{"hit": h, "html": hit_paragraph(version.reader, h, words), "href": cited_href(h.citation)}
                    for h in found]
        form = {"q": q, "k": k, "mode": mode, "speech": list(filters.speech), "since": since or "", "until": until or "",
                "place": place or "", "section": section or "", "kind": list(filters.kind),
                "strength": strength or ""}
        html = env.get_template("search.html").render(form=form, hits=hits, problem=problem, searched=bool(q.strip()),
                                                      speeches=version.speeches, version=version.name,
                                                      max_query=MAX_QUERY, max_k=MAX_K)
        return HTMLResponse(html, status_code=status)

    @app.get("/speeches/{speech_id}", response_class=HTMLResponse, include_in_schema=False)
    def speech_page(speech_id: str, mark: Annotated[str | None, Query(pattern=r"^\d{1,9}-\d{1,9}$")] = None):
        version = live.get()
        speech = speech_or_404(version.reader, speech_id)
        span = tuple(int(x) for x in mark.split("-")) if mark else None
        view = speech_view(speech, version.reader.summary(speech_id), span)
        return HTMLResponse(env.get_template("speech.html").render(**view, version=version.name))

    @app.get("/speeches", include_in_schema=False)
    def speeches_redirect():
        return RedirectResponse("/")

    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("govspeech")
    except PackageNotFoundError:
        return "0"


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def run(index_name: str | None = None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the app with uvicorn until interrupted (what `govspeech serve` runs)."""
    try:
        import uvicorn
    except ImportError:
        raise GovSpeechError("govspeech serve needs its extra: pip install -e '.[serve]'") from None
    hosts = ["127.0.0.1", "localhost", "[::1]", "::1"] if host in LOOPBACK else None
    app = create_app(index_name, warm=True, allowed_hosts=hosts)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
