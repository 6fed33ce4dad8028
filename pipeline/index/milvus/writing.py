"""milvus.writing: write a BuildRecord to Milvus and publish it in the index folder.

A rebuild (or a first build) writes new collections and switches the alias last; the
version that was live is kept (readers, rollback), older ones dropped. add/remove work
in place: new rows go in under a batch number readers ignore until the manifest row
lists it (the commit), which also marks replaced speeches dead; their rows are deleted
after. A writer that dies leaves rows no reader sees, which the next writer deletes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ...errors import GovSpeechError, IndexStoreError
from .. import versions
from ..dense import check_kind, choose_kind
from ..filters import section_key
from ..rows import SPEECH_COLUMNS, SpeechRows, paragraph_doc, section_doc
from ..store import BuildRecord, Progress
from . import schema
from .connection import Target, base_name, connect, parse_target
from .expressions import ints, strings
from .reading import MilvusStore
from .schema import (ANALYZERS, MANIFEST_KEY, VARCHAR_MAX, alias_target, clauses_of, create_collections,
                     drop_version, speeches_of, spell_terms, version_names)

FORMAT = 1                    # of the manifest row a version's speeches collection holds
INSERT_BATCH = 1000           # rows per insert call


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
        "section_path": u["section_path"], "section_key": section_key(u["section_path"]),
        "section_title": u["section_title"] or "", "start": u["start"], "end": u["end"], "raw_start": u["raw_start"],
        "raw_end": u["raw_end"], "text": u["text"], "terms": terms_text, "actors": u["actors"], "targets": u["targets"],
        "title": speech["title"] or "", "date": speech["date"] or "", "year": int(speech["year"]) if speech["year"] else -1,
        "place": speech["place"] or "", "meeting": speech["meeting"] or "",
        "vector": np.asarray(vector, dtype=np.float32).tolist(),
    }


def _speech_record(rows: SpeechRows, batch: int, seq: int) -> dict:
    doc = {c: rows.speech[c] for c in SPEECH_COLUMNS}
    doc["sections"] = [section_doc(*s[1:]) for s in rows.sections]         # s[0] is the speech id
    doc["paragraphs"] = [paragraph_doc(*p[1:]) for p in rows.paragraphs]
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


def unit_records(record: BuildRecord, first_row: int, batch: int, analyzer: str):
    row = first_row
    for rows, speech_terms in zip(record.new, record.terms):
        skey = f"{rows.speech_id}@{batch}"
        for u, t in zip(rows.units, speech_terms):
            yield _unit_record(u, rows.speech, row, batch, skey, t, record.vectors[row - first_row], analyzer)
            row += 1


def clause_records(record: BuildRecord, first_unit_row: int, first_row: int, batch: int):
    """Clause rows numbered as the local store numbers them (rows.RowWriter.add_clauses):
    unit order, then span order."""
    unit, row = first_unit_row, first_row
    for rows, speech_clauses in zip(record.new, record.clauses):
        skey = f"{rows.speech_id}@{batch}"
        if len(speech_clauses) != len(rows.units):
            raise ValueError(f"{rows.speech_id}: clause spans for {len(speech_clauses)} of {len(rows.units)} units")
        for spans in speech_clauses:
            for a, b in spans:
                yield {"row": row, "batch": batch, "skey": skey, "unit": unit, "start": int(a), "end": int(b),
                       "vector": np.asarray(record.clause_vectors[row - first_row], dtype=np.float32).tolist()}
                row += 1
            unit += 1


def insert(client, record: BuildRecord, units: str, first_row: int, first_clause: int | None, batch: int,
           analyzer: str, progress: Progress | None) -> None:
    """The record's new units, clauses (None: the version holds none) and speeches under
    `batch`, flushed."""
    _insert(client, units, unit_records(record, first_row, batch, analyzer), len(record.vectors), progress)
    if first_clause is not None and record.n_clauses:
        _insert(client, clauses_of(units), clause_records(record, first_row, first_clause, batch), record.n_clauses,
                progress, stage="clauses")
    speeches = speeches_of(units)
    for i in range(0, len(record.new), 100):
        client.insert(speeches, [_speech_record(r, batch, i + j) for j, r in enumerate(record.new[i:i + 100])])
    client.flush(units)
    client.flush(speeches)
    if first_clause is not None:
        client.flush(clauses_of(units))


def write(target: Target, index_name: str, record: BuildRecord, folder: str = "",
          progress: Progress | None = None) -> tuple[str, dict]:
    """Write an index version to Milvus. Returns (units collection, store manifest).

    A rebuild (or no live version of this index in this store): new collections from
    the new rows, then the alias switched. Otherwise in place on the live version (see
    the module doc for how that commits). A version written without clauses (settings
    clauses False, or an older one updated in place) stores none.
    """
    client = connect(target)
    alias = base_name(index_name)
    live = record.live if isinstance(record.live, MilvusStore) else None
    if live is not None and (live.target.uri != target.uri or live.units_collection.split("__v")[0] != alias):
        live = None
    record.check()
    if record.rebuild or live is None:
        return _write_new(client, target, alias, record, folder=folder, progress=progress)
    check_kind(record.index_type)
    return _write_in_place(client, live, record, progress=progress)


def _write_new(client, target: Target, alias: str, record: BuildRecord, *, folder: str,
               progress: Progress | None) -> tuple[str, dict]:
    if record.kept:
        # a rebuild starts from nothing (Index.build); add/remove go in place
        raise ValueError("a new Milvus collection is written from new rows only")
    # One alias per index name in a store: refuse to take over (and later drop) the
    # collections of an index of the same name built from another folder.
    current = alias_target(client, alias)
    if current is not None and folder:
        try:
            owner = MilvusStore(target, current).manifest.get("folder")
        except IndexStoreError:
            owner = None
        if owner and owner != folder:
            raise IndexStoreError(target.spec, f"already holds an index named {alias[3:]!r} built from {owner}; "
                                               f"give this one another --name")
    total = len(record.vectors)
    kind = choose_kind(record.index_type, total)
    existing = version_names(client, alias)
    number = (existing[-1][0] if existing else 0) + 1
    units = f"{alias}__v{number}"
    drop_version(client, units)
    analyzer = schema.ANALYZER
    if analyzer not in ANALYZERS:
        raise GovSpeechError(f"unknown Milvus analyzer {analyzer!r} ({', '.join(ANALYZERS)})")
    clauses = bool(record.settings.get("clauses", True))
    create_collections(client, units, int(record.encoder["dim"]), kind, target.lite, analyzer, clauses)
    batch = 0
    if progress:
        progress("dense", 0, 1, index_type=kind)
    insert(client, record, units, 0, 0 if clauses else None, batch, analyzer, progress)
    n_clauses = record.n_clauses if clauses else 0
    manifest = {
        "format": FORMAT, "store": target.spec, "index": alias, "folder": folder,
        "encoder": {**record.encoder, "normalized": True}, **record.settings, "clauses": clauses,
        "index_type": kind, "index_type_requested": record.index_type, "analyzer": analyzer,
        "batches": [batch], "dead": [], "next_batch": batch + 1, "next_row": total, "next_clause": n_clauses,
        "counts": {"speeches": len(record.new), "sentences": total, "clauses": n_clauses},
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    _put_manifest(client, speeches_of(units), manifest)
    if progress:
        progress("dense", 1, 1, index_type=kind)
    # The switch: until here the alias (and every reader) sees the previous version.
    previous = alias_target(client, alias)
    if previous is None:
        client.create_alias(units, alias)
    else:
        client.alter_alias(units, alias)
    # Keep the version that was live (readers may be using it, rollback may want it); drop older ones.
    for _, name in version_names(client, alias):
        if name not in (units, previous):
            drop_version(client, name)
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


def _count_of(client, collection: str, keys: Sequence[str]) -> int:
    """Rows of these speech keys in a collection."""
    if not keys:
        return 0
    return int(client.query(collection, filter=f"skey in {strings(keys)}", output_fields=["count(*)"])[0]["count(*)"])


def _write_in_place(client, live: MilvusStore, record: BuildRecord, progress: Progress | None) -> tuple[str, dict]:
    manifest = _clean_up(client, live)
    keys = live.speech_keys()
    kept_set = set(record.kept)
    dead_keys = [key for sid, key in keys.items() if sid not in kept_set]
    batch = int(manifest["next_batch"])
    first = int(manifest["next_row"])
    # a version written without clauses stays without them until it is rebuilt
    first_clause = int(manifest.get("next_clause", 0)) if live.clauses_collection else None
    n_clauses = record.n_clauses if live.clauses_collection else 0
    # rows counted where they are: a speech's n_sentences counts its sentences, not the units indexed
    dead_units = _count_of(client, live.units_collection, dead_keys)
    dead_clauses = _count_of(client, live.clauses_collection, dead_keys) if live.clauses_collection else 0
    if record.new:
        insert(client, record, live.units_collection, first, first_clause, batch, live.analyzer, progress)
    counts = manifest["counts"]
    manifest.update(
        batches=manifest["batches"] + ([batch] if record.new else []), dead=dead_keys,
        next_batch=batch + 1, next_row=first + len(record.vectors), next_clause=(first_clause or 0) + n_clauses,
        counts={"speeches": len(record.kept) + len(record.new),
                "sentences": int(counts["sentences"]) - dead_units + len(record.vectors),
                "clauses": int(counts.get("clauses", 0)) - dead_clauses + n_clauses},
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    _put_manifest(client, live.speeches_collection, manifest)      # the commit
    if dead_keys:
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
    if alias_target(client, manifest["alias"]) is None:
        client.create_alias(manifest["collection"], manifest["alias"])
    else:
        client.alter_alias(manifest["collection"], manifest["alias"])


def publish(root: Path, spec: str, record: BuildRecord, progress: Progress | None = None) -> tuple[str, int]:
    """Write to Milvus, then publish a version in the index folder that points at the
    collection (pipeline/index/versions.py), so `--index NAME` finds it as it finds a
    local index. Returns (version name, sentences)."""
    target = parse_target(spec)
    units, manifest = write(target, root.name, record, folder=str(root.resolve()), progress=progress)
    staged = versions.staging_dir(root)
    try:
        versions.seal(staged, {
            "store": target.spec, "collection": units, "alias": base_name(root.name),
            "encoder": manifest["encoder"], **record.settings, "clauses": bool(manifest.get("clauses")),
            "index_type": manifest["index_type"], "index_type_requested": record.index_type,
            "counts": manifest["counts"],
        })
        return versions.publish(root, staged), int(manifest["counts"]["sentences"])
    except BaseException:
        versions.discard(staged)
        raise
