"""GPU scheduling on Kubernetes: advertised resources, configs, pods, quotas, priority, Kueue, placement.

References: NVIDIA k8s-device-plugin README (time-slicing example: 8 GPUs x replicas 10 -> 80),
GPU Operator MIG docs (single = one profile per node), the MIG engine's own layouts (counted here
by hand), and brute-force / closed-form counts for the placement model.
"""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_kit import gpu_k8s as g
from course_kit import k8s, mig

from helpers import only_value_errors

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

A100 = "A100-80GB"
MIXED_LAYOUT = ["3g.40gb", "2g.20gb", "1g.10gb", "1g.10gb"]


def test_single_strategy_advertises_mig_slices_as_nvidia_com_gpu():
    # 8 GPUs, all-1g.10gb (7 per GPU): 56 devices named nvidia.com/gpu
    assert g.advertised_resources(A100, [["1g.10gb"] * 7] * 8, "single") == {"nvidia.com/gpu": 56}
    with pytest.raises(ValueError, match="single"):
        g.advertised_resources(A100, [MIXED_LAYOUT] * 2, "single")
    with pytest.raises(ValueError, match="single"):
        g.advertised_resources(A100, [["1g.10gb"] * 7, None], "single")


def test_mixed_strategy_names_one_resource_per_profile_and_no_whole_gpus():
    res = g.advertised_resources(A100, [MIXED_LAYOUT] * 8, "mixed")
    assert res == {"nvidia.com/mig-1g.10gb": 16, "nvidia.com/mig-2g.20gb": 8, "nvidia.com/mig-3g.40gb": 8}
    assert "nvidia.com/gpu" not in res
    assert g.advertised_resources(A100, [["1g.10gb+me"], None], "mixed") == {
        "nvidia.com/gpu": 1, "nvidia.com/mig-1g.10gb.me": 1}


def test_layouts_come_from_the_mig_engine():
    for lay in mig.maximal_layouts(A100)[:25]:
        res = g.advertised_resources(A100, [lay], "mixed")
        assert res == {g.mig_resource_name(p): n for p, n in lay.profile_counts.items()}
    with pytest.raises(ValueError, match="cannot be placed"):
        g.advertised_resources(A100, [["7g.80gb", "1g.10gb"]], "mixed")
    with pytest.raises(ValueError, match="layout for"):
        g.advertised_resources(A100, [mig.layout("A30-24GB", ["1g.6gb"])], "mixed")


def test_time_slicing_readme_example():
    assert g.advertised_resources("H100-SXM5-80GB", [None] * 8, "none", replicas=10) == {"nvidia.com/gpu": 80}
    assert g.advertised_resources("H100-SXM5-80GB", [None] * 8, "none", replicas=10, rename_by_default=True) == {
        "nvidia.com/gpu.shared": 80}
    with pytest.raises(ValueError, match="none"):
        g.advertised_resources(A100, [MIXED_LAYOUT], "none")


def test_device_plugin_config_and_configmap():
    cfg = g.device_plugin_config("none", replicas=4)
    assert cfg == {"version": "v1", "flags": {"migStrategy": "none"},
                   "sharing": {"timeSlicing": {"renameByDefault": False, "failRequestsGreaterThanOne": True,
                                               "resources": [{"name": "nvidia.com/gpu", "replicas": 4}]}}}
    assert "sharing" not in g.device_plugin_config("mixed")
    mixed = g.device_plugin_config("mixed", replicas=2, mig_resources=["nvidia.com/mig-1g.10gb"])
    assert [r["name"] for r in mixed["sharing"]["timeSlicing"]["resources"]] == ["nvidia.com/gpu", "nvidia.com/mig-1g.10gb"]
    with pytest.raises(ValueError, match="mixed"):
        g.device_plugin_config("single", replicas=2, mig_resources=["nvidia.com/mig-1g.10gb"])
    cm = g.device_plugin_configmap({"default": g.device_plugin_config("mixed"), "a100-shared": cfg})
    assert k8s.validate_manifest(cm).ok
    assert k8s.load_yaml(cm["data"]["a100-shared"])[0] == cfg
    assert g.gpu_operator_cluster_policy_patch("single")["spec"]["devicePlugin"]["config"]["name"] == "device-plugin-config"


