"""The event-driven cluster scheduler: one simulator, pluggable queue and placement policies.

Events are job arrivals and task completions, processed in time order. After the events of one
instant, a **scheduling pass** walks the pending jobs in the order the queue policy gives
(:mod:`~course_kit.scheduling.queueing`) and places each job's tasks with the placement policy
(:mod:`~course_kit.scheduling.placement`):

* **Gang scheduling, all-or-nothing** (default ``gang="all_or_nothing"``): a job of ``gang_size``
  tasks starts only if *every* task fits now; otherwise nothing is held. With ``gang="partial"``
  tasks are placed one at a time, round-robin over the pending jobs (like a pod-by-pod scheduler),
  grab resources as they fit and wait for the rest of their gang — two half-placed gangs can then
  wait for each other forever (**deadlock**; the simulator detects it and reports the jobs).
  Partial mode ignores backfilling and preemption.
* **Blocking** static policies (``fifo``, ``sjf``, ``priority``) stop the pass at the first job
  that does not fit (head-of-line blocking), unless ``backfill=True`` — **EASY backfilling**: the
  blocked head gets a reservation at the earliest time enough GPUs free up (the *shadow time*,
  from the running jobs' end times, GPU count only); a later job may start now if it fits and
  ends before the shadow time or only uses GPUs the head will not need.
* **Dynamic** policies (``fair_share``, ``drf``, ``hierarchical``, ``lottery``,
  ``multi_objective``) re-pick after every start, from per-user (or per-queue) FIFO sub-queues;
  a group whose next job does not fit sits out the rest of the pass (DRF's progressive filling).
* **Preemption** (``priority`` with a victim rule): if the highest-priority pending job does not
  fit, running jobs of lower priority are preempted in the rule's order until it fits (tested on a
  copy of the cluster first). A victim loses the work since its last checkpoint (all of it without
  checkpoints) and re-queues with the rest.

A job whose gang cannot fit even the empty cluster is reported ``unschedulable``; a task larger
than every node raises ``ValueError``. Every job ends exactly once as ``done``, ``unschedulable``,
``deadlock`` or ``unfinished`` (``horizon_s`` reached).

>>> from course_kit.scheduling.cluster import Cluster
>>> from course_kit.scheduling.jobs import Demand, Job, Workload
>>> wl = Workload.from_jobs([Job("a", 0, 100, Demand(num_gpu=8)), Job("b", 0, 50, Demand(num_gpu=4)),
...                          Job("c", 10, 10, Demand(num_gpu=4))])
>>> r = simulate(Cluster.homogeneous(1, gpus_per_node=8), wl, queue="fifo")
>>> r.first_start_s.tolist(), r.end_s.tolist()
([0.0, 100.0, 100.0], [100.0, 150.0, 110.0])
>>> simulate(Cluster.homogeneous(1, gpus_per_node=8), wl, queue="sjf").first_start_s.tolist()
[50.0, 0.0, 10.0]
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass

import numpy as np

from course_kit._validate import check_choice, check_int, check_number
from course_kit.scheduling.cluster import Cluster, ClusterState, InvariantError, Placement
from course_kit.scheduling.fragmentation import TypicalPods
from course_kit.scheduling.jobs import MILLI, Demand, Workload
from course_kit.scheduling.placement import PlacementPolicy, get_policy
from course_kit.scheduling.queueing import QueuePolicy, get_queue_policy, lost_work_s

__all__ = ["simulate", "Simulation", "SimulationResult", "STATUSES", "SchedContext"]

#: Final job statuses.
STATUSES = ("done", "unschedulable", "deadlock", "unfinished")
_PENDING, _RUNNING, _DONE, _UNSCHED, _DEADLOCK, _UNFINISHED, _FUTURE = range(7)
_CODE = {_DONE: "done", _UNSCHED: "unschedulable", _DEADLOCK: "deadlock", _UNFINISHED: "unfinished",
         _PENDING: "unfinished", _RUNNING: "unfinished", _FUTURE: "unfinished"}


class SchedContext:
    """What dynamic queue policies see: current usage per user/queue, the clock, the RNG."""

    def __init__(self, wl: Workload, cluster: Cluster, rng, group_of_queue):
        self.workload = wl
        self.rng = rng
        self.now = 0.0
        self.capacity = np.array([cluster.total_cpu_milli, cluster.total_memory_mib,
                                  cluster.total_gpus * MILLI], dtype=float)
        self.capacity_gpu = float(cluster.total_gpus)
        self.users = sorted(set(wl.users))
        self._use: dict[str, dict[str, float]] = {"user": {}, "queue": {}}
        self._vec: dict[str, list[float]] = {}
        self._queue_of = group_of_queue
        self._jg = (wl.gang_size * wl.num_gpu * wl.gpu_milli).astype(float).tolist()
        self._res = np.stack([wl.gang_size * wl.cpu_milli, wl.gang_size * wl.memory_mib,
                              wl.gang_size * wl.num_gpu * wl.gpu_milli], axis=1).astype(float).tolist()

    def group_of(self, kind: str, j: int) -> str:
        return self.workload.users[j] if kind == "user" else self._queue_of(self.workload.queues[j])

    def job_gpus(self, j: int) -> float:
        """GPUs the whole gang of job ``j`` holds."""
        return self._jg[j] / MILLI

    def gpu_usage(self, kind: str, name: str) -> float:
        """GPUs in use by user (``kind="user"``) or leaf queue (``kind="queue"``) ``name``."""
        return self._use[kind].get(name, 0.0) / MILLI

    def dominant_share(self, user: str) -> float:
        """``max_r used_r / capacity_r`` of ``user`` over CPU, memory, GPU (resources the cluster has)."""
        v = self._vec.get(user)
        if v is None:
            return 0.0
        cap = self.capacity
        return float(max((v[i] / cap[i] for i in range(3) if cap[i] > 0), default=0.0))

    def job_started(self, j: int) -> None:
        """Count job ``j``'s whole gang as used by its user and queue."""
        self._account(j, 1)

    def job_stopped(self, j: int) -> None:
        """Job ``j`` finished or was preempted: its gang is no longer used."""
        self._account(j, -1)

    def _account(self, j: int, sign: int) -> None:
        wl = self.workload
        u, q = wl.users[j], self._queue_of(wl.queues[j])
        g = sign * self._jg[j]
        self._use["user"][u] = self._use["user"].get(u, 0.0) + g
        self._use["queue"][q] = self._use["queue"].get(q, 0.0) + g
        v = self._vec.get(u)
        if v is None:
            v = self._vec[u] = [0.0, 0.0, 0.0]
        r = self._res[j]
        v[0] += sign * r[0]
        v[1] += sign * r[1]
        v[2] += sign * r[2]


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Outcome of :func:`simulate`.

    Per job (index = workload index): ``status`` (see :data:`STATUSES`), ``first_start_s``,
    ``end_s`` (NaN if it never started / finished), ``n_preemptions``, ``lost_gpu_s``.
    ``segments``: every task run as arrays ``job, task, node, start_s, end_s`` (a preempted run is
    a segment too). ``timeline``: ``t_s`` and the GPUs, CPU milli and memory MiB in use from that
    instant on (a step function). ``preemptions``: ``(time_s, victim, for_job)`` tuples.
    ``held``: ``(job, task, node, since_s)`` of tasks of deadlocked gangs that hold resources
    without ever running (``gang="partial"``).
    """

    cluster: Cluster
    workload: Workload
    queue: str
    placement: str
    status: tuple[str, ...]
    first_start_s: np.ndarray
    end_s: np.ndarray
    n_preemptions: np.ndarray
    lost_gpu_s: np.ndarray
    segments: dict
    timeline: dict
    preemptions: tuple
    n_events: int
    held: tuple = ()

    @property
    def queue_delay_s(self) -> np.ndarray:
        """Wait from arrival to first start (NaN if never started)."""
        return self.first_start_s - self.workload.arrival_s

    @property
    def jct_s(self) -> np.ndarray:
        """Job completion time, arrival to end (NaN if not done)."""
        return self.end_s - self.workload.arrival_s

    def jobs_frame(self):
        """One row per job: workload columns plus status, start, end, delay, JCT, preemptions."""
        df = self.workload.to_frame()
        df["status"] = self.status
        df["first_start_s"] = self.first_start_s
        df["end_s"] = self.end_s
        df["queue_delay_s"] = self.queue_delay_s
        df["jct_s"] = self.jct_s
        df["n_preemptions"] = self.n_preemptions
        df["lost_gpu_s"] = self.lost_gpu_s
        df["sla_violated"] = ~(self.queue_delay_s <= self.workload.sla_wait_s)
        return df

    def segments_frame(self):
        """One row per task run: job index and name, task, node name, start, end."""
        import pandas as pd

        s = self.segments
        return pd.DataFrame({"job": s["job"], "name": [self.workload.names[j] for j in s["job"]],
                             "task": s["task"], "node": s["node"],
                             "node_name": [self.cluster.names[n] for n in s["node"]],
                             "start_s": s["start_s"], "end_s": s["end_s"],
                             "user": [self.workload.users[j] for j in s["job"]]})

    def summary(self) -> dict:
        """Headline metrics (see :func:`course_kit.scheduling.metrics.summarize`)."""
        from course_kit.scheduling.metrics import summarize

        return summarize(self)


def _workload_typical(wl: Workload) -> TypicalPods:
    return TypicalPods.from_arrays(wl.cpu_milli, wl.gpu_milli, wl.num_gpu, wl.gpu_models,
                                   weights=wl.gang_size)


class Simulation:
    """One run of the event-driven scheduler; :func:`simulate` builds it, calls :meth:`run` and
    :meth:`result`. Read it top to bottom as the section-4 algorithm, one method per step:

    * :meth:`enqueue` a job that arrived (or was preempted) into the pending queue;
    * :meth:`try_place` its gang's tasks with the placement policy (all-or-nothing, or partial);
    * :meth:`start` it (a completion event goes on the heap) and :meth:`finish` it at that event;
    * :meth:`preempt` lower-priority jobs for a blocked high-priority one (victim rule, lost work);
    * :meth:`shadow` time: when the blocked head of the queue could start (EASY backfilling);
    * :meth:`schedule`: the pass after every instant, by queue family (:meth:`schedule_static`,
      :meth:`schedule_dynamic`, :meth:`schedule_partial`).

    Resources change only through the public :meth:`ClusterState.take` / :meth:`ClusterState.give`
    (via :meth:`_take` / :meth:`_give`, which also keep cluster-wide free totals for cheap tests).
    With ``check_invariants`` every pass ends with :meth:`check`, which raises
    :class:`~course_kit.scheduling.cluster.InvariantError` on an over-allocated node or drifted totals.
    """

    def __init__(self, cluster: Cluster, workload: Workload, queue: QueuePolicy, placement: PlacementPolicy, *,
                 backfill: bool, partial: bool, rng, horizon: float, backfill_depth: int,
                 check_invariants: bool):
        self.cluster, self.wl, self.qp, self.pol = cluster, workload, queue, placement
        self.backfill, self.partial, self.rng = backfill, partial, rng
        self.horizon, self.backfill_depth, self.checking = horizon, backfill_depth, check_invariants
        self.state: ClusterState = cluster.state()
        self._job_tables()
        self._job_state()
        self.ctx = SchedContext(workload, cluster, rng, queue.leaf if hasattr(queue, "leaf") else (lambda q: q))
        self.static = not queue.dynamic
        self.pending: list = []                # static policies: sorted [(key, j)]
        self.groups: dict[str, list[int]] = {}  # dynamic policies: FIFO sub-queue per user / queue
        self.freed = True                       # resources were freed since the last pass
        self.last_blocked: int | None = None    # the head that blocked the last pass (no backfill)
        self.new_jobs: set[int] = set()         # enqueued since the last pass (backfill shortcut)
        self.now = 0.0
        self.n_events = 0

    def _job_tables(self) -> None:
        """Per-job constants: the task demand (one Demand object per distinct shape) and gang totals.
        A task larger than every node is refused; a gang larger than the empty cluster is unschedulable."""
        wl, cluster = self.wl, self.cluster
        n = len(wl)
        cache: dict = {}
        self.demand: list[Demand] = []
        self.status = np.full(n, _FUTURE, dtype=np.int8)
        for j in range(n):
            key = (int(wl.cpu_milli[j]), int(wl.memory_mib[j]), int(wl.num_gpu[j]), int(wl.gpu_milli[j]),
                   wl.gpu_models[j])
            entry = cache.get(key)
            if entry is None:
                d = Demand(key[0], key[1], key[2], key[3] if key[2] else MILLI, key[4])
                if not cluster.fits_empty(d):
                    raise ValueError(f"workload: job {wl.names[j]!r} has a task ({d}) larger than any node")
                entry = cache[key] = (d, cluster.max_tasks_empty(d))
            self.demand.append(entry[0])
            if wl.gang_size[j] > entry[1]:
                self.status[j] = _UNSCHED
        self.gang_size = wl.gang_size.tolist()
        self.duration = wl.duration_s.tolist()
        self.prio = wl.priority.tolist()
        self.arrival = wl.arrival_s.tolist()
        self.job_gpu = (wl.gang_size * wl.num_gpu * wl.gpu_milli).astype(np.int64).tolist()
        self.job_cpu = (wl.gang_size * wl.cpu_milli).astype(np.int64).tolist()
        self.job_mem = (wl.gang_size * wl.memory_mib).astype(np.int64).tolist()

    def _job_state(self) -> None:
        """Per-job variables, the completion heap, free totals, and the recorded outputs."""
        n, state = len(self.wl), self.state
        self.remaining = list(self.duration)
        self.first_start = [math.nan] * n
        self.end = [math.nan] * n
        self.run_start = [0.0] * n
        self.token = [0] * n                  # bumped on every start/preemption: stale heap entries
        self.n_pre = [0] * n
        self.lost = [0.0] * n
        self.tasks: list[list[Placement]] = [[] for _ in range(n)]
        self.held_since: list[list[float]] = [[] for _ in range(n)]
        self.running_end: dict[int, float] = {}
        self.heap: list = []
        self.seq = 0
        #: free CPU milli, memory MiB, GPU milli over the whole cluster
        self.free = [int(state.cpu_free.sum()), int(state.mem_free.sum()), int(state.gpu_free_total.sum())]
        self.capacity = tuple(self.free)
        self.segments: dict[str, list] = {"job": [], "task": [], "node": [], "start_s": [], "end_s": []}
        self.timeline: dict[str, list] = {"t_s": [], "gpu_used": [], "cpu_used_milli": [], "mem_used_mib": []}
        self.preempt_log: list = []

    # ------------------------------------------------------------------------- resources
    def _take(self, d: Demand, p: Placement) -> None:
        self.state.take(p, d)
        free = self.free
        free[0] -= d.cpu_milli
        free[1] -= d.memory_mib
        free[2] -= d.total_gpu_milli

    def _give(self, d: Demand, p: Placement) -> None:
        self.state.give(p, d)
        free = self.free
        free[0] += d.cpu_milli
        free[1] += d.memory_mib
        free[2] += d.total_gpu_milli

    # ------------------------------------------------------------------------- the steps
    def enqueue(self, j: int) -> None:
        """Job ``j`` is pending: into the sorted queue (static) or its group's FIFO (dynamic)."""
        self.status[j] = _PENDING
        if self.backfill:
            self.new_jobs.add(j)
        if self.static:
            bisect.insort(self.pending, (self.qp.key(self.wl, j), j))
        else:
            q = self.groups.setdefault(self.ctx.group_of(self.qp.group_by, j), [])
            arrival = self.arrival
            bisect.insort(q, j, key=lambda x: (arrival[x], x))

    def try_place(self, j: int) -> bool:
        """Place job ``j``'s missing tasks; all-or-nothing (tasks given back) unless partial."""
        d, have = self.demand[j], self.tasks[j]
        missing = self.gang_size[j] - len(have)
        free = self.free
        if not self.partial and (free[2] < self.job_gpu[j] or free[0] < self.job_cpu[j] or free[1] < self.job_mem[j]):
            return False
        new = []
        for _ in range(missing):
            p = self.pol.select(self.state, d, self.rng)
            if p is None:
                break
            self._take(d, p)
            new.append(p)
        if len(new) == missing:
            have.extend(new)
            return True
        if self.partial:
            have.extend(new)
        else:
            for p in new:
                self._give(d, p)
        return False

    def start(self, j: int, now: float) -> None:
        """Job ``j`` runs from ``now``; its completion goes on the heap with a fresh token."""
        self.status[j] = _RUNNING
        if math.isnan(self.first_start[j]):
            self.first_start[j] = now
        self.run_start[j] = now
        self.token[j] += 1
        self.seq += 1
        t_end = now + self.remaining[j]
        self.running_end[j] = t_end
        heapq.heappush(self.heap, (t_end, self.seq, j, self.token[j]))
        if not self.static:
            self.ctx.job_started(j)

    def finish(self, j: int, now: float) -> None:
        """Job ``j``'s completion event: it is done."""
        self._stop(j, now)
        self.status[j] = _DONE
        self.end[j] = now
        self.remaining[j] = 0.0

    def _stop(self, j: int, now: float) -> None:
        """Give back job ``j``'s tasks and record them as segments (finished or preempted)."""
        d, seg = self.demand[j], self.segments
        for t, p in enumerate(self.tasks[j]):
            self._give(d, p)
            seg["job"].append(j)
            seg["task"].append(t)
            seg["node"].append(p.node)
            seg["start_s"].append(self.run_start[j])
            seg["end_s"].append(now)
        self.tasks[j] = []
        self.freed = True
        self.running_end.pop(j, None)
        if not self.static:
            self.ctx.job_stopped(j)

    def preempt(self, j: int, now: float) -> bool:
        """Preempt lower-priority jobs, in the queue policy's victim order, until job ``j`` fits
        (tested on a copy of the cluster first); then place it. False if no victim set is enough."""
        order = self._victim_order(j, now)
        victims = self._victims(j, order) if order else None
        if victims is None:
            return False
        for v in victims:
            elapsed = now - self.run_start[v]
            lost_s = lost_work_s(elapsed, self.qp.checkpoint_s)
            self.remaining[v] -= elapsed - lost_s
            self.lost[v] += lost_s * self.job_gpu[v] / MILLI
            self.n_pre[v] += 1
            self.token[v] += 1
            self._stop(v, now)
            self.enqueue(v)
            self.preempt_log.append((now, self.wl.names[v], self.wl.names[j]))
        return self.try_place(j)

    def _victim_order(self, j: int, now: float) -> list[int]:
        """Running jobs of lower priority than ``j``, in the policy's victim-rule order."""
        prio, run_start, duration, remaining = self.prio, self.run_start, self.duration, self.remaining
        cands = [v for v in self.running_end if prio[v] < prio[j]]
        rule = self.qp.preemption
        if rule == "lowest_priority":
            cands.sort(key=lambda v: (prio[v], -run_start[v], v))
        elif rule == "least_progress":
            cands.sort(key=lambda v: ((duration[v] - remaining[v] + now - run_start[v]) / duration[v], v))
        else:  # newest
            cands.sort(key=lambda v: (-run_start[v], v))
        return cands

    def _victims(self, j: int, cands: list[int]) -> list[int] | None:
        """The shortest prefix of ``cands`` whose release lets job ``j``'s missing tasks fit (on a
        trial copy of the cluster), or None."""
        trial = self.state.copy()
        d = self.demand[j]
        need = self.gang_size[j] - len(self.tasks[j])
        for i, v in enumerate(cands):
            dv = self.demand[v]
            for held in self.tasks[v]:
                trial.give(held, dv)
            placed: list[Placement] = []
            for _ in range(need):
                p = self.pol.select(trial, d, self.rng)
                if p is None:
                    break
                trial.take(p, d)
                placed.append(p)
            for q in placed:
                trial.give(q, d)
            if len(placed) == need:
                return cands[: i + 1]
        return None

    def shadow(self, j: int, now: float) -> tuple[float, float]:
        """EASY backfilling: the earliest time the blocked head ``j`` has enough free GPUs (CPU
        milli for a CPU-only job), from the running jobs' end times, and what is left over then."""
        gpu_job = bool(self.job_gpu[j])
        need = self.job_gpu[j] if gpu_job else self.job_cpu[j]
        avail = self.free[2] if gpu_job else self.free[0]
        if avail >= need:
            return now, avail - need
        for v, t in sorted(self.running_end.items(), key=lambda kv: kv[1]):
            avail += self.job_gpu[v] if gpu_job else self.job_cpu[v]
            if avail >= need:
                return t, avail - need
        return math.inf, 0.0

    # ------------------------------------------------------------------------- scheduling passes
    def schedule(self, now: float) -> None:
        """The pass after the events of instant ``now``."""
        self.ctx.now = now
        if self.partial:
            self.schedule_partial(now)
        elif self.static:
            self.schedule_static(now)
        else:
            self.schedule_dynamic(now)

    def schedule_static(self, now: float) -> None:
        """Walk the sorted queue; stop at the first job that does not fit (head-of-line blocking)
        unless backfilling, where later jobs may start if they do not delay the head's reservation."""
        pending, backfill = self.pending, self.backfill
        if not backfill and not self.freed and pending and pending[0][1] == self.last_blocked:
            return  # nothing was freed and the same head is first: it cannot fit now either
        i, blocked, scanned = 0, None, 0
        shadow_t, extra = math.inf, 0.0
        only_new = backfill and not self.freed
        # hot loop (up to backfill_depth jobs per pass): locals, and the cheap tests inline
        free, new_jobs, remaining = self.free, self.new_jobs, self.remaining
        job_gpu, job_cpu, job_mem = self.job_gpu, self.job_cpu, self.job_mem
        while i < len(pending):
            j = pending[i][1]
            if blocked is not None:
                # EASY backfilling behind the blocked head: worth trying (new since the last pass
                # if nothing was freed), fits the free totals, does not delay the head's start
                scanned += 1
                if scanned > self.backfill_depth:
                    break
                if (only_new and j not in new_jobs) or job_gpu[j] > free[2] or job_cpu[j] > free[0] \
                        or job_mem[j] > free[1]:
                    i += 1
                    continue
                late = now + remaining[j] > shadow_t
                uses = job_gpu[j] if job_gpu[blocked] else job_cpu[j]
                if late and uses > extra:  # would delay the head's reserved start
                    i += 1
                    continue
            ok = self.try_place(j)
            if not ok and self.qp.preemption and blocked is None:
                ok = self.preempt(j, now)
            if ok:
                if blocked is not None and now + remaining[j] > shadow_t:
                    extra -= job_gpu[j] if job_gpu[blocked] else job_cpu[j]
                pending.pop(i)
                self.start(j, now)
                continue
            if not backfill:
                self.last_blocked = j
                break
            if blocked is None:
                blocked = j
                shadow_t, extra = self.shadow(j, now)
            i += 1
        self.freed = False
        if new_jobs:
            new_jobs.clear()

    def schedule_dynamic(self, now: float) -> None:
        """Re-pick after every start from the per-group FIFOs; a group (or job) that does not fit
        sits out the rest of the pass."""
        groups, qp, ctx = self.groups, self.qp, self.ctx
        active = {g: q for g, q in groups.items() if q}
        skipped: set[int] = set()
        while active:
            view = active
            if skipped:
                view = {g: [x for x in q if x not in skipped] for g, q in active.items()}
                view = {g: q for g, q in view.items() if q}
                if not view:
                    break
            j = qp.pick(ctx, view)
            g = ctx.group_of(qp.group_by, j)
            if qp.admissible(ctx, j) and self.try_place(j):
                groups[g].remove(j)
                if not groups[g]:
                    active.pop(g, None)
                self.start(j, now)
                continue
            if qp.skip == "group":
                active.pop(g, None)
            else:
                skipped.add(j)

    def schedule_partial(self, now: float) -> None:
        """Partial gangs: task by task, round-robin over the pending jobs in queue order (a
        pod-by-pod scheduler); a job starts when its whole gang is placed."""
        if self.static:
            order = [j for _, j in self.pending]
        else:
            order = sorted((j for q in self.groups.values() for j in q), key=lambda x: (self.arrival[x], x))
        moved = True
        while moved and order:
            moved = False
            for j in list(order):
                if len(self.tasks[j]) < self.gang_size[j] and self._place_one(j, now):
                    moved = True
                if len(self.tasks[j]) == self.gang_size[j]:
                    order.remove(j)
                    if self.static:
                        self.pending.remove((self.qp.key(self.wl, j), j))
                    else:
                        self.groups[self.ctx.group_of(self.qp.group_by, j)].remove(j)
                    self.start(j, now)

    def _place_one(self, j: int, now: float) -> bool:
        """Partial gangs: place one more task of job ``j`` if it fits anywhere (it holds it from now)."""
        d = self.demand[j]
        p = self.pol.select(self.state, d, self.rng)
        if p is None:
            return False
        self._take(d, p)
        self.tasks[j].append(p)
        self.held_since[j].append(now)
        return True

    # ------------------------------------------------------------------------- event loop
    def run(self, bar=None) -> None:
        """Process completions and arrivals in time order, one scheduling pass per instant, until no
        event is left or the horizon is passed."""
        n = len(self.wl)
        order = sorted(range(n), key=lambda j: (self.arrival[j], j))
        ptr = 0
        last_free = list(self.free)
        while True:
            t_arr = self.arrival[order[ptr]] if ptr < n else math.inf
            now = min(t_arr, self.heap[0][0] if self.heap else math.inf)
            self.now = now
            if now == math.inf or now > self.horizon:
                break
            self._completions(now, bar)
            while ptr < n and self.arrival[order[ptr]] <= now:
                self._arrival(order[ptr], bar)
                ptr += 1
            self.schedule(now)
            if self.checking:
                self.check()
            if self.free != last_free or not self.timeline["t_s"]:
                self._record_usage(now)
                last_free[:] = self.free

    def _completions(self, now: float, bar) -> None:
        heap, token, status = self.heap, self.token, self.status
        while heap and heap[0][0] <= now:
            _, _, j, tok = heapq.heappop(heap)
            if tok != token[j] or status[j] != _RUNNING:
                continue  # a stale entry: the job was preempted since
            self.finish(j, now)
            self.n_events += 1
            if bar is not None:
                bar.update(1)

    def _arrival(self, j: int, bar) -> None:
        self.n_events += 1
        if self.status[j] == _UNSCHED:
            if bar is not None:
                bar.update(1)
            return
        self.enqueue(j)

    def _record_usage(self, now: float) -> None:
        cpu, mem, gpu = self.capacity
        free, tl = self.free, self.timeline
        tl["t_s"].append(now)
        tl["gpu_used"].append((gpu - free[2]) / MILLI)
        tl["cpu_used_milli"].append(cpu - free[0])
        tl["mem_used_mib"].append(mem - free[1])

    def check(self) -> None:
        """Raise :class:`InvariantError` if a node is over-allocated or the free totals drifted."""
        state = self.state
        state.check_invariants()
        actual = [int(state.cpu_free.sum()), int(state.mem_free.sum()), int(state.gpu_free_total.sum())]
        if self.free != actual:
            raise InvariantError(f"free totals drifted: kept {self.free}, cluster has {actual} "
                                 "(CPU milli, memory MiB, GPU milli)")

    # ------------------------------------------------------------------------- outcome
    def _close(self) -> None:
        """Final statuses: a pending job is deadlocked (partial gangs holding resources),
        unschedulable (nothing left to free) or unfinished (horizon); running ones are unfinished,
        and their segments are closed at the horizon."""
        status, tasks, n = self.status, self.tasks, len(self.wl)
        stuck_partial = any(tasks[j] and status[j] == _PENDING for j in range(n))
        for j in range(n):
            if status[j] == _PENDING:
                if self.now == math.inf:
                    status[j] = _DEADLOCK if (stuck_partial and self.partial) else _UNSCHED
                else:
                    status[j] = _UNFINISHED
            elif status[j] in (_RUNNING, _FUTURE):
                status[j] = _UNFINISHED
        seg = self.segments
        for j in range(n):
            if tasks[j] and status[j] == _UNFINISHED and j in self.running_end:
                for t, p in enumerate(tasks[j]):
                    seg["job"].append(j)
                    seg["task"].append(t)
                    seg["node"].append(p.node)
                    seg["start_s"].append(self.run_start[j])
                    seg["end_s"].append(min(self.horizon, self.running_end[j]))

    def result(self) -> SimulationResult:
        self._close()
        n, status = len(self.wl), self.status
        held = tuple((j, t, p.node, self.held_since[j][t]) for j in range(n) if status[j] == _DEADLOCK
                     for t, p in enumerate(self.tasks[j]))
        seg = self.segments
        segments = {"job": np.array(seg["job"], dtype=np.int64), "task": np.array(seg["task"], dtype=np.int64),
                    "node": np.array(seg["node"], dtype=np.int64), "start_s": np.array(seg["start_s"], dtype=float),
                    "end_s": np.array(seg["end_s"], dtype=float)}
        timeline: dict[str, np.ndarray | float] = {k: np.array(v, dtype=float) for k, v in self.timeline.items()}
        timeline["gpu_capacity"] = self.capacity[2] / MILLI
        return SimulationResult(self.cluster, self.wl, self.qp.name, self.pol.name,
                                tuple(_CODE[int(s)] for s in status), np.array(self.first_start),
                                np.array(self.end), np.array(self.n_pre), np.array(self.lost),
                                segments, timeline, tuple(self.preempt_log), self.n_events, held)


