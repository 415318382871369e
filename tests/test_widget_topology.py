"""The topology explorer, headless: controls drive the drawing and the read-outs as the model says."""

from __future__ import annotations

import statistics

import pytest

from course_kit import topology as t
from course_kit.figures.topology import TRACE_NAMES
from course_kit.widgets import topology_explorer


def _points(panel, name):
    return len(panel.figure.data[TRACE_NAMES.index(name)].x)


def test_registered_and_default_state_is_the_k4_fat_tree():
    panel = topology_explorer()
    assert panel.error is None
    r = panel.readout
    assert (r["hosts"], r["switches"], r["cables"]) == (16, 20, 48)  # Al-Fares k=4
    assert r["bisection_gbps"] == r["bisection_maxflow_gbps"] == 16 * 100 / 2
    assert r["oversubscription"] == 1.0 and r["worst_case_links"] == 6 and r["drawn"]
    assert [_points(panel, n) for n in ("host", "edge / leaf", "aggregation", "core / spine")] == [16, 8, 8, 4]
    # the cables are one walk out and back along every cable: 2 points per cable, plus the start
    assert _points(panel, "cables") == 2 * 48 + 1
    cables = panel.figure.data[TRACE_NAMES.index("cables")]
    drawn = {frozenset(((x0, y0), (x1, y1))) for x0, y0, x1, y1 in zip(cables.x, cables.y, cables.x[1:], cables.y[1:])}
    pos = {(x, y) for d in panel.figure.data[1:] for x, y in zip(d.x, d.y)}
    assert len(drawn) == 48 and all(len(e) == 2 and e <= pos for e in drawn), "every cable drawn once, between nodes"
    assert "16" in panel.readout_html.value and "k=4" in panel.figure.layout.title.text


def test_changing_k_redraws_the_graph_and_the_figures_follow_the_closed_forms():
    panel = topology_explorer()
    panel.controls["k"].value = 6
    r = panel.readout
    assert (r["hosts"], r["switches"]) == (54, 45)
    assert _points(panel, "host") == 54 and _points(panel, "core / spine") == 9
    assert r["bisection_maxflow_gbps"] == r["bisection_gbps"] == 54 * 100 / 2
    assert r["equal_cost_paths"] == 9
    panel.controls["link_gbps"].value = 400.0
    assert panel.readout["bisection_gbps"] == 54 * 400 / 2


def test_large_fat_trees_are_summarised_not_drawn():
    panel = topology_explorer()
    panel.controls["k"].value = 16
    r = panel.readout
    assert not r["drawn"] and r["bisection_maxflow_gbps"] is None
    assert r["hosts"] == 1024 and r["switches"] == 320
    hosts_trace = panel.figure.data[TRACE_NAMES.index("host")]
    assert len(hosts_trace.x) == 3 and "1,024 hosts" in "".join(hosts_trace.text)
    assert "summarised" in panel.figure.layout.title.text
    panel.controls["k"].value = 64
    assert panel.readout["hosts"] == 65_536 and panel.readout["switches"] == 5_120


def test_leaf_spine_readouts_follow_the_model():
    panel = topology_explorer(topology="leaf_spine")
    r = panel.readout
    # defaults: 4 spines, 8 leaves, 32 hosts/leaf at 100G, 400G uplinks
    assert (r["hosts"], r["switches"], r["cables"]) == (256, 12, 256 + 32)
    assert r["oversubscription"] == pytest.approx(32 * 100 / (4 * 400))
    assert r["bisection_gbps"] == r["bisection_maxflow_gbps"] == 4 * min(3200, 1600)
    assert _points(panel, "host") == 256 and _points(panel, "core / spine") == 4
    panel.controls["spines"].value = 8  # now non-blocking
    assert panel.readout["oversubscription"] == 1.0
    assert panel.readout["bisection_gbps"] == t.full_bisection_gbps(256, 100)
    panel.controls["hosts_per_leaf"].value = 1024  # too many to draw
    assert not panel.readout["drawn"] and panel.readout["hosts"] == 8 * 1024


