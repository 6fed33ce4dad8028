"""clean: the noise of real inputs out, every clean character mapped back to the raw text."""

from __future__ import annotations

import pytest

from pipeline import parse_text
from pipeline.clean import clean


def raw_of(cleaned, raw: str, start: int, end: int) -> str:
    """The raw characters behind clean characters start..end."""
    return raw[cleaned.offsets[start]:cleaned.offsets[end - 1] + 1]


# -- punctuation and characters ------------------------------------------------

@pytest.mark.parametrize(
    "raw, expected",
    [
        ("全年完成投资1,000亿元,同比增长8.5%,会议于10:30开始。", "全年完成投资1,000亿元，同比增长8.5%，会议于10:30开始。"),
        ('我们要坚持"两山"理念,推动绿色发展!', "我们要坚持“两山”理念，推动绿色发展！"),
        ("(一)加强组织领导", "（一）加强组织领导"),
        ("会议指出(见附件),要抓好落实.", "会议指出（见附件），要抓好落实。"),
        ("是因病因灾?是因学?", "是因病因灾？是因学？"),
        ("引进Tesla Model 3等新能源车型。", "引进Tesla Model 3等新能源车型。"),
        ("全市ＧＤＰ增长５％。", "全市GDP增长5％。"),
        ("今年\u200b全市\u200d粮食产量\ufeff稳定。", "今年全市粮食产量稳定。"),
    ],
    ids=["numbers keep , and :", "straight quotes", "(一)", "(…) and final .", "?", "Latin spaces kept",
         "full-width letters and digits", "zero-width characters"],
)
def test_punctuation_and_characters(raw, expected):
    cleaned = clean(raw)
    assert cleaned.text == expected
    assert len(cleaned.offsets) == len(cleaned.text)


def test_every_clean_character_points_at_its_raw_character():
    raw = "今年\u200b全市粮食产量稳 定,总产量达到１２０万吨。"
    cleaned = clean(raw)
    assert cleaned.text == "今年全市粮食产量稳定，总产量达到120万吨。"
    for i, ch in enumerate(cleaned.text):
        original = raw[cleaned.offsets[i]]
        assert original == ch or (original, ch) in {(",", "，"), ("１", "1"), ("２", "2"), ("０", "0")}
    assert list(cleaned.offsets) == sorted(cleaned.offsets)


# -- site chrome -----------------------------------------------------------------

PORTAL = """首页 > 政务公开 > 领导讲话
在全区优化营商环境工作推进会上的讲话
发布时间：2024-03-12 10:30  来源：区政府办公室
【字号：大 中 小】
打印 收藏
同志们：
优化营商环境没有最好、只有更好。一是要强化服务意识，二是要提升办事效率，三是要加强监督检查。
一、坚持“两统一、一体化”工作思路
各部门要坚持监管规则两统一、一体化推进审批服务改革，严禁设置隐性门槛。
二、抓好重点任务落实
全区政务服务事项网上可办率要达到95%以上。
相关链接
区政府召开常务会议研究营商环境工作
我区出台优化营商环境十条措施
上一篇：全区安全生产工作会议召开
下一篇：区领导调研重点项目建设
版权所有：某某区人民政府办公室
"""


def test_government_portal_page_keeps_only_the_speech(assert_exact_spans):
    speech = parse_text(PORTAL, "yshj")
    assert speech.title == "在全区优化营商环境工作推进会上的讲话"
    assert [p.text for p in speech.paragraphs] == PORTAL.splitlines()[5:11]
    for chrome in ("首页", "字号", "打印", "收藏", "发布时间", "相关链接", "十条措施", "上一篇", "下一篇", "版权所有"):
        assert chrome not in speech.text
    assert [(s.path, s.title) for s in speech.walk_sections()] == [
        (("一",), "坚持“两统一、一体化”工作思路"), (("二",), "抓好重点任务落实")]
    assert_exact_spans(speech)


