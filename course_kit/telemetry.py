"""A real Prometheus exporter for an ML node, a scrape helper and pipeline tracing (section 6).

The course text's ``MLInfrastructureTelemetry`` is a stub: it calls ``start_http_server(8000)`` (every
interface, a fixed port, the process-global registry, no way to stop), blocks one second per
sample in ``psutil.cpu_percent(interval=1)``, reads GPUs with GPUtil and reports ``0`` W when the
power reading is missing. This module turns it into something that runs:

* :class:`TelemetryExporter` serves ``/metrics`` (``prometheus_client.make_wsgi_app`` on a wsgiref
  server it owns) from its **own** ``CollectorRegistry`` on
  ``127.0.0.1`` by default, on a port you choose (``0`` = any free port), starts and stops cleanly
  (context manager) and releases the port on stop.
* System metrics come from psutil, read **at scrape time** by a custom collector (the pattern the
  Prometheus "Writing exporters" guide recommends), in base units with Prometheus' suffixes
  (``_bytes``, ``_hertz``, ``_ratio`` 0-1, ``_seconds_total`` counters): ``promtool check metrics``
  finds nothing to warn about on a live scrape. CPU utilisation is computed from
  ``psutil.cpu_times()`` deltas kept in one :class:`CpuSampler` (the course text's
  ``cpu_percent`` read 0 % through the exporter: psutil keeps its baseline per thread, and every
  scrape runs in a new thread).
* GPU metrics are named and labelled as NVIDIA's DCGM exporter does (:data:`DCGM_FIELDS`:
  ``DCGM_FI_DEV_GPU_UTIL``, ``DCGM_FI_DEV_FB_USED``, ``DCGM_FI_PROF_SM_ACTIVE``, ... with ``gpu``,
  ``UUID``, ``modelName`` labels), from NVML (``nvidia-ml-py``) when a GPU and driver are present.
  Without one the exporter says so — ``gpu_available 0`` and
  ``gpu_status_info{status="unavailable",reason=...}`` — and publishes **no** GPU numbers (no fake
  zeros). :func:`simulated_gpu_status` is a teaching source, labelled ``source="simulated"``.
  Why "GPU utilisation 100 %" can mean one busy SM: ``DCGM_FI_DEV_GPU_UTIL`` is NVML's "percent of
  time one or more kernels was executing", so one tiny kernel keeps it at 100 %;
  ``DCGM_FI_PROF_SM_ACTIVE`` (fraction of cycles an SM has a warp, averaged over SMs) and
  ``DCGM_FI_PROF_SM_OCCUPANCY`` show how much of the GPU is busy.
* The course text's instrumentation is kept: the job counter ``ml_jobs_total{status,user}``, the
  latency histogram ``inference_latency_seconds`` and ``model_accuracy{model_name,version}``
  (a 0-1 ratio); plus ``pipeline_stage_seconds{stage}`` for tracing.
* :func:`scrape` fetches the text over HTTP (urllib) and :func:`parse_exposition` parses it with
  ``prometheus_client.parser`` into a pandas DataFrame.
* :class:`PipelineTracer` records ``(request_id, stage, timestamp)`` trace records; the per-stage
  breakdown is section 1's :func:`course_kit.lifecycle.stage_breakdown` (imported, not rewritten).

Sources: prometheus_client documentation ("Exporting", "Custom Collectors", "Parser");
Prometheus docs "Writing exporters" and "Metric and label naming" (base units, ``_total``, ratios
not percentages) and ``promtool check metrics``; NVIDIA dcgm-exporter ``etc/default-counters.csv``
(names, units, labels) and DCGM User Guide "Profiling metrics" (SM_ACTIVE, SM_OCCUPANCY);
``docs/sources.md#erratum-60``; NVML API reference (``docs/sources.md#src-nvml``: ``nvmlUtilization_t``,
``nvmlDeviceGetUtilizationRates``, ``nvmlDeviceGetMemoryInfo``, ``nvmlDeviceGetTemperature``,
``nvmlDeviceGetPowerUsage`` in milliwatts).

>>> with TelemetryExporter(port=0) as exporter:
...     exporter.record_job("succeeded", "alice")
...     frame = scrape(exporter.url)
>>> float(metric_value(frame, "ml_jobs_total", status="succeeded", user="alice"))
1.0
"""

from __future__ import annotations

import ipaddress
import math
import numbers
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from course_kit._validate import check_choice, check_int, check_number

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DEFAULT_ADDR",
    "JOB_STATUSES",
    "LATENCY_BUCKETS_S",
    "GpuReading",
    "GpuStatus",
    "gpu_status",
    "simulated_gpu_status",
    "SIMULATED_SCENARIOS",
    "DCGM_FIELDS",
    "DCGM_LABELS",
    "CpuSampler",
    "system_snapshot",
    "TelemetryExporter",
    "parse_exposition",
    "scrape",
    "metric_value",
    "histogram_quantile",
    "PipelineTracer",
    "pipeline_breakdown",
]

DEFAULT_ADDR = "127.0.0.1"
"""Loopback only: a metrics endpoint exposes host details and must not face the network by default."""

JOB_STATUSES = ("succeeded", "failed", "preempted", "cancelled")
"""Values of the ``status`` label of ``ml_jobs_total`` (a closed set keeps label cardinality bounded)."""

LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Histogram upper bounds in seconds (prometheus_client's defaults, with 1 ms and 2.5 ms added
for online inference)."""



# --------------------------------------------------------------------------------------------
# GPU readings: NVML (real), or a simulated source for teaching (labelled as such)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GpuReading:
    """One GPU, in the units the DCGM exporter publishes. ``None`` = not available from this source.

    ``gpu_util_percent``: NVML's utilisation counter ("percent of time over the past sample period
    during which one or more kernels was executing"). ``sm_active`` / ``sm_occupancy`` /
    ``tensor_active`` / ``dram_active``: DCGM profiling ratios (0-1), which NVML does not provide.
    """

    index: int
    uuid: str
    model_name: str
    gpu_util_percent: float | None = None
    fb_used_mib: float | None = None
    fb_free_mib: float | None = None
    temperature_c: float | None = None
    power_w: float | None = None
    sm_clock_mhz: float | None = None
    sm_active: float | None = None
    sm_occupancy: float | None = None
    tensor_active: float | None = None
    dram_active: float | None = None


@dataclass(frozen=True)
class GpuStatus:
    """Whether GPUs were found; ``reason`` says why not (e.g. "NVML Shared Library Not Found").

    ``source`` is ``"nvml"`` or ``"simulated"``: simulated readings are teaching data, never a
    measurement, and the exporter labels them so (``gpu_status_info{source="simulated"}``).
    """

    available: bool
    reason: str
    driver_version: str | None = None
    gpus: tuple[GpuReading, ...] = field(default_factory=tuple)
    source: str = "nvml"

    @property
    def label(self) -> str:
        """One line for a notebook: ``"2 GPU(s), driver 550.54"`` or ``"no GPU: <reason>"``."""
        if self.available:
            sim = "SIMULATED " if self.source == "simulated" else ""
            return f"{len(self.gpus)} {sim}GPU(s), driver {self.driver_version}"
        return f"no GPU: {self.reason}"


def _nvml_query(fn: Callable[[], object]):
    """Call one NVML query; ``None`` when the device does not support it (never a fake 0)."""
    import pynvml

    try:
        return fn()
    except pynvml.NVMLError:
        return None


def _nvml_reading(pynvml, i: int) -> GpuReading:
    handle = pynvml.nvmlDeviceGetHandleByIndex(i)
    q = _nvml_query
    util = q(lambda: pynvml.nvmlDeviceGetUtilizationRates(handle))
    mem = q(lambda: pynvml.nvmlDeviceGetMemoryInfo(handle))
    power_mw = q(lambda: pynvml.nvmlDeviceGetPowerUsage(handle))
    return GpuReading(
        index=i,
        uuid=_decode(q(lambda: pynvml.nvmlDeviceGetUUID(handle))) or f"unknown-{i}",
        model_name=_decode(q(lambda: pynvml.nvmlDeviceGetName(handle))) or "unknown",
        gpu_util_percent=None if util is None else float(util.gpu),
        fb_used_mib=None if mem is None else mem.used / 2**20,
        fb_free_mib=None if mem is None else mem.free / 2**20,
        temperature_c=_float(q(lambda: pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU))),
        power_w=None if power_mw is None else power_mw / 1000.0,
        sm_clock_mhz=_float(q(lambda: pynvml.nvmlDeviceGetClockInfo(handle, pynvml.NVML_CLOCK_SM))),
    )


def _float(value) -> float | None:
    return None if value is None else float(value)


def gpu_status() -> GpuStatus:
    """Read every GPU through NVML, or explain why there is none.

    Utilisation ``nvmlDeviceGetUtilizationRates().gpu`` (%), memory ``nvmlDeviceGetMemoryInfo``
    (bytes → MiB, as DCGM reports FB_USED), temperature (°C), power ``nvmlDeviceGetPowerUsage``
    (mW → W), SM clock ``nvmlDeviceGetClockInfo(NVML_CLOCK_SM)`` (MHz). Profiling ratios (SM active,
    occupancy) need DCGM and stay ``None``. Source: NVML API reference.

    >>> status = gpu_status()
    >>> status.available or status.label.startswith("no GPU")
    True
    """
    try:
        import pynvml
    except ImportError as exc:  # pragma: no cover - nvidia-ml-py is a dependency
        return GpuStatus(False, f"nvidia-ml-py is not installed ({exc})")
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return GpuStatus(False, str(exc) or type(exc).__name__)
    except OSError as exc:  # pragma: no cover - broken driver install
        return GpuStatus(False, f"NVML could not be loaded ({exc})")
    try:  # pragma: no cover - this course machine has no GPU
        driver = _nvml_query(pynvml.nvmlSystemGetDriverVersion)
        count = _nvml_query(pynvml.nvmlDeviceGetCount) or 0
        readings = [_nvml_reading(pynvml, i) for i in range(int(count))]
        if not readings:
            return GpuStatus(False, "NVML found no GPU devices", _decode(driver))
        return GpuStatus(True, "ok", _decode(driver), tuple(readings))
    finally:
        try:
            pynvml.nvmlShutdown()
        except pynvml.NVMLError:  # pragma: no cover
            pass


def _decode(value) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


SIMULATED_SCENARIOS = {
    # name: (GPU_UTIL %, SM_ACTIVE, SM_OCCUPANCY, TENSOR_ACTIVE, DRAM_ACTIVE, power W)
    "idle": (0.0, 0.0, 0.0, 0.0, 0.0, 62.0),
    "one_tiny_kernel": (100.0, 1 / 108, 0.004, 0.0, 0.01, 95.0),
    "memory_bound": (100.0, 0.93, 0.45, 0.05, 0.78, 310.0),
    "tensor_training": (100.0, 0.97, 0.38, 0.62, 0.55, 395.0),
}
"""Simulated A100-SXM4-80GB states (108 SMs). ``one_tiny_kernel``: a single one-block kernel
always running: NVML utilisation 100 % while 1 of 108 SMs is busy (SM_ACTIVE ≈ 0.009). Values are
illustrative, chosen to match the definitions (NVML ``nvmlUtilization_t``; DCGM User Guide,
profiling metrics), not measured."""


def simulated_gpu_status(scenario: str = "one_tiny_kernel", *, gpus: int = 1) -> GpuStatus:
    """A clearly labelled **simulated** GPU source for teaching (there is no GPU here).

    Every reading's ``model_name`` starts with ``SIMULATED``, the UUIDs are ``GPU-SIMULATED-<i>``
    and the status ``source`` is ``"simulated"``.

    >>> s = simulated_gpu_status("one_tiny_kernel")
    >>> s.gpus[0].gpu_util_percent, round(s.gpus[0].sm_active, 4), s.gpus[0].model_name
    (100.0, 0.0093, 'SIMULATED NVIDIA A100-SXM4-80GB')
    """
    util, sm_active, occ, tensor, dram, power = SIMULATED_SCENARIOS[check_choice("scenario", scenario, tuple(SIMULATED_SCENARIOS))]
    gpus = check_int("gpus", gpus, low=1, high=16)
    total_mib = 81920.0
    used = 0.0 if scenario == "idle" else 61440.0
    readings = tuple(
        GpuReading(index=i, uuid=f"GPU-SIMULATED-{i:04d}", model_name="SIMULATED NVIDIA A100-SXM4-80GB",
                   gpu_util_percent=util, fb_used_mib=used, fb_free_mib=total_mib - used, temperature_c=34.0 + power / 10,
                   power_w=power, sm_clock_mhz=1410.0,
                   sm_active=sm_active, sm_occupancy=occ, tensor_active=tensor, dram_active=dram)
        for i in range(gpus)
    )
    return GpuStatus(True, f"simulated scenario {scenario!r} (teaching data, not a measurement)",
                     "simulated", readings, source="simulated")


# --------------------------------------------------------------------------------------------
# System (psutil): CPU from cpu_times deltas kept in one place
# --------------------------------------------------------------------------------------------


class CpuSampler:
    """System-wide CPU busy fraction between successive :meth:`sample` calls, from
    ``psutil.cpu_times()`` deltas.

    busy = Δ(total − idle − iowait) / Δtotal, where total sums every mode except ``guest`` and
    ``guest_nice`` (already inside ``user``/``nice`` on Linux): psutil's own ``cpu_percent``
    formula. The previous reading is kept here, under a lock, so it does not matter which thread
    calls: ``psutil.cpu_percent(None)`` keeps its baseline per calling thread, and each scrape of a
    threading HTTP server runs in a new thread, so it returned 0.0 every time.

    >>> sampler = CpuSampler()
    >>> 0.0 <= sampler.sample() <= 1.0
    True
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._last = self._read()

    @staticmethod
    def _read() -> tuple[float, float]:
        import psutil

        t = psutil.cpu_times()
        fields = t._asdict()
        total = sum(v for k, v in fields.items() if k not in ("guest", "guest_nice"))
        idle = fields.get("idle", 0.0) + fields.get("iowait", 0.0)
        return total, total - idle

    def sample(self) -> float:
        """Busy fraction (0-1) since the previous call (or since construction)."""
        now = self._read()
        with self._lock:
            last, self._last = self._last, now
        d_total, d_busy = now[0] - last[0], now[1] - last[1]
        if d_total <= 0:
            return 0.0
        return min(1.0, max(0.0, d_busy / d_total))


