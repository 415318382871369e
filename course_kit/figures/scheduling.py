"""Figures of section 4 (scheduling). Each ``*_data`` function returns plain arrays (used by the
widget to update a FigureWidget in place); each ``*_figure`` builds a ``go.Figure`` from them.

No formula lives here: the numbers come from :mod:`course_kit.scheduling`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from course_kit.figures import palette as pal
from course_kit.scheduling.jobs import MILLI

__all__ = ["PALETTE", "bins_figure", "node_bars_figure", "gantt_data", "gantt_figure", "heatmap_data",
           "heatmap_figure", "schedule_figure", "utilization_figure", "fragmentation_figure",
           "comparison_figure", "drf_figure", "lottery_figure", "preemption_figure", "POLICY_COLORS"]

#: the kit's colour-vision-safe palette (:mod:`course_kit.figures.palette`); more keys than colours
#: cycle, and every figure adds a second cue (text in the bar, a hatch, a dash)
PALETTE = list(pal.CATEGORICAL)
#: one colour and one dash per placement policy (fragmentation figures)
POLICY_COLORS = {"random": pal.NEUTRAL, "dotprod": pal.PURPLE, "clustering": pal.GREEN, "packing": pal.WINE,
                 "bestfit": pal.BLUE, "fgd": pal.VERMILLION}
POLICY_DASHES = {"random": "dot", "dotprod": "dashdot", "clustering": "longdash", "packing": "dash",
                 "bestfit": "longdashdot", "fgd": "solid"}
_MARGIN = dict(l=60, r=20, t=50, b=45)
_METRIC_LABELS = {"mean_jct_h": "mean JCT", "median_jct_h": "median JCT", "mean_queue_delay_h": "mean queueing delay",
                  "p95_queue_delay_h": "p95 queueing delay"}
_METRIC_COLORS = (pal.BLUE, pal.VERMILLION, pal.PURPLE, pal.GREEN)


def _color_map(keys: Sequence[str]) -> dict[str, str]:
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(sorted(set(keys)))}


# ------------------------------------------------------------------------------ bin packing
def bins_figure(packing, sizes: Sequence[float], *, title: str | None = None) -> go.Figure:
    """1-D bin packing: one bar per bin, items stacked in the order they went in, capacity line."""
    fig = go.Figure()
    colors = _color_map([str(i) for i in range(len(sizes))])
    for b, items in enumerate(packing.bins):
        base = 0.0
        for i in items:
            fig.add_bar(x=[f"bin {b + 1}"], y=[sizes[i]], base=[base], name=f"item {i} ({sizes[i]:g})",
                        marker_color=colors[str(i)], marker_line=dict(color="white", width=1.5),
                        text=[f"{sizes[i]:g}"], textposition="inside", textfont_color=pal.text_on(colors[str(i)]),
                        showlegend=False, hovertemplate=f"item {i}: {sizes[i]:g}<extra></extra>")
            base += sizes[i]
    fig.add_hline(y=packing.capacity, line_dash="dash", line_color=pal.BLACK,
                  annotation_text=f"capacity {packing.capacity:g}", annotation_position="top left")
    fig.update_layout(barmode="overlay", title=title or f"{packing.algorithm}: {packing.n_bins} bins "
                      f"(lower bound ⌈Σ/C⌉ = {packing.lower_bound})", yaxis_title="size",
                      height=320, margin=_MARGIN)
    return fig


def node_bars_figure(cluster, demands: Sequence, placements: Sequence, labels: Sequence[str] | None = None,
                     *, title: str = "Nodes filling up (GPUs)") -> go.Figure:
    """Cluster bin packing: one bar per node, each placed task a coloured block of its GPUs."""
    labels = list(labels) if labels is not None else [f"task {i}" for i in range(len(demands))]
    names = list(cluster.names)
    fig = go.Figure()
    fill = [0.0] * len(names)
    colors = _color_map(labels)
    for d, p, lab in zip(demands, placements, labels):
        if p is None:
            continue
        g = d.total_gpu_milli / MILLI
        fig.add_bar(x=[names[p.node]], y=[g], base=[fill[p.node]], marker_color=colors[lab], showlegend=False,
                    marker_line=dict(color="white", width=1.5), text=[lab], textposition="inside",
                    textfont_color=pal.text_on(colors[lab]), hovertemplate=f"{lab}: {g:g} GPUs<extra></extra>")
        fill[p.node] += g
    caps = [n.gpus for n in cluster.nodes]
    fig.add_scatter(x=names, y=caps, mode="markers", marker_symbol="line-ew-open", marker_size=40,
                    marker_color=pal.BLACK, name="capacity", hoverinfo="skip")
    failed = [lab for p, lab in zip(placements, labels) if p is None]
    sub = f" — not placed: {', '.join(failed)}" if failed else ""
    fig.update_layout(barmode="overlay", title=title + sub, yaxis_title="GPUs", height=320, margin=_MARGIN)
    fig.update_xaxes(categoryorder="array", categoryarray=names)  # node order, not first-placed order
    return fig


# ------------------------------------------------------------------------------ Gantt / heatmap
def _lanes(seg_node: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Greedy interval colouring per node: the lane of each segment (0, 1, ...)."""
    lanes = np.zeros(len(start), dtype=int)
    for node in np.unique(seg_node):
        idx = np.flatnonzero(seg_node == node)
        idx = idx[np.lexsort((end[idx], start[idx]))]
        free_at: list[float] = []
        for i in idx:
            for lane, t in enumerate(free_at):
                if t <= start[i] + 1e-9:
                    free_at[lane] = end[i]
                    lanes[i] = lane
                    break
            else:
                free_at.append(end[i])
                lanes[i] = len(free_at) - 1
    return lanes


