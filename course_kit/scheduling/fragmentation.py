"""GPU fragmentation: the FGD paper's measure (Weng et al., ATC'23) and the course text's formula.

**FGD definition** (docs/sources.md#fgd-protocol; authors' code ``pkg/utils/frag.go``), in milli-GPU. A node *n*
has free CPU ``C_n`` and free thousandths ``R_{n,g}`` per GPU. For a task *m* (CPU ``c_m``, per-GPU
``g_m``, ``k_m`` GPUs, allowed models) the node's fragment is

* ``g_m = 0`` (CPU-only task) or model not allowed: all idle GPU, ``Σ_g R_{n,g}``;
* the node can host *m* (``C_n ≥ c_m`` and ≥ ``k_m`` GPUs with ``R_{n,g} ≥ g_m``): only the GPUs
  too small for it, ``Σ_g R_{n,g}·1[R_{n,g} < g_m]``;
* otherwise (lacks CPU, GPU or both): all idle GPU.

Against a workload *M* of "typical" tasks with popularity ``p_m`` (the most frequent task shapes
covering ≥ 95 % of tasks, renormalised): ``F_n(M) = Σ_m p_m F_n(m)``. Cluster fragment
``F(M) = Σ_n F_n(M)``; **frag ratio** ``= 100·F(M) / Σ_n Σ_g R_{n,g}`` (share of idle GPU that the
typical task cannot use). Memory is not part of the measure.

Equivalent closed form (Σ p_m = 1): ``F_n(M) = Σ_g R_{n,g} − Σ_{m hostable} p_m · Σ_g
R_{n,g}·1[R_{n,g} ≥ g_m]``; the vectorised code (:class:`FragTable`) keeps the authors' order of
floating-point operations instead, so that FGD's integer scores tie exactly where theirs do.

**Course text's formula** (course text §4 ``calculate_fragmentation``; docs/sources.md#erratum-23):
``1 − largest_free_block / total_free`` with the largest *node* as the block. It is the classic
memory-allocator measure; it ignores CPU, memory and task shapes, so a cluster can look
unfragmented while no pending task fits anywhere (see :func:`course_text_fragmentation`).

>>> from course_kit.scheduling.jobs import Demand
>>> # A node with 4 CPUs free and GPUs [1000, 300, 0, 0] free, against a 1-GPU task needing 2 CPUs:
>>> node_task_fragmentation(4000, [1000, 300, 0, 0], "", Demand(2000, 0, 1, 1000))
300.0
>>> # ... against the same task needing 8 CPUs: the node cannot host it, all 1300 idle milli are fragment.
>>> node_task_fragmentation(4000, [1000, 300, 0, 0], "", Demand(8000, 0, 1, 1000))
1300.0
>>> course_text_fragmentation([4, 4, 4, 4])   # 16 free GPUs, largest block 4: "75 % fragmented"
0.75
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from course_kit._validate import check_number
from course_kit.scheduling.jobs import MILLI, Demand

__all__ = ["TypicalPods", "FragTable", "node_task_fragmentation", "node_fragmentation",
           "cluster_fragmentation", "course_text_fragmentation", "unusable_gpu_share"]


@dataclass(frozen=True, eq=False)
class TypicalPods:
    """The typical task shapes of a workload and their popularity (the FGD paper's target workload *M*).

    Arrays, one entry per shape: ``cpu_milli``, ``gpu_milli`` (per GPU, 0 = CPU-only), ``num_gpu``,
    ``popularity`` (sums to 1); ``gpu_models`` (tuple per shape, empty = any model).
    ``coverage`` is the share of tasks the kept shapes account for before renormalisation.
    """

    cpu_milli: np.ndarray
    gpu_milli: np.ndarray
    num_gpu: np.ndarray
    gpu_models: tuple[tuple[str, ...], ...]
    popularity: np.ndarray
    coverage: float

    def __len__(self) -> int:
        return len(self.popularity)

    @classmethod
    def from_arrays(cls, cpu_milli, gpu_milli, num_gpu, gpu_models=None, *,
                    threshold_pct: float = 95.0, weights=None) -> TypicalPods:
        """Rank task shapes by frequency; keep the top ones until they cover ``threshold_pct`` %.

        Follows the authors' ``GetTypicalPods`` (``podPopularityThreshold: 95``, step 1, CPU-only
        tasks included): shapes are sorted by count, ties broken by the larger (CPU, GPU milli,
        GPU count, model list); shapes are added one at a time while the covered count is below
        the threshold; popularities are renormalised to sum to 1. ``weights`` (optional) counts a
        task several times (e.g. a gang's tasks). On the openb default trace: 35 shapes, 95.3 %.
        """
        thr = check_number("threshold_pct", threshold_pct, low=0, low_inclusive=False, high=100)
        cpu = np.asarray(cpu_milli, dtype=np.int64)
        k = np.asarray(num_gpu, dtype=np.int64)
        g = np.where(k > 0, np.asarray(gpu_milli, dtype=np.int64), 0)
        n = len(cpu)
        if n == 0 or len(g) != n or len(k) != n:
            raise ValueError("cpu_milli, gpu_milli and num_gpu must be equal-length and non-empty")
        models = [()] * n if gpu_models is None else [tuple(m) for m in gpu_models]
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        counts: Counter = Counter()
        for key, wi in zip(zip(cpu.tolist(), g.tolist(), k.tolist(), models), w.tolist()):
            counts[key] += wi
        total = float(sum(counts.values()))
        ranked = sorted(counts.items(),
                        key=lambda kv: (kv[1], kv[0][0], kv[0][1], kv[0][2], "|".join(kv[0][3])),
                        reverse=True)
        expected = thr * total / 100.0
        kept, cum = [], 0.0
        for key, c in ranked:
            if cum >= expected:
                break
            kept.append((key, c))
            cum += c
        # the authors' arithmetic, kept bit for bit: (count / total) / (cumulative / total)
        pop = (np.array([c for _, c in kept]) / total) / (cum / total)
        return cls(cpu_milli=np.array([k_[0] for k_, _ in kept], dtype=np.int64),
                   gpu_milli=np.array([k_[1] for k_, _ in kept], dtype=np.int64),
                   num_gpu=np.array([k_[2] for k_, _ in kept], dtype=np.int64),
                   gpu_models=tuple(k_[3] for k_, _ in kept), popularity=pop,
                   coverage=cum / total)

    @classmethod
    def from_demands(cls, demands: Iterable[Demand], *, threshold_pct: float = 95.0,
                     weights=None) -> TypicalPods:
        """Typical shapes of a list of :class:`Demand` (one per task)."""
        ds = list(demands)
        if not ds:
            raise ValueError("demands must not be empty")
        return cls.from_arrays([d.cpu_milli for d in ds], [d.gpu_milli for d in ds],
                               [d.num_gpu for d in ds], [d.gpu_models for d in ds],
                               threshold_pct=threshold_pct, weights=weights)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"cpu_milli": self.cpu_milli, "num_gpu": self.num_gpu,
                             "gpu_milli": self.gpu_milli,
                             "gpu_models": ["|".join(m) for m in self.gpu_models],
                             "popularity": self.popularity})

    def table(self, models: Sequence[str]) -> FragTable:
        """The precomputed table for nodes whose GPU models are ``models`` (index -1 = no GPU)."""
        return FragTable(self, tuple(models))


class FragTable:
    """Typical tasks precomputed against a list of node GPU models, for vectorised ``F_n(M)``.

    The arithmetic follows the authors' ``NodeGpuShareFragAmount`` operation for operation: per
    typical task (in popularity order) ``p_m · (idle or too-small GPU milli)`` is added to one of
    seven categories (Q1 lack both, Q2 lack GPU, Q3 satisfied, Q4 lack CPU, XL, XR, no access),
    then the categories except Q3 are summed in that order. GPU sums are exact integers and the
    float sums run strictly left to right, so a node's value never depends on which other nodes
    share the batch (numpy's pairwise ``sum`` would make FGD's integer scores flip at ties).
    """

    _cats = np.array([0, 1, 3, 4, 5, 6])  # Q1, Q2, Q4, XL, XR, no access (Q3 = 2 is not fragment)

    def __init__(self, typical: TypicalPods, models: tuple[str, ...]):
        self.typical = typical
        self.models = models
        self.p = typical.popularity.astype(float)
        self.c = typical.cpu_milli.astype(np.int64)
        self.k = typical.num_gpu.astype(np.int64)
        self.g = typical.gpu_milli.astype(np.int64)
        self.is_gpu = self.k > 0
        gpu_g = self.g[self.is_gpu]
        self.gvals = np.unique(gpu_g) if gpu_g.size else np.zeros(0, dtype=np.int64)
        self.tidx = np.where(self.is_gpu, np.searchsorted(self.gvals, self.g), 0)
        # access[model_row, m]; the last row (model index -1) is a node without GPUs
        acc = np.ones((len(models) + 1, len(self.p)), dtype=bool)
        for j, allowed in enumerate(typical.gpu_models):
            if allowed and self.is_gpu[j]:
                for r, m in enumerate(models):
                    acc[r, j] = m in allowed
                acc[len(models), j] = False
        self.access = acc
        self.psum = float(self.p.sum())
        # CPU-only tasks get codes 14/15 (their access and GPU tests are always true → 4 + 2 + 8)
        self._cpu_task = np.where(self.is_gpu, 0, 8)[None, :]
        lut = np.full(16, -1)
        lut[[0, 1, 2, 3]] = 6          # no access
        lut[4], lut[5], lut[6], lut[7] = 0, 1, 3, 1   # lack both, lack GPU, lack CPU, Q3 → its Q2 part
        lut[14], lut[15] = 5, 4        # CPU-only task: lacks CPU (XR) / fits (XL)
        self._lut = lut

    def node_frag(self, cpu_free, gpu_free, model) -> np.ndarray:
        """``F_n(M)`` in milli-GPU for a batch: ``cpu_free (B,)``, ``gpu_free (B, G)``, ``model (B,)``."""
        cpu = np.asarray(cpu_free, dtype=np.int64)
        r = np.asarray(gpu_free, dtype=np.int64)
        if r.shape[0] == 0:
            return np.zeros(0)
        total = r.sum(axis=1)                                   # exact (integers)
        cpu_ok = cpu[:, None] >= self.c[None, :]                # (B, M)
        if self.gvals.size:
            ge = r[:, :, None] >= self.gvals[None, None, :]
            small = (r[:, :, None] * ~ge).sum(axis=1)[:, self.tidx]   # Σ R·1[R < g_m], exact
            host = ge.sum(axis=1)[:, self.tidx] >= self.k[None, :]
            # code = 4·access + 2·hostable + cpu_ok (+8 for CPU-only tasks) → category by lookup
            code = self.access[np.asarray(model)] * 4 + host * 2 + cpu_ok + self._cpu_task
            value = np.where(code == 7, small, total[:, None])  # Q3: only the too-small GPUs
        else:
            code = cpu_ok + self._cpu_task
            value = np.broadcast_to(total[:, None], code.shape)
        cat = self._lut[code]
        term = self.p[None, :] * value
        # per category, sum the terms strictly left to right (cumsum), then add the categories
        # in order Q1, Q2, Q4, XL, XR, no access (again left to right)
        parts = np.where(cat[:, None, :] == self._cats[None, :, None], term[:, None, :], 0.0)
        per_cat = np.cumsum(parts, axis=2)[:, :, -1]
        return np.cumsum(per_cat, axis=1)[:, -1]


def node_task_fragmentation(cpu_free_milli: float, gpu_free_milli: Sequence[float], gpu_model: str,
                            demand: Demand) -> float:
    """``F_n(m)``: the node's idle GPU (milli) that task ``demand`` cannot use (FGD definition).

    >>> node_task_fragmentation(8000, [500, 500], "T4", Demand(1000, 0, 1, 600))
    1000.0
    """
    cpu = check_number("cpu_free_milli", cpu_free_milli, low=0)
    r = [check_number("gpu_free_milli", x, low=0, high=MILLI) for x in gpu_free_milli]
    total = float(sum(r))
    if demand.num_gpu == 0:
        return total
    if demand.gpu_models and gpu_model not in demand.gpu_models:
        return total
    fits = sum(1 for x in r if x >= demand.gpu_milli) >= demand.num_gpu and cpu >= demand.cpu_milli
    if not fits:
        return total
    return float(sum(x for x in r if x < demand.gpu_milli))


def node_fragmentation(cpu_free_milli: float, gpu_free_milli: Sequence[float], gpu_model: str,
                       typical: TypicalPods) -> float:
    """``F_n(M) = Σ_m p_m F_n(m)`` for one node (milli-GPU), by the definition (not vectorised)."""
    total = 0.0
    for i in range(len(typical)):
        d = Demand(int(typical.cpu_milli[i]), 0, int(typical.num_gpu[i]),
                   int(typical.gpu_milli[i]) or MILLI, typical.gpu_models[i])
        total += typical.popularity[i] * node_task_fragmentation(cpu_free_milli, gpu_free_milli,
                                                                 gpu_model, d)
    return total


def cluster_fragmentation(state, typical: TypicalPods) -> dict[str, float]:
    """Cluster fragment of a :class:`~course_kit.scheduling.cluster.ClusterState`.

    Returns ``frag_milli`` (``F(M)``), ``frag_ratio_pct`` (``100·F(M)/idle GPU``; 0 when nothing is
    idle), ``frag_pct_of_capacity`` (``100·F(M)/(1000·total GPUs)``, Fig. 7(b) of the paper),
    ``idle_gpu_milli`` and ``course_text_fragmentation`` (the course text's formula on the same state).
    """
    table = typical.table(state.models)
    f = table.node_frag(state.cpu_free, state.gpu_free, state.model)
    frag = float(f.sum())
    idle = float(state.gpu_free_total.sum())
    cap = float(state.n_gpus.sum() * MILLI)
    return {"frag_milli": frag, "frag_ratio_pct": 100.0 * frag / idle if idle else 0.0,
            "frag_pct_of_capacity": 100.0 * frag / cap if cap else 0.0, "idle_gpu_milli": idle,
            "course_text_fragmentation": course_text_fragmentation(state.gpu_free_total / MILLI)}


def course_text_fragmentation(free_per_node: Sequence[float]) -> float:
    """The course text's ``1 − largest_free_block / total_free`` with a node as the block.

    (course text §4 ``BinPackingScheduler.calculate_fragmentation``; 0 when nothing is free.) Erratum 23:
    one number per node hides which *shapes* still fit; use :func:`cluster_fragmentation`.
    """
    free = [check_number("free_per_node", x, low=0) for x in free_per_node]
    total = sum(free)
    return 1.0 - max(free) / total if total > 0 else 0.0


def unusable_gpu_share(state, demand: Demand) -> float:
    """Share of the idle GPU capacity that cannot host one task of ``demand`` (0..1).

    The single-shape version of the FGD measure (docs/sources.md#erratum-23's suggestion: "fraction of
    free GPUs that cannot host the requested job size").
    """
    idle = float(state.gpu_free_total.sum())
    if idle == 0:
        return 0.0
    frag = 0.0
    for n in range(state.n_nodes):
        model = state.models[state.model[n]] if state.model[n] >= 0 else ""
        frag += node_task_fragmentation(int(state.cpu_free[n]), state.gpu_free[n, :state.n_gpus[n]].tolist(),
                                        model, demand)
    return frag / idle
