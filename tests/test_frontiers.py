"""Frontier calculators: published counts, brute-force searches and round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import frontiers as fr

from helpers import only_value_errors

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_chip_totals_match_the_fact_sheet():
    tn = fr.NEUROMORPHIC_CHIPS["truenorth"]
    assert tn.neurons == 4096 * 256 and tn.synapses == 2**28
    assert tn.synapses_per_core == 256 * 256
    lo = fr.NEUROMORPHIC_CHIPS["loihi"]
    assert lo.neurons == 128 * 1024 and lo.power_mw is None  # course text's 100 mW unverified


@FAST
@given(n=st.integers(1, 10**9), s=st.integers(0, 10**12), chip=st.sampled_from(sorted(fr.NEUROMORPHIC_CHIPS)))
def test_chips_needed_is_the_smallest_count_that_fits(n, s, chip):
    c = fr.NEUROMORPHIC_CHIPS[chip]
    k = fr.chips_needed(n, s, chip)["chips"]
    assert k * c.neurons >= n and k * c.synapses >= s
    assert (k - 1) * c.neurons < n or (k - 1) * c.synapses < s


def test_surface_code_counts_match_google_2023():
    # Nature 614 (2023): distance-3 logical qubit on 17 qubits, distance-5 on 49
    assert fr.surface_code_qubits(3) == 17 and fr.surface_code_qubits(5) == 49
    for d in (3, 7, 25):
        assert fr.surface_code_qubits(d) == d * d + (d * d - 1)
    with pytest.raises(ValueError, match="odd"):
        fr.surface_code_qubits(4)


@FAST
@given(p=st.floats(1e-6, 0.0099), target=st.floats(1e-18, 1e-2))
def test_code_distance_is_the_smallest_odd_distance_meeting_the_target(p, target):
    try:
        d = fr.code_distance_for_target(p, target)
    except ValueError as exc:  # near the threshold the distance can exceed the model's limit
        assert "above 1001" in str(exc)
        assert fr.logical_error_rate(p, 1001) > target * (1 + 1e-9)
        return
    assert d % 2 == 1 and d >= 3
    assert fr.logical_error_rate(p, d) <= target * (1 + 1e-9)
    # brute force: no smaller odd distance works
    for smaller in range(3, d, 2):
        assert fr.logical_error_rate(p, smaller) > target * (1 + 1e-9)


def test_distance_by_hand_and_threshold():
    # p/p_th = 0.1: p_L = 0.1 · 0.1^((d+1)/2) ≤ 1e-12 needs (d+1)/2 ≥ 11 → d = 21
    assert fr.code_distance_for_target(1e-3, 1e-12) == 21
    with pytest.raises(ValueError, match="below the threshold"):
        fr.code_distance_for_target(0.02, 1e-6)


def test_circuit_success_compounds_over_all_gates():
    f, n = 0.999, 12_700
    prob = 1.0
    for _ in range(n):
        prob *= f
    assert fr.circuit_success_probability(f, n) == pytest.approx(prob, rel=1e-9)
    assert fr.circuit_success_probability(0.0, 0) == 1.0


def test_dna_density_by_hand():
    # 2 bits = 0.25 byte per nucleotide; 330 g/mol → 6.022e23/330 nucleotides per gram
    assert fr.dna_density_bytes_per_gram() == pytest.approx(0.25 * 6.02214076e23 / 330)
    assert fr.dna_density_bytes_per_gram(2, redundancy=10) == pytest.approx(fr.dna_density_bytes_per_gram() / 10)
    assert fr.bits_per_nucleotide("rotating_ternary") == pytest.approx(math.log(3, 2))


def test_quaternary_mapping_is_two_bits_per_base():
    assert fr.encode_quaternary(bytes([0b00011011, 0xFF])) == "ACGTTTTT"
    assert fr.max_homopolymer_run(fr.encode_quaternary(b"\x00" * 3)) == 12


@FAST
@given(st.binary(max_size=200))
def test_quaternary_round_trip(data):
    seq = fr.encode_quaternary(data)
    assert len(seq) == 4 * len(data)
    assert fr.decode_quaternary(seq) == data


@FAST
@given(st.binary(max_size=120))
def test_rotating_ternary_round_trip_without_homopolymers(data):
    seq = fr.encode_rotating_ternary(data)
    assert fr.decode_rotating_ternary(seq) == data
    assert fr.max_homopolymer_run(seq) <= 1
    # density: about log2(3) bits per base (plus the sentinel byte)
    bits = 8 * (len(data) + 1)
    assert len(seq) <= math.ceil(bits / math.log2(3)) + 1


def test_seed_prices_contradict_each_other():
    c = fr.course_text_dna_cost_contradiction()
    # 1 GB = 8e9 bits = 4e9 bases at 2 bits/base; × $0.10
    assert c["synthesis_usd_per_gb"] == pytest.approx(4e9 * 0.10)
    assert c["ratio"] == pytest.approx(4e8 / 0.001)


def test_figures_table_labels_unverified_figures():
    t = fr.figures_table()
    assert {"Loihi power", "DNA synthesis cost", "Quantum backends (qubits, fidelity, T2)"} <= set(
        t.loc[~t["verified"], "figure"])
    assert t["source"].str.len().gt(0).all()


@pytest.mark.parametrize("bad", ["ACGU", "acgt", 123, None])
def test_bad_sequences_are_valueerrors(bad):
    with pytest.raises(ValueError, match="seq"):
        fr.decode_quaternary(bad)


@FAST
@given(st.text(alphabet="ACGTX", max_size=40))
def test_decoders_fuzz_only_valueerror(seq):
    for fn in (fr.decode_quaternary, fr.decode_rotating_ternary, fr.max_homopolymer_run):
        try:
            fn(seq)
        except ValueError:
            pass


num = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**7), st.text(max_size=3),
                st.none(), st.booleans())


@FAST
@given(a=num, b=num, c=num)
def test_calculators_fuzz_only_valueerror(a, b, c):
    calls = [
        lambda: fr.neuromorphic_capacity(a, b), lambda: fr.neuromorphic_capacity("loihi", a),
        lambda: fr.chips_needed(a, b, c), lambda: fr.surface_code_qubits(a),
        lambda: fr.logical_error_rate(a, b), lambda: fr.code_distance_for_target(a, b),
        lambda: fr.qec_overhead(a, b, c), lambda: fr.circuit_success_probability(a, b),
        lambda: fr.dna_density_bytes_per_gram(a, redundancy=b), lambda: fr.bits_per_nucleotide(a),
        lambda: fr.dna_synthesis_cost_usd(a, b, bits_per_nt=c), lambda: fr.encode_quaternary(a),
        lambda: fr.encode_rotating_ternary(a),
    ]
    only_value_errors(calls)


@FAST
@given(p=st.one_of(st.lists(st.floats(-1, 2), max_size=3), st.text(max_size=2), st.none()),
       t=st.one_of(st.lists(st.floats(-1, 2), max_size=2), st.integers()))
def test_qec_curve_fuzz_only_valueerror(p, t):
    try:
        fr.qec_curve(p, t)
    except ValueError:
        pass
