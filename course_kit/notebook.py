"""One call at the top of every notebook: ``course_kit.setup_notebook()``.

It fixes what makes notebooks small, reproducible and readable:

* plotly renders with the ``plotly_mimetype`` renderer: the output holds the figure's JSON only
  (a few kB). The ``notebook`` renderer would embed 4.8 MB of plotly.js in every output.
* Python's and NumPy's global random generators are seeded, so every run gives the same numbers.
  (Package functions take their own ``seed=`` argument and never use global state.)
* pandas shows compact tables.
"""

from __future__ import annotations

import random

__all__ = ["setup_notebook", "environment_report", "RENDERER", "DEFAULT_SEED", "WIDGET_STACK"]

RENDERER = "plotly_mimetype"
DEFAULT_SEED = 42


def setup_notebook(seed: int = DEFAULT_SEED, *, quiet: bool | None = None) -> None:
    """Configure plotly, random seeds and pandas for a course notebook.

    Returns None, so the setup cell shows no ``Out[...]`` value.

    Prints one confirmation line unless ``quiet`` (default: quiet when ``$COURSE_KIT_QUIET`` is set,
    as on ``course-kit present`` dashboards).
    """
    import os

    if quiet is None:
        quiet = bool(os.environ.get("COURSE_KIT_QUIET"))
    from course_kit._validate import check_int

    seed = check_int("seed", seed, low=0, high=2**32 - 1)
    import numpy as np
    import pandas as pd
    import plotly.io as pio

    pio.renderers.default = RENDERER
    pio.templates.default = "plotly_white"
    random.seed(seed)
    np.random.seed(seed)
    pd.set_option("display.max_rows", 30)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.precision", 3)
    pd.set_option("display.width", 120)
    pd.set_option("display.max_colwidth", 120)  # sources and notes are sentences, not 50-character stubs
    if not quiet:
        import course_kit

        print(f"course_kit {course_kit.__version__} ready (plotly renderer: {RENDERER}, seed: {seed})")


#: Packages whose versions must agree for widgets to display in JupyterLab
#: ("Error displaying widget: model not found" is the symptom when they drift apart).
WIDGET_STACK = ("jupyterlab", "ipywidgets", "jupyterlab_widgets", "anywidget", "plotly", "ipykernel")


def environment_report() -> dict:
    """Versions of the widget stack and the Python running this kernel, for troubleshooting.

    >>> sorted(environment_report())[:2]
    ['anywidget', 'ipykernel']
    """
    import sys
    from importlib import metadata

    report = {}
    for name in WIDGET_STACK:
        try:
            report[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            report[name] = "missing"
    report["python"] = sys.version.split()[0]
    report["python_executable"] = sys.executable
    return report