def test_latency_controls_move_the_worst_case_latency_by_the_hop_count():
    panel = topology_explorer()
    before = panel.readout["worst_case_latency_us"]
    panel.controls["switch_latency_ns"].value = 600.0  # +100 ns on 5 switches
    assert panel.readout["worst_case_latency_us"] == pytest.approx(before + 0.5)
    panel.controls["cable_m"].value = 20.0  # +10 m on 6 links at 4.9 ns/m
    assert panel.readout["worst_case_latency_us"] == pytest.approx(before + 0.5 + 6 * 10 * 4.9 / 1000)


@pytest.mark.parametrize("control,value,message", [
    ("k", 5, "k must be an even integer in [2, 64]; got 5"),
    ("k", 66, "k must be an even integer in [2, 64]; got 66"),
    ("link_gbps", -100.0, "link_gbps must be in (0, 10000]; got -100.0"),
])
def test_bad_fat_tree_input_is_shown_inline_and_the_figure_is_kept(control, value, message):
    panel = topology_explorer()
    hosts_before = list(panel.figure.data[TRACE_NAMES.index("host")].x)
    panel.controls[control].value = value
    assert panel.error == message
    assert "must be" in panel.message.value
    assert list(panel.figure.data[TRACE_NAMES.index("host")].x) == hosts_before
    assert panel.readout["hosts"] == 16
    panel.controls[control].value = {"k": 8, "link_gbps": 100.0}[control]
    assert panel.error is None and panel.message.value == ""


@pytest.mark.parametrize("control,value,message", [
    ("spines", 0, "spines must be an integer in [1, 512]; got 0"),
    ("leaves", 1, "leaves must be an integer in [2, 4096]; got 1"),
    ("host_gbps", -10.0, "host_gbps must be in (0, 10000]; got -10.0"),
    ("uplink_gbps", 0.0, "uplink_gbps must be in (0, 10000]; got 0.0"),
    ("switch_latency_ns", -1.0, "switch_latency_ns must be in [0, 1000000]; got -1.0"),
])
def test_bad_leaf_spine_input_is_shown_inline(control, value, message):
    panel = topology_explorer(topology="leaf_spine")
    panel.controls[control].value = value
    assert panel.error == message


def test_unknown_override_is_rejected():
    with pytest.raises(ValueError, match="unknown control 'kk'"):
        topology_explorer(kk=4)


def test_update_is_fast_at_defaults():
    panel = topology_explorer()
    times = []
    for i in range(15):
        panel.controls["link_gbps"].value = 100.0 + i % 2
        times.append(panel.last_update_ms)
    assert statistics.median(times) < 100  # target 30 ms; bench/bench_topology.py measures it


@pytest.mark.parametrize("build", [
    lambda: t.fat_tree(4), lambda: t.fat_tree(6), lambda: t.leaf_spine(3, 5, 4),
    lambda: t.rail_optimized(units=1, servers_per_unit=2, spines=2, gpus_per_server=8),
], ids=["fat-tree-4", "fat-tree-6", "leaf-spine", "rail"])
def test_the_cable_walk_draws_every_cable_and_nothing_else(build):
    import networkx as nx
    import numpy as np

    from course_kit.figures.topology import _walk, layered_positions

    G = build()
    pos = layered_positions(G)
    x, y = _walk(G, pos)
    drawn = {frozenset(((a, b), (c, d))) for a, b, c, d in zip(x, y, x[1:], y[1:])
             if not (np.isnan(a) or np.isnan(c)) and (a, b) != (c, d)}
    want = {frozenset((tuple(map(float, pos[u])), tuple(map(float, pos[v])))) for u, v in G.edges()}
    assert drawn == want
    # each cable out and back, a start point per component and a gap between components
    parts = sum(1 for c in nx.connected_components(G) if len(c) > 1)
    assert len(x) == 2 * G.number_of_edges() + parts + (parts - 1)
