"""course_kit: the helper package of the course day "AI/ML Infrastructure Overview & Cluster Management".

Notebooks narrate; this package computes. One module per concept (``lifecycle``, ``topology``,
``power``, ``mig``, ``scheduling`` ...), plotly figure builders in ``figures``, interactive
controls in ``widgets``. ``import course_kit`` is kept fast: heavy libraries (plotly, pandas,
networkx, ipywidgets) are imported only by the modules that need them, when they are used.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

__all__ = ["__version__", "setup_notebook", "data_path", "repo_root"]

_LAZY = {
    "setup_notebook": ("course_kit.notebook", "setup_notebook"),
    "data_path": ("course_kit.paths", "data_path"),
    "repo_root": ("course_kit.paths", "repo_root"),
}


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
