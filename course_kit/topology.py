"""Section 3, cluster topology: fat-trees, leaf-spine and rail-optimised fabrics as graphs.

Graph builders return a ``networkx.Graph`` (networkx is imported when a builder runs):

* node attributes: ``role`` (``host``, ``edge``/``leaf``, ``aggregation``, ``core``/``spine``,
  ``nvswitch``), ``layer`` (0 = hosts ... top = core/spine; -1 = in-server NVSwitch), ``group``
  (the natural bisection boundary: the pod, leaf or scalable unit), ``pod`` on fat-tree nodes;
* edge attribute ``gbps``: capacity of the cable in each direction, in Gb/s (gigabits);
* graph attributes: ``topology`` and the builder's arguments.

Closed forms (``fat_tree_*``, ``leaf_spine_*``, ``rail_optimized_*``) need no graph and are
instant for any size; the tests check them against max-flow and path counts on the graphs.

Sources: Al-Fares, Loukissas & Vahdat, "A Scalable, Commodity Data Center Network Architecture",
SIGCOMM 2008 (k-ary fat-tree: k³/4 hosts, 5k²/4 switches, full bisection); leaf oversubscription
= Σ server-facing / Σ uplink bandwidth (VMware Validated Design; IBM); switch latencies and
fibre propagation as in docs/sources.md#networks and :class:`LatencyModel`.

>>> G = fat_tree(4)
>>> count_roles(G)["host"], count_switches(G)
(16, 20)
>>> bisection_bandwidth_gbps(G) == fat_tree_bisection_gbps(4, 100.0) == 16 * 100.0 / 2
True
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass

from course_kit._validate import check_int, check_number

__all__ = [
    "K_MAX",
    "MAX_GRAPH_HOSTS",
    "LINK_GBPS_MAX",
    "LatencyModel",
    "TopologySummary",
    "fat_tree",
    "leaf_spine",
    "rail_optimized",
    "check_k",
    "hosts",
    "switches",
    "count_roles",
    "count_switches",
    "count_cables",
    "bisection_bandwidth_gbps",
    "full_bisection_gbps",
    "fat_tree_counts",
    "fat_tree_bisection_gbps",
    "fat_tree_equal_cost_paths",
    "fat_tree_min_k",
    "leaf_spine_counts",
    "leaf_spine_bisection_gbps",
    "leaf_spine_oversubscription",
    "two_tier_max_hosts",
    "rail_optimized_bisection_gbps",
    "oversubscription_ratio",
    "oversubscription_by_switch",
    "shortest_path_hops",
    "equal_cost_paths",
    "worst_case_hops",
    "path_latency_us",
    "fat_tree_summary",
    "leaf_spine_summary",
    "graph_summary",
]

K_MAX = 64
MAX_GRAPH_HOSTS = 65_536  # = fat_tree(64); larger fabrics use the closed forms
MAX_GRAPH_LINKS = 300_000
LINK_GBPS_MAX = 10_000.0
SPINES_MAX = 512
LEAVES_MAX = 4096
HOSTS_PER_LEAF_MAX = 1024

SWITCH_ROLES = ("edge", "leaf", "aggregation", "core", "spine", "nvswitch")
ACCESS_ROLES = ("edge", "leaf")


# --------------------------------------------------------------------------- validation
def check_k(k) -> int:
    """``k`` of a k-ary fat-tree: an even integer in [2, K_MAX].

    >>> check_k(3)
    Traceback (most recent call last):
    ...
    ValueError: k must be an even integer in [2, 64]; got 3
    """
    msg = f"k must be an even integer in [2, {K_MAX}]; got {k!r}"
    try:
        n = check_int("k", k, low=2, high=K_MAX)
    except ValueError:
        raise ValueError(msg) from None
    if n % 2:
        raise ValueError(msg)
    return n


def _gbps(name: str, value) -> float:
    return check_number(name, value, low=0, low_inclusive=False, high=LINK_GBPS_MAX)


def _leaf_spine_args(spines, leaves, hosts_per_leaf, host_gbps, uplink_gbps):
    return (
        check_int("spines", spines, low=1, high=SPINES_MAX),
        check_int("leaves", leaves, low=2, high=LEAVES_MAX),
        check_int("hosts_per_leaf", hosts_per_leaf, low=1, high=HOSTS_PER_LEAF_MAX),
        _gbps("host_gbps", host_gbps),
        _gbps("uplink_gbps", uplink_gbps),
    )


def _check_graph(G):
    import networkx as nx

    if not isinstance(G, nx.Graph) or isinstance(G, nx.DiGraph) or G.is_multigraph():
        raise ValueError(f"G must be an undirected networkx.Graph from fat_tree/leaf_spine/rail_optimized; got {type(G).__name__}")
    if G.graph.get("topology") not in ("fat_tree", "leaf_spine", "rail_optimized"):
        # a hand-made graph: check the attributes the functions rely on, once, with a clear message
        for n, d in G.nodes(data=True):
            if d.get("role") not in ("host", *SWITCH_ROLES) or not isinstance(d.get("layer"), int):
                raise ValueError(
                    f"G's node {n!r} needs a 'role' in {('host', *SWITCH_ROLES)} and an int 'layer' "
                    f"(build G with fat_tree/leaf_spine/rail_optimized); got {d!r}"
                )
        for u, v, cap in G.edges(data="gbps"):
            if isinstance(cap, bool) or not isinstance(cap, (int, float)) or not math.isfinite(cap) or cap <= 0:
                raise ValueError(f"G's edge ({u!r}, {v!r}) needs a 'gbps' > 0; got {cap!r}")
    return G


def _check_node(G, name: str, node, role_in=None):
    if node not in G:
        raise ValueError(f"{name} must be a node of G; got {node!r}")
    if role_in is not None and G.nodes[node].get("role") not in role_in:
        raise ValueError(f"{name} must be a node with role in {role_in}; got {node!r} with role {G.nodes[node].get('role')!r}")
    return node


# --------------------------------------------------------------------------- builders
def fat_tree(k, link_gbps=100.0):
    """The k-ary fat-tree of Al-Fares et al. (2008), every cable ``link_gbps``.

    k pods; each pod has k/2 edge and k/2 aggregation switches (k ports each); each edge
    switch serves k/2 hosts and connects to every aggregation switch of its pod; aggregation
    switch j of every pod connects to core switches j·k/2 ... j·k/2 + k/2 − 1; (k/2)² cores.
    Hosts k³/4, switches 5k²/4, cables 3k³/4.

    Node names: ``c{i}`` core, ``p{pod}a{j}`` aggregation, ``p{pod}e{j}`` edge,
    ``p{pod}e{j}h{x}`` host.

    >>> G = fat_tree(4, link_gbps=10)
    >>> sorted(Counter(r for _, r in G.nodes(data="role")).items())
    [('aggregation', 8), ('core', 4), ('edge', 8), ('host', 16)]
    >>> G.nodes["p1e0h1"]
    {'role': 'host', 'layer': 0, 'pod': 1, 'group': 1, 'index': 1}
    """
    import networkx as nx

    k = check_k(k)
    s = _gbps("link_gbps", link_gbps)
    half = k // 2
    G = nx.Graph(topology="fat_tree", k=k, link_gbps=s)
    for c in range(half * half):
        G.add_node(f"c{c}", role="core", layer=3, index=c)
    nodes, edges = [], []
    for p in range(k):
        for j in range(half):
            agg, edge = f"p{p}a{j}", f"p{p}e{j}"
            nodes.append((agg, {"role": "aggregation", "layer": 2, "pod": p, "group": p, "index": j}))
            nodes.append((edge, {"role": "edge", "layer": 1, "pod": p, "group": p, "index": j}))
            for m in range(half):
                edges.append((agg, f"c{j * half + m}"))
            for x in range(half):
                host = f"{edge}h{x}"
                nodes.append((host, {"role": "host", "layer": 0, "pod": p, "group": p, "index": x}))
                edges.append((edge, host))
        for j in range(half):
            for i in range(half):
                edges.append((f"p{p}e{j}", f"p{p}a{i}"))
    G.add_nodes_from(nodes)
    G.add_edges_from(edges, gbps=s)
    return G


def leaf_spine(spines, leaves, hosts_per_leaf, host_gbps=100.0, uplink_gbps=400.0):
    """Two-tier leaf-spine (folded Clos): every leaf wired once to every spine.

    Each leaf serves ``hosts_per_leaf`` hosts at ``host_gbps`` and has one ``uplink_gbps``
    cable to each of the ``spines`` spines. Node names ``s{i}``, ``l{j}``, ``l{j}h{x}``;
    ``group`` = leaf index. (The graph is limited to 65,536 hosts; the closed forms are not.)

    >>> G = leaf_spine(4, 8, 16, host_gbps=100, uplink_gbps=100)
    >>> count_roles(G) == {"host": 128, "leaf": 8, "spine": 4}, count_cables(G)
    (True, 160)
    >>> oversubscription_ratio(G, "l0")        # 16 x 100G down : 4 x 100G up
    4.0
    """
    import networkx as nx

    S, L, H, sh, su = _leaf_spine_args(spines, leaves, hosts_per_leaf, host_gbps, uplink_gbps)
    if L * H > MAX_GRAPH_HOSTS or S * L + L * H > MAX_GRAPH_LINKS:
        raise ValueError(
            f"leaves x hosts_per_leaf must be <= {MAX_GRAPH_HOSTS} and cables <= {MAX_GRAPH_LINKS} "
            f"to build the graph; got {L} x {H} hosts, {S * L + L * H} cables "
            f"(use leaf_spine_summary for larger fabrics)"
        )
    G = nx.Graph(topology="leaf_spine", spines=S, leaves=L, hosts_per_leaf=H,
                 host_gbps=sh, uplink_gbps=su)
    G.add_nodes_from((f"s{i}", {"role": "spine", "layer": 2, "index": i}) for i in range(S))
    G.add_nodes_from((f"l{j}", {"role": "leaf", "layer": 1, "group": j, "index": j}) for j in range(L))
    G.add_nodes_from(
        (f"l{j}h{x}", {"role": "host", "layer": 0, "group": j, "index": x})
        for j in range(L) for x in range(H)
    )
    G.add_edges_from(((f"l{j}", f"s{i}") for j in range(L) for i in range(S)), gbps=su)
    G.add_edges_from(((f"l{j}", f"l{j}h{x}") for j in range(L) for x in range(H)), gbps=sh)
    return G


def rail_optimized(units, servers_per_unit, spines, gpus_per_server=8, host_gbps=400.0,
                   uplink_gbps=400.0, nvlink_gbps=3600.0):
    """Rail-optimised fabric: in each scalable unit, one leaf per GPU rail.

    GPU g of every server in unit u plugs (through its own NIC, ``host_gbps``) into leaf
    ``u{u}r{g}`` — "rail" g. Every leaf has one ``uplink_gbps`` cable to each spine. Inside a
    server the GPUs meet at an NVSwitch node ``...nv`` (``nvlink_gbps`` per GPU and direction;
    default 3,600 Gb/s = 450 GB/s, half of H100's 900 GB/s bidirectional NVLink, docs/sources.md#accelerators),
    so a GPU can reach another rail through its server's NVLink before using the network
    (NCCL's "PXN"). This is how 8-GPU servers are cabled in AI clusters.

    Hosts are GPUs: ``u{u}s{s}g{g}`` with ``group`` = unit (the bisection boundary).

    >>> G = rail_optimized(units=2, servers_per_unit=4, spines=4)
    >>> count_roles(G)["host"], count_roles(G)["leaf"], count_roles(G)["nvswitch"]
    (64, 16, 8)
    """
    import networkx as nx

    U = check_int("units", units, low=1, high=256)
    P = check_int("servers_per_unit", servers_per_unit, low=1, high=HOSTS_PER_LEAF_MAX)
    S = check_int("spines", spines, low=1, high=SPINES_MAX)
    g = check_int("gpus_per_server", gpus_per_server, low=1, high=16)
    sh, su, sn = _gbps("host_gbps", host_gbps), _gbps("uplink_gbps", uplink_gbps), _gbps("nvlink_gbps", nvlink_gbps)
    if U * P * g > MAX_GRAPH_HOSTS:
        raise ValueError(f"units x servers_per_unit x gpus_per_server must be <= {MAX_GRAPH_HOSTS}; got {U * P * g}")
    G = nx.Graph(topology="rail_optimized", units=U, servers_per_unit=P, spines=S,
                 gpus_per_server=g, host_gbps=sh, uplink_gbps=su, nvlink_gbps=sn)
    G.add_nodes_from((f"s{i}", {"role": "spine", "layer": 2, "index": i}) for i in range(S))
    for u in range(U):
        for r in range(g):
            leaf = f"u{u}r{r}"
            G.add_node(leaf, role="leaf", layer=1, group=u, rail=r, index=u * g + r)
            G.add_edges_from(((leaf, f"s{i}") for i in range(S)), gbps=su)
        for s in range(P):
            nv = f"u{u}s{s}nv"
            G.add_node(nv, role="nvswitch", layer=-1, group=u, server=s, index=u * P + s)
            for r in range(g):
                gpu = f"u{u}s{s}g{r}"
                G.add_node(gpu, role="host", layer=0, group=u, server=s, rail=r, index=(u * P + s) * g + r)
                G.add_edge(gpu, f"u{u}r{r}", gbps=sh)
                G.add_edge(gpu, nv, gbps=sn)
    return G


# --------------------------------------------------------------------------- counts
def hosts(G) -> list:
    """Host nodes of ``G`` (role 'host'), in insertion order."""
    _check_graph(G)
    return [n for n, r in G.nodes(data="role") if r == "host"]


def switches(G) -> list:
    """Switch nodes of ``G`` (every role but 'host'; includes in-server NVSwitches)."""
    _check_graph(G)
    return [n for n, r in G.nodes(data="role") if r != "host"]


def count_roles(G) -> dict:
    """Number of nodes per role, e.g. ``{'host': 16, 'edge': 8, ...}``."""
    _check_graph(G)
    return dict(Counter(r for _, r in G.nodes(data="role")))


def count_switches(G, include_nvswitch: bool = False) -> int:
    """Network switches in ``G`` (in-server NVSwitches only if ``include_nvswitch``)."""
    c = count_roles(G)
    return sum(v for r, v in c.items() if r != "host" and (include_nvswitch or r != "nvswitch"))


def count_cables(G, include_nvlink: bool = False) -> int:
    """Network cables = edges of ``G`` (NVLink edges inside servers only if ``include_nvlink``)."""
    _check_graph(G)
    if include_nvlink:
        return G.number_of_edges()
    role = G.nodes
    return sum(1 for u, v in G.edges() if role[u]["role"] != "nvswitch" and role[v]["role"] != "nvswitch")


def fat_tree_counts(k) -> dict:
    """Closed-form counts of the k-ary fat-tree (Al-Fares et al. 2008; docs/sources.md#networks).

    >>> fat_tree_counts(48)["hosts"], fat_tree_counts(48)["switches"], fat_tree_counts(48)["core"]
    (27648, 2880, 576)
    """
    k = check_k(k)
    h = k // 2
    return {
        "hosts": k**3 // 4, "edge": k * h, "aggregation": k * h, "core": h * h,
        "switches": 5 * k * k // 4, "cables": 3 * k**3 // 4, "pods": k,
        "hosts_per_pod": h * h,
    }


def leaf_spine_counts(spines, leaves, hosts_per_leaf) -> dict:
    """Closed-form counts of a leaf-spine: hosts L·H, switches S + L, cables L·H + L·S.

    >>> leaf_spine_counts(4, 8, 16)
    {'hosts': 128, 'leaf': 8, 'spine': 4, 'switches': 12, 'cables': 160}
    """
    S, L, H, _, _ = _leaf_spine_args(spines, leaves, hosts_per_leaf, 1.0, 1.0)
    return {"hosts": L * H, "leaf": L, "spine": S, "switches": S + L, "cables": L * H + L * S}


# --------------------------------------------------------------------------- bisection
def _host_groups(G):
    groups = sorted({G.nodes[h].get("group") for h in hosts(G)}, key=lambda x: (x is None, x))
    if None in groups:
        raise ValueError("every host of G needs a 'group' attribute (build G with fat_tree/leaf_spine/rail_optimized)")
    if len(groups) < 2:
        raise ValueError(f"G must have at least 2 host groups (pods, leaves or units) to bisect; got {len(groups)}")
    return groups


def bisection_bandwidth_gbps(G) -> float:
    """Max-flow (= min-cut) in Gb/s from the hosts of the first half of the groups to the rest.

    Groups are pods (fat-tree), leaves (leaf-spine) or scalable units (rail-optimised): the
    first ⌊g/2⌋ groups form side A. A super-source feeds every host of A and every host of B
    drains to a super-sink, each cable carries ``gbps`` per direction; the value is the
    one-direction bisection bandwidth (docs/sources.md#networks). Computed on the graph with the hosts of
    each side contracted into the source/sink (exact: they hang off an infinite-capacity edge),
    which keeps fat_tree(16) well under a second.

    >>> bisection_bandwidth_gbps(leaf_spine(2, 4, 8, host_gbps=10, uplink_gbps=10))   # 2 leaves x min(80, 20)
    40.0
    """
    import networkx as nx

    _check_graph(G)
    groups = _host_groups(G)
    side_a = set(groups[: len(groups) // 2])
    side = {}
    for n, d in G.nodes(data=True):
        if d.get("role") == "host":
            side[n] = "S" if d["group"] in side_a else "T"
    D = nx.DiGraph()
    direct = 0.0
    for u, v, cap in G.edges(data="gbps"):
        if cap is None:
            raise ValueError(f"edge ({u!r}, {v!r}) has no 'gbps' attribute")
        a, b = side.get(u, u), side.get(v, v)
        if a == b:
            continue
        if {a, b} == {"S", "T"}:
            direct += cap
            continue
        for x, y in ((a, b), (b, a)):
            if x == "T" or y == "S":
                continue
            if D.has_edge(x, y):
                D[x][y]["capacity"] += cap
            else:
                D.add_edge(x, y, capacity=cap)
    if "S" not in D or "T" not in D:
        return float(direct)
    from networkx.algorithms.flow import preflow_push

    return float(direct + nx.maximum_flow_value(D, "S", "T", capacity="capacity", flow_func=preflow_push))


def full_bisection_gbps(n_hosts, host_gbps) -> float:
    """Non-blocking bisection: half the hosts can all send at line rate = N·s/2 (docs/sources.md#networks).

    >>> full_bisection_gbps(27_648, 10)
    138240.0
    """
    n = check_int("n_hosts", n_hosts, low=0, high=10**9)
    return n * _gbps("host_gbps", host_gbps) / 2.0


def fat_tree_bisection_gbps(k, link_gbps=100.0) -> float:
    """Bisection of the k-ary fat-tree = hosts · s / 2 = k³·s/8 (full bisection, Al-Fares 2008).

    >>> fat_tree_bisection_gbps(8, 100)
    6400.0
    """
    k = check_k(k)
    return k**3 / 8.0 * _gbps("link_gbps", link_gbps)


def leaf_spine_bisection_gbps(spines, leaves, hosts_per_leaf, host_gbps=100.0, uplink_gbps=400.0) -> float:
    """Bisection of a leaf-spine split into the first ⌊L/2⌋ leaves and the rest.

        B = ⌊L/2⌋ · min(H·s_host, S·s_up)

    Each leaf on the smaller side can push at most min(its server-facing, its uplink)
    capacity; the spines carry S·s_up per leaf. Non-blocking (H·s_host ≤ S·s_up) gives
    N·s_host/2 for even L; oversubscribed r:1 divides that by r (docs/sources.md#networks). The course text's
    ``spine_count·spine_ports·link_speed/2`` ignores both limits (erratum 18).

    >>> leaf_spine_bisection_gbps(4, 8, 48, host_gbps=10, uplink_gbps=40)    # 3:1 leaves
    640.0
    """
    S, L, H, sh, su = _leaf_spine_args(spines, leaves, hosts_per_leaf, host_gbps, uplink_gbps)
    return (L // 2) * min(H * sh, S * su)


def rail_optimized_bisection_gbps(units, servers_per_unit, spines, gpus_per_server=8,
                                  host_gbps=400.0, uplink_gbps=400.0) -> float:
    """Bisection of :func:`rail_optimized` split by scalable units:
    ⌊U/2⌋ · gpus_per_server · min(servers_per_unit · s_host, spines · s_up).

    (NVLink stays inside a server, so it cannot cross the cut.)

    >>> rail_optimized_bisection_gbps(4, 32, 32, host_gbps=400, uplink_gbps=400)  # 1,024 GPUs, non-blocking
    204800.0
    """
    U = check_int("units", units, low=2, high=256)
    P = check_int("servers_per_unit", servers_per_unit, low=1, high=HOSTS_PER_LEAF_MAX)
    S = check_int("spines", spines, low=1, high=SPINES_MAX)
    g = check_int("gpus_per_server", gpus_per_server, low=1, high=16)
    return (U // 2) * g * min(P * _gbps("host_gbps", host_gbps), S * _gbps("uplink_gbps", uplink_gbps))


def fat_tree_min_k(n_hosts) -> int:
    """Smallest even k whose fat-tree has at least ``n_hosts`` hosts (k³/4 ≥ n).

    >>> fat_tree_min_k(8000)          # 32³/4 = 8,192
    32
    """
    n = check_int("n_hosts", n_hosts, low=1, high=K_MAX**3 // 4)
    k = 2
    while k**3 // 4 < n:
        k += 2
    return k


def two_tier_max_hosts(radix, oversubscription=1.0) -> int:
    """Most hosts a two-tier leaf-spine of ``radix``-port switches can serve at r:1.

    A leaf splits its ports d down, u up with d/u = r; one uplink per spine, so u spines, and a
    spine's ``radix`` ports allow ``radix`` leaves: hosts = radix · ⌊radix·r/(1+r)⌋ (R²/2 at 1:1).

    >>> two_tier_max_hosts(64), two_tier_max_hosts(40), two_tier_max_hosts(64, 3)
    (2048, 800, 3072)
    """
    R = check_int("radix", radix, low=2, high=4096)
    r = check_number("oversubscription", oversubscription, low=0, low_inclusive=False, high=1000)
    down = math.floor(R * r / (1 + r) + 1e-9)
    return R * min(down, R - 1)


# --------------------------------------------------------------------------- oversubscription
def oversubscription_ratio(G, switch) -> float:
    """Σ bandwidth of cables to lower layers / Σ bandwidth to higher layers, at ``switch``.

    For an edge/leaf switch: server-facing over uplink bandwidth (docs/sources.md#networks; VMware example:
    48 × 10G down : 4 × 40G up = 3:1). 1.0 is non-blocking.

    >>> oversubscription_ratio(leaf_spine(4, 2, 48, host_gbps=10, uplink_gbps=40), "l1")
    3.0
    """
    _check_graph(G)
    _check_node(G, "switch", switch, role_in=("edge", "leaf", "aggregation", "core", "spine"))
    layer = G.nodes[switch]["layer"]
    down = up = 0.0
    for nbr, cap in G[switch].items():
        nl = G.nodes[nbr]["layer"]
        if G.nodes[nbr]["role"] == "nvswitch":
            continue
        if nl < layer:
            down += cap["gbps"]
        elif nl > layer:
            up += cap["gbps"]
    if up == 0:
        raise ValueError(f"switch must have uplinks (a higher layer); {switch!r} has none")
    return down / up


def oversubscription_by_switch(G) -> dict:
    """Oversubscription of every edge/leaf switch of ``G`` (name → ratio)."""
    _check_graph(G)
    return {n: oversubscription_ratio(G, n) for n, r in G.nodes(data="role") if r in ACCESS_ROLES}


def leaf_spine_oversubscription(spines, hosts_per_leaf, host_gbps=100.0, uplink_gbps=400.0) -> float:
    """Leaf oversubscription = (H · s_host) / (S · s_up).

    >>> leaf_spine_oversubscription(4, 48, host_gbps=10, uplink_gbps=40)
    3.0
    """
    S, _, H, sh, su = _leaf_spine_args(spines, 2, hosts_per_leaf, host_gbps, uplink_gbps)
    return H * sh / (S * su)


# --------------------------------------------------------------------------- paths
def _bfs(G, source, adj=None):
    """Distances and number of shortest paths from ``source`` (unit-length edges)."""
    dist = {source: 0}
    count = {source: 1}
    queue = deque([source])
    adj = G._adj if adj is None else adj
    while queue:
        u = queue.popleft()
        du, cu = dist[u], count[u]
        for v in adj[u]:
            dv = dist.get(v)
            if dv is None:
                dist[v] = du + 1
                count[v] = cu
                queue.append(v)
            elif dv == du + 1:
                count[v] += cu
    return dist, count


def shortest_path_hops(G, a, b) -> int:
    """Links on a shortest path from ``a`` to ``b`` (switches crossed = links − 1 host-to-host).

    >>> shortest_path_hops(fat_tree(4), "p0e0h0", "p3e1h1")     # edge-agg-core-agg-edge
    6
    """
    _check_graph(G)
    _check_node(G, "a", a)
    _check_node(G, "b", b)
    dist, _ = _bfs(G, a)
    if b not in dist:
        raise ValueError(f"b={b!r} is not reachable from a={a!r}")
    return dist[b]


def equal_cost_paths(G, a, b) -> int:
    """Number of distinct shortest paths from ``a`` to ``b`` (what ECMP can spread over).

    Counted by dynamic programming over BFS layers, no enumeration. In a k-ary fat-tree:
    1 under the same edge switch, k/2 within a pod, (k/2)² between pods (docs/sources.md#networks).

    >>> G = fat_tree(8)
    >>> equal_cost_paths(G, "p0e0h0", "p0e0h1"), equal_cost_paths(G, "p0e0h0", "p0e1h0"), equal_cost_paths(G, "p0e0h0", "p5e2h3")
    (1, 4, 16)
    """
    _check_graph(G)
    _check_node(G, "a", a)
    _check_node(G, "b", b)
    if a == b:
        return 1
    dist, count = _bfs(G, a)
    if b not in dist:
        raise ValueError(f"b={b!r} is not reachable from a={a!r}")
    return count[b]


def fat_tree_equal_cost_paths(k, relation="other_pod") -> int:
    """Closed form of :func:`equal_cost_paths` in a k-ary fat-tree.

    ``relation``: 'same_edge' → 1, 'same_pod' → k/2, 'other_pod' → (k/2)².

    >>> fat_tree_equal_cost_paths(48)
    576
    """
    from course_kit._validate import check_choice

    k = check_k(k)
    check_choice("relation", relation, ["same_edge", "same_pod", "other_pod"])
    return {"same_edge": 1, "same_pod": k // 2, "other_pod": (k // 2) ** 2}[relation]


def worst_case_hops(G) -> tuple:
    """(links, a, b): the longest shortest path between two hosts of ``G``.

    Exact and cheap: hosts with the same neighbours (e.g. under one edge switch) have the
    same distances to everything else, so one BFS per distinct neighbourhood suffices.

    >>> worst_case_hops(fat_tree(4))[0], worst_case_hops(leaf_spine(2, 3, 2))[0]
    (6, 4)
    """
    _check_graph(G)
    host_list = hosts(G)
    if len(host_list) < 2:
        raise ValueError(f"G must have at least 2 hosts; got {len(host_list)}")
    classes: dict = {}
    for h in host_list:
        classes.setdefault(frozenset(G._adj[h]), []).append(h)
    best = (-1, None, None)
    reps = [members[0] for members in classes.values()]
    for members in classes.values():
        if len(members) > 1 and best[0] < 2:
            best = (2, members[0], members[1])
    # Drop the other members of each class: they change no distance between representatives.
    dropped = {h for members in classes.values() for h in members[1:]}
    adj = {n: [m for m in nbrs if m not in dropped] for n, nbrs in G._adj.items() if n not in dropped}
    for i, src in enumerate(reps):
        dist, _ = _bfs(G, src, adj)
        for dst in reps[i + 1:]:
            d = dist.get(dst)
            if d is not None and d > best[0]:
                best = (d, src, dst)
    return best


@dataclass(frozen=True)
class LatencyModel:
    """Per-path latency = switch hops + serialization + propagation (all documented defaults).

    * ``switch_latency_ns`` = 500: cut-through port-to-port, e.g. Arista 7124SX ~500 ns;
      range ~100-1,000 ns (NVIDIA QM8790 HDR InfiniBand "sub-130ns", Cisco Nexus 93180YC-FX
      "< 1 microsecond"), docs/sources.md#networks (Medium). The course text's 2 µs per hop is deep-buffer
      territory (erratum 19).
    * ``packet_bytes`` = 1,500: a standard Ethernet MTU frame (assumption).
    * ``cable_m`` = 10 per link (assumption: in-row runs; a rack is ~2 m, a hall ~50 m).
    * ``propagation_ns_per_m`` = 4.9: light in silica fibre, c/n with n ≈ 1.468
      (≈ 204,000 km/s; dwdm.me "How to Calculate Delay in Optical Fiber", Medium).
    * ``cut_through`` = True: the frame is serialised once (at the slowest link of the path);
      store-and-forward re-serialises it on every link.
    """

    switch_latency_ns: float = 500.0
    packet_bytes: float = 1500.0
    cable_m: float = 10.0
    propagation_ns_per_m: float = 4.9
    cut_through: bool = True

    def __post_init__(self):
        check_number("switch_latency_ns", self.switch_latency_ns, low=0, high=1e6)
        check_number("packet_bytes", self.packet_bytes, low=1, high=1e7)
        check_number("cable_m", self.cable_m, low=0, high=1e6)
        check_number("propagation_ns_per_m", self.propagation_ns_per_m, low=0, high=1e3)
        if not isinstance(self.cut_through, bool):
            raise ValueError(f"cut_through must be True or False; got {self.cut_through!r}")

    def latency_us(self, links: int, link_gbps) -> float:
        """Latency of a path of ``links`` cables with speeds ``link_gbps`` (one number or a list).

        latency = (links − 1)·switch + serialization + links·cable·propagation, where
        serialization = 8·bytes/min(speed) (cut-through) or Σ 8·bytes/speed (store-and-forward).

        >>> round(LatencyModel().latency_us(4, 100), 3)    # leaf-spine: 3 switches, 4 x 10 m
        1.816
        """
        n = check_int("links", links, low=1, high=10**6)
        speeds = [link_gbps] * n if not isinstance(link_gbps, (list, tuple)) else list(link_gbps)
        if len(speeds) != n:
            raise ValueError(f"link_gbps must be one speed or {n} speeds; got {len(speeds)}")
        speeds = [_gbps("link_gbps", s) for s in speeds]
        bits = 8.0 * self.packet_bytes
        if self.cut_through:
            ser_ns = bits / min(speeds)
        else:
            ser_ns = sum(bits / s for s in speeds)
        ns = (n - 1) * self.switch_latency_ns + ser_ns + n * self.cable_m * self.propagation_ns_per_m
        return ns / 1000.0


def path_latency_us(G, a, b, model: LatencyModel | None = None) -> float:
    """Latency in µs of one shortest path from host ``a`` to ``b`` under ``model``.

    >>> round(path_latency_us(fat_tree(4, 100), "p0e0h0", "p3e1h1"), 3)   # 5 switches, 6 links
    2.914
    """
    import networkx as nx

    m = model if model is not None else LatencyModel()
    if not isinstance(m, LatencyModel):
        raise ValueError(f"model must be a LatencyModel; got {type(m).__name__}")
    hops = shortest_path_hops(G, a, b)
    if hops == 0:
        return 0.0
    path = nx.shortest_path(G, a, b)
    speeds = [G[u][v]["gbps"] for u, v in zip(path, path[1:])]
    return m.latency_us(hops, speeds)


# --------------------------------------------------------------------------- summaries
@dataclass(frozen=True)
class TopologySummary:
    """Headline figures of a fabric (closed forms or counted on a graph)."""

    topology: str
    hosts: int
    switches: int
    cables: int
    bisection_gbps: float
    full_bisection_gbps: float
    oversubscription: float
    worst_case_links: int
    worst_case_latency_us: float
    equal_cost_paths_worst: int

    @property
    def bisection_ratio(self) -> float:
        """Bisection / non-blocking bisection (1.0 = full bisection)."""
        return self.bisection_gbps / self.full_bisection_gbps


def fat_tree_summary(k, link_gbps=100.0, model: LatencyModel | None = None) -> TopologySummary:
    """Closed-form :class:`TopologySummary` of the k-ary fat-tree (instant for any k ≤ 64).

    >>> s = fat_tree_summary(64, 400)
    >>> s.hosts, s.switches, s.cables, s.bisection_ratio
    (65536, 5120, 196608, 1.0)
    """
    c = fat_tree_counts(k)
    s = _gbps("link_gbps", link_gbps)
    m = model if model is not None else LatencyModel()
    return TopologySummary(
        topology="fat_tree", hosts=c["hosts"], switches=c["switches"], cables=c["cables"],
        bisection_gbps=fat_tree_bisection_gbps(k, s), full_bisection_gbps=full_bisection_gbps(c["hosts"], s),
        oversubscription=1.0, worst_case_links=6, worst_case_latency_us=m.latency_us(6, s),
        equal_cost_paths_worst=fat_tree_equal_cost_paths(k, "other_pod"),
    )


def leaf_spine_summary(spines, leaves, hosts_per_leaf, host_gbps=100.0, uplink_gbps=400.0,
                       model: LatencyModel | None = None) -> TopologySummary:
    """Closed-form :class:`TopologySummary` of a leaf-spine (any size in the valid ranges).

    >>> s = leaf_spine_summary(4, 8, 32, host_gbps=100, uplink_gbps=400)
    >>> s.hosts, s.switches, s.oversubscription, s.bisection_gbps
    (256, 12, 2.0, 6400.0)
    """
    S, L, H, sh, su = _leaf_spine_args(spines, leaves, hosts_per_leaf, host_gbps, uplink_gbps)
    c = leaf_spine_counts(S, L, H)
    m = model if model is not None else LatencyModel()
    return TopologySummary(
        topology="leaf_spine", hosts=c["hosts"], switches=c["switches"], cables=c["cables"],
        bisection_gbps=leaf_spine_bisection_gbps(S, L, H, sh, su),
        full_bisection_gbps=full_bisection_gbps(c["hosts"], sh),
        oversubscription=leaf_spine_oversubscription(S, H, sh, su), worst_case_links=4,
        worst_case_latency_us=m.latency_us(4, [sh, su, su, sh]), equal_cost_paths_worst=S,
    )


def graph_summary(G, model: LatencyModel | None = None) -> TopologySummary:
    """:class:`TopologySummary` counted and max-flowed on the graph itself (slower; for checks).

    Host speed for the non-blocking reference = the fastest host cable.
    """
    m = model if model is not None else LatencyModel()
    if not isinstance(m, LatencyModel):
        raise ValueError(f"model must be a LatencyModel; got {type(m).__name__}")
    host_list = hosts(G)
    links, a, b = worst_case_hops(G)
    host_speed = max(cap for h in host_list for cap in (d["gbps"] for d in G._adj[h].values()))
    ratios = list(oversubscription_by_switch(G).values())
    return TopologySummary(
        topology=G.graph.get("topology", "graph"), hosts=len(host_list), switches=count_switches(G),
        cables=count_cables(G), bisection_gbps=bisection_bandwidth_gbps(G),
        full_bisection_gbps=full_bisection_gbps(len(host_list), host_speed),
        oversubscription=max(ratios) if ratios else 1.0, worst_case_links=links,
        worst_case_latency_us=path_latency_us(G, a, b, m), equal_cost_paths_worst=equal_cost_paths(G, a, b),
    )
