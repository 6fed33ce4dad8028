"""Citations for a paper or a memo: GB/T 7714-2015 lines and CSL-JSON items, on the seed
speech, on national work reports (the development corpus), on search hits, and from
`govspeech search --cite`."""

from __future__ import annotations

import json

import pytest

from cli_helpers import cli, cli_in_process
from pipeline import GovSpeechError, Index, read_speech, read_speeches
from pipeline.cite import Source, csl_item, document_type, gbt7714, references

SEED_TITLE = "在2025年全市巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作会议上的讲话"

# CSL 1.0.2's item types (csl-data.json's `type` enum). No PyPI package ships CSL's JSON
# schema, so the parts of it these items use are written out here and checked with jsonschema.
CSL_TYPES = [
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book", "broadcast", "chapter",
    "classic", "collection", "dataset", "document", "entry", "entry-dictionary", "entry-encyclopedia", "event",
    "figure", "graphic", "hearing", "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
    "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical", "personal_communication",
    "post", "post-weblog", "regulation", "report", "review", "review-book", "software", "song", "speech", "standard",
    "thesis", "treaty", "webpage"]
DATE_PART = {"anyOf": [{"type": "string"}, {"type": "number"}]}
CSL_ITEM_SCHEMA = {
    "type": "object",
    "required": ["id", "type"],
    "properties": {
        "id": {"type": "string"},
        "type": {"enum": CSL_TYPES},
        "title": {"type": "string"},
        "language": {"type": "string"},
        "author": {"type": "array", "items": {"type": "object", "properties": {"literal": {"type": "string"}},
                                              "required": ["literal"]}},
        "issued": {"type": "object", "required": ["date-parts"], "additionalProperties": False,
                   "properties": {"date-parts": {"type": "array", "minItems": 1, "maxItems": 2,
                                                 "items": {"type": "array", "minItems": 1, "maxItems": 3, "items": DATE_PART}}}},
        "event-title": {"type": "string"},
        "event-place": {"type": "string"},
        "note": {"type": "string"},
        "locator": {"type": "string"},        # a cite-item field: Zotero and citeproc-js read it beside the item
        "label": {"enum": ["paragraph"]},
        "custom": {"type": "object"},
    },
    "additionalProperties": False,
}


def assert_csl(items: list[dict]) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="CSL-JSON is checked with jsonschema (in the test extra)")
    for item in items:
        jsonschema.validate(item, CSL_ITEM_SCHEMA)
    assert len({i["id"] for i in items}) == len(items)
    json.dumps(items, ensure_ascii=False)


@pytest.fixture(scope="module")
def seed():
    from conftest import SEED

    return read_speech(SEED)


def test_seed_paragraph_as_gbt7714_and_csl_json(seed):
    citation = seed.citation(seed.paragraph(5))
    assert gbt7714(citation, seed.meta) == f"[1] {SEED_TITLE}[Z]. 2025: 第5段."
    assert gbt7714(citation, seed.meta, number=3).startswith("[3] ")
    item = csl_item(citation, seed.meta)
    assert item == {
        "id": "000_dbe0c8ca6deedb3a-p5", "type": "speech", "title": SEED_TITLE, "language": "zh-CN",
        "issued": {"date-parts": [[2025]]}, "event-title": "2025年全市巩固拓展脱贫攻坚成果同乡村振兴有效衔接工作会议",
        "event-place": "河南省", "locator": "5", "label": "paragraph", "note": "第5段",
        "custom": {"speech_id": "000_dbe0c8ca6deedb3a", "paragraph": 5, "section_path": ["一", "（一）"],
                   "start": citation.start, "end": citation.end, "raw_start": citation.raw_start,
                   "raw_end": citation.raw_end, "quote": seed.paragraph(5).text}}
    assert item["custom"]["quote"] == seed.text[item["custom"]["start"]:item["custom"]["end"]]
    assert_csl([item])


def test_a_sentence_cites_its_paragraph_once(seed):
    sentences = [s for s in seed.sentences if s.paragraph_number == 5]
    assert len(sentences) > 1
    lines = references([(seed.citation(s), seed.meta) for s in sentences], "gbt7714")
    assert lines == [f"[1] {SEED_TITLE}[Z]. 2025: 第5段."]
    items = references([(seed.citation(s), seed.meta) for s in [*sentences, *seed.sentences[:3]]], "csl-json")
    assert [i["id"] for i in items][0] == "000_dbe0c8ca6deedb3a-p5" and len(items) == 1 + len({s.paragraph_number for s in seed.sentences[:3]})
    assert_csl(items)


def test_national_work_reports(corpus):
    path = corpus / "national_work_reports.jsonl"
    [r2019] = read_speeches(path, "national_work_reports-4")      # year only, no speaker in the record
    [r2023] = read_speeches(path, "national_work_reports-1")      # dated, 李克强 named
    c2019 = r2019.citation(r2019.paragraph(21))
    assert gbt7714(c2019, r2019.meta) == "[1] 2019年中华人民共和国国务院政府工作报告[R]. 2019: 第21段."
    c2023 = r2023.citation(r2023.paragraph(21))
    assert gbt7714(c2023, r2023.meta) == "[1] 李克强. 2023年中华人民共和国国务院政府工作报告[R]. 2023-03-05: 第21段."
    items = [csl_item(c2019, r2019.meta), csl_item(c2023, r2023.meta)]
    assert items[0]["id"] == "national_work_reports-4-p21" and items[0]["type"] == "report"
    assert items[0]["issued"] == {"date-parts": [[2019]]} and "author" not in items[0]
    assert items[1]["issued"] == {"date-parts": [[2023, 3, 5]]} and items[1]["author"] == [{"literal": "李克强"}]
    assert items[1]["locator"] == "21" and items[1]["note"] == "第21段"
    assert items[1]["custom"]["quote"] == r2023.paragraph(21).text
    assert_csl(items)


