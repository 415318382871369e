"""Predict, then check: the learner commits to a number before the notebook reveals it.

``predict(prompt, answer, ...)`` shows the prompt, a text box for the guess and a "Check" button.
Nothing of the answer or of the explanation is in any widget's state until the learner presses
Check (the page, and a learner reading the widget model in the browser, cannot see it). After the
check the panel shows the true value, how far off the guess was and the explanation.

How far off: ``ratio = guess / answer`` (shown as "x times" when both are positive) and the
relative error ``(guess - answer) / |answer|`` in percent; a guess with ``|relative error| <=
rel_tol`` counts as close. Bad input (empty, not a number, outside ``[low, high]``) is shown inline
and never clamped.

(The module is ``predict_check``, not ``predict``: a sub-module named like the function would
shadow ``ck.widgets.predict`` once imported.)

>>> panel = predict("p99 of 250 samples, ms?", 84.2, unit="ms", low=0, high=1000,
...                 explain="The tail, not the mean.")
>>> "84.2" in panel.reveal.value
False
>>> panel.controls["guess"].value = "40"
>>> panel.check()
>>> panel.guesses, panel.result["close"]
([40.0], False)
>>> "84.2 ms" in panel.reveal.value and "The tail" in panel.reveal.value
True
>>> panel.controls["guess"].value = "2000"
>>> panel.check()
>>> panel.error
'guess must be in [0, 1000]; got 2000'
"""

from __future__ import annotations

import html
import math

import ipywidgets as w
import traitlets

from course_kit._validate import check_number
from course_kit.widgets.base import Panel

__all__ = ["compare", "parse_guess", "predict"]

_REVEAL_STYLE = (
    "border-left:4px solid #1a73e8;background:#f1f6fe;padding:6px 10px;margin:4px 0;"
    "font-family:sans-serif;color:#202124"
)


