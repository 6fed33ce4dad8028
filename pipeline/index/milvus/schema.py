"""milvus.schema: the collections of one index version — units, speeches, clauses —
their fields and indexes, how their names relate (`<alias>__v<K>`, `…__speeches`,
`…__clauses`), and the alias that names the live one."""

from __future__ import annotations

import re
from typing import Sequence

from ...errors import GovSpeechError
from ...lexicon import resource_path
from ..dense import EF_SEARCH, HNSW_EF_CONSTRUCTION, HNSW_M, NPROBE
from ..sparse import BM25_B, BM25_K1

VARCHAR_MAX = 65535           # bytes, Milvus' largest VARCHAR
MANIFEST_KEY = "__manifest__"  # the speeches collection's row that holds the version's manifest
ANALYZERS = ("terms", "jieba")
ANALYZER = "terms"


def _analyzer(kind: str) -> dict:
    """What Milvus tokenizes the `terms` field with.

    terms: the field holds the project's own BM25 terms (pipeline.tokenize.index_terms:
        jieba with the policy dictionary, plus every Chinese character), each spelled as
        one hex token that Milvus' standard analyzer keeps whole, so Milvus scores exactly
        the tokens the local store scores, on Milvus Lite and on a cluster alike.
    jieba: the same terms as words, re-segmented by Milvus' jieba analyzer (told the
        policy terms); it splits a few unknown words differently: on the gold sets R@1
        the same, R@5 up to 0.02 apart, 76/80, 41/50 and 39/40 hybrid top-10 lists
        identical against all of them with "terms" (benchmarks/RESULTS.md).
    """
    if kind == "terms":
        return {"tokenizer": "standard"}
    words = [line.split()[0] for line in resource_path("policy_terms.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return {"tokenizer": {"type": "jieba", "dict": ["_default_", *words], "mode": "exact", "hmm": True}}


def spell_terms(terms: Sequence[str], analyzer: str) -> str:
    """The `terms` field (and a query) for an analyzer: hex tokens, or the words."""
    if analyzer == "terms":
        return " ".join(t.encode("utf-8").hex() for t in terms)
    return " ".join(terms)


def _unit_schema(client, dim: int, analyzer: str):
    from pymilvus import DataType, Function, FunctionType

    s = client.create_schema(auto_id=False, enable_dynamic_field=False, description="govspeech units")
    s.add_field("row", DataType.INT64, is_primary=True)
    s.add_field("batch", DataType.INT64)
    s.add_field("skey", DataType.VARCHAR, max_length=1024)         # speech id @ batch
    s.add_field("uid", DataType.VARCHAR, max_length=1024)
    s.add_field("speech_id", DataType.VARCHAR, max_length=1000)
    s.add_field("paragraph", DataType.INT64)
    s.add_field("kind", DataType.VARCHAR, max_length=32)
    s.add_field("strength", DataType.VARCHAR, max_length=32)
    s.add_field("section_path", DataType.VARCHAR, max_length=4096)  # JSON list
    s.add_field("section_key", DataType.VARCHAR, max_length=4096)   # 二（一）: the labels joined, for prefix filters
    s.add_field("section_title", DataType.VARCHAR, max_length=VARCHAR_MAX)
    for name in ("start", "end", "raw_start", "raw_end"):
        s.add_field(name, DataType.INT64)
    s.add_field("text", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("terms", DataType.VARCHAR, max_length=VARCHAR_MAX, enable_analyzer=True,
                 analyzer_params=_analyzer(analyzer))
    s.add_field("actors", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("targets", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("title", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("date", DataType.VARCHAR, max_length=64)
    s.add_field("year", DataType.INT64)
    s.add_field("place", DataType.VARCHAR, max_length=4096)
    s.add_field("meeting", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                            output_field_names=["sparse"]))
    return s


def _speech_schema(client):
    from pymilvus import DataType

    s = client.create_schema(auto_id=False, enable_dynamic_field=False, description="govspeech speeches")
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=1024)
    s.add_field("speech_id", DataType.VARCHAR, max_length=1000)
    s.add_field("batch", DataType.INT64)
    s.add_field("seq", DataType.INT64)
    s.add_field("source", DataType.VARCHAR, max_length=VARCHAR_MAX)
    s.add_field("content_hash", DataType.VARCHAR, max_length=128)
    s.add_field("doc", DataType.JSON)               # every speech column, sections, paragraphs (or the manifest)
    s.add_field("dummy", DataType.FLOAT_VECTOR, dim=2)   # Milvus wants a vector field in every collection
    return s


def milvus_index_kind(kind: str, lite: bool) -> tuple[str, dict, dict]:
    """(Milvus index type, build params, search params) for the project's index kinds."""
    if kind == "flat":
        return "FLAT", {}, {}
    if kind == "hnsw":   # the local HNSW's settings (dense.py)
        return "HNSW", {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION}, {"ef": EF_SEARCH}
    if kind == "ivfpq":  # Milvus Lite has no IVF_PQ: scalar-quantised IVF is its nearest
        return ("IVF_SQ8", {"nlist": 1024}, {"nprobe": NPROBE}) if lite else (
            "IVF_PQ", {"nlist": 4096, "m": 48, "nbits": 8}, {"nprobe": NPROBE})
    raise GovSpeechError(f"unknown index type {kind!r}")


def _clause_schema(client, dim: int):
    from pymilvus import DataType

    s = client.create_schema(auto_id=False, enable_dynamic_field=False, description="govspeech clauses")
    s.add_field("row", DataType.INT64, is_primary=True)
    s.add_field("batch", DataType.INT64)
    s.add_field("skey", DataType.VARCHAR, max_length=1024)         # its unit's speech id @ batch
    s.add_field("unit", DataType.INT64)                            # its unit's row
    for name in ("start", "end"):                                  # offsets inside the unit's text
        s.add_field(name, DataType.INT64)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    return s


def create_collections(client, units: str, dim: int, kind: str, lite: bool, analyzer: str, clauses: bool) -> None:
    """The units and speeches collections of a version, and its clauses collection when
    it holds clauses."""
    index_type, params, _ = milvus_index_kind(kind, lite)
    ip = client.prepare_index_params()
    ip.add_index("vector", index_type=index_type, metric_type="IP", params=params)
    ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                 params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})
    client.create_collection(units, schema=_unit_schema(client, dim, analyzer), index_params=ip)
    ip = client.prepare_index_params()
    ip.add_index("dummy", index_type="FLAT", metric_type="L2")
    client.create_collection(speeches_of(units), schema=_speech_schema(client), index_params=ip)
    if clauses:
        # clause vectors are fetched by key, never searched; Milvus loads no collection
        # without an index on its vector field, and FLAT adds nothing to the raw vectors
        ip = client.prepare_index_params()
        ip.add_index("vector", index_type="FLAT", metric_type="IP")
        client.create_collection(clauses_of(units), schema=_clause_schema(client, dim), index_params=ip)


def speeches_of(units: str) -> str:
    return f"{units}__speeches"


def clauses_of(units: str) -> str:
    return f"{units}__clauses"


def companions(units: str) -> tuple[str, str]:
    """The collections that belong to a units collection's version."""
    return speeches_of(units), clauses_of(units)



def version_names(client, alias: str) -> list[tuple[int, str]]:
    found = []
    for name in client.list_collections():
        m = re.fullmatch(re.escape(alias) + r"__v(\d+)", name)
        if m:
            found.append((int(m.group(1)), name))
    return sorted(found)


def alias_target(client, alias: str) -> str | None:
    if alias not in client.list_aliases().get("aliases", []):
        return None
    return client.describe_alias(alias)["collection_name"]


def drop_version(client, units: str) -> None:
    """Drop a version's collections (those that exist: a build that died may have made some)."""
    for name in (units, *companions(units)):
        if client.has_collection(name):
            client.drop_collection(name)