_DEFAULT_SAMPLER: CpuSampler | None = None
_DEFAULT_LOCK = threading.Lock()


def _default_sampler() -> CpuSampler:
    global _DEFAULT_SAMPLER
    with _DEFAULT_LOCK:
        if _DEFAULT_SAMPLER is None:
            _DEFAULT_SAMPLER = CpuSampler()
        return _DEFAULT_SAMPLER


def system_snapshot(sampler: CpuSampler | None = None) -> dict:
    """Current system metrics from psutil, without blocking.

    ``cpu_utilization_ratio`` is ``sampler.sample()`` (busy fraction since that sampler's previous
    call; a module-wide sampler by default). The course text's ``cpu_percent(interval=1)`` blocks
    the caller for one second per sample. Values a platform does not provide (CPU frequency,
    temperatures, disk counters in some containers) are left out rather than reported as 0.

    >>> snap = system_snapshot()
    >>> 0 <= snap["memory_used_bytes"] <= snap["memory_total_bytes"], 0 <= snap["cpu_utilization_ratio"] <= 1
    (True, True)
    """
    import psutil

    if sampler is not None and not isinstance(sampler, CpuSampler):
        raise ValueError(f"sampler must be a CpuSampler or None; got {type(sampler).__name__}")
    snap: dict = {"timestamp_s": time.time()}
    snap["cpu_utilization_ratio"] = (sampler or _default_sampler()).sample()
    snap["cpus"] = psutil.cpu_count(logical=True) or 0
    times = psutil.cpu_times()._asdict()
    snap["cpu_seconds_by_mode"] = {k: float(v) for k, v in times.items() if k not in ("guest", "guest_nice")}
    try:
        one, five, fifteen = psutil.getloadavg()
        snap.update(load_1m=one, load_5m=five, load_15m=fifteen)
    except (AttributeError, OSError):  # pragma: no cover - not on every platform
        pass
    try:
        freq = psutil.cpu_freq()
        if freq is not None and freq.current > 0:
            snap["cpu_frequency_hz"] = float(freq.current) * 1e6
    except (AttributeError, OSError, NotImplementedError):  # pragma: no cover
        pass
    vm = psutil.virtual_memory()
    snap.update(
        memory_total_bytes=int(vm.total),
        memory_available_bytes=int(vm.available),
        memory_used_bytes=int(vm.total - vm.available),
    )
    swap = psutil.swap_memory()
    snap.update(swap_total_bytes=int(swap.total), swap_used_bytes=int(swap.used))
    disk = psutil.disk_usage("/")
    snap.update(filesystem_size_bytes=int(disk.total), filesystem_used_bytes=int(disk.used))
    io = psutil.disk_io_counters()
    if io is not None:
        snap.update(
            disk_reads=int(io.read_count),
            disk_writes=int(io.write_count),
            disk_read_bytes=int(io.read_bytes),
            disk_written_bytes=int(io.write_bytes),
        )
    net = psutil.net_io_counters()
    if net is not None:
        snap.update(
            network_received_bytes=int(net.bytes_recv),
            network_transmitted_bytes=int(net.bytes_sent),
            network_received_packets=int(net.packets_recv),
            network_transmitted_packets=int(net.packets_sent),
        )
    temps = getattr(psutil, "sensors_temperatures", None)
    if temps is not None:
        try:
            readings = [t.current for group in temps().values() for t in group if t.current]
        except (OSError, RuntimeError):  # pragma: no cover
            readings = []
        if readings:
            snap["cpu_temperature_c_max"] = float(max(readings))
    return snap


