"""The walk-through notebook runs top to bottom, offline, from a fresh clone (the seed
alone), and takes in a folder of speeches the user names; its plots render."""

import re
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "walkthrough.ipynb"

# Two speeches in the shapes a user has: a county speech with its date line, a city one a year later.
SPEECHES = {
    "county_2019.txt": "在全县脱贫攻坚推进会上的讲话\n（2019年4月8日）\n同志们：\n一、坚决打赢脱贫攻坚战\n"
                       "脱贫攻坚是第一民生工程。各乡镇必须把脱贫攻坚作为头等大事，确保贫困人口全部脱贫。\n",
    "city_2020.txt": "在全市高质量发展大会上的讲话\n（2020年6月2日）\n同志们：\n一、推动高质量发展\n"
                     "要坚持创新驱动，推动高质量发展。各县区要抓好乡村振兴，巩固脱贫攻坚成果。\n",
}


def execute(monkeypatch, speeches: Path | None):
    import nbformat                  # the test extra installs both: missing is a failure, not a skip
    from nbclient import NotebookClient

    if speeches is None:
        monkeypatch.delenv("GOVSPEECH_SPEECHES", raising=False)
    else:
        monkeypatch.setenv("GOVSPEECH_SPEECHES", str(speeches))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook with outputs stripped"
    assert "../shared" not in NOTEBOOK.read_text(encoding="utf-8")          # nothing a user lacks
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    images = sum("image/png" in o.get("data", {}) for o in outputs)
    return text, html, images


@pytest.mark.slow
def test_walkthrough_runs_on_the_seed_alone(monkeypatch):
    text, html, images = execute(monkeypatch, None)
    assert "二（一） ¶12" in text                                              # a citation printed from the seed
    assert "<mark>管护要长效常态。</mark>" in html                               # the road-maintenance query's answer
    assert html.count("<mark>") == 6                                          # 3 hits each: the filters (河南, mandatory) keep some
    assert "1 speeches," in text
    assert "1 years: 2025 … 2025" in text                                     # the trend section, on the seed alone
    assert images == 1                                                        # the directives bar chart
    assert "No speeches named" in text                                        # and it says how to add yours


@pytest.mark.slow
def test_walkthrough_takes_the_speeches_a_user_names(monkeypatch, tmp_path):
    for name, body in SPEECHES.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    text, html, images = execute(monkeypatch, tmp_path)
    assert "3 speeches," in text                                              # the seed and the two named
    assert "3 years: 2019 … 2025" in text                                     # theirs and the seed's (2025)
    assert re.search(r"脱贫攻坚: \d+ mentions, first seen 2019 《在全县脱贫攻坚推进会上的讲话》", text)   # the trend section
    assert images == 2                                                        # and the trend-by-year plot
