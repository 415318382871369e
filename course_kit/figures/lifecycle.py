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


def waterfall_data(result: BudgetResult) -> dict:
    """Waterfall bars: each stage's mean latency, then the total."""
    names = [*result.stage_names, "total (mean)"]
    values = [*result.stage_mean_ms, 0.0]
    measure = ["relative"] * len(result.stage_names) + ["total"]
    return {"x": names, "y": values, "measure": measure}


def waterfall_figure(result: BudgetResult) -> go.Figure:
    """Where the time goes: stage means stacked into the end-to-end mean, with the SLO line."""
    d = waterfall_data(result)
    # Stage times are costs, not gains: neutral blues instead of plotly's green "increasing" bars.
    fig = go.Figure(go.Waterfall(x=d["x"], y=d["y"], measure=d["measure"], name="mean latency",
                                 # values inside the bars: outside, a value at the SLO's height
                                 # printed over the SLO line
                                 texttemplate="%{delta:.1f}", textposition="inside",
                                 insidetextfont={"color": pal.text_on(_STAGE_COLOR)},
                                 increasing={"marker": {"color": _STAGE_COLOR}},
                                 totals={"marker": {"color": _TOTAL_COLOR}},
                                 connector={"line": {"color": pal.NEUTRAL}}))
    # The SLO label sits in the right margin, outside the bars, so it never covers a bar's value.
    fig.add_hline(y=result.slo_ms, line_color=SLO_COLOR, line_dash="dash",
                  annotation_text=f"SLO {result.slo_ms:g} ms", annotation_position="right",
                  annotation_font_color=SLO_COLOR, layer="below")
    fig.update_layout(title="Latency budget: mean time per stage", yaxis_title="ms",
                      height=360, margin=dict(l=50, r=80, t=50, b=40), showlegend=False)
    return fig


def update_waterfall_figure(fig, result: BudgetResult) -> None:
    """Redraw a figure from :func:`waterfall_figure` in place (a widget's ``FigureWidget``): the
    stage means, the SLO line and its label, in one batch.

    >>> from course_kit import lifecycle
    >>> r = lifecycle.budget_check(lifecycle.REALTIME_INGESTION_STAGES, 100, 95, n=1000)
    >>> fig = waterfall_figure(r)
    >>> update_waterfall_figure(fig, lifecycle.budget_check(lifecycle.REALTIME_INGESTION_STAGES, 80, 95, n=1000))
    >>> fig.layout.shapes[0].y0, fig.layout.annotations[0].text
    (80.0, 'SLO 80 ms')
    """
    d = waterfall_data(result)
    with fig.batch_update():
        fig.data[0].y = d["y"]
        fig.layout.shapes[0].y0 = fig.layout.shapes[0].y1 = result.slo_ms
        fig.layout.annotations[0].text = f"SLO {result.slo_ms:g} ms"
        fig.layout.annotations[0].y = result.slo_ms


def update_distribution_figure(fig, samples: np.ndarray, percentiles: dict, slo_ms: float) -> None:
    """Redraw a figure from :func:`distribution_figure` in place: histogram and marker lines."""
    d = distribution_data(samples, percentiles, slo_ms)
    with fig.batch_update():
        fig.data[0].x, fig.data[0].y = d["x"], d["y"]
        for trace in fig.data[1:]:
            x = d["lines"][trace.name]
            trace.x, trace.y = [x, x], [0, d["ymax"] * 1.05]


def distribution_data(samples: np.ndarray, percentiles: dict, slo_ms: float, bins: int = 60) -> dict:
    """Histogram (as bars, so a widget ships 60 numbers, not 20,000 samples) and marker lines."""
    hi = max(float(np.percentile(samples, 99.5)), slo_ms * 1.1)
    counts, edges = np.histogram(samples, bins=bins, range=(0.0, hi))
    centres = (edges[:-1] + edges[1:]) / 2
    share = counts / max(len(samples), 1)
    ymax = float(share.max()) if len(share) else 1.0
    return {"x": centres, "y": share, "width": float(edges[1] - edges[0]), "ymax": ymax,
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
        fig.add_trace(go.Scatter(x=[x, x], y=[0, d["ymax"] * 1.05], mode="lines", name=name,
                                 line={"color": color, "dash": dash, "width": 2.5}))
    fig.update_layout(title="End-to-end latency (Monte-Carlo)", xaxis_title="ms",
                      yaxis_title="share of requests", height=360, bargap=0,
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
