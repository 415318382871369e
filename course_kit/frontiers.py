"""Research frontiers as small, honest calculators (section 10).

Every input figure carries its source, a confidence (High / Medium / Low) and a ``verified``
flag; :func:`figures_table` lists them. What the course text gets wrong or leaves unverified:

* **Neuromorphic** (docs/sources.md#erratum-51): the course text's per-core numbers are right in order of
  magnitude; the chip totals are Loihi 131,072 neurons / ~130 M synapses and TrueNorth
  1,048,576 neurons / 268,435,456 (2²⁸) synapses, **63 mW** on the video workload of the Science
  2014 paper (docs/sources.md#truenorth); IBM's round "~70 mW" is a secondary figure, and the course text's
  65 mW lies between the two (imprecise, not wrong). Loihi's "100 mW" is not verified.
* **Quantum** (errata 53): the backend table (127 / 70 / 32 qubits, fidelities) is not verified
  here. Two formula fixes: error-correction overhead is not a flat ×1000 — a distance-d rotated
  surface code uses d² data + (d² − 1) measurement qubits = 2d² − 1 ≈ 2d² per logical qubit,
  and d depends on the physical error rate and the target; and a circuit's success probability
  compounds over *all* gates (≈ F^gates), not over the depth alone.
* **DNA storage** (errata 52): four bases make a **quaternary** alphabet (2 bits per
  nucleotide at most); the course text labels it "ternary" while its own code converts to base 4. (A
  *rotating ternary* code — Goldman et al., Nature 494 (2013) — deliberately uses 3 symbols per
  position so that no base repeats; it stores log₂3 ≈ 1.58 bits per nucleotide.) The course text's
  density, access time and prices are unverified, and they contradict each other: $0.10 per
  synthesised base is ≈ $400 M per GB, not the $0.001/GB of its storage-tier table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "NeuromorphicChip",
    "NEUROMORPHIC_CHIPS",
    "neuromorphic_capacity",
    "chips_needed",
    "surface_code_qubits",
    "logical_error_rate",
    "code_distance_for_target",
    "qec_overhead",
    "qec_curve",
    "circuit_success_probability",
    "COURSE_TEXT_QUANTUM_BACKENDS",
    "AVOGADRO",
    "NUCLEOTIDE_MASS_DA",
    "bits_per_nucleotide",
    "dna_density_bytes_per_gram",
    "encode_quaternary",
    "decode_quaternary",
    "encode_rotating_ternary",
    "decode_rotating_ternary",
    "max_homopolymer_run",
    "dna_synthesis_cost_usd",
    "course_text_dna_cost_contradiction",
    "figures_table",
]


# --------------------------------------------------------------------------------------------
# Neuromorphic chips
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeuromorphicChip:
    """Per-chip capacity. ``power_mw`` is ``None`` when no verified figure is known."""

    name: str
    cores: int
    neurons: int
    synapses: int
    power_mw: float | None
    source: str
    confidence: str
    verified: bool
    note: str = ""

    @property
    def neurons_per_core(self) -> float:
        return self.neurons / self.cores

    @property
    def synapses_per_core(self) -> float:
        return self.synapses / self.cores


NEUROMORPHIC_CHIPS = {
    "loihi": NeuromorphicChip(
        "Intel Loihi (2018)", cores=128, neurons=131_072, synapses=130_000_000, power_mw=None,
        source="docs/sources.md#erratum-51 (wikichip Loihi)", confidence="Medium", verified=True,
        note="course text's 100 mW power is not verified; 128 × 1,024 neurons",
    ),
    "truenorth": NeuromorphicChip(
        "IBM TrueNorth (2014)", cores=4096, neurons=1_048_576, synapses=268_435_456, power_mw=63.0,
        source="docs/sources.md#truenorth (Merolla et al., Science 2014: 4,096 cores, 1M neurons, 2^28 "
               "synapses, 63 mW on 400x240 video at 30 frames/s)",
        confidence="High", verified=True,
        note="4,096 × 256 neurons, 256 × 256 synapses per core; 63 mW for the paper's video workload "
             "(IBM's round figure ~70 mW, secondary)",
    ),
}


def _chip(chip) -> NeuromorphicChip:
    if isinstance(chip, NeuromorphicChip):
        return chip
    check_choice("chip", chip, sorted(NEUROMORPHIC_CHIPS))
    return NEUROMORPHIC_CHIPS[chip]


def neuromorphic_capacity(chip="truenorth", n_chips=1) -> dict:
    """Neurons, synapses and (if verified) power of ``n_chips`` chips.

    >>> cap = neuromorphic_capacity("truenorth", 16)
    >>> cap["neurons"], cap["synapses"], cap["power_mw"]
    (16777216, 4294967296, 1008.0)
    """
    c = _chip(chip)
    n = check_int("n_chips", n_chips, low=1, high=10**9)
    return {
        "chip": c.name,
        "n_chips": n,
        "neurons": c.neurons * n,
        "synapses": c.synapses * n,
        "power_mw": None if c.power_mw is None else c.power_mw * n,
    }


def chips_needed(neurons, synapses, chip="truenorth") -> dict:
    """Chips needed for a spiking network: max(⌈neurons / per-chip⌉, ⌈synapses / per-chip⌉).

    The binding resource is named. (Real mappings need more: per-core fan-in limits, routing.)

    >>> chips_needed(1_000_000, 1_000_000_000, "truenorth")
    {'chips': 4, 'by_neurons': 1, 'by_synapses': 4, 'binding': 'synapses'}
    """
    c = _chip(chip)
    n = check_int("neurons", neurons, low=1, high=10**15)
    s = check_int("synapses", synapses, low=0, high=10**18)
    by_n = -(-n // c.neurons)
    by_s = -(-s // c.synapses)
    return {
        "chips": max(by_n, by_s),
        "by_neurons": by_n,
        "by_synapses": by_s,
        "binding": "synapses" if by_s > by_n else "neurons",
    }


# --------------------------------------------------------------------------------------------
# Quantum error correction
# --------------------------------------------------------------------------------------------

SURFACE_CODE_THRESHOLD = 0.01
"""≈ 1 % physical error threshold of the surface code (rule of thumb; Fowler et al. 2012)."""
SURFACE_CODE_PREFACTOR = 0.1


def surface_code_qubits(distance) -> int:
    """Physical qubits of one rotated surface-code logical qubit: d² data + (d² − 1) measure = 2d² − 1.

    Google Quantum AI, "Suppressing quantum errors by scaling a surface code logical qubit",
    Nature 614 (2023): distance 3 used 17 qubits, distance 5 used 49 (Medium: not in docs/sources.md).

    >>> surface_code_qubits(3), surface_code_qubits(5)
    (17, 49)
    """
    d = check_int("distance", distance, low=3, high=1001)
    if d % 2 == 0:
        raise ValueError(f"distance must be an odd integer in [3, 1001]; got {distance!r}")
    return 2 * d * d - 1


def logical_error_rate(physical_error, distance, *, threshold=SURFACE_CODE_THRESHOLD, prefactor=SURFACE_CODE_PREFACTOR) -> float:
    """Logical error per round p_L ≈ A · (p / p_th)^((d+1)/2).

    The form is Fowler et al., "Surface codes: Towards practical large-scale quantum computation",
    Phys. Rev. A 86, 032324 (2012); A ≈ 0.1 and p_th ≈ 1 % are common rules of thumb whose
    values depend on the noise model — **unverified here**, use for orders of magnitude only.

    >>> round(logical_error_rate(1e-3, 3), 12)      # 0.1 · (0.1)^2
    0.001
    """
    p = check_number("physical_error", physical_error, low=0, high=1, low_inclusive=False)
    d = check_int("distance", distance, low=1, high=1001)
    p_th = check_number("threshold", threshold, low=0, high=1, low_inclusive=False)
    a = check_number("prefactor", prefactor, low=0, high=10, low_inclusive=False)
    log_pl = math.log(a) + (d + 1) / 2 * math.log(p / p_th)  # in logs: no overflow far above threshold
    return 1.0 if log_pl >= 0 else math.exp(log_pl)


def code_distance_for_target(physical_error, target_logical_error, *, threshold=SURFACE_CODE_THRESHOLD,
                             prefactor=SURFACE_CODE_PREFACTOR) -> int:
    """Smallest odd distance d ≥ 3 with :func:`logical_error_rate` ≤ target.

    Below threshold each +2 in distance divides p_L by p_th/p; at or above threshold no
    distance helps (``ValueError``).

    >>> code_distance_for_target(1e-3, 1e-12)
    21
    """
    p = check_number("physical_error", physical_error, low=0, high=1, low_inclusive=False)
    target = check_number("target_logical_error", target_logical_error, low=0, high=1, low_inclusive=False)
    p_th = check_number("threshold", threshold, low=0, high=1, low_inclusive=False)
    a = check_number("prefactor", prefactor, low=0, high=10, low_inclusive=False)
    if p >= p_th:
        raise ValueError(
            f"physical_error must be below the threshold {p_th:g} for error correction to help; got {p:g}"
        )
    # a (p/p_th)^k <= target  <=>  k >= log(target/a) / log(p/p_th)
    k = max(2.0, math.log(target / a) / math.log(p / p_th)) if target < a else 2.0
    d = max(3, 2 * math.ceil(k - 1e-12) - 1)
    while d <= 1001 and logical_error_rate(p, d, threshold=p_th, prefactor=a) > target * (1 + 1e-9):
        d += 2
    if d > 1001:
        raise ValueError(f"target_logical_error {target:g} needs a code distance above 1001 at "
                         f"physical_error = {p:g} (too close to the threshold {p_th:g})")
    return d


def qec_overhead(logical_qubits, physical_error, target_logical_error, **kwargs) -> dict:
    """Distance, physical qubits per logical and in total, versus the course text's flat ×1000.

    Counts only the code patches: real algorithm estimates add routing space and magic-state
    factories (often more than doubling the total).

    >>> o = qec_overhead(100, 1e-3, 1e-12)
    >>> o["distance"], o["physical_per_logical"], o["physical_qubits"], o["course_text_physical_qubits"]
    (21, 881, 88100, 100000)
    """
    n = check_int("logical_qubits", logical_qubits, low=1, high=10**9)
    d = code_distance_for_target(physical_error, target_logical_error, **kwargs)
    per = surface_code_qubits(d)
    return {
        "distance": d,
        "physical_per_logical": per,
        "physical_qubits": per * n,
        "logical_error_per_round": logical_error_rate(physical_error, d, **kwargs),
        "course_text_physical_qubits": 1000 * n,
    }


def qec_curve(physical_errors, targets=(1e-9, 1e-12, 1e-15)):
    """Distance and physical qubits per logical qubit over a grid of physical error rates and targets.

    >>> qec_curve([1e-3], [1e-12])[["distance", "physical_per_logical"]].values.tolist()
    [[21, 881]]
    """
    import pandas as pd

    for name, values in (("physical_errors", physical_errors), ("targets", targets)):
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise ValueError(f"{name} must be a list of probabilities in (0, 1)")
    rows = []
    for target in targets:
        for p in physical_errors:
            d = code_distance_for_target(p, target)
            rows.append({"physical_error": float(p), "target_logical_error": float(target), "distance": d,
                         "physical_per_logical": surface_code_qubits(d)})
    if not rows:
        raise ValueError("physical_errors and targets must not be empty")
    return pd.DataFrame(rows)


def circuit_success_probability(gate_fidelity, n_gates) -> float:
    """Probability that no gate fails, for independent gate errors: F^gates.

    The course text's ``1 − 0.999**depth`` counts one gate per layer; with its own
    ``gate_count = depth × qubits`` a 127-qubit, depth-100 circuit at F = 0.999 succeeds with
    probability 0.999^12,700 ≈ 3 × 10⁻⁶, not 0.905.

    >>> round(circuit_success_probability(0.999, 100), 3)
    0.905
    >>> f"{circuit_success_probability(0.999, 12_700):.1e}"
    '3.0e-06'
    """
    f = check_number("gate_fidelity", gate_fidelity, low=0, high=1)
    n = check_int("n_gates", n_gates, low=0, high=10**15)
    if f == 0:
        return 1.0 if n == 0 else 0.0
    return math.exp(n * math.log(f))


COURSE_TEXT_QUANTUM_BACKENDS = {
    "ibm_quantum": {"qubits": 127, "gate_fidelity": 0.999, "coherence_time_us": 100},
    "google_sycamore": {"qubits": 70, "gate_fidelity": 0.999, "coherence_time_us": 100},
    "rigetti_aspen": {"qubits": 32, "gate_fidelity": 0.98, "coherence_time_us": 20},
}
"""The course text's backend table — **unverified** here (docs/sources.md#erratum-53)."""


