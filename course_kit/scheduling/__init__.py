"""Section 4: cluster scheduling — one event-driven simulator, pluggable policies, real traces.

Modules (one concept each)
--------------------------
``jobs``           :class:`Demand`, :class:`Job`, :class:`Workload`, :func:`synthetic_workload`
``cluster``        :class:`Node`, :class:`Cluster` (sorted by name = tie-break order), :class:`ClusterState`
``placement``      node choice: ``first_fit``, ``best_fit``, ``worst_fit``, ``random``, FFD
                   (:func:`place_batch`), the FGD paper's ``dotprod``, ``clustering``, ``packing``,
                   ``bestfit``, ``fgd``; 1-D :func:`pack_items`
``queueing``       job order: ``fifo``, ``sjf``, ``priority`` (+ preemption), ``fair_share`` (+ quotas),
                   ``drf``, ``hierarchical``, ``lottery``, ``multi_objective``; pure :func:`drf`,
                   :func:`lottery_draw`, :func:`plan_preemption`, :func:`preemption_options`
``simulator``      :func:`simulate` → :class:`SimulationResult`; the steps are the methods of
                   :class:`Simulation` (gang all-or-nothing, backfilling,
                   preemption, deadlock detection, progress bar)
``metrics``        JCT, queueing delay, makespan, utilisation, Jain's index, dominant shares, SLA
``fragmentation``  FGD fragmentation (:class:`TypicalPods`, :func:`cluster_fragmentation`) and the
                   course text's formula (:func:`course_text_fragmentation`)
``traces``         :func:`load_openb`, :func:`load_philly`, :func:`philly_workload`
``replay``         :func:`fragmentation_experiment` (the FGD paper's Fig. 9(a) protocol)

Public API for later sections (scenario 3, hierarchical fair share)
-------------------------------------------------------------------
Build a cluster and jobs, pick policies by name, read the result::

    from course_kit import scheduling as sch
    cluster = sch.Cluster.homogeneous(25, gpus_per_node=4)          # 100 GPUs
    jobs = [sch.Job(f"low-{i}", 0, 8 * 3600, sch.Demand(num_gpu=4), priority=10) for i in range(20)]
    jobs.append(sch.Job("big", 600, 3600, sch.Demand(num_gpu=4), gang_size=16, priority=100,
                        sla_wait_s=1800))
    r = sch.simulate(cluster, sch.Workload.from_jobs(jobs), queue="priority",
                     queue_params={"preemption": "least_progress", "checkpoint_s": 1800})
    r.jobs_frame(); r.preemptions; r.summary()                      # lost work, SLA, JCT ...
    sch.simulate(sch.Cluster.homogeneous(8), sch.synthetic_workload(50), queue="hierarchical",
                 queue_params={"tree": sch.COURSE_TEXT_QUEUE_TREE})        # Job.queue names the leaf

Scenario 3 without a simulation: :func:`preemption_options` (wait vs preempt by each victim rule,
lost GPU-hours, SLA violation, cost) and :func:`plan_preemption`.

>>> drf({"cpu": 9, "mem": 18}, {"A": {"cpu": 1, "mem": 4}, "B": {"cpu": 3, "mem": 1}})
{'A': 3, 'B': 2}
"""

from __future__ import annotations

from course_kit.scheduling.cluster import Cluster, ClusterState, InvariantError, Node, Placement
from course_kit.scheduling.fragmentation import (
    FragTable,
    TypicalPods,
    cluster_fragmentation,
    course_text_fragmentation,
    node_fragmentation,
    node_task_fragmentation,
    unusable_gpu_share,
)
from course_kit.scheduling.jobs import (
    COURSE_TEXT_QUEUE_PRIORITY,
    JOB_CLASSES,
    MILLI,
    Demand,
    Job,
    Workload,
    synthetic_workload,
)
from course_kit.scheduling.metrics import (
    compare,
    dominant_shares,
    gpu_hours_by_user,
    jain_index,
    makespan_s,
    mean_utilization,
    sla_violations,
    summarize,
    utilization_series,
)
from course_kit.scheduling.placement import (
    PLACEMENT_POLICIES,
    TRACE_POLICIES,
    BinPacking,
    PlacementPolicy,
    get_policy,
    pack_items,
    place_batch,
)
from course_kit.scheduling.queueing import (
    COURSE_TEXT_Q6_WEIGHTS,
    COURSE_TEXT_QUEUE_TREE,
    QUEUE_POLICIES,
    SCENARIO3,
    VICTIM_RULES,
    PreemptionPlan,
    QueuePolicy,
    RunningJob,
    course_text_lottery_draw,
    course_text_lottery_win_shares,
    dominant_share,
    drf,
    drf_steps,
    get_queue_policy,
    hierarchical_shares,
    lottery_draw,
    lottery_win_shares,
    multi_objective_score,
    plan_preemption,
    preemption_options,
    scenario3_running_jobs,
)
from course_kit.scheduling.replay import (
    PAPER_UNALLOCATED_PCT,
    cached_fragmentation_runs,
    fragmentation_experiment,
    fragmentation_medians,
    fragmentation_runs,
    medians_of_runs,
    paper_comparison,
    replay_arrivals,
)
from course_kit.scheduling.scenario3 import preemption_replay, scenario3_workload
from course_kit.scheduling.simulator import STATUSES, Simulation, SimulationResult, simulate
from course_kit.scheduling.traces import load_openb, load_philly, openb_demands, philly_workload

__all__ = [
    # jobs and clusters
    "MILLI", "Demand", "Job", "Workload", "synthetic_workload", "JOB_CLASSES", "COURSE_TEXT_QUEUE_PRIORITY",
    "Node", "Cluster", "ClusterState", "Placement", "InvariantError",
    # placement
    "PlacementPolicy", "get_policy", "PLACEMENT_POLICIES", "TRACE_POLICIES", "place_batch",
    "pack_items", "BinPacking",
    # queueing and fairness
    "QueuePolicy", "get_queue_policy", "QUEUE_POLICIES", "drf", "drf_steps", "dominant_share",
    "lottery_draw", "lottery_win_shares", "course_text_lottery_draw", "course_text_lottery_win_shares",
    "COURSE_TEXT_QUEUE_TREE",
    "hierarchical_shares", "RunningJob", "PreemptionPlan", "plan_preemption", "preemption_options",
    "scenario3_running_jobs", "scenario3_workload", "preemption_replay", "SCENARIO3", "VICTIM_RULES",
    "multi_objective_score", "COURSE_TEXT_Q6_WEIGHTS",
    # simulation and metrics
    "simulate", "Simulation", "SimulationResult", "STATUSES", "summarize", "compare", "jain_index", "makespan_s",
    "mean_utilization", "utilization_series", "dominant_shares", "gpu_hours_by_user", "sla_violations",
    # fragmentation
    "TypicalPods", "FragTable", "node_task_fragmentation", "node_fragmentation",
    "cluster_fragmentation", "course_text_fragmentation", "unusable_gpu_share",
    # traces and replay
    "load_openb", "load_philly", "philly_workload", "openb_demands", "fragmentation_experiment",
    "replay_arrivals", "PAPER_UNALLOCATED_PCT", "fragmentation_medians", "paper_comparison",
    "fragmentation_runs", "medians_of_runs", "cached_fragmentation_runs",
]
