"""A LlamaIndex retriever over a govspeech index (extra `llamaindex`: llama-index-core only).

    from pipeline.integrations.llamaindex import GovSpeechRetriever
    retriever = GovSpeechRetriever(index="reports", similarity_top_k=4)
    for n in retriever.retrieve("稳就业有哪些举措"):
        print(n.node.node_id, n.score, n.node.text)

Each result is a NodeWithScore over a TextNode whose text is the hit's exact quote and
whose `start_char_idx`/`end_char_idx` are its span in the speech's clean text; metadata
holds the citation (the section path also as one string, `section`), the node's source
is the speech, and its id is `speech_id:start-end`. The search is `Index.search`.
"""

from __future__ import annotations

from typing import Any, Mapping

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode

from ..api import Filters
from . import Searcher, hit_id, hit_metadata

# Offsets and ranks help a program, not a language model or an embedding.
_NOT_FOR_MODELS = ["section_path", "paragraph", "start", "end", "raw_start", "raw_end", "rank", "score", "confidence",
                   "strength"]


class GovSpeechRetriever(BaseRetriever):
    """Sentences of government speeches that answer a query, as cited nodes.

    Args:
        index: an index name (under ./indexes), a folder, or an opened `pipeline.Index`.
        similarity_top_k: how many nodes.
        filters: a `pipeline.Filters` or its keywords as a dict (since, until, place, speech …).
    """

    def __init__(self, index: Any, similarity_top_k: int = 4, filters: Filters | Mapping | None = None, **kwargs: Any):
        if similarity_top_k < 1:
            raise ValueError(f"similarity_top_k must be at least 1, not {similarity_top_k}")
        self.similarity_top_k = similarity_top_k
        self._searcher = Searcher(index, filters)
        super().__init__(**kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        out = []
        for hit in self._searcher.search(query_bundle.query_str, k=self.similarity_top_k):
            c = hit.citation
            node = TextNode(id_=hit_id(hit), text=c.text, start_char_idx=c.start, end_char_idx=c.end,
                            metadata=hit_metadata(hit), excluded_llm_metadata_keys=list(_NOT_FOR_MODELS),
                            excluded_embed_metadata_keys=list(_NOT_FOR_MODELS),
                            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=c.speech_id)})
            out.append(NodeWithScore(node=node, score=float(hit.score)))
        return out
