"""Figures of section 9: energy per job at each DVFS operating point. No formula lives here."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from course_kit.figures import palette as pal

__all__ = ["dvfs_figure"]

_PARTS = (("dynamic_energy_j", "dynamic (a·C·V²·W)", pal.BLUE, ""),
          ("static_energy_j", "static (P_static·t)", pal.VERMILLION, "/"),
          ("idle_energy_j", "idle until deadline", pal.NEUTRAL, "."))


def dvfs_figure(tradeoff) -> go.Figure:
    """Stacked energy per job (dynamic, static, idle) for each point of ``kpi.dvfs_tradeoff``.

    ``tradeoff`` is one DataFrame, or a mapping ``{label: DataFrame}`` to draw several cases side by
    side (one group of bars per label, same colours); the energy-optimal point of each case is
    marked with a ★ above its bar.
    """
    import pandas as pd

    cases = dict(tradeoff) if isinstance(tradeoff, Mapping) else {"": tradeoff}
    frame = pd.concat([df.assign(case=label) for label, df in cases.items()], ignore_index=True)
    x = [frame["case"].tolist(), frame["point"].tolist()] if len(cases) > 1 else frame["point"].tolist()
    fig = go.Figure()
    for col, name, color, pattern in _PARTS:  # colour plus a hatch per part
        if col in frame and float(frame[col].fillna(0).sum()) > 0:
            fig.add_trace(go.Bar(x=x, y=frame[col], name=name, marker_color=color,
                                 marker_pattern=dict(shape=pattern, fgcolor="white", size=7)))
    if "energy_optimal" in frame and "energy_j" in frame:
        best = frame["energy_optimal"].astype(bool).tolist()
        fig.add_trace(go.Scatter(x=x, y=[e if b else None for e, b in zip(frame["energy_j"], best)],
                                 mode="text", text=["★ least energy" if b else "" for b in best],
                                 textposition="top center", showlegend=False, hoverinfo="skip"))
    top = float(frame["energy_j"].max()) if "energy_j" in frame else None
    fig.update_layout(barmode="stack", title="Energy per job at each DVFS operating point",
                      yaxis_title="energy per job (J)", height=380, margin=dict(l=70, r=20, t=50, b=50))
    if top:
        fig.update_yaxes(range=[0, top * 1.15])
    return fig
