"""structure: title, salutation, the section tree, paragraphs and sentences.

The seed is the reference: a scraped 工作会议讲话 whose text arrived as one
hard-wrapped line. The other examples are snippets written in the shapes the
pipeline meets in the wild (line per paragraph, wrapped PDF text, several
heading styles).
"""

from __future__ import annotations

import re

import pytest

import space_joined
from conftest import spelled
from pipeline import parse_text

SEED_TITLE = "在2025年全市巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作会议上的讲话"

# Checked by hand against seeds/000_dbe0c8ca6deedb3a.txt (there with half-width
# punctuation: "一、深化认识、提升站位,切实增强…", "(一)收官之年,更是…").
SEED_TREE = [
    (("一",), "深化认识、提升站位，切实增强打好收官战的责任感紧迫感"),
    (("一", "（一）"), "收官之年，更是考验之年、检验之年"),
    (("一", "（二）"), "巩固成果与乡村振兴，是密不可分、一体推进的“一盘棋”"),
    (("一", "（三）"), "推进乡村振兴，核心在于富民增收，要害在于产业和就业"),
    (("一", "（四）"), "推进乡村振兴，必须深刻把握城乡关系演变的大势"),
    (("一", "（五）"), "推进乡村振兴，必须坚持集中连片、整体提升"),
    (("二",), "聚焦关键、精准发力，坚决筑牢不发生规模性返贫底线并全力提升乡村振兴质效"),
    (("二", "（一）"), "坚决守牢不发生规模性返贫底线，这是政治红线，不容有失"),
    (("二", "（二）"), "全力抓好农村公路建设这项民心工程、发展工程"),
]


def outline_of(speech) -> list[tuple[tuple[str, ...], str]]:
    return [(s.path, s.title) for s in speech.walk_sections()]


def assert_each_heading_starts_a_paragraph(speech) -> None:
    """Every heading opens a paragraph, and no paragraph runs on into the next heading."""
    starts = {s.heading_span.start for s in speech.walk_sections()}
    assert starts <= {p.span.start for p in speech.paragraphs}
    for paragraph in speech.paragraphs:
        assert not [h for h in starts if paragraph.span.start < h < paragraph.span.end], paragraph.text


# -- the seed ------------------------------------------------------------------

def test_seed_has_no_site_chrome_and_no_wrap_spaces(seed_speech):
    for chrome in ("购物车", "我的足迹", "加入Vip免费下载", "立即下载", "Vip"):
        assert chrome not in seed_speech.text
    assert not re.search(r"[\u4e00-\u9fff][ \t\u3000\u00a0]+[\u4e00-\u9fff]", seed_speech.text)
    # the page printed the title twice; the clean text keeps it once
    assert seed_speech.text.count(SEED_TITLE) == 1
    assert "目的非常明确" in seed_speech.text          # raw: "目 的非常明确" (a wrap inside a word)


def test_seed_title_salutation_and_meta(seed_speech):
    assert seed_speech.title == SEED_TITLE
    assert seed_speech.text[seed_speech.title_span.start:seed_speech.title_span.end] == SEED_TITLE
    assert seed_speech.meta.salutation == "同志们"
    first = seed_speech.paragraphs[0]
    assert (first.kind, first.text) == ("salutation", "同志们：")
    meta = seed_speech.meta
    assert (meta.year, meta.level, meta.kind, meta.format, meta.encoding) == (2025, "全市", "讲话", "txt", "utf-8")
    assert meta.meeting.endswith("全市巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作会议")


def test_seed_section_tree(seed_speech):
    one, two = seed_speech.sections
    assert [c.label for c in one.children] == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert [c.label for c in two.children] == ["（一）", "（二）"]
    assert outline_of(seed_speech) == SEED_TREE
    assert (one.level, one.children[0].level) == (1, 2)
    assert seed_speech.section(("二", "（一）")).paragraph_numbers == (12,)
    # sections nest and follow each other in reading order
    for section in seed_speech.walk_sections():
        for child in section.children:
            assert child.span in section.span
    assert one.span.end <= two.span.start


