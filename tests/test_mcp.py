"""The MCP server (`govspeech mcp`): an assistant lists the tools, searches, reads a
paragraph and gets a tool error for a bad id, in process, over streamable HTTP and over
stdio; every quote is exactly the speech's text and no result names a server file.

The index is the session's small one (tests/conftest.py `small_index`).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import types

import pytest

pytest.importorskip("mcp", reason="the MCP SDK is the mcp extra: pip install -e '.[mcp]'")

from mcp import Client, StdioServerParameters  # noqa: E402

from pipeline import api  # noqa: E402
from pipeline.mcp import DEFAULT_PORT, create_server  # noqa: E402

CLI = "import sys; sys.argv[0] = 'govspeech'; from pipeline.cli import main; main()"
BASE_TOOLS = {"search", "list_speeches", "speech", "paragraph", "summarize"}
QUERY = "安全生产责任怎么落实"


def run(coroutine):
    return asyncio.run(coroutine)


def env() -> dict:
    """The test's environment for a server subprocess: this checkout first on the path."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


speeches = pytest.fixture(scope="module", name="speeches")(lambda small_speeches: small_speeches)     # conftest


index = pytest.fixture(scope="module", name="index")(lambda small_opened: small_opened)                # conftest


@pytest.fixture(scope="module")
def server(index):
    return create_server(index)


def check_quote(quote: dict, speeches: dict) -> None:
    speech = speeches[quote["speech_id"]]
    assert quote["text"] == speech.text[quote["start"]:quote["end"]], quote
    paragraph = speech.paragraph(quote["paragraph"])
    assert paragraph.span.start <= quote["start"] < quote["end"] <= paragraph.span.end, quote
    assert quote["section_path"] == list(paragraph.section_path)
    assert quote["title"] == speech.title
    assert quote["reference"].endswith(f"第{quote['paragraph']}段."), quote["reference"]


async def session_round(client, speeches: dict) -> dict:
    """What every transport must do: list, search, read a paragraph, fail on a bad id and
    answer right after. Returns the structured results, for further checks."""
    listed = await client.list_tools()
    names = {t.name for t in listed.tools}
    assert BASE_TOOLS <= names
    for tool in listed.tools:
        assert tool.output_schema is not None, tool.name               # typed: clients get structuredContent
        assert any("\u4e00" <= ch <= "\u9fff" for ch in tool.description), tool.name   # a Chinese description too
    found = await client.call_tool("search", {"query": QUERY, "k": 3})
    assert not found.is_error, found.content
    result = found.structured_content
    assert result["query"] == QUERY and len(result["hits"]) == 3
    for hit in result["hits"]:
        check_quote(hit, speeches)
    assert [h["rank"] for h in result["hits"]] == [1, 2, 3]
    first = result["hits"][0]
    para = await client.call_tool("paragraph", {"speech_id": first["speech_id"], "number": first["paragraph"]})
    assert not para.is_error, para.content
    quote = para.structured_content
    check_quote(quote, speeches)
    assert quote["text"] == speeches[first["speech_id"]].paragraph(first["paragraph"]).text
    assert first["text"] in quote["text"]
    bad = await client.call_tool("paragraph", {"speech_id": "no_such_speech", "number": 1})
    assert bad.is_error and "no_such_speech" in bad.content[0].text
    again = await client.call_tool("paragraph", {"speech_id": first["speech_id"], "number": 1})
    assert not again.is_error
    assert again.structured_content["text"] == speeches[first["speech_id"]].paragraph(1).text
    return {"search": result, "paragraph": quote}


# -- in process -----------------------------------------------------------------------

def test_in_process_session_lists_searches_quotes_and_survives_a_bad_id(server, speeches):
    async def go():
        async with Client(server) as client:
            return await session_round(client, speeches)

    run(go())


def test_tools_cover_speeches_outline_and_key_points_without_server_paths(server, speeches, small_corpus):
    async def go():
        async with Client(server) as client:
            listed = (await client.call_tool("list_speeches", {})).structured_content
            outline = (await client.call_tool("speech", {"speech_id": "safety_2019"})).structured_content
            summary = (await client.call_tool("summarize", {"speech_id": "safety_2019"})).structured_content
            return listed, outline, summary

    listed, outline, summary = run(go())
    assert {s["speech_id"] for s in listed["speeches"]} == set(speeches)
    speech = speeches["safety_2019"]
    assert [s["path"] for s in outline["sections"]] == [list(s.path) for s in speech.walk_sections()]
    assert [s["title"] for s in outline["sections"]] == [s.title for s in speech.walk_sections()]
    assert outline["sections"][0]["paragraphs"] == list(speech.sections[0].paragraph_numbers)
    assert outline["paragraphs"] == len(speech.paragraphs)
    points = summary["top"] + [k for s in summary["sections"] for k in s["key_points"]]
    assert points
    for point in points:
        check_quote(point, speeches)
    everything = json.dumps([listed, outline, summary], ensure_ascii=False)
    assert str(small_corpus) not in everything and ".txt" not in everything and '"source"' not in everything


def test_bad_values_are_tool_errors_that_name_them(server):
    async def go():
        async with Client(server) as client:
            return [await client.call_tool(name, args) for name, args in [
                ("speech", {"speech_id": "nope_2030"}),
                ("summarize", {"speech_id": "nope_2030"}),
                ("paragraph", {"speech_id": "safety_2019", "number": 999}),
                ("search", {"query": "安全", "since": "last spring"}),
                ("search", {"query": "安全", "speech": ["safety_2019", "nope_2030"]}),
            ]]

    results = run(go())
    assert all(r.is_error for r in results)
    for result, needle in zip(results, ["nope_2030", "nope_2030", "999", "last spring", "nope_2030"]):
        assert needle in result.content[0].text, result.content[0].text


