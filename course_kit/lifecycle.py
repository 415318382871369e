"""Section 1, AI/ML lifecycle: a pipeline of stages, its latency budget, queues and traces.

The model
---------
A pipeline is a sequence of :class:`Stage` objects. Each stage's latency is **log-normal**, set by its
median and its 95th percentile (``sigma = ln(p95 / median) / z95`` with ``z95 = 1.6449``). A range
"a–b ms" from the course text is read as the stage's 5th–95th percentile range, so
``median = sqrt(a·b)`` and ``p95 = b`` (:meth:`Stage.from_range`). End-to-end latency is the sum of
independent stage latencies; its percentiles have no closed form, so they are estimated by seeded
Monte-Carlo (:func:`simulate_end_to_end`). Its mean *is* exact: ``Σ median·exp(sigma²/2)``
(:func:`mean_end_to_end_ms`), which the tests use to check the simulation.

Queues: below saturation a stage served at rate μ with Poisson arrivals at rate λ waits on average
``Wq = ρ/(μ−λ)`` (M/M/1, exponential service) or ``Wq = ρ/(2μ(1−ρ))`` (M/D/1, constant service;
Pollaczek–Khinchine), ρ = λ/μ (Kleinrock, *Queueing Systems* vol. 1, 1975). Both are checked against
a discrete simulation (:func:`simulate_queue`, Lindley's recursion). At or above saturation there is
no steady state: the backlog grows by ``(λ − μ)·t`` (:func:`backlog_series`).

Numbers: the course text's stage latencies ("each handoff introduces 10–100 ms", the handoff table,
"p95 < 50 ms") are illustrative targets with no published source (docs/sources.md#erratum-54). They are
used here as such and labelled so.

Example
-------
>>> stages = COURSE_TEXT_HANDOFF_STAGES
>>> [s.name for s in stages]
['Raw → Cleaned', 'Feature Engineering', 'Feature Store Write', 'Model Input Prep']
>>> round(stages[0].median_ms, 1), stages[0].p95_ms
(223.6, 500.0)
>>> p = end_to_end_percentiles(stages, n=20_000, seed=1)
>>> p[50] < p[95] < p[99]
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "Stage",
    "COURSE_TEXT_HANDOFF_STAGES",
    "REALTIME_INGESTION_STAGES",
    "COURSE_TEXT_INGESTION_SLO_MS",
    "Z95",
    "simulate_end_to_end",
    "end_to_end_percentiles",
    "mean_end_to_end_ms",
    "BudgetResult",
    "budget_check",
    "required_speedup",
    "stages_table",
    "QueueStats",
    "mm1",
    "md1",
    "simulate_queue",
    "backlog_series",
    "queue_comparison",
    "synthetic_traces",
    "stage_breakdown",
    "pipeline_latency",
    "stage_summary",
]

#: Standard-normal quantile at 0.95 (scipy.stats.norm.ppf(0.95)).
Z95 = 1.6448536269514722
#: The course text's ingestion target: "Ingestion Latency: p95 < 50ms for real-time systems" (illustrative).
COURSE_TEXT_INGESTION_SLO_MS = 50.0
_ILLUSTRATIVE = "course text §1, illustrative, no published source (docs/sources.md#erratum-54)"
_MAX_SAMPLES = 2_000_000


@dataclass(frozen=True)
class Stage:
    """One pipeline stage with a log-normal latency given by its median and 95th percentile (ms).

    >>> s = Stage("validate", median_ms=10, p95_ms=20)
    >>> round(s.sigma, 4)
    0.4214
    >>> Stage("bad", median_ms=-1, p95_ms=5)
    Traceback (most recent call last):
    ...
    ValueError: median_ms must be > 0; got -1
    """

    name: str
    median_ms: float
    p95_ms: float
    phase: str = ""
    source: str = _ILLUSTRATIVE

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string; got {self.name!r}")
        median = check_number("median_ms", self.median_ms, low=0, low_inclusive=False)
        p95 = check_number("p95_ms", self.p95_ms, low=median)
        object.__setattr__(self, "median_ms", median)
        object.__setattr__(self, "p95_ms", p95)

    @classmethod
    def from_range(cls, name: str, low_ms: float, high_ms: float, **kw) -> Stage:
        """Read a range "low–high ms" as the 5th–95th percentiles: median = √(low·high), p95 = high.

        >>> Stage.from_range("handoff", 10, 100).median_ms
        31.622776601683793
        """
        low = check_number("low_ms", low_ms, low=0, low_inclusive=False)
        high = check_number("high_ms", high_ms, low=low)
        return cls(name, median_ms=math.sqrt(low * high), p95_ms=high, **kw)

    @property
    def sigma(self) -> float:
        """Log-normal shape: ``ln(p95/median) / z95``."""
        return math.log(self.p95_ms / self.median_ms) / Z95

    @property
    def mean_ms(self) -> float:
        """Exact mean of the log-normal: ``median · exp(sigma²/2)``."""
        return self.median_ms * math.exp(self.sigma**2 / 2)

    def with_median(self, median_ms: float) -> Stage:
        """The same stage with another median and the same spread (p95/median ratio)."""
        ratio = self.p95_ms / self.median_ms
        median = check_number(f"median_ms of {self.name!r}", median_ms, low=0, low_inclusive=False)
        return Stage(self.name, median, median * ratio, self.phase, self.source)


#: The course text's "Handoff Latency Impacts" table (phase 2), ranges read as 5th–95th percentiles.
COURSE_TEXT_HANDOFF_STAGES: tuple[Stage, ...] = (
    Stage.from_range("Raw → Cleaned", 100, 500, phase="Data processing"),
    Stage.from_range("Feature Engineering", 50, 200, phase="Data processing"),
    Stage.from_range("Feature Store Write", 20, 100, phase="Data processing"),
    Stage.from_range("Model Input Prep", 10, 50, phase="Data processing"),
)

#: The course text's real-time ingestion chain (phase 1: sources → ingestion → validation → storage
#: → processing), each handoff at the text's "10–100 ms". Against its own "p95 < 50 ms" target this
#: cannot work: the point of the latency-budget widget.
REALTIME_INGESTION_STAGES: tuple[Stage, ...] = tuple(
    Stage.from_range(name, 10, 100, phase="Data collection & ingestion")
    for name in ("Source → Ingestion", "Ingestion → Validation", "Validation → Storage",
                 "Storage → Processing")
)


def _stages(stages) -> tuple[Stage, ...]:
    if isinstance(stages, Stage):
        stages = (stages,)
    try:
        out = tuple(stages)
    except TypeError:
        raise ValueError(f"stages must be a sequence of Stage objects; got {stages!r}") from None
    if not out or not all(isinstance(s, Stage) for s in out):
        raise ValueError(f"stages must be a non-empty sequence of Stage objects; got {stages!r}")
    return out


@functools.lru_cache(maxsize=16)
def _standard_normals(n: int, k: int, seed: int) -> np.ndarray:
    """Cached N(0,1) draws: the same seed gives the same draws, so a widget's plot moves smoothly."""
    z = np.random.default_rng(seed).standard_normal((n, k))
    z.setflags(write=False)
    return z


