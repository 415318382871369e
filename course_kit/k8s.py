"""Multi-tenant Kubernetes manifests for ML teams, validated against pinned real schemas (section 6).

From a small :class:`TenantSpec` (team, CPU, memory, GPUs, job count, priority, fair-share weight)
this module generates the Namespace, ResourceQuota and PriorityClass a cluster would accept, and
the Kueue objects (ResourceFlavor, ClusterQueue, LocalQueue) that provide the weighted fair
sharing the course text tried to configure with a ConfigMap. GPU scheduling (device plugin, MIG
resources, time-slicing, GPU quotas, placement) is in :mod:`course_kit.gpu_k8s`.

What the course text got wrong, and what is done instead:

* ``limits.nvidia.com/gpu`` in a ResourceQuota: for extended resources "only quota items with
  prefix ``requests.`` are allowed" (kubernetes.io "Resource Quotas", "Resource quota for extended
  resources"); the API server accepts the key (it is a qualified name) but the pod quota evaluator
  only matches ``requests.<extended>`` items, so it is never counted. Generated quotas use only
  ``requests.nvidia.com/gpu`` (``docs/sources.md#erratum-46``).
* The ``fair-share-config`` ConfigMap in ``kube-system`` is a valid ConfigMap that **no component
  reads**: kube-scheduler has no weighted fair-share queueing. Weighted fair sharing comes from an
  add-on; here Kueue: ``ClusterQueue.spec.fairSharing.weight`` per tenant, all tenants in one
  cohort (``cohortName`` in v1beta2), and ``fairSharing`` in Kueue's own Configuration
  (``docs/sources.md#erratum-48``, ``#fair-share-addons``).
* A namespace label ``priority-class: research`` assigns no priority to anything. A pod gets a
  priority only from ``spec.priorityClassName`` (or the cluster's ``globalDefault`` class); which
  classes a namespace may use is limited with a ResourceQuota ``scopeSelector`` on ``PriorityClass``
  (kubernetes.io "Resource Quotas", "Limit Priority Class consumption by default";
  ``docs/sources.md#k8s-priority``).

Validation (:func:`validate_manifest`), three layers, each named in ``checked_by``:

1. **Schemas, pinned and vendored** (:mod:`course_kit.k8s_schemas`): Kubernetes v1.37.0 JSON
   schemas for core objects; Kueue v0.19.2 CRD ``openAPIV3Schema`` (v1beta2 and v1beta1) with
   defaults, list types and CEL rules.
2. **API-server rules the schemas do not express** (:func:`_server_rules`), following
   ``k8s.io/kubernetes`` ``pkg/apis/core/validation`` and ``pkg/apis/scheduling/validation``:
   required DNS-1123 names, label syntax, the reserved ``system-`` prefix and the two built-in
   PriorityClasses, user priority ≤ 1,000,000,000 and int32, quota resource names (qualified names;
   unprefixed names only from the standard list), non-negative quantities, integer counts, scope
   selectors, and container resources (extended resources: whole numbers, limit = request).
3. **Kueue's validating webhooks** (``pkg/webhooks`` at v0.19.2): non-negative quotas,
   borrowing/lending limits only in a cohort, lendingLimit ≤ nominalQuota, qualified resource names,
   no resource or flavor in two resource groups, fair-sharing weight.

Not checked: admission plugins and controllers (quota usage, LimitRanges, PriorityClass existence),
and anything that needs a live cluster.

>>> spec = TenantSpec("team-alpha", cpu=100, memory_gib=200, gpus=8, max_jobs=20, priority=1000)
>>> quota = resource_quota_manifest(spec)
>>> sorted(k for k in quota["spec"]["hard"] if "gpu" in k)
['requests.nvidia.com/gpu']
>>> all(validate_manifest(obj).ok for obj in tenant_manifests(spec))
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from course_kit import k8s_schemas
from course_kit._validate import check_choice, check_int, check_number

__all__ = [
    "GPU_RESOURCE",
    "PRIORITY_VALUE_MAX",
    "PRIORITY_VALUE_MIN",
    "SYSTEM_PRIORITY_CLASSES",
    "KUEUE_API_VERSION",
    "KUEUE_API_VERSIONS",
    "TenantSpec",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_qualified_name",
    "label_errors",
    "parse_quantity",
    "cpu_quantity",
    "memory_quantity",
    "namespace_manifest",
    "resource_quota_manifest",
    "priority_class_manifest",
    "tenant_manifests",
    "resource_flavor_manifest",
    "cluster_queue_manifest",
    "local_queue_manifest",
    "kueue_manifests",
    "kueue_fair_sharing_config",
    "to_yaml",
    "load_yaml",
    "ValidationReport",
    "validate_manifest",
    "validate_manifests",
    "COURSE_TEXT_MANIFEST_YAML",
    "course_text_fair_share_weights",
]

GPU_RESOURCE = "nvidia.com/gpu"
"""Extended resource advertised by the NVIDIA device plugin (whole GPUs, or MIG slices under the
``single`` strategy)."""

PRIORITY_VALUE_MAX = 1_000_000_000
"""Highest user-definable PriorityClass value (``scheduling.HighestUserDefinablePriority``)."""
PRIORITY_VALUE_MIN = -(2**31)
"""``value`` is an int32."""

SYSTEM_PRIORITY_CLASSES = {"system-cluster-critical": 2_000_000_000, "system-node-critical": 2_000_001_000}
"""The built-in classes (``scheduling.SystemClusterCritical`` = 2e9, ``SystemNodeCritical`` = 2e9 +
1000); every other ``system-`` name is refused (``pkg/apis/scheduling/validation``)."""

KUEUE_API_VERSION = f"{k8s_schemas.KUEUE_GROUP}/v1beta2"
"""Kueue's storage version since v0.16; generated manifests use it."""
KUEUE_API_VERSIONS = (KUEUE_API_VERSION, f"{k8s_schemas.KUEUE_GROUP}/v1beta1")
"""Versions the pinned Kueue release serves (v1beta1: ``cohort`` instead of ``cohortName``)."""

_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QNAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_RULE = "lowercase letters, digits and '-', starting and ending with a letter or digit"


