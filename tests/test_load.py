"""load: a speech file on disk in whatever encoding and format it came in."""

from __future__ import annotations

import re

import pytest

from pipeline import InputError, read_speech
from pipeline.load import load

FIRE = (
    "在全县秋冬季森林防火工作会议上的讲话\n"
    "同志们：\n"
    "今年入秋以来，全县降水偏少，森林火险等级持续偏高。各乡镇要严格落实野外用火管理制度，严禁在林区烧荒、上坟烧纸。\n"
    "一、压实森林防火责任\n"
    "各级林长要切实履行森林防火第一责任人职责，确保火情早发现、早处置。\n"
)


def check_fire(speech) -> None:
    assert speech.title == "在全县秋冬季森林防火工作会议上的讲话"
    assert speech.meta.salutation == "同志们"
    assert [p.text for p in speech.paragraphs] == FIRE.splitlines()[1:]
    assert [(s.path, s.title) for s in speech.walk_sections()] == [(("一",), "压实森林防火责任")]


# -- encodings -------------------------------------------------------------------

@pytest.mark.parametrize(
    "codec, expected_encoding",
    [("gb18030", "gb18030"), ("gbk", "gb18030"), ("utf-16", "utf-16"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")],
    ids=["gb18030", "gbk", "utf-16-bom", "utf-8-bom", "utf-8"],
)
def test_text_file_in_any_encoding(tmp_path, codec, expected_encoding, assert_exact_spans):
    path = tmp_path / f"fire-{codec}.txt"
    path.write_bytes(FIRE.encode(codec))
    if codec == "utf-16":
        assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    doc = load(path)
    assert (doc.text, doc.format, doc.encoding) == (FIRE, "txt", expected_encoding)
    speech = read_speech(path)
    check_fire(speech)
    assert (speech.id, speech.meta.encoding, speech.meta.source) == (f"fire-{codec}", expected_encoding, str(path))
    assert_exact_spans(speech)


def test_gbk_file_with_windows_line_ends(tmp_path):
    path = tmp_path / "fire.txt"
    path.write_bytes(FIRE.replace("\n", "\r\n").encode("gbk"))
    speech = read_speech(path)
    check_fire(speech)
    assert "\r" not in speech.text


# -- .docx and .pdf ------------------------------------------------------------------

def test_docx_written_with_python_docx(tmp_path, assert_exact_spans):
    import docx     # python-docx: a dependency, so a missing one is a failure, not a skip
    document = docx.Document()
    document.add_heading("在全县秋冬季森林防火工作会议上的讲话", level=1)
    for line in FIRE.splitlines()[1:]:
        document.add_paragraph(line)
    path = tmp_path / "fire.docx"
    document.save(path)
    speech = read_speech(path)
    check_fire(speech)
    assert speech.meta.format == "docx"
    assert_exact_spans(speech)


EDUCATION = [
    "在全市教育工作会议上的讲话",
    "同志们：",
    "今天召开全市教育工作会议，主要任务是总结去年教育工作，分析当前形势，部署今年重点任务。刚才，市教育局作了"
    "工作报告，几个县区作了交流发言，讲得都很好，我完全同意。下面，我讲两点意见。",
    "一、坚持立德树人根本任务",
    "各级各类学校要把思想政治工作贯穿教育教学全过程，严禁以任何形式组织违规补课，切实减轻学生过重的课业负担和"
    "校外培训负担，促进学生全面发展、健康成长。要配齐建强思政课教师队伍，推动思政小课堂和社会大课堂相结合，让"
    "学生在实践中增长见识、砥砺品格。",
    "二、加快推进义务教育优质均衡发展",
    "各地要认真贯彻落实全国教育大会精神，坚持教育优先发展战略，加快建设高质量教育体系，办好人民满意的教育，为"
    "全市经济社会发展提供有力人才支撑。各级党委和政府要把教育工作摆在突出位置，定期研究解决教育改革发展中的重大"
    "问题。",
    "今年要新建、改扩建中小学十二所，确保城区学校大班额全部消除。要统筹城乡教育资源配置，推进县域内校长教师交"
    "流轮岗，让农村孩子在家门口就能上好学。各县区政府要切实履行教育投入主体责任，确保一般公共预算教育支出逐年"
    "只增不减。",
    "同志们，教育是国之大计、党之大计。让我们更加紧密地团结在以习近平同志为核心的党中央周围，坚定信心、真抓实干，"
    "奋力谱写全市教育高质量发展新篇章，为建设教育强国作出新的更大贡献！",
]


def write_pdf(path, paragraphs) -> None:
    """A PDF as a word processor prints a speech: A4 with 10 mm margins (fpdf2's default page,
    which these tests used before), 12-point Song, each paragraph wrapped at the margin.
    STSong-Light is one of the standard CID fonts every PDF reader has (Adobe-GB1), so
    reportlab needs no font file and this runs on any machine."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    font, size, leading, margin = "STSong-Light", 12, 8 * mm, 10 * mm
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setFont(font, size)
    y = A4[1] - margin - size
    for text in paragraphs:
        lines, line = [], ""
        for ch in text:                               # long paragraphs wrap onto several PDF lines
            if pdfmetrics.stringWidth(line + ch, font, size) > A4[0] - 2 * margin:
                lines.append(line)
                line = ""
            line += ch
        for line in lines + [line]:
            if y < margin:
                page.showPage()
                page.setFont(font, size)
                y = A4[1] - margin - size
            page.drawString(margin, y, line)
            y -= leading
    page.save()


def test_pdf_gets_its_wrapped_paragraphs_back(tmp_path, assert_exact_spans):
    path = tmp_path / "education.pdf"
    write_pdf(path, EDUCATION)
    doc = load(path)
    assert doc.format == "pdf"
    assert len(doc.text.splitlines()) > len(EDUCATION)          # the PDF's lines are narrower than the paragraphs
    speech = read_speech(path)
    assert speech.title == "在全市教育工作会议上的讲话"
    assert speech.meta.salutation == "同志们"
    assert [p.text for p in speech.paragraphs] == EDUCATION[1:]
    assert [(s.path, s.title) for s in speech.walk_sections()] == [
        (("一",), "坚持立德树人根本任务"), (("二",), "加快推进义务教育优质均衡发展")]
    assert_exact_spans(speech)


def test_short_pdf_gets_its_wrapped_paragraphs_back(tmp_path):
    path = tmp_path / "education-short.pdf"
    short = EDUCATION[:6]
    write_pdf(path, short)
    speech = read_speech(path)
    assert [p.text for p in speech.paragraphs] == short[1:]


# -- HTML --------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>在全市生态环境保护大会上的讲话_领导讲话_某某市人民政府</title></head>
<body>
<div class="header"><a href="/">某某市人民政府</a></div>
<nav class="menu"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/news/">新闻中心</a></li><li><a href="/hdjl/">互动交流</a></li></ul></nav>
<div class="breadcrumb">首页 > 新闻 > 领导讲话</div>
<div class="article">
<h1>在全市生态环境保护大会上的讲话</h1>
<div class="info">发布时间：2024-06-05 来源：市政府办公室 【字号：大 中 小】</div>
<div class="share">分享到：微信 微博 QQ空间</div>
<div class="content">
<p>同志们：</p>
<p>今天，我们召开全市生态环境保护大会，主要任务是深入学习贯彻习近平生态文明思想，总结近年来全市生态环境保护工作，部署下一阶段重点任务。</p>
<p>一、坚决打好污染防治攻坚战</p>
<p>各县区要严格落实河长制、湖长制，确保今年全市地表水国考断面优良水体比例达到90%以上。严禁未经处理的工业废水直排入河。</p>
<p>二、加快推动发展方式绿色转型</p>
<p>要大力发展新能源和节能环保产业，推动传统产业绿色化改造。</p>
</div>
</div>
<div class="pager"><a href="/1.html">上一篇：全市防汛工作会议召开</a> <a href="/3.html">下一篇：市领导调研重点项目</a></div>
<footer>版权所有：某某市人民政府办公室 地址：某某市人民路1号 京ICP备12345678号</footer>
</body></html>
"""

PAGE_PARAGRAPHS = [
    "同志们：",
    "今天，我们召开全市生态环境保护大会，主要任务是深入学习贯彻习近平生态文明思想，总结近年来全市生态环境保护工作，部署下一阶段重点任务。",
    "一、坚决打好污染防治攻坚战",
    "各县区要严格落实河长制、湖长制，确保今年全市地表水国考断面优良水体比例达到90%以上。严禁未经处理的工业废水直排入河。",
    "二、加快推动发展方式绿色转型",
    "要大力发展新能源和节能环保产业，推动传统产业绿色化改造。",
]

def test_html_page_yields_only_the_speech(tmp_path, assert_exact_spans):
    path = tmp_path / "speech.html"
    path.write_text(PAGE, encoding="utf-8")
    speech = read_speech(path)
    assert speech.meta.format == "html"
    assert [p.text for p in speech.paragraphs] == PAGE_PARAGRAPHS
    for chrome in ("首页", "新闻中心", "分享到", "微博", "上一篇", "下一篇", "版权所有", "ICP", "字号", "发布时间"):
        assert chrome not in speech.text
    assert [(s.path, s.title) for s in speech.walk_sections()] == [
        (("一",), "坚决打好污染防治攻坚战"), (("二",), "加快推动发展方式绿色转型")]
    assert_exact_spans(speech)


def test_html_page_title_is_the_speech_title(tmp_path):
    path = tmp_path / "speech.html"
    path.write_text(PAGE, encoding="utf-8")
    assert read_speech(path).title == "在全市生态环境保护大会上的讲话"


def test_html_extraction_dependencies_are_declared():
    # trafilatura imports lxml.html.clean, which lxml 5.2+ moved to the lxml_html_clean package;
    # the chain through justext's lxml[html_clean] is not honoured by pip 23 (lxml calls the
    # extra html-clean), so pyproject.toml lists the package itself.
    import importlib.metadata as md

    from packaging.requirements import Requirement   # pytest's own dependency

    declared = {Requirement(r).name.lower().replace("_", "-") for r in md.requires("govspeech") or []}
    assert "lxml-html-clean" in declared
    import lxml.html.clean  # noqa: F401  (what trafilatura imports)


# -- files that are no speech -----------------------------------------------------------

def test_bad_files_raise_input_error_naming_the_file(tmp_path):
    cases = {}
    cases["empty.txt"] = b""
    cases["english.txt"] = b"This is an English speech about the economy. Thank you all.\n"
    cases["random.txt"] = bytes((i * 7919 + 13) % 251 for i in range(4000)) + b"\x00\x00"
    cases["minutes.doc"] = "会议纪要".encode("utf-8")
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    problems = {}
    for name in [*cases, "missing.txt"]:
        with pytest.raises(InputError) as caught:
            load(tmp_path / name)
        assert caught.value.path == str(tmp_path / name)
        assert str(caught.value).startswith(f"{tmp_path / name}: ")
        assert "\n" not in str(caught.value)
        problems[name] = caught.value.problem
    assert problems["empty.txt"] == "file is empty"
    assert problems["missing.txt"] == "no such file"
    assert "no Chinese text" in problems["english.txt"]
    assert "not a text file" in problems["random.txt"]
    assert "unsupported format '.doc'" in problems["minutes.doc"]
    with pytest.raises(InputError, match="is a directory"):
        load(tmp_path)


def test_size_limit(tmp_path):
    path = tmp_path / "fire.txt"
    path.write_text(FIRE, encoding="utf-8")
    with pytest.raises(InputError, match="over the"):
        read_speech(path, max_bytes=100)
    assert read_speech(path, max_bytes=10_000).title.endswith("讲话")


# -- Markdown is documentation, not a speech -----------------------------------------------

def test_a_folder_of_speeches_does_not_take_its_markdown(tmp_path):
    """README.md beside the speeches, and the NAME.md files `summarize DIR --out` writes,
    are no speeches: discovery leaves them out."""
    from pipeline.api import speech_files

    (tmp_path / "fire.txt").write_text(FIRE, encoding="utf-8")
    (tmp_path / "README.md").write_text("# 讲话稿\n本文件夹存放县政府讲话稿。\n", encoding="utf-8")
    (tmp_path / "summaries").mkdir()
    (tmp_path / "summaries" / "fire.md").write_text("## 要点\n- 各乡镇要严格落实野外用火管理制度。\n", encoding="utf-8")
    assert speech_files([tmp_path]) == [tmp_path / "fire.txt"]


def test_a_markdown_file_named_on_purpose_is_a_one_line_error_naming_the_formats(tmp_path):
    from cli_helpers import assert_one_line_error, cli

    path = tmp_path / "README.md"
    path.write_text("# 讲话稿\n本文件夹存放县政府讲话稿。\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_speech(path)
    assert caught.value.problem.startswith("unsupported format '.md'")
    assert all(suffix in caught.value.problem for suffix in (".txt", ".html", ".docx", ".pdf", ".jsonl", ".csv"))
    assert_one_line_error(cli("outline", path), str(path), "unsupported format '.md'", ".txt")
