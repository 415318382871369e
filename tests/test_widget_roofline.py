"""The roofline explorer, headless: the operation's shape moves its marker as compute.* says."""

from __future__ import annotations

import pytest

from course_kit import compute
from course_kit.widgets import roofline_explorer


def test_default_gemm_readout_matches_hand_calculation():
    panel = roofline_explorer()
    assert panel.error is None
    ai = 2 * 4096 * 64 * 4096 / (2 * (4096 * 4096 + 4096 * 64 + 4096 * 64))
    assert panel.readout["intensity"] == pytest.approx(ai)
    assert panel.readout["attainable_tflops"] == pytest.approx(ai * 3350 / 1000)  # below H100's ridge
    assert panel.readout["bound"] == "memory"
    line = panel.figure.layout.shapes[panel.operation_shape]
    assert (line.x0, line.x1, line.xref, line.yref) == (pytest.approx(ai), pytest.approx(ai), "x", "paper")
    assert "memory-bound" in panel.readout_html.value


def test_square_gemm_becomes_compute_bound_and_the_marker_moves():
    panel = roofline_explorer()
    panel.controls["n"].value = 4096
    assert panel.readout["intensity"] == pytest.approx(4096 / 3)
    assert panel.readout["bound"] == "compute" and panel.readout["fraction_of_peak"] == 1.0
    assert panel.figure.layout.shapes[panel.operation_shape].x0 == pytest.approx(4096 / 3)


def test_attention_and_precision_switch():
    panel = roofline_explorer(operation="attention")
    assert panel.readout["intensity"] == pytest.approx(8192 / 8193)  # L/(L+1), MHA in FP16
    panel.controls["kv_heads"].value = 8
    assert panel.readout["intensity"] == pytest.approx(compute.attention_decode_intensity(16, 8192, 32, 128, 8))
    def shown():
        return [t.name for t in panel.figure.data if t.visible is not False and t.mode in ("lines", "lines+markers")]

    fp16_shown = shown()
    panel.controls["precision"].value = "fp32"
    fp32_rows = compute.load_catalog().dropna(subset=["fp32_tflops", "mem_bandwidth_gb_s"])
    # one roofline per device with an FP32 peak and a bandwidth (plus the operation line); the FP16
    # ones are hidden, not deleted (switching back is a restyle)
    assert sorted(shown()) == sorted([*fp32_rows["name"], "operation"]) and shown() != fp16_shown
    assert panel.readout["ridge"] == pytest.approx(66.9e12 / 3350e9)
    panel.controls["precision"].value = "fp16"
    assert shown() == fp16_shown


@pytest.mark.parametrize("control,value,message", [
    ("m", 0, "m must be an integer in [1, 10000000]; got 0"),
    ("kv_heads", 5, "kv_heads must divide heads=32; got 5"),
])
def test_bad_shapes_are_shown_inline(control, value, message):
    panel = roofline_explorer(operation="gemm" if control == "m" else "attention")
    panel.controls[control].value = value
    assert panel.error == message


def test_missing_sourced_peak_is_an_inline_error_not_a_guess():
    panel = roofline_explorer(device="MI300X")
    panel.controls["precision"].value = "fp32"
    assert "no sourced peak" in panel.error


def test_the_x_axis_is_fixed_and_widens_for_an_operation_off_the_chart():
    """A fixed x range lets a moved line redraw alone; an operation outside 0.01-10,000 FLOP/byte
    widens it by whole decades instead of drawing the line off the chart."""
    panel = roofline_explorer(operation="elementwise")
    fig = panel.figure
    assert fig.layout.xaxis.autorange is False and list(fig.layout.xaxis.range) == [-2, 4]
    panel.controls["flops_per_element"].value = 0.01  # 0.01 FLOP over 6 bytes (FP16): ~1.7e-3 FLOP/byte
    ai = panel.readout["intensity"]
    assert ai == pytest.approx(0.01 / 6) and list(fig.layout.xaxis.range) == [-3, 4]
    assert fig.layout.shapes[panel.operation_shape].x0 == pytest.approx(ai)
    panel.controls["flops_per_element"].value = 1
    assert list(fig.layout.xaxis.range) == [-2, 4]


def test_each_device_is_one_trace_with_its_ridge_marked():
    from course_kit.figures import compute as cfig

    fig = cfig.roofline_figure(intensity_range=(0.01, 10000.0))
    for trace in fig.data:
        assert trace.mode == "lines+markers" and len(trace.x) == 3
        ridge = list(trace.marker.size).index(9)
        assert list(trace.marker.size) == [0, 9, 0] and ridge == 1
        assert trace.y[1] == pytest.approx(max(trace.y))  # the ridge: where the slope meets the peak
        assert "ridge" in trace.hovertemplate[1] and "ridge" not in trace.hovertemplate[0]
