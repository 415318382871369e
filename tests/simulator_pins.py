"""Pinned outputs of the scheduling simulator and of the FGD replay, for refactoring without drift.

``tests/fixtures/simulator_pins.json`` holds what ``simulate()`` and ``fragmentation_experiment()``
returned on a grid of scenarios (every queue policy and preemption rule, every placement policy,
backfilling, partial gangs, a horizon, GPU-model constraints, a Philly trace slice, scenario 3, and
the FGD paper's replay table) when the file was written. ``tests/test_simulator_pins.py`` recomputes
them and requires them to be IDENTICAL (exact floats; arrays compared by SHA-256 of their bytes).

These pins are not a correctness oracle: the other scheduling tests compare with hand traces, closed
forms and the published FGD figures. The pins guard one thing: a refactor changes nothing. An
intended change of behaviour is one reviewed update:

    python tests/simulator_pins.py --write     # then review `git diff tests/fixtures/`

The file was first written with the simulator as it was before its refactor into a class (commit
"Pin the simulator's outputs before refactoring it").
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tests" / "fixtures" / "simulator_pins.json"

#: Queue configurations: (name, queue_params), the hypothesis grid of test_scheduling_simulator.py.
QUEUES = [("fifo", {}), ("sjf", {}), ("priority", {}), ("priority", {"preemption": "lowest_priority"}),
          ("priority", {"preemption": "least_progress", "checkpoint_s": 1800.0}),
          ("priority", {"preemption": "newest"}), ("fair_share", {"quotas": {"alice": 8}}), ("drf", {}),
          ("hierarchical", {}), ("lottery", {"tickets": {"alice": 3, "bob": 1}}), ("multi_objective", {})]
PLACEMENTS = ["first_fit", "best_fit", "worst_fit", "random", "dotprod", "clustering", "packing", "bestfit",
              "fgd"]
#: Per-job lists are stored in full up to this many jobs, as digests above it.
FULL_LIST_MAX_JOBS = 200


def _num(x):
    x = float(x)
    return None if math.isnan(x) else x


def _sha(arr) -> str:
    a = np.ascontiguousarray(np.asarray(arr))
    return hashlib.sha256(str(a.dtype).encode() + str(a.shape).encode() + a.tobytes()).hexdigest()[:16]


def digest(r) -> dict:
    """Everything a SimulationResult says, exactly: per-job lists (or their digests), preemptions,
    held tasks, event count, and digests of the segments and of the usage timeline."""
    out = {"queue": r.queue, "placement": r.placement, "n_events": int(r.n_events),
           "status_counts": {s: r.status.count(s) for s in sorted(set(r.status))},
           "preemptions": [[_num(t), v, f] for t, v, f in r.preemptions],
           "held": [[int(j), int(t), int(n), _num(s)] for j, t, n, s in r.held],
           "segments": {k: _sha(v) for k, v in sorted(r.segments.items())},
           "timeline": {k: (_sha(v) if isinstance(v, np.ndarray) else _num(v)) for k, v in sorted(r.timeline.items())}}
    per_job = {"status": list(r.status), "first_start_s": [_num(x) for x in r.first_start_s],
               "end_s": [_num(x) for x in r.end_s], "n_preemptions": [int(x) for x in r.n_preemptions],
               "lost_gpu_s": [_num(x) for x in r.lost_gpu_s]}
    if len(r.status) <= FULL_LIST_MAX_JOBS:
        out.update(per_job)
    else:
        out.update({k: hashlib.sha256(json.dumps(v).encode()).hexdigest()[:16] for k, v in per_job.items()})
        out["sum_end_s"] = float(np.nansum(r.end_s))
    return out


def _small_cases():
    from course_kit.scheduling import Cluster, Demand, Job, Workload

    one = Cluster.homogeneous(1, gpus_per_node=8)
    abc = Workload.from_jobs([Job("a", 0, 100, Demand(num_gpu=8)), Job("b", 0, 50, Demand(num_gpu=4)),
                              Job("c", 10, 10, Demand(num_gpu=4))])
    gangs = Workload.from_jobs([Job(f"gang-{g}", 0, 3600, Demand(num_gpu=2), gang_size=3, user=g)
                                for g in ("A", "B")])
    yield "docstring/fifo", one, abc, {"queue": "fifo"}
    yield "docstring/sjf", one, abc, {"queue": "sjf"}
    yield "gangs/partial", one, gangs, {"gang": "partial"}
    yield "gangs/all_or_nothing", one, gangs, {}
    teams = {"vision": Demand(8000, 32_768, 2), "etl": Demand(32_000, 65_536, 0), "nlp": Demand(16_000, 131_072, 4)}
    mixed = Workload.from_jobs([Job(f"{u}-{i:02d}", 0, 3600, d, user=u) for i in range(30) for u, d in teams.items()])
    four64 = Cluster.homogeneous(4, gpus_per_node=8, cpu_milli=64_000, memory_mib=524_288)
    for q in ("fifo", "fair_share", "drf"):
        yield f"teams/{q}", four64, mixed, {"queue": q}
    too_big = Workload.from_jobs([Job("fits", 0, 60, Demand(num_gpu=8)),
                                  Job("gang-too-big", 5, 60, Demand(num_gpu=8), gang_size=2)])
    yield "unschedulable", one, too_big, {}


def _grid_cases():
    from course_kit.scheduling import Cluster, synthetic_workload

    cluster = Cluster.homogeneous(4, gpus_per_node=8)
    wl = synthetic_workload(80, arrival_rate_per_h=30, seed=7)
    for name, params in QUEUES:
        for backfill in (False, True):
            tag = name + "".join(f"+{k}={params[k]}" for k in sorted(params))
            yield f"grid/{tag}/backfill={backfill}", cluster, wl, {
                "queue": name, "queue_params": params, "backfill": backfill, "seed": 3}
        yield f"grid/{tag}/partial", cluster, wl, {"queue": name, "queue_params": params, "gang": "partial"}
        yield f"grid/{tag}/horizon", cluster, wl, {"queue": name, "queue_params": params, "horizon_s": 6 * 3600.0}
    small = Cluster.homogeneous(3, gpus_per_node=8)
    wl2 = synthetic_workload(60, arrival_rate_per_h=40, seed=11)
    for placement in PLACEMENTS:
        for q in ("fifo", "drf"):
            yield f"placement/{placement}/{q}", small, wl2, {"queue": q, "placement": placement, "seed": 5,
                                                             "backfill": q == "fifo"}
    yield "backfill_depth/1", small, wl2, {"queue": "sjf", "backfill": True, "backfill_depth": 1}


def _model_cases():
    """Heterogeneous nodes with GPU models (openb's first nodes), jobs that ask for a model."""
    import pandas as pd

    from course_kit.scheduling import Cluster, Demand, Job, Workload, load_openb

    nodes, _ = load_openb()
    gpu_nodes = nodes[nodes.gpu > 0]
    picked = pd.concat([g.head(3) for _, g in gpu_nodes.groupby("model")]).head(12)
    cluster = Cluster.from_frame(picked)
    models = sorted(set(picked.model))
    rng = np.random.default_rng(2)
    jobs = []
    for i in range(70):
        want = (models[int(rng.integers(len(models)))],) if rng.random() < 0.5 else ()
        shape = [Demand(4000, 8192, 1, 500, want), Demand(8000, 16384, 1, 1000, want),
                 Demand(16000, 32768, 2, 1000), Demand(2000, 4096, 0)][int(rng.integers(4))]
        jobs.append(Job(f"m{i:02d}", float(rng.integers(0, 4 * 3600)), float(rng.integers(600, 3 * 3600)),
                        shape, gang_size=int(rng.integers(1, 3)), priority=int(rng.choice([0, 10, 100])),
                        user=["alice", "bob", "carol"][i % 3]))
    wl = Workload.from_jobs(jobs)
    for placement in ("first_fit", "fgd", "clustering", "random"):
        yield f"models/{placement}", cluster, wl, {"queue": "fifo", "placement": placement, "seed": 1}
    yield "models/priority+newest", cluster, wl, {"queue": "priority", "queue_params": {"preemption": "newest"}}


def _trace_cases():
    from course_kit.scheduling import Cluster, load_philly, philly_workload

    wl = philly_workload(load_philly(), n_jobs=1500)
    c = Cluster.homogeneous(8, gpus_per_node=8)
    for name, (q, bf) in {"fifo": ("fifo", False), "fifo+backfill": ("fifo", True), "sjf": ("sjf", False),
                          "fair_share": ("fair_share", False)}.items():
        yield f"philly1500/{name}", c, wl, {"queue": q, "backfill": bf}


def simulation_pins() -> dict:
    from course_kit.scheduling import simulate

    pins = {}
    for gen in (_small_cases, _grid_cases, _model_cases, _trace_cases):
        for name, cluster, wl, kw in gen():
            assert name not in pins, name
            pins[name] = digest(simulate(cluster, wl, **kw))
    return pins


def scenario3_pins() -> list:
    from course_kit.scheduling.scenario3 import preemption_replay

    df = preemption_replay()
    return [[None if isinstance(v, float) and math.isnan(v) else v for v in row] for row in df.itertuples(index=False)]


def fgd_table_pins() -> dict:
    """The FGD paper's replay (openb, seed 42), every policy: unallocated GPU % and frag ratio % at
    every arrived % (0..130), exactly."""
    from course_kit import scheduling as sch

    nodes, pods = sch.load_openb()
    out = {}
    for p in sch.TRACE_POLICIES:
        df = sch.fragmentation_experiment(nodes, pods, p, seed=42)
        out[p] = {"unallocated_gpu_pct": [float(x) for x in df.unallocated_gpu_pct],
                  "frag_ratio_pct": [float(x) for x in df.frag_ratio_pct], "n_pods": int(df.attrs["n_pods"])}
    return out


def compute() -> dict:
    return {"simulate": simulation_pins(), "scenario3": scenario3_pins(), "fgd_table": fgd_table_pins()}


def dumps(pins: dict) -> str:
    """JSON with one line per scenario (small, and a changed scenario is a one-line diff)."""
    def one(v):
        return json.dumps(v, sort_keys=True, separators=(",", ":"))
    parts = []
    for section in sorted(pins):
        body = pins[section]
        if isinstance(body, dict):
            inner = ",\n".join(f"  {json.dumps(k)}: {one(body[k])}" for k in sorted(body))
            parts.append(f" {json.dumps(section)}: {{\n{inner}\n }}")
        else:
            parts.append(f" {json.dumps(section)}: {one(body)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main(argv: list[str]) -> int:
    if argv != ["--write"]:
        print(__doc__)
        return 2
    PINS.parent.mkdir(parents=True, exist_ok=True)
    PINS.write_text(dumps(compute()))
    print(f"wrote {PINS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
