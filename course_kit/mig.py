"""Multi-Instance GPU (MIG): an exact placement engine for GPU-instance profiles.

The rules (``docs/sources.md#mig``, NVIDIA MIG User Guide "MIG-UG"):

* A GPU has 8 **memory slices** (4 on A30) and 7 **compute (SM) slices** (4 on A30). A GPU
  instance of profile ``Xg.YYgb`` takes X compute slices and a fixed number of memory slices.
* A placement is written ``{starts}:size`` in memory slices, as ``nvidia-smi mig -lgipp`` prints
  it: an instance of size s may only start at one of its profile's listed starts and occupies
  memory slices ``[start, start + s)``. "Creation of new GPU instance will fail if there is
  overlap with the already occupied memory slices" (NVML ``nvmlGpuInstancePlacement_t``).
* Each profile has a maximum instance count (``Free/Total`` in ``nvidia-smi mig -lgip``), e.g. one
  ``4g.20gb`` on an A100 (its only placement is ``{0}:4``).
* The compute slices of all instances add up to at most 7 (4 on A30).
* Before driver R510 a (4 memory, 4 compute) and a (4 memory, 3 compute) instance could not be
  combined (MIG-UG Concepts: "prior to NVIDIA driver release R510, the combination of a (4 memory,
  4 compute) and a (4 memory, 3 compute) profile was not supported"). ``pre_r510=True`` applies it.

The engine enumerates every valid layout of a GPU once (depth-first over (profile, start)
candidates, a few thousand layouts at most) and caches it, so :func:`place`,
:func:`maximal_layouts` and :func:`best_layout` are exact, not heuristic.

>>> profiles("A100-SXM4-40GB")["7g.40gb"].sm_count
98
>>> place("A100-SXM4-40GB", ["3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"])
{'2g.10gb#1': 0, '1g.5gb#1': 2, '1g.5gb#2': 3, '3g.20gb#1': 4}
>>> place("A100-SXM4-40GB", ["4g.20gb", "4g.20gb"]) is None
True
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "COURSE_TEXT_A100_PROFILES",
    "Profile",
    "Instance",
    "Layout",
    "Workload",
    "Fit",
    "gpu_models",
    "gpu_name",
    "profiles",
    "profile_table",
    "geometry",
    "parse_profile_list",
    "place",
    "layout",
    "infeasibility_reason",
    "is_valid_layout",
    "addable",
    "maximal_layouts",
    "count_maximal_layouts",
    "maximal_layout_counts",
    "best_layout",
    "parse_workloads",
    "single_profile_choice",
    "nvidia_smi_command",
    "mig_parted_config",
    "R510_NOTE",
    "PRE_R510_GPUS",
]

R510_NOTE = (
    "Before driver R510 a (4 memory, 4 compute) and a (4 memory, 3 compute) instance could not be "
    "combined (MIG-UG Concepts); newer drivers allow it."
)
#: GPUs that pre-R510 drivers supported in MIG mode (Ampere). Hopper and Blackwell need newer drivers.
PRE_R510_GPUS = ("A100-SXM4-40GB", "A100-80GB", "A30-24GB")

_PLACEMENT_RE = re.compile(r"^\{(\d+(?:,\d+)*)\}:(\d+)$")


@dataclass(frozen=True)
class Profile:
    """One GPU-instance profile of one GPU model (a row of ``data/mig_profiles.csv``)."""

    gpu: str
    name: str
    profile_id: int
    memory_slices: int
    compute_slices: int
    sm_count: int | None  # None where the reference has no verified value (B200 3g/4g/7g)
    memory_gib: float
    max_instances: int
    starts: tuple[int, ...]
    media_extensions: bool
    source: str
    confidence: str
    note: str

    @property
    def placements(self) -> str:
        """The placement string as ``nvidia-smi mig -lgipp`` prints it, e.g. ``{0,4}:4``."""
        return "{" + ",".join(str(s) for s in self.starts) + "}:" + str(self.memory_slices)


@dataclass(frozen=True, order=True)
class Instance:
    """A placed GPU instance: profile name and first memory slice (``start:size``)."""

    start: int
    size: int
    profile: str

    def __str__(self) -> str:
        return f"{self.profile}@{self.start}:{self.size}"


@dataclass(frozen=True)
class Layout:
    """A set of placed instances on one GPU, sorted by start slice."""

    gpu: str
    instances: tuple[Instance, ...]

    @property
    def profile_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(i.profile for i in self.instances).items()))

    @property
    def memory_slices_used(self) -> int:
        return sum(i.size for i in self.instances)

    @property
    def compute_slices_used(self) -> int:
        table = profiles(self.gpu)
        return sum(table[i.profile].compute_slices for i in self.instances)

    def placement(self) -> dict[str, int]:
        """``{instance label: start slice}`` with labels ``name#k`` (k counts from 1 per profile)."""
        seen: Counter = Counter()
        out = {}
        for inst in self.instances:
            seen[inst.profile] += 1
            out[f"{inst.profile}#{seen[inst.profile]}"] = inst.start
        return out

    def __str__(self) -> str:
        return " + ".join(str(i) for i in self.instances) or "(empty)"


@dataclass(frozen=True)
class Workload:
    """A tenant that needs ``memory_gib`` of GPU memory and ``compute_slices`` SM slices."""

    name: str
    memory_gib: float
    compute_slices: int = 1


