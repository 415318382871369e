"""Rack power and cooling: U space, IT load, heat, airflow, circuits, ASHRAE inlet, PUE, GPU limits.

Formulas and sources (``docs/sources.md#system-power`` and ``#thermal``):

* Heat: every watt drawn by IT equipment ends up as heat; 1 W = 3.412 BTU/h.
* Airflow (sensible-heat equation, standard air): Q[BTU/h] = 1.08 × CFM × ΔT[°F], so
  CFM = 3.412·W / (1.08·ΔT°F) ≈ 1.76·W/ΔT°C. ΔT must be in **°F**: the course text used a Celsius ΔT
  with the Fahrenheit constant and asked for 1.8× too much air (erratum 29).
* Circuit current: single-phase I = P / (V·PF); balanced three-phase line current
  I = P / (√3·V_LL·PF).
* ASHRAE TC 9.9 (2021, 5th ed.) inlet air: recommended 18–27 °C; allowable A1 15–32, A2 10–35,
  A3 5–40, A4 5–45 °C; class H1 recommended 18–22 °C, allowable 5–25 °C (5 °C lower bound not
  directly quoted in docs/sources.md).
* PUE = total facility power / IT power (The Green Grid). PUE − 1 is **all** non-IT overhead
  (cooling, power conversion, lighting) relative to the IT load, not cooling alone (erratum 49).

>>> round(airflow_cfm(10_000, 17))
1032
>>> round(delta_t_c_for_airflow(10_200, 1105), 1)
16.2
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "BTU_PER_H_PER_W",
    "RACK_HEIGHTS_U",
    "SENSIBLE_HEAT_CONSTANT",
    "RackItem",
    "RackSlot",
    "RackLayout",
    "RackReport",
    "AshraeResult",
    "ThermalLimits",
    "server_catalog",
    "server",
    "rack_item",
    "course_text_rack_items",
    "course_text_rack_power_w",
    "build_rack",
    "it_load_w",
    "heat_btu_per_h",
    "airflow_cfm",
    "course_text_airflow_cfm",
    "airflow_m3_per_s",
    "delta_t_c_for_airflow",
    "c_to_f_delta",
    "circuit_current_a",
    "circuits_needed",
    "ashrae_check",
    "ASHRAE_2021",
    "pue",
    "facility_power_w",
    "non_it_overhead_w",
    "dcie",
    "GPU_THERMAL_LIMITS",
    "gpu_thermal_status",
    "rack_report",
    "q4_report",
    "COOLANTS",
    "LIQUID_HEAT_FRACTION",
    "split_heat_w",
    "coolant_flow_kg_per_s",
    "coolant_flow_l_per_min",
]

#: 1 W = 3.412 BTU/h (docs/sources.md#thermal).
BTU_PER_H_PER_W = 3.412
#: 1.08 = 0.075 lb/ft³ × 0.24 BTU/(lb·°F) × 60 min/h; needs ΔT in °F (docs/sources.md#thermal).
SENSIBLE_HEAT_CONSTANT = 1.08
#: 1 m³/s = 2118.88 ft³/min.
CFM_PER_M3_PER_S = 2118.88

RACK_HEIGHTS_U = (42, 48)


# --------------------------------------------------------------------------- catalog & rack


@dataclass(frozen=True)
class RackItem:
    """A piece of rack equipment: its height in U and its maximum power draw."""

    name: str
    height_u: int
    power_w: float
    kind: str = "other"
    source: str = ""


@dataclass(frozen=True)
class RackSlot:
    """An item mounted in the rack: occupies U positions ``bottom_u`` .. ``bottom_u + height_u - 1``."""

    item: RackItem
    bottom_u: int

    @property
    def top_u(self) -> int:
        return self.bottom_u + self.item.height_u - 1


@dataclass(frozen=True)
class RackLayout:
    """Equipment stacked bottom-up in a rack; what does not fit is listed in ``overflow``."""

    rack_u: int
    slots: tuple[RackSlot, ...]
    overflow: tuple[RackItem, ...]

    @property
    def requested_u(self) -> int:
        return sum(s.item.height_u for s in self.slots) + sum(i.height_u for i in self.overflow)

    @property
    def used_u(self) -> int:
        return sum(s.item.height_u for s in self.slots)

    @property
    def free_u(self) -> int:
        return self.rack_u - self.used_u

    @property
    def fits(self) -> bool:
        return not self.overflow

    @property
    def items(self) -> tuple[RackItem, ...]:
        """Every requested item, mounted or not."""
        return tuple(s.item for s in self.slots) + self.overflow


@functools.lru_cache(maxsize=1)
def server_catalog() -> dict[str, dict]:
    """The rows of ``data/servers.csv`` by name (height_u, max_power_w, gpus, source, ...).

    >>> server_catalog()["DGX A100"]["max_power_w"]
    6500.0
    """
    from course_kit.paths import data_path

    out = {}
    with open(data_path("servers.csv"), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            row = dict(row)
            row["height_u"] = int(row["height_u"])
            row["max_power_w"] = float(row["max_power_w"])
            row["gpus"] = int(row["gpus"])
            row["airflow_cfm"] = float(row["airflow_cfm"]) if row["airflow_cfm"] else None
            out[row["name"]] = row
    return out


def server(name: str) -> RackItem:
    """A server of ``data/servers.csv`` as a :class:`RackItem`.

    >>> server("DGX H100")
    RackItem(name='DGX H100', height_u=8, power_w=10200.0, kind='gpu_server', source='data/servers.csv')
    """
    cat = server_catalog()
    check_choice("name", name, list(cat))
    row = cat[name]
    return RackItem(name, row["height_u"], row["max_power_w"], row["kind"], "data/servers.csv")


def rack_item(name: str, height_u, power_w, kind: str = "other") -> RackItem:
    """A user-defined item (switch, PDU, storage ...) with validated height and power."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a non-empty string; got {name!r}")
    height_u = check_int("height_u", height_u, low=0, high=60)
    power_w = check_number("power_w", power_w, low=0, high=200_000)
    return RackItem(name.strip(), height_u, power_w, kind, "user")