def test_gpu_pods_validate_and_the_validator_refuses_what_the_api_server_refuses():
    pod = g.gpu_pod_manifest("p", "team-a", "nvidia.com/mig-1g.10gb", 2, priority_class="team-a-priority")
    assert k8s.validate_manifest(pod).ok
    res = pod["spec"]["containers"][0]["resources"]

    def variant(**resources):
        bad = k8s.load_yaml(k8s.to_yaml([pod]))[0]
        bad["spec"]["containers"][0]["resources"] = resources
        return " | ".join(k8s.validate_manifest(bad).errors)

    assert "must be equal to nvidia.com/mig-1g.10gb limit" in variant(limits=res["limits"], requests={"nvidia.com/mig-1g.10gb": "1"})
    assert "Limit must be set for non overcommitable resources" in variant(requests={"nvidia.com/gpu": "1"})
    assert "must be an integer" in variant(limits={"nvidia.com/gpu": "0.5"})
    assert "must be greater than or equal to 0" in variant(limits={"nvidia.com/gpu": "-1"})
    assert "no 'requests.' prefix in a pod" in variant(limits={"requests.nvidia.com/gpu": "1"})
    assert "must be less than or equal to cpu limit" in variant(limits={"cpu": "1"}, requests={"cpu": "2"})
    assert variant(limits={"cpu": "2", "nvidia.com/gpu": "1"}, requests={"cpu": "1"}) == ""  # cpu may overcommit
    with pytest.raises(ValueError, match="resource"):
        g.gpu_pod_manifest("p", "team-a", "gpu")


def test_quota_on_nvidia_com_gpu_does_not_cover_mig_resources_under_mixed():
    hard = g.gpu_quota_manifest("team-a", {"nvidia.com/gpu": 2})["spec"]["hard"]
    assert g.quota_covers(hard, "nvidia.com/gpu")
    assert not g.quota_covers(hard, "nvidia.com/mig-1g.10gb")
    pods = [g.pod_request(f"m{i}", {"nvidia.com/mig-1g.10gb": 1}) for i in range(5)]
    assert g.quota_admission(hard, pods) == [True] * 5  # nothing limits them
    hard_mig = g.gpu_quota_manifest("team-a", {"nvidia.com/mig-1g.10gb": 3})["spec"]["hard"]
    assert g.quota_admission(hard_mig, pods) == [True, True, True, False, False]
    # limits.nvidia.com/gpu is never counted
    assert g.quota_admission({"limits.nvidia.com/gpu": "1"}, [g.pod_request("a", {"nvidia.com/gpu": 1})] * 3) == [True] * 3


def test_priority_is_scoped_per_namespace_with_a_quota_scope_selector():
    q = g.priority_quota_manifest("team-a", ["team-a-priority"], hard={"requests.nvidia.com/gpu": "8"})
    rep = k8s.validate_manifest(q)
    assert rep.ok and not rep.warnings
    expr = q["spec"]["scopeSelector"]["matchExpressions"][0]
    assert expr == {"scopeName": "PriorityClass", "operator": "In", "values": ["team-a-priority"]}
    cfg = g.priority_admission_config(["team-a-priority"])
    assert cfg["plugins"][0]["configuration"]["limitedResources"][0]["matchScopes"][0] == expr
    with pytest.raises(ValueError, match="classes"):
        g.priority_quota_manifest("team-a", "team-a-priority")


def test_kueue_flavors_and_cluster_queue_for_gpu_models_and_mig_slices():
    nodes = [g.gpu_node("mig-0", A100, [MIXED_LAYOUT] * 8, "mixed"),
             g.gpu_node("h100-0", "H100-SXM5-80GB", [None] * 8, "none")]
    flavors = g.gpu_resource_flavors(nodes)
    assert [f["spec"]["nodeLabels"]["nvidia.com/gpu.product"] for f in flavors] == ["NVIDIA-A100-80GB", "NVIDIA-H100-SXM5-80GB"]
    cq = g.gpu_cluster_queue("vision", {"nvidia-a100-80gb": {"nvidia.com/mig-1g.10gb": 16, "nvidia.com/mig-3g.40gb": 8},
                                        "nvidia-h100-sxm5-80gb": {"nvidia.com/gpu": 8}})
    reps = k8s.validate_manifests(flavors + [cq])
    assert all(r.ok for r in reps), [r.errors for r in reps]
    pools = [g.gpu_node("w", A100, [None] * 8, "none"), g.gpu_node("s", A100, [["1g.10gb"] * 7] * 8, "single"),
             g.gpu_node("t", A100, [None] * 8, "none", replicas=4)]
    assert [f["metadata"]["name"] for f in g.gpu_resource_flavors(pools)] == [
        "nvidia-a100-80gb", "nvidia-a100-80gb-mig-1g.10gb", "nvidia-a100-80gb-shared"]
    with pytest.raises(ValueError, match="two flavors"):
        g.gpu_cluster_queue("x", {"a": {"nvidia.com/gpu": 1}, "b": {"nvidia.com/gpu": 1}})