@pytest.mark.parametrize("title, kind, expected", [
    ("在打好精准脱贫攻坚战座谈会上的讲话（2018年2月12日）", "讲话", ("Z", "speech")),
    ("北京共产主义组织的报告 (一大)", "报告", ("R", "report")),
    ("第十四届全国人民代表大会第一次会议关于政府工作报告的决议", "政府工作报告", ("Z", "document")),
    ("给北京大学援鄂医疗队全体“90后”党员的回信", None, ("Z", "personal_communication")),
    ("", None, ("Z", "document")),
])
def test_document_type_follows_the_title_then_the_kind(title, kind, expected):
    assert document_type(title, kind) == expected


def test_source_from_an_index_record_and_a_bad_style(seed):
    record = {"id": "x", "date": "2021-03-01", "year": 2021, "kind": "讲话", "source": "/srv/secret.txt", "speaker": None}
    assert Source.of(record) == Source(date="2021-03-01", year=2021, kind="讲话")
    with pytest.raises(GovSpeechError, match="bibtex"):
        references([(seed.citation(seed.paragraph(2)), seed.meta)], "bibtex")


def test_hits_cite_with_the_index_records(small_index):
    from pipeline import api

    index = Index.open(str(small_index))
    try:
        hits = index.search("安全生产", k=6)
        speeches = {h.citation.speech_id: index.speech(h.citation.speech_id) for h in hits}
        first = hits[0]
        meta = speeches[first.citation.speech_id].meta
        assert first.cite("gbt7714", meta) == gbt7714(first.citation, meta) == first.cite("gbt7714", speeches[first.citation.speech_id])
        assert first.cite("gbt7714", meta).endswith(f"{meta.date or meta.year}: 第{first.citation.paragraph}段.")
        assert first.cite() == f"[1] {first.citation.title}[Z]. 第{first.citation.paragraph}段."     # no source: undated
        lines = api.cite(index, hits, "gbt7714")
        paragraphs = list(dict.fromkeys((h.citation.speech_id, h.citation.paragraph) for h in hits))
        assert len(lines) == len(paragraphs)
        for n, (line, (sid, number)) in enumerate(zip(lines, paragraphs), start=1):
            m = speeches[sid].meta
            assert line == f"[{n}] {speeches[sid].title}[Z]. {m.date or m.year}: 第{number}段.", line
        items = api.cite(index, hits, "csl-json")
        assert [i["id"] for i in items] == [f"{sid}-p{number}" for sid, number in paragraphs]
        assert_csl(items)
    finally:
        index.close()


def test_cli_search_cite(small_index):
    gbt = cli("search", "安全生产", "--index", small_index, "-k", "4", "--cite", "gbt7714")
    assert gbt.returncode == 0, gbt.stderr
    lines = gbt.stdout.splitlines()
    assert lines and all(line.startswith(f"[{n}] ") and "[Z]. " in line for n, line in enumerate(lines, start=1))
    # the second style through the same pipeline.cli:main in this interpreter: one new process (the
    # first) is enough to show what a user runs, and saves one interpreter's start and model load
    csl = cli_in_process("search", "安全生产", "--index", small_index, "-k", "4", "--cite", "csl-json")
    assert csl.returncode == 0, csl.stderr
    items = json.loads(csl.stdout)
    assert len(items) == len(lines) and all(line.endswith(f"第{i['locator']}段.") for line, i in zip(lines, items))
    assert_csl(items)


def test_a_csl_processor_reads_the_items(corpus):
    """citeproc-py (a CSL processor, like Zotero's citeproc-js) formats the items in the style it
    ships: the speaker, the date and the paragraph locator come through."""
    citeproc = pytest.importorskip("citeproc", reason="citeproc-py formats CSL-JSON (in the test extra)")
    from citeproc.source import Locator
    from citeproc.source.json import CiteProcJSON

    [r2023] = read_speeches(corpus / "national_work_reports.jsonl", "national_work_reports-1")
    item = csl_item(r2023.citation(r2023.paragraph(21)), r2023.meta)
    with pytest.warns(UserWarning, match="custom"):          # our own keys, which CSL processors pass over
        source = CiteProcJSON([item])
    style = citeproc.CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = citeproc.CitationStylesBibliography(style, source, citeproc.formatter.plain)
    citation = citeproc.Citation([citeproc.CitationItem(item["id"], locator=Locator(item["label"], item["locator"]))])
    bibliography.register(citation)
    assert str(bibliography.cite(citation, pytest.fail)) == "(李克强, 2023, para. 21)"
    assert [str(b) for b in bibliography.bibliography()] == ["李克强 (2023) 2023年中华人民共和国国务院政府工作报告."]