# --------------------------------------------------------------------------------------------
# DNA storage
# --------------------------------------------------------------------------------------------

AVOGADRO = 6.02214076e23
"""Avogadro constant, 1/mol (exact since the 2019 SI redefinition)."""

NUCLEOTIDE_MASS_DA = 330.0
"""Average mass of one nucleotide in single-stranded DNA, ≈ 330 g/mol (common laboratory rule of
thumb; Medium confidence, not in docs/sources.md)."""

_BASES = "ACGT"


def bits_per_nucleotide(encoding: str = "quaternary") -> float:
    """Information per nucleotide: log₂4 = 2 (quaternary) or log₂3 ≈ 1.585 (rotating ternary).

    >>> bits_per_nucleotide("quaternary"), round(bits_per_nucleotide("rotating_ternary"), 3)
    (2.0, 1.585)
    """
    check_choice("encoding", encoding, ("quaternary", "rotating_ternary"))
    return 2.0 if encoding == "quaternary" else math.log2(3)


def dna_density_bytes_per_gram(bits_per_nt=2.0, *, redundancy=1.0) -> float:
    """Upper bound on storage density: (bits/nt ÷ 8) × N_A / (330 g/mol) ÷ redundancy.

    ``redundancy`` ≥ 1 counts copies, error-correction and addressing overhead. At 2 bits/nt
    and no redundancy: ≈ 4.6 × 10²⁰ B/g (≈ 455 EB per gram) — the course text's 10¹⁸ B/g is 450× below
    this bound (plausible after overheads, but unverified).

    >>> f"{dna_density_bytes_per_gram():.2e}"
    '4.56e+20'
    """
    bits = check_number("bits_per_nt", bits_per_nt, low=0, high=2, low_inclusive=False)
    red = check_number("redundancy", redundancy, low=1, high=1e9)
    return bits / 8 * AVOGADRO / NUCLEOTIDE_MASS_DA / red


