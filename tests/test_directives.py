"""directives: which sentences tell someone to do something, how strongly, who, and by how much."""

from __future__ import annotations

import pytest

from pipeline import Lexicon, parse_text


def sentence_with(speech, fragment: str):
    found = [s for s in speech.sentences if fragment in s.text]
    assert len(found) == 1, f"{fragment!r} in {len(found)} sentences"
    return found[0]


# -- the seed ------------------------------------------------------------------

def test_seed_income_target(seed_speech):
    s = sentence_with(seed_speech, "确保脱贫人口和监测对象人均纯收入增速继续高于全市农民平均水平")
    assert s.text == "今年，我们要确保脱贫人口和监测对象人均纯收入增速继续高于全市农民平均水平，这是硬指标。"
    assert (s.kind, s.strength) == ("target", "mandatory")
    assert "确保" in s.cues
    assert s.actors[:2] == ("脱贫人口", "监测对象")
    assert any("高于全市农民平均水平" in t for t in s.targets)
    assert "今年" in s.targets
    assert seed_speech.citation(s).label() == "一（三）¶7"


def test_seed_income_target_actors_are_only_who_must_act(seed_speech):
    # 农民 belongs to the measured comparison (高于全市农民平均水平), not to who must act
    s = sentence_with(seed_speech, "确保脱贫人口和监测对象人均纯收入增速继续高于全市农民平均水平")
    assert s.actors == ("脱贫人口", "监测对象")


@pytest.mark.parametrize(
    "fragment, cue",
    [
        ("我们的工作绝不能有“松口气、歇歇脚”的想法。", "绝不能"),
        ("这种倾向必须纠正。", "必须"),
        ("要严把工程质量关，绝不能出现“豆腐渣”工程。", "绝不能"),
        ("要坚决杜绝“一兜了之”和“政策养懒汉”的现象。", "杜绝"),
    ],
    ids=["juebuneng-you", "bixu-jiuzheng", "juebuneng-chuxian", "jianjue-dujue"],
)
def test_seed_mandatory_directives(seed_speech, fragment, cue):
    s = sentence_with(seed_speech, fragment)
    assert (s.kind, s.strength) == ("directive", "mandatory")
    assert cue in s.cues


def test_seed_advisory_directive_with_actors(seed_speech):
    s = sentence_with(seed_speech, "严格落实“四个不摘”要求")
    assert s.strength == "mandatory"                         # 严格
    assert s.actors == ("县乡", "行业部门", "驻村帮扶", "后方单位")
    s = sentence_with(seed_speech, "监测要更灵敏。")
    assert (s.kind, s.strength, s.cues) == ("directive", "advisory", ("要",))


def test_seed_zhongyao_and_yaohai_make_no_directive(seed_speech):
    assert sentence_with(seed_speech, "农村公路对群众出行、产业发展至关重要。").kind == "statement"
    assert sentence_with(seed_speech, "脱贫攻坚重要战场").kind == "statement"
    heading = sentence_with(seed_speech, "要害在于产业和就业")
    assert heading.kind == "heading" and heading.strength is None


def test_seed_headings_and_salutation_are_never_directives(seed_speech):
    for s in seed_speech.sentences:
        if s.kind in ("heading", "salutation"):
            assert (s.strength, s.cues, s.actors) == (None, (), ())
        if s.kind == "statement":
            assert (s.strength, s.cues, s.actors, s.targets) == (None, (), (), ())


# -- a snippet of one's own -------------------------------------------------------

VILLAGES = """在全县农村人居环境整治工作会议上的讲话
同志们：
去年全县农村居民人均可支配收入增长3%，增速高于全省平均水平。
严禁在河道内倾倒垃圾。
各乡镇不得以任何理由拖延整治进度。
在人居环境整治上，我们绝不能搞形式主义。
各村要把厕所革命作为重要民生工程来抓。
这项工作非常重要，关系群众切身利益。
要害问题在于长效管护机制不健全。
农村生活垃圾无害化处理率要达到90%以上。
村民理事会要发挥好监督作用。
"""


@pytest.fixture(scope="module")
def villages():
    return parse_text(VILLAGES, "rjhj")


@pytest.mark.parametrize(
    "text, cue, actors",
    [
        ("严禁在河道内倾倒垃圾。", "严禁", ()),
        ("各乡镇不得以任何理由拖延整治进度。", "不得", ("乡镇",)),
        ("在人居环境整治上，我们绝不能搞形式主义。", "绝不能", ()),
    ],
    ids=["yanjin", "bude", "juebuneng"],
)
def test_prohibitions_are_mandatory(villages, text, cue, actors):
    s = sentence_with(villages, text)
    assert (s.text, s.kind, s.strength, s.cues, s.actors) == (text, "directive", "mandatory", (cue,), actors)


def test_yao_is_advisory(villages):
    s = sentence_with(villages, "各村要把厕所革命作为重要民生工程来抓。")
    assert (s.kind, s.strength, s.cues) == ("directive", "advisory", ("要",))   # 重要 is not 要