def test_seed_paragraphs(seed_speech):
    kinds = [(p.number, p.kind, "".join(p.section_path)) for p in seed_speech.paragraphs]
    assert kinds == [
        (1, "salutation", ""), (2, "body", ""), (3, "heading", "一"), (4, "body", "一"),
        (5, "body", "一（一）"), (6, "body", "一（二）"), (7, "body", "一（三）"), (8, "body", "一（四）"),
        (9, "body", "一（五）"), (10, "heading", "二"), (11, "body", "二"), (12, "body", "二（一）"),
        (13, "body", "二（二）"),
    ]
    assert seed_speech.paragraph(2).text.endswith("下面，我结合近期的调研思考和学习体会，讲三点意见。")
    assert seed_speech.paragraph(4).text.endswith("必须深刻认识到：")


def test_seed_every_unit_quotes_its_span_and_its_raw_span(seed_speech, assert_exact_spans):
    assert len(seed_speech.sentences) > 60
    assert_exact_spans(seed_speech)


def test_seed_raw_span_of_a_sentence_is_the_original_characters(seed_speech):
    sentence = next(s for s in seed_speech.sentences if s.text.startswith("今天，我们召开"))
    raw = seed_speech.to_raw(sentence.span)
    original = seed_speech.raw_text[raw.start:raw.end]
    assert original.startswith("今天,我们召开全市巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作会议,目 的非常明确")
    assert spelled(original) == spelled(sentence.text)


def test_seed_ends_truncated(seed_speech):
    last = seed_speech.paragraphs[-1]
    assert last.truncated and seed_speech.meta.truncated
    assert last.text.endswith("管护要长效常态。“重建轻管”是顽疾。要健全“路")
    assert seed_speech.sentences[-1].truncated and seed_speech.sentences[-1].text == "要健全“路"
    assert not any(p.truncated for p in seed_speech.paragraphs[:-1])


def test_seed_citation_of_a_sentence(seed_speech):
    sentence = next(s for s in seed_speech.sentences if s.text == "监测要更灵敏。")
    start = seed_speech.text.index("监测要更灵敏。")
    citation = seed_speech.citation(sentence)
    assert str(citation) == f"《{SEED_TITLE}》二（一） ¶12 [{start}:{start + 7}]"
    assert citation.label() == "二（一）¶12"
    assert citation.text == "监测要更灵敏。"
    assert seed_speech.raw_text[citation.raw_start:citation.raw_end] == "监测要更灵敏。"


def test_seed_citation_of_a_span_inside_a_paragraph(seed_speech):
    from pipeline import Span

    start = seed_speech.text.index("路通百业兴")
    citation = seed_speech.citation(Span(start, start + 5))
    assert (citation.section_path, citation.paragraph, citation.text) == (("二", "（二）"), 13, "路通百业兴")
    with pytest.raises(ValueError):
        seed_speech.citation(Span(0, len(seed_speech.text)))    # spans many paragraphs


# -- one paragraph per line, every heading style --------------------------------

GRASSROOTS = """关于进一步加强基层治理工作的讲话
同志们：
今天这次会议，主要是研究部署全市基层治理工作。
一、关于基层治理的总体要求
坚持党建引领，推动治理重心下移、资源下沉，实现政治、自治、法治、德治、智治“五治”融合。
（一）加强组织建设
要选优配强村（社区）党组织书记。
1.健全组织体系
推动网格党支部全覆盖。
（1）划细划小网格
每个网格配备一名专职网格员。
（2）明确网格职责
网格员要做到情况明、底数清。
2.完善工作机制
建立“街乡吹哨、部门报到”机制。
（二）提升服务能力
第一，推进服务事项下沉。把与群众密切相关的事项全部下放到街道。
第二，加强队伍建设。要加强社区工作者队伍建设。
二、关于几项重点工作
当前要重点抓好三件事：一是抓好疫情防控，二是抓好安全生产，三是抓好信访稳定。
要坚持两统一、一体化推进，确保各项工作落地见效。
"""


