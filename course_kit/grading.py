"""Grading a learner's exercise notebook with nbval, without trusting or touching it.

How ``course-kit grade PATH`` works:

1. PATH is only read. The exercise it belongs to is found from its metadata
   (``course_kit.exercise``) or its file name, and the pristine ``exercises/NN_name.ipynb`` is loaded.
2. A **grading copy** is built in a temporary folder: the learner's code cells (outputs, nbval
   markers and tags removed; anything that looks like a check cell dropped), and after the learner's
   last answer cell for each question the *pristine* check cell with its stored expected output. A
   learner who edits a check cell, or pastes the expected text into an output, gains nothing.
3. nbval runs the copy in a fresh kernel of this environment (``--nbval-lax --nbval-current-env``)
   with a per-cell time limit; a small pytest plugin records each cell's outcome.
4. Each question passes when its check cell's output equals the stored one. A cell that runs past the
   time limit is interrupted and reported (``timeout``); a crashed kernel fails the remaining
   questions (``kernel died``) — never the grader.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from course_kit import paths
from course_kit._validate import check_number
from course_kit.checks import NOT_ANSWERED
from course_kit.exercise_build import cell_role

__all__ = ["QuestionResult", "GradeReport", "grade", "grading_copy", "find_exercise",
           "DEFAULT_TIMEOUT_S", "SANITIZE_FILE"]

DEFAULT_TIMEOUT_S = 60.0
SANITIZE_FILE = Path(__file__).with_name("nbval_sanitize.cfg")
_ANSWER_COMMENT = re.compile(r"^\s*#\s*[Qq]([1-9][0-9]*)\b")
_CHECK_CALL = re.compile(r"\bcheck\(\s*['\"]q[0-9]+['\"]")


@dataclass(frozen=True)
class QuestionResult:
    question: str
    passed: bool
    status: str  # pass | wrong | not done | error | timeout | kernel died | invalid notebook
    detail: str = ""


@dataclass(frozen=True)
class GradeReport:
    path: str
    exercise: str
    results: tuple[QuestionResult, ...]
    error: str | None = None
    elapsed_s: float = field(default=0.0, compare=False)

    @property
    def score(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def all_passed(self) -> bool:
        return self.total > 0 and self.score == self.total and self.error is None

    def table(self) -> str:
        """A per-question table and the score, as printed by ``course-kit grade``."""
        lines = [f"Grading {self.path} (exercise {self.exercise})"]
        if self.error:
            lines.append(f"  problem: {self.error}")
        width = max([len("question")] + [len(r.question) for r in self.results])
        lines.append(f"  {'question':<{width}}  {'result':<11}  detail / hint")
        for r in self.results:
            mark = "✔ pass" if r.passed else f"✘ {r.status}"
            lines.append(f"  {r.question:<{width}}  {mark:<11}  {r.detail}")
        lines.append(f"Score: {self.score}/{self.total}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"path": self.path, "exercise": self.exercise, "score": self.score, "total": self.total,
                "error": self.error,
                "results": [r.__dict__ for r in self.results]}


# ----------------------------------------------------------------------------- building the copy


def _read_notebook(path: Path):
    import nbformat

    text = path.read_bytes().decode("utf-8")  # read once; the file is never opened for writing
    return nbformat.reads(text, as_version=4)


def find_exercise(learner_nb, path: Path) -> Path:
    """The pristine exercise a learner's notebook belongs to."""
    ex_dir = paths.exercises_dir()
    name = None
    if learner_nb is not None:
        name = (learner_nb.metadata.get("course_kit") or {}).get("exercise")
    candidates = []
    if name:
        candidates.append(ex_dir / f"{name}.ipynb")
    candidates.append(ex_dir / path.name)
    m = re.match(r"(\d\d)", path.name)
    if m:
        candidates.extend(sorted(ex_dir.glob(f"{m.group(1)}_*.ipynb")))
    for c in candidates:
        if c.is_file():
            return c
    known = ", ".join(p.stem for p in sorted(ex_dir.glob("*.ipynb"))) or "none"
    raise ValueError(f"path {str(path)!r} does not belong to a known exercise (known: {known}); "
                     "name it like the exercise (e.g. 01_lifecycle.ipynb)")


def _learner_question(cell) -> str | None:
    role, q = cell_role(cell)
    if role == "answer":
        return q
    for line in cell.source.splitlines():
        if line.strip():
            m = _ANSWER_COMMENT.match(line)
            return f"q{m.group(1)}" if m else None
    return None


def _looks_like_check(cell) -> bool:
    role, _ = cell_role(cell)
    return role == "check" or "NBVAL_CHECK_OUTPUT" in cell.source or bool(_CHECK_CALL.search(cell.source))


def _clean_learner_cell(cell):
    import nbformat

    src = "\n".join(line for line in cell.source.splitlines() if not re.match(r"^\s*#\s*NBVAL_", line))
    new = nbformat.v4.new_code_cell(src)
    q = _learner_question(cell)
    if q:
        new.metadata["course_kit"] = {"answer": q}
    return new


def grading_copy(learner_nb, pristine_nb):
    """The notebook nbval runs, and ``{code cell index: (role, question)}`` for reading its results."""
    import copy

    import nbformat

    checks: dict[str, list] = {}
    for cell in pristine_nb.cells:
        role, q = cell_role(cell)
        if role == "check":
            checks.setdefault(q, []).append(copy.deepcopy(cell))
    questions = list(checks)
    learner_cells = [] if learner_nb is None else [
        c for c in learner_nb.cells if c.cell_type == "code" and not _looks_like_check(c)]
    last = {}
    for i, c in enumerate(learner_cells):
        q = _learner_question(c)
        if q in checks:
            last[q] = i
    cells, roles, placed = [], {}, set()

    def add(cell, role, q):
        roles[len(cells)] = (role, q)
        cells.append(cell)

    for i, c in enumerate(learner_cells):
        q = _learner_question(c)
        add(_clean_learner_cell(c), "answer" if q else "learner", q)
        for question in questions:
            if last.get(question) == i:
                for chk in checks[question]:
                    add(chk, "check", question)
                placed.add(question)
    for question in questions:
        if question not in placed:
            for chk in checks[question]:
                add(chk, "check", question)
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    return nb, roles


