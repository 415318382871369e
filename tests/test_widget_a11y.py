"""Accessibility wiring of every widget, checked without a browser (issue 17). What the page makes
of it (names in the accessibility tree, keys, axe-core) is checked in tests/test_browser.py."""

from __future__ import annotations

import re

import pytest

from course_kit import widgets
from course_kit.widgets.a11y import A11y, alt_text

NAMES = sorted(widgets._WIDGETS)
#: widgets that take arguments (the tool widgets of course_map.TOOL_WIDGETS): a sample call


@pytest.fixture(scope="module", params=NAMES)
def panel(request):
    from figure_tools import build_widget

    return build_widget(request.param)


def test_every_panel_carries_the_helper_and_names_itself(panel):
    helpers = [c for c in panel.children if isinstance(c, A11y)]
    assert len(helpers) == 1 and helpers[0].layout.display == "none"
    assert "ck-panel" in panel._dom_classes
    assert helpers[0].label


def test_every_figure_has_a_current_one_sentence_alternative(panel):
    helper = panel._a11y
    assert len(helper.alts) == len(panel.figures)
    for fig, alt in zip(panel.figures, helper.alts):
        assert alt == alt_text(fig) and alt.startswith("Chart: ") and alt.endswith(".")
        title = re.sub(r"<[^>]+>", " ", fig.layout.title.text or "").split()
        assert all(word in alt for word in title[:3]), (alt, title)


def test_every_control_has_a_description(panel):
    for name, control in panel.controls.items():
        assert (getattr(control, "description", "") or "").strip(), f"{name} has no description (its accessible name)"


def test_results_are_marked_for_announcement(panel):
    from course_kit.widgets.base import _find

    live = [h for out in panel.outputs for h in _find(out, "HTML") if "ck-live" in h._dom_classes]
    assert live, "no read-out is announced"


def test_widgets_with_figures():
    from figure_tools import build_widget

    assert sum(bool(build_widget(n).figures) for n in NAMES) >= len(NAMES) - 1


def test_alternative_follows_an_update():
    panel = widgets.topology_explorer()
    panel.controls["k"].value = 6
    assert "k=6" in panel._a11y.alts[0]


def test_error_box_is_an_alert():
    panel = widgets.latency_budget()
    panel.controls["slo_ms"].value = -1
    assert 'role="alert"' in panel.message.value
