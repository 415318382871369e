"""Colour for every learner (issue 17): one palette, checked under colour-vision deficiency, used by
every figure; text on fills and graphical elements with enough contrast.

Independent references: CIEDE2000 against the test pairs published with the formula (Sharma, Wu &
Dalal 2005, Table 1); WCAG 2.1 contrast against its defined end points (black on white 21:1) and
values computed by hand from the sRGB definition; the Machado 2009 matrices preserve greys (their
rows sum to 1), so a simulated grey stays that grey.
"""

from __future__ import annotations

import itertools
import math

import pytest
from figure_catalogue import FIGURES
from figure_tools import category_colours

from course_kit.figures import palette as pal

ALL = (*pal.CATEGORICAL, pal.NEUTRAL)
KINDS = (None, *pal.CVD_KINDS)

# Sharma, Wu & Dalal (2005), Table 1: (L1, a1, b1), (L2, a2, b2), ΔE00
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
]


@pytest.mark.parametrize("lab1, lab2, expected", SHARMA)
def test_ciede2000_matches_the_published_test_pairs(lab1, lab2, expected):
    assert pal.delta_e2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert pal.delta_e2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_contrast_ratio_follows_wcag():
    assert pal.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert pal.contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # #767676 on white is the well-known 4.54:1 grey
    assert pal.contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("kind", pal.CVD_KINDS)
@pytest.mark.parametrize("grey", ["#000000", "#777777", "#FFFFFF"])
def test_simulation_keeps_greys(kind, grey):
    assert pal.simulate(grey, kind) == pytest.approx(pal.simulate(grey, None), abs=2e-3)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k or "normal")
def test_every_pair_of_palette_colours_stays_apart(kind):
    d, a, b = pal.min_delta_e(ALL, kind)
    assert d >= 10, f"{a} and {b}: ΔE2000 {d:.1f} under {kind or 'normal vision'}"


@pytest.mark.parametrize("c", ALL)
def test_palette_colours_are_graphical_elements_on_white(c):
    assert pal.contrast_ratio(c, pal.WHITE) >= 3.0


@pytest.mark.parametrize("c", (*ALL, "#e8e8e8", "#CCBB44", "#56B4E9", "#F0E442", "#777777", "#888888"))
def test_text_on_any_fill_reads_at_4_5_to_1(c):
    assert pal.contrast_ratio(pal.text_on(c), c) >= 4.5


def test_status_colours_read_as_text():
    assert pal.contrast_ratio(pal.GOOD, pal.WHITE) >= 4.5 and pal.contrast_ratio(pal.BAD, pal.WHITE) >= 4.5


def _all_figures():
    return [pytest.param(group, build, id=group) for group, build in FIGURES.items()]


@pytest.fixture(scope="module")
def built():
    cache: dict = {}

    def get(group, build):
        if group not in cache:
            cache[group] = build()
        return cache[group]
    return get


@pytest.mark.parametrize("group, build", _all_figures())
def test_every_figure_draws_its_categories_from_the_palette(group, build, built):
    """Colours collected from the built figures (markers, lines, shapes), not from a hand list."""
    for fig in built(group, build):
        colours = category_colours(fig)
        off = sorted(c for c in colours if c not in ALL)
        assert not off, f"{group}: {fig.layout.title.text!r} uses colours outside the palette: {off}"
        for kind in KINDS:
            d, a, b = pal.min_delta_e(colours, kind)
            assert d >= 10, f"{group}: {fig.layout.title.text!r}: {a} vs {b} ΔE2000 {d:.1f} under {kind}"


@pytest.mark.parametrize("group, build", _all_figures())
def test_text_inside_bars_reads_at_4_5_to_1(group, build, built):
    """Every bar with inside text sets a text colour with >= 4.5:1 against its fill."""
    for fig in built(group, build):
        for t in fig.data:
            if t.type != "bar" or t.text is None or t.textposition not in ("inside", "auto", None):
                continue
            if t.textposition is None and not t.texttemplate:
                continue
            fills = (t.marker.color if isinstance(t.marker.color, (list, tuple))
                     else [t.marker.color] * max(1, len(t.x or ())))
            texts = t.textfont.color if isinstance(t.textfont.color, (list, tuple)) else [t.textfont.color] * len(fills)
            for fill, text in zip(fills, texts):
                if fill is None:
                    continue
                assert text is not None, f"{group}: {t.name!r} leaves its in-bar text colour to plotly"
                assert pal.contrast_ratio(text, fill) >= 4.5, (group, t.name, fill, text)


def test_lines_sharing_a_colour_differ_by_dash_or_symbol():
    """Where more categories than colours are drawn as lines (the roofline's devices, cycling
    series), lines of one colour differ by their dash or symbol (and the legend names them)."""
    for group in ("lifecycle", "roofline", "topology", "scenarios", "scheduling"):
        for fig in FIGURES[group]():
            lines = [t for t in fig.data if t.type == "scatter" and t.showlegend is not False and t.name
                     and "lines" in (t.mode or "lines") and t.line.color]
            looks = {(t.line.color, t.line.dash or "solid", t.marker.symbol) for t in lines}
            assert len(looks) == len(lines), f"{group}: {fig.layout.title.text!r}"


def test_min_delta_e_reports_the_closest_pair():
    d, a, b = pal.min_delta_e(["#000000", "#010101", "#FFFFFF"], None)
    assert {a, b} == {"#000000", "#010101"} and d < 1
    assert math.isinf(pal.min_delta_e(["#123456"], None)[0])
    assert all(pal.min_delta_e(pair, None)[0] >= 0 for pair in itertools.combinations(ALL, 2))