def course_text_rack_items() -> tuple[RackItem, ...]:
    """The course text's "42U Rack Layout" (section 3, erratum 14) with the course text's own heights and watts.

    ToR switch 2U, management switch 1U, "Compute Nodes (36U)": 9 × 4U GPU servers **and** 18 × 2U
    CPU servers, PDU 2U, environmental monitoring 1U. Power figures are the course text's
    (``RackPowerCalculator``: GPU server 1,400 W, CPU server 400 W, ToR 200 W, PDU 50 W; the
    management switch and monitor are not given a wattage there). None of them is sourced.

    >>> sum(i.height_u for i in course_text_rack_items())
    78
    """
    src = "course text (unsourced)"
    items = [RackItem("ToR switch (course text)", 2, 200, "network", src),
             RackItem("Mgmt switch (course text)", 1, 0, "network", src)]
    items += [RackItem("GPU server (seed: 4U, 1,400 W)", 4, 1400, "gpu_server", src)] * 9
    items += [RackItem("CPU server (seed: 2U, 400 W)", 2, 400, "cpu_server", src)] * 18
    items += [RackItem("PDU (course text)", 2, 50, "power", src),
              RackItem("Env. monitoring (course text)", 1, 0, "other", src)]
    return tuple(items)


def course_text_rack_power_w() -> float:
    """The course text's ``RackPowerCalculator`` example: (9×1,400 + 2×200 + 2×50 + 4×200) × 1.2 W.

    Reproduced to show erratum 15: with DGX A100s (6.5 kW max each) the 9 GPU servers alone draw
    58.5 kW, not 16.7 kW. (The "fans: 200" line counts cooling fans as rack components.)

    >>> course_text_rack_power_w()
    16680.0
    """
    return (9 * 1400 + 2 * 200 + 2 * 50 + 4 * 200) * 1.2


