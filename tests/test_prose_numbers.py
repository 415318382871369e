"""Numbers typed in notebook prose agree with what the notebook computes.

Each claim names a notebook, a phrase of its markdown with the number in a group, and the same
quantity computed here with the package calls the notebook's code cells make (nothing is executed
from the notebook). A prose number that drifts from the output fails here; sentences that restate
several outputs at once are rendered from code in the notebooks instead (``IPython.display.Markdown``).
"""

from __future__ import annotations

import json
import math
import re

import pytest

from course_kit import compute, frontiers, kpi, network, power
from course_kit import lifecycle as lc
from tests.helpers import ROOT


def _markdown(name: str) -> str:
    nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return re.sub(r"\s*\n>?\s*", " ", text)          # one line: phrases may wrap (also in quotes)


def _num(text: str) -> float:
    return float(text.replace(",", "").replace("\u2009", ""))


def _ridge(name):
    d = compute.get_device(name)
    return compute.ridge_point_flop_per_byte(d.dense_fp16_bf16_tflops, d.mem_bandwidth_gb_s)


def _decode_tflops():
    h100 = compute.get_device("H100 SXM5 80GB")
    ai = compute.attention_decode_intensity(16, 8192, 32, 128)
    return compute.attainable_tflops(ai, peak_tflops=h100.dense_fp16_bf16_tflops, bandwidth_gb_s=h100.mem_bandwidth_gb_s)


def _handoff():
    p95 = lc.end_to_end_percentiles(lc.COURSE_TEXT_HANDOFF_STAGES, (95,))[95]
    return sum(s.p95_ms for s in lc.COURSE_TEXT_HANDOFF_STAGES), p95


def _fgd_medians_at_100():
    from course_kit import scheduling as sch

    med = sch.medians_of_runs(sch.cached_fragmentation_runs())
    return {p: m.set_index("arrived_pct").loc[100, "unallocated_gpu_pct"] for p, m in med.items()}


def _qec(p, target):
    return frontiers.qec_overhead(1, p, target)["physical_per_logical"]


