"""Figures for the parallelism planner (:mod:`course_kit.parallelism`): where a step's bytes go.

Builders take a :class:`course_kit.parallelism.Plan` and compute nothing themselves. ``plan_figure(...,
widget=True)`` returns a ``FigureWidget`` whose fixed traces :func:`update_plan_figure` rewrites in place.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from course_kit.figures import palette as pal
from course_kit.figures.live import LiveFigure

__all__ = ["LINK_COLORS", "plan_figure", "update_plan_figure", "plan_table"]

LINK_COLORS = {"NVLink (scale-up)": pal.GREEN, "network (scale-out)": pal.BLUE, "compute": pal.NEUTRAL}
LINK_PATTERNS = {"NVLink (scale-up)": "", "network (scale-out)": "/"}
_LABELS = {"tp": "tensor (TP)", "pp": "pipeline (PP)", "dp": "data (DP)", "ep": "expert (EP)"}


def plan_figure(plan, *, widget: bool = False):
    """Left: GB each GPU sends per step, by parallelism, coloured by the link class it uses.
    Right: the step-time terms (compute at peak, NVLink, network) and the lower bound (their maximum)."""
    base = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.14,
                         subplot_titles=("GB sent per GPU per step", "seconds per step (lower bound = tallest)"))
    fig = LiveFigure(base) if widget else go.Figure(base)
    for name in ("NVLink (scale-up)", "network (scale-out)"):
        fig.add_bar(x=[], y=[], name=name, marker_color=LINK_COLORS[name], marker_pattern_shape=LINK_PATTERNS[name],
                    row=1, col=1,
                    hovertemplate="%{x}: %{y:.3g} GB<extra>" + name + "</extra>")
    fig.add_bar(x=[], y=[], name="time", showlegend=False, row=1, col=2,
                hovertemplate="%{x}: %{y:.3g} s<extra></extra>")
    # the legend below the panels: above them it ran into the title (the layout check found it)
    fig.update_layout(barmode="stack", height=390, margin=dict(l=55, r=20, t=70, b=80),
                      legend=dict(orientation="h", y=-0.14, yanchor="top", x=0))
    fig.update_yaxes(title_text="GB", row=1, col=1)
    fig.update_yaxes(title_text="s", row=1, col=2)
    update_plan_figure(fig, plan)
    return fig


def update_plan_figure(fig, plan) -> None:
    """Rewrite the three bar traces and the title for ``plan`` (one batch update)."""
    kinds = [k for k in ("tp", "pp", "dp", "ep") if plan.degrees[k] > 1]
    x = [_LABELS[k] for k in kinds]
    nv = [plan.bytes_per_gpu[k] / 1e9 if plan.inside_scale_up[k] else 0.0 for k in kinds]
    net = [0.0 if plan.inside_scale_up[k] else plan.bytes_per_gpu[k] / 1e9 for k in kinds]
    terms = ["compute", "NVLink", "network"]
    times = [plan.compute_s, plan.nvlink_s, plan.network_s]
    colors = [LINK_COLORS["compute"], LINK_COLORS["NVLink (scale-up)"], LINK_COLORS["network (scale-out)"]]
    with fig.batch_update():
        fig.data[0].update(x=x, y=nv)
        fig.data[1].update(x=x, y=net)
        fig.data[2].update(x=terms, y=times, marker_color=colors)
        d = plan.degrees
        fig.layout.title = (f"{plan.model.name} on {plan.gpus:,} GPUs (TP {d['tp']} · PP {d['pp']} · DP {d['dp']}"
                            f"{' · EP ' + str(d['ep']) if d['ep'] > 1 else ''}): step ≥ {plan.step_lower_bound_s:.2f} s, "
                            f"{plan.bound}-bound")
        fig.layout.title.font.size = 14


def plan_table(plan):
    """One row per parallelism: degree, GB per GPU per step, link class: a DataFrame."""
    import pandas as pd

    rows = [{"parallelism": _LABELS[k], "degree": plan.degrees[k], "GB per GPU per step": plan.bytes_per_gpu[k] / 1e9,
             "link": ("NVLink (scale-up)" if plan.inside_scale_up[k] else "network (scale-out)")}
            for k in ("tp", "pp", "dp", "ep") if plan.degrees[k] > 1]
    return pd.DataFrame(rows).set_index("parallelism")
