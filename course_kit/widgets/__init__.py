"""Interactive widgets of the course: each is a function returning an ipywidgets container.

A widget only wires controls to the domain modules (``course_kit.lifecycle``, ...) and to the
figure builders (``course_kit.figures``); it holds no formula of its own. Bad input shows a message
inside the widget (see :class:`course_kit.widgets.base.Panel`), never a traceback.

Import cost: ipywidgets and plotly are imported when a widget is built, not at package import.
"""

from __future__ import annotations

import importlib

_WIDGETS = {
    "topology_explorer": "course_kit.widgets.topology",
    "roofline_explorer": "course_kit.widgets.roofline",
    "latency_budget": "course_kit.widgets.latency",
    "widget_check": "course_kit.widgets.hello",
    "rack_power": "course_kit.widgets.rack",
    "mig_partitioner": "course_kit.widgets.mig",
    "scheduler_playground": "course_kit.widgets.scheduling",
    "predict": "course_kit.widgets.predict_check",
    "parallelism_planner": "course_kit.widgets.parallelism",
    "checkpoint_planner": "course_kit.widgets.checkpoint",
}

__all__ = sorted(_WIDGETS)


def __getattr__(name: str):
    if name in _WIDGETS:
        return getattr(importlib.import_module(_WIDGETS[name]), name)
    raise AttributeError(f"module 'course_kit.widgets' has no attribute {name!r}")
