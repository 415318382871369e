"""Benchmark sections 6 and 8-10 (telemetry, k8s, scenarios, kpi, frontiers): median / p95 over >= 50 runs.

    .venv/bin/python bench/bench_practice.py

Figures of interest: a full scrape of the live exporter (HTTP GET + parse), exporter start/stop,
generating and validating a tenant's manifests, a 500-node cascade, a month-long diagnosis, and
scenario 3 on the scheduling simulator.
"""

from __future__ import annotations

from _common import RUNS, report, timed_ms


def bench(name, fn, runs=RUNS):
    fn()  # warm-up (imports, caches)
    report(name, timed_ms(fn, runs))


def main():
    from course_kit import frontiers, k8s, kpi, scenarios, telemetry

    with telemetry.TelemetryExporter(port=0) as exporter:
        for i in range(1000):
            exporter.observe_inference(0.001 * (i % 200))
            exporter.record_job("succeeded", f"user{i % 10}")
        bench("telemetry: scrape live endpoint (GET + parse)", lambda: telemetry.scrape(exporter.url))
        bench("telemetry: exposition only (no HTTP)", exporter.exposition)

    def start_stop():
        with telemetry.TelemetryExporter(port=0, collect_system=False, collect_gpu=False):
            pass

    bench("telemetry: start + stop exporter on port 0", start_stop)
    spec = k8s.TenantSpec("team-alpha", 100, 200, 8, 20, 1000, weight=30)
    bench("k8s: tenant manifests + validation", lambda: k8s.tenant_manifests(spec))
    specs = [k8s.TenantSpec(f"team-{i}", 32, 128, 4, 10, 100 * i, weight=i + 1) for i in range(5)]
    bench("k8s: Kueue bundle (5 tenants) + validation", lambda: k8s.kueue_manifests(specs))
    graph, loads, caps = scenarios.random_cluster(500, 4, mean_utilization=0.7, utilization_spread=0.25, seed=4)
    bench("scenarios: 500-node cascade (full collapse)", lambda: scenarios.simulate_cascade(graph, loads, caps, [0]))
    metrics = scenarios.synthetic_degradation("storage_slowdown", seed=1)
    bench("scenarios: synthetic month (720 h x 11 metrics)", lambda: scenarios.synthetic_degradation("storage_slowdown", seed=1))
    bench("scenarios: diagnose a month", lambda: scenarios.diagnose_degradation(metrics))
    bench("scenarios: allocation paradox (4 simulations)", lambda: scenarios.allocation_paradox(0), runs=50)
    bench("kpi: hierarchical share experiment (default)", lambda: kpi.queue_share_experiment(), runs=50)
    bench("kpi: dvfs_tradeoff", lambda: kpi.dvfs_tradeoff(work_gcycles=30))
    bench("frontiers: qec_curve (7 x 3)", lambda: frontiers.qec_curve([2e-4, 5e-4, 1e-3, 2e-3, 4e-3, 6e-3, 8e-3]))
    bench("frontiers: rotating-ternary round trip (1 kB)",
          lambda: frontiers.decode_rotating_ternary(frontiers.encode_rotating_ternary(bytes(range(256)) * 4)))


if __name__ == "__main__":
    main()
