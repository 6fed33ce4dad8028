#!/usr/bin/env python3
"""Check a search gold file against the source documents.

    python benchmarks/gold/check_search_gold.py [--gold PATH]

PATH defaults to benchmarks/gold/search_gold.jsonl (the tuning set); the
held-out set is benchmarks/gold/search_heldout.jsonl and the blind set
benchmarks/gold/search_blind.jsonl. The documents and the
distribution minimums are taken from the file being checked (PROFILES, keyed by
file name; see "distribution" below).

Standalone: reads the shared corpus from Path(__file__).resolve().parents[3] / "shared".

Each line is {"id", "query", "doc", "answers", "note"} plus optional "other_docs"
(answer fragments may then also lie in those documents).

Checks:
  * JSON, required fields, unique ids, known document keys;
  * query is 6-25 characters;
  * every answer fragment is 8-40 characters, contains no sentence mark
    (。！？；!?;), no line break, no whitespace and no `*`;
  * every fragment occurs exactly once in the document it lies in (searched
    in `doc` and the `other_docs`; it must not occur twice in any of them);
    `doc` and every key in `other_docs` hold at least one fragment;
  * paraphrase rule: the query shares no run of 4 or more consecutive
    characters with the whole sentence containing each fragment (sentences are
    split on 。！？；!?;, whitespace is ignored on both sides, so the
    seed's line-wrap spaces do not hide a copied run);
  * distribution, per file: search_gold.jsonl needs at least 50 queries, at
    least 14 on `seed` and at least 9 on each of work_report_2023, congress_20,
    speech_2020-04-30, speech_2020-02-24; search_heldout.jsonl needs at least
    50 queries and at least 10 on each of work_report_2019, congress_19,
    speech_2020-03-07, speech_2020-01-09, speech_2020-11-25;
    search_blind.jsonl (written before any system output was seen) needs at
    least 40 queries and at least 10 on each of work_report_2017, congress_18,
    speech_2020-09-09, speech_2020-07-22; search_blind3.jsonl (also written
    blind, from the source texts alone) needs at least 80 queries and at least
    10 on each of work_report_2015, work_report_2014, work_report_2013,
    work_report_2011, congress_16, speech_2020-01-08, speech_2020-09-04,
    speech_2020-10-23. Only the documents of the file's profile are known
    document keys.
Prints one line per violation and a summary; exits 1 if there is any.
"""
import argparse
import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[3] / "shared"
GOLD = HERE / "search_gold.jsonl"

END_MARKS = "。！？；!?;"
SPLIT_RE = re.compile("[" + re.escape(END_MARKS) + "]")
WS_RE = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+")
MIN_PER_DOC = {"seed": 14, "work_report_2023": 9, "congress_20": 9,
               "speech_2020-04-30": 9, "speech_2020-02-24": 9}
MIN_TOTAL = 50
HELDOUT_MIN_PER_DOC = {"work_report_2019": 10, "congress_19": 10, "speech_2020-03-07": 10,
                       "speech_2020-01-09": 10, "speech_2020-11-25": 10}
HELDOUT_MIN_TOTAL = 50
BLIND_MIN_PER_DOC = {"work_report_2017": 10, "congress_18": 10, "speech_2020-09-09": 10,
                     "speech_2020-07-22": 10}
BLIND_MIN_TOTAL = 40
BLIND3_MIN_PER_DOC = {"work_report_2015": 10, "work_report_2014": 10, "work_report_2013": 10,
                      "work_report_2011": 10, "congress_16": 10, "speech_2020-01-08": 10,
                      "speech_2020-09-04": 10, "speech_2020-10-23": 10}
BLIND3_MIN_TOTAL = 80
# gold file name -> (minimum queries per document, minimum queries in all)
PROFILES = {
    "search_gold.jsonl": (MIN_PER_DOC, MIN_TOTAL),
    "search_heldout.jsonl": (HELDOUT_MIN_PER_DOC, HELDOUT_MIN_TOTAL),
    "search_blind.jsonl": (BLIND_MIN_PER_DOC, BLIND_MIN_TOTAL),
    "search_blind3.jsonl": (BLIND3_MIN_PER_DOC, BLIND3_MIN_TOTAL),
}
RUN = 4


