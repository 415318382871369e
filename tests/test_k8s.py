"""Generated manifests validate against the Kubernetes client's models; bad specs are refused."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kubernetes.utils import parse_quantity

from course_kit import k8s
from course_kit.k8s import TenantSpec
from helpers import only_value_errors

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

label_names = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?\Z", fullmatch=True)


def alpha(**kw):
    base = dict(team="team-alpha", cpu=100, memory_gib=200, gpus=8, max_jobs=20, priority=1000, weight=30)
    base.update(kw)
    return TenantSpec(**base)


def test_tenant_manifests_validate_and_use_only_requests_for_gpus():
    objs = k8s.tenant_manifests(alpha())
    assert [o["kind"] for o in objs] == ["Namespace", "ResourceQuota", "PriorityClass"]
    reports = k8s.validate_manifests(objs)
    assert all(r.ok and not r.warnings for r in reports)
    assert any("kubernetes client model" in c for r in reports for c in r.checked_by)
    hard = objs[1]["spec"]["hard"]
    assert hard["requests.nvidia.com/gpu"] == "8"
    assert not any(k.startswith("limits.") and "nvidia" in k for k in hard)
    assert hard["count/jobs.batch"] == "20"
    assert objs[2]["value"] == 1000


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"gpus": -1}, "gpus must be an integer >= 0"),
        ({"team": "Team_Alpha"}, "DNS-1123 label"),
        ({"team": "-alpha"}, "DNS-1123 label"),
        ({"team": "alpha-"}, "DNS-1123 label"),
        ({"team": "a" * 64}, "DNS-1123 label"),
        ({"team": "a" * 60}, "at most 54 characters"),
        ({"team": ""}, "DNS-1123 label"),
        ({"priority": 1_000_000_001}, "priority"),
        ({"cpu": 0}, "cpu"),
        ({"memory_gib": -2}, "memory_gib"),
        ({"max_jobs": 0}, "max_jobs"),
        ({"weight": -1}, "weight"),
        ({"gpus": 1.5}, "gpus"),
    ],
)
def test_invalid_specs_are_refused_with_the_reason(kwargs, match):
    with pytest.raises(ValueError, match=match):
        alpha(**kwargs)


def test_quantities_parse_back_to_the_spec_values():
    # independent reference: kubernetes.utils.parse_quantity
    spec = alpha(cpu=1.5, memory_gib=0.75, limit_factor=2)
    hard = k8s.resource_quota_manifest(spec)["spec"]["hard"]
    assert parse_quantity(hard["requests.cpu"]) == Decimal("1.5")
    assert parse_quantity(hard["limits.cpu"]) == Decimal("3")
    assert parse_quantity(hard["requests.memory"]) == Decimal(int(0.75 * 2**30))
    assert parse_quantity(hard["limits.memory"]) == Decimal(int(1.5 * 2**30))


@FAST
@given(
    team=label_names.filter(lambda s: len(s) <= 54),
    cpu=st.floats(0.001, 10_000),
    mem=st.floats(0.01, 10_000),
    gpus=st.integers(0, 512),
    jobs=st.integers(1, 10_000),
    prio=st.integers(k8s.PRIORITY_VALUE_MIN, k8s.PRIORITY_VALUE_MAX),
    weight=st.floats(0, 1000),
)
def test_every_valid_spec_yields_valid_manifests(team, cpu, mem, gpus, jobs, prio, weight):
    spec = TenantSpec(team, cpu, mem, gpus, jobs, prio, weight=weight)
    objs = k8s.tenant_manifests(spec) + k8s.kueue_manifests([spec])
    for rep in k8s.validate_manifests(objs):
        assert rep.ok, rep.errors
    cpu_q = parse_quantity(objs[1]["spec"]["hard"]["requests.cpu"])
    assert abs(float(cpu_q) - cpu) <= 0.0005 + 1e-9  # millicore rounding


@FAST
@given(
    team=st.one_of(st.text(max_size=70), st.integers(), st.none()),
    cpu=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10), st.text(max_size=3)),
    gpus=st.one_of(st.integers(-5, 10), st.floats(allow_nan=True), st.booleans()),
    prio=st.one_of(st.integers(), st.floats(allow_nan=True)),
)
def test_tenant_spec_fuzz_only_valueerror(team, cpu, gpus, prio):
    try:
        spec = TenantSpec(team, cpu, 10, gpus, 5, prio)
    except ValueError:
        return
    k8s.tenant_manifests(spec)


def test_seed_manifest_is_schema_valid_but_two_items_do_nothing():
    reports = k8s.validate_manifests(k8s.load_yaml(k8s.SEED_MANIFEST_YAML))
    by_kind = {r.kind: r for r in reports}
    assert all(r.ok for r in reports)
    assert any("limits.nvidia.com/gpu" in w and "never counted" in w for w in by_kind["ResourceQuota"].warnings)
    assert any("no Kubernetes component reads" in w for w in by_kind["ConfigMap"].warnings)
    assert not by_kind["Namespace"].warnings and not by_kind["PriorityClass"].warnings


def test_seed_weights_become_kueue_cluster_queue_weights():
    weights = k8s.seed_fair_share_weights()
    assert weights == {
        "team-alpha": {"weight": 30, "max_running_jobs": 10},
        "team-beta": {"weight": 25, "max_running_jobs": 8},
        "team-gamma": {"weight": 20, "max_running_jobs": 6},
    }
    specs = [TenantSpec(t, 32, 128, 8, w["max_running_jobs"], 100, weight=w["weight"]) for t, w in weights.items()]
    objs = k8s.kueue_manifests(specs)
    cqs = [o for o in objs if o["kind"] == "ClusterQueue"]
    assert [parse_quantity(o["spec"]["fairSharing"]["weight"]) for o in cqs] == [30, 25, 20]
    assert {o["spec"]["cohort"] for o in cqs} == {"ml-cluster"}
    lqs = [o for o in objs if o["kind"] == "LocalQueue"]
    assert [(o["metadata"]["namespace"], o["spec"]["clusterQueue"]) for o in lqs] == [
        ("team-alpha", "team-alpha-cq"), ("team-beta", "team-beta-cq"), ("team-gamma", "team-gamma-cq")]


def test_published_examples_validate():
    # kubernetes.io "Resource Quotas", extended-resource example; Kueue docs' fair-sharing ClusterQueue
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "gpu-quota"},
             "spec": {"hard": {"requests.nvidia.com/gpu": 4}}}
    rep = k8s.validate_manifest(quota)
    assert not rep.ok and "string" in " ".join(rep.errors).lower()  # the model wants a string quantity
    quota["spec"]["hard"]["requests.nvidia.com/gpu"] = "4"
    assert k8s.validate_manifest(quota).ok
    cq = k8s.load_yaml(
        """