def test_seed_page_chrome_and_second_title_are_dropped(seed_path):
    raw = seed_path.read_text(encoding="utf-8")
    cleaned = clean(raw)
    assert cleaned.wrapped
    assert cleaned.text.startswith("在2025年全市巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作会议上的讲话\n同志们：\n今天，")
    assert raw_of(cleaned, raw, 0, 4) == "在202"                   # the first copy, on its own line
    assert raw.index("在2025年") == cleaned.offsets[0]


# -- Wikisource and news-site shapes ------------------------------------------------


SEED_TITLE = "在2025年全市巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作会议上的讲话"


@pytest.mark.parametrize("shape", ["flattened", "font widgets", "font widgets flattened", "glued"])
def test_site_chrome_leaves_the_title_when_line_breaks_were_lost(seed_path, shape, assert_exact_spans):
    """The seed page with its line breaks turned into spaces, and with a reader's font
    widgets (全屏 加大 还原 减小) before it: the chrome goes from the title as from the body."""
    raw = seed_path.read_text(encoding="utf-8")
    if "widgets" in shape:
        raw = "全屏 加大 还原 减小\n" + raw
    if "flattened" in shape:
        raw = " ".join(raw.split("\n"))
    if shape == "glued":                    # 购物车我的足迹在2025年…的讲话加入Vip免费下载 立即下载在2025年…
        raw = "".join(raw.split("\n"))
    speech = parse_text(raw, "seed")
    assert speech.title == SEED_TITLE
    assert speech.paragraphs[0].text == "同志们："
    head = speech.text[:speech.paragraphs[1].span.start]
    for chrome in ("全屏", "加大", "还原", "减小", "购物车", "我的足迹", "Vip", "立即下载"):
        assert chrome not in speech.title and chrome not in head
    assert_exact_spans(speech)

WIKISOURCE = (
    "政府工作报告\n\n\n\n——2024年1月20日在某某市第十六届人民代表大会第四次会议上\n\n\n市长\u3000\n王\u200b明\n\n\n"
    "各位代表：\n\n"
    "\u3000\u3000现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协委员提出意见。\n\n"
    "\u3000\u3000一、2023年工作回顾\n\n"
    "\u3000\u3000过去一年，全市地区生产总值增长5.8%，一般公共预算收入增长\u200b7.2%。\n\n"
    "\u3000\u3000（一）经济运行持续向好。固定资产投资增长4.1%。\n\n"
    "\u3000\u3000二、2024年主要目标任务\n\n"
    "\u3000\u3000今年全市经济社会发展的主要预期目标是：地区生产总值增长6%左右，城镇新增就业5万人以上。\n"
)


def test_wikisource_style_report(assert_exact_spans):
    speech = parse_text(WIKISOURCE, "zfgzbg")
    assert speech.title == "政府工作报告"
    assert speech.meta.date == "2024-01-20"
    assert speech.meta.salutation == "各位代表"
    body = [p for p in speech.paragraphs if p.kind not in ("front", "salutation")]
    assert [p.text for p in body] == [
        "现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协委员提出意见。",
        "一、2023年工作回顾",
        "过去一年，全市地区生产总值增长5.8%，一般公共预算收入增长7.2%。",
        "（一）经济运行持续向好。固定资产投资增长4.1%。",
        "二、2024年主要目标任务",
        "今年全市经济社会发展的主要预期目标是：地区生产总值增长6%左右，城镇新增就业5万人以上。",
    ]
    assert [(s.path, s.title) for s in speech.walk_sections()] == [
        (("一",), "2023年工作回顾"), (("一", "（一）"), "经济运行持续向好"), (("二",), "2024年主要目标任务")]
    assert "\u200b" not in speech.text and "\u3000" not in speech.text
    assert_exact_spans(speech)