def _fmt(x: float) -> str:
    """A number as a learner reads it: 1,200 / 84.2 / 0.0031."""
    if x == 0:
        return "0"
    if abs(x) >= 1000 and abs(x) < 1e15:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _fmt_plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def parse_guess(text, *, low: float | None = None, high: float | None = None) -> float:
    """The learner's typed guess as a float; ``ValueError`` naming the problem otherwise.

    Thousands separators and spaces are accepted (``"1,200"``); nothing is clamped.

    >>> parse_guess(" 1,200 ")
    1200.0
    >>> parse_guess("")
    Traceback (most recent call last):
    ...
    ValueError: guess is empty: type a number, then press Check
    >>> parse_guess("lots")
    Traceback (most recent call last):
    ...
    ValueError: guess must be a number; got 'lots'
    >>> parse_guess("-3", low=0)
    Traceback (most recent call last):
    ...
    ValueError: guess must be >= 0; got -3
    >>> parse_guess("2000", low=0, high=1000)
    Traceback (most recent call last):
    ...
    ValueError: guess must be in [0, 1000]; got 2000
    """
    raw = "" if text is None else str(text).strip()
    if len(raw) > 40:   # a pasted essay is not a number; do not echo all of it back
        raise ValueError(f"guess must be a number; got {raw[:20]!r}… ({len(raw)} characters)")
    if not raw:
        raise ValueError("guess is empty: type a number, then press Check")
    cleaned = raw.replace(",", "").replace("_", "").replace(" ", "")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"guess must be a number; got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"guess must be a finite number; got {raw!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else _fmt_plain(low)
        hi = "inf" if high is None else _fmt_plain(high)
        bound = f"in [{lo}, {hi}]" if low is not None and high is not None else (
            f">= {lo}" if low is not None else f"<= {hi}")
        raise ValueError(f"guess must be {bound}; got {raw}")
    return value


def compare(guess: float, answer: float, rel_tol: float = 0.1) -> dict:
    """How far ``guess`` is from ``answer``: ratio, relative error and whether it is close.

    ``ratio = guess / answer`` (None when the answer is 0); ``rel_error = (guess - answer) / |answer|``
    (None when the answer is 0); ``close`` is ``|guess - answer| <= rel_tol * |answer|``.

    >>> compare(50, 100)
    {'guess': 50.0, 'answer': 100.0, 'ratio': 0.5, 'rel_error': -0.5, 'close': False}
    >>> compare(105, 100)["close"]
    True
    """
    guess, answer = float(guess), float(answer)
    ratio = guess / answer if answer != 0 else None
    rel = (guess - answer) / abs(answer) if answer != 0 else None
    close = abs(guess - answer) <= rel_tol * abs(answer)
    return {"guess": guess, "answer": answer, "ratio": ratio, "rel_error": rel, "close": close}


class CheckButton(w.Button):
    """A Button whose ``value`` counts its clicks (kernel side only, not synced to the page).

    :class:`Panel` runs its update when a control's ``value`` changes, so a click is one more change.
    """

    value = traitlets.Int(0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_click(self._count)

    def _count(self, _button=None) -> None:
        self.value += 1


def _verdict(c: dict, unit: str) -> str:
    u = f" {unit}" if unit else ""
    if c["close"]:
        head = "Close: within the tolerance."
    elif c["ratio"] is not None and c["ratio"] > 0:
        r = c["ratio"]
        head = (f"Your guess is {_fmt(r)}&times; the true value." if r >= 1
                else f"Your guess is 1/{_fmt(1 / r)} of the true value.")
    else:
        head = "Your guess is on the other side of zero."
    pct = "" if c["rel_error"] is None else f" ({c['rel_error'] * 100:+.0f} %)"
    return (f"<b>True value: {_fmt(c['answer'])}{html.escape(u)}</b><br>"
            f"Your guess: {_fmt(c['guess'])}{html.escape(u)}{pct}. {head}")


def predict(prompt: str, answer: float, *, unit: str = "", low: float | None = None,
            high: float | None = None, explain: str = "", rel_tol: float = 0.1) -> Panel:
    """A prompt, a guess box and a Check button; the answer is revealed only after the check.

    ``answer`` must lie in ``[low, high]`` (``None`` = unbounded) so a learner can type it;
    ``prompt`` and ``explain`` are HTML written by the notebook author (``explain`` is shown only
    after the check). Attributes: ``controls["guess"]`` (a Text box),
    ``controls["check"]`` (the Button), ``reveal`` (the HTML shown after a check), ``guesses``
    (every valid checked guess, in order), ``result`` (the last :func:`compare`, or None),
    ``check()`` (what the button does).
    """
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"prompt must be a non-empty string; got {prompt!r}")
    answer = check_number("answer", answer)
    if low is not None:
        low = check_number("low", low)
    if high is not None:
        high = check_number("high", high, low=low)
    check_number("answer", answer, low=low, high=high)
    rel_tol = check_number("rel_tol", rel_tol, low=0, high=10)
    rng = f" in [{_fmt(low) if low is not None else '-inf'}, {_fmt(high) if high is not None else 'inf'}]"
    guess = w.Text(value="", placeholder=f"your guess{rng}", description="Your guess",
                   style={"description_width": "initial"}, layout=w.Layout(width="320px"))
    unit_label = w.HTML(html.escape(unit))
    button = CheckButton(description="Check", button_style="primary", icon="check",
                      tooltip="Commit to your guess, then see the true value")
    reveal = w.HTML(value="")
    state = {"clicks": 0}

    def update(v: dict) -> None:
        text = v["guess"]
        if v["check"] == state["clicks"]:
            if str(text).strip():  # typing: flag a bad value early, keep the reveal as it was
                parse_guess(text, low=low, high=high)
            return
        state["clicks"] = v["check"]
        value = parse_guess(text, low=low, high=high)
        result = compare(value, answer, rel_tol)
        panel.guesses.append(value)
        panel.result = result
        expl = f"<div style='margin-top:4px'>{explain}</div>" if explain else ""
        reveal.value = f"<div class='ck-predict-reveal' style='{_REVEAL_STYLE}'>{_verdict(result, unit)}{expl}</div>"

    controls = {"guess": guess, "check": button}
    row = w.HBox([guess, unit_label, button])
    panel = Panel(controls, update, outputs=[reveal], title="Predict, then check", layout_controls=w.VBox(
        [w.HTML(f"<div style='font-family:sans-serif'>{prompt}</div>"), row]))
    panel.guesses = []
    panel.result = None
    panel.reveal = reveal
    panel.check = button.click
    return panel
