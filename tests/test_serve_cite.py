"""The search page's 复制引文 button: each hit carries its GB/T 7714 reference, the same line
`hit.cite` makes from the speech's meta, and the script that copies it is served locally."""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("fastapi", reason="govspeech serve is the serve extra: pip install -e '.[serve]'")

from fastapi.testclient import TestClient  # noqa: E402

from pipeline import Index, read_speech  # noqa: E402
from pipeline.serve import create_app  # noqa: E402


def test_each_hit_has_a_copy_citation_button_with_its_reference(small_index, small_corpus):
    speeches = {p.stem: read_speech(p) for p in small_corpus.glob("*.txt")}
    index = Index.open(str(small_index))
    try:
        hits = index.search("安全生产责任", k=5)
    finally:
        index.close()
    with TestClient(create_app(str(small_index))) as client:
        page = client.get("/", params={"q": "安全生产责任", "k": 5})
        script = client.get("/static/copycite.js")
    assert page.status_code == 200
    buttons = [html.unescape(b) for b in re.findall(r'<button type="button" class="copy-cite" data-cite="([^"]*)"', page.text)]
    expected = [h.cite("gbt7714", speeches[h.citation.speech_id].meta, number=None) for h in hits]
    assert buttons == expected
    assert expected[0].startswith("在2019年全县安全生产工作会议上的讲话[Z]. 2019: 第")
    assert '<script src="/static/copycite.js" defer></script>' in page.text
    assert script.status_code == 200 and "clipboard" in script.text and "data-cite" in script.text
