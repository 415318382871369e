"""Parallelism planner: where a training step's bytes go (scale-up NVLink vs scale-out network).

A dense transformer (``Model``: parameters Ψ, layers L, hidden size h) trained with tensor (TP),
pipeline (PP), data (DP) and expert (EP, a subgroup of DP) parallelism on a ``Cluster`` of scale-up
domains (``scale_up_gpus`` GPUs joined by NVLink at ``scale_up_gbytes_s`` per GPU and direction) and
a scale-out network (``scale_out_gbytes_s`` per GPU). World size = TP·PP·DP. Ranks are laid out TP
innermost, then EP, then PP, then the rest of DP (Llama 3's order [TP, CP, PP, DP];
``docs/sources.md#llama3``), and scale-up domains are consecutive blocks of ranks.

Bytes each GPU sends per step (b_tot = global batch in sequences, s = sequence length, B = bytes per
element; ``docs/sources.md#parallelism-traffic``, ``docs/sources.md#nccl-tests-busbw``):

* TP: 4 all-reduces per layer (2 forward, 2 backward) of b·s·h elements, on L/PP layers, for the
  b_tot/DP sequences of the GPU's replica: 4·(L/PP)·(b_tot/DP)·s·h·B · 2(TP−1)/TP (Megatron-LM;
  sequence parallelism moves the same bytes as reduce-scatter + all-gather).
* PP: activations forward and their gradients backward between neighbouring stages, split over the
  TP ranks: 2·(b_tot/DP)·s·h·B/TP · (PP−1)/PP (average over stages).
* DP: all-reduce of the GPU's gradient shard Ψ/(TP·PP) in ``grad_bytes``: 2(DP−1)/DP · Ψ/(TP·PP) ·
  grad_bytes (ZeRO: 2Ψ per replica; ZeRO-3/FSDP would add half again).
* EP (if EP > 1, MoE): all-to-all dispatch + combine, forward and backward, of every token's hidden
  state times ``top_k``: 4·(L/PP)·(b_tot/DP)·s·h·B·top_k/TP · (EP−1)/EP (Megatron-Core MoE).

A group whose GPUs all sit in one scale-up domain talks over NVLink; otherwise its bytes are counted
on the network (its slowest link sets the pace). Step-time lower bound: the largest of compute
(6·Ψ·tokens / (GPUs·peak)) and each link class's bytes / bandwidth (perfect overlap); without overlap
the sum. The bisection the job needs: the bytes that really cross the cluster's half-way cut in one
step (rings cross it twice, all-to-all n²/4 times; :mod:`course_kit.collectives`), divided by the
step-time lower bound.

>>> plan = llama3_405b_plan()
>>> plan.inside_scale_up["tp"], plan.inside_scale_up["dp"]
(True, False)
>>> round(plan.bytes_per_gpu["dp"] / 1e9, 2)     # DP gradients of a 405B / (8·16) shard, BF16
12.56
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from course_kit._validate import check_int, check_number

__all__ = ["Model", "Cluster", "Plan", "plan", "llama3_405b_plan", "LLAMA3_405B", "LLAMA3_70B", "LLAMA3_8B",
           "MODELS", "H100_CLUSTER", "GB200_NVL72_CLUSTER", "CLUSTERS", "PARALLELISMS"]

PARALLELISMS = ("tp", "pp", "dp", "ep")


@dataclass(frozen=True)
class Model:
    """A transformer: ``params`` (Ψ), ``layers`` (L), ``hidden`` (h); ``moe_top_k`` for expert models."""

    name: str
    params: float
    layers: int
    hidden: int
    moe_top_k: int = 1

    def __post_init__(self):
        check_number("params", self.params, low=1e6, high=1e14)
        check_int("layers", self.layers, low=1, high=10_000)
        check_int("hidden", self.hidden, low=1, high=1_000_000)
        check_int("moe_top_k", self.moe_top_k, low=1, high=64)


@dataclass(frozen=True)
class Cluster:
    """Scale-up domain size and NVLink GB/s per GPU (one direction); network GB/s per GPU; peak TFLOP/s."""

    name: str
    scale_up_gpus: int
    scale_up_gbytes_s: float
    scale_out_gbytes_s: float
    peak_tflops: float

    def __post_init__(self):
        check_int("scale_up_gpus", self.scale_up_gpus, low=1, high=100_000)
        check_number("scale_up_gbytes_s", self.scale_up_gbytes_s, low=0, high=1e5, low_inclusive=False)
        check_number("scale_out_gbytes_s", self.scale_out_gbytes_s, low=0, high=1e5, low_inclusive=False)
        check_number("peak_tflops", self.peak_tflops, low=0, high=1e5, low_inclusive=False)


#: Llama 3 405B: 126 layers, model dimension 16,384 (``docs/sources.md#llama3``).
LLAMA3_405B = Model("Llama-3-405B-like", 405e9, 126, 16_384)
#: Llama 3 70B and 8B: 80 layers × 8,192 and 32 layers × 4,096 (``docs/sources.md#llama3``, Table 3).
LLAMA3_70B = Model("Llama-3-70B-like", 70e9, 80, 8_192)
LLAMA3_8B = Model("Llama-3-8B-like", 8e9, 32, 4_096)
MODELS = {m.name: m for m in (LLAMA3_405B, LLAMA3_70B, LLAMA3_8B)}
#: HGX/DGX H100: 8-GPU NVLink domain, 450 GB/s per direction per GPU; one 400 Gb/s NIC per GPU = 50 GB/s;
#: 989.4 dense BF16 TFLOP/s (``docs/sources.md#nvlink-h100``, data/accelerators.csv).
H100_CLUSTER = Cluster("HGX H100 + 400G per GPU", 8, 450.0, 50.0, 989.4)
#: GB200 NVL72: 72-GPU NVLink domain, 900 GB/s per direction per GPU; 400G per GPU
#: (``docs/sources.md#gb200-nvl72``); peak BF16 left as an assumption (2,250 dense TFLOP/s, not sourced here).
GB200_NVL72_CLUSTER = Cluster("GB200 NVL72 + 400G per GPU", 72, 900.0, 50.0, 2250.0)
CLUSTERS = {c.name: c for c in (H100_CLUSTER, GB200_NVL72_CLUSTER)}


@dataclass(frozen=True)
class Plan:
    """The planner's answer. Bytes are per GPU per step; rates in GB/s; times in seconds."""

    model: Model
    cluster: Cluster
    degrees: dict
    gpus: int
    tokens_per_step: float
    bytes_per_gpu: dict            # parallelism -> bytes each GPU sends per step
    inside_scale_up: dict          # parallelism -> True if its group sits in one scale-up domain
    nvlink_bytes_per_gpu: float
    network_bytes_per_gpu: float
    compute_s: float
    nvlink_s: float
    network_s: float
    step_lower_bound_s: float
    step_no_overlap_s: float
    cut_bytes: float               # bytes crossing the cluster's half-way cut per step, one direction
    bisection_needed_gbytes_s: float
    full_bisection_gbytes_s: float
    must_stay_inside: tuple = field(default_factory=tuple)

    @property
    def bound(self) -> str:
        """Which term sets the lower bound: 'compute', 'nvlink' or 'network'."""
        terms = {"compute": self.compute_s, "nvlink": self.nvlink_s, "network": self.network_s}
        return max(terms, key=terms.get)

    @property
    def max_mfu(self) -> float:
        """Model FLOPs utilisation the lower bound allows: compute_s / step_lower_bound_s."""
        return self.compute_s / self.step_lower_bound_s


