"""Exercises are generated from solutions: one source, two versions, no drift.

``solutions/NN_name.ipynb`` is the source. :func:`build_exercise` turns it into
``exercises/NN_name.ipynb``:

* in **answer cells** (metadata ``{"course_kit": {"answer": "qN"}}``) every block between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes ``raise NotImplementedError(...)`` with the
  block's indentation;
* markdown between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` is dropped;
* **check cells** (metadata ``{"course_kit": {"check": "qN"}}``) keep their full check
  (``expected=`` / ``test=``), so learners get immediate feedback; an ``# NBVAL_CHECK_OUTPUT`` first
  line is dropped (nothing is stored to compare with: a check that fails raises, so
  ``pytest --nbval-lax`` is a real self-check);
* every output is removed: a fresh exercise shows no verdict before any answer.

The workshop release (:mod:`course_kit.course.release`) reduces check cells further, to their public
``form``. The grader never uses these check cells: the answer key reads the solution.

``course-kit build-exercises`` writes them; ``course-kit build-exercises --check`` (and the test
suite) fails when a committed exercise differs from what its solution generates.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

from course_kit import paths

__all__ = [
    "BEGIN",
    "CHECK_MARKER",
    "END",
    "SolutionError",
    "answer_expression",
    "build_all",
    "build_exercise",
    "cell_role",
    "check_call",
    "exercise_path",
    "inject_parameters",
    "is_parameters",
    "known_exercises",
    "solution_path",
    "stub_source",
    "validate_solution",
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
            if len(re.findall(r"\bcheck\(", cell.source)) != 1:
                raise SolutionError(f"{name}: check cell for {q} must call check(...) exactly once")
            try:
                answer_expression(cell.source)
            except ValueError as exc:
                raise SolutionError(f"{name}: check cell for {q}: {exc}") from None
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
    header = nbformat.v4.new_markdown_cell(
        f"> **Exercise {name}** — generated from `solutions/{name}.ipynb` by `course-kit build-exercises`; "
        "do not edit this file. Work in your own copy: `course-kit start "
        f"{name.split('_')[0]}` writes `work/{name}.ipynb`, and `course-kit grade work/{name}.ipynb` "
        "grades it.\n>\n> Fill in every cell that says `raise NotImplementedError`, run it, then run the "
        "check cell below it: it prints `qN: correct ✓` when you have it, else one line saying what is "
        "not right yet. `pytest --nbval-lax work/" f"{name}.ipynb` runs every check at once."
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
                # collapsed in JupyterLab: learners run it and read its verdict line; the source
                # (which computes the expected value) stays one click away, not in the way
                cell.source = drop_check_marker(cell.source)
                cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
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


def drop_check_marker(source: str) -> str:
    lines = source.splitlines()
    while lines and lines[0].strip() == CHECK_MARKER:
        lines.pop(0)
    return "\n".join(lines)


def check_call(source: str):
    """The ``check(...)`` call node of a check cell (``ValueError`` if there is not exactly one)."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"source must be valid Python ({exc.msg})") from None
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id == "check"]
    if len(calls) != 1:
        raise ValueError(f"source must call check(...) exactly once; got {len(calls)} calls")
    return calls[0]


def answer_expression(source: str) -> str:
    """The answer expression of a check cell: the body of its ``check("qN", lambda: EXPR, ...)``.

    >>> answer_expression('check("q1", lambda: q1_speedup, expected=2)')
    'q1_speedup'
    """
    import ast

    call = check_call(source)
    if len(call.args) < 2 or not isinstance(call.args[1], ast.Lambda) or call.args[1].args.args:
        raise ValueError("check's second argument must be `lambda: <answer expression>`")
    return ast.unparse(call.args[1].body)


def is_parameters(cell) -> bool:
    return cell.get("cell_type") == "code" and bool(
        {"parameters", "injected-parameters"} & set(cell.get("metadata", {}).get("tags", [])))


def inject_parameters(nb, values: dict, learner: str | None = None):
    """Insert the issued ``values`` as a cell tagged ``injected-parameters`` after the ``parameters``
    cell (what papermill does) and record them in the metadata; returns ``nb`` (changed in place)."""
    import nbformat

    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    at = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    lines = ["# Parameters issued to you" + (f" (learner {learner})" if learner else "")]
    lines += [f"{k} = {v!r}" for k, v in values.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = ["injected-parameters"]
    cell.id = "ck-injected-parameters"
    nb.cells.insert(at, cell)
    if learner:
        nb.metadata.setdefault("course_kit", {})["variant"] = {"learner": learner, "parameters": dict(values)}
    return nb


def known_exercises() -> dict[str, Path]:
    """``{name: solution path}`` of every exercise (``solutions/NN_*.ipynb``)."""
    return {p.stem: p for p in sorted(paths.solutions_dir().glob("[0-9][0-9]_*.ipynb"))}


def solution_path(name: str) -> Path:
    known = known_exercises()
    if name not in known:
        raise ValueError(f"exercise must be one of {sorted(known)}; got {name!r}")
    return known[name]


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
