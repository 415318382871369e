"""Benchmark sections 6 and 8-10 (telemetry, k8s, scenarios, kpi, frontiers): median / p95 over >= 50 runs.

    .venv/bin/python bench/bench_practice.py

Figures of interest: a full scrape of the live exporter (HTTP GET + parse), exporter start/stop,
generating and validating a tenant's manifests, a 500-node cascade, a month-long diagnosis, and
scenario 3 on the scheduling simulator.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from _common import RUNS, report, timed_ms


def bench(name, fn, runs=RUNS):
    fn()  # warm-up (imports, caches)
    report(name, timed_ms(fn, runs))


def main():
    from course_kit import frontiers, gpu_k8s, k8s, kpi, mig, scenarios, telemetry

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
    cpu_agreement(telemetry)
    spec = k8s.TenantSpec("team-alpha", 100, 200, 8, 20, 1000, weight=30)
    bench("k8s: tenant manifests + validation", lambda: k8s.tenant_manifests(spec))
    specs = [k8s.TenantSpec(f"team-{i}", 32, 128, 4, 10, 100 * i, weight=i + 1) for i in range(5)]
    bench("k8s: Kueue bundle (5 tenants) + validation", lambda: k8s.kueue_manifests(specs))
    layout = mig.layout("A100-80GB", ["3g.40gb", "2g.20gb", "1g.10gb", "1g.10gb"])
    nodes = [gpu_k8s.gpu_node(f"mig-{i}", "A100-80GB", [layout] * 8, "mixed") for i in range(8)]
    nodes += [gpu_k8s.gpu_node(f"h100-{i}", "H100-SXM5-80GB", [None] * 8, "none") for i in range(8)]
    pods = [gpu_k8s.pod_request(f"p{i}", {("nvidia.com/mig-1g.10gb", "nvidia.com/mig-3g.40gb", "nvidia.com/gpu")[i % 3]: 1},
                                priority=i % 5) for i in range(300)]
    bench("gpu_k8s: place 300 pods on 16 GPU nodes", lambda: gpu_k8s.place_pods(nodes, pods))
    bench("gpu_k8s: GPU pod manifest + validation", lambda: gpu_k8s.gpu_pod_manifest("p", "team-a", "nvidia.com/mig-1g.10gb"))
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


def cpu_agreement(telemetry, rounds: int = 3):
    """CPU utilisation through the exporter vs psutil measured directly, half the CPUs busy."""
    import psutil

    burn = "import time\nt = time.time()\nwhile time.time() - t < 3: pass\n"
    for _ in range(rounds):
        procs = [subprocess.Popen([sys.executable, "-c", burn]) for _ in range(max(1, (os.cpu_count() or 2) // 2))]
        try:
            with telemetry.TelemetryExporter(port=0, collect_gpu=False) as exporter:
                time.sleep(0.3)
                telemetry.scrape(exporter.url)
                psutil.cpu_percent(interval=None)
                time.sleep(1.5)
                direct = psutil.cpu_percent(interval=None)
                via = 100 * telemetry.metric_value(telemetry.scrape(exporter.url), "system_cpu_utilization_ratio")
        finally:
            for p in procs:
                p.kill()
                p.wait()
        print(f"telemetry: CPU under a busy loop, exporter {via:5.1f} % vs psutil direct {direct:5.1f} % "
              f"(difference {via - direct:+.1f} points)")


if __name__ == "__main__":
    main()
