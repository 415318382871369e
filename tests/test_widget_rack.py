"""Rack power widget, headless: controls drive the model and the figure; bad input shows inline."""

from __future__ import annotations

import pytest

from course_kit import power, widgets
from course_kit.widgets.rack import rack_power


def _mounted_heights(panel):
    return list(panel.figure.data[0].y)


def test_registered():
    assert widgets.rack_power is rack_power


def test_default_and_live_update():
    panel = rack_power()
    assert panel.error is None
    assert _mounted_heights(panel) == [8, 8, 8]  # 3 x DGX H100
    panel.controls["count:DGX A100"].value = 2
    expected = power.rack_report([("DGX A100", 2), ("DGX H100", 3)])
    assert panel.report.it_load_w == pytest.approx(expected.it_load_w) == pytest.approx(2 * 6500 + 3 * 10200)
    assert sorted(_mounted_heights(panel)) == [6, 6, 8, 8, 8]
    assert f"{expected.it_load_w / 1000:,.1f} kW" in panel.readout.value
    assert f"{expected.airflow_cfm:,.0f} CFM" in panel.readout.value


def test_q4_rack_shows_overflow_and_cooling_warnings():
    panel = rack_power({"DGX A100": 10})
    assert len(panel.figure.data[0].y) == 7 and len(panel.figure.data[1].y) == 3  # 7 fit, 3 do not
    text = " ".join(panel.report.warnings)
    assert "over U space" in text and "over room cooling" in text
    assert panel.figure.layout.shapes[0].y1 == 42
    panel.controls["rack_u"].value = 48
    assert len(panel.figure.data[1].y) == 2 and panel.figure.layout.shapes[0].y1 == 48


def test_circuit_and_ashrae_warnings():
    panel = rack_power({"DGX H100": 1}, cooling_kw=100)
    assert panel.report.warnings == ()
    panel.controls["supply"].value = "230 V single-phase"
    panel.controls["breaker_a"].value = 32
    # 10.2 kW / (230 V x 0.95) = 46.7 A > 0.8 x 32 A
    assert panel.report.current_a == pytest.approx(10_200 / (230 * 0.95))
    assert any(w.startswith("over circuit") for w in panel.report.warnings)
    panel.controls["inlet_c"].value = 33
    assert any(w.startswith("outside ASHRAE") for w in panel.report.warnings)
    panel.controls["ashrae_class"].value = "A2"
    assert any(w.startswith("outside ASHRAE recommended") for w in panel.report.warnings)


def test_other_gear_counts():
    panel = rack_power({"DGX H100": 1})
    panel.controls["other_u"].value = 2
    panel.controls["other_w"].value = 400
    assert panel.report.it_load_w == pytest.approx(10_600)
    assert panel.report.layout.used_u == 10


def test_bad_input_is_shown_inline_and_figure_kept():
    panel = rack_power({"DGX H100": 2})
    before = list(panel.figure.data[0].y)
    panel.controls["delta_t_c"].value = 0
    assert panel.error is not None and "delta_t_c" in panel.error
    assert "ck-error" in panel.message.value
    assert list(panel.figure.data[0].y) == before
    panel.controls["delta_t_c"].value = 12
    assert panel.error is None


def test_unknown_server_rejected():
    with pytest.raises(ValueError, match="unknown servers"):
        rack_power({"DGX Z9": 1})


# ----------------------------------------------------------------------------- issue 15 item 4 and liquid cooling


@pytest.mark.parametrize("control, value, name", [
    ("cooling_kw", -5, "room cooling (kW)"),
    ("count:DGX H100", 500, "DGX H100 count"),
    ("count:DGX A100", -1, "DGX A100 count"),
    ("other_u", 99, "other gear (U)"),
    ("liquid_fraction", 1.2, "liquid share"),
    ("coolant_delta_t_c", 0, "coolant ΔT"),
])
def test_out_of_range_is_an_inline_error_not_a_clamp(control, value, name):
    panel = rack_power({"DGX H100": 2})
    before = list(panel.figure.data[0].y)
    panel.controls[control].value = value
    assert panel.controls[control].value == value          # the box keeps what was typed
    assert panel.error is not None and name in panel.error
    assert "ck-error" in panel.message.value
    assert list(panel.figure.data[0].y) == before


def test_99_servers_are_drawn_not_clamped_and_the_axis_stays_readable():
    panel = rack_power({"DGX H100": 1})
    panel.controls["count:DGX H100"].value = 99
    assert panel.error is None
    assert panel.report.it_load_w == pytest.approx(99 * 10_200)
    assert len(panel.figure.data[0].y) + len(panel.figure.data[1].y) == 99
    top = panel.figure.layout.yaxis.range[1]
    assert top >= (99 - 42 // 8) * 8                     # the overflow column is drawn in full
    assert top / panel.figure.layout.yaxis.dtick <= 14        # about a dozen ticks, not 130


def test_liquid_share_changes_airflow_and_shows_coolant_flow():
    panel = rack_power({"GB200 NVL72 compute tray": 18}, rack_u=48, cooling_kw=40)
    assert any(w.startswith("over room cooling") for w in panel.report.warnings)
    cfm_air = panel.report.airflow_cfm
    panel.controls["liquid_fraction"].value = 0.85
    assert panel.error is None
    assert panel.report.airflow_cfm == pytest.approx(0.15 * cfm_air)
    assert not any(w.startswith("over room cooling") for w in panel.report.warnings)
    litres = 0.85 * 18 * 6667 / (4181 * 10) / 997 * 60_000
    assert f"{litres:,.0f} L/min" in panel.readout.value
    panel.controls["coolant"].value = "PG25"
    assert panel.report.coolant_flow_l_min > litres


def test_sliders_have_room_to_move():
    """Issue 15 item 3: the rack's sliders were ~55 px of track; they now get a 430 px row."""
    import ipywidgets as w

    panel = rack_power()
    sliders = [c for c in panel.controls.values() if isinstance(c, w.FloatSlider)]
    assert len(sliders) == 4
    assert all(s.layout.width == "430px" for s in sliders)
