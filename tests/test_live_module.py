"""How a live figure's JavaScript reaches the page (course_kit.figures.live): plotly's widget module
once per kernel, without its echo messages; each figure ships a two-line module that awaits it."""

from __future__ import annotations

import re
from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest

from course_kit import widgets
from course_kit.figures import live


def test_the_shared_module_is_plotlys_without_its_echoes_and_resolves_the_page_promise():
    shared = live.shared_module()
    assert shared is not None, "this plotly build's widget module was not recognised: figures ship 5 MB each"
    assert len(shared) > 1_000_000  # the whole widget module, once
    for method in ("_sendTraceDeltas", "_sendLayoutDelta"):
        assert re.search(rf"{method}\(\w+\)\{{return;", shared), f"{method} still echoes to the kernel"
    for handler in ("handle_plotly_restyle", "handle_plotly_relayout", "handle_plotly_update"):
        assert re.search(rf"{handler}\(\w+\)\{{return;", shared), f"{handler} still reports to the kernel"
    # the marker plotly.js would take for an unknown attribute (a full redraw per update) is gone from
    # the data of restyle, relayout and update; only the animate call's own options object keeps it
    assert len(re.findall(r"\w+\._doNotReportToPy=!0;var \w+=this;\w+\.default\.animate", shared)) == 1
    assert len(re.findall(r"_doNotReportToPy=!0", shared)) == 1
    last = shared.rstrip().splitlines()[-1]
    resolved = re.fullmatch(r"\(globalThis\.__ckPlotlyWidget \|\|= .*\)\.resolve\(([\w$]+)\);", last)
    assert resolved, f"the module does not end by resolving the page-wide promise: {last[-120:]!r}"
    assert f"{resolved.group(1)} as default}}" in shared, "it must resolve with the module's default export"


def test_the_stock_module_has_what_the_patch_removes():
    """The patch is checked against the pinned plotly build: if these stop matching, quiet_module()
    returns None and the first test fails; this one says which part moved."""
    stock = (Path(plotly.__file__).parent / "package_data" / "widgetbundle.js").read_text(encoding="utf-8")
    assert live._drop_markers(stock)[1] == 3
    assert len(live._REPORTS.findall(stock)) == 3 and len(live._ECHOES.findall(stock)) == 2


def test_drop_markers_drops_only_an_identifiers_marker():
    text = "a;ge._doNotReportToPy=!0,f(ge);x=[._doNotReportToPy=!0,];$x._doNotReportToPy=!0,g()"
    assert live._drop_markers(text) == ("a;f(ge);x=[._doNotReportToPy=!0,];g()", 2)


def test_move_shape_sends_the_whole_shapes_array():
    """A whole ``shapes`` array is plotly.js's cheap 'arraydraw' edit; ``shapes.0.x0`` re-runs the figure."""
    fig = live.live_figure()
    fig.add_shape(type="line", x0=1, x1=1, y0=0, y1=1)
    fig.add_shape(type="rect", x0=2, x1=3, y0=0, y1=1)
    sent = []
    fig._send_relayout_msg = lambda data, source_view_id=None: sent.append(("relayout", data))
    fig._send_update_msg = lambda restyle_data, relayout_data, *a, **k: sent.append(("update", relayout_data))
    live.move_shape(fig, 0, x0=5, x1=5)
    with fig.batch_update():
        live.move_shape(fig, 1, x1=4)
    assert [list(data) for _, data in sent] == [["shapes"], ["shapes"]]
    assert [(s.type, s.x0, s.x1) for s in fig.layout.shapes] == [("line", 5, 5), ("rect", 2, 4)]
    assert sent[-1][1]["shapes"][0]["x0"] == 5  # the other shapes travel unchanged
    with pytest.raises(ValueError, match=r"index must be in \[0, 1\]; got 2"):
        live.move_shape(fig, 2, x0=0)


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


@pytest.mark.parametrize("edit", ["update", "restyle", "relayout"])
def test_an_update_is_one_comm_message(edit):
    """plotly.py sends four messages per update (two edit counters, the update, then None): each a
    kernel → server → page hop and a task in the page before the draw. A LiveFigure sends one."""
    fig = live.live_figure(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])))
    sent = []
    fig._send = lambda msg, buffers=None: sent.append(msg)
    if edit == "update":
        with fig.batch_update():
            fig.data[0].y = [5, 6]
            fig.layout.title = "new"
    elif edit == "restyle":
        fig.data[0].y = [5, 6]
    else:
        fig.layout.title = "new"
    assert len(sent) == 1, [list(m["state"]) for m in sent]
    state = sent[0]["state"]
    assert set(state) == {"_last_trace_edit_id", "_last_layout_edit_id", "_py2js_update"}
    update = state["_py2js_update"]
    assert update["trace_edit_id"] == state["_last_trace_edit_id"]
    assert ("y" in update["style_data"]) == (edit != "relayout")
    assert ("title" in update["layout_data"]) == (edit != "restyle")
    # every message differs from the last (new edit ids), so the page always sees a change
    fig.layout.title = "newer"
    assert sent[-1]["state"]["_py2js_update"]["layout_edit_id"] == update["layout_edit_id"] + 1
    # a page connecting now gets the current figure, not the last update a second time
    full = fig.get_state()
    assert full["_py2js_update"] is None and full["_widget_layout"]["title"]["text"] == "newer"


def test_without_redraw_sends_one_animate_message_with_no_redraw():
    """Data-only edits inside ``without_redraw``: one ``Plotly.animate`` message asking for no
    transition and no full redraw; the figure holds the new data; a page connecting later gets the
    current figure, not the animation again. Outside it, edits are ordinary updates."""
    fig = live.live_figure(go.Figure([go.Bar(x=["a", "b"], y=[3, 4]), go.Scatter(x=[1, 2], y=[1, 1])]))
    sent = []
    fig._send = lambda msg, buffers=None: sent.append(msg)
    with fig.without_redraw():
        fig.data[0].y = [5, 6]
        fig.data[1].x = [3, 4]
    assert len(sent) == 1, [list(m["state"]) for m in sent]
    state = sent[0]["state"]
    assert set(state) == {"_last_trace_edit_id", "_last_layout_edit_id", "_py2js_animate"}
    animate = state["_py2js_animate"]
    assert animate["animation_opts"]["frame"]["redraw"] is False
    assert animate["animation_opts"]["transition"]["duration"] == 0
    assert animate["style_traces"] == [0, 1] and animate["style_data"] == [{"y": [5, 6]}, {"x": [3, 4]}]
    assert list(fig.data[0].y) == [5, 6] and list(fig.data[1].x) == [3, 4]
    assert fig.get_state()["_py2js_animate"] is None
    fig.data[0].y = [7, 8]  # after the block: an ordinary update again
    assert "_py2js_update" in sent[-1]["state"]
    with fig.batch_animate(duration=300):  # plotly's own animation keeps its options
        fig.data[0].y = [1, 2]
    assert sent[-1]["state"]["_py2js_animate"]["animation_opts"]["transition"]["duration"] == 300
