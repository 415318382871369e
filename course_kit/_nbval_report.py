"""pytest plugin used by the grader: records each nbval cell's outcome and output as JSON lines.

Loaded with ``-p course_kit._nbval_report`` in the grading subprocess; writes to the file named by
``$COURSE_KIT_REPORT``. Kept free of course_kit imports so it loads fast and cannot be influenced by
the learner's notebook (it runs in the pytest process, not in the kernel).
"""

from __future__ import annotations

import json
import os
import time
from queue import Empty

import pytest

try:  # detect a dead kernel within a second instead of waiting for the whole cell time limit
    from nbval.kernel import RunningKernel

    def _await_reply(self, msg_id, timeout=None):
        deadline = None if timeout is None else time.monotonic() + float(timeout)
        while True:
            wait = 0.5 if deadline is None else min(0.5, max(0.0, deadline - time.monotonic()))
            try:
                msg = self.get_message(stream="shell", timeout=wait)
            except Empty:
                if not self.is_alive():
                    self.ck_died = True
                    raise
                if deadline is not None and time.monotonic() >= deadline:
                    raise
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                if msg["content"]["status"] == "aborted":
                    raise RuntimeError("Kernel aborted execution request")
                return

    RunningKernel.await_reply = _await_reply
except ImportError:  # pragma: no cover - nbval is a dependency
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    path = os.environ.get("COURSE_KIT_REPORT")
    if not path:
        return
    outputs = []
    for out in getattr(item, "test_outputs", None) or []:
        if out.get("output_type") == "stream":
            outputs.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            outputs.append(f"{out.get('ename')}: {out.get('evalue')}")
    kernel = getattr(getattr(item, "parent", None), "kernel", None)
    record = {
        "cell": getattr(item, "cell_num", None),
        "kernel_died": bool(getattr(kernel, "ck_died", False)),
        "outcome": report.outcome,
        "message": str(report.longrepr)[-4000:] if report.failed else "",
        "output": "".join(outputs)[-2000:],
    }
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
