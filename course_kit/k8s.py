"""Multi-tenant Kubernetes manifests for ML teams, validated against the API schema (section 6).

From a small :class:`TenantSpec` (team, CPU, memory, GPUs, job count, priority, fair-share weight)
this module generates the Namespace, ResourceQuota and PriorityClass a cluster would accept, and
the Kueue objects (ResourceFlavor, ClusterQueue, LocalQueue) that provide the weighted fair
sharing the seed tried to configure with a ConfigMap.

What the seed got wrong, and what is done instead:

* ``limits.nvidia.com/gpu`` in a ResourceQuota: for extended resources "only quota items with
  prefix ``requests.`` are allowed"; the API server accepts ``limits.nvidia.com/gpu`` but never
  tracks it in ``status.used`` (docs/sources.md#erratum-46; kubernetes.io "Resource Quotas", section
  "Resource quota for extended resources"; NVIDIA/k8s-device-plugin #211). Generated quotas use
  only ``requests.nvidia.com/gpu``.
* The ``fair-share-config`` ConfigMap in ``kube-system`` is a valid ConfigMap that **no component
  reads**: kube-scheduler has no weighted fair-share queueing (docs/sources.md#erratum-48). Weighted
  fair sharing comes from an add-on; here Kueue: ``ClusterQueue.spec.fairSharing.weight`` per
  tenant, all tenants in one ``cohort``, and ``fairSharing.enable: true`` in Kueue's own
  Configuration (kubernetes-sigs/kueue PR #2070; ``apis/kueue/v1beta1/fairsharing_types.go``).

Validation (:func:`validate_manifest`):

* Core objects (Namespace, ResourceQuota, PriorityClass, ConfigMap) are checked with the official
  ``kubernetes`` Python client's models, which are generated from the Kubernetes OpenAPI schema:
  unknown fields and wrong types are refused (``model_validate`` on the client's pydantic models,
  which forbid extra fields — kubernetes 37.0.2 here; older, pre-pydantic clients get a walk over
  the models' ``openapi_types`` / ``attribute_map`` instead, untested here). Rules the
  API server enforces but the models do not express — required ``metadata.name``, DNS-1123 names,
  PriorityClass ``value`` ≤ 1,000,000,000, quantity syntax (``kubernetes.utils.parse_quantity``),
  the ``requests.`` rule for extended resources — are checked here and reported as such.
* Kueue objects are custom resources: the ``kubernetes`` client has no models for them. They are
  checked against the structure of Kueue's ``v1beta1`` Go types (field names, enums, list sizes,
  quantities, DNS-1123 references, "every flavor lists the covered resources", "borrowingLimit only
  with a cohort"). Not checked: Kueue's webhooks, the remaining CEL rules, defaults, and whether
  Kueue is installed. Kueue ≥ 0.15 also serves ``v1beta2`` (``cohort`` renamed ``cohortName``).

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

from course_kit._validate import check_int, check_number

__all__ = [
    "GPU_RESOURCE",
    "PRIORITY_VALUE_MAX",
    "PRIORITY_VALUE_MIN",
    "KUEUE_API_VERSION",
    "TenantSpec",
    "is_dns1123_label",
    "is_dns1123_subdomain",
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
    "SEED_MANIFEST_YAML",
    "seed_fair_share_weights",
]

GPU_RESOURCE = "nvidia.com/gpu"
"""Extended resource advertised by the NVIDIA device plugin."""

PRIORITY_VALUE_MAX = 1_000_000_000
"""User PriorityClass values: any 32-bit integer ≤ 1 billion; larger ones are reserved for the
built-in ``system-`` classes (kubernetes.io "Pod Priority and Preemption", PriorityClass)."""
PRIORITY_VALUE_MIN = -(2**31)

KUEUE_API_VERSION = "kueue.x-k8s.io/v1beta1"

_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
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


def _parse_quantity(value):
    """``kubernetes.utils.parse_quantity`` (Decimal), or ``None`` if the text is not a quantity."""
    from kubernetes.utils import parse_quantity

    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        return parse_quantity(value)
    except Exception:  # noqa: BLE001 - the parser raises ValueError or decimal errors
        return None


# --------------------------------------------------------------------------------------------
# Tenant spec and core manifests
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TenantSpec:
    """One team's share of the cluster.

    ``team`` names the namespace (a DNS-1123 label). ``cpu`` (cores) and ``memory_gib`` are the
    quota on requests; limits are ``limit_factor`` × requests (the seed used 2×). ``gpus`` is the
    quota on ``requests.nvidia.com/gpu`` (0 forbids GPU pods). ``max_jobs`` caps Job objects
    (``count/jobs.batch``). ``priority`` is the PriorityClass value. ``weight`` is the Kueue
    fair-sharing weight (0 = always last when competing for unused quota).

    >>> TenantSpec("team-beta", cpu=50, memory_gib=100, gpus=-1, max_jobs=8, priority=500)
    Traceback (most recent call last):
    ...
    ValueError: gpus must be an integer >= 0; got -1
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
    """The tenant's Namespace, labelled with its team and priority class.

    >>> namespace_manifest(TenantSpec("team-a", 8, 32, 1, 5, 100))["metadata"]["name"]
    'team-a'
    """
    spec = _check_spec(spec)
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": spec.namespace,
            "labels": {"team": spec.team, "priority-class": spec.priority_class_name},
        },
    }


