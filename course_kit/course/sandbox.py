"""The grading sandbox: one submission's run in bubblewrap, with limits, read back safely.

With ``bwrap`` (Debian package ``bubblewrap``) the runner (:mod:`course_kit.course.runner`) starts in
``bwrap --unshare-all`` (no network; own PID, IPC, UTS and user namespaces: nothing outlives the run),
``--die-with-parent``, ``--new-session``, as uid 65534 with no capabilities and a cleared environment
(PATH, HOME, LANG, ``MPLBACKEND=Agg``, one BLAS thread; no grader variables). It sees, read-only, only
the system folders, the Python installation and virtual environment, the ``course_kit`` package and
``data/``; never ``solutions/``, the gradebook folder or other submissions. ``/tmp`` (HOME and the
working folder) is a size-limited tmpfs.

Limits: a per-submission cgroup when ``/sys/fs/cgroup/{pids,memory}`` is writable (``pids.max``,
``memory.limit_in_bytes``), else rlimits (``RLIMIT_AS``; ``RLIMIT_NPROC`` when not root); always
``RLIMIT_FSIZE``, ``RLIMIT_CORE = 0``, an output cap per cell, a time limit per cell (SIGINT, then the
whole sandbox is killed after a grace period) and a wall-time limit per submission, independent of its
number of cells.

Without ``bwrap`` (or with ``COURSE_KIT_SANDBOX=none``) the fallback runs the runner with a clean
environment, a temporary HOME and working folder, rlimits, a new session and a subreaper that kills
stragglers. **It does not hide the answer key or protect the kit's files**: the learner's code runs
as the grader's user and can read ``solutions/``. :func:`describe` says which mode and limits are active.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FALLBACK_WARNING", "Limits", "RunResult", "descendants", "describe", "kill_tree", "mode", "run_plan"]

FALLBACK_WARNING = ("WARNING: bubblewrap (bwrap) is not available, so submissions run WITHOUT the sandbox: "
                    "learner code can read the answer key (solutions/) and write to the kit's files. Only "
                    "limits, a clean environment and a temporary HOME apply. Install bubblewrap for real grading.")
_CGROUP_ROOT = Path("/sys/fs/cgroup")
MAX_RECORD_BYTES = 16_000_000


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 60.0       # per cell
    wall_s: float = 120.0         # per submission, however many cells
    memory_mb: int = 1024
    pids: int = 64
    output_chars: int = 1_000_000  # per cell
    file_mb: int = 64
    tmp_mb: int = 256
    grace_s: float = 3.0


@dataclass
class RunResult:
    steps: dict = field(default_factory=dict)      # step index -> {"status", "error"}
    answers: dict = field(default_factory=dict)    # question -> answer record
    stopped: str | None = None                     # why the run ended early
    stopped_at: int | None = None
    mode: str = ""
    limits: tuple = ()
    notes: list = field(default_factory=list)
    elapsed_s: float = 0.0


def mode() -> str:
    """``"bwrap"`` or ``"none"`` (the fallback)."""
    if os.environ.get("COURSE_KIT_SANDBOX", "").lower() == "none":
        return "none"
    return "bwrap" if shutil.which("bwrap") else "none"


def describe(limits: Limits | None = None) -> str:
    limits = limits or Limits()
    cg = [c for c in ("pids", "memory") if _cgroup_writable(c)]
    lim = [f"{limits.timeout_s:g} s per cell", f"{limits.wall_s:g} s per submission",
           f"{limits.output_chars} characters of output per cell", f"files <= {limits.file_mb} MB"]
    lim.append(f"memory {limits.memory_mb} MB (" + ("cgroup" if "memory" in cg else "RLIMIT_AS") + ")")
    if "pids" in cg:
        lim.append(f"{limits.pids} processes (cgroup)")
    elif os.geteuid() != 0:
        lim.append(f"{limits.pids} processes (RLIMIT_NPROC)")
    else:
        lim.append("no process-count limit (running as root without a writable pids cgroup)")
    m = mode()
    head = ("bubblewrap sandbox (no network, read-only kit, own PID namespace)" if m == "bwrap"
            else "NO SANDBOX (fallback: clean environment, temporary HOME, rlimits, subreaper)")
    return f"{head}; limits: " + ", ".join(lim)


def _cgroup_writable(ctrl: str) -> bool:
    base = _CGROUP_ROOT / ctrl
    return base.is_dir() and (base / "cgroup.procs").exists() and os.access(base, os.W_OK)


def _make_cgroups(limits: Limits) -> dict[str, Path]:
    made = {}
    name = f"course-kit-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    for ctrl, files in (("pids", {"pids.max": str(limits.pids)}),
                        ("memory", {"memory.limit_in_bytes": str(limits.memory_mb * 2**20)})):
        if not _cgroup_writable(ctrl):
            continue
        path = _CGROUP_ROOT / ctrl / name
        try:
            path.mkdir()
            for f, v in files.items():
                (path / f).write_text(v)
            made[ctrl] = path
        except OSError:
            try:
                path.rmdir()
            except OSError:
                pass
    return made


def _cgroup_pids(path: Path) -> list[int]:
    try:
        return [int(x) for x in (path / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _oom_killed(cgroups: dict) -> bool:
    mem = cgroups.get("memory")
    if not mem:
        return False
    try:
        for line in (mem / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill ") and int(line.split()[1]) > 0:
                return True
    except (OSError, ValueError):
        pass
    return False


def _remove_cgroups(cgroups: dict) -> None:
    for path in cgroups.values():
        for _ in range(50):
            pids = _cgroup_pids(path)
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                path.rmdir()
                break
            except OSError:
                time.sleep(0.02)


def _parents() -> dict[int, int]:
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_bytes()
            out[int(entry)] = int(stat[stat.rfind(b")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return out


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (breadth first)."""
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        p = todo.pop(0)
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def kill_tree(root: int, *, include_root: bool = True) -> None:
    """SIGKILL every process below ``root`` (repeatedly, until none is left), then ``root``."""
    for _ in range(20):
        found = descendants(root)
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
    if include_root:
        try:
            os.kill(root, signal.SIGKILL)
        except OSError:
            pass


