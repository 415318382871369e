"""Manifests against the pinned, vendored schemas and the API-server / Kueue webhook rules.

Every refused case of issue 13 has its own test, and so does every accepted one. Accepted
references nobody here wrote: Kueue's published examples (v0.19.2), kubernetes.io examples, and
the jsonschema package run directly on the vendored schemas.
"""

from __future__ import annotations

import copy
import glob
import json
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kubernetes.utils import parse_quantity

from course_kit import k8s, k8s_schemas
from course_kit.k8s import TenantSpec

from helpers import ROOT, only_value_errors, sha256

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

label_names = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?\Z", fullmatch=True).filter(
    lambda s: not s.startswith("system-"))


def alpha(**kw):
    base = dict(team="team-alpha", cpu=100, memory_gib=200, gpus=8, max_jobs=20, priority=1000, weight=30)
    base.update(kw)
    return TenantSpec(**base)


def errors_of(obj) -> str:
    return " | ".join(k8s.validate_manifest(obj).errors)


# --------------------------------------------------------------------------------------------
# The vendored schemas: pinned, with provenance that matches the files
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["kubernetes/v1.37.0", "kueue/v0.19.2"])
def test_vendored_files_match_their_provenance_note(folder):
    base = ROOT / "data" / "schemas" / folder
    note = (base / "PROVENANCE.md").read_text()
    rows = re.findall(r"^\| (\S+\.(?:json|yaml)|LICENSE) \| ([0-9a-f]{64}) \|", note, re.M)
    assert rows, "no sha256 table in PROVENANCE.md"
    listed = {name for name, _ in rows}
    present = {p.name for p in base.iterdir() if p.suffix in (".json", ".yaml")}
    assert present <= listed
    for name, digest in rows:
        assert sha256(base / name) == digest, name
    assert (base / "LICENSE").read_text().count("Apache License") >= 1


def test_every_cel_rule_of_the_vendored_crds_is_translated_or_a_transition_rule():
    for kind in k8s_schemas.KUEUE_KINDS:
        for version in k8s_schemas.crd_versions(kind):
            for rule in k8s_schemas.crd_rules(kind, version):
                assert "oldSelf" in rule or rule in k8s_schemas.CEL_RULES, (kind, version, rule)


def test_kueue_crds_serve_v1beta2_as_storage_and_v1beta1_still():
    for kind in k8s_schemas.KUEUE_KINDS:
        assert k8s_schemas.crd_versions(kind) == {"v1beta1": {"served": True, "storage": False},
                                                  "v1beta2": {"served": True, "storage": True}}


# --------------------------------------------------------------------------------------------
# Generated manifests
# --------------------------------------------------------------------------------------------


def test_tenant_manifests_validate_and_use_only_requests_for_gpus():
    objs = k8s.tenant_manifests(alpha())
    assert [o["kind"] for o in objs] == ["Namespace", "ResourceQuota", "PriorityClass"]
    reports = k8s.validate_manifests(objs)
    assert all(r.ok and not r.warnings for r in reports), [r.warnings for r in reports]
    assert all(any("Kubernetes v1.37.0 JSON schema" in c for c in r.checked_by) for r in reports)
    hard = objs[1]["spec"]["hard"]
    assert hard["requests.nvidia.com/gpu"] == "8"
    assert not any(k.startswith("limits.") and "nvidia" in k for k in hard)
    assert hard["count/jobs.batch"] == "20"
    assert objs[2]["value"] == 1000
    assert "priority-class" not in objs[0]["metadata"]["labels"]  # a namespace label assigns no priority


