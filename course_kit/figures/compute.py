"""Roofline figures for the accelerator catalog (:mod:`course_kit.compute`)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from course_kit import compute
from course_kit.figures import palette as pal

__all__ = ["roofline_figure", "device_style"]


def device_style(name: str) -> tuple[str, str, str]:
    """(colour, dash, ridge symbol) of a catalog device, the same in every roofline figure.

    Colour is the device's family (vendor and kind; NVIDIA's GPUs split at Hopper), at most six
    so every pair stays distinguishable under colour-vision deficiency; within a family the dash
    and the ridge symbol tell devices apart (and the legend and hover name them).
    """
    cat = compute.load_catalog()
    rows = cat.set_index("name")
    row = rows.loc[name] if name in rows.index else None
    family = _family(name, row)
    members = [n for n in cat["name"] if _family(n, rows.loc[n]) == family]
    i = members.index(name) if name in members else len(members)
    colour = pal.CATEGORICAL[_FAMILIES.index(family)] if family in _FAMILIES else pal.NEUTRAL
    return colour, pal.dash(i), pal.symbol(i)


_FAMILIES = ("NVIDIA GPU (Volta, Ampere)", "NVIDIA GPU (Hopper, Blackwell)", "AMD GPU", "Google TPU", "CPU",
             "other")


def _family(name: str, row) -> str:
    if row is None:
        return "other"
    vendor, kind = str(row["vendor"]), str(row["kind"])
    if kind == "GPU" and vendor == "NVIDIA":
        return "NVIDIA GPU (Volta, Ampere)" if name[:1] in {"V", "A"} else "NVIDIA GPU (Hopper, Blackwell)"
    if kind == "GPU":
        return "AMD GPU" if vendor == "AMD" else "other"
    if kind == "TPU":
        return "Google TPU"
    return "CPU" if kind == "CPU" else "other"


def roofline_figure(catalog=None, *, precision: str = "fp16", operations=None,
                    intensity_range=(0.05, 5000.0), title: str | None = None):
    """Log-log rooflines (attainable TFLOPS vs FLOP/byte) of every catalog row with both figures.

    ``catalog``: a DataFrame like :func:`course_kit.compute.load_catalog` (default: all of it).
    Rows without a sourced peak for ``precision`` or without a bandwidth are skipped and listed
    in the subtitle (never invented). ``operations``: optional ``{label: intensity}`` drawn as
    vertical dotted lines (e.g. from :func:`compute.gemm_intensity`). Ridge points are marked.

    >>> fig = roofline_figure(operations={"decode attention": 1.0})
    >>> fig.layout.xaxis.type, len(fig.data) > 10
    ('log', True)
    """
    from course_kit._validate import check_choice, check_number

    check_choice("precision", precision, compute.PRECISIONS)
    lo = check_number("intensity_range[0]", intensity_range[0], low=0, low_inclusive=False, high=1e6)
    hi = check_number("intensity_range[1]", intensity_range[1], low=lo, low_inclusive=False, high=1e9)
    cat = compute.load_catalog() if catalog is None else catalog
    col = compute.PEAK_COLUMN[precision]
    # colour = device family, dash + ridge symbol = device within it (device_style); the same device
    # keeps its style from one figure to the next (FP16 and FP32 views)
    fig = go.Figure()
    skipped = []
    for row in cat.to_dict("records"):
        peak, bw = row.get(col), row.get("mem_bandwidth_gb_s")
        if peak is None or bw is None or not np.isfinite(peak) or not np.isfinite(bw):
            skipped.append(row["name"])
            continue
        ridge = compute.ridge_point_flop_per_byte(peak, bw)
        # min(peak, I·bw) is two straight segments on log-log axes: its ends and the ridge draw it
        # exactly (3 points instead of 200: less to send and redraw, nothing the eye could tell)
        ai = np.array(sorted({lo, hi, *([ridge] if lo < ridge < hi else [])}))
        y = compute.roofline_tflops(ai, peak_tflops=peak, bandwidth_gb_s=bw)
        color, dash, sym = device_style(row["name"])
        # one trace per device: the line, and its ridge point marked on it (the other points get a
        # marker of size 0) -- half the traces of a line plus a marker trace, so half the redraw
        at_ridge = [bool(x == ridge) for x in ai]
        line_hover = f"{row['name']}<br>%{{x:.3g}} FLOP/B → %{{y:.4g}} TFLOPS<extra>{row['confidence']}</extra>"
        ridge_hover = f"{row['name']} ridge: {ridge:.1f} FLOP/B, {peak:g} TFLOPS<extra></extra>"
        fig.add_trace(go.Scatter(
            x=ai, y=y, mode="lines+markers", name=row["name"], legendgroup=row["name"],
            line={"color": color, "dash": dash, "width": 2},
            marker={"size": [9 if r else 0 for r in at_ridge], "symbol": sym, "color": color,
                    "line": {"color": color, "width": [1 if r else 0 for r in at_ridge]}},
            hovertemplate=[ridge_hover if r else line_hover for r in at_ridge],
        ))
    # Operations at the same intensity (e.g. GEMV and MHA decode, both ~1 FLOP/B) share one line and
    # one label; labels are staggered downwards so neighbours do not print over each other.
    marks: dict[float, list[str]] = {}
    for label, x in (operations or {}).items():
        x = check_number(f"operations[{label!r}]", x, low=lo, high=hi)
        key = next((k for k in marks if abs(np.log10(k / x)) < 0.02), x)
        marks.setdefault(key, []).append(str(label))
    for i, (x, labels) in enumerate(sorted(marks.items())):
        fig.add_vline(x=x, line_dash="dot", line_color=pal.NEUTRAL)
        fig.add_annotation(x=float(np.log10(x)), y=1 - 0.07 * (i % 3), xref="x", yref="paper",
                           text=" / ".join(labels), showarrow=False, xanchor="left", yanchor="top",
                           xshift=3, bgcolor="rgba(255,255,255,0.85)", font={"size": 11})
    lines = []
    for name_ in skipped:  # wrap the list of skipped devices so the subtitle never runs off the figure
        if lines and len(lines[-1]) + len(name_) < 60:
            lines[-1] += f", {name_}"
        else:
            lines.append(name_)
    sub = (f"<br><sup>not drawn (no sourced {precision} peak or bandwidth): " + ",<br>".join(lines) + "</sup>"
           if skipped else "")
    name = "dense FP16/BF16 tensor" if precision == "fp16" else "FP32"
    fig.update_layout(
        title=(title or f"Rooflines, {name} peak vs memory bandwidth") + sub,
        # dtick=1 on a log axis: one label per decade (0.1, 1, 10, ...), not the 2 and 5 in between
        xaxis={"type": "log", "dtick": 1, "title": "arithmetic intensity (FLOP per byte of DRAM/HBM traffic)"},
        yaxis={"type": "log", "dtick": 1, "title": "attainable TFLOPS"},
        # the legend below the plot, in rows: no scrollbar beside a tall list of devices
        legend={"orientation": "h", "y": -0.18, "yanchor": "top", "font": {"size": 11}},
        height=640, margin={"t": 80 + 24 * len(lines), "b": 170},  # room for every subtitle line
    )
    return fig
