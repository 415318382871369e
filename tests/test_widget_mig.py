"""MIG partitioner widget, headless: profiles and workloads drive the engine and the drawing."""

from __future__ import annotations

import pytest

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


def test_workloads_mode_disables_the_profile_inputs_and_the_box_names_the_drawn_layout():
    """Issue 15 item 5: in workloads mode the picker, its buttons and the profile box used to stay
    active and name a different layout from the one drawn."""
    panel = mig_partitioner()
    panel.controls["mode"].value = "workloads"
    assert panel.error is None
    assert panel.picker.disabled and panel.controls["profiles"].disabled
    assert all(b.disabled for b in panel.buttons.values())
    assert not panel.controls["workloads"].disabled
    drawn = [i.profile for i in panel.layout_now.instances]
    assert [x.strip() for x in panel.controls["profiles"].value.split(",")] == drawn
    panel.controls["mode"].value = "profiles"
    assert not panel.picker.disabled and not panel.controls["profiles"].disabled
    assert panel.controls["workloads"].disabled
    assert [i.profile for i in panel.layout_now.instances] == drawn, "back in profiles mode: same layout"


@pytest.mark.parametrize("sequence", [("A30-24GB", "H100-SXM5-80GB"), ("H100-SXM5-80GB", "A30-24GB", "A100-80GB"),
                                      ("B200-180GB", "A100-SXM4-40GB")])
def test_switching_gpu_in_workloads_mode_leaves_nothing_stale(sequence):
    """The title and the read-out name the GPU now chosen; a "does not fit" line only when the
    model says so for that GPU."""
    from course_kit import mig

    panel = mig_partitioner()
    panel.controls["mode"].value = "workloads"
    for gpu in sequence:
        panel.controls["gpu"].value = gpu
        assert panel.error is None
        assert panel.figure.layout.title.text.startswith(f"{gpu}:")
        fits = mig.best_layout(gpu, mig.parse_workloads(panel.controls["workloads"].value)).fits
        assert ("does not fit" in panel.readout.value) == (not fits)
        if not fits:
            assert gpu in panel.readout.value
