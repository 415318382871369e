"""Every notebook in notebooks/ and solutions/: conventions (no kernel), then run ONCE: papermill
injects ``QUICK = True`` and nbval (--nbval-lax) executes the notebook in a fresh kernel (a cell that
raises fails); the outputs of that run (tests/nbval_capture.py) are checked: no error, no plotly.js
or widget state embedded, and the cells marked ``# NBVAL_CHECK_OUTPUT`` equal to their expected
outputs kept outside the notebook (tests/expected_outputs/, see tests/nb_expected.py): a changed or
non-deterministic value fails; `python tests/update_expected.py NOTEBOOK` records an intended change.
(The suite used to run every notebook twice, papermill then nbval comparing the two runs; the
expected outputs catch what that second run caught, and changed values too.)"""

from __future__ import annotations

import re

import nbformat
import pytest

import nb_expected
from helpers import NOTEBOOKS, ROOT, SOLUTIONS, code_cells, rel

ALL = NOTEBOOKS + SOLUTIONS
MAX_COMMITTED_BYTES = 200_000
MAX_EXECUTED_BYTES = 2_000_000  # one plotly.js bundle alone is 4.8 MB
MAX_CELL_LINES = 25


def test_there_are_notebooks():
    assert (ROOT / "notebooks" / "00_welcome.ipynb") in NOTEBOOKS
    assert (ROOT / "notebooks" / "01_lifecycle.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", ALL, ids=rel)
def test_conventions(path):
    raw = path.read_text(encoding="utf-8")
    nb = nbformat.reads(raw, as_version=4)
    nbformat.validate(nb)
    assert len(raw.encode()) < MAX_COMMITTED_BYTES, "notebook file too large to review"
    assert "widgets" not in nb.metadata, "widget state saved in the notebook metadata"
    cells = code_cells(nb)
    assert len(cells) >= 2
    assert "parameters" in cells[0].metadata.get("tags", []), "first code cell must be tagged 'parameters'"
    assert re.search(r"^QUICK\s*=\s*False\s*$", cells[0].source, re.M), "parameters cell needs QUICK = False"
    assert "setup_notebook(" in cells[1].source, "second code cell must call course_kit.setup_notebook()"
    for i, cell in enumerate(cells):
        assert not cell.get("outputs"), f"code cell {i} committed with outputs"
        assert cell.get("execution_count") is None, f"code cell {i} committed with an execution count"
        lines = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        assert len(lines) <= MAX_CELL_LINES, f"code cell {i} has {len(lines)} lines: move logic into course_kit"
        assert not re.search(r"^\s*class\s+\w+", cell.source, re.M), f"code cell {i} defines a class"
        assert not re.search(r"renderers\.default\s*=\s*['\"]notebook", cell.source), "never the notebook renderer"
        assert "renderer=\"notebook\"" not in cell.source and "renderer='notebook'" not in cell.source


@pytest.mark.notebook
@pytest.mark.parametrize("path", ALL, ids=rel)
def test_executes_and_validates(path, tmp_path):
    out = tmp_path / path.name
    code, report = nb_expected.run_quick(path, out)
    assert code == 0, f"nbval failed on {rel(path)}:\n{report}"
    executed = nbformat.read(out, as_version=4)
    size = len(nbformat.writes(executed).encode())
    assert size < MAX_EXECUTED_BYTES, f"executed notebook is {size/1e6:.1f} MB: plotly.js or widget state embedded?"
    assert sum(len(c.get("outputs", [])) for c in code_cells(executed)) > 0, "no outputs captured from the run"
    for cell in code_cells(executed):
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error", f"cell raised {o.get('ename')}: {o.get('evalue')}"
            html = o.get("data", {}).get("text/html", "")
            assert "plotly.js v" not in html and len(html) < 500_000, "plotly.js embedded in an output"
    changed = nb_expected.problems(path, executed)
    assert not changed, "checked outputs differ from tests/expected_outputs/:\n" + "\n".join(changed)