def _check_items(items) -> list[RackItem]:
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise ValueError(f"items must be a list of RackItem or (name, count) pairs; got {items!r}")
    out: list[RackItem] = []
    for entry in items:
        if isinstance(entry, RackItem):
            out.append(entry)
        elif isinstance(entry, str):
            out.append(server(entry))
        elif isinstance(entry, (list, tuple)) and len(entry) == 2:
            what, count = entry
            count = check_int(f"count of {what!r}", count, low=0, high=200)
            item = what if isinstance(what, RackItem) else server(what)
            out.extend([item] * count)
        else:
            raise ValueError(f"each item must be a RackItem, a server name or a (name, count) pair; got {entry!r}")
        if len(out) > 500:
            raise ValueError("items must hold at most 500 pieces of equipment")
    return out


def build_rack(items, rack_u: int = 42) -> RackLayout:
    """Stack ``items`` bottom-up (in the order given) into a ``rack_u`` rack; the rest overflows.

    ``items``: :class:`RackItem` objects, server names from ``data/servers.csv`` or
    ``(name_or_item, count)`` pairs.

    >>> lay = build_rack([("DGX A100", 10)], rack_u=42)
    >>> lay.used_u, len(lay.overflow), lay.requested_u
    (42, 3, 60)
    """
    rack_u = check_int("rack_u", rack_u, low=1, high=60)
    slots, overflow, bottom = [], [], 1
    for item in _check_items(items):
        if bottom + item.height_u - 1 <= rack_u:
            slots.append(RackSlot(item, bottom))
            bottom += item.height_u
        else:
            overflow.append(item)
    return RackLayout(rack_u, tuple(slots), tuple(overflow))


def it_load_w(items) -> float:
    """Total maximum power of the equipment (a list as for :func:`build_rack`, or a layout).

    >>> it_load_w([("DGX A100", 10)])
    65000.0
    """
    if isinstance(items, RackLayout):
        return float(sum(i.power_w for i in items.items))
    return float(sum(i.power_w for i in _check_items(items)))


# --------------------------------------------------------------------------- heat & air


def heat_btu_per_h(heat_w) -> float:
    """Heat in BTU/h: 3.412 × W (docs/sources.md#thermal; the course text's conversion, erratum 27, is right).

    >>> heat_btu_per_h(1000)
    3412.0
    """
    return BTU_PER_H_PER_W * check_number("heat_w", heat_w, low=0, high=1e8)


def c_to_f_delta(delta_t_c) -> float:
    """A temperature *difference* in °F: ΔT°F = 1.8 × ΔT°C (no +32 for differences).

    >>> c_to_f_delta(17)
    30.6
    """
    return 1.8 * check_number("delta_t_c", delta_t_c, low=0, high=100, low_inclusive=False)


def airflow_cfm(heat_w, delta_t_c) -> float:
    """Air volume needed to carry ``heat_w`` away with an inlet→exhaust rise of ``delta_t_c``.

    CFM = 3.412·W / (1.08·ΔT°F), ΔT°F = 1.8·ΔT°C (sensible-heat equation, standard air;
    docs/sources.md#erratum-29). ≈ 1.76·W/ΔT°C.

    >>> round(airflow_cfm(10_000, 17))   # docs/sources.md#erratum-29: "correct ≈ 1,030 CFM"
    1032
    """
    heat_w = check_number("heat_w", heat_w, low=0, high=1e8)
    return BTU_PER_H_PER_W * heat_w / (SENSIBLE_HEAT_CONSTANT * c_to_f_delta(delta_t_c))


