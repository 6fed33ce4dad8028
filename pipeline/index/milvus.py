"""milvus: the index in Milvus — Milvus Lite for one machine (a local .db file that
pymilvus serves itself), a Milvus standalone or cluster URI past it; the same code
talks to both.

    milvus-lite:PATH.db      Milvus Lite in this process (`pip install 'govspeech[milvus]'`)
    milvus://HOST:19530      a Milvus server or cluster (milvus+https://HOST:443 for TLS)

One index version is three collections: `<base>__v<K>` holds one row per indexed
sentence (every field a hit and its filters need, the stored vector, and Milvus' own
BM25 over the sentence's jieba terms); `<base>__v<K>__speeches` one row per speech
(title, meta, clean text, outline) plus a manifest row (encoder, settings, live
batches, counts); `<base>__v<K>__clauses` one row per clause of a long sentence
(pipeline/clauses.py: its unit's row, its offsets inside the sentence, its vector),
numbered as the local store numbers them. The alias `<base>` names the live units
collection, so a reader needs nothing but the URI and the index name. A version
built with clauses=False (or before Milvus held clauses) has no clauses collection.

Writes:
- a rebuild writes new collections and switches the alias last: a build that dies
  leaves the old version serving; the one before it is kept for readers still using
  it (and for `index rollback`), older ones are dropped.
- add/remove work in place, by content hash, and commit with one row: new rows (units
  and their clauses) go in under a new batch number that readers ignore until the
  manifest row lists it; the same upsert marks replaced speeches dead (readers filter
  them out), and only then are dead rows deleted. A writer that dies leaves rows no
  reader sees, which the next writer deletes.

Search runs the same fusion as the local store (pipeline/search.py): candidates from
Milvus' HNSW/flat dense search and BM25 full-text search, then every candidate
scored exactly by both (vectors fetched by primary key, BM25 through a search
restricted to those rows), each standardised against the same fixed sample of rows;
a long sentence is scored by its best clause too (clause vectors fetched by key; the
clauses collection is never searched).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from ..errors import GovSpeechError, IndexStoreError
from ..lexicon import resource_path
from ..model import Filters, Unit
from .rows import SPEECH_COLUMNS, SpeechRows

Progress = Callable[..., None]

STATS_SAMPLE = 4096           # as the local store: rows whose scores standardise a query's
# BM25's mean and spread come from the same rows, scored by Milvus (a search restricted to
# them), so hybrid answers are the local store's. Milvus Lite returns thousands of scored
# rows slowly (pure Python); GOVSPEECH_MILVUS_SPARSE_SAMPLE=1024 makes its hybrid queries
# faster at the cost of exactness (on the dev gold set: R@1 0.800 vs 0.787, 52 of 80
# top-10 lists identical instead of 80; benchmarks/RESULTS.md).
SPARSE_SAMPLE = int(os.environ.get("GOVSPEECH_MILVUS_SPARSE_SAMPLE", str(STATS_SAMPLE)))
MAX_LIMIT = 16384             # Milvus' largest topk / query window
INSERT_BATCH = 1000           # rows per insert call
IN_CHUNK = 2000               # primary keys per `row in [...]` expression
EF_SEARCH = 256               # as the local HNSW (pipeline/index/dense.py)
NPROBE = 16
FLAT_LIMIT = 100_000          # as the local store: exact search below this many rows (auto)
BM25_K1, BM25_B = 1.5, 0.75  # bm25s' defaults, which the local store uses
MANIFEST_KEY = "__manifest__"
FORMAT = 1
VARCHAR_MAX = 65535           # bytes, Milvus' largest VARCHAR


# -- where the store is ----------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A parsed --store value: what the user wrote, and the URI pymilvus takes."""

    spec: str      # milvus-lite:/abs/path.db | milvus://host:19530
    uri: str       # /abs/path.db | http://host:19530
    lite: bool


def parse_target(spec: str) -> Target:
    """`milvus-lite:PATH.db`, `milvus://HOST:PORT` or `milvus+https://HOST:PORT` → Target.

    Raises:
        GovSpeechError: anything else, named.
    """
    if spec.startswith("milvus-lite:"):
        path = spec[len("milvus-lite:"):]
        if not path.endswith(".db"):
            raise GovSpeechError(f"--store {spec}: a Milvus Lite store is a file ending in .db (milvus-lite:PATH.db)")
        path = str(Path(path).expanduser().resolve())
        return Target(f"milvus-lite:{path}", path, True)
    for scheme, http in (("milvus://", "http://"), ("milvus+https://", "https://")):
        if spec.startswith(scheme):
            host = spec[len(scheme):].rstrip("/")
            if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+", host or "-"):
                raise GovSpeechError(f"--store {spec}: expected {scheme}HOST:PORT")
            if ":" not in host.strip("[]"):
                host += ":19530"
            return Target(f"{scheme}{host}", http + host, False)
    raise GovSpeechError(f"--store {spec}: unknown store (use local, milvus-lite:PATH.db or milvus://HOST:19530)")


_clients: dict[str, object] = {}
LITE_IN_USE = ("is open in another process (Milvus Lite serves a file to one process at a time; "
               "use a Milvus server for more)")


