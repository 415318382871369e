"""Exercises are generated from solutions: one source, two versions, no drift.

``solutions/NN_name.ipynb`` is the source. :func:`build_exercise` turns it into
``exercises/NN_name.ipynb``:

* in **answer cells** (metadata ``{"course_kit": {"answer": "qN"}}``) every block between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes ``raise NotImplementedError(...)`` with the
  block's indentation;
* markdown between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` is dropped;
* **check cells** (metadata ``{"course_kit": {"check": "qN"}}``, first line ``# NBVAL_CHECK_OUTPUT``)
  get their expected output stored: the line a passing :func:`course_kit.checks.check` prints. nbval
  compares it when grading, so it must be exactly what the solution prints (the suite proves it by
  grading every solution to full marks);
* all other outputs are removed.

``course-kit build-exercises`` writes them; ``course-kit build-exercises --check`` (and the test
suite) fails when a committed exercise differs from what its solution generates.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

from course_kit import paths
from course_kit.checks import pass_line

__all__ = [
    "BEGIN", "END", "CHECK_MARKER", "cell_role", "stub_source", "build_exercise",
    "validate_solution", "build_all", "exercise_path", "SolutionError",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
MD_BEGIN = "<!-- BEGIN SOLUTION -->"
MD_END = "<!-- END SOLUTION -->"
CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"
_QUESTION = re.compile(r"^q[1-9][0-9]*$")


class SolutionError(ValueError):
    """A solution notebook that does not follow the exercise format."""


def cell_role(cell) -> tuple[str | None, str | None]:
    """``("answer", "q1")``, ``("check", "q1")`` or ``(None, None)`` from a cell's metadata."""
    meta = cell.get("metadata", {}).get("course_kit", {}) or {}
    for role in ("answer", "check"):
        if role in meta:
            return role, str(meta[role])
    return None, None