def course_text_airflow_cfm(heat_w, delta_t_c) -> float:
    """The course text's ``optimize_airflow`` (WRONG, kept for the erratum): a Celsius ΔT in the °F formula.

    It is exactly 1.8× :func:`airflow_cfm`.

    >>> round(course_text_airflow_cfm(10_000, 17))   # docs/sources.md#erratum-29: "course text ≈ 1,860 CFM"
    1858
    """
    heat_w = check_number("heat_w", heat_w, low=0, high=1e8)
    delta_t_c = check_number("delta_t_c", delta_t_c, low=0, high=100, low_inclusive=False)
    return BTU_PER_H_PER_W * heat_w / (SENSIBLE_HEAT_CONSTANT * delta_t_c)


def airflow_m3_per_s(heat_w, delta_t_c, *, air_density_kg_m3: float = 1.2, cp_j_per_kg_k: float = 1005.0) -> float:
    """SI form of the same balance: V = P / (ρ·cp·ΔT) (Engineering ToolBox, docs/sources.md#thermal).

    >>> round(airflow_m3_per_s(10_000, 17) * CFM_PER_M3_PER_S)
    1033
    """
    heat_w = check_number("heat_w", heat_w, low=0, high=1e8)
    delta_t_c = check_number("delta_t_c", delta_t_c, low=0, high=100, low_inclusive=False)
    rho = check_number("air_density_kg_m3", air_density_kg_m3, low=0.5, high=2.0)
    cp = check_number("cp_j_per_kg_k", cp_j_per_kg_k, low=900, high=1100)
    return heat_w / (rho * cp * delta_t_c)


def delta_t_c_for_airflow(heat_w, airflow_cfm_) -> float:
    """Air temperature rise (°C) when ``airflow_cfm_`` carries ``heat_w``: inverse of :func:`airflow_cfm`.

    DGX H100: 10.2 kW at 1,105 CFM ⇒ ≈ 29 °F ≈ 16 °C (docs/sources.md#thermal).

    >>> round(delta_t_c_for_airflow(10_200, 1105), 1)
    16.2
    """
    heat_w = check_number("heat_w", heat_w, low=0, high=1e8)
    cfm = check_number("airflow_cfm", airflow_cfm_, low=0, high=1e7, low_inclusive=False)
    return BTU_PER_H_PER_W * heat_w / (SENSIBLE_HEAT_CONSTANT * cfm) / 1.8


# --------------------------------------------------------------------------- electrical


def circuit_current_a(power_w, voltage_v, *, phases: int = 1, power_factor: float = 1.0) -> float:
    """Current drawn by ``power_w``: per conductor (single-phase) or per phase (balanced three-phase).

    Single-phase: I = P / (V·PF). Three-phase, V = line-to-line: I = P / (√3·V·PF).
    The course text's ``total/240`` is the single-phase, PF = 1 case (erratum 17).

    >>> round(circuit_current_a(58_500, 240), 1)
    243.8
    >>> round(circuit_current_a(58_500, 415, phases=3, power_factor=0.95), 1)
    85.7
    """
    power_w = check_number("power_w", power_w, low=0, high=1e8)
    voltage_v = check_number("voltage_v", voltage_v, low=1, high=1000)
    if isinstance(phases, bool) or phases not in (1, 3):
        raise ValueError(f"phases must be 1 or 3; got {phases!r}")
    phases = int(phases)
    pf = check_number("power_factor", power_factor, low=0, high=1, low_inclusive=False)
    return power_w / ((math.sqrt(3) if phases == 3 else 1.0) * voltage_v * pf)


def circuits_needed(
    power_w, voltage_v, breaker_a, *, phases: int = 1, power_factor: float = 1.0, derate: float = 0.8
) -> int:
    """Number of identical circuits for ``power_w`` when each may carry ``derate × breaker_a``.

    ``derate = 0.8`` is the common continuous-load practice (US NEC 80 % rule); it is not sourced
    in docs/sources.md (erratum 17 says so) — set 1.0 to ignore it.

    >>> circuits_needed(65_000, 415, 32, phases=3, power_factor=0.95)
    4
    """
    current = circuit_current_a(power_w, voltage_v, phases=phases, power_factor=power_factor)
    breaker_a = check_number("breaker_a", breaker_a, low=1, high=4000)
    derate = check_number("derate", derate, low=0.5, high=1.0)
    return max(1, math.ceil(current / (breaker_a * derate) - 1e-12)) if current > 0 else 0