def resource_quota_manifest(spec: TenantSpec) -> dict:
    """ResourceQuota: requests and limits for CPU/memory, ``requests.nvidia.com/gpu``, job count.

    GPU quota uses only the ``requests.`` prefix (docs/sources.md#erratum-46): extended resources cannot be
    overcommitted, so a ``limits.`` item would be redundant and is not tracked.

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
# Kueue: weighted fair sharing instead of the seed's ConfigMap
# --------------------------------------------------------------------------------------------


def resource_flavor_manifest(name: str = "default-flavor", node_labels: Mapping[str, str] | None = None) -> dict:
    """A Kueue ResourceFlavor (cluster-scoped); ``node_labels`` (≤ 8) tie it to a node pool.

    >>> resource_flavor_manifest()["kind"]
    'ResourceFlavor'
    """
    if not is_dns1123_subdomain(name):
        raise ValueError(f"name must be a DNS-1123 subdomain ({_DNS_RULE}); got {name!r}")
    spec: dict = {}
    if node_labels:
        if not isinstance(node_labels, Mapping) or len(node_labels) > 8 or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in node_labels.items()
        ):
            raise ValueError(f"node_labels must map at most 8 strings to strings; got {node_labels!r}")
        spec["nodeLabels"] = dict(node_labels)
    return {"apiVersion": KUEUE_API_VERSION, "kind": "ResourceFlavor", "metadata": {"name": name}, "spec": spec}


def cluster_queue_manifest(
    spec: TenantSpec,
    *,
    cohort: str = "ml-cluster",
    flavor: str = "default-flavor",
    borrowing_limit_fraction: float | None = None,
) -> dict:
    """A Kueue ClusterQueue for one tenant: nominal quota = the tenant's quota, weight = ``spec.weight``.

    All tenants share ``cohort``, so unused quota can be borrowed; with fair sharing enabled Kueue
    admits from the queue with the lowest weighted share of borrowed resources and preempts from
    the highest (``fairsharing_types.go``: "share ... divided by the weight"). The namespace
    selector uses the ``kubernetes.io/metadata.name`` label every Namespace carries.

    >>> cq = cluster_queue_manifest(TenantSpec("team-a", 8, 32, 2, 5, 100, weight=30))
    >>> cq["spec"]["fairSharing"], cq["spec"]["resourceGroups"][0]["coveredResources"]
    ({'weight': '30'}, ['cpu', 'memory', 'nvidia.com/gpu'])
    """
    spec = _check_spec(spec)
    if not is_dns1123_subdomain(cohort):
        raise ValueError(f"cohort must be a DNS-1123 subdomain ({_DNS_RULE}); got {cohort!r}")
    if not is_dns1123_subdomain(flavor):
        raise ValueError(f"flavor must be a DNS-1123 subdomain ({_DNS_RULE}); got {flavor!r}")
    quotas = [
        ("cpu", cpu_quantity(spec.cpu), spec.cpu),
        ("memory", memory_quantity(spec.memory_gib), spec.memory_gib),
        (GPU_RESOURCE, str(int(spec.gpus)), spec.gpus),
    ]
    resources = []
    for name, nominal, amount in quotas:
        entry = {"name": name, "nominalQuota": nominal}
        if borrowing_limit_fraction is not None:
            frac = check_number("borrowing_limit_fraction", borrowing_limit_fraction, low=0, high=100)
            if name == "cpu":
                entry["borrowingLimit"] = cpu_quantity(max(amount * frac, 0.001))
            elif name == "memory":
                entry["borrowingLimit"] = memory_quantity(max(amount * frac, 1 / 1024))
            else:
                entry["borrowingLimit"] = str(int(math.floor(amount * frac)))
        resources.append(entry)
    return {
        "apiVersion": KUEUE_API_VERSION,
        "kind": "ClusterQueue",
        "metadata": {"name": f"{spec.team}-cq"},
        "spec": {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": spec.namespace}},
            "cohort": cohort,
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


def local_queue_manifest(spec: TenantSpec) -> dict:
    """The LocalQueue in the tenant's namespace; Jobs opt in with the label
    ``kueue.x-k8s.io/queue-name: <team>-queue``.

    >>> local_queue_manifest(TenantSpec("team-a", 8, 32, 1, 5, 100))["spec"]
    {'clusterQueue': 'team-a-cq'}
    """
    spec = _check_spec(spec)
    return {
        "apiVersion": KUEUE_API_VERSION,
        "kind": "LocalQueue",
        "metadata": {"name": f"{spec.team}-queue", "namespace": spec.namespace},
        "spec": {"clusterQueue": f"{spec.team}-cq"},
    }


def kueue_fair_sharing_config() -> dict:
    """The part of Kueue's own Configuration that switches fair sharing on.

    It is the ``controller_manager_config.yaml`` key of the ``kueue-manager-config`` ConfigMap in
    ``kueue-system`` — a ConfigMap that, unlike the seed's, a controller actually reads. The two
    preemption strategies are Kueue's documented default (``apis/config/v1beta1``, FairSharing).

    >>> kueue_fair_sharing_config()["fairSharing"]["enable"]
    True
    """
    return {
        "apiVersion": "config.kueue.x-k8s.io/v1beta1",
        "kind": "Configuration",
        "fairSharing": {
            "enable": True,
            "preemptionStrategies": ["LessThanOrEqualToFinalShare", "LessThanInitialShare"],
        },
    }


def kueue_manifests(
    specs: Iterable[TenantSpec],
    *,
    cohort: str = "ml-cluster",
    flavor: str = "default-flavor",
    borrowing_limit_fraction: float | None = None,
) -> list[dict]:
    """ResourceFlavor + one ClusterQueue and LocalQueue per tenant, validated as a bundle.

    >>> specs = [TenantSpec("team-alpha", 100, 200, 8, 10, 1000, weight=30),
    ...          TenantSpec("team-beta", 80, 160, 6, 8, 800, weight=25)]
    >>> [o["kind"] for o in kueue_manifests(specs)]
    ['ResourceFlavor', 'ClusterQueue', 'LocalQueue', 'ClusterQueue', 'LocalQueue']
    """
    if isinstance(specs, TenantSpec) or not isinstance(specs, Iterable):
        raise ValueError("specs must be an iterable of TenantSpec")
    specs = [_check_spec(s) for s in specs]
    if not specs:
        raise ValueError("specs must hold at least one TenantSpec; got none")
    teams = [s.team for s in specs]
    if len(set(teams)) != len(teams):
        raise ValueError(f"specs must have distinct team names; got {teams}")
    objs = [resource_flavor_manifest(flavor)]
    for spec in specs:
        objs.append(
            cluster_queue_manifest(
                spec, cohort=cohort, flavor=flavor, borrowing_limit_fraction=borrowing_limit_fraction
            )
        )
        objs.append(local_queue_manifest(spec))
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

    >>> [o["kind"] for o in load_yaml(SEED_MANIFEST_YAML)]
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

    ``errors``: the API server (or Kueue's CRD schema) would refuse the object.
    ``warnings``: accepted, but it will not do what its author expects.
    ``checked_by``: what did the checking (client model, Kueue structural schema, server rules).
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


_CORE_KINDS = {
    ("v1", "Namespace"): ("V1Namespace", False),
    ("v1", "ResourceQuota"): ("V1ResourceQuota", True),
    ("v1", "ConfigMap"): ("V1ConfigMap", True),
    ("scheduling.k8s.io/v1", "PriorityClass"): ("V1PriorityClass", False),
}
_KUEUE_KINDS = {"ResourceFlavor": False, "ClusterQueue": False, "LocalQueue": True}


def _model_errors(model_name: str, obj: Mapping) -> list[str]:
    """Schema errors from the official client's model for ``obj`` (unknown fields, wrong types)."""
    from kubernetes import client

    model = getattr(client, model_name)
    if hasattr(model, "model_validate"):  # pydantic models (kubernetes 37.0.2 here), extra="forbid"
        try:
            model.model_validate(dict(obj))
        except Exception as exc:  # noqa: BLE001 - pydantic.ValidationError (or TypeError)
            errors = getattr(exc, "errors", None)
            if callable(errors):
                out = []
                for err in errors():
                    loc = ".".join(str(p) for p in err.get("loc", ()))
                    msg = err.get("msg", "invalid")
                    if err.get("type") == "extra_forbidden":
                        msg = "unknown field (not in the Kubernetes API schema)"
                    out.append(f"{loc}: {msg}")
                return out or [str(exc)]
            return [str(exc)]
        return []
    return _walk_openapi(model, obj, "")  # pragma: no cover - older clients


