"""Roofline explorer: pick an operation and its shape, see where it lands on every catalog roofline.

Wiring only: intensities come from :mod:`course_kit.compute`, the rooflines from
:func:`course_kit.figures.compute.roofline_figure`. Text boxes let a learner type an invalid shape
(zero rows, a KV-head count that does not divide the heads): the ``ValueError`` shows inline.
"""

from __future__ import annotations

import html
import math

import ipywidgets as w
import plotly.graph_objects as go

from course_kit import compute
from course_kit.figures import compute as cfig
from course_kit.figures import palette as pal
from course_kit.figures.live import live_figure, move_shape
from course_kit.widgets.base import Panel, initial_values

__all__ = ["roofline_explorer", "DEFAULTS"]

DEFAULTS = {
    "precision": "fp16", "operation": "gemm", "device": "H100 SXM5 80GB", "dtype_bytes": 2,
    "m": 4096, "n": 64, "k": 4096, "batch": 16, "context_len": 8192, "heads": 32, "kv_heads": 32,
    "head_dim": 128, "flops_per_element": 1.0, "inputs": 2, "outputs": 1,
}
_OPS = [("GEMM  C[m,n] = A[m,k]·B[k,n]", "gemm"), ("attention decode (KV-cache read)", "attention"),
        ("elementwise", "elementwise")]
_SHAPE = {"gemm": ("m", "n", "k"), "attention": ("batch", "context_len", "heads", "kv_heads", "head_dim"),
          "elementwise": ("flops_per_element", "inputs", "outputs")}


def _intensity(v: dict) -> float:
    if v["operation"] == "gemm":
        return compute.gemm_intensity(v["m"], v["n"], v["k"], v["dtype_bytes"])
    if v["operation"] == "attention":
        return compute.attention_decode_intensity(v["batch"], v["context_len"], v["heads"], v["head_dim"],
                                                  v["kv_heads"], v["dtype_bytes"])
    return compute.elementwise_intensity(v["flops_per_element"], v["inputs"], v["outputs"], v["dtype_bytes"])


def _x_range_log10(intensity: float) -> list[float]:
    """The x axis (log10 of FLOP/byte): 0.01 to 10,000, widened by whole decades to show the operation."""
    decade = math.log10(intensity)
    return [float(min(-2, math.floor(decade))), float(max(4, math.ceil(decade)))]