def connect(target: Target):
    """A MilvusClient for the target (one per URI per process: Milvus Lite allows one
    process per file, and its server runs inside this one).

    Raises:
        GovSpeechError: pymilvus missing, or the store cannot be reached (one line, naming it).
    """
    if target.uri in _clients:
        return _clients[target.uri]
    try:
        import logging

        from pymilvus import MilvusClient

        # pymilvus logs every failed call and Lite's missing timestamps itself; the errors
        # that matter reach the user as one line from here
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
        logging.getLogger("milvus_lite").setLevel(logging.CRITICAL)    # it logs a 20-line traceback when a file is in use
    except ImportError:
        raise GovSpeechError(f"--store {target.spec} needs pymilvus: pip install 'govspeech[milvus]'") from None
    if target.lite:
        try:
            import milvus_lite  # noqa: F401
        except ImportError:
            raise GovSpeechError(f"--store {target.spec} needs milvus-lite: pip install 'govspeech[milvus]'") from None
        if not Path(target.uri).parent.is_dir():
            raise IndexStoreError(target.spec, f"folder {Path(target.uri).parent} does not exist")
        if _locked(Path(target.uri)):      # before Lite tries (and logs its failure)
            raise IndexStoreError(target.spec, LITE_IN_USE)
    try:
        # Milvus Lite's in-process server answers keep-alive pings with GOAWAY (too_many_pings),
        # which grpc prints to stderr; a connection to our own process needs no keep-alive
        options = {"grpc.keepalive_time_ms": 2**31 - 1, "grpc.keepalive_permit_without_calls": 0} if target.lite else {}
        client = MilvusClient(uri=target.uri, timeout=float(os.environ.get("GOVSPEECH_MILVUS_TIMEOUT", "10")),
                              grpc_options=options)
        client.list_collections()
    except Exception as exc:   # grpc, pymilvus and Lite each raise their own kinds
        if target.lite and _locked(Path(target.uri)):
            raise IndexStoreError(target.spec, LITE_IN_USE) from None
        raise IndexStoreError(target.spec, f"cannot reach Milvus ({_reason(exc)})") from None
    _clients[target.uri] = client
    return client


def _reason(exc: Exception) -> str:
    """The first line of a pymilvus/grpc error's message."""
    text = str(getattr(exc, "message", "") or exc).strip()
    return text.splitlines()[0][:200] if text else exc.__class__.__name__


