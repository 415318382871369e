"""The graded-exercise mechanism, end to end: exercises generated from solutions, pristine exercises
score zero, solutions score full marks, grading never writes to the learner's file, and the grader
survives cheating, infinite loops, crashed kernels and broken files."""

from __future__ import annotations

import copy
import os
import subprocess
import sys

import nbformat
import pytest

from course_kit import cli, paths
from course_kit.course import exercise_build, grading

from helpers import EXERCISES, ROOT, SOLUTIONS, rel, sha256

PAIRS = [(s, ROOT / "exercises" / s.name) for s in SOLUTIONS]


def test_exercises_are_up_to_date():
    stale = exercise_build.build_all(check_only=True)
    assert stale == [], f"exercises/ is out of date, run `course-kit build-exercises`: {stale}"


def test_every_exercise_has_a_solution():
    assert {p.name for p in EXERCISES} == {p.name for p in SOLUTIONS}
    assert (ROOT / "solutions" / "01_lifecycle.ipynb") in SOLUTIONS


@pytest.mark.parametrize("solution,exercise", PAIRS, ids=[rel(s) for s, _ in PAIRS])
def test_exercise_hides_the_solution(solution, exercise):
    ex = nbformat.read(exercise, as_version=4)
    text = nbformat.writes(ex)
    assert exercise_build.BEGIN not in text and exercise_build.END not in text
    assert exercise_build.MD_BEGIN not in text
    questions = ex.metadata["course_kit"]["questions"]
    assert len(questions) >= 3
    # committed without outputs: no "qN: correct ✓" before any answer
    assert all(not c.get("outputs") for c in ex.cells if c.cell_type == "code")
    checks = [c for c in ex.cells if exercise_build.cell_role(c)[0] == "check"]
    assert len(checks) == len(questions) and not any("NBVAL_CHECK_OUTPUT" in c.source for c in checks)


@pytest.mark.notebook
@pytest.mark.parametrize("exercise", EXERCISES, ids=rel)
def test_pristine_exercise_scores_zero(exercise):
    before = sha256(exercise)
    report = grading.grade(exercise, timeout_s=120)
    assert sha256(exercise) == before
    assert report.total >= 3
    assert report.score == 0, report.table()
    assert {r.status for r in report.results} == {"not done"}, report.table()


@pytest.mark.notebook
@pytest.mark.parametrize("solution", SOLUTIONS, ids=rel)
def test_solution_scores_full_marks(solution):
    before, mtime = sha256(solution), solution.stat().st_mtime_ns
    report = grading.grade(solution, timeout_s=300)
    assert report.all_passed, report.table()
    assert sha256(solution) == before and solution.stat().st_mtime_ns == mtime


# --------------------------------------------------------------------------- robustness (exercise 01)

EX01 = ROOT / "exercises" / "01_lifecycle.ipynb"
SOL01 = ROOT / "solutions" / "01_lifecycle.ipynb"


def _answered(overrides: dict[str, str] | None = None, *, drop_metadata=False):
    """Exercise 01 with every answer filled in from the solution, some replaced by ``overrides``."""
    ex = nbformat.read(EX01, as_version=4)
    sol = nbformat.read(SOL01, as_version=4)
    answers = {exercise_build.cell_role(c)[1]: c.source for c in sol.cells
               if exercise_build.cell_role(c)[0] == "answer"}
    answers.update(overrides or {})
    for cell in ex.cells:
        role, q = exercise_build.cell_role(cell)
        if role == "answer":
            cell.source = answers[q]
            if drop_metadata:
                cell.metadata.pop("course_kit")
    return ex


def _write(nb, tmp_path, name="01_lifecycle.ipynb"):
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def _statuses(report):
    return {r.question: r.status for r in report.results}


@pytest.mark.notebook
def test_edited_check_cell_and_pasted_output_gain_nothing(tmp_path):
    nb = _answered({"q2": "# Q2\nq2_wait_ms = 12345.0"})
    for cell in nb.cells:
        role, q = exercise_build.cell_role(cell)
        if role == "check" and q == "q2":
            cell.source = 'print("q2: correct ✓")'  # the learner "fixes" the check
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="q2: correct ✓\n")]
    nb.cells.append(nbformat.v4.new_code_cell('print("q3: correct ✓")  # NBVAL_CHECK_OUTPUT'))
    report = grading.grade(_write(nb, tmp_path), timeout_s=60)
    st = _statuses(report)
    assert st["q2"] == "wrong" and st["q1"] == st["q3"] == st["q4"] == "pass", report.table()
    assert "Hint" in report.results[1].detail


@pytest.mark.notebook
def test_cells_retyped_without_metadata_are_matched_by_their_comment(tmp_path):
    nb = _answered(drop_metadata=True)
    # the learner also duplicated a cell and added a helper cell of their own
    nb.cells.insert(5, nbformat.v4.new_code_cell("helper = 42"))
    report = grading.grade(_write(nb, tmp_path), timeout_s=60)
    assert report.all_passed, report.table()


