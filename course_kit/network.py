"""Section 3, collective communication and transports: all-reduce time, bus bandwidth, RDMA vs TCP.

Units in names: ``_gbps`` = gigabits per second (link rates, as vendors quote them);
``_gbytes_s`` = gigabytes per second (what NCCL reports); ``_bytes``, ``_s``, ``_us``.
8 Gb/s = 1 GB/s: a 200 Gb/s HDR port carries 25 GB/s. Mixing the two is the course text's Q3 error
("800 TB/s" for 800 Tb/s, docs/sources.md#erratum-34).

Ring all-reduce, α-β model (Thakur, Rabenseifner & Gropp, "Optimization of Collective
Communication Operations in MPICH", IJHPCA 19(1), 2005; bandwidth term as in nccl-tests
``doc/PERFORMANCE.md``):

    t = 2(n−1)·α + 2(n−1)/n · S/B

n ranks, S bytes per rank, B bytes/s per rank, α latency per step (2(n−1) steps: a
reduce-scatter then an all-gather around the ring).

>>> round(ring_allreduce_time_s(64, 1e9, 25) * 1000, 2)       # docs/sources.md#networks example: ≈ 79 ms
78.75
"""

from __future__ import annotations

from dataclasses import dataclass

from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "BUSBW_FACTORS",
    "INFINIBAND_4X_GBPS",
    "ETHERNET_GBPS",
    "TransportFact",
    "TRANSPORT_FACTS",
    "gbps_to_gbytes_s",
    "gbytes_s_to_gbps",
    "busbw_factor",
    "ring_allreduce_time_s",
    "collective_time_s",
    "algorithm_bandwidth_gbytes_s",
    "bus_bandwidth_gbytes_s",
    "transport_comparison",
    "allreduce_table",
]

_MAX_RANKS = 1_000_000

#: nccl-tests ``doc/PERFORMANCE.md`` "Summary": busbw = algbw × factor(n).
BUSBW_FACTORS = {
    "all_reduce": "2(n-1)/n",
    "all_reduce_in_network": "(n-1)/(n+1)",
    "reduce_scatter": "(n-1)/n",
    "all_gather": "(n-1)/n",
    "alltoall": "(n-1)/n",
    "broadcast": "1",
    "reduce": "1",
}

#: InfiniBand 4x link rates in Gb/s (docs/sources.md#networks, High): EDR 25, HDR 50, NDR 100 Gb/s per lane.
INFINIBAND_4X_GBPS = {"EDR": 100, "HDR": 200, "NDR": 400, "XDR": 800}
#: Ethernet port speeds in Gb/s (docs/sources.md#erratum-50/21: 200, 400 and 800 GbE exist).
ETHERNET_GBPS = (1, 10, 25, 40, 50, 100, 200, 400, 800)


def gbps_to_gbytes_s(gbps) -> float:
    """Gigabits/s → gigabytes/s (÷ 8). A 200 Gb/s HDR port = 25 GB/s.

    >>> gbps_to_gbytes_s(200)
    25.0
    """
    return check_number("gbps", gbps, low=0, high=1e9) / 8.0


def gbytes_s_to_gbps(gbytes_s) -> float:
    """Gigabytes/s → gigabits/s (× 8). 100 TB/s = 800 Tb/s.

    >>> gbytes_s_to_gbps(100_000)
    800000.0
    """
    return check_number("gbytes_s", gbytes_s, low=0, high=1e9) * 8.0


def busbw_factor(collective, n_ranks) -> float:
    """The nccl-tests correction factor busbw / algbw for ``collective`` on ``n_ranks``.

    AllReduce 2(n−1)/n; in-network (SHARP) AllReduce (n−1)/(n+1); ReduceScatter, AllGather,
    AlltoAll (n−1)/n; Broadcast, Reduce 1 (nccl-tests ``doc/PERFORMANCE.md``, High).

    >>> busbw_factor("all_reduce", 8), busbw_factor("all_gather", 8), busbw_factor("broadcast", 8)
    (1.75, 0.875, 1.0)
    """
    check_choice("collective", collective, list(BUSBW_FACTORS))
    n = check_int("n_ranks", n_ranks, low=1, high=_MAX_RANKS)
    if collective == "all_reduce":
        return 2.0 * (n - 1) / n
    if collective == "all_reduce_in_network":
        return (n - 1) / (n + 1)
    if collective in ("reduce_scatter", "all_gather", "alltoall"):
        return (n - 1) / n
    return 1.0


def ring_allreduce_time_s(n_ranks, size_bytes, bandwidth_gbytes_s, latency_us=0.0) -> float:
    """Ring all-reduce time t = 2(n−1)·α + 2(n−1)/n · S/B (seconds).

    ``size_bytes`` S is the buffer on each rank, ``bandwidth_gbytes_s`` B each rank's
    bandwidth in GB/s, ``latency_us`` α the per-step latency. One rank: no communication.

    >>> ring_allreduce_time_s(8, 1e9, 25, latency_us=5) > ring_allreduce_time_s(8, 1e9, 25)
    True
    """
    n = check_int("n_ranks", n_ranks, low=1, high=_MAX_RANKS)
    s = check_number("size_bytes", size_bytes, low=0, high=1e15)
    b = check_number("bandwidth_gbytes_s", bandwidth_gbytes_s, low=0, low_inclusive=False, high=1e6)
    a = check_number("latency_us", latency_us, low=0, high=1e7)
    if n == 1:
        return 0.0
    return 2 * (n - 1) * a * 1e-6 + 2.0 * (n - 1) / n * s / (b * 1e9)


