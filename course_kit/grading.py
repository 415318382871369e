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
    learner: str | None = None
    variant: dict = field(default_factory=dict)  # the parameters the learner was issued
    warnings: tuple[str, ...] = ()  # e.g. edited variant parameters

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
        who = f", learner {self.learner}" if self.learner else ""
        lines = [f"Grading {self.path} (exercise {self.exercise}{who})"]
        if self.variant:
            lines.append("  your numbers: " + ", ".join(f"{k} = {v}" for k, v in self.variant.items()))
        if self.error:
            lines.append(f"  problem: {self.error}")
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        width = max([len("question")] + [len(r.question) for r in self.results])
        lines.append(f"  {'question':<{width}}  {'result':<11}  detail / hint")
        for r in self.results:
            mark = "✔ pass" if r.passed else f"✘ {r.status}"
            lines.append(f"  {r.question:<{width}}  {mark:<11}  {r.detail}")
        lines.append(f"Score: {self.score}/{self.total}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"path": self.path, "exercise": self.exercise, "learner": self.learner,
                "score": self.score, "total": self.total, "error": self.error,
                "variant": self.variant, "warnings": list(self.warnings),
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
    m = re.search(r"(?:^|_)(\d\d)_", path.name)
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


_PARAM_TAGS = {"parameters", "injected-parameters"}


def _is_parameters(cell) -> bool:
    return bool(_PARAM_TAGS & set(cell.get("metadata", {}).get("tags", [])))


def grading_copy(learner_nb, pristine_nb, variant: dict | None = None):
    """The notebook nbval runs, and ``{code cell index: (role, question)}`` for reading its results.

    The learner's ``parameters`` / ``injected-parameters`` cells are replaced by the pristine
    parameters cell followed by the issued ``variant`` values, at the top.
    """
    import copy

    import nbformat

    checks: dict[str, list] = {}
    head = [copy.deepcopy(c) for c in pristine_nb.cells if c.cell_type == "code" and _is_parameters(c)][:1]
    for c in head:
        c.outputs, c.execution_count = [], None
    if variant:
        head.append(nbformat.v4.new_code_cell(
            "# the parameters issued to this learner (course-kit grade)\n"
            + "\n".join(f"{k} = {v!r}" for k, v in variant.items())))
    for cell in pristine_nb.cells:
        role, q = cell_role(cell)
        if role == "check":
            checks.setdefault(q, []).append(copy.deepcopy(cell))
    questions = list(checks)
    learner_cells = [] if learner_nb is None else [
        c for c in learner_nb.cells
        if c.cell_type == "code" and not _looks_like_check(c) and not _is_parameters(c)]
    last = {}
    for i, c in enumerate(learner_cells):
        q = _learner_question(c)
        if q in checks:
            last[q] = i
    cells, roles, placed = [], {}, set()

    def add(cell, role, q):
        roles[len(cells)] = (role, q)
        cells.append(cell)

    for cell in head:
        add(cell, "parameters", None)
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


def _classify(q: str, check_rec: dict | None, answer_recs: list[dict], run_problem: str | None,
              stopped: tuple[int, str] | None = None, check_cell: int | None = None) -> QuestionResult:
    """One question's verdict from the nbval records of its answer and check cells.

    ``stopped`` is (cell index, "died" | "timeout") of the first cell after which nbval stopped the
    kernel: a kernel that died, or one that ran out of time and did not answer the interrupt.
    """
    died = QuestionResult(q, False, "kernel died",
                          "the kernel crashed before this check could run (see the first failing question)")
    if check_rec is None:
        return died if run_problem else QuestionResult(q, False, "not run", "the check cell did not run")
    if check_rec["outcome"] == "passed":
        return QuestionResult(q, True, "pass", "")
    out = (check_rec.get("output") or "").strip()
    msg = check_rec.get("message") or ""
    first_out = out.splitlines()[-1] if out else ""
    for rec in answer_recs:
        if rec.get("kernel_died"):
            return QuestionResult(q, False, "kernel died", "the kernel crashed while running your answer cell")
        if rec["outcome"] == "failed" and "Timeout" in rec.get("message", ""):
            return QuestionResult(q, False, "timeout", "your answer cell ran past the time limit and was stopped")
    if check_rec["outcome"] == "skipped" or "Kernel dead" in msg or check_rec.get("kernel_died"):
        if stopped and stopped[1] == "timeout" and (check_cell is None or check_cell > stopped[0]):
            return QuestionResult(q, False, "not run", "the kernel was stopped after an earlier cell ran "
                                  "out of time and did not respond")
        return died
    if "Timeout" in msg:
        return QuestionResult(q, False, "timeout", "the check ran past the time limit")
    for rec in answer_recs:
        err = (rec.get("output") or "").strip().splitlines()
        if rec["outcome"] == "failed" and err and not err[-1].startswith("NotImplementedError"):
            return QuestionResult(q, False, "error", f"your answer cell raised {err[-1][:200]}")
    if NOT_ANSWERED in out:
        return QuestionResult(q, False, "not done", "answer cell not filled in yet")
    if "your answer raised" in out:
        return QuestionResult(q, False, "error", first_out.split(": ", 1)[-1])
    if first_out.startswith(f"{q}:"):
        return QuestionResult(q, False, "wrong", first_out.split(": ", 1)[-1])
    return QuestionResult(q, False, "error", (first_out or msg.strip().splitlines()[-1:] or [""])[0][:300])


def _stopped(records: list[dict]) -> tuple[int, str] | None:
    for rec in sorted(records, key=lambda r: r["cell"] if r["cell"] is not None else -1):
        if rec.get("kernel_died"):
            return rec["cell"], "died"
        if "Failed to interrupt kernel" in (rec.get("message") or ""):
            return rec["cell"], "timeout"
    return None


def _check_cell_changes(learner_nb, pristine_nb) -> list[str]:
    """Which check cells the learner deleted or edited (they are graded with the originals anyway)."""
    mine: dict[str, list[str]] = {}
    for cell in learner_nb.cells:
        role, q = cell_role(cell)
        if role == "check":
            mine.setdefault(q, []).append(cell.source.strip())
    deleted, edited = [], []
    for cell in pristine_nb.cells:
        role, q = cell_role(cell)
        if role != "check":
            continue
        if q not in mine:
            deleted.append(q)
        elif cell.source.strip() not in mine[q]:
            edited.append(q)
    out = []
    if deleted:
        out.append(f"check cell(s) of {', '.join(deleted)} deleted; graded with the originals")
    if edited:
        out.append(f"check cell(s) of {', '.join(edited)} edited; graded with the originals")
    return out


def _issued_variant(learner_nb, pristine_nb, exercise: str, learner: str | None):
    """(learner id, issued parameter values, warnings) for a submission."""
    from course_kit.variants import draw, parameter_values

    meta = ((learner_nb.metadata.get("course_kit") or {}).get("variant") or {}) if learner_nb else {}
    started_for = meta.get("learner")
    warnings = []
    if learner and started_for and started_for != learner:
        warnings.append(f"this notebook was started for learner {started_for!r}, not {learner!r}: "
                        f"graded with {learner!r}'s numbers")
    who = learner or started_for
    spec = (pristine_nb.metadata.get("course_kit") or {}).get("variants") or {}
    if not who or not spec:
        return who, {}, warnings
    issued = draw(spec, exercise, who)
    if started_for:
        seen = {}
        for cell in learner_nb.cells:
            if cell.cell_type == "code" and _is_parameters(cell):
                seen.update(parameter_values(cell.source))
        recorded = meta.get("parameters") or {}
        edited = sorted(k for k in issued if seen.get(k, issued[k]) != issued[k]
                        or recorded.get(k, issued[k]) != issued[k])
        if edited:
            warnings.append("variant parameters were edited (" + ", ".join(
                f"{k}: {seen.get(k, recorded.get(k))!r} instead of {issued[k]!r}" for k in edited)
                + "); graded with the issued numbers")
    return who, issued, warnings


def grade(path, *, timeout_s: float = DEFAULT_TIMEOUT_S, exercise=None, learner: str | None = None) -> GradeReport:
    """Grade the learner notebook at ``path`` (never written to). ``timeout_s`` is the per-cell limit.

    ``learner`` (optional) is the authoritative learner id, e.g. from a gradebook's folder names; by
    default the id recorded by ``course-kit start --learner`` is used. With a learner id, exercises
    with variants are checked against that learner's own numbers. The kernel is started from this
    Python environment (``sys.executable``), in a temporary folder.
    """
    import time

    t0 = time.perf_counter()
    path = Path(path)
    timeout_s = check_number("timeout_s", timeout_s, low=1, high=24 * 3600)
    if not path.is_file():
        raise ValueError(f"path must be an existing notebook file; got {str(path)!r}")
    learner_nb, problem = None, None
    try:
        learner_nb = _read_notebook(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is graded as such
        problem = f"not a valid notebook ({type(exc).__name__}: {str(exc)[:200]})"
    ex_path = Path(exercise) if exercise else find_exercise(learner_nb, path)
    pristine = _read_notebook(ex_path)
    questions = list((pristine.metadata.get("course_kit") or {}).get("questions") or
                     dict.fromkeys(q for c in pristine.cells for r, q in [cell_role(c)] if r == "check"))
    if problem:
        return GradeReport(str(path), ex_path.stem,
                           tuple(QuestionResult(q, False, "invalid notebook", problem) for q in questions),
                           error=problem, elapsed_s=time.perf_counter() - t0, learner=learner)
    who, issued, warnings = _issued_variant(learner_nb, pristine, ex_path.stem, learner)
    warnings += _check_cell_changes(learner_nb, pristine)
    nb, roles = grading_copy(learner_nb, pristine, issued)
    records, run_problem = _run_nbval(nb, ex_path.stem, timeout_s, n_cells=len(roles), variant=issued)
    by_cell = {r["cell"]: r for r in records}
    stopped = _stopped(records)
    results = []
    for q in questions:
        check_cells = [i for i, (role, qq) in roles.items() if role == "check" and qq == q]
        answer_cells = [i for i, (role, qq) in roles.items() if role == "answer" and qq == q]
        recs = [by_cell[i] for i in check_cells if i in by_cell]
        rec = None
        if len(recs) == len(check_cells) and recs:
            failed = [r for r in recs if r["outcome"] != "passed"]
            rec = failed[0] if failed else recs[0]
        results.append(_classify(q, rec, [by_cell[i] for i in answer_cells if i in by_cell], run_problem,
                                 stopped, check_cells[0] if check_cells else None))
    return GradeReport(str(path), ex_path.stem, tuple(results), error=None,
                       elapsed_s=time.perf_counter() - t0, learner=who, variant=issued,
                       warnings=tuple(warnings))


def _run_nbval(nb, stem: str, timeout_s: float, n_cells: int, variant: dict | None = None
               ) -> tuple[list[dict], str | None]:
    import nbformat

    with tempfile.TemporaryDirectory(prefix="ck-grade-") as tmp:
        tmpdir = Path(tmp)
        nb_path = tmpdir / f"{stem}.ipynb"
        nbformat.write(nb, nb_path)
        report = tmpdir / "report.jsonl"
        report.touch()
        env = dict(os.environ)
        env["COURSE_KIT_REPORT"] = str(report)
        env.pop("COURSE_KIT_VARIANT_FILE", None)
        if variant:
            from course_kit.variants import VARIANT_FILE_ENV

            vfile = tmpdir / "variant.json"
            vfile.write_text(json.dumps(variant), encoding="utf-8")
            env[VARIANT_FILE_ENV] = str(vfile)
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
