"""Benchmark the rack power model and widget: median / p95 over >= 50 runs.

    .venv/bin/python bench/bench_rack.py

Target (issue 5): widget update <= 30 ms median.
"""

from __future__ import annotations

from _common import RUNS, report, timed_ms, widget_samples

from course_kit import power


def main():
    counter = iter(range(10**6))

    def one_report():
        i = next(counter)
        power.rack_report([("DGX A100", i % 11), ("Dell PowerEdge R420", i % 7)], inlet_c=18 + i % 15)

    report("rack_report", timed_ms(one_report))

    from course_kit.widgets.rack import rack_power

    panel = rack_power()
    for name, key, values in (
        ("DGX A100 count", "count:DGX A100", [i % 11 for i in range(1, RUNS + 1)]),
        ("inlet slider", "inlet_c", [10 + (i % 60) * 0.5 for i in range(1, RUNS + 1)]),
        ("rack height", "rack_u", [48 if i % 2 else 42 for i in range(RUNS)]),
    ):
        report(f"rack widget update ({name})", widget_samples(panel, key, values), target_ms=30)


if __name__ == "__main__":
    main()
