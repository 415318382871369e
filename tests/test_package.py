"""Package-level conventions: fast import, notebook setup, validation helpers, the check() verdicts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import course_kit
from course_kit import _validate as v
from course_kit.checks import CheckFailed, check, pass_line

ROOT_PKG = Path(course_kit.__file__).parent
HEAVY = ("pandas", "plotly", "networkx", "ipywidgets", "scipy", "matplotlib", "kubernetes")


def test_import_course_kit_does_not_import_heavy_libraries():
    code = ("import sys, course_kit; heavy = [m for m in %r if m in sys.modules]; print(heavy)" % (HEAVY,))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"`import course_kit` imported {out.strip()}: import them lazily"


def test_domain_modules_do_not_import_plotting_or_widgets():
    code = ("import sys, importlib, pkgutil, course_kit\n"
            "mods = [m.name for m in pkgutil.iter_modules(course_kit.__path__) "
            "if not m.name.startswith('_') and m.name not in ('figures', 'widgets', 'notebook', 'cli', 'grading')]\n"
            "for m in mods: importlib.import_module('course_kit.' + m)\n"
            "print([x for x in ('plotly', 'ipywidgets') if x in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]", "a domain module imports plotly/ipywidgets: move it to figures/ or widgets/"


def test_setup_notebook_sets_the_small_renderer_and_seeds():
    import numpy as np
    import plotly.io as pio

    assert course_kit.setup_notebook(seed=7, quiet=True) is None  # no Out[...] in the setup cell
    assert pio.renderers.default == "plotly_mimetype"
    a = np.random.random()
    course_kit.setup_notebook(seed=7, quiet=True)
    assert np.random.random() == a


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError):
        course_kit.no_such_thing  # noqa: B018


@pytest.mark.parametrize("call,match", [
    (lambda: v.check_number("x", "3"), "x must be a number"),
    (lambda: v.check_number("x", float("nan")), "x must be a finite number"),
    (lambda: v.check_number("x", True), "x must be a number"),
    (lambda: v.check_number("x", 5, low=0, high=5, high_inclusive=False), r"x must be in \[0, 5\); got 5"),
    (lambda: v.check_int("k", 2.5), "k must be an integer"),
    (lambda: v.check_int("k", 1, low=2, high=64), r"k must be an integer in \[2, 64\]; got 1"),
    (lambda: v.check_choice("p", [1], ["a"]), "p must be one of 'a'"),
])
def test_validation_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_check_int_accepts_integral_floats():
    assert v.check_int("k", 4.0) == 4 and isinstance(v.check_int("k", 4.0), int)


@pytest.mark.parametrize("answer,kwargs,expected_line", [
    (lambda: 10.0, {"expected": 10.04, "rel_tol": 0.01}, pass_line("q1")),
    (lambda: 11.0, {"expected": 10.0, "rel_tol": 0.01, "hint": "try again"}, "q1: not yet — got 11.0. Hint: try again"),
    (lambda: undefined_name, {"expected": 1}, "q1: not answered yet (run your answer cell above first)"),  # noqa: F821
    (lambda: ..., {"expected": 1}, "q1: not answered yet"),
    (lambda: 1 / 0, {"expected": 1}, "q1: your answer raised ZeroDivisionError: division by zero"),
    (lambda: "Best-Fit ", {"expected": "best-fit"}, pass_line("q1")),
    (lambda: [1, 2.0], {"expected": [1, 2]}, pass_line("q1")),
    (lambda: {"a": 3}, {"expected": {"a": 2}}, "q1: not yet — got {'a': 3} (not right for a)."),
    (lambda: {"b": 2}, {"expected": {"a": 2}}, "q1: not yet — got {'b': 2} (expected the keys ['a'])."),
    (lambda: (4, True, 7), {"expected": (4, False, 7)}, "q1: not yet — got (4, True, 7) (value 2 of 3 not right)."),
    (lambda: [1, 2], {"expected": [1, 2, 3]}, "q1: not yet — got [1, 2] (expected 3 values, got 2)."),
    (lambda: "x" * 200, {"expected": "y"}, "q1: not yet — got '" + "x" * 114 + " ...)."),
    (lambda: 5, {"test": lambda x: x > 3}, pass_line("q1")),
    (lambda: 2, {"test": lambda x: True if x > 3 else "must exceed 3"}, "q1: not yet — got 2 (must exceed 3)."),
    (lambda: True, {"expected": 1}, "q1: not yet — got True."),
])
def test_check_prints_one_verdict_line(capsys, answer, kwargs, expected_line):
    # a pass prints its line; anything else raises CheckFailed shown as exactly that line (nbval fails the cell)
    if expected_line == pass_line("q1"):
        assert check("q1", answer, **kwargs) is None
        assert capsys.readouterr().out == expected_line + "\n"
    else:
        with pytest.raises(CheckFailed) as info:
            check("q1", answer, **kwargs)
        assert info.value._render_traceback_() == [expected_line]


def test_check_not_implemented_reads_as_not_answered():
    def stub():
        raise NotImplementedError("q1: replace this line with your answer")
    with pytest.raises(CheckFailed, match="not answered yet"):
        check("q1", stub, expected=1)


def test_lazy_attributes_are_declared_for_type_checkers():
    """`import course_kit` loads sub-modules on first use (__getattr__); its TYPE_CHECKING block
    names every public one, and the lazy functions, so mypy and IDEs see the API."""
    import ast
    import pkgutil

    tree = ast.parse((ROOT_PKG / "__init__.py").read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    declared = {a.asname or a.name for n in block.body if isinstance(n, ast.ImportFrom) for a in n.names}
    public = {m.name for m in pkgutil.iter_modules(course_kit.__path__) if not m.name.startswith("_")}
    missing = sorted(public - declared)
    assert not missing, f"add to course_kit/__init__.py's TYPE_CHECKING imports: {missing}"
    assert {"setup_notebook", "data_path", "repo_root"} <= declared
    stale = sorted(declared - public - {"setup_notebook", "data_path", "repo_root"})
    assert not stale, f"declared but not in the package: {stale}"