def test_line_per_paragraph_with_all_heading_styles(assert_exact_spans):
    speech = parse_text(GRASSROOTS, "jcz")
    assert speech.title == "关于进一步加强基层治理工作的讲话"
    assert [p.text for p in speech.paragraphs] == GRASSROOTS.splitlines()[1:]
    assert outline_of(speech) == [
        (("一",), "关于基层治理的总体要求"),
        (("一", "（一）"), "加强组织建设"),
        (("一", "（一）", "1."), "健全组织体系"),
        (("一", "（一）", "1.", "（1）"), "划细划小网格"),
        (("一", "（一）", "1.", "（2）"), "明确网格职责"),
        (("一", "（一）", "2."), "完善工作机制"),
        (("一", "（二）"), "提升服务能力"),
        (("一", "（二）", "第一"), "推进服务事项下沉"),
        (("一", "（二）", "第二"), "加强队伍建设"),
        (("二",), "关于几项重点工作"),
    ]
    assert [s.level for s in speech.walk_sections()][:5] == [1, 2, 3, 4, 4]
    assert_exact_spans(speech)


def test_run_in_heading_is_the_first_sentence_of_its_paragraph():
    speech = parse_text(GRASSROOTS, "jcz")
    paragraph = next(p for p in speech.paragraphs if p.text.startswith("第一，"))
    first, second = speech.sentences_in(paragraph)
    assert (first.kind, first.text) == ("heading", "第一，推进服务事项下沉。")
    assert (second.kind, second.text) == ("statement", "把与群众密切相关的事项全部下放到街道。")
    assert paragraph.kind == "body" and paragraph.section_path == ("一", "（二）", "第一")


def test_enumeration_inside_a_sentence_is_no_heading():
    speech = parse_text(GRASSROOTS, "jcz")
    last_two = speech.paragraphs[-2:]
    # …一是…二是…三是… is a run-in list, and 两统一、一体化 a numeral with 、 inside a sentence
    assert [(p.kind, p.section_path) for p in last_two] == [("body", ("二",)), ("body", ("二",))]
    assert speech.sections[-1].children == ()


def test_yishi_erShi_lines_are_a_list_not_sections():
    speech = parse_text(
        "在全镇秋粮收购工作会议上的讲话\n同志们：\n今年秋粮收购工作要抓好三件事。\n"
        "一是抓好收购资金保障。\n二是抓好仓容准备。\n三是抓好市场监管。\n"
    )
    assert speech.sections == ()
    assert [p.text for p in speech.paragraphs[-3:]] == ["一是抓好收购资金保障。", "二是抓好仓容准备。", "三是抓好市场监管。"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            "关于做好当前防汛工作的几点意见\n第一，压实防汛责任。各乡镇要落实包保责任制。\n"
            "第二，加强监测预警。气象部门要加密预报频次。\n第三，做好应急准备。各部门要备足物资。\n",
            [(("第一",), "压实防汛责任"), (("第二",), "加强监测预警"), (("第三",), "做好应急准备")],
        ),
        (
            "在全区河长制工作会议上的讲话\n同志们：\n今年以来，全区河湖面貌持续改善。\n1.强化巡河责任\n"
            "各级河长要按要求开展巡河。\n2.加强执法监管\n严禁非法采砂。\n（1）开展专项整治\n"
            "水利部门要牵头开展专项整治。\n（2）建立长效机制\n要完善河湖管护长效机制。\n",
            [(("1.",), "强化巡河责任"), (("2.",), "加强执法监管"), (("2.", "（1）"), "开展专项整治"),
             (("2.", "（2）"), "建立长效机制")],
        ),
        (
            "(一)关于产业发展\n要做大做强特色产业。\n(二)关于人才支撑\n要加强乡村人才队伍建设。\n",
            [(("（一）",), "关于产业发展"), (("（二）",), "关于人才支撑")],
        ),
    ],
    ids=["diyi-ordinal", "arabic-1.-and-(1)", "half-width-(yi)"],
)
def test_documents_that_start_below_yi(raw, expected):
    """The tree starts at whatever style the speech starts with."""
    speech = parse_text(raw)
    assert outline_of(speech) == expected
    assert all(s.level == len(s.path) for s in speech.walk_sections())


