"""The `govspeech` command on the seed and on hostile input.

Each case runs the real entry point (pipeline.cli:main) in its own interpreter:
a bad file must give a non-zero exit and exactly one line on stderr that names
the file, never a traceback.
"""

from __future__ import annotations

import gzip
import json
import os

import pytest

from cli_helpers import assert_one_line_error

SEED_TITLE = "在2025年全市巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作会议上的讲话"


def ok(result) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "error" not in result.stderr


# -- hostile input ------------------------------------------------------------------

def make_empty(tmp_path):
    path = tmp_path / "empty.txt"
    path.touch()
    return path


def make_binary(tmp_path):
    path = tmp_path / "scan.txt"                         # a gzip stream saved under a .txt name
    path.write_bytes(gzip.compress(bytes(range(256)) * 64))
    return path


def make_directory(tmp_path):
    path = tmp_path / "speeches"
    path.mkdir()
    (path / "a.txt").write_text("同志们：要抓好落实。", encoding="utf-8")
    return path


def make_missing(tmp_path):
    return tmp_path / "no-such-speech.txt"


def make_huge(tmp_path):
    path = tmp_path / "huge.txt"                         # 50 MB, sparse: written in an instant
    with open(path, "wb") as f:
        f.write("同志们：今天召开全县工作会议。\n".encode("utf-8"))
        f.truncate(50 * 1024 * 1024)
    assert os.path.getsize(path) == 50 * 1024 * 1024
    return path


def make_english(tmp_path):
    path = tmp_path / "english.txt"
    path.write_text("Ladies and gentlemen, the economy grew by 5.2% last year. Thank you.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "make, problem, command",
    [
        (make_empty, "file is empty", "outline"),
        (make_binary, "not a text file", "outline"),
        (make_directory, "is a directory", "outline"),
        (make_missing, "no such file", "outline"),
        (make_huge, "over the", "outline"),
        (make_english, "no Chinese text", "outline"),
        (make_binary, "not a text file", "directives"),
        (make_missing, "no such file", "show"),
    ],
    ids=["empty", "binary", "directory", "missing", "50MB", "no-chinese", "directives-binary", "show-missing"],
)
def test_bad_input_gets_one_line_naming_the_file(cli, tmp_path, make, problem, command):
    path = make(tmp_path)
    result = cli(command, path)
    line = assert_one_line_error(result, str(path), stdout="")
    assert result.returncode == 2
    assert line.startswith(f"govspeech: error: {path}: ")
    assert problem in line


def test_small_binary_blob_is_refused(cli, tmp_path):
    # charset-normalizer may call a few NUL-laced bytes UTF-16LE: that is still no speech
    path = tmp_path / "blob.dat"
    path.write_bytes(b"\x00\x01\x02binary\x00\xff\xfe")
    assert_one_line_error(cli("outline", path), str(path), stdout="")


# -- commands that parse a speech (run side by side: each loads jieba) -----------------

NO_HEADINGS = ["今年以来，全县经济运行总体平稳，主要指标好于预期。", "各乡镇要抓好春耕生产，确保粮食面积稳定。", "要严禁焚烧秸秆。"]
PAGE = ("<html><head><title>在全县春耕生产工作会议上的讲话</title></head><body><p>同志们：</p>"
        "<p>今年春耕生产形势总体较好。各乡镇要严禁撂荒耕地，确保粮食播种面积稳定在120万亩以上。</p></body></html>")


