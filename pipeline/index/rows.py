"""rows: the SQLite half of a local index — speeches, sections, paragraphs and one
row per indexed sentence — and every SQL query the package runs. Nothing outside
this module knows the schema.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..errors import IndexStoreError
from ..model import Filters, Speech, Unit, UNIT_KINDS

INDEXED_KINDS = UNIT_KINDS
FILE = "meta.sqlite"

SCHEMA = """
CREATE TABLE speeches (id TEXT PRIMARY KEY, source TEXT UNIQUE, content_hash TEXT, title TEXT, date TEXT,
    year INTEGER, level TEXT, meeting TEXT, kind TEXT, place TEXT, speaker TEXT, truncated INTEGER,
    n_paragraphs INTEGER, n_sentences INTEGER, text TEXT);
CREATE TABLE sections (speech_id TEXT, path TEXT, level INTEGER, label TEXT, title TEXT, start INTEGER, "end" INTEGER);
CREATE TABLE paragraphs (speech_id TEXT, number INTEGER, kind TEXT, section_path TEXT, start INTEGER, "end" INTEGER,
    raw_start INTEGER, raw_end INTEGER);
CREATE TABLE units (row INTEGER PRIMARY KEY, id TEXT, speech_id TEXT, paragraph INTEGER, kind TEXT, strength TEXT,
    section_path TEXT, section_title TEXT, start INTEGER, "end" INTEGER, raw_start INTEGER, raw_end INTEGER,
    text TEXT, actors TEXT, targets TEXT, truncated INTEGER, terms TEXT);
CREATE TABLE clauses (row INTEGER PRIMARY KEY, unit INTEGER, start INTEGER, "end" INTEGER);
CREATE INDEX units_speech ON units(speech_id);
CREATE INDEX clauses_unit ON clauses(unit);
CREATE INDEX sections_speech ON sections(speech_id);
CREATE INDEX paragraphs_speech ON paragraphs(speech_id, number);
"""
UNIT_COLUMNS = ("id", "speech_id", "paragraph", "kind", "strength", "section_path", "section_title", "start", "end",
                "raw_start", "raw_end", "text", "actors", "targets", "truncated")
SPEECH_COLUMNS = ("id", "source", "content_hash", "title", "date", "year", "level", "meeting", "kind", "place",
                  "speaker", "truncated", "n_paragraphs", "n_sentences", "text")


@functools.lru_cache(maxsize=65_536)
def _json_tuple(text: str) -> tuple:
    """A stored JSON list as a tuple. The same few section paths and target lists recur
    across a query's ~300 candidate units, and decoding them was a third of reading them."""
    return tuple(json.loads(text))


_UNIT_SELECT = ('u.row, u.id, u.speech_id, s.title, u.paragraph, u.kind, u.strength, u.section_path, u.section_title, '
                'u.start, u."end", u.raw_start, u.raw_end, u.text, u.actors, u.targets')


def _json(value) -> str:
    return json.dumps(list(value), ensure_ascii=False)


@dataclass
class SpeechRows:
    """One speech flattened into rows for a store, plus its source identity."""

    speech_id: str
    source: str
    content_hash: str
    speech: dict
    sections: list[tuple]
    paragraphs: list[tuple]
    units: list[dict]          # one per indexed sentence, in reading order


def speech_rows(speech: Speech, source: str, content_hash: str) -> SpeechRows:
    titles = {s.path: s.title for s in speech.walk_sections()}
    units = []
    for s in speech.sentences:
        if s.kind not in INDEXED_KINDS:
            continue
        raw = speech.to_raw(s.span)
        units.append({
            "id": s.id, "speech_id": speech.id, "paragraph": s.paragraph_number,
            "kind": s.kind, "strength": s.strength, "section_path": _json(s.section_path),
            "section_title": titles.get(s.section_path, ""), "start": s.span.start, "end": s.span.end,
            "raw_start": raw.start, "raw_end": raw.end, "text": s.text,
            "actors": _json(s.actors), "targets": _json(s.targets), "truncated": int(s.truncated),
        })
    m = speech.meta
    paragraphs = []
    for p in speech.paragraphs:
        raw = speech.to_raw(p.span)
        paragraphs.append((speech.id, p.number, p.kind, _json(p.section_path), p.span.start, p.span.end, raw.start, raw.end))
    return SpeechRows(
        speech.id, source, content_hash,
        {"id": speech.id, "source": source, "content_hash": content_hash, "title": speech.title,
         "date": m.date, "year": m.year, "level": m.level, "meeting": m.meeting, "kind": m.kind,
         "place": m.place, "speaker": m.speaker, "truncated": int(m.truncated), "text": speech.text,
         "n_paragraphs": len(speech.paragraphs),
         "n_sentences": len(speech.sentences)},     # the speech's own count, as its outline says (同志们： too)
        [(speech.id, _json(s.path), s.level, s.label, s.title, s.span.start, s.span.end) for s in speech.walk_sections()],
        paragraphs,
        units,
    )


