"""The answer key: expected values and verdicts, computed outside the learner's process.

For an exercise and a learner's issued parameter values, :meth:`Engine.prepare` executes the
*solution* notebook (``solutions/NN_name.ipynb``, never readable from the grading sandbox): its
``parameters`` cell with the issued values, its setup and context cells, and its check cells with
:func:`course_kit.checks.check` replaced by a recorder of each question's ``expected``/``test``,
tolerances, hint and form. Answer cells are not run, except the answer of a question whose form is a
:class:`~course_kit.course.checks.Function`: the key runs the solution's function under the check's
``test`` once to record the probe inputs (public: inputs, never results) the learner's function is
called with in the sandbox. :meth:`Engine.verdicts` then compares the learner's *decoded* answers
(plain data; a function is a table of its results on the probes) with the recorded checks.

Prepared keys are cached per (exercise, parameter values). :class:`KeyWorker` runs an engine in a
separate trusted process (``python -m course_kit.course.key``), speaking JSON lines.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field

__all__ = ["Engine", "KeyWorker", "Prepared", "ProbeFunction", "decode"]


class ProbeFunction:
    """A learner's function as seen by the key: its results on the probe inputs."""

    def __init__(self, calls):
        self.table = {}
        for item in calls if isinstance(calls, list) else []:
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], list):
                self.table[_probe_key(item[0])] = item[1]

    def __call__(self, *args):
        key = _probe_key(list(args))
        if key not in self.table:
            raise LookupError(f"the function was not run on {args} while grading")
        res = self.table[key]
        if isinstance(res, dict) and res.get("$") == "error":
            raise RuntimeError(f"{res.get('type')}: {res.get('msg')}")
        return decode(res)

    def __repr__(self):
        return f"<your function, run on {len(self.table)} inputs>"


def _probe_key(args) -> str:
    return json.dumps([float(a) if isinstance(a, (int, float)) and not isinstance(a, bool) else a for a in args],
                      default=str)


class Opaque:
    """An answer of a type the runner could not encode (shown by its type and repr)."""

    def __init__(self, type_name, text):
        self.type_name, self.text = str(type_name), str(text)

    def __repr__(self):
        return self.text or f"<{self.type_name}>"

    def __eq__(self, other):
        return False

    __hash__ = None


def decode(obj, depth: int = 0):
    """The value the runner encoded (see :func:`course_kit.course.runner.encode`)."""
    if depth > 40:
        raise ValueError("answer nested too deeply")
    if isinstance(obj, list):
        return [decode(v, depth + 1) for v in obj]
    if not isinstance(obj, dict):
        return obj
    tag = obj.get("$")
    if tag == "none":
        return None
    if tag == "ellipsis":
        return Ellipsis
    if tag == "float":
        try:
            return float(obj.get("v"))
        except (TypeError, ValueError):
            return math.nan
    if tag == "tuple":
        return tuple(decode(v, depth + 1) for v in obj.get("v") or [])
    if tag == "dict":
        out = {}
        for pair in obj.get("v") or []:
            if isinstance(pair, list) and len(pair) == 2:
                k = decode(pair[0], depth + 1)
                try:
                    out[k] = decode(pair[1], depth + 1)
                except TypeError:
                    out[str(k)] = decode(pair[1], depth + 1)
        return out
    if tag == "array":
        import numpy as np

        try:
            return np.asarray(decode(obj.get("v"), depth + 1))
        except (ValueError, TypeError):
            return decode(obj.get("v"), depth + 1)
    if tag == "series":
        import pandas as pd

        try:
            return pd.Series(decode(obj.get("v"), depth + 1), index=decode(obj.get("index"), depth + 1))
        except (ValueError, TypeError):
            return decode(obj.get("v"), depth + 1)
    if tag == "frame":
        import pandas as pd

        try:
            return pd.DataFrame(decode(obj.get("v"), depth + 1), columns=decode(obj.get("columns"), depth + 1),
                                index=decode(obj.get("index"), depth + 1))
        except (ValueError, TypeError):
            return Opaque("DataFrame", "a DataFrame")
    if tag == "function":
        return ProbeFunction(obj.get("calls"))
    if tag == "other":
        return Opaque(obj.get("type"), obj.get("repr"))
    return Opaque("dict", "an unreadable answer")