# (notebook, phrase with one number group, value the notebook computes, relative tolerance)
CLAIMS = [
    ("01_lifecycle.ipynb", r"Adding stage p95s \(([\d,]+) ms\)", lambda: _handoff()[0], 0.005),
    ("01_lifecycle.ipynb", r"overstates the end-to-end p95 by about (\d+) %",
     lambda: (_handoff()[0] / _handoff()[1] - 1) * 100, 0.25),
    ("01_lifecycle.ipynb", r"give a p95 of roughly (\d+) ms",
     lambda: lc.budget_check(lc.REALTIME_INGESTION_STAGES, slo_ms=50, percentile=95).value_ms, 0.05),
    ("01_lifecycle.ipynb", r"\(p95 ≈ (\d+) ms; 40 ms at",
     lambda: lc.budget_check(lc.REALTIME_INGESTION_STAGES, slo_ms=50, percentile=95).value_ms, 0.05),
    ("02_compute.ipynb", r"An H100 must do about \*\*(\d+) FLOPs for every byte\*\*", lambda: _ridge("H100 SXM5 80GB"), 0.01),
    ("02_compute.ipynb", r"a V100 needed ~(\d+)\.", lambda: _ridge("V100 SXM2 32GB"), 0.03),
    ("02_compute.ipynb", r"Decoding attention reaches ~(\d+) TFLOPS", _decode_tflops, 0.2),
    ("02_compute.ipynb", r"\*\*([\d.]+) %\*\* of peak", lambda: _decode_tflops() / 989.4 * 100, 0.2),
    ("02_compute.ipynb", r"\(30 % × (\d+) GB/s\)",
     lambda: compute.get_device("AMD EPYC 9654 (Genoa)").mem_bandwidth_gb_s, 0.01),
    ("02_compute.ipynb", r"≈ ([\d.]+) ms — memory-bound",
     lambda: 500e6 / (0.3 * compute.get_device("AMD EPYC 9654 (Genoa)").mem_bandwidth_gb_s * 1e9) * 1e3, 0.03),
    ("02_compute.ipynb", r"each running batches of ~(\d+) that take",
     lambda: compute.serving_plan("AMD EPYC 9654 (Genoa)").batch_size, 0.05),
    ("02_compute.ipynb", r"ridge point = peak / bandwidth \(≈ (\d+) FLOP/byte on H100\)", lambda: _ridge("H100 SXM5 80GB"), 0.01),
    ("04_scheduling.ipynb", r"FGD ([\d.]+) vs 4\.77 %", lambda: _fgd_medians_at_100()["fgd"], 0.005),
    ("04_scheduling.ipynb", r"random ([\d.]+) vs 13\.75 %", lambda: _fgd_medians_at_100()["random"], 0.005),
    ("04_scheduling.ipynb", r"\(here: (\d+) %, about",
     lambda: (1 - _fgd_medians_at_100()["fgd"] / _fgd_medians_at_100()["bestfit"]) * 100, 0.1),
    ("07_assessments.ipynb", r"at 25 GB/s each takes about (\d+) ms per step",
     lambda: network.ring_allreduce_time_s(64, 1e9, 25) * 1e3, 0.01),
    ("07_assessments.ipynb", r"on the order of (\d+) minutes just synchronising",
     lambda: network.ring_allreduce_time_s(64, 1e9, 25) * 10_000 / 60, 0.05),
    ("07_assessments.ipynb", r"give a p95 of about (\d+) ms",
     lambda: lc.budget_check(lc.REALTIME_INGESTION_STAGES, slo_ms=50, percentile=95).value_ms, 0.05),
    ("07_assessments.ipynb", r"\(p95 ≈ (\d+) ms end to end\)", lambda: _handoff()[1], 0.05),
    ("07_assessments.ipynb", r"running batches of ~(\d+) at just under",
     lambda: compute.serving_plan("AMD EPYC 9654 (Genoa)").batch_size, 0.05),
    ("07_assessments.ipynb", r"⌊40 / 6\.5⌋ = (\d+) systems",
     lambda: 40_000 // power.server_catalog()["DGX A100"]["max_power_w"], 0),
    ("07_assessments.ipynb", r"systems \((\d+) kW, \d+U\)",
     lambda: power.rack_report([("DGX A100", 6)], cooling_capacity_w=40_000).it_load_w / 1000, 0),
    ("07_assessments.ipynb", r"systems \(\d+ kW, (\d+)U\)",
     lambda: power.rack_report([("DGX A100", 6)], cooling_capacity_w=40_000).layout.used_u, 0),
    ("09_best_practices.ipynb", r"is down (\d+) % of the time", lambda: (1 - 0.999**64) * 100, 0.05),
    ("09_best_practices.ipynb", r"allows \(1 − 0\.999\) × 30 days = \*\*([\d.]+) minutes\*\*",
     lambda: kpi.error_budget_minutes(0.999, 30), 1e-6),
    ("09_best_practices.ipynb", r"\(≈ (\d+) W dynamic at 3 GHz and 1\.2 V\)", lambda: 35e-9 * 1.2**2 * 3e9, 0.02),
    ("10_frontiers.ipynb", r"tens of thousands at p = 6 × 10⁻³\)", lambda: _qec(6e-3, 1e-9) / 10_000, 1.0),
    ("10_frontiers.ipynb", r"it is about (\d+)–[\d,]+ depending on the target", lambda: _qec(1e-3, 1e-9), 0.01),
    ("10_frontiers.ipynb", r"it is about \d+–([\d,]+) depending on the target", lambda: _qec(1e-3, 1e-15), 0.03),
    ("10_frontiers.ipynb", r"0\.999\^12,700 ≈ (\d) × 10⁻⁶",
     lambda: frontiers.circuit_success_probability(0.999, 12_700) * 1e6, 0.2),
    ("10_frontiers.ipynb", r"bounds density at ≈ ([\d.]+) × 10²⁰ bytes per gram",
     lambda: frontiers.dna_density_bytes_per_gram(2) / 1e20, 0.01),
    ("10_frontiers.ipynb", r"The text's 10¹⁸ B/g is (\d+)× below the bound",
     lambda: frontiers.dna_density_bytes_per_gram(2) / 1e18, 0.02),
    ("10_frontiers.ipynb", r"costs \*\*\\{0,2}\$(\d+) million\*\*",
     lambda: frontiers.course_text_dna_cost_contradiction()["synthesis_usd_per_gb"] / 1e6, 1e-6),
    ("10_frontiers.ipynb", r"\(2 / log₂3 ≈ ([\d.]+)\)", lambda: 2 / math.log2(3), 0.005),
]


def _fifo_ratio(leaf):
    f = kpi.queue_share_experiment("fifo", nodes=8, jobs_per_leaf=300, horizon_h=6).set_index("leaf")
    return f.loc[leaf, "ratio"]


# (notebook, phrase, predicate on what the notebook computes): prose that states a bound or a range
BOUNDS = [
    ("02_compute.ipynb", r"\(H200, MI300X, B200\) pull the ridge back to about 200–280",
     lambda: all(196 <= _ridge(n) <= 286 for n in ("H200 SXM 141GB", "MI300X", "B200 HGX 180GB"))),
    ("04_scheduling.ipynb", r"about 144 GPUs",
     lambda: 130 <= (_fgd_medians_at_100()["bestfit"] - _fgd_medians_at_100()["fgd"]) / 100 * 6212 <= 158),
    ("09_best_practices.ipynb", r"experimentation gets more than three times its share",
     lambda: _fifo_ratio("experimentation") > 3),
    ("09_best_practices.ipynb", r"and ml_serving less than half", lambda: _fifo_ratio("ml_serving") < 0.5),
    ("10_frontiers.ipynb", r"fifty times below, a few hundred",
     lambda: all(100 <= _qec(2e-4, t) < 1000 for t in (1e-9, 1e-12, 1e-15))),
]


@pytest.mark.parametrize("notebook, phrase, holds", BOUNDS, ids=[f"{b[0][:2]}:{b[1][:40]}" for b in BOUNDS])
def test_prose_bound_holds_for_the_computed_values(notebook, phrase, holds):
    assert re.search(phrase, _markdown(notebook)), f"{notebook}: phrase {phrase!r} not found"
    assert holds(), f"{notebook}: {phrase!r} no longer holds for what the notebook computes"


@pytest.mark.parametrize("notebook, phrase, value, rel_tol", CLAIMS,
                         ids=[f"{c[0][:2]}:{c[1][:40]}" for c in CLAIMS])
def test_prose_number_matches_the_computed_value(notebook, phrase, value, rel_tol):
    text = _markdown(notebook)
    match = re.search(phrase, text)
    assert match, f"{notebook}: phrase {phrase!r} not found: update the claim list with the prose"
    computed = value()
    if match.groups():
        typed = _num(match.group(1))
        assert typed == pytest.approx(computed, rel=rel_tol), (
            f"{notebook}: prose says {typed} but the notebook computes {computed:.4g}")
    else:   # an order-of-magnitude claim: `value` returns a ratio that must be within [1, 10)
        assert 1 <= computed < 10, f"{notebook}: {phrase!r} no longer holds ({computed:.3g})"
