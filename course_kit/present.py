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

>>> section_notebook("1").name
'01_lifecycle.ipynb'
>>> section_notebook("01_lifecycle").name
'01_lifecycle.ipynb'
>>> voila_command(section_notebook("1"), port=8870, token="t")[3:5]
['--no-browser', '--Voila.ip=127.0.0.1']
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from course_kit import paths

__all__ = ["TEMPLATE", "TEMPLATE_ROOT", "section_notebook", "voila_command", "voila_env", "present", "main"]

#: Name of the kit's Voila template, and the Jupyter data directory holding it.
TEMPLATE = "course_kit"
TEMPLATE_ROOT = Path(__file__).resolve().parent / "share" / "jupyter"


def section_notebook(section: str | int) -> Path:
    """The notebook of a section: ``1``, ``"01"`` or ``"01_lifecycle"`` → ``notebooks/01_lifecycle.ipynb``.

    Raises ValueError naming the sections that exist when there is no such notebook.
    """
    key = str(section).strip()
    if key.endswith(".ipynb"):
        key = key[: -len(".ipynb")]
    key = Path(key).name
    folder = paths.notebooks_dir()
    available = sorted(p.stem for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if key.isdigit():
        key = key.zfill(2)
        matches = [name for name in available if name.split("_", 1)[0] == key]
    else:
        matches = [name for name in available if name == key]
    if not matches:
        raise ValueError(f"section must name a written notebook (available: {', '.join(available) or 'none'}); "
                         f"got {section!r}")
    return folder / f"{matches[0]}.ipynb"


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


def present(section: str | int, *, port: int = 0, open_browser: bool = False) -> int:
    """Serve section ``section`` as a dashboard until Ctrl-C; returns Voila's exit status.

    ``port=0`` picks a free port. The URL (with its token) is printed on a line starting with
    ``[course-kit] dashboard:``.
    """
    notebook = section_notebook(section)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an integer in [0, 65535] (0 = any free port); got {port!r}")
    port = port or _free_port()
    token = secrets.token_urlsafe(16)
    cmd = voila_command(notebook, port=port, token=token, open_browser=open_browser)
    url = f"http://127.0.0.1:{port}/?token={token}"
    root = paths.repo_root()
    shown = notebook.relative_to(root) if notebook.is_relative_to(root) else notebook
    print(f"[course-kit] presenting {shown} as a dashboard (code hidden, narrative and widgets kept)", flush=True)
    print(f"[course-kit] dashboard: {url}", flush=True)
    print("[course-kit] stop with Ctrl-C", flush=True)
    proc = subprocess.Popen(cmd, env=voila_env(), cwd=notebook.parent)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # Voila asks "Shutdown (y/[n])?" on SIGINT; SIGTERM stops it and its kernels
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course-kit present",
                                     description="Serve a section as a Voila dashboard on 127.0.0.1.")
    parser.add_argument("section", help="section number or notebook name, e.g. 01 or 01_lifecycle")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--open", action="store_true", dest="open_browser",
                        help="open the dashboard in this machine's browser")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return present(args.section, port=args.port, open_browser=args.open_browser)
    except ValueError as exc:
        print(f"course-kit present: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