def test_invalid_json_is_reported(tmp_path):
    path = tmp_path / "01_lifecycle.ipynb"
    path.write_text("{ this is not json", encoding="utf-8")
    report = grading.grade(path)
    assert report.score == 0 and report.error and "not a valid notebook" in report.error
    assert {r.status for r in report.results} == {"invalid notebook"}


@pytest.mark.notebook
def test_cli_grade_exit_codes_and_read_only(tmp_path):
    copy_path = _write(_answered(), tmp_path)
    before, mtime = sha256(copy_path), copy_path.stat().st_mtime_ns
    os.chmod(copy_path, 0o444)  # even a read-only file can be graded
    ok = subprocess.run([sys.executable, "-m", "course_kit.cli", "grade", str(copy_path)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Score: 4/4" in ok.stdout
    assert sha256(copy_path) == before and copy_path.stat().st_mtime_ns == mtime
    bad = subprocess.run([sys.executable, "-m", "course_kit.cli", "grade", str(EX01)],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "Score: 0/4" in bad.stdout


def test_start_copies_once_and_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "work_dir", lambda: tmp_path / "work")
    dest, created = cli.start("01")
    assert created and dest == tmp_path / "work" / "01_lifecycle.ipynb"
    assert sha256(dest) == sha256(EX01)
    dest.write_text("my precious work", encoding="utf-8")
    dest2, created2 = cli.start("1")
    assert dest2 == dest and not created2
    assert dest.read_text(encoding="utf-8") == "my precious work"


def test_start_unknown_section_is_a_clear_error():
    with pytest.raises(ValueError, match="section must name an exercise"):
        cli.start("99")


def test_work_folder_is_git_ignored():
    assert "work/" in (ROOT / ".gitignore").read_text().splitlines()


# --------------------------------------------------------------------------- the generator itself


def _solution(cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    return nb


def _answer(q, src):
    c = nbformat.v4.new_code_cell(src)
    c.metadata["course_kit"] = {"answer": q}
    return c


def _check(q, src=None):
    c = nbformat.v4.new_code_cell(src or f'# NBVAL_CHECK_OUTPUT\ncheck("{q}", lambda: x)')
    c.metadata["course_kit"] = {"check": q}
    return c


def test_stub_keeps_indentation_and_surrounding_code():
    src = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\nx = f()"
    out = exercise_build.stub_source(src, "q1")
    assert out.splitlines() == ["def f():", '    raise NotImplementedError("q1: replace this line with your answer")',
                                "x = f()"]


@pytest.mark.parametrize("cells,match", [
    ([_answer("q1", "x = 1"), _check("q1")], "no '### BEGIN SOLUTION'"),
    ([_answer("q1", "### BEGIN SOLUTION\nx = 1"), _check("q1")], "without"),
    ([_answer("q1", "### BEGIN SOLUTION\nx=1\n### END SOLUTION")], "no check cells"),
    ([_answer("q2", "### BEGIN SOLUTION\nx=1\n### END SOLUTION"), _check("q2")], "numbered"),
    ([_answer("q1", "### BEGIN SOLUTION\nx=1\n### END SOLUTION"), _check("q1", 'check("q1", 1)')],
     "lambda"),
    ([_check("q1")], "without an answer cell"),
])
def test_malformed_solutions_are_refused(cells, match):
    with pytest.raises(exercise_build.SolutionError, match=match):
        exercise_build.build_exercise(_solution(cells), "99_test")


def test_generated_exercise_drops_markdown_solutions():
    md = nbformat.v4.new_markdown_cell("Intro\n<!-- BEGIN SOLUTION -->\nsecret\n<!-- END SOLUTION -->\nmore")
    nb = _solution([md, _answer("q1", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), _check("q1"),
                    _answer("q2", "### BEGIN SOLUTION\ny = 2\n### END SOLUTION"), _check("q2")])
    ex = exercise_build.build_exercise(copy.deepcopy(nb), "99_test")
    text = nbformat.writes(ex)
    assert "secret" not in text and "Intro" in text and "more" in text
    assert "x = 1" not in text and "y = 2" not in text
    assert ex.metadata["course_kit"]["questions"] == ["q1", "q2"]


@pytest.mark.notebook
def test_nbval_lax_is_a_real_self_check(tmp_path):
    """`pytest --nbval-lax work/01_lifecycle.ipynb`: a solved copy passes, the pristine one fails its checks."""
    solved = _write(_answered(), tmp_path)
    (tmp_path / "w").mkdir()
    wrong = _write(_answered({"q2": "# Q2\nq2_wait_ms = 1.0"}), tmp_path / "w")

    def nbval(path):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                               "--nbval-lax", "--nbval-current-env", "--rootdir", str(path.parent), str(path)],
                              capture_output=True, text=True, cwd=path.parent, env=env, timeout=600)
    ok = nbval(solved)
    assert ok.returncode == 0, ok.stdout[-2000:]
    bad = nbval(wrong)
    assert bad.returncode == 1 and "q2: not yet" in bad.stdout and "1 failed" in bad.stdout, bad.stdout[-3000:]