NEWS = (
    "\u3000\u3000新华社北京3月5日电　3月5日上午，国家主席习近平在参加江苏代表团审议时强调，要牢牢把握高质量发展这个首要任务。"
    "\u3000\u3000习近平指出，江苏经济基础好、科教资源丰富，要在推进科技自立自强上走在前列。"
    "\u3000\u3000习近平强调，必须坚持以人民为中心的发展思想，决不能把“发展”简单理解为“增长”。"
)


def test_news_scrape_paragraphs_marked_only_by_ideographic_spaces(assert_exact_spans):
    speech = parse_text(NEWS, "xh")
    assert [p.text for p in speech.paragraphs] == [
        "新华社北京3月5日电3月5日上午，国家主席习近平在参加江苏代表团审议时强调，要牢牢把握高质量发展这个首要任务。",
        "习近平指出，江苏经济基础好、科教资源丰富，要在推进科技自立自强上走在前列。",
        "习近平强调，必须坚持以人民为中心的发展思想，决不能把“发展”简单理解为“增长”。",
    ]
    assert_exact_spans(speech)


def test_photo_caption_line_is_dropped():
    raw = ("在全县春耕生产工作会议上的讲话\n同志们：\n今年春耕生产形势总体较好。\n"
           "新华社记者 李学仁 摄\n各乡镇要严禁撂荒耕地。\n")
    speech = parse_text(raw)
    assert [p.text for p in speech.paragraphs] == ["同志们：", "今年春耕生产形势总体较好。", "各乡镇要严禁撂荒耕地。"]
    assert "摄" not in speech.text and "李学仁" not in speech.text


def test_photo_caption_between_ideographic_space_paragraphs_keeps_the_break():
    raw = ("\u3000\u3000习近平指出，江苏经济基础好、科教资源丰富，要在推进科技自立自强上走在前列。"
           "\u3000\u3000新华社记者 李学仁 摄"
           "\u3000\u3000习近平强调，必须坚持以人民为中心的发展思想，决不能把“发展”简单理解为“增长”。")
    speech = parse_text(raw)
    assert "李学仁" not in speech.text
    assert [p.text for p in speech.paragraphs] == [
        "习近平指出，江苏经济基础好、科教资源丰富，要在推进科技自立自强上走在前列。",
        "习近平强调，必须坚持以人民为中心的发展思想，决不能把“发展”简单理解为“增长”。",
    ]


def test_glossary_notes_after_the_speech_are_not_speech():
    raw = ("在全区优化营商环境工作推进会上的讲话\n同志们：\n各部门要持续深化“放管服”改革，严禁设置隐性门槛。\n"
           "要坚持“两个毫不动摇”〔1〕，依法保护民营企业产权和企业家权益。\n注释\n"
           "〔1〕两个毫不动摇：毫不动摇巩固和发展公有制经济，毫不动摇鼓励、支持、引导非公有制经济发展。\n")
    speech = parse_text(raw)
    assert speech.paragraphs[-1].text == "要坚持“两个毫不动摇”〔1〕，依法保护民营企业产权和企业家权益。"


# -- linear time on one-line speeches -------------------------------------------------

def test_straight_quotes_are_found_once_per_line_from_its_start():
    """The quote pass matches whole lines holding a straight quote, and only from a line's
    start: a pattern that may start anywhere retries from every character of a long line
    without quotes (a flattened speech: quadratic). benchmarks/ingest_benchmark.py shows the scaling."""
    from pipeline.clean import _QUOTED_LINE

    text = '今年要坚持"两山"理念。\n全市粮食产量稳定。\n推进"放管服"改革'
    assert [m.group(0) for m in _QUOTED_LINE.finditer(text)] == ['今年要坚持"两山"理念。', '推进"放管服"改革']
    assert _QUOTED_LINE.match(text, 3) is None              # mid-line: no attempt from here
    assert _QUOTED_LINE.search("全市粮食产量稳定。" * 200) is None
    assert clean(text).text == "今年要坚持“两山”理念。\n全市粮食产量稳定。\n推进“放管服”改革"


