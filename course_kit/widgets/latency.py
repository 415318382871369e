"""Latency-budget widget (section 1): a slider per stage → waterfall and distribution, live."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as w

from course_kit import lifecycle
from course_kit.figures import lifecycle as figs
from course_kit.figures import palette as pal
from course_kit.figures.live import live_figure
from course_kit.widgets.base import Panel

__all__ = ["latency_budget"]


def latency_budget(
    stages: Sequence[lifecycle.Stage] = lifecycle.REALTIME_INGESTION_STAGES,
    slo_ms: float = lifecycle.COURSE_TEXT_INGESTION_SLO_MS,
    *,
    n: int = 20_000,
    seed: int = 0,
) -> Panel:
    """A slider per stage (median ms; the spread p95/median of each stage is kept), an SLO box and
    a percentile choice. Shows the waterfall of stage means and the end-to-end distribution with
    p50/p95/p99 and the SLO line, plus a verdict. Typing a bad SLO (e.g. negative) shows the
    model's message inline.

    >>> panel = latency_budget()
    >>> panel.controls["slo_ms"].value = -5
    >>> panel.error
    'slo_ms must be > 0; got -5.0'
    """
    base = lifecycle._stages(stages)
    controls: dict[str, w.Widget] = {}
    for i, s in enumerate(base):
        controls[f"stage_{i}"] = w.FloatSlider(
            value=s.median_ms, min=0.5, max=max(500.0, round(s.median_ms * 2)), step=0.5,
            description=s.name, continuous_update=True, readout_format=".1f",
            style={"description_width": "170px"}, layout=w.Layout(width="520px"))
    controls["slo_ms"] = w.FloatText(value=float(slo_ms), description="SLO (ms)",
                                     style={"description_width": "170px"})
    controls["percentile"] = w.Dropdown(options=[50, 90, 95, 99], value=95,
                                        description="SLO percentile",
                                        style={"description_width": "170px"})

    first = lifecycle.budget_check(base, slo_ms, 95, n=n, seed=seed)
    samples = lifecycle.simulate_end_to_end(base, n=n, seed=seed)
    pcts = lifecycle.end_to_end_percentiles(base, n=n, seed=seed)
    waterfall = live_figure(figs.waterfall_figure(first))
    dist = live_figure(figs.distribution_figure(samples, pcts, slo_ms))
    verdict = w.HTML()

    def update(v: dict) -> None:
        current = [s.with_median(v[f"stage_{i}"]) for i, s in enumerate(base)]
        result = lifecycle.budget_check(current, v["slo_ms"], v["percentile"], n=n, seed=seed)
        samples = lifecycle.simulate_end_to_end(current, n=n, seed=seed)
        pcts = lifecycle.end_to_end_percentiles(current, (50, 95, 99), n=n, seed=seed)
        # both figures' messages back to back, after all the numbers (they leave the kernel 1-3 ms
        # apart); a step usually moves only the data, which the page draws without a full redraw.
        # The distribution first: its update takes longer to build (1.5 ms against 0.4 ms)
        figs.update_distribution_figure(dist, samples, pcts, result.slo_ms)
        figs.update_waterfall_figure(waterfall, result)
        colour = pal.GOOD if result.met else pal.BAD
        verdict.value = (f'<div style="font-size:15px;color:{colour}">'
                         f'{"✔" if result.met else "✘"} {html.escape(result.summary())}</div>'
                         f'<div style="color:#555">p50 {pcts[50]:.1f} ms · p95 {pcts[95]:.1f} ms · '
                         f'p99 {pcts[99]:.1f} ms (Monte-Carlo, {n:,} requests, seed {seed})</div>')

    layout = w.VBox([w.HTML("<b>Stage medians (ms)</b> — each stage keeps its p95/median spread"),
                     *[controls[f"stage_{i}"] for i in range(len(base))],
                     w.HBox([controls["slo_ms"], controls["percentile"]])])
    for fig in (waterfall, dist):  # two side by side in a wide window, stacked in a narrow one
        fig.layout.width = 520
    figures = w.HBox([waterfall, dist], layout=w.Layout(flex_flow="row wrap"))
    return Panel(controls, update, outputs=[verdict, figures],
                 title="Latency budget", layout_controls=layout)