_PRIMITIVES = {"str": str, "int": int, "bool": bool, "float": (int, float), "object": object}


def _walk_openapi(model, obj, path: str) -> list[str]:  # pragma: no cover - older clients
    """Check ``obj`` against a pre-pydantic client model's ``openapi_types`` / ``attribute_map``."""
    from kubernetes import client

    if not isinstance(obj, Mapping):
        return [f"{path or '<root>'}: expected an object"]
    by_json = {v: k for k, v in model.attribute_map.items()}
    errors = []
    for key, value in obj.items():
        if key not in by_json:
            errors.append(f"{path}{key}: unknown field")
            continue
        errors += _walk_type(model.openapi_types[by_json[key]], value, f"{path}{key}", client)
    return errors


def _walk_type(type_name: str, value, path: str, client) -> list[str]:  # pragma: no cover
    m = re.match(r"^(?:list|List)\[(.+)\]$", type_name)
    if m:
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [e for i, v in enumerate(value) for e in _walk_type(m.group(1), v, f"{path}[{i}]", client)]
    m = re.match(r"^(?:dict\(str, |Dict\[str, )(.+)[\)\]]$", type_name)
    if m:
        if not isinstance(value, Mapping):
            return [f"{path}: expected a map"]
        return [e for k, v in value.items() for e in _walk_type(m.group(1), v, f"{path}.{k}", client)]
    if type_name in _PRIMITIVES:
        py = _PRIMITIVES[type_name]
        if type_name == "int" and isinstance(value, bool):
            return [f"{path}: expected int"]
        return [] if isinstance(value, py) else [f"{path}: expected {type_name}"]
    if type_name == "datetime":
        return []
    sub = getattr(client, type_name, None)
    if sub is None:
        return []
    return _walk_openapi(sub, value, path + ".")


