"""Cascade model against closed forms; the diagnosis finds every planted cause."""

from __future__ import annotations

import math

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import scenarios

from helpers import only_value_errors

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ cascade: closed forms


@pytest.mark.parametrize("n", [5, 6, 11, 40])
@pytest.mark.parametrize("alpha", [0.1, 0.3, 0.49])
def test_ring_below_half_tolerance_loses_every_node(n, alpha):
    # one failure on a ring hands L/2 to each neighbour: 1.5 L > (1+α) L iff α < 0.5;
    # then each failed node's whole load goes to its single live neighbour, so the front
    # moves one node per round in each direction: ceil((n-1)/2) rounds.
    r = scenarios.simulate_cascade(nx.cycle_graph(n), 1.0, 1 + alpha, [0])
    assert r.n_failed == n
    assert r.rounds == math.ceil((n - 1) / 2)
    assert r.stranded_load == pytest.approx(n * 1.0)


@pytest.mark.parametrize("alpha", [0.5, 0.6, 2.0])
def test_ring_with_half_tolerance_stops_at_the_first_node(alpha):
    r = scenarios.simulate_cascade(nx.cycle_graph(10), 1.0, 1 + alpha, [3])
    assert r.failed_nodes == (3,)
    assert dict(r.final_load)[2] == pytest.approx(1.5)


@pytest.mark.parametrize("n", [3, 5, 12])
def test_complete_graph_threshold_is_one_over_n_minus_one(n):
    thr = 1 / (n - 1)
    below = scenarios.simulate_cascade(nx.complete_graph(n), 1.0, 1 + 0.9 * thr, [0])
    above = scenarios.simulate_cascade(nx.complete_graph(n), 1.0, 1 + 1.1 * thr, [0])
    assert below.n_failed == n and below.failures_per_step == (1, n - 1)
    assert above.n_failed == 1


def test_star_hub_failure_strands_its_load():
    g = nx.star_graph(4)  # hub 0, leaves 1..4
    r = scenarios.simulate_cascade(g, {0: 0.5, 1: 0.2, 2: 0.2, 3: 0.2, 4: 0.2}, 1.0, [0])
    assert r.n_failed == 1
    assert dict(r.final_load) == {1: pytest.approx(0.325), 2: pytest.approx(0.325),
                                  3: pytest.approx(0.325), 4: pytest.approx(0.325)}
    leaf = scenarios.simulate_cascade(g, {0: 0.9, 1: 0.2, 2: 0.2, 3: 0.2, 4: 0.2}, 1.0, [1])
    # the hub takes 0.2 -> 1.1 > 1: fails; its 1.1 goes to 3 leaves (0.367 each) -> survive
    assert leaf.failed_nodes == (1, 0)
    assert dict(leaf.final_load)[2] == pytest.approx(0.2 + 1.1 / 3)


def test_switches_stop_the_ring_cascade_at_a_price():
    g = nx.cycle_graph(8)
    plain = scenarios.simulate_cascade(g, 1.0, 1.3, [0])
    cb = scenarios.simulate_cascade(g, 1.0, 1.3, [0], circuit_breaker=True, breaker_trip_fraction=0.9)
    bp = scenarios.simulate_cascade(g, 1.0, 1.3, [0], backpressure=True)
    assert plain.n_failed == 8
    assert cb.n_failed == bp.n_failed == 1
    # breaker: neighbours accept up to 0.9*1.3 - 1 = 0.17 each; the rest of 0.5 each is shed
    assert cb.shed_load == pytest.approx(2 * (0.5 - 0.17))
    # backpressure: neighbours fill to capacity (0.3 each), 0.4 waits
    assert bp.deferred_load == pytest.approx(0.4) and bp.shed_load == 0
    both = scenarios.simulate_cascade(g, 1.0, 1.3, [0], circuit_breaker=True, backpressure=True)
    assert both.shed_load == 0 and both.deferred_load == pytest.approx(1 - 2 * 0.17)


