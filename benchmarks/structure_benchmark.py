"""Structure quality: does a document's title, paragraph division and heading tree
come back from the shapes real collections store it in?

    python benchmarks/structure_benchmark.py [--no-write] [--per-document FILE.tsv]

Gold: the policy notices of tests/space_joined.py (title, paragraphs; the paragraphs
that open with 一、/（一） are the headings), each laid out three ways:

- space-joined: one line, paragraphs joined by one space (or one full-width space),
  the title first: how scraped collections store a record (issue 14);
- PDF-wrapped: one line of 36-character pieces joined by spaces, the seed's shape;
- line per paragraph: the control.

Paragraph boundaries are compared in the characters that remain once white space is
dropped, so a boundary is right when it falls between the same two characters as in
the gold. With the development corpus (../shared/corpus) present it also counts
paragraphs per document in each collection; --per-document writes those counts, one
row per document, to compare two versions of the code.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import RESULTS, header, load_average, median  # noqa: E402
from corpus_docs import CORPUS, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from space_joined import DOCS, Doc  # noqa: E402

_SPACE = re.compile(r"\s+")
WIDTH = 36          # the seed's PDF line, most pieces 34–38 characters
COLLECTIONS = ("national_work_reports.jsonl", "cpc_congress_reports.jsonl", "speeches_2020.csv")


def wrapped(doc: Doc) -> str:
    units = (doc.title, *doc.paragraphs)
    return " ".join(u[i:i + WIDTH] for u in units for i in range(0, len(u), WIDTH))


SHAPES = {
    "space-joined": Doc.joined,
    f"PDF-wrapped ({WIDTH} chars)": wrapped,
    "line per paragraph": lambda d: "\n".join((d.title, *d.paragraphs)),
}


def boundaries(units: list[str]) -> set[int]:
    """Where each unit ends, counted in non-space characters."""
    out, pos = set(), 0
    for u in units:
        pos += len(_SPACE.sub("", u))
        out.add(pos)
    return out


def score(doc: Doc, raw: str) -> dict:
    from pipeline import parse_text

    speech = parse_text(raw, doc.id)
    gold = [doc.title, *doc.paragraphs]
    got = ([speech.title] if speech.title_span else []) + [p.text for p in speech.paragraphs]
    want, have = boundaries(gold), boundaries(got)
    heading_starts = {len(_SPACE.sub("", speech.text[:s.heading_span.start])) for s in speech.walk_sections()}
    gold_headings = set()
    pos = 0
    for u in gold:
        if re.match(r"^(?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）)", u):
            gold_headings.add(pos)
        pos += len(_SPACE.sub("", u))
    return {
        "title": speech.title == doc.title,
        "exact": got == gold,
        "hits": len(want & have), "want": len(want), "have": len(have),
        "headings": len(gold_headings & heading_starts), "gold_headings": len(gold_headings),
    }


def quality_table() -> list[str]:
    table = ["| shape | documents | title exact | all paragraphs exact | boundary precision | boundary recall | headings found |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for shape, layout in SHAPES.items():
        rows = [score(d, layout(d)) for d in DOCS]
        hits, want, have = (sum(r[k] for r in rows) for k in ("hits", "want", "have"))
        table.append(f"| {shape} | {len(rows)} | {sum(r['title'] for r in rows)}/{len(rows)} | "
                     f"{sum(r['exact'] for r in rows)}/{len(rows)} | {hits / have:.2f} | {hits / want:.2f} | "
                     f"{sum(r['headings'] for r in rows)}/{sum(r['gold_headings'] for r in rows)} |")
    return table


def corpus_counts() -> list[tuple[str, str, int, int, bool]]:
    """(collection, speech id, paragraphs, sections, has a title line) for every corpus document."""
    from pipeline import api

    rows = []
    for name in COLLECTIONS:
        for speech in api.read_collection(CORPUS / name):
            rows.append((name, speech.id, len(speech.paragraphs), sum(1 for _ in speech.walk_sections()),
                         speech.title_span is not None))
    return rows


def corpus_table(rows) -> list[str]:
    table = ["| collection | documents | paragraphs | median per document | one-paragraph documents | sections |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in COLLECTIONS:
        mine = [r for r in rows if r[0] == name]
        table.append(f"| {name} | {len(mine)} | {sum(r[2] for r in mine):,} | {median([r[2] for r in mine]):.0f} | "
                     f"{sum(r[2] == 1 for r in mine)} | {sum(r[3] for r in mine):,} |")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--per-document", type=Path, help="write corpus paragraph counts per document (TSV) here")
    args = parser.parse_args()
    load_before = load_average()
    started = time.perf_counter()

    quality = quality_table()
    print("\n".join(quality))
    body = ("\nGold: the notices of tests/space_joined.py (title + paragraphs; 一、/（一） paragraphs are the "
            "headings), laid out in three shapes.\n\n" + "\n".join(quality) + "\n")
    if CORPUS.is_dir():
        rows = corpus_counts()
        table = corpus_table(rows)
        print("\n" + "\n".join(table))
        body += ("\nDevelopment corpus (read in place), paragraphs per document:\n\n" + "\n".join(table) + "\n")
        if args.per_document:
            args.per_document.write_text("".join(f"{c}\t{i}\t{p}\t{s}\t{int(t)}\n" for c, i, p, s, t in rows),
                                         encoding="utf-8")
    else:
        print(f"corpus counts need the development corpus at {CORPUS} (absent): skipped", file=sys.stderr)
    print(f"\nscript runtime {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if not args.no_write:
        write_section(RESULTS, "Structure quality",
                      header("python benchmarks/structure_benchmark.py", (), load_before) + body)


if __name__ == "__main__":
    main()