def _check_bytes(data) -> bytes:
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise ValueError(f"data must be bytes; got {type(data).__name__}")
    return data


def _check_sequence(seq) -> str:
    if not isinstance(seq, str) or any(ch not in _BASES for ch in seq):
        raise ValueError(f"seq must be a string of the bases A, C, G, T; got {seq!r:.60}")
    return seq


def encode_quaternary(data) -> str:
    """Two bits per base, most significant first: 00→A, 01→C, 10→G, 11→T (4 bases per byte).

    >>> encode_quaternary(b"\\x1b")      # 00 01 10 11
    'ACGT'
    >>> encode_quaternary(b"\\x00")      # a homopolymer run: hard to synthesise and sequence
    'AAAA'
    """
    data = _check_bytes(data)
    return "".join(_BASES[(byte >> shift) & 3] for byte in data for shift in (6, 4, 2, 0))


def decode_quaternary(seq) -> bytes:
    """Inverse of :func:`encode_quaternary`.

    >>> decode_quaternary("ACGT")
    b'\\x1b'
    """
    seq = _check_sequence(seq)
    if len(seq) % 4:
        raise ValueError(f"seq length must be a multiple of 4 (4 bases per byte); got {len(seq)}")
    out = bytearray()
    for i in range(0, len(seq), 4):
        byte = 0
        for ch in seq[i : i + 4]:
            byte = (byte << 2) | _BASES.index(ch)
        out.append(byte)
    return bytes(out)


