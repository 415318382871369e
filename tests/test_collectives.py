"""Collective traffic against a step-by-step ring simulation written here, plus properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_kit import collectives as C


def simulate_ring_allreduce(n: int, elems_per_chunk: int, seed: int = 0):
    """Ring all-reduce by hand: reduce-scatter then all-gather, n chunks per rank, counting every
    element each rank sends and every element that crosses the cut between ranks n/2-1|n/2 and n-1|0."""
    rng = np.random.default_rng(seed)
    data = [rng.integers(0, 100, size=(n, elems_per_chunk)) for _ in range(n)]
    expected = sum(data)
    buf = [d.copy() for d in data]
    sent = np.zeros(n, dtype=int)
    cut_lr = cut_rl = 0
    half = n // 2

    def send(src, count):
        nonlocal cut_lr, cut_rl
        sent[src] += count
        dst = (src + 1) % n
        if src < half <= dst:
            cut_lr += count
        if dst < half <= src:
            cut_rl += count
    for step in range(n - 1):                       # reduce-scatter
        outgoing = [(r, (r - step) % n, buf[r][(r - step) % n].copy()) for r in range(n)]
        for r, c, chunk in outgoing:
            buf[(r + 1) % n][c] += chunk
            send(r, chunk.size)
    for step in range(n - 1):                       # all-gather
        outgoing = [(r, (r + 1 - step) % n, buf[r][(r + 1 - step) % n].copy()) for r in range(n)]
        for r, c, chunk in outgoing:
            buf[(r + 1) % n][c] = chunk
            send(r, chunk.size)
    for r in range(n):
        assert np.array_equal(buf[r], expected), "the simulated ring must compute the sum"
    return sent, cut_lr, cut_rl


@pytest.mark.parametrize("n", [2, 3, 4, 8, 16])
def test_ring_allreduce_bytes_match_a_step_by_step_simulation(n):
    elems = 5
    sent, cut_lr, cut_rl = simulate_ring_allreduce(n, elems)
    total = n * elems                                # S in elements (1 byte each here)
    assert set(sent.tolist()) == {round(C.bytes_per_rank("all_reduce", n, total))}
    assert C.steps("all_reduce", n) == 2 * (n - 1)
    if n % 2 == 0:
        cut = C.cut_traffic("all_reduce", n, total)
        assert cut_lr == cut_rl == pytest.approx(cut.left_to_right_bytes)   # one link each way crosses the cut


def test_all_to_all_cut_matches_enumeration():
    n, S = 16, 1.6e9
    per_pair = S / n
    enumerated = sum(per_pair for i in range(n) for j in range(n) if i < n // 2 <= j)
    assert C.cut_traffic("all_to_all", n, S).left_to_right_bytes == pytest.approx(enumerated)
    assert C.bytes_per_rank("all_to_all", n, S) == pytest.approx(per_pair * (n - 1))


def test_q3_bisection_ring_vs_all_to_all():
    # the course text's 64-GPU job at 25 GB/s per GPU: worst case 800 GB/s; 8 rings (one per rail) 200 GB/s
    assert C.bisection_demand_gbytes_s("all_to_all", 64, 25) == 64 * 25 / 2
    assert C.bisection_demand_gbytes_s("ring", 64, 25, rings=8) == 8 * 25


def test_alpha_beta_time_and_tree_latency():
    # 1 GB, 64 ranks, 25 GB/s, no latency: 2*63/64 * 1e9 / 25e9 s (the section 3 example, ~79 ms)
    assert C.time_s("all_reduce", 64, 1e9, 25) == pytest.approx(2 * 63 / 64 * 1e9 / 25e9)
    assert C.time_s("all_reduce", 64, 0, 25, latency_us=1) == pytest.approx(126e-6)
    assert C.time_s("all_reduce", 64, 0, 25, latency_us=1, algorithm="tree") == pytest.approx(12e-6)
    big = 4e9
    assert C.time_s("all_reduce", 64, big, 25, 1, "tree") == pytest.approx(C.time_s("all_reduce", 64, big, 25, 1),
                                                                            rel=0.01)


@given(st.integers(1, 100_000), st.floats(0, 1e12))
def test_allreduce_bytes_scale_as_2_n_minus_1_over_n(n, size):
    got = C.bytes_per_rank("all_reduce", n, size)
    assert got == pytest.approx(2 * (n - 1) / n * size, abs=1e-6)
    assert got <= 2 * size
    for coll in ("all_gather", "reduce_scatter", "all_to_all"):
        assert C.bytes_per_rank(coll, n, size) == pytest.approx(got / 2, abs=1e-6)


@given(st.integers(2, 5000))
def test_more_ranks_never_send_fewer_bytes(n):
    assert C.bytes_factor("all_reduce", n + 1) >= C.bytes_factor("all_reduce", n)


@pytest.mark.parametrize("call, name", [
    (lambda: C.bytes_per_rank("all_reduce", 0, 1), "n_ranks"),
    (lambda: C.bytes_per_rank("broadcast", 4, 1), "collective"),
    (lambda: C.time_s("all_reduce", 4, 1, 0), "bandwidth_gbytes_s"),
    (lambda: C.time_s("all_gather", 4, 1, 1, algorithm="tree"), "tree"),
    (lambda: C.cut_traffic("all_reduce", 5, 1), "n_ranks"),
    (lambda: C.bytes_per_rank("all_reduce", 4, -1), "size_bytes"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
