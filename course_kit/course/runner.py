"""Runs one submission inside the grading sandbox: ``python -m course_kit.course.runner --fd N``.

Standard library and IPython only (the learner's cells import whatever they import). It reads the
run plan (JSON) from stdin, applies its resource limits, points fd 0/1/2 at ``/dev/null`` and
``sys.stdout``/``sys.stderr`` at streams that count bytes and stop a cell that prints more than the
output cap, then executes each step in one IPython ``InteractiveShell``:

* ``cell``: a learner code cell (errors are recorded, the run goes on);
* ``capture``: evaluates a question's public answer expression and records its value, encoded as
  plain JSON (a function is encoded as its results on the probe inputs).

Records go to file descriptor N as JSON lines: ``ready``, ``start``/``end`` per step (with the
error's type and message), ``answer`` per capture, ``done``. The grader reads them with a byte cap,
times every step, interrupts a step with SIGINT (``KeyboardInterrupt``) and kills the sandbox if it
does not stop. Nothing here decides a verdict: the records are data for the answer key.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys

MAX_ANSWER_BYTES = 2_000_000
MAX_STRING = 20_000


class OutputCapExceeded(BaseException):
    """The cell printed more than the output cap (a BaseException: ``except Exception`` does not hide it)."""


class _CappedStream:
    """A text stream that keeps nothing and stops the cell after ``cap`` characters."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, cap: int):
        self.cap = cap
        self.count = 0
        self.tripped = False

    def write(self, text) -> int:
        n = len(text) if isinstance(text, (str, bytes)) else len(str(text))
        self.count += n
        if self.count > self.cap:
            self.tripped = True
            raise OutputCapExceeded(f"the cell printed more than {self.cap} characters")
        return n

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        return None

    def isatty(self):
        return False

    def fileno(self):
        raise OSError("no file descriptor while grading")

    def readable(self):
        return False

    def writable(self):
        return True


class _Records:
    def __init__(self, fd: int):
        self.fd = fd

    def emit(self, **rec) -> None:
        data = (json.dumps(rec, allow_nan=False, default=str) + "\n").encode()
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.fd, view)
            except InterruptedError:
                continue
            view = view[n:]


def _apply_limits(limits: dict) -> list[str]:
    import resource

    active = []
    for name, value in (limits or {}).items():
        which = getattr(resource, name, None)
        if which is None or value is None:
            continue
        try:
            resource.setrlimit(which, (int(value), int(value)))
            active.append(name)
        except (ValueError, OSError):
            pass
    return active


def encode(value, probes=None, depth: int = 0):
    """Plain JSON for an answer value (tagged with ``"$"`` for what JSON lacks)."""
    if depth > 30:
        raise ValueError("the answer is nested too deeply")
    if value is None:
        return {"$": "none"}
    if value is Ellipsis:
        return {"$": "ellipsis"}
    if isinstance(value, bool):
        return value
    tname, mod = type(value).__name__, type(value).__module__.split(".")[0]
    if mod == "numpy" and getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        return encode(value.item(), probes, depth + 1)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        v = float(value)
        return v if math.isfinite(v) else {"$": "float", "v": repr(v)}
    if isinstance(value, str):
        return str(value)[:MAX_STRING]
    if isinstance(value, (list, tuple)):
        items = [encode(v, probes, depth + 1) for v in list(value)[:100_000]]
        return items if isinstance(value, list) else {"$": "tuple", "v": items}
    if isinstance(value, dict):
        return {"$": "dict", "v": [[encode(k, None, depth + 1), encode(v, probes, depth + 1)]
                                   for k, v in list(value.items())[:100_000]]}
    if mod == "pandas" and tname == "Series":
        return {"$": "series", "index": encode(list(value.index), None, depth + 1),
                "v": encode(value.tolist(), None, depth + 1)}
    if mod == "pandas" and tname == "DataFrame":
        return {"$": "frame", "columns": encode([str(c) for c in value.columns], None, depth + 1),
                "index": encode(list(value.index), None, depth + 1),
                "v": encode(value.to_numpy().tolist(), None, depth + 1)}
    if hasattr(value, "tolist") and hasattr(value, "shape"):
        return {"$": "array", "v": encode(value.tolist(), None, depth + 1)}
    if callable(value) and probes is not None:
        calls = []
        for args in probes:
            try:
                calls.append([args, encode(value(*args), None, depth + 1)])
            except (KeyboardInterrupt, OutputCapExceeded):
                raise
            except BaseException as exc:  # noqa: BLE001 - a learner function may raise anything
                calls.append([args, {"$": "error", "type": type(exc).__name__, "msg": str(exc)[:200]}])
        return {"$": "function", "calls": calls}
    if callable(value):
        return {"$": "function", "calls": []}
    try:
        text = repr(value)[:200]
    except BaseException:  # noqa: BLE001
        text = "?"
    return {"$": "other", "type": tname, "repr": text}


def _error(exc: BaseException) -> dict:
    try:
        msg = str(exc)[:300]
    except BaseException:  # noqa: BLE001
        msg = ""
    return {"type": type(exc).__name__, "msg": msg}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    fd = int(argv[argv.index("--fd") + 1])
    plan = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    records = _Records(fd)
    limits_active = _apply_limits(plan.get("rlimits") or {})
    devnull = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(devnull, target)
    out_cap = int(plan.get("output_cap", 1_000_000))
    state = {"in_step": False}

    def on_sigint(signum, frame):
        if state["in_step"]:
            raise KeyboardInterrupt
    signal.signal(signal.SIGINT, on_sigint)
    stream = _CappedStream(out_cap)
    sys.stdout = sys.stderr = stream
    os.chdir(plan.get("cwd") or os.getcwd())
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.colors = "NoColor"
    records.emit(t="ready", pid=os.getpid(), limits=limits_active)
    for i, step in enumerate(plan["steps"]):
        stream.count, stream.tripped = 0, False
        records.emit(t="start", i=i)
        err, answer = None, None
        state["in_step"] = True
        try:
            if step["kind"] == "cell":
                result = shell.run_cell(step["source"], store_history=False, silent=False)
                exc = result.error_before_exec or result.error_in_exec
                if exc is not None:
                    err = _error(exc)
            else:
                answer = _capture(shell, step)
        except BaseException as exc:  # noqa: BLE001 - includes KeyboardInterrupt and the output cap
            err = _error(exc)
        finally:
            state["in_step"] = False
        if stream.tripped:
            err = {"type": "OutputCapExceeded", "msg": f"more than {out_cap} characters of output"}
        if answer is not None:
            records.emit(t="answer", i=i, q=step["question"], **answer)
        records.emit(t="end", i=i, error=err)
    records.emit(t="done")
    os._exit(0)  # skip interpreter teardown (learner atexit hooks, threads)


def _capture(shell, step) -> dict:
    try:
        value = eval(compile(step["expression"], "<answer>", "eval"), shell.user_ns)
    except (NameError, NotImplementedError) as exc:
        return {"missing": _error(exc)}
    try:
        data = encode(value, step.get("probes"))
        text = json.dumps(data, allow_nan=False)
    except (KeyboardInterrupt, OutputCapExceeded):
        raise
    except BaseException as exc:  # noqa: BLE001
        return {"unreadable": _error(exc)}
    if len(text) > MAX_ANSWER_BYTES:
        return {"unreadable": {"type": "TooLarge", "msg": f"the answer is {len(text)} bytes as JSON"}}
    return {"value": data}


if __name__ == "__main__":
    sys.exit(main())
