"""Parallelism planner: hand-computed bytes, brute-force group placement and cut crossing, Llama 3."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_kit import parallelism as P

TINY = P.Model("tiny", 1e9, 16, 2048)


def rank(t, e, p, d, tp, ep, pp):
    """Independent of the planner's reshape: TP innermost, then EP, then PP, then the rest of DP."""
    return t + tp * (e + ep * (p + pp * d))


def groups(kind, tp, ep, pp, dp):
    rest = dp // ep
    out = []
    if kind == "tp":
        for e, p, d in itertools.product(range(ep), range(pp), range(rest)):
            out.append([rank(t, e, p, d, tp, ep, pp) for t in range(tp)])
    elif kind == "pp":
        for t, e, d in itertools.product(range(tp), range(ep), range(rest)):
            out.append([rank(t, e, p, d, tp, ep, pp) for p in range(pp)])
    elif kind == "ep":
        for t, p, d in itertools.product(range(tp), range(pp), range(rest)):
            out.append([rank(t, e, p, d, tp, ep, pp) for e in range(ep)])
    else:
        for t, p in itertools.product(range(tp), range(pp)):
            out.append([rank(t, e, p, d, tp, ep, pp) for e in range(ep) for d in range(rest)])
    return out


@pytest.mark.parametrize("tp, pp, dp, ep, domain", [(8, 4, 4, 1, 8), (4, 2, 8, 2, 8), (8, 9, 2, 1, 72),
                                                    (2, 4, 8, 4, 16), (1, 1, 16, 16, 4)])
def test_inside_domain_and_cut_bytes_match_brute_force(tp, pp, dp, ep, domain):
    cluster = P.Cluster("test", domain, 100.0, 10.0, 500.0)
    model = P.Model("m", 1e9, 72, 4096, moe_top_k=2)
    p = P.plan(model, cluster, tp=tp, pp=pp, dp=dp, ep=ep, global_batch=dp * 2, seq_len=1024)
    world = tp * pp * dp
    assert p.gpus == world
    assert sorted(r for g in groups("tp", tp, ep, pp, dp) for r in g) == list(range(world))
    cut = 0.0
    act = 2 * 1024 * 4096 * 2
    for kind in P.PARALLELISMS:
        gs = groups(kind, tp, ep, pp, dp)
        inside = all(len({r // domain for r in g}) == 1 for g in gs)
        assert p.inside_scale_up[kind] == (inside or len(gs[0]) == 1), kind
        for g in gs:
            left = sum(r < world // 2 for r in g)
            if 0 < left < len(g) and p.bytes_per_gpu[kind]:
                if kind == "ep":
                    buffer = p.bytes_per_gpu[kind] * len(g) / (len(g) - 1)
                    cut += left * (len(g) - left) * buffer / len(g)
                elif kind == "pp":
                    cut += act / tp
                else:
                    cut += p.bytes_per_gpu[kind]
    assert p.cut_bytes == pytest.approx(cut)


def test_tp2_bytes_by_hand():
    # a 2-rank all-reduce sends exactly half of 2 x the buffer = the buffer; 4 per layer, 16 layers, 4 sequences
    p = P.plan(TINY, tp=2, pp=1, dp=2, global_batch=8, seq_len=512, dtype_bytes=2)
    act = (8 // 2) * 512 * 2048 * 2
    assert p.bytes_per_gpu["tp"] == pytest.approx(4 * 16 * act)
    assert p.bytes_per_gpu["dp"] == pytest.approx(1e9 / 2 * 2)          # 2(2-1)/2 * shard * 2 bytes
    assert p.bytes_per_gpu["pp"] == 0 and p.bytes_per_gpu["ep"] == 0


def test_llama3_405b_layout_tp_inside_nvlink_dp_on_the_network():
    p = P.llama3_405b_plan()
    assert p.gpus == 16_384 and p.tokens_per_step == 2048 * 8192      # 16M tokens per batch (Table 4)
    assert p.inside_scale_up == {"tp": True, "pp": False, "dp": False, "ep": True}
    assert p.bytes_per_gpu["dp"] == pytest.approx(2 * 127 / 128 * 405e9 / 128 * 2)
    assert "tp" in p.must_stay_inside                                # TP 8 inside the server, as published
    # compute at peak: 6 * 405e9 * 16.8M tokens / (16,384 * 989.4 TFLOP/s) ~ 2.5 s
    assert p.compute_s == pytest.approx(6 * 405e9 * 2048 * 8192 / (16_384 * 989.4e12))
    # the published ~400 TFLOP/s per GPU (41 % MFU) is below what the bandwidth bound allows
    assert p.max_mfu >= 400 / 989.4
    # the job needs a small fraction of a full-bisection fabric (Meta built 1:7 oversubscribed aggregation)
    assert p.bisection_needed_gbytes_s < p.full_bisection_gbytes_s / 7
    moved = P.llama3_405b_plan(tp=16, pp=8)                           # TP leaves the 8-GPU domain
    assert not moved.inside_scale_up["tp"] and moved.bound == "network"


def test_gb200_nvl72_keeps_tp_and_pp_inside_one_rack():
    p = P.llama3_405b_plan(cluster=P.GB200_NVL72_CLUSTER, tp=8, pp=9, dp=64, global_batch=2048)
    assert p.inside_scale_up["tp"] and p.inside_scale_up["pp"] and not p.inside_scale_up["dp"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([1, 2, 4, 8]), st.sampled_from([1, 2, 4]), st.sampled_from([1, 2, 4, 8, 16]))
def test_bounds_are_consistent(tp, pp, dp):
    p = P.plan(TINY, tp=tp, pp=pp, dp=dp, global_batch=16 * dp, seq_len=1024)
    assert p.step_lower_bound_s <= p.step_no_overlap_s + 1e-12
    assert p.nvlink_bytes_per_gpu + p.network_bytes_per_gpu == pytest.approx(sum(p.bytes_per_gpu.values()))
    assert 0 < p.max_mfu <= 1
    assert p.bisection_needed_gbytes_s >= 0


@pytest.mark.parametrize("kwargs, name", [({"tp": 0}, "tp"), ({"ep": 3, "dp": 4}, "ep"), ({"global_batch": 3}, "global_batch"),
                                          ({"tp": 3}, "tp"), ({"pp": 999}, "pp"), ({"seq_len": -1}, "seq_len")])
def test_bad_input(kwargs, name):
    args = dict(tp=2, pp=1, dp=4, global_batch=8, seq_len=128)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        P.plan(TINY, **args)
