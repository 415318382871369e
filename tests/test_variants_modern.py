"""Exercises 03, 05 and 08: every graded question with an `expected` value gives >= 10 distinct expected
answers over 40 learner ids (GUIDE "Exercise format"); questions declared in `fixed_questions` are exempt,
and questions graded by a `test=` property are not counted here (their accepted ranges are computed from
the same varying parameters)."""

from __future__ import annotations

import json

import nbformat
import pytest

import course_kit.checks as checks
from course_kit.course import variants

from helpers import ROOT

LEARNERS = [f"learner-{i:02d}" for i in range(40)]


def _expected_per_learner(path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("course_kit", {})
    spec = meta.get("variants", {})
    check_cells = [c.source for c in nb.cells if c.cell_type == "code" and "check" in c.metadata.get("course_kit", {})]
    seen: dict[str, set] = {}

    def record(question, answer, expected=None, *, test=None, **_):
        if test is None:
            seen.setdefault(question, set()).add(json.dumps(expected, sort_keys=True, default=repr))

    monkeypatch.setattr(checks, "check", record)
    for learner in LEARNERS:
        monkeypatch.setattr(variants, "_OVERRIDE", variants.draw(spec, path.stem, learner))  # what param() returns
        for source in check_cells:
            exec(compile(source, str(path), "exec"), {"__name__": "check_cell"})
    return seen, set(meta.get("fixed_questions", {}))


@pytest.mark.parametrize("name", ["03_topology", "05_intricacies", "08_scenarios"])
def test_every_numeric_question_varies_per_learner(name, monkeypatch):
    seen, fixed = _expected_per_learner(ROOT / "solutions" / f"{name}.ipynb", monkeypatch)
    assert seen, "no check cell with an expected value was found"
    few = {q: len(v) for q, v in seen.items() if q not in fixed and len(v) < 10}
    assert not few, f"{name}: questions with fewer than 10 distinct expected answers over 40 learners: {few}"
    assert all(len(seen[q]) >= 1 for q in fixed if q in seen)
