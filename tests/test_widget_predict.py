"""The predict-then-check widget, headless: nothing of the answer leaks before the check."""

from __future__ import annotations

import json
import re

import ipywidgets as w
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import course_kit as ck
from course_kit.widgets.predict_check import compare, parse_guess, predict
from tests.helpers import only_value_errors

SECRET = "SECRET-EXPLANATION-7f3a"


def _all_widgets(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _all_widgets(child)


def _page_state(panel) -> str:
    """Everything the page receives: the synced state of every widget in the panel."""
    text = json.dumps([wd.get_state() for wd in _all_widgets(panel)], default=str)
    # model ids are random hex: "4321" turned up in one now and then (a flaky leak check)
    return re.sub(r"IPY_MODEL_[0-9a-f]{32}", "IPY_MODEL_…", text)


def _panel(**kw):
    args = {"unit": "GB/s", "low": 0, "high": 10_000, "explain": SECRET}
    args.update(kw)
    return predict("Bandwidth of one link?", 4321.5, **args)


def test_registered_as_ck_widgets_predict():
    assert ck.widgets.predict is predict
    assert isinstance(_panel(), w.VBox)


def test_answer_and_explanation_are_not_in_the_page_state_before_the_check():
    panel = _panel()
    state = _page_state(panel)
    for leak in ("4321", "4,321", SECRET):
        assert leak not in state
    panel.controls["guess"].value = "100"      # typing alone reveals nothing
    assert "4,321" not in _page_state(panel) and SECRET not in _page_state(panel)
    assert panel.reveal.value == "" and panel.guesses == []


def test_check_reveals_value_ratio_and_explanation():
    panel = _panel()
    panel.controls["guess"].value = "1,000"
    panel.controls["check"].click()
    assert panel.error is None
    assert panel.guesses == [1000.0]
    assert "4,322 GB/s" in panel.reveal.value     # 4321.5 shown to the nearest unit
    assert SECRET in panel.reveal.value
    # 1000 / 4321.5 = 0.2314 -> "1/4.32 of the true value", relative error -77 %
    assert "1/4.32" in panel.reveal.value and "-77 %" in panel.reveal.value
    assert panel.result["ratio"] == pytest.approx(1000 / 4321.5)
    assert panel.result["close"] is False


def test_close_guess_and_a_second_check_are_recorded():
    panel = _panel()
    panel.controls["guess"].value = "4000"
    panel.check()
    assert panel.result["close"] is True                # |4000-4321.5| = 321.5 <= 432.15
    panel.controls["guess"].value = "9000"
    panel.check()
    assert panel.guesses == [4000.0, 9000.0] and panel.result["close"] is False
    assert "2.08&times;" in panel.reveal.value            # 9000 / 4321.5 = 2.083


@pytest.mark.parametrize("text, message", [
    ("", "guess is empty"),
    ("   ", "guess is empty"),
    ("fast", "guess must be a number; got 'fast'"),
    ("-5", "guess must be in [0, 10000]; got -5"),
    ("20000", "guess must be in [0, 10000]; got 20000"),
    ("nan", "guess must be a finite number"),
    ("1e999", "guess must be a finite number"),
    ("<b>9</b>", "guess must be a number; got '<b>9</b>'"),
    ("9" * 60, "(60 characters)"),
])
def test_bad_guess_is_shown_inline_never_clamped_and_nothing_revealed(text, message):
    panel = _panel()
    panel.controls["guess"].value = text
    panel.check()
    assert panel.error is not None and message in panel.error
    assert "ck-error" in panel.message.value and "<b>" not in panel.message.value   # escaped
    assert panel.controls["guess"].value == text          # not clamped or rewritten
    assert panel.reveal.value == "" and panel.guesses == []
    assert SECRET not in _page_state(panel)
    panel.controls["guess"].value = "4300"               # fixing it clears the error
    assert panel.error is None
    panel.check()
    assert panel.guesses == [4300.0]


def test_bad_construction_raises_value_error_naming_the_parameter():
    with pytest.raises(ValueError, match="answer"):
        predict("q?", 50, low=0, high=10)
    with pytest.raises(ValueError, match="high"):
        predict("q?", 5, low=10, high=0)
    with pytest.raises(ValueError, match="prompt"):
        predict("  ", 5)
    with pytest.raises(ValueError, match="rel_tol"):
        predict("q?", 5, rel_tol=-1)
    with pytest.raises(ValueError, match="answer"):
        predict("q?", float("nan"))


def test_compare_against_hand_values():
    assert compare(200, 100) == {"guess": 200.0, "answer": 100.0, "ratio": 2.0, "rel_error": 1.0,
                                 "close": False}
    zero = compare(0.5, 0)
    assert zero["ratio"] is None and zero["rel_error"] is None and zero["close"] is False
    assert compare(-90, -100)["close"] is True


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20), st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)))
def test_parse_guess_only_raises_value_error(text, low):
    def call():
        value = parse_guess(text, low=low)
        assert low is None or value >= low
    only_value_errors([call])


def test_update_is_fast():
    panel = _panel()
    for i in range(50):
        panel.controls["guess"].value = str(100 + i)
        panel.check()
    assert panel.last_update_ms < 30
