"""The figure catalogue (tests/figure_catalogue.py) is what the palette, contrast and browser layout
checks iterate over: it must build every figure a notebook shows."""

from __future__ import annotations

import re

import nbformat

from helpers import ROOT

CATALOGUE = (ROOT / "tests" / "figure_catalogue.py").read_text()
WIDGET_SOURCES = "".join(p.read_text() for p in (ROOT / "course_kit" / "widgets").glob("*.py"))


def notebook_figure_calls() -> dict[str, set[str]]:
    """``*_figure`` functions called in the notebooks' code cells → the notebooks calling them."""
    calls: dict[str, set[str]] = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                for name in re.findall(r"\b([a-z_]+_figure)\(", cell.source):
                    calls.setdefault(name, set()).add(path.stem)
    return calls


def test_the_catalogue_builds_every_figure_the_notebooks_show():
    calls = notebook_figure_calls()
    assert len(calls) >= 20, f"too few figure calls found in the notebooks ({sorted(calls)}): the scan is broken"
    # built by name in the catalogue, or by a widget (the catalogue builds every registered widget)
    missing = {n: sorted(nbs) for n, nbs in calls.items()
               if not re.search(rf"\b{n}\(", CATALOGUE) and not re.search(rf"\b{n}\(", WIDGET_SOURCES)}
    assert not missing, f"figures shown in notebooks but never built by tests/figure_catalogue.py: {missing}"