@dataclass(frozen=True)
class Fit:
    """Result of :func:`best_layout`: the chosen layout or the reason nothing fits."""

    gpu: str
    fits: bool
    layout: Layout | None
    assignment: tuple[tuple[str, str], ...] = ()  # (workload name, instance label)
    memory_waste_gib: float | None = None
    compute_waste_slices: int | None = None
    allocated_fraction: float | None = None
    reason: str = ""
    objective: str = field(
        default=(
            "minimise the GPU share allocated, memory_slices/M + compute_slices/C summed over the "
            "instances (M, C = the GPU's memory and compute slices); the workloads' needs are "
            "fixed, so this minimises wasted memory plus wasted compute"
        )
    )

    def __str__(self) -> str:
        if not self.fits:
            return f"does not fit on {self.gpu}: {self.reason}"
        pairs = ", ".join(f"{w} -> {i}" for w, i in self.assignment)
        return (
            f"{self.layout} on {self.gpu} ({pairs}); waste {self.memory_waste_gib:.2f} GiB, "
            f"{self.compute_waste_slices} compute slice(s)"
        )


# --------------------------------------------------------------------------- the data


def _parse_placements(text: str, where: str) -> tuple[tuple[int, ...], int]:
    m = _PLACEMENT_RE.match(text.replace(" ", ""))
    if not m:
        raise ValueError(f"bad placement {text!r} in {where}")
    return tuple(int(s) for s in m.group(1).split(",")), int(m.group(2))


@functools.lru_cache(maxsize=1)
def _catalog() -> dict[str, dict[str, Profile]]:
    from course_kit.paths import data_path

    out: dict[str, dict[str, Profile]] = {}
    with open(data_path("mig_profiles.csv"), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            starts, size = _parse_placements(row["placements"], f"{row['gpu']} {row['profile']}")
            if size != int(row["memory_slices"]):
                raise ValueError(f"placement size != memory_slices for {row['gpu']} {row['profile']}")
            prof = Profile(
                gpu=row["gpu"],
                name=row["profile"],
                profile_id=int(row["profile_id"]),
                memory_slices=int(row["memory_slices"]),
                compute_slices=int(row["compute_slices"]),
                sm_count=int(row["sm_count"]) if row["sm_count"] else None,
                memory_gib=float(row["memory_gib"]),
                max_instances=int(row["max_instances"]),
                starts=starts,
                media_extensions=row["media_extensions"] == "yes",
                source=row["source"],
                confidence=row["confidence"],
                note=row["note"],
            )
            out.setdefault(prof.gpu, {})[prof.name] = prof
    return out


@functools.lru_cache(maxsize=1)
def _geometry_table() -> dict[str, tuple[int, int]]:
    from course_kit.paths import data_path

    out = {}
    with open(data_path("mig_profiles.csv"), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["gpu"]] = (int(row["total_memory_slices"]), int(row["total_compute_slices"]))
    return out


def gpu_models() -> tuple[str, ...]:
    """The GPU model names known to the engine.

    >>> "A100-SXM4-40GB" in gpu_models()
    True
    """
    return tuple(_catalog())


def gpu_name(gpu) -> str:
    """The canonical model name for ``gpu`` (case-insensitive), or ``ValueError`` listing the known.

    >>> gpu_name("h100-sxm5-80gb")
    'H100-SXM5-80GB'
    """
    return _check_gpu(gpu)


def _check_gpu(gpu) -> str:
    known = gpu_models()
    if isinstance(gpu, str) and gpu in known:
        return gpu
    if isinstance(gpu, str):
        for name in known:  # tolerate case differences
            if name.lower() == gpu.strip().lower():
                return name
    raise ValueError(f"gpu must be one of {', '.join(repr(k) for k in known)}; got {gpu!r}")


def profiles(gpu: str) -> dict[str, Profile]:
    """The GPU-instance profile table of ``gpu`` (profile name → :class:`Profile`).

    Source: ``data/mig_profiles.csv`` (docs/sources.md#mig). Unknown names raise ``ValueError``
    listing the known models.

    >>> p = profiles("A100-SXM4-40GB")["4g.20gb"]
    >>> (p.profile_id, p.memory_slices, p.compute_slices, p.sm_count, p.max_instances, p.placements)
    (5, 4, 4, 56, 1, '{0}:4')
    >>> profiles("A100")
    Traceback (most recent call last):
    ...
    ValueError: gpu must be one of 'A100-SXM4-40GB', 'A100-80GB', 'A30-24GB', 'H100-SXM5-80GB', 'H100-PCIe-80GB', 'H100-NVL-94GB', 'H200-141GB', 'B200-180GB'; got 'A100'
    """
    return dict(_catalog()[_check_gpu(gpu)])


def profile_table(gpu: str):
    """The profile table of ``gpu`` as a pandas DataFrame (for notebooks)."""
    import pandas as pd

    rows = []
    for p in profiles(gpu).values():
        rows.append(
            {
                "profile": p.name,
                "id": p.profile_id,
                "memory slices": p.memory_slices,
                "compute slices": p.compute_slices,
                "SMs": p.sm_count if p.sm_count is not None else "unverified",
                "memory GiB": p.memory_gib,
                "max instances": p.max_instances,
                "placements": p.placements,
                "confidence": p.confidence,
            }
        )
    return pd.DataFrame(rows).set_index("profile")


def geometry(gpu: str) -> tuple[int, int]:
    """``(memory slices, compute slices)`` of ``gpu``: (8, 7), or (4, 4) on an A30.

    >>> geometry("A30-24GB")
    (4, 4)
    """
    return _geometry_table()[_check_gpu(gpu)]


def parse_profile_list(gpu: str, text) -> list[str]:
    """Profile names from a list or from text such as ``"3g.20gb, 2x 1g.5gb"`` / ``"1g.5gb*2"``.

    >>> parse_profile_list("A100-SXM4-40GB", "3g.20gb, 2x 1g.5gb")
    ['3g.20gb', '1g.5gb', '1g.5gb']
    """
    gpu = _check_gpu(gpu)
    table = _catalog()[gpu]
    if isinstance(text, str):
        items = [t.strip() for t in re.split(r"[,;\n]+", text) if t.strip()]
    elif isinstance(text, (list, tuple)):
        items = list(text)
    else:
        raise ValueError(
            f"profile_names must be a list of profile names or a comma-separated string; got {text!r}"
        )
    names: list[str] = []
    lower = {k.lower(): k for k in table}
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"profile_names must contain profile names (strings); got {item!r}")
        count, name = 1, item.strip()
        m = re.match(r"^(\d+)\s*[x*×]\s*(\S+)$", name) or re.match(r"^(\S+?)\s*[x*×]\s*(\d+)$", name)
        if m:
            a, b = m.groups()
            count, name = (int(a), b) if a.isdigit() else (int(b), a)
        key = lower.get(name.lower())
        if key is None:
            raise ValueError(
                f"profile {name!r} does not exist on {gpu}; profiles: {', '.join(table)}"
            )
        if not 0 <= count <= 64:
            raise ValueError(f"count for {key} must be in [0, 64]; got {count}")
        names.extend([key] * count)
    if len(names) > 64:
        raise ValueError(f"profile_names must hold at most 64 instances; got {len(names)}")
    return names


