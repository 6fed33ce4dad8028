"""The walk-through notebook runs top to bottom, offline, and its plots render."""

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "walkthrough.ipynb"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.mark.slow
def test_walkthrough_executes_and_plots_render():
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not beside this checkout")
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook with outputs stripped"
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2          # directives bar chart, terms by year
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "二（一） ¶12" in text                                              # a citation printed from the seed
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "<mark>管护要长效常态。</mark>" in html                               # the road-maintenance query's answer, highlighted