def _runner_pid(root: int) -> int | None:
    for pid in descendants(root):
        try:
            parts = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if parts[1:3] == [b"-m", b"course_kit.course.runner"]:
                return pid
        except OSError:
            continue
    return None


def _kit_root() -> Path:
    return Path(__file__).resolve().parent.parent.parent


def _env(home: str, kit: Path) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    return {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": home, "USER": "learner",
            "LOGNAME": "learner", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "MPLBACKEND": "Agg",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "NUMEXPR_NUM_THREADS": "1", "PYTHONPATH": str(kit), "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0", "COURSE_KIT_GRADING": "1", "TMPDIR": str(Path(home).parent),
            "MPLCONFIGDIR": f"{home}/.mpl", "JUPYTER_PLATFORM_DIRS": "1"}


def _bwrap_command(inner: list[str], limits: Limits, kit: Path) -> list[str]:
    cmd = [shutil.which("bwrap"), "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
           "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv"]
    for k, v in _env("/tmp/home", kit).items():
        cmd += ["--setenv", k, v]
    # the scratch tmpfs first: the read-only binds below go on top of it, so a kit or venv that
    # lives under /tmp (a CI clone, say) stays visible instead of being hidden by the tmpfs
    cmd += ["--proc", "/proc", "--dev", "/dev", "--size", str(limits.tmp_mb * 2**20), "--tmpfs", "/tmp",
            "--dir", "/tmp/home", "--dir", "/tmp/work"]
    for d in ("/usr", "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
              "/etc/ssl", "/etc/localtime", "/etc/fonts"):
        if os.path.exists(d):
            cmd += ["--ro-bind", d, d]
    for link in ("bin", "sbin", "lib", "lib64", "lib32"):
        p = Path("/") / link
        if p.is_symlink():
            cmd += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            cmd += ["--ro-bind", str(p), str(p)]
    prefixes = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.prefix),
                Path(os.path.realpath(sys.executable)).parent.parent}
    for p in sorted(prefixes, key=str):
        if str(p).startswith("/usr") or not p.is_dir():
            continue
        cmd += ["--ro-bind", str(p), str(p)]
    for sub in ("course_kit", "data"):
        cmd += ["--ro-bind", str(kit / sub), str(kit / sub)]
    cmd += ["--chdir", "/tmp/work", "--"]
    return cmd + inner