def _next_base(previous: str, trit: int) -> str:
    choices = [b for b in _BASES if b != previous]
    return choices[trit]


def encode_rotating_ternary(data, *, max_bytes: int = 65_536) -> str:
    """Base-3 digits written so that no base repeats (after Goldman et al. 2013).

    The bytes (behind a 0x01 sentinel) are read as one integer, written in base 3, and each trit
    picks one of the three bases that differ from the previous base (the first "previous" is A).
    No homopolymer runs at the price of log₂3 ≈ 1.585 instead of 2 bits per base. Goldman et al.
    used a Huffman code to base 3; this fixed mapping is a simplified teaching version.

    >>> seq = encode_rotating_ternary(b"\\x00\\x00")
    >>> max_homopolymer_run(seq), decode_rotating_ternary(seq)
    (1, b'\\x00\\x00')
    """
    data = _check_bytes(data)
    limit = check_int("max_bytes", max_bytes, low=1, high=1_000_000)
    if len(data) > limit:
        raise ValueError(f"data must be at most max_bytes={limit} bytes for this demo encoder; got {len(data)}")
    value = int.from_bytes(b"\x01" + data, "big")
    trits = []
    while value:
        value, r = divmod(value, 3)
        trits.append(r)
    trits.reverse()
    previous = "A"
    out = []
    for t in trits:
        previous = _next_base(previous, t)
        out.append(previous)
    return "".join(out)


def decode_rotating_ternary(seq) -> bytes:
    """Inverse of :func:`encode_rotating_ternary`."""
    seq = _check_sequence(seq)
    previous = "A"
    value = 0
    for i, ch in enumerate(seq):
        if ch == previous:
            raise ValueError(f"seq repeats base {ch!r} at position {i}: not a rotating-ternary sequence")
        value = value * 3 + [b for b in _BASES if b != previous].index(ch)
        previous = ch
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    if not raw or raw[0] != 1:
        raise ValueError("seq does not decode to a sentinel-prefixed message (corrupted or not encoded here)")
    return raw[1:]


