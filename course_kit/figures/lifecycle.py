"""Figures of section 1: the latency waterfall and the end-to-end distribution with the SLO line."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from course_kit.figures import palette as pal
from course_kit.lifecycle import BudgetResult

__all__ = ["waterfall_figure", "distribution_figure", "waterfall_data", "distribution_data",
           "update_waterfall_figure", "update_distribution_figure", "backlog_figure", "queue_figure",
           "SLO_COLOR"]

SLO_COLOR = pal.VERMILLION
#: percentile lines: colour and dash differ (the dash is the second cue), SLO is vermillion dashed
_PCT_STYLE = {50: (pal.GREEN, "dot"), 95: (pal.PURPLE, "dashdot"), 99: (pal.WINE, "longdash")}
_STAGE_COLOR = pal.BLUE
_TOTAL_COLOR = pal.BLACK


def _nice_top(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) that is >= ``value``:
    an axis top that stays put while the data moves a little, so a widget's update can skip the
    full redraw (:meth:`LiveFigure.without_redraw` needs fixed ranges).

    >>> _nice_top(87.0), _nice_top(0.0213), _nice_top(100.0)
    (100.0, 0.025, 100.0)
    """
    if not value > 0:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(value))  # value / scale lies in [1, 10): step 10 always fits
    step = next(s for s in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if s * scale >= value * (1 - 1e-12))
    return float(round(step * scale, 12))


def waterfall_data(result: BudgetResult) -> dict:
    """Floating bars: each stage's mean latency stacked on the stages before it (``base``), then
    the total from zero; ``y_range``: a fixed y axis holding the total and the SLO line."""
    names = [*result.stage_names, "total (mean)"]
    means = [float(m) for m in result.stage_mean_ms]
    tops = np.cumsum(means).tolist()
    total = tops[-1] if tops else 0.0
    return {"x": names, "y": [*means, total], "base": [0.0, *tops[:-1], 0.0],
            "y_range": [0.0, _nice_top(max(total, result.slo_ms) * 1.08)]}


def waterfall_figure(result: BudgetResult) -> go.Figure:
    """Where the time goes: stage means stacked into the end-to-end mean, with the SLO line.

    Drawn as floating bars (a bar trace with ``base``), not plotly's waterfall trace: the same
    picture, and a bar trace is one plotly.js can redraw alone (a slider step in the latency
    widget moves the bars without re-running the whole figure)."""
    d = waterfall_data(result)
    colours = [_STAGE_COLOR] * (len(d["x"]) - 1) + [_TOTAL_COLOR]
    fig = go.Figure(go.Bar(x=d["x"], y=d["y"], base=d["base"], name="mean latency",
                           # values inside the bars: outside, a value at the SLO's height
                           # printed over the SLO line
                           texttemplate="%{y:.1f}", textposition="inside",
                           insidetextfont={"color": [pal.text_on(c) for c in colours]},
                           marker={"color": colours}, hovertemplate="%{x}: %{y:.1f} ms<extra></extra>"))
    # The SLO label sits in the right margin, outside the bars, so it never covers a bar's value.
    fig.add_hline(y=result.slo_ms, line_color=SLO_COLOR, line_dash="dash",
                  annotation_text=f"SLO {result.slo_ms:g} ms", annotation_position="right",
                  annotation_font_color=SLO_COLOR, layer="below")
    fig.update_layout(title="Latency budget: mean time per stage", yaxis_title="ms", yaxis_range=d["y_range"],
                      height=360, margin=dict(l=50, r=80, t=50, b=40), showlegend=False)
    return fig


def _edit(fig, same_axes: bool):
    """Where a figure's edits go: a live figure's :meth:`without_redraw` when only its data moves
    inside unchanged axes, otherwise one ordinary batch (a full redraw)."""
    return fig.without_redraw() if same_axes and hasattr(fig, "without_redraw") else fig.batch_update()


def _same(current, wanted) -> bool:
    return current is not None and [float(v) for v in current] == [float(v) for v in wanted]


def update_waterfall_figure(fig, result: BudgetResult) -> None:
    """Redraw a figure from :func:`waterfall_figure` in place (a widget's ``FigureWidget``): the
    stage means, and, only when they change, the y range and the SLO line with its label.

    >>> from course_kit import lifecycle
    >>> r = lifecycle.budget_check(lifecycle.REALTIME_INGESTION_STAGES, 100, 95, n=1000)
    >>> fig = waterfall_figure(r)
    >>> update_waterfall_figure(fig, lifecycle.budget_check(lifecycle.REALTIME_INGESTION_STAGES, 80, 95, n=1000))
    >>> fig.layout.shapes[0].y0, fig.layout.annotations[0].text
    (80.0, 'SLO 80 ms')
    """
    d = waterfall_data(result)
    layout_moves = not _same(fig.layout.yaxis.range, d["y_range"]) or fig.layout.shapes[0].y0 != result.slo_ms
    with _edit(fig, not layout_moves):
        fig.data[0].y, fig.data[0].base = d["y"], d["base"]
        if layout_moves:
            fig.layout.yaxis.range = d["y_range"]
            fig.layout.shapes[0].y0 = fig.layout.shapes[0].y1 = result.slo_ms
            fig.layout.annotations[0].text = f"SLO {result.slo_ms:g} ms"
            fig.layout.annotations[0].y = result.slo_ms