def is_dns1123_label(name) -> bool:
    """RFC 1123 label as Kubernetes uses it for Namespace names: ``[a-z0-9]([-a-z0-9]*[a-z0-9])?``, ≤ 63.

    Source: kubernetes.io "Object Names and IDs" (DNS Label Names).

    >>> is_dns1123_label("team-alpha"), is_dns1123_label("Team_Alpha"), is_dns1123_label("a" * 64)
    (True, False, False)
    """
    return isinstance(name, str) and len(name) <= 63 and bool(_LABEL_RE.match(name))


def is_dns1123_subdomain(name) -> bool:
    """RFC 1123 subdomain (most object names): dot-separated labels, ≤ 253 characters.

    >>> is_dns1123_subdomain("ml.high-priority"), is_dns1123_subdomain("-bad")
    (True, False)
    """
    return isinstance(name, str) and len(name) <= 253 and bool(_SUBDOMAIN_RE.match(name))


def is_qualified_name(name) -> bool:
    """Kubernetes "qualified name" (label keys, resource names): ``[prefix/]name``.

    ``name`` ≤ 63 characters of ``[A-Za-z0-9_.-]`` starting and ending alphanumeric; the optional
    prefix is a DNS-1123 subdomain (``apimachinery/pkg/util/validation.IsQualifiedName``).

    >>> [is_qualified_name(x) for x in ("nvidia.com/gpu", "requests.nvidia.com/gpu", "gpus", "bad key!", "a/b/c")]
    [True, True, True, False, False]
    """
    if not isinstance(name, str):
        return False
    parts = name.split("/")
    if len(parts) == 2:
        prefix, short = parts
        if not prefix or not is_dns1123_subdomain(prefix):
            return False
    elif len(parts) == 1:
        short = parts[0]
    else:
        return False
    return 0 < len(short) <= 63 and bool(_QNAME_RE.match(short))


def label_errors(labels, where: str = "metadata.labels") -> list[str]:
    """Label syntax: keys are qualified names; values ≤ 63 characters, empty or alphanumeric at both
    ends with ``-_.`` inside (``apimachinery ValidateLabels``).

    >>> label_errors({"team": "ml", "bad key": "x", "tier": "-no"})
    ["metadata.labels: key 'bad key' is not a qualified name ([prefix/]name, name <= 63 of [A-Za-z0-9_.-])", "metadata.labels['tier'] = '-no' is not a valid label value (<= 63 of [A-Za-z0-9_.-], alphanumeric at both ends)"]
    """
    if labels is None:
        return []
    if not isinstance(labels, Mapping):
        return [f"{where}: expected a map of strings"]
    errors = []
    for key, value in labels.items():
        if not is_qualified_name(key):
            errors.append(f"{where}: key {key!r} is not a qualified name ([prefix/]name, name <= 63 of [A-Za-z0-9_.-])")
        if not isinstance(value, str) or (value and (len(value) > 63 or not _QNAME_RE.match(value))):
            errors.append(f"{where}[{key!r}] = {value!r} is not a valid label value (<= 63 of [A-Za-z0-9_.-], alphanumeric at both ends)")
    return errors


def _check_label_name(param: str, value) -> str:
    if not is_dns1123_label(value):
        raise ValueError(
            f"{param} must be a DNS-1123 label (1-63 {_DNS_RULE}); got {value!r}"
        )
    return value


# --------------------------------------------------------------------------------------------
# Quantities
# --------------------------------------------------------------------------------------------


def cpu_quantity(cores: float) -> str:
    """A CPU quantity string: whole cores as ``"100"``, fractions in millicores (``"1500m"``).

    Kubernetes CPU resolution is 1m (0.001 core); source: kubernetes.io "Resource Management for
    Pods and Containers" (CPU resource units).

    >>> cpu_quantity(100), cpu_quantity(1.5), cpu_quantity(0.25)
    ('100', '1500m', '250m')
    """
    cores = check_number("cpu", cores, low=0.001, high=1e7)
    milli = round(cores * 1000)
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def memory_quantity(gib: float) -> str:
    """A memory quantity string in binary units: ``"200Gi"``, or ``"1536Mi"`` for 1.5 GiB.

    >>> memory_quantity(200), memory_quantity(1.5)
    ('200Gi', '1536Mi')
    """
    gib = check_number("memory_gib", gib, low=1 / 1024, high=1e7)
    mib = round(gib * 1024)
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


def _decimal_quantity(name: str, value: float) -> str:
    value = check_number(name, value, low=0, high=1e6)
    milli = round(value * 1000)
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def parse_quantity(value):
    """A Kubernetes quantity as a ``Decimal`` (``kubernetes.utils.parse_quantity``), or ``None``.

    >>> parse_quantity("1500m"), parse_quantity("2Gi"), parse_quantity("lots")
    (Decimal('1.500'), Decimal('2147483648'), None)
    """
    from kubernetes.utils import parse_quantity as _parse

    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        return _parse(value)
    except Exception:  # noqa: BLE001 - the parser raises ValueError or decimal errors
        return None


