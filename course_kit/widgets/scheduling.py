"""Scheduler playground (section 4): choose policies, a workload and a cluster; see the schedule live.

Controls are wired to :func:`course_kit.scheduling.simulate`; the figure is a Gantt chart of tasks on
nodes (a node × time heatmap when there are too many task runs) and a metric table.
"""

from __future__ import annotations

import html
from functools import lru_cache

import ipywidgets as w
import plotly.graph_objects as go

from course_kit import scheduling as sch
from course_kit.figures import scheduling as figs
from course_kit.figures.live import LiveFigure
from course_kit.widgets.base import Panel

__all__ = ["scheduler_playground", "MAX_GANTT_BARS"]

MAX_GANTT_BARS = 300
_STYLE = {"description_width": "150px"}
#: sliders get room to move: ~255 px of track (they were ~55 px: one pixel per 0.01 of a share)
_SLIDER = {"style": _STYLE, "layout": {"width": "430px"}}
_METRICS = [("done", "jobs done", "{:d}"), ("unschedulable", "unschedulable", "{:d}"),
            ("deadlock", "deadlocked", "{:d}"), ("mean_jct_h", "mean JCT (h)", "{:.2f}"),
            ("p95_jct_h", "p95 JCT (h)", "{:.2f}"), ("mean_queue_delay_h", "mean queueing delay (h)", "{:.2f}"),
            ("makespan_h", "makespan (h)", "{:.2f}"), ("mean_gpu_util", "mean GPU utilisation", "{:.0%}"),
            ("jain_dominant_share", "Jain's index (dominant shares)", "{:.3f}"),
            ("preemptions", "preemptions", "{:d}"), ("lost_gpu_hours", "lost GPU-hours", "{:.1f}")]


@lru_cache(maxsize=1)
def _philly():
    return sch.load_philly()


def _workload(v: dict) -> sch.Workload:
    if v["workload"] == "philly":
        return sch.philly_workload(_philly(), gpus_per_node=v["gpus_per_node"], n_jobs=v["n_jobs"],
                                   start=v["philly_start"])
    big = v["big_share"]
    mix = {"inference": 0.35 * (1 - big), "single": 0.65 * (1 - big), "multi": big * 0.6,
           "distributed": big * 0.4}
    return sch.synthetic_workload(v["n_jobs"], mix=mix, arrival_rate_per_h=v["arrival_rate_per_h"], seed=v["seed"])


def _table(summary: dict) -> str:
    rows = "".join(f"<tr><td style='padding:2px 10px'>{html.escape(label)}</td>"
                   f"<td style='text-align:right;padding:2px 10px'>{fmt.format(summary[key])}</td></tr>"
                   for key, label, fmt in _METRICS)
    return f"<table style='font-family:sans-serif;font-size:13px'>{rows}</table>"


def _legend(colors: dict, held: bool) -> str:
    """The Gantt chart's colour key (one swatch per user), as HTML under the metrics."""
    items = "".join(f"<span style='white-space:nowrap;margin-right:10px'><span style='display:inline-block;"
                    f"width:10px;height:10px;background:{c};margin-right:4px'></span>{html.escape(str(k))}</span> "
                    for k, c in colors.items())
    note = "<br><i>hatched: held by a gang that never starts</i>" if held else ""
    lanes = ("<br>rows are <i>node · lane</i>: tasks running at the same time on one node get a lane each "
             "(a node runs as many at once as its GPUs allow)")
    return (f"<div style='font-family:sans-serif;font-size:12px;max-width:260px;margin-top:8px'>"
            f"<b>colour = user</b><br>{items}{note}{lanes}</div>")