# -- space-joined one-line documents ----------------------------------------------------

def test_paragraph_spaces_become_breaks_that_map_to_the_spaces():
    raw = ("关于做好高温天气劳动保护工作的紧急通知 各区人力资源社会保障局，各有关企业：\u3000"
           "近期我市持续出现高温天气，各用人单位要合理调整作息时间。 一、落实防暑降温措施 "
           "（一）停止高温时段室外作业。日最高气温达到40℃以上的，应当停止当日室外露天作业。")
    cleaned = clean(raw)
    assert not cleaned.wrapped
    assert cleaned.text.split("\n") == [
        "关于做好高温天气劳动保护工作的紧急通知", "各区人力资源社会保障局，各有关企业：",
        "近期我市持续出现高温天气，各用人单位要合理调整作息时间。", "一、落实防暑降温措施",
        "（一）停止高温时段室外作业。日最高气温达到40℃以上的，应当停止当日室外露天作业。"]
    breaks = [cleaned.offsets[i] for i, ch in enumerate(cleaned.text) if ch == "\n"]
    assert [raw[o] for o in breaks] == [" ", "\u3000", " ", " "]
    assert list(cleaned.offsets) == sorted(cleaned.offsets)


# -- hard line breaks inside a phrase (Wikisource: a subscript or a link on its own line) ----

def test_subscript_on_its_own_line_stays_inside_its_sentence():
    """The 2015 work report as Wikisource gives it: M₂'s subscript on a line of its own."""
    raw = ("继续实行结构性减税和普遍性降费，进一步减轻企业特别是小微企业负担。\n\n"
           "稳健的货币政策要松紧适度。广义货币M\n2\n预期增长12%左右，在实际执行中，根据经济发展需要，也可以略高些。\n\n"
           "加强和改善宏观审慎管理。")
    speech = parse_text(raw, "r2015")
    assert [p.text for p in speech.paragraphs] == [
        "继续实行结构性减税和普遍性降费，进一步减轻企业特别是小微企业负担。",
        "稳健的货币政策要松紧适度。广义货币M2预期增长12%左右，在实际执行中，根据经济发展需要，也可以略高些。",
        "加强和改善宏观审慎管理。"]
    assert "广义货币M2预期增长12%左右，在实际执行中，根据经济发展需要，也可以略高些。" in [s.text for s in speech.sentences]
    assert "2" not in [s.text for s in speech.sentences]
    cleaned = clean(raw)
    m2 = cleaned.text.index("M2")
    assert raw_of(cleaned, raw, m2, m2 + 2) == "M\n2"      # the clean characters still point at the raw ones


def test_link_words_on_their_own_lines_rejoin_and_a_zero_width_line_is_no_paragraph():
    """2017 (links on lines of their own after a sentence) and 2021 (a line holding only U+200B mid-word)."""
    raw = ("过去一年，全国各族人民迎难而上，砥砺前行，推动经济社会持续健康发展。\n党的十八届六中全会\n正式明确\n习近平\n"
           "总书记的核心地位，体现了党和人民的根本利益。\n\n"
           "过去一年，在新中国历史上极不平凡。决胜全面建成小康社会取得决定性成就，交出一份人\n\u200b\n"
           "民满意、世界瞩目、可以载入史册的答卷。\n\n"
           "一是围绕市场主体的急需制定和实施宏观政策，稳住了经济基本盘。\n面对历史罕见的冲击，我们明确提出“六保”任务。")
    assert clean(raw).text.split("\n") == [
        "过去一年，全国各族人民迎难而上，砥砺前行，推动经济社会持续健康发展。",
        "党的十八届六中全会正式明确习近平总书记的核心地位，体现了党和人民的根本利益。",
        "过去一年，在新中国历史上极不平凡。决胜全面建成小康社会取得决定性成就，交出一份人民满意、世界瞩目、可以载入史册的答卷。",
        "一是围绕市场主体的急需制定和实施宏观政策，稳住了经济基本盘。",       # a line after a sentence end still breaks
        "面对历史罕见的冲击，我们明确提出“六保”任务。"]