# -- hard-wrapped text: paragraphs rebuilt ---------------------------------------

def wrap(paragraphs: list[str], width: int = 36) -> str:
    """Flatten paragraphs the way the seed arrived: fixed-width line pieces joined by one space."""
    pieces = [p[i:i + width] for p in paragraphs for i in range(0, len(p), width)]
    return " ".join(pieces)


SAFETY = [
    "在全县安全生产工作会议上的讲话",
    "同志们:",
    "今天,我们召开全县安全生产工作会议,主要任务是深入贯彻上级关于安全生产的决策部署,总结去年工作,"
    "分析当前形势,安排今年任务。下面,我讲两点意见。",
    "一、清醒认识当前安全生产形势的严峻性复杂性",
    # exactly two full lines: its last line is full width and still ends the paragraph
    "去年以来,全县各级各部门坚持人民至上、生命至上,安全生产形势总体平稳。但也要看到,一些行业领域隐患仍然突出,"
    "个别企业安全生产主体责任落实不到位。",
    "二、全力抓好今年安全生产各项重点工作",
    "(一)压紧压实安全生产责任。",
    "第一,落实党政领导责任。各乡镇党委和政府主要负责同志是本地区安全生产第一责任人,要亲自研究部署,"
    "切实把责任落实到岗位、落实到人头。",
    "第二,落实部门监管责任。按照管行业必须管安全、管业务必须管安全、管生产经营必须管安全的要求,"
    "各行业部门要严格履行监管职责,严禁推诿扯皮。",
    "(二)深入开展重点行业领域专项整治。要聚焦道路交通、建筑施工、危险化学品、燃气、消防等重点领域,"
    "确保年底前重大隐患全部整改到位。",
]


def test_wrapped_text_gets_its_paragraphs_back(assert_exact_spans):
    assert len(SAFETY[4]) == 72
    raw = wrap(SAFETY)
    assert "\n" not in raw and " 决策部署" in raw         # a wrap that splits a phrase
    speech = parse_text(raw, "aq")
    assert speech.title == "在全县安全生产工作会议上的讲话"
    assert speech.meta.salutation == "同志们"
    expected = [spelled(p) for p in SAFETY[1:]]
    assert [p.text for p in speech.paragraphs] == expected
    assert [p.kind for p in speech.paragraphs] == [
        "salutation", "body", "heading", "body", "heading", "heading", "body", "body", "body"]
    assert outline_of(speech) == [
        (("一",), "清醒认识当前安全生产形势的严峻性复杂性"),
        (("二",), "全力抓好今年安全生产各项重点工作"),
        (("二", "（一）"), "压紧压实安全生产责任"),
        (("二", "（一）", "第一"), "落实党政领导责任"),
        (("二", "（一）", "第二"), "落实部门监管责任"),
        (("二", "（二）"), "深入开展重点行业领域专项整治"),
    ]
    assert_exact_spans(speech)


def test_each_heading_starts_a_unit_and_no_paragraph_spans_two(seed_speech):
    for speech in (seed_speech, parse_text(wrap(SAFETY), "aq"), parse_text(GRASSROOTS, "jcz")):
        assert_each_heading_starts_a_paragraph(speech)


# -- space-joined one-line documents (scraped records) ----------------------------------