# --------------------------------------------------------------------------------------------
# Tenant spec and core manifests
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TenantSpec:
    """One team's share of the cluster.

    ``team`` names the namespace (a DNS-1123 label, not starting with ``system-``: the derived
    PriorityClass ``<team>-priority`` would use the reserved prefix). ``cpu`` (cores) and
    ``memory_gib`` are the quota on requests; limits are ``limit_factor`` × requests (the course
    text used 2×). ``gpus`` is the quota on ``requests.nvidia.com/gpu`` (0 forbids GPU pods).
    ``max_jobs`` caps Job objects (``count/jobs.batch``). ``priority`` is the PriorityClass value.
    ``weight`` is the Kueue fair-sharing weight (0 = always last when competing for unused quota).

    >>> TenantSpec("team-beta", cpu=50, memory_gib=100, gpus=-1, max_jobs=8, priority=500)
    Traceback (most recent call last):
    ...
    ValueError: gpus must be an integer >= 0; got -1
    >>> TenantSpec("system-ml", cpu=8, memory_gib=32, gpus=1, max_jobs=5, priority=100)
    Traceback (most recent call last):
    ...
    ValueError: team must not start with 'system-' (PriorityClass names with that prefix are reserved for the built-in classes, so 'system-ml-priority' would be refused); got 'system-ml'
    """

    team: str
    cpu: float
    memory_gib: float
    gpus: int
    max_jobs: int
    priority: int
    weight: float = 1.0
    limit_factor: float = 2.0
    preempt_lower_priority: bool = True

    def __post_init__(self):
        _check_label_name("team", self.team)
        if len(self.team) > 63 - len("-priority"):
            raise ValueError(
                f"team must be at most {63 - len('-priority')} characters so derived names stay "
                f"DNS-1123 labels; got {len(self.team)} ({self.team!r})"
            )
        if self.team.startswith("system-"):
            raise ValueError(
                "team must not start with 'system-' (PriorityClass names with that prefix are reserved "
                f"for the built-in classes, so {self.team + '-priority'!r} would be refused); got {self.team!r}"
            )
        check_number("cpu", self.cpu, low=0.001, high=1e7)
        check_number("memory_gib", self.memory_gib, low=1 / 1024, high=1e7)
        check_int("gpus", self.gpus, low=0)
        check_int("max_jobs", self.max_jobs, low=1)
        prio = check_int("priority", self.priority)
        if not PRIORITY_VALUE_MIN <= prio <= PRIORITY_VALUE_MAX:
            raise ValueError(
                f"priority must be an integer in [{PRIORITY_VALUE_MIN}, {PRIORITY_VALUE_MAX}] (larger values "
                f"are reserved for the built-in system-* classes); got {self.priority!r}"
            )
        check_number("weight", self.weight, low=0, high=1e6)
        if 0 < self.weight <= 1e-9:
            raise ValueError(f"weight must be 0 or > 1e-9 (Kueue refuses weights that collapse to 0); got {self.weight!r}")
        check_number("limit_factor", self.limit_factor, low=1, high=100)
        if not isinstance(self.preempt_lower_priority, bool):
            raise ValueError(
                f"preempt_lower_priority must be True or False; got {self.preempt_lower_priority!r}"
            )

    @property
    def namespace(self) -> str:
        return self.team

    @property
    def priority_class_name(self) -> str:
        return f"{self.team}-priority"


def _check_spec(spec) -> TenantSpec:
    if not isinstance(spec, TenantSpec):
        raise ValueError(f"spec must be a TenantSpec; got {type(spec).__name__}")
    return spec


def namespace_manifest(spec: TenantSpec) -> dict:
    """The tenant's Namespace, labelled with its team.

    No ``priority-class`` label: a namespace label assigns no priority (pods name their class in
    ``spec.priorityClassName``; :func:`course_kit.gpu_k8s.priority_quota_manifest` limits which
    classes a namespace may use).

    >>> namespace_manifest(TenantSpec("team-a", 8, 32, 1, 5, 100))["metadata"]
    {'name': 'team-a', 'labels': {'team': 'team-a'}}
    """
    spec = _check_spec(spec)
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": spec.namespace, "labels": {"team": spec.team}},
    }


def resource_quota_manifest(spec: TenantSpec) -> dict:
    """ResourceQuota: requests and limits for CPU/memory, ``requests.nvidia.com/gpu``, job count.

    GPU quota uses only the ``requests.`` prefix: extended resources cannot be overcommitted, so a
    ``limits.`` item would be redundant and is not tracked.

    >>> hard = resource_quota_manifest(TenantSpec("team-a", 1.5, 6, 2, 5, 100))["spec"]["hard"]
    >>> hard["requests.cpu"], hard["limits.cpu"], hard["requests.memory"], hard["requests.nvidia.com/gpu"]
    ('1500m', '3', '6Gi', '2')
    """
    spec = _check_spec(spec)
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": f"{spec.team}-quota", "namespace": spec.namespace},
        "spec": {
            "hard": {
                "requests.cpu": cpu_quantity(spec.cpu),
                "requests.memory": memory_quantity(spec.memory_gib),
                "limits.cpu": cpu_quantity(spec.cpu * spec.limit_factor),
                "limits.memory": memory_quantity(spec.memory_gib * spec.limit_factor),
                f"requests.{GPU_RESOURCE}": str(int(spec.gpus)),
                "count/jobs.batch": str(int(spec.max_jobs)),
            }
        },
    }


def priority_class_manifest(spec: TenantSpec) -> dict:
    """PriorityClass ``<team>-priority`` with the tenant's value (≤ 1,000,000,000).

    >>> priority_class_manifest(TenantSpec("team-a", 8, 32, 1, 5, 1000))["value"]
    1000
    """
    spec = _check_spec(spec)
    return {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": spec.priority_class_name},
        "value": int(spec.priority),
        "globalDefault": False,
        "preemptionPolicy": "PreemptLowerPriority" if spec.preempt_lower_priority else "Never",
        "description": f"Priority of {spec.team}'s ML workloads.",
    }


def tenant_manifests(spec: TenantSpec) -> list[dict]:
    """Namespace, ResourceQuota and PriorityClass for one tenant, each validated before returning."""
    objs = [namespace_manifest(spec), resource_quota_manifest(spec), priority_class_manifest(spec)]
    for obj in objs:
        validate_manifest(obj).raise_if_invalid()
    return objs


# --------------------------------------------------------------------------------------------
# Kueue: weighted fair sharing instead of the course text's ConfigMap
# --------------------------------------------------------------------------------------------


def _check_kueue_api(api_version) -> str:
    return check_choice("api_version", api_version, KUEUE_API_VERSIONS)


def resource_flavor_manifest(
    name: str = "default-flavor",
    node_labels: Mapping[str, str] | None = None,
    *,
    api_version: str = KUEUE_API_VERSION,
) -> dict:
    """A Kueue ResourceFlavor (cluster-scoped); ``node_labels`` (≤ 8) tie it to a node pool.

    >>> resource_flavor_manifest("a100", {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"})["spec"]
    {'nodeLabels': {'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB'}}
    """
    _check_kueue_api(api_version)
    if not is_dns1123_subdomain(name):
        raise ValueError(f"name must be a DNS-1123 subdomain ({_DNS_RULE}); got {name!r}")
    spec: dict = {}
    if node_labels:
        if not isinstance(node_labels, Mapping) or len(node_labels) > 8 or label_errors(node_labels):
            raise ValueError(f"node_labels must map at most 8 valid label keys to label values; got {node_labels!r}")
        spec["nodeLabels"] = dict(node_labels)
    return {"apiVersion": api_version, "kind": "ResourceFlavor", "metadata": {"name": name}, "spec": spec}