def _meta(obj: Mapping) -> tuple[str, str | None, list[str]]:
    errors = []
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        return "<unnamed>", None, ["metadata: required (an object with at least a name)"]
    name = meta.get("name")
    ns = meta.get("namespace")
    if not isinstance(name, str) or not name:
        errors.append("metadata.name: required")
        name = "<unnamed>"
    return name, ns, errors


def _server_rules(kind: str, obj: Mapping, name: str, ns) -> tuple[list[str], list[str]]:
    """Rules the API server applies that the client models do not express."""
    errors: list[str] = []
    warnings: list[str] = []
    if kind == "Namespace":
        if name != "<unnamed>" and not is_dns1123_label(name):
            errors.append(f"metadata.name {name!r} is not a DNS-1123 label (1-63 {_DNS_RULE})")
    elif name != "<unnamed>" and not is_dns1123_subdomain(name):
        errors.append(f"metadata.name {name!r} is not a DNS-1123 subdomain ({_DNS_RULE})")
    if ns is not None and not is_dns1123_label(ns):
        errors.append(f"metadata.namespace {ns!r} is not a DNS-1123 label")
    if kind == "PriorityClass":
        value = obj.get("value")
        if value is None:
            errors.append("value: required")
        elif isinstance(value, int) and not isinstance(value, bool):
            if value > PRIORITY_VALUE_MAX and not name.startswith("system-"):
                errors.append(
                    f"value {value} > {PRIORITY_VALUE_MAX:,}: larger values are reserved for system classes"
                )
            if value < PRIORITY_VALUE_MIN:
                errors.append(f"value {value} is below the 32-bit minimum {PRIORITY_VALUE_MIN}")
        policy = obj.get("preemptionPolicy")
        if policy is not None and policy not in ("PreemptLowerPriority", "Never"):
            errors.append(f"preemptionPolicy must be PreemptLowerPriority or Never; got {policy!r}")
    if kind == "ResourceQuota":
        spec = obj.get("spec") or {}
        hard = (spec.get("hard") or {}) if isinstance(spec, Mapping) else {}
        if isinstance(hard, Mapping):
            for key, value in hard.items():
                key = str(key)
                if _parse_quantity(value) is None:
                    errors.append(f"spec.hard[{key!r}] = {value!r} is not a Kubernetes quantity")
                base = key.split(".", 1)[1] if key.startswith(("requests.", "limits.")) else key
                extended = "/" in base and not base.startswith(("count/", "kubernetes.io/")) and "." in base.split("/")[0]
                if not extended:
                    continue
                if key.startswith("limits."):
                    warnings.append(
                        f"spec.hard[{key!r}]: for extended resources only 'requests.' quota items are "
                        f"tracked; this item is accepted but never counted in status.used — use "
                        f"'requests.{base}' (docs/sources.md#erratum-46)"
                    )
                elif not key.startswith("requests."):
                    warnings.append(
                        f"spec.hard[{key!r}]: a bare extended-resource key does not limit anything; "
                        f"use 'requests.{base}' (docs/sources.md#scheduling)"
                    )
    if kind == "ConfigMap":
        data = obj.get("data") or {}
        text = " ".join(str(v) for v in data.values()) if isinstance(data, Mapping) else ""
        if "fairsharing" in text.lower().replace("_", "").replace("-", "") or "fair-share" in name:
            warnings.append(
                "no Kubernetes component reads this ConfigMap: kube-scheduler has no weighted "
                "fair-share queueing, so these weights do nothing (docs/sources.md#erratum-48). Use Kueue: "
                "ClusterQueue.spec.fairSharing.weight per tenant, fairSharing.enable in Kueue's "
                "Configuration (kueue_manifests, kueue_fair_sharing_config)"
            )
    return errors, warnings


