"""Grading one submission: sandboxed run, answers out, verdicts from the answer key.

How ``course-kit grade PATH [--learner ID]`` works:

1. PATH's bytes are read once (never written; no path named inside the notebook is opened). The
   exercise is identified only among the known exercises (``solutions/NN_*.ipynb``), by its metadata
   name or the file name.
2. The learner id is ``--learner`` (or the gradebook folder); without it, the id recorded by
   ``course-kit start --learner`` is used and reported as unverified. The issued parameters are drawn
   from that id; an edited parameters cell is reported and replaced by the pristine one + issued values.
3. The run plan: the learner's code cells in order (check cells and parameters cells left out), and
   after each question's last answer cell a *capture* step that evaluates the question's public answer
   expression (the ``lambda:`` body of its check). It runs in the sandbox (:mod:`.sandbox`,
   :mod:`.runner`); only the encoded answers come back.
4. The answer key (:mod:`.key`, another process, reading ``solutions/``) compares them with the
   expected values for this learner's numbers. Nothing the learner's code prints, patches or writes can
   produce a pass: only a right answer value can.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_kit._validate import check_number
from course_kit.course import sandbox
from course_kit.course.exercise_build import (
    answer_expression,
    cell_role,
    is_parameters,
    known_exercises,
)
from course_kit.course.variants import draw, is_learner_id, parameter_values

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "DEFAULT_WALL_S",
    "MAX_NOTEBOOK_BYTES",
    "STATUSES",
    "GradeReport",
    "QuestionResult",
    "classify",
    "grade",
    "identify_exercise",
    "run_plan_for",
]

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_WALL_S = 120.0
MAX_NOTEBOOK_BYTES = 20_000_000
STATUSES = ("pass", "wrong", "not done", "error", "timeout", "output cap", "memory cap", "crash", "not run",
            "invalid notebook", "not graded")
_ANSWER_COMMENT = re.compile(r"^\s*#\s*[Qq]([1-9][0-9]*)\b")


@dataclass(frozen=True)
class QuestionResult:
    question: str
    passed: bool
    status: str
    detail: str = ""
    points: float = 1.0

    @property
    def earned(self) -> float:
        return self.points if self.passed else 0.0


@dataclass(frozen=True)
class GradeReport:
    path: str
    exercise: str
    results: tuple[QuestionResult, ...]
    error: str | None = None
    elapsed_s: float = field(default=0.0, compare=False)
    learner: str | None = None
    variant: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    sandbox: str = ""

    @property
    def score(self) -> float:
        return _num(sum(r.earned for r in self.results))

    @property
    def total(self) -> float:
        return _num(sum(r.points for r in self.results))

    @property
    def all_passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results) and self.error is None

    def table(self) -> str:
        who = f", learner {self.learner}" if self.learner else ""
        lines = [f"Grading {self.path} (exercise {self.exercise}{who})"]
        if self.sandbox:
            lines.append(f"  sandbox: {self.sandbox}")
        if self.variant:
            lines.append("  your numbers: " + ", ".join(f"{k} = {v}" for k, v in self.variant.items()))
        if self.error:
            lines.append(f"  problem: {self.error}")
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        width = max([len("question")] + [len(r.question) for r in self.results])
        lines.append(f"  {'question':<{width}}  {'points':>6}  {'result':<16}  detail / hint")
        for r in self.results:
            mark = "✔ pass" if r.passed else f"✘ {r.status}"
            pts = f"{_num(r.earned)}/{_num(r.points)}"
            lines.append(f"  {r.question:<{width}}  {pts:>6}  {mark:<16}  {r.detail}")
        lines.append(f"Score: {self.score}/{self.total}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"path": self.path, "exercise": self.exercise, "learner": self.learner, "score": self.score,
                "total": self.total, "error": self.error, "variant": self.variant, "warnings": list(self.warnings),
                "sandbox": self.sandbox,
                "results": [{"question": r.question, "passed": r.passed, "status": r.status, "detail": r.detail,
                             "points": r.points} for r in self.results]}


def _num(x: float):
    return int(x) if float(x).is_integer() else round(x, 3)


# ----------------------------------------------------------------------------- reading the submission


def _load(data: bytes):
    """(notebook dict, problem) from the submission's bytes; never raises."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        return None, f"not a valid notebook (larger than {MAX_NOTEBOOK_BYTES // 1_000_000} MB)"
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, f"not a valid notebook (not JSON: {type(exc).__name__}: {str(exc)[:120]})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, "not a valid notebook (no list of cells)"
    cells = []
    for c in nb["cells"]:
        if not isinstance(c, dict):
            continue
        src = c.get("source", "")
        if isinstance(src, list):
            src = "".join(s for s in src if isinstance(s, str))
        if not isinstance(src, str):
            src = ""
        meta = c.get("metadata") if isinstance(c.get("metadata"), dict) else {}
        tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
        ck = meta.get("course_kit") if isinstance(meta.get("course_kit"), dict) else {}
        cells.append({"cell_type": c.get("cell_type"), "source": src,
                      "metadata": {"tags": [t for t in tags if isinstance(t, str)], "course_kit": ck}})
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    ck = meta.get("course_kit") if isinstance(meta.get("course_kit"), dict) else {}
    return {"cells": cells, "course_kit": ck}, None


