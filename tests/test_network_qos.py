"""The course text's congestion score and QoS classes: formula by hand, allocation invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_kit import network_qos as nq


def test_score_by_hand():
    # 0.4·min(u/0.8,1) + 0.3·min(q/1000,1) + 0.3·min(loss/0.001,1)
    assert nq.congestion_score(0.4, 500, 0.0005) == pytest.approx(0.4 * 0.5 + 0.3 * 0.5 + 0.3 * 0.5)
    assert nq.congestion_score(1.0, 5000, 0.5) == pytest.approx(1.0)
    assert nq.congestion_score(0.0, 0, 0.0) == 0.0
    # a fully used link with empty queues and no loss is NOT "congested" by the course text's rule
    assert nq.congestion_score(1.0, 0, 0.0) == pytest.approx(0.4)
    assert nq.CONGESTED_ABOVE > 0.4


def test_detect_congestion_orders_and_filters():
    out = nq.detect_congestion({
        "a": {"utilization": 0.9, "queue_depth": 800, "packet_loss": 0.0},   # 0.4 + 0.24 = 0.64
        "b": {"utilization": 0.9, "queue_depth": 1200, "packet_loss": 0.0005},  # 0.4 + 0.3 + 0.15 = 0.85
        "c": {"utilization": 0.9, "queue_depth": 2000, "packet_loss": 0.01},  # 1.0
    })
    assert [d["link_id"] for d in out] == ["c", "b"]
    assert out[1]["congestion_score"] == pytest.approx(0.85)


def test_seed_qos_classes():
    assert [(c.name, c.guarantee, c.max_latency_ms) for c in nq.COURSE_TEXT_QOS_CLASSES] == [
        ("high", 0.5, 10), ("medium", 0.3, 100), ("low", 0.2, 1000)]


def test_allocation_by_hand():
    # medium and low both want more than the 20 Gb/s left after the guarantees: split 3:2
    assert nq.qos_allocation_gbps({"high": 30, "medium": 80, "low": 80}, 100) == {"high": 30, "medium": 42, "low": 28}
    # saturated: each class gets exactly its guarantee
    assert nq.qos_allocation_gbps({"high": 500, "medium": 500, "low": 500}, 100) == {"high": 50, "medium": 30, "low": 20}


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 300), st.floats(0, 300), st.floats(0, 300), st.floats(1, 400))
def test_allocation_invariants(h, m, l, link):
    d = {"high": h, "medium": m, "low": l}
    a = nq.qos_allocation_gbps(d, link)
    assert sum(a.values()) <= link + 1e-6
    for c in nq.COURSE_TEXT_QOS_CLASSES:
        assert a[c.name] <= d[c.name] + 1e-6
        assert a[c.name] >= min(d[c.name], c.guarantee * link) - 1e-6  # guarantee honoured
    if sum(d.values()) <= link:
        assert a == pytest.approx(d, abs=1e-6)
    else:
        assert sum(a.values()) == pytest.approx(link, abs=1e-6)  # work-conserving


def test_sweeps_feed_the_figure():
    grid = nq.score_grid([0.0, 0.8], [0, 1000])
    assert grid == [[0.0, 0.4], [0.3, 0.7]]
    rows = nq.qos_sweep([0.5, 1.0, 2.0], 100)
    assert [r["offered_gbps"] for r in rows] == [50, 100, 200]
    from course_kit.figures.network_qos import congestion_figure

    fig = congestion_figure([0.0, 0.8], [0, 1000], grid, rows)
    assert len(fig.data) == 5


junk = st.one_of(st.none(), st.integers(-10, 10**6), st.floats(allow_nan=True), st.text(max_size=6),
                 st.booleans(), st.dictionaries(st.text(max_size=6), st.floats(allow_nan=True), max_size=3))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["congestion_score", "dominant_signal", "qos_allocation_gbps", "detect_congestion"]),
       junk, junk, junk)
def test_public_functions_raise_only_value_error(fn, a, b, c):
    f = getattr(nq, fn)
    try:
        if fn == "detect_congestion":
            f(a)
        elif fn == "qos_allocation_gbps":
            f(a, b)
        else:
            f(a, b, c)
    except ValueError:
        pass