# ----------------------------------------------------------------------------- running it


def _classify(q: str, check_rec: dict | None, answer_recs: list[dict], run_problem: str | None):
    died = QuestionResult(q, False, "kernel died",
                          "the kernel crashed (or stopped responding) before this check could run")
    if check_rec is None:
        return died if run_problem else QuestionResult(q, False, "not run", "the check cell did not run")
    if check_rec["outcome"] == "passed":
        return QuestionResult(q, True, "pass", "")
    out = (check_rec.get("output") or "").strip()
    msg = check_rec.get("message") or ""
    first_out = out.splitlines()[-1] if out else ""
    for rec in answer_recs:
        if rec.get("kernel_died") or "Failed to interrupt kernel" in rec.get("message", ""):
            return died
        if rec["outcome"] == "failed" and "Timeout" in rec.get("message", ""):
            return QuestionResult(q, False, "timeout", "your answer cell ran past the time limit and was stopped")
    if (check_rec["outcome"] == "skipped" or check_rec.get("kernel_died") or "Kernel dead" in msg
            or "Failed to interrupt kernel" in msg):
        return died
    if "Timeout" in msg:
        return QuestionResult(q, False, "timeout", "the check ran past the time limit")
    if NOT_ANSWERED in out:
        return QuestionResult(q, False, "not done", "answer cell not filled in yet")
    if "your answer raised" in out:
        return QuestionResult(q, False, "error", first_out.split(": ", 1)[-1])
    if first_out.startswith(f"{q}:"):
        return QuestionResult(q, False, "wrong", first_out.split(": ", 1)[-1])
    return QuestionResult(q, False, "error", (first_out or msg.strip().splitlines()[-1:] or [""])[0][:300])


def grade(path, *, timeout_s: float = DEFAULT_TIMEOUT_S, exercise=None) -> GradeReport:
    """Grade the learner notebook at ``path`` (never written to). ``timeout_s`` is the per-cell limit.

    The kernel is started from this Python environment (``sys.executable``), in a temporary folder.
    """
    import time

    t0 = time.perf_counter()
    path = Path(path)
    timeout_s = check_number("timeout_s", timeout_s, low=1, high=24 * 3600)
    if not path.is_file():
        raise ValueError(f"path must be an existing notebook file; got {str(path)!r}")
    learner, problem = None, None
    try:
        learner = _read_notebook(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is graded as such
        problem = f"not a valid notebook ({type(exc).__name__}: {str(exc)[:200]})"
    ex_path = Path(exercise) if exercise else find_exercise(learner, path)
    pristine = _read_notebook(ex_path)
    questions = list((pristine.metadata.get("course_kit") or {}).get("questions") or
                     dict.fromkeys(q for c in pristine.cells for r, q in [cell_role(c)] if r == "check"))
    if problem:
        return GradeReport(str(path), ex_path.stem,
                           tuple(QuestionResult(q, False, "invalid notebook", problem) for q in questions),
                           error=problem, elapsed_s=time.perf_counter() - t0)
    nb, roles = grading_copy(learner, pristine)
    records, run_problem = _run_nbval(nb, ex_path.stem, timeout_s, n_cells=len(roles))
    by_cell = {r["cell"]: r for r in records}
    results = []
    for q in questions:
        check_cells = [i for i, (role, qq) in roles.items() if role == "check" and qq == q]
        answer_cells = [i for i, (role, qq) in roles.items() if role == "answer" and qq == q]
        recs = [by_cell[i] for i in check_cells if i in by_cell]
        rec = None
        if len(recs) == len(check_cells) and recs:
            failed = [r for r in recs if r["outcome"] != "passed"]
            rec = failed[0] if failed else recs[0]
        results.append(_classify(q, rec, [by_cell[i] for i in answer_cells if i in by_cell], run_problem))
    return GradeReport(str(path), ex_path.stem, tuple(results), error=None,
                       elapsed_s=time.perf_counter() - t0)


def _run_nbval(nb, stem: str, timeout_s: float, n_cells: int) -> tuple[list[dict], str | None]:
    import nbformat

    with tempfile.TemporaryDirectory(prefix="ck-grade-") as tmp:
        tmpdir = Path(tmp)
        nb_path = tmpdir / f"{stem}.ipynb"
        nbformat.write(nb, nb_path)
        report = tmpdir / "report.jsonl"
        report.touch()
        env = dict(os.environ)
        env["COURSE_KIT_REPORT"] = str(report)
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env.pop("PYTEST_ADDOPTS", None)
        env.pop("PYTEST_XDIST_WORKER", None)
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "nbval.plugin",
               "-p", "course_kit._nbval_report", "--nbval-lax", "--nbval-current-env",
               f"--nbval-cell-timeout={timeout_s:g}", f"--nbval-sanitize-with={SANITIZE_FILE}",
               "--rootdir", str(tmpdir), str(nb_path)]
        limit = n_cells * (timeout_s + 15) + 120
        problem = None
        try:
            subprocess.run(cmd, cwd=tmpdir, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=limit)
        except subprocess.TimeoutExpired:
            problem = f"grading stopped after {limit:.0f} s"
        records = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines() if line]
    if problem is None and len(records) < n_cells:
        problem = "the kernel or the test run stopped early"
    return records, problem


def sha256_file(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
