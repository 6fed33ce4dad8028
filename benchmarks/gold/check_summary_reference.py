#!/usr/bin/env python3
"""Check benchmarks/gold/summary_reference.json against the source documents.

Standalone: reads the shared corpus from Path(__file__).resolve().parents[3] / "shared".

Checks, per document:
  * every heading occurs verbatim, in reading order, at the start of a
    paragraph/line (or after whitespace, for the flattened seed text);
  * every key point and every `top` sentence occurs verbatim in the text;
  * every key point lies after its heading and before the next heading of
    the same or higher level (and, stricter, before the next heading of any
    level: a parent section only quotes its own intro text);
  * every quoted sentence is a whole sentence: it ends with a sentence mark
    and starts at a sentence boundary;
  * counts: 2-3 key points per leaf section; 0-3 for a parent section with
    subsections (0 only when it has no own intro text; fewer than 2 when its
    intro is that short); 5-8 for a single heading-less section;
    exactly 5 `top` sentences.
Prints the violations and exits 1 if there are any.
"""
import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[3] / "shared"
GOLD = HERE / "summary_reference.json"

END_MARKS = set("。！？；!?;")
# characters after which a new sentence may start
BOUNDARY_BEFORE = END_MARKS | set("\n\r\u3000 \t\u200b")


def load_docs():
    docs = {}
    csv.field_size_limit(10 ** 9)
    with open(SHARED / "corpus" / "speeches_2020.csv", encoding="utf-8", newline="") as f:
        rows = {r["Date"]: r["Text"] for r in csv.DictReader(f)}
    for d in ("2020-03-07", "2020-01-09", "2020-09-09"):
        docs["speech_" + d] = rows[d]
    with open(SHARED / "corpus" / "national_work_reports.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if str(rec.get("year")) == "2021":
                docs["work_report_2021"] = rec["content"]
    with open(SHARED / "corpus" / "cpc_congress_reports.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if str(rec.get("congress")) == "10":
                docs["congress_10"] = rec["content"]
    docs["seed"] = (SHARED / "seeds" / "000_dbe0c8ca6deedb3a.txt").read_text(encoding="utf-8")
    return docs


def at_line_start(text, pos):
    return pos == 0 or text[pos - 1] in "\n\r\u3000 \t\u200b"


def find_heading(text, heading, start):
    """First occurrence of heading at/after start that begins a line/paragraph."""
    pos = text.find(heading, start)
    while pos != -1:
        if at_line_start(text, pos):
            return pos
        pos = text.find(heading, pos + 1)
    return -1


def is_whole_sentence(text, pos, sent, heading_ends):
    if not sent or sent[-1] not in END_MARKS:
        return False
    if pos == 0 or pos in heading_ends:
        return True
    return text[pos - 1] in BOUNDARY_BEFORE


def occurrences(text, s, lo, hi):
    out, p = [], text.find(s, lo)
    while p != -1 and p + len(s) <= hi:
        out.append(p)
        p = text.find(s, p + 1)
    return out


def main():
    errors = []
    docs = load_docs()
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    seen = set()
    for entry in gold:
        key = entry.get("doc")
        if key not in docs:
            errors.append(f"unknown doc key {key!r}")
            continue
        seen.add(key)
        text = docs[key]
        secs = entry.get("sections", [])
        # locate headings in reading order
        located, cursor = [], 0
        for i, sec in enumerate(secs):
            h, lvl = sec.get("heading"), sec.get("level")
            if lvl not in (1, 2, 3):
                errors.append(f"[{key}] section {i} bad level {lvl!r}")
            if h == "":
                if len(secs) != 1:
                    errors.append(f"[{key}] empty heading only allowed for a single-section doc")
                located.append((0, 0))
                continue
            p = find_heading(text, h, cursor)
            if p == -1:
                where = "anywhere" if h not in text else "at a line start after the previous heading"
                errors.append(f"[{key}] heading not found {where}: {h!r}")
                located.append(None)
                continue
            located.append((p, p + len(h)))
            cursor = p + len(h)
        heading_ends = {loc[1] for loc in located if loc}
        n = len(secs)
        for i, sec in enumerate(secs):
            if located[i] is None:
                continue
            h, lvl = sec.get("heading"), sec.get("level")
            lo = located[i][1]
            hi = len(text)  # next heading of same or higher level
            hi_own = len(text)  # next heading of any level
            for j in range(i + 1, n):
                if located[j] is None:
                    continue
                if hi_own == len(text):
                    hi_own = located[j][0]
                if secs[j].get("level", 9) <= lvl:
                    hi = located[j][0]
                    break
            kps = sec.get("key_points", [])
            has_sub = i + 1 < n and secs[i + 1].get("level", 0) > lvl
            if h == "":
                if not 5 <= len(kps) <= 8:
                    errors.append(f"[{key}] heading-less doc needs 5-8 key points, has {len(kps)}")
            elif has_sub:
                # a parent quotes only its own intro text, which may hold
                # fewer than two sentences (or none at all)
                own = text[lo:hi_own].strip(" \n\r\t\u3000\u200b")
                if not kps and any(c in END_MARKS for c in own):
                    errors.append(f"[{key}] parent {h!r} has own intro text but no key points")
                if len(kps) > 3:
                    errors.append(f"[{key}] parent {h!r}: at most 3 key points, has {len(kps)}")
            elif not 2 <= len(kps) <= 3:
                errors.append(f"[{key}] {h!r}: expected 2-3 key points, has {len(kps)}")
            if len(set(kps)) != len(kps):
                errors.append(f"[{key}] {h!r}: duplicate key points")
            for kp in kps:
                if kp == h:
                    errors.append(f"[{key}] key point equals heading: {kp!r}")
                if kp not in text:
                    errors.append(f"[{key}] key point not verbatim in doc (under {h!r}): {kp!r}")
                    continue
                occ = occurrences(text, kp, lo, hi)
                if not occ:
                    errors.append(f"[{key}] key point outside its section {h!r}: {kp!r}")
                    continue
                if not any(p + len(kp) <= hi_own for p in occ):
                    errors.append(f"[{key}] key point of parent {h!r} not in its own intro text: {kp!r}")
                if not any(is_whole_sentence(text, p, kp, heading_ends) for p in occ):
                    errors.append(f"[{key}] not a whole sentence (under {h!r}): {kp!r}")
        top = entry.get("top", [])
        if len(top) != 5:
            errors.append(f"[{key}] top must have 5 sentences, has {len(top)}")
        if len(set(top)) != len(top):
            errors.append(f"[{key}] duplicate top sentences")
        for s in top:
            occ = occurrences(text, s, 0, len(text))
            if not occ:
                errors.append(f"[{key}] top sentence not verbatim in doc: {s!r}")
            elif not any(is_whole_sentence(text, p, s, heading_ends) for p in occ):
                errors.append(f"[{key}] top sentence not a whole sentence: {s!r}")
    for missing in sorted(set(docs) - seen):
        errors.append(f"doc {missing!r} missing from gold file")
    for e in errors:
        print(e)
    if errors:
        print(f"{len(errors)} violation(s)")
        sys.exit(1)
    print(f"OK: {len(gold)} documents, "
          f"{sum(len(e['sections']) for e in gold)} sections, "
          f"{sum(len(s['key_points']) for e in gold for s in e['sections'])} key points")


if __name__ == "__main__":
    main()