@pytest.fixture(scope="module")
def runs(cli_all, seed_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    (folder / "notes.txt").write_text("\n".join(NO_HEADINGS) + "\n", encoding="utf-8")
    (folder / "speech.html").write_text(PAGE, encoding="utf-8")
    commands = {
        "outline": ("outline", "--json", seed_path),
        "show 12": ("show", "--paragraph", "12", "--json", seed_path),
        "show 99": ("show", "--paragraph", "99", seed_path),
        "mandatory": ("directives", "--strength", "mandatory", "--json", seed_path),
        "no headings": ("outline", "--json", folder / "notes.txt"),
        "html": ("outline", "--json", folder / "speech.html"),
    }
    return dict(zip(commands, cli_all(commands.values())))


def test_text_without_headings_is_a_correct_degenerate_result(runs):
    result = runs["no headings"]
    ok(result)
    data = json.loads(result.stdout)
    assert data["sections"] == []
    assert [(p["number"], p["section_path"], p["text"]) for p in data["paragraphs"]] == [
        (1, [], NO_HEADINGS[0]), (2, [], NO_HEADINGS[1]), (3, [], NO_HEADINGS[2])]


def test_html_file_through_the_cli(runs):
    result = runs["html"]
    ok(result)
    data = json.loads(result.stdout)
    assert data["meta"]["format"] == "html"
    assert [p["text"] for p in data["paragraphs"]] == [
        "同志们：", "今年春耕生产形势总体较好。各乡镇要严禁撂荒耕地，确保粮食播种面积稳定在120万亩以上。"]


def test_outline_json_shape(runs):
    result = runs["outline"]
    ok(result)
    data = json.loads(result.stdout)
    assert {"speech_id", "title", "meta", "sections", "paragraphs"} <= data.keys()
    assert (data["speech_id"], data["title"]) == ("000_dbe0c8ca6deedb3a", SEED_TITLE)
    assert data["meta"]["salutation"] == "同志们" and data["meta"]["truncated"] is True
    one, two = data["sections"]
    for section in (one, two, *one["children"], *two["children"]):
        assert {"label", "title", "level", "path", "children", "paragraphs"} <= section.keys()
    assert (one["label"], one["level"], one["path"]) == ("一", 1, ["一"])
    assert [c["label"] for c in one["children"]] == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert two["children"][0] == {**two["children"][0], "label": "（一）", "level": 2, "path": ["二", "（一）"],
                                  "title": "坚决守牢不发生规模性返贫底线，这是政治红线，不容有失",
                                  "paragraphs": [12], "children": []}
    assert len(data["paragraphs"]) == 13
    for p in data["paragraphs"]:
        assert {"number", "section_path", "start", "end", "text"} <= p.keys()
        assert p["end"] - p["start"] == len(p["text"])
    assert data["paragraphs"][11]["section_path"] == ["二", "（一）"]


def test_show_paragraph_json_is_a_citation(runs, seed_path):
    result = runs["show 12"]
    ok(result)
    data = json.loads(result.stdout)
    assert {"speech_id", "title", "section_path", "paragraph", "start", "end", "raw_start", "raw_end", "text"} <= data.keys()
    assert (data["speech_id"], data["title"], data["section_path"], data["paragraph"]) == (
        "000_dbe0c8ca6deedb3a", SEED_TITLE, ["二", "（一）"], 12)
    assert data["text"].startswith("（一）坚决守牢不发生规模性返贫底线，这是政治红线，不容有失。核心在“精准”二字。")
    assert data["text"].endswith("要严肃追责问责。")
    assert data["end"] - data["start"] == len(data["text"])
    raw = seed_path.read_text(encoding="utf-8")[data["raw_start"]:data["raw_end"]]
    assert raw.startswith("(一)坚决守牢不发生规模性返贫底线,这是政治红线,不容有失。核心在“精 准”二字。")


def test_directives_mandatory_json(runs, seed_speech):
    result = runs["mandatory"]
    ok(result)
    found = json.loads(result.stdout)
    assert found and all(d["strength"] == "mandatory" and d["kind"] in ("directive", "target") for d in found)
    for d in found:
        assert seed_speech.text[d["start"]:d["end"]] == d["text"]
        assert {"cues", "actors", "targets", "section_path", "paragraph", "raw_start", "raw_end"} <= d.keys()
    texts = [d["text"] for d in found]
    assert "这种倾向必须纠正。" in texts
    assert "监测要更灵敏。" not in texts                        # advisory
    target = next(d for d in found if "高于全市农民平均水平" in d["text"])
    assert (target["kind"], target["section_path"], target["paragraph"]) == ("target", ["一", "（三）"], 7)
    assert target["actors"][:2] == ["脱贫人口", "监测对象"]
    assert [d["paragraph"] for d in found] == sorted(d["paragraph"] for d in found)   # reading order


def test_paragraph_out_of_range_is_one_line_naming_the_file(runs, seed_path):
    # nothing else on stderr: no third-party warning (jieba's pkg_resources one) either
    line = assert_one_line_error(runs["show 99"], str(seed_path), stdout="")
    assert runs["show 99"].returncode == 2
    assert line == f"govspeech: error: {seed_path}: paragraph 99 not in 1..13"


def test_a_successful_run_prints_nothing_on_stderr(runs):
    assert [name for name, result in runs.items() if name != "show 99" and result.stderr] == []
