"""course_kit.topology against published figures, brute force and max-flow on the graphs.

References: Al-Fares et al. 2008 / docs/sources.md#networks (k=4 → 16 hosts, 20 switches; k=48 → 27,648 hosts,
576 core, 2,880 switches; (k/2)² paths between pods; full bisection = hosts·link/2); VMware
Validated Design and IBM oversubscription examples (48×10G : 4×40G = 3:1; 19×10G : 4×40G ≈ 1.2:1).
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import topology as t

SPEEDS = st.sampled_from([1.0, 10.0, 25.0, 40.0, 100.0, 12.5, 400.0])
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JUNK = st.one_of(st.none(), st.text(max_size=3), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                 st.integers(min_value=-10**6, max_value=10**6), st.lists(st.integers(), max_size=2))


# --------------------------------------------------------------------------- published counts
@pytest.mark.parametrize("k,hosts,switches,core", [(4, 16, 20, 4), (48, 27_648, 2_880, 576), (64, 65_536, 5_120, 1_024)])
def test_fat_tree_counts_match_published_examples(k, hosts, switches, core):
    c = t.fat_tree_counts(k)
    assert (c["hosts"], c["switches"], c["core"]) == (hosts, switches, core)


@pytest.mark.parametrize("k", [2, 4, 6, 8, 10, 12])
def test_fat_tree_graph_has_al_fares_structure(k):
    G = t.fat_tree(k, link_gbps=40)
    roles = t.count_roles(G)
    assert roles == {"host": k**3 // 4, "edge": k * k // 2, "aggregation": k * k // 2, "core": k * k // 4}
    assert t.count_switches(G) == 5 * k * k // 4 == t.fat_tree_counts(k)["switches"]
    assert t.count_cables(G) == t.fat_tree_counts(k)["cables"]
    # every switch uses exactly k ports (cores connect to all k pods, one aggregation switch each)
    for n, role in G.nodes(data="role"):
        if role == "host":
            assert G.degree(n) == 1
        else:
            assert G.degree(n) == k, n
    for c in (n for n, r in G.nodes(data="role") if r == "core"):
        assert sorted(G.nodes[a]["pod"] for a in G[c]) == list(range(k))
    assert all(d["gbps"] == 40 for *_, d in G.edges(data=True))
    assert nx.is_connected(G)


def test_fat_tree_48_graph_counts_agree_with_the_paper():
    G = t.fat_tree(48)
    assert t.count_roles(G)["host"] == 27_648 and t.count_switches(G) == 2_880


def test_leaf_spine_wires_every_leaf_to_every_spine():
    G = t.leaf_spine(spines=3, leaves=5, hosts_per_leaf=4, host_gbps=25, uplink_gbps=100)
    for leaf in (n for n, r in G.nodes(data="role") if r == "leaf"):
        spines = sorted(m for m in G[leaf] if G.nodes[m]["role"] == "spine")
        assert spines == ["s0", "s1", "s2"]
        assert all(G[leaf][s]["gbps"] == 100 for s in spines)
    assert t.count_roles(G) == {"host": 20, "leaf": 5, "spine": 3}
    assert t.leaf_spine_counts(3, 5, 4) == {"hosts": 20, "leaf": 5, "spine": 3, "switches": 8, "cables": 35}
    assert t.count_cables(G) == 35


def test_rail_optimized_puts_one_leaf_per_rail():
    G = t.rail_optimized(units=2, servers_per_unit=3, spines=2, gpus_per_server=8)
    for leaf in (n for n, r in G.nodes(data="role") if r == "leaf"):
        gpus = [m for m in G[leaf] if G.nodes[m]["role"] == "host"]
        assert len(gpus) == 3 and {G.nodes[g]["rail"] for g in gpus} == {G.nodes[leaf]["rail"]}
    assert t.count_roles(G) == {"spine": 2, "leaf": 16, "nvswitch": 6, "host": 48}
    assert t.count_cables(G) == 48 + 16 * 2 and t.count_cables(G, include_nvlink=True) == 48 * 2 + 32
    # a GPU reaches another rail of another server through its NVLink: 4 links, one leaf
    assert t.shortest_path_hops(G, "u0s0g0", "u0s1g3") == 4


# --------------------------------------------------------------------------- bisection
def _flow_without_contraction(G):
    """Independent max-flow: super source/sink on the raw graph, no contraction."""
    groups = sorted({d["group"] for _, d in G.nodes(data=True) if d["role"] == "host"})
    a = set(groups[: len(groups) // 2])
    D = nx.DiGraph()
    for u, v, c in G.edges(data="gbps"):
        D.add_edge(u, v, capacity=c)
        D.add_edge(v, u, capacity=c)
    for n, d in G.nodes(data=True):
        if d["role"] == "host":
            if d["group"] in a:
                D.add_edge("SRC", n)  # no capacity attribute = infinite
            else:
                D.add_edge(n, "SNK")
    return nx.maximum_flow_value(D, "SRC", "SNK")


@pytest.mark.parametrize("k", [2, 4, 6, 8, 10, 12, 14, 16])
def test_fat_tree_has_full_bisection_hosts_times_link_over_two(k):
    G = t.fat_tree(k, link_gbps=100)
    hosts = k**3 / 4
    assert t.bisection_bandwidth_gbps(G) == pytest.approx(hosts * 100 / 2)
    assert t.fat_tree_bisection_gbps(k, 100) == pytest.approx(hosts * 100 / 2)


@pytest.mark.parametrize("G", [
    t.fat_tree(4, 10), t.fat_tree(6, 25), t.leaf_spine(2, 3, 5, 10, 40), t.leaf_spine(3, 4, 2, 100, 10),
    t.rail_optimized(3, 2, 2, gpus_per_server=4, host_gbps=200, uplink_gbps=100),
], ids=["ft4", "ft6", "ls-odd", "ls-oversub", "rail"])
def test_contracted_max_flow_equals_plain_max_flow(G):
    assert t.bisection_bandwidth_gbps(G) == pytest.approx(_flow_without_contraction(G))


def test_bisection_equals_brute_force_min_cut_on_a_tiny_fabric():
    # enumerate every cut of the switch nodes (hosts fixed to their side): the min cut = max flow
    G = t.leaf_spine(spines=2, leaves=3, hosts_per_leaf=2, host_gbps=10, uplink_gbps=7)
    side_a_hosts = {n for n, d in G.nodes(data=True) if d["role"] == "host" and d["group"] == 0}
    hosts = {n for n, d in G.nodes(data=True) if d["role"] == "host"}
    sw = sorted(set(G) - hosts)
    best = math.inf
    for bits in itertools.product([0, 1], repeat=len(sw)):
        a = side_a_hosts | {s for s, b in zip(sw, bits) if b}
        best = min(best, sum(d["gbps"] for u, v, d in G.edges(data=True) if (u in a) != (v in a)))
    assert t.bisection_bandwidth_gbps(G) == pytest.approx(best)
    assert t.leaf_spine_bisection_gbps(2, 3, 2, 10, 7) == pytest.approx(best)  # 1 leaf x min(20, 14)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 6), st.integers(2, 9), st.integers(1, 8), SPEEDS, SPEEDS)
def test_leaf_spine_closed_form_equals_max_flow(spines, leaves, hosts_per_leaf, host_gbps, uplink_gbps):
    G = t.leaf_spine(spines, leaves, hosts_per_leaf, host_gbps, uplink_gbps)
    assert t.bisection_bandwidth_gbps(G) == pytest.approx(
        t.leaf_spine_bisection_gbps(spines, leaves, hosts_per_leaf, host_gbps, uplink_gbps))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([2, 4, 6, 8, 10]), SPEEDS)
def test_fat_tree_closed_form_equals_max_flow(k, link):
    assert t.bisection_bandwidth_gbps(t.fat_tree(k, link)) == pytest.approx(t.fat_tree_bisection_gbps(k, link))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 4), st.integers(1, 3), st.integers(1, 3), st.sampled_from([2, 4, 8]), SPEEDS, SPEEDS)
def test_rail_optimized_closed_form_equals_max_flow(units, servers, spines, gpus, host, up):
    G = t.rail_optimized(units, servers, spines, gpus, host, up)
    assert t.bisection_bandwidth_gbps(G) == pytest.approx(
        t.rail_optimized_bisection_gbps(units, servers, spines, gpus, host, up))


def test_non_blocking_leaf_spine_reaches_hosts_times_speed_over_two_and_r_to_1_divides_it():
    full = t.leaf_spine_bisection_gbps(8, 16, 32, host_gbps=100, uplink_gbps=400)  # 3200 : 3200
    assert full == t.full_bisection_gbps(16 * 32, 100)
    half = t.leaf_spine_bisection_gbps(4, 16, 32, host_gbps=100, uplink_gbps=400)  # 2:1
    assert half == full / 2


def test_seed_bisection_formula_overstates_an_oversubscribed_fabric():
    # erratum 18: spine_count * spine_ports * link / 2 ignores the server-facing capacity
    spines, leaves, ports, link = 4, 8, 8, 400.0
    seed = spines * ports * link / 2
    G = t.leaf_spine(spines, leaves, hosts_per_leaf=4, host_gbps=100, uplink_gbps=link)
    assert t.bisection_bandwidth_gbps(G) == 4 * 4 * 100 < seed


# Timings (max-flow on fat_tree(16), closed forms up to k = 64) are measured in bench/bench_topology.py:
# a wall-clock assert in the suite fails under load and proves nothing about correctness.
def test_bisection_of_fat_tree_16_is_full():
    assert t.bisection_bandwidth_gbps(t.fat_tree(16)) == 1024 * 100 / 2


def test_closed_forms_cover_every_even_k_up_to_64():
    for k in range(2, 65, 2):
        assert t.fat_tree_bisection_gbps(k, 400) == k**3 / 4 * 400 / 2
        assert t.fat_tree_summary(k, 400)
    assert t.leaf_spine_summary(512, 4096, 1024, 400, 800)


def test_bisection_needs_two_groups():
    with pytest.raises(ValueError, match="at least 2 host groups"):
        t.bisection_bandwidth_gbps(t.rail_optimized(1, 2, 2))


# --------------------------------------------------------------------------- oversubscription
def test_oversubscription_matches_vmware_and_ibm_examples():
    G = t.leaf_spine(spines=4, leaves=2, hosts_per_leaf=48, host_gbps=10, uplink_gbps=40)
    assert t.oversubscription_ratio(G, "l0") == pytest.approx(480 / 160)
    assert t.leaf_spine_oversubscription(4, 19, 10, 40) == pytest.approx(190 / 160)  # VMware "1.2:1"


def test_fat_tree_is_non_blocking_at_every_edge_and_aggregation_switch():
    G = t.fat_tree(8)
    assert set(t.oversubscription_by_switch(G).values()) == {1.0}
    assert t.oversubscription_ratio(G, "p3a1") == 1.0


def test_oversubscription_needs_uplinks():
    with pytest.raises(ValueError, match="uplinks"):
        t.oversubscription_ratio(t.fat_tree(4), "c0")
    with pytest.raises(ValueError, match="role in"):
        t.oversubscription_ratio(t.fat_tree(4), "p0e0h0")


# --------------------------------------------------------------------------- paths and latency
@pytest.mark.parametrize("k", [4, 6, 8])
def test_equal_cost_paths_match_fat_tree_formulas_and_enumeration(k):
    G = t.fat_tree(k)
    pairs = {"same_edge": ("p0e0h0", "p0e0h1"), "same_pod": ("p0e0h0", "p0e1h0"),
             "other_pod": ("p0e0h0", f"p{k - 1}e1h0")}
    for rel, (a, b) in pairs.items():
        enumerated = sum(1 for _ in nx.all_shortest_paths(G, a, b))
        assert t.equal_cost_paths(G, a, b) == enumerated == t.fat_tree_equal_cost_paths(k, rel)
    assert t.equal_cost_paths(G, "p0e0h0", "p1e0h0") == (k // 2) ** 2


def test_equal_cost_paths_between_leaves_is_the_spine_count():
    G = t.leaf_spine(5, 3, 2)
    assert t.equal_cost_paths(G, "l0h0", "l2h1") == 5 == sum(1 for _ in nx.all_shortest_paths(G, "l0h0", "l2h1"))


@pytest.mark.parametrize("G", [t.fat_tree(2), t.fat_tree(4), t.fat_tree(6), t.leaf_spine(2, 3, 3),
                               t.rail_optimized(2, 2, 2, gpus_per_server=4)], ids=str)
def test_worst_case_hops_equals_all_pairs_brute_force(G):
    hs = t.hosts(G)
    lengths = dict(nx.all_pairs_shortest_path_length(G))
    brute = max(lengths[a][b] for a in hs for b in hs if a != b)
    links, a, b = t.worst_case_hops(G)
    assert links == brute and lengths[a][b] == brute


def test_hop_counts_in_a_fat_tree():
    G = t.fat_tree(4)
    assert [t.shortest_path_hops(G, "p0e0h0", x) for x in ("p0e0h1", "p0e1h0", "p2e0h0")] == [2, 4, 6]


def test_latency_model_is_hops_plus_serialization_plus_propagation():
    m = t.LatencyModel(switch_latency_ns=130, packet_bytes=4096, cable_m=20, propagation_ns_per_m=5)
    # 6 links, 5 switches: 5*130 + 4096*8/100 ns + 6*20*5 = 650 + 327.68 + 600 ns
    assert m.latency_us(6, 100) == pytest.approx((650 + 327.68 + 600) / 1000)
    sf = t.LatencyModel(switch_latency_ns=130, packet_bytes=4096, cable_m=20, propagation_ns_per_m=5, cut_through=False)
    assert sf.latency_us(6, 100) == pytest.approx((650 + 6 * 327.68 + 600) / 1000)
    G = t.fat_tree(4, 100)
    assert t.path_latency_us(G, "p0e0h0", "p3e1h1", m) == pytest.approx(m.latency_us(6, 100))
    assert t.path_latency_us(G, "p0e0h0", "p0e0h0", m) == 0.0


def test_summaries_from_the_graph_equal_the_closed_forms():
    for k in (2, 4, 6, 8):
        assert t.graph_summary(t.fat_tree(k, 25)) == t.fat_tree_summary(k, 25)
    for args in [(4, 8, 32, 100, 400), (3, 5, 7, 25, 10), (1, 2, 1, 10, 10)]:
        assert t.graph_summary(t.leaf_spine(*args)) == t.leaf_spine_summary(*args)


# --------------------------------------------------------------------------- sizing helpers
def test_two_tier_max_hosts_matches_brute_force_port_split():
    for radix in (4, 8, 32, 40, 64):
        for r in (1.0, 2.0, 3.0):
            brute = max(radix * d for d in range(1, radix) if d / (radix - d) <= r + 1e-9)
            assert t.two_tier_max_hosts(radix, r) == brute


def test_fat_tree_min_k_matches_brute_force():
    for n in (1, 2, 3, 16, 17, 1000, 8000, 65_536):
        k = t.fat_tree_min_k(n)
        assert k**3 / 4 >= n and (k == 2 or (k - 2) ** 3 / 4 < n) and k % 2 == 0


# --------------------------------------------------------------------------- validation and fuzzing
@pytest.mark.parametrize("call,match", [
    (lambda: t.fat_tree(3), r"k must be an even integer in \[2, 64\]; got 3"),
    (lambda: t.fat_tree(0), r"k must be an even integer in \[2, 64\]; got 0"),
    (lambda: t.fat_tree(66), r"got 66"),
    (lambda: t.fat_tree("4"), r"got '4'"),
    (lambda: t.fat_tree(4, link_gbps=-1), r"link_gbps must be in \(0, 10000\]; got -1"),
    (lambda: t.leaf_spine(0, 4, 4), r"spines must be an integer in \[1, 512\]; got 0"),
    (lambda: t.leaf_spine(2, 1, 4), r"leaves must be an integer in \[2, 4096\]"),
    (lambda: t.leaf_spine(2, 4, 4, host_gbps=float("nan")), r"host_gbps must be a finite number"),
    (lambda: t.leaf_spine(2, 4096, 1024), r"to build the graph"),
    (lambda: t.leaf_spine_bisection_gbps(2, 4, 4, uplink_gbps=0), r"uplink_gbps must be in \(0, 10000\]"),
    (lambda: t.bisection_bandwidth_gbps("G"), r"G must be an undirected networkx.Graph"),
    (lambda: t.equal_cost_paths(t.fat_tree(2), "p0e0h0", "nope"), r"b must be a node of G"),
    (lambda: t.path_latency_us(t.fat_tree(2), "p0e0h0", "p1e0h0", model=3), r"model must be a LatencyModel"),
    (lambda: t.LatencyModel(cable_m=-1), r"cable_m must be in \[0, 1000000\]"),
    (lambda: t.fat_tree_equal_cost_paths(4, "rack"), r"relation must be one of"),
])
def test_invalid_input_raises_value_error_naming_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@FUZZ
@given(JUNK, JUNK)
def test_fat_tree_closed_forms_raise_only_value_error(k, link):
    for fn in (lambda: t.fat_tree_counts(k), lambda: t.fat_tree_bisection_gbps(k, link),
               lambda: t.fat_tree_summary(k, link), lambda: t.fat_tree_equal_cost_paths(k)):
        try:
            fn()
        except ValueError:
            pass


@FUZZ
@given(JUNK, JUNK, JUNK, JUNK, JUNK)
def test_leaf_spine_functions_raise_only_value_error(s, leaves, h, sh, su):
    for fn in (lambda: t.leaf_spine_bisection_gbps(s, leaves, h, sh, su),
               lambda: t.leaf_spine_summary(s, leaves, h, sh, su),
               lambda: t.leaf_spine_oversubscription(s, h, sh, su),
               lambda: t.leaf_spine_counts(s, leaves, h),
               lambda: t.two_tier_max_hosts(s, sh), lambda: t.fat_tree_min_k(h)):
        try:
            fn()
        except ValueError:
            pass


@FUZZ
@given(st.integers(-3, 20), st.integers(-1, 12), st.integers(-1, 6), st.one_of(SPEEDS, st.floats(-5, 0)))
def test_graph_builders_raise_only_value_error_and_small_ones_build(k, leaves, h, speed):
    for fn in (lambda: t.fat_tree(k, speed), lambda: t.leaf_spine(max(k, 0) % 5, leaves, h, speed, speed),
               lambda: t.rail_optimized(leaves, h, max(k, 0) % 4, 2, speed, speed)):
        try:
            G = fn()
        except ValueError:
            continue
        assert G.number_of_nodes() > 0


def test_hand_made_graphs_are_checked_and_work_when_well_formed():
    bad = nx.path_graph(3)
    with pytest.raises(ValueError, match="needs a 'role'"):
        t.bisection_bandwidth_gbps(bad)
    G = nx.Graph()
    G.add_node("sw", role="leaf", layer=1)
    for i in range(4):
        G.add_node(f"h{i}", role="host", layer=0, group=i // 2)
        G.add_edge("sw", f"h{i}", gbps=10.0)
    assert t.bisection_bandwidth_gbps(G) == 20.0  # two hosts send at 10 Gb/s through one switch
    G.add_edge("h0", "h1", gbps=-1)
    with pytest.raises(ValueError, match="needs a 'gbps' > 0"):
        t.count_cables(G)
