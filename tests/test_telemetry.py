"""The exporter really binds a loopback port, serves what was recorded, and releases the port."""

from __future__ import annotations

import errno
import socket
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import lifecycle, telemetry
from course_kit.telemetry import GpuReading, GpuStatus, TelemetryExporter

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _port_is_free(port: int) -> bool:
    """Can a new listening socket bind the port? (SO_REUSEADDR: TIME_WAIT leftovers don't count.)"""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        s.listen(1)
        return True
    except OSError as exc:
        assert exc.errno == errno.EADDRINUSE
        return False
    finally:
        s.close()


def test_exporter_binds_scrapes_and_releases_the_port():
    exporter = TelemetryExporter(port=0)
    with exporter:
        port = exporter.port
        assert port > 0 and exporter.url == f"http://127.0.0.1:{port}/metrics"
        assert exporter._server.server_address[0] == "127.0.0.1"
        assert not _port_is_free(port)  # really listening
        for _ in range(3):
            exporter.record_job("succeeded", "alice")
        exporter.record_job("failed", "bob", count=2)
        latencies = [0.004, 0.020, 0.3]
        for x in latencies:
            exporter.observe_inference(x)
        df = telemetry.scrape(exporter.url)
    assert not exporter.running
    assert _port_is_free(port)
    with pytest.raises(ValueError, match="could not be scraped"):
        telemetry.scrape(f"http://127.0.0.1:{port}/metrics", timeout_s=2)
    assert telemetry.metric_value(df, "ml_jobs_total", status="succeeded", user="alice") == 3
    assert telemetry.metric_value(df, "ml_jobs_total", status="failed", user="bob") == 2
    assert telemetry.metric_value(df, "inference_latency_seconds_count") == len(latencies)
    assert telemetry.metric_value(df, "inference_latency_seconds_sum") == pytest.approx(sum(latencies))
    # cumulative buckets: observations <= le, counted by hand
    for le, expected in (("0.005", 1), ("0.025", 2), ("0.25", 2), ("0.5", 3), ("+Inf", 3)):
        assert telemetry.metric_value(df, "inference_latency_seconds_bucket", le=le) == expected
    # system metrics from psutil are there; GPU status is explicit, not faked
    assert telemetry.metric_value(df, "system_memory_total_bytes") > 0
    assert set(df["metric"]) >= {"system_cpu_utilization_ratio", "system_cpu_seconds", "gpu_available"}
    assert 0 <= telemetry.metric_value(df, "system_cpu_utilization_ratio") <= 1


def test_stop_is_idempotent_and_restart_gets_a_port_again():
    exporter = TelemetryExporter(port=0, collect_system=False, collect_gpu=False)
    exporter.start()
    with pytest.raises(ValueError, match="already running"):
        exporter.start()
    exporter.stop()
    exporter.stop()
    with pytest.raises(ValueError, match="start"):
        _ = exporter.port
    with exporter:
        assert exporter.port > 0
    assert not exporter.running


def test_context_manager_stops_on_error():
    exporter = TelemetryExporter(port=0, collect_system=False, collect_gpu=False)
    with pytest.raises(RuntimeError), exporter:
        port = exporter.port
        raise RuntimeError("boom")
    assert not exporter.running and _port_is_free(port)


def test_busy_port_is_refused_with_valueerror():
    with TelemetryExporter(port=0, collect_system=False, collect_gpu=False) as first:
        second = TelemetryExporter(port=first.port, collect_system=False, collect_gpu=False)
        with pytest.raises(ValueError, match="could not be bound"):
            second.start()


def test_loopback_by_default_and_remote_needs_opt_in():
    with pytest.raises(ValueError, match="loopback"):
        TelemetryExporter(addr="0.0.0.0")
    with pytest.raises(ValueError, match="IP address"):
        TelemetryExporter(addr="localhost")
    TelemetryExporter(addr="0.0.0.0", allow_remote=True, collect_system=False, collect_gpu=False)
    for bad in (-1, 65536, 1.5, "80", True):
        with pytest.raises(ValueError, match="port"):
            TelemetryExporter(port=bad)


