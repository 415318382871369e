"""Jobs and workloads: what a job asks for, when it arrives, how long it runs, whose it is.

A **job** is a gang of ``gang_size`` identical **tasks**; each task needs one :class:`Demand` on one
node (CPU in milli-cores, memory in MiB, ``num_gpu`` GPUs of ``gpu_milli`` thousandths each). A job
runs only when *all* its tasks are placed (gang scheduling, all-or-nothing; see
:mod:`course_kit.scheduling.simulator`). GPU sharing follows the Alibaba trace (Weng et al., ATC'23):
``gpu_milli < 1000`` means a fraction of one GPU and is allowed only with ``num_gpu == 1``.

A :class:`Workload` is a struct of numpy arrays (one entry per job), so that a replay of the 82,247
Philly jobs stays fast; :meth:`Workload.job` returns one job as a frozen :class:`Job`.

>>> d = Demand(cpu_milli=4000, memory_mib=16384, num_gpu=1, gpu_milli=500)
>>> d.total_gpu_milli, d.is_gpu_share
(500, True)
>>> wl = Workload.from_jobs([Job("a", 0.0, 60.0, d), Job("b", 10.0, 30.0, Demand(num_gpu=8), gang_size=2)])
>>> len(wl), wl.total_gpus.tolist()
(2, [0.5, 16.0])
>>> wl.job(1).gang_size
2
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from course_kit._validate import check_int, check_number

__all__ = ["MILLI", "Demand", "Job", "Workload", "synthetic_workload", "JOB_CLASSES",
           "COURSE_TEXT_QUEUE_PRIORITY"]

#: One GPU in thousandths (the trace's unit: ``gpu_milli=1000`` is a whole GPU).
MILLI = 1000

#: Queue priorities of the course text's hierarchical tree (``build_queue_hierarchy``): production 100,
#: research 50, best_effort 10 (course text §8, "Fair-Share and Priority Queue Implementation").
COURSE_TEXT_QUEUE_PRIORITY = {"ml_serving": 100, "batch_inference": 100, "model_training": 50,
                       "experimentation": 50, "best_effort": 10}


def _models(value, name: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        parts = [p for p in value.split("|") if p]
    elif isinstance(value, Iterable):
        parts = list(value)
    else:
        raise ValueError(f"{name} must be a '|'-separated string or a list of GPU model names; got {value!r}")
    for p in parts:
        if not isinstance(p, str) or not p:
            raise ValueError(f"{name} must hold non-empty GPU model names; got {value!r}")
    return tuple(sorted(set(parts)))


@dataclass(frozen=True)
class Demand:
    """What one task needs on one node.

    ``cpu_milli`` (1000 = one core), ``memory_mib``, ``num_gpu`` whole or shared GPUs and
    ``gpu_milli`` per GPU (1..1000; values below 1000 share one GPU, as in the Alibaba trace).
    ``gpu_models`` restricts the GPU model (empty = any model). ``gpu_milli`` is 0 when
    ``num_gpu`` is 0.

    >>> Demand(num_gpu=2, gpu_milli=500)
    Traceback (most recent call last):
    ...
    ValueError: gpu_milli must be 1000 (whole GPUs) when num_gpu > 1 (GPU sharing is single-GPU only, as in the Alibaba trace); got 500 with num_gpu=2
    """

    cpu_milli: int = 0
    memory_mib: int = 0
    num_gpu: int = 0
    gpu_milli: int = MILLI
    gpu_models: tuple[str, ...] = ()

    def __post_init__(self):
        cpu = check_int("cpu_milli", self.cpu_milli, low=0, high=10**9)
        mem = check_int("memory_mib", self.memory_mib, low=0, high=10**12)
        k = check_int("num_gpu", self.num_gpu, low=0, high=1024)
        g = check_int("gpu_milli", self.gpu_milli, low=0, high=MILLI)
        if k == 0:
            g = 0
        elif g == 0:
            raise ValueError(f"gpu_milli must be in [1, 1000] when num_gpu > 0; got 0 with num_gpu={k}")
        elif k > 1 and g != MILLI:
            raise ValueError("gpu_milli must be 1000 (whole GPUs) when num_gpu > 1 (GPU sharing is "
                             f"single-GPU only, as in the Alibaba trace); got {g} with num_gpu={k}")
        object.__setattr__(self, "cpu_milli", cpu)
        object.__setattr__(self, "memory_mib", mem)
        object.__setattr__(self, "num_gpu", k)
        object.__setattr__(self, "gpu_milli", g)
        object.__setattr__(self, "gpu_models", _models(self.gpu_models, "gpu_models"))

    @property
    def total_gpu_milli(self) -> int:
        """GPU thousandths the task holds: ``num_gpu · gpu_milli``."""
        return self.num_gpu * self.gpu_milli

    @property
    def is_gpu_share(self) -> bool:
        """True for a fraction of one GPU (``num_gpu == 1`` and ``gpu_milli < 1000``)."""
        return self.num_gpu == 1 and self.gpu_milli < MILLI

    def affinity(self) -> str:
        """The trace simulator's GPU-affinity tag: ``no-gpu``, ``share-gpu`` or ``<k>-gpu``."""
        if self.num_gpu == 0:
            return "no-gpu"
        return "share-gpu" if self.is_gpu_share else f"{self.num_gpu}-gpu"