graphs = st.builds(
    lambda n, p, seed: nx.gnp_random_graph(n, p, seed=seed),
    st.integers(2, 25), st.floats(0.05, 0.9), st.integers(0, 10_000),
)


@FAST
@given(g=graphs, data=st.data(), cb=st.booleans(), bp=st.booleans(), trip=st.floats(0.05, 1.0))
def test_load_is_conserved_and_switches_never_let_the_cascade_grow(g, data, cb, bp, trip):
    nodes = sorted(g.nodes())
    loads = {n: data.draw(st.floats(0, 1)) for n in nodes}
    caps = {n: max(loads[n], data.draw(st.floats(0.01, 2))) for n in nodes}
    first = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=3))
    r = scenarios.simulate_cascade(g, loads, caps, first, circuit_breaker=cb, backpressure=bp,
                                   breaker_trip_fraction=trip)
    accounted = r.served_load + r.shed_load + r.deferred_load + r.stranded_load
    assert accounted == pytest.approx(r.initial_total_load, rel=1e-9, abs=1e-9)
    assert all(load <= caps[n] * (1 + 1e-9) + 1e-9 for n, load in r.final_load)
    if cb or bp:
        assert r.n_failed == len(set(first))
    if not cb:
        assert r.shed_load == 0
    if not bp:
        assert r.deferred_load == 0


@FAST
@given(
    loads=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3), st.text(max_size=3)),
    caps=st.one_of(st.floats(allow_nan=True), st.integers(-3, 3), st.none()),
    first=st.one_of(st.lists(st.integers(-2, 12), max_size=3), st.integers(), st.text(max_size=2)),
    trip=st.one_of(st.floats(allow_nan=True), st.integers(-1, 2)),
)
def test_cascade_fuzz_only_valueerror(loads, caps, first, trip):
    try:
        scenarios.simulate_cascade(nx.path_graph(10), loads, caps, first, breaker_trip_fraction=trip)
    except ValueError:
        pass


def test_cascade_input_errors_name_the_parameter():
    g = nx.path_graph(4)
    with pytest.raises(ValueError, match="initial_failures"):
        scenarios.simulate_cascade(g, 0.5, 1.0, [9])
    with pytest.raises(ValueError, match="exceed capacities"):
        scenarios.simulate_cascade(g, 2.0, 1.0, [0])
    with pytest.raises(ValueError, match="capacities"):
        scenarios.simulate_cascade(g, 0.5, {0: 1.0}, [0])
    with pytest.raises(ValueError, match="graph"):
        scenarios.simulate_cascade([1, 2], 0.5, 1.0, [0])
    with pytest.raises(ValueError, match="undirected"):
        scenarios.simulate_cascade(nx.DiGraph([(0, 1)]), 0.5, 1.0, [0])
    with pytest.raises(ValueError, match="degree must be an even"):
        scenarios.cluster_graph(10, 3)


def test_random_cluster_is_seeded_and_connected():
    g1, l1, _ = scenarios.random_cluster(200, 4, seed=7)
    g2, l2, _ = scenarios.random_cluster(200, 4, seed=7)
    assert nx.is_connected(g1) and sorted(g1.edges()) == sorted(g2.edges()) and l1 == l2
    assert all(0.55 - 1e-12 <= v <= 0.85 + 1e-12 for v in l1.values())


@FAST
@given(n=st.integers(-2, 60), k=st.integers(-2, 8), p=st.one_of(st.floats(-1, 2), st.just(float("nan"))),
       mu=st.one_of(st.floats(-1, 2), st.just(float("nan"))), spread=st.floats(-1, 2))
def test_cluster_builders_fuzz_only_valueerror(n, k, p, mu, spread):
    try:
        scenarios.random_cluster(n, k, mean_utilization=mu, utilization_spread=spread, rewire_probability=p)
    except ValueError:
        pass


def test_compare_protections_has_one_row_per_switch_combination():
    g, loads, caps = scenarios.random_cluster(300, 4, mean_utilization=0.75, utilization_spread=0.15, seed=1)
    df = scenarios.compare_protections(g, loads, caps, [0])
    assert len(df) == 4
    protected = df[df["circuit_breaker"] | df["backpressure"]]
    assert (protected["failed_nodes"] == 1).all()