@dataclass
class Prepared:
    specs: dict = field(default_factory=dict)    # question -> check kwargs
    probes: dict = field(default_factory=dict)   # question -> list of argument lists
    errors: dict = field(default_factory=dict)   # question -> why the key could not check it
    context_errors: list = field(default_factory=list)
    params: dict | None = None  # what param() returns while this key's checks run (predicates call it late)


class Engine:
    """Executes solutions and decides verdicts (in the process that owns it: keep it trusted)."""

    def __init__(self, max_cache: int = 64):
        self.cache: dict = {}
        self.max_cache = max_cache

    def prepare(self, exercise: str, params: dict | None = None) -> Prepared:
        key = (exercise, json.dumps(params or {}, sort_keys=True, default=str))
        if key not in self.cache:
            if len(self.cache) >= self.max_cache:
                self.cache.pop(next(iter(self.cache)))
            self.cache[key] = self._prepare(exercise, dict(params or {}))
        return self.cache[key]

    def _prepare(self, exercise: str, params: dict) -> Prepared:
        import nbformat
        from IPython.core.inputtransformer2 import TransformerManager

        from course_kit.course import checks, variants
        from course_kit.course.exercise_build import (
            cell_role,
            is_parameters,
            solution_path,
        )

        nb = nbformat.read(solution_path(exercise), as_version=4)
        out = Prepared()
        ns: dict = {"__name__": "__main__"}
        tm = TransformerManager()
        answers: dict[str, list[str]] = {}
        state = {"question": None}

        def run(src: str):
            code = compile(tm.transform_cell(src), f"<{exercise}>", "exec")
            exec(code, ns)  # noqa: S102 - the instructor's solution, trusted

        def hook(question, answer, **kw):
            q = state["question"] or question
            form = kw.get("form")
            out.specs[q] = kw
            if isinstance(form, checks.Function):
                out.probes[q] = self._probes(q, form, kw, answer, answers.get(q, []), run)

        old_hook, old_override = checks._KEY_HOOK, variants._OVERRIDE
        checks._KEY_HOOK = hook
        sink = io.StringIO()
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                for cell in nb.cells:
                    if cell.cell_type != "code":
                        continue
                    role, q = cell_role(cell)
                    try:
                        if is_parameters(cell):
                            run(cell.source)
                            ns.update(params)
                            names = variants.parameter_values(cell.source)
                            variants._OVERRIDE = {k: ns[k] for k in names if k in ns} | dict(params)
                        elif role == "answer":
                            answers.setdefault(q, []).append(cell.source)
                        elif role == "check":
                            state["question"] = q
                            run(cell.source)
                            if q not in out.specs:
                                out.errors[q] = "its check cell did not call check()"
                        else:
                            run(cell.source)
                    except BaseException as exc:
                        if isinstance(exc, KeyboardInterrupt):
                            raise
                        msg = f"{type(exc).__name__}: {str(exc)[:200]}"
                        if role == "check":
                            out.errors[q] = f"the answer key failed ({msg})"
                        else:
                            out.context_errors.append(msg)
                    finally:
                        state["question"] = None
                        sink.seek(0)
                        sink.truncate()
        finally:
            out.params = variants._OVERRIDE
            checks._KEY_HOOK, variants._OVERRIDE = old_hook, old_override
        return out

    @staticmethod
    def _probes(q, form, kw, answer, answer_sources, run) -> list:
        if form.probes is not None:
            return [list(a) for a in form.probes]
        test = kw.get("test")
        if test is None:
            return []
        for src in answer_sources:
            run(src)
        fn = answer()
        seen, order = set(), []

        def recorder(*args):
            k = _probe_key(list(args))
            if k not in seen:
                seen.add(k)
                order.append([float(a) if isinstance(a, (int, float)) and not isinstance(a, bool) else a
                              for a in args])
            return fn(*args)

        test(recorder)
        return order

    def verdicts(self, exercise: str, params: dict | None, answers: dict) -> dict:
        """``{question: {"status": "pass" | "wrong" | "not done" | "not graded", "detail": str}}``."""
        from course_kit.course import variants
        from course_kit.course.checks import evaluate

        prep = self.prepare(exercise, params)
        out = {}
        old_override, variants._OVERRIDE = variants._OVERRIDE, prep.params
        try:
            return self._verdicts(prep, answers, evaluate, out)
        finally:
            variants._OVERRIDE = old_override

    @staticmethod
    def _verdicts(prep: Prepared, answers: dict, evaluate, out: dict) -> dict:
        for q, enc in answers.items():
            if q not in prep.specs:
                why = prep.errors.get(q) or "the answer key has no check for this question"
                out[q] = {"status": "not graded", "detail": why}
                continue
            try:
                value = decode(enc)
                status, line = evaluate(q, value, **prep.specs[q])
            except Exception as exc:  # noqa: BLE001
                status, line = "wrong", f"{q}: not yet — the answer could not be checked ({type(exc).__name__})"
            out[q] = {"status": status, "detail": line.split(": ", 1)[-1] if status != "pass" else ""}
        return out

    def expected(self, exercise: str, params: dict | None = None) -> dict:
        """``{question: expected value}`` (questions checked by ``test=`` are left out)."""
        prep = self.prepare(exercise, params)
        from course_kit.course.checks import _MISSING

        return {q: s.get("expected") for q, s in prep.specs.items() if s.get("expected", _MISSING) is not _MISSING}


