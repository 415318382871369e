"""KPI formulas against published worked numbers and independent computations."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import kpi, power

from helpers import only_value_errors

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_availability_closed_forms():
    assert kpi.availability(99, 1) == pytest.approx(0.99)
    assert kpi.availability(1, 0) == 1.0
    # the course text's own targets: MTBF 720 h, MTTR 15 min
    assert kpi.availability(720, 0.25) == pytest.approx(720 / 720.25)


@pytest.mark.parametrize("nines, minutes_per_year", [(0.99, 5256.0), (0.999, 525.6), (0.9999, 52.56), (0.99999, 5.256)])
def test_downtime_matches_the_nines_table(nines, minutes_per_year):
    # the standard "nines" table: 365 days × 1440 min × (1 − A)
    assert kpi.downtime_minutes(nines, 365) == pytest.approx(minutes_per_year)


def test_error_budget_and_burn_rate_match_the_sre_workbook():
    assert kpi.error_budget_minutes(0.999, 30) == pytest.approx(43.2)
    assert kpi.error_budget_minutes(0.9999, 30) == pytest.approx(4.32)
    # "Alerting on SLOs": a burn rate of 14.4 for one hour spends 2 % of a 30-day budget;
    # 6 for six hours spends 5 %
    assert kpi.budget_consumed_fraction(14.4, 1, 30) == pytest.approx(0.02)
    assert kpi.budget_consumed_fraction(6, 6, 30) == pytest.approx(0.05)
    assert kpi.burn_rate(0.001, 0.999) == pytest.approx(1.0)
    assert kpi.error_budget_remaining(0.99, 980, 1000) == pytest.approx(-1.0)  # spent twice over


def test_series_and_parallel_availability():
    assert kpi.series_availability([0.9, 0.9]) == pytest.approx(0.81)
    assert kpi.parallel_availability([0.9, 0.9]) == pytest.approx(0.99)
    with pytest.raises(ValueError, match="at least one"):
        kpi.series_availability([])


@FAST
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=300), st.floats(0.1, 100))
def test_nearest_rank_percentile_against_brute_force(sample, q):
    s = sorted(sample)
    # brute force: the smallest value v such that at least q % of the sample is <= v
    expected = next(v for v in s if sum(x <= v for x in s) >= q / 100 * len(s) - 1e-9)
    assert kpi.percentile_ms(sample, q) == expected


@FAST
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=200), st.integers(1, 99))
def test_linear_percentile_matches_statistics_quantiles(sample, q):
    # statistics.quantiles(method="inclusive") is Hyndman & Fan type 7, numpy's default
    expected = statistics.quantiles(sample, n=100, method="inclusive")[q - 1]
    assert kpi.percentile_ms(sample, q, method="linear") == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_p99_of_a_lognormal_sample_is_close_to_the_closed_form():
    rng = np.random.default_rng(0)
    mu, sigma = math.log(20), 0.5
    sample = rng.lognormal(mu, sigma, 200_000)
    z99 = statistics.NormalDist().inv_cdf(0.99)
    assert kpi.percentile_ms(sample, 99) == pytest.approx(math.exp(mu + sigma * z99), rel=0.02)


def test_cost_and_energy_per_inference_by_hand():
    # $4.10 per GPU-hour, 200 inferences/s, busy half the time: 4.10 / (200 * 3600 * 0.5)
    assert kpi.cost_per_inference_usd(4.10, 200, 0.5) == pytest.approx(4.10 / 360_000)
    # 400 W at PUE 1.5 serving 200/s: 3 J each; 3 J = 3/3.6e6 kWh
    assert kpi.energy_per_inference_j(400, 200, 1.5) == pytest.approx(power.facility_power_w(400, 1.5) / 200)
    assert kpi.energy_cost_per_inference_usd(400, 200, 1.5, 0.12) == pytest.approx(3 / 3.6e6 * 0.12)
    with pytest.raises(ValueError, match="pue"):
        kpi.energy_per_inference_j(400, 200, 0.9)


def test_seed_targets_disagree_with_each_other_on_availability():
    # MTBF 720 h with MTTR 15 min is 99.965 %; at the critical MTTR (60 min) and MTBF (168 h):
    assert kpi.availability(168, 1) == pytest.approx(168 / 169)
    df = kpi.evaluate_kpis({"mttr_minutes": 15, "mtbf_hours": 100, "cluster_utilization": 0.8,
                            "inference_latency_p99_ms": 120})
    assert dict(zip(df["kpi"], df["status"])) == {
        "mttr_minutes": "meets target", "mtbf_hours": "critical",
        "cluster_utilization": "warning", "inference_latency_p99_ms": "critical"}
    with pytest.raises(ValueError, match="measured KPI names"):
        kpi.evaluate_kpis({"happiness": 1})


def test_dvfs_energy_scales_as_the_formula_says():
    hi, lo = kpi.COURSE_TEXT_DVFS_POINTS[0], kpi.COURSE_TEXT_DVFS_POINTS[2]
    a = kpi.dvfs_energy(hi, work_gcycles=30, capacitance_nf=35, static_power_w=30)
    b = kpi.dvfs_energy(lo, work_gcycles=30, capacitance_nf=35, static_power_w=30)
    # dynamic energy per job ∝ V² (independent of f); static energy ∝ 1/f; time ∝ 1/f
    assert a.dynamic_energy_j / b.dynamic_energy_j == pytest.approx((1.2 / 0.9) ** 2)
    assert a.static_energy_j / b.static_energy_j == pytest.approx(1.5 / 3.0)
    assert b.time_s / a.time_s == pytest.approx(2.0)
    # by hand: 35 nF · 1.44 V² · 3 GHz = 151.2 W; 10 s
    assert a.dynamic_power_w == pytest.approx(151.2) and a.time_s == pytest.approx(10)


def test_dvfs_optimum_flips_at_the_hand_computed_static_power():
    # E_hi = 35·1.44·30 + P·10 = 1512 + 10P ; E_lo = 35·0.81·30 + P·20 = 850.5 + 20P
    # equal at P = 66.15 W
    crossover = (1512 - 850.5) / 10
    pts = [kpi.COURSE_TEXT_DVFS_POINTS[0], kpi.COURSE_TEXT_DVFS_POINTS[2]]
    below = kpi.dvfs_tradeoff(pts, work_gcycles=30, static_power_w=crossover - 1)
    above = kpi.dvfs_tradeoff(pts, work_gcycles=30, static_power_w=crossover + 1)
    assert below.loc[below["energy_optimal"], "point"].item() == "low"
    assert above.loc[above["energy_optimal"], "point"].item() == "performance"


def test_dvfs_deadline_and_idle_power():
    p = kpi.COURSE_TEXT_DVFS_POINTS[0]
    r = kpi.dvfs_energy(p, work_gcycles=30, deadline_s=25, idle_power_w=20)
    assert r.idle_energy_j == pytest.approx(20 * 15)
    with pytest.raises(ValueError, match="deadline_s"):
        kpi.dvfs_energy(kpi.COURSE_TEXT_DVFS_POINTS[2], work_gcycles=30, deadline_s=10)
    with pytest.raises(ValueError, match="voltage_v"):
        kpi.DvfsPoint("x", 1.0, 0)


num = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**6), st.text(max_size=3),
                st.none(), st.booleans())


@FAST
@given(a=num, b=num, c=num, d=num)
def test_kpi_functions_fuzz_only_valueerror(a, b, c, d):
    calls = [
        lambda: kpi.availability(a, b), lambda: kpi.downtime_minutes(a, b), lambda: kpi.error_budget_minutes(a, b),
        lambda: kpi.burn_rate(a, b), lambda: kpi.budget_consumed_fraction(a, b, c),
        lambda: kpi.error_budget_remaining(a, b, c), lambda: kpi.cost_per_inference_usd(a, b, c),
        lambda: kpi.energy_per_inference_j(a, b, c), lambda: kpi.energy_cost_per_inference_usd(a, b, c, d),
        lambda: kpi.percentile_ms([a, b], c), lambda: kpi.percentile_ms(a, b),
        lambda: kpi.series_availability([a, b]), lambda: kpi.parallel_availability(a),
        lambda: kpi.dvfs_energy(kpi.DvfsPoint("p", a, b), work_gcycles=c, static_power_w=d),
        lambda: kpi.evaluate_kpis({"mttr_minutes": a}),
    ]
    only_value_errors(calls)


def test_hierarchical_queue_shares_track_the_tree_on_the_simulator():
    df = kpi.queue_share_experiment("hierarchical", nodes=4, jobs_per_leaf=100, horizon_h=4).set_index("leaf")
    # entitled shares by hand: product of normalised weights along each path of the course text's tree
    by_hand = {"ml_serving": 0.6 * 0.7, "batch_inference": 0.6 * 0.3, "model_training": 0.3 * 0.8,
               "experimentation": 0.3 * 0.2, "best_effort": 0.1}
    for leaf, share in by_hand.items():
        assert df.loc[leaf, "entitled_share"] == pytest.approx(share)
        assert abs(df.loc[leaf, "achieved_share"] - share) <= 1 / 32 + 1e-9  # one GPU of 32
    assert df["achieved_share"].sum() == pytest.approx(1.0)


def test_fifo_ignores_the_tree():
    df = kpi.queue_share_experiment("fifo", nodes=4, jobs_per_leaf=100, horizon_h=4)
    # equal job counts in random order: FIFO gives every leaf about a fifth, whatever its weight
    assert (df["achieved_share"] - 0.2).abs().max() < 0.06
    assert df.set_index("leaf").loc["experimentation", "ratio"] > 2


def test_queue_share_experiment_validates():
    with pytest.raises(ValueError, match="queue"):
        kpi.queue_share_experiment("lottery")
    with pytest.raises(ValueError, match="weight"):
        kpi.queue_share_experiment(tree={"a": {"weight": -1}})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queue=st.one_of(st.sampled_from(["hierarchical", "fifo"]), st.text(max_size=4)),
       nodes=st.one_of(st.integers(-1, 3), st.floats(allow_nan=True)),
       jobs=st.one_of(st.integers(-1, 20), st.text(max_size=2)),
       horizon=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-1, 3)),
       tree=st.one_of(st.none(), st.dictionaries(st.text(max_size=3), st.dictionaries(st.just("weight"), st.integers(-1, 3)), max_size=2)))
def test_queue_share_fuzz_only_valueerror(queue, nodes, jobs, horizon, tree):
    try:
        kpi.queue_share_experiment(queue, tree, nodes=nodes, jobs_per_leaf=jobs, horizon_h=horizon)
    except ValueError:
        pass