class RowWriter:
    """Fills a new version's SQLite file: kept speeches copied from the live version,
    new ones inserted; rows numbered densely in the order they are written."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path)
        self.db.executescript(SCHEMA)
        self.next_row = 0
        self.next_clause = 0

    def _speech(self, values: Sequence, sections: Iterable, paragraphs: Iterable) -> None:
        self.db.execute(f"INSERT INTO speeches ({','.join(SPEECH_COLUMNS)}) VALUES ({','.join('?' * len(SPEECH_COLUMNS))})",
                        values)
        self.db.executemany("INSERT INTO sections VALUES (?,?,?,?,?,?,?)", sections)
        self.db.executemany("INSERT INTO paragraphs VALUES (?,?,?,?,?,?,?,?)", paragraphs)

    def _units(self, rows: list[tuple]) -> range:
        """rows: (unit column values…, terms); returns the row numbers given them."""
        cols = ",".join(f'"{c}"' for c in UNIT_COLUMNS)
        first = self.next_row
        self.db.executemany(f"INSERT INTO units (row, {cols}, terms) VALUES ({','.join('?' * (len(UNIT_COLUMNS) + 2))})",
                            [(first + i, *r) for i, r in enumerate(rows)])
        self.next_row += len(rows)
        return range(first, self.next_row)

    def add(self, rows: SpeechRows, terms: list[list[str]]) -> range:
        """A new speech; `terms[i]` are the BM25 terms of rows.units[i]."""
        self._speech([rows.speech[c] for c in SPEECH_COLUMNS], rows.sections, rows.paragraphs)
        return self._units([(*[u[c] for c in UNIT_COLUMNS], " ".join(t)) for u, t in zip(rows.units, terms)])

    def add_clauses(self, unit_rows: Sequence[int], spans: Sequence[Sequence[tuple[int, int]]]) -> range:
        """The clauses of units (offsets inside each unit's text); returns their clause rows."""
        first = self.next_clause
        values = [(unit, a, b) for unit, unit_spans in zip(unit_rows, spans) for a, b in unit_spans]
        self.db.executemany('INSERT INTO clauses (row, unit, start, "end") VALUES (?,?,?,?)',
                            [(first + i, *v) for i, v in enumerate(values)])
        self.next_clause += len(values)
        return range(first, self.next_clause)

    def copy_clauses(self, source: "RowStore", old_rows: np.ndarray, new_rows: range) -> np.ndarray:
        """The clauses of a kept speech's units, renumbered; returns their old clause rows."""
        renumber = dict(zip(old_rows.tolist(), new_rows))
        found = source.clauses(old_rows.tolist())
        old_clauses, units, spans = [], [], []
        for old in old_rows.tolist():
            for clause_row, a, b in found.get(old, ()):
                old_clauses.append(clause_row)
                units.append(renumber[old])
                spans.append([(a, b)])
        self.add_clauses(units, spans)
        return np.array(old_clauses, dtype=np.int64)

    def copy(self, source: "RowStore", speech_id: str) -> tuple[np.ndarray, list[list[str]]]:
        """A kept speech, as the live version has it; returns its old row numbers and terms."""
        old = source.db
        self._speech(old.execute(f"SELECT {','.join(SPEECH_COLUMNS)} FROM speeches WHERE id = ?", [speech_id]).fetchone(),
                     old.execute("SELECT * FROM sections WHERE speech_id = ?", [speech_id]),
                     old.execute("SELECT * FROM paragraphs WHERE speech_id = ?", [speech_id]))
        cols = ",".join(f'"{c}"' for c in UNIT_COLUMNS)
        units = old.execute(f"SELECT row, {cols}, terms FROM units WHERE speech_id = ? ORDER BY row", [speech_id]).fetchall()
        self._units([u[1:] for u in units])
        return np.array([u[0] for u in units], dtype=np.int64), [u[-1].split() for u in units]

    def count_speeches(self) -> int:
        return self.db.execute("SELECT count(*) FROM speeches").fetchone()[0]

    def close(self) -> None:
        self.db.commit()
        self.db.close()


class RowStore:
    """The rows of one published version, read-only."""

    def __init__(self, path: Path):
        try:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            self.db.execute("SELECT count(*) FROM units").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexStoreError(path, f"unreadable store ({exc})") from None

    def close(self) -> None:
        self.db.close()

    def records(self) -> list[tuple[str, str, str]]:
        """(speech id, source, content hash) of every speech, in the order they were added."""
        return [tuple(r) for r in self.db.execute("SELECT id, source, content_hash FROM speeches ORDER BY rowid")]

    def speeches(self) -> list[dict]:
        cols = ("id", "title", "date", "year", "place", "meeting", "kind", "source", "n_paragraphs", "n_sentences")
        return [dict(zip(cols, r)) for r in self.db.execute(f"SELECT {','.join(cols)} FROM speeches ORDER BY id")]

    def speech(self, speech_id: str) -> dict:
        """A speech's stored record: its clean text, meta, sections and paragraphs."""
        row = self.db.execute(f"SELECT {','.join(SPEECH_COLUMNS)} FROM speeches WHERE id = ?", [speech_id]).fetchone()
        if row is None:
            raise KeyError(speech_id)
        out = dict(zip(SPEECH_COLUMNS, row))
        out["sections"] = [{"path": json.loads(p), "level": lv, "label": lb, "title": t, "start": s, "end": e}
                           for p, lv, lb, t, s, e in self.db.execute(
                               'SELECT path, level, label, title, start, "end" FROM sections WHERE speech_id = ? ORDER BY rowid',
                               [speech_id])]
        out["paragraphs"] = [{"number": n, "kind": k, "section_path": json.loads(p), "start": s, "end": e,
                              "raw_start": rs, "raw_end": re_}
                             for n, k, p, s, e, rs, re_ in self.db.execute(
                                 'SELECT number, kind, section_path, start, "end", raw_start, raw_end FROM paragraphs '
                                 'WHERE speech_id = ? ORDER BY number', [speech_id])]
        out["unit_spans"] = [tuple(r) for r in self.db.execute(
            'SELECT start, "end", raw_start, raw_end FROM units WHERE speech_id = ? ORDER BY row', [speech_id])]
        return out

    def paragraph_text(self, speech_id: str, number: int) -> tuple[int, int, str] | None:
        """(start, end, text) of one paragraph, without reading the whole speech."""
        return self.db.execute('SELECT p.start, p."end", substr(s.text, p.start + 1, p."end" - p.start) FROM paragraphs p '
                               "JOIN speeches s ON s.id = p.speech_id WHERE p.speech_id = ? AND p.number = ?",
                               [speech_id, number]).fetchone()

    def units(self, rows: Sequence[int]) -> list[Unit]:
        """The units at these row numbers, in the order asked."""
        rows = [int(r) for r in rows]
        if not rows:
            return []
        found = {}
        for i in range(0, len(rows), 500):
            chunk = rows[i:i + 500]
            for r in self.db.execute(f"SELECT {_UNIT_SELECT} FROM units u JOIN speeches s ON s.id = u.speech_id "
                                     f"WHERE u.row IN ({','.join('?' * len(chunk))})", chunk):
                found[r[0]] = Unit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _json_tuple(r[7]), r[8], r[9], r[10],
                                   r[11], r[12], r[13], _json_tuple(r[14]), _json_tuple(r[15]))
        return [found[r] for r in rows]

    def clauses(self, rows: Sequence[int]) -> dict[int, list[tuple[int, int, int]]]:
        """(clause row, start, end) of each unit's clauses, offsets inside the unit's text;
        units without clauses (and indexes built before clauses) are absent."""
        rows = [int(r) for r in rows]
        out: dict[int, list[tuple[int, int, int]]] = {}
        try:
            for i in range(0, len(rows), 500):
                chunk = rows[i:i + 500]
                for c, unit, a, b in self.db.execute(
                        f'SELECT row, unit, start, "end" FROM clauses WHERE unit IN ({",".join("?" * len(chunk))}) '
                        f'ORDER BY row', chunk):
                    out.setdefault(unit, []).append((c, a, b))
        except sqlite3.OperationalError:     # an index written before clauses existed
            return {}
        return out

    def speech_meta(self, ids: Iterable[str]) -> dict[str, dict]:
        """title, place, year and date of these speeches (what ranking compares a query with)."""
        ids = list(ids)
        out = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for sid, title, place, year, date in self.db.execute(
                    f"SELECT id, title, place, year, date FROM speeches WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                out[sid] = {"title": title, "place": place, "year": year, "date": date}
        return out

    def all_rows(self, speech_id: str | None = None) -> list[int]:
        q = "SELECT row FROM units" + (" WHERE speech_id = ?" if speech_id else "") + " ORDER BY row"
        return [r for (r,) in self.db.execute(q, [speech_id] if speech_id else [])]

    def texts(self, rows: Sequence[int]) -> dict[int, str]:
        rows = [int(r) for r in rows]
        out: dict[int, str] = {}
        for i in range(0, len(rows), 500):
            chunk = rows[i:i + 500]
            out.update(self.db.execute(f"SELECT row, text FROM units WHERE row IN ({','.join('?' * len(chunk))})", chunk))
        return out

    def neighbours(self, row: int, context: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Up to `context` sentences before and after a row, within its speech."""
        speech_id = self.db.execute("SELECT speech_id FROM units WHERE row = ?", [row]).fetchone()[0]
        near = self.db.execute("SELECT row, text FROM units WHERE speech_id = ? AND row BETWEEN ? AND ? ORDER BY row",
                               [speech_id, row - context, row + context]).fetchall()
        return tuple(t for r, t in near if r < row), tuple(t for r, t in near if r > row)

    def mask(self, filters: Filters, n: int) -> np.ndarray | None:
        """A boolean mask over the n rows, or None when nothing is filtered."""
        if filters.empty():
            return None
        where, args = [], []
        if filters.speech:
            where.append(f"u.speech_id IN ({','.join('?' * len(filters.speech))})")
            args.extend(filters.speech)
        # A speech dated only by its year counts as inside a range that touches that year.
        if filters.since:
            where.append("(s.date >= ? OR (s.date IS NULL AND s.year >= ?))")
            args.extend([filters.since, int(filters.since[:4])])
        if filters.until:
            where.append("(s.date <= ? OR (s.date IS NULL AND s.year <= ?))")
            args.extend([filters.until + ("-12-31" if len(filters.until) == 4 else ""), int(filters.until[:4])])
        if filters.place:
            where.append("(s.place LIKE ? OR s.title LIKE ? OR s.meeting LIKE ?)")
            args.extend([f"%{filters.place}%"] * 3)
        if filters.kind:
            where.append(f"u.kind IN ({','.join('?' * len(filters.kind))})")
            args.extend(filters.kind)
        if filters.strength:
            where.append("u.strength = ?")
            args.append(filters.strength)
        section = Filters.section_label(filters.section) if filters.section else None
        rows = [r for (r, path) in self.db.execute(
            f"SELECT u.row, u.section_path FROM units u JOIN speeches s ON s.id = u.speech_id "
            f"WHERE {' AND '.join(where) or '1'}", args)
            if not section or "".join(json.loads(path)).startswith(section)]
        mask = np.zeros(n, dtype=bool)
        mask[np.array(rows, dtype=np.int64)] = True
        return mask

    def speech_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        return {r for (r,) in self.db.execute(f"SELECT id FROM speeches WHERE id IN ({','.join('?' * len(ids))})", ids)}
