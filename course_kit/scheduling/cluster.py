"""Clusters of nodes with multi-dimensional capacity, and the mutable state a simulation updates.

A :class:`Node` has CPU (milli-cores), memory (MiB) and ``gpus`` GPUs of one ``gpu_model``. A
:class:`Cluster` is an immutable tuple of nodes **sorted by name**: node index order is the
tie-break order of every placement policy (equal scores go to the lexicographically smallest node
name, as in the FGD authors' patched kube-scheduler, docs/sources.md#fgd-protocol).

:class:`ClusterState` holds what is free: ``cpu_free``, ``mem_free`` and, per GPU, the free
thousandths ``gpu_free[n, g]`` (1000 = an idle GPU; a GPU can be shared in fractions, as in the
Alibaba trace). It keeps per-node aggregates (``n_full``: idle GPUs, ``max_free``, ``gpu_free_total``)
so that feasibility is a few vector comparisons, and a ``version`` counter per node that policies
use to cache scores. ``allocate``/``release`` refuse anything that would over-allocate a dimension.

>>> c = Cluster.homogeneous(2, gpus_per_node=4, cpu_milli=32_000, memory_mib=65_536)
>>> s = c.state()
>>> from course_kit.scheduling.jobs import Demand
>>> d = Demand(cpu_milli=8000, memory_mib=1024, num_gpu=1, gpu_milli=500)
>>> s.feasible(d).tolist()
[True, True]
>>> s.allocate(0, d, (0,)); s.gpu_free[0].tolist(), int(s.cpu_free[0])
([500, 1000, 1000, 1000], 24000)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from course_kit._validate import check_int
from course_kit.scheduling.jobs import MILLI, Demand

__all__ = ["Node", "Cluster", "ClusterState", "Placement", "InvariantError"]

#: Node versions are unique across all states (copies included), so a (node, version) pair always
#: names one content: policies cache scores by it.
_VERSION = itertools.count(1)


class InvariantError(RuntimeError):
    """The scheduler's bookkeeping is inconsistent (a node over-allocated, totals drifted): a bug in
    a policy or the simulator, never a consequence of bad input (that is a ``ValueError``)."""


@dataclass(frozen=True)
class Node:
    """One machine: ``cpu_milli`` (1000 = a core), ``memory_mib``, ``gpus`` GPUs of ``gpu_model``."""

    name: str
    cpu_milli: int
    memory_mib: int
    gpus: int = 0
    gpu_model: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string; got {self.name!r}")
        object.__setattr__(self, "cpu_milli", check_int("cpu_milli", self.cpu_milli, low=0, high=10**9))
        object.__setattr__(self, "memory_mib", check_int("memory_mib", self.memory_mib, low=0, high=10**12))
        object.__setattr__(self, "gpus", check_int("gpus", self.gpus, low=0, high=64))
        model = self.gpu_model if self.gpu_model is not None else ""
        if not isinstance(model, str):
            raise ValueError(f"gpu_model must be a string; got {self.gpu_model!r}")
        if self.gpus == 0 and model:
            model = ""
        if self.gpus > 0 and not model:
            model = "GPU"
        object.__setattr__(self, "gpu_model", model)


@dataclass(frozen=True)
class Placement:
    """Where one task goes: node index and the GPU indices it uses on that node."""

    node: int
    gpus: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class Cluster:
    """An immutable set of nodes, kept sorted by name (the placement tie-break order).

    >>> Cluster.homogeneous(3, gpus_per_node=8).total_gpus
    24
    """

    nodes: tuple[Node, ...]

    def __post_init__(self):
        nodes = tuple(self.nodes)
        if not nodes or not all(isinstance(n, Node) for n in nodes):
            raise ValueError("nodes must be a non-empty sequence of Node objects")
        names = [n.name for n in nodes]
        if len(set(names)) != len(names):
            raise ValueError("nodes must have unique names")
        object.__setattr__(self, "nodes", tuple(sorted(nodes, key=lambda n: n.name)))

    def __len__(self) -> int:
        return len(self.nodes)

    @classmethod
    def homogeneous(cls, n_nodes: int, *, gpus_per_node: int = 8, cpu_milli: int = 96_000,
                    memory_mib: int = 786_432, gpu_model: str = "GPU", prefix: str = "node") -> Cluster:
        """``n_nodes`` identical nodes named ``{prefix}-000``, ``{prefix}-001``, ...

        Defaults: 8 GPUs, 96 cores and 768 GiB per node (an 8-GPU server of the openb trace's most
        common shape, G2: 96 cores, 384 GiB; memory doubled so it rarely binds).
        """
        n = check_int("n_nodes", n_nodes, low=1, high=100_000)
        width = max(3, len(str(n - 1)))
        return cls(tuple(Node(f"{prefix}-{i:0{width}d}", cpu_milli, memory_mib, gpus_per_node,
                              gpu_model if gpus_per_node else "") for i in range(n)))

    @classmethod
    def from_frame(cls, frame) -> Cluster:
        """From a node table with columns ``name`` (or ``sn``), ``cpu_milli``, ``memory_mib``,
        ``gpu`` (or ``gpus``), ``model`` (see :func:`course_kit.scheduling.traces.load_openb`)."""
        cols = set(frame.columns)
        name_col = "name" if "name" in cols else "sn"
        gpu_col = "gpu" if "gpu" in cols else "gpus"
        model_col = "model" if "model" in cols else "gpu_model"
        nodes = [Node(str(r[0]), int(r[1]), int(r[2]), int(r[3]), str(r[4]) if isinstance(r[4], str) else "")
                 for r in frame[[name_col, "cpu_milli", "memory_mib", gpu_col, model_col]].itertuples(index=False)]
        return cls(tuple(nodes))

    def renamed(self, names: Sequence[str]) -> Cluster:
        """The same nodes under new names (given in the current order); re-sorted by the new names."""
        names = list(names)
        if len(names) != len(self.nodes):
            raise ValueError(f"names must hold {len(self.nodes)} names; got {len(names)}")
        return Cluster(tuple(Node(nm, n.cpu_milli, n.memory_mib, n.gpus, n.gpu_model)
                             for nm, n in zip(names, self.nodes)))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    @property
    def total_gpus(self) -> int:
        return sum(n.gpus for n in self.nodes)

    @property
    def total_cpu_milli(self) -> int:
        return sum(n.cpu_milli for n in self.nodes)

    @property
    def total_memory_mib(self) -> int:
        return sum(n.memory_mib for n in self.nodes)

    @property
    def max_gpus_per_node(self) -> int:
        return max(n.gpus for n in self.nodes)

    @property
    def gpu_models(self) -> tuple[str, ...]:
        """Distinct GPU models, sorted (CPU-only nodes have model ``""``, not listed)."""
        return tuple(sorted({n.gpu_model for n in self.nodes if n.gpu_model}))

    def capacity(self) -> dict[str, int]:
        """Cluster totals: ``{"cpu_milli": ..., "memory_mib": ..., "gpu": ...}``."""
        return {"cpu_milli": self.total_cpu_milli, "memory_mib": self.total_memory_mib,
                "gpu": self.total_gpus}

    def fits_empty(self, demand: Demand) -> bool:
        """Whether one task of ``demand`` fits at least one *empty* node."""
        for n in self.nodes:
            if (n.cpu_milli >= demand.cpu_milli and n.memory_mib >= demand.memory_mib
                    and n.gpus >= demand.num_gpu
                    and (not demand.num_gpu or not demand.gpu_models or n.gpu_model in demand.gpu_models)):
                return True
        return False

    def max_tasks_empty(self, demand: Demand) -> int:
        """How many tasks of ``demand`` an empty cluster holds (an upper bound for a gang)."""
        total = 0
        for n in self.nodes:
            if demand.num_gpu and demand.gpu_models and n.gpu_model not in demand.gpu_models:
                continue
            per = []
            if demand.cpu_milli:
                per.append(n.cpu_milli // demand.cpu_milli)
            if demand.memory_mib:
                per.append(n.memory_mib // demand.memory_mib)
            if demand.num_gpu:
                per.append(n.gpus * (MILLI // demand.gpu_milli) if demand.is_gpu_share
                           else n.gpus // demand.num_gpu)
            total += min(per) if per else 10**9
        return total

    def state(self) -> ClusterState:
        """A fresh, empty :class:`ClusterState`."""
        return ClusterState(self)


class ClusterState:
    """Free capacity of every node, updated by :meth:`allocate` and :meth:`release` (mutable).

    Arrays (index = node, in :attr:`Cluster.nodes` order): ``cpu_free``, ``mem_free``,
    ``gpu_free`` (``(n_nodes, max_gpus)``, thousandths free per GPU, 0 for absent GPU slots),
    ``n_gpus``, ``model`` (index into :attr:`models`, -1 = no GPU), aggregates ``n_full`` (idle
    GPUs), ``max_free``, ``gpu_free_total`` and ``version`` (bumped on every change of a node).
    ``affinity[n, t]`` counts the GPU tasks on node *n* by tag (t = 0 shared, t = k k-GPU) for the
    clustering policy.
    """

    def __init__(self, cluster: Cluster):
        if not isinstance(cluster, Cluster):
            raise ValueError(f"cluster must be a Cluster; got {type(cluster).__name__}")
        self.cluster = cluster
        nodes = cluster.nodes
        n = len(nodes)
        g = max(1, cluster.max_gpus_per_node)
        self.models: tuple[str, ...] = cluster.gpu_models
        midx = {m: i for i, m in enumerate(self.models)}
        self.n_gpus = np.array([nd.gpus for nd in nodes], dtype=np.int64)
        self.cpu_cap = np.array([nd.cpu_milli for nd in nodes], dtype=np.int64)
        self.mem_cap = np.array([nd.memory_mib for nd in nodes], dtype=np.int64)
        self.model = np.array([midx.get(nd.gpu_model, -1) for nd in nodes], dtype=np.int64)
        self.gpu_exists = np.arange(g)[None, :] < self.n_gpus[:, None]
        self.cpu_free = self.cpu_cap.copy()
        self.mem_free = self.mem_cap.copy()
        self.gpu_free = np.where(self.gpu_exists, MILLI, 0).astype(np.int64)
        self.n_full = self.n_gpus.copy()
        self.max_free = np.where(self.n_gpus > 0, MILLI, 0).astype(np.int64)
        self.gpu_free_total = self.n_gpus * MILLI
        self.version = np.array([next(_VERSION) for _ in range(n)], dtype=np.int64)
        self.affinity = np.zeros((n, g + 1), dtype=np.int64)
        self.n_affinity = np.zeros(n, dtype=np.int64)
        self._model_ok: dict[tuple[str, ...], np.ndarray] = {}

    # ----------------------------------------------------------------------------- queries
    @property
    def n_nodes(self) -> int:
        return len(self.cpu_free)

    @property
    def names(self) -> tuple[str, ...]:
        return self.cluster.names

    def model_ok(self, models: tuple[str, ...]) -> np.ndarray | None:
        """Boolean mask of nodes whose GPU model is in ``models`` (None = any model)."""
        if not models:
            return None
        mask = self._model_ok.get(models)
        if mask is None:
            allowed = [i for i, m in enumerate(self.models) if m in models]
            mask = np.isin(self.model, allowed)
            self._model_ok[models] = mask
        return mask

    def feasible(self, d: Demand) -> np.ndarray:
        """Boolean mask of nodes where one task of ``d`` fits now (CPU, memory, GPUs, GPU model)."""
        mask = None
        if d.num_gpu:
            mask = (self.n_full >= d.num_gpu) if d.gpu_milli >= MILLI else (self.max_free >= d.gpu_milli)
            ok = self.model_ok(d.gpu_models)
            if ok is not None:
                mask &= ok
        if d.cpu_milli or mask is None:
            m = self.cpu_free >= d.cpu_milli
            mask = m if mask is None else mask & m
        if d.memory_mib:
            mask &= self.mem_free >= d.memory_mib
        return mask

    def fits(self, node: int, d: Demand) -> bool:
        """Whether one task of ``d`` fits node ``node`` now."""
        if self.cpu_free[node] < d.cpu_milli or self.mem_free[node] < d.memory_mib:
            return False
        if not d.num_gpu:
            return True
        ok = self.model_ok(d.gpu_models)
        if ok is not None and not ok[node]:
            return False
        if d.gpu_milli >= MILLI:
            return bool(self.n_full[node] >= d.num_gpu)
        return bool(self.max_free[node] >= d.gpu_milli)

    def used(self) -> dict[str, float]:
        """Allocated totals: CPU milli, memory MiB and GPUs (fractions count)."""
        return {"cpu_milli": float(self.cpu_cap.sum() - self.cpu_free.sum()),
                "memory_mib": float(self.mem_cap.sum() - self.mem_free.sum()),
                "gpu": float(self.n_gpus.sum() * MILLI - self.gpu_free_total.sum()) / MILLI}

    def copy(self) -> ClusterState:
        other = object.__new__(ClusterState)
        for k, v in self.__dict__.items():
            setattr(other, k, v.copy() if isinstance(v, np.ndarray) else v)
        other._model_ok = self._model_ok
        return other

    # ----------------------------------------------------------------------------- updates
    def _refresh(self, node: int) -> None:
        row = self.gpu_free[node].tolist()
        self.n_full[node] = row.count(MILLI)
        self.max_free[node] = max(row)
        self.gpu_free_total[node] = sum(row)
        self.version[node] = next(_VERSION)

    def _apply(self, node: int, d: Demand, gpus: tuple[int, ...], sign: int) -> None:
        """Unchecked allocate (sign=-1) or release (sign=+1); callers have checked feasibility."""
        if d.cpu_milli:
            self.cpu_free[node] += sign * d.cpu_milli
        if d.memory_mib:
            self.mem_free[node] += sign * d.memory_mib
        if not gpus:
            self.version[node] = next(_VERSION)
            return
        if len(gpus) == 1:
            self.gpu_free[node, gpus[0]] += sign * d.gpu_milli
        else:
            self.gpu_free[node, list(gpus)] += sign * d.gpu_milli
        t = 0 if d.gpu_milli < MILLI else d.num_gpu
        aff = self.affinity
        a = int(aff[node, t])
        if sign < 0:
            if a == 0:
                self.n_affinity[node] += 1
            aff[node, t] = a + 1
        else:
            if a == 1:
                self.n_affinity[node] -= 1
            aff[node, t] = a - 1
        self._refresh(node)

    def take(self, p: Placement, d: Demand) -> None:
        """Take one task of ``d`` at placement ``p``, unchecked: for callers whose placement came
        from a placement policy's ``select`` on this very state (the simulator, the replay), where
        :meth:`allocate`'s checks would only repeat what ``select`` established. Use
        :meth:`allocate` for anything else; :meth:`check_invariants` verifies after the fact."""
        self._apply(p.node, d, p.gpus, -1)

    def give(self, p: Placement, d: Demand) -> None:
        """Give back one task of ``d`` taken with :meth:`take` at ``p`` (unchecked; see :meth:`release`)."""
        self._apply(p.node, d, p.gpus, 1)

    def allocate(self, node: int, d: Demand, gpus: Iterable[int]) -> None:
        """Take one task of ``d`` on ``node`` using GPU indices ``gpus``.

        Raises ``ValueError`` (and changes nothing) if any dimension would go below zero, the
        GPU indices are wrong for the demand, or the GPU model is not allowed.
        """
        if not isinstance(d, Demand):
            raise ValueError(f"d must be a Demand; got {d!r}")
        gpus = tuple(int(x) for x in gpus)
        node = check_int("node", node, low=0, high=self.n_nodes - 1)
        if len(gpus) != d.num_gpu or len(set(gpus)) != len(gpus):
            raise ValueError(f"gpus must list {d.num_gpu} distinct GPU indices; got {gpus}")
        if self.cpu_free[node] < d.cpu_milli or self.mem_free[node] < d.memory_mib:
            raise ValueError(f"node {self.names[node]} lacks CPU or memory for {d}")
        ok = self.model_ok(d.gpu_models) if d.num_gpu else None
        if ok is not None and not ok[node]:
            raise ValueError(f"node {self.names[node]} has a GPU model not in {d.gpu_models}")
        for g in gpus:
            if not (0 <= g < self.n_gpus[node]) or self.gpu_free[node, g] < d.gpu_milli:
                raise ValueError(f"GPU {g} of node {self.names[node]} cannot take {d.gpu_milli} milli")
        self._apply(node, d, gpus, -1)

    def release(self, node: int, d: Demand, gpus: Iterable[int]) -> None:
        """Give back one task of ``d`` taken on ``node`` with ``gpus`` (inverse of :meth:`allocate`)."""
        if not isinstance(d, Demand):
            raise ValueError(f"d must be a Demand; got {d!r}")
        gpus = tuple(int(x) for x in gpus)
        node = check_int("node", node, low=0, high=self.n_nodes - 1)
        if len(gpus) != d.num_gpu or len(set(gpus)) != len(gpus):
            raise ValueError(f"gpus must list {d.num_gpu} distinct GPU indices; got {gpus}")
        if (self.cpu_free[node] + d.cpu_milli > self.cpu_cap[node]
                or self.mem_free[node] + d.memory_mib > self.mem_cap[node]
                or any(not (0 <= g < self.n_gpus[node]) or self.gpu_free[node, g] + d.gpu_milli > MILLI
                       for g in gpus)):
            raise ValueError(f"release of {d} on node {self.names[node]} exceeds its capacity")
        t = 0 if d.gpu_milli < MILLI else d.num_gpu
        if gpus and self.affinity[node, t] <= 0:
            raise ValueError(f"node {self.names[node]} holds no task of this GPU shape to release")
        self._apply(node, d, gpus, 1)

    def check_invariants(self) -> None:
        """Raise :class:`InvariantError` if any dimension of any node is over-allocated or the
        aggregates disagree with the per-GPU table."""
        checks = (
            ((self.cpu_free >= 0).all() and (self.cpu_free <= self.cpu_cap).all(), "CPU over-allocated"),
            ((self.mem_free >= 0).all() and (self.mem_free <= self.mem_cap).all(), "memory over-allocated"),
            ((self.gpu_free >= 0).all() and (self.gpu_free <= MILLI).all(), "GPU over-allocated"),
            ((self.gpu_free[~self.gpu_exists] == 0).all(), "absent GPU slot used"),
            ((self.n_full == (self.gpu_free == MILLI).sum(1)).all(), "idle-GPU counts disagree with the GPU table"),
            ((self.gpu_free_total == self.gpu_free.sum(1)).all(), "free GPU totals disagree with the GPU table"),
        )
        for ok, what in checks:
            if not ok:
                bad = ", ".join(self.names[i] for i in self._inconsistent_nodes()[:5])
                raise InvariantError(f"cluster state: {what} (nodes: {bad or 'see the GPU table'})")

    def _inconsistent_nodes(self) -> list[int]:
        gpu = self.gpu_free
        bad = ((self.cpu_free < 0) | (self.cpu_free > self.cpu_cap) | (self.mem_free < 0)
               | (self.mem_free > self.mem_cap) | (gpu < 0).any(1) | (gpu > MILLI).any(1)
               | (gpu * ~self.gpu_exists != 0).any(1) | (self.n_full != (gpu == MILLI).sum(1))
               | (self.gpu_free_total != gpu.sum(1)))
        return np.flatnonzero(bad).tolist()