# ----------------------------------------------------------------------------- the worker process


def _serve() -> int:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    engine = Engine()
    for line in sys.stdin:
        try:
            req = json.loads(line)
            op = req.get("op")
            if op == "prepare":
                prep = engine.prepare(req["exercise"], req.get("params"))
                resp = {"ok": True, "probes": prep.probes, "errors": prep.errors}
            elif op == "verdicts":
                resp = {"ok": True, "verdicts": engine.verdicts(req["exercise"], req.get("params"), req["answers"])}
            else:
                resp = {"ok": False, "error": f"unknown op {op!r}"}
        except Exception as exc:  # noqa: BLE001
            resp = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        out.write(json.dumps(resp, default=str) + "\n")
        out.flush()
    return 0


class KeyWorker:
    """A persistent answer-key process (one per grading thread); restarted if it dies."""

    def __init__(self):
        self.proc = None
        self.lock = threading.Lock()

    def _start(self):
        from course_kit.course.sandbox import _kit_root

        env = dict(os.environ)
        env["PYTHONPATH"] = str(_kit_root()) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.pop("COURSE_KIT_GRADING", None)
        env["MPLBACKEND"] = "Agg"
        self.proc = subprocess.Popen([sys.executable, "-m", "course_kit.course.key"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     encoding="utf-8", env=env)

    def request(self, req: dict) -> dict:
        with self.lock:
            for attempt in range(2):
                if self.proc is None or self.proc.poll() is not None:
                    self._start()
                try:
                    self.proc.stdin.write(json.dumps(req) + "\n")
                    self.proc.stdin.flush()
                    line = self.proc.stdout.readline()
                except (OSError, ValueError):
                    line = ""
                if line:
                    try:
                        return json.loads(line)
                    except ValueError:
                        return {"ok": False, "error": "the answer key answered nonsense"}
                self.close()
            return {"ok": False, "error": "the answer key process died"}

    def prepare(self, exercise: str, params: dict) -> dict:
        return self.request({"op": "prepare", "exercise": exercise, "params": params})

    def verdicts(self, exercise: str, params: dict, answers: dict) -> dict:
        return self.request({"op": "verdicts", "exercise": exercise, "params": params, "answers": answers})

    def close(self):
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                proc.kill()
                proc.wait()
            except OSError:
                pass
            for f in (proc.stdin, proc.stdout):
                try:
                    f.close()
                except (OSError, ValueError):
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


if __name__ == "__main__":
    sys.exit(_serve())
