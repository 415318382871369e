"""The scheduler playground headlessly: controls change the figure as the model says; bad input inline."""

from __future__ import annotations

import numpy as np

from course_kit import scheduling as sch
from course_kit.widgets import scheduler_playground
from course_kit.widgets.scheduling import MAX_GANTT_BARS


def test_defaults_draw_the_simulated_schedule():
    panel = scheduler_playground()
    assert panel.error is None
    fig = panel.outputs[0].children[0]
    bars = fig.data[0]
    r = sch.simulate(sch.Cluster.homogeneous(4, gpus_per_node=8),
                     sch.synthetic_workload(40, mix={"inference": 0.35 * 0.7, "single": 0.65 * 0.7,
                                                     "multi": 0.3 * 0.6, "distributed": 0.3 * 0.4},
                                            arrival_rate_per_h=12.0, seed=0))
    # one bar per task run; total bar length = Σ run times (hours)
    assert len(bars.x) == len(r.segments["job"])
    assert np.sum(bars.x) * 3600 == np.sum(r.segments["end_s"] - r.segments["start_s"])
    assert "jobs done" in panel.outputs[0].children[1].value


def test_controls_change_the_schedule_and_errors_show_inline():
    panel = scheduler_playground()
    fig = panel.outputs[0].children[0]
    before = tuple(fig.data[0].base)
    panel.controls["queue"].value = "sjf"
    assert panel.error is None and tuple(fig.data[0].base) != before
    panel.controls["gang"].value = "partial"
    assert panel.error is None
    panel.controls["n_jobs"].value = -3
    assert panel.error.startswith("n_jobs must be")
    assert tuple(fig.data[0].base)  # last valid figure kept
    panel.controls["n_jobs"].value = 40
    assert panel.error is None


def test_large_schedules_switch_to_the_heatmap():
    panel = scheduler_playground()
    panel.controls["workload"].value = "philly"
    panel.controls["n_jobs"].value = MAX_GANTT_BARS + 100
    fig = panel.outputs[0].children[0]
    assert panel.error is None
    assert fig.data[1].visible is True and fig.data[0].visible is False
    z = np.array(fig.data[1].z)
    assert z.shape[0] == 4 and z.min() >= 0 and z.max() <= 1 + 1e-9
