"""GPUs on Kubernetes, end to end: device plugin → advertised resources → pod requests → quota →
priority → Kueue, and a small model of which pod lands on which node (section 6).

How a GPU reaches a pod (NVIDIA k8s-device-plugin README and ``internal/rm/rm.go``; GPU Operator
docs "GPU Operator with MIG" and "Time-Slicing GPUs in Kubernetes"):

* The **device plugin** (run by the **GPU Operator**) advertises each GPU node's GPUs as an
  *extended resource* in ``node.status.allocatable``. Pods request it in
  ``resources.limits`` (requests, if given, must equal limits: extended resources cannot be
  overcommitted, and only whole numbers are allowed).
* **MIG strategy** (``--mig-strategy`` / ``MIG_STRATEGY``; default ``none``):

  - ``none``: whole GPUs as ``nvidia.com/gpu``; MIG devices are not advertised.
  - ``single``: MIG devices as ``nvidia.com/gpu``; every MIG device on the node must be the same
    profile (e.g. ``all-1g.10gb``: an 8-GPU A100-80GB node advertises ``nvidia.com/gpu: 56``).
  - ``mixed``: one resource per profile, ``nvidia.com/mig-<profile>`` with ``+`` replaced by ``.``
    (``nvidia.com/mig-1g.10gb``, ``nvidia.com/mig-3g.40gb``); GPUs in MIG mode advertise **no**
    ``nvidia.com/gpu``.
* **Time-slicing** (``sharing.timeSlicing.resources[].replicas``): each device is advertised
  ``replicas`` times (8 GPUs × 10 → 80 ``nvidia.com/gpu``; with ``renameByDefault`` as
  ``nvidia.com/gpu.shared``). No memory or fault isolation; requesting 2 replicas does not buy
  two GPUs' worth of time (``docs/sources.md#src-gpu-operator``).
* **Quota** matches resource names exactly: ``requests.nvidia.com/gpu`` limits pods that request
  ``nvidia.com/gpu`` and nothing else. Under ``mixed`` every MIG resource needs its own item
  (``requests.nvidia.com/mig-1g.10gb``); under ``single`` MIG slices *are* ``nvidia.com/gpu``.
  (Derived from quota-by-resource-name and the plugin's naming; not stated in either document.)
* **Priority**: a pod's priority comes from ``spec.priorityClassName``; which classes a namespace
  may use is limited with a ResourceQuota ``scopeSelector`` (scope ``PriorityClass``), plus the
  API server's ``ResourceQuota`` admission configuration ``limitedResources`` to make that a
  default-deny (kubernetes.io "Resource Quotas", "Limit Priority Class consumption by default").
* **Kueue**: one ResourceFlavor per GPU model or MIG slice (``nodeLabels`` select the nodes), and
  ClusterQueues with a nominal quota per flavor and resource. Kueue admits a Workload when quota is
  free; kube-scheduler then places its pods.

Placement model (:func:`place_pods`), the smallest one that shows the effects above: pods are taken
in scheduling-queue order (higher ``priority`` first, then submission order, as kube-scheduler's
``PrioritySort``); **filter**: a node is feasible if its free allocatable covers every resource the
pod requests (``NodeResourcesFit``) and its labels match the pod's ``nodeSelector``; **score**:
among feasible nodes, ``"bin-pack"`` picks the one with the least free capacity of the requested
resources left (``NodeResourcesFit`` ``MostAllocated``), ``"spread"`` the most (``LeastAllocated``,
kube-scheduler's default); ties go to the first node listed. A pod no node can hold stays
``Pending``. Not modelled: preemption, affinity, taints, topology, DRA.

>>> node = gpu_node("gpu-1", "A100-80GB", [["3g.40gb", "2g.20gb", "1g.10gb", "1g.10gb"]] * 8, "mixed")
>>> node.allocatable["nvidia.com/mig-1g.10gb"], node.allocatable.get("nvidia.com/gpu", 0)
(16, 0)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from course_kit import k8s, mig
from course_kit._validate import check_choice, check_int

__all__ = [
    "MIG_STRATEGIES",
    "GPU_RESOURCE",
    "mig_resource_name",
    "advertised_resources",
    "GpuNode",
    "gpu_node",
    "device_plugin_config",
    "device_plugin_configmap",
    "gpu_operator_cluster_policy_patch",
    "gpu_pod_manifest",
    "gpu_quota_manifest",
    "quota_covers",
    "quota_admission",
    "priority_quota_manifest",
    "priority_admission_config",
    "gpu_resource_flavors",
    "gpu_cluster_queue",
    "PodRequest",
    "pod_request",
    "Placement",
    "place_pods",
]

MIG_STRATEGIES = ("none", "single", "mixed")
GPU_RESOURCE = k8s.GPU_RESOURCE


def mig_resource_name(profile: str) -> str:
    """The resource the device plugin advertises for a MIG profile under the ``mixed`` strategy.

    ``"nvidia.com/mig-" + profile`` with ``+`` replaced by ``.`` (k8s-device-plugin ``rm.go``).

    >>> mig_resource_name("1g.10gb"), mig_resource_name("1g.10gb+me")
    ('nvidia.com/mig-1g.10gb', 'nvidia.com/mig-1g.10gb.me')
    """
    if not isinstance(profile, str) or not profile:
        raise ValueError(f"profile must be a MIG profile name such as '1g.10gb'; got {profile!r}")
    return "nvidia.com/mig-" + profile.replace("+", ".")


def _layout_profiles(gpu: str, layout) -> list[str]:
    """Profile names of one GPU's layout: a ``mig.Layout``, a list of names, or None (MIG off)."""
    if isinstance(layout, mig.Layout):
        if layout.gpu != gpu:
            raise ValueError(f"layouts must be for {gpu}; got a layout for {layout.gpu}")
        return [i.profile for i in layout.instances]
    names = mig.parse_profile_list(gpu, layout)
    if mig.layout(gpu, names) is None:
        raise ValueError(f"layouts: {names} cannot be placed on one {gpu} ({mig.infeasibility_reason(gpu, names)})")
    return names