def test_each_exporter_has_its_own_registry_and_the_global_one_is_untouched():
    from prometheus_client import REGISTRY, generate_latest

    a = TelemetryExporter(collect_system=False, collect_gpu=False)
    b = TelemetryExporter(collect_system=False, collect_gpu=False)
    a.record_job("succeeded", "u")
    assert b"ml_jobs_total{" not in b.exposition()
    assert b'ml_jobs_total{status="succeeded",user="u"} 1.0' in a.exposition()
    assert b"ml_jobs_total" not in generate_latest(REGISTRY)


def test_no_gpu_means_no_gpu_numbers():
    status = telemetry.gpu_status()
    exporter = TelemetryExporter(collect_system=False)
    text = exporter.exposition().decode()
    df = telemetry.parse_exposition(text)
    if status.available:  # pragma: no cover - this course machine has no GPU
        assert telemetry.metric_value(df, "gpu_available") == 1
    else:
        assert status.reason and status.label.startswith("no GPU")
        assert telemetry.metric_value(df, "gpu_available") == 0
        assert not df["metric"].str.startswith("gpu_utilization").any()
        row = df[df["sample"] == "gpu_status_info"].iloc[0]
        assert 'status="unavailable"' in row["labels"]


def test_gpu_metrics_use_dcgm_names_and_labels_and_unsupported_queries_are_omitted():
    fake = GpuStatus(
        True, "ok", "550.54",
        (
            GpuReading(0, "GPU-aaaa", "NVIDIA A100-SXM4-80GB", gpu_util_percent=87.0, fb_used_mib=30720.0,
                       fb_free_mib=51200.0, temperature_c=71.0, power_w=312.5),
            GpuReading(1, "GPU-bbbb", "NVIDIA A100-SXM4-80GB", gpu_util_percent=12.0, fb_used_mib=1024.0),
        ),
    )
    exporter = TelemetryExporter(collect_system=False, gpu_reader=lambda: fake)
    df = telemetry.parse_exposition(exporter.exposition())
    assert telemetry.metric_value(df, "gpu_available") == 1
    # names and labels as NVIDIA/dcgm-exporter publishes them (etc/default-counters.csv, render_metrics.go)
    assert telemetry.metric_value(df, "DCGM_FI_DEV_GPU_UTIL", gpu="0", UUID="GPU-aaaa",
                                  modelName="NVIDIA A100-SXM4-80GB") == 87.0
    assert telemetry.metric_value(df, "DCGM_FI_DEV_FB_USED", gpu="1") == 1024.0
    assert telemetry.metric_value(df, "DCGM_FI_DEV_POWER_USAGE", gpu="0") == 312.5
    assert len(df[df["sample"] == "DCGM_FI_DEV_POWER_USAGE"]) == 1  # GPU 1 has no power sample, not a 0
    assert not (df["sample"] == "DCGM_FI_PROF_SM_ACTIVE").any()     # NVML has no profiling counters
    assert not df["metric"].str.contains("percent|mhz", case=False).any()


def test_simulated_gpu_is_labelled_and_shows_util_100_with_one_busy_sm():
    exporter = TelemetryExporter(collect_system=False, gpu_reader=lambda: telemetry.simulated_gpu_status("one_tiny_kernel"))
    df = telemetry.parse_exposition(exporter.exposition())
    info = df[df["sample"] == "gpu_status_info"].iloc[0]["labels"]
    assert 'source="simulated"' in info
    assert set(df[df["metric"].str.startswith("DCGM")]["labels"].str.contains('modelName="SIMULATED')) == {True}
    util = telemetry.metric_value(df, "DCGM_FI_DEV_GPU_UTIL", gpu="0")
    sm_active = telemetry.metric_value(df, "DCGM_FI_PROF_SM_ACTIVE", gpu="0")
    assert util == 100.0 and sm_active == pytest.approx(1 / 108)  # one of an A100's 108 SMs
    with pytest.raises(ValueError, match="scenario"):
        telemetry.simulated_gpu_status("warp-speed")