def _rlimits(limits: Limits, cgroups: dict) -> dict:
    out = {"RLIMIT_CORE": 0, "RLIMIT_FSIZE": limits.file_mb * 2**20}
    if "memory" not in cgroups:
        out["RLIMIT_AS"] = max(limits.memory_mb, 512) * 2**20 * 2  # virtual size: about twice the RSS budget
    if "pids" not in cgroups and os.geteuid() != 0:
        out["RLIMIT_NPROC"] = limits.pids
    return out


def run_plan(steps: list[dict], limits: Limits = Limits()) -> RunResult:
    """Run ``steps`` (see :mod:`course_kit.course.runner`) in the sandbox; statuses per step."""
    t0 = time.monotonic()
    kit = _kit_root()
    m = mode()
    cgroups = _make_cgroups(limits)
    res = RunResult(mode=m, limits=tuple(sorted(cgroups)))
    plan = {"steps": steps, "output_cap": limits.output_chars, "rlimits": _rlimits(limits, cgroups)}
    rfd, wfd = os.pipe()
    scratch = None
    inner = [sys.executable, "-m", "course_kit.course.runner", "--fd", str(wfd)]
    if m == "bwrap":
        cmd, env, cwd = _bwrap_command(inner, limits, kit), {"PATH": "/usr/bin:/bin"}, "/"
        plan["cwd"] = "/tmp/work"
    else:
        scratch = tempfile.mkdtemp(prefix="ck-sandbox-")
        os.chmod(scratch, 0o700)
        home = os.path.join(scratch, "home")
        os.makedirs(os.path.join(home, ".mpl"))
        cmd = [sys.executable, "-m", "course_kit.course.sandbox", "--reap", "--", *inner]
        env, cwd = _env(home, kit), home
        plan["cwd"] = home
    if cgroups:  # join the cgroups before bwrap (or the reaper) starts
        script = 'for f in "$1" "$2"; do [ -n "$f" ] && echo $$ > "$f"; done; shift 2; exec "$@"'
        cmd = ["/bin/sh", "-c", script, "sh", str(cgroups.get("pids", "")) and str(cgroups["pids"] / "cgroup.procs"),
               str(cgroups.get("memory", "")) and str(cgroups["memory"] / "cgroup.procs"), *cmd]
    stderr = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr,
                                pass_fds=(wfd,), env=env, cwd=cwd, start_new_session=True)
    except OSError as exc:
        os.close(rfd)
        os.close(wfd)
        _remove_cgroups(cgroups)
        res.stopped = f"the sandbox could not start ({exc})"
        return res
    os.close(wfd)
    try:
        try:
            proc.stdin.write(json.dumps(plan).encode())
            proc.stdin.close()
        except OSError:
            pass
        _follow(proc, rfd, steps, limits, res, t0)
    finally:
        kill_tree(proc.pid)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        if res.stopped is None and not res.steps.get("done"):
            pass
        oom = _oom_killed(cgroups)
        _remove_cgroups(cgroups)
        proc.wait()
        os.close(rfd)
        stderr.seek(0)
        err_text = stderr.read(2000).decode("utf-8", "replace").strip()
        stderr.close()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    res.steps.pop("done", None)
    _finish(res, steps, proc.returncode, oom, err_text)
    res.elapsed_s = time.monotonic() - t0
    return res