def simulate_end_to_end(stages: Sequence[Stage], *, n: int = 20_000, seed: int = 0) -> np.ndarray:
    """``n`` seeded Monte-Carlo samples of the end-to-end latency (ms): Σ median·exp(sigma·Z).
    The array is read-only (the same pipeline's samples are cached and shared).

    >>> x = simulate_end_to_end([Stage("a", 10, 20)], n=1000, seed=0)
    >>> x.shape, bool((x > 0).all())
    ((1000,), True)
    """
    st = _stages(stages)
    n = check_int("n", n, low=1, high=_MAX_SAMPLES)
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    return _simulate(tuple(st), n, seed)


@functools.lru_cache(maxsize=8)
def _simulate(stages: tuple[Stage, ...], n: int, seed: int) -> np.ndarray:
    """Cached: a widget update asks for the same pipeline's samples three times (the verdict, the
    histogram, the percentile lines); read-only, so no caller can change another's samples."""
    z = _standard_normals(n, len(stages), seed)
    mu = np.log([s.median_ms for s in stages])
    sigma = np.array([s.sigma for s in stages])
    out = np.exp(mu + sigma * z).sum(axis=1)
    out.setflags(write=False)
    return out


def end_to_end_percentiles(
    stages: Sequence[Stage],
    percentiles: Iterable[float] = (50, 95, 99),
    *,
    n: int = 20_000,
    seed: int = 0,
) -> dict[float, float]:
    """End-to-end latency percentiles (ms) by seeded Monte-Carlo: ``{50: p50, 95: p95, 99: p99}``."""
    ps = [check_number("percentiles", p, low=0, high=100) for p in percentiles]
    if not ps:
        raise ValueError("percentiles must hold at least one value in [0, 100]; got none")
    samples = simulate_end_to_end(stages, n=n, seed=seed)
    values = np.percentile(samples, ps)
    return {(int(p) if float(p).is_integer() else p): float(v) for p, v in zip(ps, values)}


