"""Figures for rack power and cooling (``course_kit.power``): rack elevation, power vs limits.

Builders take a :class:`course_kit.power.RackReport` and never compute a formula themselves.
``rack_figure(..., widget=True)`` returns a ``go.FigureWidget`` whose traces
:func:`update_rack_figure` rewrites in place (fixed trace count, one ``batch_update``).
"""

from __future__ import annotations

import plotly.graph_objects as go

from course_kit.figures import palette as pal
from course_kit.figures.live import LiveFigure

__all__ = ["KIND_COLORS", "rack_figure", "update_rack_figure", "rack_dtick_u", "power_budget_figure"]

KIND_COLORS = {  # the kit's colour-vision-safe palette (figures/palette.py); items are also labelled
    "gpu_server": pal.BLUE,
    "cpu_server": pal.GREEN,
    "network": pal.VERMILLION,
    "power": pal.PURPLE,
    "other": pal.NEUTRAL,
}
OVERFLOW_COLOR = pal.WINE
_KIND_LABELS = {"gpu_server": "GPU server", "cpu_server": "CPU server", "network": "network",
                "power": "power", "other": "other"}


def _bars(slots):
    base, height, text, color, hover = [], [], [], [], []
    for bottom, item in slots:
        base.append(bottom - 1)
        height.append(item.height_u)
        text.append(f"{item.name} · {item.power_w / 1000:.1f} kW" if item.height_u >= 2 else item.name)
        color.append(KIND_COLORS.get(item.kind, KIND_COLORS["other"]))
        hover.append(f"{item.name}<br>U{bottom}–U{bottom + item.height_u - 1} ({item.height_u}U)<br>{item.power_w:,.0f} W")
    return base, height, text, color, hover


def _trace_data(report):
    lay = report.layout
    mounted = [(s.bottom_u, s.item) for s in lay.slots]
    over, bottom = [], 1
    for item in lay.overflow:
        over.append((bottom, item))
        bottom += item.height_u
    return lay, _bars(mounted), _bars(over), bottom - 1


def rack_figure(report, *, widget: bool = False):
    """Rack elevation: mounted equipment in the rack column, what does not fit beside it in red."""
    fig = (LiveFigure if widget else go.Figure)()
    fig.add_bar(name="mounted", x=[], y=[], base=[], width=0.8, textposition="inside", showlegend=False,
                insidetextanchor="middle", marker_line_color="white", marker_line_width=1,
                hovertemplate="%{hovertext}<extra></extra>")
    fig.add_bar(name="does not fit", x=[], y=[], base=[], width=0.8, textposition="inside", showlegend=False,
                insidetextanchor="middle", marker_color=OVERFLOW_COLOR, marker_pattern_shape="x",
                marker_pattern_fgcolor="white", marker_pattern_solidity=0.2,
                marker_line_color="white", marker_line_width=1, hovertemplate="%{hovertext}<extra></extra>")
    # Colour key only (no data): traces 0 and 1 stay the two bar traces the widget rewrites.
    for kind, label in _KIND_LABELS.items():
        fig.add_scatter(x=[None], y=[None], mode="markers", name=label, hoverinfo="skip",
                        marker=dict(symbol="square", size=11, color=KIND_COLORS[kind]))
    fig.add_scatter(x=[None], y=[None], mode="markers", name="does not fit", hoverinfo="skip",
                    marker=dict(symbol="square-x", size=11, color=OVERFLOW_COLOR))
    fig.update_layout(
        # overlay: the two traces sit at x = 0 and 1; the default "group" mode shifted each half a
        # bar sideways, out of the rack outline
        height=560, width=500, showlegend=True, barmode="overlay", bargap=0, margin=dict(l=50, r=10, t=40, b=30),
        legend=dict(orientation="h", y=-0.08, x=0, font=dict(size=11)),
        xaxis=dict(tickvals=[0, 1], ticktext=["rack", "does not fit"], range=[-0.6, 1.6]),
        yaxis=dict(title="rack units (U)", dtick=6, zeroline=False),
        uniformtext=dict(minsize=8, mode="hide"),
    )
    update_rack_figure(fig, report)
    return fig


def update_rack_figure(fig, report) -> None:
    """Rewrite the two bar traces and the rack outline for ``report`` (in one batch update)."""
    lay, (b0, h0, t0, c0, v0), (b1, h1, t1, _, v1), over_u = _trace_data(report)
    top = max(lay.rack_u, over_u) + 1
    with fig.batch_update():
        fig.data[0].update(x=[0] * len(b0), y=h0, base=b0, text=t0, marker_color=c0, hovertext=v0,
                           textfont_color=[pal.text_on(c) for c in c0])
        fig.data[1].update(x=[1] * len(b1), y=h1, base=b1, text=t1, hovertext=v1,
                           textfont_color=pal.text_on(OVERFLOW_COLOR))
        fig.layout.shapes = [
            dict(type="rect", x0=-0.45, x1=0.45, y0=0, y1=lay.rack_u, line=dict(color=pal.BLACK, width=2),
                 fillcolor="rgba(0,0,0,0)", layer="below"),
        ]
        fig.layout.yaxis.range = [0, top]
        fig.layout.yaxis.dtick = rack_dtick_u(top)
        fig.layout.title = (
            f"{lay.rack_u}U rack: {lay.used_u}U used, {len(lay.overflow)} item(s) do not fit · "
            f"{report.it_load_w / 1000:.1f} kW"
        )


def rack_dtick_u(top_u: float) -> int:
    """Tick spacing for the U axis: 6U up to 60U, then a multiple of 6 that keeps about 12 ticks.

    >>> rack_dtick_u(43), rack_dtick_u(200), rack_dtick_u(800)
    (6, 18, 72)
    """
    return 6 if top_u <= 72 else 6 * -(-int(top_u) // 72)


def power_budget_figure(report):
    """IT load against the room's cooling capacity and the circuit limit (as kW and A)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("heat vs cooling (kW)", "current per phase vs limit (A)"))
    ok = report.it_load_w <= report.cooling_capacity_w
    fig.add_bar(x=["IT load = heat", "cooling capacity"], y=[report.it_load_w / 1000, report.cooling_capacity_w / 1000],
                marker_color=[pal.BLUE if ok else OVERFLOW_COLOR, pal.NEUTRAL], row=1, col=1)
    ok = report.current_a <= report.circuit_limit_a
    fig.add_bar(x=["current", "derated breaker"], y=[report.current_a, report.circuit_limit_a],
                marker_color=[pal.BLUE if ok else OVERFLOW_COLOR, pal.NEUTRAL], row=1, col=2)
    fig.update_layout(height=320, showlegend=False, margin=dict(t=50, b=30))
    return fig