def advertised_resources(gpu: str, layouts: Sequence, strategy: str = "mixed", *, replicas: int = 1,
                         rename_by_default: bool = False) -> dict[str, int]:
    """What a node with these GPUs puts in ``status.allocatable`` (GPU resources only).

    ``layouts`` has one entry per GPU: ``None`` (MIG disabled: a whole GPU), or that GPU's MIG
    layout (a ``mig.Layout`` or a list of profile names, e.g. ``mig.maximal_layouts(...)`` results).
    ``replicas`` > 1 is time-slicing: every advertised device is shared ``replicas`` times.

    >>> advertised_resources("A100-80GB", [["1g.10gb"] * 7] * 8, "single")
    {'nvidia.com/gpu': 56}
    >>> advertised_resources("A100-80GB", [["4g.40gb", "3g.40gb"], None], "mixed")
    {'nvidia.com/gpu': 1, 'nvidia.com/mig-3g.40gb': 1, 'nvidia.com/mig-4g.40gb': 1}
    >>> advertised_resources("H100-SXM5-80GB", [None] * 8, "none", replicas=4)
    {'nvidia.com/gpu': 32}
    """
    gpu = mig.gpu_name(gpu)
    strategy = check_choice("strategy", strategy, MIG_STRATEGIES)
    replicas = check_int("replicas", replicas, low=1, high=1024)
    if isinstance(layouts, (str, bytes, Mapping)) or not isinstance(layouts, Iterable):
        raise ValueError("layouts must be a list with one entry per GPU (None or a MIG layout)")
    layouts = list(layouts)
    if not 1 <= len(layouts) <= 64:
        raise ValueError(f"layouts must describe 1-64 GPUs; got {len(layouts)}")
    per_gpu = [None if lay is None else _layout_profiles(gpu, lay) for lay in layouts]
    counts: Counter = Counter()
    if strategy == "none":
        if any(p is not None for p in per_gpu):
            raise ValueError("strategy 'none' advertises no MIG devices; use 'single' or 'mixed' for MIG layouts")
        counts[GPU_RESOURCE] = len(per_gpu)
    elif strategy == "single":
        profiles = {p for names in per_gpu if names is not None for p in names}
        if len(profiles) != 1 or any(names is None for names in per_gpu):
            raise ValueError("strategy 'single' needs MIG on every GPU of the node, all with one profile "
                             f"(e.g. all-1g.10gb); got {sorted(profiles) or 'no MIG'}"
                             f"{' and GPUs without MIG' if any(n is None for n in per_gpu) else ''}")
        counts[GPU_RESOURCE] = sum(len(names) for names in per_gpu)
    else:
        for names in per_gpu:
            if names is None:
                counts[GPU_RESOURCE] += 1
            else:
                counts.update(mig_resource_name(p) for p in names)
    shared = {}
    for name, n in counts.items():
        key = name + ".shared" if replicas > 1 and rename_by_default else name
        shared[key] = n * replicas
    return dict(sorted(shared.items()))


