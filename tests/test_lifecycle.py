"""Section 1 model: stage distributions, Monte-Carlo percentiles, queues, backlogs and traces,
checked against closed forms and hand calculations; hypothesis fuzzing of the public functions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import lifecycle as lc

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_range_is_read_as_5th_to_95th_percentile():
    s = lc.Stage.from_range("x", 100, 500)
    assert s.median_ms == pytest.approx(math.sqrt(100 * 500))
    assert s.p95_ms == 500
    # the 5th percentile of a log-normal is median / (p95 / median)
    assert s.median_ms / (s.p95_ms / s.median_ms) == pytest.approx(100)


def test_single_stage_percentiles_match_the_lognormal_quantiles():
    s = lc.Stage("x", median_ms=20, p95_ms=60)
    p = lc.end_to_end_percentiles([s], (50, 95), n=400_000, seed=3)
    assert p[50] == pytest.approx(20, rel=0.01)
    assert p[95] == pytest.approx(60, rel=0.01)


def test_monte_carlo_mean_matches_the_exact_mean():
    samples = lc.simulate_end_to_end(lc.COURSE_TEXT_HANDOFF_STAGES, n=400_000, seed=5)
    exact = sum(m * math.exp(((math.log(p / m)) / 1.6448536269514722) ** 2 / 2)
                for m, p in ((s.median_ms, s.p95_ms) for s in lc.COURSE_TEXT_HANDOFF_STAGES))
    assert lc.mean_end_to_end_ms(lc.COURSE_TEXT_HANDOFF_STAGES) == pytest.approx(exact)
    assert samples.mean() == pytest.approx(exact, rel=0.01)


def test_deterministic_stage_sum_is_exact():
    stages = [lc.Stage(f"s{i}", median_ms=m, p95_ms=m) for i, m in enumerate((1, 2, 3.5))]
    p = lc.end_to_end_percentiles(stages, (1, 50, 99), n=100, seed=0)
    assert all(v == pytest.approx(6.5) for v in p.values())


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = lc.end_to_end_percentiles(lc.REALTIME_INGESTION_STAGES, seed=1)
    b = lc.end_to_end_percentiles(lc.REALTIME_INGESTION_STAGES, seed=1)
    c = lc.end_to_end_percentiles(lc.REALTIME_INGESTION_STAGES, seed=2)
    assert a == b and a != c


def test_seed_pipeline_misses_its_own_slo_and_speedup_fixes_it():
    result = lc.budget_check(lc.REALTIME_INGESTION_STAGES, slo_ms=50, percentile=95)
    assert not result.met and result.margin_ms < 0
    s = lc.required_speedup(lc.REALTIME_INGESTION_STAGES, 50, 95)
    faster = [x.with_median(x.median_ms / s) for x in lc.REALTIME_INGESTION_STAGES]
    fixed = lc.budget_check(faster, slo_ms=50, percentile=95)
    assert fixed.value_ms == pytest.approx(50, rel=1e-9)
    # four handoffs at the lowest "10 ms" already use 40 ms of the 50 ms budget
    lowest = [lc.Stage(x.name, 10, 10) for x in lc.REALTIME_INGESTION_STAGES]
    assert lc.budget_check(lowest, 50).value_ms == pytest.approx(40)


def test_largest_stage_is_the_one_with_the_largest_mean():
    stages = [lc.Stage("a", 5, 6), lc.Stage("b", 9, 30), lc.Stage("c", 10, 11)]
    r = lc.budget_check(stages, 100)
    assert r.largest_stage == "b"  # b's mean (long tail) beats c's despite the lower median
    assert sum(r.stage_share) == pytest.approx(1)
    assert lc.budget_check(lc.REALTIME_INGESTION_STAGES).largest_stage is None


@pytest.mark.parametrize("lam,mu", [(80, 100), (10, 1000), (990, 1000)])
def test_queue_formulas_by_hand(lam, mu):
    rho = lam / mu
    assert lc.mm1(lam, mu).mean_wait_ms == pytest.approx(1000 * rho / (mu - lam))
    assert lc.md1(lam, mu).mean_wait_ms == pytest.approx(1000 * rho / (2 * mu * (1 - rho)))
    assert lc.mm1(lam, mu).mean_queue_length == pytest.approx(rho**2 / (1 - rho))  # textbook Lq


@pytest.mark.parametrize("service,formula", [("exponential", lc.mm1), ("deterministic", lc.md1)])
@pytest.mark.parametrize("rho", [0.3, 0.6, 0.8])
def test_simulation_agrees_with_the_formula(service, formula, rho):
    waits = lc.simulate_queue(rho * 100, 100, n_jobs=200_000, service=service, seed=11)
    assert waits.mean() == pytest.approx(formula(rho * 100, 100).mean_wait_ms, rel=0.06)


def test_lindley_recursion_by_hand():
    # Unrolled vectorised recursion equals the plain loop on the same random draws.
    rng = np.random.default_rng(0)
    inter, svc = rng.exponential(1 / 50, 500), rng.exponential(1 / 60, 500)
    w = [0.0]
    for i in range(499):
        w.append(max(0.0, w[-1] + svc[i] - inter[i + 1]))
    got = lc.simulate_queue(50, 60, n_jobs=500, seed=0)
    np.testing.assert_allclose(got, np.array(w) * 1e3, atol=1e-9)


def test_saturated_queue_is_refused_with_advice():
    with pytest.raises(ValueError, match="arrival_rate_per_s must be < service_rate_per_s.*backlog_series"):
        lc.mm1(100, 100)


def test_backlog_grows_linearly_and_not_below_zero():
    t, b = lc.backlog_series(1.2, 1.0, 600, points=601)
    assert b[-1] == pytest.approx(120) and b[300] == pytest.approx(60)
    t, b = lc.backlog_series(0.5, 1.0, 60, initial_backlog=10)
    assert b.min() == 0 and b[0] == 10


def test_breakdown_recovers_the_synthetic_durations():
    traces = lc.synthetic_traces(lc.COURSE_TEXT_HANDOFF_STAGES, n_requests=50, seed=2)
    bd = lc.stage_breakdown(traces)
    assert len(bd) == 50 * 4
    per_request = bd.groupby("request_id")["duration_ms"].sum()
    assert np.allclose(per_request.sort_index().to_numpy(),
                       lc.pipeline_latency(traces).sort_index().to_numpy())
    # first request by hand
    t = traces[traces.request_id == "req-00000"].timestamp.to_numpy()
    assert np.allclose(bd[bd.request_id == "req-00000"].duration_ms.to_numpy(), np.diff(t) * 1e3)


def test_breakdown_keeps_repeated_stages_and_accepts_datetimes_and_shuffled_rows():
    t0 = pd.Timestamp("2026-01-01")
    traces = pd.DataFrame({
        "request_id": ["r"] * 4,
        "stage": ["retry", "fetch", "retry", "done"],
        "timestamp": [t0 + pd.Timedelta(milliseconds=ms) for ms in (0, 5, 12, 30)],
    }).sample(frac=1, random_state=1)
    bd = lc.stage_breakdown(traces)
    assert bd.stage.tolist() == ["retry", "fetch", "retry"]
    assert bd.duration_ms.tolist() == pytest.approx([5, 7, 18])
    summary = lc.stage_summary(bd)
    assert summary.loc["retry", "count"] == 2 and summary.index[0] == "retry"


@pytest.mark.parametrize("bad,match", [
    (pd.DataFrame({"request_id": [1], "stage": ["a"]}), "missing"),
    ([1, 2, 3], "DataFrame"),
    (pd.DataFrame({"request_id": [1], "stage": ["a"], "timestamp": ["noon"]}), "timestamp"),
])
def test_bad_traces_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        lc.stage_breakdown(bad)


@pytest.mark.parametrize("call,match", [
    (lambda: lc.Stage("x", 0, 1), "median_ms must be > 0; got 0"),
    (lambda: lc.Stage("x", 10, 5), r"p95_ms must be >= 10; got 5"),
    (lambda: lc.budget_check(lc.COURSE_TEXT_HANDOFF_STAGES, slo_ms=-1), "slo_ms must be > 0; got -1"),
    (lambda: lc.budget_check(lc.COURSE_TEXT_HANDOFF_STAGES, percentile=101), r"percentile must be in \[0, 100\]"),
    (lambda: lc.simulate_end_to_end([], n=10), "stages must be a non-empty"),
    (lambda: lc.simulate_queue(1, 2, service="gamma"), "service must be one of"),
])
def test_error_messages_name_parameter_value_and_range(call, match):
    with pytest.raises(ValueError, match=match):
        call()


_anything = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                      st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
                      st.lists(st.integers(), max_size=3))


@FAST
@given(median=_anything, p95=_anything)
def test_fuzz_stage(median, p95):
    try:
        s = lc.Stage("x", median, p95)
    except ValueError:
        return
    assert s.median_ms > 0 and s.p95_ms >= s.median_ms and s.sigma >= 0


@FAST
@given(slo=_anything, pct=_anything, n=_anything, seed=_anything)
def test_fuzz_budget_check(slo, pct, n, seed):
    try:
        r = lc.budget_check(lc.COURSE_TEXT_HANDOFF_STAGES[:2], slo, pct,
                            n=n if not isinstance(n, int) else min(abs(n), 2000) or n, seed=seed)
    except ValueError:
        return
    assert r.value_ms > 0 and r.met == (r.value_ms <= r.slo_ms)


@FAST
@given(lam=_anything, mu=_anything, which=st.sampled_from([lc.mm1, lc.md1]))
def test_fuzz_queues(lam, mu, which):
    try:
        q = which(lam, mu)
    except ValueError:
        return
    assert 0 <= q.utilisation < 1 and q.mean_wait_ms >= 0 and q.mean_response_ms >= q.mean_wait_ms


@FAST
@given(lam=_anything, mu=_anything, n=_anything, service=_anything)
def test_fuzz_simulate_queue(lam, mu, n, service):
    try:
        w = lc.simulate_queue(lam, mu, n_jobs=min(n, 5000) if isinstance(n, int) and not isinstance(n, bool) else n,
                              service=service)
    except ValueError:
        return
    assert (w >= 0).all()


@FAST
@given(lam=_anything, mu=_anything, dur=_anything, points=_anything)
def test_fuzz_backlog(lam, mu, dur, points):
    try:
        t, b = lc.backlog_series(lam, mu, dur, points=min(points, 1000) if isinstance(points, int) and not isinstance(points, bool) else points)
    except ValueError:
        return
    assert (b >= 0).all() and len(t) == len(b)


@FAST
@given(rows=st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["x", "y", "done"]),
                               st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3))),
                     max_size=8))
def test_fuzz_stage_breakdown(rows):
    df = pd.DataFrame(rows, columns=["request_id", "stage", "timestamp"])
    try:
        bd = lc.stage_breakdown(df)
    except ValueError:
        return
    assert (bd.duration_ms >= 0).all()


def test_samples_are_cached_read_only():
    """One widget update asks for the same pipeline's samples three times: they are simulated once,
    and no caller can change what the next one gets."""
    stages = lc.REALTIME_INGESTION_STAGES
    first = lc.simulate_end_to_end(stages, n=1000, seed=3)
    assert lc.simulate_end_to_end(list(stages), n=1000, seed=3) is first
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 0.0
    assert lc.simulate_end_to_end(stages, n=1000, seed=4) is not first