def _locked(data_dir: Path) -> bool:
    """Whether another process holds Milvus Lite's lock on this .db folder."""
    import fcntl

    try:
        fd = os.open(data_dir / "LOCK", os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def release(spec: str) -> None:
    """Close this process's client for a store; for Milvus Lite also stop the in-process
    server, so another process may open the file."""
    target = parse_target(spec)
    client = _clients.pop(target.uri, None)
    if client is not None:
        client.close()
    if target.lite:
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(target.uri)


def base_name(index_name: str) -> str:
    """The alias of an index called `index_name` (Milvus names: letters, digits, _)."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", index_name)
    return f"gs_{clean}"[:200]


# -- filter expressions -------------------------------------------------------------

def quote(value: str) -> str:
    """A Milvus string literal."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def like_literal(value: str, prefix: bool = False) -> str:
    """A LIKE pattern matching `value` literally inside a field (or at its start)."""
    escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return quote(f"{escaped}%" if prefix else f"%{escaped}%")


def strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(quote(v) for v in values) + "]"


def ints(values: Iterable[int]) -> str:
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def filter_expression(filters: Filters) -> str | None:
    """Filters → a Milvus boolean expression over the units collection (None: no filter).
    Same meaning as the local store's SQL (pipeline/index/rows.py): a speech dated only
    by its year is inside a range that touches that year."""
    if filters.empty():
        return None
    parts = []
    if filters.speech:
        parts.append(f"speech_id in {strings(filters.speech)}")
    if filters.since:
        parts.append(f'(date >= {quote(filters.since)} or (date == "" and year >= {int(filters.since[:4])}))')
    if filters.until:
        until = filters.until + ("-12-31" if len(filters.until) == 4 else "")
        parts.append(f'((date != "" and date <= {quote(until)}) or (date == "" and year >= 0 and year <= {int(filters.until[:4])}))')
    if filters.place:
        pattern = like_literal(filters.place)
        parts.append(f"(place like {pattern} or title like {pattern} or meeting like {pattern})")
    if filters.kind:
        parts.append(f"kind in {strings(filters.kind)}")
    if filters.strength:
        parts.append(f"strength == {quote(filters.strength)}")
    if filters.section:
        parts.append(f"section_key like {like_literal(Filters.section_label(filters.section), prefix=True)}")
    return " and ".join(parts)


# -- schema ----------------------------------------------------------------------

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
    if kind == "hnsw":   # the local HNSW's settings (dense.py): M 32, efConstruction 80, efSearch 256
        return "HNSW", {"M": 32, "efConstruction": 80}, {"ef": EF_SEARCH}
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


def _create_collections(client, units: str, dim: int, kind: str, lite: bool, analyzer: str, clauses: bool) -> None:
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
    client.create_collection(_speeches_of(units), schema=_speech_schema(client), index_params=ip)
    if clauses:
        # clause vectors are fetched by key, never searched; Milvus loads no collection
        # without an index on its vector field, and FLAT adds nothing to the raw vectors
        ip = client.prepare_index_params()
        ip.add_index("vector", index_type="FLAT", metric_type="IP")
        client.create_collection(_clauses_of(units), schema=_clause_schema(client, dim), index_params=ip)


def _speeches_of(units: str) -> str:
    return f"{units}__speeches"


def _clauses_of(units: str) -> str:
    return f"{units}__clauses"


def _companions(units: str) -> tuple[str, str]:
    """The collections that belong to a units collection's version."""
    return _speeches_of(units), _clauses_of(units)


def _stats(scores: np.ndarray) -> tuple[float, float]:
    spread = float(scores.std()) if len(scores) else 0.0
    return (float(scores.mean()) if len(scores) else 0.0), spread or 1.0


# -- reading -----------------------------------------------------------------------

_UNIT_FIELDS = ["row", "uid", "speech_id", "title", "paragraph", "kind", "strength", "section_path", "section_title",
                "start", "end", "raw_start", "raw_end", "text", "actors", "targets"]
_LIST_COLUMNS = ("id", "title", "date", "year", "place", "meeting", "kind", "source", "n_paragraphs", "n_sentences")


class MilvusStore:
    """One version (units, speeches and clauses collections) of an index in Milvus,
    behind the Store protocol of pipeline/index/store.py. A selection is a filter
    expression (None: every row)."""

    def __init__(self, target: Target, units: str):
        self.target = target
        self.client = connect(target)
        self.units_collection = units
        self.speeches_collection = _speeches_of(units)
        try:
            self.client.load_collection(units)
            self.client.load_collection(self.speeches_collection)
        except Exception as exc:
            raise IndexStoreError(target.spec, f"collection {units} is missing or unreadable ({_reason(exc)}); "
                                               "rebuild the index") from None
        self.manifest = self._read_manifest()
        # a version written without clauses (clauses=False, or before Milvus held them) has no
        # clauses collection: ranking scores each sentence by its own vector there
        self.clauses_collection: str | None = None
        if self.manifest.get("clauses") and self.client.has_collection(_clauses_of(units)):
            self.clauses_collection = _clauses_of(units)
            try:
                self.client.load_collection(self.clauses_collection)
            except Exception as exc:
                raise IndexStoreError(target.spec, f"collection {self.clauses_collection} is unreadable "
                                                   f"({_reason(exc)}); rebuild the index") from None
        self._sample: tuple[np.ndarray, np.ndarray] | None = None
        self.analyzer = self.manifest.get("analyzer", "jieba")
        index_type = self.manifest.get("index_type", "flat")
        self._search_params = {"metric_type": "IP", "params": milvus_index_kind(index_type, target.lite)[2]}

    @classmethod
    def open(cls, spec: str, index_name: str) -> "MilvusStore":
        """The live version of index `index_name` at a store URI (the alias names it)."""
        target = parse_target(spec)
        client = connect(target)
        alias = base_name(index_name)
        units = _alias_target(client, alias)
        if units is None:
            raise IndexStoreError(target.spec, f"no index {index_name!r} here (no alias {alias})")
        return cls(target, units)

    def _read_manifest(self) -> dict:
        try:
            rows = self.client.get(self.speeches_collection, ids=[MANIFEST_KEY], output_fields=["doc"])
        except Exception as exc:
            raise IndexStoreError(self.target.spec, f"collection {self.units_collection} is missing or unreadable "
                                                    f"({_reason(exc)}); rebuild the index") from None
        if not rows:
            raise IndexStoreError(self.target.spec, f"collection {self.units_collection} has no manifest (a build "
                                                    "that did not finish); rebuild the index")
        return rows[0]["doc"]

    # the rows a reader sees: committed batches, minus speeches marked dead
    def _live(self, extra: str | None = None) -> str:
        parts = [f"batch in {ints(self.manifest['batches'])}"]
        if self.manifest.get("dead"):
            parts.append(f"not (skey in {strings(self.manifest['dead'])})")
        if extra:
            parts.append(f"({extra})")
        return " and ".join(parts)

    def __len__(self) -> int:
        return int(self.manifest["counts"]["sentences"])

    def close(self) -> None:
        """The client stays open for the process (Milvus Lite runs one server per file)."""

    # filters
    def select(self, filters: Filters) -> str | None:
        return filter_expression(filters)

    def count(self, selection) -> int:
        if selection is None:
            return len(self)
        res = self.client.query(self.units_collection, filter=self._live(selection), output_fields=["count(*)"])
        return int(res[0]["count(*)"])

    # dense
    def dense_search(self, q, n, selection):
        n = min(int(n), MAX_LIMIT, max(len(self), 1))
        params = dict(self._search_params)
        if "ef" in params["params"]:
            params["params"] = {"ef": max(params["params"]["ef"], n)}
        res = self.client.search(self.units_collection, data=[np.asarray(q, dtype=np.float32).tolist()],
                                 anns_field="vector", limit=n, filter=self._live(selection),
                                 search_params=params, output_fields=["row"])
        return [(int(h["entity"]["row"]), float(h["distance"])) for h in res[0]]

    def vectors(self, rows: Sequence[int], collection: str | None = None) -> np.ndarray:
        """Stored vectors of these rows (of the units collection, or another with `row` keys
        and a `vector` field), in the order asked (fetched by primary key)."""
        rows = [int(r) for r in rows]
        found: dict[int, list] = {}
        for i in range(0, len(rows), IN_CHUNK):
            chunk = rows[i:i + IN_CHUNK]
            for r in self.client.query(collection or self.units_collection, filter=f"row in {ints(chunk)}",
                                       output_fields=["row", "vector"]):
                found[int(r["row"])] = r["vector"]
        dim = int(self.manifest["encoder"]["dim"])
        return np.array([found[r] for r in rows], dtype=np.float32).reshape(len(rows), dim)

    def dense_scores(self, q, rows):
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        return self.vectors(rows) @ np.asarray(q, dtype=np.float32)

    def sample_rows(self, limit: int = STATS_SAMPLE) -> tuple[np.ndarray, np.ndarray]:
        """As LocalStore.sample_rows: up to `limit` evenly spaced rows (of those live) and
        their vectors, held in memory. On a fresh build rows are 0…n−1, so these are
        the very rows the local store samples."""
        if self._sample is None:
            last = int(self.manifest["next_row"]) - 1
            wanted = np.unique(np.linspace(0, max(last, 0), num=min(last + 1, limit)).astype(np.int64)) if last >= 0 else []
            live: list[int] = []
            for i in range(0, len(wanted), IN_CHUNK):
                chunk = wanted[i:i + IN_CHUNK]
                live.extend(int(r["row"]) for r in self.client.query(
                    self.units_collection, filter=self._live(f"row in {ints(chunk)}"), output_fields=["row"]))
            rows = np.array(sorted(live), dtype=np.int64)
            self._sample = (rows, self.vectors(rows) if len(rows) else np.zeros((0, self.manifest["encoder"]["dim"]), np.float32))
        return self._sample

    def dense_stats(self, q):
        return _stats(self.sample_rows()[1] @ np.asarray(q, dtype=np.float32))

    # sparse: Milvus BM25 over the units' jieba terms
    def _bm25(self, terms: Sequence[str], n: int, expression: str) -> list[tuple[int, float]]:
        if not terms or n <= 0:
            return []
        res = self.client.search(self.units_collection, data=[spell_terms(terms, self.analyzer)], anns_field="sparse",
                                 limit=min(int(n), MAX_LIMIT), filter=expression, output_fields=["row"],
                                 search_params={"metric_type": "BM25"})
        # Milvus Lite reports BM25 as a negative distance, a server as a positive score; Milvus
        # multiplies by (k1 + 1), which bm25s' Lucene form leaves out: divided here, the
        # scores read on the local store's scale (z-score fusion is indifferent either way)
        return [(int(h["entity"]["row"]), abs(float(h["distance"])) / (BM25_K1 + 1)) for h in res[0]]

    def sparse_search(self, terms, n, selection):
        return [(r, s) for r, s in self._bm25(terms, n, self._live(selection)) if s > 0]

    def sparse_scores(self, terms, rows):
        """BM25 of exactly these rows (0 where no term matches): a search restricted to them."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows), dtype=np.float32)
        if not len(rows) or not terms:
            return out
        where = {int(r): i for i, r in enumerate(rows)}
        for i in range(0, len(rows), IN_CHUNK):
            chunk = rows[i:i + IN_CHUNK]
            for r, s in self._bm25(terms, len(chunk), self._live(f"row in {ints(chunk)}")):
                out[where[r]] = s
        return out

    def sparse_stats(self, terms):
        rows = self.sample_rows()[0]
        step = max(1, -(-len(rows) // SPARSE_SAMPLE))
        return _stats(self.sparse_scores(terms, rows[::step]))

    # rows
    def _unit_rows(self, rows: Sequence[int], fields: list[str]) -> dict[int, dict]:
        found: dict[int, dict] = {}
        rows = [int(r) for r in rows]
        for i in range(0, len(rows), IN_CHUNK):
            chunk = rows[i:i + IN_CHUNK]
            for r in self.client.query(self.units_collection, filter=f"row in {ints(chunk)}", output_fields=fields):
                found[int(r["row"])] = r
        return found

    def units(self, rows):
        """The units at these rows, in the order asked. In-place add and remove leave gaps in
        the row numbers (the local store's rows are dense): a row that holds no unit is left out."""
        found = self._unit_rows(rows, _UNIT_FIELDS)
        return [_unit(found[int(r)]) for r in rows if int(r) in found]

    def texts(self, rows):
        return {r: d["text"] for r, d in self._unit_rows(rows, ["row", "text"]).items()}

    def all_rows(self, speech_id: str | None = None) -> list[int]:
        """Every live row (of one speech), in order."""
        expression = self._live(f"speech_id == {quote(speech_id)}" if speech_id else None)
        rows = [int(r["row"]) for r in self._iterate(self.units_collection, expression, ["row"])]
        return sorted(rows)

    def neighbours(self, row, context):
        skey = self._unit_rows([row], ["row", "skey"])[int(row)]["skey"]
        near = self.client.query(self.units_collection, filter=f"skey == {quote(skey)} and row >= {int(row) - context} "
                                                               f"and row <= {int(row) + context}",
                                 output_fields=["row", "text"])
        near.sort(key=lambda r: r["row"])
        return (tuple(r["text"] for r in near if r["row"] < row), tuple(r["text"] for r in near if r["row"] > row))

    def _iterate(self, collection: str, expression: str, fields: list[str]) -> list[dict]:
        it = self.client.query_iterator(collection, batch_size=1000, filter=expression, output_fields=fields)
        out: list[dict] = []
        try:
            while True:
                page = it.next()
                if not page:
                    break
                out.extend(page)
        finally:
            it.close()
        return out

    def _speech_records(self, fields: list[str], extra: str | None = None) -> list[dict]:
        expression = f"batch in {ints(self.manifest['batches'])}"
        if self.manifest.get("dead"):
            expression += f" and not (key in {strings(self.manifest['dead'])})"
        if extra:
            expression += f" and ({extra})"
        return self._iterate(self.speeches_collection, expression, fields)

    def records(self) -> list[tuple[str, str, str]]:
        """(speech id, source, content hash) of every live speech, in the order added."""
        recs = sorted(self._speech_records(["key", "speech_id", "source", "content_hash", "batch", "seq"]),
                      key=lambda r: (r["batch"], r["seq"]))
        return [(r["speech_id"], r["source"], r["content_hash"]) for r in recs]

    def speech_keys(self) -> dict[str, tuple[str, int]]:
        """speech id → (its key, its sentence count), for writers."""
        return {r["speech_id"]: (r["key"], int(r["doc"]["n_sentences"]))
                for r in self._speech_records(["key", "speech_id", "doc"])}

    def speeches(self) -> list[dict]:
        docs = [r["doc"] for r in self._speech_records(["doc"])]
        return sorted(({c: d.get(c) for c in _LIST_COLUMNS} for d in docs), key=lambda d: d["id"])

    def speech(self, speech_id: str) -> dict:
        found = self._speech_records(["doc"], f"speech_id == {quote(speech_id)}")
        if not found:
            raise KeyError(speech_id)
        out = dict(found[0]["doc"])
        units = self._iterate(self.units_collection, self._live(f"speech_id == {quote(speech_id)}"),
                              ["row", "start", "end", "raw_start", "raw_end"])
        out["unit_spans"] = [(u["start"], u["end"], u["raw_start"], u["raw_end"]) for u in sorted(units, key=lambda u: u["row"])]
        return out

    def speech_meta(self, ids) -> dict[str, dict]:
        """title, place, year and date of these speeches (what ranking compares a query with)."""
        ids = list(ids)
        if not ids:
            return {}
        found = self._speech_records(["speech_id", "doc"], f"speech_id in [{', '.join(quote(i) for i in ids)}]")
        return {r["speech_id"]: {k: r["doc"].get(k) for k in ("title", "place", "year", "date")} for r in found}

    def paragraph_text(self, speech_id: str, number: int) -> tuple[int, int, str] | None:
        try:
            stored = self.speech(speech_id)
        except KeyError:
            return None
        for p in stored["paragraphs"]:
            if p["number"] == number:
                return p["start"], p["end"], stored["text"][p["start"]:p["end"]]
        return None

    # clauses of long sentences, as LocalStore's: the clauses collection, read by unit row
    def clauses(self, rows) -> dict[int, list[tuple[int, int, int]]]:
        """(clause row, start, end) of each unit's clauses, offsets inside the unit's text,
        in reading order; units without clauses (and versions without clauses) are absent."""
        if self.clauses_collection is None:
            return {}
        rows = [int(r) for r in rows]
        out: dict[int, list[tuple[int, int, int]]] = {}
        for i in range(0, len(rows), IN_CHUNK):
            chunk = rows[i:i + IN_CHUNK]
            for c in self.client.query(self.clauses_collection, filter=self._live(f"unit in {ints(chunk)}"),
                                       output_fields=["row", "unit", "start", "end"]):
                out.setdefault(int(c["unit"]), []).append((int(c["row"]), int(c["start"]), int(c["end"])))
        for found in out.values():
            found.sort(key=lambda c: c[1])
        return out

    def clause_scores(self, q, clause_rows) -> np.ndarray:
        if not len(clause_rows) or self.clauses_collection is None:
            return np.zeros(0, dtype=np.float32)
        return self.vectors(clause_rows, self.clauses_collection) @ np.asarray(q, dtype=np.float32)


def _unit(d: dict) -> Unit:
    return Unit(int(d["row"]), d["uid"], d["speech_id"], d["title"], int(d["paragraph"]), d["kind"], d["strength"] or None,
                tuple(json.loads(d["section_path"])), d["section_title"], int(d["start"]), int(d["end"]),
                int(d["raw_start"]), int(d["raw_end"]), d["text"], tuple(json.loads(d["actors"])),
                tuple(json.loads(d["targets"])))


# -- writing ---------------------------------------------------------------------

def _unit_record(u: dict, speech: dict, row: int, batch: int, skey: str, terms: Sequence[str], vector: np.ndarray,
                 analyzer: str) -> dict:
    terms_text = spell_terms(terms, analyzer)
    for name, value in (("text", u["text"]), ("terms", terms_text)):
        if len(value.encode("utf-8")) > VARCHAR_MAX:
            raise GovSpeechError(f"{speech['source']}: sentence {u['id']} is longer than Milvus' {VARCHAR_MAX}-byte "
                                 f"text field ({name}); split the file or use the local store")
    return {
        "row": row, "batch": batch, "skey": skey, "uid": u["id"], "speech_id": u["speech_id"],
        "paragraph": int(u["paragraph"]), "kind": u["kind"], "strength": u["strength"] or "",
        "section_path": u["section_path"], "section_key": "".join(json.loads(u["section_path"])),
        "section_title": u["section_title"] or "", "start": u["start"], "end": u["end"], "raw_start": u["raw_start"],
        "raw_end": u["raw_end"], "text": u["text"], "terms": terms_text, "actors": u["actors"], "targets": u["targets"],
        "title": speech["title"] or "", "date": speech["date"] or "", "year": int(speech["year"]) if speech["year"] else -1,
        "place": speech["place"] or "", "meeting": speech["meeting"] or "",
        "vector": np.asarray(vector, dtype=np.float32).tolist(),
    }


def _speech_record(rows: SpeechRows, batch: int, seq: int) -> dict:
    doc = {c: rows.speech[c] for c in SPEECH_COLUMNS}
    doc["sections"] = [{"path": json.loads(p), "level": lv, "label": lb, "title": t, "start": s, "end": e}
                       for _, p, lv, lb, t, s, e in rows.sections]
    doc["paragraphs"] = [{"number": n, "kind": k, "section_path": json.loads(p), "start": s, "end": e,
                          "raw_start": rs, "raw_end": re_} for _, n, k, p, s, e, rs, re_ in rows.paragraphs]
    return {"key": f"{rows.speech_id}@{batch}", "speech_id": rows.speech_id, "batch": batch, "seq": seq,
            "source": rows.source, "content_hash": rows.content_hash, "doc": doc, "dummy": [0.0, 0.0]}


def _insert(client, collection: str, records: Iterable[dict], total: int, progress: Progress | None,
            stage: str = "store") -> None:
    batch: list[dict] = []
    done = 0
    for r in records:
        batch.append(r)
        if len(batch) >= INSERT_BATCH:
            client.insert(collection, batch)
            done += len(batch)
            batch = []
            if progress:
                progress(stage, done, total)
    if batch:
        client.insert(collection, batch)
        done += len(batch)
    if progress:
        progress(stage, done, total)


def _put_manifest(client, speeches: str, manifest: dict) -> None:
    client.upsert(speeches, [{"key": MANIFEST_KEY, "speech_id": "", "batch": -1, "seq": -1, "source": "",
                              "content_hash": "", "doc": manifest, "dummy": [0.0, 0.0]}])
    client.flush(speeches)


@dataclass(frozen=True)
class NewRows:
    """What a write adds: new speeches' rows, their units' vectors and BM25 terms, and
    the clause spans of each unit (per speech, per unit) with the clauses' vectors."""

    speeches: Sequence[SpeechRows]
    vectors: np.ndarray
    terms: Sequence
    clauses: Sequence[Sequence[Sequence[tuple[int, int]]]] = ()
    clause_vectors: np.ndarray | None = None

    def check(self) -> None:
        n_units = sum(len(r.units) for r in self.speeches)
        if n_units != len(self.vectors):
            raise ValueError(f"{len(self.vectors)} vectors for {n_units} new units")
        n_clauses = self.n_clauses
        have = 0 if self.clause_vectors is None else len(self.clause_vectors)
        if n_clauses != have:
            raise ValueError(f"{have} clause vectors for {n_clauses} new clauses")

    @property
    def n_clauses(self) -> int:
        return sum(len(spans) for speech in self.clauses for spans in speech)

    def unit_records(self, first_row: int, batch: int, analyzer: str):
        row = first_row
        for rows, speech_terms in zip(self.speeches, self.terms):
            skey = f"{rows.speech_id}@{batch}"
            for u, t in zip(rows.units, speech_terms):
                yield _unit_record(u, rows.speech, row, batch, skey, t, self.vectors[row - first_row], analyzer)
                row += 1

    def clause_records(self, first_unit_row: int, first_row: int, batch: int):
        """Clause rows numbered as the local store numbers them (rows.RowWriter.add_clauses):
        unit order, then span order."""
        unit, row = first_unit_row, first_row
        for rows, speech_clauses in zip(self.speeches, self.clauses):
            skey = f"{rows.speech_id}@{batch}"
            if len(speech_clauses) != len(rows.units):
                raise ValueError(f"{rows.speech_id}: clause spans for {len(speech_clauses)} of {len(rows.units)} units")
            for spans in speech_clauses:
                for a, b in spans:
                    yield {"row": row, "batch": batch, "skey": skey, "unit": unit, "start": int(a), "end": int(b),
                           "vector": np.asarray(self.clause_vectors[row - first_row], dtype=np.float32).tolist()}
                    row += 1
                unit += 1

    def insert(self, client, units: str, first_row: int, first_clause: int | None, batch: int, analyzer: str,
               progress: Progress | None) -> None:
        """Units, clauses (None: the version holds none) and speeches under `batch`, flushed."""
        _insert(client, units, self.unit_records(first_row, batch, analyzer), len(self.vectors), progress)
        if first_clause is not None and self.n_clauses:
            _insert(client, _clauses_of(units), self.clause_records(first_row, first_clause, batch), self.n_clauses,
                    progress, stage="clauses")
        speeches = _speeches_of(units)
        for i in range(0, len(self.speeches), 100):
            client.insert(speeches, [_speech_record(r, batch, i + j) for j, r in enumerate(self.speeches[i:i + 100])])
        client.flush(units)
        client.flush(speeches)
        if first_clause is not None:
            client.flush(_clauses_of(units))


def write(target: Target, index_name: str, *, live: MilvusStore | None, kept: Sequence[str], new: Sequence[SpeechRows],
          new_vectors: np.ndarray, new_terms, encoder_info: dict, settings: dict, index_type: str = "auto",
          rebuild: bool = False, progress: Progress | None = None, folder: str = "",
          new_clauses: Sequence[Sequence[Sequence[tuple[int, int]]]] = (),
          new_clause_vectors: np.ndarray | None = None) -> tuple[str, dict]:
    """Write an index version to Milvus. Returns (units collection, store manifest).

    rebuild (or no live version in this store): new collections from the new rows,
    then the alias switched. Otherwise in place on the live version (see the module
    doc for how that commits).

    Args:
        new_clauses, new_clause_vectors: as build.write_version's: the clause spans of
            each new unit (per speech, per unit) and their vectors in that order. A
            version written without clauses (settings clauses False, or an older one
            updated in place) stores none.
    """
    from .dense import check_kind

    client = connect(target)
    alias = base_name(index_name)
    if live is not None and (live.target.uri != target.uri or live.units_collection.split("__v")[0] != alias):
        live_here = None
    else:
        live_here = live
    rows = NewRows(new, new_vectors, new_terms, new_clauses, new_clause_vectors)
    rows.check()
    if rebuild or live_here is None:
        return _write_new(client, target, alias, folder=folder, kept=kept, rows=rows, encoder_info=encoder_info,
                          settings=settings, index_type=index_type, progress=progress)
    check_kind(index_type)
    return _write_in_place(client, live_here, kept=kept, rows=rows, progress=progress)


def _version_names(client, alias: str) -> list[tuple[int, str]]:
    found = []
    for name in client.list_collections():
        m = re.fullmatch(re.escape(alias) + r"__v(\d+)", name)
        if m:
            found.append((int(m.group(1)), name))
    return sorted(found)


def _alias_target(client, alias: str) -> str | None:
    if alias not in client.list_aliases().get("aliases", []):
        return None
    return client.describe_alias(alias)["collection_name"]


def _drop_version(client, units: str) -> None:
    """Drop a version's collections (those that exist: a build that died may have made some)."""
    for name in (units, *_companions(units)):
        if client.has_collection(name):
            client.drop_collection(name)


def _write_new(client, target: Target, alias: str, *, folder, kept, rows: NewRows, encoder_info, settings, index_type,
               progress) -> tuple[str, dict]:
    from .dense import choose_kind

    if kept:
        # a rebuild starts from nothing (Index.build); add/remove go in place
        raise ValueError("a new Milvus collection is written from new rows only")
    # One alias per index name in a store: refuse to take over (and later drop) the
    # collections of an index of the same name built from another folder.
    current = _alias_target(client, alias)
    if current is not None and folder:
        try:
            owner = MilvusStore(target, current).manifest.get("folder")
        except IndexStoreError:
            owner = None
        if owner and owner != folder:
            raise IndexStoreError(target.spec, f"already holds an index named {alias[3:]!r} built from {owner}; "
                                               f"give this one another --name")
    total = len(rows.vectors)
    kind = choose_kind(index_type, total)
    versions = _version_names(client, alias)
    number = (versions[-1][0] if versions else 0) + 1
    units = f"{alias}__v{number}"
    _drop_version(client, units)
    analyzer = ANALYZER
    if analyzer not in ANALYZERS:
        raise GovSpeechError(f"unknown Milvus analyzer {analyzer!r} ({', '.join(ANALYZERS)})")
    clauses = bool(settings.get("clauses", True))
    _create_collections(client, units, int(encoder_info["dim"]), kind, target.lite, analyzer, clauses)
    batch = 0
    if progress:
        progress("dense", 0, 1, index_type=kind)
    rows.insert(client, units, 0, 0 if clauses else None, batch, analyzer, progress)
    n_clauses = rows.n_clauses if clauses else 0
    manifest = {
        "format": FORMAT, "store": target.spec, "index": alias, "folder": folder,
        "encoder": {**encoder_info, "normalized": True}, **settings, "clauses": clauses,
        "index_type": kind, "index_type_requested": index_type, "analyzer": analyzer,
        "batches": [batch], "dead": [], "next_batch": batch + 1, "next_row": total, "next_clause": n_clauses,
        "counts": {"speeches": len(rows.speeches), "sentences": total, "clauses": n_clauses},
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    _put_manifest(client, _speeches_of(units), manifest)
    if progress:
        progress("dense", 1, 1, index_type=kind)
    # The switch: until here the alias (and every reader) sees the previous version.
    previous = _alias_target(client, alias)
    if previous is None:
        client.create_alias(units, alias)
    else:
        client.alter_alias(units, alias)
    # Keep the version that was live (readers may be using it, rollback may want it); drop older ones.
    for _, name in _version_names(client, alias):
        if name not in (units, previous):
            _drop_version(client, name)
    return units, manifest


def _delete_dead(client, store: MilvusStore, dead: Sequence[str]) -> None:
    """Delete the rows of speeches marked dead (by speech key) from every collection."""
    keys = strings(dead)
    client.delete(store.units_collection, filter=f"skey in {keys}")
    if store.clauses_collection:
        client.delete(store.clauses_collection, filter=f"skey in {keys}")
        client.flush(store.clauses_collection)
    client.delete(store.speeches_collection, filter=f"key in {keys}")
    client.flush(store.units_collection)


def _clean_up(client, store: MilvusStore) -> dict:
    """Finish what a writer that died left: rows of uncommitted batches and dead rows."""
    manifest = dict(store.manifest)
    live = ints(manifest["batches"])
    for name in (store.units_collection, store.clauses_collection):
        if name:
            client.delete(name, filter=f"not (batch in {live})")
            client.flush(name)
    client.delete(store.speeches_collection, filter=f"not (batch in {live}) and batch >= 0")
    if manifest.get("dead"):
        _delete_dead(client, store, manifest["dead"])
        manifest["dead"] = []
        _put_manifest(client, store.speeches_collection, manifest)
    client.flush(store.speeches_collection)
    return manifest


def _write_in_place(client, live: MilvusStore, *, kept, rows: NewRows, progress) -> tuple[str, dict]:
    manifest = _clean_up(client, live)
    keys = live.speech_keys()
    kept_set = set(kept)
    dead = [(sid, key, n) for sid, (key, n) in keys.items() if sid not in kept_set]
    dead_keys = [key for _, key, _ in dead]
    batch = int(manifest["next_batch"])
    first = int(manifest["next_row"])
    # a version written without clauses stays without them until it is rebuilt
    first_clause = int(manifest.get("next_clause", 0)) if live.clauses_collection else None
    n_clauses = rows.n_clauses if live.clauses_collection else 0
    dead_clauses = 0
    if dead_keys and live.clauses_collection:
        dead_clauses = int(client.query(live.clauses_collection, filter=f"skey in {strings(dead_keys)}",
                                        output_fields=["count(*)"])[0]["count(*)"])
    if rows.speeches:
        rows.insert(client, live.units_collection, first, first_clause, batch, live.analyzer, progress)
    counts = manifest["counts"]
    manifest.update(
        batches=manifest["batches"] + ([batch] if rows.speeches else []), dead=dead_keys,
        next_batch=batch + 1, next_row=first + len(rows.vectors), next_clause=(first_clause or 0) + n_clauses,
        counts={"speeches": len(kept) + len(rows.speeches),
                "sentences": int(counts["sentences"]) - sum(n for *_, n in dead) + len(rows.vectors),
                "clauses": int(counts.get("clauses", 0)) - dead_clauses + n_clauses},
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    _put_manifest(client, live.speeches_collection, manifest)      # the commit
    if dead:
        _delete_dead(client, live, dead_keys)
        manifest["dead"] = []
        _put_manifest(client, live.speeches_collection, manifest)
    return live.units_collection, manifest


def point_alias(manifest: dict) -> None:
    """Make the alias name the collection a folder manifest names (index rollback)."""
    target = parse_target(manifest["store"])
    client = connect(target)
    if not client.has_collection(manifest["collection"]):
        raise IndexStoreError(target.spec, f"collection {manifest['collection']} no longer exists; rebuild the index")
    if _alias_target(client, manifest["alias"]) is None:
        client.create_alias(manifest["collection"], manifest["alias"])
    else:
        client.alter_alias(manifest["collection"], manifest["alias"])


def publish(root: Path, store: str, *, live, kept, new, new_vectors, new_terms, encoder_info: dict, settings: dict,
            index_type: str, rebuild: bool, progress: Progress | None = None,
            new_clauses: Sequence[Sequence[Sequence[tuple[int, int]]]] = (),
            new_clause_vectors: np.ndarray | None = None) -> tuple[str, int]:
    """Write to Milvus, then publish a version in the index folder that points at the
    collection (pipeline/index/versions.py), so `--index NAME` finds it as it finds a
    local index. Returns (version name, sentences)."""
    from . import versions

    target = parse_target(store)
    live_milvus = live if isinstance(live, MilvusStore) else None
    units, manifest = write(target, root.name, folder=str(root.resolve()), live=live_milvus, kept=kept, new=new,
                            new_vectors=new_vectors, new_terms=new_terms, new_clauses=new_clauses,
                            new_clause_vectors=new_clause_vectors, encoder_info=encoder_info, settings=settings,
                            index_type=index_type, rebuild=rebuild or live_milvus is None, progress=progress)
    staged = versions.staging_dir(root)
    try:
        versions.seal(staged, {
            "store": target.spec, "collection": units, "alias": base_name(root.name),
            "encoder": manifest["encoder"], **settings, "clauses": bool(manifest.get("clauses")),
            "index_type": manifest["index_type"], "index_type_requested": index_type,
            "counts": manifest["counts"],
        })
        return versions.publish(root, staged), int(manifest["counts"]["sentences"])
    except BaseException:
        versions.discard(staged)
        raise
