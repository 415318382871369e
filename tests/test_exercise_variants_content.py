"""Exercises 02, 04 and 09 give every learner their own numbers: across 40 learner ids, every graded
question's expected answer (as the answer key computes it from the solution) takes at least 10
distinct values, except the questions the solution declares fixed (with a reason) and questions
graded only by a predicate (whose hand check is recomputed from the same parameters)."""

from __future__ import annotations

import json

import pytest

from course_kit.course import variants
from course_kit.course.key import Engine
from tests.helpers import ROOT

LEARNERS = [f"learner-{i:02d}" for i in range(40)]


def _meta(stem):
    nb = json.loads(next((ROOT / "solutions").glob(f"{stem}*.ipynb")).read_text(encoding="utf-8"))
    return nb["metadata"]["course_kit"]


@pytest.mark.parametrize("stem", ["02_compute", "04_scheduling", "09_best_practices"])
def test_every_graded_question_varies_across_learners(stem):
    meta = _meta(stem)
    fixed = meta.get("fixed_questions", {})
    assert all(isinstance(why, str) and len(why.split()) >= 4 for why in fixed.values())
    engine = Engine(max_cache=len(LEARNERS) + 1)
    seen: dict[str, set] = {}
    for learner in LEARNERS:
        prepared = engine.prepare(stem, variants.draw(meta["variants"], stem, learner))
        assert not prepared.errors and not prepared.context_errors, (prepared.errors, prepared.context_errors)
        for q, spec in prepared.specs.items():
            if spec.get("test") is None:
                seen.setdefault(q, set()).add(json.dumps(spec.get("expected"), sort_keys=True, default=str))
    assert seen, "the key recorded no expected values"
    for q, values in seen.items():
        if q in fixed:
            continue
        assert len(values) >= 10, f"{stem} {q}: only {len(values)} distinct expected answers over 40 learners"
