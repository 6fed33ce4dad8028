"""sparse: the keyword half of a local index — bm25s over each unit's jieba terms
(words plus single characters, see pipeline.tokenize.index_terms)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

FOLDER = "bm25"
BM25_K1, BM25_B = 1.5, 0.75   # bm25s' defaults (Lucene's); Milvus' BM25 is given the same


class Bm25Sparse:
    def __init__(self, retriever):
        self.retriever = retriever

    @classmethod
    def build(cls, corpus_terms: Sequence[Sequence[str]]) -> "Bm25Sparse":
        import bm25s

        retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        retriever.index([list(t) for t in corpus_terms] if corpus_terms else [[""]], show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder / FOLDER), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "Bm25Sparse":
        import bm25s

        return cls(bm25s.BM25.load(str(folder / FOLDER), mmap=True, load_vocab=True))

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for these query terms."""
        return np.asarray(self.retriever.get_scores(list(terms)), dtype=np.float32)
