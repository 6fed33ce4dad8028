"""A LangChain retriever over a govspeech index (extra `langchain`: langchain-core only).

    from pipeline.integrations.langchain import GovSpeechRetriever
    retriever = GovSpeechRetriever(index="reports", k=4, filters={"since": "2019"})
    for doc in retriever.invoke("稳就业有哪些举措"):
        print(doc.id, doc.metadata["paragraph"], doc.page_content)

Each Document's `page_content` is the hit's exact quote; `metadata` its citation (speech
id, title, section path, paragraph, clean and raw spans) with score and confidence;
`id` is `speech_id:start-end`. The search is `Index.search`, the CLI's.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from . import Searcher, hit_id, hit_metadata


class GovSpeechRetriever(BaseRetriever):
    """Sentences of government speeches that answer a query, each a cited Document.

    Args:
        index: an index name (under ./indexes), a folder, or an opened `pipeline.Index`.
        k: how many documents (`invoke(query, k=2)` overrides it for one call).
        filters: a `pipeline.Filters` or its keywords as a dict (since, until, place, speech …).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    k: int = Field(default=4, ge=1)
    filters: Any = None
    _searcher: Searcher = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        self._searcher = Searcher(self.index, self.filters)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None) -> list[Document]:
        hits = self._searcher.search(query, k=self.k if k is None else k)
        return [Document(page_content=h.citation.text, metadata=hit_metadata(h), id=hit_id(h)) for h in hits]