def load_docs(keys):
    """Texts of the document keys: seed, work_report_YYYY, congress_N, speech_YYYY-MM-DD."""
    keys = set(keys)
    docs = {}
    if "seed" in keys:
        docs["seed"] = (SHARED / "seeds" / "000_dbe0c8ca6deedb3a.txt").read_text(encoding="utf-8")
    for prefix, name, field in (("work_report_", "national_work_reports.jsonl", "year"),
                                ("congress_", "cpc_congress_reports.jsonl", "congress")):
        wanted = {k[len(prefix):] for k in keys if k.startswith(prefix)}
        if not wanted:
            continue
        with open(SHARED / "corpus" / name, encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                if str(rec.get(field)) in wanted:
                    docs[prefix + str(rec[field])] = rec["content"]
    dates = {k.split("_", 1)[1] for k in keys if k.startswith("speech_")}
    if dates:
        csv.field_size_limit(10 ** 9)
        with open(SHARED / "corpus" / "speeches_2020.csv", encoding="utf-8", newline="") as f:
            rows = {r["Date"]: r["Text"] for r in csv.DictReader(f)}
        for d in sorted(dates):
            if d in rows:
                docs["speech_" + d] = rows[d]
    return docs


def sentence_around(text, pos, length):
    """The sentence (between sentence marks) that contains text[pos:pos+length]."""
    start = pos
    while start > 0 and text[start - 1] not in END_MARKS:
        start -= 1
    end = pos + length
    while end < len(text) and text[end] not in END_MARKS:
        end += 1
    return text[start:end]


def shared_runs(query, sentence, n=RUN):
    q = WS_RE.sub("", query)
    s = WS_RE.sub("", sentence)
    return sorted({q[i:i + n] for i in range(len(q) - n + 1) if q[i:i + n] in s})


def main(argv=None):
    ap = argparse.ArgumentParser(description="Check a search gold file against the source documents.")
    ap.add_argument("--gold", type=Path, default=GOLD,
                    help=f"gold file to check (default {GOLD}); its name selects the profile: "
                         + ", ".join(PROFILES))
    args = ap.parse_args(argv)
    gold = args.gold
    if gold.name not in PROFILES:
        print(f"no profile for {gold.name!r} (known: {', '.join(PROFILES)})")
        return 2
    min_per_doc, min_total = PROFILES[gold.name]
    problems = []
    docs = load_docs(min_per_doc)
    for key in min_per_doc:
        if key not in docs:
            problems.append(f"document {key} not found under {SHARED}")
    if not gold.exists():
        print(f"missing {gold}")
        return 1

    per_doc = Counter()
    ids = set()
    n_lines = 0
    n_fragments = 0
    for lineno, line in enumerate(gold.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        n_lines += 1
        where = f"line {lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: bad JSON ({e})")
            continue
        qid = rec.get("id")
        where = f"line {lineno} ({qid})"
        for field in ("id", "query", "doc", "answers", "note"):
            if field not in rec:
                problems.append(f"{where}: missing field {field!r}")
        if qid in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(qid)
        query = rec.get("query", "")
        doc = rec.get("doc")
        others = rec.get("other_docs", [])
        answers = rec.get("answers", [])
        if not isinstance(query, str) or not 6 <= len(query) <= 25:
            problems.append(f"{where}: query length {len(query)} not in 6-25")
        if doc not in docs:
            problems.append(f"{where}: unknown doc {doc!r}")
            continue
        per_doc[doc] += 1
        if not isinstance(others, list) or any(k not in docs or k == doc for k in others):
            problems.append(f"{where}: bad other_docs {others!r}")
            others = [k for k in others if k in docs and k != doc] if isinstance(others, list) else []
        if not isinstance(answers, list) or not answers:
            problems.append(f"{where}: answers must be a non-empty list")
            continue
        used = Counter()
        for frag in answers:
            n_fragments += 1
            if not isinstance(frag, str):
                problems.append(f"{where}: answer {frag!r} is not a string")
                continue
            if not 8 <= len(frag) <= 40:
                problems.append(f"{where}: fragment {frag!r} length {len(frag)} not in 8-40")
            bad = [c for c in frag if c in END_MARKS]
            if bad:
                problems.append(f"{where}: fragment {frag!r} contains sentence mark(s) {''.join(bad)}")
            if WS_RE.search(frag) or "*" in frag:
                problems.append(f"{where}: fragment {frag!r} contains whitespace or '*'")
            counts = {k: docs[k].count(frag) for k in [doc] + others}
            for k, c in counts.items():
                if c > 1:
                    problems.append(f"{where}: fragment {frag!r} occurs {c} times in {k}")
            found = [k for k, c in counts.items() if c == 1]
            if not found:
                problems.append(f"{where}: fragment {frag!r} not found in {[doc] + others}")
                continue
            for k in found:
                used[k] += 1
                text = docs[k]
                pos = text.find(frag)
                sent = sentence_around(text, pos, len(frag))
                runs = shared_runs(query, sent)
                if runs:
                    problems.append(
                        f"{where}: query shares {RUN}+ char run(s) {runs} with the answer sentence in {k}")
        for k in [doc] + others:
            if used[k] == 0:
                problems.append(f"{where}: no answer fragment lies in {k}")

    if n_lines < min_total:
        problems.append(f"only {n_lines} queries (need at least {min_total})")
    for k, need in min_per_doc.items():
        if per_doc[k] < need:
            problems.append(f"doc {k}: {per_doc[k]} queries (need at least {need})")

    for p in problems:
        print(p)
    dist = ", ".join(f"{k}={per_doc[k]}" for k in min_per_doc)
    print(f"{gold.name}: {n_lines} queries, {n_fragments} fragments ({dist}); "
          f"{len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