@pytest.mark.parametrize("doc", space_joined.DOCS, ids=[d.id for d in space_joined.DOCS])
def test_space_joined_document_gets_title_and_paragraphs_back(doc, assert_exact_spans):
    raw = doc.joined()
    assert "\n" not in raw
    speech = parse_text(raw, doc.id)
    assert speech.title == doc.title
    assert [p.text for p in speech.paragraphs] == list(doc.paragraphs)
    for paragraph in speech.paragraphs:      # nothing normalised here: the raw span is the paragraph itself
        raw_span = speech.to_raw(paragraph.span)
        assert raw[raw_span.start:raw_span.end] == paragraph.text
    assert_exact_spans(speech)
    assert_each_heading_starts_a_paragraph(speech)


def test_space_joined_notice_has_its_section_tree():
    speech = parse_text(space_joined.SPRING_FARMING.joined(), "cgtz")
    assert outline_of(speech) == [
        (("一",), "稳定粮食播种面积"),
        (("一", "（一）"), "压实粮食生产责任"),
        (("一", "（二）"), "坚决遏制耕地撂荒"),
        (("二",), "抓好农资保供稳价"),
        (("三",), "强化农业防灾减灾"),
        (("三", "（一）"), "加强监测预警"),
        (("三", "（二）"), "落实防范措施"),
    ]
    assert [p.kind for p in speech.paragraphs[2:6]] == ["heading", "body", "body", "heading"]


def test_space_joined_headings_without_punctuation_each_start_a_paragraph():
    speech = parse_text(space_joined.POVERTY_PLAN.joined(), "tpyd")
    assert outline_of(speech)[:3] == [
        (("一",), "守牢不发生规模性返贫底线"),
        (("一", "（一）"), "完善防止返贫监测帮扶机制"),
        (("一", "（二）"), "落实“三保障”和饮水安全"),
    ]
    body = speech.paragraphs[3]
    assert body.kind == "body" and body.section_path == ("一", "（一）") and body.text.startswith("各乡镇要健全")


def test_faq_joined_by_full_width_spaces_keeps_question_and_answer_apart():
    speech = parse_text(space_joined.RESUMPTION_FAQ.joined(), "fgwd")
    questions = [p.text for p in speech.paragraphs if p.text.startswith("问：")]
    answers = [p.text for p in speech.paragraphs if p.text.startswith("答：")]
    assert questions[0] == "问：企业复工前需要办理哪些手续？"
    assert len(questions) == len(answers) == 4 and all(q.endswith("？") for q in questions)
    assert "\u3000" not in speech.text


def test_stray_space_inside_a_space_joined_paragraph_is_dropped():
    doc = space_joined.SPRING_FARMING
    raw = doc.joined().replace("做好春季农业生产工作，", "做好春季 农业生产工作，")
    speech = parse_text(raw, "cgtz")
    assert [p.text for p in speech.paragraphs] == list(doc.paragraphs)


def test_the_same_document_wrapped_like_a_pdf_comes_back_the_same():
    """Wrap spaces (a regular line width, mid-sentence) and paragraph spaces (after a
    sentence end, around headings) are told apart: both shapes give the same paragraphs."""
    doc = space_joined.POVERTY_PLAN
    raw = wrap([doc.title, *doc.paragraphs])
    assert "机制，对 监测对象" in raw and "要达到6 0%" in raw          # wraps mid-sentence, mid-number
    wrapped = parse_text(raw, "tpyd")
    assert wrapped.title == doc.title
    assert [p.text for p in wrapped.paragraphs] == list(doc.paragraphs)


def test_wrapped_title_a_little_short_of_full_width_is_not_glued_to_the_text():
    doc = space_joined.SILVER_ECONOMY
    assert len(doc.title) == 32                                # 0.89 of the 36-character line
    speech = parse_text(wrap([doc.title, *doc.paragraphs]), "yfjj")
    assert speech.title == doc.title
    assert [p.text for p in speech.paragraphs] == list(doc.paragraphs)


