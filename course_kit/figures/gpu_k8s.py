"""Figure for GPU scheduling on Kubernetes (``course_kit.gpu_k8s``): which pod landed where.

One row per (node, GPU resource the node advertises); each placed pod is a segment as wide as its
request, coloured by resource; free capacity is grey; pending pods are summarised in the subtitle.
"""

from __future__ import annotations

import plotly.graph_objects as go

from course_kit.figures import palette as pal

__all__ = ["RESOURCE_COLORS", "placement_figure"]

RESOURCE_COLORS = pal.CATEGORICAL  # the kit's colour-vision-safe palette (pod names label every segment)
FREE = pal.WHITE  # free capacity: white with a grey outline (the outline is the graphical element)


def _short(resource: str) -> str:
    return resource.replace("nvidia.com/", "")


def placement_figure(nodes, pods, placement, *, title: str = "Which pod landed where"):
    """Bars of ``placement`` (from :func:`course_kit.gpu_k8s.place_pods`) over the nodes' GPU resources."""
    resources = sorted({r for n in nodes for r in n.allocatable if "/" in r})
    color = {r: RESOURCE_COLORS[i % len(RESOURCE_COLORS)] for i, r in enumerate(resources)}
    rows = [(n.name, r) for n in nodes for r in resources if n.allocatable.get(r, 0) > 0]
    labels = [f"{node} · {_short(r)}" for node, r in rows]
    used = {row: 0.0 for row in rows}
    segments = {r: {"x": [], "y": [], "base": [], "text": []} for r in resources}
    by_name = {p.name: p for p in pods}
    for name in placement.order:
        node = placement.assignment[name]
        if node is None:
            continue
        for r, n in by_name[name].resources.items():
            if (node, r) not in used:
                continue
            seg = segments[r]
            seg["x"].append(n)
            seg["y"].append(f"{node} · {_short(r)}")
            seg["base"].append(used[(node, r)])
            seg["text"].append(name)
            used[(node, r)] += n
    by_node = {n.name: n for n in nodes}
    fig = go.Figure()
    fig.add_bar(orientation="h", y=labels, x=[by_node[node].allocatable[r] for node, r in rows],
                base=0, marker_color=FREE, marker_line_color=pal.NEUTRAL, marker_line_width=1.5, name="free",
                hoverinfo="skip", width=0.7)
    for r in resources:
        seg = segments[r]
        if seg["x"]:
            fig.add_bar(orientation="h", y=seg["y"], x=seg["x"], base=seg["base"], text=seg["text"],
                        textposition="inside", insidetextanchor="middle", marker_color=color[r],
                        textfont_color=pal.text_on(color[r]),
                        marker_line_color="white", marker_line_width=1.5, name=_short(r), width=0.7,
                        hovertemplate="%{text}: %{x} × " + _short(r) + "<extra></extra>")
    pending = placement.pending
    groups: dict[str, list[str]] = {}
    for p in pending:
        groups.setdefault(placement.reasons[p].replace("nvidia.com/", ""), []).append(p)
    note = "; ".join(f"{len(ps)} × {reason} ({ps[0]}{' … ' + ps[-1] if len(ps) > 1 else ''})"
                     for reason, ps in groups.items())
    subtitle = f"Pending: {note}" if pending else "No pod pending"
    fig.update_layout(
        title=dict(text=f"{title}<br><sup>{subtitle}</sup>"), barmode="overlay", height=max(240, 90 + 34 * len(rows)),
        margin=dict(l=10, r=10, t=70, b=40), xaxis_title="devices advertised (allocatable)",
        yaxis=dict(autorange="reversed"), legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"),
    )
    return fig