@dataclass(frozen=True)
class GpuNode:
    """A GPU node as the scheduler sees it: ``allocatable`` resources and ``labels``."""

    name: str
    allocatable: Mapping[str, float]
    labels: Mapping[str, str] = field(default_factory=dict)


def gpu_node(name: str, gpu: str, layouts: Sequence, strategy: str = "mixed", *, replicas: int = 1,
             cpu: float = 96, memory_gib: float = 1024) -> GpuNode:
    """A node with ``len(layouts)`` GPUs of model ``gpu`` (see :func:`advertised_resources`).

    Labels are the ones GPU Feature Discovery sets: ``nvidia.com/gpu.product`` (with ``-MIG-<profile>``
    under the single strategy and ``-SHARED`` when time-sliced, as the GPU Operator docs show),
    ``nvidia.com/gpu.count``, ``nvidia.com/mig.strategy`` and, when time-sliced,
    ``nvidia.com/gpu.replicas``. A product label per MIG pool is what lets a Kueue ResourceFlavor
    select MIG-sliced nodes (:func:`gpu_resource_flavors`).

    >>> gpu_node("n1", "H100-SXM5-80GB", [None] * 8, "none").labels["nvidia.com/gpu.product"]
    'NVIDIA-H100-SXM5-80GB'
    >>> gpu_node("n2", "A100-80GB", [["1g.10gb"] * 7] * 8, "single").labels["nvidia.com/gpu.product"]
    'NVIDIA-A100-80GB-MIG-1g.10gb'
    """
    if not k8s.is_dns1123_subdomain(name):
        raise ValueError(f"name must be a DNS-1123 subdomain (a node name); got {name!r}")
    resources = advertised_resources(gpu, layouts, strategy, replicas=replicas)
    allocatable = {"cpu": float(k8s.parse_quantity(k8s.cpu_quantity(cpu))),
                   "memory": float(k8s.parse_quantity(k8s.memory_quantity(memory_gib))), **resources}
    product = "NVIDIA-" + mig.gpu_name(gpu)
    if strategy == "single":
        first = next(lay for lay in layouts if lay is not None)
        product += "-MIG-" + _layout_profiles(mig.gpu_name(gpu), first)[0]
    if replicas > 1:
        product += "-SHARED"
    labels = {"nvidia.com/gpu.product": product, "nvidia.com/gpu.count": str(len(list(layouts))),
              "nvidia.com/mig.strategy": strategy}
    if replicas > 1:
        labels["nvidia.com/gpu.replicas"] = str(replicas)
    return GpuNode(name, allocatable, labels)


