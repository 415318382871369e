"""Benchmark the topology model and widget: median / p95 over >= 50 runs.

    .venv/bin/python bench/bench_topology.py

Targets (issue 3): widget update <= 30 ms median at defaults, <= 250 ms at the largest values;
bisection_bandwidth_gbps(fat_tree(16)) (1,024 hosts) <= 1 s; closed forms for k up to 64 instant.
"""

from __future__ import annotations

import time

from _common import RUNS, stats, timed_ms, widget_samples

from course_kit import topology


def timed(fn):
    return stats(timed_ms(fn))


def widget_case(panel, label, setup, key, values):
    med, p95 = stats(widget_samples(panel, key, values, setup))
    print(f"widget update, {label}: median {med:.2f} ms, p95 {p95:.2f} ms "
          f"(drawn={panel.readout['drawn']}, hosts={panel.readout['hosts']:,})")


def main():
    G16 = topology.fat_tree(16)
    med, p95 = timed(lambda: topology.bisection_bandwidth_gbps(G16))
    print(f"bisection_bandwidth_gbps(fat_tree(16)), 1,024 hosts: median {med:.1f} ms, p95 {p95:.1f} ms")
    med, p95 = timed(lambda: topology.fat_tree(16))
    print(f"fat_tree(16) build: median {med:.1f} ms, p95 {p95:.1f} ms")

    def closed_forms():
        for k in range(2, topology.K_MAX + 1, 2):
            topology.fat_tree_summary(k, 400)
        topology.leaf_spine_summary(topology.SPINES_MAX, topology.LEAVES_MAX, topology.HOSTS_PER_LEAF_MAX, 400, 800)

    med, p95 = timed(closed_forms)
    print(f"closed-form summaries for every even k in [2, 64] + largest leaf-spine: "
          f"median {med:.3f} ms, p95 {p95:.3f} ms (per sweep of 33 fabrics)")

    from course_kit.widgets.topology import LIMITS, topology_explorer

    t = time.perf_counter()
    panel = topology_explorer()
    print(f"widget construction: {(time.perf_counter() - t) * 1000:.0f} ms (first use imports plotly/networkx)")
    toggle = [100.0 + i % 2 for i in range(RUNS)]
    widget_case(panel, "defaults (fat-tree k=4)", {}, "link_gbps", toggle)
    widget_case(panel, "fat-tree k=4 <-> k=6", {}, "k", [4 if i % 2 else 6 for i in range(RUNS)])
    widget_case(panel, "largest drawn fat-tree (k=14, max-flow on graph)", {"k": 14}, "link_gbps", toggle)
    widget_case(panel, f"fat-tree at max k={LIMITS['k']} (summarised)", {"k": LIMITS["k"]}, "link_gbps", toggle)
    widget_case(panel, "leaf-spine defaults (4 x 8 x 32)", {"topology": "leaf_spine"}, "host_gbps", toggle)
    widget_case(panel, "leaf-spine near draw limit (8 x 30 x 32)",
                {"spines": 8, "leaves": 30, "hosts_per_leaf": 32}, "host_gbps", toggle)
    widget_case(panel, "leaf-spine at max (512 x 4096 x 1024, summarised)",
                {"spines": LIMITS["spines"], "leaves": LIMITS["leaves"], "hosts_per_leaf": LIMITS["hosts_per_leaf"]},
                "host_gbps", toggle)


if __name__ == "__main__":
    main()