apiVersion: kueue.x-k8s.io/v1beta1
kind: ClusterQueue
metadata:
  name: cluster-queue
spec:
  namespaceSelector: {}
  resourceGroups:
  - coveredResources: ["cpu"]
    flavors:
    - name: default-flavor
      resources:
      - name: cpu
        nominalQuota: 9
  cohort: example-cohort
  fairSharing:
    weight: 2
"""
    )[0]
    rep = k8s.validate_manifest(cq)
    assert rep.ok and not rep.warnings


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda o: o.update(spce=o.pop("spec")), "spce: unknown field"),
        (lambda o: o["metadata"].update(labelz={}), "labelz"),
        (lambda o: o["metadata"].update(name="Bad_Name"), "DNS-1123"),
        (lambda o: o["metadata"].pop("name"), "metadata.name: required"),
        (lambda o: o["spec"]["hard"].update({"requests.cpu": "10 cores"}), "not a Kubernetes quantity"),
    ],
)
def test_quota_validator_catches_mistakes(mutate, match):
    obj = k8s.resource_quota_manifest(alpha())
    mutate(obj)
    rep = k8s.validate_manifest(obj)
    assert not rep.ok and match in " ".join(rep.errors)


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda o: o.update(value="1000"), "value"),
        (lambda o: o.update(value=2_000_000_000), "reserved for system"),
        (lambda o: o.pop("value"), "value: required"),
        (lambda o: o.update(preemptionPolicy="Always"), "preemptionPolicy"),
        (lambda o: o.update(globalDefault="no"), "globalDefault"),
    ],
)
def test_priority_class_validator_catches_mistakes(mutate, match):
    obj = k8s.priority_class_manifest(alpha())
    mutate(obj)
    rep = k8s.validate_manifest(obj)
    assert not rep.ok and match in " ".join(rep.errors)


def _cq():
    return k8s.cluster_queue_manifest(alpha(), borrowing_limit_fraction=0.5)


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda o: o["spec"].pop("cohort"), "borrowingLimit must be unset"),
        (lambda o: o["spec"]["resourceGroups"][0]["flavors"][0]["resources"].pop(), "same order"),
        (lambda o: o["spec"]["fairSharing"].update(wieght=1), "wieght: unknown field"),
        (lambda o: o["spec"].update(queueingStrategy="FIFO"), "queueingStrategy"),
        (lambda o: o["spec"]["preemption"].update(reclaimWithinCohort="Sometimes"), "reclaimWithinCohort"),
        (lambda o: o["spec"]["fairSharing"].update(weight="-1"), "non-negative"),
        (lambda o: o["spec"]["resourceGroups"][0]["flavors"][0]["resources"][0].update(nominalQuota="lots"), "quantity"),
        (lambda o: o["spec"]["namespaceSelector"].update(matchLabel={}), "namespaceSelector"),
        (lambda o: o["spec"].update(resourceGroups=[{}] * 17), "at most 16"),
    ],
)
def test_cluster_queue_validator_catches_mistakes(mutate, match):
    obj = _cq()
    assert k8s.validate_manifest(obj).ok
    mutate(obj)
    rep = k8s.validate_manifest(obj)
    assert not rep.ok and match in " ".join(rep.errors)


def test_bundle_references_are_checked():
    objs = k8s.kueue_manifests([alpha()])
    lq = copy.deepcopy(objs[2])
    lq["spec"]["clusterQueue"] = "nobody-cq"
    reps = k8s.validate_manifests([objs[0], objs[1], lq])
    assert "names no ClusterQueue" in " ".join(reps[2].errors)
    cq_alone = k8s.validate_manifests([k8s.resource_flavor_manifest("gpu-a100"), objs[1]])
    assert "names no ResourceFlavor" in " ".join(cq_alone[1].errors)
    ns_less = copy.deepcopy(objs[2])
    del ns_less["metadata"]["namespace"]
    assert "namespaced" in " ".join(k8s.validate_manifest(ns_less).errors)


def test_kueue_manifests_refuse_duplicates_and_empties():
    with pytest.raises(ValueError, match="distinct"):
        k8s.kueue_manifests([alpha(), alpha()])
    with pytest.raises(ValueError, match="at least one"):
        k8s.kueue_manifests([])
    with pytest.raises(ValueError, match="cohort"):
        k8s.kueue_manifests([alpha()], cohort="Bad Cohort")


def test_fair_sharing_switch_is_kueue_configuration():
    cfg = k8s.kueue_fair_sharing_config()
    assert cfg["apiVersion"] == "config.kueue.x-k8s.io/v1beta1"
    assert cfg["fairSharing"]["enable"] is True


def test_yaml_round_trip():
    objs = k8s.tenant_manifests(alpha()) + k8s.kueue_manifests([alpha()])
    assert k8s.load_yaml(k8s.to_yaml(objs)) == objs
    with pytest.raises(ValueError, match="YAML"):
        k8s.load_yaml("a: [1, 2")
    with pytest.raises(ValueError, match="mappings"):
        k8s.load_yaml("- 1\n- 2\n")


def test_unknown_kind_is_an_error_not_a_crash():
    rep = k8s.validate_manifest({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}})
    assert not rep.ok and "not one this validator knows" in rep.errors[0]


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@FAST
@given(
    kind=st.sampled_from(["Namespace", "ResourceQuota", "PriorityClass", "ConfigMap",
                          "ClusterQueue", "LocalQueue", "ResourceFlavor", "Pod"]),
    body=st.dictionaries(st.sampled_from(["metadata", "spec", "value", "data", "extra"]), json_like, max_size=4),
)
def test_validate_manifest_fuzz_never_crashes(kind, body):
    api = {"PriorityClass": "scheduling.k8s.io/v1", "ClusterQueue": k8s.KUEUE_API_VERSION,
           "LocalQueue": k8s.KUEUE_API_VERSION, "ResourceFlavor": k8s.KUEUE_API_VERSION}.get(kind, "v1")
    obj = {"apiVersion": api, "kind": kind, **body}
    rep = k8s.validate_manifest(obj)
    assert isinstance(rep.ok, bool)
    k8s.validate_manifests([obj, obj])


@FAST
@given(st.one_of(st.text(max_size=40), st.integers(), st.none(), st.lists(st.integers(), max_size=3)))
def test_loaders_fuzz_only_valueerror(x):
    for fn in (k8s.load_yaml, k8s.validate_manifest, k8s.to_yaml, k8s.validate_manifests):
        try:
            fn(x)
        except ValueError:
            pass


@FAST
@given(x=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**8), st.text(max_size=4),
                   st.none(), st.booleans()),
       name=st.one_of(st.text(max_size=20), st.integers(), st.none()),
       frac=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-2, 200)))
def test_small_helpers_fuzz_only_valueerror(x, name, frac):
    calls = [
        lambda: k8s.cpu_quantity(x), lambda: k8s.memory_quantity(x), lambda: k8s.is_dns1123_label(name),
        lambda: k8s.is_dns1123_subdomain(x), lambda: k8s.resource_flavor_manifest(name),
        lambda: k8s.resource_flavor_manifest("f", node_labels=x),
        lambda: k8s.cluster_queue_manifest(alpha(), borrowing_limit_fraction=frac),
        lambda: k8s.cluster_queue_manifest(alpha(), cohort=name, flavor=name),
        lambda: k8s.seed_fair_share_weights(name), lambda: k8s.namespace_manifest(x),
    ]
    only_value_errors(calls)


@FAST
@given(frac=st.floats(0, 100))
def test_borrowing_limits_stay_valid(frac):
    cq = k8s.cluster_queue_manifest(alpha(), borrowing_limit_fraction=frac)
    assert k8s.validate_manifest(cq).ok
    gpu = cq["spec"]["resourceGroups"][0]["flavors"][0]["resources"][2]
    assert int(gpu["borrowingLimit"]) == int(8 * frac)