# Kueue v1beta1 structure, from kubernetes-sigs/kueue apis/kueue/v1beta1/*_types.go
_CQ_SPEC_FIELDS = {
    "resourceGroups", "cohort", "queueingStrategy", "namespaceSelector", "flavorFungibility",
    "preemption", "admissionChecks", "admissionChecksStrategy", "stopPolicy", "fairSharing",
    "admissionScope", "excludeResourcePrefixes",
}
_ENUMS = {
    "queueingStrategy": ("StrictFIFO", "BestEffortFIFO"),
    "stopPolicy": ("None", "Hold", "HoldAndDrain"),
    "reclaimWithinCohort": ("Never", "LowerPriority", "Any"),
    "withinClusterQueue": ("Never", "LowerPriority", "LowerOrNewerEqualPriority"),
    "whenCanBorrow": ("MayStopSearch", "TryNextFlavor", "Borrow"),
    "whenCanPreempt": ("MayStopSearch", "TryNextFlavor", "Preempt"),
}


def _kueue_quantity(path: str, value, errors: list[str], *, required: bool = True) -> None:
    if value is None:
        if required:
            errors.append(f"{path}: required")
        return
    q = _parse_quantity(value)
    if q is None:
        errors.append(f"{path} = {value!r} is not a Kubernetes quantity")
    elif q < 0:
        errors.append(f"{path} = {value!r} must be non-negative")


