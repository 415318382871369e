"""GPU sharing: time-slicing overhead and tenant wait, and time-slicing vs MPS vs MIG.

Time-slicing gives each of n tenants the whole GPU for a slice of ``slice_ms``; each switch
costs ``switch_ms`` of lost GPU time. Two conventions (both in docs/sources.md#erratum-36):

* switch **inside** the slice (the course text's Q5 arithmetic): overhead = switch / slice;
* switch **added** to the slice: overhead = switch / (slice + switch).

The course text's 2.1 ms per switch ("0.1 ms switch + 2.0 ms memory transfer for context data") is the
**course text's assumption, not a published figure**: GPU contexts stay resident in device memory,
time-slicing saves/restores execution state by compute preemption, and NVIDIA publishes no
per-switch cost or slice length in ms (docs/sources.md#gpu-sharing). Real GPU slices are milliseconds
(time-sliced vGPUs are scheduled 480 or 960 times a second, Colfax), not 100 ms.

>>> round(100 * time_slicing_overhead(200), 2)     # Q5 corrected (erratum 37): 1.05 %, not 2.1 %
1.05
"""

from __future__ import annotations

from dataclasses import dataclass

from course_kit._validate import check_int, check_number

__all__ = [
    "COURSE_TEXT_SWITCH_MS",
    "time_slicing_overhead",
    "switches_per_second",
    "TenantWait",
    "tenant_wait_ms",
    "slice_sweep",
    "Mechanism",
    "MECHANISMS",
    "comparison_table",
]

#: The course text's per-switch cost (0.1 ms "context switch" + 2.0 ms "memory transfer"): an ASSUMPTION.
COURSE_TEXT_SWITCH_MS = 2.1


def _check_slice(slice_ms, switch_ms, switch_in_slice) -> tuple[float, float]:
    slice_ms = check_number("slice_ms", slice_ms, low=0, high=60_000, low_inclusive=False)
    switch_ms = check_number("switch_ms", switch_ms, low=0, high=60_000)
    if not isinstance(switch_in_slice, bool):
        raise ValueError(f"switch_in_slice must be True or False; got {switch_in_slice!r}")
    if switch_in_slice and switch_ms > slice_ms:
        raise ValueError(
            f"switch_ms must be <= slice_ms when the switch happens inside the slice; got {switch_ms} > {slice_ms}"
        )
    return slice_ms, switch_ms


def time_slicing_overhead(slice_ms, switch_ms=COURSE_TEXT_SWITCH_MS, *, switch_in_slice: bool = True) -> float:
    """Fraction of GPU time lost to switching.

    switch inside the slice: switch / slice; switch added: switch / (slice + switch).
    It does not depend on the number of tenants (each slice ends with one switch).

    >>> round(100 * time_slicing_overhead(100), 2)               # the course text's Q5: 2.1 %
    2.1
    >>> round(100 * time_slicing_overhead(200, switch_in_slice=False), 2)
    1.04
    >>> round(100 * time_slicing_overhead(10), 1)                # course text's "interactive" 10 ms slices
    21.0
    """
    slice_ms, switch_ms = _check_slice(slice_ms, switch_ms, switch_in_slice)
    return switch_ms / slice_ms if switch_in_slice else switch_ms / (slice_ms + switch_ms)


def switches_per_second(slice_ms, switch_ms=COURSE_TEXT_SWITCH_MS, *, switch_in_slice: bool = True) -> float:
    """Context switches per second: 1000 / slice (inside) or 1000 / (slice + switch) (added).

    >>> switches_per_second(100), switches_per_second(200)
    (10.0, 5.0)
    """
    slice_ms, switch_ms = _check_slice(slice_ms, switch_ms, switch_in_slice)
    return 1000.0 / (slice_ms if switch_in_slice else slice_ms + switch_ms)


@dataclass(frozen=True)
class TenantWait:
    """How long a tenant's request waits for its next turn on the GPU (ms)."""

    cycle_ms: float  # one round over all tenants
    service_ms: float  # the tenant's own compute time per cycle
    worst_ms: float  # longest wait: arriving just after its compute window closes
    mean_ms: float  # a request arriving at a uniformly random time