# --------------------------------------------------------------------------------------------
# Collectors (read at scrape time)
# --------------------------------------------------------------------------------------------


class _SystemCollector:
    """Yields psutil readings as metric families on every scrape, in base units (promtool-clean)."""

    def __init__(self):
        self._sampler = CpuSampler()

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        snap = system_snapshot(self._sampler)
        gauges = {
            "system_cpu_utilization_ratio": ("cpu_utilization_ratio", "CPU busy fraction (0-1) since the previous scrape, from cpu_times deltas."),
            "system_cpus": ("cpus", "Logical CPUs."),
            "system_cpu_frequency_hertz": ("cpu_frequency_hz", "Current CPU frequency (psutil.cpu_freq, MHz x 1e6)."),
            "system_cpu_temperature_celsius": ("cpu_temperature_c_max", "Hottest temperature sensor (psutil.sensors_temperatures)."),
            "system_memory_total_bytes": ("memory_total_bytes", "Physical memory."),
            "system_memory_available_bytes": ("memory_available_bytes", "Memory available without swapping."),
            "system_memory_used_bytes": ("memory_used_bytes", "total - available."),
            "system_swap_used_bytes": ("swap_used_bytes", "Swap in use."),
            "system_filesystem_size_bytes": ("filesystem_size_bytes", "Size of the filesystem holding /."),
            "system_filesystem_used_bytes": ("filesystem_used_bytes", "Used bytes of the filesystem holding /."),
        }
        for name, (key, doc) in gauges.items():
            if key in snap:
                yield GaugeMetricFamily(name, doc, value=snap[key])
        cpu = CounterMetricFamily("system_cpu_seconds", "CPU time spent in each mode, all CPUs (psutil.cpu_times).", labels=["mode"])
        for mode, seconds in snap["cpu_seconds_by_mode"].items():
            cpu.add_metric([mode], seconds)
        yield cpu
        if "load_1m" in snap:
            load = GaugeMetricFamily("system_load_average", "Run-queue load average.", labels=["period"])
            for period in ("1m", "5m", "15m"):
                load.add_metric([period], snap[f"load_{period}"])
            yield load
        counters = {
            "system_disk_reads": ("disk_reads", "Completed disk reads (all disks)."),
            "system_disk_writes": ("disk_writes", "Completed disk writes (all disks)."),
            "system_disk_read_bytes": ("disk_read_bytes", "Bytes read from disk."),
            "system_disk_written_bytes": ("disk_written_bytes", "Bytes written to disk."),
            "system_network_received_bytes": ("network_received_bytes", "Bytes received (all NICs)."),
            "system_network_transmitted_bytes": ("network_transmitted_bytes", "Bytes sent (all NICs)."),
            "system_network_received_packets": ("network_received_packets", "Packets received."),
            "system_network_transmitted_packets": ("network_transmitted_packets", "Packets sent."),
        }
        for name, (key, doc) in counters.items():
            if key in snap:
                yield CounterMetricFamily(name, doc, value=snap[key])