# --------------------------------------------------------------------------------------------
# Device plugin / GPU Operator configuration
# --------------------------------------------------------------------------------------------


def device_plugin_config(strategy: str = "none", *, replicas: int = 1, rename_by_default: bool = False,
                         fail_requests_greater_than_one: bool = True, mig_resources: Iterable[str] = ()) -> dict:
    """The device plugin's config file (``version: v1``): MIG strategy and optional time-slicing.

    With ``replicas`` > 1 the ``nvidia.com/gpu`` resource (and any ``mig_resources``, mixed only)
    is time-sliced. ``failRequestsGreaterThanOne`` makes a request for 2 shared GPUs fail instead
    of silently giving two slots of one GPU. Source: k8s-device-plugin README ("Shared Access to
    GPUs", configuration file format).

    >>> device_plugin_config("none", replicas=4)["sharing"]["timeSlicing"]["resources"]
    [{'name': 'nvidia.com/gpu', 'replicas': 4}]
    """
    strategy = check_choice("strategy", strategy, MIG_STRATEGIES)
    replicas = check_int("replicas", replicas, low=1, high=1024)
    cfg: dict = {"version": "v1", "flags": {"migStrategy": strategy}}
    if replicas > 1:
        names = [GPU_RESOURCE]
        for r in mig_resources:
            if strategy != "mixed" or not isinstance(r, str) or not r.startswith("nvidia.com/mig-"):
                raise ValueError(f"mig_resources can only name nvidia.com/mig-* resources under the mixed strategy; got {r!r}")
            names.append(r)
        cfg["sharing"] = {"timeSlicing": {
            "renameByDefault": bool(rename_by_default),
            "failRequestsGreaterThanOne": bool(fail_requests_greater_than_one),
            "resources": [{"name": n, "replicas": replicas} for n in names],
        }}
    return cfg


def device_plugin_configmap(configs: Mapping[str, dict], *, name: str = "device-plugin-config",
                            namespace: str = "gpu-operator") -> dict:
    """A ConfigMap holding named device-plugin configs (one data key each, YAML text), validated.

    The GPU Operator reads it when ClusterPolicy ``devicePlugin.config.name`` names it; nodes pick a
    key with the label ``nvidia.com/device-plugin.config=<key>`` (else ``default``).
    """
    import yaml

    if not isinstance(configs, Mapping) or not configs:
        raise ValueError("configs must map at least one key to a device_plugin_config() dict")
    data = {}
    for key, cfg in configs.items():
        if not isinstance(key, str) or not k8s.is_dns1123_subdomain(key) or not isinstance(cfg, Mapping):
            raise ValueError(f"configs keys must be DNS-1123 names mapping to config dicts; got {key!r}")
        data[key] = yaml.safe_dump(dict(cfg), sort_keys=False)
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": data}
    k8s.validate_manifest(obj).raise_if_invalid()
    return obj


def gpu_operator_cluster_policy_patch(strategy: str, config_name: str = "device-plugin-config",
                                      default_key: str = "default") -> dict:
    """The ClusterPolicy patch that points the GPU Operator at the ConfigMap and sets the MIG strategy.

    Not validated against a schema here (the ClusterPolicy CRD is not vendored).

    >>> gpu_operator_cluster_policy_patch("mixed")["spec"]["mig"]
    {'strategy': 'mixed'}
    """
    strategy = check_choice("strategy", strategy, ("single", "mixed", "none"))
    return {"spec": {"mig": {"strategy": strategy},
                     "devicePlugin": {"config": {"name": config_name, "default": default_key}}}}


# --------------------------------------------------------------------------------------------
# Pods, quotas, priority
# --------------------------------------------------------------------------------------------


def _check_resource(resource) -> str:
    if not isinstance(resource, str) or not k8s.is_qualified_name(resource) or "/" not in resource:
        raise ValueError(f"resource must be an extended resource name such as 'nvidia.com/gpu' or "
                         f"'nvidia.com/mig-1g.10gb'; got {resource!r}")
    return resource


