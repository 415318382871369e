"""Predict-then-check and find-the-error moments in the section notebooks (issue 12).

* every section notebook of the content owner (01, 02, 04, 07, 09, 10) has at least two
  ``ck.widgets.predict(...)`` cells; the others (03, 05, 06, 08) are reported, not yet required;
* at least five find-the-error moments: a markdown cell with "**Find the error.**" and a hint, followed
  within two cells by a collapsed reveal (``<details>``, or a markdown cell whose metadata sets
  ``jupyter.source_hidden``) that holds the Erratum and cites docs/sources.md;
* every predict call's answer is computed, not typed (its second argument is not a bare number).
"""

from __future__ import annotations

import ast
import json

import pytest

from tests.helpers import ROOT

REQUIRED = ["01_lifecycle", "02_compute", "04_scheduling", "07_assessments", "09_best_practices", "10_frontiers"]


def _cells(stem):
    path = next((ROOT / "notebooks").glob(f"{stem}*.ipynb"))
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _predict_calls(cells):
    calls = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "predict":
                calls.append(node)
    return calls


@pytest.mark.parametrize("stem", REQUIRED)
def test_two_predict_moments_per_notebook(stem):
    calls = _predict_calls(_cells(stem))
    assert len(calls) >= 2, f"{stem}: {len(calls)} predict moment(s), need 2"
    for call in calls:
        assert len(call.args) >= 2, "predict(prompt, answer, ...)"
        assert not isinstance(call.args[1], ast.Constant), "the answer must be computed, not typed"
        keywords = {k.arg for k in call.keywords}
        assert {"low", "high", "explain"} <= keywords, f"{stem}: give low, high and explain"


def _is_reveal(cell):
    text = "".join(cell["source"])
    hidden = cell.get("metadata", {}).get("jupyter", {}).get("source_hidden", False)
    return cell["cell_type"] == "markdown" and ("<details>" in text or hidden) and "Erratum" in text \
        and "sources.md#" in text


def test_at_least_five_find_the_error_moments_with_hint_and_collapsed_reveal():
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            text = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and "**Find the error.**" in text:
                assert "Hint" in text, f"{path.name} cell {i}: a find-the-error prompt needs a hint"
                after = cells[i + 1:i + 4]
                assert any(_is_reveal(c) for c in after), f"{path.name} cell {i}: no collapsed erratum after it"
                # the erratum is not given away before the reveal
                assert "**Erratum" not in text, f"{path.name} cell {i}: the erratum is shown with the prompt"
                found.append(f"{path.name}:{i}")
    assert len(found) >= 5, found
