"""Search ranking beyond the plain fusion (issue 10, issue 14 §2 §3), on short speeches
written here in the real shapes: two provincial work reports that differ only in
their province, and a question-and-answer notice.

- a place named in the query lifts that province's sentence over the same sentence
  of the other province;
- a long sentence's best clause is reported as the matched span, an exact quote inside it;
- `literal=True` reproduces the plain z-score ranking;
- identical sentences collapse into one hit listing where else they appear, while a
  per-speech filter still returns that speech's own sentence;
- a question sentence that wins brings its answer.

One index (about 40 sentences, default e5 encoder) is built once for the module.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_helpers import cli
from pipeline import Filters, Index, read_speech
from pipeline.clauses import clause_spans
from pipeline.lexicon import question_cues
from pipeline.query import bm25_terms as query_terms
from pipeline.search import query_text

REPORT = """2026年{province}政府工作报告

各位代表：

现在，我代表省人民政府，向大会报告工作，请予审议，并请省政协委员提出意见。

一、2025年工作回顾

过去一年，全省地区生产总值增长5.1%，城镇新增就业110万人，粮食产量达到1340亿斤，新建高标准农田750万亩，完成造林面积120万亩。我们坚持稳中求进工作总基调，经济运行总体平稳、稳中有进。

二、2026年主要目标任务

今年经济社会发展的主要预期目标是：地区生产总值增长5%左右，城镇新增就业100万人以上，城镇调查失业率5.5%左右，居民消费价格涨幅3%左右。要坚定不移抓好产业转型升级，加快建设现代化产业体系。
"""

FAQ = """企业复工复产政策问答

问：企业复工前需要办理哪些手续？

答：企业应当向所在街道提交复工申请表、疫情防控方案和员工健康台账，经街道审核备案后即可复工。

问：员工返岗途中的交通费用能否报销？

答：对组织员工集中返岗的企业，按照实际包车费用的百分之五十给予补贴。
"""


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ranking_docs")
    (folder / "henan_2026.txt").write_text(REPORT.format(province="河南省"), encoding="utf-8")
    (folder / "jiangsu_2026.txt").write_text(REPORT.format(province="江苏省"), encoding="utf-8")
    (folder / "faq.txt").write_text(FAQ, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def index(docs, tmp_path_factory):
    built, report = Index.build([docs], name=str(tmp_path_factory.mktemp("ranking_index") / "idx"))
    assert report.errors == []
    yield built
    built.close()


@pytest.mark.slow
def test_the_place_named_lifts_that_provinces_sentence(index):
    for province, other in (("henan_2026", "jiangsu_2026"), ("jiangsu_2026", "henan_2026")):
        name = "河南" if province == "henan_2026" else "江苏"
        query = f"{name}今年城镇新增就业目标定了多少人"
        rows = index.search(query, k=4, collapse=False)
        ids = [h.citation.speech_id for h in rows if "城镇新增就业100万人以上" in h.citation.text]
        assert ids == [province, other], query
        hit = index.search(query, k=1)[0]
        assert "城镇新增就业100万人以上" in hit.citation.text
        assert hit.citation.speech_id == province
        assert [c.speech_id for c in hit.also_in] == [other]


@pytest.mark.slow
def test_a_clause_hit_quotes_its_sentence_exactly(index, docs):
    hit = index.search("河南粮食总产量有多少斤", k=1)[0]
    c = hit.citation
    assert "粮食产量达到1340亿斤" in c.text
    assert c.start <= hit.match_start < hit.match_end <= c.end
    speech = read_speech(docs / f"{c.speech_id}.txt")
    clause = speech.text[hit.match_start:hit.match_end]
    assert clause == c.text[hit.match_start - c.start:hit.match_end - c.start]
    assert (hit.match_start - c.start, hit.match_end - c.start) in clause_spans(c.text)
    assert "粮食产量达到1340亿斤" in clause


@pytest.mark.slow
def test_literal_reproduces_the_plain_zscore_ranking(index):
    query = "今年居民消费价格涨幅控制在多少"
    hits = index.search(query, k=20, literal=True, collapse=False)
    store = index.store
    q = index.encoder.encode_queries([query])[0]
    terms = query_terms(query)
    rows = np.array(sorted({r for r, _ in store.dense_search(q, 100, None)} |
                           {r for r, _ in store.sparse_search(terms, 100, None)}), dtype=np.int64)
    mean, spread = store.dense_stats(q)
    s_mean, s_spread = store.sparse_stats(terms)
    texts = store.texts(rows)
    plain = (0.8 * (store.dense_scores(q, rows) - mean) / spread
             + 0.2 * (store.sparse_scores(terms, rows) - s_mean) / s_spread
             + np.array([bool(question_cues().quantity.search(texts[int(r)])) for r in rows]))
    order = rows[np.argsort(-plain, kind="stable")][:20]
    assert [h.row for h in hits] == order.tolist()
    assert all(h.match_start is None for h in hits)


@pytest.mark.slow
def test_repeats_collapse_and_per_speech_filters_stay_exact(index):
    query = "过去一年造林面积完成了多少"
    hits = index.search(query, k=5)
    texts = [h.citation.text for h in hits]
    assert len(texts) == len(set(texts))                      # k hits are k different sentences
    top = next(h for h in hits if "完成造林面积120万亩" in h.citation.text)
    assert {top.citation.speech_id, *(c.speech_id for c in top.also_in)} == {"henan_2026", "jiangsu_2026"}
    assert all(c.text == top.citation.text for c in top.also_in)
    only = index.search(query, k=5, filters=Filters(speech=("jiangsu_2026",)))
    assert {h.citation.speech_id for h in only} == {"jiangsu_2026"}
    assert all(h.also_in == () for h in only)


@pytest.mark.slow
def test_a_winning_question_brings_its_answer(index):
    hits = index.search("复工之前企业要办什么手续", k=3, filters=Filters(speech=("faq",)))
    answer = "企业应当向所在街道提交复工申请表"
    first = hits[0]
    if answer in first.citation.text:
        return
    assert first.citation.text.startswith("问：") and any(answer in t for t in first.after)
    assert any(answer in h.citation.text for h in hits[:2])


@pytest.mark.slow
def test_cli_json_shows_what_was_understood_and_literal_turns_it_off(index):
    proc = cli("search", "河南今年城镇新增就业目标定了多少人", "--index", str(index.root), "-k", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    understood = hits[0]["understood"]
    assert [p["name"] for p in understood["places"]] == ["河南省"]
    assert understood["relative_year"] == 0 and understood["units"] == ["people"]
    assert hits[0]["speech_id"] == "henan_2026" and hits[0]["also_in"][0]["speech_id"] == "jiangsu_2026"
    literal = json.loads(cli("search", "河南今年城镇新增就业目标定了多少人", "--index", str(index.root), "-k", "2",
                             "--json", "--literal").stdout)
    assert literal[0]["understood"] is None


@pytest.mark.slow
def test_everyday_wording_finds_the_official_sentence_and_literal_reads_the_query_as_typed(index):
    query = "河南去年粮产多少斤"
    assert query_text(query) == "河南去年粮产多少斤（粮食产量）"
    assert query_text(query, literal=True) == query and query_text(query, mode="dense") == query
    hits = index.search(query, k=3)
    assert hits[0].citation.speech_id == "henan_2026" and "粮食产量达到1340亿斤" in hits[0].citation.text
    proc = cli("search", query, "--index", str(index.root), "-k", "1", "--json")
    assert json.loads(proc.stdout)[0]["understood"]["also_searched"] == ["粮食产量"]