def _unknown(path: str, obj: Mapping, allowed: set, errors: list[str]) -> None:
    for key in obj:
        if key not in allowed:
            errors.append(f"{path}{key}: unknown field")


def _kueue_errors(kind: str, obj: Mapping, ns) -> list[str]:
    errors: list[str] = []
    _unknown("", obj, {"apiVersion", "kind", "metadata", "spec", "status"}, errors)
    spec = obj.get("spec", {})
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        return errors + ["spec: expected an object"]
    if kind == "ResourceFlavor":
        _unknown("spec.", spec, {"nodeLabels", "nodeTaints", "tolerations", "topologyName"}, errors)
        for key in ("nodeLabels",):
            labels = spec.get(key)
            if labels is not None and (not isinstance(labels, Mapping) or len(labels) > 8):
                errors.append(f"spec.{key}: a map of at most 8 labels")
        for key in ("nodeTaints", "tolerations"):
            items = spec.get(key)
            if items is not None and (not isinstance(items, list) or len(items) > 8):
                errors.append(f"spec.{key}: a list of at most 8 items")
    elif kind == "LocalQueue":
        if ns is None:
            errors.append("metadata.namespace: a LocalQueue is namespaced; set the tenant's namespace")
        _unknown("spec.", spec, {"clusterQueue", "stopPolicy", "fairSharing"}, errors)
        cq = spec.get("clusterQueue")
        if not is_dns1123_subdomain(cq):
            errors.append(f"spec.clusterQueue {cq!r} must name a ClusterQueue (DNS-1123 subdomain)")
        _kueue_enum("spec.stopPolicy", "stopPolicy", spec.get("stopPolicy"), errors)
    elif kind == "ClusterQueue":
        _unknown("spec.", spec, _CQ_SPEC_FIELDS, errors)
        cohort = spec.get("cohort")
        if cohort is not None and not is_dns1123_subdomain(cohort):
            errors.append(f"spec.cohort {cohort!r} is not a DNS-1123 subdomain")
        _kueue_enum("spec.queueingStrategy", "queueingStrategy", spec.get("queueingStrategy"), errors)
        _kueue_enum("spec.stopPolicy", "stopPolicy", spec.get("stopPolicy"), errors)
        sel = spec.get("namespaceSelector")
        if sel is not None:
            errors += [f"spec.namespaceSelector.{e}" for e in _model_errors("V1LabelSelector", sel)]
        pre = spec.get("preemption")
        if pre is not None:
            if not isinstance(pre, Mapping):
                errors.append("spec.preemption: expected an object")
            else:
                _unknown("spec.preemption.", pre, {"reclaimWithinCohort", "borrowWithinCohort", "withinClusterQueue"}, errors)
                for key in ("reclaimWithinCohort", "withinClusterQueue"):
                    _kueue_enum(f"spec.preemption.{key}", key, pre.get(key), errors)
        ff = spec.get("flavorFungibility")
        if isinstance(ff, Mapping):
            _unknown("spec.flavorFungibility.", ff, {"whenCanBorrow", "whenCanPreempt"}, errors)
            for key in ("whenCanBorrow", "whenCanPreempt"):
                _kueue_enum(f"spec.flavorFungibility.{key}", key, ff.get(key), errors)
        fs = spec.get("fairSharing")
        if fs is not None:
            if not isinstance(fs, Mapping):
                errors.append("spec.fairSharing: expected an object")
            else:
                _unknown("spec.fairSharing.", fs, {"weight"}, errors)
                _kueue_quantity("spec.fairSharing.weight", fs.get("weight"), errors, required=False)
        groups = spec.get("resourceGroups", [])
        if not isinstance(groups, list) or len(groups) > 16:
            errors.append("spec.resourceGroups: a list of at most 16 groups")
            groups = []
        seen_resources: set = set()
        seen_flavors: set = set()
        for gi, group in enumerate(groups):
            p = f"spec.resourceGroups[{gi}]"
            if not isinstance(group, Mapping):
                errors.append(f"{p}: expected an object")
                continue
            _unknown(p + ".", group, {"coveredResources", "flavors"}, errors)
            covered = group.get("coveredResources")
            if not isinstance(covered, list) or not 1 <= len(covered) <= 64:
                errors.append(f"{p}.coveredResources: required, 1-64 resource names")
                covered = []
            for r in covered:
                if r in seen_resources:
                    errors.append(f"{p}.coveredResources: {r!r} is already in another resource group")
                seen_resources.add(r)
            flavors = group.get("flavors")
            if not isinstance(flavors, list) or not 1 <= len(flavors) <= 64:
                errors.append(f"{p}.flavors: required, 1-64 flavors")
                flavors = []
            for fi, flav in enumerate(flavors):
                fp = f"{p}.flavors[{fi}]"
                if not isinstance(flav, Mapping):
                    errors.append(f"{fp}: expected an object")
                    continue
                _unknown(fp + ".", flav, {"name", "resources"}, errors)
                fname = flav.get("name")
                if not is_dns1123_subdomain(fname):
                    errors.append(f"{fp}.name {fname!r} must be a DNS-1123 subdomain")
                if fname in seen_flavors:
                    errors.append(f"{fp}.name {fname!r} appears in another resource group")
                seen_flavors.add(fname)
                res = flav.get("resources")
                if not isinstance(res, list) or not 1 <= len(res) <= 64:
                    errors.append(f"{fp}.resources: required, 1-64 entries")
                    continue
                names = [r.get("name") if isinstance(r, Mapping) else None for r in res]
                if names != list(covered):
                    errors.append(
                        f"{fp}.resources must list the coveredResources in the same order "
                        f"({covered}); got {names}"
                    )
                for ri, r in enumerate(res):
                    rp = f"{fp}.resources[{ri}]"
                    if not isinstance(r, Mapping):
                        continue
                    _unknown(rp + ".", r, {"name", "nominalQuota", "borrowingLimit", "lendingLimit"}, errors)
                    _kueue_quantity(f"{rp}.nominalQuota", r.get("nominalQuota"), errors)
                    for lim in ("borrowingLimit", "lendingLimit"):
                        if lim in r:
                            _kueue_quantity(f"{rp}.{lim}", r[lim], errors)
                            if not cohort:
                                errors.append(f"{rp}.{lim} must be unset when spec.cohort is empty")
    return errors