def test_parse_exposition_against_hand_written_text():
    text = (
        "# HELP http_requests_total Requests.\n"
        "# TYPE http_requests_total counter\n"
        'http_requests_total{code="200",method="get"} 1027\n'
        'http_requests_total{code="400",method="post"} 3\n'
        "# TYPE temp gauge\n"
        "temp -4.5\n"
    )
    df = telemetry.parse_exposition(text)
    assert df.shape == (3, 5)
    assert telemetry.metric_value(df, "http_requests_total", code="200", method="get") == 1027
    assert telemetry.metric_value(df, "temp") == -4.5
    assert list(df["type"]) == ["counter", "counter", "gauge"]


@pytest.mark.parametrize("bad", ['x{a="b" 1', "foo", b"\xff\xfe", 3, None])
def test_bad_exposition_text_is_a_valueerror(bad):
    with pytest.raises(ValueError):
        telemetry.parse_exposition(bad)


@FAST
@given(st.one_of(st.text(max_size=200), st.binary(max_size=100)))
def test_parse_exposition_fuzz(text):
    try:
        telemetry.parse_exposition(text)
    except ValueError:
        pass


@pytest.mark.parametrize("url", ["ftp://x/metrics", "127.0.0.1:80", "", None])
def test_scrape_refuses_non_http_urls(url):
    with pytest.raises(ValueError, match="url"):
        telemetry.scrape(url)


def test_metric_value_errors_name_the_problem():
    df = telemetry.parse_exposition('x_total{a="1"} 3\nx_total{a="2"} 4\n')
    with pytest.raises(ValueError, match="matched 2 rows"):
        telemetry.metric_value(df, "x_total")
    with pytest.raises(ValueError, match="matched 0 rows"):
        telemetry.metric_value(df, "y")
    with pytest.raises(ValueError, match="frame"):
        telemetry.metric_value([1, 2], "x_total")


def test_instrument_inputs_are_validated():
    e = TelemetryExporter(collect_system=False, collect_gpu=False)
    with pytest.raises(ValueError, match="status"):
        e.record_job("ok", "u")
    with pytest.raises(ValueError, match="user"):
        e.record_job("failed", "")
    with pytest.raises(ValueError, match="latency_s"):
        e.observe_inference(-1)
    with pytest.raises(ValueError, match="accuracy"):
        e.set_model_accuracy("m", "v1", 1.5)


@FAST
@given(
    status=st.one_of(st.sampled_from(telemetry.JOB_STATUSES), st.text(max_size=10), st.integers()),
    user=st.one_of(st.text(max_size=70), st.integers(), st.none()),
    count=st.one_of(st.integers(-3, 5), st.floats(allow_nan=True), st.text(max_size=3)),
    latency=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5), st.text(max_size=3)),
)
def test_instrumentation_fuzz_only_valueerror(status, user, count, latency):
    e = TelemetryExporter(collect_system=False, collect_gpu=False)
    for call in (lambda: e.record_job(status, user, count), lambda: e.observe_inference(latency)):
        try:
            call()
        except ValueError:
            pass


@FAST
@given(
    port=st.one_of(st.integers(-10, 70_000), st.floats(allow_nan=True), st.text(max_size=5)),
    addr=st.one_of(st.sampled_from(["127.0.0.1", "::1", "0.0.0.0", "10.0.0.1", "localhost"]), st.text(max_size=20)),
)
def test_exporter_constructor_fuzz_only_valueerror(port, addr):
    try:
        TelemetryExporter(port=port, addr=addr, collect_system=False, collect_gpu=False)
    except ValueError:
        pass