def identify_exercise(nb: dict | None, path: Path) -> str | None:
    """The exercise name among the known ones, from the metadata *name* or the file name."""
    known = known_exercises()
    name = (nb or {}).get("course_kit", {}).get("exercise") if nb else None
    if isinstance(name, str) and name in known:
        return name
    stem = path.stem
    if stem in known:
        return stem
    for k in known:  # e.g. "ada__01_lifecycle" or "01_lifecycle (1)"
        if k in stem:
            return k
    m = re.match(r"^(\d\d)_", stem)
    if m:
        hits = [k for k in known if k.startswith(m.group(1) + "_")]
        if len(hits) == 1:
            return hits[0]
    return None


def _question_of(cell: dict) -> str | None:
    role, q = cell_role(cell)
    if role == "answer":
        return q
    for line in cell["source"].splitlines():
        if line.strip():
            m = _ANSWER_COMMENT.match(line)
            return f"q{m.group(1)}" if m else None
    return None


@dataclass(frozen=True)
class _Exercise:
    name: str
    questions: tuple
    points: dict
    expressions: dict
    parameters_source: str
    spec: dict
    functions: frozenset


def _exercise_info(name: str) -> _Exercise:
    import nbformat

    from course_kit.course.exercise_build import solution_path

    sol = nbformat.read(solution_path(name), as_version=4)
    meta = sol.metadata.get("course_kit") or {}
    expressions, functions = {}, set()
    for c in sol.cells:
        role, q = cell_role(c)
        if role == "check":
            expressions[q] = answer_expression(c.source)
            if re.search(r"\bform\s*=\s*Function\(", c.source):
                functions.add(q)
    params = next((c.source for c in sol.cells if c.cell_type == "code" and "parameters" in
                   c.metadata.get("tags", [])), "")
    points = {q: float((meta.get("points") or {}).get(q, 1)) for q in expressions}
    return _Exercise(name, tuple(expressions), points, expressions, params, meta.get("variants") or {},
                     frozenset(functions))


_INFO: dict = {}
_INFO_LOCK = threading.Lock()


def _info(name: str) -> _Exercise:
    with _INFO_LOCK:
        if name not in _INFO:
            _INFO[name] = _exercise_info(name)
        return _INFO[name]


def run_plan_for(nb: dict, ex: _Exercise, issued: dict, probes: dict | None = None) -> tuple[list, dict]:
    """The sandbox steps and ``{step index: (kind, question)}``."""
    steps, roles = [], {}

    def add(step, kind, q):
        roles[len(steps)] = (kind, q)
        steps.append(step)

    add({"kind": "cell", "source": ex.parameters_source}, "parameters", None)
    if issued:
        add({"kind": "cell", "source": "\n".join(f"{k} = {v!r}" for k, v in issued.items())}, "parameters", None)
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and cell_role(c)[0] != "check"
             and not is_parameters(c)]
    last = {}
    for i, c in enumerate(cells):
        q = _question_of(c)
        if q in ex.expressions:
            last[q] = i

    def capture(q):
        step = {"kind": "capture", "question": q, "expression": ex.expressions[q]}
        if probes and q in probes:
            step["probes"] = probes[q]
        add(step, "capture", q)

    for i, c in enumerate(cells):
        q = _question_of(c)
        add({"kind": "cell", "source": c["source"]}, "answer" if q else "learner", q)
        for question in ex.questions:
            if last.get(question) == i:
                capture(question)
    for question in ex.questions:
        if question not in last:
            capture(question)
    return steps, roles


# ----------------------------------------------------------------------------- classification