@FAST
@given(idx=st.lists(st.integers(0, 10_000), min_size=1, max_size=8), strategy=st.sampled_from(["mixed", "single"]),
       replicas=st.integers(1, 4))
def test_every_generated_gpu_manifest_passes_its_schema(idx, strategy, replicas):
    layouts = mig.maximal_layouts(A100)
    chosen = [layouts[i % len(layouts)] for i in idx]
    if strategy == "single":
        chosen = [mig.layout(A100, ["2g.20gb"] * 3)] * len(chosen)
    res = g.advertised_resources(A100, chosen, strategy, replicas=replicas)
    node = g.gpu_node("n-0", A100, chosen, strategy, replicas=replicas)
    flavors = g.gpu_resource_flavors([node])
    objs = [g.gpu_quota_manifest("team-a", res), g.priority_quota_manifest("team-a", ["a", "b.c"]),
            g.device_plugin_configmap({"default": g.device_plugin_config(strategy, replicas=replicas)}),
            *flavors, g.gpu_cluster_queue("q", {flavors[0]["metadata"]["name"]: res})]
    objs += [g.gpu_pod_manifest(f"p{i}", "team-a", r, 1) for i, r in enumerate(res)]
    for rep in k8s.validate_manifests(objs):
        assert rep.ok, rep.errors


# --------------------------------------------------------------------------------------------
# Placement
# --------------------------------------------------------------------------------------------


def test_unit_requests_place_min_of_demand_and_capacity_per_resource():
    # closed form: with one-unit pods of single resources, placed[r] = min(demand[r], capacity[r])
    nodes = [g.gpu_node("a", A100, [MIXED_LAYOUT] * 2, "mixed"), g.gpu_node("b", A100, [["1g.10gb"] * 7], "mixed"),
             g.gpu_node("c", "H100-SXM5-80GB", [None] * 2, "none")]
    demand = {"nvidia.com/mig-1g.10gb": 13, "nvidia.com/mig-3g.40gb": 1, "nvidia.com/gpu": 3, "nvidia.com/mig-2g.20gb": 0}
    pods = [g.pod_request(f"{r}-{i}", {r: 1}) for r, n in demand.items() for i in range(n)]
    placement = g.place_pods(nodes, pods)
    capacity = Counter()
    for n in nodes:
        capacity.update({r: v for r, v in n.allocatable.items() if "/" in r})
    placed = Counter(next(iter(by.resources)) for by in pods if placement.assignment[by.name])
    for r, n in demand.items():
        assert placed[r] == min(n, capacity[r]), r
    assert len(placement.pending) == sum(max(0, n - capacity[r]) for r, n in demand.items())
    assert all("Insufficient" in placement.reasons[p] for p in placement.pending)


def test_higher_priority_pods_are_scheduled_first():
    nodes = [g.gpu_node("a", "H100-SXM5-80GB", [None] * 2, "none")]
    pods = [g.pod_request("low-1", {"nvidia.com/gpu": 1}, priority=10), g.pod_request("low-2", {"nvidia.com/gpu": 1}, priority=10),
            g.pod_request("high", {"nvidia.com/gpu": 1}, priority=1000)]
    placement = g.place_pods(nodes, pods)
    assert placement.order[0] == "high" and placement.pending == ["low-2"]