def gantt_data(result, *, color_by: str = "user", time_unit_s: float = 3600.0) -> dict:
    """Bars of a Gantt chart: one per task run (and per task held by a deadlocked gang).

    Rows are ``node · lane`` (tasks running side by side on one node get separate lanes).
    """
    s = result.segments
    wl = result.workload
    job = s["job"].tolist()
    node = s["node"].tolist()
    start = s["start_s"].tolist()
    end = s["end_s"].tolist()
    held = [False] * len(job)
    if result.held:
        # a deadlock lasts forever: draw the held tasks up to the end of the picture
        stop = max([*end, *(since + wl.duration_s[j] for j, _t, _n, since in result.held)])
        for j, _t, n, since in result.held:
            job.append(j)
            node.append(n)
            start.append(since)
            end.append(stop)
            held.append(True)
    job_a, node_a = np.array(job, dtype=int), np.array(node, dtype=int)
    start_a, end_a = np.array(start, dtype=float), np.array(end, dtype=float)
    lanes = _lanes(node_a, start_a, end_a) if len(job) else np.zeros(0, int)
    names = result.cluster.names
    keys = [wl.users[j] if color_by == "user" else wl.queues[j] if color_by == "queue" else wl.names[j]
            for j in job]
    cmap = _color_map(keys or ["-"])
    # more users than colours: the colour cycles and a hatch tells the rounds apart ("x" = held)
    hatch = {k: ("", "/", ".", "\\", "+")[(i // len(PALETTE)) % 5] for i, k in enumerate(sorted(set(keys or ["-"])))}
    rows = [f"{names[n]} · {ln}" for n, ln in zip(node_a.tolist(), lanes.tolist())]
    order = sorted(set(rows), key=lambda r: (r.rsplit(" · ", 1)[0], int(r.rsplit(" · ", 1)[1])))
    t0 = float(wl.arrival_s.min())
    hover = [f"{wl.names[j]} ({wl.users[j]}, {wl.queues[j]})<br>"
             f"{'holds its GPUs, never runs (deadlock)' if h else f'{(b - a) / time_unit_s:.2f} h'}"
             for j, a, b, h in zip(job, start, end, held)]
    return {"y": rows, "base": ((start_a - t0) / time_unit_s).tolist(),
            "x": ((end_a - start_a) / time_unit_s).tolist(),
            "color": [cmap[k] for k in keys],  # held tasks keep their owner's colour, hatched
            "pattern": ["x" if h else hatch[k] for h, k in zip(held, keys)], "hover": hover, "categories": order,
            "legend": cmap, "legend_pattern": hatch}


def gantt_figure(result, *, color_by: str = "user", title: str | None = None) -> go.Figure:
    """Jobs on nodes over time (hours from the first arrival); hatched = held by a deadlocked gang."""
    d = gantt_data(result, color_by=color_by)
    fig = go.Figure(go.Bar(y=d["y"], x=d["x"], base=d["base"], orientation="h",
                           marker=dict(color=d["color"], line_width=0.5, line_color="white",
                                       pattern=dict(shape=d["pattern"], fillmode="overlay", fgcolor="white",
                                                    fgopacity=0.9, size=8)),
                           hovertext=d["hover"], hoverinfo="text", name="task runs", showlegend=False))
    for k, c in d["legend"].items():
        sym = "square" if not d["legend_pattern"][k] else "square-x"  # hatched rounds: a crossed square
        fig.add_scatter(x=[None], y=[None], mode="markers", marker=dict(color=c, size=10, symbol=sym), name=k)
    if result.held:
        fig.add_scatter(x=[None], y=[None], mode="markers", marker=dict(color=pal.NEUTRAL, size=10, symbol="x"),
                        name="hatched: held, never runs")
    # tasks running at the same time on one node get a lane each: rows are "node · lane"
    fig.update_yaxes(categoryorder="array", categoryarray=d["categories"][::-1],
                     title="node · lane (a row per task running at once)")
    fig.update_layout(title=title or f"Schedule: {result.queue} / {result.placement}", xaxis_title="hours",
                      height=max(260, 18 * len(d["categories"]) + 110), margin=_MARGIN, bargap=0.15)
    return fig


def heatmap_data(result, *, bins: int = 120, time_unit_s: float = 3600.0) -> dict:
    """GPU utilisation of each node in each time bin (node × time), from the task segments."""
    s, wl, c = result.segments, result.workload, result.cluster
    t0 = float(wl.arrival_s.min())
    t1 = float(s["end_s"].max()) if len(s["end_s"]) else t0 + 1.0
    t1 = max(t1, t0 + 1.0)
    edges = np.linspace(t0, t1, bins + 1)
    width = edges[1] - edges[0]
    gpus = (wl.num_gpu * wl.gpu_milli / MILLI)[s["job"]]
    z = np.zeros((len(c.nodes), bins))
    for n, a, b, g in zip(s["node"].tolist(), s["start_s"].tolist(), s["end_s"].tolist(), gpus.tolist()):
        i0, i1 = int((a - t0) // width), min(int((b - t0) // width), bins - 1)
        for i in range(max(i0, 0), i1 + 1):
            lo, hi = max(a, edges[i]), min(b, edges[i + 1])
            if hi > lo:
                z[n, i] += g * (hi - lo) / width
    cap = np.array([max(nd.gpus, 1) for nd in c.nodes], dtype=float)[:, None]
    return {"z": z / cap, "x": ((edges[:-1] + width / 2 - t0) / time_unit_s).tolist(), "y": list(c.names)}


def heatmap_figure(result, *, bins: int = 120, title: str | None = None) -> go.Figure:
    """Node × time heatmap of GPU utilisation (for schedules too large for a Gantt chart)."""
    d = heatmap_data(result, bins=bins)
    fig = go.Figure(go.Heatmap(z=d["z"], x=d["x"], y=d["y"], zmin=0, zmax=1, colorscale="Blues",
                               colorbar_title="GPU util"))
    fig.update_layout(title=title or f"GPU utilisation per node: {result.queue} / {result.placement}",
                      xaxis_title="hours", yaxis_title="node", height=360, margin=_MARGIN)
    return fig


def schedule_figure(result, *, max_bars: int = 400) -> go.Figure:
    """A Gantt chart, or the node × time heatmap when there are more than ``max_bars`` task runs."""
    if len(result.segments["job"]) + len(result.held) <= max_bars:
        return gantt_figure(result)
    return heatmap_figure(result)


def utilization_figure(results: Mapping[str, object], *, resource: str = "gpu") -> go.Figure:
    """Step plot of the share of ``resource`` in use over time, one line per named result."""
    from course_kit.scheduling.metrics import utilization_series

    fig = go.Figure()
    for name, r in results.items():
        t, u = utilization_series(r, resource)
        t0 = float(r.workload.arrival_s.min())
        i = len(fig.data)
        fig.add_scatter(x=(t - t0) / 3600.0, y=u, mode="lines", line_shape="hv", name=name,
                        line=dict(color=pal.colour(i), dash=pal.dash(i)))
    fig.update_layout(title=f"{resource.upper()} utilisation over time", xaxis_title="hours",
                      yaxis_title="share in use", yaxis_range=[0, 1.05], height=320, margin=_MARGIN)
    return fig


# ------------------------------------------------------------------------------ replay and comparisons
def fragmentation_figure(curves: Mapping[str, object], *, y: str = "unallocated_gpu_pct",
                         paper: Mapping[str, tuple[float, float]] | None = None) -> go.Figure:
    """Curves of :func:`~course_kit.scheduling.fragmentation_experiment` per policy (Fig. 9(a) / 7(a)).

    ``paper`` (policy → values at 100 % and 130 %) adds the published points as markers.
    """
    fig = go.Figure()
    for pol, df in curves.items():
        col = POLICY_COLORS.get(pol, pal.BLACK)
        fig.add_scatter(x=df["arrived_pct"], y=df[y], mode="lines", name=pol, line_color=col,
                        line_dash=POLICY_DASHES.get(pol, "solid"), line_width=2.5)
        if paper and pol in paper:
            fig.add_scatter(x=[100, 130], y=list(paper[pol]), mode="markers", marker_symbol="x",
                            marker_size=9, marker_color=col, name=f"{pol} (paper)", showlegend=False,
                            hovertemplate=f"{pol} paper: %{{y}}<extra></extra>")
    label = {"unallocated_gpu_pct": "unallocated GPUs (% of cluster)",
             "frag_ratio_pct": "fragment share of idle GPU (%)"}.get(y, y)
    fig.update_layout(title=f"openb trace: {label} vs arrived workload" + (" (× = paper)" if paper else ""),
                      xaxis_title="arrived workload (% of cluster GPU capacity)", yaxis_title=label,
                      height=380, margin=_MARGIN)
    if y == "unallocated_gpu_pct":
        fig.update_xaxes(range=[80, 131])
        fig.update_yaxes(range=[0, 30])
    return fig


def comparison_figure(table, metrics: Sequence[str] = ("mean_jct_h", "mean_queue_delay_h", "p95_queue_delay_h"),
                      *, title: str = "Policies compared") -> go.Figure:
    """Grouped bars of summary metrics (rows = runs of :func:`course_kit.scheduling.compare`)."""
    fig = go.Figure()
    for i, m in enumerate(metrics):
        fig.add_bar(x=list(table.index), y=table[m].tolist(), name=_METRIC_LABELS.get(m, m),
                    marker_color=_METRIC_COLORS[i % len(_METRIC_COLORS)], texttemplate="%{y:.2f}",
                    marker_pattern=dict(shape=pal.PATTERNS[i % len(pal.PATTERNS)], fgcolor="white", size=7),
                    textposition="outside", cliponaxis=False)
    fig.update_layout(barmode="group", title=title, yaxis_title="hours", height=360, margin=_MARGIN)
    return fig


def drf_figure(steps, capacity: Mapping[str, float]) -> go.Figure:
    """DRF progressive filling: each user's final share of every resource (bars) and dominant share."""
    users = sorted({s.user for s in steps})
    final = {u: max((s.tasks for s in steps if s.user == u), default=0) for u in users}
    fig = go.Figure()
    res = list(capacity)
    cmap = _color_map(users)
    # a user's allocation = tasks × demand, recovered from consecutive 'used' snapshots
    alloc = {u: {r: 0.0 for r in res} for u in users}
    prev = {r: 0.0 for r in res}
    for s in steps:
        for r in res:
            alloc[s.user][r] += s.used[r] - prev[r]
        prev = s.used
    for u in users:
        fig.add_bar(x=res, y=[alloc[u][r] / capacity[r] for r in res], name=f"{u} ({final[u]} tasks)",
                    marker_color=cmap[u], text=[u] * len(res), textposition="inside",
                    textfont_color=pal.text_on(cmap[u]), marker_line=dict(color="white", width=1.5))
    fig.update_layout(barmode="stack", title="DRF: share of each resource per user", yaxis_title="share of capacity",
                      yaxis_range=[0, 1.05], height=320, margin=_MARGIN)
    return fig


def lottery_figure(tickets: Mapping[str, int], observed: Mapping[str, float],
                   course_text_observed: Mapping[str, float] | None = None) -> go.Figure:
    """Ticket share vs observed win share (and the course text's buggy lottery)."""
    names = list(tickets)
    total = sum(tickets.values())
    fig = go.Figure()
    # grey = the target, blue = the correct lottery (matches it), red = the course text's (does not)
    fig.add_bar(x=names, y=[tickets[k] / total for k in names], name="ticket share", marker_color=pal.NEUTRAL)
    fig.add_bar(x=names, y=[observed[k] for k in names], name="wins (correct lottery)", marker_color=pal.BLUE,
                marker_pattern_shape="/", marker_pattern_fgcolor="white")
    if course_text_observed:
        fig.add_bar(x=names, y=[course_text_observed.get(k, 0.0) for k in names], name="wins (course text's lottery)",
                    marker_color=pal.VERMILLION, marker_pattern_shape="x", marker_pattern_fgcolor="white")
    fig.update_layout(barmode="group", title="Lottery scheduling: win shares", yaxis_title="share",
                      height=320, margin=_MARGIN)
    return fig


def preemption_figure(options) -> go.Figure:
    """Scenario 3: lost GPU-hours and SLA violation (h) per option."""
    fig = go.Figure()
    fig.add_bar(x=options["option"], y=options["lost_gpu_hours"], name="lost GPU-hours", marker_color=pal.BLUE)
    fig.add_bar(x=options["option"], y=options["sla_violation_s"] / 3600.0, name="SLA violation (h)",
                marker_color=pal.VERMILLION, marker_pattern_shape="/", marker_pattern_fgcolor="white")
    fig.update_layout(barmode="group", title="Scenario 3: wait or preempt?", height=340, margin=_MARGIN)
    return fig
