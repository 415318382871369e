"""Presentation properties of the section 1-5 figures found in a learner's walk-through in JupyterLab:
labels that do not print over each other, one colour per series, no empty rows, whole text in prose tables.

Expected values come from the inputs (closed forms, the data the figure was given), never from a
figure's own earlier output.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def test_roofline_operations_at_the_same_intensity_share_one_label():
    from course_kit.figures import compute as cfig

    # GEMV batch 1 and MHA decode both do ~1 FLOP per byte: one line, one label naming both
    fig = cfig.roofline_figure(operations={"decode": 1.0, "GEMV": 1.0, "GEMM": 1365.0})
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["decode / GEMV", "GEMM"]
    assert [a.x for a in fig.layout.annotations] == pytest.approx([0.0, math.log10(1365.0)])
    assert len(fig.layout.shapes) == 2


def test_roofline_keeps_a_device_style_across_precisions():
    """Each device keeps its (colour, dash) from the FP16 to the FP32 view, and no two devices of one
    figure share both (colour = family, dash = device within it)."""
    from course_kit.figures import compute as cfig

    def styles(fig):
        return {t.name: (t.line.color, t.line.dash) for t in fig.data if t.name and t.mode == "lines+markers"}

    fp16, fp32 = styles(cfig.roofline_figure(precision="fp16")), styles(cfig.roofline_figure(precision="fp32"))
    shared = set(fp16) & set(fp32)
    assert shared and all(fp16[n] == fp32[n] for n in shared)
    assert len(set(fp16.values())) == len(fp16) and len(set(fp32.values())) == len(fp32)


def test_fat_tree_drawing_has_no_empty_nvlink_row():
    from course_kit import topology
    from course_kit.figures import topology as tfig

    lo, hi = tfig.topology_figure(topology.fat_tree(4)).layout.yaxis.range
    assert lo > -1 and hi < 4  # hosts are layer 0, core layer 3 (Al-Fares et al.): nothing below 0
    rail = topology.rail_optimized(units=1, servers_per_unit=2, spines=2, gpus_per_server=8)
    assert tfig.topology_figure(rail).layout.yaxis.range[0] < -1  # NVSwitch row shown when present


def test_node_bars_keep_the_node_order():
    from course_kit import scheduling as sch
    from course_kit.figures import scheduling as sfig

    cluster = sch.Cluster.homogeneous(3, gpus_per_node=8)
    tasks = [sch.Demand(num_gpu=g) for g in (3, 2, 4, 6, 5, 3, 1)]
    placed = sch.place_batch(cluster.state(), tasks, "first_fit_decreasing")
    fig = sfig.node_bars_figure(cluster, tasks, placed)
    assert list(fig.layout.xaxis.categoryarray) == list(cluster.names)


def test_lottery_series_have_distinct_colours():
    from course_kit.figures import scheduling as sfig

    fig = sfig.lottery_figure({"a": 1, "b": 3}, {"a": 0.25, "b": 0.75}, {"a": 0.1, "b": 0.9})
    assert len({t.marker.color for t in fig.data}) == 3


def test_mig_profiles_of_different_shape_have_different_colours():
    from course_kit import mig
    from course_kit.figures import mig as mig_figs

    gpu = "A100-SXM4-40GB"
    no_me = [p for p in mig.profiles(gpu) if "+me" not in p]
    fig = mig_figs.maximal_layouts_figure(gpu, mig.maximal_layouts(gpu, no_me))
    looks = {t.name: (t.marker.color, t.marker.pattern.shape) for t in fig.data}
    assert set(looks) == set(no_me)
    assert len(set(looks.values())) == len(looks)  # colour = compute slices, hatch = the 1g variants


def test_text_table_shows_every_word():
    pd = pytest.importorskip("pandas")
    from course_kit.figures.tables import text_table

    note = "a sentence far longer than pandas' fifty-character cut-off, kept whole " * 2
    html = text_table(pd.DataFrame({"k": ["x"], "note": [note]}), index="k").to_html()
    assert note.strip() in html
    with pytest.raises(ValueError, match="index must be one of"):
        text_table(pd.DataFrame({"k": [1]}), index="nope")
    with pytest.raises(ValueError, match="df must be a pandas DataFrame"):
        text_table([1, 2])


def test_allreduce_regimes_match_the_closed_form():
    from course_kit.figures import network as nfig

    fig = nfig.allreduce_regime_figure(64, 400, {"rdma": 1.0}, sizes_bytes=[1.0, 4e9])
    small, large = fig.data[0].y
    # t = 2(n−1)·α + 2(n−1)/n · S/B, B = 400/8 = 50 GB/s (Thakur et al. 2005)
    assert small == pytest.approx((2 * 63 * 1e-6 + 2 * 63 / 64 * 1.0 / 50e9) * 1000)
    assert large == pytest.approx((2 * 63 * 1e-6 + 2 * 63 / 64 * 4e9 / 50e9) * 1000)


@settings(max_examples=40, deadline=None)
@given(n=st.one_of(st.integers(-5, 5000), st.floats(allow_nan=True)),
       link=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**7)),
       lat=st.floats(allow_nan=True, allow_infinity=True))
def test_allreduce_figure_refuses_bad_input_with_value_error(n, link, lat):
    from course_kit.figures import network as nfig

    try:
        nfig.allreduce_regime_figure(n, link, {"x": lat}, sizes_bytes=[1e3, 1e6])
    except ValueError:
        pass