def cluster_queue_manifest(
    spec: TenantSpec,
    *,
    cohort: str = "ml-cluster",
    flavor: str = "default-flavor",
    borrowing_limit_fraction: float | None = None,
    api_version: str = KUEUE_API_VERSION,
) -> dict:
    """A Kueue ClusterQueue for one tenant: nominal quota = the tenant's quota, weight = ``spec.weight``.

    All tenants share ``cohort`` (``spec.cohortName`` in v1beta2, ``spec.cohort`` in v1beta1), so
    unused quota can be borrowed; with fair sharing enabled Kueue admits from the queue with the
    lowest weighted share of borrowed resources and preempts from the highest (Kueue
    ``apis/kueue/v1beta2/fairsharing_types.go``: "share ... divided by the weight"). The namespace
    selector uses the ``kubernetes.io/metadata.name`` label every Namespace carries.

    >>> cq = cluster_queue_manifest(TenantSpec("team-a", 8, 32, 2, 5, 100, weight=30))
    >>> cq["spec"]["cohortName"], cq["spec"]["fairSharing"], cq["spec"]["resourceGroups"][0]["coveredResources"]
    ('ml-cluster', {'weight': '30'}, ['cpu', 'memory', 'nvidia.com/gpu'])
    """
    spec = _check_spec(spec)
    api_version = _check_kueue_api(api_version)
    if not is_dns1123_subdomain(cohort):
        raise ValueError(f"cohort must be a DNS-1123 subdomain ({_DNS_RULE}); got {cohort!r}")
    if not is_dns1123_subdomain(flavor):
        raise ValueError(f"flavor must be a DNS-1123 subdomain ({_DNS_RULE}); got {flavor!r}")
    if borrowing_limit_fraction is not None:
        frac = check_number("borrowing_limit_fraction", borrowing_limit_fraction, low=0, high=100)
    quotas = [
        ("cpu", cpu_quantity(spec.cpu), spec.cpu),
        ("memory", memory_quantity(spec.memory_gib), spec.memory_gib),
        (GPU_RESOURCE, str(int(spec.gpus)), spec.gpus),
    ]
    resources = []
    for name, nominal, amount in quotas:
        entry = {"name": name, "nominalQuota": nominal}
        if borrowing_limit_fraction is not None:
            if name == "cpu":
                entry["borrowingLimit"] = cpu_quantity(max(amount * frac, 0.001))
            elif name == "memory":
                entry["borrowingLimit"] = memory_quantity(max(amount * frac, 1 / 1024))
            else:
                entry["borrowingLimit"] = str(int(math.floor(amount * frac)))
        resources.append(entry)
    cohort_key = "cohortName" if api_version.endswith("v1beta2") else "cohort"
    return {
        "apiVersion": api_version,
        "kind": "ClusterQueue",
        "metadata": {"name": f"{spec.team}-cq"},
        "spec": {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": spec.namespace}},
            cohort_key: cohort,
            "queueingStrategy": "BestEffortFIFO",
            "resourceGroups": [
                {
                    "coveredResources": [q[0] for q in quotas],
                    "flavors": [{"name": flavor, "resources": resources}],
                }
            ],
            "preemption": {"reclaimWithinCohort": "Any", "withinClusterQueue": "LowerPriority"},
            "fairSharing": {"weight": _decimal_quantity("weight", spec.weight)},
        },
    }


def local_queue_manifest(spec: TenantSpec, *, api_version: str = KUEUE_API_VERSION) -> dict:
    """The LocalQueue in the tenant's namespace; Jobs opt in with the label
    ``kueue.x-k8s.io/queue-name: <team>-queue``.

    >>> local_queue_manifest(TenantSpec("team-a", 8, 32, 1, 5, 100))["spec"]
    {'clusterQueue': 'team-a-cq'}
    """
    spec = _check_spec(spec)
    return {
        "apiVersion": _check_kueue_api(api_version),
        "kind": "LocalQueue",
        "metadata": {"name": f"{spec.team}-queue", "namespace": spec.namespace},
        "spec": {"clusterQueue": f"{spec.team}-cq"},
    }


def kueue_fair_sharing_config() -> dict:
    """The part of Kueue's own Configuration that switches fair sharing on.

    It is the ``controller_manager_config.yaml`` key of the ``kueue-manager-config`` ConfigMap in
    ``kueue-system`` — a ConfigMap that, unlike the course text's, a controller actually reads.
    In the v1beta2 Configuration API the ``fairSharing`` section has no ``enable`` field: its
    presence enables fair sharing (Kueue ``apis/config/v1beta2/configuration_types.go``; the
    v1beta1 API had ``enable: true``). The two preemption strategies are Kueue's documented default.

    >>> kueue_fair_sharing_config()["apiVersion"]
    'config.kueue.x-k8s.io/v1beta2'
    """
    return {
        "apiVersion": "config.kueue.x-k8s.io/v1beta2",
        "kind": "Configuration",
        "fairSharing": {"preemptionStrategies": ["LessThanOrEqualToFinalShare", "LessThanInitialShare"]},
    }


def kueue_manifests(
    specs: Iterable[TenantSpec],
    *,
    cohort: str = "ml-cluster",
    flavor: str = "default-flavor",
    borrowing_limit_fraction: float | None = None,
    api_version: str = KUEUE_API_VERSION,
) -> list[dict]:
    """ResourceFlavor + one ClusterQueue and LocalQueue per tenant, validated as a bundle.

    >>> specs = [TenantSpec("team-alpha", 100, 200, 8, 10, 1000, weight=30),
    ...          TenantSpec("team-beta", 80, 160, 6, 8, 800, weight=25)]
    >>> [o["kind"] for o in kueue_manifests(specs)]
    ['ResourceFlavor', 'ClusterQueue', 'LocalQueue', 'ClusterQueue', 'LocalQueue']
    """
    if isinstance(specs, TenantSpec) or not isinstance(specs, Iterable) or isinstance(specs, (str, bytes, Mapping)):
        raise ValueError("specs must be an iterable of TenantSpec")
    specs = [_check_spec(s) for s in specs]
    if not specs:
        raise ValueError("specs must hold at least one TenantSpec; got none")
    teams = [s.team for s in specs]
    if len(set(teams)) != len(teams):
        raise ValueError(f"specs must have distinct team names; got {teams}")
    objs = [resource_flavor_manifest(flavor, api_version=api_version)]
    for spec in specs:
        objs.append(
            cluster_queue_manifest(
                spec, cohort=cohort, flavor=flavor, borrowing_limit_fraction=borrowing_limit_fraction,
                api_version=api_version,
            )
        )
        objs.append(local_queue_manifest(spec, api_version=api_version))
    for report in validate_manifests(objs):
        report.raise_if_invalid()
    return objs


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------


