"""Scenario 3 of the course text ("The Resource Allocation Paradox") as workloads for the simulator.

> *You have 100 GPUs available. A high-priority job needs 64 GPUs but there are 20 lower-priority
> jobs already running, each using 4 GPUs (80 total). The high-priority job has been waiting for
> 2 hours. Your SLA guarantees <30 minutes for high-priority jobs.*

The running jobs come from :func:`course_kit.scheduling.scenario3_running_jobs` (illustrative run
times: the course text gives none). Section 4 replays the preemption rules with and without
checkpoints (:func:`preemption_replay`); section 8 prices the options
(:func:`course_kit.scenarios.allocation_paradox`). Both build the workload here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course_kit._validate import check_int, check_number
from course_kit.scheduling.cluster import Cluster
from course_kit.scheduling.jobs import Demand, Job, Workload
from course_kit.scheduling.queueing import SCENARIO3, RunningJob, scenario3_running_jobs

__all__ = ["scenario3_workload", "preemption_replay"]


def scenario3_workload(
    running: Sequence[RunningJob] | None = None,
    *,
    big_job_hours: float = 4.0,
    sla_wait_s: float = SCENARIO3["sla_wait_s"],
    low_priority: int | None = None,
    now_offset_s: float = 0.0,
    big_name: str = "big",
) -> tuple[Workload, float]:
    """``(workload, now_s)``: each running job re-submitted at ``now − elapsed`` (so that it has run
    ``elapsed`` seconds at ``now``), and the 64-GPU job as a gang of 16 × 4 GPUs (priority 100)
    submitted at ``now`` = the latest start + ``now_offset_s``. ``low_priority`` overrides the
    running jobs' priorities (None keeps each job's own).

    >>> wl, now = scenario3_workload(low_priority=10)
    >>> len(wl.names), int(wl.gang_size[-1]), int(wl.priority[-1])
    (21, 16, 100)
    """
    jobs_in = scenario3_running_jobs() if running is None else list(running)
    if not jobs_in or not all(isinstance(j, RunningJob) for j in jobs_in):
        raise ValueError("running must be a non-empty list of RunningJob (see scenario3_running_jobs)")
    big_s = check_number("big_job_hours", big_job_hours, low=0, low_inclusive=False, high=1000) * 3600
    sla = check_number("sla_wait_s", sla_wait_s, low=0, high=1e7)
    offset = check_number("now_offset_s", now_offset_s, low=0, high=1e7)
    if low_priority is not None:
        low_priority = check_int("low_priority", low_priority, low=0, high=99)
    now = max(j.elapsed_s for j in jobs_in) + offset
    jobs = [Job(j.name, now - j.elapsed_s, j.duration_s, Demand(num_gpu=j.gpus),
                priority=j.priority if low_priority is None else low_priority) for j in jobs_in]
    per_task = SCENARIO3["gpus_per_running_job"]
    jobs.append(Job(big_name, now, big_s, Demand(num_gpu=per_task), gang_size=SCENARIO3["big_job_gpus"] // per_task,
                    priority=100, sla_wait_s=sla))
    return Workload.from_jobs(jobs), now


def preemption_replay(
    running: Sequence[RunningJob] | None = None,
    *,
    rules: Sequence[str | None] = (None, "least_progress", "newest"),
    checkpoint_s: float = 1800.0,
    low_priority: int | None = 10,
    big_job_hours: float = 4.0,
):
    """Scenario 3 on the simulator (25 nodes × 4 GPUs, ``priority`` queue): no preemption (``None``)
    and each victim rule without and with checkpoints every ``checkpoint_s``. One row per run:
    ``preemption, checkpoint, big job waits (h), victims, lost GPU-h, mean JCT of the 20 (h)``.
    """
    import pandas as pd

    from course_kit.scheduling.simulator import simulate

    ckpt = check_number("checkpoint_s", checkpoint_s, low=0, low_inclusive=False, high=1e7)
    workload, _ = scenario3_workload(running, low_priority=low_priority, big_job_hours=big_job_hours,
                                     big_name="big-64")
    cluster = Cluster.homogeneous(SCENARIO3["total_gpus"] // 4, gpus_per_node=4)
    rows = []
    for rule in rules:
        for c in ((None,) if rule is None else (None, ckpt)):
            params = {} if rule is None else {"preemption": rule, **({"checkpoint_s": c} if c else {})}
            r = simulate(cluster, workload, queue="priority", queue_params=params)
            rows.append({"preemption": rule or "none", "checkpoint": f"every {c / 60:.0f} min" if c else "none",
                         "big job waits (h)": r.queue_delay_s[-1] / 3600,
                         "victims": len(r.preemptions), "lost GPU-h": r.lost_gpu_s.sum() / 3600,
                         "mean JCT of the 20 (h)": float(np.mean(r.jct_s[:-1])) / 3600})
    return pd.DataFrame(rows)
