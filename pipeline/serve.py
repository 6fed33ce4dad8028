"""serve: a reading room in the browser and an HTTP API over one index (`govspeech serve`).

    pip install -e '.[serve]' && govspeech serve          # http://127.0.0.1:8765/

Pages (server-rendered, usable without JavaScript):
    GET /                       search box, filters, hits shown inside their paragraph
    GET /speeches/{id}          outline, numbered paragraphs (#p12), key points, directives
API (the same JSON the CLI's --json prints; OpenAPI at /docs and /openapi.json):
    GET /api/search?q=…         [hit dict + understood, …]     (govspeech search --json)
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

import logging
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from . import api
from .api import MAX_QUERY_CHARS, LiveIndex
from .errors import GovSpeechError, IndexStoreError
from .model import Filters, Speech

log = logging.getLogger("govspeech.serve")

MAX_QUERY = MAX_QUERY_CHARS     # characters of a question (model.MAX_QUERY_CHARS, as for every door)
MAX_URL_QUERY = 60_000    # characters of a whole query string: a 2,000-character question percent-encoded (18,000) and every filter
MAX_REQUEST_HEAD = 1 << 20    # bytes h11 reads of a request head before it gives up on the connection
STATIC = Path(__file__).parent / "static"
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


# == rendering helpers ==============================================================

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


def hit_paragraph(index: api.Index, hit, words: list[str]) -> Markup:
    """The hit's paragraph with the hit sentence marked, and the query's words marked in it."""
    c = hit.citation
    found = index.paragraph_text(c.speech_id, c.paragraph)
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
    from http import HTTPStatus

    from fastapi import Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
    from fastapi.staticfiles import StaticFiles
    from fastapi_offline import FastAPIOffline
    from starlette.exceptions import HTTPException

    live = LiveIndex(index_name)
    if warm:
        live.search("讲话", k=1)
    env = _templates()
    # /docs and /redoc from the Swagger UI and ReDoc files fastapi-offline ships: no CDN, so they
    # work on the offline networks this tool is for.
    app = FastAPIOffline(title="govspeech", version=_version(), favicon_url="/static/favicon.svg",
                         description="Search Chinese government speeches; every hit and key point cites its paragraph.")
    app.state.live = live
    app.mount("/static", StaticFiles(packages=[("pipeline", "static")]), name="static")
    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        if len(request.url.query) > MAX_URL_QUERY:      # before any parsing: a pasted page is no query
            return error(request, 414, f"query string too long: {len(request.url.query):,} characters "
                                       f"(at most {MAX_URL_QUERY:,}; a question is at most {MAX_QUERY:,})")
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        if (response.headers.get("content-type", "").startswith("text/html")
                and not request.url.path.startswith(("/docs", "/redoc"))):
            response.headers["Content-Security-Policy"] = CSP
            response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # -- errors: never a traceback; JSON for the API, an HTML page for a page ----------

    def error(request: Request, status: int, message: str, **extra) -> Response:
        if request.url.path.startswith(("/api/", "/openapi")):
            return JSONResponse({"status": status, "error": message, **extra}, status_code=status)
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        html = env.get_template("error.html").render(status=status, reason=reason, message=message,
                                                     version=live.version.name)
        return HTMLResponse(html, status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = [{"field": ".".join(str(x) for x in e.get("loc", ())[1:]) or "request", "problem": e.get("msg", "")}
                    for e in exc.errors()]
        return error(request, 422, "; ".join(f"{p['field']}: {p['problem']}" for p in problems), problems=problems)

    @app.exception_handler(IndexStoreError)
    async def store_error(request: Request, exc: IndexStoreError):
        return error(request, 503, str(exc))

    @app.exception_handler(GovSpeechError)
    async def bad_request(request: Request, exc: GovSpeechError):
        return error(request, 400, str(exc))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception):
        log.exception("internal error on %s", request.url.path)
        return error(request, 500, f"internal error: {exc.__class__.__name__}")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    def speech_or_404(index: api.Index, speech_id: str) -> Speech:
        try:
            return index.speech(speech_id)
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
        return api.hits_json(q, live.search(q, k=k, mode=mode, filters=filters, context=context), mode)

    @app.get("/api/speeches", tags=["api"], summary="The speeches in the index (index info --json's list)")
    def api_speeches() -> list[dict]:
        return live.get().speeches

    @app.get("/api/speeches/{speech_id}", tags=["api"], summary="Outline and paragraphs (govspeech outline --json)")
    def api_outline(speech_id: str) -> dict:
        return api.outline(speech_or_404(live.get().index, speech_id))

    @app.get("/api/speeches/{speech_id}/summary", tags=["api"], summary="Key points (govspeech summarize --json)")
    def api_summary(speech_id: str) -> dict:
        index = live.get().index
        speech_or_404(index, speech_id)
        return index.key_points(speech_id).to_dict()

    @app.get("/api/speeches/{speech_id}/directives", tags=["api"], summary="Directives (govspeech directives --json)")
    def api_directives(speech_id: str, strength: Strength | None = None) -> list[dict]:
        speech = speech_or_404(live.get().index, speech_id)
        return [api.directive_dict(speech, s) for s in api.directives(speech, strength)]

    # -- pages --------------------------------------------------------------------------

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
            words = api.marked_words(q)
            hits = [{"hit": h, "html": hit_paragraph(version.index, h, words),
                     "href": f"/speeches/{quote(h.citation.speech_id, safe='')}?"
                             f"{urlencode({'mark': f'{h.citation.start}-{h.citation.end}'})}#p{h.citation.paragraph}"}
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
        speech = speech_or_404(version.index, speech_id)
        span = tuple(int(x) for x in mark.split("-")) if mark else None
        view = speech_view(speech, version.index.key_points(speech_id), span)
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
    uvicorn.Server(server_config(app, host, port)).run()


def server_config(app, host: str, port: int, log_level: str = "info"):
    """How `serve` runs the app under uvicorn. h11 with room for a long request line, so an
    over-long query string reaches the app and gets its 414 instead of a reset connection
    (h11 drops the connection when a request head passes its limit)."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level=log_level, server_header=False, http="h11",
                          h11_max_incomplete_event_size=MAX_REQUEST_HEAD)
