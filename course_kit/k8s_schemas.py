"""The pinned, vendored schemas that :mod:`course_kit.k8s` validates manifests against (section 6).

Two sources, both vendored under ``data/schemas/`` with their licence and a ``PROVENANCE.md``
(upstream, tag, path, sha256):

* **Kubernetes v1.37.0** core objects: the JSON schemas ("local-strict": unknown fields refused)
  that ``kubernetes-validate`` 1.37.0 generates from the Kubernetes OpenAPI spec, for Namespace,
  ResourceQuota, PriorityClass, ConfigMap and Pod, plus the ``$defs`` they reach.
* **Kueue v0.19.2** custom resources: the CRDs' ``openAPIV3Schema`` for ClusterQueue, LocalQueue
  and ResourceFlavor, versions ``v1beta2`` (storage) and ``v1beta1`` (still served).

A CRD schema is OpenAPI v3, not JSON Schema. :func:`crd_errors` does what the API server does with
it for a create request: structural defaulting (``default``), then the JSON-Schema part (types,
enums, patterns, sizes; ``x-kubernetes-int-or-string``; unknown fields refused, as with
``kubectl``'s default strict field validation; ``x-kubernetes-preserve-unknown-fields`` left open),
then ``x-kubernetes-list-type`` (``map`` keys and ``set`` items unique), then the CEL rules
(``x-kubernetes-validations``). CEL is not interpreted: each rule's exact text maps to a Python
predicate in :data:`CEL_RULES`; transition rules (those that read ``oldSelf``) do not apply to a
create and are skipped. A rule text not in the table is reported, never silently passed
(``tests/test_k8s.py`` checks that every rule of the vendored CRDs is in the table).

>>> core_errors({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}, "spce": {}})
['spce: unknown field (not in the Kubernetes v1.37.0 schema of Namespace)']
>>> crd_errors({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "LocalQueue",
...             "metadata": {"name": "q", "namespace": "a"}, "spec": {"clusterQueue": "cq"}})
[]
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping

__all__ = [
    "KUBERNETES_VERSION",
    "KUEUE_VERSION",
    "KUEUE_GROUP",
    "CORE_KINDS",
    "KUEUE_KINDS",
    "CEL_RULES",
    "core_errors",
    "crd_errors",
    "crd_rules",
    "crd_versions",
    "schema_dir",
]

KUBERNETES_VERSION = "v1.37.0"
KUEUE_VERSION = "v0.19.2"
KUEUE_GROUP = "kueue.x-k8s.io"

CORE_KINDS = {
    ("v1", "Namespace"): ("namespace-v1.json", False),
    ("v1", "ResourceQuota"): ("resourcequota-v1.json", True),
    ("v1", "ConfigMap"): ("configmap-v1.json", True),
    ("v1", "Pod"): ("pod-v1.json", True),
    ("scheduling.k8s.io/v1", "PriorityClass"): ("priorityclass-scheduling-v1.json", False),
}
"""(apiVersion, kind) -> (vendored schema file, namespaced?)."""

KUEUE_KINDS = {
    "ClusterQueue": ("kueue.x-k8s.io_clusterqueues.yaml", False),
    "LocalQueue": ("kueue.x-k8s.io_localqueues.yaml", True),
    "ResourceFlavor": ("kueue.x-k8s.io_resourceflavors.yaml", False),
}
"""kind -> (vendored CRD file, namespaced?)."""

_DEFS_ID = "https://kubernetes.io/api/_definitions.json"


def schema_dir(which: str):
    """``data/schemas/kubernetes/v1.37.0`` or ``data/schemas/kueue/v0.19.2``."""
    from course_kit.paths import data_path

    version = {"kubernetes": KUBERNETES_VERSION, "kueue": KUEUE_VERSION}[which]
    return data_path("schemas") / which / version


# --------------------------------------------------------------------------------------------
# Kubernetes core objects: JSON Schema 2020-12 with $refs into _definitions.json
# --------------------------------------------------------------------------------------------


@functools.cache
def _registry():
    from referencing import Registry, Resource

    defs = json.loads((schema_dir("kubernetes") / "_definitions.json").read_text())
    return Registry().with_resource(_DEFS_ID, Resource.from_contents(defs))


@functools.cache
def _core_validator(filename: str):
    from jsonschema import Draft202012Validator

    schema = json.loads((schema_dir("kubernetes") / filename).read_text())
    return Draft202012Validator(schema, registry=_registry())


@functools.cache
def _def_validator(name: str):
    """A validator for one ``$defs`` entry (e.g. ObjectMeta for a custom resource's metadata)."""
    from jsonschema import Draft202012Validator

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$ref": f"{_DEFS_ID}#/$defs/{name}"}
    return Draft202012Validator(schema, registry=_registry())


def _path(err) -> str:
    out = ""
    for part in err.absolute_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _messages(validator, instance, where: str) -> list[str]:
    msgs = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        path = _path(err)
        if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
            allowed = set(err.schema.get("properties", {}))
            for key in err.instance:
                if key not in allowed:
                    msgs.append(f"{path + '.' if path else ''}{key}: unknown field (not in {where})")
            continue
        msgs.append(f"{path or '<root>'}: {err.message}")
    return msgs


def core_errors(obj: Mapping) -> list[str]:
    """Schema errors of a core object against the vendored Kubernetes v1.37.0 JSON schema."""
    filename, _ = CORE_KINDS[(obj.get("apiVersion"), obj.get("kind"))]
    return _messages(_core_validator(filename), obj, f"the Kubernetes {KUBERNETES_VERSION} schema of {obj.get('kind')}")


def object_meta_errors(meta) -> list[str]:
    """``metadata`` against Kubernetes' ObjectMeta schema (what the API server applies to a CR)."""
    where = f"the Kubernetes {KUBERNETES_VERSION} ObjectMeta schema"
    return ["metadata." + m for m in _messages(_def_validator("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), meta, where)]


# --------------------------------------------------------------------------------------------
# Kueue: CRD openAPIV3Schema -> JSON Schema, defaulting, list types, CEL rules
# --------------------------------------------------------------------------------------------


@functools.cache
def _crd(kind: str) -> dict:
    import yaml

    filename, _ = KUEUE_KINDS[kind]
    return yaml.safe_load((schema_dir("kueue") / filename).read_text())


def crd_versions(kind: str) -> dict[str, dict]:
    """``{version: {"served": bool, "storage": bool}}`` of a vendored Kueue CRD.

    >>> crd_versions("ClusterQueue")["v1beta2"]
    {'served': True, 'storage': True}
    """
    return {v["name"]: {"served": v["served"], "storage": v["storage"]} for v in _crd(kind)["spec"]["versions"]}


def _openapi_schema(kind: str, version: str) -> dict:
    for v in _crd(kind)["spec"]["versions"]:
        if v["name"] == version:
            return v["schema"]["openAPIV3Schema"]
    raise KeyError(version)


def _to_json_schema(node):
    """OpenAPI v3 (structural) -> JSON Schema: nullable, int-or-string, unknown fields refused."""
    if isinstance(node, list):
        return [_to_json_schema(x) for x in node]
    if not isinstance(node, Mapping):
        return node
    out = {k: _to_json_schema(v) for k, v in node.items()
           if k not in ("description", "nullable", "default") and not k.startswith("x-kubernetes-")}
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if (node.get("type") == "object" and "properties" in node and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


@functools.cache
def _crd_validator(kind: str, version: str):
    from jsonschema import Draft202012Validator

    schema = _to_json_schema(_openapi_schema(kind, version))
    schema["properties"]["metadata"] = {"type": "object"}  # checked with ObjectMeta separately
    return Draft202012Validator(schema)


def _apply_defaults(schema: Mapping, value):
    """Structural defaulting as the API server does it before validation (a copy is returned)."""
    if isinstance(value, dict) and schema.get("type") == "object":
        props = schema.get("properties", {})
        for key, sub in props.items():
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
        for key, sub in props.items():
            if key in value:
                value[key] = _apply_defaults(sub, value[key])
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            for key in value:
                if key not in props:
                    value[key] = _apply_defaults(extra, value[key])
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [_apply_defaults(schema["items"], v) for v in value]
    return value


def _has(obj, key) -> bool:
    return isinstance(obj, Mapping) and key in obj and obj[key] is not None


def _each(seq):
    return [x for x in (seq or []) if isinstance(x, Mapping)]


_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

CEL_RULES = {
    # ClusterQueue (v1beta2 / v1beta1)
    "!has(self.cohortName) && has(self.resourceGroups) ? self.resourceGroups.all(rg, rg.flavors.all(f, "
    "f.resources.all(r, !has(r.borrowingLimit)))) : true":
        lambda s: _has(s, "cohortName") or not any(
            _has(r, "borrowingLimit") for rg in _each(s.get("resourceGroups")) for f in _each(rg.get("flavors"))
            for r in _each(f.get("resources"))),
    "!has(self.cohort) && has(self.resourceGroups) ? self.resourceGroups.all(rg, rg.flavors.all(f, "
    "f.resources.all(r, !has(r.borrowingLimit)))) : true":
        lambda s: _has(s, "cohort") or not any(
            _has(r, "borrowingLimit") for rg in _each(s.get("resourceGroups")) for f in _each(rg.get("flavors"))
            for r in _each(f.get("resources"))),
    "!has(self.preference) || (self.whenCanBorrow == 'TryNextFlavor' && self.whenCanPreempt == 'TryNextFlavor')":
        lambda s: not _has(s, "preference") or (s.get("whenCanBorrow") == "TryNextFlavor"
                                                  and s.get("whenCanPreempt") == "TryNextFlavor"),
    "!(self.reclaimWithinCohort == 'Never' && has(self.borrowWithinCohort) &&  self.borrowWithinCohort.policy != 'Never')":
        lambda s: not (s.get("reclaimWithinCohort") == "Never" and _has(s, "borrowWithinCohort")
                       and s["borrowWithinCohort"].get("policy") != "Never"),
    "self.flavors.all(x, size(x.resources) == size(self.coveredResources))":
        lambda s: all(len(f.get("resources") or []) == len(s.get("coveredResources") or []) for f in _each(s.get("flavors"))),
    # ResourceFlavor
    "!has(self.topologyName) || self.nodeLabels.size() >= 1":
        lambda s: not _has(s, "topologyName") or len(s.get("nodeLabels") or {}) >= 1,
    "self.all(x, x.effect in ['NoSchedule', 'PreferNoSchedule', 'NoExecute'])":
        lambda s: all(x.get("effect") in _EFFECTS for x in _each(s)),
    "self.all(x, !has(x.key) ? x.operator == 'Exists' : true)":
        lambda s: all(_has(x, "key") or x.get("operator") == "Exists" for x in _each(s)),
    "self.all(x, has(x.tolerationSeconds) ? x.effect == 'NoExecute' : true)":
        lambda s: all(not _has(x, "tolerationSeconds") or x.get("effect") == "NoExecute" for x in _each(s)),
    "self.all(x, !has(x.operator) || x.operator in ['Equal', 'Exists'])":
        lambda s: all(not _has(x, "operator") or x["operator"] in ("Equal", "Exists") for x in _each(s)),
    "self.all(x, has(x.operator) && x.operator == 'Exists' ? !has(x.value) : true)":
        lambda s: all(not (x.get("operator") == "Exists") or not _has(x, "value") for x in _each(s)),
    "self.all(x, !has(x.effect) || x.effect in ['NoSchedule', 'PreferNoSchedule', 'NoExecute'])":
        lambda s: all(not _has(x, "effect") or x["effect"] in _EFFECTS for x in _each(s)),
}
"""Exact CEL rule text of the vendored Kueue CRDs -> the same condition in Python (on the defaulted object)."""


def crd_rules(kind: str, version: str) -> list[str]:
    """Every CEL rule text in one CRD version's schema (transition rules included)."""
    rules: list[str] = []

    def walk(node):
        if isinstance(node, Mapping):
            rules.extend(r["rule"] for r in node.get("x-kubernetes-validations", []))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(_openapi_schema(kind, version))
    return rules


def _structural_checks(schema: Mapping, value, path: str, errors: list[str]) -> None:
    """list-type uniqueness and CEL rules, walking schema and (defaulted) value together."""
    for rule in schema.get("x-kubernetes-validations", []):
        text = rule["rule"]
        if "oldSelf" in text:
            continue  # transition rule: only on update
        check = CEL_RULES.get(text)
        if check is None:
            errors.append(f"{path or '<root>'}: CEL rule not checked by this validator: {text}")
        elif not check(value):
            errors.append(f"{path or '<root>'}: {rule.get('message') or 'failed rule ' + text}")
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), Mapping) else {}
        kind = schema.get("x-kubernetes-list-type")
        if kind == "map":
            keys = schema.get("x-kubernetes-list-map-keys", [])
            seen = set()
            for i, v in enumerate(value):
                if isinstance(v, Mapping):
                    k = tuple(json.dumps(v.get(key), sort_keys=True) for key in keys)
                    if k in seen:
                        errors.append(f"{path}[{i}]: Duplicate value: {{{', '.join(f'{key}: {v.get(key)!r}' for key in keys)}}}")
                    seen.add(k)
        elif kind == "set":
            dumped = [json.dumps(v, sort_keys=True) for v in value]
            for i, d in enumerate(dumped):
                if d in dumped[:i]:
                    errors.append(f"{path}[{i}]: Duplicate value: {value[i]!r}")
        for i, v in enumerate(value):
            _structural_checks(items, v, f"{path}[{i}]", errors)
    elif isinstance(value, Mapping):
        props = schema.get("properties", {})
        for key, sub in props.items():
            if key in value:
                _structural_checks(sub, value[key], f"{path}.{key}" if path else key, errors)


def crd_errors(obj: Mapping) -> list[str]:
    """A Kueue object against its vendored CRD version: defaults, schema, list types, CEL rules."""
    kind = obj.get("kind")
    group, _, version = str(obj.get("apiVersion")).partition("/")
    versions = crd_versions(kind)
    if group != KUEUE_GROUP or version not in versions or not versions[version]["served"]:
        served = ", ".join(f"{KUEUE_GROUP}/{v}" for v, f in versions.items() if f["served"])
        return [f"apiVersion {obj.get('apiVersion')!r}: Kueue {KUEUE_VERSION} serves {kind} as {served}"]
    schema = _openapi_schema(kind, version)
    defaulted = _apply_defaults(schema, copy.deepcopy(dict(obj)))
    errors = _messages(_crd_validator(kind, version), defaulted,
                       f"the Kueue {KUEUE_VERSION} CRD schema of {kind} {version}")
    if errors:  # CEL runs only on a schema-valid object, as in the API server
        return errors
    _structural_checks(schema, defaulted, "", errors)
    return errors