DCGM_FIELDS = {
    # DCGM exporter name: (GpuReading attribute, type, help text as in dcgm-exporter default-counters.csv)
    "DCGM_FI_DEV_GPU_UTIL": ("gpu_util_percent", "gauge", "GPU utilization (in %)."),
    "DCGM_FI_DEV_FB_USED": ("fb_used_mib", "gauge", "Framebuffer memory used (in MiB)."),
    "DCGM_FI_DEV_FB_FREE": ("fb_free_mib", "gauge", "Framebuffer memory free (in MiB)."),
    "DCGM_FI_DEV_GPU_TEMP": ("temperature_c", "gauge", "GPU temperature (in C)."),
    "DCGM_FI_DEV_POWER_USAGE": ("power_w", "gauge", "Power draw (in W)."),
    "DCGM_FI_DEV_SM_CLOCK": ("sm_clock_mhz", "gauge", "SM clock frequency (in MHz)."),
    "DCGM_FI_PROF_SM_ACTIVE": ("sm_active", "gauge", "The ratio of cycles an SM has at least 1 warp assigned."),
    "DCGM_FI_PROF_SM_OCCUPANCY": ("sm_occupancy", "gauge", "The ratio of number of warps resident on an SM."),
    "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE": ("tensor_active", "gauge", "Ratio of cycles the tensor (HMMA) pipe is active."),
    "DCGM_FI_PROF_DRAM_ACTIVE": ("dram_active", "gauge", "Ratio of cycles the device memory interface is active sending or receiving data."),
}
"""GPU metrics exactly as NVIDIA's dcgm-exporter names them (``etc/default-counters.csv``; SM_ACTIVE
and SM_OCCUPANCY are commented out there and need a custom counters file). Labels: ``gpu``,
``UUID``, ``device``, ``modelName``, ``Hostname``. DCGM's naming breaks two Prometheus conventions
and ``promtool check metrics`` says so: the label ``modelName`` is camelCase (kept: dashboards and
alerts select on it, so a GPU-bearing scrape carries that one lint finding), and the energy counter
``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`` (mJ) has no ``_total`` suffix (left out here;
``prometheus_client`` cannot emit a counter without it). Units are DCGM's (%, MiB, MHz): divide
GPU_UTIL by 100 and multiply MiB by 2**20 before mixing with base-unit metrics."""

DCGM_LABELS = ("gpu", "UUID", "device", "modelName", "Hostname")


class _GpuCollector:
    """Yields GPU readings under DCGM exporter names, or an explicit "unavailable" status and no GPU numbers."""

    def __init__(self, reader: Callable[[], GpuStatus] = gpu_status):
        self._reader = reader
        import socket

        self._host = socket.gethostname()

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily

        status = self._reader()
        yield GaugeMetricFamily(
            "gpu_available", "1 if a GPU source reports at least one GPU, else 0.", value=int(status.available)
        )
        yield InfoMetricFamily(
            "gpu_status",
            "Why GPU metrics are (not) present, and where they come from (nvml or simulated).",
            value={
                "status": "ok" if status.available else "unavailable",
                "source": status.source,
                "reason": status.reason,
                "driver_version": status.driver_version or "",
            },
        )
        if not status.available:
            return
        for name, (attr, _kind, doc) in DCGM_FIELDS.items():
            fam = GaugeMetricFamily(name, doc, labels=list(DCGM_LABELS))
            for gpu in status.gpus:
                value = getattr(gpu, attr)
                if value is not None:  # unsupported query: no sample, not a fake 0
                    fam.add_metric([str(gpu.index), gpu.uuid, f"nvidia{gpu.index}", gpu.model_name, self._host], value)
            if fam.samples:
                yield fam


# --------------------------------------------------------------------------------------------
# The exporter
# --------------------------------------------------------------------------------------------


def _make_server(addr: str, port: int, registry):
    """A threading wsgiref server for ``make_wsgi_app(registry)`` (IPv4 or IPv6), quiet logs."""
    import socket
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from prometheus_client import make_wsgi_app

    class _Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True
        allow_reuse_address = True
        address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET

    class _QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - signature of the base class
            pass

    return make_server(addr, port, make_wsgi_app(registry), _Server, handler_class=_QuietHandler)


def _check_addr(addr, allow_remote: bool) -> str:
    if not isinstance(addr, str):
        raise ValueError(f"addr must be an IP address string such as '127.0.0.1'; got {addr!r}")
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        raise ValueError(f"addr must be an IP address such as '127.0.0.1' or '::1'; got {addr!r}") from None
    if not ip.is_loopback and not allow_remote:
        raise ValueError(
            f"addr must be a loopback address (127.0.0.1 or ::1) unless allow_remote=True; got {addr!r}"
            " (a metrics endpoint on every interface exposes host details to the network)"
        )
    return addr


