"""Benchmark the rack power model and widget: median / p95 over >= 50 runs.

    .venv/bin/python bench/bench_rack.py

Target (issue 5): widget update <= 30 ms median.
"""

from __future__ import annotations

import statistics
import time

from course_kit import power

RUNS = 60


def stats(samples_ms):
    s = sorted(samples_ms)
    return statistics.median(s), s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def main():
    samples = []
    for i in range(RUNS):
        t = time.perf_counter()
        power.rack_report([("DGX A100", i % 11), ("Dell PowerEdge R420", i % 7)], inlet_c=18 + i % 15)
        samples.append((time.perf_counter() - t) * 1000)
    med, p95 = stats(samples)
    print(f"rack_report: median {med:.3f} ms, p95 {p95:.3f} ms")

    from course_kit.widgets.rack import rack_power

    panel = rack_power()
    for name, key, values in (
        ("DGX A100 count", "count:DGX A100", [i % 11 for i in range(1, RUNS + 1)]),
        ("inlet slider", "inlet_c", [10 + (i % 60) * 0.5 for i in range(1, RUNS + 1)]),
        ("rack height", "rack_u", [48 if i % 2 else 42 for i in range(RUNS)]),
    ):
        samples = []
        for v in values:
            panel.controls[key].value = v
            samples.append(panel.last_update_ms)
        assert panel.error is None, panel.error
        med, p95 = stats(samples)
        print(f"rack widget update ({name}): median {med:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
