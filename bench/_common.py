"""Shared by the benchmark scripts: timing loops and the median / p95 summary they all print.

Scripts run as ``.venv/bin/python bench/bench_x.py``, so this module is imported as ``_common``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable

RUNS = 60


def stats(samples_ms) -> tuple[float, float]:
    """(median, p95) of a list of milliseconds."""
    s = sorted(samples_ms)
    return statistics.median(s), s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def timed_ms(fn: Callable[[], object], runs: int = RUNS, *, before: Callable[[], object] | None = None) -> list[float]:
    """Run ``fn`` ``runs`` times; ``before`` (untimed) runs ahead of each call, e.g. to clear caches."""
    out = []
    for _ in range(runs):
        if before is not None:
            before()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def widget_samples(panel, key: str, values: Iterable, setup: dict | None = None) -> list[float]:
    """Set ``panel.controls[key]`` to each value; the widget's own update time (ms) for each change."""
    for k, v in (setup or {}).items():
        panel.controls[k].value = v
    assert panel.error is None, panel.error
    out = []
    for v in values:
        panel.controls[key].value = v
        out.append(panel.last_update_ms)
    assert panel.error is None, panel.error
    return out


def report(label: str, samples_ms, *, width: int = 48, target_ms: float | None = None) -> None:
    med, p95 = stats(samples_ms)
    goal = f"   (target median <= {target_ms:g} ms)" if target_ms else ""
    print(f"{label:<{width}} median {med:8.2f} ms   p95 {p95:8.2f} ms   n={len(samples_ms)}{goal}")
