"""Section 8's tricky scenarios as simulations a learner can run.

1. **Cascading failure** (:func:`simulate_cascade`): nodes of a cluster graph carry load up to a
   capacity; when a node fails, its load moves to its live neighbours, which may overload and fail
   in turn — the local load-redistribution model of cascading failures (Motter & Lai, "Cascade-based
   attacks on complex networks", Phys. Rev. E 66, 065102 (2002), with capacity
   C = (1 + tolerance) × initial load; here load moves to graph neighbours, as in fibre-bundle
   local load sharing). Two switches stop the cascade, at a different price:

   * **circuit breaker**: a node refuses redistributed load above ``breaker_trip_fraction`` of its
     capacity; the refused requests fail fast (``shed_load``: lost work, not lost nodes);
   * **backpressure**: load moves only into neighbours' spare capacity, the rest waits at the
     senders (``deferred_load``: delayed work).

2. **Performance degradation** (:func:`synthetic_degradation`, :func:`diagnose_degradation`):
   a month of seeded hourly metrics in which one planted cause (thermal throttling, memory
   fragmentation, storage slowdown, network congestion, data-pipeline regression) slows training
   by ~40 %, as in the course text's story. The diagnosis compares a baseline week with the current
   week metric by metric (robust z-scores: median shift / (1.4826 × MAD)) and scores each cause
   by its *weakest* symptom: a cause is named only when all of its signature metrics moved in the
   harmful direction. Shared symptoms (the data-loader wait rises for both a storage slowdown and
   a CPU-bound input pipeline) are told apart by the other half of each signature.

3. **Resource-allocation paradox** (:func:`allocation_paradox`): a 64-GPU high-priority job
   arrives at a 100-GPU cluster where 20 lower-priority 4-GPU jobs hold 80 GPUs. Each option — wait,
   or preempt victims chosen by a rule — is *run* on section 4's event-driven simulator
   (:func:`course_kit.scheduling.simulate`, no second scheduler here), and compared on the big
   job's wait, the SLA violation, the GPU-hours of work lost and a cost.

Nothing here is a measured fleet: the metric levels are illustrative round numbers (labelled in
:data:`METRIC_BASELINES`), chosen so that units and directions are right.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "CascadeResult",
    "cluster_graph",
    "random_cluster",
    "simulate_cascade",
    "compare_protections",
    "cascade_sweep",
    "CAUSES",
    "SIGNATURES",
    "METRIC_BASELINES",
    "synthetic_degradation",
    "mystery_cause",
    "mystery_degradation",
    "metric_shifts",
    "Diagnosis",
    "diagnose_degradation",
    "PARADOX_OPTIONS",
    "allocation_paradox",
]

_EPS = 1e-9


# ============================================================================================
# 1. Cascading failure
# ============================================================================================


@dataclass(frozen=True)
class CascadeResult:
    """Outcome of :func:`simulate_cascade`.

    ``failure_step`` maps each failed node to the round it failed in (0 = initial failures).
    ``failures_per_step[k]`` counts nodes failing in round k. Loads: ``final_load`` on live nodes;
    ``shed_load`` refused by circuit breakers (lost requests); ``deferred_load`` held back by
    backpressure (queued, not lost); ``stranded_load`` of failed nodes with no live neighbour.
    ``initial_total_load`` = live load + shed + deferred + stranded (load is conserved).
    """

    n_nodes: int
    failure_step: tuple[tuple[object, int], ...]
    failures_per_step: tuple[int, ...]
    final_load: tuple[tuple[object, float], ...]
    shed_load: float
    deferred_load: float
    stranded_load: float
    initial_total_load: float
    circuit_breaker: bool
    backpressure: bool

    @property
    def failed_nodes(self) -> tuple:
        return tuple(node for node, _ in self.failure_step)

    @property
    def n_failed(self) -> int:
        return len(self.failure_step)

    @property
    def fraction_failed(self) -> float:
        return self.n_failed / self.n_nodes

    @property
    def rounds(self) -> int:
        """Rounds of propagation after the initial failures."""
        return len(self.failures_per_step) - 1

    @property
    def served_load(self) -> float:
        return float(sum(v for _, v in self.final_load))


def cluster_graph(n_nodes: int = 500, degree: int = 4, rewire_probability: float = 0.1, *, seed: int = 0):
    """A connected small-world graph of ``n_nodes`` servers (networkx Watts–Strogatz).

    Each node starts linked to its ``degree`` nearest neighbours on a ring (think: replicas in the
    same rack row that take over each other's traffic); a fraction ``rewire_probability`` of links
    is rewired at random (cross-row failover). Source: Watts & Strogatz, Nature 393 (1998);
    ``networkx.connected_watts_strogatz_graph``.

    >>> g = cluster_graph(20, 4, seed=1)
    >>> g.number_of_nodes(), g.number_of_edges()
    (20, 40)
    """
    import networkx as nx

    n = check_int("n_nodes", n_nodes, low=3, high=100_000)
    k = check_int("degree", degree, low=2, high=n - 1)
    if k % 2:
        raise ValueError(f"degree must be an even integer in [2, {n - 1}]; got {degree!r}")
    p = check_number("rewire_probability", rewire_probability, low=0, high=1)
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    return nx.connected_watts_strogatz_graph(n, k, p, tries=200, seed=seed)


def random_cluster(
    n_nodes: int = 500,
    degree: int = 4,
    *,
    mean_utilization: float = 0.7,
    utilization_spread: float = 0.15,
    rewire_probability: float = 0.1,
    seed: int = 0,
):
    """A cluster graph with per-node load drawn uniformly in ``mean ± spread`` (capacity 1.0 each).

    Returns ``(graph, loads, capacities)``; loads are fractions of one node's capacity.

    >>> g, loads, caps = random_cluster(10, 2, seed=3)
    >>> len(loads) == 10 and all(0 < v < 1 for v in loads.values()) and set(caps.values()) == {1.0}
    True
    """
    mu = check_number("mean_utilization", mean_utilization, low=0, high=1, low_inclusive=False)
    spread = check_number("utilization_spread", utilization_spread, low=0, high=1)
    if mu - spread < 0 or mu + spread > 1:
        raise ValueError(
            f"mean_utilization ± utilization_spread must stay in [0, 1]; got {mu} ± {spread}"
        )
    graph = cluster_graph(n_nodes, degree, rewire_probability, seed=seed)
    rng = np.random.default_rng(seed)
    values = rng.uniform(mu - spread, mu + spread, size=graph.number_of_nodes())
    nodes = sorted(graph.nodes())
    return graph, dict(zip(nodes, values.tolist())), {n: 1.0 for n in nodes}


def _per_node(name: str, value, nodes, *, positive: bool) -> dict:
    low_inclusive = not positive
    if isinstance(value, Mapping):
        missing = [n for n in nodes if n not in value]
        if missing:
            raise ValueError(f"{name} must give a value for every node; missing {missing[:5]}")
        return {n: check_number(f"{name}[{n!r}]", value[n], low=0, low_inclusive=low_inclusive) for n in nodes}
    v = check_number(name, value, low=0, low_inclusive=low_inclusive)
    return {n: v for n in nodes}


def simulate_cascade(
    graph,
    loads,
    capacities,
    initial_failures,
    *,
    circuit_breaker: bool = False,
    backpressure: bool = False,
    breaker_trip_fraction: float = 0.9,
    max_rounds: int | None = None,
) -> CascadeResult:
    """Propagate failures in synchronous rounds until no node is overloaded.

    Each round, every node that failed in the previous round hands its load to its live
    neighbours (nodes processed in sorted order):

    * default: split equally, ``load/deg_alive`` each — a node fails when its load exceeds its
      capacity;
    * ``backpressure``: each neighbour takes at most its spare capacity ``limit − load`` (in
      proportion to spare capacity); the remainder is *deferred* (waits at the senders);
    * ``circuit_breaker``: each neighbour accepts at most ``breaker_trip_fraction × capacity − load``;
      the excess is *shed* (fails fast). With both switches, backpressure distributes within the
      breaker limit, so nothing is shed.

    A failed node with no live neighbour strands its load. Closed-form checks (see the tests):
    on a ring with uniform load L and capacity (1+α)L, one failure spreads to every node iff
    α < 0.5; on a complete graph K_n iff α < 1/(n−1).

    >>> import networkx as nx
    >>> ring = nx.cycle_graph(6)
    >>> simulate_cascade(ring, 1.0, 1.4, [0]).n_failed          # α = 0.4 < 0.5: everything fails
    6
    >>> simulate_cascade(ring, 1.0, 1.6, [0]).n_failed          # α = 0.6: only the first node
    1
    >>> simulate_cascade(ring, 1.0, 1.4, [0], circuit_breaker=True).n_failed
    1
    """
    nodes = _graph_nodes(graph)
    load = _per_node("loads", loads, nodes, positive=False)
    cap = _per_node("capacities", capacities, nodes, positive=True)
    over = [n for n in nodes if load[n] > cap[n] + _EPS]
    if over:
        raise ValueError(f"loads must not exceed capacities before the first failure; overloaded: {over[:5]}")
    if isinstance(initial_failures, (str, bytes)) or not hasattr(initial_failures, "__iter__"):
        raise ValueError(f"initial_failures must be a list of nodes of the graph; got {initial_failures!r}")
    first = []
    node_set = set(nodes)
    for n in initial_failures:
        try:
            known = n in node_set
        except TypeError:
            known = False
        if not known:
            raise ValueError(f"initial_failures must name nodes of the graph; {n!r} is not one")
        if n not in first:
            first.append(n)
    if not first:
        raise ValueError("initial_failures must name at least one node; got none")
    if not isinstance(circuit_breaker, bool) or not isinstance(backpressure, bool):
        raise ValueError("circuit_breaker and backpressure must be True or False")
    trip = check_number("breaker_trip_fraction", breaker_trip_fraction, low=0, high=1, low_inclusive=False)
    limit_rounds = len(nodes) if max_rounds is None else check_int("max_rounds", max_rounds, low=0)

    total0 = float(sum(load.values()))
    alive = set(nodes) - set(first)
    step_of = {n: 0 for n in first}
    per_step = [len(first)]
    shed = deferred = stranded = 0.0
    frontier = _sorted(first)
    adjacency = {n: list(graph.neighbors(n)) for n in nodes}
    rounds = 0
    while frontier and rounds < limit_rounds:
        for f in frontier:
            amount = load[f]
            load[f] = 0.0
            if amount <= 0:
                continue
            nbrs = [m for m in adjacency[f] if m in alive]
            if not nbrs:
                stranded += amount
                continue
            ceiling = {m: (trip * cap[m] if circuit_breaker else cap[m]) for m in nbrs}
            if backpressure:
                spare = {m: max(ceiling[m] - load[m], 0.0) for m in nbrs}
                room = sum(spare.values())
                moved = min(amount, room)
                if room > 0:
                    for m in nbrs:
                        load[m] += moved * spare[m] / room
                deferred += amount - moved
            else:
                share = amount / len(nbrs)
                for m in nbrs:
                    if circuit_breaker:
                        accepted = min(share, max(ceiling[m] - load[m], 0.0))
                        shed += share - accepted
                        load[m] += accepted
                    else:
                        load[m] += share
        newly = _sorted([m for m in alive if load[m] > cap[m] * (1 + 1e-12) + _EPS])
        if not newly:
            break
        rounds += 1
        for m in newly:
            alive.discard(m)
            step_of[m] = rounds
        per_step.append(len(newly))
        frontier = newly
    # load still sitting on nodes that failed in the last allowed round
    for n in step_of:
        if load[n] > 0:
            stranded += load[n]
            load[n] = 0.0
    final = tuple((n, float(load[n])) for n in _sorted(alive))
    order = tuple(sorted(step_of.items(), key=lambda kv: (kv[1], _key(kv[0]))))
    return CascadeResult(
        n_nodes=len(nodes),
        failure_step=order,
        failures_per_step=tuple(per_step),
        final_load=final,
        shed_load=float(shed),
        deferred_load=float(deferred),
        stranded_load=float(stranded),
        initial_total_load=total0,
        circuit_breaker=circuit_breaker,
        backpressure=backpressure,
    )


def _graph_nodes(graph) -> list:
    if not (hasattr(graph, "nodes") and hasattr(graph, "neighbors")):
        raise ValueError(f"graph must be a networkx graph; got {type(graph).__name__}")
    if getattr(graph, "is_directed", lambda: False)():
        raise ValueError("graph must be undirected (load moves both ways between neighbours)")
    nodes = _sorted(list(graph.nodes()))
    if not nodes:
        raise ValueError("graph must have at least one node; got an empty graph")
    return nodes


def _key(node):
    return (type(node).__name__, repr(node)) if not isinstance(node, numbers.Real) else ("", node)


def _sorted(nodes) -> list:
    return sorted(nodes, key=_key)


def compare_protections(graph, loads, capacities, initial_failures, *, breaker_trip_fraction: float = 0.9):
    """Run :func:`simulate_cascade` with each switch combination; one row per combination.

    Columns: ``circuit_breaker, backpressure, failed_nodes, fraction_failed, rounds,
    served_load, shed_load, deferred_load, stranded_load``.
    """
    import pandas as pd

    rows = []
    for cb, bp in ((False, False), (True, False), (False, True), (True, True)):
        r = simulate_cascade(
            graph, loads, capacities, initial_failures,
            circuit_breaker=cb, backpressure=bp, breaker_trip_fraction=breaker_trip_fraction,
        )
        rows.append(
            {
                "circuit_breaker": cb,
                "backpressure": bp,
                "failed_nodes": r.n_failed,
                "fraction_failed": r.fraction_failed,
                "rounds": r.rounds,
                "served_load": r.served_load,
                "shed_load": r.shed_load,
                "deferred_load": r.deferred_load,
                "stranded_load": r.stranded_load,
            }
        )
    return pd.DataFrame(rows)


def cascade_sweep(
    mean_utilizations,
    *,
    n_seeds: int = 10,
    n_nodes: int = 500,
    degree: int = 4,
    utilization_spread: float = 0.25,
    circuit_breaker: bool = False,
    backpressure: bool = False,
):
    """Share of seeded clusters in which one failure (node 0) spreads, per mean utilisation.

    Returns a DataFrame: ``mean_utilization, cascade_share`` (clusters losing > 10 % of nodes)
    and ``mean_fraction_failed``.
    """
    import pandas as pd

    seeds = check_int("n_seeds", n_seeds, low=1, high=1000)
    if isinstance(mean_utilizations, (str, bytes)) or not hasattr(mean_utilizations, "__iter__"):
        raise ValueError("mean_utilizations must be a list of numbers in (0, 1)")
    rows = []
    for mu in mean_utilizations:
        fractions = []
        for seed in range(seeds):
            g, loads, caps = random_cluster(
                n_nodes, degree, mean_utilization=mu, utilization_spread=utilization_spread, seed=seed
            )
            r = simulate_cascade(g, loads, caps, [0], circuit_breaker=circuit_breaker, backpressure=backpressure)
            fractions.append(r.fraction_failed)
        rows.append(
            {
                "mean_utilization": float(mu),
                "cascade_share": float(np.mean([f > 0.1 for f in fractions])),
                "mean_fraction_failed": float(np.mean(fractions)),
            }
        )
    if not rows:
        raise ValueError("mean_utilizations must hold at least one value; got none")
    return pd.DataFrame(rows)


# ============================================================================================
# 2. Performance degradation: planted cause, systematic diagnosis
# ============================================================================================

CAUSES = (
    "thermal_throttling",
    "memory_fragmentation",
    "storage_slowdown",
    "network_congestion",
    "data_pipeline_regression",
)

SIGNATURES: dict[str, tuple[tuple[str, int], ...]] = {
    "thermal_throttling": (("gpu_temp_c", +1), ("sm_clock_mhz", -1)),
    "memory_fragmentation": (("largest_free_block_gb", -1), ("alloc_retries_per_h", +1)),
    "storage_slowdown": (("storage_read_gbs", -1), ("dataloader_wait_pct", +1)),
    "network_congestion": (("allreduce_busbw_gbs", -1), ("retransmit_pct", +1)),
    "data_pipeline_regression": (("cpu_util_pct", +1), ("dataloader_wait_pct", +1)),
}
"""Each cause's symptoms: (metric, +1 if a rise is harmful / −1 if a fall is)."""

METRIC_BASELINES: dict[str, tuple[float, float, str]] = {
    # metric: (healthy level, hourly noise sd, what it is) — illustrative levels, not measurements
    "step_time_s": (1.00, 0.03, "training step time (the symptom)"),
    "gpu_util_pct": (93.0, 1.5, "GPU busy time (nvidia-smi utilization.gpu)"),
    "gpu_temp_c": (68.0, 1.5, "GPU die temperature; A100-class slowdown ≈ 89 °C (docs/sources.md#thermal)"),
    "sm_clock_mhz": (1410.0, 12.0, "SM clock; drops when the GPU throttles itself"),
    "largest_free_block_gb": (30.0, 0.8, "largest free block in the framework's GPU allocator cache"),
    "alloc_retries_per_h": (0.5, 0.0, "allocator retries (e.g. PyTorch memory_stats num_alloc_retries); Poisson"),
    "storage_read_gbs": (2.0, 0.08, "dataset read throughput from shared storage"),
    "dataloader_wait_pct": (3.0, 0.8, "share of step time waiting for the next batch"),
    "cpu_util_pct": (35.0, 3.0, "host CPU utilisation (input pipeline)"),
    "allreduce_busbw_gbs": (20.0, 0.6, "NCCL all-reduce bus bandwidth (nccl-tests busbw)"),
    "retransmit_pct": (0.01, 0.004, "packets retransmitted on the training fabric"),
}

# Full-severity values of each cause's signature metrics (at the end of the month).
_FULL_EFFECT = {
    "thermal_throttling": {"gpu_temp_c": 88.0, "sm_clock_mhz": 1410.0 / 1.4},
    "memory_fragmentation": {"largest_free_block_gb": 9.0, "alloc_retries_per_h": 40.0},
    "storage_slowdown": {"storage_read_gbs": 0.9, "dataloader_wait_pct": 30.0},
    "network_congestion": {"allreduce_busbw_gbs": 11.0, "retransmit_pct": 0.6},
    "data_pipeline_regression": {"cpu_util_pct": 92.0, "dataloader_wait_pct": 30.0},
}


def synthetic_degradation(
    cause: str | None,
    *,
    days: int = 30,
    slowdown: float = 0.4,
    seed: int = 0,
):
    """Hourly cluster metrics for ``days`` days with one planted cause (or none: ``cause=None``).

    The cause starts on a random day between 5 and 12 and ramps linearly to full severity on the
    last day, where training steps are ``1 + slowdown`` times slower (the course text: "degraded by 40%
    over the past month"). Every metric has hourly noise (sd in :data:`METRIC_BASELINES`), a small
    daily cycle, one benign drift in a random metric unrelated to the cause (a red herring, < 1
    noise sd per week) and a one-day incident spike in another random metric. GPU utilisation only
    drops when the GPU waits for data (storage or input pipeline); for the other causes it
    "looks normal", as in the course text's story.

    Returns a DataFrame indexed by ``hour`` with one column per metric in :data:`METRIC_BASELINES`.

    >>> df = synthetic_degradation("thermal_throttling", seed=1)
    >>> df.shape, round(float(df["step_time_s"].iloc[-24:].mean()), 1)
    ((720, 11), 1.4)
    """
    import pandas as pd

    if cause is not None:
        check_choice("cause", cause, CAUSES)
    days = check_int("days", days, low=14, high=365)
    slowdown = check_number("slowdown", slowdown, low=0, high=5)
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    rng = np.random.default_rng(seed)
    hours = np.arange(days * 24)
    t_days = hours / 24.0
    onset = rng.uniform(5, 12)
    severity = np.clip((t_days - onset) / (days - onset), 0, 1) if cause else np.zeros_like(t_days)
    daily = np.sin(2 * np.pi * (hours % 24) / 24)

    data = {}
    for metric, (level, sd, _) in METRIC_BASELINES.items():
        data[metric] = np.full(hours.shape, level, dtype=float)
    # the planted cause moves its signature metrics towards their full-severity values
    if cause:
        for metric, full in _FULL_EFFECT[cause].items():
            base = METRIC_BASELINES[metric][0]
            data[metric] = base + (full - base) * severity
        wait_extra = 0.0
        if cause in ("storage_slowdown", "data_pipeline_regression"):
            wait_extra = (data["dataloader_wait_pct"] - METRIC_BASELINES["dataloader_wait_pct"][0]) / 100
        data["gpu_util_pct"] = METRIC_BASELINES["gpu_util_pct"][0] * (1 - wait_extra)
    data["step_time_s"] = METRIC_BASELINES["step_time_s"][0] * (1 + slowdown * severity)
    # noise, daily cycle, red herring, incident
    unrelated = [m for m in METRIC_BASELINES if m not in ("step_time_s", "alloc_retries_per_h")]
    if cause:
        unrelated = [m for m in unrelated if m not in _FULL_EFFECT[cause]]
    herring, incident = rng.choice(unrelated, size=2, replace=False)
    for metric, (level, sd, _) in METRIC_BASELINES.items():
        if metric == "alloc_retries_per_h":
            data[metric] = rng.poisson(np.maximum(data[metric], 0)).astype(float)
            continue
        values = data[metric] + 0.3 * sd * daily + rng.normal(0, sd, size=hours.shape)
        if metric == herring:
            values = values + 0.8 * sd * (t_days / 7.0) * rng.choice([-1, 1])
        if metric == incident:
            day = rng.integers(0, days)
            values[day * 24 : (day + 1) * 24] += 6 * sd * rng.choice([-1, 1])
        data[metric] = values
    data["retransmit_pct"] = np.maximum(data["retransmit_pct"], 0.0)
    data["gpu_util_pct"] = np.clip(data["gpu_util_pct"], 0, 100)
    data["cpu_util_pct"] = np.clip(data["cpu_util_pct"], 0, 100)
    frame = pd.DataFrame(data, index=pd.Index(hours, name="hour"))
    return frame


def mystery_cause(seed: int) -> str:
    """The cause planted in :func:`mystery_degradation` for ``seed`` (look only to check yourself)."""
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    return CAUSES[int(np.random.default_rng([seed, 8]).integers(len(CAUSES)))]


def mystery_degradation(seed: int):
    """A month of metrics with a cause you are not told: :func:`synthetic_degradation` of
    :func:`mystery_cause` (seed) — for exercises.

    >>> mystery_degradation(3).shape
    (720, 11)
    """
    return synthetic_degradation(mystery_cause(seed), seed=seed)


def _check_metrics_frame(metrics, window_hours: int):
    import pandas as pd

    if not isinstance(metrics, pd.DataFrame):
        raise ValueError(f"metrics must be a DataFrame of hourly metrics; got {type(metrics).__name__}")
    if len(metrics) < 2 * window_hours:
        raise ValueError(
            f"metrics must hold at least two windows ({2 * window_hours} rows); got {len(metrics)}"
        )


def metric_shifts(metrics, *, window_days: int = 7) -> dict[str, float]:
    """Robust z-score of every numeric metric: current window vs baseline window.

    z = (median(last window) − median(first window)) / (1.4826 × MAD(first window)), with the MAD
    floored at 1 % of the baseline median's magnitude (and at 1e-9) so a perfectly flat baseline
    cannot divide by zero. 1.4826 × MAD estimates the standard deviation for normal noise
    (Rousseeuw & Croux 1993).

    >>> df = synthetic_degradation(None, seed=2)
    >>> max(abs(z) for z in metric_shifts(df).values()) < 3
    True
    """
    window_days = check_int("window_days", window_days, low=1, high=60)
    w = window_days * 24
    _check_metrics_frame(metrics, w)
    shifts = {}
    for col in metrics.columns:
        series = metrics[col]
        if not np.issubdtype(series.dtype, np.number):
            continue
        base = series.iloc[:w].to_numpy(dtype=float)
        cur = series.iloc[-w:].to_numpy(dtype=float)
        if not (np.isfinite(base).all() and np.isfinite(cur).all()):
            raise ValueError(f"metrics[{col!r}] must hold finite numbers")
        med = float(np.median(base))
        mad = float(np.median(np.abs(base - med)))
        scale = max(1.4826 * mad, 0.01 * abs(med), 1e-9)
        shifts[col] = (float(np.median(cur)) - med) / scale
    return shifts


@dataclass(frozen=True)
class Diagnosis:
    """Outcome of :func:`diagnose_degradation`.

    ``cause`` is the best-scoring cause, or ``None`` when no cause has every symptom (score below
    ``threshold``) or the step time did not degrade. ``scores`` maps cause → weakest-symptom score.
    """

    cause: str | None
    scores: tuple[tuple[str, float], ...]
    slowdown_pct: float
    step_time_z: float
    shifts: tuple[tuple[str, float], ...]
    threshold: float

    def table(self):
        """Scores as a DataFrame sorted best first, with each cause's symptom z-scores."""
        import pandas as pd

        shifts = dict(self.shifts)
        rows = []
        for cause, score in self.scores:
            rows.append(
                {
                    "cause": cause,
                    "score": score,
                    "symptoms": ", ".join(
                        f"{m} {'↑' if d > 0 else '↓'} z={shifts.get(m, float('nan')):+.1f}"
                        for m, d in SIGNATURES[cause]
                    ),
                    "named": cause == self.cause,
                }
            )
        return pd.DataFrame(rows).sort_values("score", ascending=False).reset_index(drop=True)


def diagnose_degradation(metrics, *, window_days: int = 7, threshold: float = 4.0) -> Diagnosis:
    """Systematic diagnosis: which cause has *all* its symptoms, baseline week vs current week?

    For each cause in :data:`SIGNATURES`, score = min over its signature metrics of
    direction × z (from :func:`metric_shifts`). The cause with the highest score is named if the
    score is ≥ ``threshold`` and training actually slowed (step-time z ≥ ``threshold``).

    >>> diagnose_degradation(synthetic_degradation("storage_slowdown", seed=4)).cause
    'storage_slowdown'
    >>> diagnose_degradation(synthetic_degradation(None, seed=4)).cause is None
    True
    """
    threshold = check_number("threshold", threshold, low=0, low_inclusive=False, high=1e6)
    shifts = metric_shifts(metrics, window_days=window_days)
    missing = sorted({m for sig in SIGNATURES.values() for m, _ in sig} - set(shifts) | ({"step_time_s"} - set(shifts)))
    if missing:
        raise ValueError(f"metrics must have the columns of METRIC_BASELINES; missing {missing}")
    scores = {cause: min(d * shifts[m] for m, d in sig) for cause, sig in SIGNATURES.items()}
    ranked = tuple(sorted(scores.items(), key=lambda kv: -kv[1]))
    step_z = shifts["step_time_s"]
    w = window_days * 24
    base = float(np.median(metrics["step_time_s"].iloc[:w]))
    cur = float(np.median(metrics["step_time_s"].iloc[-w:]))
    slowdown_pct = 100.0 * (cur - base) / base if base else math.inf
    best, best_score = ranked[0]
    cause = best if (best_score >= threshold and step_z >= threshold) else None
    return Diagnosis(
        cause=cause,
        scores=ranked,
        slowdown_pct=slowdown_pct,
        step_time_z=step_z,
        shifts=tuple(sorted(shifts.items())),
        threshold=threshold,
    )


# ============================================================================================
# 3. The resource-allocation paradox, on the scheduling simulator
# ============================================================================================

PARADOX_OPTIONS = ("wait", "lowest_priority", "least_progress", "newest")
"""Wait for completions, or preempt victims chosen by one of the simulator's rules (the text's
"preempt oldest" is only in the analytic :func:`course_kit.scheduling.preemption_options`)."""


def allocation_paradox(
    seed: int = 0,
    *,
    options=PARADOX_OPTIONS,
    big_job_hours: float = 4.0,
    waited_s: float = 7200.0,
    sla_wait_s: float = 1800.0,
    checkpoint_s: float | None = None,
    gpu_hour_cost_usd: float = 4.10,
    sla_cost_per_hour_usd: float = 1000.0,
):
    """Scenario 3 of the course text, simulated once per option.

    The 20 running jobs are :func:`course_kit.scheduling.scenario3_running_jobs` (seeded,
    illustrative run times: the text gives none). "Now" is the moment the decision is taken: each
    running job was submitted ``elapsed`` seconds earlier, the 16 × 4-GPU gang (priority 100) is
    submitted now, and it has already waited ``waited_s`` (2 h) against an SLA of ``sla_wait_s``
    (30 min). Each option runs :func:`course_kit.scheduling.simulate` on 25 nodes × 4 GPUs with the
    ``priority`` queue, without preemption (``wait``) or with the named victim rule; preempted jobs
    restart from their last checkpoint (``checkpoint_s``; from scratch when ``None``).

    Columns: ``option, victims, big_job_wait_h`` (from now), ``sla_violation_h`` (total wait beyond
    the SLA), ``lost_gpu_hours``, ``low_jobs_mean_finish_h`` (from now), ``cost_usd`` =
    SLA cost × violation + GPU-hour cost × lost GPU-hours. The unit costs are illustrative
    ($4.10 ≈ one on-demand A100-hour, docs/sources.md#cloud-prices; the SLA price is a business choice).
    """
    import pandas as pd

    from course_kit import scheduling as sch

    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    if isinstance(options, str) or not hasattr(options, "__iter__"):
        raise ValueError(f"options must be a list drawn from {PARADOX_OPTIONS}; got {options!r}")
    opts = [check_choice("options", o, PARADOX_OPTIONS) for o in options]
    if not opts:
        raise ValueError(f"options must name at least one of {PARADOX_OPTIONS}")
    big_s = check_number("big_job_hours", big_job_hours, low=0, low_inclusive=False, high=1000) * 3600
    waited = check_number("waited_s", waited_s, low=0, high=1e7)
    sla = check_number("sla_wait_s", sla_wait_s, low=0, high=1e7)
    if checkpoint_s is not None:
        checkpoint_s = check_number("checkpoint_s", checkpoint_s, low=0, low_inclusive=False, high=1e7)
    c_gpu = check_number("gpu_hour_cost_usd", gpu_hour_cost_usd, low=0, high=1e6)
    c_sla = check_number("sla_cost_per_hour_usd", sla_cost_per_hour_usd, low=0, high=1e9)

    workload, now = sch.scenario3_workload(sch.scenario3_running_jobs(seed), big_job_hours=big_s / 3600,
                                           sla_wait_s=max(sla - waited, 0.0), now_offset_s=1.0)
    cluster = sch.Cluster.homogeneous(25, gpus_per_node=4)
    rows = []
    for opt in opts:
        params = {} if opt == "wait" else {"preemption": opt, "checkpoint_s": checkpoint_s}
        if opt != "wait" and checkpoint_s is None:
            params.pop("checkpoint_s")
        r = sch.simulate(cluster, workload, queue="priority", queue_params=params)
        frame = r.jobs_frame()
        big = frame[frame["name"] == "big"].iloc[0]
        low = frame[frame["name"] != "big"]
        wait_h = (float(big["first_start_s"]) - now) / 3600
        violation_h = max(waited / 3600 + wait_h - sla / 3600, 0.0)
        lost = float(r.summary()["lost_gpu_hours"])
        rows.append(
            {
                "option": opt,
                "victims": len({v for _, v, _ in r.preemptions}),
                "big_job_wait_h": wait_h,
                "sla_violation_h": violation_h,
                "lost_gpu_hours": lost,
                "low_jobs_mean_finish_h": float((low["end_s"] - now).mean() / 3600),
                "cost_usd": c_sla * violation_h + c_gpu * lost,
            }
        )
    return pd.DataFrame(rows)