def gpu_pod_manifest(name: str, namespace: str, resource: str = GPU_RESOURCE, count: int = 1, *,
                     priority_class: str | None = None, image: str = "nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04",
                     node_selector: Mapping[str, str] | None = None) -> dict:
    """A Pod that requests ``count`` of one GPU resource (limits = requests), validated.

    >>> pod = gpu_pod_manifest("train-0", "team-a", "nvidia.com/mig-3g.40gb", priority_class="team-a-priority")
    >>> pod["spec"]["containers"][0]["resources"]["limits"], pod["spec"]["priorityClassName"]
    ({'nvidia.com/mig-3g.40gb': '1'}, 'team-a-priority')
    """
    _check_resource(resource)
    count = check_int("count", count, low=1, high=64)
    spec: dict = {
        "restartPolicy": "Never",
        "containers": [{"name": "main", "image": image, "command": ["nvidia-smi", "-L"],
                        "resources": {"limits": {resource: str(count)}, "requests": {resource: str(count)}}}],
    }
    if priority_class is not None:
        spec["priorityClassName"] = priority_class
    if node_selector:
        spec["nodeSelector"] = dict(node_selector)
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}, "spec": spec}
    k8s.validate_manifest(obj).raise_if_invalid()
    return obj


def gpu_quota_manifest(namespace: str, gpus: Mapping[str, int], *, name: str | None = None) -> dict:
    """A ResourceQuota with one ``requests.<resource>`` item per GPU resource, validated.

    >>> gpu_quota_manifest("team-a", {"nvidia.com/mig-1g.10gb": 8, "nvidia.com/gpu": 2})["spec"]["hard"]
    {'requests.nvidia.com/mig-1g.10gb': '8', 'requests.nvidia.com/gpu': '2'}
    """
    if not isinstance(gpus, Mapping) or not gpus:
        raise ValueError("gpus must map GPU resource names to whole numbers")
    hard = {f"requests.{_check_resource(r)}": str(check_int(f"gpus[{r!r}]", n, low=0)) for r, n in gpus.items()}
    obj = {"apiVersion": "v1", "kind": "ResourceQuota",
           "metadata": {"name": name or f"{namespace}-gpu-quota", "namespace": namespace}, "spec": {"hard": hard}}
    k8s.validate_manifest(obj).raise_if_invalid()
    return obj


def quota_covers(hard: Mapping[str, object], resource: str) -> bool:
    """Does a quota's ``spec.hard`` limit pods that request ``resource``? Exact name match on
    ``requests.<resource>`` (the ``limits.`` form of an extended resource is never counted).

    >>> quota_covers({"requests.nvidia.com/gpu": "8"}, "nvidia.com/mig-1g.10gb")
    False
    """
    if not isinstance(hard, Mapping):
        raise ValueError("hard must be a ResourceQuota spec.hard mapping")
    return f"requests.{_check_resource(resource)}" in hard


def quota_admission(hard: Mapping[str, object], pods: Sequence[PodRequest]) -> list[bool]:
    """Which pods (created in this order) the quota admits; a refused pod is never created.

    A pod is refused if, for some resource it requests with a ``requests.<resource>`` item, usage
    plus its request would exceed the item ("exceeded quota"). Resources without an item are not
    limited.

    >>> quota_admission({"requests.nvidia.com/gpu": "2"}, [pod_request("a", {"nvidia.com/gpu": 1})] * 3)
    [True, True, False]
    """
    if not isinstance(hard, Mapping):
        raise ValueError("hard must be a ResourceQuota spec.hard mapping")
    if isinstance(pods, (str, bytes, Mapping)) or not isinstance(pods, Iterable):
        raise ValueError("pods must be a list of PodRequest (pod_request(...))")
    limits = {}
    for key, value in hard.items():
        q = k8s.parse_quantity(value)
        if not isinstance(key, str) or q is None:
            raise ValueError(f"hard must map quota keys to quantities; got {key!r}: {value!r}")
        if key.startswith("requests."):
            limits[key[len("requests."):]] = float(q)
    used: Counter = Counter()
    out = []
    for pod in pods:
        if not isinstance(pod, PodRequest):
            raise ValueError(f"pods must be PodRequest objects (pod_request(...)); got {pod!r}")
        ok = all(used[r] + n <= limits[r] for r, n in pod.resources.items() if r in limits)
        if ok:
            used.update(pod.resources)
        out.append(ok)
    return out