def test_sentence_end_before_a_heading_breaks_in_a_line_per_paragraph_text():
    speech = parse_text("在全县春耕生产工作会议上的讲话\n同志们：\n一、抓好春耕备耕\n"
                        "今年春耕生产形势总体较好。各乡镇要严禁撂荒耕地。 二、做好农资保障\n要加强化肥、种子储备。\n")
    assert [p.text for p in speech.paragraphs[2:]] == [
        "今年春耕生产形势总体较好。各乡镇要严禁撂荒耕地。", "二、做好农资保障", "要加强化肥、种子储备。"]
    assert outline_of(speech) == [(("一",), "抓好春耕备耕"), (("二",), "做好农资保障")]


# -- shapes that once broke (each test names it) ----------------------------------------

FLOOD = """在全县防汛抗旱工作会议上的讲话
同志们：
今年我县已经进入主汛期。
一、切实压紧压实防汛责任
各乡镇要落实防汛包保责任。
二、全面加强监测预警工作
气象部门要加密监测预报频次。
三、扎实做好应急抢险准备
各有关部门要备足防汛物资。
"""


def test_short_lines_of_similar_length_stay_one_paragraph_per_line():
    speech = parse_text(FLOOD)
    assert speech.title == "在全县防汛抗旱工作会议上的讲话"
    assert [p.text for p in speech.paragraphs] == FLOOD.splitlines()[1:]
    assert outline_of(speech) == [(("一",), "切实压紧压实防汛责任"), (("二",), "全面加强监测预警工作"),
                                  (("三",), "扎实做好应急抢险准备")]


def test_yi_er_xian_chengshi_is_no_heading():
    speech = parse_text(
        "关于房地产市场运行情况的报告\n今年以来，全省房地产市场运行总体平稳。\n"
        "一、二线城市房价总体稳定，三、四线城市库存压力较大。\n下一步，要因城施策，促进房地产市场平稳健康发展。\n"
    )
    assert speech.sections == ()
    assert [p.kind for p in speech.paragraphs] == ["body", "body", "body"]


def test_meta_place_is_not_a_level():
    speech = parse_text("在全县春耕生产工作会议上的讲话\n同志们：\n今年春耕生产形势总体较好。\n")
    assert (speech.meta.level, speech.meta.place) == ("全县", None)


# 一是…七是 that each open a paragraph and own the paragraphs after them (政府工作报告 2021, abridged)
WORK_REPORT_ITEMS = """一、2020年工作回顾
过去一年，在新中国历史上极不平凡。全年发展主要目标任务较好完成。
一年来，我们贯彻党中央决策部署，统筹推进疫情防控和经济社会发展，主要做了以下工作。
一是围绕市场主体的急需制定和实施宏观政策，稳住了经济基本盘。
面对历史罕见的冲击，我们在“六稳”工作基础上，明确提出“六保”任务。新增财政资金直接惠企利民。
二是优先稳就业保民生，人民生活得到切实保障。
就业是最大的民生。各地加大稳岗扩岗激励力度，企业和员工共同克服困难。
三是坚决打好三大攻坚战，主要目标任务如期完成。
较大幅度增加财政扶贫资金投入。对工作难度大的贫困县和贫困村挂牌督战。
二、“十三五”时期发展成就和“十四五”时期主要目标任务
过去五年，我国经济社会发展取得新的历史性成就。
"""


def test_work_report_items_that_open_paragraphs_are_sections():
    speech = parse_text(WORK_REPORT_ITEMS, "wr")
    one = speech.sections[0]
    assert [(c.path, c.title) for c in one.children] == [
        (("一", "一是"), "围绕市场主体的急需制定和实施宏观政策，稳住了经济基本盘"),
        (("一", "二是"), "优先稳就业保民生，人民生活得到切实保障"),
        (("一", "三是"), "坚决打好三大攻坚战，主要目标任务如期完成"),
    ]
    body = next(p for p in speech.paragraphs if p.text.startswith("就业是最大的民生"))
    assert body.section_path == ("一", "二是")
    intro = next(p for p in speech.paragraphs if p.text.startswith("一年来"))
    assert intro.section_path == ("一",)
    assert speech.sections[1].path == ("二",) and speech.sections[1].children == ()


