"""How a live figure's JavaScript reaches the page (course_kit.figures.live): plotly's widget module
once per kernel, without its echo messages; each figure ships a two-line module that awaits it."""

from __future__ import annotations

import re

import pytest

from course_kit import widgets
from course_kit.figures import live


def test_the_shared_module_is_plotlys_without_its_echoes_and_resolves_the_page_promise():
    shared = live.shared_module()
    assert shared is not None, "this plotly build's widget module was not recognised: figures ship 5 MB each"
    assert len(shared) > 1_000_000  # the whole widget module, once
    for method in ("_sendTraceDeltas", "_sendLayoutDelta"):
        assert re.search(rf"{method}\(\w+\)\{{return;", shared), f"{method} still echoes to the kernel"
    last = shared.rstrip().splitlines()[-1]
    resolved = re.fullmatch(r"\(globalThis\.__ckPlotlyWidget \|\|= .*\)\.resolve\(([\w$]+)\);", last)
    assert resolved, f"the module does not end by resolving the page-wide promise: {last[-120:]!r}"
    assert f"{resolved.group(1)} as default}}" in shared, "it must resolve with the module's default export"


@pytest.mark.parametrize("name", sorted(n for n in widgets._WIDGETS if n != "predict"))
def test_every_widget_figure_ships_the_stub_not_the_module(name):
    panel = getattr(widgets, name)()
    assert panel.figures, f"{name} has no live figure"
    for fig in panel.figures:
        assert isinstance(fig, live.LiveFigure)
        assert fig._esm == live.STUB_ESM and len(fig._esm) < 1_000
    # one PlotlyModule for the whole kernel, however many figures were made
    assert len(live._shared) == 1 and live._shared[0].comm is not None


def test_a_closed_module_widget_is_replaced():
    live.live_figure()
    old = live._shared[0]
    old.close()
    live.live_figure()
    assert live._shared[0] is not old and live._shared[0].comm is not None