def test_tracer_breakdown_matches_hand_computed_durations():
    ticks = iter([0.000, 0.010, 0.035, 0.040, 1.000, 1.002, 1.012, 1.013])
    tracer = telemetry.PipelineTracer(clock=lambda: next(ticks))
    for rid in ("r1", "r2"):
        for stage in ("ingest", "infer", "respond", "done"):
            tracer.record(rid, stage)
    bd = tracer.breakdown()
    got = {(r, s): round(d, 6) for r, s, d in zip(bd["request_id"], bd["stage"], bd["duration_ms"])}
    assert got == {
        ("r1", "ingest"): 10.0, ("r1", "infer"): 25.0, ("r1", "respond"): 5.0,
        ("r2", "ingest"): 2.0, ("r2", "infer"): 10.0, ("r2", "respond"): 1.0,
    }
    exporter = TelemetryExporter(collect_system=False, collect_gpu=False)
    assert exporter.observe_stage_durations(bd) == 6
    df = telemetry.parse_exposition(exporter.exposition())
    assert telemetry.metric_value(df, "pipeline_stage_seconds_count", stage="infer") == 2
    assert telemetry.metric_value(df, "pipeline_stage_seconds_sum", stage="infer") == pytest.approx(0.035)


def test_pipeline_breakdown_is_section_1s_function(monkeypatch):
    seen = []

    def fake(traces):
        seen.append(traces)
        return "from lifecycle"

    monkeypatch.setattr(lifecycle, "stage_breakdown", fake)
    assert telemetry.pipeline_breakdown("traces") == "from lifecycle"
    assert seen == ["traces"]


def test_tracer_validates_records():
    tracer = telemetry.PipelineTracer(clock=lambda: 1.0)
    with pytest.raises(ValueError, match="stage"):
        tracer.record("r1", "")
    with pytest.raises(ValueError, match="timestamp_s"):
        tracer.record("r1", "x", timestamp_s=float("nan"))
    with pytest.raises(ValueError, match="clock"):
        telemetry.PipelineTracer(clock=3)
    e = TelemetryExporter(collect_system=False, collect_gpu=False)
    with pytest.raises(ValueError, match="breakdown"):
        e.observe_stage_durations({"stage": ["a"], "duration_ms": [-1.0]})
    with pytest.raises(ValueError, match="breakdown"):
        e.observe_stage_durations([1, 2])


def test_system_snapshot_is_consistent_with_the_os():
    import os

    snap = telemetry.system_snapshot()
    assert snap["cpus"] == os.cpu_count()
    assert 0 <= snap["cpu_utilization_ratio"] <= 1
    assert snap["memory_used_bytes"] + snap["memory_available_bytes"] == snap["memory_total_bytes"]


def test_http_response_is_prometheus_text():
    with TelemetryExporter(port=0, collect_system=False, collect_gpu=False) as e:
        with urllib.request.urlopen(e.url, timeout=5) as resp:
            ctype = resp.headers["Content-Type"]
            body = resp.read().decode()
    assert ctype.startswith("text/plain")
    assert "# TYPE inference_latency_seconds histogram" in body


def test_histogram_quantile_lands_in_the_bucket_of_the_exact_quantile():
    import numpy as np

    rng = np.random.default_rng(3)
    xs = rng.lognormal(np.log(0.03), 0.7, 3000)
    e = TelemetryExporter(collect_system=False, collect_gpu=False)
    for x in xs:
        e.observe_inference(x)
    df = telemetry.parse_exposition(e.exposition())
    bounds = [0.0, *telemetry.LATENCY_BUCKETS_S]
    for q in (0.5, 0.9, 0.95, 0.99):
        exact = float(np.quantile(xs, q))
        i = int(np.searchsorted(bounds, exact))
        est = telemetry.histogram_quantile(df, "inference_latency_seconds", q)
        assert bounds[i - 1] <= est <= bounds[i]


def test_histogram_quantile_hand_example_and_edges():
    # PromQL semantics: rank q*count located in cumulative buckets, linear inside the bucket
    text = 'h_bucket{le="1"} 10\nh_bucket{le="2"} 30\nh_bucket{le="4"} 40\nh_bucket{le="+Inf"} 50\n'
    df = telemetry.parse_exposition(text)
    assert telemetry.histogram_quantile(df, "h", 0.1) == pytest.approx(0.5)   # rank 5 of 10 in (0, 1]
    assert telemetry.histogram_quantile(df, "h", 0.4) == pytest.approx(1.5)   # rank 20: halfway in (1, 2]
    assert telemetry.histogram_quantile(df, "h", 0.95) == pytest.approx(4.0)  # +Inf bucket: largest finite bound
    with pytest.raises(ValueError, match="no complete set"):
        telemetry.histogram_quantile(df, "nope", 0.5)
    with pytest.raises(ValueError, match="no observations"):
        telemetry.histogram_quantile(telemetry.parse_exposition('h_bucket{le="+Inf"} 0\n'), "h", 0.5)


