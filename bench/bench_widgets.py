"""Widget update latency of sections 0 and 1: median and p95 over >= 50 updates per control
(target: 30 ms median, 100 ms p95 at defaults). Each update is one control change, from the
assignment until the model has run and the figures are updated (headless; the browser's redraw is
not included). The other widgets have their own scripts: bench_topology, bench_rack, bench_mig,
bench_roofline, bench_scheduling."""

from __future__ import annotations

from _common import report, widget_samples

if __name__ == "__main__":
    from course_kit.widgets import latency_budget, widget_check

    panel = latency_budget()
    report("latency_budget: stage slider (20k samples)",
           widget_samples(panel, "stage_0", [1 + (i % 40) * 2.5 for i in range(100)]), target_ms=30)
    report("latency_budget: SLO box", widget_samples(panel, "slo_ms", [20 + i for i in range(60)]), target_ms=30)
    report("latency_budget: percentile", widget_samples(panel, "percentile", [50, 90, 95, 99] * 15), target_ms=30)
    report("widget_check: slider", widget_samples(widget_check(), "gpus", [i % 9 for i in range(60)]), target_ms=30)
