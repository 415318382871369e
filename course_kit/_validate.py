"""Validation at the public edge.

Every public function of ``course_kit`` checks its inputs with these helpers, so a bad value
always raises :class:`ValueError` whose message names the parameter, the value received and
the valid range, e.g. ``"k must be an even integer in [2, 64]; got 3"``. Widgets catch these
errors and show the message inline.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

__all__ = ["check_number", "check_int", "check_choice"]


def _num(x) -> str:
    """1000000 rather than 1e+06 for whole numbers a learner would type; %g otherwise."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:g}"


def _fmt_range(low, high, low_inclusive: bool, high_inclusive: bool) -> str:
    if low is None and high is None:
        return "a finite number"
    if high is None:
        return f"{'>=' if low_inclusive else '>'} {_num(low)}"
    if low is None:
        return f"{'<=' if high_inclusive else '<'} {_num(high)}"
    left = "[" if low_inclusive else "("
    right = "]" if high_inclusive else ")"
    return f"in {left}{_num(low)}, {_num(high)}{right}"


def check_number(
    name: str,
    value,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` naming ``name`` and the range.

    >>> check_number("delta_t_c", 12, low=0, low_inclusive=False)
    12.0
    >>> check_number("delta_t_c", -1, low=0, low_inclusive=False)
    Traceback (most recent call last):
    ...
    ValueError: delta_t_c must be > 0; got -1
    """
    rng = _fmt_range(low, high, low_inclusive, high_inclusive)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number {rng}; got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number {rng}; got {value!r}")
    if low is not None and (x < low or (x == low and not low_inclusive)):
        raise ValueError(f"{name} must be {rng}; got {value!r}")
    if high is not None and (x > high or (x == high and not high_inclusive)):
        raise ValueError(f"{name} must be {rng}; got {value!r}")
    return x


def check_int(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, or raise ``ValueError`` (floats with a fraction are refused).

    >>> check_int("n", 3, low=1)
    3
    >>> check_int("n", 0, low=1)
    Traceback (most recent call last):
    ...
    ValueError: n must be an integer >= 1; got 0
    """
    rng = _fmt_range(low, high, True, True)
    ok_type = isinstance(value, numbers.Integral) or (
        isinstance(value, numbers.Real) and math.isfinite(float(value)) and float(value).is_integer()
    )
    if isinstance(value, bool) or not ok_type:
        raise ValueError(f"{name} must be an integer {rng}; got {value!r}")
    n = int(value)
    if (low is not None and n < low) or (high is not None and n > high):
        raise ValueError(f"{name} must be an integer {rng}; got {value!r}")
    return n


def check_choice(name: str, value, choices: Iterable) -> object:
    """Return ``value`` if it is one of ``choices``; otherwise ``ValueError`` listing them.

    >>> check_choice("policy", "fifo", ["fifo", "sjf"])
    'fifo'
    >>> check_choice("policy", "lifo", ["fifo", "sjf"])
    Traceback (most recent call last):
    ...
    ValueError: policy must be one of 'fifo', 'sjf'; got 'lifo'
    """
    options = list(choices)
    try:
        ok = value in options
    except TypeError:
        ok = False
    if not ok:
        listed = ", ".join(repr(c) for c in options)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value