def _check_label(name: str, value) -> str:
    """A label value: any printable text of 1-128 characters (Prometheus allows any UTF-8)."""
    if not isinstance(value, str) or not 1 <= len(value) <= 128 or not value.isprintable():
        raise ValueError(f"{name} must be printable text of 1-128 characters; got {value!r}")
    return value


class TelemetryExporter:
    """A Prometheus ``/metrics`` endpoint for one node, on its own registry.

    ``port=0`` asks the OS for any free port (read it back from :attr:`port`). ``addr`` defaults to
    ``127.0.0.1``; a non-loopback address needs ``allow_remote=True``. Use it as a context manager
    (or call :meth:`start` / :meth:`stop`); ``stop`` shuts the server down, closes the listening
    socket and joins its thread, so the port is free again.

    >>> exporter = TelemetryExporter(port=0, collect_system=False, collect_gpu=False)
    >>> exporter.observe_inference(0.012)
    >>> b"inference_latency_seconds_count 1.0" in exporter.exposition()
    True
    >>> exporter.running
    False
    """

    def __init__(
        self,
        port: int = 0,
        addr: str = DEFAULT_ADDR,
        *,
        allow_remote: bool = False,
        collect_system: bool = True,
        collect_gpu: bool = True,
        gpu_reader: Callable[[], GpuStatus] = gpu_status,
    ):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self._requested_port = check_int("port", port, low=0, high=65535)
        self.addr = _check_addr(addr, bool(allow_remote))
        self.registry = CollectorRegistry(auto_describe=True)
        # The course text's four instruments, on this exporter's registry (never the global one).
        self.job_counter = Counter(
            "ml_jobs", "ML jobs finished, by final status and user.", ["status", "user"],
            registry=self.registry,
        )
        self.inference_latency = Histogram(
            "inference_latency_seconds", "Inference request latency.",
            buckets=LATENCY_BUCKETS_S, registry=self.registry,
        )
        self.model_accuracy = Gauge(
            "model_accuracy", "Offline accuracy of a deployed model version (0-1).",
            ["model_name", "version"], registry=self.registry,
        )
        self.stage_latency = Histogram(
            "pipeline_stage_seconds", "Time spent in each pipeline stage (from trace records).",
            ["stage"], buckets=LATENCY_BUCKETS_S, registry=self.registry,
        )
        if collect_system:
            self.registry.register(_SystemCollector())
        if collect_gpu:
            self.registry.register(_GpuCollector(gpu_reader))
        self._server = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port (the OS's choice when constructed with ``port=0``)."""
        if self._server is None:
            raise ValueError("port is only known while the exporter is running; call start() first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.addr}]" if ":" in self.addr else self.addr
        return f"http://{host}:{self.port}/metrics"

    def start(self) -> TelemetryExporter:
        """Bind and serve in a daemon thread. Raises ``ValueError`` if the port is taken.

        The server is ``prometheus_client.make_wsgi_app(registry)`` on a threading wsgiref server
        this object owns (what ``start_http_server`` builds), polled every 50 ms so that
        :meth:`stop` returns quickly.
        """
        with self._lock:
            if self._server is not None:
                raise ValueError("exporter is already running; call stop() before start()")
            try:
                server = _make_server(self.addr, self._requested_port, self.registry)
            except OSError as exc:
                raise ValueError(
                    f"port {self._requested_port} on {self.addr} could not be bound ({exc}); "
                    "use port=0 for any free port"
                ) from None
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05},
                name=f"metrics-exporter:{server.server_address[1]}", daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop serving, close the listening socket (the port is released) and join the thread.

        Idempotent."""
        timeout_s = check_number("timeout_s", timeout_s, low=0, low_inclusive=False)
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout_s)

    def __enter__(self) -> TelemetryExporter:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __del__(self):  # pragma: no cover - best effort if the user forgets stop()
        try:
            self.stop()
        except Exception:  # noqa: BLE001
            pass

    # -- instrumentation ---------------------------------------------------------------------
    def record_job(self, status: str, user: str, count: int = 1) -> None:
        """Count finished jobs: ``ml_jobs_total{status, user} += count``."""
        check_choice("status", status, JOB_STATUSES)
        _check_label("user", user)
        count = check_int("count", count, low=1)
        self.job_counter.labels(status=status, user=user).inc(count)

    def observe_inference(self, latency_s: float) -> None:
        """Add one inference latency (seconds) to the ``inference_latency_seconds`` histogram."""
        latency_s = check_number("latency_s", latency_s, low=0)
        self.inference_latency.observe(latency_s)

    def set_model_accuracy(self, model_name: str, version: str, accuracy: float) -> None:
        """Set ``model_accuracy{model_name, version}`` to a value in [0, 1]."""
        _check_label("model_name", model_name)
        _check_label("version", version)
        accuracy = check_number("accuracy", accuracy, low=0, high=1)
        self.model_accuracy.labels(model_name=model_name, version=version).set(accuracy)

    def observe_stage_durations(self, breakdown) -> int:
        """Feed per-stage durations into the ``pipeline_stage_seconds{stage}`` histogram.

        ``breakdown`` is the DataFrame :func:`pipeline_breakdown` returns (columns ``stage`` and
        ``duration_ms``); returns the number of observations added.
        """
        stages, durations_ms = _check_breakdown(breakdown)
        for stage, duration_ms in zip(stages, durations_ms):
            self.stage_latency.labels(stage=str(stage)).observe(duration_ms / 1e3)
        return len(durations_ms)

    def exposition(self) -> bytes:
        """The text a scrape would return, without HTTP (``generate_latest`` on this registry)."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


# --------------------------------------------------------------------------------------------
# Scraping and parsing
# --------------------------------------------------------------------------------------------


def _format_labels(labels: Mapping[str, str]) -> str:
    return ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))