@dataclass(frozen=True)
class Job:
    """One job: a gang of ``gang_size`` identical tasks, each needing ``demand`` on one node.

    ``arrival_s`` and ``duration_s`` in seconds; ``priority`` (higher runs first under the
    ``priority`` policy and may preempt lower ones); ``user`` (fair share, DRF, lottery) and
    ``queue`` (hierarchical queues); ``sla_wait_s``: the longest acceptable wait before it starts
    (``inf`` = no SLA).
    """

    name: str
    arrival_s: float
    duration_s: float
    demand: Demand = field(default_factory=Demand)
    gang_size: int = 1
    priority: int = 0
    user: str = "default"
    queue: str = "default"
    sla_wait_s: float = math.inf

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string; got {self.name!r}")
        object.__setattr__(self, "arrival_s", check_number("arrival_s", self.arrival_s, low=0))
        object.__setattr__(self, "duration_s",
                           check_number("duration_s", self.duration_s, low=0, low_inclusive=False))
        if not isinstance(self.demand, Demand):
            raise ValueError(f"demand must be a Demand; got {self.demand!r}")
        object.__setattr__(self, "gang_size", check_int("gang_size", self.gang_size, low=1, high=100_000))
        object.__setattr__(self, "priority", check_int("priority", self.priority, low=-10**9, high=10**9))
        for attr in ("user", "queue"):
            v = getattr(self, attr)
            if not isinstance(v, str) or not v:
                raise ValueError(f"{attr} must be a non-empty string; got {v!r}")
        sla = self.sla_wait_s
        if isinstance(sla, numbers.Real) and not isinstance(sla, bool) and sla == math.inf:
            object.__setattr__(self, "sla_wait_s", math.inf)
        else:
            object.__setattr__(self, "sla_wait_s", check_number("sla_wait_s", sla, low=0))

    @property
    def total_gpus(self) -> float:
        """GPUs the whole gang holds (fractions for shared GPUs)."""
        return self.gang_size * self.demand.total_gpu_milli / MILLI


def _as_array(name: str, values, n: int, dtype, *, low=None, high=None, low_inclusive=True) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float if dtype is float else np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric; got {values!r:.80}") from None
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must have one value per job ({n}); got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if name == "sla_wait_s":
        bad &= ~np.isposinf(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} must be finite; got {arr[i]!r} at job {i}")
    if low is not None:
        under = arr < low if low_inclusive else arr <= low
        if under.any():
            i = int(np.flatnonzero(under)[0])
            rng = f">= {low:g}" if low_inclusive else f"> {low:g}"
            raise ValueError(f"{name} must be {rng}; got {arr[i]:g} at job {i}")
    if high is not None and (arr > high).any():
        i = int(np.flatnonzero(arr > high)[0])
        raise ValueError(f"{name} must be <= {high:g}; got {arr[i]:g} at job {i}")
    if dtype is int:
        if not np.all(arr == np.floor(arr)):
            i = int(np.flatnonzero(arr != np.floor(arr))[0])
            raise ValueError(f"{name} must be integers; got {arr[i]!r} at job {i}")
        return arr.astype(np.int64)
    return arr.astype(np.float64)


