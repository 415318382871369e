"""Every figure of the kit, built from small real inputs: what the palette, contrast and layout
tests iterate over. Figures of widgets are taken from the widgets as built (their live figures).

``FIGURES``: name → zero-argument builder returning a list of plotly figures.
"""

from __future__ import annotations


def _lifecycle():
    from course_kit import lifecycle
    from course_kit.figures import lifecycle as f

    st = lifecycle.REALTIME_INGESTION_STAGES
    r = lifecycle.budget_check(st, 100, 95, n=2000)
    samples = lifecycle.simulate_end_to_end(st, n=2000)
    pcts = lifecycle.end_to_end_percentiles(st, (50, 95, 99), n=2000)
    t, b = lifecycle.backlog_series(arrival_rate_per_s=1.2, throughput_per_s=1.0, duration_s=60)
    q = lifecycle.queue_comparison(service_rate_per_s=1000, n_jobs=2000)
    return [f.waterfall_figure(r), f.distribution_figure(samples, pcts, 100), f.backlog_figure(t, b),
            f.queue_figure(q)]


def _roofline():
    from course_kit import compute
    from course_kit.figures import compute as f

    ops = {"decode": compute.attention_decode_intensity(8, 4096, 32, 128),
           "GEMM": compute.gemm_intensity(4096, 4096, 4096)}
    return [f.roofline_figure(operations=ops), f.roofline_figure(precision="fp32", intensity_range=(0.05, 500))]


def _topology():
    from course_kit import topology
    from course_kit.figures import network as n
    from course_kit.figures import topology as f

    rail = topology.rail_optimized(units=1, servers_per_unit=2, spines=2, gpus_per_server=8)
    return [f.topology_figure(topology.fat_tree(4)), f.topology_figure(rail),
            f.topology_figure(layers=[("host", 1024), ("edge", 128), ("aggregation", 128), ("core", 64)]),
            n.allreduce_regime_figure(n_ranks=64, link_gbps=400, latencies_us={"RDMA": 1.0, "TCP": 25.0})]


def _scheduling():
    import pandas as pd

    from course_kit import scheduling as sch
    from course_kit.figures import scheduling as f

    items = [4, 8, 1, 4, 2, 1, 7, 3]
    cluster = sch.Cluster.homogeneous(3, gpus_per_node=8)
    tasks = [sch.Demand(num_gpu=g) for g in (3, 2, 4, 6, 5, 3, 1)]
    placed = sch.place_batch(cluster.state(), tasks, "first_fit_decreasing")
    wl = sch.synthetic_workload(30, seed=1)
    r = sch.simulate(sch.Cluster.homogeneous(4, gpus_per_node=8), wl, seed=1)
    capacity = {"cpu": 9, "mem": 18}
    demands = {"A": {"cpu": 1, "mem": 4}, "B": {"cpu": 3, "mem": 1}}
    tickets = {"a": 42, "b": 18, "c": 24, "d": 6, "e": 10}
    curves = {p: pd.DataFrame({"arrived_pct": [80, 100, 130], "unallocated_gpu_pct": [1.0, 5.0, 20.0 + i]})
              for i, p in enumerate(sch.PAPER_UNALLOCATED_PCT)}
    table = pd.DataFrame({"mean_jct_h": [1.0, 2.0], "mean_queue_delay_h": [0.5, 0.7], "p95_queue_delay_h": [2, 3]},
                         index=["fifo", "sjf"])
    return [f.bins_figure(sch.pack_items(items, 10, "first_fit"), items),
            f.node_bars_figure(cluster, tasks, placed),
            f.gantt_figure(r), f.heatmap_figure(r), f.utilization_figure({"fifo": r}),
            f.fragmentation_figure(curves, paper=sch.PAPER_UNALLOCATED_PCT), f.comparison_figure(table),
            f.drf_figure(sch.drf_steps(capacity, demands), capacity),
            f.lottery_figure(tickets, sch.lottery_win_shares(tickets, 2000), {k: 0.2 for k in tickets}),
            f.preemption_figure(sch.preemption_options(sch.scenario3_running_jobs()))]