@FAST
@given(q=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2, 2), st.text(max_size=2)),
       metric=st.one_of(st.text(max_size=5), st.none()))
def test_histogram_quantile_fuzz_only_valueerror(q, metric):
    df = telemetry.parse_exposition('h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\n')
    try:
        telemetry.histogram_quantile(df, metric, q)
    except ValueError:
        pass


@FAST
@given(sample=st.one_of(st.text(max_size=10), st.none(), st.integers()),
       label=st.one_of(st.text(max_size=5), st.integers(), st.none()),
       frame=st.one_of(st.none(), st.integers(), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)))
def test_metric_value_fuzz_only_valueerror(sample, label, frame):
    good = telemetry.parse_exposition('x_total{a="1"} 3\n')
    for f in (good, frame):
        try:
            telemetry.metric_value(f, sample, a=label)
        except ValueError:
            pass


@FAST
@given(url=st.one_of(st.text(max_size=30), st.none(), st.integers(),
                     st.sampled_from(["http://", "https://[::1", "http://127.0.0.1:0/x", "http://[zz]/"])),
       timeout=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-1, 2)))
def test_scrape_fuzz_only_valueerror(url, timeout):
    try:
        telemetry.scrape(url, timeout_s=timeout)
    except ValueError:
        pass


@FAST
@given(rid=st.one_of(st.text(max_size=140), st.integers(), st.none()),
       stage=st.one_of(st.text(max_size=10), st.none()),
       ts=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3), st.text(max_size=2)))
def test_tracer_record_fuzz_only_valueerror(rid, stage, ts):
    tracer = telemetry.PipelineTracer(clock=lambda: 1.0)
    try:
        tracer.record(rid, stage, ts)
    except ValueError:
        pass


# --------------------------------------------------------------------------------------------
# promtool on a live scrape, and a CPU reading that agrees with psutil
# --------------------------------------------------------------------------------------------


def _promtool():
    import os
    import shutil

    reason = os.environ.get("COURSE_KIT_PROMTOOL_SKIP")
    if reason:
        pytest.skip(f"PROMTOOL METRIC CHECK SKIPPED: {reason}")
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("PROMTOOL METRIC CHECK SKIPPED: promtool is not installed (Debian package 'prometheus'; "
                    "`python3 course.py test` installs it with apt when it can)")
    return path


def _promtool_problems(body: bytes) -> list[str]:
    import subprocess

    run = subprocess.run([_promtool(), "check", "metrics"], input=body, capture_output=True, timeout=60)
    lines = (run.stdout + run.stderr).decode().splitlines()
    assert (run.returncode == 0) == (not lines), (run.returncode, lines)
    return lines


def test_live_scrape_passes_promtool_with_no_warning():
    with TelemetryExporter(port=0) as exporter:
        exporter.record_job("succeeded", "alice")
        exporter.observe_inference(0.02)
        exporter.set_model_accuracy("resnet50", "v3", 0.76)
        breakdown = telemetry.pipeline_breakdown(lifecycle.synthetic_traces(lifecycle.REALTIME_INGESTION_STAGES, 5, seed=1))
        exporter.observe_stage_durations(breakdown)
        with urllib.request.urlopen(exporter.url, timeout=10) as resp:
            body = resp.read()
    assert b"system_cpu_utilization_ratio" in body and b"system_memory_total_bytes" in body
    problems = _promtool_problems(body)
    if b'status="ok"' in body:  # pragma: no cover - a machine with a GPU: DCGM's camelCase label only
        assert all(p.startswith("DCGM_FI_") and "camelCase" in p for p in problems), problems
    else:
        assert problems == []


