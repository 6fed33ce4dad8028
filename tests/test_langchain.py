"""The LangChain retriever: LangChain's own standard retriever tests (langchain-tests) on
GovSpeechRetriever, and what its Documents carry: the exact quote, the citation as
JSON-ready metadata, a stable id.

The standard class has an `async def` test without a mark: it needs pytest-asyncio's auto
mode, which the module-level mark below stands in for (every other module keeps the default).
"""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("langchain_core", reason="the LangChain retriever is the langchain extra: pip install -e '.[langchain]'")
pytest.importorskip("langchain_tests", reason="LangChain's standard tests: pip install langchain-tests (in the test extra)")
pytest.importorskip("pytest_asyncio", reason="the standard retriever tests need pytest-asyncio (in the test extra)")

from langchain_core.documents import Document  # noqa: E402
from langchain_tests.integration_tests import RetrieversIntegrationTests  # noqa: E402

from pipeline import Filters  # noqa: E402
from pipeline.integrations.langchain import GovSpeechRetriever  # noqa: E402

# What pytest-asyncio's auto mode would do, for this module only: run the standard class's
# unmarked `async def` test. The mark reaches the sync tests too, where it does nothing.
pytestmark = [pytest.mark.asyncio,
              pytest.mark.filterwarnings("ignore:The test <Function .* is marked with '@pytest.mark.asyncio' but it is not an async function")]
QUERY = "安全生产责任怎么落实"
CITATION_KEYS = {"speech_id", "title", "section_path", "paragraph", "start", "end", "raw_start", "raw_end"}


class TestGovSpeechRetrieverStandard(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _index(self, small_index):
        type(self).index_root = str(small_index)

    @property
    def retriever_constructor(self) -> type[GovSpeechRetriever]:
        return GovSpeechRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"index": self.index_root}

    @property
    def retriever_query_example(self) -> str:
        return QUERY


speeches = pytest.fixture(scope="module", name="speeches")(lambda small_speeches: small_speeches)     # conftest


index = pytest.fixture(scope="module", name="index")(lambda small_opened: small_opened)                # conftest


def test_documents_quote_exactly_and_carry_the_citation(index, speeches):
    docs = GovSpeechRetriever(index=index, k=4).invoke(QUERY)
    hits = index.search(QUERY, k=4)
    assert [d.id for d in docs] == [f"{h.citation.speech_id}:{h.citation.start}-{h.citation.end}" for h in hits]
    for doc, hit in zip(docs, hits):
        assert isinstance(doc, Document)
        m = doc.metadata
        assert doc.page_content == speeches[m["speech_id"]].text[m["start"]:m["end"]]
        assert CITATION_KEYS <= set(m) and "text" not in m
        assert m["section_path"] == list(hit.citation.section_path) and m["section"] == "".join(hit.citation.section_path)
        assert m["paragraph"] == hit.citation.paragraph
        assert type(m["score"]) is float and m["score"] == pytest.approx(hit.score)
        conf = getattr(hit, "confidence", None)
        assert m["confidence"] == (None if conf is None else pytest.approx(float(conf)))
        json.dumps(m)          # JSON-serialisable as it is


def test_index_may_be_a_name_a_folder_or_an_index(small_index, index, monkeypatch):
    monkeypatch.setenv("GOVSPEECH_INDEX_DIR", str(small_index.parent))
    by = {what: [d.id for d in GovSpeechRetriever(index=given, k=2).invoke(QUERY)]
          for what, given in [("name", small_index.name), ("folder", str(small_index)), ("path", small_index),
                              ("index", index)]}
    assert len(set(map(tuple, by.values()))) == 1 and len(by["name"]) == 2, by


def test_k_at_call_time_and_filters(index):
    retriever = GovSpeechRetriever(index=index, k=4, filters={"speech": ["ecology_2021"]})
    assert len(retriever.invoke(QUERY, k=1)) == 1
    docs = retriever.invoke("生态环境保护")
    assert len(docs) == 4 and {d.metadata["speech_id"] for d in docs} == {"ecology_2021"}
    same = GovSpeechRetriever(index=index, k=4, filters=Filters(speech=("ecology_2021",))).invoke("生态环境保护")
    assert [d.id for d in same] == [d.id for d in docs]
    assert [d.id for d in asyncio.run(retriever.ainvoke("生态环境保护"))] == [d.id for d in docs]
