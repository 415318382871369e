"""The event-driven simulator: invariants (hypothesis) and hand-traced schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import scheduling as sch
from course_kit.scheduling import Cluster, Demand, Job, Workload, simulate

SHAPES = [Demand(2000, 4096, 1, 500), Demand(4000, 8192, 1, 1000), Demand(8000, 16384, 2, 1000),
          Demand(16000, 32768, 4, 1000), Demand(1000, 2048, 0), Demand(8000, 8192, 1, 250)]

job_st = st.tuples(st.integers(0, 40), st.integers(1, 30), st.integers(0, len(SHAPES) - 1),
                   st.integers(1, 3), st.sampled_from([0, 10, 50, 100]), st.sampled_from(["u1", "u2", "u3"]),
                   st.sampled_from(["ml_serving", "model_training", "best_effort", "elsewhere"]))


def _workload(specs):
    jobs = [Job(f"j{i}", float(a), float(d), SHAPES[s], gang_size=g, priority=p, user=u, queue=q,
                sla_wait_s=20.0)
            for i, (a, d, s, g, p, u, q) in enumerate(specs)]
    return Workload.from_jobs(jobs)


queues = st.sampled_from([("fifo", {}), ("sjf", {}), ("priority", {}), ("priority", {"preemption": "lowest_priority"}),
                          ("priority", {"preemption": "least_progress", "checkpoint_s": 5.0}),
                          ("priority", {"preemption": "newest"}),
                          ("fair_share", {"quotas": {"u1": 6}}), ("drf", {}), ("hierarchical", {}),
                          ("lottery", {"tickets": {"u1": 3, "u2": 1}}), ("multi_objective", {})])


@given(specs=st.lists(job_st, min_size=1, max_size=14), nodes=st.integers(1, 3), q=queues,
       placement=st.sampled_from(["first_fit", "best_fit", "worst_fit", "random", "dotprod", "clustering",
                                  "packing", "bestfit", "fgd"]),
       backfill=st.booleans(), seed=st.integers(0, 5))
@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_simulation_invariants(specs, nodes, q, placement, backfill, seed):
    wl = _workload(specs)
    cluster = Cluster.homogeneous(nodes, gpus_per_node=4, cpu_milli=32000, memory_mib=65536)
    r = simulate(cluster, wl, queue=q[0], queue_params=q[1], placement=placement, backfill=backfill,
                 seed=seed, check_invariants=True)     # asserts no over-allocation after every pass
    st_ = np.array(r.status)
    assert set(st_) <= {"done", "unschedulable"}
    seg = r.segments
    for j in range(len(wl)):
        mine = seg["job"] == j
        gang = int(wl.gang_size[j])
        if st_[j] == "unschedulable":
            # reported, never ran, and indeed cannot fit the empty cluster (or its quota)
            assert not mine.any()
            continue
        # finished exactly once, at end_s, with its whole gang
        assert math.isfinite(r.end_s[j]) and r.end_s[j] >= r.first_start_s[j] >= wl.arrival_s[j]
        final = mine & (seg["end_s"] == r.end_s[j])
        assert final.sum() == gang
        # a gang runs whole or not at all: every run has gang_size segments with one start time
        starts, counts = np.unique(seg["start_s"][mine], return_counts=True)
        assert (counts % gang == 0).all()
        # work done equals the duration plus what preemption threw away
        ran = (seg["end_s"][mine] - seg["start_s"][mine]).sum() / gang
        lost = r.lost_gpu_s[j] / max(wl.total_gpus[j], 1e-12) if wl.total_gpus[j] else None
        if lost is not None:
            assert ran == pytest.approx(wl.duration_s[j] + lost, rel=1e-9, abs=1e-6)
    assert (r.timeline["gpu_used"] <= cluster.total_gpus + 1e-9).all()


def test_gang_larger_than_cluster_is_reported_not_run():
    wl = Workload.from_jobs([Job("big", 0, 10, Demand(num_gpu=8), gang_size=3), Job("ok", 0, 10, Demand(num_gpu=8))])
    r = simulate(Cluster.homogeneous(2, gpus_per_node=8), wl)
    assert r.status == ("unschedulable", "done") and r.end_s[1] == 10


def test_task_larger_than_any_node_raises():
    wl = Workload.from_jobs([Job("huge", 0, 10, Demand(num_gpu=16))])
    with pytest.raises(ValueError, match="workload"):
        simulate(Cluster.homogeneous(2, gpus_per_node=8), wl)
    with pytest.raises(ValueError, match="queue"):
        simulate(Cluster.homogeneous(2), sch.synthetic_workload(3), queue="round_robin")
    with pytest.raises(ValueError, match="policy"):
        simulate(Cluster.homogeneous(2), sch.synthetic_workload(3), placement="tetris")
    with pytest.raises(ValueError, match="gang"):
        simulate(Cluster.homogeneous(2), sch.synthetic_workload(3), gang="some")


def test_partial_gangs_deadlock_all_or_nothing_does_not():
    # two gangs of 3 × 2 GPUs on one 8-GPU node: task by task they take 2 + 2 each → 8 GPUs held,
    # each waits for a third task that can never fit
    wl = Workload.from_jobs([Job("g1", 0, 10, Demand(num_gpu=2), gang_size=3),
                             Job("g2", 0, 10, Demand(num_gpu=2), gang_size=3)])
    one = Cluster.homogeneous(1, gpus_per_node=8)
    r = simulate(one, wl, gang="partial")
    assert r.status == ("deadlock", "deadlock") and len(r.held) == 4
    r = simulate(one, wl)
    assert r.status == ("done", "done") and r.end_s.tolist() == [10.0, 20.0]


def test_easy_backfill_by_hand():
    # one 8-GPU node. a: 6 GPUs for 100 s; b: 4 GPUs (blocked until a ends); c: 2 GPUs, 50 s; d: 2 GPUs, 500 s
    wl = Workload.from_jobs([Job("a", 0, 100, Demand(num_gpu=6)), Job("b", 1, 10, Demand(num_gpu=4)),
                             Job("c", 2, 50, Demand(num_gpu=2)), Job("d", 3, 500, Demand(num_gpu=2))])
    one = Cluster.homogeneous(1, gpus_per_node=8)
    r = simulate(one, wl, queue="fifo")
    assert r.first_start_s.tolist() == [0, 100, 100, 100]          # strict FIFO: everyone waits behind b
    r = simulate(one, wl, queue="fifo", backfill=True)
    # b's shadow time is 100 (when a ends) with 8 − 4 = 4 spare GPUs then: c (ends 52 < 100)
    # backfills at 2; d does not fit until c ends at 52, then runs past 100 but on 2 of the 4 spare
    # GPUs, so it backfills too; b still starts at 100
    assert r.first_start_s.tolist() == [0, 100, 2, 52]


def test_scenario3_preemption_by_hand():
    # 25 nodes × 4 GPUs = 100 GPUs; 20 low-priority 4-GPU jobs started at 0 with elapsed = 3 h at
    # t = 3 h; the 64-GPU job (16 × 4) needs 11 victims; without checkpoints each loses 3 h × 4 GPUs
    cluster = Cluster.homogeneous(25, gpus_per_node=4)
    jobs = [Job(f"low-{i:02d}", 0, (10 + i) * 3600.0, Demand(num_gpu=4), priority=10) for i in range(20)]
    jobs.append(Job("big", 3 * 3600.0, 3600.0, Demand(num_gpu=4), gang_size=16, priority=100, sla_wait_s=1800))
    wl = Workload.from_jobs(jobs)
    r = simulate(cluster, wl, queue="priority", queue_params={"preemption": "least_progress"})
    assert len(r.preemptions) == 11 and r.queue_delay_s[-1] == 0
    # least progress = elapsed/duration smallest = the longest jobs (low-19 .. low-09)
    assert sorted(v for _, v, _ in r.preemptions) == [f"low-{i:02d}" for i in range(9, 20)]
    assert r.lost_gpu_s.sum() / 3600 == pytest.approx(11 * 4 * 3)
    r = simulate(cluster, wl, queue="priority")                 # no preemption: waits for 11 jobs
    assert r.queue_delay_s[-1] == pytest.approx((10 + 10) * 3600 - 3 * 3600)
    assert sch.sla_violations(r) == 1


def test_fair_share_and_drf_order():
    # one 8-GPU node; alice submits three 4-GPU jobs at 0 (a0 10 s, a1 20 s, a2 10 s), bob one at 1.
    # At t = 10 alice still holds 4 GPUs (a1), bob none: fair share and DRF start bob's job;
    # FIFO starts alice's a2 and bob waits until a1 ends at 20
    jobs = [Job("a0", 0, 10, Demand(num_gpu=4), user="alice"), Job("a1", 0, 20, Demand(num_gpu=4), user="alice"),
            Job("a2", 0, 10, Demand(num_gpu=4), user="alice"), Job("b0", 1, 10, Demand(num_gpu=4), user="bob")]
    wl = Workload.from_jobs(jobs)
    one = Cluster.homogeneous(1, gpus_per_node=8)
    assert simulate(one, wl, queue="fifo").first_start_s.tolist() == [0, 0, 10, 20]
    assert simulate(one, wl, queue="fair_share").first_start_s.tolist() == [0, 0, 20, 10]
    assert simulate(one, wl, queue="drf").first_start_s.tolist() == [0, 0, 20, 10]
    # a quota of 4 GPUs for alice holds a1 back until a0 is done
    r = simulate(one, wl, queue="fair_share", queue_params={"quotas": {"alice": 4}})
    assert r.first_start_s.tolist() == [0, 10, 30, 1]


def test_metrics_summary_and_progress_silence(capsys):
    wl = sch.synthetic_workload(40, seed=1)
    r = simulate(Cluster.homogeneous(3), wl, progress=False)
    s = r.summary()
    assert s["done"] == 40 and 0 < s["mean_gpu_util"] <= 1 and 0 < s["jain_dominant_share"] <= 1
    assert s["makespan_h"] * 3600 == pytest.approx(np.nanmax(r.end_s) - wl.arrival_s.min())
    df = sch.compare({"fifo": r, "sjf": simulate(Cluster.homogeneous(3), wl, queue="sjf")})
    assert df.loc["sjf", "mean_jct_h"] <= df.loc["fifo", "mean_jct_h"]
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_philly_slice_fifo_vs_sjf():
    wl = sch.philly_workload(sch.load_philly(), n_jobs=3000)
    c = Cluster.homogeneous(16, gpus_per_node=8)
    fifo, sjf = simulate(c, wl, queue="fifo"), simulate(c, wl, queue="sjf")
    assert fifo.status.count("done") == sjf.status.count("done") == 3000
    # SJF minimises mean waiting time for a single machine (Smith's rule); here it still wins on mean delay
    assert np.mean(sjf.queue_delay_s) <= np.mean(fifo.queue_delay_s)


def test_broken_bookkeeping_raises_invariant_error_even_under_python_O():
    """Invariants are checked with a named exception, not `assert` (which `python -O` removes)."""
    from course_kit.scheduling import InvariantError, Placement
    from course_kit.scheduling.placement import get_policy
    from course_kit.scheduling.queueing import get_queue_policy
    from course_kit.scheduling.simulator import Simulation

    state = Cluster.homogeneous(2, gpus_per_node=2).state()
    one = Demand(num_gpu=1)
    state.take(Placement(0, (0,)), one)
    state.check_invariants()
    state.take(Placement(0, (0,)), one)  # the same GPU twice: unchecked take, caught afterwards
    with pytest.raises(InvariantError, match=r"GPU over-allocated \(nodes: node-000\)"):
        state.check_invariants()

    wl = Workload.from_jobs([Job("a", 0, 10, one)])
    sim = Simulation(Cluster.homogeneous(1, gpus_per_node=2), wl, get_queue_policy("fifo"), get_policy("first_fit"),
                     backfill=False, partial=False, rng=np.random.default_rng(0), horizon=math.inf,
                     backfill_depth=10, check_invariants=True)
    sim.check()
    sim.free[2] -= 1
    with pytest.raises(InvariantError, match="free totals drifted"):
        sim.check()
