"""The file commands (outline, show, directives, summarize) on collections, folders whose
files share a stem, piped output, and option combinations that make no sense."""

from __future__ import annotations

import json

import pytest

from cli_helpers import assert_one_line_error, cli_in_process
from conftest import SEED

SAFETY = """在全县安全生产工作会议上的讲话
同志们：
一、清醒认识当前安全生产形势
去年全县安全生产形势总体平稳，但事故总量仍然偏高。我们必须清醒看到，安全生产是不可逾越的红线。
二、压实各方安全责任
各级党委和政府要坚持党政同责、一岗双责。对发生较大以上事故的，要严肃追究相关人员责任。
"""
SPRING = """同志们：
一、抓好春耕生产
各乡镇要严禁撂荒耕地，确保粮食播种面积稳定在120万亩以上。
二、做好防汛准备
水利部门必须在5月底前完成病险水库除险加固。
"""
RECORDS = [
    {"title": "在全县安全生产工作会议上的讲话", "date": "2021-03-02", "content": SAFETY.split("\n", 1)[1]},
    {"title": "在全县春耕生产和防汛工作会议上的讲话", "date": "2021-04-08", "content": SPRING},
]
PAGE = ("<html><head><title>在全县春耕生产工作会议上的讲话</title></head><body><p>同志们：</p>"
        "<p>今年春耕生产形势总体较好。各乡镇要严禁撂荒耕地，确保粮食播种面积稳定在120万亩以上。</p></body></html>")


def ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    path = tmp_path_factory.mktemp("collection") / "county.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(cli_all, collection):
    """Each command's result. The piped ones run in real processes writing into a real pipe
    (side by side: each loads jieba); the rest are about what a command prints for a collection
    or a misused option and run in this interpreter (cli_helpers.cli_in_process), which saved
    about 25 s of a loaded suite run. test_cli.py and the --out tests below run every one of
    these commands as a real process too."""
    piped = {
        "piped outline": ("outline", SEED),
        "piped directives": ("directives", SEED),
        "piped summary": ("summarize", SEED),
    }
    commands = {
        "outline json": ("outline", "--json", collection),
        "outline": ("outline", collection),
        "outline one": ("outline", "--json", "--speech", "county-2", collection),
        "show json": ("show", "--json", collection),
        "show paragraph": ("show", "--paragraph", "3", collection),
        "show speech paragraph": ("show", "--paragraph", "3", "--speech", "county-2", "--json", collection),
        "no such speech": ("outline", "--speech", "county-9", collection),
        "directives": ("directives", "--json", collection),
        "summarize": ("summarize", "--json", collection),
        "summarize md": ("summarize", "--markdown", collection),
        "markdown and json": ("summarize", "--markdown", "--json", SEED),
        "ratio 2": ("summarize", "--ratio", "2", SEED),
        "ratio 0": ("summarize", "--ratio", "0", SEED),
        "top 0": ("summarize", "--top", "0", SEED),
        "abstract top 0": ("summarize", "--abstract", "--top", "0", SEED),
    }
    results = dict(zip(piped, cli_all(piped.values())))
    return {**results, **{name: cli_in_process(*args) for name, args in commands.items()}}


# -- a .jsonl collection is many speeches, not one -----------------------------------

def test_outline_json_of_a_collection_is_one_outline_per_record(runs):
    data = json.loads(ok(runs["outline json"]))
    assert [(d["speech_id"], d["title"], d["meta"]["date"]) for d in data] == [
        ("county-1", RECORDS[0]["title"], "2021-03-02"), ("county-2", RECORDS[1]["title"], "2021-04-08")]
    assert [[(s["label"], s["title"]) for s in d["sections"]] for d in data] == [
        [("一", "清醒认识当前安全生产形势"), ("二", "压实各方安全责任")],
        [("一", "抓好春耕生产"), ("二", "做好防汛准备")]]


def test_outline_text_prints_every_speech(runs):
    out = ok(runs["outline"])
    assert f"《{RECORDS[0]['title']}》" in out and f"《{RECORDS[1]['title']}》" in out
    assert "Date" not in out and "content" not in out          # never the JSON read as one speech


def test_speech_option_picks_one_record(runs):
    data = json.loads(ok(runs["outline one"]))
    assert [d["speech_id"] for d in data] == ["county-2"]


def test_show_json_lists_each_speech_text(runs):
    data = json.loads(ok(runs["show json"]))
    assert [d["speech_id"] for d in data] == ["county-1", "county-2"]
    assert data[1]["text"].splitlines()[1] == "一、抓好春耕生产"


def test_show_paragraph_of_a_collection_needs_a_speech(runs, collection):
    assert_one_line_error(runs["show paragraph"], str(collection), "--speech", "county-1 … county-2", stdout="")
    data = json.loads(ok(runs["show speech paragraph"]))
    assert (data["speech_id"], data["paragraph"], data["text"]) == (
        "county-2", 3, "各乡镇要严禁撂荒耕地，确保粮食播种面积稳定在120万亩以上。")


def test_unknown_speech_id_names_the_file_and_the_ids(runs, collection):
    assert_one_line_error(runs["no such speech"], str(collection), "county-9", "county-1 … county-2", stdout="")