# --------------------------------------------------------------------------- the engine


@dataclass(frozen=True)
class _Cand:
    profile: str
    start: int
    size: int
    mask: int
    compute: int


@functools.cache
def _candidates(gpu: str) -> tuple[_Cand, ...]:
    out = []
    for p in _catalog()[gpu].values():
        for s in p.starts:
            out.append(_Cand(p.name, s, p.memory_slices, ((1 << p.memory_slices) - 1) << s, p.compute_slices))
    out.sort(key=lambda c: (c.start, -c.size, c.profile))
    return tuple(out)


def _r510_kind(p: Profile) -> int:
    """1 for a (4 mem, 4 compute) profile, 2 for a (4 mem, 3 compute) profile, else 0."""
    if p.memory_slices == 4 and p.compute_slices == 4:
        return 1
    if p.memory_slices == 4 and p.compute_slices == 3:
        return 2
    return 0


def _check_pre_r510(gpu: str, pre_r510) -> bool:
    if not isinstance(pre_r510, bool):
        raise ValueError(f"pre_r510 must be True or False; got {pre_r510!r}")
    if pre_r510 and gpu not in PRE_R510_GPUS:
        raise ValueError(
            f"pre_r510=True only applies to GPUs that pre-R510 drivers supported "
            f"({', '.join(PRE_R510_GPUS)}); {gpu} needs a newer driver"
        )
    return pre_r510


@functools.cache
def _enumerate(
    gpu: str, pre_r510: bool, subset: frozenset[str] | None
) -> tuple[tuple[tuple[int, ...], ...], tuple[bool, ...]]:
    """Every valid layout (sorted tuples of candidate indices, the empty one included) that uses
    only ``subset`` profiles, and for each whether it is maximal (no ``subset`` instance fits)."""
    cands = _candidates(gpu)
    table = _catalog()[gpu]
    _, total_compute = _geometry_table()[gpu]
    names = list(table)
    pidx = [names.index(c.profile) for c in cands]
    maxi = [table[n].max_instances for n in names]
    kind = [_r510_kind(table[c.profile]) for c in cands]
    masks = [c.mask for c in cands]
    comp = [c.compute for c in cands]
    usable = [i for i, c in enumerate(cands) if subset is None or c.profile in subset]
    total_mem = _geometry_table()[gpu][0]
    full = (1 << total_mem) - 1
    # candidates that fit in each set of free memory slices (2^8 sets at most)
    fit_free = [[i for i in usable if not masks[i] & ~free] for free in range(full + 1)]
    layouts: list[tuple[int, ...]] = []
    maximal: list[bool] = []
    chosen: list[int] = []
    counts = [0] * len(names)

    def rec(first: int, mask: int, compute: int, kinds: int) -> None:
        slot = len(layouts)
        layouts.append(tuple(chosen))
        maximal.append(False)
        is_max = True
        for i in fit_free[full & ~mask]:
            if (compute + comp[i] > total_compute or counts[pidx[i]] >= maxi[pidx[i]]
                    or (pre_r510 and kind[i] and (kinds | kind[i]) == 3)):
                continue
            is_max = False
            if i < first:
                continue
            chosen.append(i)
            counts[pidx[i]] += 1
            rec(i + 1, mask | masks[i], compute + comp[i], kinds | kind[i])
            counts[pidx[i]] -= 1
            chosen.pop()
        maximal[slot] = is_max

    rec(0, 0, 0, 0)
    return tuple(layouts), tuple(maximal)


def _all_layouts(gpu: str, pre_r510: bool) -> tuple[tuple[int, ...], ...]:
    return _enumerate(gpu, pre_r510, None)[0]


def _to_layout(gpu: str, idx: Iterable[int]) -> Layout:
    cands = _candidates(gpu)
    return Layout(gpu, tuple(sorted(Instance(cands[i].start, cands[i].size, cands[i].profile) for i in idx)))