def tenant_wait_ms(n_tenants, slice_ms, switch_ms=COURSE_TEXT_SWITCH_MS, *, switch_in_slice: bool = True) -> TenantWait:
    """Wait for a tenant's next compute window under round-robin time-slicing.

    Cycle C = n·slice (switch inside) or n·(slice + switch) (added). Each tenant computes for
    s = slice − switch (inside) or slice (added) per cycle. A request arriving during its own
    window waits 0; otherwise it waits until the next window opens, uniformly distributed on
    (0, C − s]. Hence worst = C − s and mean = (C − s)² / (2C) (derived here; no source needed).

    >>> w = tenant_wait_ms(4, 200)        # course text Q5 with 200 ms slices: about 3 x 200 ms worst case
    >>> round(w.worst_ms, 1), round(w.mean_ms, 1)
    (602.1, 226.6)
    """
    n = check_int("n_tenants", n_tenants, low=1, high=1000)
    slice_ms, switch_ms = _check_slice(slice_ms, switch_ms, switch_in_slice)
    if switch_in_slice:
        cycle, service = n * slice_ms, slice_ms - switch_ms
    else:
        cycle, service = n * (slice_ms + switch_ms), slice_ms
    gap = cycle - service
    return TenantWait(cycle, service, gap, gap * gap / (2 * cycle))


def slice_sweep(slice_ms_values, n_tenants=4, switch_ms=COURSE_TEXT_SWITCH_MS, *,
                switch_in_slice: bool = True) -> list[dict]:
    """Overhead and tenant wait for each slice length (the data behind the trade-off plot).

    >>> [round(r["overhead_pct"], 2) for r in slice_sweep([100, 200])]
    [2.1, 1.05]
    """
    if isinstance(slice_ms_values, (str, bytes)) or not hasattr(slice_ms_values, "__iter__"):
        raise ValueError(f"slice_ms_values must be a list of slice lengths in ms; got {slice_ms_values!r}")
    values = list(slice_ms_values)
    if not 1 <= len(values) <= 10_000:
        raise ValueError(f"slice_ms_values must hold 1 to 10,000 values; got {len(values)}")
    rows = []
    for s in values:
        wait = tenant_wait_ms(n_tenants, s, switch_ms, switch_in_slice=switch_in_slice)
        rows.append(
            {
                "slice_ms": float(s),
                "overhead_pct": 100 * time_slicing_overhead(s, switch_ms, switch_in_slice=switch_in_slice),
                "switches_per_s": switches_per_second(s, switch_ms, switch_in_slice=switch_in_slice),
                "worst_wait_ms": wait.worst_ms,
                "mean_wait_ms": wait.mean_ms,
            }
        )
    return rows


@dataclass(frozen=True)
class Mechanism:
    """One way of sharing a GPU, as NVIDIA documents it (docs/sources.md#gpu-sharing)."""

    name: str
    partitioning: str
    max_tenants: str
    sm_isolation: str
    memory_protection: str
    memory_bandwidth_qos: str
    error_isolation: str
    overhead: str
    reconfigure: str
    source: str


MECHANISMS = (
    Mechanism(
        "Time-slicing",
        "temporal: each tenant gets the whole GPU in turn",
        "set by the admin (device-plugin `replicas` per GPU); no documented hard limit",
        "no (whole GPU, one context at a time)",
        "no ('no memory or fault-isolation between replicas')",
        "no",
        "no",
        "a context switch per slice; NVIDIA publishes no per-switch cost; slices are ms "
        "(vGPU: 480 or 960 per second); `nvidia-smi compute-policy --set-timeslice` sets Default/Short/Medium/Long",
        "any time",
        "NVIDIA GPU Operator 'Time-Slicing GPUs in Kubernetes'; k8s-dra-driver-gpu source; Colfax (2024)",
    ),
    Mechanism(
        "MPS",
        "logical: concurrent kernels from several processes",
        "48 clients (fewer per MIG compute instance when run on top of MIG)",
        "by percentage (not partitioning)",
        "yes",
        "no",
        "no",
        "no context switching between clients (they run concurrently); no QoS on memory bandwidth",
        "at process launch",
        "MIG User Guide Table 3 'CUDA Concurrency Mechanisms'; MIG-UG r570 note on MPS over MIG",
    ),
    Mechanism(
        "MIG",
        "physical: SM slices, memory slices, L2 and engines",
        "7 GPU instances (4 on A30)",
        "yes",
        "yes",
        "yes",
        "yes",
        "none between instances (they run concurrently); fixed profile sizes waste what a workload "
        "does not use; instances still share PCIe and board power",
        "when the GPU is idle",
        "MIG User Guide Table 3 and supported-gpus Table 1; Colfax (shared PCIe/power)",
    ),
)


def comparison_table():
    """Time-slicing vs MPS vs MIG as a pandas DataFrame (rows: mechanisms), with sources."""
    import pandas as pd

    rows = [
        {
            "mechanism": m.name,
            "partitioning": m.partitioning,
            "max tenants": m.max_tenants,
            "SM isolation": m.sm_isolation,
            "memory protection": m.memory_protection,
            "memory-bandwidth QoS": m.memory_bandwidth_qos,
            "error isolation": m.error_isolation,
            "overhead": m.overhead,
            "reconfigure": m.reconfigure,
            "source": m.source,
        }
        for m in MECHANISMS
    ]
    return pd.DataFrame(rows).set_index("mechanism")