def max_homopolymer_run(seq) -> int:
    """Length of the longest run of one repeated base (0 for an empty sequence).

    >>> max_homopolymer_run("ACGGGT")
    3
    """
    seq = _check_sequence(seq)
    best = run = 0
    previous = None
    for ch in seq:
        run = run + 1 if ch == previous else 1
        previous = ch
        best = max(best, run)
    return best


def dna_synthesis_cost_usd(size_bytes, cost_per_base_usd, *, bits_per_nt=2.0, overhead=1.0) -> float:
    """Synthesis cost: bases = size × 8 / bits per nt × overhead; cost = bases × price per base.

    >>> dna_synthesis_cost_usd(1e9, 0.10)        # the course text's $0.10 per base, 1 GB, no overhead
    400000000.0
    """
    size = check_number("size_bytes", size_bytes, low=0, high=1e21)
    price = check_number("cost_per_base_usd", cost_per_base_usd, low=0, high=1e3)
    bits = check_number("bits_per_nt", bits_per_nt, low=0, high=2, low_inclusive=False)
    over = check_number("overhead", overhead, low=1, high=1e6)
    return size * 8 / bits * over * price


def course_text_dna_cost_contradiction() -> dict:
    """The course text's two DNA prices side by side: $0.10 per base vs $0.001 per GB.

    >>> c = course_text_dna_cost_contradiction()
    >>> c["synthesis_usd_per_gb"], c["tier_table_usd_per_gb"], f"{c['ratio']:.0e}"
    (400000000.0, 0.001, '4e+11')
    """
    synth = dna_synthesis_cost_usd(1e9, 0.10)
    tier = 0.001
    return {"synthesis_usd_per_gb": synth, "tier_table_usd_per_gb": tier, "ratio": synth / tier}


# --------------------------------------------------------------------------------------------
# Provenance of every figure
# --------------------------------------------------------------------------------------------


def figures_table():
    """Every input figure of this module and of the course text's section 10, with source and confidence.

    >>> t = figures_table()
    >>> set(t["confidence"]) <= {"High", "Medium", "Low"} and bool(t["source"].str.len().gt(0).all())
    True
    """
    import pandas as pd

    rows = [
        ("Loihi neurons", "128 × 1,024", "131,072", "docs/sources.md#erratum-51 (wikichip)", "Medium", True),
        ("Loihi synapses", "~1M per core", "~130 M per chip", "docs/sources.md#erratum-51 (wikichip)", "Medium", True),
        ("Loihi power", "100 mW", "—", "not verified (docs/sources.md#erratum-51)", "Low", False),
        ("TrueNorth neurons", "4,096 × 256", "1,048,576", "docs/sources.md#truenorth", "High", True),
        ("TrueNorth synapses", "65,536 per core", "268,435,456 (2^28)", "docs/sources.md#truenorth", "High", True),
        ("TrueNorth power", "65 mW", "63 mW (video workload); ~70 mW (IBM, secondary)",
         "docs/sources.md#truenorth (Science 2014)", "High", True),
        ("Quantum backends (qubits, fidelity, T2)", "127 / 70 / 32; 0.999 / 0.98", "—",
         "not verified (docs/sources.md#erratum-53)", "Low", False),
        ("QEC overhead per logical qubit", "×1000 flat", "2d² − 1 (rotated surface code)",
         "Google Quantum AI, Nature 614 (2023): d=3 → 17, d=5 → 49 qubits", "Medium", True),
        ("Surface-code threshold / prefactor", "—", "p_th ≈ 1 %, A ≈ 0.1",
         "Fowler et al., PRA 86 032324 (2012), form only; constants are rules of thumb", "Low", False),
        ("DNA encoding", "'ternary' (A, T, G, C)", "quaternary, 2 bits/nt",
         "docs/sources.md#erratum-52 (four symbols = base 4)", "High", True),
        ("Nucleotide mass", "—", "≈ 330 g/mol", "laboratory rule of thumb", "Medium", False),
        ("DNA density", "1e18 B/g", "≤ 4.6e20 B/g (bound)", "computed from 2 bits/nt and 330 g/mol", "Medium", False),
        ("DNA synthesis cost", "$0.10 per base", "—", "not verified", "Low", False),
        ("DNA tier cost", "$0.001 per GB", "—", "not verified; contradicts $0.10/base by 4e11×", "Low", False),
        ("DNA access time", "10 h", "—", "not verified", "Low", False),
    ]
    return pd.DataFrame(rows, columns=["figure", "course_text_says", "value_used", "source", "confidence", "verified"])