def test_directives_of_a_collection_name_their_speech(runs):
    data = json.loads(ok(runs["directives"]))
    by_speech = {}
    for d in data:
        by_speech.setdefault(d["speech_id"], []).append(d["text"])
    assert "水利部门必须在5月底前完成病险水库除险加固。" in by_speech["county-2"]
    assert "对发生较大以上事故的，要严肃追究相关人员责任。" in by_speech["county-1"]


def test_summarize_a_collection(runs):
    data = json.loads(ok(runs["summarize"]))
    assert [d["speech_id"] for d in data] == ["county-1", "county-2"]
    md = ok(runs["summarize md"])
    assert [line for line in md.splitlines() if line.startswith("# ")] == [f"# {r['title']}" for r in RECORDS]


# -- piped output is never wrapped ------------------------------------------------------

def test_piped_output_keeps_each_sentence_on_one_line(runs, seed_speech):
    for name in ("piped outline", "piped directives", "piped summary"):
        assert "\x1b[" not in ok(runs[name]), name                  # no colour codes in a pipe
    lines = ok(runs["piped directives"]).splitlines()
    directives = [s for s in seed_speech.sentences if s.kind in ("directive", "target")]
    assert len(directives) > 20
    for s in directives:                                            # each whole on one line, however long
        assert any(s.text in line for line in lines), s.text
    assert max(len(line) for line in lines) > 80
    summary = ok(runs["piped summary"])
    assert "今年，我们要确保脱贫人口和监测对象人均纯收入增速继续高于全市农民平均水平，这是硬指标。" in summary
    titles = [s.title for s in seed_speech.walk_sections()]
    outline = ok(runs["piped outline"])
    assert all(t in outline for t in titles)


# -- options that make no sense together: usage errors, one line ----------------------------

def test_option_misuse_is_a_one_line_usage_error(runs):
    assert_one_line_error(runs["markdown and json"], "--markdown or --json", "govspeech summarize --help", stdout="")
    assert_one_line_error(runs["ratio 2"], "--ratio", "0<x<=1", stdout="")
    assert_one_line_error(runs["ratio 0"], "--ratio", stdout="")
    assert_one_line_error(runs["top 0"], "'--top': 0 is not in the range x>=1", stdout="")
    assert_one_line_error(runs["abstract top 0"], "'--top': 0 is not in the range x>=1", stdout="")


def test_summarize_api_refuses_a_ratio_outside_0_1(seed_speech):
    import pipeline.summarize  # noqa: F401  (the stage module: must not shadow the function below)
    from pipeline import GovSpeechError, summarize

    with pytest.raises(GovSpeechError, match=r"ratio must be in \(0, 1\], not 2"):
        summarize(seed_speech, ratio=2)
    assert summarize(seed_speech, ratio=1).sections                 # 1 is allowed: every sentence


# -- a folder whose files share a stem ------------------------------------------------------

def test_summarize_folder_writes_one_output_per_speech_and_overwrites_nothing(cli, tmp_path, collection):
    import docx

    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "seed.txt").write_text(SAFETY, encoding="utf-8")
    (folder / "seed.html").write_text(PAGE, encoding="utf-8")
    document = docx.Document()
    for line in SPRING.splitlines():
        document.add_paragraph(line)
    document.save(folder / "seed.docx")
    (folder / "sub" / "seed.txt").write_text(SPRING, encoding="utf-8")   # same file name, other folder
    (folder / "county.jsonl").write_bytes(collection.read_bytes())
    out = tmp_path / "out"
    proc = cli("summarize", folder, "--out", out)
    assert ok(proc).strip().splitlines()[-1].startswith(f"6 summaries written to {out}")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{n}{s}" for n in ("seed.html", "seed.docx", "seed.txt", "sub__seed.txt", "county-1", "county-2")
        for s in (".md", ".json"))
    titles = {p.stem: json.loads(p.read_text(encoding="utf-8"))["title"] for p in out.glob("*.json")}
    assert titles["seed.html"] == "在全县春耕生产工作会议上的讲话"
    assert titles["seed.txt"] == "在全县安全生产工作会议上的讲话"
    assert titles["county-2"] == RECORDS[1]["title"]
    again = ok(cli("summarize", folder, "--out", out))
    assert "6 summaries written" in again and "12 files from an earlier run replaced" in again


# -- summaries to files: a collection with --out, an empty folder (issue 20) ----------------

def test_summarize_a_collection_with_out_writes_stem_n_per_record(cli, tmp_path, collection):
    out = tmp_path / "out"
    proc = cli("summarize", collection, "--out", out)
    assert ok(proc).strip().splitlines()[-1].startswith(f"2 summaries written to {out}")
    assert sorted(p.name for p in out.iterdir()) == ["county-1.json", "county-1.md", "county-2.json", "county-2.md"]
    titles = {p.stem: json.loads(p.read_text(encoding="utf-8"))["title"] for p in out.glob("*.json")}
    assert titles == {"county-1": RECORDS[0]["title"], "county-2": RECORDS[1]["title"]}
    assert (out / "county-2.md").read_text(encoding="utf-8").startswith(f"# {RECORDS[1]['title']}")
    assert_one_line_error(cli("summarize", collection, "--out", out, "--speech", "county-1"), "--speech")


def test_summarize_an_empty_folder_is_an_error_and_writes_nothing(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "out"
    assert_one_line_error(cli("summarize", tmp_path / "empty", "--out", out), f"{tmp_path / 'empty'}: no speech files here")
    assert not out.exists()
