"""Jobs, cluster state, placement rules and fragmentation against hand calculations and brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_kit import scheduling as sch
from course_kit.scheduling.cluster import Cluster, Node
from course_kit.scheduling.fragmentation import TypicalPods, node_fragmentation, node_task_fragmentation
from course_kit.scheduling.jobs import Demand, Job, Workload
from course_kit.scheduling.placement import get_policy, pack_items

FAST = settings(max_examples=40, deadline=None)


# ------------------------------------------------------------------------------ validation
@pytest.mark.parametrize("kw, name", [({"cpu_milli": -1}, "cpu_milli"), ({"memory_mib": -5}, "memory_mib"),
                                      ({"num_gpu": -1}, "num_gpu"), ({"num_gpu": 1, "gpu_milli": 1500}, "gpu_milli"),
                                      ({"num_gpu": 2, "gpu_milli": 500}, "gpu_milli")])
def test_demand_rejects_bad_values(kw, name):
    with pytest.raises(ValueError, match=name):
        Demand(**kw)


def test_job_and_workload_validation():
    with pytest.raises(ValueError, match="duration_s"):
        Job("a", 0, -1)
    with pytest.raises(ValueError, match="gang_size"):
        Job("a", 0, 1, gang_size=0)
    with pytest.raises(ValueError, match="names must be unique"):
        Workload.from_jobs([Job("a", 0, 1), Job("a", 0, 1)])
    with pytest.raises(ValueError, match="arrival_s"):
        Workload(("a",), [-1.0], [1.0], [0], [0], [0], [0], [1], [0], ("u",), ("q",), [math.inf], ())
    wl = sch.synthetic_workload(30, seed=2)
    assert wl.job(3).demand == wl.demand(3) and len(wl.subset(slice(0, 5))) == 5


@given(st.dictionaries(st.sampled_from(["cpu_milli", "memory_mib", "num_gpu", "gpu_milli"]),
                       st.one_of(st.integers(-10, 3000), st.floats(allow_nan=True), st.text(max_size=2), st.none())))
@FAST
def test_demand_fuzz_only_valueerror(kw):
    try:
        Demand(**kw)
    except ValueError:
        pass


# ------------------------------------------------------------------------------ cluster state
def test_allocate_release_roundtrip_and_refusals():
    s = Cluster.homogeneous(2, gpus_per_node=4, cpu_milli=8000, memory_mib=1000).state()
    d = Demand(cpu_milli=3000, memory_mib=400, num_gpu=1, gpu_milli=600)
    s.allocate(0, d, (1,))
    assert s.gpu_free[0].tolist() == [1000, 400, 1000, 1000] and s.n_full[0] == 3
    with pytest.raises(ValueError):
        s.allocate(0, d, (1,))          # GPU 1 has only 400 left
    s.allocate(0, d, (2,))
    with pytest.raises(ValueError):
        s.allocate(0, d, (3,))          # CPU 6000/8000 used, 3000 more does not fit
    with pytest.raises(ValueError, match="node"):
        s.allocate(5, d, (0,))
    s.release(0, d, (1,))
    s.release(0, d, (2,))
    with pytest.raises(ValueError):
        s.release(0, d, (2,))           # nothing left to release
    s.check_invariants()
    assert s.gpu_free[0].tolist() == [1000] * 4 and s.cpu_free[0] == 8000


def test_cluster_sorted_by_name_and_fits_empty():
    c = Cluster((Node("b", 8000, 100, 2, "T4"), Node("a", 8000, 100, 8, "A10")))
    assert c.names == ("a", "b") and c.total_gpus == 10
    assert c.fits_empty(Demand(num_gpu=8)) and not c.fits_empty(Demand(num_gpu=8, gpu_models=("T4",)))
    assert c.max_tasks_empty(Demand(num_gpu=1, gpu_milli=250)) == 40


# ------------------------------------------------------------------------------ placement: hand examples
def _two_nodes():
    # node a: 64 cores, 8 idle GPUs; node b: 32 cores, GPUs [600, 1000] (used), as hand examples
    c = Cluster((Node("a", 64000, 10**6, 8, "X"), Node("b", 32000, 10**6, 2, "X")))
    s = c.state()
    s.allocate(1, Demand(num_gpu=1, gpu_milli=400), (0,))
    return s


def test_dotprod_and_bestfit_scores_by_hand():
    s = _two_nodes()
    d = Demand(cpu_milli=8000, num_gpu=1)
    # dot(a) = (64000/128000)(8000/128000) + (8000/8000)(1000/8000) = 0.15625 → int(100·(1 − 0.078125)) = 92
    # dot(b) = (32000/128000)(8000/128000) + (1600/8000)(1000/8000) = 0.040625 → int(97.97) = 97 → b
    assert get_policy("dotprod").select(s, d).node == 1
    # bestfit(a) = int(100·(1 − (0.5·56000/128000 + 0.5·7000/8000))) = 34; bestfit(b) = int(100·(1 − (0.09375 + 0.0375))) = 86
    assert get_policy("bestfit").select(s, d).node == 1
    assert get_policy("worst_fit").select(s, d).node == 0
    assert get_policy("first_fit").select(s, d).node == 0


def test_packing_and_clustering_by_hand():
    s = _two_nodes()
    share = Demand(cpu_milli=1000, num_gpu=1, gpu_milli=500)
    # packing: node a idle → max(33 − 8, 8) = 25; node b best GPU free 600 → 100 − (60 // 10) = 94 → b, GPU 0
    p = get_policy("packing").select(s, share)
    assert (p.node, p.gpus) == (1, (0,))
    # clustering: b runs only shared tasks → 75 + 25·(8000 − 1600)//8000 = 95; a idle → 25 + 0 = 25
    assert get_policy("clustering").select(s, share).node == 1
    whole = Demand(cpu_milli=1000, num_gpu=1)
    # whole GPU: b has other shapes only → 0 + 20 = 20 < a idle 25 → a
    assert get_policy("clustering").select(s, whole).node == 0


def test_fgd_prefers_the_placement_that_removes_fragment():
    # target workload: whole 1-GPU tasks only. Node x GPUs [1000, 500] has fragment 500;
    # a 500-milli task on GPU 1 leaves [1000, 0] (fragment 0, Δ = −500, score int(100·σ(0.5)) = 62),
    # node y [1000, 1000] would go to fragment 500 (Δ = +500, score 37).
    typical = TypicalPods.from_arrays([0], [1000], [1])
    c = Cluster((Node("x", 10**5, 10**6, 2, "X"), Node("y", 10**5, 10**6, 2, "X")))
    s = c.state()
    s.allocate(0, Demand(num_gpu=1, gpu_milli=500), (1,))
    p = get_policy("fgd", typical=typical).select(s, Demand(num_gpu=1, gpu_milli=500))
    assert (p.node, p.gpus) == (0, (1,))


def test_ties_go_to_the_smallest_name():
    c = Cluster((Node("n2", 8000, 1000, 8, "X"), Node("n1", 8000, 1000, 8, "X"), Node("n10", 8000, 1000, 8, "X")))
    for pol in ("best_fit", "dotprod", "bestfit", "packing", "clustering"):
        assert c.state().cluster.names[get_policy(pol).select(c.state(), Demand(num_gpu=1)).node] == "n1"


def test_unknown_policy_and_oversized_task():
    with pytest.raises(ValueError, match="policy"):
        get_policy("tetris")
    with pytest.raises(ValueError, match="typical"):
        get_policy("fgd")
    s = Cluster.homogeneous(1, gpus_per_node=4).state()
    with pytest.raises(ValueError, match="larger than any node"):
        sch.place_batch(s, [Demand(num_gpu=8)])


# ------------------------------------------------------------------------------ bin packing
def _opt_bins(sizes, cap):
    """Brute force: the fewest bins (tries every assignment; tiny inputs only)."""
    n = len(sizes)
    for k in range(1, n + 1):
        for assign in itertools.product(range(k), repeat=n):
            loads = [0.0] * k
            for s, b in zip(sizes, assign):
                loads[b] += s
            if max(loads) <= cap + 1e-9:
                return k
    return n


def test_pack_items_textbook_example():
    # FF opens a 4th bin for 8; FFD fits everything in ⌈30/10⌉ = 3 (hand-traced in the docstring)
    ff = pack_items([2, 5, 4, 7, 1, 3, 8], 10, "first_fit")
    ffd = pack_items([2, 5, 4, 7, 1, 3, 8], 10, "first_fit_decreasing")
    assert (ff.n_bins, ffd.n_bins, ffd.lower_bound) == (4, 3, 3)
    nf = pack_items([6, 5, 6, 5], 10, "next_fit")
    assert nf.n_bins == 4
    with pytest.raises(ValueError, match="sizes"):
        pack_items([11], 10)


@given(st.lists(st.integers(1, 10), min_size=1, max_size=6))
@settings(max_examples=60, deadline=None)
def test_ffd_and_ff_bounds_against_brute_force(sizes):
    cap = 10
    opt = _opt_bins(sizes, cap)
    # Dósa 2007: FFD ≤ 11/9·OPT + 6/9; Dósa & Sgall 2013: FF ≤ ⌊1.7·OPT⌋
    assert pack_items(sizes, cap, "first_fit_decreasing").n_bins <= 11 / 9 * opt + 6 / 9 + 1e-9
    assert pack_items(sizes, cap, "first_fit").n_bins <= math.floor(1.7 * opt)
    for alg in ("next_fit", "first_fit", "best_fit", "worst_fit", "best_fit_decreasing"):
        r = pack_items(sizes, cap, alg)
        assert r.n_bins >= opt and max(r.loads) <= cap
        assert sorted(i for b in r.bins for i in b) == list(range(len(sizes)))


# ------------------------------------------------------------------------------ fragmentation
def test_node_task_fragmentation_cases_by_hand():
    cpu_task = Demand(1000, 0, 0)
    assert node_task_fragmentation(4000, [1000, 300], "", cpu_task) == 1300     # CPU-only: all idle GPU
    pinned = Demand(1000, 0, 1, 1000, ("A10",))
    assert node_task_fragmentation(4000, [1000, 300], "T4", pinned) == 1300     # wrong model
    assert node_task_fragmentation(4000, [1000, 300], "A10", pinned) == 300     # fits: only the small GPU
    assert node_task_fragmentation(500, [1000, 300], "A10", pinned) == 1300     # lacks CPU
    two = Demand(0, 0, 2, 1000)
    assert node_task_fragmentation(4000, [1000, 300], "", two) == 1300          # lacks a second GPU
    assert sch.course_text_fragmentation([0, 0]) == 0.0


gpu_rows = st.lists(st.sampled_from([0, 100, 250, 500, 700, 1000]), min_size=1, max_size=8)


@given(cpu=st.integers(0, 64000), row=gpu_rows, model=st.sampled_from(["T4", "A10"]))
@FAST
def test_vectorised_node_frag_equals_definition(cpu, row, model):
    typical = TypicalPods.from_arrays([2000, 8000, 4000, 1000, 16000], [500, 1000, 250, 0, 1000], [1, 1, 1, 0, 2],
                                      [(), ("T4",), (), (), ("A10", "T4")], weights=[5, 4, 3, 2, 1],
                                      threshold_pct=100)
    table = typical.table(("A10", "T4"))
    fast = table.node_frag(np.array([cpu]), np.array([row]), np.array([("A10", "T4").index(model)]))[0]
    assert fast == pytest.approx(node_fragmentation(cpu, row, model, typical), abs=1e-6)


def test_openb_typical_pods_match_the_protocol():
    # docs/sources.md#fgd-protocol: "On openb default this gives 35 specs covering about 95.3% of pods."
    _, pods = sch.load_openb()
    t = TypicalPods.from_arrays(pods.cpu_milli, pods.gpu_milli, pods.num_gpu)
    assert len(t) == 35 and t.coverage == pytest.approx(0.953, abs=0.001)
    assert t.popularity.sum() == pytest.approx(1.0)


# ------------------------------------------------------------------------------ fuzz: only ValueError escapes
junk = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                 st.text(max_size=4), st.lists(st.integers(-3, 12), max_size=4),
                 st.dictionaries(st.text(max_size=3), st.integers(-3, 50), max_size=3))


def _only_valueerror(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ValueError:
        pass


@given(junk, junk, st.sampled_from(["first_fit", "best_fit", "next_fit", "worst_fit", "ffd", "first_fit_decreasing"]))
@FAST
def test_pack_items_fuzz(sizes, capacity, alg):
    _only_valueerror(pack_items, sizes if isinstance(sizes, list) else [sizes], capacity, alg)


@given(junk, junk, junk, junk)
@FAST
def test_workload_builders_fuzz(a, b, c, d):
    _only_valueerror(sch.synthetic_workload, a, arrival_rate_per_h=b if b is not None else 12.0, seed=0)
    _only_valueerror(Job, "x", a, b)
    _only_valueerror(sch.lottery_win_shares, c if isinstance(c, dict) else {"a": c}, 100)
    _only_valueerror(sch.jain_index, d if isinstance(d, list) else [d])
    _only_valueerror(sch.course_text_fragmentation, d if isinstance(d, list) else [d])
    _only_valueerror(sch.hierarchical_shares, c if isinstance(c, dict) else {"a": {"weight": c}})
    _only_valueerror(sch.plan_preemption, [sch.RunningJob("j", 4, 1.0, 2.0)], a, b, "newest")


@given(st.sampled_from(list(sch.QUEUE_POLICIES)), st.sampled_from(["weights", "quotas", "tickets", "tree", "preemption",
                                                                     "checkpoint_s", "default_leaf", "group_by", "bogus"]), junk)
@FAST
def test_queue_policy_params_fuzz(name, key, value):
    _only_valueerror(sch.get_queue_policy, name, **{key: value})


@given(junk, junk, junk)
@FAST
def test_fragmentation_functions_fuzz(cpu, row, model):
    _only_valueerror(node_task_fragmentation, cpu, row if isinstance(row, list) else [row],
                     model if isinstance(model, str) else "", Demand(1000, 0, 1, 500))
