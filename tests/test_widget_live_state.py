"""Every live figure answers a full-state request with its current data (issue 15, item 1).

Voila runs a section's notebook to the end, then its page asks the kernel for every widget's
state. plotly's ``FigureWidget`` used to answer with the figure as constructed (empty for the
rack, topology and roofline widgets: blank dashboards). The expected values are the figure's own
Python-side traces (``fig.data``), which plotly keeps current, compared with what a late page
would receive (``get_state()``: the comm's full-state reply).
"""

from __future__ import annotations

import pytest

from course_kit import widgets

pytest.importorskip("plotly")


def _figures(widget):
    import plotly.graph_objects as go

    if isinstance(widget, go.FigureWidget):
        yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _figures(child)


def _length(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, dict) and "shape" in value:  # a numpy array sent as a binary buffer
        return int(value["shape"][0])
    return len(value)


def _assert_state_current(panel) -> int:
    figs = list(_figures(panel))
    assert figs, "the widget shows no live figure"
    for fig in figs:
        state = fig.get_state()
        sent = state["_widget_data"]
        assert len(sent) == len(fig.data), f"{len(sent)} traces sent, {len(fig.data)} in the figure"
        for trace, sent_trace in zip(fig.data, sent):
            for axis in ("x", "y", "z"):
                have = getattr(trace, axis, None)
                if have is not None:
                    assert _length(sent_trace.get(axis)) == len(have), (trace.name, axis)
        title = fig.layout.title.text
        if title:
            assert state["_widget_layout"]["title"]["text"] == title
    return len(figs)


@pytest.mark.parametrize("name", sorted(set(widgets._WIDGETS) - {"predict"}))  # predict draws no figure
def test_full_state_is_current_after_build(name):
    from figure_tools import build_widget

    _assert_state_current(build_widget(name))


@pytest.mark.parametrize("name, control, value", [
    ("rack_power", "count:DGX H100", 5),
    ("topology_explorer", "k", 6),
    ("roofline_explorer", "precision", "fp32"),
    ("scheduler_playground", "nodes", 6),
    ("mig_partitioner", "gpu", "H100-SXM5-80GB"),
    ("latency_budget", "slo_ms", 50.0),
])
def test_full_state_is_current_after_an_input(name, control, value):
    panel = getattr(widgets, name)()
    panel.controls[control].value = value
    assert panel.error is None
    _assert_state_current(panel)