def parse_exposition(text) -> pd.DataFrame:
    """Parse Prometheus text exposition format into one row per sample.

    Columns: ``metric`` (family name), ``type`` (counter, gauge, histogram, info, ...),
    ``sample`` (sample name: ``_total``, ``_bucket``, ``_sum``, ``_count`` suffixes included),
    ``labels`` (``k="v"`` pairs sorted by key, ``""`` when none), ``value`` (float).
    Parsing is ``prometheus_client.parser.text_string_to_metric_families``.

    >>> text = '# HELP up Target up.\\n# TYPE up gauge\\nup{job="node"} 1\\n'
    >>> parse_exposition(text)[["metric", "type", "labels", "value"]].values.tolist()
    [['up', 'gauge', 'job="node"', 1.0]]
    """
    import pandas as pd
    from prometheus_client.parser import text_string_to_metric_families

    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("text must be UTF-8 Prometheus exposition text; got undecodable bytes") from None
    if not isinstance(text, str):
        raise ValueError(f"text must be a str or bytes of Prometheus exposition text; got {type(text).__name__}")
    rows = []
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                rows.append(
                    {
                        "metric": family.name,
                        "type": family.type,
                        "sample": sample.name,
                        "labels": _format_labels(sample.labels),
                        "value": float(sample.value),
                    }
                )
    except Exception as exc:  # noqa: BLE001 - the parser raises several types on bad text
        raise ValueError(f"text is not valid Prometheus exposition format ({type(exc).__name__}: {exc})") from None
    return pd.DataFrame(rows, columns=["metric", "type", "sample", "labels", "value"])


