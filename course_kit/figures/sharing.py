"""Figures for GPU sharing (``course_kit.sharing``): the time-slice trade-off."""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from course_kit.figures import palette as pal

__all__ = ["time_slicing_figure"]


def time_slicing_figure(rows, *, n_tenants: int, switch_ms: float, mark_ms=(100, 200)):
    """Overhead (%) and tenant wait (ms) against slice length, from :func:`sharing.slice_sweep` rows."""
    x = [r["slice_ms"] for r in rows]
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        # two short lines: a subplot title is centred over its panel and is cut, not wrapped, when
        # it is wider than the panel (at 1000 px the one-line title lost its first word)
        f"switch overhead<br><sup>{switch_ms:g} ms per switch: the course text's assumption</sup>",
        f"tenant wait with {n_tenants} tenants"))
    fig.add_trace(go.Scatter(x=x, y=[r["overhead_pct"] for r in rows], name="overhead %", mode="lines+markers",
                             line={"color": pal.BLACK}, marker={"symbol": "circle"}), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=[r["worst_wait_ms"] for r in rows], name="worst wait", mode="lines+markers",
                             line={"color": pal.VERMILLION, "dash": "dash"}, marker={"symbol": "square"}), 1, 2)
    fig.add_trace(go.Scatter(x=x, y=[r["mean_wait_ms"] for r in rows], name="mean wait", mode="lines+markers",
                             line={"color": pal.BLUE}, marker={"symbol": "diamond"}), 1, 2)
    for k, m in enumerate(mark_ms):  # the slice lengths the text discusses, labelled in both panels
        for col, xref in ((1, "x"), (2, "x2")):
            fig.add_vline(x=m, line_dash="dot", line_color=pal.NEUTRAL, row=1, col=col)
            # placed by hand: on a log axis an annotation's x is log10(value) (add_vline's own
            # annotation takes the raw value and blows the axis range up)
            # neighbouring marks (100 and 200 ms on a log axis) are staggered so their labels never touch
            fig.add_annotation(x=math.log10(m), xref=xref, y=1 - 0.09 * (k % 2),
                               yref=f"{'y' if col == 1 else 'y2'} domain",
                               text=f"{m:g} ms", showarrow=False, xanchor="left", yanchor="top", xshift=2,
                               font={"size": 10, "color": "#444444"})
    fig.update_xaxes(type="log", dtick=1, title="time slice (ms)")
    fig.update_yaxes(title="GPU time lost (%)", row=1, col=1)
    fig.update_yaxes(title="wait (ms)", row=1, col=2)
    fig.update_layout(height=360, legend=dict(orientation="h", y=-0.25), margin=dict(t=70))
    return fig