def stub_source(source: str, question: str) -> str:
    """Replace every ``### BEGIN SOLUTION`` … ``### END SOLUTION`` block with a stub.

    >>> print(stub_source("x = 1\\n### BEGIN SOLUTION\\ny = 2\\n### END SOLUTION", "q1"))
    x = 1
    raise NotImplementedError("q1: replace this line with your answer")
    """
    out, inside, found = [], False, False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise SolutionError(f"{question}: nested '{BEGIN}'")
            inside, found = True, True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("{question}: replace this line with your answer")')
        elif stripped == END:
            if not inside:
                raise SolutionError(f"{question}: '{END}' without '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionError(f"{question}: '{BEGIN}' without '{END}'")
    if not found:
        raise SolutionError(f"{question}: answer cell has no '{BEGIN}' … '{END}' block")
    return "\n".join(out)


def _strip_markdown_solutions(source: str) -> str:
    return re.sub(re.escape(MD_BEGIN) + r".*?" + re.escape(MD_END) + r"\n?", "", source,
                  flags=re.DOTALL).rstrip()


@dataclass(frozen=True)
class _Questions:
    answers: tuple[str, ...]
    checks: tuple[str, ...]


def validate_solution(nb, name: str = "solution") -> tuple[str, ...]:
    """Check the exercise format; return the question ids in order. Raises :class:`SolutionError`."""
    answers, checks = [], []
    for cell in nb.cells:
        role, q = cell_role(cell)
        if role is None:
            continue
        if cell.cell_type != "code":
            raise SolutionError(f"{name}: {role} cell for {q} must be a code cell")
        if not _QUESTION.match(q or ""):
            raise SolutionError(f"{name}: question ids are q1, q2, ...; got {q!r}")
        if role == "answer":
            stub_source(cell.source, q)  # raises when the markers are wrong
            answers.append(q)
        else:
            if not cell.source.lstrip().startswith(CHECK_MARKER):
                raise SolutionError(f"{name}: check cell for {q} must start with '{CHECK_MARKER}'")
            if len(re.findall(r"\bcheck\(", cell.source)) != 1:
                raise SolutionError(f"{name}: check cell for {q} must call check(...) exactly once")
            checks.append(q)
    questions = tuple(dict.fromkeys(checks))
    if not questions:
        raise SolutionError(f"{name}: no check cells (metadata course_kit.check)")
    expected = tuple(f"q{i}" for i in range(1, len(questions) + 1))
    if questions != expected:
        raise SolutionError(f"{name}: questions must be numbered {expected} in order; got {questions}")
    missing = set(questions) - set(answers)
    if missing:
        raise SolutionError(f"{name}: questions without an answer cell: {sorted(missing)}")
    if len(set(checks)) != len(checks):
        raise SolutionError(f"{name}: one check cell per question; got {checks}")
    return questions


def build_exercise(solution_nb, name: str):
    """The learner's exercise notebook generated from a solution notebook (returns a new notebook)."""
    import nbformat

    questions = validate_solution(solution_nb, name)
    spec = _variant_spec(solution_nb, name)
    nb = copy.deepcopy(solution_nb)
    cells = []
    count = 0
    header = nbformat.v4.new_markdown_cell(
        f"> **Exercise {name}** — generated from `solutions/{name}.ipynb` by `course-kit build-exercises`; "
        "do not edit this file. Work in your own copy: `course-kit start "
        f"{name.split('_')[0]}` writes `work/{name}.ipynb`, and `course-kit grade work/{name}.ipynb` "
        "grades it.\n>\n> Fill in every cell that says `raise NotImplementedError`, run it, then run the "
        "check cell below it. Each check prints one line: `qN: correct ✓` when you have it."
    )
    header.id = "ck-exercise-header"
    cells.append(header)
    for cell in nb.cells:
        role, q = cell_role(cell)
        if cell.cell_type == "markdown":
            src = _strip_markdown_solutions(cell.source)
            if not src.strip():
                continue
            cell.source = src
        elif cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if role == "answer":
                cell.source = stub_source(cell.source, q)
            elif role == "check":
                count += 1
                cell.execution_count = count
                # collapsed in JupyterLab: learners run it and read its verdict line; the source
                # (which computes the expected value) stays one click away, not in the way
                cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=pass_line(q) + "\n")]
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    nb.metadata["course_kit"] = {"exercise": name, "source": f"solutions/{name}.ipynb",
                                 "questions": list(questions)}
    if spec:
        nb.metadata["course_kit"]["variants"] = spec
    return nb


def _variant_spec(nb, name: str) -> dict:
    """The solution's per-learner variants spec, checked against its parameters cell."""
    from course_kit.variants import parameter_values, validate_spec

    spec = (nb.metadata.get("course_kit") or {}).get("variants") or {}
    if not spec:
        return {}
    try:
        validate_spec(spec)
    except ValueError as exc:
        raise SolutionError(f"{name}: {exc}") from None
    params = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    defaults = parameter_values(params[0].source) if params else {}
    missing = sorted(set(spec) - set(defaults))
    if missing:
        raise SolutionError(f"{name}: variant parameters {missing} are not assigned in the parameters cell")
    return spec


def exercise_path(solution: Path) -> Path:
    return paths.exercises_dir() / solution.name


def _dumps(nb) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"


def build_all(*, check_only: bool = False, solutions: list[Path] | None = None) -> list[Path]:
    """Generate every exercise from ``solutions/``. Returns the exercises that were (or, with
    ``check_only``, would be) changed; with ``check_only`` nothing is written."""
    import nbformat

    changed = []
    sols = solutions if solutions is not None else sorted(paths.solutions_dir().glob("[0-9][0-9]_*.ipynb"))
    for sol in sols:
        nb = nbformat.read(sol, as_version=4)
        text = _dumps(build_exercise(nb, sol.stem))
        target = exercise_path(sol)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            changed.append(target)
            if not check_only:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    return changed
