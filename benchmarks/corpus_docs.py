"""The benchmark documents: the seed and speeches from the development corpus, read in
place and written as .txt files (title line first) into a scratch folder for indexing.

The corpus is not in the repository: GOVSPEECH_CORPUS names its folder (default: the
development checkout's ../shared/corpus). `from corpus_docs import CORPUS` is the check:
when the corpus is absent the benchmark stops there with one line saying what it needs.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"
CORPUS_FILES = ("national_work_reports.jsonl", "cpc_congress_reports.jsonl", "npc_resolutions_on_reports.jsonl",
                "speeches_2020.csv")


def require_corpus() -> Path:
    """The corpus folder, or exit (status 2) with one line naming what is missing and how to point at it."""
    folder = Path(os.environ.get("GOVSPEECH_CORPUS") or ROOT.parent / "shared" / "corpus")
    missing = [name for name in CORPUS_FILES if not (folder / name).is_file()]
    if missing:
        absent = "not found" if len(missing) == len(CORPUS_FILES) else f"{', '.join(missing)} missing"
        print(f"{Path(sys.argv[0]).name}: needs the development corpus ({', '.join(CORPUS_FILES)}) in {folder}: "
              f"{absent}; set GOVSPEECH_CORPUS to the folder that holds them", file=sys.stderr)
        raise SystemExit(2)
    return folder


def __getattr__(name: str):
    # `from corpus_docs import CORPUS` checks the corpus at import, before any work starts
    if name == "CORPUS":
        return require_corpus()
    raise AttributeError(name)


def corpus_text(key: str) -> tuple[str, str]:
    """(title, text) of a document key: seed, work_report_YYYY, closing_YYYY (its last four
    paragraphs), congress_N, npc_N-S (the Nth NPC's session S resolution on the work
    report), speech_YYYY-MM-DD."""
    if key == "seed":
        return "", SEED.read_text(encoding="utf-8")
    CORPUS = require_corpus()
    if key.startswith("work_report_"):
        year = int(key.rsplit("_", 1)[1])
        for line in open(CORPUS / "national_work_reports.jsonl", encoding="utf-8"):
            d = json.loads(line)
            if str(d.get("year")) == str(year):
                return d["title"], d["content"]
    if key.startswith("congress_"):
        n = int(key.rsplit("_", 1)[1])
        for line in open(CORPUS / "cpc_congress_reports.jsonl", encoding="utf-8"):
            d = json.loads(line)
            if str(d.get("congress")) == str(n):
                return d["title"], d["content"]
    if key.startswith("closing_"):       # closing_2019: the last four paragraphs of that year's work report
        title, text = corpus_text(f"work_report_{key.rsplit('_', 1)[1]}")
        return f"{title}（结尾）", closing(text)
    if key.startswith("npc_"):           # npc_13-3: the 13th NPC's 3rd session's resolution on the work report
        for line in open(CORPUS / "npc_resolutions_on_reports.jsonl", encoding="utf-8"):
            d = json.loads(line)
            if npc_key(d["title"]) == key:
                return d["title"], d["content"]
    if key.startswith("speech_"):
        date = key.split("_", 1)[1]
        with open(CORPUS / "speeches_2020.csv", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["Date"] == date:
                    return "", row["Text"]
    raise KeyError(key)


def closing(text: str, paragraphs: int = 4) -> str:
    """A work report's last paragraphs (Hong Kong, Macao and Taiwan, foreign policy, the
    closing call), before Wikisource's licence footer (本作品是…): texts that differ from
    year to year in a few words, like a collection of notices."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    end = next((i for i, p in enumerate(parts) if p.startswith("本作品是")), len(parts))
    body = [p for p in parts[:end] if p not in ("各位代表！", "各位代表!")]
    return "\n\n".join(body[-paragraphs:])


def npc_session(title: str) -> tuple[int, int] | None:
    """第十三届全国人民代表大会第三次会议… → (13, 3): which NPC, which session."""
    from pipeline.text import sessions_named

    found = sessions_named(title)
    return found[0][1:] if found else None


def npc_key(title: str) -> str | None:
    """第十三届全国人民代表大会第三次会议关于政府工作报告的决议 → npc_13-3."""
    session = npc_session(title)
    return f"npc_{session[0]}-{session[1]}" if session else None


def doc_id(key: str) -> str:
    """The speech id a document key gets in an index: the key, or a path key's file stem."""
    return Path(key).stem if _is_path(key) else key


def _is_path(key: str) -> bool:
    return "/" in key or key.endswith((".txt", ".md", ".html", ".docx", ".pdf"))


def write_docs(keys: list[str], folder: Path, base: Path | None = None) -> list[Path]:
    """One .txt per key, named by the key (so the speech id is the key). A key that is a
    path (relative to `base`, e.g. the gold file's folder) is used as it is."""
    if any(key != "seed" and not _is_path(key) for key in keys):
        require_corpus()                  # before writing anything
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for key in keys:
        if _is_path(key):
            path = Path(key) if Path(key).is_absolute() else (base or Path.cwd()) / key
            if not path.exists():
                raise SystemExit(f"{path}: document named by the gold set not found")
            paths.append(path)
            continue
        title, text = corpus_text(key)
        path = folder / f"{key}.txt"
        path.write_text((title + "\n\n" if title else "") + text, encoding="utf-8")
        paths.append(path)
    return paths


def machine() -> str:
    import os
    import platform

    mem = ""
    try:
        kb = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores{mem}, {platform.machine()}, Python {platform.python_version()}"


def write_section(results: Path, heading: str, body: str) -> None:
    """Replace (or append) one `## heading` section of RESULTS.md."""
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n\n"
    marker = f"## {heading}\n"
    if marker in text:
        before, _, rest = text.partition(marker)
        nxt = rest.find("\n## ")
        text = before + marker + body.rstrip() + "\n" + (rest[nxt:] if nxt != -1 else "")
    else:
        text = text.rstrip() + "\n\n" + marker + body.rstrip() + "\n"
    results.write_text(text, encoding="utf-8")
