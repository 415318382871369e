"""Training-cluster reliability: interruption rate, checkpoint interval, goodput, hot spares.

In a synchronous training job one failed GPU (or host, NIC, cable, software hang) stops every rank,
so the job's interruption rate is the sum over its parts: λ_job = GPUs × Σ_causes λ_cause, with each
cause's rate per GPU-hour taken from the Llama 3 run's 54-day snapshot (419 unexpected interruptions
on ~16,384 GPUs; ``data/llama3_interruptions.csv``, ``docs/sources.md#llama3``). M = 1/λ_job is the
job's mean time between interruptions.

Checkpointing every τ seconds of work, with checkpoint cost δ and restart cost R (``docs/sources.md#young-daly``):

* Young (1974): τ ≈ √(2δM). Daly (2006): τ = √(2δM)·[1 + ⅓√(δ/2M) + (δ/2M)/9] − δ for δ < 2M.
* Expected wall time of one segment (τ work + δ checkpoint) when failures are exponential and can
  strike during work, checkpoint or restart (Daly 2006): T(τ) = M·e^{R/M}·(e^{(τ+δ)/M} − 1).
  Goodput = τ / T(τ) ≤ 1: the share of wall-clock time that becomes preserved progress
  (``docs/sources.md#goodput``). Its exact optimum solves e^{(τ+δ)/M}·(1 − τ/M) = 1.
* Hot spares: a hardware interruption costs a node swap if a spare is free, else the repair time. With
  repairs taking ``repair_s`` the nodes under repair are Poisson with mean λ_hw·repair (M/G/∞), so a
  failure finds all ``spares`` busy with probability P(N ≥ spares).

:func:`monte_carlo` simulates the same job (seeded): exponential failures on the wall clock, segments
that complete only if no failure hits them, restarts that start over when hit.

>>> round(llama3_rate_per_gpu_hour() * 16_384 * 24 * 54)
419
>>> round(young_interval_s(300, 24 * 3600) / 60), round(daly_interval_s(300, 24 * 3600) / 60, 1)
(120, 116.7)
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass

import numpy as np

from course_kit._validate import check_int, check_number

__all__ = [
    "LLAMA3_GPUS", "LLAMA3_DAYS", "interruption_causes", "llama3_rate_per_gpu_hour", "rates_by_component",
    "job_interruptions_per_hour", "mtbf_s", "young_interval_s", "daly_interval_s", "optimal_interval_s",
    "goodput", "goodput_curve", "restart_with_spares_s", "MonteCarloResult", "monte_carlo",
]

#: The Llama 3 snapshot: ~16,384 H100 GPUs for 54 days (``docs/sources.md#llama3``).
LLAMA3_GPUS = 16_384
LLAMA3_DAYS = 54
_MAX_S = 1e10


@functools.lru_cache(maxsize=1)
def interruption_causes() -> tuple[dict, ...]:
    """Rows of ``data/llama3_interruptions.csv``: cause, component, count (Table 5 of the paper).

    >>> sum(r["count"] for r in interruption_causes())
    419
    """
    from course_kit.paths import data_path

    with open(data_path("llama3_interruptions.csv"), newline="", encoding="utf-8") as fh:
        return tuple({**row, "count": int(row["count"])} for row in csv.DictReader(fh))


def rates_by_component() -> dict[str, float]:
    """Interruptions per GPU-hour by component (gpu, host, network, software), from the snapshot.

    >>> sorted(rates_by_component())
    ['gpu', 'host', 'network', 'software']
    """
    hours = LLAMA3_GPUS * LLAMA3_DAYS * 24
    out: dict[str, float] = {}
    for row in interruption_causes():
        out[row["component"]] = out.get(row["component"], 0.0) + row["count"] / hours
    return out


def llama3_rate_per_gpu_hour() -> float:
    """All 419 unexpected interruptions per GPU-hour: 419 / (16,384 · 54 · 24) ≈ 2.0e-5."""
    return sum(rates_by_component().values())


def job_interruptions_per_hour(gpus, rates_per_gpu_hour=None) -> float:
    """λ_job = GPUs × Σ rates (per GPU-hour). ``rates_per_gpu_hour``: a number or a dict of them
    (default: the Llama 3 rates by component).

    >>> round(job_interruptions_per_hour(16_384) * 24 * 54)
    419
    >>> round(job_interruptions_per_hour(1024, {"gpu": 1e-5, "network": 2e-6}), 5)
    0.01229
    """
    n = check_int("gpus", gpus, low=1, high=10_000_000)
    if rates_per_gpu_hour is None:
        rates_per_gpu_hour = rates_by_component()
    if isinstance(rates_per_gpu_hour, dict):
        total = sum(check_number(f"rate of {k!r}", v, low=0, high=1) for k, v in rates_per_gpu_hour.items())
    else:
        total = check_number("rates_per_gpu_hour", rates_per_gpu_hour, low=0, high=1)
    return n * total


def mtbf_s(gpus, rates_per_gpu_hour=None) -> float:
    """Mean time between job interruptions in seconds: 3600 / λ_job (inf if nothing fails).

    >>> round(mtbf_s(16_384) / 3600, 2)        # Llama 3: one unexpected interruption every ~3.1 h
    3.09
    """
    lam = job_interruptions_per_hour(gpus, rates_per_gpu_hour)
    return math.inf if lam == 0 else 3600.0 / lam


def _check_times(checkpoint_s, mtbf) -> tuple[float, float]:
    d = check_number("checkpoint_s", checkpoint_s, low=0, high=_MAX_S, low_inclusive=False)
    m = check_number("mtbf_s", mtbf, low=0, high=_MAX_S, low_inclusive=False)
    return d, m


def young_interval_s(checkpoint_s, mtbf) -> float:
    """Young's first-order optimum: √(2·δ·M) (``docs/sources.md#young-daly``)."""
    d, m = _check_times(checkpoint_s, mtbf)
    return math.sqrt(2 * d * m)