def _layout(tp: int, ep: int, pp: int, dp_rest: int) -> np.ndarray:
    """Rank numbers as an array indexed [dp_rest, pp, ep, tp] (TP innermost)."""
    return np.arange(tp * ep * pp * dp_rest).reshape(dp_rest, pp, ep, tp)


def _same_domain(ranks: np.ndarray, axes: tuple, domain: int) -> bool:
    dom = ranks // domain
    return bool(np.all(dom.max(axis=axes) == dom.min(axis=axes)))


def _left_counts(ranks: np.ndarray, axes: tuple, world: int) -> tuple[np.ndarray, int]:
    left = ranks < world // 2
    size = int(np.prod([ranks.shape[a] for a in axes]))
    return left.sum(axis=axes), size


def plan(model: Model = LLAMA3_405B, cluster: Cluster = H100_CLUSTER, *, tp=8, pp=16, dp=128, ep=1,
         global_batch=2048, seq_len=8192, dtype_bytes=2, grad_bytes=2) -> Plan:
    """Bytes per GPU per step on NVLink vs network, the step-time lower bound and the bisection needed.

    ``global_batch`` in sequences of ``seq_len`` tokens; ``ep`` must divide ``dp``; ``global_batch`` must
    be a multiple of ``dp``. See the module docstring for every formula.

    >>> p = plan(tp=8, pp=1, dp=2, global_batch=16, seq_len=4096, model=Model("tiny", 1e9, 16, 2048))
    >>> p.gpus, p.inside_scale_up["tp"], p.inside_scale_up["dp"]
    (16, True, False)
    """
    tp = check_int("tp", tp, low=1, high=1024)
    pp = check_int("pp", pp, low=1, high=1024)
    dp = check_int("dp", dp, low=1, high=100_000)
    ep = check_int("ep", ep, low=1, high=1024)
    gb = check_int("global_batch", global_batch, low=1, high=10_000_000)
    s = check_int("seq_len", seq_len, low=1, high=10_000_000)
    b = check_number("dtype_bytes", dtype_bytes, low=0.5, high=8)
    gbytes = check_number("grad_bytes", grad_bytes, low=0.5, high=8)
    if dp % ep:
        raise ValueError(f"ep must divide dp (experts are sharded over data-parallel ranks); got ep={ep}, dp={dp}")
    if gb % dp:
        raise ValueError(f"global_batch must be a multiple of dp={dp}; got {global_batch!r}")
    if pp > model.layers:
        raise ValueError(f"pp must be <= the model's {model.layers} layers; got {pp}")
    if model.hidden % tp:
        raise ValueError(f"tp must divide the hidden size {model.hidden}; got {tp}")
    world = tp * pp * dp
    if world > 1_000_000:
        raise ValueError(f"tp·pp·dp must be <= 1000000 GPUs; got {world}")
    seqs = gb // dp                    # sequences per replica per step
    act = seqs * s * model.hidden * b  # one layer's activations for the replica, bytes
    layers = model.layers / pp        # average layers per stage (Llama 3 balances 126 over 16)
    by = {
        "tp": 4 * layers * act * 2 * (tp - 1) / tp,
        "pp": 2 * act / tp * (pp - 1) / pp,
        "dp": 2 * (dp - 1) / dp * model.params / (tp * pp) * gbytes,
        "ep": (4 * layers * act * model.moe_top_k / tp * (ep - 1) / ep) if ep > 1 else 0.0,
    }
    ranks = _layout(tp, ep, pp, dp // ep)           # axes: 0 dp_rest, 1 pp, 2 ep, 3 tp
    axes = {"tp": (3,), "ep": (2,), "pp": (1,), "dp": (0, 2)}
    dom = cluster.scale_up_gpus
    degree = {"tp": tp, "pp": pp, "dp": dp, "ep": ep}
    inside = {k: degree[k] == 1 or _same_domain(ranks, axes[k], dom) for k in PARALLELISMS}
    nv = sum(v for k, v in by.items() if inside[k])
    net = sum(v for k, v in by.items() if not inside[k])
    # What crosses the half-way cut (one direction), summed over every group of each kind.
    cut = 0.0
    if world >= 2:
        for k in PARALLELISMS:
            if by[k] == 0:
                continue
            left, size = _left_counts(ranks, axes[k], world)
            straddle = (left > 0) & (left < size)
            if k == "ep":   # all-to-all: each left member sends 1/size of its buffer to each right member
                per_member = by[k] / ((size - 1) / size)
                cut += float(np.sum(left * (size - left))) * per_member / size
            elif k == "pp":  # a chain: one stage boundary crosses, carrying act/TP each way
                cut += float(np.count_nonzero(straddle)) * act / tp
            else:            # rings (tp, dp) cross once per direction, carrying the per-rank bytes
                cut += float(np.count_nonzero(straddle)) * by[k]
    tokens = gb * s
    compute = 6 * model.params * tokens / (world * cluster.peak_tflops * 1e12)
    nv_s = nv / (cluster.scale_up_gbytes_s * 1e9)
    net_s = net / (cluster.scale_out_gbytes_s * 1e9)
    lower = max(compute, nv_s, net_s)
    must = tuple(k for k in PARALLELISMS if by[k] > 0 and by[k] / (cluster.scale_out_gbytes_s * 1e9) > compute)
    return Plan(
        model=model, cluster=cluster, degrees={"tp": tp, "pp": pp, "dp": dp, "ep": ep}, gpus=world,
        tokens_per_step=float(tokens), bytes_per_gpu=by, inside_scale_up=inside, nvlink_bytes_per_gpu=nv,
        network_bytes_per_gpu=net, compute_s=compute, nvlink_s=nv_s, network_s=net_s,
        step_lower_bound_s=lower, step_no_overlap_s=compute + nv_s + net_s, cut_bytes=cut,
        bisection_needed_gbytes_s=cut / lower / 1e9,
        full_bisection_gbytes_s=world / 2 * cluster.scale_out_gbytes_s, must_stay_inside=must)


def llama3_405b_plan(**overrides) -> Plan:
    """The Llama 3 405B layout of Table 4 (``docs/sources.md#llama3``): 16,384 H100, TP 8, PP 16, DP 128,
    sequence 8,192, 16 sequences per DP rank (2,048 sequences = 16.8M tokens per step), BF16."""
    kwargs = dict(model=LLAMA3_405B, cluster=H100_CLUSTER, tp=8, pp=16, dp=128, ep=1, global_batch=2048,
                  seq_len=8192, dtype_bytes=2, grad_bytes=2)
    kwargs.update(overrides)
    return plan(**kwargs)
