"""Per-section key points: extractive, cited to the right paragraph, no headings, no ceremony."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import parse_text, read_speech, summarize
from pipeline.summarize import to_markdown

from cli_helpers import cli
from conftest import SEED

MEETING = """在全县安全生产工作会议上的讲话
同志们：
刚才，几位同志的发言讲得都很好，我完全同意。下面，我讲三点意见。
一、清醒认识当前安全生产形势
去年全县安全生产形势总体平稳，但事故总量仍然偏高。一些企业主体责任落实不到位，隐患排查流于形式。我们必须清醒看到，安全生产是不可逾越的红线。
二、全力抓好重点领域整治
（一）道路交通。要严厉打击超载超限、酒后驾驶等违法行为。今年道路交通事故死亡人数要比去年下降10%以上。各乡镇要在年底前完成农村道路安全隐患排查。
（二）危险化学品。严禁未经审批擅自建设危化品项目。各企业必须建立隐患排查治理台账，做到整改责任、措施、资金、时限和预案“五到位”。
三、压实各方安全责任
各级党委和政府要坚持党政同责、一岗双责。对发生较大以上事故的，要严肃追究相关人员责任。
同志们，安全生产责任重于泰山。让我们以更加扎实的作风，坚决守住安全底线！
"""


def assert_extractive(speech, summary):
    points = [k for s in summary.sections for k in s.key_points] + list(summary.top)
    assert points
    for k in points:
        c = k.citation
        assert c.text == speech.text[c.start:c.end] == k.sentence.text
        paragraph = speech.paragraph(c.paragraph)
        assert paragraph.span.start <= c.start and c.end <= paragraph.span.end      # the paragraph that contains it
        assert tuple(c.section_path) == paragraph.section_path
        raw = speech.to_raw(k.sentence.span)
        assert (c.raw_start, c.raw_end) == (raw.start, raw.end)


def test_seed_every_subsection_gets_a_point_that_is_no_heading_and_no_ceremony():
    speech = read_speech(SEED)
    summary = summarize(speech)
    by_path = {s.path: s for s in summary.sections}
    subsections = [s.path for s in speech.walk_sections() if s.level == 2]
    assert len(subsections) == 7
    for path in subsections:
        assert by_path[path].key_points, path
    headings = {speech.text[s.heading_span.start:s.heading_span.end] for s in speech.walk_sections()}
    for s in summary.sections:
        for k in s.key_points:
            assert k.sentence.kind != "heading" and k.sentence.text not in headings
            assert "讲得都很好" not in k.sentence.text and "讲三点意见" not in k.sentence.text
    assert_extractive(speech, summary)


def test_seed_income_target_is_a_key_point_of_its_section():
    speech = read_speech(SEED)
    points = {k.sentence.text for s in summarize(speech).sections if s.path == ("一", "（三）") for k in s.key_points}
    assert any("高于全市农民平均水平" in t for t in points)


def test_snippet_points_are_extractive_and_ceremony_free():
    speech = parse_text(MEETING, "safety")
    summary = summarize(speech, per_section=2)
    assert_extractive(speech, summary)
    texts = [k.sentence.text for s in summary.sections for k in s.key_points]
    assert not any(t.startswith(("刚才", "下面")) for t in texts)
    crime = next(s for s in summary.sections if s.path == ("二", "（二）"))
    assert "严禁未经审批擅自建设危化品项目。" in [k.sentence.text for k in crime.key_points]
    traffic = next(s for s in summary.sections if s.path == ("二", "（一）"))
    assert "今年道路交通事故死亡人数要比去年下降10%以上。" in [k.sentence.text for k in traffic.key_points]


def test_points_come_in_reading_order_and_budgets_hold():
    speech = parse_text(MEETING, "safety")
    for s in summarize(speech, per_section=1).sections:
        assert len(s.key_points) <= 1
    for s in summarize(speech).sections:
        starts = [k.sentence.span.start for k in s.key_points]
        assert starts == sorted(starts)
    whole = summarize(speech, ratio=1.0)
    assert all(len(s.key_points) == len([x for x in speech.sentences if x.section_path == s.path
                                          and x.kind in ("statement", "directive", "target")
                                          and not x.text.startswith(("刚才", "下面"))]) for s in whole.sections)


def test_summary_is_deterministic():
    speech = read_speech(SEED)
    assert summarize(speech).to_dict() == summarize(speech).to_dict()


def test_markdown_cites_each_point():
    md = to_markdown(summarize(read_speech(SEED)))
    assert "〔二（一）¶12〕" in md
    assert md.splitlines()[0].startswith("# 在2025年全市")


def run_cli(*args):
    return cli(*args, timeout=300)


def test_cli_json_shape_and_folder_mode(tmp_path):
    proc = run_cli("summarize", SEED, "--json", "--per-section", "2")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["speech_id"] == "000_dbe0c8ca6deedb3a" and data["title"].startswith("在2025年")
    point = data["sections"][1]["key_points"][0]
    for key in ("text", "score", "speech_id", "section_path", "paragraph", "start", "end", "raw_start", "raw_end"):
        assert key in point
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "safety.txt").write_text(MEETING, encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"")
    out = tmp_path / "out"
    proc = run_cli("summarize", folder, "--out", out)
    assert proc.returncode == 0
    assert (out / "safety.md").exists() and json.loads((out / "safety.json").read_text(encoding="utf-8"))["sections"]
    assert [l for l in proc.stderr.splitlines() if l.startswith("govspeech: skipped:")] == \
        [f"govspeech: skipped: {folder / 'broken.txt'}: file is empty"]


# ---------------------------------------------------------------- default budget, full outline, fitted weights, abstract

def body_sentences(speech):
    return [s for s in speech.sentences if s.kind != "heading"]


def test_default_budget_shows_at_most_a_quarter_of_the_seed_and_every_section_gets_a_point():
    speech = read_speech(SEED)
    summary = summarize(speech)
    shown = summary.sentences()
    assert len(shown) <= 0.25 * len(body_sentences(speech))
    assert len(shown) >= 0.2 * len(body_sentences(speech))          # the budget is spent, not left idle
    assert {k.sentence.id for k in summary.top} <= {k.sentence.id for s in summary.sections for k in s.key_points}
    with_candidates = {s.section_path for s in speech.sentences if s.kind in ("statement", "directive", "target")}
    for s in summary.sections:
        if s.path in with_candidates:
            assert s.key_points, s.path


def test_long_sections_dense_with_numbers_get_more_points():
    speech = read_speech(SEED)
    by_path = {s.path: s for s in summarize(speech).sections}
    # 二（一） (15 candidates: monitoring, 四个不摘, deadlines) gets more than 二 (2 candidates)
    assert len(by_path[("二", "（一）")].key_points) > len(by_path[("二",)].key_points)


def test_markdown_and_json_keep_the_full_outline_in_order():
    speech = parse_text(MEETING, "safety")
    summary = summarize(speech)
    md = to_markdown(summary)
    headings = [l for l in md.splitlines() if l.startswith("#")]
    assert headings == ["# 在全县安全生产工作会议上的讲话", "## 要点", "## 开篇", "## 一 清醒认识当前安全生产形势",
                        "## 二 全力抓好重点领域整治", "### 二（一） 道路交通", "### 二（二） 危险化学品", "## 三 压实各方安全责任"]
    # 二 has no sentence of its own: it stays in the outline, with no point under it
    two = summary.to_dict()["sections"][2]
    assert (two["path"], two["key_points"]) == (["二"], [])
    assert [tuple(s["path"]) for s in summary.to_dict()["sections"]] == [()] + [s.path for s in speech.walk_sections()]
    assert "- 今年道路交通事故死亡人数要比去年下降10%以上。 〔二（一）¶6〕" in md.splitlines()


def test_markdown_levels_never_jump_on_the_seed():
    md = to_markdown(summarize(read_speech(SEED)))
    levels = [len(l) - len(l.lstrip("#")) for l in md.splitlines() if l.startswith("#")]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))
    assert md.count("\n### 一（") == 5 and "\n## 开篇\n" in md


def test_packaged_weights_load_and_name_known_features():
    from pipeline.summarize import ABSTRACT_FEATURES, SECTION_FEATURES, load_weights

    w = load_weights()
    assert set(w.section.weights) <= set(SECTION_FEATURES) and set(w.abstract.weights) <= set(ABSTRACT_FEATURES)
    assert w.section.weights["number"] > 0 and w.section.weights["mandatory"] > 0 and w.section.weights["short"] < 0
    assert 0 < w.share <= 0.25


@pytest.mark.parametrize("content, problem", [
    ("{oops", "not valid JSON"),
    ('{"section": {"bias": 0, "weights": {"centrality": "high"}}}', "non-number weight 'centrality'"),
    ('{"section": {"bias": 0, "weights": {"loudness": 1}}, "abstract": {"bias": 0, "weights": {}}}', "'loudness'"),
    ('[1, 2]', 'need a "section" object'),
])
def test_malformed_weights_file_is_a_one_line_error_naming_it(tmp_path, content, problem):
    from pipeline.errors import GovSpeechError
    from pipeline.summarize import load_weights

    path = tmp_path / "weights.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GovSpeechError) as err:
        load_weights(path)
    assert str(err.value).startswith(f"{path}: ") and problem in str(err.value) and "\n" not in str(err.value)


def test_cli_reports_a_malformed_weights_file_and_exits_non_zero(tmp_path):
    path = tmp_path / "weights.json"
    path.write_text('{"section": 3}', encoding="utf-8")
    proc = run_cli("summarize", SEED, "--weights", path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-1] == \
        f'govspeech: error: {path}: summary weights need a "section" object with "bias" and "weights"'


def test_abstract_is_extractive_in_reading_order_and_on_the_cli():
    from pipeline.summarize import abstract

    speech = read_speech(SEED)
    points = abstract(speech, 4)
    assert len(points) == 4
    starts = [k.sentence.span.start for k in points]
    assert starts == sorted(starts)
    for k in points:
        assert k.citation.text == speech.text[k.citation.start:k.citation.end] == k.sentence.text
    proc = run_cli("summarize", SEED, "--abstract", "--top", "4", "--json")
    assert proc.returncode == 0, proc.stderr
    assert [p["text"] for p in json.loads(proc.stdout)["abstract"]] == [k.sentence.text for k in points]


def test_a_speech_of_two_sentences_still_gets_a_point():
    summary = summarize(parse_text("今年要抓好安全生产工作。各乡镇要落实责任。", "short"))
    assert [k.sentence.text for s in summary.sections for k in s.key_points] == ["今年要抓好安全生产工作。"]


def test_summary_benchmark_scores_a_reference_file_at_default_settings(tmp_path, corpus):
    """The frozen scorer the blind check runs: recall of a reference's points and the share of sentences."""
    speech = read_speech(SEED)
    shown = {s.text for s in summarize(speech).sentences()}
    body = [s for s in speech.sentences if s.kind != "heading"]
    inside = next(t for t in (s.text for s in body) if t in shown)
    outside = next(t for t in (s.text for s in body) if t not in shown and len(t) > 20)
    ref = tmp_path / "ref.json"
    ref.write_text(json.dumps([{"doc": "seed", "sections": [{"heading": "", "points": [inside, outside]}]}],
                              ensure_ascii=False), encoding="utf-8")
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "summary_benchmark.py"
    proc = subprocess.run([sys.executable, str(script), "--reference", str(ref), "--json"], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "GOVSPEECH_CORPUS": str(corpus)})
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["recall"]["ours"] == 0.5 and result["points"] == 2
    assert result["share"] == round(len(shown) / len(body), 4) <= 0.25
    assert result["docs"][0]["missed"] == [outside]
