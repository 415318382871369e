"""Benchmark the modern-cluster models and widgets: median / p95 over >= 50 runs.

    .venv/bin/python bench/bench_modern.py

Targets (issue 14): widget update <= 30 ms median in Python; the Monte Carlo of a 16,384-GPU job over
30 days (200 replicates at Llama 3's interruption rate) <= 1 s.
"""

from __future__ import annotations

from _common import RUNS, report, timed_ms, widget_samples

from course_kit import parallelism, reliability


def main():
    report("parallelism.plan (Llama 3 405B, 16,384 GPUs)", timed_ms(parallelism.llama3_405b_plan))
    m = reliability.mtbf_s(16_384)
    tau = reliability.optimal_interval_s(60, m)
    seeds = iter(range(10**6))
    report("monte_carlo 16k GPUs, 30 days, 200 replicates",
           timed_ms(lambda: reliability.monte_carlo(tau, 60, 600, m, horizon_s=30 * 86400, replicates=200,
                                                    seed=next(seeds))), target_ms=1000)
    report("monte_carlo 16k GPUs, 30 days, 1 replicate",
           timed_ms(lambda: reliability.monte_carlo(tau, 60, 600, m, replicates=1, seed=next(seeds))), target_ms=1000)

    from course_kit.widgets.checkpoint import checkpoint_planner
    from course_kit.widgets.parallelism import parallelism_planner
    from course_kit.widgets.rack import rack_power

    panel = parallelism_planner()
    report("parallelism_planner: TP box", widget_samples(panel, "tp", [8 if i % 2 else 4 for i in range(RUNS)]),
           target_ms=30)
    report("parallelism_planner: DP box", widget_samples(panel, "dp", [64 if i % 2 else 128 for i in range(RUNS)]),
           target_ms=30)
    report("parallelism_planner: cluster", widget_samples(panel, "cluster", [list(parallelism.CLUSTERS)[i % 2]
                                                                               for i in range(RUNS)]), target_ms=30)
    panel = checkpoint_planner()
    report("checkpoint_planner: GPUs box", widget_samples(panel, "gpus", [1024 * (1 + i % 32) for i in range(RUNS)]),
           target_ms=30)
    report("checkpoint_planner: checkpoint s", widget_samples(panel, "checkpoint_s", [10 + i for i in range(RUNS)]),
           target_ms=30)
    panel = rack_power({"GB200 NVL72 compute tray": 18}, rack_u=48)
    report("rack_power: liquid share", widget_samples(panel, "liquid_fraction", [(i % 20) / 20 for i in range(RUNS)]),
           target_ms=30)
    report("rack_power: 1-99 servers (tall overflow)",
           widget_samples(panel, "count:DGX H100", [1 + (i * 7) % 99 for i in range(RUNS)]), target_ms=30)


if __name__ == "__main__":
    main()
