"""course_kit.network: all-reduce against docs/sources.md#networks's worked example and a step-by-step ring
simulation; bus bandwidth factors against nccl-tests doc/PERFORMANCE.md."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import network as net

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JUNK = st.one_of(st.none(), st.text(max_size=3), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                 st.integers(min_value=-10**9, max_value=10**9))


def test_facts_example_64_gpus_1_gb_25_gb_s_is_about_79_ms():
    t = net.ring_allreduce_time_s(64, 1e9, 25)
    assert t == pytest.approx(2 * 63 / 64 * 1 / 25)
    assert round(t * 1000) == 79


def _simulate_ring(n, size_bytes, bw_bytes_s, alpha_s):
    """Reduce-scatter then all-gather on a ring: in each of 2(n-1) steps every rank sends one
    chunk of S/n bytes to its neighbour, all in parallel; a step costs alpha + chunk/B."""
    chunk_bytes = size_bytes / n
    # data[r][c] = set of ranks whose contribution to chunk c rank r holds
    data = [[{r} for _ in range(n)] for r in range(n)]
    clock = 0.0
    for step in range(n - 1):  # reduce-scatter: rank r sends chunk (r - step) to r + 1, which adds it
        msgs = [((r + 1) % n, (r - step) % n, set(data[r][(r - step) % n])) for r in range(n)]
        for dst, c, payload in msgs:
            data[dst][c] |= payload
        clock += alpha_s + chunk_bytes / bw_bytes_s
    for r in range(n):  # rank r now owns the complete chunk (r + 1) mod n
        assert data[r][(r + 1) % n] == set(range(n))
    for step in range(n - 1):  # all-gather: pass the complete chunks around
        msgs = [((r + 1) % n, (r + 1 - step) % n, set(data[r][(r + 1 - step) % n])) for r in range(n)]
        for dst, c, payload in msgs:
            data[dst][c] = payload
        clock += alpha_s + chunk_bytes / bw_bytes_s
    assert all(data[r][c] == set(range(n)) for r in range(n) for c in range(n))
    return clock


@pytest.mark.parametrize("n,size,bw_gb,alpha_us", [(2, 1e6, 10, 0), (8, 4e8, 25, 5), (64, 1e9, 25, 1), (3, 7e5, 1.5, 30)])
def test_alpha_beta_formula_equals_step_by_step_ring(n, size, bw_gb, alpha_us):
    sim = _simulate_ring(n, size, bw_gb * 1e9, alpha_us * 1e-6)
    assert net.ring_allreduce_time_s(n, size, bw_gb, latency_us=alpha_us) == pytest.approx(sim)


def test_one_rank_needs_no_communication():
    assert net.ring_allreduce_time_s(1, 1e9, 25, latency_us=10) == 0.0


@pytest.mark.parametrize("n", [2, 8, 64, 1000])
def test_busbw_factors_are_the_nccl_tests_ones(n):
    assert net.busbw_factor("all_reduce", n) == pytest.approx(2 * (n - 1) / n)
    assert net.busbw_factor("all_reduce_in_network", n) == pytest.approx((n - 1) / (n + 1))
    for coll in ("reduce_scatter", "all_gather", "alltoall"):
        assert net.busbw_factor(coll, n) == pytest.approx((n - 1) / n)
    for coll in ("broadcast", "reduce"):
        assert net.busbw_factor(coll, n) == 1.0


def test_bus_bandwidth_of_a_measured_row_recovers_the_link_speed():
    # a perfect ring on 25 GB/s links: time from the formula, busbw must read back 25 GB/s
    t = net.ring_allreduce_time_s(16, 2**30, 25)
    assert net.bus_bandwidth_gbytes_s("all_reduce", 16, 2**30, t) == pytest.approx(25)
    assert net.algorithm_bandwidth_gbytes_s(2**30, t) == pytest.approx(25 / (2 * 15 / 16))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(net.BUSBW_FACTORS)), st.integers(1, 5000), st.floats(1, 1e12), st.floats(0.1, 2000))
def test_collective_time_and_bus_bandwidth_are_inverse(coll, n, size, busbw):
    t = net.collective_time_s(coll, n, size, busbw)
    if t > 0:
        assert net.bus_bandwidth_gbytes_s(coll, n, size, t) == pytest.approx(busbw)


def test_unit_conversions_and_the_seed_q3_unit_error():
    assert net.gbps_to_gbytes_s(200) == 25  # one HDR port per A100 in a DGX A100
    # cluster injection 8,000 GPUs x 25 GB/s = 200 TB/s; non-blocking bisection = half of it
    bisection_tbytes = 8000 * 25 / 2 / 1000
    assert bisection_tbytes == 100 and net.gbytes_s_to_gbps(bisection_tbytes * 1000) / 1000 == 800  # Tb/s


def test_link_rate_tables():
    assert net.INFINIBAND_4X_GBPS == {"EDR": 100, "HDR": 200, "NDR": 400, "XDR": 800}
    assert {400, 800} <= set(net.ETHERNET_GBPS)


def test_transport_table_is_sourced_and_corrects_the_ethernet_speed():
    df = net.transport_comparison()
    assert df["source"].str.len().min() > 5 and set(df["confidence"]) <= {"High", "Medium", "Low"}
    rate = df.set_index("metric").loc["Link rate per port (Gb/s)"]
    assert "800" in rate["rdma_roce"] and "800" in rate["kernel_tcp"] and rate["confidence"] == "High"
    cpu = df.set_index("metric").loc["CPU use / message rate"]
    assert cpu["confidence"] == "Low" and "Unverified" in cpu["note"]


def test_allreduce_table_by_hand():
    df = net.allreduce_table(8, 1e9, link_gbps=[100, 400], latency_us=[0.0, 25.0])
    row = df[(df.link_gbps == 400) & (df.latency_us == 25.0)].iloc[0]
    assert row["time_ms"] == pytest.approx((2 * 7 * 25e-6 + 2 * 7 / 8 * 1e9 / 50e9) * 1000)
    assert len(df) == 4


@pytest.mark.parametrize("call,match", [
    (lambda: net.ring_allreduce_time_s(0, 1e9, 25), r"n_ranks must be an integer in \[1, 1000000\]; got 0"),
    (lambda: net.ring_allreduce_time_s(8, 1e9, -25), r"bandwidth_gbytes_s must be in \(0, 1000000\]; got -25"),
    (lambda: net.ring_allreduce_time_s(8, 1e9, 25, latency_us=-1), r"latency_us must be"),
    (lambda: net.busbw_factor("allreduce", 8), r"collective must be one of"),
    (lambda: net.bus_bandwidth_gbytes_s("all_reduce", 8, 1e9, 0), r"time_s must be in \(0"),
])
def test_invalid_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@FUZZ
@given(JUNK, JUNK, JUNK, JUNK)
def test_public_functions_raise_only_value_error(a, b, d, e):
    for fn in (lambda: net.ring_allreduce_time_s(a, b, d, e), lambda: net.busbw_factor(a, b),
               lambda: net.collective_time_s("all_gather", a, b, d), lambda: net.bus_bandwidth_gbytes_s("reduce", a, b, d),
               lambda: net.gbps_to_gbytes_s(a), lambda: net.gbytes_s_to_gbps(b), lambda: net.algorithm_bandwidth_gbytes_s(a, b),
               lambda: net.allreduce_table(a, b, [d], [e])):
        try:
            fn()
        except ValueError:
            pass
