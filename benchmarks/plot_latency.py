"""Plot benchmarks/latency.json (written by latency_benchmark.py) as benchmarks/latency.png:
median end-to-end query latency against the number of indexed sentences (log-log),
one panel per mode (dense, bm25, hybrid), this project's indexes beside txtai.

    python benchmarks/plot_latency.py [--input benchmarks/latency.json] [--output benchmarks/latency.png]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("dense", "bm25", "hybrid")
STYLE = {"flat": ("tab:blue", "o", "-"), "hnsw": ("tab:green", "s", "-"), "ivfpq": ("tab:purple", "D", "-"),
         "txtai": ("tab:red", "^", "--")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, default=HERE / "latency.json")
    parser.add_argument("--output", type=Path, default=HERE / "latency.png")
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = json.loads(args.input.read_text(encoding="utf-8"))
    series: dict[str, dict[str, list[tuple[int, float, float]]]] = {}
    for key, r in data["ours"].items():
        n, kind = key.split("/")
        for mode in MODES:
            s = r["modes"][mode]["end_to_end_ms"]
            series.setdefault(f"ours {kind}", {}).setdefault(mode, []).append((int(n), s["p50"], s["p95"]))
    for n, r in data.get("txtai", {}).items():
        for mode in MODES:
            s = r["modes"][mode]["end_to_end_ms"]
            series.setdefault("txtai", {}).setdefault(mode, []).append((int(n), s["p50"], s["p95"]))

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8), sharey=True)
    for ax, mode in zip(axes, MODES):
        for name, by_mode in series.items():
            points = sorted(by_mode.get(mode, []))
            if not points:
                continue
            color, marker, line = STYLE[name.split()[-1]]
            xs, p50, p95 = zip(*points)
            ax.plot(xs, p50, line, color=color, marker=marker, label=f"{name} p50")
            ax.fill_between(xs, p50, p95, color=color, alpha=0.12)
        if mode == "hybrid":
            ax.axhline(20, color="grey", linestyle=":", linewidth=1)
            ax.text(data["config"]["sizes"][0], 21, "target: hybrid p50 ≤ 20 ms at 1M", color="grey", fontsize=8, va="bottom")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{mode}")
        ax.set_xlabel("indexed sentences")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("query latency, ms (line p50, band to p95)")
    axes[-1].legend(loc="upper left", fontsize=8)
    cfg = data["config"]
    fig.suptitle(f"Index.search end to end (query encoding with {cfg['encoder']['spec']} included), k=10, "
                 f"{cfg['queries']} queries × {cfg['passes']} passes, {cfg['machine']} cores", fontsize=10)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
