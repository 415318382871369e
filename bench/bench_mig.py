"""Benchmark the MIG engine and the MIG widget: median / p95 over >= 50 runs.

    .venv/bin/python bench/bench_mig.py

Targets (issue 5): maximal_layouts <= 10 ms for any GPU; best_layout for 7 workloads <= 50 ms;
widget update <= 30 ms median.
"""

from __future__ import annotations

from _common import RUNS, stats, timed_ms

from course_kit import mig


def clear_caches():
    for f in (mig._enumerate, mig._maximal, mig._by_multiset, mig._multisets_by_cost):
        f.cache_clear()


def timed(fn, *, cold=False, runs=RUNS):
    return stats(timed_ms(fn, runs, before=clear_caches if cold else None))


def main():
    print(f"MIG engine, {RUNS} runs each (ms: median / p95)")
    print(f"{'GPU':16s} {'maximal':>8s} {'multisets':>9s} {'no +me':>7s} {'cold':>15s} {'cached':>15s}")
    for gpu in mig.gpu_models():
        counts = mig.count_maximal_layouts(gpu)
        no_me = [p for p in mig.profiles(gpu) if "+me" not in p]
        c2 = mig.count_maximal_layouts(gpu, no_me)
        cold = timed(lambda: mig.maximal_layouts(gpu), cold=True)
        warm = timed(lambda: mig.maximal_layouts(gpu))
        print(f"{gpu:16s} {counts['placements']:8d} {counts['profile_multisets']:9d} "
              f"{c2['placements']:4d}/{c2['profile_multisets']:<3d} "
              f"{cold[0]:6.2f} / {cold[1]:6.2f}  {warm[0]:6.3f} / {warm[1]:6.3f}")

    fits = [("a", 9, 1), ("b", 9, 1), ("c", 9, 1), ("d", 9, 1), ("e", 9, 1), ("f", 9, 1), ("g", 18, 1)]
    no_fit = [("a", 30, 3), ("b", 18, 2), ("c", 9, 1), ("d", 9, 1), ("e", 5, 1), ("f", 5, 1), ("g", 2, 1)]
    for label, wl in (("fits", fits), ("does not fit", no_fit)):
        cold = timed(lambda: mig.best_layout("H100-SXM5-80GB", wl), cold=True)
        warm = timed(lambda: mig.best_layout("H100-SXM5-80GB", wl))
        print(f"best_layout H100, 7 workloads ({label}): cold {cold[0]:.2f} / {cold[1]:.2f} ms, "
              f"cached {warm[0]:.3f} / {warm[1]:.3f} ms  -> {mig.best_layout('H100-SXM5-80GB', wl)}")

    from course_kit.widgets.mig import mig_partitioner

    panel = mig_partitioner()
    lists = ["3g.20gb, 2g.10gb, 1g.5gb", "7g.40gb", "1g.5gb x7", "4g.20gb, 3g.20gb", "2g.10gb x3, 1g.5gb",
             "1g.10gb x4", "3g.20gb, 3g.20gb"]
    samples = []
    for i in range(RUNS):
        panel.controls["profiles"].value = lists[i % len(lists)]
        samples.append(panel.last_update_ms)
    assert panel.error is None, panel.error
    med, p95 = stats(samples)
    print(f"MIG widget update (profiles): median {med:.2f} ms, p95 {p95:.2f} ms")
    panel.controls["mode"].value = "workloads"
    wls = ["llm: 18 3; etl: 9 2; a: 4", "a: 4; b: 4; c: 4; d: 4", "x: 30 4; y: 9", "big: 39"]
    samples = []
    for i in range(RUNS):
        panel.controls["workloads"].value = wls[i % len(wls)]
        samples.append(panel.last_update_ms)
    med, p95 = stats(samples)
    print(f"MIG widget update (workloads): median {med:.2f} ms, p95 {p95:.2f} ms")
    samples = []
    gpus = list(mig.gpu_models())
    for i in range(RUNS):
        panel.controls["gpu"].value = gpus[(i + 1) % len(gpus)]
        samples.append(panel.last_update_ms)
    med, p95 = stats(samples)
    print(f"MIG widget update (GPU change): median {med:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