def test_kueue_manifests_are_v1beta2_with_cohort_name_by_default():
    objs = k8s.kueue_manifests([alpha()])
    assert {o["apiVersion"] for o in objs} == {"kueue.x-k8s.io/v1beta2"}
    cq = objs[1]
    assert cq["spec"]["cohortName"] == "ml-cluster" and "cohort" not in cq["spec"]
    old = k8s.kueue_manifests([alpha()], api_version="kueue.x-k8s.io/v1beta1")
    assert old[1]["spec"]["cohort"] == "ml-cluster" and "cohortName" not in old[1]["spec"]
    reps = k8s.validate_manifests(old)
    assert all(r.ok for r in reps) and all(any("deprecated" in w for w in r.warnings) for r in reps)
    with pytest.raises(ValueError, match="api_version"):
        k8s.kueue_manifests([alpha()], api_version="kueue.x-k8s.io/v1alpha1")


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
        ({"team": "system-ml"}, "must not start with 'system-'"),
        ({"priority": 1_000_000_001}, "priority"),
        ({"priority": -(2**31) - 1}, "priority"),
        ({"cpu": 0}, "cpu"),
        ({"memory_gib": -2}, "memory_gib"),
        ({"max_jobs": 0}, "max_jobs"),
        ({"weight": -1}, "weight"),
        ({"weight": 1e-10}, "weight"),
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