def priority_quota_manifest(namespace: str, classes: Sequence[str], *, hard: Mapping[str, str] | None = None,
                            name: str | None = None) -> dict:
    """A ResourceQuota that lets ``namespace`` use the PriorityClasses ``classes``.

    ``scopeSelector`` with ``scopeName: PriorityClass, operator: In``: the quota tracks only pods of
    those classes. With the API server's ``limitedResources`` admission config
    (:func:`priority_admission_config`) a namespace without such a quota cannot create pods of a
    limited class at all. Default ``hard``: ``pods: "1000"`` (the quota has to exist; any item works).

    >>> priority_quota_manifest("team-a", ["team-a-priority"])["spec"]["scopeSelector"]
    {'matchExpressions': [{'scopeName': 'PriorityClass', 'operator': 'In', 'values': ['team-a-priority']}]}
    """
    if isinstance(classes, str) or not isinstance(classes, Sequence) or not classes:
        raise ValueError("classes must be a non-empty list of PriorityClass names")
    for c in classes:
        if not k8s.is_dns1123_subdomain(c):
            raise ValueError(f"classes must be PriorityClass names (DNS-1123 subdomains); got {c!r}")
    obj = {
        "apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": name or f"{namespace}-priority-classes", "namespace": namespace},
        "spec": {"hard": dict(hard or {"pods": "1000"}),
                 "scopeSelector": {"matchExpressions": [{"scopeName": "PriorityClass", "operator": "In",
                                                         "values": list(classes)}]}},
    }
    k8s.validate_manifest(obj).raise_if_invalid()
    return obj


def priority_admission_config(classes: Sequence[str]) -> dict:
    """kube-apiserver ``--admission-control-config-file`` content: pods of ``classes`` are allowed
    only in namespaces with a matching quota (kubernetes.io "Resource Quotas", "Limit Priority Class
    consumption by default"). An API-server file, not an object: not validated here.
    """
    if isinstance(classes, str) or not isinstance(classes, Sequence) or not classes:
        raise ValueError("classes must be a non-empty list of PriorityClass names")
    return {
        "apiVersion": "apiserver.config.k8s.io/v1", "kind": "AdmissionConfiguration",
        "plugins": [{"name": "ResourceQuota", "configuration": {
            "apiVersion": "apiserver.config.k8s.io/v1", "kind": "ResourceQuotaConfiguration",
            "limitedResources": [{"resource": "pods", "matchScopes": [
                {"scopeName": "PriorityClass", "operator": "In", "values": list(classes)}]}]}}],
    }


# --------------------------------------------------------------------------------------------
# Kueue for GPUs
# --------------------------------------------------------------------------------------------


