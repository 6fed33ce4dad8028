"""integrations: retrievers for RAG frameworks over the same search as the CLI.

    pipeline.integrations.langchain.GovSpeechRetriever     (extra `langchain`: langchain-core)
    pipeline.integrations.llamaindex.GovSpeechRetriever    (extra `llamaindex`: llama-index-core)

Each framework is imported only in its own module; this one holds what both share and
imports none: the index a retriever reads, and a hit's citation as flat metadata.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Mapping

from ..api import Filters, Hit, Index


class Searcher:
    """One index (opened on first use from a name or folder, or given open) and the
    filters a retriever was made with (a Filters or a dict of its fields, checked by
    Index.search). `search` is serialised: LangChain's and LlamaIndex's async paths run
    it on worker threads, over one SQLite connection."""

    def __init__(self, index: Any, filters: Filters | Mapping | None = None):
        self._given = index
        self._index = None
        self.filters = dict(filters) if isinstance(filters, Mapping) else filters
        self._lock = threading.Lock()

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = self._given if isinstance(self._given, Index) else Index.open(
                str(self._given) if isinstance(self._given, Path) else self._given)
        return self._index

    def search(self, query: str, k: int) -> list[Hit]:
        with self._lock:
            return self.index.search(query, k=k, filters=self.filters)


def hit_id(hit: Hit) -> str:
    """`speech_id:start-end`: the same sentence always has the same id."""
    c = hit.citation
    return f"{c.speech_id}:{c.start}-{c.end}"


def hit_metadata(hit: Hit) -> dict:
    """The citation's keys but the quoted text (that is the document's content), plus the
    rank, kind, score and confidence as plain JSON values. `section` is the section path
    as one string (二（一）), for stores that refuse lists. Confidence is `Hit.confidence`
    where calibrated search provides it, else None."""
    c = hit.citation
    confidence = getattr(hit, "confidence", None)
    return {"speech_id": c.speech_id, "title": c.title, "section_path": list(c.section_path),
            "section": "".join(c.section_path), "paragraph": c.paragraph, "start": c.start, "end": c.end,
            "raw_start": c.raw_start, "raw_end": c.raw_end, "rank": hit.rank, "kind": hit.kind, "strength": hit.strength,
            "score": float(hit.score), "confidence": None if confidence is None else float(confidence)}
