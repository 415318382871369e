"""The latency-budget widget, headless: controls drive the figures exactly as the model says."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_kit import lifecycle as lc
from course_kit.figures import lifecycle as lfig
from course_kit.figures.live import live_figure
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


# ------------------------------------------------------------------- updates without a full redraw
_N = 2_000
_medians = st.lists(st.floats(0.5, 500.0).map(lambda x: round(x * 2) / 2),
                    min_size=len(lc.REALTIME_INGESTION_STAGES), max_size=len(lc.REALTIME_INGESTION_STAGES))


def _state(medians, slo_ms):
    stages = [s.with_median(m) for s, m in zip(lc.REALTIME_INGESTION_STAGES, medians)]
    result = lc.budget_check(stages, slo_ms, 95, n=_N)
    samples = lc.simulate_end_to_end(stages, n=_N)
    return result, samples, lc.end_to_end_percentiles(stages, (50, 95, 99), n=_N)


def _picture(fig) -> dict:
    """What the page draws: every trace's data, the axis ranges, the SLO line and its label."""
    lay = fig.layout
    return {"data": [{k: list(getattr(t, k)) for k in ("x", "y", "base") if getattr(t, k, None) is not None}
                     for t in fig.data],
            "x": lay.xaxis.range, "y": lay.yaxis.range,
            "shapes": [(s.y0, s.y1) for s in lay.shapes], "notes": [(a.text, a.y) for a in lay.annotations]}


@settings(max_examples=25, deadline=None)
@given(a=_medians, b=_medians, slo_a=st.sampled_from([50.0, 100.0, 300.0]), slo_b=st.sampled_from([50.0, 100.0]))
def test_an_update_draws_what_a_new_figure_would(a, b, slo_a, slo_b):
    """From any state to any other, the updated live figures show exactly what figures built for
    the new state show; the update skips the full redraw (one animate message) exactly when the
    axes (and the SLO line) stay; everything drawn is inside the fixed axes."""
    (ra, sa, pa), (rb, sb, pb) = _state(a, slo_a), _state(b, slo_b)
    for build, update, args_a, args_b in (
            (lfig.waterfall_figure, lfig.update_waterfall_figure, (ra,), (rb,)),
            (lfig.distribution_figure, lfig.update_distribution_figure, (sa, pa, slo_a), (sb, pb, slo_b))):
        live, fresh = live_figure(build(*args_a)), build(*args_b)
        sent = []
        live._send = lambda msg, buffers=None, sent=sent: sent.append(msg["state"])
        before = _picture(live)
        update(live, *args_b)
        assert _picture(live) == _picture(fresh)
        axes_stay = (before["x"], before["y"], before["shapes"]) == (_picture(fresh)["x"], _picture(fresh)["y"],
                                                                  _picture(fresh)["shapes"])
        kinds = [k for m in sent for k in m if k.startswith("_py2js")]
        assert kinds == (["_py2js_animate"] if axes_stay else ["_py2js_update"]), kinds
        top = fresh.layout.yaxis.range[1]
        for t in fresh.data:
            ys = [y + b for y, b in zip(t.y, t.base)] if getattr(t, "base", None) is not None else list(t.y)
            assert max(ys) <= top + 1e-9
            if fresh.layout.xaxis.range is not None:
                assert max(t.x) <= fresh.layout.xaxis.range[1]
        assert max(rb.slo_ms, 0) <= top or build is lfig.distribution_figure


def test_a_slider_step_skips_the_full_redraw_of_both_figures():
    """The common case: one slider step (0.5 ms) from the defaults moves the data, not the axes."""
    panel = latency_budget()
    waterfall, dist = panel.outputs[1].children
    sent = []
    for fig in (waterfall, dist):
        fig._send = lambda msg, buffers=None: sent.append([k for k in msg["state"] if k.startswith("_py2js")])
    panel.controls["stage_0"].value += 0.5
    assert sent == [["_py2js_animate"], ["_py2js_animate"]]


def test_the_first_widget_takes_the_imported_heap_out_of_full_garbage_collections():
    """A full (generation-2) pass of the cyclic collector walks every tracked object: before the
    first widget, that is every object the libraries created; after it (gc.freeze, see
    widgets.base), only what is new. Measured in a fresh interpreter: the objects a full pass
    walks, before and after building one widget."""
    import subprocess
    import sys

    code = ("import gc, course_kit as ck; ck.setup_notebook(quiet=True); import course_kit.widgets.hello; "
            "before = len(gc.get_objects()); ck.widgets.widget_check(); gc.collect(1); "
            "print(before, len(gc.get_objects()), gc.get_freeze_count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    before, walked, frozen = map(int, out.stdout.split())
    assert before > 50_000, "the libraries' heap is the point of the test"
    assert frozen >= before and walked < before / 20, (before, walked, frozen)