def scheduler_playground(*, n_jobs: int = 40, nodes: int = 4, seed: int = 0) -> Panel:
    """Queue policy, placement policy, backfilling and gang mode; a synthetic job mix (size of the
    mix, share of big multi-GPU jobs, arrival rate) or a slice of the Philly trace; cluster size.
    Shows the schedule (Gantt chart, or heatmap above ``MAX_GANTT_BARS`` task runs) and metrics.

    >>> panel = scheduler_playground()
    >>> panel.controls["queue"].value = "sjf"
    >>> panel.error is None
    True
    >>> panel.controls["n_jobs"].value = -3
    >>> panel.error
    'n_jobs must be an integer in [1, 1000000]; got -3'
    """
    c = {
        "queue": w.Dropdown(options=list(sch.QUEUE_POLICIES), value="fifo", description="queue policy", style=_STYLE),
        "placement": w.Dropdown(options=list(sch.PLACEMENT_POLICIES), value="first_fit",
                                description="placement", style=_STYLE),
        "backfill": w.Checkbox(value=False, description="EASY backfilling", style=_STYLE,
                               tooltip="EASY backfilling (static queue policies only)"),
        "preemption": w.Dropdown(options=[("none", "none"), ("lowest priority", "lowest_priority"),
                                          ("least progress", "least_progress"), ("newest", "newest")],
                                 value="none", description="preemption (priority)", style=_STYLE),
        "gang": w.Dropdown(options=["all_or_nothing", "partial"], value="all_or_nothing", description="gangs",
                           style=_STYLE),
        "workload": w.Dropdown(options=[("synthetic mix", "synthetic"), ("Philly trace slice", "philly")],
                               value="synthetic", description="workload", style=_STYLE),
        "n_jobs": w.BoundedIntText(value=n_jobs, min=-10, max=5000, description="jobs", style=_STYLE),
        "big_share": w.FloatSlider(value=0.3, min=0.0, max=1.0, step=0.05, description="share of big jobs",
                                   **_SLIDER),
        "arrival_rate_per_h": w.FloatSlider(value=12.0, min=1.0, max=60.0, step=1.0,
                                            description="arrivals per hour", **_SLIDER),
        "philly_start": w.IntSlider(value=0, min=0, max=80_000, step=500, description="Philly: first job",
                                    **_SLIDER),
        "nodes": w.IntSlider(value=nodes, min=1, max=64, description="nodes", **_SLIDER),
        "gpus_per_node": w.Dropdown(options=[4, 8], value=8, description="GPUs per node", style=_STYLE),
        "seed": w.BoundedIntText(value=seed, min=0, max=2**31, description="seed", style=_STYLE),
    }
    fig = LiveFigure(go.Figure([
        go.Bar(orientation="h", name="task runs", showlegend=False, hoverinfo="text",
               marker=dict(line_width=0.5, line_color="white",
                           pattern=dict(fillmode="overlay", fgcolor="white", fgopacity=0.9, size=8))),
        go.Heatmap(z=[[0]], zmin=0, zmax=1, colorscale="Blues", visible=False, colorbar_title="GPU util")]))
    fig.update_layout(height=420, margin=dict(l=120, r=20, t=50, b=40), xaxis_title="hours", bargap=0.15)
    metrics = w.HTML()

    def update(v: dict) -> None:
        wl = _workload(v)
        cluster = sch.Cluster.homogeneous(v["nodes"], gpus_per_node=v["gpus_per_node"])
        # "none" (not None: ipywidgets shows a None value as an empty selection)
        params = ({"preemption": v["preemption"]}
                  if v["queue"] == "priority" and v["preemption"] != "none" else {})
        r = sch.simulate(cluster, wl, queue=v["queue"], queue_params=params, placement=v["placement"],
                         backfill=v["backfill"], gang=v["gang"], seed=v["seed"])
        summary = r.summary()
        n_bars = len(r.segments["job"]) + len(r.held)
        with fig.batch_update():
            if n_bars <= MAX_GANTT_BARS:
                d = figs.gantt_data(r)
                bar = fig.data[0]
                bar.y, bar.x, bar.base, bar.hovertext = d["y"], d["x"], d["base"], d["hover"]
                bar.marker.color, bar.marker.pattern.shape = d["color"], d["pattern"]
                bar.visible, fig.data[1].visible = True, False
                fig.layout.yaxis.categoryorder = "array"
                fig.layout.yaxis.categoryarray = d["categories"][::-1]
                fig.layout.yaxis.title = "node · lane (a row per task running at once)"
                fig.layout.height = max(260, 16 * len(d["categories"]) + 110)
            else:
                d = figs.heatmap_data(r, bins=100)
                hm = fig.data[1]
                hm.z, hm.x, hm.y = d["z"], d["x"], d["y"]
                fig.data[0].visible, hm.visible = False, True
                fig.layout.yaxis.categoryorder = "trace"
                fig.layout.yaxis.title = "node"
                fig.layout.height = 420
            fig.layout.title = (f"{v['queue']} / {v['placement']}: {len(wl)} jobs on {v['nodes']}×"
                                f"{v['gpus_per_node']} GPUs" + (" (heatmap)" if n_bars > MAX_GANTT_BARS else ""))
        metrics.value = _table(summary) + (_legend(d["legend"], bool(r.held)) if n_bars <= MAX_GANTT_BARS else "")

    layout = w.HBox([
        w.VBox([w.HTML("<b>Policies</b>"), c["queue"], c["placement"], c["backfill"], c["preemption"], c["gang"]]),
        w.VBox([w.HTML("<b>Workload</b>"), c["workload"], c["n_jobs"], c["big_share"], c["arrival_rate_per_h"],
                c["philly_start"], c["seed"]]),
        w.VBox([w.HTML("<b>Cluster</b>"), c["nodes"], c["gpus_per_node"]]),
    ], layout=w.Layout(flex_flow="row wrap"))  # columns wrap below each other in a narrow page
    return Panel(c, update, outputs=[w.HBox([fig, metrics], layout=w.Layout(flex_flow="row wrap"))], title="Scheduler playground",
                 layout_controls=layout)
