"""Figure builders of sections 8-10: one trace per series the model returns, a distinct colour per
series, and the same colour for the same protection across figures (what a learner compares)."""

from __future__ import annotations

from course_kit import frontiers, kpi, scenarios
from course_kit.figures import frontiers as ffig
from course_kit.figures import kpi as kfig
from course_kit.figures import scenarios as sfig


def _colour(trace):
    return (trace.line.color if trace.line and trace.line.color else None) or trace.marker.color


def test_cascade_figures_keep_one_colour_per_protection():
    graph, loads, caps = scenarios.random_cluster(60, degree=4, mean_utilization=0.7, seed=4)
    runs = {label: scenarios.simulate_cascade(graph, loads, caps, [0], **kw) for label, kw in (
        ("no protection", {}), ("circuit breaker", {"circuit_breaker": True}), ("backpressure", {"backpressure": True}))}
    fig = sfig.cascade_figure(runs)
    colours = {t.name.split(" (")[0]: _colour(t) for t in fig.data}
    assert set(colours) == set(runs) and len(set(colours.values())) == 3
    sweeps = {"no protection": scenarios.cascade_sweep([0.5, 0.7], n_seeds=2, n_nodes=60),
              "backpressure": scenarios.cascade_sweep([0.5, 0.7], n_seeds=2, n_nodes=60, backpressure=True)}
    sweep_colours = {t.name.split(" (")[0]: _colour(t) for t in sfig.cascade_sweep_figure(sweeps).data}
    for label in sweeps:
        assert sweep_colours[label] == colours[label]


def test_degradation_figure_has_a_panel_per_metric():
    metrics = scenarios.mystery_degradation(seed=8)
    fig = sfig.degradation_figure(metrics)
    titles = [a.text for a in fig.layout.annotations]
    assert len(fig.data) == len(metrics.columns) >= 5
    for col in metrics.columns:  # every metric named in its own panel (no colour-only identity)
        assert sum(t.startswith(f"{col} (") for t in titles) == 1, col
    assert len({t.xaxis for t in fig.data}) == len(fig.data)


def test_dvfs_and_qec_figures_show_every_series():
    low = kpi.dvfs_tradeoff(work_gcycles=30, capacitance_nf=35, static_power_w=30)
    high = kpi.dvfs_tradeoff(work_gcycles=30, capacitance_nf=35, static_power_w=100)
    fig = kfig.dvfs_figure({"static 30 W": low, "static 100 W": high})
    bars = [t for t in fig.data if t.type == "bar"]
    assert set(bars[0].x[0]) == {"static 30 W", "static 100 W"}  # one group of bars per case
    stars = [t for t in fig.data if t.type == "scatter" and t.mode == "text"][0]
    assert sum(1 for s in stars.text if s) == 2  # the least-energy point of each case is marked
    curve = frontiers.qec_curve([1e-3, 2e-3, 4e-3])
    qfig = ffig.qec_figure(curve)
    assert len(qfig.data) >= 2 and len({(_colour(t), t.line.dash) for t in qfig.data}) == len(qfig.data)
