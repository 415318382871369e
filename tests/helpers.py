"""Shared helpers of the test suite."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
SANITIZE = ROOT / "course_kit" / "nbval_sanitize.cfg"


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def only_value_errors(calls) -> None:
    """Run each call; a ValueError is the accepted refusal, any other exception fails the test."""
    for call in calls:
        try:
            call()
        except ValueError:
            pass
