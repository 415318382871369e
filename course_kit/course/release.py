"""``course-kit release OUT [--roster FILE]``: the learner-facing bundle of a graded workshop.

Each exercise is generated from its solution like ``exercises/`` (answers stubbed, solution markdown
removed), and each check cell is reduced to its **public** form check::

    from course_kit.checks import Number, check
    check("q1", lambda: q1_speedup, form=Number(low=0), hint="...")

which tells the learner that the answer exists and has the right type, shape and range, never whether
the value is right: no expected value, no formula, no ``param(...)`` is left in the bundle (the suite
scans it). With a roster (one learner name per line), every learner gets
``OUT/<learner-id>/NN_name.ipynb`` with their own numbers injected, as ``course-kit start --learner``
does; the ids are the safe ids the gradebook derives from folder names.
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path

from course_kit.course.checks import FORMS
from course_kit.course.exercise_build import (
    answer_expression,
    build_exercise,
    cell_role,
    check_call,
    inject_parameters,
    known_exercises,
)
from course_kit.course.variants import draw, safe_id

__all__ = ["public_check_source", "read_roster", "release", "release_notebook"]


def _form_source(node) -> str | None:
    """The form expression if it only calls form constructors with literal arguments."""
    names = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            if not isinstance(n.func, ast.Name) or n.func.id not in FORMS:
                return None
            names.add(n.func.id)
        elif isinstance(n, ast.Name) and n.id not in FORMS or isinstance(n, (ast.Attribute, ast.Lambda, ast.Subscript, ast.NamedExpr)):
            return None
    return ast.unparse(node)


def public_check_source(source: str, question: str) -> str:
    """A check cell reduced to its public form check (see the module docstring).

    >>> print(public_check_source('check("q1", lambda: x, expected=f(2), form=Number(low=0), hint="h")', "q1"))
    # public check: the form of your answer (the grader checks the value)
    from course_kit.checks import Number, check
    check("q1", lambda: x, form=Number(low=0), hint='h')
    """
    call = check_call(source)
    expr = answer_expression(source)
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    form = _form_source(kw["form"]) if "form" in kw else None
    hint = None
    if "hint" in kw:
        try:
            hint = ast.literal_eval(kw["hint"])
        except ValueError:
            hint = None
    names = sorted({n.id for n in ast.walk(kw["form"]) if isinstance(n, ast.Name)}) if form else []
    args = [f'"{question}"', f"lambda: {expr}"]
    if form:
        args.append(f"form={form}")
    if isinstance(hint, str) and hint:
        args.append(f"hint={hint!r}")
    return ("# public check: the form of your answer (the grader checks the value)\n"
            f"from course_kit.checks import {', '.join([*names, 'check'])}\n"
            f"check({', '.join(args)})")


def release_notebook(solution_nb, name: str):
    """The release version of one exercise (a new notebook)."""
    nb = build_exercise(copy.deepcopy(solution_nb), name)
    for cell in nb.cells:
        role, q = cell_role(cell)
        if role == "check":
            cell.source = public_check_source(cell.source, q)
        if cell.cell_type == "markdown" and cell.get("id") == "ck-exercise-header":
            cell.source = (f"> **Exercise {name}** (workshop release). Fill in every cell that says "
                           "`raise NotImplementedError` and run it. The cell under it checks the *form* of "
                           "your answer (type, shape, range), not whether it is right: your instructor "
                           "grades the values.")
    nb.metadata["course_kit"].pop("source", None)
    nb.metadata["course_kit"]["release"] = True
    return nb


def read_roster(path) -> list[tuple[str, str]]:
    """``[(name as written, learner id)]`` from a roster file (one name per line, ``#`` comments)."""
    names = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(line)
    ids: dict[str, str] = {}
    for n in names:
        sid = safe_id(n)
        if sid in ids and ids[sid] != n:
            raise ValueError(f"roster names {ids[sid]!r} and {n!r} map to the same learner id {sid!r}; "
                             "make them distinct")
        ids[sid] = n
    if not ids:
        raise ValueError(f"roster must name at least one learner; got an empty file {str(path)!r}")
    return [(n, sid) for sid, n in ids.items()]


def release(out, roster=None) -> Path:
    """Write the bundle to ``out`` (a new or empty folder); returns ``out``."""
    import nbformat

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"out must be a new or empty folder; {str(out)!r} already has files")
    learners = read_roster(roster) if roster else []
    out.mkdir(parents=True, exist_ok=True)
    built = {}
    for name, sol_path in known_exercises().items():
        built[name] = release_notebook(nbformat.read(sol_path, as_version=4), name)
    if learners:
        for _, sid in learners:
            for name, nb in built.items():
                spec = nb.metadata["course_kit"].get("variants") or {}
                mine = inject_parameters(copy.deepcopy(nb), draw(spec, name, sid), sid)
                (out / sid).mkdir(exist_ok=True)
                nbformat.write(mine, out / sid / f"{name}.ipynb")
    else:
        for name, nb in built.items():
            nbformat.write(nb, out / f"{name}.ipynb")
    who = (f"one folder per learner ({len(learners)}: " + ", ".join(sid for _, sid in learners[:5])
           + (", ..." if len(learners) > 5 else "") + "), each with the learner's own numbers"
           if learners else "the exercises with the default numbers")
    (out / "README.md").write_text(
        "# Workshop exercises\n\n"
        f"This bundle holds {who}.\n\n"
        "1. Open your notebook in JupyterLab (with the course kit installed: `pip install -e .` in its checkout).\n"
        "2. Fill in every cell that says `raise NotImplementedError` and run it. The check cell under it says\n"
        "   whether your answer has the right *form* (a number, a tuple of two values, ...), not whether it is\n"
        "   right: there is no answer key in this bundle.\n"
        "3. Hand in the notebook as it is (keep its name). Your instructor grades it with\n"
        "   `course-kit gradebook`, against the numbers issued to you: editing them does not help.\n", encoding="utf-8")
    return out
