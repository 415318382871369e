"""A tiny widget to check that widgets and plotly display in this JupyterLab (section 0)."""

from __future__ import annotations

import ipywidgets as w
import plotly.graph_objects as go

from course_kit.figures import palette as pal
from course_kit.figures.live import LiveFigure
from course_kit.widgets.base import Panel

__all__ = ["widget_check"]


def widget_check() -> Panel:
    """A slider and a bar chart: if moving the slider changes the bar, widgets work here.

    >>> panel = widget_check()
    >>> panel.controls["gpus"].value = 6
    >>> panel.outputs[1].data[0].y
    (6, 2)
    """
    gpus = w.IntSlider(value=3, min=0, max=8, description="GPUs busy")
    fig = LiveFigure(go.Bar(x=["busy", "idle"], y=[3, 5], marker_color=[pal.BLUE, pal.NEUTRAL],
                                 text=["busy", "idle"], textposition="inside",
                                 textfont_color=[pal.text_on(pal.BLUE), pal.text_on(pal.NEUTRAL)]))
    fig.update_layout(height=250, width=380, margin=dict(l=40, r=10, t=30, b=30),
                      title="8-GPU server", yaxis_range=[0, 8])
    text = w.HTML()

    def update(v):
        busy = v["gpus"]
        with fig.batch_update():
            fig.data[0].y = (busy, 8 - busy)
        text.value = f"{busy} of 8 GPUs busy: utilisation {busy / 8:.0%}"

    return Panel({"gpus": gpus}, update, outputs=[text, fig], title="Widget check")