@dataclass(frozen=True, eq=False)
class Workload:
    """Jobs as parallel numpy arrays (index ``i`` is job ``i``); validated on construction.

    Build it with :meth:`from_jobs`, :func:`synthetic_workload` or
    :func:`course_kit.scheduling.traces.philly_workload`. Arrays: ``arrival_s``, ``duration_s``,
    ``cpu_milli``, ``memory_mib``, ``num_gpu``, ``gpu_milli`` (per task), ``gang_size``,
    ``priority``, ``sla_wait_s``; ``names``, ``users``, ``queues`` are tuples of strings and
    ``gpu_models`` a tuple of model tuples (empty = any).
    """

    names: tuple[str, ...]
    arrival_s: np.ndarray
    duration_s: np.ndarray
    cpu_milli: np.ndarray
    memory_mib: np.ndarray
    num_gpu: np.ndarray
    gpu_milli: np.ndarray
    gang_size: np.ndarray
    priority: np.ndarray
    users: tuple[str, ...]
    queues: tuple[str, ...]
    sla_wait_s: np.ndarray
    gpu_models: tuple[tuple[str, ...], ...]

    def __post_init__(self):
        if isinstance(self.names, str) or not hasattr(self.names, "__iter__"):
            raise ValueError(f"names must be a sequence of job names; got {self.names!r}")
        names = tuple(self.names)
        if not all(isinstance(x, str) and x for x in names):
            raise ValueError("names must be non-empty strings")
        n = len(names)
        if n == 0:
            raise ValueError("workload must hold at least one job; got 0 jobs")
        if len(set(names)) != n:
            raise ValueError("names must be unique (one name per job); got duplicates")
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "arrival_s", _as_array("arrival_s", self.arrival_s, n, float, low=0))
        object.__setattr__(self, "duration_s",
                           _as_array("duration_s", self.duration_s, n, float, low=0, low_inclusive=False))
        object.__setattr__(self, "cpu_milli", _as_array("cpu_milli", self.cpu_milli, n, int, low=0, high=1e9))
        object.__setattr__(self, "memory_mib", _as_array("memory_mib", self.memory_mib, n, int, low=0, high=1e12))
        k = _as_array("num_gpu", self.num_gpu, n, int, low=0, high=1024)
        g = _as_array("gpu_milli", self.gpu_milli, n, int, low=0, high=MILLI)
        g = np.where(k == 0, 0, g)
        if ((k > 0) & (g == 0)).any():
            i = int(np.flatnonzero((k > 0) & (g == 0))[0])
            raise ValueError(f"gpu_milli must be in [1, 1000] when num_gpu > 0; got 0 at job {i}")
        if ((k > 1) & (g != MILLI)).any():
            i = int(np.flatnonzero((k > 1) & (g != MILLI))[0])
            raise ValueError(f"gpu_milli must be 1000 (whole GPUs) when num_gpu > 1; got {g[i]} at job {i}")
        object.__setattr__(self, "num_gpu", k)
        object.__setattr__(self, "gpu_milli", g)
        object.__setattr__(self, "gang_size", _as_array("gang_size", self.gang_size, n, int, low=1, high=100_000))
        object.__setattr__(self, "priority", _as_array("priority", self.priority, n, int, low=-1e9, high=1e9))
        object.__setattr__(self, "sla_wait_s", _as_array("sla_wait_s", self.sla_wait_s, n, float, low=0))
        for attr in ("users", "queues"):
            v = getattr(self, attr)
            v = (v,) * n if isinstance(v, str) else tuple(v)
            if len(v) != n or not all(isinstance(s, str) and s for s in v):
                raise ValueError(f"{attr} must hold one non-empty string per job ({n})")
            object.__setattr__(self, attr, v)
        models = self.gpu_models
        models = ((),) * n if models in ((), None) else tuple(_models(m, "gpu_models") for m in models)
        if len(models) != n:
            raise ValueError(f"gpu_models must hold one entry per job ({n}); got {len(models)}")
        object.__setattr__(self, "gpu_models", models)
        for arr in (self.arrival_s, self.duration_s, self.cpu_milli, self.memory_mib, self.num_gpu,
                    self.gpu_milli, self.gang_size, self.priority, self.sla_wait_s):
            arr.setflags(write=False)

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def from_jobs(cls, jobs: Sequence[Job]) -> Workload:
        """Pack a list of :class:`Job` objects."""
        jobs = list(jobs)
        if not jobs or not all(isinstance(j, Job) for j in jobs):
            raise ValueError("jobs must be a non-empty list of Job objects")
        return cls(
            names=tuple(j.name for j in jobs),
            arrival_s=np.asarray([j.arrival_s for j in jobs]), duration_s=np.asarray([j.duration_s for j in jobs]),
            cpu_milli=np.asarray([j.demand.cpu_milli for j in jobs]),
            memory_mib=np.asarray([j.demand.memory_mib for j in jobs]),
            num_gpu=np.asarray([j.demand.num_gpu for j in jobs]),
            gpu_milli=np.asarray([j.demand.gpu_milli for j in jobs]),
            gang_size=np.asarray([j.gang_size for j in jobs]), priority=np.asarray([j.priority for j in jobs]),
            users=tuple(j.user for j in jobs), queues=tuple(j.queue for j in jobs),
            sla_wait_s=np.asarray([j.sla_wait_s for j in jobs]),
            gpu_models=tuple(j.demand.gpu_models for j in jobs))

    def demand(self, i: int) -> Demand:
        """The per-task :class:`Demand` of job ``i``."""
        return Demand(int(self.cpu_milli[i]), int(self.memory_mib[i]), int(self.num_gpu[i]),
                      int(self.gpu_milli[i]) if self.num_gpu[i] else MILLI, self.gpu_models[i])

    def job(self, i: int) -> Job:
        """Job ``i`` as a frozen :class:`Job`."""
        i = check_int("i", i, low=0, high=len(self) - 1)
        return Job(self.names[i], float(self.arrival_s[i]), float(self.duration_s[i]), self.demand(i),
                   int(self.gang_size[i]), int(self.priority[i]), self.users[i], self.queues[i],
                   float(self.sla_wait_s[i]))

    def jobs(self) -> list[Job]:
        return [self.job(i) for i in range(len(self))]

    @property
    def total_gpus(self) -> np.ndarray:
        """GPUs per job (whole gang): ``gang_size · num_gpu · gpu_milli / 1000``."""
        return self.gang_size * self.num_gpu * self.gpu_milli / MILLI

    def subset(self, index) -> Workload:
        """The jobs selected by ``index`` (a slice, boolean mask or index array), in that order."""
        idx = np.arange(len(self))[index]
        if idx.size == 0:
            raise ValueError("index must select at least one job")
        pick = lambda seq: tuple(seq[i] for i in idx)  # noqa: E731
        return Workload(pick(self.names), self.arrival_s[idx], self.duration_s[idx], self.cpu_milli[idx],
                        self.memory_mib[idx], self.num_gpu[idx], self.gpu_milli[idx], self.gang_size[idx],
                        self.priority[idx], pick(self.users), pick(self.queues), self.sla_wait_s[idx],
                        pick(self.gpu_models))

    def to_frame(self):
        """A pandas DataFrame, one row per job."""
        import pandas as pd

        return pd.DataFrame({
            "name": self.names, "arrival_s": self.arrival_s, "duration_s": self.duration_s,
            "gang_size": self.gang_size, "num_gpu": self.num_gpu, "gpu_milli": self.gpu_milli,
            "cpu_milli": self.cpu_milli, "memory_mib": self.memory_mib, "total_gpus": self.total_gpus,
            "priority": self.priority, "user": self.users, "queue": self.queues,
            "sla_wait_s": self.sla_wait_s})


