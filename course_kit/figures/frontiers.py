"""Figures of section 10: surface-code overhead against the physical error rate."""

from __future__ import annotations

import plotly.graph_objects as go

__all__ = ["qec_figure"]


def qec_figure(curve) -> go.Figure:
    """Physical qubits per logical qubit (log scale) from ``frontiers.qec_curve``, with the seed's ×1000."""
    fig = go.Figure()
    for target, df in curve.groupby("target_logical_error"):
        fig.add_trace(go.Scatter(x=df["physical_error"], y=df["physical_per_logical"], mode="lines+markers",
                                 name=f"target {target:.0e} per round"))
    fig.add_hline(y=1000, line_dash="dash", line_color="#d93025", annotation_text="seed: ×1000 flat")
    fig.update_layout(title="Surface code: physical qubits per logical qubit (2d² − 1)",
                      xaxis_title="physical error rate per operation", yaxis_title="physical qubits per logical",
                      xaxis_type="log", yaxis_type="log", height=380, margin=dict(l=50, r=20, t=50, b=40))
    return fig