def test_zhongyao_and_yaohai_alone_are_statements(villages):
    for text in ("这项工作非常重要，关系群众切身利益。", "要害问题在于长效管护机制不健全。"):
        s = sentence_with(villages, text)
        assert (s.kind, s.strength, s.cues) == ("statement", None, ())


def test_past_figure_stays_a_statement(villages):
    s = sentence_with(villages, "去年全县农村居民人均可支配收入增长3%")
    assert (s.kind, s.strength, s.targets) == ("statement", None, ())


def test_goal_with_a_figure_is_a_target(villages):
    s = sentence_with(villages, "无害化处理率要达到90%以上")
    assert (s.kind, s.strength, s.targets) == ("target", "advisory", ("达到90%以上",))


def test_user_actor_file_extends_the_actors(villages, tmp_path):
    assert sentence_with(villages, "村民理事会要发挥好监督作用。").actors == ()
    extra = tmp_path / "my_actors.txt"
    extra.write_text("# 本县自定义的责任主体\n村民理事会\n", encoding="utf-8")
    speech = parse_text(VILLAGES, "rjhj", lexicon=Lexicon.load(extra_actors=[extra]))
    s = sentence_with(speech, "村民理事会要发挥好监督作用。")
    assert (s.kind, s.strength, s.actors) == ("directive", "advisory", ("村民理事会",))
    # the bundled actors are still there
    assert sentence_with(speech, "各乡镇不得以任何理由拖延整治进度。").actors == ("乡镇",)


# -- traps: word boundaries, copulas, fixed terms, full-width figures ----------------

def test_yao_glued_to_a_verb_by_jieba_is_still_advisory():
    # jieba segments 要选|优配|强村: the cue must still be found
    s = parse_text("要选优配强村（社区）党组织书记。").sentences[0]
    assert (s.kind, s.strength) == ("directive", "advisory")


@pytest.mark.parametrize("text", ["发展是第一要务，人才是第一资源，创新是第一动力。", "优化营商环境是一项系统工程。"],
                         ids=["fazhan-shi-diyi-yaowu", "youhua-yingshang-huanjing-shi"])
def test_opening_verb_as_subject_of_shi_is_a_statement(text):
    # 发展/优化 open the sentence, but as the subject of 是: no order is given
    s = parse_text(text).sentences[0]
    assert (s.kind, s.strength) == ("statement", None)


def test_reported_figure_with_guimo_yishang_is_a_statement():
    # 规模以上 (above designated size) is a fixed term, not the goal word 以上
    speech = parse_text("一、2023年工作回顾\n（一）经济运行持续向好。规模以上工业增加值增长6.5%，固定资产投资增长4.1%。\n")
    s = sentence_with(speech, "规模以上工业增加值增长6.5%")
    assert (s.kind, s.targets) == ("statement", ())


def test_full_width_decimal_target_keeps_the_whole_number():
    # ５．２％: the full-width point belongs to the number
    s = parse_text("今年全市地区生产总值要增长５．２％以上。").sentences[0]
    assert s.kind == "target"
    assert any("5.2" in t.replace("．", ".") for t in s.targets), s.targets


# -- assessments: 必须/要 + a verb of seeing or knowing (看到, 认识到) orders nothing ----------

@pytest.mark.parametrize("text", [
    # from the CPC congress reports and the work reports
    "我们必须清醒认识到，我国仍处于并将长期处于社会主义初级阶段的基本国情没有变。",
    "必须认识到，我国社会主要矛盾的变化是关系全局的历史性变化，对党和国家工作提出了许多新要求。",
    "另一方面，我们也必须看到，提前实现全国农业发展纲要，并不是一件轻而易举的事。",
    "同时要看到，我国发展仍处在可以大有作为的重要战略机遇期。",
    "必须清醒地看到，我们工作中还有不少困难和问题。",
    "但也必须估计到，会有少数党员经不起考验。",
], ids=["qingxing-renshi-dao", "renshi-dao", "ye-bixu-kandao", "yao-kandao", "qingxing-di-kandao", "guji-dao"])
def test_must_recognise_that_is_an_assessment_not_a_directive(text):
    s = parse_text(text).sentences[0]
    assert (s.kind, s.strength, s.cues) == ("statement", None, ())


@pytest.mark.parametrize("text, cues", [
    ("必须坚持以人民为中心的发展思想，决不能把发展简单理解为增长。", ("必须", "决不能")),
    ("必须加快构建新发展格局，着力推动高质量发展。", ("必须", "着力")),
    # the assessment's 必须 drops out, the order after it stays
    ("我们必须清醒看到形势的复杂性，必须加快推进改革。", ("必须",)),
    # a second verb joined to the verb of seeing: 必须 orders that too
    ("我们必须清醒地看到和认真地解决好这些问题。", ("必须",)),
], ids=["bixu-jianchi", "bixu-jiakuai", "assessment-then-order", "kandao-he-jiejue"])
def test_real_mandatory_directives_are_kept(text, cues):
    s = parse_text(text).sentences[0]
    assert (s.kind, s.strength) == ("directive", "mandatory")
    assert s.cues == cues
