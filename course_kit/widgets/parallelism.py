"""Parallelism planner widget: degrees and cluster → bytes per link class, step-time bound, bisection.

Wiring only: :func:`course_kit.parallelism.plan` computes, :mod:`course_kit.figures.parallelism` draws.
Number boxes are text boxes: TP that does not divide the hidden size, EP that does not divide DP, a
batch that is not a multiple of DP, a zero bandwidth all show the model's message inline.
"""

from __future__ import annotations

import dataclasses
import html

import ipywidgets as w

from course_kit import parallelism as P
from course_kit._validate import check_number
from course_kit.figures import parallelism as pfig
from course_kit.widgets.base import Panel, initial_values

__all__ = ["parallelism_planner", "DEFAULTS"]

DEFAULTS = {
    "model": P.LLAMA3_405B.name, "cluster": P.H100_CLUSTER.name, "tp": 8, "pp": 16, "dp": 128, "ep": 1,
    "global_batch": 2048, "seq_len": 8192, "scale_out_gbps": 400.0,
}


def parallelism_planner(**overrides) -> Panel:
    """Choose a model, a cluster and TP/PP/DP/EP; see where each GPU's bytes go and what bounds the step.

    >>> panel = parallelism_planner()
    >>> panel.plan.inside_scale_up["tp"], panel.plan.bound
    (True, 'compute')
    >>> panel.controls["tp"].value = 3
    >>> panel.error
    'tp must divide the hidden size 16384; got 3'
    """
    init = initial_values(DEFAULTS, overrides)
    style = {"description_width": "160px"}  # "network Gb/s per GPU" shown whole
    box = w.Layout(width="280px")
    controls = {
        "model": w.Dropdown(options=list(P.MODELS), value=init["model"], description="model", style=style,
                            layout=w.Layout(width="400px")),
        "cluster": w.Dropdown(options=list(P.CLUSTERS), value=init["cluster"], description="cluster", style=style,
                              layout=w.Layout(width="400px")),
        "scale_out_gbps": w.FloatText(value=init["scale_out_gbps"], description="network Gb/s per GPU", style=style,
                                      layout=box),
    }
    for name, label in (("tp", "tensor TP"), ("pp", "pipeline PP"), ("dp", "data DP"), ("ep", "expert EP (⊂ DP)"),
                        ("global_batch", "batch (sequences)"), ("seq_len", "sequence length")):
        controls[name] = w.IntText(value=init[name], description=label, style=style, layout=box)
    readout = w.HTML()
    state: dict = {}

    def compute(v: dict):
        cluster = P.CLUSTERS[v["cluster"]]
        gbps = check_number("network Gb/s per GPU", v["scale_out_gbps"], low=0, high=1e5, low_inclusive=False)
        cluster = dataclasses.replace(cluster, scale_out_gbytes_s=gbps / 8)
        return P.plan(P.MODELS[v["model"]], cluster, tp=v["tp"], pp=v["pp"], dp=v["dp"], ep=v["ep"],
                      global_batch=v["global_batch"], seq_len=v["seq_len"])

    first = compute({**init})
    fig = pfig.plan_figure(first, widget=True)

    def update(v: dict) -> None:
        p = compute(v)
        pfig.update_plan_figure(fig, p)
        state["plan"] = p
        readout.value = _readout_html(p)

    layout_controls = w.HBox([w.VBox([controls[k] for k in ("model", "cluster", "scale_out_gbps")]),
                              w.VBox([controls[k] for k in ("tp", "pp", "dp")]),
                              w.VBox([controls[k] for k in ("ep", "global_batch", "seq_len")])])
    panel = PlanPanel(controls, update, outputs=[fig, readout], title="Parallelism planner",
                      layout_controls=layout_controls)
    panel._state = state
    panel.figure = fig
    panel.readout = readout
    return panel


class PlanPanel(Panel):
    """The planner's panel; ``plan`` is the last valid :class:`course_kit.parallelism.Plan`."""

    @property
    def plan(self):
        return self._state["plan"]


def _readout_html(p) -> str:
    must = ", ".join(k.upper() for k in p.must_stay_inside) or "none"
    c = p.cluster
    lines = [
        f"<b>{p.gpus:,} GPUs</b> in domains of {c.scale_up_gpus} (NVLink {c.scale_up_gbytes_s:g} GB/s, "
        f"network {c.scale_out_gbytes_s:g} GB/s per GPU, one direction)",
        f"<b>Per GPU per step</b>: {p.nvlink_bytes_per_gpu / 1e9:,.1f} GB on NVLink, "
        f"{p.network_bytes_per_gpu / 1e9:,.1f} GB on the network",
        f"<b>Step ≥ {p.step_lower_bound_s:.2f} s</b> ({html.escape(p.bound)}-bound; no overlap "
        f"{p.step_no_overlap_s:.2f} s); compute at peak {p.compute_s:.2f} s",
        f"<b>Must stay inside the NVLink domain</b> (its bytes on the network alone would outlast the compute): {must}",
        f"<b>Bisection the job needs</b> ≈ {p.bisection_needed_gbytes_s:,.0f} GB/s one way, of a full-bisection "
        f"{p.full_bisection_gbytes_s:,.0f} GB/s ({p.bisection_needed_gbytes_s / p.full_bisection_gbytes_s:.2%})",
    ]
    return f'<div style="font-family:sans-serif;font-size:13px">{"<br>".join(lines)}</div>'
