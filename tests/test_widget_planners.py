"""Parallelism and checkpoint planner widgets, headless: controls drive the models; bad input inline."""

from __future__ import annotations

import pytest

from course_kit import parallelism as P
from course_kit import reliability as R
from course_kit import widgets
from course_kit.widgets.checkpoint import checkpoint_planner
from course_kit.widgets.parallelism import parallelism_planner


def test_registered():
    assert widgets.parallelism_planner is parallelism_planner
    assert widgets.checkpoint_planner is checkpoint_planner


def _bars(fig, i):
    return dict(zip(fig.data[i].x, fig.data[i].y))


def test_planner_moves_tp_bytes_to_the_network_when_tp_leaves_the_domain():
    panel = parallelism_planner()
    nv, net = _bars(panel.figure, 0), _bars(panel.figure, 1)
    tp_gb = P.llama3_405b_plan().bytes_per_gpu["tp"] / 1e9
    assert nv["tensor (TP)"] == pytest.approx(tp_gb) and net["tensor (TP)"] == 0
    panel.controls["tp"].value = 16
    panel.controls["pp"].value = 8
    assert panel.error is None
    nv, net = _bars(panel.figure, 0), _bars(panel.figure, 1)
    assert nv["tensor (TP)"] == 0 and net["tensor (TP)"] > 0           # 16 GPUs do not fit an 8-GPU NVLink domain
    assert panel.plan.bound == "network"
    panel.controls["cluster"].value = P.GB200_NVL72_CLUSTER.name
    assert _bars(panel.figure, 1)["tensor (TP)"] > 0     # groups of 16 still straddle 72-GPU racks (72 % 16 != 0)
    panel.controls["tp"].value = 8
    panel.controls["pp"].value = 9                       # 8 x 9 = 72: TP and PP inside one NVL72 rack
    assert panel.error is None
    assert _bars(panel.figure, 1)["tensor (TP)"] == 0 and _bars(panel.figure, 1)["pipeline (PP)"] == 0
    times = _bars(panel.figure, 2)
    assert times["compute"] == pytest.approx(panel.plan.compute_s)


def test_planner_network_speed_scales_network_time():
    panel = parallelism_planner()
    t400 = panel.plan.network_s
    panel.controls["scale_out_gbps"].value = 800
    assert panel.plan.network_s == pytest.approx(t400 / 2)


@pytest.mark.parametrize("control, value, name", [("tp", 3, "tp"), ("ep", 3, "ep"), ("global_batch", 100, "global_batch"),
                                                  ("scale_out_gbps", 0, "network Gb/s"), ("dp", -1, "dp")])
def test_planner_bad_input_inline(control, value, name):
    panel = parallelism_planner()
    before = list(panel.figure.data[0].y)
    panel.controls[control].value = value
    assert panel.error is not None and name in panel.error
    assert list(panel.figure.data[0].y) == before


def test_checkpoint_curve_peaks_at_the_exact_optimum_and_moves_with_the_failure_rate():
    panel = checkpoint_planner(gpus=8192, checkpoint_s=120, restart_s=300)
    m = R.mtbf_s(8192, R.llama3_rate_per_gpu_hour())
    xs, ys = panel.figure.data[0].x, panel.figure.data[0].y
    best_x = xs[max(range(len(ys)), key=ys.__getitem__)]
    assert best_x * 60 == pytest.approx(R.optimal_interval_s(120, m), rel=0.06)   # grid step ~5 %
    assert panel.figure.data[3].x[0] * 60 == pytest.approx(R.optimal_interval_s(120, m), rel=0.01)
    g_before = panel.result["best_goodput"]
    panel.controls["per_1000_gpu_days"].value = 4 * panel.controls["per_1000_gpu_days"].value
    assert panel.result["mtbf_h"] == pytest.approx(m / 3600 / 4, rel=0.01)
    assert panel.result["best_goodput"] < g_before
    assert panel.figure.data[3].x[0] * 60 == pytest.approx(R.optimal_interval_s(120, m / 4), rel=0.01)


def test_checkpoint_rule_dropdown():
    panel = checkpoint_planner()
    panel.controls["rule"].value = "Young"
    assert panel.result["interval_min"] * 60 == pytest.approx(R.young_interval_s(60, R.mtbf_s(16_384)), rel=0.01)
    assert panel.result["goodput"] <= panel.result["best_goodput"]


@pytest.mark.parametrize("control, value, name", [("gpus", 0, "gpus"), ("checkpoint_s", -1, "checkpoint_s"),
                                                  ("per_1000_gpu_days", 0, "interruptions"), ("restart_s", -5, "restart_s")])
def test_checkpoint_bad_input_inline(control, value, name):
    panel = checkpoint_planner()
    before = list(panel.figure.data[0].y)
    panel.controls[control].value = value
    assert panel.error is not None and name in panel.error
    assert list(panel.figure.data[0].y) == before