# --------------------------------------------------------------------------- ASHRAE


#: ASHRAE TC 9.9 Thermal Guidelines, 5th ed. (2021), inlet dry-bulb °C (docs/sources.md#thermal).
ASHRAE_2021 = {
    "A1": {"recommended": (18.0, 27.0), "allowable": (15.0, 32.0)},
    "A2": {"recommended": (18.0, 27.0), "allowable": (10.0, 35.0)},
    "A3": {"recommended": (18.0, 27.0), "allowable": (5.0, 40.0)},
    "A4": {"recommended": (18.0, 27.0), "allowable": (5.0, 45.0)},
    # H1 (high-density air-cooled, 2021): recommended 18–22, allowable up to 25 °C; the 5 °C lower
    # allowable bound is not directly quoted in docs/sources.md (Medium).
    "H1": {"recommended": (18.0, 22.0), "allowable": (5.0, 25.0)},
}


@dataclass(frozen=True)
class AshraeResult:
    inlet_c: float
    ashrae_class: str
    recommended_c: tuple[float, float]
    allowable_c: tuple[float, float]
    in_recommended: bool
    in_allowable: bool
    message: str


def ashrae_check(inlet_c, ashrae_class: str = "A1") -> AshraeResult:
    """Where an inlet temperature sits in the ASHRAE 2021 envelope of ``ashrae_class``.

    >>> ashrae_check(24).message
    '24.0 °C is inside the ASHRAE recommended range 18–27 °C (class A1)'
    >>> ashrae_check(30).in_allowable, ashrae_check(30, "H1").in_allowable
    (True, False)
    """
    inlet_c = check_number("inlet_c", inlet_c, low=-20, high=70)
    ashrae_class = check_choice("ashrae_class", ashrae_class, list(ASHRAE_2021))
    rec = ASHRAE_2021[ashrae_class]["recommended"]
    allow = ASHRAE_2021[ashrae_class]["allowable"]
    in_rec = rec[0] <= inlet_c <= rec[1]
    in_allow = allow[0] <= inlet_c <= allow[1]
    if in_rec:
        msg = f"{inlet_c:.1f} °C is inside the ASHRAE recommended range {rec[0]:g}–{rec[1]:g} °C (class {ashrae_class})"
    elif in_allow:
        msg = (
            f"{inlet_c:.1f} °C is outside the recommended {rec[0]:g}–{rec[1]:g} °C but inside the class "
            f"{ashrae_class} allowable {allow[0]:g}–{allow[1]:g} °C"
        )
    else:
        msg = (
            f"{inlet_c:.1f} °C is OUTSIDE the class {ashrae_class} allowable envelope "
            f"{allow[0]:g}–{allow[1]:g} °C (recommended {rec[0]:g}–{rec[1]:g} °C)"
        )
    return AshraeResult(inlet_c, ashrae_class, rec, allow, in_rec, in_allow, msg)


# --------------------------------------------------------------------------- PUE


def pue(total_facility_w, it_w) -> float:
    """Power Usage Effectiveness = total facility power / IT equipment power (The Green Grid).

    >>> pue(1_560_000, 1_000_000)
    1.56
    """
    it_w = check_number("it_w", it_w, low=0, high=1e10, low_inclusive=False)
    total = check_number("total_facility_w", total_facility_w, low=it_w, high=1e11)
    return total / it_w


