"""Root conftest: kernels started by the tests (papermill, nbval, the grader) must run this
environment's Python, whatever PATH the caller had."""

import os
import sys
from pathlib import Path

_bin = str(Path(sys.executable).parent)
if not os.environ.get("PATH", "").startswith(_bin + os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
