"""Workshop mode: ``course-kit present NN`` serves section NN as a Voila dashboard on 127.0.0.1.

The dashboard runs the section's notebook in a fresh kernel and shows its narrative (markdown),
outputs and live widgets, without the code cells (Voila's ``--strip_sources=True``). It is made for
projecting in a workshop: one command, one URL, nothing to scroll past.

Offline-safe: the page is rendered with the kit's own Voila template (``course_kit``, in
``course_kit/share/jupyter/voila/templates/``), which is Voila's ``lab`` template without the two
Font Awesome stylesheets it loads from cdn.jsdelivr.net. Everything else (the widget manager,
plotly.js inside the FigureWidget, MathJax) is served by the local Voila. The browser tests block
every host but 127.0.0.1 and check the dashboard's widgets still render and respond.

The server listens on 127.0.0.1 only, with a random token in the printed URL. The notebook runs
as written (``QUICK = False``); Voila never writes to it.

``COURSE_KIT_QUICK=1`` in the environment presents the section in QUICK mode instead, for the test
suite (shorter simulations, the same widgets): Voila runs a copy of the notebook with ``QUICK = True``
injected after its ``parameters`` cell, the way papermill parameterises the notebooks in
tests/test_notebooks.py (:func:`quick_copy`). The copy lives in a temporary folder, removed when the
server stops; the repository is never written.

>>> section_notebook("1").name
'01_lifecycle.ipynb'
>>> voila_command(section_notebook("1"), port=8870, token="t")[3:5]
['--no-browser', '--Voila.ip=127.0.0.1']

The command line is ``course-kit present NN`` (:mod:`course_kit.cli`); this module has no parser of
its own. The URL is printed once the server answers HTTP, so the first click never meets
"connection refused".
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from course_kit import paths

__all__ = ["QUICK_ENV", "TEMPLATE", "TEMPLATE_ROOT", "section_notebook", "voila_command", "voila_env",
           "wait_until_serving", "quick_copy", "present"]

#: Name of the kit's Voila template, and the Jupyter data directory holding it.
TEMPLATE = "course_kit"
TEMPLATE_ROOT = Path(__file__).resolve().parent / "share" / "jupyter"
#: Environment variable: ``1`` presents the QUICK-mode copy of the notebook (see :func:`quick_copy`).
QUICK_ENV = "COURSE_KIT_QUICK"


def section_notebook(section: str | int) -> Path:
    """The notebook of a section (looked up with :func:`course_kit.course_map.find_section`).

    Raises ValueError when there is no such section or its notebook is not written yet.
    """
    from course_kit.course_map import find_section

    found = find_section(section)
    if not found.notebook_exists:
        raise ValueError(f"section {found.number} has no notebook yet ({found.notebook}.ipynb); got {section!r}")
    return found.notebook_path


def voila_command(notebook: Path, *, port: int, token: str, open_browser: bool = False,
                  python: str | None = None) -> list[str]:
    """The Voila command line of the dashboard (loopback only, no code cells, offline template)."""
    if not 1 <= int(port) <= 65535:
        raise ValueError(f"port must be in [1, 65535]; got {port}")
    return [
        python or sys.executable, "-m", "voila",
        "--no-browser" if not open_browser else "--Voila.open_browser=True",
        "--Voila.ip=127.0.0.1", f"--port={int(port)}", "--Voila.port_retries=0",
        f"--Voila.token={token}",
        "--strip_sources=True", f"--template={TEMPLATE}", "--theme=light",
        "--show_tracebacks=False",
        str(notebook),
    ]


def voila_env(base: dict | None = None) -> dict:
    """The server's environment: the kit's template directory on JUPYTER_PATH, and this Python's
    bin directory first on PATH so the kernel runs the kit's environment."""
    env = dict(os.environ if base is None else base)
    jp = env.get("JUPYTER_PATH", "")
    env["JUPYTER_PATH"] = str(TEMPLATE_ROOT) + (os.pathsep + jp if jp else "")
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env["COURSE_KIT_QUIET"] = "1"  # setup_notebook() prints nothing on a dashboard
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(proc: subprocess.Popen, url: str, *, timeout_s: float = 120.0) -> bool:
    """Poll ``url`` until the server answers (any HTTP status) or ``proc`` exits; True if serving."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answered: the server accepts connections
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    return False


def quick_copy(notebook: Path, folder: Path) -> Path:
    """Write ``notebook`` to ``folder`` (same file name) with ``QUICK = True`` injected after its
    ``parameters`` cell by papermill's own parameteriser; return the copy. ``notebook`` is only read.
    """
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(notebook))  # as papermill reads it (every cell has a tags list)
    if not any("parameters" in c.metadata.tags for c in nb.cells):
        raise ValueError(f"{notebook.name} has no cell tagged 'parameters' to follow with QUICK = True")
    nb = parameterize_notebook(nb, {"QUICK": True})
    out = Path(folder) / notebook.name
    if out.resolve() == Path(notebook).resolve():
        raise ValueError(f"folder must not be the notebook's own folder ({folder}): the copy would replace it")
    nbformat.write(nb, out)
    return out


def present(section: str | int, *, port: int = 0, open_browser: bool = False) -> int:
    """Serve section ``section`` as a dashboard until Ctrl-C; returns Voila's exit status.

    ``port=0`` picks a free port. The URL (with its token) is printed on a line starting with
    ``[course-kit] dashboard:`` once the server answers (a static file of Voila's, which does not
    start a kernel). With ``COURSE_KIT_QUICK=1`` the dashboard runs the QUICK-mode copy of the
    notebook (:func:`quick_copy`, in a temporary folder removed on exit).
    """
    notebook = section_notebook(section)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an integer in [0, 65535] (0 = any free port); got {port!r}")
    if os.environ.get(QUICK_ENV, "") not in ("", "0"):
        if os.environ[QUICK_ENV] != "1":
            raise ValueError(f"{QUICK_ENV} must be 1 (QUICK mode) or 0/unset; got {os.environ[QUICK_ENV]!r}")
        with tempfile.TemporaryDirectory(prefix="ck-present-quick-") as folder:
            print(f"[course-kit] {QUICK_ENV}=1: QUICK mode (QUICK = True injected into a temporary copy)", flush=True)
            return _serve(notebook, quick_copy(notebook, Path(folder)), port=port, open_browser=open_browser)
    return _serve(notebook, notebook, port=port, open_browser=open_browser)


def _serve(notebook: Path, served: Path, *, port: int, open_browser: bool) -> int:
    """Run Voila on ``served`` (``notebook`` itself, or its QUICK copy) until Ctrl-C."""
    port = port or _free_port()
    token = secrets.token_urlsafe(16)
    cmd = voila_command(served, port=port, token=token, open_browser=open_browser)
    url = f"http://127.0.0.1:{port}/?token={token}"
    root = paths.repo_root()
    shown = notebook.relative_to(root) if notebook.is_relative_to(root) else notebook
    print(f"[course-kit] presenting {shown} as a dashboard (code hidden, narrative and widgets kept); "
          "starting the server ...", flush=True)
    proc = subprocess.Popen(cmd, env=voila_env(), cwd=served.parent)
    try:
        if wait_until_serving(proc, f"http://127.0.0.1:{port}/voila/static/voila.js?token={token}"):
            print(f"[course-kit] dashboard: {url}", flush=True)
            print("[course-kit] stop with Ctrl-C", flush=True)
        elif proc.poll() is None:
            print(f"[course-kit] the server has not answered yet; try {url}", flush=True)
        return proc.wait()
    except KeyboardInterrupt:  # Voila asks "Shutdown (y/[n])?" on SIGINT; SIGTERM stops it and its kernels
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