def mean_end_to_end_ms(stages: Sequence[Stage]) -> float:
    """Exact mean end-to-end latency: the sum of the stages' log-normal means."""
    return float(sum(s.mean_ms for s in _stages(stages)))


@dataclass(frozen=True)
class BudgetResult:
    """Outcome of :func:`budget_check`."""

    percentile: float
    value_ms: float
    slo_ms: float
    met: bool
    margin_ms: float  # SLO minus achieved; negative when over budget
    stage_names: tuple[str, ...]
    stage_mean_ms: tuple[float, ...]
    stage_share: tuple[float, ...] = field(repr=False)  # share of the mean end-to-end latency

    @property
    def largest_stage(self) -> str | None:
        """The stage that contributes most to the mean latency (the first place to optimise), or
        None when all stages contribute equally."""
        means = np.asarray(self.stage_mean_ms)
        if len(means) > 1 and np.allclose(means, means[0], rtol=1e-9):
            return None
        return self.stage_names[int(np.argmax(means))]

    def summary(self) -> str:
        verdict = "meets" if self.met else "misses"
        largest = self.largest_stage
        where = f"largest stage: {largest}" if largest else "all stages contribute equally"
        return (f"p{self.percentile:g} = {self.value_ms:.1f} ms {verdict} the {self.slo_ms:g} ms SLO "
                f"({'+' if self.margin_ms >= 0 else ''}{self.margin_ms:.1f} ms); {where}")


def budget_check(
    stages: Sequence[Stage],
    slo_ms: float = COURSE_TEXT_INGESTION_SLO_MS,
    percentile: float = 95,
    *,
    n: int = 20_000,
    seed: int = 0,
) -> BudgetResult:
    """Does the pipeline's end-to-end ``percentile`` meet ``slo_ms``? Monte-Carlo, seeded.

    >>> r = budget_check(REALTIME_INGESTION_STAGES, slo_ms=50)
    >>> r.met, r.value_ms > 100
    (False, True)
    """
    st = _stages(stages)
    slo = check_number("slo_ms", slo_ms, low=0, low_inclusive=False)
    pct = check_number("percentile", percentile, low=0, high=100)
    value = end_to_end_percentiles(st, (pct,), n=n, seed=seed)
    v = float(next(iter(value.values())))
    means = tuple(s.mean_ms for s in st)
    total = sum(means)
    return BudgetResult(
        percentile=pct,
        value_ms=v,
        slo_ms=slo,
        met=v <= slo,
        margin_ms=slo - v,
        stage_names=tuple(s.name for s in st),
        stage_mean_ms=means,
        stage_share=tuple(m / total for m in means),
    )


def required_speedup(
    stages: Sequence[Stage],
    slo_ms: float = COURSE_TEXT_INGESTION_SLO_MS,
    percentile: float = 95,
    *,
    n: int = 20_000,
    seed: int = 0,
) -> float:
    """Factor by which every stage's latency must shrink for the pipeline to meet the SLO.

    Scaling every stage by ``s`` multiplies each log-normal sample by ``s``, hence the sum and each
    of its percentiles by ``s``: the factor is exactly ``p(now) / slo_ms`` (≤ 1 means already met).

    >>> s = required_speedup(REALTIME_INGESTION_STAGES, 50)
    >>> faster = [st.with_median(st.median_ms / s) for st in REALTIME_INGESTION_STAGES]
    >>> round(end_to_end_percentiles(faster, (95,))[95], 6)
    50.0
    """
    result = budget_check(stages, slo_ms, percentile, n=n, seed=seed)
    return result.value_ms / result.slo_ms