def classify(question: str, *, answer_steps: list[dict], capture: dict | None, answer: dict | None,
             key_verdict: dict | None, stopped: str | None = None) -> tuple[str, str]:
    """``(status, detail)`` of one question from its steps' outcomes (table-tested).

    ``answer_steps``: outcomes (``{"status", "error"}``) of the learner cells answering it;
    ``capture``: the outcome of its capture step (None: never ran); ``answer``: the runner's answer
    record; ``key_verdict``: the answer key's verdict on the value (None when there is no value).
    """
    if answer is not None and "value" in answer and key_verdict is not None:
        status, detail = key_verdict.get("status", "not graded"), key_verdict.get("detail", "")
        if status == "not done":
            return "not done", "answer cell not filled in yet"
        return status, detail
    for st in answer_steps:
        s = st.get("status")
        if s in ("timeout", "output cap", "memory cap", "crash"):
            return s, _why(s, "your answer cell")
    if capture is None:
        return "not run", f"not run: {stopped or 'the run ended before this question'}"
    cs = capture.get("status")
    if cs in ("timeout", "output cap", "memory cap", "crash"):
        return cs, _why(cs, "reading your answer (your function on the probe inputs)")
    for st in answer_steps:
        err = st.get("error") or {}
        if st.get("status") == "error" and err.get("type") != "NotImplementedError":
            return "error", f"your answer cell raised {err.get('type')}: {err.get('msg', '')}"[:300]
    if answer is not None and "missing" in answer:
        return "not done", "answer cell not filled in yet"
    if answer is not None and "unreadable" in answer:
        err = answer["unreadable"]
        return "error", f"your answer could not be read ({err.get('type')}: {err.get('msg', '')})"[:300]
    if cs == "error":
        err = capture.get("error") or {}
        return "error", f"evaluating your answer raised {err.get('type')}: {err.get('msg', '')}"[:300]
    if answer is None:
        return "not graded", "no answer was recorded"
    return "not graded", (key_verdict or {}).get("detail", "the answer key did not answer")


def _why(status: str, where: str) -> str:
    return {"timeout": f"{where} ran past the time limit and was stopped",
            "output cap": f"{where} printed more than the output limit and was stopped",
            "memory cap": f"{where} used more than the memory limit and was stopped",
            "crash": f"{where} ended the Python process (os._exit, a signal or a crash)"}[status]


# ----------------------------------------------------------------------------- learner id and variant


def _learner_and_variant(nb: dict, ex: _Exercise, learner: str | None) -> tuple[str | None, dict, list]:
    warnings = []
    meta = nb.get("course_kit", {}).get("variant") if nb else None
    started_for = meta.get("learner") if isinstance(meta, dict) else None
    started_for = started_for if isinstance(started_for, str) else None
    who = learner
    if learner and started_for and started_for != learner:
        warnings.append(f"this notebook was started for learner {started_for[:64]!r}, not {learner!r}: graded "
                        f"with {learner!r}'s numbers")
    if not learner and started_for:
        if is_learner_id(started_for):
            who = started_for
            warnings.append(f"learner id {started_for!r} read from the notebook (unverified; "
                            "pass --learner to grade as a known learner)")
        else:
            warnings.append("the notebook's learner id is not valid; graded with the default numbers")
    issued = draw(ex.spec, ex.name, who) if (ex.spec and who) else {}
    if nb:
        seen = {}
        for c in nb["cells"]:
            if is_parameters(c):
                seen.update(parameter_values(c["source"]))
        reference = {**parameter_values(ex.parameters_source), **issued}
        edited = sorted(k for k, v in seen.items() if k in reference and k != "QUICK" and v != reference[k])
        if edited:
            warnings.append("parameters were edited (" + ", ".join(
                f"{k}: {str(seen[k])[:20]} instead of {reference[k]!r}" for k in edited)
                + "); graded with the issued numbers")
    return who, issued, warnings


# ----------------------------------------------------------------------------- grade


