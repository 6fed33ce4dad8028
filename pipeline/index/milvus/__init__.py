"""milvus: the Milvus backend — the index in Milvus — Milvus Lite for one machine (a local .db file that
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

    connection.py    a --store value → Target; one client per URI; Milvus Lite's lock
    schema.py        the collections of a version, their fields, indexes and names
    expressions.py   Milvus expressions; filter conditions → an expression
    reading.py       MilvusStore: one version behind the Store protocol
    writing.py       a BuildRecord → collections (new or in place) → a published version
"""

from __future__ import annotations


from pathlib import Path

from ..store import BuildRecord, Progress
from .connection import EXAMPLE, Target, base_name, connect, parse_target, release
from .expressions import filter_expression, quote
from .reading import MilvusStore

__all__ = ["BACKEND", "MilvusBackend", "MilvusStore", "Target", "base_name", "connect", "filter_expression",
           "parse_target", "quote", "release"]


class MilvusBackend:
    """Milvus as a backend (backends.py): the folder's version names a collection, which
    the alias follows on rollback."""

    example = EXAMPLE

    def parse(self, spec: str) -> str:
        return parse_target(spec).spec

    def check(self, spec: str) -> None:
        connect(parse_target(spec))   # unreachable or missing pymilvus: one line now, not after the encoding

    def open(self, version: Path, manifest: dict) -> MilvusStore:
        return MilvusStore(parse_target(manifest["store"]), manifest["collection"])

    def publish(self, root: Path, spec: str, record: BuildRecord, progress: Progress | None = None) -> tuple[str, int]:
        from .writing import publish

        return publish(root, spec, record, progress)

    def after_rollback(self, manifest: dict) -> None:
        from .writing import point_alias

        point_alias(manifest)


BACKEND = MilvusBackend()