def stages_table(stages: Sequence[Stage]):
    """The stages as a DataFrame: median, p95, log-normal sigma, mean, phase and source."""
    import pandas as pd

    st = _stages(stages)
    return pd.DataFrame({
        "stage": [s.name for s in st],
        "phase": [s.phase for s in st],
        "median_ms": [s.median_ms for s in st],
        "p95_ms": [s.p95_ms for s in st],
        "sigma": [s.sigma for s in st],
        "mean_ms": [s.mean_ms for s in st],
        "source": [s.source for s in st],
    }).set_index("stage")


# ----------------------------------------------------------------------------- queues


@dataclass(frozen=True)
class QueueStats:
    """Steady-state figures of a single-server queue (times in ms)."""

    model: str
    utilisation: float
    mean_wait_ms: float  # time in queue, before service
    mean_response_ms: float  # wait + service
    mean_queue_length: float  # Little's law: λ·Wq


def _rates(arrival_rate_per_s, service_rate_per_s) -> tuple[float, float, float]:
    lam = check_number("arrival_rate_per_s", arrival_rate_per_s, low=0)
    mu = check_number("service_rate_per_s", service_rate_per_s, low=0, low_inclusive=False)
    rho = lam / mu
    if rho >= 1:
        raise ValueError(
            f"arrival_rate_per_s must be < service_rate_per_s ({mu:g}/s) for a steady state; got "
            f"{lam:g}/s (utilisation {rho:.2f}). At or above saturation the backlog grows without "
            "bound: use backlog_series()."
        )
    return lam, mu, rho


def mm1(arrival_rate_per_s: float, service_rate_per_s: float) -> QueueStats:
    """M/M/1 queue: ``Wq = ρ/(μ−λ)``, ``W = 1/(μ−λ)``, ``Lq = λ·Wq`` (Kleinrock 1975, §3.2).

    >>> q = mm1(80, 100)
    >>> round(q.utilisation, 2), round(q.mean_wait_ms, 1), round(q.mean_response_ms, 1)
    (0.8, 40.0, 50.0)
    """
    lam, mu, rho = _rates(arrival_rate_per_s, service_rate_per_s)
    wq = rho / (mu - lam)
    return QueueStats("M/M/1", rho, wq * 1e3, (wq + 1 / mu) * 1e3, lam * wq)


def md1(arrival_rate_per_s: float, service_rate_per_s: float) -> QueueStats:
    """M/D/1 queue (constant service time): ``Wq = ρ/(2μ(1−ρ))`` — half the M/M/1 wait.

    Pollaczek–Khinchine formula with zero service-time variance (Kleinrock 1975, §5.7).

    >>> round(md1(80, 100).mean_wait_ms, 1)
    20.0
    """
    lam, mu, rho = _rates(arrival_rate_per_s, service_rate_per_s)
    wq = rho / (2 * mu * (1 - rho))
    return QueueStats("M/D/1", rho, wq * 1e3, (wq + 1 / mu) * 1e3, lam * wq)


def simulate_queue(
    arrival_rate_per_s: float,
    service_rate_per_s: float,
    *,
    n_jobs: int = 100_000,
    service: str = "exponential",
    seed: int = 0,
) -> np.ndarray:
    """Waiting times (ms) of ``n_jobs`` Poisson arrivals at one FIFO server, by Lindley's recursion
    ``W[i+1] = max(0, W[i] + S[i] − A[i+1])``. ``service`` is ``"exponential"`` (M/M/1) or
    ``"deterministic"`` (M/D/1). Unlike :func:`mm1`, it also runs at or above saturation.

    >>> w = simulate_queue(50, 100, n_jobs=20_000, seed=3)
    >>> bool(abs(w.mean() - mm1(50, 100).mean_wait_ms) < 2)
    True
    """
    lam = check_number("arrival_rate_per_s", arrival_rate_per_s, low=0, low_inclusive=False)
    mu = check_number("service_rate_per_s", service_rate_per_s, low=0, low_inclusive=False)
    n = check_int("n_jobs", n_jobs, low=1, high=_MAX_SAMPLES)
    check_choice("service", service, ("exponential", "deterministic"))
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    rng = np.random.default_rng(seed)
    inter = rng.exponential(1 / lam, n)
    svc = rng.exponential(1 / mu, n) if service == "exponential" else np.full(n, 1 / mu)
    # Lindley: W[i+1] = max(0, W[i] + X[i]) with X[i] = S[i] - A[i+1]. Unrolled as a running
    # maximum: W[i] = C[i] - min(0, min_{j<=i} C[j]) where C is the cumulative sum of X.
    x = svc[:-1] - inter[1:]
    c = np.concatenate(([0.0], np.cumsum(x)))
    waits = c - np.minimum.accumulate(np.minimum(c, 0.0))
    return waits * 1e3


