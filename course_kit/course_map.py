"""The course map: every section of the course text, its notebook, modules, widgets and exercise.

One source: :data:`SECTIONS`. The README's course table is generated from it
(:func:`readme_table`, checked by ``tests/test_course_map.py``), the welcome notebook's map is
:func:`course_map_html`, ``course-kit sections`` prints it, and the widget registry
(``course_kit.widgets``) is tested against the widgets named here. :func:`find_section` is the
one lookup of a section from what a user types (``1``, ``"01"``, ``"01_lifecycle"``,
``"notebooks/01_lifecycle.ipynb"``), used by ``course-kit start`` and ``course-kit present``.

Status comes from the files present, so the welcome notebook says which sections are written.

>>> find_section("2").widgets
('roofline_explorer',)
>>> find_section("05_intricacies").number
5
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from course_kit import paths

__all__ = ["Section", "SECTIONS", "course_map", "course_map_html", "find_section", "readme_table",
           "widget_label"]


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    notebook: str
    modules: str
    #: what a learner does there (the README's "What you do there" column)
    summary: str
    #: names in the widget registry (``course_kit.widgets``), in the order the notebook shows them
    widgets: tuple[str, ...] = ()
    exercise: str = ""

    @property
    def notebook_path(self) -> Path:
        return paths.notebooks_dir() / f"{self.notebook}.ipynb"

    @property
    def notebook_exists(self) -> bool:
        return self.notebook_path.is_file()

    @property
    def exercise_exists(self) -> bool:
        return bool(self.exercise) and (paths.exercises_dir() / f"{self.notebook}.ipynb").is_file()

    @property
    def widget(self) -> str:
        """The widgets as shown to people: ``"rack power, MIG partitioner"`` (``""`` if none)."""
        return ", ".join(widget_label(w) for w in self.widgets)


def widget_label(name: str) -> str:
    """``"mig_partitioner"`` → ``"MIG partitioner"``: a registry name as shown in tables."""
    words = name.split("_")
    return " ".join(w.upper() if w in {"mig"} else w for w in words)


#: widgets every section may use (not a section's own widget): the predict-then-check box
TOOL_WIDGETS: tuple[str, ...] = ("predict",)

SECTIONS: tuple[Section, ...] = (
    Section(0, "Welcome: how to use the kit", "00_welcome", "setup_notebook, CLI",
            "how to use the kit; course map", ("widget_check",)),
    Section(1, "AI/ML Lifecycle Phases", "01_lifecycle", "lifecycle",
            "latency budgets as distributions, queues and backlogs, trace breakdowns", ("latency_budget",), "01"),
    Section(2, "Compute Hierarchy Deep Dive", "02_compute", "compute",
            "sourced CPU/GPU/TPU/DPU catalog, rooflines, Q2 serving sizing", ("roofline_explorer",), "02"),
    Section(3, "Cluster Topology & Network Architecture", "03_topology", "topology, network",
            "fat-tree, leaf-spine, rail-optimised fabrics; bisection by max-flow; collectives; scale-up vs "
            "scale-out and the parallelism planner", ("topology_explorer", "parallelism_planner"), "03"),
    Section(4, "Advanced Scheduling & Resource Management", "04_scheduling", "scheduling",
            "bin packing, gangs, DRF, lottery, preemption; replays of real Alibaba and Philly traces",
            ("scheduler_playground",), "04"),
    Section(5, "Infrastructure Intricacies & Optimization", "05_intricacies", "power, mig, sharing",
            "rack power, airflow and ASHRAE; liquid-cooled racks; exact MIG placement; time-slicing vs MPS vs MIG",
            ("rack_power", "mig_partitioner"), "05"),
    Section(6, "Practical Implementation Examples", "06_practice", "telemetry, k8s",
            "a promtool-clean exporter on loopback; manifests checked against the real schemas; GPUs on "
            "Kubernetes end to end", (), "06"),
    Section(7, "Key Questions & Assessments", "07_assessments", "(models above)",
            "the course text's Q1–Q6, answered with the models and corrected", (), "07"),
    Section(8, "Tricky Scenarios & Problem Solving", "08_scenarios", "scenarios, scheduling",
            "cascading failure, performance diagnosis, the preemption paradox, a training job that keeps "
            "stopping", ("checkpoint_planner",), "08"),
    Section(9, "Industry Best Practices", "09_best_practices", "kpi, power, scheduling",
            "SLOs and error budgets, cost per inference, PUE and DVFS, hierarchical fair share", (), "09"),
    Section(10, "Advanced Topics & Research Frontiers", "10_frontiers", "frontiers",
            "neuromorphic, quantum error correction and DNA storage calculators"),
)


def course_map() -> tuple[Section, ...]:
    return SECTIONS


def find_section(key: str | int) -> Section:
    """The section a user means: ``1``, ``"1"``, ``"01"``, ``"01_lifecycle"``, ``"01_lifecycle.ipynb"``
    or a path ending in one of these. Raises ValueError listing the sections otherwise.

    >>> find_section(1).notebook, find_section("notebooks/03_topology.ipynb").number
    ('01_lifecycle', 3)
    >>> find_section("lifecycle")
    Traceback (most recent call last):
    ...
    ValueError: section must be a number 0-10 or a notebook name like 01_lifecycle; got 'lifecycle'
    """
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise ValueError(f"section must be a number 0-{SECTIONS[-1].number} or a notebook name like "
                         f"01_lifecycle; got {key!r}")
    text = str(key).strip()
    text = Path(text).name if text else text
    if text.endswith(".ipynb"):
        text = text[: -len(".ipynb")]
    for s in SECTIONS:
        if text == s.notebook or (text.isascii() and text.isdigit() and int(text) == s.number):
            return s
    raise ValueError(f"section must be a number 0-{SECTIONS[-1].number} or a notebook name like "
                     f"01_lifecycle; got {key!r}")


def readme_table() -> str:
    """The README's course table (markdown), generated from :data:`SECTIONS`."""
    rows = ["| § | Notebook | What you do there | Widget | Exercise |", "|---|---|---|---|---|"]
    for s in SECTIONS:
        rows.append(f"| {s.number} | `{s.notebook}` | {s.summary} | {s.widget or '—'} | {s.exercise or '—'} |")
    return "\n".join(rows) + "\n"


def course_map_html() -> str:
    """An HTML table of the course with links to the written notebooks (relative to notebooks/)."""
    import html

    rows = []
    for s in SECTIONS:
        title = html.escape(s.title)
        if s.notebook_exists:
            cell = f'<a href="{s.notebook}.ipynb">{title}</a>'
            status = "ready"
        else:
            cell, status = title, "<i>not written yet</i>"
        if s.exercise and s.exercise_exists:
            ex = f'<a href="../exercises/{s.notebook}.ipynb">exercise {s.exercise}</a>'
        elif s.exercise:
            ex = "<i>coming</i>"
        else:
            ex = "—"
        rows.append(f"<tr><td>{s.number}</td><td>{cell}</td><td>{status}</td>"
                    f"<td>{html.escape(s.widget) or '—'}</td><td>{ex}</td></tr>")
    head = ("<tr><th>§</th><th>Section</th><th>Status</th><th>Widget</th><th>Exercise</th></tr>")
    style = "<style>.ck-map td, .ck-map th {text-align: left !important;}</style>"
    return f'{style}<table class="ck-map">{head}{"".join(rows)}</table>'
