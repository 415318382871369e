"""Roofline figures for the accelerator catalog (:mod:`course_kit.compute`)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from course_kit import compute

__all__ = ["roofline_figure"]


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
    ai = np.logspace(np.log10(lo), np.log10(hi), 200)
    from plotly.colors import qualitative

    palette = qualitative.Dark24  # one colour per device, shared by its line and its ridge marker
    fig = go.Figure()
    skipped = []
    for row in cat.to_dict("records"):
        peak, bw = row.get(col), row.get("mem_bandwidth_gb_s")
        if peak is None or bw is None or not np.isfinite(peak) or not np.isfinite(bw):
            skipped.append(row["name"])
            continue
        y = compute.roofline_tflops(ai, peak_tflops=peak, bandwidth_gb_s=bw)
        ridge = compute.ridge_point_flop_per_byte(peak, bw)
        color = palette[(len(fig.data) // 2) % len(palette)]
        fig.add_trace(go.Scatter(
            x=ai, y=y, mode="lines", name=row["name"], legendgroup=row["name"], line={"color": color},
            hovertemplate=f"{row['name']}<br>%{{x:.3g}} FLOP/B → %{{y:.4g}} TFLOPS<extra>{row['confidence']}</extra>",
        ))
        fig.add_trace(go.Scatter(
            x=[ridge], y=[peak], mode="markers", legendgroup=row["name"], showlegend=False,
            marker={"size": 7, "symbol": "circle-open", "color": color},
            hovertemplate=f"{row['name']} ridge: {ridge:.1f} FLOP/B, {peak:g} TFLOPS<extra></extra>",
        ))
    for label, x in (operations or {}).items():
        x = check_number(f"operations[{label!r}]", x, low=lo, high=hi)
        fig.add_vline(x=x, line_dash="dot", line_color="grey", annotation_text=label,
                      annotation_position="top left")
    sub = f"<br><sup>not drawn (no sourced {precision} peak or bandwidth): {', '.join(skipped)}</sup>" if skipped else ""
    name = "dense FP16/BF16 tensor" if precision == "fp16" else "FP32"
    fig.update_layout(
        title=(title or f"Rooflines, {name} peak vs memory bandwidth") + sub,
        xaxis={"type": "log", "title": "arithmetic intensity (FLOP per byte of DRAM/HBM traffic)"},
        yaxis={"type": "log", "title": "attainable TFLOPS"},
        height=520, margin={"t": 80},
    )
    return fig
