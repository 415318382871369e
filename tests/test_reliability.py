"""Reliability: published examples (Daly 2006, Llama 3), the closed form against the Monte-Carlo job,
Young/Daly against a brute-force sweep of simulated goodput, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_kit import reliability as R


def test_llama3_snapshot():
    # 419 unexpected interruptions in 54 days on ~16,384 GPUs: one every 54*24/419 = 3.09 h
    assert R.job_interruptions_per_hour(16_384) * 54 * 24 == pytest.approx(419)
    assert R.mtbf_s(16_384) / 3600 == pytest.approx(54 * 24 / 419)
    assert R.rates_by_component()["gpu"] / R.llama3_rate_per_gpu_hour() == pytest.approx(268 / 419)
    # half the GPUs, twice the time between interruptions
    assert R.mtbf_s(8192) == pytest.approx(2 * R.mtbf_s(16_384))


@pytest.mark.parametrize("mtbf_min, young, daly", [(24 * 60, 120, 117), (6 * 60, 60, 57), (15, 12.2, 9.1)])
def test_daly_2006_worked_examples(mtbf_min, young, daly):
    # Daly (2006): delta = 5 min; published optima 117, 57 and 9.1 minutes
    assert R.young_interval_s(300, mtbf_min * 60) / 60 == pytest.approx(young, abs=0.1)
    assert R.daly_interval_s(300, mtbf_min * 60) / 60 == pytest.approx(daly, abs=0.5)


def test_exact_optimum_solves_the_derivative_and_beats_neighbours():
    d, r, m = 120, 600, 3 * 3600
    tau = R.optimal_interval_s(d, m)
    g = R.goodput(tau, d, r, m)
    assert g >= R.goodput(tau * 0.97, d, r, m) and g >= R.goodput(tau * 1.03, d, r, m)
    assert abs(tau - R.daly_interval_s(d, m)) / tau < 0.01


@pytest.mark.parametrize("tau, d, r, m", [(3600, 60, 600, 6 * 3600), (900, 120, 300, 3600), (7200, 300, 1800, 3 * 3600)])
def test_closed_form_goodput_matches_monte_carlo(tau, d, r, m):
    res = R.monte_carlo(tau, d, r, m, horizon_s=60 * 86400, replicates=400, seed=3)
    se = res.goodput.std(ddof=1) / math.sqrt(len(res.goodput))
    truncation = (tau + d) / (60 * 86400)          # the last segment is cut at the horizon
    assert abs(res.mean_goodput - R.goodput(tau, d, r, m)) < 4 * se + truncation
    # failures are Poisson over the wall clock
    assert res.mean_interruptions == pytest.approx(60 * 86400 / m, rel=0.03)


def test_young_daly_near_the_brute_force_optimum_of_the_simulated_goodput():
    d, r, m = 300, 900, 3 * 3600
    taus = np.geomspace(300, 12_000, 30)
    # common random numbers: the same seed for every interval, so the curve is smooth enough to maximise
    sim = [R.monte_carlo(t, d, r, m, horizon_s=90 * 86400, replicates=300, seed=11).mean_goodput for t in taus]
    best = taus[int(np.argmax(sim))]
    daly = R.daly_interval_s(d, m)
    assert 0.85 * daly <= best <= 1.15 * daly       # the grid steps by ~13 %
    # and the simulated goodput at Daly's interval is within 0.5 % of the best simulated one
    at_daly = R.monte_carlo(daly, d, r, m, horizon_s=90 * 86400, replicates=300, seed=11).mean_goodput
    assert at_daly >= max(sim) - 0.005


def test_monte_carlo_is_seeded():
    a = R.monte_carlo(1800, 60, 600, 3600, seed=5, replicates=50)
    b = R.monte_carlo(1800, 60, 600, 3600, seed=5, replicates=50)
    assert np.array_equal(a.goodput, b.goodput)


@settings(max_examples=60, deadline=None)
@given(st.floats(10, 1e5), st.floats(1, 3600), st.floats(0, 7200), st.floats(60, 1e7))
def test_goodput_is_a_fraction(tau, d, r, m):
    assert 0 <= R.goodput(tau, d, r, m) <= 1


@settings(max_examples=60, deadline=None)
@given(st.floats(10, 1e5), st.floats(1, 3600), st.floats(0, 7200), st.floats(60, 1e6), st.floats(1.0, 10.0))
def test_more_failures_never_raise_goodput(tau, d, r, m, factor):
    assert R.goodput(tau, d, r, m / factor) <= R.goodput(tau, d, r, m) + 1e-12


@settings(max_examples=40, deadline=None)
@given(st.floats(0.001, 5), st.integers(0, 50))
def test_spares_never_lengthen_restarts(rate, k):
    assert R.restart_with_spares_s(600, hardware_per_hour=rate, spares=k + 1) <= \
        R.restart_with_spares_s(600, hardware_per_hour=rate, spares=k) + 1e-9


def test_spares_limits():
    # no spares: every hardware failure waits for the repair; many spares: a swap
    assert R.restart_with_spares_s(600, hardware_per_hour=1, spares=0, swap_s=300, repair_s=7200,
                                   hardware_share=1) == pytest.approx(600 + 7200)
    assert R.restart_with_spares_s(600, hardware_per_hour=1, spares=100, swap_s=300, repair_s=7200,
                                   hardware_share=1) == pytest.approx(600 + 300)


@pytest.mark.parametrize("call, name", [
    (lambda: R.goodput(0, 60, 600, 3600), "interval_s"),
    (lambda: R.goodput(60, -1, 600, 3600), "checkpoint_s"),
    (lambda: R.mtbf_s(0), "gpus"),
    (lambda: R.young_interval_s(60, 0), "mtbf_s"),
    (lambda: R.monte_carlo(60, 60, 60, 1, horizon_s=1e9, replicates=1000), "replicates"),
    (lambda: R.job_interruptions_per_hour(8, {"gpu": -1}), "gpu"),
])
def test_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# ----------------------------------------------------------------------------- hostile input: only ValueError escapes
from hypothesis import HealthCheck  # noqa: E402

from course_kit import collectives as C  # noqa: E402
from course_kit import parallelism as P  # noqa: E402
from course_kit import power  # noqa: E402

from helpers import only_value_errors  # noqa: E402

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JUNK = st.one_of(st.none(), st.text(max_size=3), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                 st.integers(min_value=-10**9, max_value=10**9), st.lists(st.integers(), max_size=2))


@FUZZ
@given(JUNK, JUNK, JUNK, JUNK)
def test_modern_models_raise_only_value_error(a, b, c, d):
    only_value_errors([
        lambda: R.goodput(a, b, c, d), lambda: R.goodput_curve([a, b], c, d, a), lambda: R.young_interval_s(a, b),
        lambda: R.daly_interval_s(a, b), lambda: R.optimal_interval_s(a, b), lambda: R.mtbf_s(a, b),
        lambda: R.restart_with_spares_s(a, hardware_per_hour=b, spares=c, repair_s=d),
        lambda: R.monte_carlo(a, b, c, d, replicates=2, horizon_s=86400),
        lambda: C.time_s(a, b, c, d), lambda: C.cut_traffic("all_to_all", a, b, rings=c),
        lambda: C.bisection_demand_gbytes_s(a, b, c, rings=d),
        lambda: P.plan(tp=a, pp=b, dp=c, ep=d), lambda: P.plan(global_batch=a, seq_len=b, dtype_bytes=c, grad_bytes=d),
        lambda: power.coolant_flow_l_per_min(a, b, c), lambda: power.split_heat_w(a, b),
    ])
