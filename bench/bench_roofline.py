"""Benchmark the roofline explorer widget (optional widget of issue 3): median / p95 over >= 50 runs.

    .venv/bin/python bench/bench_roofline.py

Target: widget update <= 30 ms median.
"""

from __future__ import annotations

from _common import report, widget_samples


def main():
    from course_kit.widgets.roofline import roofline_explorer

    panel = roofline_explorer()
    for label, key, values in (
        ("GEMM shape (n)", "n", [1 + i for i in range(60)]),
        ("device", "device", ["H100 SXM5 80GB", "A100 SXM4 80GB"] * 30),
        ("precision switch (swaps cached rooflines)", "precision", ["fp32", "fp16"] * 30),
    ):
        report(f"roofline widget update, {label}", widget_samples(panel, key, values), width=60, target_ms=30)


if __name__ == "__main__":
    main()