def daly_interval_s(checkpoint_s, mtbf) -> float:
    """Daly's higher-order optimum: √(2δM)·[1 + ⅓√(δ/2M) + (δ/2M)/9] − δ if δ < 2M, else M.

    >>> round(daly_interval_s(300, 6 * 3600) / 60, 1), round(daly_interval_s(300, 900) / 60, 2)
    (56.7, 9.14)
    """
    d, m = _check_times(checkpoint_s, mtbf)
    if d >= 2 * m:
        return m
    r = d / (2 * m)
    return math.sqrt(2 * d * m) * (1 + math.sqrt(r) / 3 + r / 9) - d


def goodput(interval_s, checkpoint_s, restart_s, mtbf) -> float:
    """Expected goodput τ / (M·e^{R/M}·(e^{(τ+δ)/M} − 1)) for work interval τ = ``interval_s``.

    >>> round(goodput(3600, 60, 600, 24 * 3600), 4)
    0.9563
    >>> goodput(3600, 60, 600, 1e9) > 0.98     # nothing fails: only the checkpoint cost remains
    True
    """
    tau = check_number("interval_s", interval_s, low=0, high=_MAX_S, low_inclusive=False)
    d, m = _check_times(checkpoint_s, mtbf)
    r = check_number("restart_s", restart_s, low=0, high=_MAX_S)
    # expm1 keeps precision when M is huge; the exponent is capped so an absurd input gives 0, not inf/inf
    x = min((tau + d) / m, 700.0)
    return tau / (m * math.exp(min(r / m, 700.0)) * math.expm1(x))


def goodput_curve(intervals_s, checkpoint_s, restart_s, mtbf) -> np.ndarray:
    """:func:`goodput` for many intervals at once (numpy; validated once), e.g. for a figure.

    >>> bool(abs(goodput_curve([3600], 60, 600, 86400)[0] - goodput(3600, 60, 600, 86400)) < 1e-12)
    True
    """
    try:
        taus = np.asarray(intervals_s, dtype=float)
    except (TypeError, ValueError):
        taus = np.empty(0)
    if taus.ndim != 1 or taus.size == 0 or not np.all(np.isfinite(taus)) or np.any(taus <= 0) or taus.size > 100_000:
        raise ValueError(f"intervals_s must be 1 to 100000 finite numbers > 0; got {intervals_s!r}")
    d, m = _check_times(checkpoint_s, mtbf)
    r = check_number("restart_s", restart_s, low=0, high=_MAX_S)
    x = np.minimum((taus + d) / m, 700.0)
    with np.errstate(over="ignore"):           # an overflowing wall time means goodput 0, which is right
        return taus / (m * math.exp(min(r / m, 700.0)) * np.expm1(x))