def facility_power_w(it_w, pue_) -> float:
    """Total facility power for an IT load at a given PUE: IT × PUE.

    >>> facility_power_w(65_000, 1.58)
    102700.0
    """
    it_w = check_number("it_w", it_w, low=0, high=1e10)
    return it_w * check_number("pue", pue_, low=1.0, high=5.0)


def non_it_overhead_w(it_w, pue_) -> float:
    """ALL non-IT power (cooling + power conversion + lighting ...): IT × (PUE − 1).

    PUE − 1 is not "the cooling overhead" (the course text's ``cooling_efficiency``, erratum 49).

    >>> round(non_it_overhead_w(1000, 1.5))
    500
    """
    it_w = check_number("it_w", it_w, low=0, high=1e10)
    return it_w * (check_number("pue", pue_, low=1.0, high=5.0) - 1.0)


def dcie(pue_) -> float:
    """Data Center infrastructure Efficiency = 1 / PUE (The Green Grid).

    >>> dcie(2.0)
    0.5
    """
    return 1.0 / check_number("pue", pue_, low=1.0, high=5.0)


# --------------------------------------------------------------------------- GPU thermal limits


@dataclass(frozen=True)
class ThermalLimits:
    """GPU temperature thresholds as ``nvidia-smi -q -d TEMPERATURE`` reports them (°C)."""

    sku: str
    max_operating_c: float
    slowdown_c: float
    shutdown_c: float
    memory_max_operating_c: float
    source: str
    confidence: str


#: Per-SKU limits (docs/sources.md#thermal). Read your own GPU's with ``nvidia-smi -q -d TEMPERATURE``.
GPU_THERMAL_LIMITS = {
    "A100 (8-GPU node)": ThermalLimits(
        "A100 (8-GPU node)", 85, 89, 92, 95,
        "nvidia-smi output quoted in a GitHub issue ('GPU Shutdown Temp : 92 C / GPU Slowdown Temp : 89 C / "
        "GPU Max Operating Temp : 85 C / Memory Max Operating Temp : 95 C'); node model inferred (docs/sources.md#thermal)",
        "Medium",
    ),
    "H100 PCIe": ThermalLimits(
        "H100 PCIe", 87, 89, 92, 95,
        "H100 PCIe product brief as quoted in a course note (docs/sources.md#thermal): max operating 87 °C, "
        "slowdown 89 °C, shutdown 92 °C, HBM 95 °C",
        "Low",
    ),
}


def gpu_thermal_status(gpu_temp_c, sku: str = "A100 (8-GPU node)") -> str:
    """What the GPU does at ``gpu_temp_c``: 'normal', 'above max operating', 'hardware slowdown', 'shutdown'.

    The GPU throttles itself in hardware at the slowdown temperature; software can only cap power
    or clocks (``nvidia-smi -pl``, ``-lgc``). The course text's fixed 83/90 °C thresholds and "50 %
    emergency throttle" are not per-SKU values (erratum 31).

    >>> gpu_thermal_status(86), gpu_thermal_status(90), gpu_thermal_status(70)
    ('above max operating', 'hardware slowdown', 'normal')
    """
    t = check_number("gpu_temp_c", gpu_temp_c, low=-40, high=150)
    sku = check_choice("sku", sku, list(GPU_THERMAL_LIMITS))
    lim = GPU_THERMAL_LIMITS[sku]
    if t >= lim.shutdown_c:
        return "shutdown"
    if t >= lim.slowdown_c:
        return "hardware slowdown"
    if t > lim.max_operating_c:
        return "above max operating"
    return "normal"


# --------------------------------------------------------------------------- liquid cooling

#: Coolant (c_p J/(kg·K), density kg/m³) at 25 °C, CoolProp 8.0.0 (``docs/sources.md#coolant-properties``).
COOLANTS = {"water": (4181.0, 997.0), "PG25": (3933.0, 1017.0)}

