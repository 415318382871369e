"""Figures for collective communication (:mod:`course_kit.network`): the all-reduce time regimes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from course_kit import network
from course_kit.figures import palette as pal

__all__ = ["allreduce_regime_figure"]

_COLORS = (pal.BLUE, pal.VERMILLION, pal.GREEN, pal.PURPLE)


def allreduce_regime_figure(n_ranks: int, link_gbps: float, latencies_us: Mapping[str, float],
                            sizes_bytes: Sequence[float] | None = None) -> go.Figure:
    """Ring all-reduce time against buffer size, one line per per-step latency (log-log).

    Times come from :func:`course_kit.network.ring_allreduce_time_s`
    (t = 2(n−1)·α + 2(n−1)/n · S/B); small buffers are latency-bound (flat), large ones
    bandwidth-bound (slope 1). ``latencies_us`` maps a label to α in µs; ``link_gbps`` is each
    rank's link (B = link_gbps / 8 GB/s). Default sizes: 1 KiB to 4 GiB.

    >>> fig = allreduce_regime_figure(64, 400, {"RDMA": 1.0, "kernel TCP": 25.0})
    >>> [t.name for t in fig.data], fig.layout.xaxis.type
    (['RDMA', 'kernel TCP'], 'log')
    """
    bandwidth = network.gbps_to_gbytes_s(link_gbps)
    sizes = list(sizes_bytes) if sizes_bytes is not None else [2 ** p for p in range(10, 33, 2)]
    if not latencies_us:
        raise ValueError("latencies_us must name at least one latency; got an empty mapping")
    fig = go.Figure()
    for i, (label, lat) in enumerate(latencies_us.items()):
        times_ms = [network.ring_allreduce_time_s(n_ranks, s, bandwidth, lat) * 1000 for s in sizes]
        fig.add_scatter(x=sizes, y=times_ms, mode="lines+markers", name=str(label),
                        line={"color": _COLORS[i % len(_COLORS)], "dash": pal.dash(i)},
                        marker={"symbol": pal.symbol(i), "size": 8},
                        hovertemplate="%{x:.3s}B → %{y:.3g} ms<extra>" + str(label) + "</extra>")
    fig.update_layout(
        title=f"{n_ranks}-rank ring all-reduce at {link_gbps:g} Gb/s ({bandwidth:g} GB/s) per rank",
        xaxis={"type": "log", "dtick": 1, "title": "buffer per rank (bytes)"},
        yaxis={"type": "log", "dtick": 1, "title": "all-reduce time (ms)"},
        legend={"title": "per-step latency", "x": 0.02, "y": 0.98, "bgcolor": "rgba(255,255,255,0.8)"},
        height=380, margin={"l": 60, "r": 20, "t": 50, "b": 45},
    )
    return fig
