"""Ingest speed: pipeline.api.read_collection (load → clean → structure → directives,
which segments with jieba) plus pipeline.tokenize.terms on every sentence, over the
whole development corpus (../shared/corpus: 50 work reports, 16 congress reports,
58 speeches of 2020), read in place.

    python benchmarks/ingest_benchmark.py [--runs 3] [--no-write]

Each timed run starts with jieba's word cache emptied (tokenize.words is an
lru_cache), so runs 2… do the same work as run 1; jieba's dictionary load happens
once before the runs and is reported on its own row. A separate cProfile run (not
timed: profiling slows Python code) gives the top functions by cumulative and by
own time.

A scaling table follows: clean() and clean()+structure() on one-line speeches of
50 KB, 500 KB and 5 MB in three shapes (the seed's PDF wrap spaces, space-joined
scraped notices, flattened text without any spaces). Linear time means about the
same characters per second at every size. It needs only the repository, so it
runs alone when the corpus is absent (or with --scaling-only).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import RESULTS, cpu_seconds, header, load_average, median  # noqa: E402
from corpus_docs import CORPUS, write_section  # noqa: E402

FILES = ("national_work_reports.jsonl", "cpc_congress_reports.jsonl", "speeches_2020.csv")
SIZES = (50_000, 500_000, 5_000_000)
ROOT = Path(__file__).resolve().parents[1]


def one_line_shapes() -> dict[str, str]:
    """A unit of each one-line shape, repeated to size by scaling()."""
    sys.path.insert(0, str(ROOT / "tests"))
    from space_joined import DOCS

    seed = (ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt").read_text(encoding="utf-8")
    body = max(seed.splitlines(), key=len)          # the seed's speech: one line of PDF wrap pieces
    return {
        "PDF wrap spaces (the seed's body)": body + " ",
        "space-joined notices (tests/space_joined.py)": " ".join(d.joined() for d in DOCS) + " ",
        "flattened, no spaces (the seed's body)": body.replace(" ", ""),
    }


def scaling(sizes=SIZES) -> tuple[list[str], list[dict]]:
    """Seconds and chars/s of clean() and clean()+structure() per shape and size."""
    from pipeline.clean import clean
    from pipeline.structure import structure

    rows = []
    shapes = one_line_shapes()
    for unit in shapes.values():                    # lexicons and regexes load before any timing
        cleaned = clean(unit)
        structure(cleaned.text, cleaned.offsets, unit, "warm-up")
    for shape, unit in shapes.items():
        for size in sizes:
            raw = (unit * (size // len(unit) + 1))[:size]
            cleaned = speech = None                 # free the last size's objects outside the timing
            gc.collect()
            # CPU seconds of this (single-threaded) process: the machine is shared, and
            # wall time would count other processes' turns on the cores.
            started = time.process_time()
            cleaned = clean(raw)
            clean_s = time.process_time() - started
            speech = structure(cleaned.text, cleaned.offsets, raw, "scale")
            both_s = time.process_time() - started
            rows.append({"shape": shape, "chars": size, "clean_s": clean_s, "structure_s": both_s - clean_s,
                         "paragraphs": len(speech.paragraphs)})
            print(f"{shape}, {size:,} chars: clean {clean_s:.2f} s, +structure {both_s - clean_s:.2f} s", file=sys.stderr)
    table = ["| shape | characters | paragraphs | clean CPU s | clean chars/s | clean+structure CPU s | clean+structure chars/s |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        both = r["clean_s"] + r["structure_s"]
        table.append(f"| {r['shape']} | {r['chars']:,} | {r['paragraphs']:,} | {r['clean_s']:.2f} | "
                     f"{r['chars'] / r['clean_s']:,.0f} | {both:.2f} | {r['chars'] / both:,.0f} |")
    return table, rows


def scaling_note(rows: list[dict]) -> str:
    worst = min(min(r["chars"] / r["clean_s"] for r in rows if r["shape"] == shape and r["chars"] == max(SIZES))
                / max(r["chars"] / r["clean_s"] for r in rows if r["shape"] == shape) for shape in {r["shape"] for r in rows})
    return (f"One run per cell, in CPU seconds of the (single-threaded) process, on one-line text repeated to size. Linear time keeps chars/s "
            f"about constant from 50 KB to 5 MB: the slowest shape's clean() at 5 MB runs at {worst:.0%} of its best rate. "
            f"Before the fix (an unanchored quote regex) clean() was quadratic: 50 KB 1.3 s, 500 KB 13.5 s, "
            f"5 MB killed after 600 s (issue 9).")


def one_run() -> dict:
    from pipeline import api
    from pipeline.tokenize import terms, words

    words.cache_clear()
    out = {"files": {}, "chars": 0, "sentences": 0, "speeches": 0, "read_s": 0.0, "terms_s": 0.0}
    cpu0 = cpu_seconds()
    for name in FILES:
        file_cpu0 = cpu_seconds()
        started = time.perf_counter()
        speeches = api.read_collection(CORPUS / name)
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        n_terms = 0
        for speech in speeches:
            for sentence in speech.sentences:
                n_terms += len(terms(sentence.text))
        terms_s = time.perf_counter() - started
        chars = sum(len(s.raw_text) for s in speeches)
        sentences = sum(len(s.sentences) for s in speeches)
        out["files"][name] = {"speeches": len(speeches), "chars": chars, "sentences": sentences, "terms": n_terms,
                              "read_s": read_s, "terms_s": terms_s, "cpu_s": cpu_seconds() - file_cpu0}
        out["chars"] += chars
        out["sentences"] += sentences
        out["speeches"] += len(speeches)
        out["read_s"] += read_s
        out["terms_s"] += terms_s
    out["total_s"] = out["read_s"] + out["terms_s"]
    out["cpu_s"] = cpu_seconds() - cpu0
    return out


def profile_run(top: int = 15) -> tuple[str, str, list, list, float]:
    from pipeline.tokenize import words

    words.cache_clear()
    profiler = cProfile.Profile()
    profiler.enable()
    for name in FILES:
        from pipeline import api
        from pipeline.tokenize import terms

        for speech in api.read_collection(CORPUS / name):
            for sentence in speech.sentences:
                terms(sentence.text)
    profiler.disable()
    texts, rows = [], []
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).strip_dirs().sort_stats(key).print_stats(top)
        texts.append(buf.getvalue())
        entries = sorted(stats.stats.items(), key=lambda kv: -(kv[1][3] if key == "cumulative" else kv[1][2]))
        picked = []
        for (filename, line, func), (cc, nc, tt, ct, _) in entries:
            if key == "cumulative" and func in ("<module>", "<listcomp>", "<genexpr>") or func.startswith("<built-in method builtins.exec"):
                continue
            where = _short(filename)
            picked.append((f"{where}:{line}({func})", nc, tt, ct))
            if len(picked) == top:
                break
        rows.append(picked)
    return texts[0], texts[1], rows[0], rows[1], total


def _short(filename: str) -> str:
    for marker in ("/site-packages/", "/work/main/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename.rsplit("/", 1)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--scaling-only", action="store_true", help="only the one-line scaling table (prints; no RESULTS.md)")
    args = parser.parse_args()
    load_before = load_average()
    wall0 = time.perf_counter()
    if args.scaling_only or not CORPUS.is_dir():
        if not args.scaling_only:
            print(f"corpus speed needs the development corpus at {CORPUS} (absent): running the scaling table only",
                  file=sys.stderr)
        table, rows = scaling()
        print("\n".join(table) + "\n\n" + scaling_note(rows), flush=True)
        return

    started = time.perf_counter()
    from pipeline import lexicon
    from pipeline.tokenize import tokenizer

    lexicon.default()
    lexicon.stopwords()
    tokenizer()
    setup_s = time.perf_counter() - started
    print(f"setup (imports, lexicons, jieba dictionary): {setup_s:.2f} s", file=sys.stderr)

    runs = []
    for i in range(args.runs):
        r = one_run()
        runs.append(r)
        print(f"run {i + 1}: {r['total_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU, load {load_average()}", file=sys.stderr)
    first = runs[0]
    med = {k: median([r[k] for r in runs]) for k in ("read_s", "terms_s", "total_s", "cpu_s")}

    # chars per CPU-second beside the wall rates: on a shared machine wall time also
    # counts other processes' turns on the cores (the load average in the header).
    table = ["| file | speeches | characters | sentences | read_collection s | terms s | chars/s | sentences/s | chars/CPU-s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in FILES:
        f = first["files"][name]
        read_s = median([r["files"][name]["read_s"] for r in runs])
        terms_s = median([r["files"][name]["terms_s"] for r in runs])
        total = read_s + terms_s
        table.append(f"| {name} | {f['speeches']} | {f['chars']:,} | {f['sentences']:,} | {read_s:.2f} | {terms_s:.2f} | "
                     f"{f['chars'] / total:,.0f} | {f['sentences'] / total:,.0f} | "
                     f"{f['chars'] / median([r['files'][name]['cpu_s'] for r in runs]):,.0f} |")
    table.append(f"| **all** | {first['speeches']} | {first['chars']:,} | {first['sentences']:,} | {med['read_s']:.2f} | "
                 f"{med['terms_s']:.2f} | **{first['chars'] / med['total_s']:,.0f}** | **{first['sentences'] / med['total_s']:,.0f}** | "
                 f"**{first['chars'] / med['cpu_s']:,.0f}** |")
    cpu_line = (f"Median of {args.runs} runs (each per-file cell is its own median). Wall {med['total_s']:.2f} s, "
                f"CPU {med['cpu_s']:.2f} s (single-threaded: CPU ≈ wall means the process had its core; "
                f"per CPU-second: {first['chars'] / med['cpu_s']:,.0f} chars/s, {first['sentences'] / med['cpu_s']:,.0f} sentences/s). "
                f"One-time setup before the runs (imports, lexicons, jieba dictionary): {setup_s:.2f} s. "
                f"Characters are the speeches' raw text; sentences are all Sentence objects (every kind).")
    print("\n".join(table))
    print(cpu_line)

    cum_text, tot_text, cum_rows, tot_rows, prof_total = profile_run(15)
    print("\ncProfile, top 15 by cumulative time:\n" + cum_text)
    print("cProfile, top 15 by own (total) time:\n" + tot_text)

    def prof_table(rows, key):
        lines = ["| function | calls | own s | cumulative s | share of profiled time |", "|---|---:|---:|---:|---:|"]
        for name, calls, tt, ct in rows[:8]:
            share = (ct if key == "cum" else tt) / prof_total
            lines.append(f"| `{name}` | {calls:,} | {tt:.2f} | {ct:.2f} | {share:.0%} |")
        return "\n".join(lines)

    prof_md = (f"cProfile of one more run (profiled total {prof_total:.1f} s; profiling inflates Python-heavy code, "
               f"so read shares, not seconds). Top 8 by cumulative time:\n\n{prof_table(cum_rows, 'cum')}\n\n"
               f"Top 8 by own time:\n\n{prof_table(tot_rows, 'tot')}\n")
    scale_table, scale_rows = scaling()
    print("\n".join(scale_table) + "\n\n" + scaling_note(scale_rows))
    total_s = time.perf_counter() - wall0
    body = (header("python benchmarks/ingest_benchmark.py --runs 3", ("jieba",), load_before)
            + f"\nWhole development corpus, read in place: {', '.join(FILES)}. Script runtime {total_s:.0f} s.\n\n"
            + "\n".join(table) + "\n\n" + cpu_line + "\n\n" + prof_md
            + "\n### One-line speeches, 50 KB → 5 MB (issue 9: cleaning must be linear)\n\n"
            + "\n".join(scale_table) + "\n\n" + scaling_note(scale_rows) + "\n")
    print(f"\nscript runtime {total_s:.0f} s", file=sys.stderr)
    if not args.no_write:
        write_section(RESULTS, "Ingest speed", body)


if __name__ == "__main__":
    main()
