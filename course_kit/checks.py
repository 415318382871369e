"""The check used in the graded cells of every exercise.

A check cell in an exercise looks like this (its first line makes nbval compare its output)::

    # NBVAL_CHECK_OUTPUT
    from course_kit.checks import check
    from course_kit import lifecycle
    check("q1", lambda: q1_p95_ms, expected=lifecycle.DEFAULT_P95_MS, rel_tol=0.02,
          hint="Use lifecycle.end_to_end_percentiles on the default pipeline.")

``check`` never raises: it prints exactly one line. A correct answer prints :func:`pass_line`
(``"q1: correct ✓"``), which is the output stored in the exercise notebook; anything else prints
a different line (not answered yet, wrong with a hint, or the error the answer raised), so nbval
reports the cell as failed. The answer is passed as a ``lambda`` so that an answer cell that has
not run yet (``NameError``) or still raises ``NotImplementedError`` reads as "not answered".
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

__all__ = ["check", "pass_line", "NOT_ANSWERED", "PASS_MARK"]

PASS_MARK = "correct ✓"
NOT_ANSWERED = "not answered yet"


def pass_line(question: str) -> str:
    """The exact line a passing check prints (stored as the expected output in exercises)."""
    return f"{question}: {PASS_MARK}"


def _close(answer, expected, rel_tol: float, abs_tol: float) -> bool:
    if isinstance(expected, bool) or isinstance(answer, bool):
        return isinstance(answer, bool) and isinstance(expected, bool) and answer is expected
    if isinstance(expected, numbers.Real) and isinstance(answer, numbers.Real):
        return math.isclose(float(answer), float(expected), rel_tol=rel_tol, abs_tol=abs_tol)
    if isinstance(expected, (list, tuple)) and isinstance(answer, (list, tuple)):
        return len(answer) == len(expected) and all(
            _close(a, e, rel_tol, abs_tol) for a, e in zip(answer, expected)
        )
    if isinstance(expected, dict) and isinstance(answer, dict):
        return answer.keys() == expected.keys() and all(
            _close(answer[k], expected[k], rel_tol, abs_tol) for k in expected
        )
    if isinstance(expected, str) and isinstance(answer, str):
        return answer.strip().lower() == expected.strip().lower()
    return answer == expected


def check(
    question: str,
    answer: Callable[[], object],
    expected=None,
    *,
    rel_tol: float = 1e-6,
    abs_tol: float = 0.0,
    test: Callable[[object], object] | None = None,
    hint: str = "",
) -> None:
    """Print one verdict line for ``question`` (and return None, so a check cell shows no value).

    Either ``expected`` (compared with ``rel_tol``/``abs_tol`` for numbers, element-wise for
    lists and dicts, case-insensitively for strings) or ``test`` (a predicate on the answer that
    returns True, or a string explaining what is wrong) decides.
    """
    try:
        value = answer() if callable(answer) else answer
    except (NameError, NotImplementedError):
        print(f"{question}: {NOT_ANSWERED} (run your answer cell above first)")
        return None
    except Exception as exc:  # noqa: BLE001 - report the learner's error as a verdict line
        print(f"{question}: your answer raised {type(exc).__name__}: {exc}")
        return None
    if value is Ellipsis or value is None:
        print(f"{question}: {NOT_ANSWERED}")
        return None
    try:
        if test is not None:
            verdict = test(value)
            ok = verdict is True
            why = "" if ok else (verdict if isinstance(verdict, str) else "")
        else:
            ok = _close(value, expected, rel_tol, abs_tol)
            why = ""
    except Exception as exc:  # noqa: BLE001
        ok, why = False, f"checking it raised {type(exc).__name__}: {exc}"
    if ok:
        print(pass_line(question))
        return None
    if not why and test is None:
        why = _which_part(value, expected, rel_tol, abs_tol)
    detail = f" ({why})" if why else ""
    tip = f" Hint: {hint}" if hint else ""
    print(f"{question}: not yet — got {_short(value)}{detail}.{tip}")
    return None


def _short(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...)"


def _which_part(value, expected, rel_tol: float, abs_tol: float) -> str:
    """For a list/tuple/dict answer of the right shape: which parts are wrong."""
    if isinstance(expected, (list, tuple)) and isinstance(value, (list, tuple)):
        if len(value) != len(expected):
            return f"expected {len(expected)} values, got {len(value)}"
        wrong = [i + 1 for i, (a, e) in enumerate(zip(value, expected)) if not _close(a, e, rel_tol, abs_tol)]
        return f"value{'s' if len(wrong) > 1 else ''} {', '.join(map(str, wrong))} of {len(expected)} not right" if wrong else ""
    if isinstance(expected, dict) and isinstance(value, dict):
        if value.keys() != expected.keys():
            return f"expected the keys {sorted(map(str, expected))}"
        wrong = [str(k) for k in expected if not _close(value[k], expected[k], rel_tol, abs_tol)]
        return f"not right for {', '.join(wrong)}" if wrong else ""
    return ""