def grade(path, *, learner: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
          wall_s: float = DEFAULT_WALL_S, memory_mb: int = 1024, key=None,
          limits: sandbox.Limits | None = None) -> GradeReport:
    """Grade the notebook at ``path`` (only read). ``timeout_s`` per cell, ``wall_s`` per submission.

    ``learner`` is the authoritative learner id (gradebook folder, ``--learner``). ``key`` is a
    :class:`~course_kit.course.key.KeyWorker` to reuse (a new one is started and closed otherwise).
    """
    from course_kit.course.key import KeyWorker

    t0 = time.perf_counter()
    path = Path(path)
    timeout_s = check_number("timeout_s", timeout_s, low=0.1, high=24 * 3600)
    wall_s = check_number("wall_s", wall_s, low=0.5, high=7 * 24 * 3600)
    if learner is not None and not is_learner_id(learner):
        raise ValueError(f"learner must be 1–64 letters, digits, '.', '_', '-' or '@'; got {learner!r}")
    if not path.is_file():
        raise ValueError(f"path must be an existing notebook file; got {str(path)!r}")
    data = path.read_bytes()
    nb, problem = _load(data)
    name = identify_exercise(nb, path)
    if name is None:
        known = ", ".join(known_exercises()) or "none"
        raise ValueError(f"path {str(path)!r} does not belong to a known exercise (known: {known}); "
                         "name it like the exercise (e.g. 01_lifecycle.ipynb)")
    ex = _info(name)
    mode_note = sandbox.describe(limits) if limits else sandbox.describe(
        sandbox.Limits(timeout_s=timeout_s, wall_s=wall_s, memory_mb=memory_mb))
    if problem:
        return GradeReport(str(path), name, tuple(QuestionResult(q, False, "invalid notebook", problem,
                                                                 ex.points[q]) for q in ex.questions),
                           error=problem, elapsed_s=time.perf_counter() - t0, learner=learner, sandbox=mode_note)
    who, issued, warnings = _learner_and_variant(nb, ex, learner)
    warnings += _check_cell_changes(nb, ex)
    if sandbox.mode() == "none":
        warnings.insert(0, sandbox.FALLBACK_WARNING)
    own_key = key is None
    key = key or KeyWorker()
    try:
        probes, warm = {}, None
        if ex.functions:
            prep = key.prepare(name, issued)
            probes = prep.get("probes") or {} if prep.get("ok") else {}
        else:  # warm the key's cache while the sandbox runs
            warm = threading.Thread(target=key.prepare, args=(name, issued), daemon=True)
            warm.start()
        steps, roles = run_plan_for(nb, ex, issued, probes)
        lim = limits or sandbox.Limits(timeout_s=timeout_s, wall_s=wall_s, memory_mb=memory_mb)
        run = sandbox.run_plan(steps, lim)
        if warm is not None:
            warm.join()
        answered = {q: rec["value"] for q, rec in run.answers.items() if "value" in rec}
        verdicts = {}
        if answered:
            resp = key.verdicts(name, issued, answered)
            verdicts = resp.get("verdicts") or {} if resp.get("ok") else {
                q: {"status": "not graded", "detail": f"the answer key failed: {resp.get('error')}"} for q in answered}
    finally:
        if own_key:
            key.close()
    results = []
    for q in ex.questions:
        answer_steps = [run.steps[i] for i, (kind, qq) in roles.items() if kind == "answer" and qq == q
                        and i in run.steps]
        cap_idx = next(i for i, (kind, qq) in roles.items() if kind == "capture" and qq == q)
        status, detail = classify(q, answer_steps=answer_steps, capture=run.steps.get(cap_idx),
                                  answer=run.answers.get(q), key_verdict=verdicts.get(q), stopped=run.stopped)
        results.append(QuestionResult(q, status == "pass", status, detail, ex.points[q]))
    for i, st in sorted(run.steps.items()):
        if roles[i][0] == "learner" and st["status"] in ("timeout", "output cap", "memory cap", "crash"):
            warnings.append(f"a cell of yours that answers no question ({_ordinal(i, roles)}) hit: {st['status']}")
    if run.stopped:
        warnings.append(f"the run stopped early: {run.stopped}")
    warnings += run.notes
    return GradeReport(str(path), name, tuple(results), error=None, elapsed_s=time.perf_counter() - t0,
                       learner=who, variant=issued, warnings=tuple(warnings), sandbox=mode_note)


def _ordinal(i: int, roles: dict) -> str:
    n = sum(1 for j in range(i + 1) if roles[j][0] in ("answer", "learner"))
    return f"code cell {n}"


def _check_cell_changes(nb: dict, ex: _Exercise) -> list[str]:
    """Check cells the learner deleted (they are never needed for grading, but the instructor may ask)."""
    mine = {cell_role(c)[1] for c in nb["cells"] if cell_role(c)[0] == "check"}
    deleted = [q for q in ex.questions if q not in mine]
    return [f"check cell(s) of {', '.join(deleted)} deleted (not needed for grading)"] if deleted else []