def update_distribution_figure(fig, samples: np.ndarray, percentiles: dict, slo_ms: float) -> None:
    """Redraw a figure from :func:`distribution_figure` in place: histogram and marker lines, and
    the axis ranges when they change."""
    d = distribution_data(samples, percentiles, slo_ms)
    axes_move = not (_same(fig.layout.xaxis.range, d["x_range"]) and _same(fig.layout.yaxis.range, d["y_range"]))
    with _edit(fig, not axes_move):
        fig.data[0].x, fig.data[0].y = d["x"], d["y"]
        for trace in fig.data[1:]:
            x = d["lines"][trace.name]
            trace.x, trace.y = [x, x], d["y_range"]
        if axes_move:
            fig.layout.xaxis.range, fig.layout.yaxis.range = d["x_range"], d["y_range"]


def distribution_data(samples: np.ndarray, percentiles: dict, slo_ms: float, bins: int = 60) -> dict:
    """Histogram (60 bins, so a widget ships 60 numbers, not 20,000 samples) and marker lines, on
    fixed axes: x from 0 to a round value past the 99.5th percentile and the SLO, y to a round
    value above the tallest bin (the bins stay put while the data moves a little)."""
    hi = _nice_top(max(float(np.percentile(samples, 99.5)), slo_ms * 1.1))
    counts, edges = np.histogram(samples, bins=bins, range=(0.0, hi))
    centres = (edges[:-1] + edges[1:]) / 2
    share = counts / max(len(samples), 1)
    ymax = float(share.max()) if len(share) else 1.0
    return {"x": centres, "y": share, "x_range": [0.0, hi], "y_range": [0.0, _nice_top(ymax * 1.1)],
            "lines": {**{f"p{p:g}": float(v) for p, v in percentiles.items()}, "SLO": float(slo_ms)}}


def distribution_figure(samples: np.ndarray, percentiles: dict, slo_ms: float) -> go.Figure:
    """End-to-end latency distribution with p50/p95/p99 and the SLO as vertical lines.

    Trace 0 is the histogram; the following traces are the lines, named ``p50``, ``p95``, ``p99``,
    ``SLO`` (their x values are the figures; tests and widgets rely on this order).
    """
    d = distribution_data(samples, percentiles, slo_ms)
    # the histogram as one filled step line ("hvh": a step centred on each bin), not 60 bars: the
    # same picture, one SVG path for the browser to redraw on every slider step instead of 60
    fig = go.Figure(go.Scatter(x=d["x"], y=d["y"], mode="lines", line={"shape": "hvh", "color": pal.BLUE, "width": 1},
                               fill="tozeroy", fillcolor=pal.BLUE, name="share of requests"))
    for name, x in d["lines"].items():
        color, dash = (SLO_COLOR, "dash") if name == "SLO" else _PCT_STYLE.get(int(name[1:]), (pal.NEUTRAL, "solid"))
        fig.add_trace(go.Scatter(x=[x, x], y=d["y_range"], mode="lines", name=name,
                                 line={"color": color, "dash": dash, "width": 2.5}))
    fig.update_layout(title="End-to-end latency (Monte-Carlo)", xaxis_title="ms",
                      yaxis_title="share of requests", height=360, bargap=0,
                      xaxis_range=d["x_range"], yaxis_range=d["y_range"],
                      margin=dict(l=50, r=20, t=50, b=40), legend=dict(orientation="h", y=-0.25))
    return fig


def backlog_figure(t_s, backlog, *, unit: str = "GB", title: str = "Backlog when arrivals exceed throughput"):
    """Backlog over time (fluid model)."""
    fig = go.Figure(go.Scatter(x=t_s, y=backlog, mode="lines", name="backlog", line={"width": 3, "color": pal.BLUE}))
    fig.update_layout(title=title, xaxis_title="time (s)", yaxis_title=f"backlog ({unit})",
                      height=320, margin=dict(l=50, r=20, t=50, b=40))
    return fig


def queue_figure(table) -> go.Figure:
    """Mean queueing delay vs utilisation: formulas as lines, simulations as markers."""
    fig = go.Figure()
    x = list(table.index)
    for model, colour, dash, sym in (("mm1", pal.BLUE, "solid", "x"), ("md1", pal.VERMILLION, "dash", "circle-open")):
        label = "M/M/1" if model == "mm1" else "M/D/1"
        fig.add_trace(go.Scatter(x=x, y=table[f"{model}_formula_ms"], mode="lines", name=f"{label} formula",
                                 line={"color": colour, "dash": dash}))
        fig.add_trace(go.Scatter(x=x, y=table[f"{model}_simulated_ms"], mode="markers",
                                 name=f"{label} simulated", marker={"color": colour, "size": 10,
                                                                     "symbol": sym}))
    fig.update_layout(title="Queueing delay explodes near saturation", xaxis_title="utilisation ρ = λ/μ",
                      yaxis_title="mean wait (ms)", height=340, margin=dict(l=50, r=20, t=50, b=40))
    return fig