def scrape(url: str, timeout_s: float = 5.0) -> pd.DataFrame:
    """GET ``url`` (an exporter's ``/metrics``) with urllib and parse it with :func:`parse_exposition`.

    Raises ``ValueError`` naming the URL when it is not ``http(s)://`` or cannot be fetched.
    """
    import urllib.error
    import urllib.request

    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
        raise ValueError(f"url must be an http:// or https:// URL; got {url!r}")
    timeout_s = check_number("timeout_s", timeout_s, low=0, low_inclusive=False, high=300)
    request = urllib.request.Request(url, headers={"Accept": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - http(s) only
            body = response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ValueError(f"url {url} could not be scraped ({type(exc).__name__}: {exc})") from None
    return parse_exposition(body)


_LABEL_PAIR_RE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metric_value(frame, sample: str, **labels) -> float:
    """The value of one sample in a scraped frame, selected by sample name and labels.

    The given labels must all match (other labels may exist); exactly one row must remain, else
    ``ValueError`` says how many matched.

    >>> df = parse_exposition('x_total{a="1",b="z"} 3\\nx_total{a="2",b="z"} 4\\n')
    >>> metric_value(df, "x_total", a="2")
    4.0
    """
    if not isinstance(sample, str):
        raise ValueError(f"sample must be a sample name string; got {sample!r}")
    for key, value in labels.items():
        if not isinstance(value, str):
            raise ValueError(f"label {key} must be a string; got {value!r}")
    try:
        rows = list(zip(frame["sample"], frame["labels"], frame["value"]))
    except (KeyError, TypeError, IndexError):
        raise ValueError("frame must be a DataFrame returned by scrape() or parse_exposition()") from None
    hits = []
    for name, label_text, value in rows:
        if name != sample:
            continue
        have = dict(_LABEL_PAIR_RE.findall(str(label_text)))
        if all(have.get(k) == v for k, v in labels.items()):
            hits.append(float(value))
    if len(hits) != 1:
        wanted = _format_labels(labels)
        present = sorted({r[0] for r in rows})
        raise ValueError(
            f"sample {sample!r} with labels {{{wanted}}} matched {len(hits)} rows (need exactly 1); "
            f"samples present include {present[:12]}"
        )
    return hits[0]


def histogram_quantile(frame, metric: str, q: float, **labels) -> float:
    """PromQL's ``histogram_quantile(q, metric_bucket)`` on a scraped frame.

    The rank q × count is located in the cumulative buckets and interpolated linearly inside its
    bucket (lower bound 0 for the first bucket); a rank in the ``+Inf`` bucket returns the largest
    finite bound. Source: Prometheus documentation, "Query functions: histogram_quantile()".
    The answer is only as fine as the bucket bounds (:data:`LATENCY_BUCKETS_S`).

    >>> text = ('h_bucket{le="0.1"} 2\\nh_bucket{le="0.2"} 6\\nh_bucket{le="+Inf"} 8\\n'
    ...         'h_count 8\\nh_sum 1\\n')
    >>> round(histogram_quantile(parse_exposition(text), "h", 0.5), 3)     # rank 4: halfway in (0.1, 0.2]
    0.15
    """
    q = check_number("q", q, low=0, high=1)
    if not isinstance(metric, str) or not metric:
        raise ValueError(f"metric must be a histogram name such as 'inference_latency_seconds'; got {metric!r}")
    try:
        rows = list(zip(frame["sample"], frame["labels"], frame["value"]))
    except (KeyError, TypeError, IndexError):
        raise ValueError("frame must be a DataFrame returned by scrape() or parse_exposition()") from None
    buckets = []
    for name, label_text, value in rows:
        if name != f"{metric}_bucket":
            continue
        have = dict(_LABEL_PAIR_RE.findall(str(label_text)))
        if "le" in have and all(have.get(k) == v for k, v in labels.items()):
            try:
                bound = float(have["le"])
            except ValueError:
                continue
            buckets.append((bound, float(value)))
    buckets.sort()
    if not buckets or not math.isinf(buckets[-1][0]):
        raise ValueError(f"metric {metric!r} has no complete set of _bucket samples (with le=\"+Inf\") in frame")
    total = buckets[-1][1]
    if total <= 0:
        raise ValueError(f"metric {metric!r} has no observations yet")
    rank = q * total
    prev_bound, prev_count = 0.0, 0.0
    for i, (bound, count) in enumerate(buckets):
        if count >= rank:
            if math.isinf(bound):
                return buckets[i - 1][0] if i > 0 else 0.0
            lower = prev_bound if i > 0 else min(0.0, bound)
            if count == prev_count:
                return bound
            return lower + (bound - lower) * (rank - prev_count) / (count - prev_count)
        prev_bound, prev_count = bound, count
    return buckets[-2][0] if len(buckets) > 1 else 0.0  # pragma: no cover - rank <= total always hits


# --------------------------------------------------------------------------------------------
# Pipeline tracing
# --------------------------------------------------------------------------------------------


class PipelineTracer:
    """Collects ``(request_id, stage, timestamp)`` trace records, like the course text's ``trace_data_flow``.

    ``clock`` returns seconds (default :func:`time.time`); inject a fake clock in tests. The course
    text attached a full system snapshot (with a one-second CPU sample) to *every* record; here a
    record is just the three columns :func:`course_kit.lifecycle.stage_breakdown` needs. Record a
    final ``"done"`` event per request: a stage lasts until the request's next event.

    >>> ticks = iter([0.0, 0.010, 0.035])
    >>> tracer = PipelineTracer(clock=lambda: next(ticks))
    >>> for stage in ("ingest", "infer", "respond"):
    ...     _ = tracer.record("r1", stage)
    >>> tracer.frame()["timestamp"].tolist()
    [0.0, 0.01, 0.035]
    """

    def __init__(self, clock: Callable[[], float] = time.time):
        if not callable(clock):
            raise ValueError(f"clock must be a callable returning seconds; got {clock!r}")
        self._clock = clock
        self._records: list[tuple[str, str, float]] = []
        self._lock = threading.Lock()

    def record(self, request_id: str, stage: str, timestamp_s: float | None = None) -> float:
        """Record that ``request_id`` entered ``stage`` (now, or at ``timestamp_s``); returns the time."""
        _check_label("request_id", request_id)
        _check_label("stage", stage)
        ts = self._clock() if timestamp_s is None else timestamp_s
        ts = check_number("timestamp_s", ts, low=0)
        with self._lock:
            self._records.append((request_id, stage, ts))
        return ts

    def __len__(self) -> int:
        return len(self._records)

    def frame(self):
        """All records as a DataFrame with columns ``request_id``, ``stage``, ``timestamp``."""
        import pandas as pd

        with self._lock:
            rows = list(self._records)
        return pd.DataFrame(rows, columns=["request_id", "stage", "timestamp"])

    def breakdown(self):
        """Per-request, per-stage durations: :func:`pipeline_breakdown` of :meth:`frame`."""
        return pipeline_breakdown(self.frame())


def pipeline_breakdown(traces):
    """Per-request, per-stage durations from trace records — section 1's function, reused.

    This is :func:`course_kit.lifecycle.stage_breakdown`: events sorted by time within each
    request, a stage lasts until the request's next event (so record a final ``"done"`` event),
    columns ``request_id, stage, start_s, duration_ms``. It is imported, not re-implemented: a
    formula lives in one place.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"request_id": ["a", "a", "a"], "stage": ["ingest", "infer", "done"],
    ...                   "timestamp": [0.0, 0.004, 0.010]})
    >>> pipeline_breakdown(t)["duration_ms"].round(6).tolist()
    [4.0, 6.0]
    """
    from course_kit import lifecycle

    return lifecycle.stage_breakdown(traces)


def _check_breakdown(breakdown) -> tuple[list, list[float]]:
    try:
        stages = list(breakdown["stage"])
        durations = list(breakdown["duration_ms"])
    except (KeyError, TypeError, IndexError):
        raise ValueError(
            "breakdown must be a DataFrame with columns 'stage' and 'duration_ms' "
            "(the output of pipeline_breakdown)"
        ) from None
    out = []
    for d in durations:
        if isinstance(d, bool) or not isinstance(d, numbers.Real) or not math.isfinite(float(d)) or d < 0:
            raise ValueError(f"breakdown duration_ms values must be finite and >= 0; got {d!r}")
        out.append(float(d))
    return stages, out
