"""Widget update latency: median and p95 over >= 50 updates per widget (target: 30 ms median,
100 ms p95 at defaults). Each update is one control change, timed from the assignment until the
model has run and the figures are updated (headless; the browser's redraw is not included)."""

from __future__ import annotations

import statistics
import time


def time_updates(panel, control: str, values) -> list[float]:
    out = []
    for v in values:
        t = time.perf_counter()
        panel.controls[control].value = v
        out.append((time.perf_counter() - t) * 1e3)
        assert panel.error is None, panel.error
    return out


def report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    print(f"{name:<44} n={len(ms):3d}  median {statistics.median(ms):7.2f} ms  p95 {p95:7.2f} ms  max {ms[-1]:7.2f} ms")


if __name__ == "__main__":
    from course_kit.widgets import latency_budget, widget_check

    panel = latency_budget()
    report("latency_budget: stage slider (20k samples)", time_updates(panel, "stage_0", [1 + (i % 40) * 2.5 for i in range(100)]))
    report("latency_budget: SLO box", time_updates(panel, "slo_ms", [20 + i for i in range(60)]))
    report("latency_budget: percentile", time_updates(panel, "percentile", [50, 90, 95, 99] * 15))
    panel = widget_check()
    report("widget_check: slider", time_updates(panel, "gpus", [i % 9 for i in range(60)]))
