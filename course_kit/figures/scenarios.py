"""Figures of section 8: how a cascade grows round by round, the utilisation threshold, and a
month of metrics around a planted degradation. No formula lives here."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from course_kit.figures import palette as pal
from course_kit.scenarios import CascadeResult

__all__ = ["cascade_figure", "cascade_sweep_figure", "degradation_figure"]

#: One colour (and dash) per protection, shared by the section's figures (vermillion = unprotected),
#: so a colour means the same thing in every figure; other labels take the next palette colour.
PROTECTION_COLOURS = {"no protection": pal.VERMILLION, "circuit breaker": pal.BLUE, "backpressure": pal.GREEN,
                      "circuit breaker + backpressure": pal.PURPLE}
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash")


def _colour(label: str, i: int) -> str:
    return PROTECTION_COLOURS.get(label, pal.colour(i))


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


def degradation_figure(metrics, *, columns=None, cols_per_row: int = 4) -> go.Figure:
    """Daily medians of each metric as % change from the first week's median, one small panel per
    metric (its name as the panel title), so no metric needs a colour of its own (a metric whose
    first-week median is 0, such as a count of rare events, is drawn as the change itself and
    labelled so: its % change is undefined).

    The step time (the symptom everyone sees) is the first panel, in black; every other metric is
    blue, with a dotted zero line in each panel.
    """
    import math

    from plotly.subplots import make_subplots

    cols = list(columns) if columns is not None else list(metrics.columns)
    days = np.arange(len(metrics)) // 24
    daily = metrics[cols].groupby(days).median()
    base = daily.iloc[:7].median()
    titles = []
    for col in cols:
        titles.append(f"{col} (change, baseline 0)" if base[col] == 0 else f"{col} (%)")
    n_rows = math.ceil(len(cols) / cols_per_row)
    fig = make_subplots(rows=n_rows, cols=cols_per_row, subplot_titles=titles, shared_xaxes=True,
                        horizontal_spacing=0.06, vertical_spacing=0.12)
    for k, col in enumerate(cols):
        if base[col] != 0:
            change = 100 * (daily[col] - base[col]) / abs(base[col])
        else:  # a % change of a zero baseline is undefined: plot the change itself and say so
            change = daily[col] - base[col]
        step = col == "step_time_s"
        row, c = k // cols_per_row + 1, k % cols_per_row + 1
        fig.add_trace(go.Scatter(x=daily.index, y=change, mode="lines", name=titles[k], showlegend=False,
                                 line=dict(width=3 if step else 2, color=pal.BLACK if step else pal.BLUE)),
                      row, c)
        fig.add_hline(y=0, line_dash="dot", line_color=pal.NEUTRAL, line_width=1, row=row, col=c)
    fig.update_annotations(font_size=11)
    fig.update_xaxes(title_text="day", row=n_rows)
    fig.update_layout(title="A month of metrics: change from the first week (daily medians)",
                      height=190 * n_rows + 90, margin=dict(l=50, r=20, t=80, b=40))
    return fig
