"""Per-learner exercise variants: each learner gets their own numbers, drawn from their id.

A solution declares which of its ``parameters`` cell values vary, in its notebook metadata::

    "course_kit": {"variants": {
        "ARRIVAL_RATE_PER_S": {"choices": [600, 700, 800, 900]},
        "SLICE_MS": {"low": 50, "high": 250, "step": 10}
    }}

``course-kit start NN --learner ID`` draws one value per parameter from a generator seeded with
``sha256(exercise + ":" + ID)`` (so the same id always gets the same numbers, and neighbours get
different ones), injects them with papermill after the ``parameters`` cell, and records them in the
notebook's metadata (``course_kit.variant``).

Answer cells use the plain names (``ARRIVAL_RATE_PER_S``); **check cells** read them with
:func:`param`. In the learner's own notebook :func:`param` returns the value the notebook defines. When
a submission is graded, the answer key (another process, :mod:`course_kit.course.key`) sets the values
*recomputed from the learner id*; the learner's process never decides which numbers count, and an
edited parameters cell is reported and replaced by the issued values.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

from course_kit._validate import check_number

__all__ = ["draw", "is_learner_id", "learner_seed", "param", "parameter_values", "safe_id", "validate_spec"]

_LEARNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@\-]{0,63}$")
_OVERRIDE: dict | None = None  # set by the answer key in its own process


def is_learner_id(text) -> bool:
    return isinstance(text, str) and bool(_LEARNER.match(text))


def safe_id(name: str) -> str:
    """A learner id from a folder name as LMS exports write them ("Smith, John" -> "smith-john").

    >>> safe_id("Smith, John"), safe_id("ada"), safe_id("  Zoë  O'Neil ")
    ('smith-john', 'ada', 'zoe-o-neil')
    """
    if is_learner_id(name) and name == name.lower():
        return name
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9._@]+", "-", text).strip("-._@")[:64].strip("-._@")
    if not text:
        raise ValueError(f"name must contain a letter or digit to make a learner id; got {name!r}")
    return text


def _check_learner(learner: str) -> str:
    if not isinstance(learner, str) or not _LEARNER.match(learner):
        raise ValueError("learner must be 1–64 characters of letters, digits, '.', '_', '-' or '@', "
                         f"starting with a letter or digit; got {learner!r}")
    return learner


def learner_seed(exercise: str, learner: str) -> int:
    """A 64-bit seed from the exercise name and the learner id (stable across machines and runs)."""
    digest = hashlib.sha256(f"{exercise}:{_check_learner(learner)}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def validate_spec(spec: dict) -> dict:
    """Check a variants spec (see the module docstring); returns it."""
    if not isinstance(spec, dict):
        raise ValueError(f"variants spec must be a dict of parameter name -> rule; got {spec!r}")
    for name, rule in spec.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"variant parameter names must be Python identifiers; got {name!r}")
        if not isinstance(rule, dict):
            raise ValueError(f"variant rule for {name} must be a dict; got {rule!r}")
        if "choices" in rule:
            if not isinstance(rule["choices"], list) or not rule["choices"]:
                raise ValueError(f"choices of {name} must be a non-empty list; got {rule['choices']!r}")
        elif {"low", "high"} <= set(rule):
            low = check_number(f"{name}.low", rule["low"])
            check_number(f"{name}.high", rule["high"], low=low)
            if "step" in rule:
                check_number(f"{name}.step", rule["step"], low=0, low_inclusive=False)
        else:
            raise ValueError(f"variant rule for {name} needs 'choices' or 'low'/'high'; got {rule!r}")
    return spec


def draw(spec: dict, exercise: str, learner: str) -> dict:
    """The learner's parameter values (deterministic in exercise and learner).

    >>> spec = {"RATE": {"choices": [1, 2, 3, 4, 5, 6]}, "SLICE_MS": {"low": 50, "high": 250, "step": 10}}
    >>> draw(spec, "01_x", "ada") == draw(spec, "01_x", "ada")
    True
    >>> 50 <= draw(spec, "01_x", "ada")["SLICE_MS"] <= 250
    True
    """
    validate_spec(spec)
    rng = np.random.default_rng(learner_seed(exercise, learner))
    values = {}
    for name in sorted(spec):
        rule = spec[name]
        if "choices" in rule:
            values[name] = rule["choices"][int(rng.integers(len(rule["choices"])))]
        else:
            low, high = float(rule["low"]), float(rule["high"])
            step = float(rule.get("step", 0)) or None
            if step:
                k = int(rng.integers(int((high - low) // step) + 1))
                v = low + k * step
            else:
                v = float(rng.uniform(low, high))
            values[name] = int(v) if all(float(x).is_integer() for x in (low, high, step or 1)) else round(v, 6)
    return values


def parameter_values(source: str) -> dict:
    """Literal assignments ``NAME = value`` in a parameters cell (other lines ignored)."""
    import ast

    out = {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return out
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                out[node.targets[0].id] = "<not a literal>"
    return out


def param(name: str):
    """A variant parameter's value, for check cells: the answer key's value when grading, else the
    notebook's own (its ``parameters`` cell, possibly injected by ``course-kit start --learner``)."""
    if _OVERRIDE is not None and name in _OVERRIDE:
        return _OVERRIDE[name]
    import __main__

    if hasattr(__main__, name):
        return getattr(__main__, name)
    raise ValueError(f"name must be a parameter defined in the notebook's parameters cell; got {name!r}")
