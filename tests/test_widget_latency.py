"""The latency-budget widget, headless: controls drive the figures exactly as the model says."""

from __future__ import annotations

import pytest

from course_kit import lifecycle as lc
from course_kit.widgets import latency_budget, widget_check


def _lines(panel):
    dist = panel.outputs[1].children[1]
    return {t.name: t.x[0] for t in dist.data[1:]}


def test_initial_state_matches_the_model():
    panel = latency_budget()
    assert panel.error is None
    expected = lc.end_to_end_percentiles(lc.REALTIME_INGESTION_STAGES, (50, 95, 99))
    lines = _lines(panel)
    assert lines["p95"] == pytest.approx(expected[95])
    assert lines["SLO"] == 50
    waterfall = panel.outputs[1].children[0]
    assert list(waterfall.data[0].y[:-1]) == pytest.approx([s.mean_ms for s in lc.REALTIME_INGESTION_STAGES])


def test_moving_a_slider_updates_both_figures_as_the_model_says():
    panel = latency_budget()
    before = _lines(panel)["p95"]
    panel.controls["stage_0"].value = 2.0
    stages = list(lc.REALTIME_INGESTION_STAGES)
    stages[0] = stages[0].with_median(2.0)
    want = lc.end_to_end_percentiles(stages, (95,))[95]
    assert _lines(panel)["p95"] == pytest.approx(want)
    assert _lines(panel)["p95"] < before
    waterfall = panel.outputs[1].children[0]
    assert waterfall.data[0].y[0] == pytest.approx(stages[0].mean_ms)


def test_slo_and_percentile_controls_change_the_verdict():
    panel = latency_budget()
    assert "misses" in panel.outputs[0].value
    panel.controls["slo_ms"].value = 1000.0
    assert "meets" in panel.outputs[0].value and _lines(panel)["SLO"] == 1000
    panel.controls["percentile"].value = 50
    assert "p50 =" in panel.outputs[0].value


def test_bad_input_is_shown_inline_and_the_last_figure_is_kept():
    panel = latency_budget()
    good = _lines(panel)
    panel.controls["slo_ms"].value = -5.0
    assert panel.error == "slo_ms must be > 0; got -5.0"
    assert "slo_ms must be &gt; 0" in panel.message.value or "slo_ms must be > 0" in panel.message.value
    assert _lines(panel) == good
    panel.controls["slo_ms"].value = 40.0
    assert panel.error is None and panel.message.value == ""


def test_widget_check_bar_follows_the_slider():
    panel = widget_check()
    panel.controls["gpus"].value = 8
    assert tuple(panel.outputs[1].data[0].y) == (8, 0)
    assert "100%" in panel.outputs[0].value
