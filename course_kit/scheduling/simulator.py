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
from course_kit.scheduling.cluster import Cluster, ClusterState, Placement
from course_kit.scheduling.fragmentation import TypicalPods
from course_kit.scheduling.jobs import MILLI, Demand, Workload
from course_kit.scheduling.placement import PlacementPolicy, get_policy
from course_kit.scheduling.queueing import QueuePolicy, get_queue_policy, lost_work_s

__all__ = ["simulate", "SimulationResult", "STATUSES", "SchedContext"]

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
        self._use = {"user": {}, "queue": {}}
        self._vec: dict[str, np.ndarray] = {}
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

    def _add(self, j: int, sign: int) -> None:
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
    tqdm bar (off by default, so tests stay silent). ``check_invariants`` asserts after every
    scheduling pass that no node is over-allocated in any dimension (for tests; slower).
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
    wl = workload
    n = len(wl)
    if placement == "fgd" and typical is None:
        typical = _workload_typical(wl)
    pol: PlacementPolicy = get_policy(placement, typical=typical)
    rng = np.random.default_rng(seed)
    state: ClusterState = cluster.state()
    partial = gang == "partial"

    # ---- per-job static data
    dcache: dict = {}
    demand: list[Demand] = []
    status = np.full(n, _FUTURE, dtype=np.int8)
    for j in range(n):
        key = (int(wl.cpu_milli[j]), int(wl.memory_mib[j]), int(wl.num_gpu[j]), int(wl.gpu_milli[j]),
               wl.gpu_models[j])
        entry = dcache.get(key)
        if entry is None:
            d = Demand(key[0], key[1], key[2], key[3] if key[2] else MILLI, key[4])
            if not cluster.fits_empty(d):
                raise ValueError(f"workload: job {wl.names[j]!r} has a task ({d}) larger than any node")
            entry = dcache[key] = (d, cluster.max_tasks_empty(d))
        demand.append(entry[0])
        if wl.gang_size[j] > entry[1]:
            status[j] = _UNSCHED
    gang_size = wl.gang_size.tolist()
    duration = wl.duration_s.tolist()
    prio = wl.priority.tolist()
    arrival = wl.arrival_s.tolist()
    job_gpu = (wl.gang_size * wl.num_gpu * wl.gpu_milli).astype(np.int64).tolist()
    job_cpu = (wl.gang_size * wl.cpu_milli).astype(np.int64).tolist()
    job_mem = (wl.gang_size * wl.memory_mib).astype(np.int64).tolist()
    remaining = list(duration)
    first_start = [math.nan] * n
    end = [math.nan] * n
    run_start = [0.0] * n
    token = [0] * n
    n_pre = [0] * n
    lost = [0.0] * n
    tasks: list[list[Placement]] = [[] for _ in range(n)]
    held_since: list[list[float]] = [[] for _ in range(n)]
    state_now = [0.0]
    seg_job, seg_task, seg_node, seg_start, seg_end = [], [], [], [], []
    preempt_log = []
    free = [int(state.cpu_free.sum()), int(state.mem_free.sum()), int(state.gpu_free_total.sum())]
    cap_cpu, cap_mem, cap_gpu = free
    tl_t, tl_g, tl_c, tl_m = [], [], [], []
    running_end: dict[int, float] = {}
    heap: list = []
    seq = 0
    ctx = SchedContext(wl, cluster, rng,
                       qp.leaf if hasattr(qp, "leaf") else (lambda q: q))

    # ---- queue structures
    static = not qp.dynamic
    track = not static
    pending: list = []  # static: sorted [(key, j)]
    groups: dict[str, list[int]] = {}
    gkind = qp.group_by

    freed = [True]           # resources were freed since the last pass (shortcuts below)
    last_blocked = [None]    # the head that blocked the last pass (strict static policies)
    new_jobs: set[int] = set()

    def enqueue(j: int) -> None:
        status[j] = _PENDING
        if backfill:
            new_jobs.add(j)
        if static:
            bisect.insort(pending, (qp.key(wl, j), j))
        else:
            g = ctx.group_of(gkind, j)
            q = groups.setdefault(g, [])
            bisect.insort(q, j, key=lambda x: (arrival[x], x))

    def take(j: int, d: Demand, p: Placement) -> None:
        state._apply(p.node, d, p.gpus, -1)
        free[0] -= d.cpu_milli
        free[1] -= d.memory_mib
        free[2] -= d.total_gpu_milli

    def give(j: int, d: Demand, p: Placement) -> None:
        state._apply(p.node, d, p.gpus, 1)
        free[0] += d.cpu_milli
        free[1] += d.memory_mib
        free[2] += d.total_gpu_milli

    def try_place(j: int) -> bool:
        """Place job j's missing tasks; all-or-nothing unless partial."""
        d = demand[j]
        have = tasks[j]
        missing = gang_size[j] - len(have)
        if not partial and (free[2] < job_gpu[j] or free[0] < job_cpu[j] or free[1] < job_mem[j]):
            return False
        new = []
        for _ in range(missing):
            p = pol.select(state, d, rng)
            if p is None:
                break
            take(j, d, p)
            new.append(p)
        if len(new) == missing:
            have.extend(new)
            return True
        if partial:
            have.extend(new)
        else:
            for p in new:
                give(j, d, p)
        return False

    def start(j: int, now: float) -> None:
        nonlocal seq
        status[j] = _RUNNING
        if math.isnan(first_start[j]):
            first_start[j] = now
        run_start[j] = now
        token[j] += 1
        seq += 1
        t_end = now + remaining[j]
        running_end[j] = t_end
        heapq.heappush(heap, (t_end, seq, j, token[j]))
        if track:
            ctx._add(j, 1)

    def stop(j: int, now: float, done: bool) -> None:
        d = demand[j]
        for t, p in enumerate(tasks[j]):
            give(j, d, p)
            seg_job.append(j)
            seg_task.append(t)
            seg_node.append(p.node)
            seg_start.append(run_start[j])
            seg_end.append(now)
        tasks[j] = []
        freed[0] = True
        running_end.pop(j, None)
        if track:
            ctx._add(j, -1)
        if done:
            status[j] = _DONE
            end[j] = now
            remaining[j] = 0.0

    def try_preempt(j: int, now: float) -> bool:
        cands = [v for v in running_end if prio[v] < prio[j]]
        if not cands:
            return False
        rule = qp.preemption
        if rule == "lowest_priority":
            cands.sort(key=lambda v: (prio[v], -run_start[v], v))
        elif rule == "least_progress":
            cands.sort(key=lambda v: ((duration[v] - remaining[v] + now - run_start[v]) / duration[v], v))
        else:  # newest
            cands.sort(key=lambda v: (-run_start[v], v))
        trial = state.copy()
        d = demand[j]
        chosen = None
        for i, v in enumerate(cands):
            dv = demand[v]
            for p in tasks[v]:
                trial._apply(p.node, dv, p.gpus, 1)
            placed = []
            for _ in range(gang_size[j] - len(tasks[j])):
                p = pol.select(trial, d, rng)
                if p is None:
                    break
                trial._apply(p.node, d, p.gpus, -1)
                placed.append(p)
            ok = len(placed) == gang_size[j] - len(tasks[j])
            for p in placed:
                trial._apply(p.node, d, p.gpus, 1)
            if ok:
                chosen = cands[: i + 1]
                break
        if chosen is None:
            return False
        for v in chosen:
            elapsed = now - run_start[v]
            lost_s = lost_work_s(elapsed, qp.checkpoint_s)
            remaining[v] -= elapsed - lost_s
            lost[v] += lost_s * job_gpu[v] / MILLI
            n_pre[v] += 1
            token[v] += 1
            stop(v, now, done=False)
            enqueue(v)
            preempt_log.append((now, wl.names[v], wl.names[j]))
        return try_place(j)

    def shadow(j: int, now: float) -> tuple[float, float]:
        need = job_gpu[j] if job_gpu[j] else job_cpu[j]
        avail = free[2] if job_gpu[j] else free[0]
        if avail >= need:
            return now, avail - need
        for v, t in sorted(running_end.items(), key=lambda kv: kv[1]):
            avail += job_gpu[v] if job_gpu[j] else job_cpu[v]
            if avail >= need:
                return t, avail - need
        return math.inf, 0.0

    def place_one(j: int) -> bool:
        """Partial gangs: place one more task of job j if it fits anywhere."""
        d = demand[j]
        p = pol.select(state, d, rng)
        if p is None:
            return False
        take(j, d, p)
        tasks[j].append(p)
        held_since[j].append(state_now[0])
        return True

    def schedule_partial(now: float) -> None:
        # task by task, round-robin over the pending jobs in queue order (a pod-by-pod scheduler)
        queue_order = [j for _, j in pending] if static else sorted(
            (j for q in groups.values() for j in q), key=lambda x: (arrival[x], x))
        moved = True
        while moved and queue_order:
            moved = False
            for j in list(queue_order):
                if len(tasks[j]) < gang_size[j] and place_one(j):
                    moved = True
                if len(tasks[j]) == gang_size[j]:
                    queue_order.remove(j)
                    if static:
                        pending.remove((qp.key(wl, j), j))
                    else:
                        groups[ctx.group_of(gkind, j)].remove(j)
                    start(j, now)

    def schedule(now: float) -> None:
        ctx.now = now
        state_now[0] = now
        if partial:
            schedule_partial(now)
            return
        if static:
            if (not backfill and not freed[0] and pending and pending[0][1] == last_blocked[0]):
                return  # nothing was freed and the same head is first: it cannot fit now either
            i = 0
            blocked = None
            shadow_t, extra = math.inf, 0.0
            scanned = 0
            only_new = backfill and not freed[0]
            while i < len(pending):
                j = pending[i][1]
                if blocked is not None:
                    # EASY backfilling behind the blocked head: cheap tests before any placement
                    scanned += 1
                    if scanned > backfill_depth:
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
                ok = try_place(j)
                if not ok and qp.preemption and blocked is None:
                    ok = try_preempt(j, now)
                if ok:
                    if blocked is not None and now + remaining[j] > shadow_t:
                        extra -= job_gpu[j] if job_gpu[blocked] else job_cpu[j]
                    pending.pop(i)
                    start(j, now)
                    continue
                if not backfill:
                    last_blocked[0] = j
                    break
                if blocked is None:
                    blocked = j
                    shadow_t, extra = shadow(j, now)
                i += 1
            freed[0] = False
            if new_jobs:
                new_jobs.clear()
        else:
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
                g = ctx.group_of(gkind, j)
                if qp.admissible(ctx, j) and try_place(j):
                    groups[g].remove(j)
                    if not groups[g]:
                        active.pop(g, None)
                    start(j, now)
                    continue
                if qp.skip == "group":
                    active.pop(g, None)
                else:
                    skipped.add(j)

    # ---- event loop
    order = sorted(range(n), key=lambda j: (arrival[j], j))
    ptr = 0
    n_events = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc=f"simulate {qp.name}/{pol.name}", unit="job", leave=False)
    now = 0.0
    last_free = list(free)
    while True:
        t_arr = arrival[order[ptr]] if ptr < n else math.inf
        t_fin = heap[0][0] if heap else math.inf
        now = min(t_arr, t_fin)
        if now == math.inf or now > horizon:
            break
        while heap and heap[0][0] <= now:
            _, _, j, tok = heapq.heappop(heap)
            if tok != token[j] or status[j] != _RUNNING:
                continue
            stop(j, now, done=True)
            n_events += 1
            if bar is not None:
                bar.update(1)
        while ptr < n and arrival[order[ptr]] <= now:
            j = order[ptr]
            ptr += 1
            n_events += 1
            if status[j] == _UNSCHED:
                if bar is not None:
                    bar.update(1)
                continue
            enqueue(j)
        schedule(now)
        if check_invariants:
            state.check_invariants()
            assert free == [int(state.cpu_free.sum()), int(state.mem_free.sum()),
                            int(state.gpu_free_total.sum())], "free totals drifted"
        if free[2] != last_free[2] or free[0] != last_free[0] or free[1] != last_free[1] or not tl_t:
            tl_t.append(now)
            tl_g.append((cap_gpu - free[2]) / MILLI)
            tl_c.append(cap_cpu - free[0])
            tl_m.append(cap_mem - free[1])
            last_free[:] = free
    if bar is not None:
        bar.close()
    # ---- leftovers: deadlock / unschedulable / unfinished
    stuck_partial = any(tasks[j] and status[j] == _PENDING for j in range(n))
    for j in range(n):
        if status[j] == _PENDING:
            if now == math.inf:
                status[j] = _DEADLOCK if (stuck_partial and partial) else _UNSCHED
            else:
                status[j] = _UNFINISHED
        elif status[j] in (_RUNNING, _FUTURE):
            status[j] = _UNFINISHED
    # close segments of still-running jobs at the horizon (not counted as done)
    for j in range(n):
        if tasks[j] and status[j] == _UNFINISHED and j in running_end:
            for t, p in enumerate(tasks[j]):
                seg_job.append(j)
                seg_task.append(t)
                seg_node.append(p.node)
                seg_start.append(run_start[j])
                seg_end.append(min(horizon, running_end[j]))
    held = tuple((j, t, p.node, held_since[j][t]) for j in range(n) if status[j] == _DEADLOCK
                 for t, p in enumerate(tasks[j]))
    segments = {"job": np.array(seg_job, dtype=np.int64), "task": np.array(seg_task, dtype=np.int64),
                "node": np.array(seg_node, dtype=np.int64), "start_s": np.array(seg_start, dtype=float),
                "end_s": np.array(seg_end, dtype=float)}
    timeline = {"t_s": np.array(tl_t, dtype=float), "gpu_used": np.array(tl_g, dtype=float),
                "cpu_used_milli": np.array(tl_c, dtype=float), "mem_used_mib": np.array(tl_m, dtype=float),
                "gpu_capacity": cap_gpu / MILLI}
    return SimulationResult(cluster, wl, qp.name, pol.name, tuple(_CODE[int(s)] for s in status),
                            np.array(first_start), np.array(end), np.array(n_pre), np.array(lost),
                            segments, timeline, tuple(preempt_log), n_events, held)
