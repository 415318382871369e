"""Plotly drawings of fabrics from :mod:`course_kit.topology`: hosts at the bottom, core/spine on top.

A figure always has the same traces, in this order (so widgets can update them in place):
``TRACE_NAMES`` = cables, nvswitch, host, edge/leaf, aggregation, core/spine. Small graphs are
drawn node by node; large fabrics are summarised as one block per layer (``summary_trace_data``),
labelled with counts, because thousands of markers say nothing and render slowly.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from course_kit.figures import palette as pal

__all__ = [
    "TRACE_NAMES",
    "ROLE_TRACE",
    "layered_positions",
    "graph_trace_data",
    "summary_trace_data",
    "empty_topology_figure",
    "update_topology_figure",
    "topology_figure",
]

TRACE_NAMES = ("cables", "nvswitch", "host", "edge / leaf", "aggregation", "core / spine")
ROLE_TRACE = {"nvswitch": 1, "host": 2, "edge": 3, "leaf": 3, "aggregation": 4, "core": 5, "spine": 5}
# colour and symbol both tell the layers apart (and the y axis names them)
_COLORS = (pal.NEUTRAL, pal.WINE, pal.BLUE, pal.VERMILLION, pal.GREEN, pal.PURPLE)
_SYMBOLS = (None, "star", "circle", "square", "diamond", "triangle-up")
_PLURAL = {"leaf": "leaves", "switch": "switches"}


def layered_positions(G) -> dict:
    """node → (x, y): y = the node's ``layer``; x spreads each layer evenly over [0, 1] in the
    builder's insertion order (pod by pod, leaf by leaf), so related nodes sit together."""
    by_layer: dict = {}
    for n, layer in G.nodes(data="layer"):
        by_layer.setdefault(layer, []).append(n)
    pos = {}
    for layer, nodes in by_layer.items():
        m = len(nodes)
        for i, n in enumerate(nodes):
            pos[n] = ((i + 0.5) / m, float(layer))
    return pos


def _segments(pairs) -> tuple[np.ndarray, np.ndarray]:
    """Line segments ((x0, y0), (x1, y1)) → x and y arrays with NaN gaps (fast for plotly)."""
    arr = np.full((len(pairs), 3, 2), np.nan)
    if pairs:
        arr[:, :2, :] = np.asarray(pairs, dtype=float)
    return arr[:, :, 0].ravel(), arr[:, :, 1].ravel()


def _walk(G, pos) -> tuple[np.ndarray, np.ndarray]:
    """Every edge of ``G`` as ONE continuous line per connected component: a depth-first walk that
    goes out along each edge and comes back along it (the return overlaps the way out, so the
    drawing is the same). plotly draws a line broken by gaps as one SVG path per piece: 1,372
    cables of the k = 14 fat-tree were 1,372 paths to style on every redraw (about 150 ms in the
    page); the walk is one path per component, 2 points per cable.

    >>> import networkx as nx
    >>> x, y = _walk(nx.path_graph(3), {0: (0, 0), 1: (1, 0), 2: (2, 0)})
    >>> x.tolist()
    [0.0, 1.0, 2.0, 1.0, 0.0]
    """
    xs: list[float] = []
    ys: list[float] = []
    seen: set = set()
    done: set = set()
    adj = {n: list(nbrs) for n, nbrs in G.adjacency()}  # plain lists: networkx views are slow to index
    for root in G.nodes:
        if root in seen or not adj[root]:
            continue
        if xs:  # a gap between components
            xs.append(np.nan)
            ys.append(np.nan)
        seen.add(root)
        xs.append(pos[root][0])
        ys.append(pos[root][1])
        stack = [(root, iter(adj[root]))]
        while stack:
            node, nbrs = stack[-1]
            for nbr in nbrs:
                edge = frozenset((node, nbr))
                if edge in done:
                    continue
                done.add(edge)
                xs.append(pos[nbr][0])
                ys.append(pos[nbr][1])
                if nbr in seen:  # already reached another way: draw this cable and come straight back
                    xs.append(pos[node][0])
                    ys.append(pos[node][1])
                    continue
                seen.add(nbr)
                stack.append((nbr, iter(adj[nbr])))
                break
            else:
                stack.pop()
                if stack:  # back along the edge we came by
                    parent = stack[-1][0]
                    xs.append(pos[parent][0])
                    ys.append(pos[parent][1])
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def graph_trace_data(G) -> list[dict]:
    """x/y/text for each trace of ``TRACE_NAMES`` drawing ``G`` node by node (numpy arrays); the
    cables are one continuous walk (:func:`_walk`)."""
    pos = layered_positions(G)
    ex, ey = _walk(G, pos)
    data = [{"x": ex, "y": ey, "text": None}] + [{"x": [], "y": [], "text": []} for _ in TRACE_NAMES[1:]]
    for n, role in G.nodes(data="role"):
        d = data[ROLE_TRACE[role]]
        x, y = pos[n]
        d["x"].append(x)
        d["y"].append(y)
        d["text"].append(f"{n} ({role})")
    for d in data[1:]:
        d["x"] = np.asarray(d["x"], dtype=float)
        d["y"] = np.asarray(d["y"], dtype=float)
    return data


_ROLE_Y = {"nvswitch": -1.0, "host": 0.0, "edge": 1.0, "leaf": 1.0, "aggregation": 2.0, "core": 3.0, "spine": 2.0}


