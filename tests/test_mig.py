"""MIG placement engine: published references, brute-force cross-checks, hypothesis invariants.

The brute force here is independent of the engine: it re-reads ``data/mig_profiles.csv`` with the
csv module, tries every combination of allowed starts (``itertools.product``) and enumerates all
subsets of (profile, start) candidates with numpy bit arithmetic.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import data_path, mig

GPUS = mig.gpu_models()


# --------------------------------------------------------------------------- independent brute force


def _raw_table():
    table = {}
    with open(data_path("mig_profiles.csv"), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            m = re.match(r"^\{([\d,]+)\}:(\d+)$", row["placements"])
            table.setdefault(row["gpu"], {})[row["profile"]] = dict(
                starts=[int(x) for x in m.group(1).split(",")],
                size=int(m.group(2)),
                compute=int(row["compute_slices"]),
                max=int(row["max_instances"]),
                total_mem=int(row["total_memory_slices"]),
                total_compute=int(row["total_compute_slices"]),
            )
    return table


RAW = _raw_table()


def _valid_explicit(gpu, items, pre_r510=False):
    """items = [(profile, start)]: every rule checked directly."""
    t = RAW[gpu]
    any_p = next(iter(t.values()))
    used = set()
    for name, start in items:
        p = t[name]
        if start not in p["starts"]:
            return False
        cells = set(range(start, start + p["size"]))
        if cells & used or max(cells) >= any_p["total_mem"]:
            return False
        used |= cells
    counts = Counter(n for n, _ in items)
    if any(counts[n] > t[n]["max"] for n in counts):
        return False
    if sum(t[n]["compute"] for n, _ in items) > any_p["total_compute"]:
        return False
    if pre_r510:
        kinds = {(t[n]["size"], t[n]["compute"]) for n, _ in items}
        if (4, 4) in kinds and (4, 3) in kinds:
            return False
    return True


def _brute_feasible(gpu, names, pre_r510=False):
    """Try every choice of distinct starts for each profile (identical instances are interchangeable)."""
    t = RAW[gpu]
    counts = Counter(names)
    groups = [[(n, combo) for combo in itertools.combinations(t[n]["starts"], k)] for n, k in counts.items()]
    for choice in itertools.product(*groups):
        items = [(n, s) for n, combo in choice for s in combo]
        if _valid_explicit(gpu, items, pre_r510):
            return True
    return False


def _brute_maximal(gpu, names_allowed):
    """All maximal layouts over the allowed profiles, by enumerating every candidate subset (numpy)."""
    t = RAW[gpu]
    cands = [(n, s) for n in names_allowed for s in t[n]["starts"]]
    k = len(cands)
    subsets = np.arange(1 << k, dtype=np.int64)
    orm = np.zeros(1 << k, dtype=np.int64)
    size = np.zeros(1 << k, dtype=np.int64)
    comp = np.zeros(1 << k, dtype=np.int64)
    counts = {n: np.zeros(1 << k, dtype=np.int64) for n in names_allowed}
    for j, (n, s) in enumerate(cands):
        inside = (subsets >> j) & 1
        mask = ((1 << t[n]["size"]) - 1) << s
        orm |= inside * mask
        size += inside * t[n]["size"]
        comp += inside * t[n]["compute"]
        counts[n] += inside
    popcount = np.array([bin(x).count("1") for x in range(256)])[orm]
    any_p = next(iter(t.values()))
    valid = (popcount == size) & (comp <= any_p["total_compute"])
    for n in names_allowed:
        valid &= counts[n] <= t[n]["max"]
    maximal = valid.copy()
    for j in range(k):
        bit = 1 << j
        missing = (subsets & bit) == 0
        maximal &= ~(missing & valid[subsets | bit])
    out = set()
    for sub in np.nonzero(maximal)[0]:
        out.add(tuple(sorted((s, n) for j, (n, s) in enumerate(cands) if (sub >> j) & 1)))
    return out


def _engine_set(layouts):
    return {tuple(sorted((i.start, i.profile) for i in L.instances)) for L in layouts}


# --------------------------------------------------------------------------- data & references


def test_every_gpu_has_the_published_profile_set():
    assert set(GPUS) == {
        "A100-SXM4-40GB", "A100-80GB", "A30-24GB", "H100-SXM5-80GB", "H100-PCIe-80GB",
        "H100-NVL-94GB", "H200-141GB", "B200-180GB",
    }
    assert set(mig.profiles("A100-SXM4-40GB")) == {
        "1g.5gb", "1g.5gb+me", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"}


def test_a100_reference_values_from_lgip():
    # docs/sources.md#mig-a100-40gb (nvidia-smi mig -lgip): 7g.40gb has 98 SMs, 4g.20gb 1/1 instance, 3g.20gb 42 SMs
    t = mig.profiles("A100-SXM4-40GB")
    assert t["7g.40gb"].sm_count == 98
    assert t["4g.20gb"].max_instances == 1 and t["4g.20gb"].placements == "{0}:4"
    assert (t["3g.20gb"].sm_count, t["3g.20gb"].max_instances, t["3g.20gb"].placements) == (42, 2, "{0,4}:4")
    assert t["1g.10gb"].placements == "{0,2,4,6}:2"
    assert [t[n].profile_id for n in ("1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb")] == [
        19, 15, 14, 9, 5, 0]


def test_h100_sm_counts_sxm_and_pcie():
    # docs/sources.md#mig-h100: SXM 16/26/32/60/64/132, PCIe 14/14/30/46/62/114
    names = ["1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"]
    assert [mig.profiles("H100-SXM5-80GB")[n].sm_count for n in names] == [16, 26, 32, 60, 64, 132]
    assert [mig.profiles("H100-PCIe-80GB")[n].sm_count for n in names] == [14, 14, 30, 46, 62, 114]


def test_unverified_values_are_marked():
    b200 = mig.profiles("B200-180GB")
    for n in ("3g.90gb", "4g.90gb", "7g.180gb"):
        assert b200[n].sm_count is None
        assert "UNVERIFIED" in b200[n].note and b200[n].confidence == "Low"
    for p in mig.profiles("H200-141GB").values():
        assert "INFERRED" in p.note


def test_unknown_gpu_lists_the_known_models():
    with pytest.raises(ValueError) as exc:
        mig.profiles("A100")
    for g in GPUS:
        assert g in str(exc.value)


def test_seed_errata_41_42():
    # 4g.20gb only once (erratum 42)
    assert mig.place("A100-SXM4-40GB", ["4g.20gb", "4g.20gb"]) is None
    assert mig.infeasibility_reason("A100-SXM4-40GB", ["4g.20gb"] * 2).startswith("4g.20gb allows 1 instance")


def test_3_2_1_1_geometry_is_valid():
    # MIG-UG "Example 2: Creation of a 3-2-1-1 geometry"
    placement = mig.place("A100-SXM4-40GB", ["3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"])
    assert placement is not None
    items = [(k.split("#")[0], v) for k, v in placement.items()]
    assert _valid_explicit("A100-SXM4-40GB", items)
    assert mig.nvidia_smi_command("A100-SXM4-40GB", placement).split("-cgi ")[1].startswith("9,")


def test_real_h100_layout_from_nvidia_smi_lgi_is_valid():
    # nvidia-smi mig -lgi on an H100 (NVIDIA/DCGM issue #138): 1g.10gb 2:1, 1g.10gb 3:1, 2g.20gb 0:2, 3g.40gb 4:4
    ok, why = mig.is_valid_layout("H100-SXM5-80GB", [("1g.10gb", 2), ("1g.10gb", 3), ("2g.20gb", 0), ("3g.40gb", 4)])
    assert ok, why
    # MIG-UG -lgi example: two 3g.20gb at 4:4 and 0:4
    assert mig.is_valid_layout("A100-SXM4-40GB", [("3g.20gb", 4), ("3g.20gb", 0)])[0]


def test_invalid_explicit_layouts_get_reasons():
    ok, why = mig.is_valid_layout("A100-SXM4-40GB", [("3g.20gb", 0), ("2g.10gb", 2)])
    assert not ok and "overlaps" in why
    ok, why = mig.is_valid_layout("A100-SXM4-40GB", [("1g.5gb", 7)])
    assert not ok and "cannot start" in why


def test_how_many_1g10gb_beside_a_3g40gb_on_h100():
    # hand count: 3g.40gb at 4 (slices 4-7) leaves 0-3 for four 1g.10gb; compute 3 + 4 = 7
    g = "H100-SXM5-80GB"
    k = max(n for n in range(8) if mig.place(g, ["3g.40gb"] + ["1g.10gb"] * n) is not None)
    assert k == 4


def test_r510_rule_is_a_driver_flag():
    g = "A100-SXM4-40GB"
    assert mig.place(g, ["4g.20gb", "3g.20gb"]) == {"4g.20gb#1": 0, "3g.20gb#1": 4}
    assert mig.place(g, ["4g.20gb", "3g.20gb"], pre_r510=True) is None
    assert "R510" in mig.infeasibility_reason(g, ["4g.20gb", "3g.20gb"], pre_r510=True)
    with pytest.raises(ValueError, match="pre_r510"):
        mig.place("H100-SXM5-80GB", ["3g.40gb"], pre_r510=True)


def test_lone_instance_placed_to_leave_most_room():
    assert mig.place("A100-SXM4-40GB", ["3g.20gb"]) == {"3g.20gb#1": 4}


def test_addable_matches_brute_force():
    g = "A100-SXM4-40GB"
    base = [("3g.20gb", 4), ("2g.10gb", 0)]
    expected = {}
    for n, p in RAW[g].items():
        for s in p["starts"]:
            if _valid_explicit(g, base + [(n, s)]):
                expected.setdefault(n, []).append(s)
    assert mig.addable(g, base) == {k: tuple(v) for k, v in expected.items()}


# --------------------------------------------------------------------------- maximal layouts


@pytest.mark.parametrize("gpu", ["A100-SXM4-40GB", "A30-24GB", "B200-180GB"])
def test_maximal_layouts_equal_brute_force_enumeration(gpu):
    names = [n for n in RAW[gpu] if "+me" not in n]
    assert _engine_set(mig.maximal_layouts(gpu, names)) == _brute_maximal(gpu, names)


def test_maximal_layouts_with_media_profiles_a30():
    names = list(RAW["A30-24GB"])
    assert _engine_set(mig.maximal_layouts("A30-24GB")) == _brute_maximal("A30-24GB", names)


def test_a30_maximal_layouts_by_hand():
    # 4 slices: {4g}, {2g,2g}, {2g@0,1g,1g}, {1g,1g,2g@2}, {1g x4}
    got = {tuple(sorted(i.profile for i in L.instances))
           for L in mig.maximal_layouts("A30-24GB", ["1g.6gb", "2g.12gb", "4g.24gb"])}
    assert got == {("4g.24gb",), ("2g.12gb", "2g.12gb"), ("1g.6gb", "1g.6gb", "2g.12gb"), ("1g.6gb",) * 4}
    assert len(mig.maximal_layouts("A30-24GB", ["1g.6gb", "2g.12gb", "4g.24gb"])) == 5


@pytest.mark.parametrize("gpu", GPUS)
def test_every_maximal_layout_is_valid_and_closed(gpu):
    for L in mig.maximal_layouts(gpu):
        items = [(i.profile, i.start) for i in L.instances]
        assert _valid_explicit(gpu, items)
        for n, p in RAW[gpu].items():
            for s in p["starts"]:
                assert not _valid_explicit(gpu, items + [(n, s)]), (str(L), n, s)


# --------------------------------------------------------------------------- hypothesis invariants


@st.composite
def requests(draw):
    gpu = draw(st.sampled_from(GPUS))
    names = draw(st.lists(st.sampled_from(sorted(RAW[gpu])), min_size=0, max_size=8))
    pre = draw(st.booleans()) and gpu in mig.PRE_R510_GPUS
    return gpu, names, pre


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_place_is_valid_and_agrees_with_brute_force(req):
    gpu, names, pre = req
    got = mig.place(gpu, names, pre_r510=pre)
    assert (got is not None) == _brute_feasible(gpu, names, pre)
    assert (got is None) == (mig.infeasibility_reason(gpu, names, pre_r510=pre) is not None)
    if got is not None:
        items = [(k.split("#")[0], v) for k, v in got.items()]
        assert Counter(n for n, _ in items) == Counter(names)
        assert _valid_explicit(gpu, items, pre)  # valid starts, no overlap, counts, compute, R510


@settings(max_examples=120, deadline=None)
@given(requests())
def test_place_succeeds_iff_a_maximal_layout_contains_the_multiset(req):
    gpu, names, pre = req
    want = Counter(names)
    contained = any(
        not (want - Counter(i.profile for i in L.instances)) for L in mig.maximal_layouts(gpu, pre_r510=pre)
    )
    assert (mig.place(gpu, names, pre_r510=pre) is not None) == contained


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(GPUS), st.data())
def test_maximal_layouts_of_a_subset_are_closed_for_that_subset(gpu, data):
    subset = data.draw(st.lists(st.sampled_from(sorted(RAW[gpu])), min_size=1, max_size=4, unique=True))
    for L in mig.maximal_layouts(gpu, subset):
        items = [(i.profile, i.start) for i in L.instances]
        assert all(n in subset for n, _ in items)
        assert _valid_explicit(gpu, items)
        assert not any(_valid_explicit(gpu, items + [(n, s)]) for n in subset for s in RAW[gpu][n]["starts"])


# --------------------------------------------------------------------------- best layout


def _brute_best(gpu, workloads):
    """Minimum allocated share over all per-workload profile choices that can be placed."""
    t = mig.profiles(gpu)
    tm, tc = mig.geometry(gpu)
    opts = [[n for n, p in t.items() if not p.media_extensions and p.memory_gib >= m and p.compute_slices >= c]
            for _, m, c in workloads]
    best = None
    for combo in itertools.product(*opts):
        if _brute_feasible(gpu, list(combo)):
            share = sum(t[n].memory_slices / tm + t[n].compute_slices / tc for n in combo) / 2
            best = share if best is None else min(best, share)
    return best


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["A100-SXM4-40GB", "H100-SXM5-80GB", "A30-24GB"]),
    st.lists(st.tuples(st.floats(1, 45), st.integers(1, 4)), min_size=1, max_size=4),
)
def test_best_layout_is_optimal(gpu, needs):
    wl = [(f"w{i}", m, c) for i, (m, c) in enumerate(needs)]
    fit = mig.best_layout(gpu, wl)
    brute = _brute_best(gpu, wl)
    assert fit.fits == (brute is not None), fit.reason
    if fit.fits:
        assert fit.allocated_fraction == pytest.approx(brute)
        t = mig.profiles(gpu)
        placement = fit.layout.placement()
        for (name, m, c), (wname, label) in zip(wl, fit.assignment):
            assert name == wname and label in placement
            p = t[label.split("#")[0]]
            assert p.memory_gib >= m and p.compute_slices >= c
        assert len({lab for _, lab in fit.assignment}) == len(wl)
    else:
        assert fit.reason


def test_best_layout_beats_the_seed_single_profile_choice():
    wl = [("llm", 18, 3), ("etl", 9, 2), ("a", 4, 1), ("b", 4, 1)]
    seed = mig.single_profile_choice("A100-SXM4-40GB", wl)
    assert seed == "1g.10gb"  # 4 x 9.62 GiB >= 35 GiB in total, yet 'llm' needs 18 GiB
    assert mig.profiles("A100-SXM4-40GB")[seed].memory_gib < 18
    fit = mig.best_layout("A100-SXM4-40GB", wl)
    assert fit.layout.profile_counts == {"1g.5gb": 2, "2g.10gb": 1, "3g.20gb": 1}
    assert fit.memory_waste_gib == pytest.approx(19.5 + 9.62 + 2 * 4.75 - 35)


def test_best_layout_does_not_fit_reasons():
    assert "largest instance" in mig.best_layout("A100-SXM4-40GB", [("x", 50, 1)]).reason
    assert "at most 4" in mig.best_layout("A30-24GB", [(1, 1)] * 5).reason
    assert not mig.best_layout("A100-SXM4-40GB", [(5, 1)] * 7).fits  # 1g.5gb has 4.75 GiB < 5


# --------------------------------------------------------------------------- export


def test_mig_parted_config_is_valid_yaml_with_counts():
    g = "A100-SXM4-40GB"
    text = mig.mig_parted_config(g, mig.place(g, "3g.20gb, 2g.10gb, 2x 1g.5gb"), name="three-two-one-one")
    doc = yaml.safe_load(text)
    assert doc["version"] == "v1"
    entry = doc["mig-configs"]["three-two-one-one"][0]
    assert entry == {"devices": "all", "mig-enabled": True,
                     "mig-devices": {"3g.20gb": 1, "2g.10gb": 1, "1g.5gb": 2}}


def test_nvidia_smi_command_lists_profile_ids_largest_first():
    g = "H100-SXM5-80GB"
    cmd = mig.nvidia_smi_command(g, mig.layout(g, "1g.10gb, 3g.40gb, 2g.20gb, 1g.10gb"), gpu_index=3)
    assert cmd == "sudo nvidia-smi mig -i 3 -cgi 9,14,19,19 -C"


def test_parsers():
    g = "A100-SXM4-40GB"
    assert mig.parse_profile_list(g, "1g.5gb*3, 2 x 2g.10gb") == ["1g.5gb"] * 3 + ["2g.10gb"] * 2
    with pytest.raises(ValueError, match="does not exist"):
        mig.parse_profile_list(g, "1g.20gb")
    wl = mig.parse_workloads("a: 10 GiB 2c\nb: 3.5")
    assert [(w.name, w.memory_gib, w.compute_slices) for w in wl] == [("a", 10.0, 2), ("b", 3.5, 1)]
    with pytest.raises(ValueError):
        mig.parse_workloads("a: lots")


# --------------------------------------------------------------------------- fuzz: only ValueError


junk = st.one_of(st.none(), st.integers(-5, 100), st.floats(allow_nan=True), st.text(max_size=12),
                 st.lists(st.text(max_size=8), max_size=4), st.booleans(),
                 st.lists(st.tuples(st.text(max_size=6), st.integers(-2, 9)), max_size=3),
                 st.dictionaries(st.text(max_size=5), st.integers(-3, 9), max_size=3))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["place", "maximal_layouts", "best_layout", "addable", "is_valid_layout",
                        "nvidia_smi_command", "mig_parted_config", "infeasibility_reason", "profiles",
                        "parse_workloads", "layout"]),
       st.one_of(st.sampled_from(GPUS), junk), junk, st.one_of(st.booleans(), junk))
def test_public_functions_raise_only_value_error(fn, gpu, arg, flag):
    f = getattr(mig, fn)
    try:
        if fn == "profiles":
            f(gpu)
        elif fn == "parse_workloads":
            f(arg)
        elif fn in ("place", "maximal_layouts", "best_layout", "addable", "is_valid_layout",
                    "infeasibility_reason", "layout"):
            f(gpu, arg, pre_r510=flag)
        else:
            f(gpu, arg)
    except ValueError:
        pass