def roofline_explorer(**overrides) -> Panel:
    """Where does an operation sit on the rooflines? Intensity, bound and attainable TFLOPS.

    >>> panel = roofline_explorer()
    >>> round(panel.readout["intensity"], 1), panel.readout["bound"]     # GEMM 4096x64x4096 in BF16
    (62.1, 'memory')
    >>> panel.controls["m"].value = 0
    >>> panel.error
    'm must be an integer in [1, 10000000]; got 0'
    """
    init = initial_values(DEFAULTS, overrides)
    style = {"description_width": "110px"}
    lay = w.Layout(width="240px")
    wide = w.Layout(width="380px")  # the dropdowns' labels ("H100 SXM5 80GB", "FP16/BF16 (2 B)") fit
    controls = {
        "precision": w.Dropdown(options=[("dense FP16/BF16 tensor", "fp16"), ("FP32", "fp32")],
                                value=init["precision"], description="peak", style=style, layout=wide),
        "operation": w.Dropdown(options=_OPS, value=init["operation"], description="operation", style=style, layout=wide),
        "device": w.Dropdown(options=compute.device_names(), value=init["device"], description="read-out for",
                             style=style, layout=wide),
        "dtype_bytes": w.Dropdown(options=[("FP32 (4 B)", 4), ("FP16/BF16 (2 B)", 2), ("FP8/INT8 (1 B)", 1)],
                                  value=init["dtype_bytes"], description="data type", style=style, layout=wide),
    }
    for name in ("m", "n", "k", "batch", "context_len", "heads", "kv_heads", "head_dim", "inputs", "outputs"):
        controls[name] = w.IntText(value=init[name], description=name, style=style, layout=lay)
    controls["flops_per_element"] = w.FloatText(value=init["flops_per_element"], description="FLOPs/element",
                                                style=style, layout=lay)
    boxes = {op: w.VBox([controls[n] for n in names]) for op, names in _SHAPE.items()}
    layout_controls = w.HBox([w.VBox([controls[n] for n in ("precision", "operation", "device", "dtype_bytes")]),
                              *boxes.values()], layout=w.Layout(flex_flow="row wrap"))

    # Both precisions' rooflines are built once, into one figure: switching precision only flips
    # trace visibility and the title (a small restyle), instead of deleting and re-adding ~25
    # traces (531 ms to paint in the browser). The figure is complete when built, so a page that
    # connects late or misses a message still shows the rooflines.
    bases = {p: cfig.roofline_figure(precision=p, intensity_range=(0.01, 10000.0)) for p in ("fp16", "fp32")}
    groups = {p: list(range(sum(len(bases[q].data) for q in ("fp16", "fp32")[:i]),
                            sum(len(bases[q].data) for q in ("fp16", "fp32")[:i + 1])))
              for i, p in enumerate(("fp16", "fp32"))}
    start = go.Figure(layout=bases[init["precision"]].layout)
    for p in ("fp16", "fp32"):
        for t in bases[p].data:
            start.add_trace(t.update(visible=p == init["precision"]))
    try:
        ai0 = _intensity(init)
    except ValueError:  # a bad starting shape: the panel shows the message; draw the line at 1
        ai0 = 1.0
    # The operation is a vertical line SHAPE, not a trace: a new shapes array redraws only the
    # shapes (move_shape), while new x values for a trace re-run the whole figure's traces on log
    # axes. An empty trace of the same style names it in the legend. (Shapes take data values on a
    # log axis; annotations would take log10.)
    line = {"dash": "dot", "color": pal.BLACK, "width": 2}
    start.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="operation", line=line))
    op_shape = len(start.layout.shapes)
    start.add_shape(type="line", xref="x", yref="paper", x0=ai0, x1=ai0, y0=0, y1=1, line=line)
    start.layout.yaxis.range = [-2, 4]
    # A fixed x range too: move_shape's redraw of the shapes does not re-run the autorange, so
    # the range is set here, and widened by whole decades when an operation leaves it.
    start.layout.xaxis.update(range=_x_range_log10(ai0), autorange=False)
    fig = live_figure(start)
    readout_html = w.HTML()
    state: dict = {"precision": init["precision"]}

    def update(v: dict) -> None:
        for op, box in boxes.items():
            box.layout.display = None if op == v["operation"] else "none"
        ai = _intensity(v)
        dev = compute.get_device(v["device"])
        peak, bw = dev.peak_tflops(v["precision"]), dev.bandwidth_gb_s()
        with fig.batch_update():
            if state["precision"] != v["precision"]:
                shown = set(groups[v["precision"]])
                for i, trace in enumerate(fig.data[:-1]):
                    trace.visible = i in shown
                base = bases[v["precision"]].layout
                fig.layout.title = base.title
                fig.layout.margin = base.margin
                state["precision"] = v["precision"]
            move_shape(fig, op_shape, x0=ai, x1=ai)  # redraws the shapes only (see move_shape)
            x_range = _x_range_log10(ai)
            if list(fig.layout.xaxis.range) != x_range:  # rare: the operation left the chart
                fig.layout.xaxis.range = x_range
        attainable = compute.attainable_tflops(ai, peak_tflops=peak, bandwidth_gb_s=bw)
        ridge = compute.ridge_point_flop_per_byte(peak, bw)
        bound = compute.bound_by(ai, peak_tflops=peak, bandwidth_gb_s=bw)
        state.update({"intensity": ai, "device": dev.name, "ridge": ridge, "attainable_tflops": attainable,
                      "bound": bound, "fraction_of_peak": attainable / peak})
        readout_html.value = (
            f"<div style='font-family:sans-serif;font-size:13px'>intensity <b>{ai:,.3g} FLOP/byte</b> · "
            f"{html.escape(dev.name)}: ridge {ridge:,.1f} FLOP/byte → <b>{bound}-bound</b>, attainable "
            f"<b>{attainable:,.4g} TFLOPS</b> = {100 * attainable / peak:.3g} % of the {peak:g} TFLOPS peak "
            f"(confidence: {html.escape(dev.confidence)})</div>"
        )

    panel = Panel(controls, update, outputs=[readout_html, fig], title="Roofline explorer",
                  layout_controls=layout_controls)
    panel.figure = fig
    panel.operation_shape = op_shape  # index of the operation's line in fig.layout.shapes
    panel.readout = state
    panel.readout_html = readout_html
    return panel
