"""Section 7, key questions: the contract of the Q6 scheduling score and its property check.

The course text's Q6 asks for a scheduler score that weighs three objectives — short job completion,
high cluster utilisation, fairness across users. A design question has no single right number, so
the exercise grades **properties** of the learner's function. The function has this signature
(:data:`Q6_ARGS`, called positionally)::

    score(est_completion_s, max_completion_s, util_gain, user_share, fair_share) -> float

* ``est_completion_s`` in [0, ``max_completion_s``]: the job's estimated completion time;
* ``max_completion_s`` > 0: the longest estimate among the candidates (the normaliser);
* ``util_gain`` in [0, 1]: how much placing the job raises the node's utilisation (after − before);
* ``user_share`` in [0, 1]: the job owner's current share of the cluster;
* ``fair_share`` in (0, 1): the owner's entitled share.

A good score (:func:`check_scoring_function` tests each on seeded random inputs):

1. **range** — returns a finite number in [0, 1];
2. **completion** — a shorter estimated completion time never lowers the score;
3. **utilisation** — a larger utilisation gain never lowers the score;
4. **fairness** — a user further below their fair share never gets a lower score: neither a
   smaller ``user_share`` (same fair share) nor a larger ``fair_share`` (same share) lowers it;
5. **normalised** — the best job (instant, fills the node, owner holds nothing) scores exactly 1:
   every objective is scaled to [0, 1] and the weights sum to 1;
6. **every objective counts** — improving only one objective from its worst to its best value
   strictly raises the score (each weight is positive).

The course text's own answer (:func:`course_text_q6_score`, weights 0.4/0.3/0.3 through
:func:`course_kit.scheduling.multi_objective_score`) fails property 4: its fairness term
``1 − |user_share − fair_share|`` is symmetric, so a user far *below* their fair share scores lower
than one exactly at it, and the scheduler starves the users it should help first.

>>> check_scoring_function(course_text_q6_score).split(":")[0]
'fairness'
>>> def good(est, mx, gain, share, fair):
...     fairness = 1 - share / (2 * fair) if share <= fair else (1 - share) / (2 * (1 - fair))
...     return 0.4 * (1 - est / mx) + 0.3 * gain + 0.3 * fairness
>>> check_scoring_function(good)
True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from course_kit._validate import check_int, check_number

__all__ = ["Q6_ARGS", "Q6_PROPERTIES", "course_text_q6_score", "check_scoring_function"]

#: Argument order of a Q6 scoring function (called positionally).
Q6_ARGS = ("est_completion_s", "max_completion_s", "util_gain", "user_share", "fair_share")
#: The properties :func:`check_scoring_function` tests, in the order it tests them.
Q6_PROPERTIES = ("range", "completion", "utilisation", "fairness", "normalised", "every objective counts")

_MAX_S = 1e9


def _q6_inputs(est_completion_s, max_completion_s, util_gain, user_share, fair_share) -> tuple:
    mx = check_number("max_completion_s", max_completion_s, low=0, low_inclusive=False, high=_MAX_S)
    est = check_number("est_completion_s", est_completion_s, low=0, high=mx)
    gain = check_number("util_gain", util_gain, low=0, high=1)
    share = check_number("user_share", user_share, low=0, high=1)
    fair = check_number("fair_share", fair_share, low=0, high=1, low_inclusive=False, high_inclusive=False)
    return est, mx, gain, share, fair


def course_text_q6_score(est_completion_s, max_completion_s, util_gain, user_share, fair_share) -> float:
    """The course text's Q6 ``multi_objective_scheduler_score`` with the :data:`Q6_ARGS` signature.

        completion = 1 − est / max;  utilisation = util_gain;  fairness = 1 − |share − fair share|
        score = 0.4·completion + 0.3·utilisation + 0.3·fairness

    (course text §7 Q6, via :func:`course_kit.scheduling.multi_objective_score`). Its fairness term is
    symmetric around the fair share — the flaw the Q6 exercise is about.

    >>> course_text_q6_score(0, 3600, 1.0, 0.25, 0.25)        # best on every term: 1.0
    1.0
    >>> round(course_text_q6_score(0, 3600, 1.0, 0.0, 0.25), 3)   # the same user holding nothing scores less
    0.925
    """
    from course_kit.scheduling import multi_objective_score

    est, mx, gain, share, fair = _q6_inputs(est_completion_s, max_completion_s, util_gain, user_share, fair_share)
    return multi_objective_score(1.0 - est / mx, gain, 1.0 - abs(share - fair))


def _fmt(args) -> str:
    return "score(" + ", ".join(f"{n}={v:.4g}" for n, v in zip(Q6_ARGS, args)) + ")"


class _Problem(Exception):
    """Internal: carries the first property violation found."""


def _call(fn, args) -> float:
    try:
        value = fn(*args)
    except Exception as exc:  # noqa: BLE001 - the learner's error is the verdict
        raise _Problem(f"range: {_fmt(args)} raised {type(exc).__name__}: {exc}") from None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise _Problem(f"range: {_fmt(args)} returned {value!r}, not a number")
    x = float(value)
    if not math.isfinite(x) or not -1e-9 <= x <= 1 + 1e-9:
        raise _Problem(f"range: {_fmt(args)} = {x!r} is outside [0, 1]")
    return x


def _samples(n: int, seed: int) -> np.ndarray:
    """Rows (est, max, gain, share, fair): fixed edge cases, then seeded random points."""
    edges = [
        (0.0, 3600.0, 0.5, 0.0, 0.25), (1800.0, 3600.0, 0.5, 0.25, 0.25), (3600.0, 3600.0, 0.0, 1.0, 0.25),
        (600.0, 3600.0, 1.0, 0.1, 0.5), (100.0, 86400.0, 0.25, 0.9, 0.1), (7200.0, 7200.0, 1.0, 0.0, 0.9),
    ]
    rng = np.random.default_rng(seed)
    mx = np.exp(rng.uniform(math.log(60.0), math.log(7 * 86400.0), n))
    rows = np.column_stack([
        mx * rng.uniform(0, 1, n), mx, rng.uniform(0, 1, n), rng.uniform(0, 1, n), rng.uniform(0.02, 0.98, n),
    ])
    return np.vstack([np.array(edges), rows])


def _monotone(fn, rows, rng, col: int, better, name: str, what: str) -> None:
    for row in rows:
        base = tuple(float(v) for v in row)
        improved = list(base)
        improved[col] = float(better(base, rng))
        improved = tuple(improved)
        s0, s1 = _call(fn, base), _call(fn, improved)
        if s1 < s0 - 1e-9:
            raise _Problem(f"{name}: {what}, yet {_fmt(improved)} = {s1:.4g} < {_fmt(base)} = {s0:.4g}")


def check_scoring_function(fn: Callable, *, n_samples: int = 200, seed: int = 0, tol: float = 1e-6):
    """``True`` if ``fn`` has the six properties of a Q6 score (module docstring), else a string
    naming the first property that fails and the inputs that show it.

    Inputs are seeded (``numpy.random.default_rng(seed)``): the same function always gets the same
    verdict. ``fn`` is called positionally with :data:`Q6_ARGS`; an exception it raises, or a
    value that is not a real number in [0, 1], is reported as a ``range`` failure (never raised).
    ``tol`` is the tolerance of the "scores exactly 1" test.

    >>> check_scoring_function(lambda est, mx, gain, share, fair: 1.0)
    'every objective counts: improving only est_completion_s (3600 -> 0) does not raise the score (1 -> 1): give it a positive weight'
    >>> check_scoring_function(lambda *a: 0.9 * course_text_q6_score(*a)).split(":")[0]
    'fairness'
    """
    n = check_int("n_samples", n_samples, low=1, high=100_000)
    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    tol = check_number("tol", tol, low=0, high=0.1)
    if not callable(fn):
        return f"expected a function score({', '.join(Q6_ARGS)}); got {type(fn).__name__}"
    rows = _samples(n, seed)
    rng = np.random.default_rng(seed + 1)
    try:
        for row in rows:
            _call(fn, tuple(float(v) for v in row))
        _monotone(fn, rows, rng, 0, lambda r, g: r[0] * g.uniform(0, 1), "completion",
                  "a shorter estimated completion time lowered the score")
        _monotone(fn, rows, rng, 2, lambda r, g: g.uniform(r[2], 1), "utilisation",
                  "a larger utilisation gain lowered the score")
        _monotone(fn, rows, rng, 3, lambda r, g: r[3] * g.uniform(0, 1), "fairness",
                  "a user with a smaller share (further below their fair share) got a lower score")
        _monotone(fn, rows, rng, 4, lambda r, g: g.uniform(r[4], 0.98), "fairness",
                  "a user entitled to a larger fair share (so further below it) got a lower score")
        for fair in sorted({float(r[4]) for r in rows[:12]}):
            best = (0.0, 3600.0, 1.0, 0.0, fair)
            s = _call(fn, best)
            if abs(s - 1.0) > tol:
                raise _Problem(f"normalised: the best job {_fmt(best)} scores {s:.4g}, not 1 — scale every "
                               "objective to [0, 1] and make the weights sum to 1")
        worst = (3600.0, 3600.0, 0.0, 1.0, 0.25)
        s_worst = _call(fn, worst)
        for col, best_value in ((0, 0.0), (2, 1.0), (3, 0.0)):
            one = list(worst)
            one[col] = best_value
            s_one = _call(fn, tuple(one))
            if not s_one > s_worst + 1e-9:
                raise _Problem(f"every objective counts: improving only {Q6_ARGS[col]} ({worst[col]:g} -> "
                               f"{best_value:g}) does not raise the score ({s_worst:.4g} -> {s_one:.4g}): "
                               "give it a positive weight")
    except _Problem as problem:
        return str(problem)
    return True
