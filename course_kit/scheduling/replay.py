"""The FGD paper's trace replay (Weng et al., ATC'23, Fig. 7 and Fig. 9(a)): arrivals only.

Protocol (docs/sources.md#fgd-protocol; authors' simulator ``pkg/simulator/core.go``, ``simulator.go``,
``experiments/analysis/merge_*_discrete.py``):

1. The typical task shapes (target workload *M*) come from the **original** pod list (≥ 95 %).
2. Pods are shuffled with the seed; then pods drawn uniformly with replacement are appended until
   the GPU request would pass ``max_arrived_pct`` % of the cluster's GPU capacity (the authors'
   loop stops at the first draw whose *per-GPU* share would pass the target, so a last multi-GPU
   pod can overshoot slightly; about 10.8k pods at 130 % on the default trace). Below the trace's own
   request, random pods are removed instead.
3. Nodes are renamed ``NNNN-<name>`` with a seeded random permutation ``NNNN`` (the authors'
   ``syncClusterResourceList``), so "ties go to the lexicographically smallest node name" is a
   random but fixed node order per seed. ``node_order="name"`` keeps the original names.
4. Pods only arrive; there are no departures. A pod that fits nowhere fails (also one larger than
   every node: the ``gpuspec`` variants pin a few to GPU models whose nodes are too small).
5. After every pod: arrived GPU milli (failed pods included), used GPU milli and the frag ratio.
   For each whole percent ``x`` of arrived workload the values of the pods whose arrived share
   rounds to ``x`` are averaged (within ±1 if none): ``unallocated_gpu_pct = 100 − used %``.

>>> nodes, pods = load_openb()
>>> df = fragmentation_experiment(nodes, pods.iloc[:2000], "bestfit", max_arrived_pct=20)
>>> list(df.columns), len(df)
(['arrived_pct', 'unallocated_gpu_pct', 'frag_ratio_pct'], 21)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from course_kit._validate import check_choice, check_int
from course_kit.scheduling.cluster import Cluster, ClusterState
from course_kit.scheduling.fragmentation import TypicalPods
from course_kit.scheduling.jobs import MILLI, Demand
from course_kit.scheduling.placement import PLACEMENT_POLICIES, TRACE_POLICIES, PlacementPolicy, get_policy
from course_kit.scheduling.traces import load_openb

__all__ = ["fragmentation_experiment", "replay_arrivals", "PAPER_UNALLOCATED_PCT", "ReplayTrace",
           "fragmentation_runs", "medians_of_runs", "cached_fragmentation_runs", "FRAGMENTATION_CACHE"]

#: The paper's full experiment (6 policies × seeds 42..51 on openb default), replayed once with
#: :func:`fragmentation_runs` and stored under ``data/`` so that a notebook can show it in a second;
#: ``python -m course_kit.scheduling.replay`` rebuilds it, ``tests/test_replay_cache.py`` re-runs
#: two of its 60 replays and compares them row by row.
FRAGMENTATION_CACHE = "derived/fgd_openb_seeds42-51.csv.gz"
CACHE_SEEDS = tuple(range(42, 52))

#: Published unallocated GPU % on the default trace at arrived = 100 % and 130 % (median of seeds
#: 42..51), docs/sources.md#fgd-protocol; Weng et al., ATC'23, Fig. 9(a).
PAPER_UNALLOCATED_PCT = {
    "random": (13.75, 12.62), "dotprod": (9.45, 9.20), "clustering": (8.42, 8.21),
    "packing": (8.20, 7.94), "bestfit": (7.09, 6.89), "fgd": (4.77, 4.60),
}


def _pod_arrays(pods):
    cols = set(pods.columns)
    for c in ("cpu_milli", "num_gpu"):
        if c not in cols:
            raise ValueError(f"pods must have a column {c!r} (use load_openb)")
    n = len(pods)
    if n == 0:
        raise ValueError("pods must hold at least one pod")
    cpu = pods["cpu_milli"].to_numpy(dtype=np.int64)
    mem = pods["memory_mib"].to_numpy(dtype=np.int64) if "memory_mib" in cols else np.zeros(n, np.int64)
    k = pods["num_gpu"].to_numpy(dtype=np.int64)
    g = pods["gpu_milli"].to_numpy(dtype=np.int64) if "gpu_milli" in cols else np.full(n, MILLI)
    g = np.where(k > 0, g, 0)
    spec = pods["gpu_spec"].fillna("").astype(str).tolist() if "gpu_spec" in cols else [""] * n
    for name, arr in (("cpu_milli", cpu), ("memory_mib", mem), ("num_gpu", k), ("gpu_milli", g)):
        if (arr < 0).any():
            i = int(np.flatnonzero(arr < 0)[0])
            raise ValueError(f"pods column {name!r} must be >= 0; got {arr[i]} in row {i}")
    models = [tuple(sorted({m for m in s.split("|") if m})) for s in spec]
    return cpu, mem, k, g, models


@dataclass(eq=False)
class ReplayTrace:
    """Per-pod record of one arrivals-only replay (what :func:`replay_arrivals` returns).

    Arrays in arrival order: ``pod`` (row of the pod table), ``placed`` (bool), ``node`` (-1 if
    failed), ``arrived_milli``, ``used_milli``, ``frag_milli`` (cluster ``F(M)`` after the pod),
    ``idle_milli``; plus ``cluster`` (the renamed cluster), its final ``state``, ``total_gpu_milli``,
    the ``typical`` shapes, the ``policy`` name, the ``seed`` and ``never_fit`` (pods larger than
    every node).
    """

    pod: np.ndarray
    placed: np.ndarray
    node: np.ndarray
    arrived_milli: np.ndarray
    used_milli: np.ndarray
    frag_milli: np.ndarray
    idle_milli: np.ndarray
    cluster: Cluster
    state: ClusterState
    total_gpu_milli: int
    typical: TypicalPods
    policy: str
    seed: int
    never_fit: int

    @property
    def frag_ratio_pct(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.idle_milli > 0, 100.0 * self.frag_milli / self.idle_milli, 0.0)

    def discretize(self, max_arrived_pct: int):
        """One row per whole arrived percent (the authors' ``merge_alloc_discrete`` averaging)."""
        import pandas as pd

        total = self.total_gpu_milli / MILLI
        arr = np.round(self.arrived_milli / total / 10.0)
        alloc = np.round(self.used_milli / total / 10.0, 2)
        frag = self.frag_ratio_pct
        rows = []
        for x in range(max_arrived_pct + 1):
            sel = arr == x
            if not sel.any():
                sel = (arr >= x - 1) & (arr <= x + 1)
            if sel.any():
                rows.append((x, round(100.0 - float(alloc[sel].mean()), 2), float(frag[sel].mean())))
            else:
                rows.append((x, np.nan, np.nan))
        return pd.DataFrame(rows, columns=["arrived_pct", "unallocated_gpu_pct", "frag_ratio_pct"])


def replay_arrivals(nodes, pods, policy, *, seed: int = 42, max_arrived_pct: int = 130,
                    node_order: str = "shuffled", typical: TypicalPods | None = None,
                    progress: bool = False) -> ReplayTrace:
    """Run the protocol's replay and return the per-pod record (see :func:`fragmentation_experiment`)."""
    pol_name = _check_policy(policy)
    if not isinstance(nodes, Cluster) and not hasattr(nodes, "columns"):
        raise ValueError(f"nodes must be a node table (load_openb) or a Cluster; got {type(nodes).__name__}")
    if not hasattr(pods, "columns"):
        raise ValueError(f"pods must be a pod table (load_openb); got {type(pods).__name__}")
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    max_pct = check_int("max_arrived_pct", max_arrived_pct, low=1, high=1000)
    check_choice("node_order", node_order, ["shuffled", "name"])
    cluster = nodes if isinstance(nodes, Cluster) else Cluster.from_frame(nodes)
    cpu, mem, k, g, models = _pod_arrays(pods)
    total_gpu_milli = cluster.total_gpus * MILLI
    if total_gpu_milli == 0:
        raise ValueError("nodes must have at least one GPU")
    pod_demand, never = _pod_demands(cluster, cpu, mem, k, g, models)
    if typical is None:
        typical = TypicalPods.from_arrays(cpu, g, k, models)
    rng = np.random.default_rng(seed)  # drawn from in this order: arrivals, node names, placements
    req = k * g
    order = np.asarray(_arrival_order(rng, req, g, max_pct / 100.0 * total_gpu_milli), dtype=np.int64)
    if node_order == "shuffled":
        perm = rng.permutation(len(cluster))
        cluster = cluster.renamed([f"{p:04d}-{nm}" for p, nm in zip(perm, cluster.names)])
    pol = get_policy(policy, typical=typical) if isinstance(policy, str) else policy
    state = cluster.state()
    placed, node_of, frag_milli = _place_in_order(pol, state, [pod_demand[i] for i in order.tolist()], never,
                                                  rng, typical, progress=progress, name=pol_name)
    preq = req[order]
    used = np.cumsum(np.where(placed, preq, 0))
    return ReplayTrace(pod=order, placed=placed, node=node_of, arrived_milli=np.cumsum(preq),
                       used_milli=used, frag_milli=frag_milli, idle_milli=total_gpu_milli - used,
                       cluster=cluster, state=state, total_gpu_milli=total_gpu_milli, typical=typical,
                       policy=pol_name, seed=seed,
                       never_fit=int(sum(pod_demand[i] in never for i in order.tolist())))


def _check_policy(policy) -> str:
    if isinstance(policy, str):
        check_choice("policy", policy, list(PLACEMENT_POLICIES))
        return policy
    if not isinstance(policy, PlacementPolicy):
        raise ValueError(f"policy must be a policy name or a PlacementPolicy; got {policy!r}")
    return policy.name


def _pod_demands(cluster: Cluster, cpu, mem, k, g, models) -> tuple[list[Demand], set[Demand]]:
    """One Demand per pod (shared between pods of the same shape), and the shapes larger than every
    node: such a pod (the gpuspec variants pin some to too-small models) simply fails, as in the
    protocol; it still counts as arrived workload."""
    demands: dict = {}
    pod_demand = []
    for key in zip(cpu.tolist(), mem.tolist(), k.tolist(), g.tolist(), models):
        d = demands.get(key)
        if d is None:
            d = demands[key] = Demand(key[0], key[1], key[2], key[3] if key[2] else MILLI, key[4])
        pod_demand.append(d)
    return pod_demand, {d for d in demands.values() if not cluster.fits_empty(d)}


def _arrival_order(rng, req: np.ndarray, g: np.ndarray, target: float) -> list[int]:
    """Protocol step 2: the pods shuffled, then random pods appended (with replacement) until the
    GPU request would pass ``target`` milli, or random pods removed while above it."""
    n = len(req)
    order = list(rng.permutation(n))
    total = int(req.sum())
    if total < target:
        extra = []
        while True:
            i = int(rng.integers(n))
            if total + g[i] > target:  # the authors' per-GPU test: a multi-GPU pod may overshoot
                break
            total += int(req[i])
            extra.append(i)
        order += extra
    else:
        while total > target and order:
            j = int(rng.integers(len(order)))
            total -= int(req[order.pop(j)])
    return order


def _place_in_order(pol: PlacementPolicy, state: ClusterState, demands: list[Demand], never: set[Demand], rng,
                    typical: TypicalPods, *, progress: bool, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Protocol steps 4-5: place the pods one by one (no departures); returns per pod whether it
    was placed, its node (-1) and the cluster's fragment ``F(M)`` after it (milli GPUs)."""
    m = len(demands)
    placed = np.zeros(m, dtype=bool)
    node_of = np.full(m, -1, dtype=np.int64)
    after_cpu = np.zeros(m, dtype=np.int64)
    after_gpu = np.zeros((m, state.gpu_free.shape[1]), dtype=np.int64)
    fresh = state.copy()
    it: Iterable[int] = range(m)
    if progress:
        from tqdm.auto import tqdm

        # leave=True: in a notebook, leave=False CLOSES the bar's widget when it finishes, and a page that
        # renders the output after that (a Voila dashboard) showed "Error displaying widget: model not
        # found" in its place (seen on dashboard 04). A finished bar stays, with its count and time.
        it = tqdm(it, desc=f"replay {name}", unit="pod", leave=True)
    select, take = pol.select, state.take
    for t in it:
        d = demands[t]
        if d in never:
            continue
        p = select(state, d, rng)
        if p is None:
            continue
        take(p, d)
        placed[t] = True
        node_of[t] = p.node
        after_cpu[t] = state.cpu_free[p.node]
        after_gpu[t] = state.gpu_free[p.node]
    # the cluster fragment after every pod, vectorised after the run: a pod changes one node's term
    table = typical.table(state.models)
    f_node = table.node_frag(fresh.cpu_free, fresh.gpu_free, fresh.model)
    pl = np.flatnonzero(placed)
    delta = np.zeros(m)
    if pl.size:
        f_new = table.node_frag(after_cpu[pl], after_gpu[pl], state.model[node_of[pl]])
        last = f_node.copy()
        for t, nd, fn in zip(pl.tolist(), node_of[pl].tolist(), f_new.tolist()):
            delta[t] = fn - last[nd]
            last[nd] = fn
    return placed, node_of, float(f_node.sum()) + np.cumsum(delta)


def fragmentation_experiment(nodes, pods, policy, seed: int = 42, max_arrived_pct: int = 130, *,
                             node_order: str = "shuffled", typical: TypicalPods | None = None,
                             progress: bool = False):
    """Unallocated GPUs and GPU fragmentation vs arrived workload (the FGD paper's Fig. 9(a), 7(a)).

    ``nodes``, ``pods``: the tables of :func:`~course_kit.scheduling.traces.load_openb` (``nodes``
    may also be a :class:`~course_kit.scheduling.cluster.Cluster`). ``policy``: ``random``,
    ``dotprod``, ``clustering``, ``packing``, ``bestfit`` or ``fgd`` (the classic ``first_fit``,
    ``best_fit``, ``worst_fit`` also work). Protocol: see the module docstring.

    Returns a DataFrame with one row per whole percent 0..``max_arrived_pct``: ``arrived_pct``
    (arrived GPU request, % of cluster GPUs), ``unallocated_gpu_pct`` (``100 − used %``) and
    ``frag_ratio_pct`` (``100·F(M)/idle GPU``). ``df.attrs`` holds ``policy``, ``seed``, ``n_pods``,
    ``failed_pods`` (including ``never_fit_pods``: larger than every node) and ``typical_shapes``.
    """
    tr = replay_arrivals(nodes, pods, policy, seed=seed, max_arrived_pct=max_arrived_pct,
                         node_order=node_order, typical=typical, progress=progress)
    df = tr.discretize(int(max_arrived_pct))
    df.attrs.update(policy=tr.policy, seed=seed, n_pods=int(len(tr.pod)),
                    failed_pods=int((~tr.placed).sum()), never_fit_pods=tr.never_fit,
                    typical_shapes=len(tr.typical))
    return df


def fragmentation_runs(nodes, pods, seeds, policies=None, *, progress: bool = False):
    """Every (policy, seed) curve of :func:`fragmentation_experiment`, stacked in one DataFrame with
    columns ``policy, seed, arrived_pct, unallocated_gpu_pct, frag_ratio_pct``."""
    import pandas as pd

    seeds = [check_int("seeds", s, low=0, high=2**32 - 1) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed, e.g. [42]; got none")
    pols = list(TRACE_POLICIES if policies is None else policies)
    runs = [(p, s) for p in pols for s in seeds]
    if progress:
        from tqdm.auto import tqdm

        runs = tqdm(runs, desc="replaying openb", unit="run")
    frames = [fragmentation_experiment(nodes, pods, p, seed=s).assign(policy=p, seed=s) for p, s in runs]
    cols = ["policy", "seed", "arrived_pct", "unallocated_gpu_pct", "frag_ratio_pct"]
    return pd.concat(frames, ignore_index=True)[cols]


def medians_of_runs(runs, seeds=None) -> dict:
    """``{policy: DataFrame}``: the median over seeds (all, or ``seeds``) per whole percent arrived."""
    if seeds is not None:
        runs = runs[runs["seed"].isin(list(seeds))]
        if runs.empty:
            raise ValueError(f"none of the seeds {list(seeds)} is in these runs")
    out = {}
    for p in dict.fromkeys(runs["policy"]):
        one = runs[runs["policy"] == p].drop(columns=["policy", "seed"])
        out[p] = one.groupby("arrived_pct", as_index=False).median()
    return out


def fragmentation_medians(nodes, pods, seeds, policies=None, *, progress: bool = False) -> dict:
    """``{policy: DataFrame}``: the median over ``seeds`` of :func:`fragmentation_experiment`, per
    whole percent arrived (the paper plots the median of seeds 42..51)."""
    return medians_of_runs(fragmentation_runs(nodes, pods, seeds, policies, progress=progress))


def cached_fragmentation_runs(path=None):
    """The stored result of ``fragmentation_runs(*load_openb(), seeds 42..51)`` (all six policies).

    A replay takes about 20 s per seed on one core, the full experiment minutes; the cache makes the
    notebook's default run fast. Rebuild it with ``python -m course_kit.scheduling.replay``.
    """
    import pandas as pd

    from course_kit.paths import data_path

    path = data_path(FRAGMENTATION_CACHE) if path is None else path
    return pd.read_csv(path)


def _build_cache(path=None) -> None:
    from course_kit.paths import repo_root

    path = repo_root() / "data" / FRAGMENTATION_CACHE if path is None else path
    nodes, pods = load_openb()
    runs = fragmentation_runs(nodes, pods, CACHE_SEEDS, progress=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    runs.to_csv(path, index=False, float_format="%.17g", compression={"method": "gzip", "mtime": 0})
    print(f"wrote {path} ({len(runs):,} rows)")


def paper_comparison(medians: dict):
    """Our unallocated GPU % at 100 % and 130 % arrived next to the paper's (Weng et al., ATC'23,
    Fig. 9(a), :data:`PAPER_UNALLOCATED_PCT`), with the difference at 100 % in points."""
    import pandas as pd

    rows = {}
    for p, m in medians.items():
        at = m.set_index("arrived_pct")["unallocated_gpu_pct"]
        paper = PAPER_UNALLOCATED_PCT[p]
        rows[p] = {"ours @100%": at.loc[100], "paper @100%": paper[0],
                   "ours @130%": at.loc[130], "paper @130%": paper[1]}
    table = pd.DataFrame(rows).T
    table["Δ @100% (points)"] = table["ours @100%"] - table["paper @100%"]
    return table


if __name__ == "__main__":  # pragma: no cover - rebuilds the cache (several minutes)
    _build_cache()