# run-in items, one paragraph each, after which the speech goes on (2020-01-09 讲话, abridged)
RUN_IN_ITEMS = """同志们：
这次主题教育，总结历次党内集中教育经验，对新时代开展党内集中教育进行了新探索、积累了新经验。
一是聚焦主题、紧扣主线。针对新时代党的建设任务和党内存在的突出问题，确立“不忘初心、牢记使命”的主题。
二是以上率下、示范带动。中央政治局以“牢记初心使命、推进自我革命”为题进行集体学习。
三是有机融合、一体推进。这次主题教育有一个鲜明特点，就是不划阶段、不分环节。
在充分肯定成绩的同时，我们也要清醒看到存在的问题。
"""


def test_run_in_items_are_sections_and_the_speech_goes_on_after_the_last():
    speech = parse_text(RUN_IN_ITEMS, "zt")
    assert [(s.path, s.title) for s in speech.sections] == [
        (("一是",), "聚焦主题、紧扣主线"), (("二是",), "以上率下、示范带动"), (("三是",), "有机融合、一体推进")]
    first = speech.sentences_in(speech.paragraphs[2])
    assert (first[0].kind, first[0].text) == ("heading", "一是聚焦主题、紧扣主线。")
    assert first[1].section_path == ("一是",) and first[1].kind != "heading"
    assert speech.paragraphs[-1].section_path == ()


def test_items_inside_one_sentence_stay_a_list():
    speech = parse_text("今年要抓好三件事。\n一是抓好收购资金保障；二是抓好仓容准备；三是抓好市场监管。\n各乡镇要认真落实。\n", "list")
    assert speech.sections == ()


# unnumbered 关于… headings (中国共产党第十次全国代表大会上的报告, abridged)
TOPICS = """同志们！
我代表中央委员会向第十次全国代表大会作报告。主要内容是：关于九大路线，关于粉碎林彪反党集团的胜利，关于形势和任务。
关于九大路线
党的九大是在毛主席亲自发动和领导的无产阶级文化大革命取得了伟大胜利的时刻举行的。
关于粉碎林彪反党集团的胜利
关于粉碎林彪反党集团的斗争经过，林彪反党集团的罪行，全党、全军和全国人民都已经知道。
关于形势和任务
毛主席经常教导我们：我们仍然处在帝国主义和无产阶级革命的时代。
"""


def test_unnumbered_guanyu_headings_are_sections():
    speech = parse_text(TOPICS, "c10")
    assert [(s.path, s.level) for s in speech.sections] == [
        (("关于九大路线",), 1), (("关于粉碎林彪反党集团的胜利",), 1), (("关于形势和任务",), 1)]
    p = next(p for p in speech.paragraphs if p.text.startswith("毛主席经常教导我们"))
    assert p.section_path == ("关于形势和任务",)
    assert speech.paragraphs[1].section_path == ()      # the opening mentions them inside a sentence


def test_a_line_broken_around_a_book_title_is_no_topic_heading():
    # 政府工作报告 2005: a Wikisource link broke the line at 《…》
    speech = parse_text("认真贯彻落实国务院《\n关于鼓励支持和引导个体私营等非公有制经济发展的若干意见\n》，为非公有制企业创造平等竞争的法治环境。\n"
                        "第二段正文在这里继续说明有关工作的要求和安排。\n", "wr2005")
    assert speech.sections == ()


def test_topic_inside_a_numbered_section_nests_below_it():
    # 政府工作报告 1957: 关于… subtopics inside 二、, closed by 三、
    speech = parse_text("二、关于文教工作\n下面就教育改革和向科学进军两个问题讲一些意见。\n关于教育改革问题\n"
                        "一定的文化是一定社会的政治和经济在观念形态上的反映，教育工作也是这样。\n关于向科学进军\n"
                        "以往一年，在向科学进军的号召下，我国的科学研究工作有了新的发展。\n三、关于劳动就业问题\n"
                        "解放以来，经过逐年的努力，全国就业人数有了很大增加。\n", "wr1957")
    assert [s.path for s in speech.walk_sections()] == [
        ("二",), ("二", "关于教育改革问题"), ("二", "关于向科学进军"), ("三",)]