def _jsonschema_core_ok(obj) -> bool:
    """The vendored schema run through jsonschema directly (not through the kit's wrapper)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    base = ROOT / "data" / "schemas" / "kubernetes" / "v1.37.0"
    defs = json.loads((base / "_definitions.json").read_text())
    registry = Registry().with_resource(defs["$id"], Resource.from_contents(defs))
    name = k8s_schemas.CORE_KINDS[(obj["apiVersion"], obj["kind"])][0]
    return Draft202012Validator(json.loads((base / name).read_text()), registry=registry).is_valid(obj)


@FAST
@given(
    team=label_names.filter(lambda s: len(s) <= 54),
    cpu=st.floats(0.001, 10_000),
    mem=st.floats(0.01, 10_000),
    gpus=st.integers(0, 512),
    jobs=st.integers(1, 10_000),
    prio=st.integers(k8s.PRIORITY_VALUE_MIN, k8s.PRIORITY_VALUE_MAX),
    weight=st.one_of(st.just(0.0), st.floats(0.001, 1000)),
    frac=st.one_of(st.none(), st.floats(0, 10)),
    v1=st.booleans(),
)
def test_every_generated_manifest_passes_its_schema_and_rules(team, cpu, mem, gpus, jobs, prio, weight, frac, v1):
    spec = TenantSpec(team, cpu, mem, gpus, jobs, prio, weight=weight)
    api = k8s.KUEUE_API_VERSIONS[1] if v1 else k8s.KUEUE_API_VERSION
    core = k8s.tenant_manifests(spec)
    objs = core + k8s.kueue_manifests([spec], borrowing_limit_fraction=frac, api_version=api)
    for rep in k8s.validate_manifests(objs):
        assert rep.ok, rep.errors
    for obj in core:
        assert _jsonschema_core_ok(obj)
    for obj in objs[3:]:
        assert k8s_schemas.crd_errors(obj) == []
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
    assert all(k8s.validate_manifest(o).ok for o in k8s.tenant_manifests(spec))


# --------------------------------------------------------------------------------------------
# The course text's YAML
# --------------------------------------------------------------------------------------------


def test_seed_manifest_is_accepted_but_three_things_do_nothing():
    reports = k8s.validate_manifests(k8s.load_yaml(k8s.COURSE_TEXT_MANIFEST_YAML))
    by_kind = {r.kind: r for r in reports}
    assert all(r.ok for r in reports), [r.errors for r in reports]
    assert [w for w in by_kind["ResourceQuota"].warnings if "limits.nvidia.com/gpu" in w and "never counted" in w]
    assert not [w for w in by_kind["ResourceQuota"].warnings if "count/jobs.batch" in w]
    assert any("no Kubernetes component reads" in w for w in by_kind["ConfigMap"].warnings)
    assert any("a namespace label assigns no priority" in w for w in by_kind["Namespace"].warnings)
    assert not by_kind["PriorityClass"].warnings


def test_seed_weights_become_kueue_cluster_queue_weights():
    weights = k8s.course_text_fair_share_weights()
    assert weights == {
        "team-alpha": {"weight": 30, "max_running_jobs": 10},
        "team-beta": {"weight": 25, "max_running_jobs": 8},
        "team-gamma": {"weight": 20, "max_running_jobs": 6},
    }
    specs = [TenantSpec(t, 32, 128, 8, w["max_running_jobs"], 100, weight=w["weight"]) for t, w in weights.items()]
    objs = k8s.kueue_manifests(specs)
    cqs = [o for o in objs if o["kind"] == "ClusterQueue"]
    assert [parse_quantity(o["spec"]["fairSharing"]["weight"]) for o in cqs] == [30, 25, 20]
    assert {o["spec"]["cohortName"] for o in cqs} == {"ml-cluster"}
    lqs = [o for o in objs if o["kind"] == "LocalQueue"]
    assert [(o["metadata"]["namespace"], o["spec"]["clusterQueue"]) for o in lqs] == [
        ("team-alpha", "team-alpha-cq"), ("team-beta", "team-beta-cq"), ("team-gamma", "team-gamma-cq")]


# --------------------------------------------------------------------------------------------
# Core objects: refused and accepted cases, one per rule
# --------------------------------------------------------------------------------------------


def _pc(name, value, **kw):
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value, **kw}


@pytest.mark.parametrize(
    "obj, match",
    [
        (_pc("system-ml-priority", 1000), "reserved for system use"),
        (_pc("system-ml", 10), "reserved for system use"),
        (_pc("system-cluster-critical", 5), "built-in class: its value must be 2000000000"),
        (_pc("system-node-critical", 2_000_000_000), "built-in class: its value must be 2000001000"),
        (_pc("system-cluster-critical", 2_000_000_000, globalDefault=True), "globalDefault false"),
        (_pc("ml-urgent", 1_000_000_001), "maximum allowed value of a user defined priority is 1000000000"),
        (_pc("ml-urgent", 2_000_000_000), "maximum allowed value"),
        (_pc("ml-low", -(2**31) - 1), "outside int32"),
        (_pc("ml-x", "1000"), "value"),
        (_pc("ml-x", 10, preemptionPolicy="Always"), "preemptionPolicy"),
        (_pc("ml-x", 10, globalDefault="no"), "globalDefault"),
        ({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "x"}}, "value: required"),
        (_pc("Bad_Name", 10), "DNS-1123 subdomain"),
    ],
)
def test_priority_class_refused(obj, match):
    assert match in errors_of(obj)


@pytest.mark.parametrize(
    "obj",
    [_pc("ml-high", 1_000_000_000), _pc("ml-low", -(2**31)), _pc("ml.batch", 0, preemptionPolicy="Never"),
     _pc("system-node-critical", 2_000_001_000)],
)
def test_priority_class_accepted(obj):
    rep = k8s.validate_manifest(obj)
    assert rep.ok, rep.errors
    if obj["metadata"]["name"].startswith("system-"):
        assert any("already has it" in w for w in rep.warnings)


def _quota(hard, **spec):
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "team-a"},
            "spec": {"hard": hard, **spec}}


@pytest.mark.parametrize(
    "obj, match",
    [
        (_quota({"gpus": "8"}), "must be a standard quota resource"),
        (_quota({"bad key!": "2"}), "not a valid resource name"),
        (_quota({"a/b/c": "2"}), "not a valid resource name"),
        (_quota({"requests.cpu": "-1"}), "must be greater than or equal to 0"),
        (_quota({"requests.nvidia.com/gpu": "-4"}), "must be greater than or equal to 0"),
        (_quota({"pods": "1.5"}), "must be an integer"),
        (_quota({"count/jobs.batch": "2.5"}), "must be an integer"),
        (_quota({"requests.cpu": "10 cores"}), "not a Kubernetes quantity"),
        (_quota({"pods": "10"}, scopeSelector={"matchExpressions": [{"scopeName": "PriorityClass", "operator": "In"}]}),
         "at least one value"),
        (_quota({"pods": "10"}, scopeSelector={"matchExpressions": [{"scopeName": "PriorityClass", "operator": "Exists",
                                                                      "values": ["a"]}]}), "must be empty"),
        (_quota({"pods": "10"}, scopeSelector={"matchExpressions": [{"scopeName": "BestEffort", "operator": "In",
                                                                      "values": ["a"]}]}), "must be 'Exists'"),
        (_quota({"pods": "10"}, scopeSelector={"matchExpressions": [{"scopeName": "Team", "operator": "Exists"}]}),
         "unsupported scope"),
        (_quota({"pods": "10"}, scopeSelector={"matchExpressions": [{"scopeName": "PriorityClass", "operator": "Has",
                                                                      "values": ["a"]}]}), "not a valid selector operator"),
        (_quota({"services": "10"}, scopes=["BestEffort"]), "does not apply"),
        (_quota({"pods": "10"}, scopes=["BestEffort", "NotBestEffort"]), "conflicting scopes"),
        (_quota({"pods": "1"}, spce={}), "spec.spce: unknown field"),
    ],
)
def test_resource_quota_refused(obj, match):
    assert match in errors_of(obj)


@pytest.mark.parametrize(
    "obj",
    [
        _quota({"requests.nvidia.com/gpu": 4}),  # kubernetes.io example (a number is a valid quantity)
        _quota({"requests.nvidia.com/mig-1g.10gb": "14", "requests.cpu": "1500m", "limits.memory": "1Ti"}),
        _quota({"count/jobs.batch": "20", "pods": "0", "hugepages-2Mi": "1Gi"}),
        # kubernetes.io "Resource Quotas": quota per PriorityClass
        _quota({"cpu": "1000", "memory": "200Gi", "pods": "10"},
               scopeSelector={"matchExpressions": [{"operator": "In", "scopeName": "PriorityClass", "values": ["high"]}]}),
        _quota({"pods": "10"}, scopeSelector={"matchExpressions": [{"scopeName": "BestEffort", "operator": "Exists"}]}),
    ],
)
def test_resource_quota_accepted(obj):
    rep = k8s.validate_manifest(obj)
    assert rep.ok, rep.errors
    assert not rep.warnings


def test_limits_prefix_on_an_extended_resource_is_accepted_with_a_warning():
    rep = k8s.validate_manifest(_quota({"limits.nvidia.com/gpu": "8", "nvidia.com/gpu": "8"}))
    assert rep.ok
    assert len([w for w in rep.warnings if "never counted" in w]) == 2


@pytest.mark.parametrize(
    "meta, match",
    [
        ({"name": "Team_A"}, "DNS-1123 label"),
        ({"name": "a", "labels": {"bad key": "x"}}, "not a qualified name"),
        ({"name": "a", "labels": {"team": "-x"}}, "not a valid label value"),
        ({"name": "a", "labels": {"team": "x" * 64}}, "not a valid label value"),
        ({"name": "a", "labelz": {}}, "metadata.labelz: unknown field"),
        ({}, "metadata.name: required"),
    ],
)
def test_namespace_refused(meta, match):
    assert match in errors_of({"apiVersion": "v1", "kind": "Namespace", "metadata": meta})


def test_namespace_priority_label_is_accepted_but_warned():
    ns = {"apiVersion": "v1", "kind": "Namespace",
          "metadata": {"name": "ml-team-alpha", "labels": {"priority-class": "research", "example.com/tier": ""}}}
    rep = k8s.validate_manifest(ns)
    assert rep.ok and any("priorityClassName" in w for w in rep.warnings)


# --------------------------------------------------------------------------------------------
# Kueue objects: refused and accepted cases
# --------------------------------------------------------------------------------------------


def _cq(api=k8s.KUEUE_API_VERSION, frac=0.5):
    return k8s.cluster_queue_manifest(alpha(), borrowing_limit_fraction=frac, api_version=api)


def _res(o, i=0):
    return o["spec"]["resourceGroups"][0]["flavors"][0]["resources"][i]


def _cohort_key(o):
    return "cohortName" if o["apiVersion"].endswith("v1beta2") else "cohort"


CQ_REFUSED = [
    (lambda o: o["spec"].update(excludeResourcePrefixes=["nvidia.com/"]), "spec.excludeResourcePrefixes: unknown field"),
    (lambda o: o["spec"].pop(_cohort_key(o)), "borrowingLimit must be nil when cohort is empty"),
    (lambda o: o["spec"]["resourceGroups"][0]["flavors"][0]["resources"].pop(), "same number of resources"),
    (lambda o: o["spec"]["resourceGroups"][0]["flavors"][0]["resources"].reverse(), "must match the name in coveredResources"),
    (lambda o: o["spec"]["fairSharing"].update(wieght=1), "spec.fairSharing.wieght: unknown field"),
    (lambda o: o["spec"].update(queueingStrategy="FIFO"), "queueingStrategy"),
    (lambda o: o["spec"]["preemption"].update(reclaimWithinCohort="Sometimes"), "reclaimWithinCohort"),
    (lambda o: o["spec"]["preemption"].update(reclaimWithinCohort="Never", borrowWithinCohort={"policy": "LowerPriority"}),
     "reclaimWithinCohort=Never and borrowWithinCohort.Policy!=Never"),
    (lambda o: o["spec"]["fairSharing"].update(weight="-1"), "must be >= 0"),
    (lambda o: o["spec"]["fairSharing"].update(weight="0.1n"), "when not 0 > 1e-9"),
    (lambda o: _res(o).update(nominalQuota="lots"), "nominalQuota"),
    (lambda o: _res(o).update(nominalQuota="-5"), "nominalQuota = '-5' must be greater than or equal to 0"),
    (lambda o: _res(o, 2).update(lendingLimit="9"), "lendingLimit must be less than or equal to the nominalQuota"),
    (lambda o: o["spec"]["namespaceSelector"].update(matchLabel={}), "namespaceSelector.matchLabel: unknown field"),
    (lambda o: o["spec"].update(resourceGroups=o["spec"]["resourceGroups"] * 17), "resourceGroups"),
    (lambda o: o["spec"]["resourceGroups"].append(copy.deepcopy(o["spec"]["resourceGroups"][0])), "Duplicate value"),
    (lambda o: o["spec"]["flavorFungibility"].update(preference="BorrowingOverPreemption")
     if "flavorFungibility" in o["spec"] else o["spec"].update(flavorFungibility={"preference": "BorrowingOverPreemption"}),
     "preference can only be set when both whenCanBorrow and whenCanPreempt are TryNextFlavor"),
    (lambda o: o["spec"].update(flavorFungibility={"whenCanBorrow": "Sometimes"}), "whenCanBorrow"),
    (lambda o: o["metadata"].update(name="Bad_Name"), "DNS-1123 subdomain"),
    (lambda o: o.update(apiVersion="kueue.x-k8s.io/v1alpha1"), "serves ClusterQueue as"),
]


@pytest.mark.parametrize("api", k8s.KUEUE_API_VERSIONS)
@pytest.mark.parametrize("mutate, match", CQ_REFUSED)
def test_cluster_queue_refused(api, mutate, match):
    obj = _cq(api)
    assert k8s.validate_manifest(obj).ok
    mutate(obj)
    assert match in errors_of(obj)


def test_cohort_field_names_differ_between_versions():
    new, old = _cq(frac=None), _cq(k8s.KUEUE_API_VERSIONS[1], frac=None)
    new["spec"]["cohort"] = new["spec"].pop("cohortName")
    old["spec"]["cohortName"] = old["spec"].pop("cohort")
    assert "spec.cohort: unknown field" in errors_of(new)
    assert "spec.cohortName: unknown field" in errors_of(old)


@pytest.mark.parametrize("api", k8s.KUEUE_API_VERSIONS)
@pytest.mark.parametrize("preference", ["BorrowingOverPreemption", "PreemptionOverBorrowing"])
def test_flavor_fungibility_preference_is_accepted(api, preference):
    obj = _cq(api)
    obj["spec"]["flavorFungibility"] = {"whenCanBorrow": "TryNextFlavor", "whenCanPreempt": "TryNextFlavor",
                                        "preference": preference}
    rep = k8s.validate_manifest(obj)
    assert rep.ok, rep.errors


@pytest.mark.parametrize("path", sorted(glob.glob(str(ROOT / "tests" / "data" / "kueue-v0.19.2-examples" / "*.yaml"))))
def test_kueues_published_examples_are_accepted(path):
    objs = k8s.load_yaml(open(path).read())
    assert objs
    for rep in k8s.validate_manifests(objs):
        assert rep.ok, (rep.kind, rep.errors)


@pytest.mark.parametrize(
    "spec, match",
    [
        ({"topologyName": "default"}, "at least one nodeLabel is required when topology is set"),
        ({"nodeTaints": [{"key": "gpu", "value": "a100", "effect": "Sometimes"}]}, "effect"),
        ({"tolerations": [{"operator": "Equal", "value": "x"}]}, "operator must be Exists when 'key' is empty"),
        ({"tolerations": [{"key": "k", "operator": "Exists", "value": "x"}]}, "a value must be empty"),
        ({"tolerations": [{"key": "k", "tolerationSeconds": 5, "effect": "NoSchedule"}]}, "effect must be 'NoExecute'"),
        ({"nodeLabels": {"bad key": "x"}}, "not a qualified name"),
        ({"nodeLabels": {f"k{i}": "v" for i in range(9)}}, "nodeLabels"),
        ({"nodeSelector": {"a": "b"}}, "spec.nodeSelector: unknown field"),
    ],
)
def test_resource_flavor_refused(spec, match):
    obj = {"apiVersion": k8s.KUEUE_API_VERSION, "kind": "ResourceFlavor", "metadata": {"name": "gpu"}, "spec": spec}
    assert match in errors_of(obj)


def test_local_queue_needs_a_namespace_and_a_cluster_queue_name():
    lq = k8s.local_queue_manifest(alpha())
    assert k8s.validate_manifest(lq).ok
    no_ns = copy.deepcopy(lq)
    del no_ns["metadata"]["namespace"]
    assert "namespaced" in errors_of(no_ns)
    bad = copy.deepcopy(lq)
    bad["spec"]["clusterQueue"] = "Bad Queue"
    assert "clusterQueue" in errors_of(bad)


def test_bundle_references_are_checked():
    objs = k8s.kueue_manifests([alpha()])
    lq = copy.deepcopy(objs[2])
    lq["spec"]["clusterQueue"] = "nobody-cq"
    reps = k8s.validate_manifests([objs[0], objs[1], lq])
    assert "names no ClusterQueue" in " ".join(reps[2].errors)
    cq_alone = k8s.validate_manifests([k8s.resource_flavor_manifest("gpu-a100"), objs[1]])
    assert "names no ResourceFlavor" in " ".join(cq_alone[1].errors)


def test_kueue_manifests_refuse_duplicates_and_empties():
    with pytest.raises(ValueError, match="distinct"):
        k8s.kueue_manifests([alpha(), alpha()])
    with pytest.raises(ValueError, match="at least one"):
        k8s.kueue_manifests([])
    with pytest.raises(ValueError, match="cohort"):
        k8s.kueue_manifests([alpha()], cohort="Bad Cohort")


def test_fair_sharing_switch_is_kueue_v1beta2_configuration():
    cfg = k8s.kueue_fair_sharing_config()
    assert cfg["apiVersion"] == "config.kueue.x-k8s.io/v1beta2"
    assert "enable" not in cfg["fairSharing"] and cfg["fairSharing"]["preemptionStrategies"]


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


@pytest.mark.parametrize("name, ok", [("nvidia.com/gpu", True), ("requests.nvidia.com/mig-1g.10gb", True),
                                      ("count/jobs.batch", True), ("gpus", True), ("bad key!", False),
                                      ("/gpu", False), ("nvidia.com/", False), ("a/b/c", False),
                                      ("x" * 64, False), ("-gpu", False), ("Example.com/gpu", False)])
def test_qualified_names(name, ok):
    # apimachinery IsQualifiedName, cases written from its rules
    assert k8s.is_qualified_name(name) is ok


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@FAST
@given(
    kind=st.sampled_from(["Namespace", "ResourceQuota", "PriorityClass", "ConfigMap", "Pod",
                          "ClusterQueue", "LocalQueue", "ResourceFlavor", "Deployment"]),
    body=st.dictionaries(st.sampled_from(["metadata", "spec", "value", "data", "extra"]), json_like, max_size=4),
)
def test_validate_manifest_fuzz_agrees_with_the_schema(kind, body):
    api = {"PriorityClass": "scheduling.k8s.io/v1", "ClusterQueue": k8s.KUEUE_API_VERSION,
           "LocalQueue": k8s.KUEUE_API_VERSION, "ResourceFlavor": k8s.KUEUE_API_VERSION,
           "Deployment": "apps/v1"}.get(kind, "v1")
    obj = {"apiVersion": api, "kind": kind, **body}
    rep = k8s.validate_manifest(obj)
    assert all(isinstance(e, str) and e for e in rep.errors)
    if kind == "Deployment" or not isinstance(obj.get("metadata"), dict) or not obj["metadata"].get("name"):
        assert not rep.ok  # unknown kinds and nameless objects are always refused
    if rep.ok and (api, kind) in k8s_schemas.CORE_KINDS:
        assert _jsonschema_core_ok(obj)  # accepted => the schema, run directly, accepts it too
    if "extra" in body and kind != "Deployment":
        assert "extra: unknown field" in " ".join(rep.errors)
    k8s.validate_manifests([obj, obj])


@FAST
@given(st.one_of(st.text(max_size=40), st.integers(), st.none(), st.lists(st.integers(), max_size=3)))
def test_loaders_fuzz_only_valueerror(x):
    only_value_errors([lambda f=f: f(x) for f in (k8s.load_yaml, k8s.validate_manifest, k8s.to_yaml, k8s.validate_manifests)])


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
        lambda: k8s.cluster_queue_manifest(alpha(), api_version=name),
        lambda: k8s.course_text_fair_share_weights(name), lambda: k8s.namespace_manifest(x),
        lambda: k8s.label_errors(x), lambda: k8s.is_qualified_name(x),
    ]
    only_value_errors(calls)


@FAST
@given(frac=st.floats(0, 100))
def test_borrowing_limits_stay_valid(frac):
    cq = k8s.cluster_queue_manifest(alpha(), borrowing_limit_fraction=frac)
    assert k8s.validate_manifest(cq).ok
    gpu = cq["spec"]["resourceGroups"][0]["flavors"][0]["resources"][2]
    assert int(gpu["borrowingLimit"]) == int(8 * frac)


scalar = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=True) | st.sampled_from(
    ["1", "-1", "0.5", "2Gi", "x", "nvidia.com/gpu", "requests.nvidia.com/gpu", "In", "Exists", "PriorityClass"])
keyed = st.dictionaries(st.sampled_from(["cpu", "memory", "nvidia.com/gpu", "requests.cpu", "pods", "gpus", "bad key!",
                                         "count/jobs.batch", "limits.nvidia.com/gpu", 3]), scalar, max_size=4)


@FAST
@given(
    limits=keyed | scalar, requests=keyed | scalar, name=scalar, image=scalar,
    hard=keyed | scalar, scope=st.sampled_from(["PriorityClass", "BestEffort", "Nope", None, 3]),
    op=scalar, values=st.one_of(scalar, st.lists(scalar, max_size=2)),
)
def test_pod_and_quota_rules_fuzz_never_crash(limits, requests, name, image, hard, scope, op, values):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": name, "image": image, "resources": {"limits": limits, "requests": requests}}]}}
    quota = _quota(hard, scopeSelector={"matchExpressions": [{"scopeName": scope, "operator": op, "values": values}]})
    for obj in (pod, quota):
        rep = k8s.validate_manifest(obj)
        assert all(isinstance(e, str) and e for e in rep.errors)
        if rep.ok:
            assert _jsonschema_core_ok(obj)


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, path + (i,))
    yield path


@FAST
@given(data=st.data(), api=st.sampled_from(k8s.KUEUE_API_VERSIONS), junk=json_like)
def test_manifests_with_one_part_replaced_never_crash(data, api, junk):
    from course_kit import gpu_k8s

    objs = k8s.kueue_manifests([alpha()], borrowing_limit_fraction=0.5, api_version=api)
    others = k8s.tenant_manifests(alpha()) + [
        gpu_k8s.gpu_pod_manifest("p", "team-alpha", "nvidia.com/mig-1g.10gb", priority_class="x", node_selector={"a": "b"}),
        gpu_k8s.priority_quota_manifest("team-alpha", ["x"]),
        gpu_k8s.device_plugin_configmap({"default": gpu_k8s.device_plugin_config("mixed")})]
    obj = copy.deepcopy(data.draw(st.sampled_from(objs + others)))
    path = data.draw(st.sampled_from([p for p in _leaves(obj) if p]))
    target = obj
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = junk
    rep = k8s.validate_manifest(obj)
    assert all(isinstance(e, str) and e for e in rep.errors)
    k8s.validate_manifests(objs[:1] + [obj])
