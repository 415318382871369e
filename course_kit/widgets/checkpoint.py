"""Checkpoint planner widget: job size, failure rate, checkpoint and restart cost → goodput curve.

Wiring only: :mod:`course_kit.reliability` computes (Young, Daly, the exact optimum, the goodput curve),
:mod:`course_kit.figures.reliability` draws. Text boxes: zero GPUs, a negative checkpoint time or a
negative failure rate show the model's message inline.
"""

from __future__ import annotations

import ipywidgets as w
import numpy as np

from course_kit import reliability as R
from course_kit._validate import check_number
from course_kit.figures import reliability as rfig
from course_kit.widgets.base import Panel, initial_values

__all__ = ["checkpoint_planner", "DEFAULTS", "LLAMA3_PER_1000_GPU_DAYS"]

#: Llama 3's 419 unexpected interruptions in 54 days on 16,384 GPUs, per 1,000 GPU-days (≈ 0.47).
LLAMA3_PER_1000_GPU_DAYS = round(R.llama3_rate_per_gpu_hour() * 24 * 1000, 3)

DEFAULTS = {"gpus": 16_384, "per_1000_gpu_days": LLAMA3_PER_1000_GPU_DAYS, "checkpoint_s": 60.0,
            "restart_s": 600.0, "rule": "exact optimum"}


def _curve(d, r, m, optimum):
    taus = np.geomspace(max(optimum / 30, 1.0), optimum * 30, 81)
    return taus / 60, R.goodput_curve(taus, d, r, m)


def checkpoint_planner(**overrides) -> Panel:
    """Goodput against the checkpoint interval, with Young's, Daly's and the exact optimum marked.

    >>> panel = checkpoint_planner()
    >>> round(panel.result["mtbf_h"], 1)
    3.1
    >>> panel.controls["gpus"].value = 0
    >>> panel.error
    'gpus must be an integer in [1, 10000000]; got 0'
    """
    init = initial_values(DEFAULTS, overrides)
    style = {"description_width": "215px"}  # "interruptions / 1,000 GPU-days" shown whole
    box = w.Layout(width="345px")
    controls = {
        "gpus": w.IntText(value=init["gpus"], description="GPUs in the job", style=style, layout=box),
        "per_1000_gpu_days": w.FloatText(value=init["per_1000_gpu_days"], step=0.05,
                                         description="interruptions / 1,000 GPU-days", style=style, layout=box),
        "checkpoint_s": w.FloatText(value=init["checkpoint_s"], step=10, description="checkpoint write (s)",
                                    style=style, layout=box),
        "restart_s": w.FloatText(value=init["restart_s"], step=60, description="restart (s)", style=style, layout=box),
        "rule": w.Dropdown(options=list(rfig.MARKERS), value=init["rule"], description="checkpoint interval by",
                           style=style, layout=w.Layout(width="380px", min_width="380px")),  # "exact optimum" whole
    }
    readout = w.HTML()
    state: dict = {}

    def compute(v: dict):
        rate = check_number("interruptions / 1,000 GPU-days", v["per_1000_gpu_days"], low=0, high=1e4,
                            low_inclusive=False) / 1000 / 24
        m = R.mtbf_s(v["gpus"], rate)
        d, r = v["checkpoint_s"], v["restart_s"]
        opt = R.optimal_interval_s(d, m)
        marks = {name: (tau / 60, R.goodput(tau, d, r, m)) for name, tau in
                 (("Young", R.young_interval_s(d, m)), ("Daly", R.daly_interval_s(d, m)), ("exact optimum", opt))}
        rule = marks[v["rule"]]
        result = {"mtbf_h": m / 3600, "per_day": 86400 / m, "optimum_min": opt / 60, "interval_min": rule[0],
                  "goodput": rule[1], "best_goodput": marks["exact optimum"][1], "marks": marks}
        title = (f"{v['gpus']:,} GPUs: an interruption every {m / 3600:.2f} h; best goodput "
                 f"{result['best_goodput']:.1%} checkpointing every {opt / 60:.1f} min")
        return _curve(d, r, m, opt), marks, title, result

    curve, marks, title, first = compute(init)
    fig = rfig.goodput_figure(curve, marks, title=title, widget=True)

    def update(v: dict) -> None:
        curve, marks, title, result = compute(v)
        rfig.update_goodput_figure(fig, curve, marks, title=title)
        state["result"] = result
        lost = (1 - result["goodput"]) * v["gpus"] * 24
        readout.value = (
            "<div style='font-family:sans-serif;font-size:13px'>"
            f"<b>{result['per_day']:.1f} interruptions per day</b> (mean time between them "
            f"{result['mtbf_h']:.2f} h). {v['rule'].capitalize()}: checkpoint every "
            f"<b>{result['interval_min']:.1f} min</b> → goodput <b>{result['goodput']:.2%}</b> (best "
            f"{result['best_goodput']:.2%} at {result['optimum_min']:.1f} min). "
            f"Lost: about {lost:,.0f} GPU-hours a day.</div>")

    panel = CheckpointPanel(controls, update, outputs=[fig, readout], title="Checkpoint planner",
                            layout_controls=w.HBox([w.VBox([controls["gpus"], controls["per_1000_gpu_days"]]),
                                                    w.VBox([controls["checkpoint_s"], controls["restart_s"]]),
                                                    controls["rule"]],
                                                   layout=w.Layout(flex_flow="row wrap")))  # wraps when narrow
    panel._state = state
    panel.figure = fig
    panel.readout = readout
    return panel


class CheckpointPanel(Panel):
    """The checkpoint planner's panel; ``result`` holds the last valid numbers shown."""

    @property
    def result(self):
        return self._state["result"]