def gpu_resource_flavors(nodes: Sequence[GpuNode]) -> list[dict]:
    """One Kueue ResourceFlavor per GPU product among ``nodes`` (``nodeLabels`` select them), validated.

    Whole-GPU pools and single-strategy MIG pools get their own flavor, because their product
    labels differ (``NVIDIA-A100-80GB`` vs ``NVIDIA-A100-80GB-MIG-1g.10gb``).

    >>> [f["metadata"]["name"] for f in gpu_resource_flavors([gpu_node("a", "A100-80GB", [None] * 8, "none")])]
    ['nvidia-a100-80gb']
    """
    products = []
    for node in nodes:
        if not isinstance(node, GpuNode):
            raise ValueError(f"nodes must be GpuNode objects (gpu_node(...)); got {node!r}")
        p = node.labels.get("nvidia.com/gpu.product")
        if p and p not in products:
            products.append(p)
    flavors = [k8s.resource_flavor_manifest(p.lower(), {"nvidia.com/gpu.product": p}) for p in products]
    for f in flavors:
        k8s.validate_manifest(f).raise_if_invalid()
    return flavors


def gpu_cluster_queue(name: str, quotas: Mapping[str, Mapping[str, int]], *, cohort: str = "gpu-cluster",
                      weight: float = 1) -> dict:
    """A ClusterQueue with nominal GPU quota per flavor: ``{flavor: {resource: count}}``, validated.

    Kueue needs every flavor of a resource group to list the same resources; each flavor here
    becomes its own group (a GPU model or a MIG node pool offers its own resource names).

    >>> cq = gpu_cluster_queue("vision", {"nvidia-a100-80gb": {"nvidia.com/mig-1g.10gb": 14}})
    >>> cq["spec"]["resourceGroups"][0]["flavors"][0]["resources"]
    [{'name': 'nvidia.com/mig-1g.10gb', 'nominalQuota': '14'}]
    """
    if not isinstance(quotas, Mapping) or not quotas:
        raise ValueError("quotas must map flavor names to {resource: count}")
    groups, seen = [], set()
    for flavor, res in quotas.items():
        if not isinstance(res, Mapping) or not res:
            raise ValueError(f"quotas[{flavor!r}] must map GPU resources to counts")
        names = sorted(_check_resource(r) for r in res)
        if seen & set(names):
            raise ValueError(f"quotas: resources {sorted(seen & set(names))} appear under two flavors; "
                             "put flavors that share resources in one group (same resources, in order)")
        seen |= set(names)
        groups.append({"coveredResources": names, "flavors": [{"name": flavor, "resources": [
            {"name": r, "nominalQuota": str(check_int(f"quotas[{flavor!r}][{r!r}]", res[r], low=0))} for r in names]}]})
    obj = {"apiVersion": k8s.KUEUE_API_VERSION, "kind": "ClusterQueue", "metadata": {"name": name},
           "spec": {"cohortName": cohort, "namespaceSelector": {}, "resourceGroups": groups,
                    "fairSharing": {"weight": k8s._decimal_quantity("weight", weight)}}}
    k8s.validate_manifest(obj).raise_if_invalid()
    return obj


# --------------------------------------------------------------------------------------------
# Placement: which pod lands on which node
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodRequest:
    """What the scheduler needs of a pod: name, resources (e.g. ``{"nvidia.com/gpu": 1}``),
    priority value and node selector."""

    name: str
    resources: Mapping[str, float]
    priority: int = 0
    node_selector: Mapping[str, str] = field(default_factory=dict)


def pod_request(name: str, resources: Mapping[str, float], priority: int = 0,
                node_selector: Mapping[str, str] | None = None) -> PodRequest:
    """A validated :class:`PodRequest`; a Pod manifest's limits can be read with :func:`pod_request_from_manifest`."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string; got {name!r}")
    if not isinstance(resources, Mapping) or not resources:
        raise ValueError(f"resources must map resource names to amounts; got {resources!r}")
    res = {}
    for r, n in resources.items():
        if not isinstance(r, str) or not r:
            raise ValueError(f"resources keys must be resource names; got {r!r}")
        res[r] = float(check_int(f"resources[{r!r}]", n, low=1)) if "/" in r else _positive(r, n)
    priority = check_int("priority", priority, low=k8s.PRIORITY_VALUE_MIN, high=2_000_001_000)
    sel = dict(node_selector or {})
    return PodRequest(name, res, priority, sel)


def _positive(r, n) -> float:
    from course_kit._validate import check_number

    return check_number(f"resources[{r!r}]", n, low=0, low_inclusive=False)


def pod_request_from_manifest(pod: Mapping, priority: int = 0) -> PodRequest:
    """The resources a Pod manifest's containers ask for (limits of extended resources)."""
    k8s.validate_manifest(pod).raise_if_invalid()
    total: Counter = Counter()
    for c in pod["spec"]["containers"]:
        for r, v in ((c.get("resources") or {}).get("limits") or {}).items():
            total[r] += float(k8s.parse_quantity(v))
    return pod_request(pod["metadata"]["name"], dict(total) or {"cpu": 0.001}, priority,
                       pod["spec"].get("nodeSelector"))


