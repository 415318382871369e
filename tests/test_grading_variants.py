"""Variant strength (every graded numeric question varies across learners) and the workshop release
(no expected value, no formula, no answer key in it), both computed with the answer key."""

from __future__ import annotations

import json
import math
import numbers

import pytest

from course_kit.course import release
from course_kit.course.exercise_build import known_exercises
from course_kit.course.key import Engine
from course_kit.course.variants import draw, safe_id

pytestmark = pytest.mark.xdist_group("grading_variants")  # one worker, one answer-key cache

#: 24 learners, at least 10 distinct answers each: a question whose variants take 9 values or fewer
#: fails, as it did with 40 learners (the answer key runs once per learner and question set: 40 took
#: ~35 s of the suite). The fewest distinct today: 11 of 24 (01 q2); 13 of 40.
LEARNERS = [f"learner-{i:02d}" for i in range(24)]
MIN_DISTINCT = 10
ENGINE = Engine(max_cache=4)


def _meta(name):
    return json.loads(known_exercises()[name].read_text())["metadata"].get("course_kit") or {}


def _numeric(v) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, numbers.Real):
        return True
    if isinstance(v, (list, tuple)):
        return any(_numeric(x) for x in v)
    if isinstance(v, dict):
        return any(_numeric(x) for x in v.values())
    return getattr(getattr(v, "dtype", None), "kind", "") in ("i", "u", "f")


def _expected_by_learner(name):
    spec = _meta(name).get("variants") or {}
    return {who: ENGINE.expected(name, draw(spec, name, who) if spec else {}) for who in LEARNERS}


_CACHE: dict = {}


def _distinct(name):
    if name not in _CACHE:
        seen: dict = {}
        for values in _expected_by_learner(name).values():
            for q, v in values.items():
                seen.setdefault(q, set()).add(json.dumps(v, default=str, sort_keys=True))
        _CACHE[name] = seen
    return _CACHE[name]


def _graded_numeric_questions():
    out = []
    for name in known_exercises():
        prepared = ENGINE.prepare(name, {})
        fixed = _meta(name).get("fixed_questions") or {}
        for q, s in prepared.specs.items():
            if q not in fixed and _numeric(s.get("expected")):
                out.append((name, q))
    return out


# (exercise, question) whose owners are still adding variants (issue 11 item 7); the integrator removes them
PENDING: set[tuple[str, str]] = set()  # (exercise, question) whose variants are still being written
CASES = [pytest.param(n, q, id=f"{n}-{q}", marks=[pytest.mark.xfail(strict=True, reason="variants pending (owner)")]
                      if (n, q) in PENDING else []) for n, q in _graded_numeric_questions()]


@pytest.mark.parametrize("name,question", CASES)
def test_every_graded_numeric_question_varies_across_learners(name, question):
    n = len(_distinct(name)[question])
    assert n >= MIN_DISTINCT, (f"{name} {question}: {n} distinct expected answers across {len(LEARNERS)} learners "
                               f"(need {MIN_DISTINCT}); widen its variants or declare it in fixed_questions")


def test_fixed_questions_say_why():
    for name in known_exercises():
        for q, why in (_meta(name).get("fixed_questions") or {}).items():
            assert q.startswith("q") and isinstance(why, str) and len(why) > 10, (name, q)


# --------------------------------------------------------------------------- the release


ROSTER = ["Smith, John", "ada", "learner-07", "Zoë O'Neil"]


def _number_texts(v):
    if isinstance(v, bool):
        return set()
    if isinstance(v, numbers.Real):
        x = float(v)
        if not math.isfinite(x) or abs(x - round(x)) < 1e-6 or len(f"{x:.6g}".replace(".", "").strip("-0")) < 3:
            return set()  # whole or short numbers (2 sockets, a 0.3 share given in the question) are everywhere
        # 5+ significant digits: shorter forms (0.9995) are ordinary numbers of the question text
        return {t for t in (repr(x), f"{x:.6g}", f"{x:.5g}", f"{x:.8f}".rstrip("0"))
                if len(t.replace(".", "").replace("-", "").strip("0")) >= 5}
    if isinstance(v, (list, tuple)):
        return set().union(*(_number_texts(x) for x in v)) if v else set()
    if isinstance(v, dict):
        return set().union(*(_number_texts(x) for x in v.values())) if v else set()
    return set()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    roster = tmp_path_factory.mktemp("roster") / "roster.txt"
    roster.write_text("\n".join(ROSTER), encoding="utf-8")
    out = tmp_path_factory.mktemp("release") / "out"
    release.release(out, roster=roster)
    return out


def test_release_has_one_folder_per_learner_with_their_numbers(bundle):
    import nbformat

    assert sorted(p.name for p in bundle.iterdir() if p.is_dir()) == sorted(safe_id(n) for n in ROSTER)
    assert (bundle / "README.md").is_file()
    nb = nbformat.read(bundle / "smith-john" / "01_lifecycle.ipynb", as_version=4)
    spec = _meta("01_lifecycle")["variants"]
    assert nb.metadata["course_kit"]["variant"]["parameters"] == draw(spec, "01_lifecycle", "smith-john")


def test_release_contains_no_expected_value_and_no_formula(bundle):
    leaks = []
    for who in ROSTER:
        sid = safe_id(who)
        for name in known_exercises():
            text = (bundle / sid / f"{name}.ipynb").read_text(encoding="utf-8")
            for marker in ("expected=", "BEGIN SOLUTION", "END SOLUTION", "param(", "test=", "solutions/",
                           "check_scoring_function"):
                if marker in text:
                    leaks.append((sid, name, marker))
            spec = _meta(name).get("variants") or {}
            for q, v in ENGINE.expected(name, draw(spec, name, sid) if spec else {}).items():
                for t in _number_texts(v):
                    if t in text:
                        leaks.append((sid, name, q, t))
    assert leaks == [], leaks[:20]


def test_public_check_keeps_only_literal_forms():
    src = 'check("q1", lambda: x, expected=1, form=Number(low=secret()), hint=f"{y}")'
    out = release.public_check_source(src, "q1")
    assert "form=" not in out and "hint" not in out and "secret" not in out and "lambda: x" in out


def test_roster_collisions_and_empty_rosters_are_refused(tmp_path):
    r = tmp_path / "r.txt"
    r.write_text("Smith, John\nsmith john\n")
    with pytest.raises(ValueError, match="same learner id"):
        release.read_roster(r)
    r.write_text("# nobody\n")
    with pytest.raises(ValueError, match="at least one learner"):
        release.read_roster(r)


@pytest.mark.notebook
def test_a_released_notebook_answered_from_the_solution_grades_full_marks(bundle, tmp_path):
    import nbformat

    from course_kit.course import exercise_build, grading

    sol = nbformat.read(known_exercises()["07_assessments"], as_version=4)
    answers = {exercise_build.cell_role(c)[1]: c.source for c in sol.cells if exercise_build.cell_role(c)[0] == "answer"}
    nb = nbformat.read(bundle / "ada" / "07_assessments.ipynb", as_version=4)
    for cell in nb.cells:
        role, q = exercise_build.cell_role(cell)
        if role == "answer":
            cell.source = answers[q]
    path = tmp_path / "07_assessments.ipynb"
    nbformat.write(nb, path)
    report = grading.grade(path, learner="ada", timeout_s=120)
    assert report.all_passed and report.score == report.total == 7, report.table()
    assert report.variant == draw(_meta("07_assessments")["variants"], "07_assessments", "ada")