def test_a_heading_line_and_front_lines_keep_their_breaks():
    raw = ("在全县春耕生产工作会议上的讲话\n同志们：\n今年春耕生产形势总体较好。\n一、抓好粮食生产\n"
           "各乡镇要严禁撂荒耕地，\n确保粮食播种面积稳定。\n")
    assert clean(raw).text.split("\n") == [
        "在全县春耕生产工作会议上的讲话", "同志们：", "今年春耕生产形势总体较好。", "一、抓好粮食生产",
        "各乡镇要严禁撂荒耕地，确保粮食播种面积稳定。"]


def test_a_list_marker_alone_on_its_line_numbers_the_next_line():
    """The 2002 work report on Wikisource: 一是 / 二是 on lines of their own, each item on the next."""
    raw = ("今年要在已有工作基础上，以增强国际竞争力为核心，重点抓好以下几个方面：\n\n\u3000\u3000\n一是\n"
           "按照法制统一、非歧视、公开透明的原则，抓紧完善涉外经济法律法规体系。\n\n\u3000\u3000\n二是\n"
           "按照加入世贸组织的承诺，有步骤地扩大对外开放领域。\n")
    assert clean(raw).text.split("\n") == [
        "今年要在已有工作基础上，以增强国际竞争力为核心，重点抓好以下几个方面：",
        "一是按照法制统一、非歧视、公开透明的原则，抓紧完善涉外经济法律法规体系。",
        "二是按照加入世贸组织的承诺，有步骤地扩大对外开放领域。"]


# The licence boxes Wikisource puts after the texts of ../shared/corpus, as they arrive
# (their links break them into lines): the NPC resolutions' and a congress report's.
_NPC_FOOTER = ("\n\n\n\n本作品来自中华人民共和国全国人民代表大会及其常务委员会的决定、决议。依据《\n中华人民共和国著作权法\n"
               "》第五条，本作品不适用于该法，所以属于\n公有领域\n。\n\n\n\n本模板所指的决定包括由中华人民共和国主席令公布的"
               "修改或废止法律的决定。\n\n\n\nPublic domain\nPublic domain\nfalse\nfalse")
_OLD_FOOTER = ("\n这部作品在1931年1月1日以前以匿名或別名發表，確實作者身份不明（包括僅以法人名義發表），在美國以及版權期限是"
               "匿名別名作品發表起95年以下的國家以及地区（包括新加坡、加拿大、韓國、新西蘭、兩岸四地、馬來西亞）屬於公有領域。")
_RESOLUTION = ("第十二届全国人民代表大会第二次会议关于政府工作报告的决议\n\n第十二届全国人民代表大会第二次会议听取和审议了"
               "国务院总理李克强所作的政府工作报告。会议充分肯定国务院过去一年的工作，同意报告提出的2014年工作总体部署、"
               "目标任务和重点工作，决定批准这个报告。\n\n会议号召，全国各族人民紧密团结在以习近平同志为总书记的党中央周围，"
               "齐心协力，锐意进取，扎实工作，为实现中华民族伟大复兴的中国梦而努力奋斗！")


@pytest.mark.parametrize("footer", [_NPC_FOOTER, _OLD_FOOTER], ids=["npc-resolution", "congress-report"])
def test_a_wikisource_licence_box_after_the_text_is_dropped_to_the_end(footer):
    cleaned = clean(_RESOLUTION + footer)
    assert cleaned.text.endswith("而努力奋斗！")
    assert cleaned.text == clean(_RESOLUTION).text


def test_a_speech_sentence_about_a_work_is_no_licence_box():
    text = _RESOLUTION + "\n\n这部作品在群众中反响很好，要总结经验，推出更多精品力作。"
    assert clean(text).text.endswith("推出更多精品力作。")
