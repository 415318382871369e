"""Topology explorer: fat-tree (k) or leaf-spine, drawn layer by layer, with live figures.

Controls are text boxes, so a learner can type an invalid value (odd k, zero spines, a negative
speed): the model's ``ValueError`` appears inline (``panel.error``). All formulas live in
:mod:`course_kit.topology`; this module only wires controls to it and to
:mod:`course_kit.figures.topology`.

* Small fabrics (fat-tree k < 16, leaf-spine up to ``DRAW_MAX_NODES`` nodes) are built as graphs,
  drawn node by node, and their bisection is also max-flowed on the graph (shown next to the
  closed form, so learners see both agree).
* Larger fabrics (up to k = 64 or 512 spines × 4,096 leaves × 1,024 hosts) use the closed forms
  only and are drawn as one labelled block per layer.
"""

from __future__ import annotations

import functools
import html

import ipywidgets as w

from course_kit import topology
from course_kit.figures import topology as tfig
from course_kit.widgets.base import Panel, initial_values

__all__ = ["topology_explorer", "DRAW_MAX_K", "DRAW_MAX_NODES", "DRAW_MAX_CABLES", "DEFAULTS", "LIMITS"]

DRAW_MAX_K = 14            # fat-tree k >= 16 is summarised (1,024+ hosts)
DRAW_MAX_NODES = 1000      # leaf-spine drawn node by node up to this many hosts + switches
DRAW_MAX_CABLES = 2500

DEFAULTS = {
    "topology": "fat_tree", "k": 4, "link_gbps": 100.0,
    "spines": 4, "leaves": 8, "hosts_per_leaf": 32, "host_gbps": 100.0, "uplink_gbps": 400.0,
    "switch_latency_ns": 500.0, "cable_m": 10.0,
}
#: Largest valid values (the benchmark's "max" case): beyond them the model raises ValueError.
LIMITS = {
    "k": topology.K_MAX, "spines": topology.SPINES_MAX, "leaves": topology.LEAVES_MAX,
    "hosts_per_leaf": topology.HOSTS_PER_LEAF_MAX, "link_gbps": topology.LINK_GBPS_MAX,
}


def _row(label: str, value: str) -> str:
    return f"<tr><td style='padding:1px 10px 1px 0'>{html.escape(label)}</td><td><b>{value}</b></td></tr>"


def _fmt_gbps(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:,.2f} Pb/s ({x / 8e6:,.2f} PB/s)"
    if x >= 1e3:
        return f"{x / 1e3:,.2f} Tb/s ({x / 8e3:,.2f} TB/s)"
    return f"{x:,.1f} Gb/s ({x / 8:,.2f} GB/s)"


@functools.lru_cache(maxsize=16)
def _drawing(key: tuple):
    """The graph for ``key`` (``("fat_tree", k, link_gbps)`` or ``("leaf_spine", *args)``) and its
    trace data: kept for the last 16 fabrics, so going back to one (k 12 → 14 → 12) redraws at once."""
    G = topology.fat_tree(*key[1:]) if key[0] == "fat_tree" else topology.leaf_spine(*key[1:])
    return G, tfig.graph_trace_data(G)


@functools.lru_cache(maxsize=16)
def _max_flow_gbps(key: tuple) -> float:
    """The bisection bandwidth of :func:`_drawing`'s graph by max-flow (the slow part: ~80 ms at k = 14)."""
    return topology.bisection_bandwidth_gbps(_drawing(key)[0])


