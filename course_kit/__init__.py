"""course_kit: the helper package of the course day "AI/ML Infrastructure Overview & Cluster Management".

Notebooks narrate; this package computes. One module per concept (``lifecycle``, ``topology``,
``power``, ``mig``, ``scheduling`` ...), plotly figure builders in ``figures``, interactive
controls in ``widgets``. ``import course_kit`` is kept fast: heavy libraries (plotly, pandas,
networkx, ipywidgets) are imported only by the modules that need them, when they are used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["__version__", "setup_notebook", "data_path", "repo_root"]

_LAZY = {
    "setup_notebook": ("course_kit.notebook", "setup_notebook"),
    "data_path": ("course_kit.paths", "data_path"),
    "repo_root": ("course_kit.paths", "repo_root"),
}


if TYPE_CHECKING:
    # What the lazy __getattr__ below provides, spelled out for type checkers and IDEs (never run:
    # `import course_kit` stays light; `x as x` marks a re-export). tests/test_package.py keeps it complete.
    from course_kit import assessments as assessments
    from course_kit import checks as checks
    from course_kit import cli as cli
    from course_kit import collectives as collectives
    from course_kit import compute as compute
    from course_kit import course as course
    from course_kit import course_map as course_map
    from course_kit import figures as figures
    from course_kit import frontiers as frontiers
    from course_kit import gpu_k8s as gpu_k8s
    from course_kit import k8s as k8s
    from course_kit import k8s_schemas as k8s_schemas
    from course_kit import kpi as kpi
    from course_kit import lifecycle as lifecycle
    from course_kit import mig as mig
    from course_kit import network as network
    from course_kit import network_qos as network_qos
    from course_kit import notebook as notebook
    from course_kit import parallelism as parallelism
    from course_kit import paths as paths
    from course_kit import power as power
    from course_kit import present as present
    from course_kit import reliability as reliability
    from course_kit import scenarios as scenarios
    from course_kit import scheduling as scheduling
    from course_kit import sharing as sharing
    from course_kit import telemetry as telemetry
    from course_kit import topology as topology
    from course_kit import variants as variants
    from course_kit import widgets as widgets
    from course_kit.notebook import setup_notebook as setup_notebook
    from course_kit.paths import data_path as data_path
    from course_kit.paths import repo_root as repo_root


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    # Sub-modules are imported on first use: ``course_kit.lifecycle`` works without an import line.
    try:
        return importlib.import_module(f"course_kit.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"course_kit.{name}":
            raise AttributeError(f"module 'course_kit' has no attribute {name!r}") from None
        raise


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
