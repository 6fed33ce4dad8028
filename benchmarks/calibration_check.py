"""Calibration of the default search's confidence on sets it was not fitted on (blind3, the long4
subset) and the report halves of the no-answer sets: top-hit ECE, the reliability bins, and how
often a right first hit scores below 0.5. Indexes come from trust_common.built (kept in
$GOVSPEECH_BENCH_INDEXES). Prints JSON.

    python benchmarks/calibration_check.py
"""
import sys, json, numpy as np
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from trust_common import gold, built, right, NO_ANSWER_REPORT
def ece(conf, ok, bins=10):
    conf, ok = np.array(conf), np.array(ok, dtype=float)
    e = 0.0; rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        m = (conf >= lo) & (conf < hi if b < bins - 1 else conf <= hi)
        if m.any():
            e += m.sum() / len(conf) * abs(conf[m].mean() - ok[m].mean())
            rows.append((f"{lo:.1f}-{hi:.1f}", int(m.sum()), round(float(conf[m].mean()), 3), round(float(ok[m].mean()), 3)))
    return e, rows
out = {}
for name in ("search_long4", "search_blind3"):
    index = built(name)
    qs = gold(name)
    conf, ok = [], []
    for q in qs:
        hits = index.search(q["query"], k=10)
        if hits:
            conf.append(hits[0].confidence); ok.append(right(hits[0], q))
    e, rows = ece(conf, ok)
    r1 = np.mean(ok)
    right_low = sum(1 for c, o in zip(conf, ok) if o and c < 0.5) / max(1, sum(ok))
    out[name] = {"questions": len(qs), "R@1 (paragraph hits)": round(float(r1), 3), "ECE top": round(e, 3),
                 "right at rank 1 with confidence < 0.5": round(right_low, 3), "reliability": rows}
    if name == "search_long4":
        for na in NO_ANSWER_REPORT:
            nq = gold(na)
            tops = [(index.search(q["query"], k=10) or [None])[0] for q in nq]
            low = sum(1 for h in tops if h is None or h.confidence < 0.5) / len(nq)
            out[na] = {"questions": len(nq), "top confidence < 0.5": round(low, 3)}
print(json.dumps(out, ensure_ascii=False, indent=1))