def to_yaml(objs) -> str:
    """Multi-document YAML (``---`` separated), keys in the order Kubernetes examples use.

    >>> print(to_yaml([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}]).strip())
    apiVersion: v1
    kind: Namespace
    metadata:
      name: a
    """
    import yaml

    if isinstance(objs, Mapping):
        objs = [objs]
    if not isinstance(objs, Iterable) or isinstance(objs, (str, bytes)):
        raise ValueError("objs must be a manifest dict or an iterable of them")
    objs = list(objs)
    if not all(isinstance(o, Mapping) for o in objs):
        raise ValueError("objs must contain only manifest dicts")
    try:
        return yaml.safe_dump_all([dict(o) for o in objs], sort_keys=False, default_flow_style=False)
    except yaml.YAMLError as exc:
        raise ValueError(f"objs could not be written as YAML ({exc})") from None


def load_yaml(text: str) -> list[dict]:
    """Parse multi-document YAML into manifest dicts (empty documents are skipped).

    >>> [o["kind"] for o in load_yaml(COURSE_TEXT_MANIFEST_YAML)]
    ['Namespace', 'ResourceQuota', 'PriorityClass', 'ConfigMap']
    """
    import yaml

    if not isinstance(text, str):
        raise ValueError(f"text must be a YAML string; got {type(text).__name__}")
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise ValueError(f"text is not valid YAML ({exc})") from None
    for doc in docs:
        if not isinstance(doc, dict):
            raise ValueError(f"text must hold YAML mappings (manifests); got a {type(doc).__name__}")
    return docs


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of :func:`validate_manifest`.

    ``errors``: the API server (schema, built-in rules, or Kueue's webhooks) would refuse the object.
    ``warnings``: accepted, but it will not do what its author expects.
    ``checked_by``: which layers did the checking (schema version, server rules, webhooks).
    """

    kind: str
    name: str
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    checked_by: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValueError(f"{self.kind}/{self.name} is invalid: " + "; ".join(self.errors))


# k8s.io/kubernetes pkg/apis/core/helper: standardQuotaResources (names without a '/')
_STANDARD_QUOTA_RESOURCES = frozenset({
    "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage",
    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods",
    "resourcequotas", "services", "replicationcontrollers", "secrets", "persistentvolumeclaims",
    "configmaps", "services.nodeports", "services.loadbalancers",
})
_INTEGER_QUOTA_RESOURCES = frozenset({
    "pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps",
    "persistentvolumeclaims", "services.nodeports", "services.loadbalancers",
})
_STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
_QUOTA_SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
                 "CrossNamespacePodAffinity", "VolumeAttributesClass")
_EXISTS_ONLY_SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort")
_POD_COMPUTE = frozenset({"pods", "cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"})


def _is_extended_resource(name: str) -> bool:
    """``helper.IsExtendedResourceName``: has a ``/``, outside ``kubernetes.io/``, no ``requests.`` prefix."""
    return ("/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")
            and is_qualified_name("requests." + name))


def _meta(obj: Mapping) -> tuple[str, object, list[str]]:
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        return "<unnamed>", None, ["metadata: required (an object with at least a name)"]
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        return "<unnamed>", meta.get("namespace"), ["metadata.name: required"]
    return name, meta.get("namespace"), []


def _name_rules(kind: str, obj: Mapping, name: str, ns, namespaced: bool) -> list[str]:
    errors = []
    if name != "<unnamed>":
        if kind == "Namespace" and not is_dns1123_label(name):
            errors.append(f"metadata.name {name!r} is not a DNS-1123 label (1-63 {_DNS_RULE})")
        elif kind != "Namespace" and not is_dns1123_subdomain(name):
            errors.append(f"metadata.name {name!r} is not a DNS-1123 subdomain ({_DNS_RULE})")
    if ns is not None and not is_dns1123_label(ns):
        errors.append(f"metadata.namespace {ns!r} is not a DNS-1123 label")
    meta = obj.get("metadata")
    if isinstance(meta, Mapping):
        errors += label_errors(meta.get("labels"))
    return errors


def _quantity_errors(path: str, resource: str, value, *, integer: bool) -> list[str]:
    q = parse_quantity(value)
    if q is None:
        return [f"{path} = {value!r} is not a Kubernetes quantity"]
    errors = []
    if q < 0:
        errors.append(f"{path} = {value!r} must be greater than or equal to 0")
    if integer and q != q.to_integral_value():
        errors.append(f"{path} = {value!r} must be an integer ({resource} is counted in whole units)")
    return errors


def _priority_class_rules(obj: Mapping, name: str) -> tuple[list[str], list[str]]:
    """``pkg/apis/scheduling/validation.ValidatePriorityClass``."""
    errors, warnings = [], []
    value = obj.get("value")
    if value is None:
        errors.append("value: required")
        return errors, warnings
    if isinstance(value, bool) or not isinstance(value, int):
        return errors, warnings  # the schema reports the type
    if not PRIORITY_VALUE_MIN <= value < 2**31:
        errors.append(f"value {value} is outside int32 [{PRIORITY_VALUE_MIN}, {2**31 - 1}]")
    if name.startswith("system-"):
        want = SYSTEM_PRIORITY_CLASSES.get(name)
        if want is None:
            errors.append(
                f"metadata.name {name!r}: priority class names with 'system-' prefix are reserved for system use "
                f"only (the built-in classes are {', '.join(SYSTEM_PRIORITY_CLASSES)})"
            )
        elif value != want or obj.get("globalDefault"):
            errors.append(f"metadata.name {name!r} is a built-in class: its value must be {want} and globalDefault false; got {value}")
        else:
            warnings.append(f"{name} is built in: every cluster already has it, so creating it returns AlreadyExists")
    elif value > PRIORITY_VALUE_MAX:
        errors.append(f"value {value}: maximum allowed value of a user defined priority is {PRIORITY_VALUE_MAX}")
    policy = obj.get("preemptionPolicy")
    if policy is not None and policy not in ("PreemptLowerPriority", "Never"):
        errors.append(f"preemptionPolicy must be PreemptLowerPriority or Never; got {policy!r}")
    return errors, warnings


def _quota_rules(obj: Mapping) -> tuple[list[str], list[str]]:
    """``pkg/apis/core/validation.ValidateResourceQuotaSpec`` (+ which items the pod evaluator tracks)."""
    errors, warnings = [], []
    spec = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
    hard = spec.get("hard") if isinstance(spec.get("hard"), Mapping) else {}
    for key, value in hard.items():
        path = f"spec.hard[{key!r}]"
        if not is_qualified_name(key):
            errors.append(f"{path}: {key!r} is not a valid resource name (a qualified name such as 'requests.nvidia.com/gpu')")
            continue
        if "/" not in key and not (key in _STANDARD_QUOTA_RESOURCES or key.startswith(("hugepages-", "requests.hugepages-"))):
            errors.append(f"{path}: {key!r} must be a standard quota resource ({', '.join(sorted(_STANDARD_QUOTA_RESOURCES))}) or fully qualified")
            continue
        errors += _quantity_errors(path, key, value, integer=key in _INTEGER_QUOTA_RESOURCES or _is_extended_resource(key))
        base = key.split(".", 1)[1] if key.startswith(("requests.", "limits.")) else key
        if _is_extended_resource(base) and not key.startswith(("requests.", "count/")):
            warnings.append(
                f"{path}: for extended resources only 'requests.' quota items are tracked; this item is "
                f"accepted but never counted in status.used: use 'requests.{base}' (kubernetes.io Resource Quotas)"
            )
    selector = spec.get("scopeSelector")
    exprs = selector.get("matchExpressions") if isinstance(selector, Mapping) else None
    scopes = list(spec.get("scopes") or []) if isinstance(spec.get("scopes"), list) else []
    for i, req in enumerate(exprs if isinstance(exprs, list) else []):
        if not isinstance(req, Mapping):
            continue
        path = f"spec.scopeSelector.matchExpressions[{i}]"
        scope, op, values = req.get("scopeName"), req.get("operator"), req.get("values") or []
        scopes.append(scope)
        if scope not in _QUOTA_SCOPES:
            errors.append(f"{path}.scopeName {scope!r}: unsupported scope ({', '.join(_QUOTA_SCOPES)})")
        if scope in _EXISTS_ONLY_SCOPES and op != "Exists":
            errors.append(f"{path}.operator must be 'Exists' for scope {scope}")
        if op in ("In", "NotIn") and not values:
            errors.append(f"{path}.values: at least one value when operator is In or NotIn")
        elif op in ("Exists", "DoesNotExist") and values:
            errors.append(f"{path}.values must be empty when operator is Exists or DoesNotExist")
        elif op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            errors.append(f"{path}.operator {op!r} is not a valid selector operator (In, NotIn, Exists, DoesNotExist)")
    for scope in scopes:
        if scope in ("Terminating", "NotTerminating", "NotBestEffort", "BestEffort"):
            allowed = {"pods"} if scope == "BestEffort" else _POD_COMPUTE
            bad = [k for k in hard if (k in _STANDARD_QUOTA_RESOURCES) and k not in allowed]
            if bad:
                errors.append(f"spec: scope {scope} does not apply to {bad}")
    for a, b in (("BestEffort", "NotBestEffort"), ("Terminating", "NotTerminating")):
        if a in scopes and b in scopes:
            errors.append(f"spec: conflicting scopes {a} and {b}")
    return errors, warnings


def _container_resource_errors(path: str, resources) -> list[str]:
    """``ValidateResourceRequirements``: names, non-negative, extended = integer and limit == request."""
    if not isinstance(resources, Mapping):
        return []
    errors = []
    limits = resources.get("limits") if isinstance(resources.get("limits"), Mapping) else {}
    requests = resources.get("requests") if isinstance(resources.get("requests"), Mapping) else {}
    for part, items in (("limits", limits), ("requests", requests)):
        for key, value in items.items():
            p = f"{path}.{part}[{key!r}]"
            if not isinstance(key, str):
                errors.append(f"{p}: resource names are strings")
                continue
            extended = _is_extended_resource(key)
            if not (extended or key in _STANDARD_CONTAINER_RESOURCES or key.startswith("hugepages-")):
                errors.append(f"{p}: {key!r} must be a standard resource (cpu, memory, ephemeral-storage, hugepages-*) "
                              "or an extended resource such as nvidia.com/gpu (no 'requests.' prefix in a pod)")
                continue
            errors += _quantity_errors(p, key, value, integer=extended)
    for key, value in requests.items():
        if not isinstance(key, str):
            continue
        q, lim = parse_quantity(value), parse_quantity(limits.get(key)) if key in limits else None
        overcommit_ok = key in _STANDARD_CONTAINER_RESOURCES
        if q is None or (key not in _STANDARD_CONTAINER_RESOURCES and not _is_extended_resource(key)):
            continue
        if key in limits and lim is not None:
            if not overcommit_ok and q != lim:
                errors.append(f"{path}.requests[{key!r}] must be equal to {key} limit of {limits[key]}")
            elif q > lim:
                errors.append(f"{path}.requests[{key!r}] must be less than or equal to {key} limit of {limits[key]}")
        elif not overcommit_ok:
            errors.append(f"{path}.limits[{key!r}]: Limit must be set for non overcommitable resources")
    return errors


def _pod_rules(obj: Mapping) -> list[str]:
    errors = []
    spec = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else None
    if spec is None:
        return ["spec: required"]
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        return ["spec.containers: at least one container is required"]
    seen = set()
    for i, c in enumerate(containers):
        if not isinstance(c, Mapping):
            continue
        cname = c.get("name")
        if not is_dns1123_label(cname):
            errors.append(f"spec.containers[{i}].name {cname!r} is not a DNS-1123 label")
        elif cname in seen:
            errors.append(f"spec.containers[{i}].name {cname!r}: Duplicate value")
        else:
            seen.add(cname)
        if not c.get("image"):
            errors.append(f"spec.containers[{i}].image: required")
        errors += _container_resource_errors(f"spec.containers[{i}].resources", c.get("resources"))
    pcn = spec.get("priorityClassName")
    if pcn is not None and not is_dns1123_subdomain(pcn):
        errors.append(f"spec.priorityClassName {pcn!r} is not a DNS-1123 subdomain")
    errors += label_errors(spec.get("nodeSelector"), "spec.nodeSelector")
    return errors


def _server_rules(kind: str, obj: Mapping, name: str) -> tuple[list[str], list[str]]:
    """Rules the API server applies that the vendored JSON schemas do not express."""
    errors: list[str] = []
    warnings: list[str] = []
    if kind == "PriorityClass":
        errors, warnings = _priority_class_rules(obj, name)
    elif kind == "ResourceQuota":
        errors, warnings = _quota_rules(obj)
    elif kind == "Pod":
        errors = _pod_rules(obj)
    elif kind == "Namespace":
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
        labels = meta.get("labels") or {}
        if isinstance(labels, Mapping) and any("priority" in str(k).lower() for k in labels):
            warnings.append(
                "a namespace label assigns no priority: pods set spec.priorityClassName (or get the "
                "globalDefault class); to restrict which classes a namespace may use, give it a ResourceQuota "
                "with a PriorityClass scopeSelector (gpu_k8s.priority_quota_manifest)"
            )
    elif kind == "ConfigMap":
        data = obj.get("data") or {}
        text = " ".join(str(v) for v in data.values()) if isinstance(data, Mapping) else ""
        if "fairsharing" in text.lower().replace("_", "").replace("-", "") or "fair-share" in name:
            warnings.append(
                "no Kubernetes component reads this ConfigMap: kube-scheduler has no weighted "
                "fair-share queueing, so these weights do nothing. Use Kueue: "
                "ClusterQueue.spec.fairSharing.weight per tenant and fairSharing in Kueue's "
                "Configuration (kueue_manifests, kueue_fair_sharing_config)"
            )
    return errors, warnings


def _kueue_webhook_rules(kind: str, obj: Mapping, ns) -> list[str]:
    """Kueue v0.19.2 ``pkg/webhooks`` (clusterqueue_webhook.go, common.go, resourceflavor_webhook.go)."""
    errors: list[str] = []
    spec = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
    if kind == "LocalQueue" and ns is None:
        errors.append("metadata.namespace: a LocalQueue is namespaced; set the tenant's namespace")
    if kind == "ResourceFlavor":
        errors += label_errors(spec.get("nodeLabels"), "spec.nodeLabels")
    if kind != "ClusterQueue":
        return errors
    has_cohort = bool(spec.get("cohortName") or spec.get("cohort"))
    seen_res, seen_flavors = set(), set()
    for gi, group in enumerate(spec.get("resourceGroups") or []):
        covered = group.get("coveredResources") or []
        for ri, r in enumerate(covered):
            if not is_qualified_name(r):
                errors.append(f"spec.resourceGroups[{gi}].coveredResources[{ri}] {r!r} is not a qualified name")
            if r in seen_res:
                errors.append(f"spec.resourceGroups[{gi}].coveredResources[{ri}]: Duplicate value: {r!r} (already in a resource group)")
            seen_res.add(r)
        for fi, flav in enumerate(group.get("flavors") or []):
            fp = f"spec.resourceGroups[{gi}].flavors[{fi}]"
            if flav.get("name") in seen_flavors:
                errors.append(f"{fp}.name: Duplicate value: {flav.get('name')!r}")
            seen_flavors.add(flav.get("name"))
            for ri, res in enumerate((flav.get("resources") or [])[: len(covered)]):
                rp = f"{fp}.resources[{ri}]"
                if res.get("name") != covered[ri]:
                    errors.append(f"{rp}.name {res.get('name')!r} must match the name in coveredResources ({covered[ri]!r})")
                for lim in ("nominalQuota", "borrowingLimit", "lendingLimit"):
                    if lim in res:
                        q = parse_quantity(res[lim])
                        if q is not None and q < 0:
                            errors.append(f"{rp}.{lim} = {res[lim]!r} must be greater than or equal to 0")
                        if lim != "nominalQuota" and not has_cohort:
                            errors.append(f"{rp}.{lim} must be nil when cohort is empty")
                lend, nominal = parse_quantity(res.get("lendingLimit")), parse_quantity(res.get("nominalQuota"))
                if lend is not None and nominal is not None and lend > nominal:
                    errors.append(f"{rp}.lendingLimit must be less than or equal to the nominalQuota")
    weight = (spec.get("fairSharing") or {}).get("weight")
    w = parse_quantity(weight)
    if w is not None and (w < 0 or 0 < w <= parse_quantity("1n")):
        errors.append(f"spec.fairSharing.weight = {weight!r}: must be >= 0, and when not 0 > 1e-9")
    sel = spec.get("namespaceSelector")
    if isinstance(sel, Mapping):
        errors += label_errors(sel.get("matchLabels"), "spec.namespaceSelector.matchLabels")
    return errors


def validate_manifest(obj) -> ValidationReport:
    """Validate one manifest dict; see the module docstring for what is and is not checked.

    >>> bad = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "Team_A"}}
    >>> validate_manifest(bad).errors
    ("metadata.name 'Team_A' is not a DNS-1123 label (1-63 lowercase letters, digits and '-', starting and ending with a letter or digit)",)
    >>> pc = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "system-ml"}, "value": 10}
    >>> validate_manifest(pc).ok
    False
    """
    if not isinstance(obj, Mapping):
        raise ValueError(f"obj must be a manifest dict; got {type(obj).__name__}")
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    typed = isinstance(api_version, str) and isinstance(kind, str)  # a list here must not crash the lookup
    name, ns, errors = _meta(obj)
    warnings: list[str] = []
    checked: list[str] = []
    if typed and (api_version, kind) in k8s_schemas.CORE_KINDS:
        _, namespaced = k8s_schemas.CORE_KINDS[(api_version, kind)]
        errors += k8s_schemas.core_errors(obj)
        checked.append(f"Kubernetes {k8s_schemas.KUBERNETES_VERSION} JSON schema ({kind})")
        errors += _name_rules(kind, obj, name, ns, namespaced)
        errs, warns = _server_rules(kind, obj, name)
        errors += errs
        warnings += warns
        checked.append("API-server rules (names, labels, quantities, quota names and scopes, priority classes, container resources)")
        if not namespaced and ns is not None:
            warnings.append(f"metadata.namespace is ignored: {kind} is cluster-scoped")
    elif typed and kind in k8s_schemas.KUEUE_KINDS and api_version.startswith(k8s_schemas.KUEUE_GROUP + "/"):
        schema_errors = k8s_schemas.crd_errors(obj)
        errors += schema_errors
        checked.append(f"Kueue {k8s_schemas.KUEUE_VERSION} CRD schema ({api_version}) with defaults, list types and CEL rules")
        meta = obj.get("metadata")
        if isinstance(meta, Mapping):
            errors += k8s_schemas.object_meta_errors(meta)
        errors += _name_rules(kind, obj, name, ns, k8s_schemas.KUEUE_KINDS[kind][1])
        if not schema_errors:
            errors += _kueue_webhook_rules(kind, obj, ns)
            checked.append(f"Kueue {k8s_schemas.KUEUE_VERSION} validating webhooks")
        if str(api_version).endswith("/v1beta1"):
            warnings.append(f"{api_version} is deprecated (Kueue stores v1beta2 since v0.16 and plans to remove v1beta1); "
                            "write kueue.x-k8s.io/v1beta2 (spec.cohort is spec.cohortName there)")
    else:
        kinds = sorted({k for _, k in k8s_schemas.CORE_KINDS} | set(k8s_schemas.KUEUE_KINDS))
        errors.append(
            f"apiVersion/kind {api_version!r}/{kind!r} is not one this validator knows ({', '.join(kinds)}; "
            f"Kueue kinds as {' or '.join(KUEUE_API_VERSIONS)})"
        )
    return ValidationReport(
        kind=str(kind), name=name, errors=tuple(dict.fromkeys(errors)), warnings=tuple(warnings), checked_by=tuple(checked)
    )


def validate_manifests(objs) -> list[ValidationReport]:
    """Validate each manifest, then the references between them (LocalQueue → ClusterQueue,
    ClusterQueue flavor → ResourceFlavor) when both sides are in ``objs``.
    """
    if isinstance(objs, Mapping) or not isinstance(objs, Iterable) or isinstance(objs, (str, bytes)):
        raise ValueError("objs must be an iterable of manifest dicts")
    objs = list(objs)
    reports = [validate_manifest(o) for o in objs]
    names = {(r.kind, r.name) for r in reports}
    kueue_present = any(r.kind in ("ClusterQueue", "ResourceFlavor") for r in reports)
    out = []
    for obj, rep in zip(objs, reports):
        extra: list[str] = []
        spec = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
        cq = spec.get("clusterQueue")
        if kueue_present and rep.kind == "LocalQueue" and isinstance(cq, str) and ("ClusterQueue", cq) not in names:
            extra.append(f"spec.clusterQueue {spec.get('clusterQueue')!r} names no ClusterQueue in this bundle")
        if rep.kind == "ClusterQueue" and any(r.kind == "ResourceFlavor" for r in reports):
            groups = spec.get("resourceGroups") if isinstance(spec.get("resourceGroups"), list) else []
            for group in groups:
                flavors = group.get("flavors") if isinstance(group, Mapping) else None
                for flav in flavors if isinstance(flavors, list) else []:
                    fname = flav.get("name") if isinstance(flav, Mapping) else None
                    if isinstance(fname, str) and ("ResourceFlavor", fname) not in names:
                        extra.append(f"flavor {fname!r} names no ResourceFlavor in this bundle")
        out.append(rep if not extra else ValidationReport(rep.kind, rep.name, rep.errors + tuple(extra), rep.warnings, rep.checked_by))
    return out


# --------------------------------------------------------------------------------------------
# The course text's manifest, quoted, for the notebook to check
# --------------------------------------------------------------------------------------------

COURSE_TEXT_MANIFEST_YAML = """\
apiVersion: v1
kind: Namespace
metadata:
  name: ml-team-alpha
  labels:
    resource-quota: "high"
    priority-class: "research"
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: ml-team-alpha-quota
  namespace: ml-team-alpha
