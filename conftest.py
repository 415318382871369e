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

# Hypothesis: explore new examples on developers' machines; on CI (CI=true) draw the same examples
# every run, so a landing never depends on luck. Bugs found locally are kept in .hypothesis/.
try:
    from hypothesis import settings as _hyp_settings

    _hyp_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    _hyp_settings.register_profile("dev", deadline=None)
    _hyp_settings.load_profile("ci" if os.environ.get("CI") else "dev")
except ImportError:  # pragma: no cover
    pass
