"""Figures of section 9: energy per job at each DVFS operating point. No formula lives here."""

from __future__ import annotations

import plotly.graph_objects as go

__all__ = ["dvfs_figure"]


def dvfs_figure(tradeoff) -> go.Figure:
    """Stacked energy per job (dynamic, static, idle) for each point of ``kpi.dvfs_tradeoff``."""
    fig = go.Figure()
    for col, name, color in (("dynamic_energy_j", "dynamic (a·C·V²·W)", "#1a73e8"),
                             ("static_energy_j", "static (P_static·t)", "#f29900"),
                             ("idle_energy_j", "idle until deadline", "#9aa0a6")):
        if col in tradeoff and float(tradeoff[col].sum()) > 0:
            fig.add_trace(go.Bar(x=tradeoff["point"], y=tradeoff[col], name=name, marker_color=color))
    fig.update_layout(barmode="stack", title="Energy per job at each DVFS operating point",
                      yaxis_title="J", height=360, margin=dict(l=50, r=20, t=50, b=40))
    return fig
