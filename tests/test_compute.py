"""course_kit.compute: the catalog against docs/sources.md#accelerators, rooflines and intensities against hand
calculations, the serving sizing against a brute-force search over batch sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import compute as c

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JUNK = st.one_of(st.none(), st.text(max_size=3), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                 st.integers(min_value=-10**9, max_value=10**9), st.lists(st.integers(), max_size=2))

# Transcribed from docs/sources.md#accelerators (the independent reference): name → (dense FP16/BF16, FP32, bandwidth GB/s, power W)
FACTS = {
    "V100 SXM2 32GB": (125, 15.7, 900, 300),
    "A100 SXM4 40GB": (312, 19.5, 1555, 400),
    "A100 SXM4 80GB": (312, 19.5, 2039, 400),
    "H100 SXM5 80GB": (989.4, 66.9, 3350, 700),
    "H200 SXM 141GB": (989, 67, 4800, 700),
    "B200 HGX 180GB": (2250, 80, 8000, 1000),
    "MI300X": (1307.4, None, 5300, 750),
    "TPU v3 (reference)": (123, None, 900, 262),
    "TPU v4": (275, None, 1200, 192),
    "TPU v5e": (197, None, 819, None),
    "TPU v5p": (459, None, 2765, None),
}


def test_catalog_values_match_facts_section_2():
    cat = c.load_catalog().set_index("name")
    for name, (fp16, fp32, bw, power) in FACTS.items():
        row = cat.loc[name]
        for col, want in (("dense_fp16_bf16_tflops", fp16), ("fp32_tflops", fp32),
                          ("mem_bandwidth_gb_s", bw), ("power_w", power)):
            if want is None:
                assert math.isnan(row[col]), (name, col)
            else:
                assert row[col] == pytest.approx(want), (name, col)


def test_catalog_covers_the_required_devices_and_kinds():
    names = set(c.device_names())
    assert set(FACTS) <= names and "H100 PCIe 80GB" in names and "NVIDIA BlueField-3 DPU" in names
    kinds = c.load_catalog()["kind"].value_counts().to_dict()
    assert kinds["CPU"] >= 2 and kinds["DPU"] >= 1 and kinds["TPU"] == 4


def test_values_facts_md_did_not_capture_are_empty_with_a_note():
    cat = c.load_catalog().set_index("name")
    assert math.isnan(cat.loc["H100 PCIe 80GB", "dense_fp16_bf16_tflops"])
    assert "not captured" in cat.loc["H100 PCIe 80GB", "note"]
    assert math.isnan(cat.loc["MI300X", "fp32_tflops"]) and "not captured" in cat.loc["MI300X", "note"]
    # the course text's TPU v4 "420 TFLOPS" is not in the catalog
    assert cat.loc["TPU v4", "dense_fp16_bf16_tflops"] == 275
    # derived CPU figures are Low confidence and say so
    for name in cat.index[cat["kind"] == "CPU"]:
        assert cat.loc[name, "confidence"] == "Low" and "erived" in cat.loc[name, "note"]


def test_every_row_has_a_source_and_confidence():
    cat = c.load_catalog()
    assert cat["source"].str.len().min() > 10
    assert set(cat["confidence"]) <= {"High", "Medium", "Low"}


def test_cpu_derived_figures_follow_from_their_stated_inputs():
    # EPYC 9654: 96 cores x 2.4 GHz x 32 FLOP/cycle; 12 x DDR5-4800 x 8 B
    epyc = c.get_device("AMD EPYC 9654 (Genoa)")
    assert epyc.fp32_tflops == pytest.approx(96 * 2.4e9 * 32 / 1e12, rel=1e-3)
    assert epyc.mem_bandwidth_gb_s == pytest.approx(12 * 4800e6 * 8 / 1e9)
    xeon = c.get_device("Intel Xeon Platinum 8480+ (Sapphire Rapids)")
    assert xeon.fp32_tflops == pytest.approx(56 * 2.0e9 * 64 / 1e12, rel=1e-3)
    assert xeon.mem_bandwidth_gb_s == pytest.approx(8 * 4800e6 * 8 / 1e9)


def test_missing_peak_raises_a_clear_value_error():
    with pytest.raises(ValueError, match="no sourced peak"):
        c.get_device("H100 PCIe 80GB").peak_tflops("fp16")
    with pytest.raises(ValueError, match="name must be one of"):
        c.get_device("A100")


# --------------------------------------------------------------------------- roofline
def test_ridge_point_of_h100_by_hand():
    assert c.ridge_point_flop_per_byte(989.4, 3350) == pytest.approx(989.4e12 / 3.35e12)
    cat = c.load_catalog().set_index("name")
    assert cat.loc["H100 SXM5 80GB", "ridge_fp16_flop_per_byte"] == pytest.approx(295.34, abs=0.01)


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1e5), st.floats(0.1, 1e4), st.floats(1, 1e5))
def test_roofline_is_min_of_peak_and_slope(ai, peak, bw):
    y = c.attainable_tflops(ai, peak_tflops=peak, bandwidth_gb_s=bw)
    assert y <= peak + 1e-9
    ridge = c.ridge_point_flop_per_byte(peak, bw)
    if ai <= ridge:
        assert y == pytest.approx(ai * bw / 1000)
        assert c.bound_by(ai, peak_tflops=peak, bandwidth_gb_s=bw) == ("memory" if ai < ridge else "compute")
    else:
        assert y == peak and c.bound_by(ai, peak_tflops=peak, bandwidth_gb_s=bw) == "compute"
    assert c.attainable_tflops(ai * 2, peak_tflops=peak, bandwidth_gb_s=bw) >= y


def test_vectorised_roofline_equals_scalar():
    ai = np.logspace(-2, 4, 50)
    vec = c.roofline_tflops(ai, peak_tflops=312, bandwidth_gb_s=1555)
    assert vec == pytest.approx([c.attainable_tflops(x, peak_tflops=312, bandwidth_gb_s=1555) for x in ai])


# --------------------------------------------------------------------------- intensities
@pytest.mark.parametrize("n", [64, 1024, 4096])
def test_square_gemm_intensity_is_n_over_3_in_two_byte_types(n):
    assert c.gemm_intensity(n, n, n, dtype_bytes=2) == pytest.approx(n / 3)
    assert c.gemm_intensity(n, n, n, dtype_bytes=4) == pytest.approx(n / 6)


def test_gemm_counts_by_brute_force_on_a_small_shape():
    m, n, k = 3, 5, 7
    flops = sum(2 for _ in range(m) for _ in range(n) for _ in range(k))
    elements = m * k + k * n + m * n
    assert c.gemm_flops(m, n, k) == flops and c.gemm_bytes(m, n, k, 4) == 4 * elements
    assert c.gemm_intensity(m, n, k, 4) == pytest.approx(flops / (4 * elements))


def test_matrix_vector_is_memory_bound_everywhere():
    ai = c.gemm_intensity(8192, 1, 8192, dtype_bytes=2)
    assert ai == pytest.approx(1.0, rel=1e-3)
    for d in c.load_catalog("GPU").dropna(subset=["dense_fp16_bf16_tflops"]).to_dict("records"):
        assert c.bound_by(ai, peak_tflops=d["dense_fp16_bf16_tflops"], bandwidth_gb_s=d["mem_bandwidth_gb_s"]) == "memory"


def test_elementwise_add_is_one_sixth_flop_per_byte_in_fp16():
    assert c.elementwise_intensity(1, 2, 1, 2) == pytest.approx(1 / 6)
    assert c.elementwise_intensity(1, 1, 1, 4) == pytest.approx(1 / 8)  # relu in fp32


@pytest.mark.parametrize("L", [1, 128, 4096])
def test_attention_decode_intensity_by_hand(L):
    b, h, d = 4, 16, 64
    flops = 2 * b * h * L * d * 2
    bytes_ = 2 * (2 * b * L * h * d + 2 * b * h * d)
    assert c.attention_decode_intensity(b, L, h, d) == pytest.approx(flops / bytes_) == pytest.approx(L / (L + 1))
    # grouped-query attention with 4 query heads per KV head
    bytes_gqa = 2 * (2 * b * L * (h // 4) * d + 2 * b * h * d)
    assert c.attention_decode_intensity(b, L, h, d, kv_heads=h // 4) == pytest.approx(flops / bytes_gqa)


def test_attention_decode_rejects_kv_heads_that_do_not_divide():
    with pytest.raises(ValueError, match="kv_heads must divide"):
        c.attention_decode_bytes(1, 8, 32, 64, kv_heads=5)


# --------------------------------------------------------------------------- time and cost
def test_cost_per_million_by_hand():
    # $4.10 per A100-hour (docs/sources.md#cloud-prices), 2,000 inferences/s: 500 s per million → $0.569
    assert c.cost_per_million_usd(2000, 4.10) == pytest.approx(4.10 * 500 / 3600)
    assert c.time_per_million_s(2000) == 500


def test_roofline_time_is_the_larger_of_compute_and_memory_time():
    assert c.roofline_time_s(1e12, 1e6, peak_tflops=100, bandwidth_gb_s=1000) == pytest.approx(0.01)
    assert c.roofline_time_s(1e6, 1e12, peak_tflops=100, bandwidth_gb_s=1000) == pytest.approx(1.0)
    assert c.roofline_time_s(1e12, 0, peak_tflops=100, bandwidth_gb_s=1000, efficiency=0.5) == pytest.approx(0.02)


def _brute_force_plan(device, a: c.ServingAssumptions, precision):
    peak, bw = device.peak_tflops(precision), device.bandwidth_gb_s()
    best = None
    for b in range(1, a.max_batch + 1):
        t = max(b * a.flops_per_request / (a.efficiency * peak * 1e12), a.model_bytes / (a.efficiency * bw * 1e9))
        if a.latency_factor * t <= a.latency_slo_ms / 1000 * (1 + 1e-12):
            thr = b / t
            if best is None or thr > best[1] * (1 + 1e-12):
                best = (b, thr)
    return best


@pytest.mark.parametrize("name", ["A100 SXM4 80GB", "H100 SXM5 80GB", "AMD EPYC 9654 (Genoa)",
                                  "Intel Xeon Platinum 8480+ (Sapphire Rapids)", "TPU v5e", "V100 SXM2 32GB"])
def test_serving_plan_matches_brute_force_search(name):
    a = c.ServingAssumptions(max_batch=512)
    plan = c.serving_plan(name, assumptions=a)
    dev = c.get_device(name)
    b, thr = _brute_force_plan(dev, a, plan.precision)
    assert plan.throughput_per_device == pytest.approx(thr)
    assert plan.latency_ms <= a.latency_slo_ms + 1e-9
    assert plan.devices == math.ceil(a.requests_per_s / (thr * a.target_utilisation))
    assert plan.devices_with_spares == plan.devices + 1


def test_q2_defaults_cpu_needs_more_devices_than_gpu_but_both_meet_the_slo():
    gpu = c.serving_plan("A100 SXM4 80GB")
    cpu = c.serving_plan("AMD EPYC 9654 (Genoa)")
    assert gpu.meets_slo and cpu.meets_slo and cpu.devices > gpu.devices == 1
    # fewer FLOPs per request (embedding-heavy recommender) make the CPU fleet smaller
    light = c.serving_plan("AMD EPYC 9654 (Genoa)", flops_per_param=0.1)
    assert light.devices < cpu.devices


def test_serving_plan_rejects_models_that_do_not_fit_and_unknown_overrides():
    with pytest.raises(ValueError, match="does not fit"):
        c.serving_plan("TPU v5e", model_bytes=20e9)
    with pytest.raises(ValueError, match="unknown assumption 'gpus'"):
        c.serving_plan("TPU v5e", gpus=3)
    with pytest.raises(ValueError, match="no sourced peak"):
        c.serving_plan("MI300X", precision="fp32")


def test_slo_too_tight_is_reported_not_hidden():
    plan = c.serving_plan("AMD EPYC 9654 (Genoa)", latency_slo_ms=1.0)
    assert not plan.meets_slo and plan.latency_ms > 1.0


def test_compare_serving_adds_costs_when_prices_are_given():
    price = c.PRICE_EXAMPLES_USD_PER_HOUR["A100 on-demand (AWS p4d / 8)"]
    df = c.compare_serving(["A100 SXM4 80GB", "TPU v5e"], prices_usd_per_hour={"A100 SXM4 80GB": price})
    row = df.set_index("device").loc["A100 SXM4 80GB"]
    assert row["fleet_usd_per_h"] == pytest.approx(2 * price, abs=0.01)
    assert row["usd_per_million_req"] == pytest.approx(2 * price / 3600 * 100, rel=1e-3)


# --------------------------------------------------------------------------- fuzzing
@FUZZ
@given(JUNK, JUNK, JUNK)
def test_roofline_functions_raise_only_value_error(a, b, d):
    for fn in (lambda: c.ridge_point_flop_per_byte(a, b), lambda: c.attainable_tflops(a, peak_tflops=b, bandwidth_gb_s=d),
               lambda: c.roofline_tflops(a, peak_tflops=b, bandwidth_gb_s=d), lambda: c.bound_by(a, peak_tflops=b, bandwidth_gb_s=d),
               lambda: c.cost_per_million_usd(a, b), lambda: c.time_per_million_s(a),
               lambda: c.roofline_time_s(a, b, peak_tflops=d, bandwidth_gb_s=d, efficiency=a)):
        try:
            fn()
        except ValueError:
            pass


@FUZZ
@given(JUNK, JUNK, JUNK, JUNK)
def test_intensity_functions_raise_only_value_error(m, n, k, b):
    for fn in (lambda: c.gemm_intensity(m, n, k, b), lambda: c.elementwise_intensity(m, n, k, b),
               lambda: c.attention_decode_intensity(m, n, k, b), lambda: c.attention_decode_bytes(1, 2, 4, 8, m, b)):
        try:
            fn()
        except ValueError:
            pass


def test_a_vanishing_model_takes_the_batch_cap_not_an_overflow():
    """Found by the fuzz test below: model_bytes=1.5e-302 made budget / per-request cost infinite,
    and ``math.floor(inf)`` raised OverflowError instead of planning the largest batch."""
    plan = c.serving_plan("V100 SXM2 32GB", "fp16", requests_per_s=1.0, model_bytes=1.5e-302)
    assert plan.batch_size == c.ServingAssumptions().max_batch and plan.meets_slo


@FUZZ
@given(st.sampled_from(c.device_names() + ["nope", 3]), st.sampled_from(["fp16", "fp32", None, "int8"]),
       st.dictionaries(st.sampled_from(["requests_per_s", "latency_slo_ms", "efficiency", "model_bytes", "max_batch"]),
                       JUNK, max_size=2))
def test_serving_plan_raises_only_value_error(name, precision, overrides):
    try:
        plan = c.serving_plan(name, precision, **overrides)
    except ValueError:
        return
    assert plan.devices >= 1 and plan.batch_size >= 1
