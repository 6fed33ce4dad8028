"""milvus.reading: MilvusStore, one version of an index in Milvus behind the Store
protocol (pipeline/index/store.py): candidates from Milvus' dense and BM25 search,
exact scores of any rows, units, speeches and clauses read by key."""

from __future__ import annotations

import json
import os
from typing import Sequence

import numpy as np

from ...errors import IndexStoreError
from ...model import Filters, Unit
from ..rows import LIST_COLUMNS
from ..sparse import BM25_K1
from ..store import STATS_SAMPLE, score_stats
from .connection import Target, base_name, connect, parse_target, reason
from .expressions import filter_expression, ints, quote, strings
from .schema import MANIFEST_KEY, alias_target, clauses_of, milvus_index_kind, speeches_of, spell_terms

# BM25's mean and spread come from the same rows as the local store's, scored by Milvus (a
# search restricted to them), so hybrid answers are the local store's. Milvus Lite returns
# thousands of scored rows slowly (pure Python); GOVSPEECH_MILVUS_SPARSE_SAMPLE=1024 makes
# its hybrid queries faster at the cost of exactness (on the dev gold set: R@1 0.800 vs
# 0.787, 52 of 80 top-10 lists identical instead of 80; benchmarks/RESULTS.md).
SPARSE_SAMPLE = int(os.environ.get("GOVSPEECH_MILVUS_SPARSE_SAMPLE", str(STATS_SAMPLE)))
MAX_LIMIT = 16384             # Milvus' largest topk / query window
IN_CHUNK = 2000               # primary keys per `row in [...]` expression
UNIT_FIELDS = ["row", "uid", "speech_id", "title", "paragraph", "kind", "strength", "section_path", "section_title",
               "start", "end", "raw_start", "raw_end", "text", "actors", "targets"]


class MilvusStore:
    """One version (units, speeches and clauses collections) of an index in Milvus,
    behind the Store protocol of pipeline/index/store.py. A selection is a filter
    expression (None: every row)."""

    def __init__(self, target: Target, units: str):
        self.target = target
        self.client = connect(target)
        self.units_collection = units
        self.speeches_collection = speeches_of(units)
        try:
            self.client.load_collection(units)
            self.client.load_collection(self.speeches_collection)
        except Exception as exc:
            raise IndexStoreError(target.spec, f"collection {units} is missing or unreadable ({reason(exc)}); "
                                               "rebuild the index") from None
        self.manifest = self._read_manifest()
        # a version written without clauses (clauses=False, or before Milvus held them) has no
        # clauses collection: ranking scores each sentence by its own vector there
        self.clauses_collection: str | None = None
        if self.manifest.get("clauses") and self.client.has_collection(clauses_of(units)):
            self.clauses_collection = clauses_of(units)
            try:
                self.client.load_collection(self.clauses_collection)
            except Exception as exc:
                raise IndexStoreError(target.spec, f"collection {self.clauses_collection} is unreadable "
                                                   f"({reason(exc)}); rebuild the index") from None
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
        units = alias_target(client, alias)
        if units is None:
            raise IndexStoreError(target.spec, f"no index {index_name!r} here (no alias {alias})")
        return cls(target, units)

    def _read_manifest(self) -> dict:
        try:
            rows = self.client.get(self.speeches_collection, ids=[MANIFEST_KEY], output_fields=["doc"])
        except Exception as exc:
            raise IndexStoreError(self.target.spec, f"collection {self.units_collection} is missing or unreadable "
                                                    f"({reason(exc)}); rebuild the index") from None
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

    def allowed(self, selection, rows: Sequence[int]) -> list[int]:
        """Those of these rows that hold a live unit the selection admits, in the order given."""
        rows = [int(r) for r in rows]
        found: set[int] = set()
        for i in range(0, len(rows), IN_CHUNK):
            expression = self._live(f"row in {ints(rows[i:i + IN_CHUNK])}" + (f" and ({selection})" if selection else ""))
            found.update(int(r["row"]) for r in self.client.query(self.units_collection, filter=expression,
                                                                  output_fields=["row"]))
        return [r for r in rows if r in found]

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

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        """Stored vectors of these rows, in the order asked (fetched by primary key)."""
        return self._fetch_vectors(self.units_collection, rows)

    def _fetch_vectors(self, collection: str, rows: Sequence[int]) -> np.ndarray:
        """Vectors of a collection with `row` keys and a `vector` field, in the order asked."""
        rows = [int(r) for r in rows]
        found: dict[int, list] = {}
        for i in range(0, len(rows), IN_CHUNK):
            chunk = rows[i:i + IN_CHUNK]
            for r in self.client.query(collection, filter=f"row in {ints(chunk)}", output_fields=["row", "vector"]):
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
        return score_stats(self.sample_rows()[1] @ np.asarray(q, dtype=np.float32))

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
        return score_stats(self.sparse_scores(terms, rows[::step]))

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
        found = self._unit_rows(rows, UNIT_FIELDS)
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

    def speech_keys(self) -> dict[str, str]:
        """speech id → its key (id@batch), for writers."""
        return {r["speech_id"]: r["key"] for r in self._speech_records(["key", "speech_id"])}

    def speeches(self) -> list[dict]:
        docs = [r["doc"] for r in self._speech_records(["doc"])]
        return sorted(({c: d.get(c) for c in LIST_COLUMNS} for d in docs), key=lambda d: d["id"])

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
        return self._fetch_vectors(self.clauses_collection, clause_rows) @ np.asarray(q, dtype=np.float32)


def _unit(d: dict) -> Unit:
    return Unit(int(d["row"]), d["uid"], d["speech_id"], d["title"], int(d["paragraph"]), d["kind"], d["strength"] or None,
                tuple(json.loads(d["section_path"])), d["section_title"], int(d["start"]), int(d["end"]),
                int(d["raw_start"]), int(d["raw_end"]), d["text"], tuple(json.loads(d["actors"])),
                tuple(json.loads(d["targets"])))

