"""Real public texts from ../shared/corpus, read in place (skipped when the corpus is absent)."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import spelled
from pipeline import parse_text


def jsonl(corpus, name: str) -> list[dict]:
    with open(corpus / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def report_2023(corpus):
    row = next(r for r in jsonl(corpus, "national_work_reports.jsonl") if str(r.get("year")) == "2023")
    return parse_text(row["content"], "report-2023")


def test_work_report_2023_sections(report_2023, assert_exact_spans):
    speech = report_2023
    assert speech.title == "政府工作报告"
    assert (speech.meta.date, speech.meta.salutation) == ("2023-03-05", "各位代表")
    assert [(s.label, s.title) for s in speech.sections] == [
        ("一", "过去一年和五年工作回顾"), ("二", "对今年政府工作的建议")]
    proposals = speech.sections[1]
    assert [(c.label, c.title) for c in proposals.children[:3]] == [
        ("（一）", "着力扩大国内需求"), ("（二）", "加快建设现代化产业体系"), ("（三）", "切实落实“两个毫不动摇”")]
    assert all(c.path == ("二", c.label) for c in proposals.children)
    first = next(p for p in speech.paragraphs if p.kind == "body")
    assert first.text.startswith("本届政府任期即将结束。现在，我代表国务院，向大会报告工作")
    assert_exact_spans(speech)


def test_work_report_2023_ends_with_its_last_sentence(report_2023):
    last = report_2023.paragraphs[-1]
    assert last.text.endswith("为把我国建设成为富强民主文明和谐美丽的社会主义现代化强国不懈奋斗！")
    assert not report_2023.meta.truncated


def test_work_report_2001_link_fragments_stay_in_their_sentence(corpus):
    row = next(r for r in jsonl(corpus, "national_work_reports.jsonl") if str(r.get("year")) == "2001")
    speech = parse_text(row["content"], "report-2001")
    opening = next(p for p in speech.paragraphs if p.kind == "body")
    assert opening.text.startswith("从今年开始，我国将实施新世纪第一个五年计划。中国共产党十五届五中全会通过的"
                                   "《中共中央关于制定国民经济和社会发展第十个五年计划的建议》，提出了")


def test_congress_report_title_broken_across_lines(corpus):
    row = next(r for r in jsonl(corpus, "cpc_congress_reports.jsonl") if str(r.get("congress")) == "20")
    speech = parse_text(row["content"], "congress-20")
    assert "为全面建设社会主义现代化国家而团结奋斗" in speech.title
    assert speech.meta.salutation == "同志们"
    opening = [p.kind for p in speech.paragraphs[:6]]
    assert "salutation" in opening and set(opening[:opening.index("salutation")]) <= {"front"}
    assert speech.sections[0].title == "过去五年的工作和新时代十年的伟大变革"


def test_speech_2020_paragraphs_marked_only_by_ideographic_spaces(corpus, assert_exact_spans):
    with open(corpus / "speeches_2020.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if r["Date"] == "2020-05-19")
    text = row["Text"]
    assert "\n" not in text and text.count("\u3000\u3000") >= 10
    speech = parse_text(text, "letter-2020-05-19")
    chunks = [spelled(c) for c in text.split("\u3000\u3000") if c.strip()]
    assert [p.text for p in speech.paragraphs] == chunks
    assert speech.paragraphs[1].text.startswith("你们好！来信收悉。")
    assert speech.paragraphs[-1].text == "《人民日报》（2020年05月19日01版）"
    assert_exact_spans(speech)


@pytest.mark.parametrize("name", ["national_work_reports.jsonl", "cpc_congress_reports.jsonl",
                                  "npc_resolutions_on_reports.jsonl"])
def test_no_wikisource_licence_box_is_left_in_any_text(corpus, name):
    """Every text of the corpus ends in a Wikisource licence box (three wordings); none
    of its words may reach the clean text, where they were indexed as sentences."""
    from pipeline.clean import clean

    for row in jsonl(corpus, name):
        text = clean(row["content"]).text
        left = [w for w in ("公有领域", "公有領域", "Public domain", "false", "本模板", "维基文库") if w in text]
        assert not left, f"{row['title']}: {left}"


def test_every_npc_resolution_has_the_year_of_its_session(corpus):
    # as a .jsonl collection loads them: the record's title with its text (most texts
    # start with their first paragraph, 第十一届全国人民代表大会第一次会议听取和审议了…)
    years = sorted(parse_text(r["content"], f"npc-{i}", title=r["title"]).meta.year or 0
                   for i, r in enumerate(jsonl(corpus, "npc_resolutions_on_reports.jsonl")))
    assert years == [1962, *range(2007, 2024)]
