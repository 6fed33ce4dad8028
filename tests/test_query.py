"""Query understanding, clauses and the ranker's weights file, without an index:
what a query names (places, years, the quantity asked), how a long sentence is cut
into clauses that quote it exactly, and that the weights load as plain JSON and a
broken file is a one-line error naming it."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from pipeline import GovSpeechError
from pipeline.clauses import clause_spans
from pipeline.query import gazetteer, read_synonyms, synonyms, tense, understand, unit_kinds
from pipeline.rank import FEATURES, Candidate, Ranker, features, load_ranker, speech_places
from pipeline.text import years_named


# -- places, years, quantities ---------------------------------------------------

def test_a_province_named_without_its_suffix_is_understood():
    u = understand("河南今年GDP预期涨幅定在多少")
    assert [(p.name, p.level) for p in u.places] == [("河南省", "province")]
    assert u.offset == 0 and u.quantity and u.units == ("percent",)


def test_a_prefecture_city_belongs_to_its_province():
    u = understand("十五五期间郑州要建多少公里地铁")
    assert [(p.name, p.level, p.province) for p in u.places] == [("郑州市", "prefecture", "河南省")]
    assert u.period == (2026, 2030) and u.units == ("length",)


def test_a_county_is_found_by_its_full_name_and_its_short_name():
    assert understand("兰考县脱贫后怎么发展").places[0].province == "河南省"
    assert understand("兰考脱贫后怎么发展").places[0].name == "兰考县"


def test_common_words_that_are_also_county_names_are_not_places():
    # 和平区, 城区, 通道县 exist, but a query about 和平发展 or 城区 names no place
    assert understand("坚持和平发展道路，城区交通通道建设").places == ()


def test_years_relative_years_and_asked_units():
    assert understand("2026年全省粮食产量目标").years == (2026,)
    assert understand("一九五八年钢产量是多少").years == (1958,)
    u = understand("江苏去年城镇新增就业多少万人")
    assert u.offset == -1 and u.units == ("people",) and u.provinces == {"江苏省"}
    assert understand("会上播放了什么视频材料").empty()


def test_everyday_words_are_also_encoded_in_their_official_wording():
    u = understand("2021年粮产多少斤")
    assert u.also == ("粮食产量",) and u.to_dict()["also_searched"] == ["粮食产量"]
    assert u.encoding_text("2021年粮产多少斤") == "2021年粮产多少斤（粮食产量）"
    # the longest everyday wording wins, and official terms the query already holds are not added
    assert "个人所得税基本减除费用标准" in understand("个税起征点提高到多少").also
    assert understand("粮食产量多少").also == ()
    plain = understand("农村道路建好以后怎么维护")
    assert plain.also == () and plain.encoding_text("农村道路建好以后怎么维护") == "农村道路建好以后怎么维护"


def test_the_bundled_synonyms_map_everyday_words_to_other_words():
    table = synonyms().official
    assert len(table) > 300
    assert all(terms and left not in terms for left, terms in table.items())


def test_a_malformed_synonyms_line_is_an_error_naming_file_and_line(tmp_path):
    path = tmp_path / "synonyms.tsv"
    path.write_text("# comment\n粮产\t粮食产量\n中产 中等收入群体\n", encoding="utf-8")
    with pytest.raises(GovSpeechError, match=r"synonyms.tsv: line 3: expected"):
        read_synonyms(path)


def test_the_gazetteer_holds_every_province_and_prefecture():
    levels = [p.level for places in gazetteer().by_name.values() for p in places]
    provinces = {p.name for places in gazetteer().by_name.values() for p in places if p.level == "province"}
    assert len(provinces) == 34
    assert len({p for places in gazetteer().by_name.values() for p in places if p.level == "prefecture"}) > 320
    assert levels.count("county") > 2500


def test_a_sentence_states_quantities_of_kinds():
    assert unit_kinds("城镇新增就业1200万人以上，城镇调查失业率5.5%左右") == {"people", "percent"}
    assert tense("今年发展主要预期目标是：国内生产总值增长5%左右") == 1
    assert tense("过去一年，国内生产总值增长5.2%") == -1


def test_speech_places_come_from_title_and_meta():
    assert speech_places("2026年河南省政府工作报告", None) == {"河南省"}
    assert speech_places("在全市工作会议上的讲话", "郑州市") == {"郑州市", "河南省"}


# -- clauses ---------------------------------------------------------------------

def test_clauses_of_a_long_sentence_quote_it_exactly_and_lie_inside_it():
    s = "过去一年，疏解提质一般制造业企业104家，治理违法建设2049万平方米，核心区平房申请式退租2006户，城乡居民收入增长5%。"
    spans = clause_spans(s)
    # a piece under MIN_CLAUSE characters (城乡居民收入增长5%) joins its neighbour
    assert [s[a:b] for a, b in spans] == ["过去一年，疏解提质一般制造业企业104家", "治理违法建设2049万平方米",
                                         "核心区平房申请式退租2006户，城乡居民收入增长5%"]
    assert all(0 <= a < b <= len(s) for a, b in spans)


def test_a_short_sentence_has_no_clauses():
    assert clause_spans("管护要长效常态。") == []
    assert clause_spans("要坚持问题导向，把工作做实做细做好。") == []


# -- features ----------------------------------------------------------------------

def _candidate(text, places=frozenset(), year=None, kind="statement", dense=1.0):
    return Candidate(0, text, kind, places, year, dense, dense, 0.0)


def test_place_and_unit_features_mark_the_speech_of_the_place_asked():
    text = "今年城镇新增就业110万人以上。"
    X = features("河南今年新增就业多少人", understand("河南今年新增就业多少人"),
                 [_candidate(text, frozenset({"河南省"}), 2026), _candidate(text, frozenset({"江苏省"}), 2026)])
    f = {name: X[:, i].tolist() for i, name in enumerate(FEATURES)}
    assert f["place_match"] == [1.0, 0.0] and f["place_other"] == [0.0, 1.0]
    assert f["unit_match"] == [1.0, 1.0] and f["tense_match"] == [1.0, 1.0]


# -- the weights file --------------------------------------------------------------

def test_the_bundled_weights_load_as_json_without_pickle(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the ranker must not unpickle anything")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(np, "load", refuse)
    load_ranker.cache_clear()
    ranker = load_ranker()
    assert ranker.weights.shape == (len(FEATURES),) and np.isfinite(ranker.weights).all()
    assert ranker.weights[FEATURES.index("dense")] > 0


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not JSON"),
    (json.dumps({"weights": [1, 2]}), '"weights" object'),
    (json.dumps({"weights": {"dense": 1.0}}), "missing"),
    (json.dumps({"weights": {**dict.fromkeys(FEATURES, 0.0), "dense": "high"}}), "not finite numbers"),
    (json.dumps({"weights": {**dict.fromkeys(FEATURES, 0.0), "novelty": 1.0}}), "unknown"),
])
def test_a_malformed_weights_file_is_a_one_line_error_naming_it(tmp_path, content, problem):
    path = tmp_path / "ranker.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GovSpeechError) as err:
        Ranker.load(path)
    message = str(err.value)
    assert str(path) in message and problem in message and "\n" not in message


def test_years_are_read_however_a_report_writes_them():
    # the 12th congress report (1982) writes years digit by digit with ○ for zero, the
    # 19th with 二○二○, the 1993 work report in full-width digits
    assert years_named("力争使全国工农业的年总产值翻两番，即由一九八○年的七千一百亿元增加到二○○○年的二万八千亿元左右。") \
        == (1980, 2000)
    assert years_named("从现在到二○二○年，是全面建成小康社会决胜期。") == (2020,)
    assert years_named("争取１９９７年粮食产量达到４．７５亿吨") == (1997,)
    # numbers that are not years
    assert years_named("“十四五”时期，再奋斗十五年，三十年来，第十二个五年计划，一二年级") == ()


def test_a_national_congress_session_names_its_year():
    # how questions and resolutions name a year: the session of the NPC or the CPPCC
    assert understand("十二届全国人大四次会议的决议要求在哪两件事之间找平衡").years == (2016,)
    assert years_named("十四届全国人大首次会议的决议强调要抓好哪几个“稳”") == (2023,)
    assert years_named("第二届全国人民代表大会第三次会议听取和审议了周恩来总理的报告") == (1962,)
    assert years_named("全国政协十三届二次会议和政协第十三届全国委员会第三次会议") == (2019, 2020)
    # the standing committee's sessions and a province's congress name no year
    assert years_named("第十三届全国人民代表大会常务委员会第二十次会议，河南省第十四届人民代表大会第二次会议") == ()


def test_a_sentence_naming_the_asked_year_in_chinese_numerals_matches_it():
    # a question about 2000 and the 1982 report's sentence that names 二○○○年: the year
    # agrees (it did not: only "2000年" was looked for), whatever year the report is of
    sentence = "力争使全国工农业的年总产值翻两番，即由一九八○年的七千一百亿元增加到二○○○年的二万八千亿元左右。"
    query = "2000年工农业总产值要达到多少"
    row = features(query, understand(query), [Candidate(0, sentence, "target", frozenset(), 1982, 1.0, 1.0, 1.0)])[0]
    assert row[FEATURES.index("year_match")] == 1.0 and row[FEATURES.index("year_other")] == 0.0