def test_filters_narrow_the_search(server):
    async def go():
        async with Client(server) as client:
            return (await client.call_tool("search", {"query": "生态环境保护", "k": 5, "since": "2021"})).structured_content

    hits = run(go())["hits"]
    # ecology_2021 and the seed (its title says 2025) are of 2021 or later; safety_2019 is not
    assert hits and "ecology_2021" in {h["speech_id"] for h in hits} and "safety_2019" not in {h["speech_id"] for h in hits}
    assert all(h["year"] >= 2021 for h in hits)


class WithoutAnalyses:
    """An index whose façade has no compare or trend method: the tools fall back to the api's."""

    def __init__(self, index):
        self._index = index

    def __getattr__(self, name):
        if name in ("compare", "trend"):
            raise AttributeError(name)
        return getattr(self._index, name)


def test_compare_and_trend_are_advertised_only_when_the_api_has_them(index, monkeypatch):
    from pipeline import mcp as server_module

    monkeypatch.setattr(server_module, "Index", WithoutAnalyses)      # so create_server takes the stand-in as opened
    plain = WithoutAnalyses(index)
    lacking = types.SimpleNamespace(summarize=api.summarize)
    having = types.SimpleNamespace(summarize=api.summarize,
                                   compare=lambda old, new, index: {"old": old, "new": new, "index": index is plain},
                                   trend=lambda idx, query, by: {"query": query, "by": by, "index": idx is plain})

    async def names_and_calls(api_module):
        async with Client(create_server(plain, api_module=api_module)) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            if "compare" not in names:
                return names, None
            return names, [(await client.call_tool("compare", {"old": "safety_2019", "new": "ecology_2021"})),
                           (await client.call_tool("trend", {"query": "安全生产", "by": "year"})),
                           (await client.call_tool("compare", {"old": "safety_2019", "new": "nope_2030"}))]

    names, _ = run(names_and_calls(lacking))
    assert names == BASE_TOOLS
    names, (compared, trended, bad) = run(names_and_calls(having))
    assert names == BASE_TOOLS | {"compare", "trend"}
    assert compared.structured_content == {"result": {"old": "safety_2019", "new": "ecology_2021", "index": True}}
    assert trended.structured_content == {"result": {"query": "安全生产", "by": "year", "index": True}}
    assert bad.is_error and "nope_2030" in bad.content[0].text


def test_the_real_api_advertises_compare_and_trend_exactly_when_it_has_them(index):
    async def names():
        async with Client(create_server(index)) as client:
            return {t.name for t in (await client.list_tools()).tools}

    found = run(names())
    assert ("compare" in found) == hasattr(api, "compare") and ("trend" in found) == hasattr(api, "trend")


# -- over the wire --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def http_server(small_index):
    """`govspeech mcp --http` on a free port of 127.0.0.1 (it starts slowly on a busy machine)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", CLI, "mcp", "--http", "--port", str(port), "--index", str(small_index)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(), cwd=tempfile.gettempdir())
    deadline = time.monotonic() + 240
    try:
        while True:
            assert proc.poll() is None, proc.communicate()[1].decode()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the HTTP server did not start listening"
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.mark.slow
def test_streamable_http_round_trip(http_server, speeches):
    async def go():
        async with Client(http_server) as client:
            return await session_round(client, speeches)

    run(go())


def test_http_defaults_are_loopback_port_8766_path_mcp():
    from pipeline import mcp as server_module

    assert (server_module.DEFAULT_HOST, DEFAULT_PORT, server_module.HTTP_PATH) == ("127.0.0.1", 8766, "/mcp")


@pytest.mark.slow
def test_stdio_round_trip(small_index, speeches):
    params = StdioServerParameters(command=sys.executable, args=["-c", CLI, "mcp", "--index", str(small_index)],
                                   env=env(), cwd=tempfile.gettempdir())

    async def go():
        async with Client(params, read_timeout_seconds=240) as client:
            return await session_round(client, speeches)

    run(go())


@pytest.mark.slow
def test_stdio_server_writes_nothing_but_messages_and_exits_when_stdin_closes(small_index):
    proc = subprocess.Popen([sys.executable, "-c", CLI, "mcp", "--index", str(small_index)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(), cwd=tempfile.gettempdir())
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    out, err = proc.communicate(json.dumps(hello).encode() + b"\n", timeout=240)   # then stdin closes
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines, err.decode()
    for line in lines:                 # every stdout line is a JSON-RPC message
        assert json.loads(line)["jsonrpc"] == "2.0", line
    assert json.loads(lines[0])["result"]["serverInfo"]["name"] == "govspeech"


# -- without the extra ------------------------------------------------------------------

def test_without_the_sdk_mcp_is_one_line_naming_the_extra():
    hide = "import sys; sys.modules['mcp'] = None; "
    proc = subprocess.run([sys.executable, "-c", hide + CLI, "mcp"], capture_output=True, text=True, env=env(),
                          cwd=tempfile.gettempdir(), timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install '.[mcp]'" in lines[0], proc.stderr


def test_importing_pipeline_loads_no_framework():
    code = ("import sys, pipeline, pipeline.cli, pipeline.cite, pipeline.integrations; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'langchain_core', 'llama_index')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_a_missing_index_is_one_line_before_serving(tmp_path):
    from cli_helpers import assert_one_line_error, cli

    assert_one_line_error(cli("mcp", "--index", tmp_path / "nothing_here"), "nothing_here")
    assert_one_line_error(cli("mcp", "--http", "--index", tmp_path / "nothing_here"), "nothing_here")