@dataclass(frozen=True)
class Placement:
    """Result of :func:`place_pods`: ``assignment`` maps pod name → node name (None = Pending),
    ``order`` is the scheduling order, ``free`` the capacity left per node, ``reasons`` why each
    pending pod fits nowhere."""

    assignment: Mapping[str, str | None]
    order: tuple[str, ...]
    free: Mapping[str, Mapping[str, float]]
    reasons: Mapping[str, str]

    @property
    def pending(self) -> list[str]:
        return [p for p in self.order if self.assignment[p] is None]


def place_pods(nodes: Sequence[GpuNode], pods: Sequence[PodRequest], *, scoring: str = "bin-pack") -> Placement:
    """Place ``pods`` on ``nodes``: priority order, filter on free resources and labels, then score.

    See the module docstring for the model and what it leaves out.

    >>> nodes = [gpu_node("a", "A100-80GB", [["4g.40gb", "3g.40gb"]] * 2, "mixed")]
    >>> pods = [pod_request(f"p{i}", {"nvidia.com/mig-3g.40gb": 1}) for i in range(3)]
    >>> place_pods(nodes, pods).pending
    ['p2']
    """
    scoring = check_choice("scoring", scoring, ("bin-pack", "spread"))
    for param, value in (("nodes", nodes), ("pods", pods)):
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            raise ValueError(f"{param} must be a list; got {type(value).__name__}")
    nodes, pods = list(nodes), list(pods)
    if not nodes or not all(isinstance(n, GpuNode) for n in nodes):
        raise ValueError("nodes must be a non-empty list of GpuNode (gpu_node(...))")
    if not all(isinstance(p, PodRequest) for p in pods):
        raise ValueError("pods must be a list of PodRequest (pod_request(...))")
    names = [p.name for p in pods]
    if len(set(names)) != len(names):
        raise ValueError(f"pods must have distinct names; got {names}")
    free = {n.name: dict(n.allocatable) for n in nodes}
    order = sorted(range(len(pods)), key=lambda i: (-pods[i].priority, i))
    assignment: dict[str, str | None] = {}
    reasons: dict[str, str] = {}
    for i in order:
        pod = pods[i]
        feasible = []
        for idx, node in enumerate(nodes):
            if any(node.labels.get(k) != v for k, v in pod.node_selector.items()):
                continue
            if all(free[node.name].get(r, 0) >= n for r, n in pod.resources.items()):
                left = sum(free[node.name].get(r, 0) - n for r, n in pod.resources.items())
                feasible.append((left if scoring == "bin-pack" else -left, idx, node.name))
        if not feasible:
            assignment[pod.name] = None
            short = [r for r, n in pod.resources.items() if not any(free[x.name].get(r, 0) >= n for x in nodes)]
            reasons[pod.name] = ("Insufficient " + ", ".join(short) if short else
                                 "no single node has all requested resources free, or nodeSelector matches no node")
            continue
        _, _, chosen = min(feasible)
        for r, n in pod.resources.items():
            free[chosen][r] -= n
        assignment[pod.name] = chosen
    return Placement(assignment, tuple(pods[i].name for i in order), free, reasons)
