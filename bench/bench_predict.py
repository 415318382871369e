"""Predict-then-check widget: update latency of typing a guess and of pressing Check
(median and p95 over 100 updates each; target 30 ms median). Headless, browser redraw excluded."""

from __future__ import annotations

import time

from _common import report, widget_samples

if __name__ == "__main__":
    from course_kit.widgets import predict

    panel = predict("Bandwidth of one link?", 4321.5, unit="GB/s", low=0, high=10_000, explain="x")
    report("predict: typing a guess", widget_samples(panel, "guess", [str(100 + i) for i in range(100)]),
           target_ms=30)
    samples = []
    for i in range(100):
        panel.controls["guess"].value = str(1000 + i)
        start = time.perf_counter()
        panel.check()
        samples.append((time.perf_counter() - start) * 1000.0)
    report("predict: Check button", samples, target_ms=30)