def summary_trace_data(layers) -> list[dict]:
    """x/y/text for each trace drawing one labelled block per layer (for large fabrics).

    ``layers``: ``[(role, count), ...]`` bottom to top, e.g. from ``topology.fat_tree_counts``.
    """
    data = [{"x": [], "y": [], "text": None}] + [{"x": [], "y": [], "text": []} for _ in TRACE_NAMES[1:]]
    xs = (0.15, 0.5, 0.85)
    ys = []
    for role, count in layers:
        if role not in ROLE_TRACE:
            raise ValueError(f"role must be one of {sorted(ROLE_TRACE)}; got {role!r}")
        d = data[ROLE_TRACE[role]]
        y = _ROLE_Y[role]
        ys.append(y)
        for x in xs:
            d["x"].append(x)
            d["y"].append(y)
            noun = role if count == 1 else _PLURAL.get(role, role + "s")
            # the label sits right of the rightmost block, where no cable runs
            d["text"].append(f"{count:,} {noun}" if x == xs[-1] else "")
    data[0]["x"], data[0]["y"] = _segments(
        [((xa, y0), (xb, y1)) for y0, y1 in zip(ys, ys[1:]) for xa in xs for xb in xs]
    )
    for d in data[1:]:
        d["x"] = np.asarray(d["x"], dtype=float)
        d["y"] = np.asarray(d["y"], dtype=float)
    return data


def empty_topology_figure(widget: bool = False):
    """A figure with the fixed traces and layout (a ``FigureWidget`` if ``widget``)."""
    traces = [go.Scatter(x=[], y=[], mode="lines", name="cables", hoverinfo="skip",
                         line={"color": _COLORS[0], "width": 1})]
    for name, color, symbol in zip(TRACE_NAMES[1:], _COLORS[1:], _SYMBOLS[1:]):
        traces.append(go.Scatter(x=[], y=[], mode="markers", name=name, hoverinfo="text",
                                 marker={"color": color, "symbol": symbol, "size": 8}))
    layout = go.Layout(
        height=420, margin={"l": 120, "r": 10, "t": 50, "b": 30}, showlegend=True,
        xaxis={"visible": False, "range": [-0.02, 1.02]},
        # NVSwitches (a server's NVLink domain) sit below its GPUs, so the axis does not claim
        # "hosts at the bottom"
        yaxis={"title": "layer", "tickmode": "array",
               "tickvals": [-1, 0, 1, 2, 3], "ticktext": ["NVSwitch (NVLink)", "hosts / GPUs", "edge / leaf",
                                                        "agg / spine", "core"],
               "range": [-1.4, 3.4], "zeroline": False},
        legend={"orientation": "h", "y": -0.05},
    )
    fig = go.Figure(data=traces, layout=layout)
    if widget:
        from course_kit.figures.live import live_figure

        return live_figure(fig)
    return fig


def update_topology_figure(fig, G=None, *, layers=None, title: str = "", trace_data=None) -> None:
    """Redraw ``fig`` (from :func:`empty_topology_figure`) in place: ``G`` node by node, or
    ``layers`` (``[(role, count), ...]``) as one labelled block per layer. ``trace_data``: the
    :func:`graph_trace_data` of ``G`` if the caller already has it (a widget keeps recent ones)."""
    if G is not None:
        data = trace_data if trace_data is not None else graph_trace_data(G)
        n = G.number_of_nodes()
        drawn = True
    elif layers is not None:
        data = summary_trace_data(layers)
        n = 0
        drawn = False
    else:
        raise ValueError("update_topology_figure needs G or layers")
    size = 10 if not drawn else max(3, min(10, int(900 / max(n, 1))))
    with fig.batch_update():
        for i, (trace, d) in enumerate(zip(fig.data, data)):
            trace.x = d["x"]
            trace.y = d["y"]
            if i == 0:
                trace.line.width = 1 if drawn else 6
                continue
            trace.hovertext = d["text"]
            if drawn:
                trace.mode = "markers"
                trace.text = None
                trace.marker.size = size
            else:
                trace.mode = "markers+text"
                trace.text = d["text"]
                trace.textposition = "middle right"
                trace.marker.size = 28
        # Show only the layers this fabric has: no empty "NVLink" row under a fat-tree, no empty
        # "core" row above a leaf-spine (summary blocks get room above them for their labels).
        ys = [float(y) for d in data[1:] for y in d["y"]]
        if ys:
            fig.layout.yaxis.range = [min(ys) - 0.4, max(ys) + 0.4]
        fig.layout.xaxis.range = [-0.02, 1.02] if drawn else [-0.02, 1.3]  # room for the block labels
        fig.layout.title = title


def topology_figure(G=None, *, layers=None, title: str = ""):
    """A static ``go.Figure`` of ``G`` (or of ``layers`` blocks), layered: hosts bottom, core/spine top.

    >>> from course_kit import topology
    >>> fig = topology_figure(topology.fat_tree(4))
    >>> [len(t.x) for t in fig.data[1:]]     # nvswitch, hosts, edge, aggregation, core
    [0, 16, 8, 8, 4]
    """
    fig = empty_topology_figure()
    if not title and G is not None:
        t = G.graph.get("topology", "graph").replace("_", "-")
        title = f"{t}: {sum(1 for _, r in G.nodes(data='role') if r == 'host'):,} hosts"
    update_topology_figure(fig, G, layers=layers, title=title)
    return fig
