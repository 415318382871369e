"""Real cluster traces: the Alibaba GPU trace 2023 ("openb") and Microsoft Philly (2017).

Files, origin, licence and citations: ``data/traces/README.md`` (copied byte for byte from the
publishers). The loaders return pandas DataFrames with normalised column names and **never fail on
a missing optional column**: they fill it with the default listed below (upstream, some openb
variants — the multi-GPU ones — have only the first five pod columns).

openb pods (``load_openb``), column → default when absent:

* ``name`` → ``pod-00000``, ``pod-00001``, ...; ``memory_mib`` → 0; ``num_gpu`` → 0;
* ``gpu_milli`` → 1000 when ``num_gpu > 0`` (the authors' ``pod_csv_to_yaml.py`` rule), values
  above 1000 are clipped to 1000 (same rule); it is 0 for CPU-only tasks;
* ``gpu_spec`` → ``""`` (any GPU model); ``qos`` → ``"unknown"``; ``pod_phase`` → ``""``;
  ``creation_time``, ``deletion_time``, ``scheduled_time`` → NaN.
* ``cpu_milli`` is required (a ``ValueError`` names it when absent).

openb nodes: ``sn`` → ``name`` (``node-0000``... when absent), ``memory_mib`` → 2**40 (memory
not modelled), ``gpu`` → 0, ``model`` → ``""``; ``cpu_milli`` required.

Philly (``load_philly``): ``timestamp`` → every job submitted at time 0, ``num_gpus`` → 1,
``gpu_time`` → ``duration · num_gpus``, ``cluster`` → ``"default"``; ``duration`` required.

>>> nodes, pods = load_openb()
>>> len(nodes), int(nodes.gpu.sum()), len(pods)
(1213, 6212, 8152)
>>> philly = load_philly()
>>> len(philly), int(philly.num_gpus.max())
(82247, 128)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from course_kit._validate import check_int
from course_kit.scheduling.jobs import MILLI, Demand, Workload

__all__ = ["OPENB_NODES", "OPENB_PODS", "PHILLY", "load_openb", "load_philly", "philly_workload",
           "openb_demands", "openb_cluster"]

OPENB_NODES = "traces/alibaba-openb/openb_node_list_gpu_node.csv"
OPENB_PODS = "traces/alibaba-openb/openb_pod_list_default.csv"
PHILLY = "traces/philly/philly.csv"


def _resolve(path, default: str) -> Path:
    from course_kit.paths import data_path

    if path is None:
        return data_path(default)
    p = Path(path)
    if p.is_file():
        return p
    if not p.is_absolute():
        try:
            q = data_path(str(p)) if "/" in str(p) else data_path(str(Path(default).parent / p))
            if q.is_file():
                return q
        except ValueError:
            pass
    raise ValueError(f"file not found: {str(path)!r} (give a path, or a file name under data/traces/)")


def _read_csv(path: Path, name: str):
    import pandas as pd

    try:
        return pd.read_csv(path, dtype={"gpu_spec": str, "model": str, "cluster": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{name} is not a readable CSV file ({path}): {exc}") from None


def _numeric(df, col: str, default, *, low: float = 0, name: str):
    import pandas as pd

    if col not in df.columns:
        if default is None:
            raise ValueError(f"{name} must have a column {col!r}; columns are {list(df.columns)}")
        return pd.Series(default, index=df.index, dtype=float)
    s = pd.to_numeric(df[col], errors="coerce")
    if s.isna().any():
        i = int(np.flatnonzero(s.isna().to_numpy())[0])
        raise ValueError(f"{name} column {col!r} must be numeric; got {df[col].iloc[i]!r} in row {i}")
    if (s < low).any():
        i = int(np.flatnonzero((s < low).to_numpy())[0])
        raise ValueError(f"{name} column {col!r} must be >= {low:g}; got {s.iloc[i]!r} in row {i}")
    return s.astype(float)


def load_openb(nodes_csv=None, pods_csv=None):
    """Load an openb node list and pod list → ``(nodes, pods)`` DataFrames.

    Defaults: the 1,213 GPU nodes and the default 8,152-task trace shipped in ``data/traces/``.
    A file name alone (e.g. ``"openb_pod_list_gpushare40.csv"``) is looked up there.

    ``nodes`` columns: ``name, cpu_milli, memory_mib, gpu, model``. ``pods`` columns:
    ``name, cpu_milli, memory_mib, num_gpu, gpu_milli, gpu_spec, qos, pod_phase, creation_time,
    deletion_time, scheduled_time`` (missing ones filled as the module docstring says).
    """
    import pandas as pd

    nraw = _read_csv(_resolve(nodes_csv, OPENB_NODES), "nodes_csv")
    praw = _read_csv(_resolve(pods_csv, OPENB_PODS), "pods_csv")
    if len(nraw) == 0 or len(praw) == 0:
        raise ValueError("nodes_csv and pods_csv must each hold at least one row")
    nodes = pd.DataFrame(index=nraw.index)
    col = "sn" if "sn" in nraw.columns else ("name" if "name" in nraw.columns else None)
    nodes["name"] = nraw[col].astype(str) if col else [f"node-{i:04d}" for i in range(len(nraw))]
    nodes["cpu_milli"] = _numeric(nraw, "cpu_milli", None, name="nodes_csv").astype(np.int64)
    nodes["memory_mib"] = _numeric(nraw, "memory_mib", float(2**40), name="nodes_csv").astype(np.int64)
    nodes["gpu"] = _numeric(nraw, "gpu", 0.0, name="nodes_csv").astype(np.int64)
    nodes["model"] = nraw["model"].fillna("").astype(str) if "model" in nraw.columns else ""
    if nodes["name"].duplicated().any():
        raise ValueError("nodes_csv must have unique node names")

    pods = pd.DataFrame(index=praw.index)
    pods["name"] = praw["name"].astype(str) if "name" in praw.columns else [f"pod-{i:05d}" for i in range(len(praw))]
    pods["cpu_milli"] = _numeric(praw, "cpu_milli", None, name="pods_csv").astype(np.int64)
    pods["memory_mib"] = _numeric(praw, "memory_mib", 0.0, name="pods_csv").astype(np.int64)
    k = _numeric(praw, "num_gpu", 0.0, name="pods_csv").astype(np.int64)
    g = _numeric(praw, "gpu_milli", float(MILLI), name="pods_csv").clip(upper=MILLI).astype(np.int64)
    if ((k > 0) & (g == 0)).any():
        i = int(np.flatnonzero(((k > 0) & (g == 0)).to_numpy())[0])
        raise ValueError(f"pods_csv column 'gpu_milli' must be in [1, 1000] when num_gpu > 0; got 0 in row {i}")
    if ((k > 1) & (g < MILLI)).any():
        i = int(np.flatnonzero(((k > 1) & (g < MILLI)).to_numpy())[0])
        raise ValueError(f"pods_csv row {i}: a task with num_gpu > 1 must use whole GPUs (gpu_milli 1000)")
    pods["num_gpu"] = k
    pods["gpu_milli"] = g.where(k > 0, 0)
    pods["gpu_spec"] = praw["gpu_spec"].fillna("").astype(str) if "gpu_spec" in praw.columns else ""
    pods["qos"] = praw["qos"].fillna("unknown").astype(str) if "qos" in praw.columns else "unknown"
    pods["pod_phase"] = praw["pod_phase"].fillna("").astype(str) if "pod_phase" in praw.columns else ""
    for c in ("creation_time", "deletion_time", "scheduled_time"):
        pods[c] = pd.to_numeric(praw[c], errors="coerce") if c in praw.columns else np.nan
    return nodes.reset_index(drop=True), pods.reset_index(drop=True)


def openb_cluster(nodes):
    """A :class:`~course_kit.scheduling.cluster.Cluster` from a ``load_openb`` node table."""
    from course_kit.scheduling.cluster import Cluster

    return Cluster.from_frame(nodes)


def openb_demands(pods) -> list[Demand]:
    """One :class:`Demand` per task of a ``load_openb`` pod table (``gpu_spec`` → allowed models)."""
    out: list[Demand] = []
    cache: dict = {}
    for key in zip(pods["cpu_milli"].tolist(), pods["memory_mib"].tolist(), pods["num_gpu"].tolist(),
                   pods["gpu_milli"].tolist(), pods["gpu_spec"].tolist()):
        d = cache.get(key)
        if d is None:
            c, m, k, g, spec = key
            d = cache[key] = Demand(int(c), int(m), int(k), int(g) if k else MILLI, spec)
        out.append(d)
    return out


def load_philly(csv=None):
    """Load the Philly per-job summary → DataFrame sorted by submit time (stable).

    Columns: ``submit_time`` (Timestamp), ``submit_s`` (seconds since the first submission),
    ``duration_s``, ``num_gpus``, ``gpu_time_s``, ``cluster`` (virtual cluster hash).
    """
    import pandas as pd

    raw = _read_csv(_resolve(csv, PHILLY), "csv")
    if len(raw) == 0:
        raise ValueError("csv must hold at least one job")
    df = pd.DataFrame(index=raw.index)
    if "timestamp" in raw.columns:
        t = pd.to_datetime(raw["timestamp"], errors="coerce")
        if t.isna().any():
            i = int(np.flatnonzero(t.isna().to_numpy())[0])
            raise ValueError(f"csv column 'timestamp' must be a date-time; got {raw['timestamp'].iloc[i]!r} in row {i}")
        df["submit_time"] = t
        df["submit_s"] = (t - t.min()).dt.total_seconds()
    else:
        df["submit_time"] = pd.NaT
        df["submit_s"] = 0.0
    df["duration_s"] = _numeric(raw, "duration", None, name="csv")
    if (df["duration_s"] <= 0).any():
        i = int(np.flatnonzero((df["duration_s"] <= 0).to_numpy())[0])
        raise ValueError(f"csv column 'duration' must be > 0; got {df['duration_s'].iloc[i]!r} in row {i}")
    df["num_gpus"] = _numeric(raw, "num_gpus", 1.0, name="csv").astype(np.int64)
    df["gpu_time_s"] = (_numeric(raw, "gpu_time", 0.0, name="csv") if "gpu_time" in raw.columns
                        else df["duration_s"] * df["num_gpus"])
    df["cluster"] = raw["cluster"].fillna("default").astype(str) if "cluster" in raw.columns else "default"
    return df.sort_values("submit_s", kind="stable").reset_index(drop=True)


def philly_workload(philly, *, gpus_per_node: int = 8, cpu_milli_per_gpu: int = 0,
                    memory_mib_per_gpu: int = 0, n_jobs: int | None = None, start: int = 0) -> Workload:
    """Philly jobs as a :class:`Workload` (rows ``start .. start+n_jobs`` of ``load_philly``).

    A job of ``n`` GPUs becomes a gang of ``⌈n / gpus_per_node⌉`` tasks of ``⌈n / gang⌉`` GPUs each
    (all Philly sizes divide evenly for 8-GPU nodes). CPU and memory per GPU default to 0 (the
    trace does not record them). ``user`` and ``queue`` are the virtual cluster. Arrivals are
    shifted so the first selected job arrives at 0.
    """
    gpn = check_int("gpus_per_node", gpus_per_node, low=1, high=64)
    cpg = check_int("cpu_milli_per_gpu", cpu_milli_per_gpu, low=0, high=10**6)
    mpg = check_int("memory_mib_per_gpu", memory_mib_per_gpu, low=0, high=10**7)
    start = check_int("start", start, low=0, high=len(philly) - 1)
    stop = len(philly) if n_jobs is None else start + check_int("n_jobs", n_jobs, low=1, high=len(philly))
    df = philly.iloc[start:stop]
    n = df["num_gpus"].to_numpy(dtype=np.int64)
    gang = -(-n // gpn)
    per = -(-n // gang)
    arr = df["submit_s"].to_numpy(dtype=float)
    clusters = tuple(df["cluster"].astype(str))
    return Workload(
        names=tuple(f"philly-{i:05d}" for i in range(start, start + len(df))),
        arrival_s=arr - arr.min(), duration_s=df["duration_s"].to_numpy(dtype=float),
        cpu_milli=per * cpg, memory_mib=per * mpg, num_gpu=per, gpu_milli=np.full(len(df), MILLI),
        gang_size=gang, priority=np.zeros(len(df)), users=clusters, queues=clusters,
        sla_wait_s=np.full(len(df), math.inf), gpu_models=())