# ------------------------------------------------------------------ degradation diagnosis


@pytest.mark.parametrize("cause", scenarios.CAUSES)
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5, 11, 29])
def test_diagnosis_finds_every_planted_cause(cause, seed):
    metrics = scenarios.synthetic_degradation(cause, seed=seed)
    d = scenarios.diagnose_degradation(metrics)
    assert d.cause == cause
    assert 30 < d.slowdown_pct < 50  # the course text's "degraded by 40%", measured week vs week


@pytest.mark.parametrize("seed", range(8))
def test_healthy_month_names_no_cause(seed):
    d = scenarios.diagnose_degradation(scenarios.synthetic_degradation(None, seed=seed))
    assert d.cause is None and abs(d.slowdown_pct) < 3


def test_shared_symptom_is_told_apart():
    # storage slowdown and a CPU-bound input pipeline both raise the data-loader wait
    storage = scenarios.diagnose_degradation(scenarios.synthetic_degradation("storage_slowdown", seed=3))
    pipeline = scenarios.diagnose_degradation(scenarios.synthetic_degradation("data_pipeline_regression", seed=3))
    s_scores, p_scores = dict(storage.scores), dict(pipeline.scores)
    assert s_scores["data_pipeline_regression"] < storage.threshold < s_scores["storage_slowdown"]
    assert p_scores["storage_slowdown"] < pipeline.threshold < p_scores["data_pipeline_regression"]


def test_gpu_utilisation_looks_normal_for_three_causes():
    for cause in ("thermal_throttling", "memory_fragmentation", "network_congestion"):
        z = scenarios.metric_shifts(scenarios.synthetic_degradation(cause, seed=0))["gpu_util_pct"]
        assert abs(z) < 3


def test_metric_shifts_matches_a_hand_computed_robust_z():
    import pandas as pd

    base = [10.0, 11.0, 9.0, 10.0, 12.0, 8.0] * 4   # median 10, MAD 1
    cur = [13.0] * 24
    z = scenarios.metric_shifts(pd.DataFrame({"x": base + cur}), window_days=1)["x"]
    assert z == pytest.approx(3 / 1.4826)


def test_diagnosis_table_and_errors():
    d = scenarios.diagnose_degradation(scenarios.synthetic_degradation("network_congestion", seed=1))
    t = d.table()
    assert t.iloc[0]["cause"] == "network_congestion" and t.iloc[0]["named"]
    with pytest.raises(ValueError, match="cause"):
        scenarios.synthetic_degradation("cosmic_rays")
    with pytest.raises(ValueError, match="two windows"):
        scenarios.diagnose_degradation(scenarios.synthetic_degradation(None).iloc[:100])
    with pytest.raises(ValueError, match="metrics must be a DataFrame"):
        scenarios.diagnose_degradation([1, 2, 3])


@FAST
@given(cause=st.one_of(st.sampled_from(scenarios.CAUSES), st.none(), st.text(max_size=5)),
       days=st.one_of(st.integers(-1, 40), st.floats(allow_nan=True)),
       slowdown=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-1, 6)),
       window=st.one_of(st.integers(-1, 20), st.text(max_size=2)),
       threshold=st.one_of(st.floats(allow_nan=True), st.integers(-1, 10)))
def test_degradation_fuzz_only_valueerror(cause, days, slowdown, window, threshold):
    try:
        df = scenarios.synthetic_degradation(cause, days=days, slowdown=slowdown, seed=1)
        scenarios.diagnose_degradation(df, window_days=window, threshold=threshold)
    except ValueError:
        pass


# ------------------------------------------------------------------ scenario 3 on the simulator


