"""Placement policies: which node (and which GPUs) a task goes to.

Every policy scores the **feasible** nodes (CPU, memory, GPU count, GPU model fit, see
:meth:`ClusterState.feasible <course_kit.scheduling.cluster.ClusterState.feasible>`) and takes the best;
**equal scores go to the lowest node index, i.e. the lexicographically smallest node name** (the FGD
authors' patched ``selectHost``; nodes are kept sorted by name).

Classic bin-packing rules (the course text's ``BinPackingScheduler``):

* ``first_fit`` — the first feasible node;
* ``best_fit`` — the node left with the least free capacity, ``Σ_r w_r·(free_r − req_r)/max_cap_r``
  with weights GPU 1, CPU 10⁻³, memory 10⁻⁶ (GPUs decide, CPU then memory break ties);
* ``worst_fit`` — the node left with the most;
* ``first_fit_decreasing`` — a *batch* rule: sort tasks by size (GPUs, then CPU), largest first,
  then first fit (:func:`place_batch`). FFD(I) ≤ 11/9·OPT(I) + 6/9 and FF(I) ≤ ⌊1.7·OPT(I)⌋
  bins (Dósa 2007; Dósa & Sgall 2013; docs/sources.md#scheduling). :func:`pack_items` is the 1-D textbook version.

The six policies of the FGD paper's evaluation, as implemented in the authors' simulator
(``pkg/simulator/plugin/*.go``; integer scores 0..100 exactly as there, because the truncation creates
the ties that the tie-break resolves):

* ``random`` — a uniformly random feasible node; random GPU for a shared task;
* ``dotprod`` — Tetris-style alignment, ``int(100·(1 − (C/128000·c/128000 + R/8000·g/8000)/2))``,
  C, R the node's free CPU milli and total free GPU milli, c, g the task's (smaller dot product wins);
* ``clustering`` — prefer nodes already running tasks of the same GPU shape: bands 75–100 (only that
  shape), 50–75 (that shape among others), 25–50 (idle node), 0–25 (other shapes), each plus
  ``25·(8000 − R)//8000``; CPU-only tasks score 0;
* ``packing`` — prefer partly used GPUs (score ``max(100 − Σ⌊100·R_g/1000⌋/10, 50)``), then idle GPUs
  on used nodes (``max(50 − k, 33)``), then idle nodes (``max(33 − idle, idle)``);
* ``bestfit`` — ``int(100·(1 − [0.5·(C − c)/128000 + 0.5·(R − g·k)/8000]))``;
* ``fgd`` — Fragmentation Gradient Descent: the node (and, for a shared task, the GPU) minimising
  the increase of the node's expected fragment ``F_n(M)`` (:mod:`~course_kit.scheduling.fragmentation`),
  score ``int(100·sigmoid((F_before − F_after)/1000))``.

All but ``random`` and ``fgd`` pick a shared task's GPU best-fit (the free share closest above the
request); whole-GPU tasks take the lowest-numbered idle GPUs.

>>> from course_kit.scheduling.cluster import Cluster
>>> from course_kit.scheduling.jobs import Demand
>>> s = Cluster.homogeneous(3, gpus_per_node=8).state()
>>> s.allocate(1, Demand(num_gpu=6), range(6))
>>> get_policy("first_fit").select(s, Demand(num_gpu=2)).node, get_policy("best_fit").select(s, Demand(num_gpu=2)).node
(0, 1)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from course_kit._validate import check_choice, check_int, check_number
from course_kit.scheduling.cluster import ClusterState, Placement
from course_kit.scheduling.fragmentation import TypicalPods
from course_kit.scheduling.jobs import MILLI, Demand

__all__ = ["PlacementPolicy", "get_policy", "PLACEMENT_POLICIES", "TRACE_POLICIES", "place_batch",
           "pack_items", "BinPacking", "MAX_SPEC_CPU", "MAX_SPEC_GPU", "FGDPolicy"]

#: Normalisers of the authors' simulator (``open-gpu-share/utils/const.go``): 128 cores, 8 GPUs.
MAX_SPEC_CPU = 128_000
MAX_SPEC_GPU = 8_000
_NEG = np.iinfo(np.int64).min // 4


def _argmax(score: np.ndarray, mask: np.ndarray) -> int:
    """Index of the best feasible score, ties to the lowest index; -1 if nothing is feasible."""
    s = np.where(mask, score, _NEG if score.dtype.kind in "iu" else -np.inf)
    i = int(s.argmax())
    return i if mask[i] else -1


def _idle_gpus(state: ClusterState, node: int, k: int) -> tuple[int, ...]:
    row = state.gpu_free[node].tolist()
    return tuple([g for g, r in enumerate(row) if r == MILLI][:k])


def _share_gpu(state: ClusterState, node: int, need: int, how: str, rng) -> int:
    row = state.gpu_free[node, : int(state.n_gpus[node])].tolist()
    ok = [g for g, r in enumerate(row) if r >= need]
    if how == "first":
        return ok[0]
    if how == "random":
        return ok[int(rng.integers(len(ok)))] if rng is not None else ok[0]
    if how == "worst":
        return max(ok, key=lambda g: (row[g], -g))
    return min(ok, key=lambda g: (row[g], g))  # best fit, lowest index on ties


class PlacementPolicy:
    """Base class: :meth:`select` returns a :class:`Placement` for one task, or None if nothing fits.

    Subclasses implement :meth:`choose` (node index from the feasible mask, -1 for none) and set
    ``gpu_select`` (``best``, ``worst``, ``first`` or ``random``) for shared-GPU tasks.
    """

    name = "base"
    gpu_select = "best"

    def select(self, state: ClusterState, d: Demand, rng=None) -> Placement | None:
        mask = state.feasible(d)
        if not mask.any():
            return None
        node = self.choose(state, d, mask, rng)
        if node < 0:
            return None
        return Placement(node, self.gpus(state, node, d, rng))

    def choose(self, state: ClusterState, d: Demand, mask: np.ndarray, rng) -> int:
        raise NotImplementedError

    def gpus(self, state: ClusterState, node: int, d: Demand, rng) -> tuple[int, ...]:
        if d.num_gpu == 0:
            return ()
        if d.gpu_milli >= MILLI:
            return _idle_gpus(state, node, d.num_gpu)
        return (_share_gpu(state, node, d.gpu_milli, self.gpu_select, rng),)

    def __repr__(self) -> str:
        return f"<placement {self.name}>"


class FirstFit(PlacementPolicy):
    name, gpu_select = "first_fit", "first"

    def select(self, state, d, rng=None):
        mask = state.feasible(d)
        node = int(mask.argmax())
        if not mask[node]:
            return None
        return Placement(node, self.gpus(state, node, d, rng))

    def choose(self, state, d, mask, rng):
        return int(mask.argmax())


def _leftover(state: ClusterState, d: Demand) -> np.ndarray:
    gmax = max(int(state.n_gpus.max()) * MILLI, 1)
    cmax = max(int(state.cpu_cap.max()), 1)
    mmax = max(int(state.mem_cap.max()), 1)
    return ((state.gpu_free_total - d.total_gpu_milli) / gmax
            + 1e-3 * (state.cpu_free - d.cpu_milli) / cmax + 1e-6 * (state.mem_free - d.memory_mib) / mmax)


class BestFit(PlacementPolicy):
    name, gpu_select = "best_fit", "best"

    def choose(self, state, d, mask, rng):
        return _argmax(-_leftover(state, d), mask)


class WorstFit(PlacementPolicy):
    name, gpu_select = "worst_fit", "worst"

    def choose(self, state, d, mask, rng):
        return _argmax(_leftover(state, d), mask)


class RandomFit(PlacementPolicy):
    name, gpu_select = "random", "random"

    def choose(self, state, d, mask, rng):
        idx = np.flatnonzero(mask)
        if rng is None:
            rng = np.random.default_rng(0)
        return int(idx[int(rng.integers(len(idx)))])


class DotProd(PlacementPolicy):
    name, gpu_select = "dotprod", "best"

    def choose(self, state, d, mask, rng):
        dot = (state.cpu_free / MAX_SPEC_CPU) * (d.cpu_milli / MAX_SPEC_CPU) \
            + (state.gpu_free_total / MAX_SPEC_GPU) * (d.total_gpu_milli / MAX_SPEC_GPU)
        score = np.trunc(100.0 * (1.0 - dot / 2.0)).astype(np.int64)
        return _argmax(score, mask)


class Clustering(PlacementPolicy):
    name, gpu_select = "clustering", "best"

    def choose(self, state, d, mask, rng):
        if d.num_gpu == 0:
            return int(mask.argmax())
        t = 0 if d.is_gpu_share else d.num_gpu
        base = (25 * (MAX_SPEC_GPU - state.gpu_free_total)) // MAX_SPEC_GPU
        same = state.affinity[:, t] > 0
        band = np.where(same, np.where(state.n_affinity == 1, 75, 50), np.where(state.n_affinity == 0, 25, 0))
        return _argmax(base + band, mask)


class Packing(PlacementPolicy):
    name, gpu_select = "packing", "best"

    def choose(self, state, d, mask, rng):
        if d.num_gpu == 0:
            return int(mask.argmax())
        idle_node = state.n_full == state.n_gpus
        score = np.maximum(33 - state.n_full, state.n_full)          # case 3: an idle node
        if d.gpu_milli >= MILLI:
            score = np.where(idle_node, score, max(50 - d.num_gpu, 33))  # case 2: idle GPUs, used node
        else:
            used = np.flatnonzero(mask & ~idle_node)
            if used.size:
                # the best-fit GPU: smallest free share >= request (lowest index on ties)
                r = state.gpu_free[used]
                cand = np.where(r >= d.gpu_milli, r, 10 * MILLI).min(axis=1)
                case1 = np.maximum(100 - (cand * 100 // MILLI) // 10, 50)
                score[used] = np.where(cand == MILLI, 49, case1)
        return _argmax(score, mask)


class TraceBestFit(PlacementPolicy):
    name, gpu_select = "bestfit", "best"

    def choose(self, state, d, mask, rng):
        s = (state.cpu_free - d.cpu_milli) / MAX_SPEC_CPU * 0.5 \
            + (state.gpu_free_total - d.total_gpu_milli) / MAX_SPEC_GPU * 0.5
        score = np.trunc((1.0 - s) * 100.0).astype(np.int64)
        return _argmax(score, mask)


def _sigmoid_score(delta_milli: np.ndarray) -> np.ndarray:
    """``int(100·sigmoid(x))`` with ``x = (F_before − F_after)/1000`` (authors' ``fgd_score.go``)."""
    return np.trunc((1.0 / (1.0 + np.exp(-delta_milli / 1000.0))) * 100.0).astype(np.int64)


class FGDPolicy(PlacementPolicy):
    """Fragmentation Gradient Descent (Weng et al., ATC'23) against ``typical`` task shapes.

    Scores are cached per (node, node version, task shape): a node's score for a shape is
    recomputed only after that node changed, in one vectorised batch per task.
    """

    name, gpu_select = "fgd", "best"

    def __init__(self, typical: TypicalPods):
        if not isinstance(typical, TypicalPods):
            raise ValueError(f"typical must be a TypicalPods; got {type(typical).__name__}")
        self.typical = typical
        self._reset(None)

    def _reset(self, state) -> None:
        self._cluster = None if state is None else state.cluster
        n = 0 if state is None else state.n_nodes
        self._table = None if state is None else self.typical.table(state.models)
        self._cols: dict = {}
        self._score = np.zeros((n, 8), dtype=np.int64)
        self._gpu = np.zeros((n, 8), dtype=np.int64)
        self._ver = np.full((n, 8), -1, dtype=np.int64)
        self._fb = np.zeros(n)
        self._fb_ver = np.full(n, -1, dtype=np.int64)

    def _col(self, d: Demand) -> int:
        key = (d.cpu_milli, d.num_gpu, d.gpu_milli)
        j = self._cols.get(key)
        if j is None:
            j = len(self._cols)
            self._cols[key] = j
            if j >= self._score.shape[1]:
                grow = self._score.shape[1]
                self._score = np.hstack([self._score, np.zeros_like(self._score[:, :grow])])
                self._gpu = np.hstack([self._gpu, np.zeros_like(self._gpu[:, :grow])])
                self._ver = np.hstack([self._ver, np.full_like(self._ver[:, :grow], -1)])
        return j

    def frag_before(self, state: ClusterState, idx: np.ndarray) -> np.ndarray:
        stale = idx[self._fb_ver[idx] != state.version[idx]]
        if stale.size:
            self._fb[stale] = self._table.node_frag(state.cpu_free[stale], state.gpu_free[stale],
                                                    state.model[stale])
            self._fb_ver[stale] = state.version[stale]
        return self._fb[idx]

    def _compute(self, state: ClusterState, d: Demand, idx: np.ndarray, j: int) -> None:
        r = state.gpu_free[idx]
        cpu = state.cpu_free[idx]
        model = state.model[idx]
        cpu_after = cpu - d.cpu_milli
        if d.is_gpu_share:
            g = d.gpu_milli
            # a GPU with the same free share as a lower-numbered one gives the same state: skip it
            dup = np.triu(r[:, :, None] == r[:, None, :], 1).any(axis=1)
            rows, cols = np.nonzero((r >= g) & ~dup)
            after = r[rows]
            after[np.arange(len(rows)), cols] -= g
            a_cpu, a_model = cpu_after[rows], model[rows]
        else:
            after = r
            if d.num_gpu:
                idle = r == MILLI
                after = r - MILLI * (idle & (np.cumsum(idle, axis=1) <= d.num_gpu))
            a_cpu, a_model = cpu_after, model
        # F before (for nodes changed since last computed) and F after, in one vectorised batch
        fb_rows = np.flatnonzero(self._fb_ver[idx] != state.version[idx])
        k = fb_rows.size
        f = self._table.node_frag(np.concatenate([cpu[fb_rows], a_cpu]), np.concatenate([r[fb_rows], after]),
                                  np.concatenate([model[fb_rows], a_model]))
        if k:
            self._fb[idx[fb_rows]] = f[:k]
            self._fb_ver[idx[fb_rows]] = state.version[idx[fb_rows]]
        fb = self._fb[idx]
        fa = f[k:]
        if d.is_gpu_share:
            sc = _sigmoid_score(fb[rows] - fa)
            best = np.full(len(idx), _NEG, dtype=np.int64)
            np.maximum.at(best, rows, sc)
            # lowest GPU index among the best (candidates are in row-major order)
            sel = np.flatnonzero(sc == best[rows])
            first_rows, first_pos = np.unique(rows[sel], return_index=True)
            first = np.full(len(idx), -1, dtype=np.int64)
            first[first_rows] = cols[sel[first_pos]]
            self._score[idx, j] = best
            self._gpu[idx, j] = first
        else:
            self._score[idx, j] = _sigmoid_score(fb - fa)
        self._ver[idx, j] = state.version[idx]

    def choose(self, state, d, mask, rng):
        if self._cluster is not state.cluster:
            self._reset(state)
        j = self._col(d)
        stale = mask & (self._ver[:, j] != state.version)
        if stale.any():
            self._compute(state, d, np.flatnonzero(stale), j)
        node = _argmax(self._score[:, j], mask)
        self._last = (node, j)
        return node

    def gpus(self, state, node, d, rng):
        if d.is_gpu_share:
            return (int(self._gpu[node, self._last[1]]),)
        return super().gpus(state, node, d, rng)


#: Policy name → class (``fgd`` needs typical task shapes: use :func:`get_policy` with ``typical=``).
PLACEMENT_POLICIES = {
    "first_fit": FirstFit, "best_fit": BestFit, "worst_fit": WorstFit, "random": RandomFit,
    "dotprod": DotProd, "clustering": Clustering, "packing": Packing, "bestfit": TraceBestFit,
    "fgd": FGDPolicy,
}
#: The six policies of the FGD paper's Fig. 9(a), in its order.
TRACE_POLICIES = ("random", "dotprod", "clustering", "packing", "bestfit", "fgd")


def get_policy(policy, *, typical: TypicalPods | None = None) -> PlacementPolicy:
    """A placement policy by name (or pass an instance through). ``fgd`` needs ``typical``.

    >>> get_policy("dotprod")
    <placement dotprod>
    >>> get_policy("tetris")
    Traceback (most recent call last):
    ...
    ValueError: policy must be one of 'first_fit', 'best_fit', 'worst_fit', 'random', 'dotprod', 'clustering', 'packing', 'bestfit', 'fgd'; got 'tetris'
    """
    if isinstance(policy, PlacementPolicy):
        return policy
    check_choice("policy", policy, list(PLACEMENT_POLICIES))
    if policy == "fgd":
        if typical is None:
            raise ValueError("typical must be given for policy 'fgd' (the target workload's task shapes)")
        return FGDPolicy(typical)
    return PLACEMENT_POLICIES[policy]()


def place_batch(state: ClusterState, demands: Sequence[Demand], policy="first_fit", *,
                decreasing: bool = False, seed: int = 0) -> list[Placement | None]:
    """Place ``demands`` one after another on ``state`` (mutated); None where a task does not fit.

    ``decreasing=True`` first sorts the tasks largest first (GPU milli, then CPU, then memory;
    stable) — with ``policy="first_fit"`` that is First-Fit-Decreasing (``first_fit_decreasing``
    is accepted as a shorthand). Results are returned in the input order.

    >>> from course_kit.scheduling.cluster import Cluster
    >>> s = Cluster.homogeneous(2, gpus_per_node=8).state()
    >>> [p.node if p else None for p in place_batch(s, [Demand(num_gpu=g) for g in (4, 6, 4)], "first_fit")]
    [0, 1, 0]
    """
    if policy == "first_fit_decreasing":
        policy, decreasing = "first_fit", True
    pol = get_policy(policy)
    ds = list(demands)
    for i, d in enumerate(ds):
        if not isinstance(d, Demand):
            raise ValueError(f"demands[{i}] must be a Demand; got {d!r}")
        if not state.cluster.fits_empty(d):
            raise ValueError(f"demands[{i}] ({d}) is larger than any node of the cluster")
    order = list(range(len(ds)))
    if decreasing:
        order.sort(key=lambda i: (-ds[i].total_gpu_milli, -ds[i].cpu_milli, -ds[i].memory_mib))
    rng = np.random.default_rng(check_int("seed", seed, low=0))
    out: list[Placement | None] = [None] * len(ds)
    for i in order:
        p = pol.select(state, ds[i], rng)
        if p is not None:
            state.allocate(p.node, ds[i], p.gpus)
        out[i] = p
    return out


@dataclass(frozen=True)
class BinPacking:
    """Result of 1-D bin packing: ``bins`` (item indices per bin), ``assignment`` (bin per item),
    ``loads`` (filled size per bin), ``capacity``; ``n_bins``; ``lower_bound`` = ⌈Σ sizes / capacity⌉."""

    algorithm: str
    capacity: float
    bins: tuple[tuple[int, ...], ...]
    assignment: tuple[int, ...]
    loads: tuple[float, ...]
    lower_bound: int

    @property
    def n_bins(self) -> int:
        return len(self.bins)


_PACKERS = ("next_fit", "first_fit", "best_fit", "worst_fit", "first_fit_decreasing", "best_fit_decreasing")


def pack_items(sizes: Sequence[float], capacity: float, algorithm: str = "first_fit") -> BinPacking:
    """Classic 1-D bin packing: open as few bins of ``capacity`` as the heuristic manages.

    ``next_fit`` (only the last bin is open), ``first_fit`` (first bin with room), ``best_fit``
    (fullest bin with room), ``worst_fit`` (emptiest), and the ``*_decreasing`` variants (sort the
    items largest first). Ties go to the lowest-numbered bin.

    >>> pack_items([4, 8, 1, 4, 2, 1], 10, "first_fit").bins
    ((0, 2, 3, 5), (1, 4))
    >>> pack_items([2, 5, 4, 7, 1, 3, 8], 10, "first_fit").n_bins, pack_items([2, 5, 4, 7, 1, 3, 8], 10, "first_fit_decreasing").n_bins
    (4, 3)
    """
    check_choice("algorithm", algorithm, _PACKERS)
    cap = check_number("capacity", capacity, low=0, low_inclusive=False)
    items = [check_number(f"sizes[{i}]", s, low=0, low_inclusive=False) for i, s in enumerate(sizes)]
    if not items:
        raise ValueError("sizes must hold at least one item")
    for i, s in enumerate(items):
        if s > cap:
            raise ValueError(f"sizes[{i}] must be <= capacity ({cap:g}); got {s:g}")
    order = list(range(len(items)))
    base = algorithm.replace("_decreasing", "")
    if algorithm.endswith("_decreasing"):
        order.sort(key=lambda i: -items[i])
    bins: list[list[int]] = []
    loads: list[float] = []
    eps = 1e-9 * cap
    assign = [0] * len(items)
    for i in order:
        s = items[i]
        choice = -1
        if base == "next_fit":
            if loads and loads[-1] + s <= cap + eps:
                choice = len(loads) - 1
        else:
            fits = [b for b in range(len(loads)) if loads[b] + s <= cap + eps]
            if fits:
                if base == "first_fit":
                    choice = fits[0]
                elif base == "best_fit":
                    choice = min(fits, key=lambda b: (cap - loads[b] - s, b))
                else:
                    choice = min(fits, key=lambda b: (-(cap - loads[b] - s), b))
        if choice < 0:
            bins.append([])
            loads.append(0.0)
            choice = len(loads) - 1
        bins[choice].append(i)
        loads[choice] += s
        assign[i] = choice
    return BinPacking(algorithm, cap, tuple(tuple(b) for b in bins), tuple(assign), tuple(loads),
                      math.ceil(sum(items) / cap - 1e-9))