#: Share of a server's heat carried by its cold plates. GB200 compute tray: liquid-cooled GPUs and Grace
#: CPUs at their power-management limits, (4 × 1,200 + 2 × 420) W / 6,667 W ≈ 0.85; derived, Medium
#: (``docs/sources.md#liquid-fraction``). Air-cooled servers: 0.
LIQUID_HEAT_FRACTION = {"GB200 NVL72 compute tray": (4 * 1200 + 2 * 420) / 6667}


def split_heat_w(heat_w, liquid_fraction) -> tuple[float, float]:
    """(to liquid, to air) in W: the cold plates take ``liquid_fraction`` of the heat, the air the rest.

    >>> split_heat_w(120_000, 0.85)
    (102000.0, 18000.0)
    """
    heat_w = check_number("heat_w", heat_w, low=0, high=1e8)
    f = check_number("liquid_fraction", liquid_fraction, low=0, high=1)
    liquid = heat_w * f
    return liquid, heat_w - liquid


def coolant_flow_kg_per_s(heat_w, delta_t_c, cp_j_per_kg_k=4181.0) -> float:
    """Mass flow that carries ``heat_w`` with a coolant temperature rise ``delta_t_c``: ṁ = Q / (c_p·ΔT).

    ``docs/sources.md#coolant-properties``: 120 kW into water with a 10 K rise needs 2.87 kg/s.

    >>> round(coolant_flow_kg_per_s(120_000, 10), 2)
    2.87
    """
    heat_w = check_number("heat_w", heat_w, low=0, high=1e8)
    dt = check_number("delta_t_c", delta_t_c, low=0, high=60, low_inclusive=False)
    cp = check_number("cp_j_per_kg_k", cp_j_per_kg_k, low=1000, high=5000)
    return heat_w / (cp * dt)


def coolant_flow_l_per_min(heat_w, delta_t_c, coolant: str = "water") -> float:
    """Volume flow in litres per minute: ṁ / ρ · 60,000, for a coolant of :data:`COOLANTS`.

    >>> round(coolant_flow_l_per_min(120_000, 10)), round(coolant_flow_l_per_min(120_000, 10, "PG25"))
    (173, 180)
    """
    coolant = check_choice("coolant", coolant, list(COOLANTS))
    cp, rho = COOLANTS[coolant]
    return coolant_flow_kg_per_s(heat_w, delta_t_c, cp) / rho * 60_000


# --------------------------------------------------------------------------- rack report


@dataclass(frozen=True)
class RackReport:
    """Everything the rack widget shows: space, power, heat, air, current and the warnings."""

    layout: RackLayout
    it_load_w: float
    heat_btu_h: float
    airflow_cfm: float
    delta_t_c: float
    inlet_c: float
    exhaust_c: float
    voltage_v: float
    phases: int
    power_factor: float
    current_a: float
    breaker_a: float
    circuit_limit_a: float
    cooling_capacity_w: float
    ashrae: AshraeResult
    warnings: tuple[str, ...]
    liquid_fraction: float = 0.0
    liquid_heat_w: float = 0.0
    air_heat_w: float = 0.0
    coolant: str = "water"
    coolant_delta_t_c: float = 10.0
    coolant_flow_l_min: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.warnings


