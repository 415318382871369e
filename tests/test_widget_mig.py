"""MIG partitioner widget, headless: profiles and workloads drive the engine and the drawing."""

from __future__ import annotations

from course_kit import mig, widgets
from course_kit.widgets.mig import mig_partitioner


def _drawn(panel):
    d = panel.figure.data[2]  # instances on the memory row
    return sorted(zip(d.base, d.x, d.text))


def test_registered():
    assert widgets.mig_partitioner is mig_partitioner


def test_default_layout_drawn_as_the_engine_places_it():
    panel = mig_partitioner()
    lay = mig.layout("A100-SXM4-40GB", "3g.20gb, 2g.10gb, 1g.5gb, 1g.5gb")
    assert _drawn(panel) == sorted((i.start, i.size, i.profile) for i in lay.instances)
    assert len(panel.figure.data[0].x) == 8 and len(panel.figure.data[1].x) == 7  # 8 memory x 7 compute cells
    assert sum(panel.figure.data[3].x) == 7  # compute slices used
    assert "-cgi 9,14,19,19" in panel.readout.value
    assert "mig-devices" in panel.readout.value


def test_invalid_profile_list_refused_with_reason():
    panel = mig_partitioner()
    before = _drawn(panel)
    panel.controls["profiles"].value = "4g.20gb, 4g.20gb"
    assert panel.error == "4g.20gb allows 1 instance on A100-SXM4-40GB (2 requested)"
    assert _drawn(panel) == before
    panel.controls["profiles"].value = "nonsense"
    assert "does not exist" in panel.error


def test_add_remove_clear_buttons():
    panel = mig_partitioner(profiles="3g.20gb")
    panel.picker.value = "4g.20gb"
    panel.buttons["add"].click()
    assert panel.error is None and panel.controls["profiles"].value == "3g.20gb, 4g.20gb"
    panel.buttons["add"].click()  # a second 4g.20gb is refused, the list is unchanged
    assert panel.error.startswith("cannot add 4g.20gb: 4g.20gb allows 1 instance")
    assert panel.controls["profiles"].value == "3g.20gb, 4g.20gb"
    panel.buttons["remove_last"].click()
    assert panel.controls["profiles"].value == "3g.20gb" and panel.error is None
    panel.buttons["clear"].click()
    assert _drawn(panel) == [] and "Empty GPU" in panel.readout.value


def test_still_fits_readout():
    panel = mig_partitioner(gpu="H100-SXM5-80GB", profiles="3g.40gb")
    assert "1g.10gb at {0,1,2,3}" in panel.readout.value
    panel.controls["profiles"].value = "3g.40gb, 4x 1g.10gb"
    assert "nothing — the layout is maximal" in panel.readout.value


def test_gpu_change_resets_profiles_and_draws_a30_geometry():
    panel = mig_partitioner()
    panel.controls["gpu"].value = "A30-24GB"
    assert panel.error is None and panel.controls["profiles"].value == ""
    assert len(panel.figure.data[0].x) == 4 and len(panel.figure.data[1].x) == 4
    assert "1g.6gb" in panel.picker.options


def test_workload_mode_uses_best_layout():
    panel = mig_partitioner()
    panel.controls["workloads"].value = "llm: 18 3; etl: 9 2; a: 4; b: 4"
    panel.controls["mode"].value = "workloads"
    fit = mig.best_layout("A100-SXM4-40GB", mig.parse_workloads("llm: 18 3; etl: 9 2; a: 4; b: 4"))
    assert panel.fit == fit
    assert _drawn(panel) == sorted((i.start, i.size, i.profile) for i in fit.layout.instances)
    panel.controls["workloads"].value = "huge: 60"
    assert panel.error is None and "does not fit" in panel.readout.value
    panel.controls["workloads"].value = "bad: x"
    assert panel.error is not None


def test_pre_r510_checkbox():
    panel = mig_partitioner(profiles="4g.20gb, 3g.20gb")
    assert panel.error is None
    panel.controls["pre_r510"].value = True
    assert "R510" in panel.error