def optimal_interval_s(checkpoint_s, mtbf) -> float:
    """The τ that maximises :func:`goodput` exactly (independent of R): root of e^{(τ+δ)/M}(1 − τ/M) = 1
    on (0, M), by bisection.

    >>> d, m = 60, 3 * 3600
    >>> abs(optimal_interval_s(d, m) - daly_interval_s(d, m)) < 0.01 * daly_interval_s(d, m)
    True
    """
    d, m = _check_times(checkpoint_s, mtbf)
    lo, hi = 0.0, m
    for _ in range(200):
        mid = (lo + hi) / 2
        if math.exp(min((mid + d) / m, 700.0)) * (1 - mid / m) - 1 > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def restart_with_spares_s(restart_s, *, hardware_per_hour, spares, swap_s=600.0, repair_s=48 * 3600.0,
                          hardware_share=0.78) -> float:
    """Mean restart cost with ``spares`` hot-spare nodes (see module docstring).

    Every interruption costs ``restart_s``; the ``hardware_share`` of them that need a node replaced also
    cost ``swap_s`` if a spare is free, else ``repair_s``. ``hardware_per_hour``: the job's hardware
    interruption rate. 0.78 = Llama 3's share of hardware causes (``docs/sources.md#llama3``).

    >>> no, some = (restart_with_spares_s(600, hardware_per_hour=0.25, spares=k) for k in (0, 24))
    >>> round(no / 3600, 1), round(some / 60, 1)
    (37.6, 21.1)
    """
    r = check_number("restart_s", restart_s, low=0, high=_MAX_S)
    lam = check_number("hardware_per_hour", hardware_per_hour, low=0, high=1e6)
    k = check_int("spares", spares, low=0, high=100_000)
    swap = check_number("swap_s", swap_s, low=0, high=_MAX_S)
    repair = check_number("repair_s", repair_s, low=0, high=_MAX_S)
    share = check_number("hardware_share", hardware_share, low=0, high=1)
    mean_in_repair = lam * repair / 3600.0
    # P(N >= k) for N ~ Poisson(mean): 1 - sum_{j<k} pmf(j)
    pmf, cdf = math.exp(-mean_in_repair), 0.0
    for j in range(k):
        cdf += pmf
        pmf *= mean_in_repair / (j + 1)
    p_none_free = max(0.0, 1.0 - cdf)
    return r + share * (p_none_free * repair + (1 - p_none_free) * swap)


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-replicate goodput and interruption counts of :func:`monte_carlo`, and their means."""

    goodput: np.ndarray
    interruptions: np.ndarray

    @property
    def mean_goodput(self) -> float:
        return float(self.goodput.mean())

    @property
    def mean_interruptions(self) -> float:
        return float(self.interruptions.mean())


def monte_carlo(interval_s, checkpoint_s, restart_s, mtbf, *, horizon_s=30 * 86400, replicates=200,
                seed=0) -> MonteCarloResult:
    """Simulate the job ``replicates`` times over ``horizon_s`` of wall clock (seeded).

    Failures are a Poisson process of mean gap M. After a failure the job restarts (R seconds; a failure
    during the restart starts it again), then runs segments of τ work + δ checkpoint; only completed
    segments count. Between two failures the job therefore completes ⌊max(gap − R, 0)/(τ+δ)⌋ segments
    (the first window has no restart); the last window is cut at the horizon. Vectorised over replicates.

    >>> res = monte_carlo(3600, 60, 600, 6 * 3600, replicates=400, seed=1)
    >>> abs(res.mean_goodput - goodput(3600, 60, 600, 6 * 3600)) < 0.01
    True
    """
    tau = check_number("interval_s", interval_s, low=0, high=_MAX_S, low_inclusive=False)
    d, m = _check_times(checkpoint_s, mtbf)
    r = check_number("restart_s", restart_s, low=0, high=_MAX_S)
    horizon = check_number("horizon_s", horizon_s, low=1, high=1e10)
    reps = check_int("replicates", replicates, low=1, high=100_000)
    rng = np.random.default_rng(check_int("seed", seed, low=0, high=2**63 - 1))
    mean_n = horizon / m
    k = int(mean_n + 8 * math.sqrt(mean_n) + 16)       # enough draws: P(more failures) is negligible
    if reps * k > 50_000_000:
        raise ValueError(f"replicates × expected failures is too large ({reps} × {k}); lower replicates or horizon_s")
    times = np.cumsum(rng.exponential(m, size=(reps, k)), axis=1)
    times = np.minimum(times, horizon)
    starts = np.concatenate([np.zeros((reps, 1)), times[:, :-1]], axis=1)
    restart = np.concatenate([np.zeros((reps, 1)), np.full((reps, k - 1), r)], axis=1)
    # the last window ends at the horizon, not at a failure
    window = times - starts - restart
    tail = horizon - times[:, -1:]       # >= 0; only if all k failures happened before the horizon
    segments = np.floor(np.maximum(window, 0.0) / (tau + d)).sum(axis=1)
    tail_start = np.maximum(tail - r, 0.0)
    segments += np.floor(tail_start / (tau + d)).ravel()
    interruptions = (times < horizon).sum(axis=1)
    return MonteCarloResult(goodput=segments * tau / horizon, interruptions=interruptions)
