"""Industry best practices as numbers (section 9): availability, SLOs and error budgets, p99,
cost per inference, and the DVFS energy trade-off.

Formulas and sources:

* Steady-state availability A = MTBF / (MTBF + MTTR) (standard reliability engineering, e.g.
  NIST/SEMATECH e-Handbook §8.1; the fraction of time a repairable system is up). Components in
  series: A = Π Aᵢ; redundant (parallel) components: A = 1 − Π(1 − Aᵢ).
* Error budget = (1 − SLO) × window: a 99.9 % SLO over 30 days allows 43.2 minutes of
  unavailability (Google SRE Workbook, "Implementing SLOs"). Burn rate = observed error ratio /
  (1 − SLO); a burn rate of 14.4 for 1 hour spends 2 % of a 30-day budget (SRE Workbook,
  "Alerting on SLOs").
* Percentiles: nearest-rank p-th percentile = the ⌈p/100 · N⌉-th smallest value (Hyndman & Fan
  1996 definition 1; "nearest-rank method"), or numpy's linear interpolation (definition 7).
* Cost per inference = hourly cost / (throughput × 3600 × utilisation). Energy per inference
  = power × PUE / throughput; PUE comes from :mod:`course_kit.power` (it lives there).
* DVFS (dynamic voltage and frequency scaling): CMOS dynamic power P_dyn = a·C·V²·f (Weste &
  Harris, *CMOS VLSI Design*, 4th ed., §5.1); run time of a job of W cycles t = W / f; energy
  E = (P_dyn + P_static)·t = a·C·V²·W + P_static·W/f. Dynamic energy per job depends on V², not
  on f; static energy grows as f falls — so the lowest frequency is not always the cheapest.
  The capacitance and static power used in the notebook are **illustrative** round numbers.

* Fair-share KPI: each queue's achieved share of GPU time against its entitlement in a weighted
  queue tree, measured on section 4's simulator (:func:`queue_share_experiment`).

The course text's KPI targets (:data:`COURSE_TEXT_KPI_TARGETS`) are illustrative and unsourced (docs/sources.md
errata 54); they are kept as an exercise in checking that targets agree with each other.

>>> round(availability(720, 0.25), 5)       # course text targets: MTBF 720 h, MTTR 15 min
0.99965
>>> round(error_budget_minutes(0.999, 30), 1)
43.2
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "availability",
    "series_availability",
    "parallel_availability",
    "downtime_minutes",
    "error_budget_minutes",
    "burn_rate",
    "budget_consumed_fraction",
    "error_budget_remaining",
    "percentile_ms",
    "cost_per_inference_usd",
    "energy_per_inference_j",
    "energy_cost_per_inference_usd",
    "COURSE_TEXT_KPI_TARGETS",
    "evaluate_kpis",
    "DvfsPoint",
    "DvfsResult",
    "COURSE_TEXT_DVFS_POINTS",
    "dvfs_energy",
    "dvfs_tradeoff",
    "queue_share_experiment",
]

_MINUTES_PER_DAY = 24 * 60


# --------------------------------------------------------------------------------------------
# Availability and error budgets
# --------------------------------------------------------------------------------------------


def availability(mtbf_h, mttr_h) -> float:
    """Steady-state availability A = MTBF / (MTBF + MTTR).

    >>> availability(99, 1)
    0.99
    """
    mtbf = check_number("mtbf_h", mtbf_h, low=0, low_inclusive=False, high=1e9)
    mttr = check_number("mttr_h", mttr_h, low=0, high=1e9)
    return mtbf / (mtbf + mttr)


def _availabilities(values, name: str) -> list[float]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{name} must be a list of availabilities in [0, 1]; got {values!r}")
    out = [check_number(f"{name}[{i}]", v, low=0, high=1) for i, v in enumerate(values)]
    if not out:
        raise ValueError(f"{name} must hold at least one availability; got none")
    return out


def series_availability(availabilities) -> float:
    """All components needed (in series): A = Π Aᵢ.

    >>> round(series_availability([0.999, 0.999, 0.999]), 6)
    0.997003
    """
    return float(math.prod(_availabilities(availabilities, "availabilities")))


def parallel_availability(availabilities) -> float:
    """Any one component suffices (redundant, independent failures): A = 1 − Π(1 − Aᵢ).

    >>> round(parallel_availability([0.99, 0.99]), 6)
    0.9999
    """
    return float(1 - math.prod(1 - a for a in _availabilities(availabilities, "availabilities")))


def downtime_minutes(availability_, window_days=365) -> float:
    """Expected downtime in a window: (1 − A) × window.

    >>> round(downtime_minutes(0.999, 365) / 60, 2)     # "three nines" ≈ 8.76 h a year
    8.76
    """
    a = check_number("availability", availability_, low=0, high=1)
    days = check_number("window_days", window_days, low=0, low_inclusive=False, high=36_500)
    return (1 - a) * days * _MINUTES_PER_DAY


def error_budget_minutes(slo_target, window_days=30) -> float:
    """Allowed unavailability for an SLO over a window: (1 − SLO) × window (SRE Workbook).

    >>> round(error_budget_minutes(0.9999, 30), 2)
    4.32
    """
    slo = check_number("slo_target", slo_target, low=0, high=1, low_inclusive=False, high_inclusive=False)
    return downtime_minutes(slo, window_days)


def burn_rate(error_ratio, slo_target) -> float:
    """How fast the error budget burns: observed error ratio / (1 − SLO). 1.0 = exactly on budget.

    >>> round(burn_rate(0.0144, 0.999), 1)
    14.4
    """
    err = check_number("error_ratio", error_ratio, low=0, high=1)
    slo = check_number("slo_target", slo_target, low=0, high=1, low_inclusive=False, high_inclusive=False)
    return err / (1 - slo)


def budget_consumed_fraction(burn_rate_, duration_h, window_days=30) -> float:
    """Share of a window's error budget spent by burning at ``burn_rate_`` for ``duration_h``.

    >>> round(budget_consumed_fraction(14.4, 1, 30), 3)     # the SRE Workbook's fast-burn alert
    0.02
    """
    rate = check_number("burn_rate", burn_rate_, low=0, high=1e6)
    hours = check_number("duration_h", duration_h, low=0, high=1e6)
    days = check_number("window_days", window_days, low=0, low_inclusive=False, high=36_500)
    return rate * hours / (days * 24)


def error_budget_remaining(slo_target, good_events, total_events) -> float:
    """Fraction of the error budget left: 1 − (bad / total) / (1 − SLO); negative = overspent.

    >>> round(error_budget_remaining(0.999, 999_600, 1_000_000), 3)   # 400 bad of 1,000 allowed
    0.6
    """
    slo = check_number("slo_target", slo_target, low=0, high=1, low_inclusive=False, high_inclusive=False)
    total = check_int("total_events", total_events, low=1)
    good = check_int("good_events", good_events, low=0, high=total)
    return 1 - ((total - good) / total) / (1 - slo)


# --------------------------------------------------------------------------------------------
# Latency percentiles and cost
# --------------------------------------------------------------------------------------------


def percentile_ms(sample_ms, q=99, *, method: str = "nearest_rank") -> float:
    """The q-th percentile of a latency sample (ms).

    ``method="nearest_rank"``: the ⌈q/100·N⌉-th smallest value (always an observed latency);
    ``method="linear"``: numpy's default linear interpolation. For small samples they differ:
    with 100 values the nearest-rank p99 is the 99th smallest, the linear one lies between the
    99th and the 100th.

    >>> percentile_ms(list(range(1, 101)), 99)
    99.0
    >>> percentile_ms(list(range(1, 101)), 99, method="linear")
    99.01
    """
    q = check_number("q", q, low=0, high=100, low_inclusive=False)
    check_choice("method", method, ("nearest_rank", "linear"))
    if isinstance(sample_ms, (str, bytes, Mapping)) or not hasattr(sample_ms, "__iter__"):
        raise ValueError(f"sample_ms must be a sequence of latencies in ms; got {type(sample_ms).__name__}")
    values = []
    for v in sample_ms:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(float(v)) or v < 0:
            raise ValueError(f"sample_ms must hold finite latencies >= 0; got {v!r}")
        values.append(float(v))
    if not values:
        raise ValueError("sample_ms must hold at least one latency; got none")
    arr = np.sort(np.asarray(values))
    if method == "linear":
        return float(np.percentile(arr, q))
    rank = max(1, math.ceil(q / 100 * len(arr) - 1e-9))
    return float(arr[rank - 1])


def cost_per_inference_usd(hourly_cost_usd, throughput_rps, utilization=1.0) -> float:
    """Infrastructure cost of one inference: hourly cost / (throughput × 3600 × utilisation).

    ``throughput_rps`` is what one instance serves when busy; ``utilization`` the busy share.

    >>> round(cost_per_inference_usd(4.10, 200, 0.5) * 1e6, 2)    # $ per million inferences
    11.39
    """
    cost = check_number("hourly_cost_usd", hourly_cost_usd, low=0, high=1e6)
    rps = check_number("throughput_rps", throughput_rps, low=0, low_inclusive=False, high=1e9)
    util = check_number("utilization", utilization, low=0, high=1, low_inclusive=False)
    result = cost / rps / 3600 / util  # divided in turn: no underflow of the denominator
    if not math.isfinite(result):
        raise ValueError(f"throughput_rps {rps:g} and utilization {util:g} give no finite cost: use realistic values")
    return result


def energy_per_inference_j(power_w, throughput_rps, pue_=1.0, utilization=1.0, idle_power_w=None) -> float:
    """Facility energy per inference (J), at the same busy share as :func:`cost_per_inference_usd`.

    A device busy a share ``u`` of the time draws ``u·P_busy + (1 − u)·P_idle`` on average and serves
    ``u × throughput`` inferences per second, so

        energy per inference = PUE × (u·P_busy + (1 − u)·P_idle) / (u × throughput)

    ``idle_power_w`` defaults to ``power_w`` (an upper bound: no sourced idle figure is in
    docs/sources.md; measure yours with ``nvidia-smi``). ``u = 1`` gives ``P × PUE / throughput``.
    PUE from :mod:`course_kit.power` (docs/sources.md#pue).

    >>> round(energy_per_inference_j(400, 200, 1.5), 2)
    3.0
    >>> round(energy_per_inference_j(400, 200, 1.5, utilization=0.4, idle_power_w=100), 3)
    4.125
    """
    from course_kit import power

    busy = check_number("power_w", power_w, low=0, high=1e7)
    rps = check_number("throughput_rps", throughput_rps, low=0, low_inclusive=False, high=1e9)
    util = check_number("utilization", utilization, low=0, high=1, low_inclusive=False)
    idle = busy if idle_power_w is None else check_number("idle_power_w", idle_power_w, low=0, high=busy)
    average_w = util * busy + (1 - util) * idle
    return power.facility_power_w(average_w, pue_) / (rps * util)


def energy_cost_per_inference_usd(power_w, throughput_rps, pue_=1.0, price_usd_per_kwh=0.10,
                                  utilization=1.0, idle_power_w=None) -> float:
    """Electricity cost of one inference: energy (J) / 3.6e6 J/kWh × price.

    >>> round(energy_cost_per_inference_usd(400, 200, 1.5, 0.10) * 1e6, 4)   # $ per million
    0.0833
    """
    price = check_number("price_usd_per_kwh", price_usd_per_kwh, low=0, high=100)
    return energy_per_inference_j(power_w, throughput_rps, pue_, utilization, idle_power_w) / 3.6e6 * price


# --------------------------------------------------------------------------------------------
# The course text's KPI table
# --------------------------------------------------------------------------------------------

COURSE_TEXT_KPI_TARGETS: dict[str, dict] = {
    "cluster_utilization": {"target": 0.85, "critical": 0.70, "higher_is_better": True, "unit": "fraction"},
    "inference_latency_p99_ms": {"target": 50, "critical": 100, "higher_is_better": False, "unit": "ms"},
    "training_job_success_rate": {"target": 0.95, "critical": 0.90, "higher_is_better": True, "unit": "fraction"},
    "cost_per_inference_usd": {"target": 0.001, "critical": 0.005, "higher_is_better": False, "unit": "USD"},
    "mtbf_hours": {"target": 720, "critical": 168, "higher_is_better": True, "unit": "h"},
    "mttr_minutes": {"target": 15, "critical": 60, "higher_is_better": False, "unit": "min"},
}
"""The course text's ``MLInfrastructureKPIs`` targets — illustrative, unsourced (docs/sources.md#erratum-54)."""


def evaluate_kpis(measured: Mapping, targets: Mapping | None = None):
    """Grade measured KPIs against targets: ``meets target``, ``warning`` or ``critical``.

    A higher-is-better KPI is critical at or below its critical threshold, meets its target at or
    above it, and is a warning in between (mirrored for lower-is-better). Returns a DataFrame.

    >>> evaluate_kpis({"mttr_minutes": 30})["status"].tolist()
    ['warning']
    """
    import pandas as pd

    targets = COURSE_TEXT_KPI_TARGETS if targets is None else targets
    if not isinstance(measured, Mapping) or not measured:
        raise ValueError("measured must be a non-empty dict of KPI name → value")
    if not isinstance(targets, Mapping):
        raise ValueError("targets must be a dict like COURSE_TEXT_KPI_TARGETS")
    rows = []
    for name, value in measured.items():
        if name not in targets:
            raise ValueError(f"measured KPI names must be among {sorted(targets)}; got {name!r}")
        t = targets[name]
        v = check_number(f"measured[{name!r}]", value)
        if t["higher_is_better"]:
            status = "meets target" if v >= t["target"] else ("critical" if v <= t["critical"] else "warning")
        else:
            status = "meets target" if v <= t["target"] else ("critical" if v >= t["critical"] else "warning")
        rows.append({"kpi": name, "value": v, "target": t["target"], "critical": t["critical"],
                     "unit": t.get("unit", ""), "status": status})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# DVFS
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DvfsPoint:
    """An operating point: clock frequency (GHz) and supply voltage (V)."""

    name: str
    frequency_ghz: float
    voltage_v: float

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string; got {self.name!r}")
        check_number("frequency_ghz", self.frequency_ghz, low=0, low_inclusive=False, high=10)
        check_number("voltage_v", self.voltage_v, low=0, low_inclusive=False, high=5)


COURSE_TEXT_DVFS_POINTS = (
    DvfsPoint("performance", 3.0, 1.2),
    DvfsPoint("balanced", 2.4, 1.1),
    DvfsPoint("low", 1.5, 0.9),
)
"""The course text's ``implement_dvfs`` operating points (3000 MHz/1.2 V, 2400/1.1, 1500/0.9)."""


@dataclass(frozen=True)
class DvfsResult:
    point: DvfsPoint
    dynamic_power_w: float
    total_power_w: float
    time_s: float
    dynamic_energy_j: float
    static_energy_j: float
    idle_energy_j: float

    @property
    def energy_j(self) -> float:
        return self.dynamic_energy_j + self.static_energy_j + self.idle_energy_j


def dvfs_energy(
    point: DvfsPoint,
    *,
    work_gcycles,
    capacitance_nf=35.0,
    static_power_w=30.0,
    activity=1.0,
    deadline_s=None,
    idle_power_w=0.0,
) -> DvfsResult:
    """Power, time and energy of a job of ``work_gcycles`` × 10⁹ cycles at one operating point.

    P_dyn = a·C·V²·f (C in nF × f in GHz gives W), t = W/f, E = (P_dyn + P_static)·t. With a
    ``deadline_s`` the machine idles at ``idle_power_w`` after finishing, until the deadline
    (the "race to idle" comparison); a point that misses the deadline raises ``ValueError``.
    Default C = 35 nF and P_static = 30 W are illustrative (≈ 150 W dynamic at 3 GHz, 1.2 V).

    >>> r = dvfs_energy(DvfsPoint("x", 2.0, 1.0), work_gcycles=4, capacitance_nf=10, static_power_w=5)
    >>> r.dynamic_power_w, r.time_s, r.energy_j
    (20.0, 2.0, 50.0)
    """
    if not isinstance(point, DvfsPoint):
        raise ValueError(f"point must be a DvfsPoint; got {type(point).__name__}")
    work = check_number("work_gcycles", work_gcycles, low=0, low_inclusive=False, high=1e9)
    c = check_number("capacitance_nf", capacitance_nf, low=0, high=1e6)
    p_static = check_number("static_power_w", static_power_w, low=0, high=1e6)
    a = check_number("activity", activity, low=0, high=1)
    p_idle = check_number("idle_power_w", idle_power_w, low=0, high=1e6)
    p_dyn = a * c * point.voltage_v**2 * point.frequency_ghz
    t = work / point.frequency_ghz
    idle = 0.0
    if deadline_s is not None:
        deadline = check_number("deadline_s", deadline_s, low=0, low_inclusive=False, high=1e12)
        if t > deadline * (1 + 1e-12):
            raise ValueError(
                f"deadline_s must allow the job to finish at {point.name} ({t:.3g} s needed); got {deadline_s!r}"
            )
        idle = p_idle * max(deadline - t, 0.0)
    return DvfsResult(
        point=point,
        dynamic_power_w=p_dyn,
        total_power_w=p_dyn + p_static,
        time_s=t,
        dynamic_energy_j=p_dyn * t,
        static_energy_j=p_static * t,
        idle_energy_j=idle,
    )


def dvfs_tradeoff(points: Sequence[DvfsPoint] = COURSE_TEXT_DVFS_POINTS, **kwargs):
    """:func:`dvfs_energy` for each point, as a DataFrame (one row per point, energy-optimal flagged).

    >>> df = dvfs_tradeoff(work_gcycles=30, static_power_w=30)
    >>> df.loc[df["energy_optimal"], "point"].tolist()      # low static power: slow down
    ['low']
    >>> df = dvfs_tradeoff(work_gcycles=30, static_power_w=100)
    >>> df.loc[df["energy_optimal"], "point"].tolist()      # high static power: race to idle
    ['performance']
    """
    import pandas as pd

    if isinstance(points, DvfsPoint) or not isinstance(points, Sequence) or not points:
        raise ValueError("points must be a non-empty sequence of DvfsPoint")
    results = [dvfs_energy(p, **kwargs) for p in points]
    best = min(range(len(results)), key=lambda i: results[i].energy_j)
    return pd.DataFrame(
        [
            {
                "point": r.point.name,
                "frequency_ghz": r.point.frequency_ghz,
                "voltage_v": r.point.voltage_v,
                "power_w": r.total_power_w,
                "time_s": r.time_s,
                "dynamic_energy_j": r.dynamic_energy_j,
                "static_energy_j": r.static_energy_j,
                "idle_energy_j": r.idle_energy_j,
                "energy_j": r.energy_j,
                "energy_optimal": i == best,
            }
            for i, r in enumerate(results)
        ]
    )


# --------------------------------------------------------------------------------------------
# Fair share: entitled vs achieved, on the scheduling simulator
# --------------------------------------------------------------------------------------------


def queue_share_experiment(
    queue: str = "hierarchical",
    tree: Mapping | None = None,
    *,
    nodes: int = 8,
    gpus_per_node: int = 8,
    jobs_per_leaf: int = 300,
    horizon_h: float = 6.0,
    seed: int = 0,
):
    """Entitled vs achieved GPU share per leaf queue of a weighted queue tree.

    Every leaf queue of ``tree`` (default: the course text's tree,
    :data:`course_kit.scheduling.COURSE_TEXT_QUEUE_TREE`) submits ``jobs_per_leaf`` one-GPU jobs at
    time 0, in a seeded random order, with log-normal run times (median 1 h, σ = 0.5) — more work
    than the cluster can do within ``horizon_h``, so every queue always has a backlog. The jobs run
    on :func:`course_kit.scheduling.simulate` with the ``queue`` policy (``hierarchical`` uses the
    tree; ``fifo`` ignores it). Achieved share = the queue's GPU-seconds in [0, horizon] / all
    GPU-seconds in that window; entitled share = :func:`course_kit.scheduling.hierarchical_shares`.

    Returns a DataFrame ``leaf, entitled_share, achieved_share, ratio`` (ratio = achieved /
    entitled; 1.0 is perfectly fair).
    """
    import pandas as pd

    from course_kit import scheduling as sch

    tree = sch.COURSE_TEXT_QUEUE_TREE if tree is None else tree
    check_choice("queue", queue, ("hierarchical", "fifo"))
    entitled = sch.hierarchical_shares(tree)
    nodes = check_int("nodes", nodes, low=1, high=1000)
    gpn = check_int("gpus_per_node", gpus_per_node, low=1, high=16)
    per_leaf = check_int("jobs_per_leaf", jobs_per_leaf, low=1, high=10_000)
    horizon_s = check_number("horizon_h", horizon_h, low=0, low_inclusive=False, high=1000) * 3600
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    rng = np.random.default_rng(seed)
    order = [leaf for leaf in entitled for _ in range(per_leaf)]
    rng.shuffle(order)
    durations = 3600.0 * np.exp(0.5 * rng.standard_normal(len(order)))
    jobs = [
        sch.Job(f"{leaf}-{k}", 0.0, float(d), sch.Demand(num_gpu=1), queue=leaf)
        for k, (leaf, d) in enumerate(zip(order, durations))
    ]
    workload = sch.Workload.from_jobs(jobs)
    params = {"tree": tree} if queue == "hierarchical" else None
    result = sch.simulate(sch.Cluster.homogeneous(nodes, gpus_per_node=gpn), workload, queue=queue,
                          queue_params=params, horizon_s=horizon_s)
    seg = result.segments
    ends = np.where(np.isfinite(seg["end_s"]), seg["end_s"], horizon_s)
    busy = np.clip(ends, 0, horizon_s) - np.clip(seg["start_s"], 0, horizon_s)
    used = {leaf: 0.0 for leaf in entitled}
    for j, t in zip(seg["job"].tolist(), busy.tolist()):
        used[workload.queues[j]] += t
    total = sum(used.values())
    rows = [
        {
            "leaf": leaf,
            "entitled_share": share,
            "achieved_share": used[leaf] / total if total > 0 else 0.0,
        }
        for leaf, share in entitled.items()
    ]
    frame = pd.DataFrame(rows)
    frame["ratio"] = frame["achieved_share"] / frame["entitled_share"]
    return frame
