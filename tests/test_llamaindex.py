"""The LlamaIndex retriever: nodes whose text and start/end offsets are the citation span of
the speech's clean text, with the citation as metadata, stable ids, and the same nodes from
retrieve and aretrieve."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("llama_index.core", reason="the LlamaIndex retriever is the llamaindex extra: pip install -e '.[llamaindex]'")

from llama_index.core.base.base_retriever import BaseRetriever  # noqa: E402
from llama_index.core.schema import MetadataMode, NodeWithScore, TextNode  # noqa: E402

from pipeline.integrations.llamaindex import GovSpeechRetriever  # noqa: E402

QUERY = "安全生产责任怎么落实"


speeches = pytest.fixture(scope="module", name="speeches")(lambda small_speeches: small_speeches)     # conftest


index = pytest.fixture(scope="module", name="index")(lambda small_opened: small_opened)                # conftest


def test_node_spans_slice_the_speech_text_exactly(index, speeches):
    retriever = GovSpeechRetriever(index=index, similarity_top_k=5)
    assert isinstance(retriever, BaseRetriever)
    results = retriever.retrieve(QUERY)
    hits = index.search(QUERY, k=5)
    assert len(results) == 5
    for result, hit in zip(results, hits):
        assert isinstance(result, NodeWithScore) and isinstance(result.node, TextNode)
        node, c = result.node, hit.citation
        speech = speeches[node.metadata["speech_id"]]
        assert node.text == speech.text[node.start_char_idx:node.end_char_idx]
        assert (node.start_char_idx, node.end_char_idx) == (c.start, c.end)
        assert node.node_id == f"{c.speech_id}:{c.start}-{c.end}" and node.ref_doc_id == c.speech_id
        paragraph = speech.paragraph(node.metadata["paragraph"])
        assert paragraph.span.start <= node.start_char_idx < node.end_char_idx <= paragraph.span.end
        assert node.metadata["section_path"] == list(paragraph.section_path)
        assert node.metadata["section"] == "".join(paragraph.section_path)     # one string, for stores that refuse lists
        assert result.score == pytest.approx(hit.score)
        json.dumps(node.metadata)
        assert "raw_start" not in node.get_content(metadata_mode=MetadataMode.LLM)   # offsets stay out of prompts
        assert speech.title in node.get_content(metadata_mode=MetadataMode.LLM)


def test_ids_are_stable_and_aretrieve_gives_the_same_nodes(small_index):
    one = GovSpeechRetriever(index=str(small_index), similarity_top_k=3)
    two = GovSpeechRetriever(index=small_index, similarity_top_k=3)
    ids = [n.node.node_id for n in one.retrieve(QUERY)]
    assert ids == [n.node.node_id for n in two.retrieve(QUERY)]
    assert ids == [n.node.node_id for n in asyncio.run(one.aretrieve(QUERY))]
    assert len(ids) == 3


def test_filters_and_a_bad_top_k(index):
    nodes = GovSpeechRetriever(index=index, similarity_top_k=3, filters={"since": "2021"}).retrieve("生态环境保护")
    assert nodes and {n.node.metadata["speech_id"] for n in nodes} == {"ecology_2021"}
    with pytest.raises(ValueError, match="similarity_top_k"):
        GovSpeechRetriever(index=index, similarity_top_k=0)
