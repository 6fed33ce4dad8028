"""Properties that hold for any text at all: parse_text never raises, every quoted
unit is exactly speech.text[span], and raw spans are inside the raw text and in order."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import parse_text

HAN = "我们要坚持发展乡村振兴工作必须严禁确保同志今年高于全市农民平均水平的是和在重要害脱贫人口监测对象"

pieces = st.one_of(
    st.text(alphabet=HAN, min_size=1, max_size=40),
    st.sampled_from(list(",，.。:：;；?？!！()（）、“”\"'*《》—…〔〕")),
    st.sampled_from([" ", "  ", "\n", "\n\n", "\r\n", "\t", "\u3000", "\u3000\u3000", "\u2003\u2003", "\u00a0",
                     "\u200b", "\ufeff"]),
    st.sampled_from(["一、", "二、", "三、", "十一、", "（一）", "（二）", "(一)", "(1)", "（1）", "1.", "2.", "12.",
                     "第一，", "第二，", "一是", "二是", "同志们:", "同志们：", "各位代表：", "两统一、一体化"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ", min_size=1, max_size=8),
    st.integers(0, 99999).map(str),
    st.sampled_from(["３", "Ａ", "５．２％", "%", "1,000", "10:30", "新华社记者 李学仁 摄", "购物车", "【字号：大 中 小】",
                     "相关链接", "打印 收藏"]),
)
speech_texts = st.lists(pieces, max_size=120).map("".join)


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(speech_texts)
def test_any_text_parses_into_exact_spans(raw):
    speech = parse_text(raw, "h")
    assert len(speech.offsets) == len(speech.text)
    assert all(0 <= o < len(raw) for o in speech.offsets)
    assert list(speech.offsets) == sorted(speech.offsets)
    previous_end = 0
    for paragraph in speech.paragraphs:
        assert speech.text[paragraph.span.start:paragraph.span.end] == paragraph.text
        assert paragraph.text.strip()
        raw_span = speech.to_raw(paragraph.span)
        assert previous_end <= raw_span.start <= raw_span.end <= len(speech.raw_text)
        previous_end = raw_span.end
        for sentence in speech.sentences_in(paragraph):
            assert speech.text[sentence.span.start:sentence.span.end] == sentence.text
            assert sentence.span in paragraph.span
            inner = speech.to_raw(sentence.span)
            assert raw_span.start <= inner.start <= inner.end <= raw_span.end
    assert sum(len(speech.sentences_in(p)) for p in speech.paragraphs) == len(speech.sentences)
    for section in speech.walk_sections():
        assert section.level == len(section.path)
        for child in section.children:
            assert child.span in section.span