spec:
  hard:
    requests.cpu: "100"
    requests.memory: "200Gi"
    requests.nvidia.com/gpu: "8"
    limits.cpu: "200"
    limits.memory: "400Gi"
    limits.nvidia.com/gpu: "8"
    persistentvolumeclaims: "10"
    count/jobs.batch: "20"
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: ml-high-priority
value: 1000
globalDefault: false
description: "High priority class for production ML workloads"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: fair-share-config
  namespace: kube-system
data:
  config.yaml: |
    fairSharing:
      enabled: true
      users:
        team-alpha:
          weight: 30
          maxRunningJobs: 10
        team-beta:
          weight: 25
          maxRunningJobs: 8
        team-gamma:
          weight: 20
          maxRunningJobs: 6
      queues:
        production:
          weight: 50
          priority: high
        research:
          weight: 30
          priority: medium
        development:
          weight: 20
          priority: low
"""
"""The course text's ``kubernetes_cluster_config.yaml`` (section 6), verbatim."""


def course_text_fair_share_weights(yaml_text: str = COURSE_TEXT_MANIFEST_YAML) -> dict[str, dict]:
    """Read the per-team weights out of the course text's fair-share ConfigMap.

    >>> course_text_fair_share_weights()["team-alpha"]
    {'weight': 30, 'max_running_jobs': 10}
    """
    import yaml

    for doc in load_yaml(yaml_text):
        if doc.get("kind") == "ConfigMap" and "config.yaml" in (doc.get("data") or {}):
            try:
                cfg = yaml.safe_load(doc["data"]["config.yaml"]) or {}
                users = cfg["fairSharing"]["users"]
                return {
                    team: {"weight": v["weight"], "max_running_jobs": v["maxRunningJobs"]}
                    for team, v in users.items()
                }
            except (KeyError, TypeError, AttributeError, yaml.YAMLError):
                raise ValueError("yaml_text's fair-share ConfigMap has no fairSharing.users table") from None
    raise ValueError("yaml_text holds no ConfigMap with a config.yaml key")