def test_paradox_wait_option_matches_the_hand_computed_completion_time():
    from course_kit import scheduling as sch

    df = scenarios.allocation_paradox(0).set_index("option")
    running = sch.scenario3_running_jobs(0)
    # 100 GPUs, 80 busy: the 64-GPU gang needs 44 more, i.e. 11 of the 4-GPU jobs to finish
    remaining_h = sorted((j.duration_s - j.elapsed_s) / 3600 for j in running)
    assert df.loc["wait", "big_job_wait_h"] == pytest.approx(remaining_h[10], abs=1e-6)
    assert df.loc["wait", "lost_gpu_hours"] == 0 and df.loc["wait", "victims"] == 0
    assert df.loc["wait", "sla_violation_h"] == pytest.approx(2 - 0.5 + remaining_h[10], abs=1e-6)


def test_paradox_preemption_starts_the_big_job_now_at_a_price():
    from course_kit import scheduling as sch

    df = scenarios.allocation_paradox(0).set_index("option")
    running = sch.scenario3_running_jobs(0)
    cheapest = sum(sorted(4 * j.elapsed_s / 3600 for j in running)[:11])  # brute-force lower bound
    for opt in ("lowest_priority", "least_progress", "newest"):
        row = df.loc[opt]
        assert row["big_job_wait_h"] == pytest.approx(0, abs=1e-9)
        assert row["sla_violation_h"] == pytest.approx(1.5)     # it had already waited 2 h of a 0.5 h SLA
        assert row["victims"] >= 11 and row["lost_gpu_hours"] >= cheapest - 1e-6
        assert row["cost_usd"] == pytest.approx(1000 * 1.5 + 4.10 * row["lost_gpu_hours"])
    with_ckpt = scenarios.allocation_paradox(0, checkpoint_s=1800).set_index("option")
    assert (with_ckpt["lost_gpu_hours"] <= df["lost_gpu_hours"] + 1e-9).all()
    # with checkpoints every 30 min no victim loses more than 30 min of its 4 GPUs
    assert with_ckpt.loc["lowest_priority", "lost_gpu_hours"] <= with_ckpt.loc["lowest_priority", "victims"] * 4 * 0.5


def test_paradox_inputs_are_validated():
    with pytest.raises(ValueError, match="options"):
        scenarios.allocation_paradox(0, options=["oldest"])
    with pytest.raises(ValueError, match="checkpoint_s"):
        scenarios.allocation_paradox(0, checkpoint_s=0)
    with pytest.raises(ValueError, match="sla_cost_per_hour_usd"):
        scenarios.allocation_paradox(0, sla_cost_per_hour_usd=-1)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.one_of(st.integers(-2, 3), st.text(max_size=2)),
       options=st.one_of(st.lists(st.sampled_from(["wait", "newest", "oldest", "x"]), max_size=2), st.text(max_size=3)),
       ckpt=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5)),
       hours=st.one_of(st.floats(allow_nan=True), st.integers(-1, 3)))
def test_paradox_fuzz_only_valueerror(seed, options, ckpt, hours):
    try:
        scenarios.allocation_paradox(seed, options=options, checkpoint_s=ckpt, big_job_hours=hours)
    except ValueError:
        pass


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levels=st.one_of(st.lists(st.one_of(st.floats(-1, 2), st.just(float("nan"))), max_size=2), st.text(max_size=2), st.none()),
       seeds=st.one_of(st.integers(-1, 2), st.floats(allow_nan=True)),
       seed=st.one_of(st.integers(-2, 50), st.text(max_size=2), st.none()),
       window=st.one_of(st.integers(-1, 40), st.none()))
def test_sweep_mystery_and_shifts_fuzz_only_valueerror(levels, seeds, seed, window):
    calls = [
        lambda: scenarios.cascade_sweep(levels, n_seeds=seeds, n_nodes=20),
        lambda: scenarios.mystery_degradation(seed), lambda: scenarios.mystery_cause(seed),
        lambda: scenarios.metric_shifts(scenarios.synthetic_degradation(None, seed=1), window_days=window),
        lambda: scenarios.compare_protections(nx.path_graph(5), 0.5, 1.0, [seed]),
    ]
    only_value_errors(calls)


def test_mystery_cause_covers_every_cause():
    assert {scenarios.mystery_cause(s) for s in range(60)} == set(scenarios.CAUSES)