# -- the closing address -------------------------------------------------------------------

CLOSING = (   # the end of the 2020-03-06 speech on poverty alleviation (speeches_2020.csv), abridged
    "同志们：\u3000\u3000今天，我们召开决战决胜脱贫攻坚座谈会，目的是分析当前形势，凝心聚力打赢脱贫攻坚战。"
    "\u3000\u3000四、加强党对打赢脱贫攻坚战的领导"
    "\u3000\u3000“其作始也简，其将毕也必巨。”脱贫攻坚越到最后越要加强和改善党的领导。各级党委（党组）一定要履职尽责、不辱使命。"
    "\u3000\u3000脱贫攻坚不仅要做得好，而且要讲得好。要重点宣传党中央关于脱贫攻坚的决策部署。"
    "\u3000\u3000同志们！脱贫攻坚工作艰苦卓绝，收官之年又遭遇疫情影响，各项工作任务更重、要求更高。"
    "我们要不忘初心、牢记使命，坚定信心、顽强奋斗，夺取脱贫攻坚战全面胜利！"
)


def test_the_closing_address_belongs_to_the_speech_not_to_its_last_section():
    speech = parse_text(CLOSING, "tuopin")
    closing = speech.paragraphs[-1]
    assert closing.text.startswith("同志们！脱贫攻坚工作艰苦卓绝")
    assert closing.section_path == ()
    assert {s.section_path for s in speech.sentences if s.paragraph_number == closing.number} == {()}
    (last,) = speech.sections
    assert (last.path, last.paragraph_numbers) == (("四",), (closing.number - 3, closing.number - 2, closing.number - 1))
    assert last.span.end <= closing.span.start
    assert speech.citation(closing).label() == f"¶{closing.number}"


def test_an_address_inside_a_section_followed_by_more_headings_stays_there():
    text = ("一、坚持稳中求进\n各位代表！\n要加大宏观政策实施力度。\n二、扩大国内需求\n要着力扩大消费。\n")
    speech = parse_text(text, "report")
    assert [p.section_path for p in speech.paragraphs] == [("一",), ("一",), ("一",), ("二",), ("二",)]


def test_a_date_written_in_chinese_numerals_dates_the_speech():
    # the front matter as official PDFs print it: the date in Chinese numerals, 〇 for zero
    raw = ("政府工作报告\n\n——二〇二四年一月二十二日在河南省第十四届人民代表大会第二次会议上\n\n"
           "各位代表：\n\n现在，我代表省人民政府，向大会报告工作，请予审议。\n\n"
           "一、2023年工作回顾\n\n过去一年，全省地区生产总值增长4.1%。\n")
    meta = parse_text(raw).meta
    assert (meta.date, meta.year) == ("2024-01-22", 2024)
    # a date that is no day (十三月) is not taken for one; the year in the title still is
    raw = raw.replace("二〇二四年一月二十二日", "二〇二四年十三月二十二日").replace("政府工作报告", "二〇二四年政府工作报告", 1)
    meta = parse_text(raw).meta
    assert (meta.date, meta.year) == (None, 2024)


def test_a_national_congress_session_in_the_title_dates_the_resolution():
    # the NPC's older resolutions on the work report, as Wikisource has them: no date but
    # the session the title names (the 12th NPC's 4th session met in 2016)
    raw = ("第十二届全国人民代表大会第四次会议关于政府工作报告的决议\n\n"
           "第十二届全国人民代表大会第四次会议听取和审议了国务院总理李克强所作的政府工作报告。会议充分肯定国务院过去一年的工作，"
           "同意报告提出的“十三五”时期主要目标任务和重大举措，决定批准这个报告。\n")
    assert parse_text(raw).meta.year == 2016
    # a provincial congress's terms differ by province: its session names no year
    assert parse_text(raw.replace("全国人民代表大会", "河南省人民代表大会")).meta.year is None
