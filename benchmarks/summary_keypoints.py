"""Recall of an analyst's key points by the default `govspeech summarize FILE`, and the share
of sentences it shows (the frozen scorer the blind check runs: summary_benchmark.py --reference)."""

from __future__ import annotations

from pathlib import Path
import sys

import numpy as np

from pipeline.summarize import summarize

from summary_gold import chars, key, load_doc, reference_points, table
from summary_systems import TextRank


def loose(text: str) -> str:
    """NFKC, without white space, punctuation, zero-width or other format characters: a point copied
    from the raw corpus (\u200b, half-width commas, line breaks) still matches the cleaned sentence."""
    return "".join(chars(text).split())


def recalled(point: str, picked: list[str]) -> bool:
    """A point is recalled when a picked sentence contains it, or is a sentence of it covering at
    least half of it (an analyst's point may span two of the parser's sentences)."""
    r = loose(point)
    texts = [loose(t) for t in picked]
    return bool(r) and any(r in t or (t and t in r and len(t) >= len(r) / 2) for t in texts)


def reference_recall(reference: list[dict], systems=("ours",)) -> dict:
    """Per document and pooled: recall of the reference points by what `govspeech summarize FILE`
    shows at its default settings (section points and the top list), and the share of the
    document's body sentences that takes; TextRank over the whole document at the same number of
    sentences, and Lead (the first ones) as the same-budget baselines."""
    out = {"docs": [], "points": 0}
    totals = {name: [0, 0] for name in ("ours", "TextRank (same budget)", "Lead (same budget)")}
    picked_n = body_n = 0
    textrank = None
    try:
        textrank = TextRank()
    except ImportError:
        pass
    for entry in reference:
        try:
            speech = load_doc(entry["doc"])
        except KeyError:
            sys.exit(f"reference: no document {entry['doc']!r} (keys as in benchmarks/corpus_docs.py: seed, "
                     "work_report_YYYY, congress_N, speech_YYYY-MM-DD)")
        points = [pt for sec in entry["sections"] for pt in reference_points(sec)]
        body = [s for s in speech.sentences if s.kind != "heading"]
        chosen = summarize(speech).sentences()
        row = {"doc": entry["doc"], "points": len(points), "sentences": len(body), "picked": len(chosen),
               "share": round(len(chosen) / max(len(body), 1), 4)}
        picks = {"ours": chosen, "Lead (same budget)": body[:len(chosen)]}
        if textrank is not None:
            picks["TextRank (same budget)"] = textrank.pick(body, len(chosen))
        for name, sents in picks.items():
            texts = [key(s.text) for s in sents]
            hit = sum(recalled(pt, texts) for pt in points)
            row[f"recall {name}"] = round(hit / max(len(points), 1), 4)
            totals[name][0] += hit
            totals[name][1] += len(points)
        row["missed"] = [pt for pt in points if not recalled(pt, [key(s.text) for s in chosen])]
        out["docs"].append(row)
        picked_n += len(chosen)
        body_n += len(body)
    out["points"] = totals["ours"][1]
    out["recall"] = {name: round(h / n, 4) for name, (h, n) in totals.items() if n}
    out["share"] = round(picked_n / max(body_n, 1), 4)
    out["mean_share_per_doc"] = round(float(np.mean([d["share"] for d in out["docs"]])), 4) if out["docs"] else 0.0
    return out


def print_reference_recall(result: dict, path: Path) -> None:
    rows = [[d["doc"], str(d["points"]), f"{d['picked']}/{d['sentences']} = {d['share']:.3f}"]
            + [f"{d.get(f'recall {n}', float('nan')):.3f}" for n in result["recall"]] for d in result["docs"]]
    rows.append(["**all**", str(result["points"]), f"{result['share']:.3f}"]
                + [f"**{v:.3f}**" for v in result["recall"].values()])
    print(f"Reference {path}: recall of its points by `govspeech summarize FILE` (default settings: section points "
          "and the top list), and the share of body sentences shown.\n")
    print(table(["doc", "points", "sentences shown", *[f"recall {n}" for n in result["recall"]]], rows))