def test_promtool_catches_what_the_course_text_published():
    # independent reference: the course text's names, which promtool must reject
    bad = (b"# HELP system_cpu_count Logical CPUs.\n# TYPE system_cpu_count gauge\nsystem_cpu_count 2\n"
           b"# HELP ml_jobs ML jobs.\n# TYPE ml_jobs counter\nml_jobs 3\n")
    problems = _promtool_problems(bad)
    assert any("system_cpu_count" in p for p in problems) and any("_total" in p for p in problems)


def test_dcgm_labelled_scrape_has_only_dcgms_own_lint_finding():
    # DCGM's label modelName is camelCase; that is the one finding promtool may report, nothing of ours
    with TelemetryExporter(port=0, gpu_reader=lambda: telemetry.simulated_gpu_status(gpus=2)) as exporter:
        with urllib.request.urlopen(exporter.url, timeout=10) as resp:
            body = resp.read()
    problems = _promtool_problems(body)
    assert problems and all(p.startswith("DCGM_FI_") and "camelCase" in p for p in problems), problems


def test_cpu_utilisation_through_the_exporter_matches_psutil_under_a_busy_loop():
    import os
    import subprocess
    import sys
    import time

    import psutil

    burn = "import time\nt = time.time()\nwhile time.time() - t < 4: pass\n"
    # half the CPUs busy: a reading stuck at 0 or at 1 both fail (unless other load fills the machine)
    procs = [subprocess.Popen([sys.executable, "-c", burn]) for _ in range(max(1, (os.cpu_count() or 2) // 2))]
    try:
        with TelemetryExporter(port=0, collect_gpu=False) as exporter:
            time.sleep(0.4)
            telemetry.scrape(exporter.url)         # the exporter's window starts at this scrape ...
            psutil.cpu_percent(interval=None)      # ... and psutil's, measured directly, here
            time.sleep(1.5)
            direct_percent = psutil.cpu_percent(interval=None)
            via_percent = 100 * telemetry.metric_value(telemetry.scrape(exporter.url), "system_cpu_utilization_ratio")
    finally:
        for p in procs:
            p.kill()
            p.wait()
    assert direct_percent > 40, f"the busy loop did not load the CPUs ({direct_percent} %)"
    print(f"CPU under a busy loop: {via_percent:.1f} % through the exporter, {direct_percent:.1f} % psutil directly")
    assert abs(via_percent - direct_percent) <= 10, (via_percent, direct_percent)


def test_cpu_sampler_keeps_one_baseline_across_threads():
    import threading

    sampler = telemetry.CpuSampler()
    out = []
    worker = threading.Thread(target=lambda: out.append(sampler.sample()))
    worker.start()
    worker.join()
    assert 0 <= out[0] <= 1
    with pytest.raises(ValueError, match="sampler"):
        telemetry.system_snapshot(sampler="x")


def test_cpu_sampler_formula_on_hand_made_cpu_times(monkeypatch):
    # psutil's own definition: busy = total - idle - iowait, guest time already inside user
    from collections import namedtuple

    import psutil

    T = namedtuple("scputimes", "user nice system idle iowait irq softirq steal guest guest_nice")
    seq = iter([T(100, 0, 50, 800, 50, 0, 0, 0, 30, 0),     # baseline
                T(160, 0, 70, 850, 70, 0, 0, 0, 90, 0)])    # +60 user, +20 system, +50 idle, +20 iowait
    monkeypatch.setattr(psutil, "cpu_times", lambda: next(seq))
    sampler = telemetry.CpuSampler()
    assert sampler.sample() == pytest.approx(80 / 150)  # busy 60+20 out of 60+20+50+20


@FAST
@given(scenario=st.one_of(st.sampled_from(sorted(telemetry.SIMULATED_SCENARIOS)), st.text(max_size=5), st.integers(), st.none()),
       gpus=st.one_of(st.integers(-2, 20), st.floats(allow_nan=True), st.text(max_size=2)))
def test_simulated_gpu_fuzz_only_valueerror(scenario, gpus):
    try:
        status = telemetry.simulated_gpu_status(scenario, gpus=gpus)
    except ValueError:
        return
    assert status.source == "simulated" and len(status.gpus) == gpus
    assert all(g.model_name.startswith("SIMULATED") for g in status.gpus)