#: Job classes of the synthetic mix: (num_gpu, gpu_milli, gang_size, cpu_milli per task,
#: memory_mib per task, median duration in hours). Illustrative shapes (not measured): a shared
#: inference replica, a 1-GPU and a 4-GPU training job, and an 8-GPU-per-node distributed job.
JOB_CLASSES: dict[str, tuple[int, int, int, int, int, float]] = {
    "inference": (1, 500, 1, 4_000, 16_384, 1.0),
    "single": (1, MILLI, 1, 8_000, 32_768, 2.0),
    "multi": (4, MILLI, 1, 32_000, 131_072, 4.0),
    "distributed": (8, MILLI, 2, 64_000, 262_144, 6.0),
}


def synthetic_workload(
    n_jobs: int = 60,
    *,
    mix: Mapping[str, float] | None = None,
    arrival_rate_per_h: float = 12.0,
    users: Sequence[str] = ("alice", "bob", "carol", "dave"),
    queues: Sequence[str] = ("ml_serving", "batch_inference", "model_training", "experimentation",
                             "best_effort"),
    duration_sigma: float = 0.8,
    seed: int = 0,
) -> Workload:
    """A seeded synthetic job mix: Poisson arrivals, log-normal run times, classes from ``mix``.

    ``mix`` maps :data:`JOB_CLASSES` names to weights (default: inference 0.3, single 0.35,
    multi 0.25, distributed 0.1). Arrival gaps are exponential with rate ``arrival_rate_per_h``;
    a job of class *c* runs ``median_c · exp(duration_sigma · Z)`` hours (Z standard normal).
    Users and queues are drawn uniformly; priority follows the queue
    (:data:`COURSE_TEXT_QUEUE_PRIORITY`, else 0). Illustrative, not a measured distribution.

    >>> wl = synthetic_workload(20, seed=1)
    >>> len(wl), bool((wl.arrival_s[1:] >= wl.arrival_s[:-1]).all())
    (20, True)
    """
    n = check_int("n_jobs", n_jobs, low=1, high=1_000_000)
    rate = check_number("arrival_rate_per_h", arrival_rate_per_h, low=0, low_inclusive=False, high=1e6)
    sigma = check_number("duration_sigma", duration_sigma, low=0, high=5)
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    mix = dict(mix) if mix is not None else {"inference": 0.3, "single": 0.35, "multi": 0.25,
                                             "distributed": 0.1}
    if not mix:
        raise ValueError("mix must name at least one job class")
    for k, v in mix.items():
        if k not in JOB_CLASSES:
            raise ValueError(f"mix keys must be among {sorted(JOB_CLASSES)}; got {k!r}")
        check_number(f"mix[{k!r}]", v, low=0)
    weights = np.array(list(mix.values()), dtype=float)
    if weights.sum() <= 0:
        raise ValueError("mix weights must not all be zero")
    users, queues = list(users), list(queues)
    if not users or not queues:
        raise ValueError("users and queues must be non-empty")
    rng = np.random.default_rng(seed)
    classes = list(mix)
    cls_idx = rng.choice(len(classes), size=n, p=weights / weights.sum())
    arrivals = np.cumsum(rng.exponential(3600.0 / rate, size=n))
    arrivals -= arrivals[0]
    spec = np.array([JOB_CLASSES[classes[c]] for c in cls_idx], dtype=float)
    dur = spec[:, 5] * 3600.0 * np.exp(sigma * rng.standard_normal(n))
    user = [users[i] for i in rng.integers(len(users), size=n)]
    queue = [queues[i] for i in rng.integers(len(queues), size=n)]
    prio = [COURSE_TEXT_QUEUE_PRIORITY.get(q, 0) for q in queue]
    return Workload(
        names=tuple(f"{classes[c]}-{i:03d}" for i, c in enumerate(cls_idx)),
        arrival_s=np.round(arrivals, 3), duration_s=np.maximum(np.round(dur, 3), 1.0),
        cpu_milli=spec[:, 3], memory_mib=spec[:, 4], num_gpu=spec[:, 0], gpu_milli=spec[:, 1],
        gang_size=spec[:, 2], priority=np.asarray(prio), users=tuple(user), queues=tuple(queue),
        sla_wait_s=np.full(n, np.inf), gpu_models=())