@functools.cache
def _by_multiset(gpu: str, pre_r510: bool) -> dict[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    cands = _candidates(gpu)
    out: dict[tuple[str, ...], list[tuple[int, ...]]] = {}
    for lay in _all_layouts(gpu, pre_r510):
        key = tuple(sorted(cands[i].profile for i in lay))
        out.setdefault(key, []).append(lay)
    return {k: tuple(v) for k, v in out.items()}


def _addable_count(gpu: str, idx: tuple[int, ...], pre_r510: bool, allowed=None) -> int:
    return len(_addable_idx(gpu, idx, pre_r510, allowed))


def _addable_idx(gpu: str, idx: tuple[int, ...], pre_r510: bool, allowed=None) -> list[int]:
    cands = _candidates(gpu)
    table = _catalog()[gpu]
    _, total_compute = _geometry_table()[gpu]
    mask = 0
    compute = 0
    kinds = 0
    counts: Counter = Counter()
    for i in idx:
        mask |= cands[i].mask
        compute += cands[i].compute
        counts[cands[i].profile] += 1
        kinds |= _r510_kind(table[cands[i].profile])
    out = []
    for j, c in enumerate(cands):
        if allowed is not None and c.profile not in allowed:
            continue
        if mask & c.mask or compute + c.compute > total_compute:
            continue
        if counts[c.profile] >= table[c.profile].max_instances:
            continue
        k = _r510_kind(table[c.profile])
        if pre_r510 and k and (kinds | k) == 3:
            continue
        out.append(j)
    return out


def _choose(gpu: str, options: tuple[tuple[int, ...], ...], pre_r510: bool) -> tuple[int, ...]:
    """Among equivalent placements of one multiset, the one leaving the most addable options."""
    cands = _candidates(gpu)
    return max(
        options,
        key=lambda lay: (
            _addable_count(gpu, lay, pre_r510),
            tuple(-cands[i].start for i in sorted(lay, key=lambda i: (-cands[i].size, cands[i].start))),
        ),
    )


def infeasibility_reason(gpu: str, profile_names, *, pre_r510: bool = False) -> str | None:
    """Why ``profile_names`` cannot be placed together on ``gpu``, or ``None`` if they can.

    >>> infeasibility_reason("A100-SXM4-40GB", ["4g.20gb", "4g.20gb"])
    '4g.20gb allows 1 instance on A100-SXM4-40GB (2 requested)'
    >>> infeasibility_reason("A100-SXM4-40GB", ["3g.20gb", "2g.10gb", "1g.5gb", "1g.5gb"]) is None
    True
    """
    gpu = _check_gpu(gpu)
    pre_r510 = _check_pre_r510(gpu, pre_r510)
    names = parse_profile_list(gpu, profile_names)
    table = _catalog()[gpu]
    total_mem, total_compute = _geometry_table()[gpu]
    counts = Counter(names)
    for name, n in counts.items():
        mx = table[name].max_instances
        if n > mx:
            return f"{name} allows {mx} instance{'s' if mx != 1 else ''} on {gpu} ({n} requested)"
    compute = sum(table[n].compute_slices for n in names)
    if compute > total_compute:
        return f"the instances need {compute} compute slices; {gpu} has {total_compute}"
    mem = sum(table[n].memory_slices for n in names)
    if mem > total_mem:
        return f"the instances need {mem} memory slices; {gpu} has {total_mem}"
    if pre_r510 and any(_r510_kind(table[n]) == 1 for n in names) and any(
        _r510_kind(table[n]) == 2 for n in names
    ):
        return "a 4-slice 4g and a 4-slice 3g instance cannot be combined before driver R510 (MIG-UG)"
    key = tuple(sorted(names))
    if key in _by_multiset(gpu, pre_r510):
        return None
    return (
        f"no placement exists: the instances fit by count ({mem}/{total_mem} memory, "
        f"{compute}/{total_compute} compute slices) but their allowed start slices collide"
    )


def place(gpu: str, profile_names, *, pre_r510: bool = False) -> dict[str, int] | None:
    """A valid placement ``{instance label: start memory slice}``, or ``None`` if impossible.

    Honours the profiles' allowed starts, no overlap of memory slices, the maximum instance
    count per profile, the compute-slice budget (7, or 4 on A30) and, with ``pre_r510=True``,
    the pre-R510 4g+3g rule. Labels are ``name#k`` numbered per profile in order of start slice.
    When several placements exist, the one that leaves the most (profile, start) options free is
    returned (a lone 3g.20gb goes to slices 4–7, leaving 0–3 for a 4g, 2g or 1g).

    Source of the rules: MIG-UG and NVML placements (docs/sources.md#mig-concepts).

    >>> place("H100-SXM5-80GB", ["3g.40gb"])
    {'3g.40gb#1': 4}
    >>> place("A100-SXM4-40GB", ["4g.20gb", "3g.20gb"])
    {'4g.20gb#1': 0, '3g.20gb#1': 4}
    >>> place("A100-SXM4-40GB", ["4g.20gb", "3g.20gb"], pre_r510=True) is None
    True
    """
    gpu = _check_gpu(gpu)
    pre_r510 = _check_pre_r510(gpu, pre_r510)
    names = parse_profile_list(gpu, profile_names)
    options = _by_multiset(gpu, pre_r510).get(tuple(sorted(names)))
    if not options:
        return None
    return _to_layout(gpu, _choose(gpu, options, pre_r510)).placement()


def layout(gpu: str, profile_names, *, pre_r510: bool = False) -> Layout | None:
    """Like :func:`place` but returns the :class:`Layout` (or ``None``).

    >>> str(layout("A100-SXM4-40GB", "3g.20gb, 2g.10gb, 1g.5gb, 1g.5gb"))
    '2g.10gb@0:2 + 1g.5gb@2:1 + 1g.5gb@3:1 + 3g.20gb@4:4'
    """
    gpu = _check_gpu(gpu)
    pre_r510 = _check_pre_r510(gpu, pre_r510)
    names = parse_profile_list(gpu, profile_names)
    options = _by_multiset(gpu, pre_r510).get(tuple(sorted(names)))
    return _to_layout(gpu, _choose(gpu, options, pre_r510)) if options else None


def _instances_arg(gpu: str, instances) -> list[tuple[str, int]]:
    """Accept a Layout, a placement dict {label: start} or a list of (profile, start)."""
    if isinstance(instances, Layout):
        if instances.gpu != gpu:
            raise ValueError(f"layout is for {instances.gpu}, not {gpu}")
        return [(i.profile, i.start) for i in instances.instances]
    if isinstance(instances, Mapping):
        items = [(str(k).split("#")[0], v) for k, v in instances.items()]
    elif isinstance(instances, (list, tuple)):
        items = list(instances)
    else:
        raise ValueError(
            f"instances must be a Layout, a {{label: start}} dict or a list of (profile, start); got {instances!r}"
        )
    out = []
    for item in items:
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise ValueError(f"each instance must be a (profile, start) pair; got {item!r}")
        name = parse_profile_list(gpu, [item[0]])[0]
        start = check_int(f"start of {name}", item[1], low=0, high=7)
        out.append((name, start))
    return out


def is_valid_layout(gpu: str, instances, *, pre_r510: bool = False) -> tuple[bool, str]:
    """Check an explicit layout: ``(True, "valid")`` or ``(False, reason)``.

    ``instances`` is a :class:`Layout`, a ``{label: start}`` dict (as :func:`place` returns) or a
    list of ``(profile, start)`` pairs.

    >>> is_valid_layout("A100-SXM4-40GB", [("3g.20gb", 4), ("2g.10gb", 0), ("1g.5gb", 2), ("1g.5gb", 3)])
    (True, 'valid')
    >>> is_valid_layout("A100-SXM4-40GB", [("3g.20gb", 2)])
    (False, '3g.20gb cannot start at memory slice 2: its placements are {0,4}:4')
    """
    gpu = _check_gpu(gpu)
    pre_r510 = _check_pre_r510(gpu, pre_r510)
    items = _instances_arg(gpu, instances)
    table = _catalog()[gpu]
    total_mem, total_compute = _geometry_table()[gpu]
    used = [None] * total_mem
    for name, start in items:
        p = table[name]
        if start not in p.starts:
            return False, f"{name} cannot start at memory slice {start}: its placements are {p.placements}"
        for s in range(start, start + p.memory_slices):
            if used[s] is not None:
                return False, f"{name}@{start} overlaps {used[s]} on memory slice {s}"
            used[s] = f"{name}@{start}"
    reason = infeasibility_reason(gpu, [n for n, _ in items], pre_r510=pre_r510)
    if reason is not None:
        return False, reason
    return True, "valid"


def addable(gpu: str, instances=(), *, pre_r510: bool = False) -> dict[str, tuple[int, ...]]:
    """What still fits beside ``instances``: ``{profile: (free valid starts, ...)}``.

    >>> addable("A100-SXM4-40GB", [("3g.20gb", 4), ("2g.10gb", 0)])
    {'1g.5gb': (2, 3), '1g.5gb+me': (2, 3), '1g.10gb': (2,), '2g.10gb': (2,)}
    """
    gpu = _check_gpu(gpu)
    pre_r510 = _check_pre_r510(gpu, pre_r510)
    items = _instances_arg(gpu, instances)
    ok, why = is_valid_layout(gpu, items, pre_r510=pre_r510)
    if not ok:
        raise ValueError(f"instances is not a valid layout: {why}")
    cands = _candidates(gpu)
    index = {(c.profile, c.start): i for i, c in enumerate(cands)}
    idx = tuple(index[(n, s)] for n, s in items)
    out: dict[str, list[int]] = {}
    for j in _addable_idx(gpu, idx, pre_r510):
        out.setdefault(cands[j].profile, []).append(cands[j].start)
    order = list(_catalog()[gpu])
    return {k: tuple(sorted(out[k])) for k in sorted(out, key=order.index)}


def _check_subset(gpu: str, subset) -> frozenset[str] | None:
    if subset is None:
        return None
    names = parse_profile_list(gpu, subset)
    if not names:
        raise ValueError("profiles must name at least one profile (or be None for all)")
    return frozenset(names)


@functools.cache
def _maximal(gpu: str, subset: frozenset[str] | None, pre_r510: bool) -> tuple[Layout, ...]:
    layouts, maximal = _enumerate(gpu, pre_r510, subset)
    out = [_to_layout(gpu, lay) for lay, m in zip(layouts, maximal) if m]
    out.sort(key=lambda L: [(i.start, -i.size, i.profile) for i in L.instances])
    return tuple(out)


def maximal_layouts(gpu: str, profiles=None, *, pre_r510: bool = False) -> tuple[Layout, ...]:
    """Every layout of ``gpu`` to which no further instance can be added.

    ``profiles`` restricts the layouts to a subset of profile names (maximal with respect to that
    subset). Results are cached per (gpu, subset, pre_r510). Two layouts with the same profiles
    at different starts count separately (they are different placements).

    >>> L = maximal_layouts("A100-SXM4-40GB", ["7g.40gb"])
    >>> [str(x) for x in L]
    ['7g.40gb@0:8']
    >>> [str(x) for x in maximal_layouts("A100-SXM4-40GB", ["4g.20gb", "3g.20gb"])]
    ['3g.20gb@0:4 + 3g.20gb@4:4', '4g.20gb@0:4 + 3g.20gb@4:4']
    """
    gpu = _check_gpu(gpu)
    pre_r510 = _check_pre_r510(gpu, pre_r510)
    return _maximal(gpu, _check_subset(gpu, profiles), pre_r510)


def count_maximal_layouts(gpu: str, profiles=None, *, pre_r510: bool = False) -> dict[str, int]:
    """``{"placements": n, "profile_multisets": m}``: maximal layouts counted both ways."""
    lays = maximal_layouts(gpu, profiles, pre_r510=pre_r510)
    return {
        "placements": len(lays),
        "profile_multisets": len({tuple(sorted(i.profile for i in L.instances)) for L in lays}),
    }


def maximal_layout_counts():
    """:func:`count_maximal_layouts` for every GPU, with and without the ``+me`` profiles: a
    DataFrame with two header rows (it stays 75 characters wide, so a notebook never wraps it).

    >>> int(maximal_layout_counts().loc["A30-24GB", ("all profiles", "placements")])
    21
    """
    import pandas as pd

    rows = {}
    for g in gpu_models():
        no_me = [p for p in profiles(g) if "+me" not in p]
        rows[g] = {(which, key.replace("_", " ")): n
                   for which, subset in (("all profiles", None), ("without +me", no_me))
                   for key, n in count_maximal_layouts(g, subset).items()}
    return pd.DataFrame(rows).T


# --------------------------------------------------------------------------- best layout


def _check_workloads(workloads) -> list[Workload]:
    if isinstance(workloads, (str, bytes)) or not isinstance(workloads, (list, tuple)):
        raise ValueError(
            "workloads must be a list of Workload, dicts {name, memory_gib, compute_slices} or "
            f"(memory_gib, compute_slices) pairs; got {workloads!r}"
        )
    if len(workloads) > 64:
        raise ValueError(f"workloads must hold at most 64 entries; got {len(workloads)}")
    out = []
    for k, w in enumerate(workloads):
        if isinstance(w, Workload):
            name, mem, comp = w.name, w.memory_gib, w.compute_slices
        elif isinstance(w, Mapping):
            if "memory_gib" not in w:
                raise ValueError(f"workloads[{k}] needs a 'memory_gib' entry; got {w!r}")
            name, mem, comp = w.get("name", f"w{k + 1}"), w["memory_gib"], w.get("compute_slices", 1)
        elif isinstance(w, (list, tuple)) and len(w) in (2, 3):
            name, mem, comp = (f"w{k + 1}", *w) if len(w) == 2 else w
        else:
            raise ValueError(
                f"workloads[{k}] must be a Workload, a dict or a (memory_gib, compute_slices) pair; got {w!r}"
            )
        mem = check_number(f"workloads[{k}].memory_gib", mem, low=0, high=1024, low_inclusive=False)
        comp = check_int(f"workloads[{k}].compute_slices", comp, low=1, high=7)
        out.append(Workload(str(name), mem, comp))
    names = [w.name for w in out]
    if len(set(names)) != len(names):
        raise ValueError(f"workload names must be unique; got {names}")
    return out


_WL_RE = re.compile(
    r"^(?:(?P<name>[A-Za-z_][\w.-]*)\s*:\s*)?(?P<mem>\d+(?:\.\d+)?)\s*(?:gib|gb|g)?"
    r"(?:\s*[/ ]\s*(?P<cmp>\d+)\s*(?:c|compute)?)?$",
    re.IGNORECASE,
)


def parse_workloads(text) -> list[Workload]:
    """Workloads from text: entries separated by ``;`` or new lines, each ``[name:] <GiB> [<compute>]``.

    >>> parse_workloads("llm: 18 GiB 3c; etl: 9/2; 4")
    [Workload(name='llm', memory_gib=18.0, compute_slices=3), Workload(name='etl', memory_gib=9.0, compute_slices=2), Workload(name='w3', memory_gib=4.0, compute_slices=1)]
    """
    if not isinstance(text, str):
        raise ValueError(f"workloads text must be a string; got {text!r}")
    out = []
    for k, part in enumerate(p.strip() for p in re.split(r"[;\n]+", text)):
        if not part:
            continue
        m = _WL_RE.match(part)
        if not m:
            raise ValueError(
                f"workload {part!r} must look like 'name: 18 GiB 3c', 'name: 18/3' or '18' (GiB, compute slices)"
            )
        out.append((m.group("name") or f"w{len(out) + 1}", float(m.group("mem")), int(m.group("cmp") or 1)))
    return _check_workloads(out)


def _match(need: list[list[str]], multiset: tuple[str, ...]) -> list[int] | None:
    """Assign each workload (its list of admissible profiles) to a distinct slot of ``multiset``."""
    slots = list(multiset)
    owner = [-1] * len(slots)

    def try_assign(w: int, seen: set[int]) -> bool:
        for s, prof in enumerate(slots):
            if prof in need[w] and s not in seen:
                seen.add(s)
                if owner[s] == -1 or try_assign(owner[s], seen):
                    owner[s] = w
                    return True
        return False

    for w in range(len(need)):
        if not try_assign(w, set()):
            return None
    result = [-1] * len(need)
    for s, w in enumerate(owner):
        if w >= 0:
            result[w] = s
    return result


@functools.cache
def _multisets_by_cost(gpu: str, pre_r510: bool) -> tuple[tuple[float, float, tuple[str, ...]], ...]:
    table = _catalog()[gpu]
    tm, tc = _geometry_table()[gpu]
    rows = []
    for key in _by_multiset(gpu, pre_r510):
        if any(table[n].media_extensions for n in key):
            continue  # +me variants take the same slices; best_layout does not ask for media engines
        share = sum(table[n].memory_slices / tm + table[n].compute_slices / tc for n in key)
        gib = sum(table[n].memory_gib for n in key)
        rows.append((round(share, 12), gib, key))
    rows.sort()
    return tuple(rows)


def best_layout(gpu: str, workloads, *, pre_r510: bool = False) -> Fit:
    """The least-waste layout giving each workload its own GPU instance, or why none fits.

    Each workload needs ``memory_gib`` (compared with the profile's ``nvidia-smi mig -lgip``
    memory in GiB) and ``compute_slices``. An instance fits a workload when both are at least the
    need. **Objective**: minimise the GPU share allocated, Σ (memory_slices/M + compute_slices/C)
    over the chosen instances (M, C = the GPU's memory and compute slices). The needs are fixed,
    so this minimises wasted memory plus wasted compute, each as a fraction of the GPU; ties go
    to fewer allocated GiB. ``+me`` (media-engine) profiles are not used. Exhaustive over every
    valid profile multiset, so the answer is optimal.

    >>> fit = best_layout("A100-SXM4-40GB", [("llm", 18, 3), ("etl", 9, 2), ("a", 4, 1), ("b", 4, 1)])
    >>> str(fit.layout), fit.memory_waste_gib
    ('2g.10gb@0:2 + 1g.5gb@2:1 + 1g.5gb@3:1 + 3g.20gb@4:4', 3.62)
    >>> best_layout("A100-SXM4-40GB", [("big", 50, 1)]).reason
    "workload 'big' needs 50 GiB; the largest instance on A100-SXM4-40GB (7g.40gb) has 39.25 GiB"
    """
    gpu = _check_gpu(gpu)
    pre_r510 = _check_pre_r510(gpu, pre_r510)
    wl = _check_workloads(workloads)
    table = {n: p for n, p in _catalog()[gpu].items() if not p.media_extensions}
    tm, tc = _geometry_table()[gpu]
    if not wl:
        return Fit(gpu, True, Layout(gpu, ()), (), 0.0, 0, 0.0, "no workloads")
    max_inst = max(p.max_instances for p in table.values())
    if len(wl) > max_inst:
        return Fit(gpu, False, None, reason=f"{len(wl)} workloads but {gpu} holds at most {max_inst} GPU instances")
    need = []
    for w in wl:
        ok = [n for n, p in table.items() if p.memory_gib >= w.memory_gib and p.compute_slices >= w.compute_slices]
        if not ok:
            big = max(table.values(), key=lambda p: (p.memory_gib, p.compute_slices))
            if w.memory_gib > big.memory_gib:
                why = (
                    f"needs {w.memory_gib:g} GiB; the largest instance on {gpu} ({big.name}) "
                    f"has {big.memory_gib:g} GiB"
                )
            else:
                why = (
                    f"needs {w.memory_gib:g} GiB with {w.compute_slices} compute slices; no profile on {gpu} "
                    "offers both"
                )
            return Fit(gpu, False, None, reason=f"workload {w.name!r} {why}")
        need.append(ok)
    for share, gib, key in _multisets_by_cost(gpu, pre_r510):
        if len(key) != len(wl):
            continue
        m = _match(need, key)
        if m is None:
            continue
        lay = layout(gpu, list(key), pre_r510=pre_r510)
        labels = lay.placement()
        # map each multiset slot to a label of the same profile, in order
        pool: dict[str, list[str]] = {}
        for lab in labels:
            pool.setdefault(lab.split("#")[0], []).append(lab)
        assignment = []
        for w, slot in zip(wl, m):
            assignment.append((w.name, pool[key[slot]].pop(0)))
        mem_waste = round(gib - sum(w.memory_gib for w in wl), 6)
        comp_waste = sum(table[n].compute_slices for n in key) - sum(w.compute_slices for w in wl)
        return Fit(gpu, True, lay, tuple(assignment), mem_waste, comp_waste, share / 2)
    smallest_mem = sum(min(table[n].memory_slices for n in ok) for ok in need)
    smallest_cmp = sum(min(table[n].compute_slices for n in ok) for ok in need)
    if smallest_mem > tm or smallest_cmp > tc:
        why = (
            f"even the smallest profiles that fit each workload need {smallest_mem}/{tm} memory and "
            f"{smallest_cmp}/{tc} compute slices in total"
        )
    elif pre_r510 and best_layout(gpu, wl).fits:
        why = "they need a 4g and a 3g instance side by side, which drivers before R510 refuse (MIG-UG)"
    else:
        why = (
            "the profiles that fit them cannot be placed together "
            "(their start slices collide or a count limit is hit)"
        )
    return Fit(gpu, False, None, reason=f"{len(wl)} workloads together: {why}")


#: The course text's own A100 table in ``MIGManager.get_supported_profiles`` (wrong in places:
#: 108 SMs, 4g.20gb × 2, no 1g.10gb; errata 41-44, docs/sources.md#erratum-41), as
#: profile → (instances, memory GB). Kept only to run the course text's algorithm on its own data.
COURSE_TEXT_A100_PROFILES = {
    "7g.40gb": (1, 40), "4g.20gb": (2, 20), "3g.20gb": (2, 20), "2g.10gb": (3, 10), "1g.5gb": (7, 5),
}


def single_profile_choice(gpu: str, workloads, *, table: str = "kit") -> str | None:
    """The course text's ``MIGManager.create_mig_configuration`` (erratum 45), kept for comparison.

    It gives every workload the same profile: the one with enough instances whose total memory
    exceeds the total need by the least. It ignores compute, per-workload fit and mixed layouts,
    so it can return a profile too small for some workload, or ``None`` while a mixed layout exists.
    ``table="kit"`` runs it on the corrected profiles (``data/mig_profiles.csv``); ``table="course_text"``
    on the course text's own A100 table (:data:`COURSE_TEXT_A100_PROFILES`; A100-SXM4-40GB only).

    >>> four = [("llm", 18, 3), ("etl", 9, 2), ("a", 4, 1), ("b", 4, 1)]
    >>> single_profile_choice("A100-SXM4-40GB", four)
    '1g.10gb'
    >>> single_profile_choice("A100-SXM4-40GB", four, table="course_text") is None   # 4 × 5 GB < 35 GB
    True

    (four 1g.10gb instances of 9.62 GiB and 1 compute slice: 'llm' needs 18 GiB and 3 slices.)
    """
    gpu = _check_gpu(gpu)
    table = check_choice("table", table, ("kit", "course_text"))
    wl = _check_workloads(workloads)
    if table == "course_text":
        if gpu != "A100-SXM4-40GB":
            raise ValueError(f"table='course_text' exists for A100-SXM4-40GB only; got gpu {gpu!r}")
        options = dict(COURSE_TEXT_A100_PROFILES)
    else:
        options = {n: (p.max_instances, p.memory_gib) for n, p in _catalog()[gpu].items()
                   if not p.media_extensions}
    total = sum(w.memory_gib for w in wl)
    best, best_waste = None, float("inf")
    for name, (instances, memory) in options.items():
        if instances >= len(wl):
            waste = memory * len(wl) - total
            if 0 <= waste < best_waste:
                best, best_waste = name, waste
    return best


# --------------------------------------------------------------------------- export


def nvidia_smi_command(gpu: str, instances, *, gpu_index: int = 0) -> str:
    """The ``nvidia-smi mig -cgi ...`` line that creates the layout (GPU and compute instances).

    Profiles are listed by ID, largest first: MIG-UG ("Example 2: Creation of a 3-2-1-1
    geometry") notes that 3g.20gb must be created before the smaller instances or creation fails
    with "Insufficient Resources". ``nvidia-smi`` chooses each placement itself; to force a start
    slice use NVML ``nvmlDeviceCreateGpuInstanceWithPlacement``. ``-C`` also creates the default
    compute instance in each GPU instance.

    >>> nvidia_smi_command("A100-SXM4-40GB", place("A100-SXM4-40GB", ["1g.5gb", "3g.20gb", "2g.10gb", "1g.5gb"]))
    'sudo nvidia-smi mig -i 0 -cgi 9,14,19,19 -C'
    """
    gpu = _check_gpu(gpu)
    gpu_index = check_int("gpu_index", gpu_index, low=0, high=63)
    items = _instances_arg(gpu, instances)
    ok, why = is_valid_layout(gpu, items)
    if not ok:
        raise ValueError(f"instances is not a valid layout: {why}")
    if not items:
        raise ValueError("instances must hold at least one instance")
    table = _catalog()[gpu]
    order = sorted(items, key=lambda it: (-table[it[0]].memory_slices, -table[it[0]].compute_slices, it[1]))
    ids = ",".join(str(table[n].profile_id) for n, _ in order)
    return f"sudo nvidia-smi mig -i {gpu_index} -cgi {ids} -C"


def mig_parted_config(gpu: str, instances, *, name: str = "custom-layout", devices="all") -> str:
    """A ``mig-parted`` config (``version: v1`` / ``mig-configs``) that requests the layout.

    mig-parted (NVIDIA/mig-parted, used by the GPU Operator's MIG manager) takes profile
    **counts** per device, not placements; it searches for a valid placement itself.

    >>> print(mig_parted_config("A100-SXM4-40GB", place("A100-SXM4-40GB", "3g.20gb, 2g.10gb, 2x 1g.5gb")))
    version: v1
    mig-configs:
      custom-layout:
        - devices: all
          mig-enabled: true
          mig-devices:
            "3g.20gb": 1
            "2g.10gb": 1
            "1g.5gb": 2
    """
    gpu = _check_gpu(gpu)
    if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", name):
        raise ValueError(f"name must be 1-63 letters, digits, '.', '_' or '-'; got {name!r}")
    if devices != "all":
        if not isinstance(devices, (list, tuple)) or not devices:
            raise ValueError(f"devices must be 'all' or a non-empty list of GPU indices; got {devices!r}")
        devices = [check_int("devices[]", d, low=0, high=63) for d in devices]
    items = _instances_arg(gpu, instances)
    ok, why = is_valid_layout(gpu, items)
    if not ok:
        raise ValueError(f"instances is not a valid layout: {why}")
    table = _catalog()[gpu]
    counts = Counter(n for n, _ in items)
    order = sorted(counts, key=lambda n: (-table[n].memory_slices, -table[n].compute_slices, n))
    dev = "all" if devices == "all" else "[" + ", ".join(str(d) for d in devices) + "]"
    lines = ["version: v1", "mig-configs:", f"  {name}:", f"    - devices: {dev}"]
    if counts:
        lines.append("      mig-enabled: true")
        lines.append("      mig-devices:")
        lines += [f'        "{n}": {counts[n]}' for n in order]
    else:
        lines.append("      mig-enabled: true")
        lines.append("      mig-devices: {}")
    return "\n".join(lines)