def rack_report(
    items,
    *,
    rack_u: int = 42,
    inlet_c: float = 24.0,
    delta_t_c: float = 15.0,
    voltage_v: float = 415.0,
    phases: int = 3,
    power_factor: float = 0.95,
    breaker_a: float = 63.0,
    derate: float = 0.8,
    cooling_capacity_w: float = 40_000.0,
    ashrae_class: str = "A1",
    liquid_fraction: float = 0.0,
    coolant: str = "water",
    coolant_delta_t_c: float = 10.0,
) -> RackReport:
    """Build the rack and evaluate it: U space, IT load, BTU/h, CFM, amps per phase, ASHRAE, cooling.

    The IT load counts **every requested item**, mounted or overflowing (it is what you are trying
    to install). Warnings: over U space, over circuit (current > ``derate × breaker_a``), over
    room cooling (heat > ``cooling_capacity_w``), inlet outside the ASHRAE recommended/allowable
    range. With ``liquid_fraction`` > 0 the cold plates take that share of the heat (to a coolant loop
    of ``coolant`` warming by ``coolant_delta_t_c``); the air, the airflow and the room-cooling check
    only see the rest.

    >>> r = q4_report()
    >>> r.it_load_w, r.layout.requested_u
    (65000.0, 60)
    >>> [w.split(":")[0] for w in r.warnings]
    ['over U space', 'over room cooling', 'over circuit']
    """
    layout = build_rack(items, rack_u=rack_u)
    load = it_load_w(layout)
    inlet_c = check_number("inlet_c", inlet_c, low=-20, high=70)
    delta_t_c = check_number("delta_t_c", delta_t_c, low=0, high=40, low_inclusive=False)
    cooling = check_number("cooling_capacity_w", cooling_capacity_w, low=0, high=1e8)
    current = circuit_current_a(load, voltage_v, phases=phases, power_factor=power_factor)
    breaker_a = check_number("breaker_a", breaker_a, low=1, high=4000)
    derate = check_number("derate", derate, low=0.5, high=1.0)
    limit = breaker_a * derate
    ash = ashrae_check(inlet_c, ashrae_class)
    liquid_w, air_w = split_heat_w(load, liquid_fraction)
    flow = coolant_flow_l_per_min(liquid_w, coolant_delta_t_c, coolant)
    warnings = []
    if layout.overflow:
        warnings.append(
            f"over U space: {layout.requested_u}U of equipment in a {layout.rack_u}U rack "
            f"({layout.requested_u - layout.used_u}U / {len(layout.overflow)} item(s) do not fit)"
        )
    if air_w > cooling:
        what = "heat" if liquid_w == 0 else "heat to air"
        warnings.append(
            f"over room cooling: {air_w / 1000:.1f} kW of {what} > {cooling / 1000:.1f} kW cooling capacity "
            f"(a capacity problem, not an airflow problem)"
        )
    if current > limit:
        warnings.append(
            f"over circuit: {current:.1f} A per {'phase' if phases == 3 else 'circuit'} > "
            f"{derate:.0%} of a {breaker_a:g} A breaker ({limit:.1f} A)"
        )
    if not ash.in_allowable:
        warnings.append(f"outside ASHRAE: {ash.message}")
    elif not ash.in_recommended:
        warnings.append(f"outside ASHRAE recommended: {ash.message}")
    return RackReport(
        layout=layout,
        it_load_w=load,
        heat_btu_h=heat_btu_per_h(load),
        airflow_cfm=airflow_cfm(air_w, delta_t_c),
        delta_t_c=delta_t_c,
        inlet_c=inlet_c,
        exhaust_c=inlet_c + delta_t_c,
        voltage_v=float(voltage_v),
        phases=phases,
        power_factor=float(power_factor),
        current_a=current,
        breaker_a=breaker_a,
        circuit_limit_a=limit,
        cooling_capacity_w=cooling,
        ashrae=ash,
        warnings=tuple(warnings),
        liquid_fraction=float(liquid_fraction),
        liquid_heat_w=liquid_w,
        air_heat_w=air_w,
        coolant=coolant,
        coolant_delta_t_c=float(coolant_delta_t_c),
        coolant_flow_l_min=flow,
    )


def q4_report(**overrides) -> RackReport:
    """Seed Q4 done right: 10 × DGX A100 (6.5 kW each, not 3.5 kW) in one 42U rack, 24 °C inlet,
    40 kW cooling (erratum 32). 65 kW > 40 kW is a capacity problem; 60U do not fit in 42U.
    """
    kwargs = dict(rack_u=42, inlet_c=24.0, delta_t_c=15.0, cooling_capacity_w=40_000.0)
    kwargs.update(overrides)
    return rack_report([("DGX A100", 10)], **kwargs)

