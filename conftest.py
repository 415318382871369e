"""Root conftest: kernels started by the tests (papermill, nbval, the grader) must run this
environment's Python, whatever PATH the caller had."""

import os
import sys
from pathlib import Path

import pytest

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


# --dist loadgroup (python3 course.py test): pytest-xdist 3.8 marks a grouped test by assigning
# ``item._nodeid``, which pytest 9 no longer reads (the node id lives in ``item._id``), so every
# xdist_group marker was silently ignored and each test was scheduled on its own: module fixtures
# such as the hostile-grading run were built on BOTH workers. Re-apply the group suffix the way
# xdist intends ("<nodeid>@<group>"); a no-op where xdist's own suffix took effect.

@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    if not getattr(config.option, "loadgroup", False):  # set on xdist workers under --dist loadgroup
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pytest < 9: xdist's own suffix works
        return
    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        if not names or item.nodeid.endswith("@" + "_".join(names)):
            continue
        item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(names)}")