def simulate(cluster: Cluster, workload: Workload, *, queue="fifo", placement="first_fit",
             backfill: bool = False, gang: str = "all_or_nothing", seed: int = 0,
             typical: TypicalPods | None = None, horizon_s: float | None = None,
             progress: bool = False, queue_params: dict | None = None,
             check_invariants: bool = False, backfill_depth: int = 500) -> SimulationResult:
    """Replay ``workload`` on ``cluster`` and return a :class:`SimulationResult`.

    ``queue``: a queue policy name (``fifo``, ``sjf``, ``priority``, ``fair_share``, ``drf``,
    ``hierarchical``, ``lottery``, ``multi_objective``) or a
    :class:`~course_kit.scheduling.queueing.QueuePolicy` (``queue_params`` are passed to the
    named policy's constructor, e.g. ``{"preemption": "least_progress"}``). ``placement``: a
    placement policy name or instance (``fgd`` uses the workload's own typical task shapes unless
    ``typical`` is given). ``backfill``: EASY backfilling for static policies. ``gang``:
    ``all_or_nothing`` or ``partial``. ``seed`` drives random placement and lotteries.
    ``horizon_s`` stops the clock (jobs not done are ``unfinished``). ``progress`` shows a
    tqdm bar (off by default, so tests stay silent). ``check_invariants`` checks after every
    scheduling pass that no node is over-allocated in any dimension and raises
    :class:`~course_kit.scheduling.cluster.InvariantError` otherwise (for tests; slower).
    The steps are the methods of :class:`Simulation`.
    """
    if not isinstance(cluster, Cluster):
        raise ValueError(f"cluster must be a Cluster; got {type(cluster).__name__}")
    if not isinstance(workload, Workload):
        raise ValueError(f"workload must be a Workload; got {type(workload).__name__}")
    qp: QueuePolicy = get_queue_policy(queue, **(queue_params or {}))
    check_choice("gang", gang, ["all_or_nothing", "partial"])
    if not isinstance(backfill, bool):
        raise ValueError(f"backfill must be True or False; got {backfill!r}")
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    horizon = math.inf if horizon_s is None else check_number("horizon_s", horizon_s, low=0)
    backfill_depth = check_int("backfill_depth", backfill_depth, low=1, high=10**9)
    if placement == "fgd" and typical is None:
        typical = _workload_typical(workload)
    pol: PlacementPolicy = get_policy(placement, typical=typical)
    sim = Simulation(cluster, workload, qp, pol, backfill=backfill, partial=gang == "partial",
                     rng=np.random.default_rng(seed), horizon=horizon, backfill_depth=backfill_depth,
                     check_invariants=check_invariants)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        # leave=True: in a notebook, leave=False CLOSES the bar's widget when it finishes, and a page that
        # renders the output after that (a Voila dashboard) showed "Error displaying widget: model not
        # found" in its place (seen on dashboard 04). A finished bar stays, with its count and time.
        bar = tqdm(total=len(workload), desc=f"simulate {qp.name}/{pol.name}", unit="job", leave=True)
    sim.run(bar)
    if bar is not None:
        bar.close()
    return sim.result()
