"""Figures of section 8: how a cascade grows round by round, the utilisation threshold, and a
month of metrics around a planted degradation. No formula lives here."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from course_kit.scenarios import SIGNATURES, CascadeResult

__all__ = ["cascade_figure", "cascade_sweep_figure", "degradation_figure"]

#: One colour per protection, shared by the section's figures (red = unprotected), so a colour means
#: the same thing in every figure; other labels take the next colour of a 24-colour palette.
PROTECTION_COLOURS = {"no protection": "#d62728", "circuit breaker": "#1f77b4", "backpressure": "#2ca02c",
                      "circuit breaker + backpressure": "#9467bd"}
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash")


def _colour(label: str, i: int) -> str:
    from plotly.colors import qualitative

    return PROTECTION_COLOURS.get(label, qualitative.Dark24[i % len(qualitative.Dark24)])


def cascade_figure(results: Mapping[str, CascadeResult]) -> go.Figure:
    """Cumulative failed nodes after each round, one line per labelled result.

    A cascade that stopped early keeps its final count up to the last round of the longest run
    (drawn without markers there), so a run stopped at round 0 is a visible flat line rather than
    one point hidden under another; the legend gives each run's final count.
    """
    fig = go.Figure()
    rounds = max((len(r.failures_per_step) for r in results.values()), default=1)
    for i, (label, r) in enumerate(results.items()):
        cumulative = np.cumsum(r.failures_per_step)
        final = cumulative[-1] if len(cumulative) else 0
        held = np.concatenate([cumulative, np.full(rounds - len(cumulative), final)])
        sizes = [7] * len(cumulative) + [0] * (rounds - len(cumulative))
        fig.add_trace(go.Scatter(x=list(range(rounds)), y=held, mode="lines+markers",
                                 name=f"{label} ({int(held[-1])} failed)" if len(held) else label,
                                 line=dict(color=_colour(label, i), dash=_DASHES[i % len(_DASHES)], width=2.5),
                                 marker=dict(size=sizes)))
    n = max((r.n_nodes for r in results.values()), default=0)
    fig.update_layout(title=f"Cascade: failed nodes after each round (of {n})", xaxis_title="round",
                      yaxis_title="failed nodes", height=360, margin=dict(l=50, r=20, t=50, b=40))
    return fig


def cascade_sweep_figure(sweeps: Mapping[str, object]) -> go.Figure:
    """Share of clusters where one failure cascades, against mean utilisation (one line per label)."""
    fig = go.Figure()
    for i, (label, df) in enumerate(sweeps.items()):
        fig.add_trace(go.Scatter(x=df["mean_utilization"], y=df["cascade_share"], mode="lines+markers", name=label,
                                 line=dict(color=_colour(label, i), dash=_DASHES[i % len(_DASHES)], width=2.5)))
    fig.update_layout(title="One failure, whole cluster: the utilisation threshold",
                      xaxis_title="mean utilisation (fraction of capacity)", yaxis_title="share of clusters that cascade",
                      yaxis_range=[-0.05, 1.05], height=360, margin=dict(l=50, r=20, t=50, b=40))
    return fig


def degradation_figure(metrics, *, columns=None) -> go.Figure:
    """Daily medians of each metric as % change from the first week's median (a metric whose
    first-week median is 0, such as a count of rare events, is drawn as the change itself and
    labelled so: its % change is undefined).

    The step time (the symptom everyone sees) is a thick black line; every other metric has its own
    colour from a 24-colour palette (plotly's default cycle has 10, so an 11th metric would reuse the
    step time's colour).
    """
    from plotly.colors import qualitative

    cols = list(columns) if columns is not None else list(metrics.columns)
    others = iter(c for c in qualitative.Dark24 if c not in ("#222A2A",))  # no near-black: black is step time
    days = np.arange(len(metrics)) // 24
    daily = metrics[cols].groupby(days).median()
    base = daily.iloc[:7].median()
    fig = go.Figure()
    symptom_metrics = {m for sig in SIGNATURES.values() for m, _ in sig}
    for col in cols:
        if base[col] != 0:
            change, name = 100 * (daily[col] - base[col]) / abs(base[col]), col
        else:  # a % change of a zero baseline is undefined: plot the change itself and say so
            change, name = daily[col] - base[col], f"{col} (baseline 0: change, not %)"
        step = col == "step_time_s"
        line = dict(width=3.5, color="black") if step else dict(width=1.5, color=next(others, None))
        fig.add_trace(go.Scatter(x=daily.index, y=change, mode="lines", name=name, line=line,
                                 visible=True if col == "step_time_s" or col in symptom_metrics else "legendonly"))
    fig.update_layout(title="A month of metrics: % change from the first week (daily medians)",
                      xaxis_title="day", yaxis_title="% change", height=420, margin=dict(l=50, r=20, t=50, b=40))
    return fig