def _follow(proc, rfd, steps, limits: Limits, res: RunResult, t0: float) -> None:
    buf, total = b"", 0
    current, deadline, interrupted, runner = None, None, False, None
    wall = t0 + limits.wall_s
    expected_next = 0
    while True:
        now = time.monotonic()
        wait = min([wall] + ([deadline] if deadline else [])) - now
        ready, _, _ = select.select([rfd], [], [], max(0.0, min(wait, 0.5)))
        if ready:
            data = os.read(rfd, 65536)
            if not data:
                return
            total += len(data)
            if total > MAX_RECORD_BYTES:
                res.stopped, res.stopped_at = "the run wrote too many records", current
                return
            buf += data
            *lines, buf = buf.split(b"\n")
            if len(buf) > 4_000_000:
                buf = b""
            for line in lines:
                rec = _parse(line)
                if rec is None:
                    continue
                t = rec.get("t")
                if t == "ready" and runner is None:
                    runner = _runner_pid(proc.pid)
                elif t == "start" and rec.get("i") == expected_next and current is None:
                    current, interrupted = expected_next, False
                    deadline = time.monotonic() + limits.timeout_s
                elif t == "end" and rec.get("i") == current and current is not None:
                    err = rec.get("error") if isinstance(rec.get("error"), dict) else None
                    status = "ok"
                    if interrupted:
                        status = "timeout"
                    elif err and err.get("type") == "OutputCapExceeded":
                        status = "output cap"
                    elif err and err.get("type") == "MemoryError":
                        status = "memory cap"
                    elif err:
                        status = "error"
                    res.steps[current] = {"status": status, "error": err}
                    expected_next, current, deadline = current + 1, None, None
                elif t == "answer" and rec.get("i") == current and current is not None:
                    q = steps[current].get("question")
                    if q and rec.get("q") == q:
                        res.answers[q] = rec
                elif t == "done" and current is None and expected_next == len(steps):
                    res.steps["done"] = True
                    return
        now = time.monotonic()
        if now >= wall:
            res.stopped, res.stopped_at = (f"the submission's total time limit ({limits.wall_s:g} s) was "
                                           "reached"), current
            if current is not None:
                res.steps[current] = {"status": "timeout", "error": {"type": "WallTime", "msg": ""}}
            return
        if current is not None and deadline is not None and now >= deadline:
            if not interrupted:
                interrupted = True
                deadline = now + limits.grace_s
                if runner:
                    try:
                        os.kill(runner, signal.SIGINT)
                    except OSError:
                        pass
            else:
                res.steps[current] = {"status": "timeout", "error": {"type": "Timeout", "msg": ""}}
                res.stopped, res.stopped_at = (f"step {current} ran past the time limit ({limits.timeout_s:g} s) and "
                                               "did not stop when interrupted"), current
                return
        if not ready and proc.poll() is not None:
            # the process is gone; drain what is left in the pipe, then stop
            try:
                more = os.read(rfd, 65536) if select.select([rfd], [], [], 0)[0] else b""
            except OSError:
                more = b""
            if not more:
                return
            buf += more


def _parse(line: bytes):
    if len(line) > 3_000_000:
        return None
    try:
        rec = json.loads(line.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return rec if isinstance(rec, dict) else None


def _finish(res: RunResult, steps, returncode, oom: bool, err_text: str) -> None:
    """Mark the step during which the run ended, and the ones never run."""
    done = "done" in res.steps or (len(res.steps) == len(steps) and res.stopped is None)
    if done:
        return
    first_missing = next((i for i in range(len(steps)) if i not in res.steps), None)
    if first_missing is None:
        return
    if res.stopped is None:
        if oom:
            res.steps[first_missing] = {"status": "memory cap", "error": None}
            res.stopped = f"the run was killed for using more than its memory limit in step {first_missing}"
        else:
            res.steps[first_missing] = {"status": "crash", "error": {"type": "Crash", "msg": f"exit {returncode}"}}
            res.stopped = f"the runner process ended during step {first_missing} (exit status {returncode})"
            if err_text and first_missing == 0 and not res.answers:
                res.notes.append(f"sandbox stderr: {err_text[:300]}")
        res.stopped_at = first_missing
    elif oom and res.stopped_at is not None and res.steps.get(res.stopped_at, {}).get("status") != "timeout":
        res.steps[res.stopped_at] = {"status": "memory cap", "error": None}


# ----------------------------------------------------------------------------- fallback subreaper


def _reap(argv: list[str]) -> int:
    """``python -m course_kit.course.sandbox --reap -- CMD``: run CMD as a child of a subreaper, then
    kill whatever it left behind (the fallback's stand-in for a PID namespace)."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass
    fds = tuple(int(a) for a, prev in zip(argv[1:], argv) if prev == "--fd")
    child = subprocess.Popen(argv, pass_fds=fds)
    rc = child.wait()
    kill_tree(os.getpid(), include_root=False)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:2] == ["--reap", "--"]:
        sys.exit(_reap(args[2:]))
    print(describe())
