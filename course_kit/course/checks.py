"""Self-checks for exercises, and the public *forms* of answers.

A check cell in a solution looks like this::

    from course_kit.checks import check, Number
    from course_kit import lifecycle
    from course_kit.variants import param
    check("q1", lambda: q1_p95_ms, expected=lifecycle.DEFAULT_P95_MS, rel_tol=0.02,
          form=Number(low=0), hint="Use lifecycle.end_to_end_percentiles on the default pipeline.")

In a learner's notebook (self-study mode) :func:`check` prints ``q1: correct ✓`` when the answer is
right. Otherwise it raises :class:`CheckFailed` (an ``AssertionError``) whose notebook rendering is
the one verdict line (not answered yet, wrong with a hint, or the error the answer raised), so
``pytest --nbval-lax work/01_lifecycle.ipynb`` fails exactly the questions that are not right yet.
:func:`check` never raises anything else.

Without ``expected=`` and ``test=`` (the check cells of a workshop *release*) only the public
``form`` is checked: the answer exists and has the right type, shape and range; never its value.

While a submission is graded (``GRADING``, set from ``$COURSE_KIT_GRADING`` by the runner)
:func:`check` does nothing: the verdict is decided by the answer key in another process
(:mod:`course_kit.course.key`), from the answer values only.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "FORMS",
    "GRADING",
    "NOT_ANSWERED",
    "PASS_MARK",
    "Any",
    "CheckFailed",
    "Flag",
    "Form",
    "Function",
    "Integer",
    "Mapping",
    "Number",
    "Seq",
    "Text",
    "check",
    "compare",
    "evaluate",
    "pass_line",
]

PASS_MARK = "correct ✓"
FORM_MARK = "answered ✓ (right form; the grader checks the value)"
NOT_ANSWERED = "not answered yet"
GRADING = os.environ.get("COURSE_KIT_GRADING") == "1"
_MISSING = object()
_KEY_HOOK: Callable | None = None  # set by the answer key (course_kit.course.key) in its own process


class CheckFailed(AssertionError):
    """A check that did not pass; shown in a notebook as its one verdict line (no traceback)."""

    def _render_traceback_(self):  # IPython calls this instead of printing a traceback
        return [str(self)]


def pass_line(question: str) -> str:
    """The line a passing check prints."""
    return f"{question}: {PASS_MARK}"


# ----------------------------------------------------------------------------- comparing


def _is_bool(x) -> bool:
    return isinstance(x, bool) or type(x).__name__ in ("bool_", "bool")


def _is_arraylike(x) -> bool:
    return hasattr(x, "__array__") and hasattr(x, "shape") and not isinstance(x, (str, bytes))


def _to_array(x):
    import numpy as np

    if hasattr(x, "to_numpy"):
        x = x.to_numpy()
    return np.asarray(x)


def _close_arrays(answer, expected, rel_tol, abs_tol) -> bool:
    import numpy as np

    a, e = _to_array(answer), _to_array(expected)
    if a.shape != e.shape:
        return False
    if a.dtype.kind in "biuf" and e.dtype.kind in "biuf":
        if (a.dtype.kind == "b") != (e.dtype.kind == "b"):
            return False
        return bool(np.allclose(a.astype(float), e.astype(float), rtol=rel_tol, atol=abs_tol))
    if a.dtype.kind in "OUS" or e.dtype.kind in "OUS":
        return all(compare(x, y, rel_tol, abs_tol) for x, y in zip(a.ravel().tolist(), e.ravel().tolist()))
    return bool(np.array_equal(a, e))


def compare(answer, expected, rel_tol: float = 1e-6, abs_tol: float = 0.0) -> bool:
    """True when ``answer`` matches ``expected``: numbers within tolerance, strings case- and
    space-insensitively, sequences and dicts element-wise, array-likes (NumPy arrays, pandas
    Series) by shape and ``numpy.allclose``. Never raises.

    >>> compare([1.0, "Ingest"], (1.0000001, "ingest "))
    True
    """
    try:
        if _is_arraylike(answer) or _is_arraylike(expected):
            if getattr(answer, "ndim", 1) == 0 and getattr(expected, "ndim", 1) == 0:
                return compare(answer.item() if hasattr(answer, "item") else answer,
                               expected.item() if hasattr(expected, "item") else expected, rel_tol, abs_tol)
            if isinstance(answer, (str, bytes, dict)) or isinstance(expected, (str, bytes, dict)):
                return False
            return _close_arrays(answer, expected, rel_tol, abs_tol)
        if _is_bool(expected) or _is_bool(answer):
            return _is_bool(answer) and _is_bool(expected) and bool(answer) == bool(expected)
        if isinstance(expected, numbers.Real) and isinstance(answer, numbers.Real):
            a, e = float(answer), float(expected)
            if math.isnan(a) or math.isnan(e):
                return False
            return math.isclose(a, e, rel_tol=rel_tol, abs_tol=abs_tol)
        if isinstance(expected, (list, tuple)) and isinstance(answer, (list, tuple)):
            return len(answer) == len(expected) and all(
                compare(a, e, rel_tol, abs_tol) for a, e in zip(answer, expected))
        if isinstance(expected, dict) and isinstance(answer, dict):
            a = {str(k): v for k, v in answer.items()}
            e = {str(k): v for k, v in expected.items()}
            return a.keys() == e.keys() and all(compare(a[k], e[k], rel_tol, abs_tol) for k in e)
        if isinstance(expected, str) and isinstance(answer, str):
            return answer.strip().lower() == expected.strip().lower()
        return bool(answer == expected) if type(answer) is type(expected) else False
    except Exception:  # noqa: BLE001 - a comparison that cannot be made is "not equal"
        return False


def _short(value, limit: int = 120) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 5] + " ...)"


def _which_part(value, expected, rel_tol: float, abs_tol: float) -> str:
    """For a list/tuple/dict answer of the right shape: which parts are wrong."""
    if isinstance(expected, (list, tuple)) and isinstance(value, (list, tuple)):
        if len(value) != len(expected):
            return f"expected {len(expected)} values, got {len(value)}"
        wrong = [i + 1 for i, (a, e) in enumerate(zip(value, expected)) if not compare(a, e, rel_tol, abs_tol)]
        return (f"value{'s' if len(wrong) > 1 else ''} {', '.join(map(str, wrong))} of {len(expected)} "
                "not right") if wrong else ""
    if isinstance(expected, dict) and isinstance(value, dict):
        if {str(k) for k in value} != {str(k) for k in expected}:
            return f"expected the keys {sorted(map(str, expected))}"
        v = {str(k): x for k, x in value.items()}
        wrong = [str(k) for k in expected if not compare(v[str(k)], expected[k], rel_tol, abs_tol)]
        return f"not right for {', '.join(wrong)}" if wrong else ""
    if _is_arraylike(expected) and _is_arraylike(value):
        try:
            if tuple(value.shape) != tuple(expected.shape):
                return f"expected shape {tuple(expected.shape)}, got {tuple(value.shape)}"
        except Exception:  # noqa: BLE001
            return ""
    return ""


def evaluate(question: str, value, expected=_MISSING, *, rel_tol: float = 1e-6, abs_tol: float = 0.0,
             test: Callable | None = None, hint: str = "", form: Form | None = None) -> tuple[str, str]:
    """``(status, line)`` for an answer value: status is ``pass``, ``wrong`` or ``not done``.

    Shared by :func:`check` (in the learner's notebook) and the answer key (outside it).
    """
    if value is Ellipsis or value is None:
        return "not done", f"{question}: {NOT_ANSWERED}"
    tip = f" Hint: {hint}" if hint else ""
    if expected is _MISSING and test is None:
        problem = form.problem(value) if form is not None else None
        if problem:
            return "wrong", f"{question}: not yet — {problem}.{tip}"
        return "pass", f"{question}: {FORM_MARK}"
    try:
        if test is not None:
            verdict = test(value)
            ok = verdict is True
            why = "" if ok else (verdict if isinstance(verdict, str) else "")
        else:
            ok = compare(value, expected, rel_tol, abs_tol)
            why = "" if ok else _which_part(value, expected, rel_tol, abs_tol)
    except Exception as exc:  # noqa: BLE001
        ok, why = False, f"checking it raised {type(exc).__name__}: {exc}"
    if ok:
        return "pass", pass_line(question)
    detail = f" ({why})" if why else ""
    return "wrong", f"{question}: not yet — got {_short(value)}{detail}.{tip}"


def check(question: str, answer: Callable[[], object], expected=_MISSING, *, rel_tol: float = 1e-6,
          abs_tol: float = 0.0, test: Callable[[object], object] | None = None, hint: str = "",
          form: Form | None = None) -> None:
    """Print ``qN: correct ✓``, or raise :class:`CheckFailed` with the verdict line.

    Either ``expected`` (compared by :func:`compare` with ``rel_tol``/``abs_tol``) or ``test`` (a
    predicate returning True, or a string saying what is wrong) decides; with neither, only the
    public ``form`` is checked. ``answer`` is a ``lambda`` so that an answer cell that has not run
    yet (``NameError``) or still raises ``NotImplementedError`` reads as "not answered".
    """
    if _KEY_HOOK is not None:
        return _KEY_HOOK(question, answer, expected=expected, rel_tol=rel_tol, abs_tol=abs_tol, test=test,
                         hint=hint, form=form)
    if GRADING:
        return None
    try:
        try:
            value = answer() if callable(answer) else answer
        except (NameError, NotImplementedError):
            raise CheckFailed(f"{question}: {NOT_ANSWERED} (run your answer cell above first)") from None
        except CheckFailed:
            raise
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise CheckFailed(f"{question}: your answer raised {type(exc).__name__}: {exc}") from None
        status, line = evaluate(question, value, expected, rel_tol=rel_tol, abs_tol=abs_tol, test=test,
                                hint=hint, form=form)
    except CheckFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - check() raises nothing but CheckFailed
        raise CheckFailed(f"{question}: could not check the answer ({type(exc).__name__}: {exc})") from None
    if status == "pass":
        print(line)
        return None
    raise CheckFailed(line)


# ----------------------------------------------------------------------------- public forms


@dataclass(frozen=True)
class Form:
    """The public shape of an answer: checked in released notebooks, never the value."""

    def problem(self, value) -> str | None:  # pragma: no cover - overridden
        return None

    def describe(self) -> str:
        return "an answer"


@dataclass(frozen=True)
class Any(Form):
    def describe(self) -> str:
        return "any value"


def _range_problem(x: float, low, high, what: str) -> str | None:
    if math.isnan(x):
        return f"{what} is NaN"
    if low is not None and x < low:
        return f"{what} should be at least {low:g}, got {x:g}"
    if high is not None and x > high:
        return f"{what} should be at most {high:g}, got {x:g}"
    return None


@dataclass(frozen=True)
class Number(Form):
    low: float | None = None
    high: float | None = None

    def problem(self, value):
        if _is_bool(value) or not isinstance(value, numbers.Real):
            if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
                return self.problem(value.item())
            return f"expected a number, got {type(value).__name__}"
        return _range_problem(float(value), self.low, self.high, "the number")

    def describe(self):
        return "a number" + (f" >= {self.low:g}" if self.low is not None else "") + (
            f" <= {self.high:g}" if self.high is not None else "")


@dataclass(frozen=True)
class Integer(Number):
    def problem(self, value):
        if _is_bool(value) or not isinstance(value, numbers.Integral):
            return f"expected a whole number (int), got {type(value).__name__}"
        return super().problem(value)

    def describe(self):
        return "a whole number" + super().describe()[len("a number"):]


@dataclass(frozen=True)
class Text(Form):
    choices: tuple | None = None

    def problem(self, value):
        if not isinstance(value, str):
            return f"expected a string, got {type(value).__name__}"
        if self.choices and value.strip().lower() not in {str(c).strip().lower() for c in self.choices}:
            return f"expected one of {list(self.choices)}, got {value!r}"
        return None

    def describe(self):
        return f"one of {list(self.choices)}" if self.choices else "a string"


@dataclass(frozen=True)
class Flag(Form):
    def problem(self, value):
        return None if _is_bool(value) else f"expected True or False (a bool), got {type(value).__name__}"

    def describe(self):
        return "True or False"


@dataclass(frozen=True, init=False)
class Seq(Form):
    items: tuple = field(default=())

    def __init__(self, *items: Form):
        object.__setattr__(self, "items", tuple(items))

    def problem(self, value):
        if _is_arraylike(value) and getattr(value, "ndim", 1) == 1:
            value = list(value)
        if not isinstance(value, (list, tuple)):
            return f"expected a tuple of {len(self.items)} values, got {type(value).__name__}"
        if len(value) != len(self.items):
            return f"expected {len(self.items)} values, got {len(value)}"
        for i, (v, f) in enumerate(zip(value, self.items), 1):
            p = f.problem(v)
            if p:
                return f"value {i}: {p}"
        return None

    def describe(self):
        return "(" + ", ".join(f.describe() for f in self.items) + ")"


@dataclass(frozen=True)
class Mapping(Form):
    keys: tuple | None = None

    def problem(self, value):
        if not isinstance(value, dict) and not hasattr(value, "to_dict"):
            return f"expected a dict, got {type(value).__name__}"
        if self.keys is not None:
            got = {str(k) for k in (value if isinstance(value, dict) else value.to_dict())}
            if got != {str(k) for k in self.keys}:
                return f"expected the keys {sorted(map(str, self.keys))}"
        return None

    def describe(self):
        return f"a dict with keys {list(self.keys)}" if self.keys else "a dict"


@dataclass(frozen=True)
class Function(Form):
    """A function answer; it is graded by its results on probe inputs (``probes``: argument tuples,
    or None to let the answer key record them from the check's ``test``)."""

    arity: int | None = None
    probes: tuple | None = None

    def problem(self, value):
        if not callable(value):
            return f"expected a function, got {type(value).__name__}"
        if self.arity is not None:
            import inspect

            try:
                inspect.signature(value).bind(*range(self.arity))
            except TypeError:
                return f"expected a function of {self.arity} arguments"
            except ValueError:
                return None
        return None

    def describe(self):
        return f"a function of {self.arity} arguments" if self.arity else "a function"


FORMS = {cls.__name__: cls for cls in (Any, Number, Integer, Text, Flag, Seq, Mapping, Function)}
