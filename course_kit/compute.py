"""Section 2, compute hierarchy: the accelerator catalog, rooflines, arithmetic intensity, serving cost.

Units are in the names: ``_tflops`` (10^12 FLOP/s), ``_gb_s`` (10^9 **bytes**/s, memory and
scale-up links), ``_flop_per_byte`` (arithmetic intensity), ``_ms``, ``_usd``.

The roofline model (Williams, Waterman & Patterson, "Roofline: an insightful visual performance
model for multicore architectures", CACM 52(4), 2009):

    attainable FLOP/s = min(peak FLOP/s, arithmetic intensity x memory bandwidth)
    ridge point       = peak FLOP/s / memory bandwidth        (FLOP per byte)

A kernel whose intensity is below the ridge point is memory-bound; above it, compute-bound.
The catalog ``data/accelerators.csv`` holds the peaks (sources and confidence per row, from
docs/sources.md#accelerators); it is read with pandas only when asked for.

>>> round(ridge_point_flop_per_byte(989.4, 3350), 1)      # H100 SXM, dense BF16
295.3
>>> attainable_tflops(10, peak_tflops=989.4, bandwidth_gb_s=3350)   # 10 FLOP/B: memory-bound
33.5
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "CATALOG_FILE",
    "PRECISIONS",
    "PEAK_COLUMN",
    "Device",
    "ServingAssumptions",
    "ServingPlan",
    "PRICE_EXAMPLES_USD_PER_HOUR",
    "load_catalog",
    "device_names",
    "get_device",
    "ridge_point_flop_per_byte",
    "attainable_tflops",
    "roofline_tflops",
    "bound_by",
    "gemm_flops",
    "gemm_bytes",
    "gemm_intensity",
    "elementwise_intensity",
    "attention_decode_flops",
    "attention_decode_bytes",
    "attention_decode_intensity",
    "roofline_time_s",
    "time_per_million_s",
    "cost_per_million_usd",
    "serving_plan",
    "compare_serving",
]

CATALOG_FILE = "accelerators.csv"
PRECISIONS = ("fp16", "fp32")
PEAK_COLUMN = {"fp16": "dense_fp16_bf16_tflops", "fp32": "fp32_tflops"}
_MAX_TFLOPS = 1e6  # generous upper bound for validation (1 EFLOP/s per device)
_MAX_GB_S = 1e6

#: Example cloud prices per device-hour (USD), docs/sources.md#cloud-prices (Medium; they change often).
#: AWS on demand: p4d.24xlarge $32.77/h for 8 x A100 40GB, p5.48xlarge $98.32/h for 8 x H100;
#: EC2 Capacity Blocks $14.75/h (p4d) and $39.33/h (p5); c5.24xlarge $4.08/h (48 vCPU Xeon).
PRICE_EXAMPLES_USD_PER_HOUR = {
    "A100 on-demand (AWS p4d / 8)": 32.77 / 8,
    "A100 capacity block (AWS p4d / 8)": 14.75 / 8,
    "H100 on-demand (AWS p5 / 8)": 98.32 / 8,
    "H100 capacity block (AWS p5 / 8)": 39.33 / 8,
    "CPU c5.24xlarge (AWS)": 4.08,
}


@dataclass(frozen=True)
class Device:
    """One row of ``data/accelerators.csv``. Missing figures are ``None`` (never invented)."""

    name: str
    kind: str
    vendor: str
    dense_fp16_bf16_tflops: float | None
    fp32_tflops: float | None
    memory_gb: float | None
    mem_bandwidth_gb_s: float | None
    power_w: float | None
    scaleup_link_gb_s: float | None
    source: str
    confidence: str
    note: str

    def peak_tflops(self, precision: str = "fp16") -> float:
        """Peak dense TFLOPS for ``precision`` ('fp16' = FP16/BF16 tensor, 'fp32' = FP32 vector).

        Raises ValueError when the catalog has no sourced figure (the cell is empty).
        """
        check_choice("precision", precision, PRECISIONS)
        value = getattr(self, PEAK_COLUMN[precision])
        if value is None:
            raise ValueError(
                f"precision {precision!r} has no sourced peak for {self.name!r} in {CATALOG_FILE} "
                f"(the cell is empty: not captured in docs/sources.md); choose another precision or device"
            )
        return value

    def bandwidth_gb_s(self) -> float:
        if self.mem_bandwidth_gb_s is None:
            raise ValueError(f"{self.name!r} has no sourced memory bandwidth in {CATALOG_FILE}")
        return self.mem_bandwidth_gb_s


def _none_if_nan(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


@lru_cache(maxsize=1)
def _catalog_records() -> tuple[Device, ...]:
    import pandas as pd

    from course_kit.paths import data_path

    frame = pd.read_csv(data_path(CATALOG_FILE))
    numeric = [
        "dense_fp16_bf16_tflops", "fp32_tflops", "memory_gb", "mem_bandwidth_gb_s",
        "power_w", "scaleup_link_gb_s",
    ]
    rows = []
    for rec in frame.to_dict("records"):
        values = {c: _none_if_nan(rec[c]) for c in numeric}
        rows.append(Device(name=rec["name"], kind=rec["kind"], vendor=rec["vendor"],
                           source=rec["source"], confidence=rec["confidence"],
                           note=rec["note"] if isinstance(rec["note"], str) else "", **values))
    return tuple(rows)


def load_catalog(kind: str | None = None):
    """The accelerator catalog as a pandas DataFrame (a fresh copy), optionally one ``kind``.

    Columns: name, kind, vendor, dense_fp16_bf16_tflops, fp32_tflops, memory_gb,
    mem_bandwidth_gb_s, power_w, scaleup_link_gb_s, source, confidence, note, plus the derived
    ``ridge_fp16_flop_per_byte`` (peak / bandwidth, NaN where a figure is missing).

    >>> cat = load_catalog()
    >>> float(cat.set_index("name").loc["TPU v4", "dense_fp16_bf16_tflops"])
    275.0
    >>> sorted(load_catalog("TPU")["name"])[:2]
    ['TPU v3 (reference)', 'TPU v4']
    """
    import pandas as pd

    from course_kit.paths import data_path

    frame = pd.read_csv(data_path(CATALOG_FILE))
    if kind is not None:
        check_choice("kind", kind, sorted(frame["kind"].unique()))
        frame = frame[frame["kind"] == kind].reset_index(drop=True)
    frame["ridge_fp16_flop_per_byte"] = (
        frame["dense_fp16_bf16_tflops"] * 1e12 / (frame["mem_bandwidth_gb_s"] * 1e9)
    )
    return frame


def device_names() -> list[str]:
    """Names of the devices in the catalog, in file order."""
    return [d.name for d in _catalog_records()]


def get_device(name: str) -> Device:
    """The catalog row called ``name`` (exact name, see :func:`device_names`).

    >>> get_device("H100 SXM5 80GB").mem_bandwidth_gb_s
    3350.0
    """
    for d in _catalog_records():
        if d.name == name:
            return d
    check_choice("name", name, device_names())
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- roofline
def ridge_point_flop_per_byte(peak_tflops, bandwidth_gb_s) -> float:
    """Ridge point = peak / bandwidth, in FLOP per byte (Williams et al. 2009).

    >>> round(ridge_point_flop_per_byte(312, 2039), 2)     # A100 80GB, dense FP16 tensor
    153.02
    """
    peak = check_number("peak_tflops", peak_tflops, low=0, low_inclusive=False, high=_MAX_TFLOPS)
    bw = check_number("bandwidth_gb_s", bandwidth_gb_s, low=0, low_inclusive=False, high=_MAX_GB_S)
    return peak * 1e12 / (bw * 1e9)


def attainable_tflops(intensity_flop_per_byte, *, peak_tflops, bandwidth_gb_s) -> float:
    """Roofline: min(peak, intensity x bandwidth), in TFLOPS.

    intensity [FLOP/B] x bandwidth [GB/s] = GFLOP/s; divided by 1000 gives TFLOPS.

    >>> attainable_tflops(1000, peak_tflops=312, bandwidth_gb_s=1555)   # compute-bound
    312.0
    """
    ai = check_number("intensity_flop_per_byte", intensity_flop_per_byte, low=0, high=1e12)
    peak = check_number("peak_tflops", peak_tflops, low=0, low_inclusive=False, high=_MAX_TFLOPS)
    bw = check_number("bandwidth_gb_s", bandwidth_gb_s, low=0, low_inclusive=False, high=_MAX_GB_S)
    return min(peak, ai * bw / 1000.0)


def roofline_tflops(intensities_flop_per_byte, *, peak_tflops, bandwidth_gb_s) -> np.ndarray:
    """Vectorised :func:`attainable_tflops` over an array of intensities (for plots).

    >>> roofline_tflops([1, 100, 1000], peak_tflops=312, bandwidth_gb_s=1555).tolist()
    [1.555, 155.5, 312.0]
    """
    peak = check_number("peak_tflops", peak_tflops, low=0, low_inclusive=False, high=_MAX_TFLOPS)
    bw = check_number("bandwidth_gb_s", bandwidth_gb_s, low=0, low_inclusive=False, high=_MAX_GB_S)
    try:
        ai = np.asarray(intensities_flop_per_byte, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"intensities_flop_per_byte must be numbers >= 0; got {intensities_flop_per_byte!r}"
        ) from None
    if ai.ndim > 1 or not np.all(np.isfinite(ai)) or np.any(ai < 0):
        raise ValueError(
            f"intensities_flop_per_byte must be a 1-D list of finite numbers >= 0; "
            f"got {intensities_flop_per_byte!r}"
        )
    return np.minimum(peak, ai * bw / 1000.0)


def bound_by(intensity_flop_per_byte, *, peak_tflops, bandwidth_gb_s) -> str:
    """'memory' if the intensity is below the ridge point, else 'compute'.

    >>> bound_by(1.0, peak_tflops=989.4, bandwidth_gb_s=3350)
    'memory'
    """
    ai = check_number("intensity_flop_per_byte", intensity_flop_per_byte, low=0, high=1e12)
    return "memory" if ai < ridge_point_flop_per_byte(peak_tflops, bandwidth_gb_s) else "compute"


# --------------------------------------------------------------------------- intensities
def _dims(**dims) -> dict:
    return {k: check_int(k, v, low=1, high=10**7) for k, v in dims.items()}


def _dtype(dtype_bytes) -> float:
    return check_number("dtype_bytes", dtype_bytes, low=0.125, high=8)


def gemm_flops(m, n, k) -> float:
    """FLOPs of C[m,n] = A[m,k] @ B[k,n]: 2·m·n·k (one multiply and one add per term).

    >>> gemm_flops(2, 3, 4)
    48.0
    """
    d = _dims(m=m, n=n, k=k)
    return 2.0 * d["m"] * d["n"] * d["k"]


def gemm_bytes(m, n, k, dtype_bytes=2) -> float:
    """Minimum DRAM traffic of a GEMM: read A and B once, write C once: b·(m·k + k·n + m·n).

    >>> gemm_bytes(2, 3, 4, dtype_bytes=2)
    52.0
    """
    d = _dims(m=m, n=n, k=k)
    b = _dtype(dtype_bytes)
    return b * (d["m"] * d["k"] + d["k"] * d["n"] + d["m"] * d["n"])


def gemm_intensity(m, n, k, dtype_bytes=2) -> float:
    """Arithmetic intensity of a GEMM = 2mnk / (b·(mk + kn + mn)) FLOP per byte.

    Square n×n×n in 2-byte types: 2n³ / (6n²) = n/3. A matrix-vector product (n = 1) stays
    near 1 FLOP/byte whatever m and k: it is memory-bound on every accelerator in the catalog.

    >>> gemm_intensity(4096, 4096, 4096, dtype_bytes=2)   # = 4096/3
    1365.3333333333333
    >>> round(gemm_intensity(4096, 1, 4096, dtype_bytes=2), 4)
    0.9995
    """
    return gemm_flops(m, n, k) / gemm_bytes(m, n, k, dtype_bytes)


def elementwise_intensity(flops_per_element=1, inputs=2, outputs=1, dtype_bytes=2) -> float:
    """Intensity of an elementwise op = FLOPs per element / ((inputs + outputs) · b).

    Example: c = a + b in FP16 reads 2 and writes 1 two-byte value per FLOP: 1/6 FLOP per byte.

    >>> elementwise_intensity(1, inputs=2, outputs=1, dtype_bytes=2)
    0.16666666666666666
    """
    f = check_number("flops_per_element", flops_per_element, low=0, low_inclusive=False, high=1e6)
    i = check_int("inputs", inputs, low=0, high=64)
    o = check_int("outputs", outputs, low=1, high=64)
    return f / ((i + o) * _dtype(dtype_bytes))


def attention_decode_flops(batch, context_len, heads, head_dim) -> float:
    """FLOPs of one decode step of attention in one layer: Q·Kᵀ and P·V, each 2·b·h·L·d.

    Total 4·b·h·L·d (softmax ignored: O(b·h·L), negligible).

    >>> attention_decode_flops(1, 1024, 32, 128)
    16777216.0
    """
    d = _dims(batch=batch, context_len=context_len, heads=heads, head_dim=head_dim)
    return 4.0 * d["batch"] * d["heads"] * d["context_len"] * d["head_dim"]


def attention_decode_bytes(batch, context_len, heads, head_dim, kv_heads=None, dtype_bytes=2) -> float:
    """Bytes moved by one decode step of attention in one layer.

    The KV cache is read once: 2 (K and V) · b · L · h_kv · d · bytes; plus the new query read
    and the output written: 2 · b · h · d · bytes. ``kv_heads`` < ``heads`` is grouped-query
    attention (GQA); ``kv_heads = heads`` (default) is classic multi-head attention.

    >>> attention_decode_bytes(1, 1024, 32, 128)          # ≈ 16.8 MB of KV cache
    16793600.0
    """
    d = _dims(batch=batch, context_len=context_len, heads=heads, head_dim=head_dim)
    kv = d["heads"] if kv_heads is None else check_int("kv_heads", kv_heads, low=1, high=d["heads"])
    if d["heads"] % kv:
        raise ValueError(f"kv_heads must divide heads={d['heads']}; got {kv_heads!r}")
    b = _dtype(dtype_bytes)
    kv_cache = 2.0 * d["batch"] * d["context_len"] * kv * d["head_dim"] * b
    q_and_out = 2.0 * d["batch"] * d["heads"] * d["head_dim"] * b
    return kv_cache + q_and_out


def attention_decode_intensity(batch, context_len, heads, head_dim, kv_heads=None, dtype_bytes=2) -> float:
    """Intensity of attention decode ≈ 2·(h / h_kv) / bytes FLOP per byte.

    Every cached K/V element is used by one query token per sequence, so the intensity does
    not grow with batch or context: about 1 FLOP/byte for FP16 multi-head attention, far below
    every GPU's ridge point (memory-bound); GQA multiplies it by the group size h/h_kv.

    >>> round(attention_decode_intensity(8, 4096, 32, 128), 4)     # = L/(L+1)
    0.9998
    >>> round(attention_decode_intensity(8, 4096, 32, 128, kv_heads=8), 3)    # GQA, group of 4
    3.996
    """
    return attention_decode_flops(batch, context_len, heads, head_dim) / attention_decode_bytes(
        batch, context_len, heads, head_dim, kv_heads, dtype_bytes
    )


def roofline_time_s(flops, bytes_moved, *, peak_tflops, bandwidth_gb_s, efficiency=1.0) -> float:
    """Roofline time of a kernel: max(FLOPs / (e·peak), bytes / (e·bandwidth)).

    ``efficiency`` e in (0, 1] is the fraction of the peaks actually reached (an assumption;
    state it). The larger term names the bound.

    >>> roofline_time_s(2e12, 1e9, peak_tflops=1000, bandwidth_gb_s=1000)   # 2 ms compute vs 1 ms memory
    0.002
    """
    f = check_number("flops", flops, low=0, high=1e30)
    b = check_number("bytes_moved", bytes_moved, low=0, high=1e30)
    peak = check_number("peak_tflops", peak_tflops, low=0, low_inclusive=False, high=_MAX_TFLOPS)
    bw = check_number("bandwidth_gb_s", bandwidth_gb_s, low=0, low_inclusive=False, high=_MAX_GB_S)
    e = check_number("efficiency", efficiency, low=0, low_inclusive=False, high=1)
    t = max(f / (peak * 1e12) / e, b / (bw * 1e9) / e)
    if not math.isfinite(t):
        raise ValueError(f"efficiency {e:g} with peak_tflops {peak:g} and bandwidth_gb_s {bw:g} gives no "
                         "finite time: use realistic values (efficiency in (0, 1], positive peaks)")
    return t


# --------------------------------------------------------------------------- cost
def time_per_million_s(throughput_per_s) -> float:
    """Seconds to serve one million inferences at ``throughput_per_s`` = 10^6 / throughput.

    >>> time_per_million_s(10_000)
    100.0
    """
    t = check_number("throughput_per_s", throughput_per_s, low=0, low_inclusive=False, high=1e15)
    return 1e6 / t


def cost_per_million_usd(throughput_per_s, price_usd_per_hour) -> float:
    """Cost of one million inferences = price per hour / 3600 × (10^6 / throughput).

    Example (prices from docs/sources.md#cloud-prices): one H100 at $12.29/h serving 20,000 inferences/s costs
    12.29 × 50 / 3600 ≈ $0.17 per million.

    >>> round(cost_per_million_usd(20_000, 12.29), 4)
    0.1707
    """
    p = check_number("price_usd_per_hour", price_usd_per_hour, low=0, high=1e6)
    return p / 3600.0 * time_per_million_s(throughput_per_s)


# --------------------------------------------------------------------------- serving (course text Q2)
@dataclass(frozen=True)
class ServingAssumptions:
    """Stated, overridable assumptions of the course text's Q2 sizing (10,000 req/s, < 50 ms, 500 MB).

    * ``model_bytes``: weights read from memory once per batch (500 MB in the course text).
    * ``bytes_per_param``: 4 (FP32 checkpoint) ⇒ 125 M parameters.
    * ``flops_per_param``: 2 FLOPs per parameter per request (one multiply-add per weight; a
      dense network). A recommender whose 500 MB is mostly embedding tables does far fewer
      FLOPs (lookups): lower this and the CPU case gets easier.
    * ``efficiency``: fraction of the peaks reached in practice (0.3 is an assumption).
    * ``target_utilisation``: run devices at most this busy to absorb bursts (0.7, assumption).
    * ``latency_factor``: a request waits for the batch in flight, then its own batch runs:
      latency ≈ 2 × batch time (dynamic batching, worst case).
    * ``max_batch``: largest batch considered.
    * ``spare_devices``: N+1 redundancy.
    """

    requests_per_s: float = 10_000.0
    latency_slo_ms: float = 50.0
    model_bytes: float = 500e6
    bytes_per_param: float = 4.0
    flops_per_param: float = 2.0
    efficiency: float = 0.3
    target_utilisation: float = 0.7
    latency_factor: float = 2.0
    max_batch: int = 1024
    spare_devices: int = 1

    def __post_init__(self):
        check_number("requests_per_s", self.requests_per_s, low=0, low_inclusive=False, high=1e9)
        check_number("latency_slo_ms", self.latency_slo_ms, low=0, low_inclusive=False, high=1e6)
        check_number("model_bytes", self.model_bytes, low=0, low_inclusive=False, high=1e13)
        check_number("bytes_per_param", self.bytes_per_param, low=0.125, high=8)
        check_number("flops_per_param", self.flops_per_param, low=0, low_inclusive=False, high=1e6)
        check_number("efficiency", self.efficiency, low=0, low_inclusive=False, high=1)
        check_number("target_utilisation", self.target_utilisation, low=0, low_inclusive=False, high=1)
        check_number("latency_factor", self.latency_factor, low=1, high=100)
        check_int("max_batch", self.max_batch, low=1, high=10**6)
        check_int("spare_devices", self.spare_devices, low=0, high=1000)

    @property
    def params(self) -> float:
        return self.model_bytes / self.bytes_per_param

    @property
    def flops_per_request(self) -> float:
        return self.flops_per_param * self.params


@dataclass(frozen=True)
class ServingPlan:
    """The result of :func:`serving_plan` for one device."""

    device: str
    precision: str
    batch_size: int
    batch_time_ms: float
    latency_ms: float
    bound: str
    throughput_per_device: float
    devices: int
    devices_with_spares: int
    power_w: float | None
    meets_slo: bool
    assumptions: ServingAssumptions = field(repr=False)

    @property
    def fleet_power_kw(self) -> float | None:
        return None if self.power_w is None else self.power_w * self.devices_with_spares / 1000.0


def _batch_time_s(b: int, dev_peak: float, dev_bw: float, a: ServingAssumptions) -> float:
    return roofline_time_s(b * a.flops_per_request, a.model_bytes,
                           peak_tflops=dev_peak, bandwidth_gb_s=dev_bw, efficiency=a.efficiency)


def serving_plan(device: str, precision: str | None = None,
                 assumptions: ServingAssumptions | None = None, **overrides) -> ServingPlan:
    """How many ``device`` units serve ``requests_per_s`` within ``latency_slo_ms`` (course text Q2).

    Model (roofline per batch, every assumption in :class:`ServingAssumptions`):

        batch time t(b) = max(b·F / (e·peak), M / (e·bandwidth))   F = FLOPs/request, M = weight bytes
        latency        ≈ latency_factor · t(b)      must be ≤ SLO
        throughput     = b / t(b) per device; devices = ceil(rate / (throughput · utilisation))

    The largest batch that meets the SLO is used (throughput grows with b). ``precision``
    defaults to 'fp16' (tensor cores) for GPUs/TPUs and 'fp32' for CPUs. Keyword ``overrides``
    replace fields of the assumptions, e.g. ``serving_plan("MI300X", efficiency=0.5)``.

    >>> p = serving_plan("A100 SXM4 80GB")
    >>> p.devices, p.devices_with_spares, p.bound
    (1, 2, 'compute')
    """
    a = assumptions if assumptions is not None else ServingAssumptions()
    if not isinstance(a, ServingAssumptions):
        raise ValueError(f"assumptions must be a ServingAssumptions; got {type(a).__name__}")
    if overrides:
        bad = sorted(set(overrides) - set(ServingAssumptions.__dataclass_fields__))
        if bad:
            raise ValueError(
                f"unknown assumption {bad[0]!r}; valid: {', '.join(ServingAssumptions.__dataclass_fields__)}"
            )
        a = replace(a, **overrides)
    dev = get_device(device)
    if precision is None:
        precision = "fp32" if dev.kind == "CPU" else "fp16"
    peak = dev.peak_tflops(precision)
    bw = dev.bandwidth_gb_s()
    if dev.memory_gb is not None and a.model_bytes > dev.memory_gb * 1e9:
        raise ValueError(
            f"model_bytes={a.model_bytes:g} does not fit in {dev.name} memory ({dev.memory_gb:g} GB)"
        )
    budget_s = a.latency_slo_ms / 1000.0 / a.latency_factor
    per_request_s = a.flops_per_request / (a.efficiency * peak * 1e12)
    weights_s = a.model_bytes / (a.efficiency * bw * 1e9)
    meets = weights_s <= budget_s and per_request_s <= budget_s
    if meets:
        # largest b with max(b·per_request, weights) <= budget
        # (a vanishing per-request cost, e.g. model_bytes=1e-302, makes the ratio inf: the batch cap wins)
        fits = budget_s / per_request_s * (1 + 1e-12) if per_request_s > 0 else math.inf
        b = int(a.max_batch) if fits >= a.max_batch else max(1, math.floor(fits))
    else:
        b = 1
    t = _batch_time_s(b, peak, bw, a)
    throughput = b / t
    devices = math.ceil(a.requests_per_s / (throughput * a.target_utilisation) - 1e-9)
    bound = "compute" if b * per_request_s >= weights_s else "memory"
    return ServingPlan(
        device=dev.name, precision=precision, batch_size=b, batch_time_ms=t * 1000.0,
        latency_ms=a.latency_factor * t * 1000.0, bound=bound, throughput_per_device=throughput,
        devices=max(1, devices), devices_with_spares=max(1, devices) + a.spare_devices,
        power_w=dev.power_w, meets_slo=meets, assumptions=a,
    )


def compare_serving(devices, prices_usd_per_hour=None, **overrides):
    """A DataFrame of :func:`serving_plan` for several devices (one row each).

    ``prices_usd_per_hour`` (optional, device name → $/h per device) adds fleet cost per hour
    and cost per million requests (at the served rate, spares included).
    """
    import pandas as pd

    if isinstance(devices, str) or not hasattr(devices, "__iter__"):
        raise ValueError(f"devices must be a list of catalog names; got {devices!r}")
    prices = dict(prices_usd_per_hour or {})
    rows = []
    for name in devices:
        p = serving_plan(name, **overrides)
        row = {
            "device": p.device, "precision": p.precision, "batch": p.batch_size,
            "batch_ms": round(p.batch_time_ms, 3), "latency_ms": round(p.latency_ms, 3),
            "bound": p.bound, "req_per_s_per_device": round(p.throughput_per_device),
            "devices": p.devices, "with_spares": p.devices_with_spares,
            "fleet_kw": None if p.fleet_power_kw is None else round(p.fleet_power_kw, 2),
            "meets_slo": p.meets_slo,
        }
        if name in prices:
            hourly = check_number(f"price for {name!r}", prices[name], low=0, high=1e6) * p.devices_with_spares
            row["fleet_usd_per_h"] = round(hourly, 2)
            row["usd_per_million_req"] = round(cost_per_million_usd(p.assumptions.requests_per_s, hourly), 4)
        rows.append(row)
    return pd.DataFrame(rows)
