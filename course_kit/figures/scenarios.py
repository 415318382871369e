"""Figures of section 8: how a cascade grows round by round, the utilisation threshold, and a
month of metrics around a planted degradation. No formula lives here."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from course_kit.scenarios import SIGNATURES, CascadeResult

__all__ = ["cascade_figure", "cascade_sweep_figure", "degradation_figure"]


def cascade_figure(results: Mapping[str, CascadeResult]) -> go.Figure:
    """Cumulative failed nodes after each round, one line per labelled result."""
    fig = go.Figure()
    for label, r in results.items():
        cumulative = np.cumsum(r.failures_per_step)
        fig.add_trace(go.Scatter(x=list(range(len(cumulative))), y=cumulative, mode="lines+markers", name=label))
    n = max((r.n_nodes for r in results.values()), default=0)
    fig.update_layout(title=f"Cascade: failed nodes after each round (of {n})", xaxis_title="round",
                      yaxis_title="failed nodes", height=360, margin=dict(l=50, r=20, t=50, b=40))
    return fig


def cascade_sweep_figure(sweeps: Mapping[str, object]) -> go.Figure:
    """Share of clusters where one failure cascades, against mean utilisation (one line per label)."""
    fig = go.Figure()
    for label, df in sweeps.items():
        fig.add_trace(go.Scatter(x=df["mean_utilization"], y=df["cascade_share"], mode="lines+markers", name=label))
    fig.update_layout(title="One failure, whole cluster: the utilisation threshold",
                      xaxis_title="mean utilisation (fraction of capacity)", yaxis_title="share of clusters that cascade",
                      yaxis_range=[-0.05, 1.05], height=360, margin=dict(l=50, r=20, t=50, b=40))
    return fig


def degradation_figure(metrics, *, columns=None) -> go.Figure:
    """Daily medians of each metric as % change from the first week's median."""
    cols = list(columns) if columns is not None else list(metrics.columns)
    days = np.arange(len(metrics)) // 24
    daily = metrics[cols].groupby(days).median()
    base = daily.iloc[:7].median()
    fig = go.Figure()
    symptom_metrics = {m for sig in SIGNATURES.values() for m, _ in sig}
    for col in cols:
        ref = base[col] if base[col] != 0 else 1.0
        change = 100 * (daily[col] - base[col]) / abs(ref)
        width = 3 if col == "step_time_s" else 1.5
        fig.add_trace(go.Scatter(x=daily.index, y=change, mode="lines", name=col, line=dict(width=width),
                                 visible=True if col == "step_time_s" or col in symptom_metrics else "legendonly"))
    fig.update_layout(title="A month of metrics: % change from the first week (daily medians)",
                      xaxis_title="day", yaxis_title="% change", height=420, margin=dict(l=50, r=20, t=50, b=40))
    return fig
