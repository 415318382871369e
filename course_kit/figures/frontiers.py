"""Figures of section 10: surface-code overhead against the physical error rate."""

from __future__ import annotations

import plotly.graph_objects as go

from course_kit.figures import palette as pal

__all__ = ["qec_figure"]

#: One colour, symbol and dash per target (loosest first); the course text's flat ×1000 is a grey
#: dashed line, so no curve shares its colour.


def qec_figure(curve) -> go.Figure:
    """Physical qubits per logical qubit (log scale) from ``frontiers.qec_curve``, with the course text's ×1000."""
    fig = go.Figure()
    groups = sorted(curve.groupby("target_logical_error"), key=lambda kv: -kv[0])  # loosest target first
    for i, (target, df) in enumerate(groups):
        fig.add_trace(go.Scatter(x=df["physical_error"], y=df["physical_per_logical"], mode="lines+markers",
                                 name=f"target {target:.0e} per round", marker=dict(symbol=pal.symbol(i), size=8),
                                 line=dict(color=pal.CATEGORICAL[i % 4], width=2.5, dash=pal.dash(i))))
    # A legend entry rather than add_hline's annotation: on a log axis plotly places annotations in
    # log units, so an annotation at y=1000 lands far off the plot.
    x_range = [float(curve["physical_error"].min()), float(curve["physical_error"].max())]
    fig.add_trace(go.Scatter(x=x_range, y=[1000, 1000], mode="lines", name="course text: ×1000 flat",
                             line=dict(color=pal.NEUTRAL, dash="longdashdot", width=2), hoverinfo="name"))
    fig.update_layout(title="Surface code: physical qubits per logical qubit (2d² − 1)",
                      xaxis_title="physical error rate per operation", yaxis_title="physical qubits per logical",
                      xaxis_type="log", yaxis_type="log", height=380, margin=dict(l=60, r=20, t=50, b=40))
    return fig