def _kueue_enum(path: str, key: str, value, errors: list[str]) -> None:
    if value is not None and value not in _ENUMS[key]:
        errors.append(f"{path} must be one of {', '.join(_ENUMS[key])}; got {value!r}")


def validate_manifest(obj) -> ValidationReport:
    """Validate one manifest dict; see the module docstring for what is and is not checked.

    >>> bad = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "Team_A"}}
    >>> validate_manifest(bad).errors
    ("metadata.name 'Team_A' is not a DNS-1123 label (1-63 lowercase letters, digits and '-', starting and ending with a letter or digit)",)
    """
    if not isinstance(obj, Mapping):
        raise ValueError(f"obj must be a manifest dict; got {type(obj).__name__}")
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    name, ns, errors = _meta(obj)
    warnings: list[str] = []
    checked: list[str] = []
    if (api_version, kind) in _CORE_KINDS:
        model, namespaced = _CORE_KINDS[(api_version, kind)]
        errors += _model_errors(model, obj)
        checked.append(f"kubernetes client model {model}")
        errs, warns = _server_rules(kind, obj, name, ns)
        errors += errs
        warnings += warns
        checked.append("API-server rules (names, quantities, quota keys, priority range)")
        if not namespaced and ns is not None:
            warnings.append(f"metadata.namespace is ignored: {kind} is cluster-scoped")
    elif api_version == KUEUE_API_VERSION and kind in _KUEUE_KINDS:
        errors += _kueue_errors(kind, obj, ns)
        if name != "<unnamed>" and not is_dns1123_subdomain(name):
            errors.append(f"metadata.name {name!r} is not a DNS-1123 subdomain ({_DNS_RULE})")
        meta = obj.get("metadata")
        if isinstance(meta, Mapping):
            errors += [f"metadata.{e}" for e in _model_errors("V1ObjectMeta", meta)]
        checked.append("Kueue v1beta1 structure (kubernetes-sigs/kueue apis/kueue/v1beta1)")
    else:
        kinds = sorted({k for _, k in _CORE_KINDS} | set(_KUEUE_KINDS))
        errors.append(
            f"apiVersion/kind {api_version!r}/{kind!r} is not one this validator knows ({', '.join(kinds)})"
        )
    return ValidationReport(
        kind=str(kind), name=name, errors=tuple(errors), warnings=tuple(warnings), checked_by=tuple(checked)
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
        if kueue_present and rep.kind == "LocalQueue" and ("ClusterQueue", spec.get("clusterQueue")) not in names:
            extra.append(f"spec.clusterQueue {spec.get('clusterQueue')!r} names no ClusterQueue in this bundle")
        if rep.kind == "ClusterQueue" and any(r.kind == "ResourceFlavor" for r in reports):
            for group in spec.get("resourceGroups") or []:
                for flav in (group.get("flavors") or []) if isinstance(group, Mapping) else []:
                    fname = flav.get("name") if isinstance(flav, Mapping) else None
                    if ("ResourceFlavor", fname) not in names:
                        extra.append(f"flavor {fname!r} names no ResourceFlavor in this bundle")
        out.append(rep if not extra else ValidationReport(rep.kind, rep.name, rep.errors + tuple(extra), rep.warnings, rep.checked_by))
    return out


# --------------------------------------------------------------------------------------------
# The seed's manifest, quoted, for the notebook to check
# --------------------------------------------------------------------------------------------

SEED_MANIFEST_YAML = """\
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
"""The seed's ``kubernetes_cluster_config.yaml`` (section 6), verbatim."""


def seed_fair_share_weights(yaml_text: str = SEED_MANIFEST_YAML) -> dict[str, dict]:
    """Read the per-team weights out of the seed's fair-share ConfigMap.

    >>> seed_fair_share_weights()["team-alpha"]
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
