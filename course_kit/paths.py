"""Where the course's files are: the checkout root, ``data/``, ``exercises/``, ``work/``.

The kit is installed in editable mode from its checkout (``python3 course.py ...`` and
``environment.yml`` both do ``pip install -e .``), so the folders next to the package are the
ones the notebooks use. ``COURSE_KIT_ROOT`` overrides the location (tests use it for a scratch copy).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["repo_root", "data_path", "notebooks_dir", "exercises_dir", "solutions_dir", "work_dir"]


def repo_root() -> Path:
    """The course checkout: ``$COURSE_KIT_ROOT`` if set, else the folder holding ``course_kit/``."""
    env = os.environ.get("COURSE_KIT_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def data_path(name: str = "") -> Path:
    """Absolute path of a file in the course's ``data/`` folder.

    >>> data_path("README.md").name
    'README.md'
    """
    folder = repo_root() / "data"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"the course data folder {folder} is missing: install the kit from its checkout "
            "with `pip install -e .` (or set COURSE_KIT_ROOT to the checkout)"
        )
    path = folder / name
    if name and not path.exists():
        known = ", ".join(sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")))
        raise ValueError(f"name must be a file in data/ ({known}); got {name!r}")
    return path


def notebooks_dir() -> Path:
    return repo_root() / "notebooks"


def exercises_dir() -> Path:
    return repo_root() / "exercises"


def solutions_dir() -> Path:
    return repo_root() / "solutions"


def work_dir() -> Path:
    """The learner's own folder (git-ignored): ``course-kit start NN`` copies exercises here."""
    return repo_root() / "work"
