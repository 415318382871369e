"""Figures for training-cluster reliability (:mod:`course_kit.reliability`): goodput vs checkpoint interval.

The builders take precomputed curves and intervals (:func:`course_kit.widgets.checkpoint` and the
notebooks call the model); ``goodput_figure(..., widget=True)`` returns a ``FigureWidget`` that
:func:`update_goodput_figure` rewrites in place.
"""

from __future__ import annotations

import plotly.graph_objects as go

from course_kit.figures import palette as pal
from course_kit.figures.live import LiveFigure

__all__ = ["goodput_figure", "update_goodput_figure", "MARKERS"]

MARKERS = {"Young": (pal.VERMILLION, "triangle-up"), "Daly": (pal.PURPLE, "diamond"),
           "exact optimum": (pal.GREEN, "star")}


def goodput_figure(curve, marks, *, title: str = "", widget: bool = False, monte_carlo=None):
    """``curve``: (intervals in minutes, goodput 0–1). ``marks``: name → (interval min, goodput).
    ``monte_carlo``: optional (intervals min, simulated goodput) drawn as points."""
    fig = (LiveFigure if widget else go.Figure)()
    fig.add_scatter(x=[], y=[], mode="lines", name="expected goodput", line=dict(color=pal.BLUE, width=3),
                    hovertemplate="every %{x:.3g} min → %{y:.2%}<extra></extra>")
    for name, (color, symbol) in MARKERS.items():
        fig.add_scatter(x=[], y=[], mode="markers", name=name, marker=dict(color=color, symbol=symbol, size=13,
                        line=dict(color="white", width=1)), hovertemplate="%{x:.3g} min → %{y:.3%}<extra>" + name + "</extra>")
    if monte_carlo is not None:
        fig.add_scatter(x=list(monte_carlo[0]), y=list(monte_carlo[1]), mode="markers", name="Monte Carlo",
                        marker=dict(color=pal.BLACK, symbol="circle-open", size=8))
    fig.update_layout(height=360, margin=dict(l=60, r=20, t=50, b=45),
                      xaxis=dict(type="log", title="checkpoint every … minutes of work"),
                      yaxis=dict(title="goodput (useful share of wall-clock time)", tickformat=".0%"),
                      legend=dict(x=0.01, y=0.02, bgcolor="rgba(255,255,255,0.8)"))
    update_goodput_figure(fig, curve, marks, title=title)
    return fig


def update_goodput_figure(fig, curve, marks, *, title: str = "") -> None:
    xs, ys = curve
    lo = float(min(ys))
    with fig.batch_update():
        fig.data[0].update(x=xs, y=ys)
        for i, name in enumerate(MARKERS, start=1):
            x, y = marks[name]
            fig.data[i].update(x=[x], y=[y])
        fig.layout.update(yaxis_range=[max(0.0, lo - 0.02), 1.0], title=dict(text=title, font=dict(size=14)))
