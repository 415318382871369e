"""Benchmark the roofline explorer widget (optional widget of issue 3): median / p95 over >= 50 runs.

    .venv/bin/python bench/bench_roofline.py

Target: widget update <= 30 ms median.
"""

from __future__ import annotations

import statistics


def stats(samples_ms):
    s = sorted(samples_ms)
    return statistics.median(s), s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def main():
    from course_kit.widgets.roofline import roofline_explorer

    panel = roofline_explorer()
    for label, key, values in (
        ("GEMM shape (n)", "n", [1 + i for i in range(60)]),
        ("device", "device", ["H100 SXM5 80GB", "A100 SXM4 80GB"] * 30),
        ("precision switch (swaps cached rooflines)", "precision", ["fp32", "fp16"] * 30),
    ):
        samples = []
        for v in values:
            panel.controls[key].value = v
            samples.append(panel.last_update_ms)
        assert panel.error is None, panel.error
        med, p95 = stats(samples)
        print(f"roofline widget update, {label}: median {med:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