def backlog_series(
    arrival_rate_per_s: float,
    throughput_per_s: float,
    duration_s: float,
    *,
    points: int = 101,
    initial_backlog: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Fluid model of a backlog: ``B(t) = max(0, B0 + (λ − μ)·t)``. Returns ``(t_s, backlog)``.

    Rates are in items (or MB) per second; when arrivals exceed sustained throughput the backlog
    grows linearly forever ("sustained ingestion rate without backlog growth" needs λ ≤ μ).

    >>> t, b = backlog_series(1200, 1000, 60, points=3)
    >>> b.tolist()
    [0.0, 6000.0, 12000.0]
    """
    lam = check_number("arrival_rate_per_s", arrival_rate_per_s, low=0)
    mu = check_number("throughput_per_s", throughput_per_s, low=0)
    dur = check_number("duration_s", duration_s, low=0, low_inclusive=False)
    pts = check_int("points", points, low=2, high=100_000)
    b0 = check_number("initial_backlog", initial_backlog, low=0)
    t = np.linspace(0.0, dur, pts)
    return t, np.maximum(0.0, b0 + (lam - mu) * t)


def queue_comparison(
    service_rate_per_s: float,
    utilisations: Sequence[float] = (0.5, 0.7, 0.8, 0.9, 0.95),
    *,
    n_jobs: int = 200_000,
    seed: int = 0,
):
    """Mean queueing delay (ms) from the M/M/1 and M/D/1 formulas next to a discrete simulation of
    each, for several utilisations ρ = λ/μ. The formulas and the simulations should agree within
    sampling error (closer for small ρ; near saturation the simulation needs many jobs)."""
    import pandas as pd

    mu = check_number("service_rate_per_s", service_rate_per_s, low=0, low_inclusive=False)
    rows = []
    for i, rho in enumerate(utilisations):
        rho = check_number("utilisations", rho, low=0, high=1, low_inclusive=False, high_inclusive=False)
        lam = rho * mu
        rows.append({
            "utilisation": rho,
            "mm1_formula_ms": mm1(lam, mu).mean_wait_ms,
            "mm1_simulated_ms": float(simulate_queue(lam, mu, n_jobs=n_jobs, seed=seed + i).mean()),
            "md1_formula_ms": md1(lam, mu).mean_wait_ms,
            "md1_simulated_ms": float(simulate_queue(lam, mu, n_jobs=n_jobs, service="deterministic",
                                                     seed=seed + i).mean()),
        })
    if not rows:
        raise ValueError("utilisations must hold at least one value in (0, 1); got none")
    return pd.DataFrame(rows).set_index("utilisation")


# ----------------------------------------------------------------------------- traces

_TRACE_COLUMNS = ("request_id", "stage", "timestamp")
END_STAGE = "done"


def synthetic_traces(stages: Sequence[Stage], n_requests: int = 100, *, seed: int = 0,
                     start_s: float = 0.0, spacing_s: float = 0.01):
    """Trace records like the course text's ``PipelineTracer``: one row per stage *start* plus a
    final ``"done"`` row per request, columns ``request_id, stage, timestamp`` (seconds).

    Stage durations are drawn from the stage model (seeded), so :func:`stage_breakdown` of the
    result recovers them.
    """
    import pandas as pd

    st = _stages(stages)
    n = check_int("n_requests", n_requests, low=1, high=1_000_000)
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    start = check_number("start_s", start_s, low=0)
    gap = check_number("spacing_s", spacing_s, low=0)
    rng = np.random.default_rng(seed)
    mu = np.log([s.median_ms for s in st])
    sigma = np.array([s.sigma for s in st])
    durations_s = np.exp(mu + sigma * rng.standard_normal((n, len(st)))) / 1e3
    t0 = start + gap * np.arange(n)
    times = np.concatenate([t0[:, None], t0[:, None] + np.cumsum(durations_s, axis=1)], axis=1)
    names = [s.name for s in st] + [END_STAGE]
    return pd.DataFrame({
        "request_id": np.repeat([f"req-{i:05d}" for i in range(n)], len(names)),
        "stage": np.tile(names, n),
        "timestamp": times.ravel(),
    })


def _prepare_traces(traces):
    import pandas as pd

    if not isinstance(traces, pd.DataFrame):
        raise ValueError(f"traces must be a pandas DataFrame with columns {_TRACE_COLUMNS}; "
                         f"got {type(traces).__name__}")
    missing = [c for c in _TRACE_COLUMNS if c not in traces.columns]
    if missing:
        raise ValueError(f"traces must have columns {_TRACE_COLUMNS}; missing {missing}")
    df = traces[list(_TRACE_COLUMNS)].copy()
    ts = df["timestamp"]
    if pd.api.types.is_datetime64_any_dtype(ts):
        df["timestamp"] = (ts - ts.min()).dt.total_seconds()
    else:
        try:
            df["timestamp"] = pd.to_numeric(ts, errors="raise").astype(float)
        except (ValueError, TypeError):
            raise ValueError("traces['timestamp'] must hold numbers (seconds) or datetimes") from None
    if df["timestamp"].isna().any() or not np.isfinite(df["timestamp"].to_numpy()).all():
        raise ValueError("traces['timestamp'] must not hold missing or infinite values")
    return df


def stage_breakdown(traces):
    """Per-request, per-stage durations from trace records (the course text's
    ``calculate_pipeline_latency``, for every request at once).

    ``traces`` has one row per event: ``request_id``, ``stage``, ``timestamp`` (seconds or
    datetimes). Events are sorted by time within each request; a stage lasts until the next event,
    so the last event of a request only marks its end. Returns a DataFrame with columns
    ``request_id, stage, start_s, duration_ms``. Unlike the course text's dict, a stage that occurs
    twice in one request keeps both rows.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"request_id": ["a", "a", "a"], "stage": ["ingest", "validate", "done"],
    ...                   "timestamp": [0.0, 0.010, 0.025]})
    >>> stage_breakdown(t)[["stage", "duration_ms"]].round(3).to_dict("records")
    [{'stage': 'ingest', 'duration_ms': 10.0}, {'stage': 'validate', 'duration_ms': 15.0}]
    """
    import pandas as pd

    df = _prepare_traces(traces).sort_values(["request_id", "timestamp"], kind="stable")
    nxt = df.groupby("request_id", sort=False)["timestamp"].shift(-1)
    out = pd.DataFrame({
        "request_id": df["request_id"].to_numpy(),
        "stage": df["stage"].to_numpy(),
        "start_s": df["timestamp"].to_numpy(),
        "duration_ms": ((nxt - df["timestamp"]) * 1e3).to_numpy(),
    })
    return out[out["duration_ms"].notna()].reset_index(drop=True)


def pipeline_latency(traces):
    """End-to-end latency per request (ms): last event minus first event."""
    df = _prepare_traces(traces)
    g = df.groupby("request_id")["timestamp"]
    return ((g.max() - g.min()) * 1e3).rename("latency_ms")


def stage_summary(breakdown, percentiles: Sequence[float] = (50, 95, 99)):
    """Per-stage statistics of a :func:`stage_breakdown` result: count, mean, percentiles (ms) and
    each stage's share of the total time, sorted by mean (largest first)."""
    import pandas as pd

    if not isinstance(breakdown, pd.DataFrame) or not {"stage", "duration_ms"} <= set(breakdown.columns):
        raise ValueError("breakdown must be the DataFrame returned by stage_breakdown()")
    ps = [check_number("percentiles", p, low=0, high=100) for p in percentiles]
    g = breakdown.groupby("stage", sort=False)["duration_ms"]
    out = pd.DataFrame({"count": g.size(), "mean_ms": g.mean()})
    for p in ps:
        out[f"p{p:g}_ms"] = g.quantile(p / 100)
    out["share_of_time"] = g.sum() / breakdown["duration_ms"].sum()
    return out.sort_values("mean_ms", ascending=False)