def test_bin_pack_fills_a_node_spread_balances():
    nodes = [g.gpu_node("a", "H100-SXM5-80GB", [None] * 4, "none"), g.gpu_node("b", "H100-SXM5-80GB", [None] * 4, "none")]
    pods = [g.pod_request(f"p{i}", {"nvidia.com/gpu": 1}) for i in range(4)]
    assert set(g.place_pods(nodes, pods, scoring="bin-pack").assignment.values()) == {"a"}
    assert Counter(g.place_pods(nodes, pods, scoring="spread").assignment.values()) == {"a": 2, "b": 2}


def test_placement_matches_brute_force_on_small_cases():
    # brute force: the largest number of pods (in priority order, greedily kept) that fit is at most
    # the best over all assignments; with unit single-resource pods greedy is optimal, so they agree
    nodes = [g.gpu_node("a", A100, [["4g.40gb", "3g.40gb"]], "mixed"), g.gpu_node("b", A100, [["3g.40gb", "3g.40gb"]], "mixed")]
    kinds = ["nvidia.com/mig-3g.40gb", "nvidia.com/mig-4g.40gb"]
    for combo in itertools.product(kinds, repeat=4):
        pods = [g.pod_request(f"p{i}", {r: 1}) for i, r in enumerate(combo)]
        placed = sum(v is not None for v in g.place_pods(nodes, pods).assignment.values())
        best = 0
        for assign in itertools.product([None, "a", "b"], repeat=4):
            used = Counter()
            for pod, node in zip(pods, assign):
                if node:
                    used[(node, next(iter(pod.resources)))] += 1
            if all(used[(n.name, r)] <= n.allocatable.get(r, 0) for n in nodes for r in kinds):
                best = max(best, sum(a is not None for a in assign))
        assert placed == best, combo


def test_node_selector_filters_nodes():
    nodes = [g.gpu_node("a", A100, [None] * 2, "none"), g.gpu_node("b", "H100-SXM5-80GB", [None] * 2, "none")]
    pod = g.pod_request("h", {"nvidia.com/gpu": 1}, node_selector={"nvidia.com/gpu.product": "NVIDIA-H100-SXM5-80GB"})
    assert g.place_pods(nodes, [pod]).assignment == {"h": "b"}
    from_manifest = g.pod_request_from_manifest(g.gpu_pod_manifest("x", "t", "nvidia.com/gpu", 2))
    assert from_manifest.resources == {"nvidia.com/gpu": 2.0}


def test_placement_figure_draws_each_placed_pod():
    from course_kit.figures.gpu_k8s import placement_figure

    nodes = [g.gpu_node("a", A100, [MIXED_LAYOUT], "mixed")]
    pods = [g.pod_request(f"s{i}", {"nvidia.com/mig-1g.10gb": 1}) for i in range(3)]
    placement = g.place_pods(nodes, pods)
    fig = placement_figure(nodes, pods, placement)
    drawn = [t for tr in fig.data if tr.name != "free" for t in tr.text]
    assert sorted(drawn) == ["s0", "s1"] and "1 × Insufficient mig-1g.10gb (s2)" in fig.layout.title.text


@FAST
@given(gpu=st.one_of(st.sampled_from([A100, "nope"]), st.integers(), st.none()),
       layouts=st.one_of(st.none(), st.text(max_size=5), st.lists(st.one_of(st.none(), st.lists(st.sampled_from(["1g.10gb", "7g.80gb", "x"]), max_size=3)), max_size=3)),
       strategy=st.one_of(st.sampled_from(["none", "single", "mixed", "all"]), st.integers()),
       n=st.one_of(st.integers(-2, 3), st.floats(allow_nan=True), st.text(max_size=2)))
def test_public_functions_fuzz_only_valueerror(gpu, layouts, strategy, n):
    only_value_errors([
        lambda: g.advertised_resources(gpu, layouts, strategy, replicas=n),
        lambda: g.gpu_node("n", gpu, layouts, strategy),
        lambda: g.device_plugin_config(strategy, replicas=n),
        lambda: g.gpu_pod_manifest("p", "t", gpu, n),
        lambda: g.gpu_quota_manifest("t", {gpu: n}),
        lambda: g.pod_request("p", {"nvidia.com/gpu": n}, priority=n),
        lambda: g.place_pods(layouts, layouts),
        lambda: g.quota_admission(layouts, []),
        lambda: g.gpu_cluster_queue("q", {"f": {gpu: n}}),
        lambda: g.mig_resource_name(gpu),
    ])
