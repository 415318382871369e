"""The course map: every section of the course text, its notebook, module, widget and exercise.

Status comes from the files present, so the welcome notebook says which sections are written.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_kit import paths

__all__ = ["Section", "SECTIONS", "course_map", "course_map_html"]


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    notebook: str
    modules: str
    widget: str = ""
    exercise: str = ""

    @property
    def notebook_exists(self) -> bool:
        return (paths.notebooks_dir() / f"{self.notebook}.ipynb").is_file()

    @property
    def exercise_exists(self) -> bool:
        return bool(self.exercise) and (paths.exercises_dir() / f"{self.notebook}.ipynb").is_file()


SECTIONS: tuple[Section, ...] = (
    Section(0, "Welcome: how to use the kit", "00_welcome", "setup_notebook, CLI"),
    Section(1, "AI/ML Lifecycle Phases", "01_lifecycle", "lifecycle", "latency budget", "01"),
    Section(2, "Compute Hierarchy Deep Dive", "02_compute", "compute", "", "02"),
    Section(3, "Cluster Topology & Network Architecture", "03_topology", "topology, network",
            "topology", "03"),
    Section(4, "Advanced Scheduling & Resource Management", "04_scheduling", "scheduling",
            "scheduling", "04"),
    Section(5, "Infrastructure Intricacies & Optimization", "05_intricacies", "power, mig, sharing",
            "rack power, MIG profiles", "05"),
    Section(6, "Practical Implementation Examples", "06_practice", "telemetry, k8s", "", "06"),
    Section(7, "Key Questions & Assessments", "07_assessments", "(models above)", "", "07"),
    Section(8, "Tricky Scenarios & Problem Solving", "08_scenarios", "scenarios, scheduling", "", "08"),
    Section(9, "Industry Best Practices", "09_best_practices", "kpi, power, scheduling", "", "09"),
    Section(10, "Advanced Topics & Research Frontiers", "10_frontiers", "frontiers"),
)


def course_map() -> tuple[Section, ...]:
    return SECTIONS


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
