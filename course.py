#!/usr/bin/env python3
"""The course's two commands. Needs only Python >= 3.10 with its standard ``venv`` module.

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
    if sys.version_info < (3, 10):
        sys.exit(f"course-kit needs Python >= 3.10; this is {sys.version.split()[0]}")
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
    run([PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], env=env)
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


def ensure_browser(env: dict) -> None:
    """The browser tests drive Debian's Chromium with Playwright (no browser download). Install it
    with apt when we can (root with apt-get, as on CI); otherwise say loudly that they will be skipped."""
    if os.environ.get("COURSE_KIT_NO_BROWSER"):
        env["COURSE_KIT_BROWSER_SKIP"] = "COURSE_KIT_NO_BROWSER is set"
    chromium = find_chromium()
    if chromium is None and "COURSE_KIT_BROWSER_SKIP" not in env:
        import shutil

        if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
            say("installing Debian's chromium for the browser tests (apt-get, first run only)")
            apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            ok = subprocess.call(["apt-get", "update", "-qq"], env=apt_env) == 0 and subprocess.call(
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"], env=apt_env) == 0
            chromium = find_chromium() if ok else None
            if chromium is None:
                env["COURSE_KIT_BROWSER_SKIP"] = "apt-get could not install chromium"
        else:
            env["COURSE_KIT_BROWSER_SKIP"] = ("chromium is not installed and this user cannot apt-get it "
                                              "(install it: sudo apt-get install chromium)")
    if chromium:
        env["COURSE_KIT_CHROMIUM"] = chromium
    if "COURSE_KIT_BROWSER_SKIP" in env:
        bar = "!" * 78
        say(f"{bar}\n[course-kit] BROWSER TESTS WILL BE SKIPPED: {env['COURSE_KIT_BROWSER_SKIP']}\n[course-kit] {bar}")


def test(args: list[str]) -> int:
    py = ensure_env()
    os.chdir(ROOT)
    env = child_env()
    ensure_browser(env)
    # loadgroup: the browser tests share one worker (and one JupyterLab server); the rest spread out
    cmd = [str(py), "-m", "pytest", "-n", "auto", "--dist", "loadgroup", "--durations=15"] + args
    say("running the test suite: " + " ".join(cmd[1:]))
    return subprocess.call(cmd, env=env)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"lab", "test"}:
        print(__doc__)
        return 2
    return {"lab": lab, "test": test}[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