def _intricacies():
    from course_kit import mig, network_qos, sharing
    from course_kit.figures import mig as m
    from course_kit.figures import network_qos as nq
    from course_kit.figures import sharing as s

    gpu = "A100-SXM4-40GB"
    utils, queues = [i / 10 for i in range(11)], list(range(0, 2001, 250))
    return [m.mig_figure(gpu, mig.layout(gpu, "3g.20gb, 2g.10gb, 1g.5gb, 1g.5gb")),
            m.mig_figure(gpu, mig.layout(gpu, "4g.20gb, 1g.5gb+me, 1g.10gb")),
            m.maximal_layouts_figure(gpu, mig.maximal_layouts(gpu, list(mig.profiles(gpu)))),
            s.time_slicing_figure(sharing.slice_sweep([3, 10, 100, 1000], n_tenants=4), n_tenants=4,
                                  switch_ms=sharing.COURSE_TEXT_SWITCH_MS),
            nq.congestion_figure(utils, queues, network_qos.score_grid(utils, queues),
                                 network_qos.qos_sweep([i / 10 for i in range(0, 31, 5)], link_gbps=400))]


def _power():
    from figure_tools import live_figures

    from course_kit import power, widgets
    from course_kit.figures import power as p

    rep = power.rack_report(power.course_text_rack_items())
    return [p.rack_figure(rep), p.power_budget_figure(rep), *live_figures(widgets.rack_power()),
            *_k8s_placement()]


def _k8s_placement():
    from course_kit import gpu_k8s, mig
    from course_kit.figures import gpu_k8s as g

    layout = mig.layout("A100-80GB", "3g.40gb, 2g.20gb, 1g.10gb, 1g.10gb")
    nodes = [gpu_k8s.gpu_node("a100-mig-0", "A100-80GB", [layout] * 2, "mixed"),
             gpu_k8s.gpu_node("h100-0", "H100-SXM5-80GB", [None] * 2, "none")]
    pods = ([gpu_k8s.pod_request(f"small-{i}", {"nvidia.com/mig-1g.10gb": 1}) for i in range(5)]
            + [gpu_k8s.pod_request(f"mid-{i}", {"nvidia.com/mig-3g.40gb": 1}) for i in range(2)]
            + [gpu_k8s.pod_request(f"whole-{i}", {"nvidia.com/gpu": 1}) for i in range(3)])
    return [g.placement_figure(nodes, pods, gpu_k8s.place_pods(nodes, pods))]


def _scenarios():
    from course_kit import frontiers, kpi, scenarios
    from course_kit.figures import frontiers as ff
    from course_kit.figures import kpi as kf
    from course_kit.figures import scenarios as sf

    graph, loads, caps = scenarios.random_cluster(60, degree=4, mean_utilization=0.7, seed=4)
    runs = {label: scenarios.simulate_cascade(graph, loads, caps, [0], **kw) for label, kw in (
        ("no protection", {}), ("circuit breaker", {"circuit_breaker": True}), ("backpressure", {"backpressure": True}),
        ("circuit breaker + backpressure", {"circuit_breaker": True, "backpressure": True}))}
    sweeps = {"no protection": scenarios.cascade_sweep([0.5, 0.7], n_seeds=2, n_nodes=60),
              "backpressure": scenarios.cascade_sweep([0.5, 0.7], n_seeds=2, n_nodes=60, backpressure=True)}
    low = kpi.dvfs_tradeoff(work_gcycles=30, capacitance_nf=35, static_power_w=30)
    high = kpi.dvfs_tradeoff(work_gcycles=30, capacitance_nf=35, static_power_w=100)
    return [sf.cascade_figure(runs), sf.cascade_sweep_figure(sweeps),
            sf.degradation_figure(scenarios.mystery_degradation(seed=8)),
            kf.dvfs_figure({"static 30 W": low, "static 100 W": high}),
            ff.qec_figure(frontiers.qec_curve([1e-3, 2e-3, 4e-3]))]


def _widgets():
    from figure_tools import build_widget, live_figures

    from course_kit import widgets

    # the rack widget's figure is figures/power.py's: it is in the "power" group
    return [f for name in sorted(widgets._WIDGETS) if name != "rack_power" for f in live_figures(build_widget(name))]


FIGURES = {"lifecycle": _lifecycle, "roofline": _roofline, "topology": _topology, "scheduling": _scheduling,
           "intricacies": _intricacies, "power": _power, "scenarios": _scenarios, "widgets": _widgets}
