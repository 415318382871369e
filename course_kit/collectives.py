"""Collective traffic: bytes each GPU sends, bytes on each link, α-β time, and what crosses a cut.

Notation: n ranks, S bytes (the full array for all-reduce, reduce-scatter and all-gather; each rank's
send buffer for all-to-all), B bytes/s per rank and direction, α seconds per step.

* Bytes each rank sends (and receives), independent of the algorithm (nccl-tests ``PERFORMANCE.md``,
  ``docs/sources.md#nccl-tests-busbw``): all-reduce 2(n−1)/n·S; reduce-scatter, all-gather and
  all-to-all (n−1)/n·S.
* On a ring every rank sends to one neighbour, so each ring link carries exactly the bytes its sender
  sends. Steps: all-reduce 2(n−1), reduce-scatter / all-gather / all-to-all (n−1).
* Double binary tree (all-reduce only): the same bandwidth term, 2·⌈log₂ n⌉ latency steps (logarithmic
  latency: ``docs/sources.md#nccl-trees``; the constant is ours).
* α-β time: t = steps·α + bytes_per_rank / B (``docs/sources.md#nccl-trees``, Thakur et al. 2005).

>>> round(bytes_per_rank("all_reduce", 64, 1e9) / 1e9, 4)
1.9688
>>> round(time_s("all_reduce", 64, 1e9, 25) * 1000, 2)      # 1 GB, 64 GPUs, 25 GB/s: ≈ 79 ms
78.75
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "COLLECTIVES",
    "ALGORITHMS",
    "bytes_factor",
    "bytes_per_rank",
    "steps",
    "time_s",
    "CutTraffic",
    "cut_traffic",
    "bisection_demand_gbytes_s",
]

COLLECTIVES = ("all_reduce", "reduce_scatter", "all_gather", "all_to_all")
ALGORITHMS = ("ring", "tree")
_MAX_RANKS = 1_000_000


def _check(collective, n_ranks, algorithm="ring") -> tuple[str, int, str]:
    collective = check_choice("collective", collective, COLLECTIVES)
    n = check_int("n_ranks", n_ranks, low=1, high=_MAX_RANKS)
    algorithm = check_choice("algorithm", algorithm, ALGORITHMS)
    if algorithm == "tree" and collective != "all_reduce":
        raise ValueError(f"algorithm 'tree' is modelled for 'all_reduce' only; got collective {collective!r}")
    return collective, n, algorithm


def bytes_factor(collective, n_ranks) -> float:
    """Bytes each rank sends per byte of S: 2(n−1)/n for all-reduce, (n−1)/n for the others.

    >>> bytes_factor("all_reduce", 8), bytes_factor("all_gather", 8)
    (1.75, 0.875)
    """
    collective, n, _ = _check(collective, n_ranks)
    return (2.0 if collective == "all_reduce" else 1.0) * (n - 1) / n


def bytes_per_rank(collective, n_ranks, size_bytes) -> float:
    """Bytes each rank sends (= receives) in one collective of ``size_bytes`` (see module docstring).

    On a ring this is also the load of every ring link. One rank: 0.

    >>> bytes_per_rank("reduce_scatter", 4, 4e6)
    3000000.0
    """
    s = check_number("size_bytes", size_bytes, low=0, high=1e18)
    return bytes_factor(collective, n_ranks) * s


def steps(collective, n_ranks, algorithm: str = "ring") -> int:
    """Latency steps: ring all-reduce 2(n−1); tree all-reduce 2·⌈log₂ n⌉; the others (n−1).

    >>> steps("all_reduce", 64), steps("all_reduce", 64, "tree"), steps("all_to_all", 64)
    (126, 12, 63)
    """
    collective, n, algorithm = _check(collective, n_ranks, algorithm)
    if n == 1:
        return 0
    if algorithm == "tree":
        return 2 * math.ceil(math.log2(n))
    return (2 if collective == "all_reduce" else 1) * (n - 1)


def time_s(collective, n_ranks, size_bytes, bandwidth_gbytes_s, latency_us=0.0, algorithm: str = "ring") -> float:
    """α-β time of one collective: steps·α + bytes_per_rank / B (B in GB/s per rank and direction).

    >>> ring = time_s("all_reduce", 1024, 1e3, 50, latency_us=2)
    >>> tree = time_s("all_reduce", 1024, 1e3, 50, latency_us=2, algorithm="tree")
    >>> round(ring * 1e6), round(tree * 1e6)     # small message: the tree's log n latency wins
    (4092, 40)
    """
    b = check_number("bandwidth_gbytes_s", bandwidth_gbytes_s, low=0, high=1e6, low_inclusive=False)
    alpha = check_number("latency_us", latency_us, low=0, high=1e7) * 1e-6
    k = steps(collective, n_ranks, algorithm)
    return k * alpha + bytes_per_rank(collective, n_ranks, size_bytes) / (b * 1e9)


@dataclass(frozen=True)
class CutTraffic:
    """Bytes one collective sends across a cut that splits the ranks into two halves.

    ``left_to_right_bytes``: bytes crossing in one direction (the other direction carries the same).
    ``crossing_links``: ring links that cross the cut in that direction (None for all-to-all).
    """

    collective: str
    n_ranks: int
    size_bytes: float
    left_to_right_bytes: float
    crossing_links: int | None


def cut_traffic(collective, n_ranks, size_bytes, *, rings: int = 1) -> CutTraffic:
    """What one collective sends across the bisection (ranks 0..n/2−1 | n/2..n−1).

    * Ring collectives with ranks in order: each ring crosses the cut at **two** points, one per
      direction; the crossing link carries that ring's per-link bytes. With ``rings`` rings the data is
      split into ``rings`` parts, so one direction carries ``bytes_per_rank`` in total over ``rings``
      links (``docs/sources.md#nccl-tests-busbw``).
    * All-to-all: each of the n/2 ranks on the left sends S/n to each of the n/2 ranks on the right:
      n·S/4 bytes one way, i.e. a quarter of all the buffers: it grows with n.

    >>> cut_traffic("all_reduce", 64, 1e9).crossing_links
    1
    >>> cut_traffic("all_to_all", 64, 1e9).left_to_right_bytes / 1e9
    16.0
    """
    collective, n, _ = _check(collective, n_ranks)
    s = check_number("size_bytes", size_bytes, low=0, high=1e18)
    r = check_int("rings", rings, low=1, high=1024)
    if n % 2:
        raise ValueError(f"n_ranks must be even to split into two halves; got {n_ranks!r}")
    if collective == "all_to_all":
        half = n // 2
        return CutTraffic(collective, n, s, half * half * s / n, None)
    return CutTraffic(collective, n, s, bytes_per_rank(collective, n, s), r)


def bisection_demand_gbytes_s(pattern, n_gpus, per_gpu_gbytes_s, *, rings: int = 1) -> float:
    """Bisection bandwidth (GB/s, one direction) a job needs so that the cut never slows it down.

    ``pattern="all_to_all"``: every GPU sends half its traffic to the other half at full rate:
    n/2 · B (the course text's Q3 reasoning: 64 × 25 GB/s / 2 = 800 GB/s). ``pattern="ring"``: each of
    ``rings`` rings crosses the cut once per direction and each crossing link runs at B: rings · B
    (NCCL builds about one ring per NIC rail). Same GPUs, very different fabric.

    >>> bisection_demand_gbytes_s("all_to_all", 64, 25), bisection_demand_gbytes_s("ring", 64, 25, rings=8)
    (800.0, 200.0)
    """
    pattern = check_choice("pattern", pattern, ("ring", "all_to_all"))
    n = check_int("n_gpus", n_gpus, low=2, high=_MAX_RANKS)
    b = check_number("per_gpu_gbytes_s", per_gpu_gbytes_s, low=0, high=1e5)
    r = check_int("rings", rings, low=1, high=max(1, n // 2))
    return n / 2 * b if pattern == "all_to_all" else r * b
