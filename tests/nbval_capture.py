"""A pytest plugin for the notebook suite's nbval run: it writes every executed cell's outputs to the
JSON file named by ``CK_NBVAL_CAPTURE`` (``{cell id: [nbformat outputs]}``), so the one nbval
execution also feeds the checks on the executed notebook (errors, size, expected outputs).

Loaded with ``-p nbval_capture`` (``tests/`` on ``PYTHONPATH``); see :func:`nb_expected.run_quick`.
"""

from __future__ import annotations

import json
import os

import pytest

_CAPTURED: dict[str, list] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield
    cell, outputs = getattr(item, "cell", None), getattr(item, "test_outputs", None)
    if cell is not None and outputs is not None:
        _CAPTURED[cell.get("id") or f"cell-{getattr(item, 'cell_num', '?')}"] = outputs


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("CK_NBVAL_CAPTURE")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(_CAPTURED, fh)