def collective_time_s(collective, n_ranks, size_bytes, bus_bandwidth_gbytes_s) -> float:
    """Time of a collective that runs at ``bus_bandwidth_gbytes_s``: t = S·factor / busbw.

    (Inverse of :func:`bus_bandwidth_gbytes_s`; bandwidth term only.)

    >>> round(collective_time_s("all_reduce", 64, 1e9, 25) * 1000, 2)
    78.75
    """
    f = busbw_factor(collective, n_ranks)
    s = check_number("size_bytes", size_bytes, low=0, high=1e15)
    b = check_number("bus_bandwidth_gbytes_s", bus_bandwidth_gbytes_s, low=0, low_inclusive=False, high=1e6)
    return s * f / (b * 1e9)


def algorithm_bandwidth_gbytes_s(size_bytes, time_s) -> float:
    """nccl-tests algbw = S / t, in GB/s.

    >>> algorithm_bandwidth_gbytes_s(1e9, 0.1)
    10.0
    """
    s = check_number("size_bytes", size_bytes, low=0, high=1e15)
    t = check_number("time_s", time_s, low=0, low_inclusive=False, high=1e9)
    return s / t / 1e9


def bus_bandwidth_gbytes_s(collective, n_ranks, size_bytes, time_s) -> float:
    """nccl-tests busbw = algbw × factor: comparable to the hardware's per-rank bandwidth.

    Example (a real nccl-tests style row): all_reduce, 16 ranks, 8 GiB in 100 ms ⇒ algbw 85.9
    GB/s, busbw = 85.9 × 2·15/16 = 161 GB/s.

    >>> round(bus_bandwidth_gbytes_s("all_reduce", 16, 8 * 2**30, 0.1), 1)
    161.1
    """
    return algorithm_bandwidth_gbytes_s(size_bytes, time_s) * busbw_factor(collective, n_ranks)


@dataclass(frozen=True)
class TransportFact:
    """One row of the RDMA vs kernel-TCP comparison, with its source and confidence."""

    metric: str
    rdma_infiniband: str
    rdma_roce: str
    kernel_tcp: str
    source: str
    confidence: str
    note: str = ""


TRANSPORT_FACTS = (
    TransportFact(
        "Link rate per port (Gb/s)",
        "HDR 200, NDR 400, XDR 800",
        "Ethernet 100/200/400/800 GbE",
        "same Ethernet links: 100/200/400/800 GbE",
        "docs/sources.md#networks (open-mpi PR #4946; Linux mlx5 NDR commit; NVIDIA XDR 800Gb/s manual); erratum 21",
        "High",
        "Erratum: the course text's table gives Ethernet '100 Gbps' against IB '200-400'; Ethernet also "
        "runs at 400 and 800 Gb/s (the course text's own link_speeds list has 400GbE).",
    ),
    TransportFact(
        "Switch hop latency (port to port)",
        "~0.13 µs (QM8790 HDR: 'sub-130ns')",
        "~0.25-0.85 µs cut-through; < 1 µs (Nexus 93180YC-FX)",
        "same switches as RoCE",
        "docs/sources.md#networks (QM8790 product brief quote; 2012 HFT switch list; Cisco datasheet)",
        "Medium",
        "The switch is not where TCP loses its microseconds: the host stack is.",
    ),
    TransportFact(
        "End-to-end small-message latency",
        "~0.5-1.0 µs",
        "close to InfiniBand",
        "~10-50 µs (kernel TCP/IP stack)",
        "docs/sources.md#erratum-20",
        "Medium",
        "The course text's '10-50 µs' is kernel TCP/IP, not Ethernet hardware.",
    ),
    TransportFact(
        "Data path",
        "verbs: NIC moves data, kernel bypass, zero copy",
        "same verbs over UDP/IP (RoCEv2)",
        "socket calls, kernel stack, copies",
        "course text §3 RDMA example (pyverbs); qualitative",
        "Medium",
    ),
    TransportFact(
        "CPU use / message rate",
        "seed: < 1 %, 200M+ msg/s",
        "—",
        "seed: 10-30 %, 1M msg/s",
        "course text table only; no source found (docs/sources.md#erratum-22)",
        "Low",
        "Unverified illustrative numbers: do not quote them as facts.",
    ),
)


def transport_comparison():
    """The RDMA (InfiniBand, RoCE) vs kernel-TCP table as a DataFrame, one sourced row each."""
    import pandas as pd

    return pd.DataFrame([f.__dict__ for f in TRANSPORT_FACTS])


def allreduce_table(n_ranks, size_bytes, link_gbps=(100, 200, 400, 800), latency_us=(1.0, 25.0)):
    """All-reduce time (ms) for each link speed (Gb/s) and per-step latency (µs): a DataFrame.

    Uses :func:`ring_allreduce_time_s` with B = link_gbps / 8 GB/s per rank (one NIC per rank
    at line rate: an upper bound). Default latencies: ~1 µs (RDMA) and 25 µs (kernel TCP,
    middle of the 10-50 µs range, docs/sources.md#erratum-20).

    >>> t = allreduce_table(64, 1e9, link_gbps=[200], latency_us=[1.0])
    >>> round(float(t.iloc[0]["time_ms"]), 2)
    78.88
    """
    import pandas as pd

    rows = []
    for speed in list(link_gbps):
        for lat in list(latency_us):
            t = ring_allreduce_time_s(n_ranks, size_bytes, gbps_to_gbytes_s(speed), lat)
            rows.append({"link_gbps": speed, "per_rank_gbytes_s": speed / 8, "latency_us": lat,
                         "time_ms": t * 1000.0})
    return pd.DataFrame(rows)
