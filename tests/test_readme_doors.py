"""The README's "Use it from an assistant or a RAG framework" snippets, run as written: the
MCP client config launches `govspeech mcp --index reports`, and the LangChain and
LlamaIndex snippets print cited hits. `reports` is the session's small index, found
through GOVSPEECH_INDEX_DIR."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "### Use it from an assistant or a RAG framework"


def snippets() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    assert HEADING in text
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def index_dir(small_index, tmp_path_factory) -> Path:
    """A folder where the index is named `reports`, as in the README."""
    folder = tmp_path_factory.mktemp("readme_indexes")
    (folder / "reports").symlink_to(small_index, target_is_directory=True)
    return folder


def test_the_section_has_the_three_snippets():
    assert [lang for lang, _ in snippets()] == ["json", "python", "python"]


@pytest.mark.slow
def test_mcp_client_config_launches_a_working_server(index_dir):
    pytest.importorskip("mcp", reason="the MCP SDK is the mcp extra: pip install -e '.[mcp]'")
    from mcp import Client, StdioServerParameters

    config = json.loads(snippets()[0][1])["mcpServers"]["govspeech"]
    command = shutil.which(config["command"])
    if command is None:
        pytest.skip(f"{config['command']!r} is not on PATH (pip install -e '.[mcp]' puts it there)")
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "GOVSPEECH_INDEX_DIR": str(index_dir),
           "PYTHONPATH": os.pathsep.join(p for p in [root, os.environ.get("PYTHONPATH")] if p)}
    params = StdioServerParameters(command=command, args=config["args"], env=env, cwd=str(index_dir))

    async def go():
        async with Client(params, read_timeout_seconds=240) as client:
            listed = await client.call_tool("list_speeches", {})
            found = await client.call_tool("search", {"query": "安全生产责任怎么落实", "k": 2})
            return listed.structured_content, found.structured_content

    listed, found = asyncio.run(go())
    assert {s["speech_id"] for s in listed["speeches"]} == {"000_dbe0c8ca6deedb3a", "safety_2019", "ecology_2021"}
    assert len(found["hits"]) == 2


@pytest.mark.parametrize("number, package", [(1, "langchain_core"), (2, "llama_index.core")])
def test_python_snippet_prints_cited_hits(number, package, index_dir, monkeypatch, capsys):
    pytest.importorskip(package, reason=f"{package} is not installed (the README names its extra)")
    monkeypatch.setenv("GOVSPEECH_INDEX_DIR", str(index_dir))
    exec(compile(snippets()[number][1], f"README snippet {number}", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4, lines
    for line in lines:
        assert re.match(r"\S+:\d+-\d+ ", line), line       # the stable id speech_id:start-end comes first