def topology_explorer(**overrides) -> Panel:
    """The topology widget: choose fat-tree (k) or leaf-spine and read the fabric's figures.

    Read-outs: hosts, switches, cables, bisection (closed form; plus max-flow on the graph when
    drawn), non-blocking reference N·s/2, oversubscription, worst-case path (links, latency),
    equal-cost paths for that pair. ``overrides`` set initial control values (see ``DEFAULTS``).

    >>> panel = topology_explorer()
    >>> panel.readout["hosts"], panel.readout["switches"]
    (16, 20)
    >>> panel.controls["k"].value = 5
    >>> panel.error
    'k must be an even integer in [2, 64]; got 5'
    """
    init = initial_values(DEFAULTS, overrides)
    style = {"description_width": "130px"}
    lay = w.Layout(width="260px")
    controls = {
        "topology": w.Dropdown(options=[("fat-tree (k-ary)", "fat_tree"), ("leaf-spine", "leaf_spine")],
                               value=init["topology"], description="topology", style=style,
                               layout=w.Layout(width="300px")),  # "fat-tree (k-ary)" shown whole
        "k": w.IntText(value=init["k"], description="k (even, 2-64)", style=style, layout=lay),
        "link_gbps": w.FloatText(value=init["link_gbps"], description="link Gb/s", style=style, layout=lay),
        "spines": w.IntText(value=init["spines"], description="spines", style=style, layout=lay),
        "leaves": w.IntText(value=init["leaves"], description="leaves", style=style, layout=lay),
        "hosts_per_leaf": w.IntText(value=init["hosts_per_leaf"], description="hosts per leaf", style=style, layout=lay),
        "host_gbps": w.FloatText(value=init["host_gbps"], description="host link Gb/s", style=style, layout=lay),
        "uplink_gbps": w.FloatText(value=init["uplink_gbps"], description="uplink Gb/s", style=style, layout=lay),
        "switch_latency_ns": w.FloatText(value=init["switch_latency_ns"], description="switch hop ns", style=style, layout=lay),
        "cable_m": w.FloatText(value=init["cable_m"], description="cable m / link", style=style, layout=lay),
    }
    fat_box = w.VBox([controls["k"], controls["link_gbps"]])
    ls_box = w.VBox([controls[n] for n in ("spines", "leaves", "hosts_per_leaf", "host_gbps", "uplink_gbps")])
    common = w.VBox([controls["topology"], controls["switch_latency_ns"], controls["cable_m"]])
    layout_controls = w.HBox([common, fat_box, ls_box], layout=w.Layout(flex_flow="row wrap"))

    fig = tfig.empty_topology_figure(widget=True)
    readout_html = w.HTML(layout=w.Layout(min_width="380px"))  # never squeezed into a narrow column
    state: dict = {}

    def update(v: dict) -> None:
        is_fat = v["topology"] == "fat_tree"
        fat_box.layout.display = None if is_fat else "none"
        ls_box.layout.display = "none" if is_fat else None
        model = topology.LatencyModel(switch_latency_ns=v["switch_latency_ns"], cable_m=v["cable_m"])
        key: tuple | None = None
        if is_fat:
            s = topology.fat_tree_summary(v["k"], v["link_gbps"], model)
            c = topology.fat_tree_counts(v["k"])
            layers = [("host", c["hosts"]), ("edge", c["edge"]), ("aggregation", c["aggregation"]), ("core", c["core"])]
            if v["k"] <= DRAW_MAX_K:
                key = ("fat_tree", v["k"], v["link_gbps"])
            name = f"fat-tree k={v['k']}"
        else:
            args = (v["spines"], v["leaves"], v["hosts_per_leaf"], v["host_gbps"], v["uplink_gbps"])
            s = topology.leaf_spine_summary(*args, model=model)
            c = topology.leaf_spine_counts(*args[:3])
            layers = [("host", c["hosts"]), ("leaf", c["leaf"]), ("spine", c["spine"])]
            if s.hosts + s.switches <= DRAW_MAX_NODES and s.cables <= DRAW_MAX_CABLES:
                key = ("leaf_spine", *args)
            name = f"leaf-spine {v['spines']} spines × {v['leaves']} leaves × {v['hosts_per_leaf']} hosts"
        # the drawing first (the learner waits for it), the graph's max-flow after
        G = None
        if key is not None:
            G, data = _drawing(key)
            title = f"{name}<br><sup>{s.hosts:,} hosts, {s.switches:,} switches, drawn node by node</sup>"
            tfig.update_topology_figure(fig, G, title=title, trace_data=data)
        else:
            title = f"{name}<br><sup>{s.hosts:,} hosts, {s.switches:,} switches, summarised: too many to draw</sup>"
            tfig.update_topology_figure(fig, layers=layers, title=title)
        flow = _max_flow_gbps(key) if key is not None else None
        readout = {
            "topology": v["topology"], "hosts": s.hosts, "switches": s.switches, "cables": s.cables,
            "bisection_gbps": s.bisection_gbps, "bisection_maxflow_gbps": flow,
            "full_bisection_gbps": s.full_bisection_gbps, "oversubscription": s.oversubscription,
            "worst_case_links": s.worst_case_links, "worst_case_latency_us": s.worst_case_latency_us,
            "equal_cost_paths": s.equal_cost_paths_worst, "drawn": G is not None,
        }
        flow_txt = (f" — max-flow on the graph: {_fmt_gbps(flow)}" if flow is not None
                    else " — graph not built (closed form)")
        rows = [
            _row("hosts", f"{s.hosts:,}"),
            _row("switches", f"{s.switches:,}"),
            _row("cables", f"{s.cables:,}"),
            _row("bisection (closed form)", _fmt_gbps(s.bisection_gbps) + html.escape(flow_txt)),
            _row("non-blocking reference N·s/2", _fmt_gbps(s.full_bisection_gbps)),
            _row("oversubscription (per edge/leaf)", f"{s.oversubscription:.2f} : 1"),
            _row("worst-case path", f"{s.worst_case_links} links, {s.worst_case_links - 1} switch hops"),
            _row("worst-case latency", f"{s.worst_case_latency_us:.3f} µs"),
            _row("equal-cost paths (that pair)", f"{s.equal_cost_paths_worst:,}"),
        ]
        readout_html.value = "<table style='font-family:sans-serif;font-size:13px'>" + "".join(rows) + "</table>"
        state.clear()
        state.update(readout)

    panel = Panel(controls, update, outputs=[w.HBox([fig, readout_html], layout=w.Layout(flex_flow="row wrap"))],
                  title="Topology explorer: fat-tree vs leaf-spine", layout_controls=layout_controls)
    panel.figure = fig
    panel.readout = state
    panel.readout_html = readout_html
    return panel
