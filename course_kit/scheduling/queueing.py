"""Queueing policies: which pending job goes next, fairness between users, preemption.

Pure functions (no simulator needed):

* :func:`drf` — Dominant Resource Fairness by progressive filling (Ghodsi et al., NSDI 2011):
  repeatedly give the next task to the user with the **lowest dominant share** (max over resources of
  allocated/capacity) whose next task still fits, until no user's next task fits.
  Paper example: 9 CPU, 18 GB; A⟨1 CPU, 4 GB⟩, B⟨3 CPU, 1 GB⟩ → A 3 tasks, B 2 tasks, both 2/3.
  (The course text computes dominant shares and then a "priority = 1/(1+share)"; erratum 25: DRF
  allocates to the lowest share, it is not a priority weight.)
* :func:`lottery_draw` — lottery scheduling (Waldspurger & Weihl, OSDI 1994): a uniformly random
  ticket **among the tickets actually issued** picks the winner, so P(win) = tickets/total.
  :func:`course_text_lottery_draw` reproduces the course text's version (erratum 26): tickets are
  ``int(total·share·priority)`` but the draw is over ``total``, so excess draws fall to the last job.
* :func:`hierarchical_shares` — absolute shares of a weighted queue tree (:data:`COURSE_TEXT_QUEUE_TREE`).
* :func:`plan_preemption`, :func:`preemption_options` — which running jobs to preempt for a big
  job (scenario 3), with the work they lose and the SLA cost.
* :func:`multi_objective_score` — the course text's Q6 score, ``0.4·completion + 0.3·utilisation +
  0.3·fairness`` (weights adjustable).

Simulator policies (:func:`get_queue_policy`): ``fifo``, ``sjf``, ``priority`` (optionally
preemptive: victims by ``lowest_priority``, ``least_progress`` or ``newest``), ``fair_share``
(weighted GPU share with quotas), ``drf``, ``hierarchical``, ``lottery``, ``multi_objective``.

>>> drf({"cpu": 9, "mem": 18}, {"A": {"cpu": 1, "mem": 4}, "B": {"cpu": 3, "mem": 1}})
{'A': 3, 'B': 2}
>>> hierarchical_shares(COURSE_TEXT_QUEUE_TREE)["ml_serving"]
0.42
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "drf", "drf_steps", "DRFStep", "dominant_share", "lottery_draw", "lottery_win_shares",
    "course_text_lottery_draw", "COURSE_TEXT_QUEUE_TREE", "hierarchical_shares", "RunningJob",
    "PreemptionPlan", "plan_preemption", "preemption_options", "scenario3_running_jobs",
    "SCENARIO3", "multi_objective_score", "COURSE_TEXT_Q6_WEIGHTS", "QueuePolicy", "get_queue_policy",
    "QUEUE_POLICIES", "VICTIM_RULES",
]

# ------------------------------------------------------------------------------------------ DRF


def _check_capacity(capacity: Mapping) -> dict[str, float]:
    if not isinstance(capacity, Mapping) or not capacity:
        raise ValueError(f"capacity must be a non-empty dict resource → amount; got {capacity!r}")
    return {str(r): check_number(f"capacity[{r!r}]", v, low=0, low_inclusive=False) for r, v in capacity.items()}


def _check_demands(demands: Mapping, cap: dict[str, float]) -> dict[str, dict[str, float]]:
    if not isinstance(demands, Mapping) or not demands:
        raise ValueError(f"demands must be a non-empty dict user → per-task demand dict; got {demands!r}")
    out = {}
    for u, d in demands.items():
        if not isinstance(d, Mapping):
            raise ValueError(f"demands[{u!r}] must be a dict resource → amount; got {d!r}")
        for r in d:
            if r not in cap:
                raise ValueError(f"demands[{u!r}] names resource {r!r} not in capacity ({sorted(cap)})")
        vec = {r: check_number(f"demands[{u!r}][{r!r}]", d.get(r, 0), low=0) for r in cap}
        if all(v == 0 for v in vec.values()):
            raise ValueError(f"demands[{u!r}] must ask for some resource (all amounts are 0)")
        out[u] = vec
    return out


def dominant_share(allocation: Mapping[str, float], capacity: Mapping[str, float]) -> float:
    """``max_r allocation_r / capacity_r`` (DRF paper, §4).

    >>> dominant_share({"cpu": 3, "mem": 12}, {"cpu": 9, "mem": 18})
    0.6666666666666666
    """
    cap = _check_capacity(capacity)
    return max((check_number(f"allocation[{r!r}]", allocation.get(r, 0), low=0) / c for r, c in cap.items()),
               default=0.0)


@dataclass(frozen=True)
class DRFStep:
    """One step of progressive filling: ``user`` got a task; shares after the step."""

    user: str
    tasks: int
    dominant_share: float
    used: dict[str, float] = field(default_factory=dict)


def drf_steps(capacity: Mapping[str, float], demands: Mapping[str, Mapping[str, float]],
              weights: Mapping[str, float] | None = None, *, max_tasks: int = 1_000_000) -> list[DRFStep]:
    """Progressive filling, step by step (see :func:`drf`).

    Ties between equal (weighted) dominant shares go to the user listed first in ``demands``.
    """
    cap = _check_capacity(capacity)
    dem = _check_demands(demands, cap)
    users = list(dem)
    w = {u: 1.0 for u in users}
    if weights is not None:
        for u, v in weights.items():
            if u not in dem:
                raise ValueError(f"weights names user {u!r} not in demands")
            w[u] = check_number(f"weights[{u!r}]", v, low=0, low_inclusive=False)
    bound = sum(min(cap[r] / d[r] for r in cap if d[r] > 0) for d in dem.values())
    limit = check_int("max_tasks", max_tasks, low=1)
    if bound > limit:
        raise ValueError(f"demands are too small for the capacity: up to {bound:.0f} tasks, "
                         f"max_tasks is {limit}")
    dshare = {u: max(dem[u][r] / cap[r] for r in cap) for u in users}
    used = {r: 0.0 for r in cap}
    tasks = {u: 0 for u in users}
    heap = [(0.0, i, u) for i, u in enumerate(users)]
    steps: list[DRFStep] = []
    tol = 1e-12
    while heap:
        share, i, u = heapq.heappop(heap)
        if all(used[r] + dem[u][r] <= cap[r] * (1 + tol) + tol for r in cap):
            for r in cap:
                used[r] += dem[u][r]
            tasks[u] += 1
            s = tasks[u] * dshare[u]
            steps.append(DRFStep(u, tasks[u], s, dict(used)))
            heapq.heappush(heap, (round(s / w[u], 12), i, u))
        # a user whose next task does not fit is dropped: resources only shrink
    return steps


def drf(capacity: Mapping[str, float], demands: Mapping[str, Mapping[str, float]],
        weights: Mapping[str, float] | None = None) -> dict[str, int]:
    """Tasks per user under Dominant Resource Fairness (progressive filling).

    ``capacity``: resource → amount; ``demands``: user → per-task demand (resource → amount,
    missing = 0). Repeatedly the user with the lowest dominant share (divided by its weight, if
    ``weights`` are given — weighted DRF) whose next task fits gets one task; users whose next
    task does not fit drop out; stops when no user's next task fits. Source: Ghodsi et al.,
    "Dominant Resource Fairness", NSDI 2011 (docs/sources.md#scheduling).

    >>> drf({"cpu": 9, "mem": 18}, {"A": {"cpu": 1, "mem": 4}, "B": {"cpu": 3, "mem": 1}})
    {'A': 3, 'B': 2}
    >>> drf({"cpu": 9}, {"A": {"cpu": -1}})
    Traceback (most recent call last):
    ...
    ValueError: demands['A']['cpu'] must be >= 0; got -1
    """
    steps = drf_steps(capacity, demands, weights)
    out = {u: 0 for u in demands}
    for s in steps:
        out[s.user] = s.tasks
    return out


# -------------------------------------------------------------------------------------- lottery


def _check_tickets(tickets: Mapping) -> tuple[list, np.ndarray]:
    if not isinstance(tickets, Mapping) or not tickets:
        raise ValueError(f"tickets must be a non-empty dict client → tickets; got {tickets!r}")
    names = list(tickets)
    t = np.array([check_int(f"tickets[{k!r}]", v, low=0, high=10**12) for k, v in tickets.items()], dtype=np.int64)
    if t.sum() == 0:
        raise ValueError("tickets must hold at least one ticket in total")
    return names, t


def lottery_draw(tickets: Mapping[str, int], rng) -> str:
    """One lottery: a uniformly random ticket among those issued; its holder wins.

    P(client wins) = tickets_client / Σ tickets (Waldspurger & Weihl 1994).

    >>> lottery_draw({"a": 1, "b": 0}, np.random.default_rng(0))
    'a'
    """
    names, t = _check_tickets(tickets)
    win = int(rng.integers(int(t.sum())))
    return names[int(np.searchsorted(np.cumsum(t), win, side="right"))]


def lottery_win_shares(tickets: Mapping[str, int], n_draws: int = 10_000, *, seed: int = 0) -> dict[str, float]:
    """Share of ``n_draws`` lotteries each client wins (converges to its ticket share).

    >>> s = lottery_win_shares({"a": 3, "b": 1}, 40_000, seed=1)
    >>> round(s["a"], 2)
    0.75
    """
    names, t = _check_tickets(tickets)
    n = check_int("n_draws", n_draws, low=1, high=100_000_000)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    wins = np.searchsorted(np.cumsum(t), rng.integers(int(t.sum()), size=n), side="right")
    counts = np.bincount(wins, minlength=len(names))
    return {k: float(c) / n for k, c in zip(names, counts)}


def course_text_lottery_win_shares(shares: Sequence[float], priorities: Sequence[float], total_tickets: int,
                            n_draws: int = 10_000, *, seed: int = 0) -> list[float]:
    """Share of ``n_draws`` draws each job wins under the course text's lottery
    (:func:`course_text_lottery_draw`): too many go to the last job (erratum 26).

    >>> s = course_text_lottery_win_shares([0.5, 0.5], [0.5, 0.5], 100, 4000, seed=0)
    >>> s[1] > 0.7      # equal tickets, yet the last job wins three draws in four
    True
    """
    n = check_int("n_draws", n_draws, low=1, high=10_000_000)
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    wins = [course_text_lottery_draw(shares, priorities, total_tickets, rng) for _ in range(n)]
    return [wins.count(i) / n for i in range(len(shares))]


def course_text_lottery_draw(shares: Sequence[float], priorities: Sequence[float], total_tickets: int, rng) -> int:
    """The course text's ``implement_lottery_scheduling`` (kept to show its bug, erratum 26).

    ``tickets_i = int(total_tickets · share_i · priority_i)``; ``winning = randint(1, total_tickets)``;
    walk the cumulative tickets; if the draw exceeds the tickets issued, fall back to the **last**
    job. Returns the winner's index.

    >>> rng = np.random.default_rng(0)
    >>> wins = [course_text_lottery_draw([0.1, 0.1], [1, 1], 100, rng) for _ in range(1000)]
    >>> wins.count(1) > 850   # job 1 holds half the tickets but wins ~90 % of draws
    True
    """
    sh = [check_number("shares", s, low=0) for s in shares]
    pr = [check_number("priorities", p, low=0) for p in priorities]
    if not sh or len(sh) != len(pr):
        raise ValueError("shares and priorities must be non-empty and of equal length")
    total = check_int("total_tickets", total_tickets, low=1)
    tickets = [int(total * s * p) for s, p in zip(sh, pr)]
    winning = int(rng.integers(1, total + 1))
    cum = 0
    for i, t in enumerate(tickets):
        cum += t
        if cum >= winning:
            return i
    return len(tickets) - 1


# ---------------------------------------------------------------------------- hierarchical tree

#: The course text's queue tree (§8 ``AdvancedFairShareScheduler.build_queue_hierarchy``):
#: weights and priorities as written there.
COURSE_TEXT_QUEUE_TREE: dict = {
    "production": {"weight": 0.6, "priority": 100, "preemption": "enabled", "children": {
        "ml_serving": {"weight": 0.7, "sla_latency_ms": 50},
        "batch_inference": {"weight": 0.3, "sla_latency_ms": 1000}}},
    "research": {"weight": 0.3, "priority": 50, "preemption": "disabled", "children": {
        "model_training": {"weight": 0.8},
        "experimentation": {"weight": 0.2}}},
    "best_effort": {"weight": 0.1, "priority": 10, "preemption": "always"},
}


def _walk(tree: Mapping, share: float, out: dict, path: str) -> None:
    if not isinstance(tree, Mapping) or not tree:
        raise ValueError(f"tree{path} must be a non-empty dict name → {{'weight': ..., 'children': ...}}")
    ws = {}
    for name, node in tree.items():
        if not isinstance(node, Mapping) or "weight" not in node:
            raise ValueError(f"tree{path}[{name!r}] must be a dict with a 'weight'")
        ws[name] = check_number(f"tree{path}[{name!r}]['weight']", node["weight"], low=0, low_inclusive=False)
    total = sum(ws.values())
    for name, node in tree.items():
        s = share * ws[name] / total
        if node.get("children"):
            _walk(node["children"], s, out, f"{path}[{name!r}]['children']")
        else:
            if name in out:
                raise ValueError(f"tree has two leaves named {name!r}")
            out[name] = s


def _check_tree_children(tree: Mapping) -> None:
    for node in tree.values():
        kids = node.get("children")
        if kids:
            _check_tree_children(kids)


def hierarchical_shares(tree: Mapping = COURSE_TEXT_QUEUE_TREE) -> dict[str, float]:
    """Absolute share of each leaf queue: the product of normalised weights along its path.

    >>> {k: round(v, 2) for k, v in hierarchical_shares().items()}
    {'ml_serving': 0.42, 'batch_inference': 0.18, 'model_training': 0.24, 'experimentation': 0.06, 'best_effort': 0.1}
    """
    out: dict[str, float] = {}
    _walk(tree, 1.0, out, "")
    return {k: round(v, 12) for k, v in out.items()}


# ------------------------------------------------------------------------------------ preemption

VICTIM_RULES = ("lowest_priority", "least_progress", "newest", "oldest")


@dataclass(frozen=True)
class RunningJob:
    """A running job as the preemption planner sees it (times in seconds; ``start_s`` may be
    negative: it started before "now" = 0)."""

    name: str
    gpus: int
    elapsed_s: float
    duration_s: float
    priority: int = 0
    start_s: float = 0.0

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string; got {self.name!r}")
        object.__setattr__(self, "gpus", check_int("gpus", self.gpus, low=0))
        object.__setattr__(self, "duration_s", check_number("duration_s", self.duration_s, low=0, low_inclusive=False))
        object.__setattr__(self, "elapsed_s", check_number("elapsed_s", self.elapsed_s, low=0, high=self.duration_s))
        object.__setattr__(self, "priority", check_int("priority", self.priority))
        object.__setattr__(self, "start_s", check_number("start_s", self.start_s))

    @property
    def progress(self) -> float:
        return self.elapsed_s / self.duration_s if self.duration_s > 0 else 1.0

    @property
    def remaining_s(self) -> float:
        return max(self.duration_s - self.elapsed_s, 0.0)


def _victim_key(rule: str):
    if rule == "lowest_priority":
        return lambda j: (j.priority, -j.start_s, j.name)
    if rule == "least_progress":
        return lambda j: (j.progress, j.name)
    if rule == "newest":
        return lambda j: (-j.start_s, j.name)
    return lambda j: (j.start_s, j.name)


def lost_work_s(elapsed_s: float, checkpoint_s: float | None) -> float:
    """Seconds of progress lost by killing a job after ``elapsed_s`` (everything since its last
    checkpoint; all of it without checkpoints)."""
    if checkpoint_s is None or checkpoint_s <= 0:
        return float(elapsed_s)
    return float(elapsed_s - math.floor(elapsed_s / checkpoint_s) * checkpoint_s)


@dataclass(frozen=True)
class PreemptionPlan:
    """Victims chosen by ``rule``, GPUs freed, work lost (GPU-hours), whether it is enough."""

    rule: str
    victims: tuple[str, ...]
    freed_gpus: int
    lost_gpu_hours: float
    enough: bool


def plan_preemption(running: Sequence[RunningJob], need_gpus: int, free_gpus: int, rule: str,
                    *, max_priority: int | None = None, checkpoint_s: float | None = None) -> PreemptionPlan:
    """Pick victims by ``rule`` until ``free_gpus + freed ≥ need_gpus`` (GPU-count model).

    Rules (:data:`VICTIM_RULES`): ``lowest_priority`` (then newest), ``least_progress`` (smallest
    elapsed/duration), ``newest`` (latest start), ``oldest`` (earliest start; the course text's
    "preempt oldest"). Only jobs with ``priority < max_priority`` are candidates when it is given.
    Lost work = Σ victims' GPUs × progress since their last checkpoint (all progress without one).

    >>> jobs = [RunningJob(f"j{i}", 4, elapsed_s=3600 * (i + 1), duration_s=36000) for i in range(5)]
    >>> p = plan_preemption(jobs, need_gpus=10, free_gpus=2, rule="least_progress")
    >>> p.victims, p.lost_gpu_hours
    (('j0', 'j1'), 12.0)
    """
    check_choice("rule", rule, VICTIM_RULES)
    need = check_int("need_gpus", need_gpus, low=0)
    free = check_int("free_gpus", free_gpus, low=0)
    running = list(running)
    if not all(isinstance(j, RunningJob) for j in running):
        raise ValueError("running must be a list of RunningJob")
    if max_priority is not None:
        max_priority = check_int("max_priority", max_priority)
    cands = [j for j in running if max_priority is None or j.priority < max_priority]
    cands.sort(key=_victim_key(rule))
    victims, freed, lost = [], 0, 0.0
    for j in cands:
        if free + freed >= need:
            break
        victims.append(j.name)
        freed += j.gpus
        lost += j.gpus * lost_work_s(j.elapsed_s, checkpoint_s) / 3600.0
    return PreemptionPlan(rule, tuple(victims), freed, lost, free + freed >= need)


#: Scenario 3 of the course text ("The Resource Allocation Paradox").
SCENARIO3: dict[str, Any] = {"total_gpus": 100, "running_jobs": 20, "gpus_per_running_job": 4, "big_job_gpus": 64,
             "waited_s": 2 * 3600.0, "sla_wait_s": 30 * 60.0}


def scenario3_running_jobs(seed: int = 0) -> list[RunningJob]:
    """The 20 low-priority 4-GPU jobs of scenario 3. The course text gives no run times, so these
    are **illustrative**: durations uniform in 4–24 h, elapsed uniform in [0, duration), starts
    spread over the past day, priorities 10 (best effort) or 50 (research) at random (seeded)."""
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    out = []
    for i in range(SCENARIO3["running_jobs"]):
        dur = float(rng.uniform(4, 24)) * 3600
        el = float(rng.uniform(0, 1)) * dur
        out.append(RunningJob(f"low-{i:02d}", SCENARIO3["gpus_per_running_job"], round(el, 1),
                              round(dur, 1), int(rng.choice([10, 50])), round(-el, 1)))
    return out


def preemption_options(running: Sequence[RunningJob] | None = None, *, need_gpus: int = 64,
                       total_gpus: int = 100, waited_s: float = 7200.0, sla_wait_s: float = 1800.0,
                       preemption_overhead_s: float = 120.0, checkpoint_s: float | None = None,
                       sla_cost_per_hour: float = 1.0, gpu_hour_cost: float = 1.0):
    """Scenario 3's options side by side: wait for jobs to finish, or preempt by each rule.

    For each option: ``start_delay_s`` (from now), ``lost_gpu_hours``, ``sla_violation_s`` (total
    wait beyond ``sla_wait_s``; the job has already waited ``waited_s``) and
    ``cost = sla_cost_per_hour · violation h + gpu_hour_cost · lost GPU-h`` (illustrative unit costs).
    Preempting takes ``preemption_overhead_s`` (the course text uses 90–120 s, unsourced).
    Returns a pandas DataFrame, one row per option.
    """
    import pandas as pd

    jobs = scenario3_running_jobs() if running is None else list(running)
    if not all(isinstance(j, RunningJob) for j in jobs):
        raise ValueError("running must be a list of RunningJob")
    need = check_int("need_gpus", need_gpus, low=1)
    total = check_int("total_gpus", total_gpus, low=1)
    waited = check_number("waited_s", waited_s, low=0)
    sla = check_number("sla_wait_s", sla_wait_s, low=0)
    over = check_number("preemption_overhead_s", preemption_overhead_s, low=0)
    c_sla = check_number("sla_cost_per_hour", sla_cost_per_hour, low=0)
    c_gpu = check_number("gpu_hour_cost", gpu_hour_cost, low=0)
    used = sum(j.gpus for j in jobs)
    if used > total:
        raise ValueError(f"running jobs use {used} GPUs, more than total_gpus={total}")
    if need > total:
        raise ValueError(f"need_gpus={need} exceeds total_gpus={total}: the job can never run")
    free = total - used
    rows: list[tuple[str, float, float, tuple[str, ...], bool]] = []
    # wait: jobs finish in order of remaining time
    t, freed = 0.0, free
    for j in sorted(jobs, key=lambda j: j.remaining_s):
        if freed >= need:
            break
        t, freed = j.remaining_s, freed + j.gpus
    rows.append(("wait for completions", t, 0.0, (), True))
    for rule in ("oldest", "least_progress", "lowest_priority", "newest"):
        p = plan_preemption(jobs, need, free, rule, checkpoint_s=checkpoint_s)
        rows.append((f"preempt {rule.replace('_', ' ')}", over if p.victims else 0.0, p.lost_gpu_hours,
                     p.victims, p.enough))
    out = []
    for name, delay, lost, victims, ok in rows:
        violation = max(waited + delay - sla, 0.0)
        out.append({"option": name, "victims": len(victims), "start_delay_s": delay,
                    "lost_gpu_hours": round(lost, 3), "sla_violation_s": violation,
                    "cost": round(c_sla * violation / 3600.0 + c_gpu * lost, 3), "feasible": ok})
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------ multi-objective

#: The course text's Q6 weights (completion 0.4, utilisation 0.3, fairness 0.3).
COURSE_TEXT_Q6_WEIGHTS = {"completion_time": 0.4, "utilization": 0.3, "fairness": 0.3}


def multi_objective_score(completion_time_score: float, utilization_score: float, fairness_score: float,
                          weights: Mapping[str, float] = COURSE_TEXT_Q6_WEIGHTS) -> float:
    """The course text's Q6 ``multi_objective_scheduler_score``: ``Σ w_k · score_k``.

    Scores in [0, 1]: completion ``1 − est_completion/max_completion``, utilisation = utilisation
    gained by placing the job, fairness ``1 − |user share − fair share|``.

    >>> round(multi_objective_score(0.5, 0.2, 0.9), 2)
    0.53
    """
    if not isinstance(weights, Mapping):
        raise ValueError(f"weights must be a dict objective → weight; got {weights!r}")
    w = {k: check_number(f"weights[{k!r}]", weights.get(k, 0.0), low=0) for k in COURSE_TEXT_Q6_WEIGHTS}
    for k in weights:
        check_choice("weights key", k, list(COURSE_TEXT_Q6_WEIGHTS))
    scores = (check_number("completion_time_score", completion_time_score, low=0, high=1),
              check_number("utilization_score", utilization_score, low=0, high=1),
              check_number("fairness_score", fairness_score, low=0, high=1))
    return w["completion_time"] * scores[0] + w["utilization"] * scores[1] + w["fairness"] * scores[2]


# ---------------------------------------------------------------------------- simulator policies


class QueuePolicy:
    """How the simulator orders pending jobs (see :mod:`course_kit.scheduling.simulator`).

    *Static* policies give a sort ``key(wl, j)`` (smaller first) and the scheduler walks the sorted
    queue. *Dynamic* policies (``dynamic = True``) keep one FIFO sub-queue per ``group_by``
    (``user`` or ``queue``) and :meth:`pick` the next job given the current usage in ``ctx``; if
    it does not fit, its group (``skip="group"``) or the job (``skip="job"``) sits out the rest of
    the pass. ``preemption`` names a victim rule (:data:`VICTIM_RULES`) or None.
    """

    name = "base"
    dynamic = False
    group_by = "user"
    skip = "group"
    preemption: str | None = None
    checkpoint_s: float | None = None

    def key(self, wl, j: int):
        return (wl.arrival_s[j], j)

    def pick(self, ctx, queues: Mapping[str, Sequence[int]]) -> int:
        raise NotImplementedError

    def admissible(self, ctx, j: int) -> bool:
        return True

    def __repr__(self) -> str:
        extra = f", preemption={self.preemption!r}" if self.preemption else ""
        return f"<queue {self.name}{extra}>"


class FIFO(QueuePolicy):
    """First come, first served (arrival order)."""

    name = "fifo"


class SJF(QueuePolicy):
    """Shortest job first (by actual run time, an oracle estimate), then arrival."""

    name = "sjf"

    def key(self, wl, j):
        return (wl.duration_s[j], wl.arrival_s[j], j)


class Priority(QueuePolicy):
    """Highest ``priority`` first, then arrival; optionally preemptive."""

    name = "priority"

    def __init__(self, preemption: str | None = None, checkpoint_s: float | None = None):
        if preemption is not None:
            check_choice("preemption", preemption, [r for r in VICTIM_RULES if r != "oldest"])
        self.preemption = preemption
        self.checkpoint_s = None if checkpoint_s is None else check_number(
            "checkpoint_s", checkpoint_s, low=0, low_inclusive=False)

    def key(self, wl, j):
        return (-wl.priority[j], wl.arrival_s[j], j)


def _weights(values: Mapping | None, name: str) -> dict[str, float]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise ValueError(f"{name} must be a dict; got {values!r}")
    return {str(k): check_number(f"{name}[{k!r}]", v, low=0, low_inclusive=False) for k, v in values.items()}


class FairShare(QueuePolicy):
    """Weighted fair share of GPUs with optional quotas.

    Next job: from the user with the smallest ``GPUs in use / weight`` (default weight 1); a job is
    held back while it would take its user above ``quotas[user]`` GPUs. GPUs, not CPU/memory,
    decide (the course text's ``priority_calculation`` uses only CPU and memory, erratum 24).
    """

    name = "fair_share"
    dynamic = True

    def __init__(self, weights: Mapping[str, float] | None = None, quotas: Mapping[str, float] | None = None,
                 group_by: str = "user"):
        self.weights = _weights(weights, "weights")
        if quotas is not None and not isinstance(quotas, Mapping):
            raise ValueError(f"quotas must be a dict user → GPUs; got {quotas!r}")
        self.quotas = {str(k): check_number(f"quotas[{k!r}]", v, low=0)
                       for k, v in (quotas or {}).items()}
        self.group_by = str(check_choice("group_by", group_by, ["user", "queue"]))

    def pick(self, ctx, queues):
        g = min(queues, key=lambda u: (ctx.gpu_usage(self.group_by, u) / self.weights.get(u, 1.0), u))
        return queues[g][0]

    def admissible(self, ctx, j):
        u = ctx.group_of(self.group_by, j)
        if u not in self.quotas:
            return True
        return ctx.gpu_usage(self.group_by, u) + ctx.job_gpus(j) <= self.quotas[u] + 1e-9


class DRFPolicy(QueuePolicy):
    """Dominant Resource Fairness: next job from the user with the lowest (weighted) dominant share
    over CPU, memory and GPUs (progressive filling inside each scheduling pass)."""

    name = "drf"
    dynamic = True

    def __init__(self, weights: Mapping[str, float] | None = None):
        self.weights = _weights(weights, "weights")

    def pick(self, ctx, queues):
        g = min(queues, key=lambda u: (ctx.dominant_share(u) / self.weights.get(u, 1.0), u))
        return queues[g][0]


class Hierarchical(QueuePolicy):
    """Hierarchical fair share over a weighted queue tree (default: the course text's tree).

    From the root, descend into the child with the smallest ``GPUs in use / share`` among those
    with pending jobs (share = normalised weight), down to a leaf queue; take its oldest job.
    Jobs name their leaf in ``Job.queue``; jobs of unknown queues go to ``default_leaf``.
    """

    name = "hierarchical"
    dynamic = True
    group_by = "queue"

    def __init__(self, tree: Mapping = COURSE_TEXT_QUEUE_TREE, default_leaf: str | None = None):
        self.leaf_share = hierarchical_shares(tree)
        _check_tree_children(tree)
        self.tree = tree
        self.default_leaf = default_leaf if default_leaf is not None else list(self.leaf_share)[-1]
        check_choice("default_leaf", self.default_leaf, list(self.leaf_share))

    def leaf(self, name: str) -> str:
        return name if name in self.leaf_share else self.default_leaf

    def _subtree_leaves(self, node: Mapping, name: str) -> list[str]:
        if node.get("children"):
            out = []
            for k, v in node["children"].items():
                out += self._subtree_leaves(v, k)
            return out
        return [name]

    def pick(self, ctx, queues):
        level = self.tree
        while True:
            options = []
            total_w = sum(float(v["weight"]) for v in level.values())
            for name, node in level.items():
                leaves = self._subtree_leaves(node, name)
                if any(leaf in queues for leaf in leaves):
                    use = sum(ctx.gpu_usage("queue", leaf) for leaf in leaves)
                    options.append((use / (float(node["weight"]) / total_w), name, node))
            _, name, node = min(options, key=lambda o: (o[0], list(level).index(o[1])))
            if not node.get("children"):
                return queues[name][0]
            level = node["children"]


class Lottery(QueuePolicy):
    """Lottery scheduling between users: draw among the tickets of users with pending jobs.

    ``tickets``: user → tickets (default ``default_tickets`` each). The winner's oldest job goes next.
    """

    name = "lottery"
    dynamic = True

    def __init__(self, tickets: Mapping[str, int] | None = None, default_tickets: int = 100):
        if tickets is not None and not isinstance(tickets, Mapping):
            raise ValueError(f"tickets must be a dict user → tickets; got {tickets!r}")
        self.tickets = {str(k): check_int(f"tickets[{k!r}]", v, low=0, high=10**12) for k, v in (tickets or {}).items()}
        self.default = check_int("default_tickets", default_tickets, low=0, high=10**12)

    def pick(self, ctx, queues):
        active = {u: self.tickets.get(u, self.default) for u in sorted(queues)}
        if sum(active.values()) == 0:
            return queues[sorted(queues)[0]][0]
        return queues[lottery_draw(active, ctx.rng)][0]


class MultiObjective(QueuePolicy):
    """The course text's Q6 score as a policy: the pending job with the highest
    ``w_c·(1 − duration/max duration) + w_u·(job GPUs / cluster GPUs) + w_f·(1 − |user share − 1/users|)``
    goes next (weights default to 0.4 / 0.3 / 0.3); if it does not fit, the next best is tried."""

    name = "multi_objective"
    dynamic = True
    group_by = "user"
    skip = "job"

    def __init__(self, weights: Mapping[str, float] = COURSE_TEXT_Q6_WEIGHTS):
        if not isinstance(weights, Mapping):
            raise ValueError(f"weights must be a dict objective → weight; got {weights!r}")
        for k in weights:
            check_choice("weights key", k, list(COURSE_TEXT_Q6_WEIGHTS))
        self.weights = {k: check_number(f"weights[{k!r}]", weights.get(k, 0.0), low=0) for k in COURSE_TEXT_Q6_WEIGHTS}

    def pick(self, ctx, queues):
        jobs = [j for q in queues.values() for j in q]
        wl = ctx.workload
        dmax = max(wl.duration_s[j] for j in jobs)
        users = ctx.users
        fair = 1.0 / max(len(users), 1)
        cap = max(ctx.capacity_gpu, 1e-9)
        best, best_s = jobs[0], -math.inf
        for j in jobs:
            share = ctx.gpu_usage("user", wl.users[j]) / cap
            s = (self.weights["completion_time"] * (1 - wl.duration_s[j] / dmax)
                 + self.weights["utilization"] * min(ctx.job_gpus(j) / cap, 1.0)
                 + self.weights["fairness"] * (1 - abs(share - fair)))
            if s > best_s + 1e-12:
                best, best_s = j, s
        return best


#: Queue policy name → class.
QUEUE_POLICIES = {"fifo": FIFO, "sjf": SJF, "priority": Priority, "fair_share": FairShare,
                  "drf": DRFPolicy, "hierarchical": Hierarchical, "lottery": Lottery,
                  "multi_objective": MultiObjective}


def get_queue_policy(policy="fifo", **params) -> QueuePolicy:
    """A queue policy by name with its parameters (or an instance passed through).

    >>> get_queue_policy("priority", preemption="least_progress")
    <queue priority, preemption='least_progress'>
    """
    if isinstance(policy, QueuePolicy):
        if params:
            raise ValueError("params must be empty when policy is a QueuePolicy instance")
        return policy
    check_choice("queue", policy, list(QUEUE_POLICIES))
    try:
        return QUEUE_POLICIES[policy](**params)
    except TypeError as exc:
        raise ValueError(f"bad parameters for queue policy {policy!r}: {exc}") from None
