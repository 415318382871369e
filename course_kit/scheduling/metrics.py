"""Scheduling metrics from a :class:`~course_kit.scheduling.simulator.SimulationResult`.

* **JCT** (job completion time) = end − arrival; **queueing delay** = first start − arrival.
* **Makespan** = last end − first arrival.
* **Utilisation** over time: GPUs in use / GPUs in the cluster, a step function; its mean is
  time-weighted over ``[first arrival, last end]``.
* **Jain's fairness index** (Jain, Chiu & Hawe, DEC-TR-301, 1984):
  ``J(x) = (Σ x_i)² / (n · Σ x_i²)``, 1 when all equal, 1/n when one user gets everything.
* **Dominant share** of a user (DRF paper): ``max_r allocation_r / capacity_r``; here time-averaged
  over the makespan from the task segments.
* **SLA violations**: jobs with a finite ``sla_wait_s`` whose queueing delay exceeded it (or that
  never started).
* GPU fragmentation: :func:`course_kit.scheduling.fragmentation.cluster_fragmentation` (FGD
  definition) and :func:`~course_kit.scheduling.fragmentation.course_text_fragmentation` (course text).

>>> jain_index([1, 1, 1, 1]), jain_index([1, 0, 0, 0])
(1.0, 0.25)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from course_kit._validate import check_number
from course_kit.scheduling.fragmentation import cluster_fragmentation, course_text_fragmentation  # noqa: F401
from course_kit.scheduling.jobs import MILLI

__all__ = ["jain_index", "makespan_s", "mean_utilization", "utilization_series", "dominant_shares",
           "gpu_hours_by_user", "sla_violations", "summarize", "compare",
           "cluster_fragmentation", "course_text_fragmentation"]


def jain_index(values: Sequence[float]) -> float:
    """Jain's index ``(Σx)² / (n·Σx²)`` of non-negative values (1.0 for all zeros).

    >>> round(jain_index([3, 1]), 3)
    0.8
    """
    x = np.array([check_number("values", v, low=0) for v in values], dtype=float)
    if x.size == 0:
        raise ValueError("values must not be empty")
    top = float(x.max())
    if top == 0:
        return 1.0
    x = x / top  # the index is scale-free; scaled to <= 1, the squares cannot overflow (1e200 did)
    return float(x.sum() ** 2 / (x.size * float((x * x).sum())))


def _span(result) -> tuple[float, float]:
    wl = result.workload
    ends = result.end_s[np.isfinite(result.end_s)]
    seg_end = result.segments["end_s"]
    last = max([float(ends.max()) if ends.size else 0.0, float(seg_end.max()) if seg_end.size else 0.0])
    return float(wl.arrival_s.min()), max(last, float(wl.arrival_s.min()))


def makespan_s(result) -> float:
    """Last end (or last segment end) minus first arrival, seconds."""
    a, b = _span(result)
    return b - a


def utilization_series(result, resource: str = "gpu"):
    """``(t_s, fraction)``: the step function of ``resource`` (``gpu``, ``cpu``, ``memory``) in use."""
    tl = result.timeline
    key = {"gpu": "gpu_used", "cpu": "cpu_used_milli", "memory": "mem_used_mib"}
    if resource not in key:
        raise ValueError(f"resource must be one of 'gpu', 'cpu', 'memory'; got {resource!r}")
    cap = {"gpu": result.cluster.total_gpus, "cpu": result.cluster.total_cpu_milli,
           "memory": result.cluster.total_memory_mib}[resource]
    used = tl[key[resource]]
    return tl["t_s"], (used / cap if cap else np.zeros_like(used))


def mean_utilization(result, resource: str = "gpu") -> float:
    """Time-weighted mean of :func:`utilization_series` over ``[first arrival, last end]``."""
    t, u = utilization_series(result, resource)
    a, b = _span(result)
    if b <= a or t.size == 0:
        return 0.0
    edges = np.clip(np.append(t, b), a, b)
    return float((u * np.diff(edges)).sum() / (b - a))


def gpu_hours_by_user(result) -> dict[str, float]:
    """GPU-hours each user's tasks ran (preempted runs included)."""
    s, wl = result.segments, result.workload
    per_task = (wl.num_gpu * wl.gpu_milli / MILLI)[s["job"]] * (s["end_s"] - s["start_s"]) / 3600.0
    out = {u: 0.0 for u in sorted(set(wl.users))}
    for j, h in zip(s["job"].tolist(), per_task.tolist()):
        out[wl.users[j]] += h
    return out


def dominant_shares(result) -> dict[str, float]:
    """Each user's time-averaged dominant share over the makespan (CPU, memory, GPU)."""
    s, wl, c = result.segments, result.workload, result.cluster
    span = makespan_s(result)
    cap = np.array([c.total_cpu_milli, c.total_memory_mib, c.total_gpus * MILLI], dtype=float)
    per = np.stack([wl.cpu_milli, wl.memory_mib, wl.num_gpu * wl.gpu_milli], axis=1).astype(float)
    users = sorted(set(wl.users))
    acc = {u: np.zeros(3) for u in users}
    dur = s["end_s"] - s["start_s"]
    for j, d in zip(s["job"].tolist(), dur.tolist()):
        acc[wl.users[j]] += per[j] * d
    out = {}
    for u in users:
        avg = acc[u] / span if span > 0 else np.zeros(3)
        out[u] = float(max((avg[i] / cap[i] for i in range(3) if cap[i] > 0), default=0.0))
    return out


def sla_violations(result) -> int:
    """Jobs with a finite SLA whose queueing delay exceeded it or that never started."""
    sla = result.workload.sla_wait_s
    delay = result.queue_delay_s
    finite = np.isfinite(sla)
    return int((finite & ~(delay <= sla)).sum())


def summarize(result) -> dict:
    """Headline metrics of one run (times in hours)."""
    jct, delay = result.jct_s, result.queue_delay_s
    done = np.isfinite(jct)
    st = np.array(result.status)

    def stat(x, f):
        x = x[np.isfinite(x)]
        return float(f(x)) / 3600.0 if x.size else float("nan")

    shares = dominant_shares(result)
    return {
        "queue": result.queue, "placement": result.placement, "jobs": len(st),
        "done": int((st == "done").sum()), "unschedulable": int((st == "unschedulable").sum()),
        "deadlock": int((st == "deadlock").sum()), "unfinished": int((st == "unfinished").sum()),
        "makespan_h": makespan_s(result) / 3600.0,
        "mean_jct_h": stat(jct, np.mean), "median_jct_h": stat(jct, np.median),
        "p95_jct_h": stat(jct, lambda x: np.percentile(x, 95)),
        "mean_queue_delay_h": stat(delay, np.mean), "p95_queue_delay_h": stat(delay, lambda x: np.percentile(x, 95)),
        "mean_gpu_util": mean_utilization(result, "gpu"),
        "jain_dominant_share": jain_index(list(shares.values())) if shares else 1.0,
        "sla_violations": sla_violations(result), "preemptions": int(result.n_preemptions.sum()),
        "lost_gpu_hours": float(result.lost_gpu_s.sum()) / 3600.0,
        "completed_share": float(done.mean()),
    }


def compare(results: Mapping[str, object]):
    """A DataFrame of :func:`summarize` rows, one per named result."""
    import pandas as pd

    if not results:
        raise ValueError("results must name at least one SimulationResult")
    return pd.DataFrame([{"run": k, **summarize(r)} for k, r in results.items()]).set_index("run")
