#!/usr/bin/env python3
"""The course's two commands. Needs only Python >= 3.11.5 with its standard ``venv`` module.

    python3 course.py lab     set up .venv (first use only) and open the course in JupyterLab
    python3 course.py test    set up .venv (first use only) and run the whole test suite

Set-up creates ``.venv/`` inside the checkout and installs the kit in editable mode with the
versions pinned in ``constraints.txt``; it re-runs only when ``pyproject.toml`` or
``constraints.txt`` change. Extra arguments after ``test`` go to pytest (e.g. ``-k lifecycle``);
after ``lab`` to JupyterLab (e.g. ``--port 8899``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".course-kit-installed"
INPUTS = [ROOT / "pyproject.toml", ROOT / "constraints.txt"]


def say(msg: str) -> None:
    print(f"[course-kit] {msg}", flush=True)


def run(cmd: list, **kw) -> None:
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def ensure_env() -> Path:
    """Create .venv and install the kit into it, unless it is already up to date."""
    if sys.version_info < (3, 11, 5):  # the pinned versions in constraints.txt need it (soupsieve 4.1.3)
        sys.exit(f"course-kit needs Python >= 3.11.5 (the pinned packages do); this is {sys.version.split()[0]}")
    key = hashlib.sha256(b"".join(p.read_bytes() for p in INPUTS)).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text().strip() == key:
        return PY
    if not PY.exists():
        say(f"creating the environment in {VENV} (first use only)")
        try:
            run([sys.executable, "-m", "venv", VENV])
        except subprocess.CalledProcessError:
            sys.exit("could not create a virtual environment: install your Python's venv module "
                     "(Debian/Ubuntu: apt-get install python3-venv) and try again")
    say("installing the course kit and its pinned dependencies (about a minute)")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    # pip itself at the version pinned in constraints.txt (never an unpinned upgrade)
    run([PY, "-m", "pip", "install", "--quiet", "-c", ROOT / "constraints.txt", "pip"], env=env)
    run([PY, "-m", "pip", "install", "--quiet", "-c", ROOT / "constraints.txt", "-e", f"{ROOT}[test]"],
        env=env)
    STAMP.write_text(key + "\n")
    say("environment ready")
    return PY


def child_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # kernels resolve to the .venv's python
    env["VIRTUAL_ENV"] = str(VENV)
    env.pop("PYTHONHOME", None)
    # compiled modules are cached (in git-ignored __pycache__/ folders): with PYTHONDONTWRITEBYTECODE
    # set, as on some machines, each of the suite's Python processes (pytest workers, kernels,
    # servers) compiled the kit again and pytest re-rewrote every test module's asserts (collection:
    # 9 s of CPU per worker, 4 s with the cache). The grader's sandbox sets it again for learner code.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # the kit's Jupyter data: its Voila template and the course-kit-fixes labextension (which keeps
    # plotly figures live on busy machines; see its static/remoteEntry.js)
    share = str(ROOT / "course_kit" / "share" / "jupyter")
    env["JUPYTER_PATH"] = share + (os.pathsep + env["JUPYTER_PATH"] if env.get("JUPYTER_PATH") else "")
    return env


def lab(args: list[str]) -> int:
    py = ensure_env()
    cmd = [str(py), "-m", "jupyter", "lab", "--ip=127.0.0.1", "--no-browser",
           f"--ServerApp.root_dir={ROOT}",
           "--LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines run as root
    say("starting JupyterLab on 127.0.0.1; open the URL printed below (Ctrl-C to stop)")
    os.chdir(ROOT)
    return subprocess.call(cmd + args, env=child_env())


def find_chromium() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


# Debian packages some tests need: (package, command it provides, what is skipped without it, env var
# that carries the skip reason to the tests). Installed with apt-get when we can (root, as on CI);
# otherwise the suite says loudly what it skips.
SYSTEM_TOOLS = [
    ("chromium", "chromium", "BROWSER TESTS", "COURSE_KIT_BROWSER_SKIP"),
    ("bubblewrap", "bwrap", "SANDBOXED GRADING TESTS (the grader falls back to rlimits)", "COURSE_KIT_BWRAP_SKIP"),
    ("prometheus", "promtool", "PROMTOOL METRIC CHECKS", "COURSE_KIT_PROMTOOL_SKIP"),
]


def _have(command: str) -> bool:
    import shutil

    return (find_chromium() if command == "chromium" else shutil.which(command)) is not None


def ensure_system_tools(env: dict) -> None:
    """Install the Debian packages in SYSTEM_TOOLS that are missing (apt-get, as root), or mark
    what their absence skips in ``env`` and say so loudly."""
    import shutil

    if os.environ.get("COURSE_KIT_NO_BROWSER"):
        env["COURSE_KIT_BROWSER_SKIP"] = "COURSE_KIT_NO_BROWSER is set"
    missing = [t for t in SYSTEM_TOOLS if t[3] not in env and not _have(t[1])]
    if missing:
        if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
            names = [t[0] for t in missing]
            say(f"installing Debian packages for the tests: {' '.join(names)} (apt-get, first run only)")
            apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            if subprocess.call(["apt-get", "update", "-qq"], env=apt_env) == 0:
                for name in names:  # one at a time: one unavailable package must not block the others
                    subprocess.call(["apt-get", "install", "-y", "-qq", "--no-install-recommends", name],
                                    env=apt_env)
            for pkg, command, _what, var in missing:
                if not _have(command):
                    env[var] = f"apt-get could not install {pkg}"
        else:
            for pkg, command, _what, var in missing:
                env[var] = (f"{command} is not installed and this user cannot apt-get it "
                            f"(install it: sudo apt-get install {pkg})")
    chromium = find_chromium()
    if chromium:
        env["COURSE_KIT_CHROMIUM"] = chromium
    bar = "!" * 78
    for _pkg, _command, what, var in SYSTEM_TOOLS:
        if var in env:
            say(f"{bar}\n[course-kit] {what} WILL BE SKIPPED: {env[var]}\n[course-kit] {bar}")


def test(args: list[str]) -> int:
    py = ensure_env()
    os.chdir(ROOT)
    env = child_env()
    ensure_system_tools(env)
    # loadgroup: the JupyterLab browser tests share one worker (and one JupyterLab page), the hostile
    # grading and the variant checks one worker each; the rest spread out. One worker more than the
    # cores on a small machine: the browser, notebook and grading tests spend part of their time
    # waiting on kernels, servers and pages, which a third worker fills (2 cores: 380 s with 2
    # workers; 294-321 s with 3, the Voila tests ungrouped at the same time).
    cores = os.cpu_count() or 2
    workers = str(cores + 1 if cores <= 4 else cores)
    cmd = [str(py), "-m", "pytest", "-n", workers, "--dist", "loadgroup", "--durations=15"] + args
    say("running the test suite: " + " ".join(cmd[1:]))
    return subprocess.call(cmd, env=env)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"lab", "test"}:
        print(__doc__)
        return 2
    return {"lab": lab, "test": test}[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
