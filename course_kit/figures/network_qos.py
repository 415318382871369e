"""Figures for the course text's congestion score and QoS classes (``course_kit.network_qos``)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from course_kit.figures import palette as pal

__all__ = ["congestion_figure"]


def congestion_figure(utilizations, queue_depths, grid, qos_rows, *, threshold: float = 0.7):
    """Left: score heat map (utilisation × queue depth, no loss) with the 'congested' contour.
    Right: per-class bandwidth as offered load grows (rows from :func:`network_qos.qos_sweep`)."""
    peak = max((max(row) for row in grid), default=0.0)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.2, subplot_titles=(
        # two short lines: a subplot title wider than its panel is cut, not wrapped
        f"course-text congestion score, no loss<br><sup>max {peak:.2f}; congested > {threshold:g}</sup>",
        "QoS classes: bandwidth received"))
    # the colour bar sits in the gap between the two panels, clear of the right panel's axis title
    fig.add_trace(go.Heatmap(x=list(utilizations), y=list(queue_depths), z=grid, zmin=0, zmax=1,
                             colorscale="YlOrRd", colorbar=dict(x=0.41, len=0.9, thickness=14, title="score")), 1, 1)
    fig.add_trace(go.Contour(x=list(utilizations), y=list(queue_depths), z=grid, showscale=False,
                             name=f"score = {threshold:g}", showlegend=False,
                             contours=dict(start=threshold, end=threshold, size=0.1, coloring="none"),
                             line=dict(color="black", width=2, dash="dash"), hoverinfo="skip"), 1, 1)
    x = [r["offered_gbps"] for r in qos_rows]
    # stacked areas: colour plus a hatch per class, and the legend names them
    for i, (name, color) in enumerate((("high", pal.VERMILLION), ("medium", pal.PURPLE), ("low", pal.BLUE))):
        fig.add_trace(go.Scatter(x=x, y=[r[name] for r in qos_rows], name=name, stackgroup="q",
                                 line=dict(color=color), fillpattern=dict(shape=pal.PATTERNS[i + 1], fgcolor="white",
                                                                          fillmode="overlay", size=7)), 1, 2)
    fig.update_xaxes(title="link utilisation", row=1, col=1)
    fig.update_yaxes(title="queue depth (packets)", row=1, col=1)
    fig.update_xaxes(title="offered load (Gb/s)", row=1, col=2)
    fig.update_yaxes(title="allocated (Gb/s)", row=1, col=2)
    fig.update_layout(height=380, legend=dict(orientation="h", y=-0.25, title="QoS class"), margin=dict(t=70))
    return fig
