"""mcp: the index as tools for an AI assistant, over the Model Context Protocol (`govspeech mcp`).

    pip install -e '.[mcp]'
    govspeech mcp --index reports                  # stdio: what desktop assistants launch
    govspeech mcp --index reports --http           # streamable HTTP at http://127.0.0.1:8766/mcp

Tools (each result a Pydantic model, so clients get `structuredContent`; every quote is
exactly the speech's clean text at `[start:end]` and carries its GB/T 7714 reference):

    search(query, k, since, until, place, speech)   → {"query", "hits": [...]}
    list_speeches()                                → {"speeches": [...]}
    speech(speech_id)                              → one speech's meta and outline
    paragraph(speech_id, number)                   → one paragraph's text and citation
    summarize(speech_id)                           → cited key points, per section
    compare(old, new) · trend(query, by)           → only when pipeline.api provides them

A thin shell over pipeline.api, like the CLI and `serve`: it parses arguments, calls the
api and renders. Bad input (an unknown id, a bad date) is a `ToolError` whose message
names the value; the server keeps serving. No result holds a server file path.
The `mcp` SDK (2.x) is the `mcp` extra and is imported only here.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from . import api
from .api import Filters, GovSpeechError, Index, LiveIndex, UnknownSpeech, speech_list
from .cite import gbt7714
from .model import Citation

DEFAULT_HOST, DEFAULT_PORT, HTTP_PATH = "127.0.0.1", 8766, "/mcp"
MAX_K = 50

INSTRUCTIONS = """\
Chinese government speeches and work reports (政府工作报告、讲话), searchable by meaning.
Every quote is exact and cites its speech, section, paragraph and character span: quote
the `text` as given and cite with `reference` (GB/T 7714). Start with `search`; use
`list_speeches` to see what is indexed, `speech` for one speech's outline, `paragraph` to
read the whole paragraph around a hit, and `summarize` for a speech's key points.
中国政府讲话与工作报告检索：每条引文都是原文，并注明讲话、章节、段落和字符位置。"""


# -- result types (what clients receive as structuredContent) -------------------------

class Quote(BaseModel):
    """An exact quote and where it sits."""

    speech_id: str = Field(description="The speech's id: pass it to speech, paragraph, summarize.")
    title: str
    section_path: list[str] = Field(description='Section labels from the top, e.g. ["二", "（一）"]; [] before the first heading.')
    paragraph: int = Field(description="Paragraph number in the speech, 1-based, in reading order (第N段).")
    start: int = Field(description="Start offset of `text` in the speech's clean text.")
    end: int = Field(description="End offset (exclusive): text == speech_text[start:end].")
    text: str = Field(description="The quoted words, exactly as in the speech.")
    reference: str = Field(description="GB/T 7714-2015 reference for the paragraph, to cite in an answer.")


class SearchHit(Quote):
    rank: int
    score: float = Field(description="Ranking score: higher is better; compare within one result list only.")
    confidence: float | None = Field(None, description="Calibrated probability that the hit answers the query, when known.")
    kind: str = Field(description="heading / statement / directive (要求、部署) / target (目标、指标).")
    strength: str | None = Field(None, description="For directives: mandatory (必须、严禁) or advisory (要).")
    date: str | None = None
    year: int | None = None


class SearchResult(BaseModel):
    query: str
    hits: list[SearchHit]
    note: str | None = Field(None, description="Why there are no hits, when known.")


class SpeechInfo(BaseModel):
    speech_id: str
    title: str
    date: str | None = Field(None, description="ISO date, or the year when only that is known.")
    year: int | None = None
    place: str | None = None
    paragraphs: int
    sentences: int = Field(description="Indexed sentences.")


class SpeechList(BaseModel):
    speeches: list[SpeechInfo]


class OutlineSection(BaseModel):
    path: list[str] = Field(description='e.g. ["二", "（一）"]')
    level: int
    label: str
    title: str
    paragraphs: list[int] = Field(description="Numbers of the paragraphs directly under this heading.")


class SpeechOutline(SpeechInfo):
    meeting: str | None = None
    kind: str | None = Field(None, description="讲话 / 政府工作报告 / 致辞 …")
    level: str | None = Field(None, description="全国 / 全省 / 全市 / 全县 …")
    speaker: str | None = None
    sections: list[OutlineSection] = Field(description="Every heading, in reading order (nested by `path`).")


class KeyPoint(Quote):
    score: float


class SectionPoints(BaseModel):
    path: list[str]
    title: str
    key_points: list[KeyPoint]


class SpeechSummary(BaseModel):
    speech_id: str
    title: str
    top: list[KeyPoint] = Field(description="The speech's most important sentences, in reading order.")
    sections: list[SectionPoints]


class Analysis(BaseModel):
    """The result of compare or trend, as pipeline.api returns it (to_dict)."""

    result: dict[str, Any]


# -- the server -----------------------------------------------------------------------

class Tools:
    """The tools over one index, which follows its writers when given by name (LiveIndex).
    The SDK runs sync tools on worker threads; one lock serialises the index calls."""

    def __init__(self, index: Index | LiveIndex, api_module=api):
        self.source, self.api, self.lock = index, api_module, threading.Lock()

    @property
    def index(self) -> Index:
        return self.source.get().index if isinstance(self.source, LiveIndex) else self.source

    def _speech(self, index: Index, speech_id: str):
        try:
            return index.speech(speech_id)
        except UnknownSpeech:
            raise ToolError(f"no speech {speech_id!r} in this index (list_speeches gives the ids)") from None

    def _check_ids(self, index: Index, ids) -> None:
        known = set(index.speech_ids())
        for speech_id in ids:
            if speech_id not in known:
                raise ToolError(f"no speech {speech_id!r} in this index (list_speeches gives the ids)")

    @staticmethod
    def _quote(c: Citation, meta) -> dict:
        return {"speech_id": c.speech_id, "title": c.title, "section_path": list(c.section_path), "paragraph": c.paragraph,
                "start": c.start, "end": c.end, "text": c.text, "reference": gbt7714(c, meta)}

    def search(self, query: str, k: int = 5, since: str | None = None, until: str | None = None,
               place: str | None = None, speech: list[str] | None = None) -> SearchResult:
        with self.lock:
            index = self.index
            self._check_ids(index, speech or ())
            try:
                filters = Filters(speech=tuple(speech or ()), since=since, until=until, place=place)
                hits = index.search(query, k=k, filters=filters)
            except GovSpeechError as e:
                raise ToolError(str(e)) from None
            records = {sid: index.stored(sid) for sid in dict.fromkeys(h.citation.speech_id for h in hits)}
            out = []
            for h in hits:
                record = records[h.citation.speech_id]
                confidence = getattr(h, "confidence", None)      # Hit.confidence, where calibrated search provides it
                out.append(SearchHit(**self._quote(h.citation, record), rank=h.rank, score=float(h.score),
                                     confidence=None if confidence is None else float(confidence), kind=h.kind,
                                     strength=h.strength, date=record.get("date"), year=record.get("year")))
            note = None
            if not hits:
                note = "no sentence passes the filters" if index.count(filters) == 0 else "no match"
            return SearchResult(query=query, hits=out, note=note)

    def list_speeches(self) -> SpeechList:
        with self.lock:
            return SpeechList(speeches=[_info(s) for s in speech_list(self.index)])

    def speech(self, speech_id: str) -> SpeechOutline:
        with self.lock:
            index = self.index
            speech = self._speech(index, speech_id)
            listed = next(s for s in speech_list(index) if s["id"] == speech_id)
            m = speech.meta
            sections = [OutlineSection(path=list(s.path), level=s.level, label=s.label, title=s.title,
                                       paragraphs=list(s.paragraph_numbers)) for s in speech.walk_sections()]
            return SpeechOutline(**_info(listed).model_dump(), meeting=m.meeting, kind=m.kind, level=m.level,
                                 speaker=m.speaker, sections=sections)

    def paragraph(self, speech_id: str, number: int) -> Quote:
        with self.lock:
            speech = self._speech(self.index, speech_id)
            if not 1 <= number <= len(speech.paragraphs):
                raise ToolError(f"no paragraph {number} in speech {speech_id!r} (it has paragraphs 1..{len(speech.paragraphs)})")
            return Quote(**self._quote(speech.citation(speech.paragraph(number)), speech.meta))

    def summarize(self, speech_id: str) -> SpeechSummary:
        with self.lock:
            index = self.index
            speech = self._speech(index, speech_id)
            summary = index.key_points(speech_id)

            def point(k) -> KeyPoint:
                return KeyPoint(**self._quote(k.citation, speech.meta), score=float(k.score))

            return SpeechSummary(speech_id=speech_id, title=summary.title, top=[point(k) for k in summary.top],
                                 sections=[SectionPoints(path=list(s.path), title=s.title, key_points=[point(k) for k in s.key_points])
                                           for s in summary.sections if s.key_points])

    # compare and trend: the façade Index's methods where it has them (the compare and trend
    # branches add Index.compare(old_id, new_id) and Index.trend(query, by=)), else the api's
    # functions, api.compare(old, new, index=) and api.trend(index, query, by=).

    def compare(self, old: str, new: str) -> Analysis:
        with self.lock:
            index = self.index
            self._check_ids(index, (old, new))
            try:
                found = index.compare(old, new) if hasattr(index, "compare") else self.api.compare(old, new, index=index)
            except GovSpeechError as e:
                raise ToolError(str(e)) from None
            return Analysis(result=_plain(found))

    def trend(self, query: str, by: str = "year") -> Analysis:
        with self.lock:
            index = self.index
            try:
                found = index.trend(query, by=by) if hasattr(index, "trend") else self.api.trend(index, query, by=by)
            except GovSpeechError as e:
                raise ToolError(str(e)) from None
            return Analysis(result=_plain(found))


def _plain(value) -> dict:
    data = value.to_dict() if hasattr(value, "to_dict") else value
    return data if isinstance(data, dict) else {"items": data}


def _info(s: dict) -> SpeechInfo:
    """A listed speech (api.speech_list) as the tools show it: ids and meta, no file."""
    return SpeechInfo(speech_id=s["id"], title=s["title"] or "", date=s.get("date"), year=s.get("year"),
                      place=s.get("place"), paragraphs=s.get("paragraphs") or 0, sentences=s.get("sentences") or 0)


# Descriptions for the model that chooses a tool: what it is for, what comes back, in English and Chinese.
SearchQuery = Annotated[str, Field(min_length=1, max_length=500, description="The question or topic in plain Chinese, e.g. 农村道路建好以后怎么维护.")]
K = Annotated[int, Field(ge=1, le=MAX_K, description="How many hits (1-50).")]
Date = Annotated[str | None, Field(description="Year or ISO date, inclusive: 2019 or 2019-03-05.")]
SpeechId = Annotated[str, Field(min_length=1, description="A speech id from search or list_speeches, e.g. national_work_reports-4.")]

DESCRIPTIONS = {
    "search": "Find the sentences in the indexed government speeches and work reports that answer a question, "
              "by meaning and keywords. Each hit is an exact quote with speech id, section, paragraph, character span "
              "and a GB/T 7714 reference to cite. Narrow with since/until (year or date), place (a province or city "
              "named in the title or meeting) and speech (a list of speech ids). "
              "按语义和关键词检索政府讲话与工作报告中回答问题的原句，每条结果附讲话、章节、段落、字符位置和可直接引用的参考文献。",
    "list_speeches": "List every speech in the index: id, title, date (or year), place, paragraph and sentence "
                     "counts. Use it to find speech ids. 列出索引中的全部讲话（编号、标题、日期、地点、段落数）。",
    "speech": "One speech's metadata and outline (its headings, each with the numbers of its paragraphs). Takes ONE "
              "speech id, not a list. Use paragraph to read the text. 查看一篇讲话的信息和提纲（各级标题及其段落编号），只接受一个讲话编号。",
    "paragraph": "The full text of one paragraph of a speech, with its section and citation: read the context around "
                 "a search hit (same speech_id and paragraph). 读取讲话中某一段的全文及其引用信息。",
    "summarize": "The key points of one speech: its most important sentences overall and per section, each an exact "
                 "quote with its paragraph and reference. Takes ONE speech id. 提炼一篇讲话的要点（全篇与各章节），每条要点附原文出处。",
    "compare": "What changed between two speeches (e.g. two years' work reports): targets, new and dropped "
               "formulations, each cited on both sides. 比较两篇讲话（如两年的政府工作报告）的变化：目标、新增与删去的提法，两边均附出处。",
    "trend": "How often a topic is raised over years, places or speeches, with the best quote of each. "
             "统计一个话题在各年份、地区或讲话中出现的频次，并给出每组最有代表性的原句。",
}


def create_server(index: Index | LiveIndex | str | Path | None = None, api_module=api) -> MCPServer:
    """An MCP server over one index: a name or folder (followed as writers add or remove
    speeches, like `serve`), or an opened Index / LiveIndex.

    `compare` and `trend` are registered only when `api_module` provides them.

    Raises:
        IndexStoreError: the index is missing or corrupt (before any client connects).
    """
    if not isinstance(index, (Index, LiveIndex)):
        index = LiveIndex(str(index) if isinstance(index, Path) else index)
    tools = Tools(index, api_module)
    server = MCPServer("govspeech", instructions=INSTRUCTIONS, version=_version())

    def search(query: SearchQuery, k: K = 5, since: Date = None, until: Date = None,
               place: Annotated[str | None, Field(description="A place named in the speech's title or meeting, e.g. 河南.")] = None,
               speech: Annotated[list[str] | None, Field(description="Only these speech ids.")] = None) -> SearchResult:
        return tools.search(query, k, since, until, place, speech)

    def list_speeches() -> SpeechList:
        return tools.list_speeches()

    def speech(speech_id: SpeechId) -> SpeechOutline:
        return tools.speech(speech_id)

    def paragraph(speech_id: SpeechId, number: Annotated[int, Field(ge=1, description="Paragraph number, 1-based (第N段).")]) -> Quote:
        return tools.paragraph(speech_id, number)

    def summarize(speech_id: SpeechId) -> SpeechSummary:
        return tools.summarize(speech_id)

    def compare(old: Annotated[str, Field(description="The earlier speech's id.")],
                new: Annotated[str, Field(description="The later speech's id.")]) -> Analysis:
        return tools.compare(old, new)

    def trend(query: SearchQuery, by: Annotated[str, Field(description="year, place or speech.")] = "year") -> Analysis:
        return tools.trend(query, by)

    readonly = ToolAnnotations(read_only_hint=True, open_world_hint=False)
    for fn in (search, list_speeches, speech, paragraph, summarize, compare, trend):
        if fn.__name__ in ("compare", "trend") and not hasattr(api_module, fn.__name__):
            continue    # not in this release's api: not advertised
        server.add_tool(fn, description=DESCRIPTIONS[fn.__name__], annotations=readonly)
    return server


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("govspeech")
    except PackageNotFoundError:
        return "0"


def run(index: str | None = None, http: bool = False, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve over stdio (the default) or streamable HTTP at http://HOST:PORT/mcp."""
    server = create_server(index)
    if http:
        server.run("streamable-http", host=host, port=port, streamable_http_path=HTTP_PATH)
    else:
        server.run("stdio")
