"""Helpers of the real-browser tests (tests/test_browser.py): servers, Chromium, page utilities.

The browser is Debian's Chromium (``COURSE_KIT_CHROMIUM``, set by ``python3 course.py test``) driven by
Playwright's Python API. Playwright's own browser download (``playwright install``) is never used.
Every page blocks requests to hosts other than the loopback, so a test fails if the kit needs the
internet to display its widgets.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
VENV_BIN = Path(sys.executable).parent

#: a loopback port nothing listens on (the discard service's, unused on a test machine): the dead proxy
DEAD_PROXY_PORT = 9

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
    # every request to a host other than the loopback goes to a proxy that does not exist, so it fails;
    # Chromium sends loopback requests direct (its implicit proxy bypass). This blocks in the network
    # stack, where Playwright's request routing (context.route) stopped every request in the test's
    # Python process (measured: pytest's own CPU on two dashboards, 4.1 s with routing, 0.8 s without)
    f"--proxy-server=http://127.0.0.1:{DEAD_PROXY_PORT}",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

#: Text JupyterLab / Voila show when a widget's front-end and kernel side disagree.
WIDGET_ERROR_TEXTS = ("Error displaying widget", "model not found", "Failed to load model class",
                      "Could not create a view", "Error rendering output item")


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    reason = os.environ.get("COURSE_KIT_BROWSER_SKIP")
    if reason:
        return reason
    env = os.environ.get("COURSE_KIT_CHROMIUM")
    if env and not Path(env).exists():
        return f"COURSE_KIT_CHROMIUM={env} does not exist"
    path = chromium_executable()
    if path is None:
        return ("no Chromium found (set COURSE_KIT_CHROMIUM, or run the suite with `python3 course.py test`, "
                "which installs Debian's chromium with apt when it can)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e '.[test]')"
    return None


def chromium_executable() -> str | None:
    env = os.environ.get("COURSE_KIT_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(**extra: str) -> dict:
    """The environment of a server: this venv first on PATH (kernels run its Python)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.pop("PYTHONHOME", None)
    # as `python3 course.py lab` does: the kit's Jupyter data (course-kit-fixes labextension) first
    share = str(ROOT / "course_kit" / "share" / "jupyter")
    if not env.get("JUPYTER_PATH", "").startswith(share):
        env["JUPYTER_PATH"] = share + (os.pathsep + env["JUPYTER_PATH"] if env.get("JUPYTER_PATH") else "")
    env.update(extra)
    return env


@dataclass
class Server:
    """A server process started in its own process group, its log, and its base URL."""

    name: str
    proc: subprocess.Popen
    url: str
    token: str
    log_path: Path
    extra: dict = field(default_factory=dict)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def wait_ready(self, path: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        url = self.url.rstrip("/") + path
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} not ready after {timeout_s:.0f} s at {url}:\n{self.log_tail()}")

    def api(self, method: str, path: str) -> object:
        req = urllib.request.Request(self.url.rstrip("/") + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)  # Jupyter: shut kernels down cleanly
                self.proc.wait(timeout=3)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                    self.proc.wait(timeout=5)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=5)


def _spawn(cmd: list[str], *, env: dict, log_path: Path, cwd: Path) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 - kept open for the process's lifetime
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                            start_new_session=True)


def start_jupyterlab(root_dir: Path, state_dir: Path, *, timeout_s: float = 60) -> Server:
    """JupyterLab on 127.0.0.1 (free port, random token) serving ``root_dir``; settings, workspaces
    and config live in ``state_dir`` so the learner's own JupyterLab state never leaks in."""
    port, token = free_port(), secrets.token_hex(16)
    cfg, settings, workspaces = state_dir / "config", state_dir / "user-settings", state_dir / "workspaces"
    for d in (cfg, settings, workspaces):
        d.mkdir(parents=True, exist_ok=True)
    # No "Jupyter news?" toast over the screenshots, and no request to the internet for news.
    notif = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notif.parent.mkdir(parents=True, exist_ok=True)
    notif.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    cmd = [str(VENV_BIN / "python"), "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--port-retries=0", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root_dir}",
           "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={workspaces}",
           "--LabApp.expose_app_in_browser=True",  # lets the tests wait on the kernel status
           "--ServerApp.open_browser=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = state_dir / "jupyterlab.log"
    proc = _spawn(cmd, env=child_env(JUPYTER_CONFIG_DIR=str(cfg)), log_path=log_path, cwd=root_dir)
    server = Server("JupyterLab", proc, f"http://127.0.0.1:{port}/", token, log_path)
    try:
        server.wait_ready(f"/api/status?token={token}", timeout_s)
    except Exception:
        server.stop()
        raise
    return server


def start_present(section: str, state_dir: Path, *, quick: bool = True, timeout_s: float = 90) -> Server:
    """``course-kit present NN --port N`` (run as ``python -m course_kit.cli``): the real command a
    presenter runs. The URL is read from what the command prints. ``quick`` (the default) sets
    ``COURSE_KIT_QUICK=1``: the dashboard runs the notebook with ``QUICK = True`` injected, as the
    notebook tests do (shorter simulations, the same widgets); ``quick=False`` runs it as written."""
    port = free_port()
    log_path = state_dir / f"present-{section}.log"
    cmd = [str(VENV_BIN / "python"), "-m", "course_kit.cli", "present", section, f"--port={port}"]
    env = child_env(JUPYTER_CONFIG_DIR=str(state_dir / "config"), COURSE_KIT_QUICK="1" if quick else "0")
    proc = _spawn(cmd, env=env, log_path=log_path, cwd=ROOT)
    deadline = time.monotonic() + timeout_s
    url = None
    while time.monotonic() < deadline and url is None:
        if proc.poll() is not None:
            raise RuntimeError(f"course-kit present exited with {proc.returncode}:\n{log_path.read_text()}")
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("[course-kit] dashboard: "):
                url = line.split(": ", 1)[1].strip()
        time.sleep(0.2)
    if url is None:
        os.killpg(proc.pid, signal.SIGKILL)
        raise RuntimeError(f"course-kit present printed no URL in {timeout_s:.0f} s:\n{log_path.read_text()}")
    token = url.split("token=", 1)[1] if "token=" in url else ""
    server = Server("Voila", proc, url.split("?")[0], token, log_path, extra={"page_url": url})
    try:
        server.wait_ready("/voila/static/voila.js", timeout_s)
    except Exception:
        server.stop()
        raise
    return server


# --------------------------------------------------------------------------------------------- browser
def launch_chromium(playwright, user_data_dir: Path):
    """Debian's Chromium, headless, no sandbox, background networking off, a fresh profile."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1500, "height": 1100}, device_scale_factor=1,
    )


def block_non_loopback(context) -> list[str]:
    """Record every request to a host other than the loopback; returns the (growing) list of them.
    The blocking itself is :data:`CHROMIUM_ARGS`' dead proxy: such a request is recorded here, then fails."""
    blocked: list[str] = []

    def seen(request):
        url = request.url
        if not url.startswith(("data:", "blob:")) and urlparse(url).hostname not in LOOPBACK:
            blocked.append(url)

    context.on("request", seen)
    return blocked


def widget_notebook(path: Path, expr: str) -> Path:
    """A one-cell notebook displaying ``expr`` after the course's set-up (faster than a section)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(f"import course_kit as ck\nck.setup_notebook(quiet=True)\n{expr}")]
    nbformat.write(nb, path)
    return path


#: how often the page checks KERNEL_IDLE_JS while a test waits: Playwright's default, every animation
#: frame, kept Chromium drawing 60 frames a second through every wait (~0.09 s of CPU per second
#: waited on an empty page, more on JupyterLab's), CPU the other test workers need
KERNEL_IDLE_POLL_MS = 100


KERNEL_IDLE_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && !w.sessionContext.pendingInput;
}"""

NOTEBOOK_BUSY_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k ? k.status : 'none';
}"""


#: Close every document of the JupyterLab page without a "save changes?" dialog (the root is a scratch
#: copy; nothing needs saving). Kernels keep running: :func:`shutdown_kernels` stops them.
CLOSE_ALL_JS = """async () => {
  const app = window.jupyterapp;
  if (!app) return 0;
  const open = Array.from(app.shell.widgets('main'));
  for (const w of open) {
    if (w.context && w.context.model) w.context.model.dirty = false;
    w.dispose();
  }
  return open.length;
}"""

OPEN_JS = """async (path) => {
  const w = await window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  window.jupyterapp.shell.activateById(w.id);
  return w.id;
}"""


def close_notebooks(page) -> None:
    """Close the documents open in a JupyterLab page (see :data:`CLOSE_ALL_JS`)."""
    if not page.is_closed() and "/lab" in page.url:
        page.evaluate(CLOSE_ALL_JS)


def open_notebook(page, server: Server, rel_path: str, *, timeout_ms: int = 60_000):
    """Open ``rel_path`` in JupyterLab, wait for its kernel to be idle, and return a locator of that
    notebook's panel (other tabs' outputs are outside it). A page already showing this server's
    JupyterLab opens it in place, after closing the documents open there (JupyterLab boots once per
    page); any other page loads JupyterLab with a fresh workspace (``?reset``)."""
    if page.url.startswith(f"{server.url}lab") and page.evaluate("() => !!window.jupyterapp"):
        page.evaluate(CLOSE_ALL_JS)
        panel_id = page.evaluate(OPEN_JS, rel_path)
    else:
        page.goto(f"{server.url}lab/tree/{rel_path}?reset&token={server.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout_ms)
        panel_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
    panel = page.locator(f"[id='{panel_id}']")
    panel.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout_ms)
    page.wait_for_function(KERNEL_IDLE_JS, polling=KERNEL_IDLE_POLL_MS, timeout=timeout_ms)
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.id") == panel_id, "another tab is current"
    return panel


def shutdown_kernels(server: Server) -> None:
    """Stop every kernel of the server (each test starts from fresh kernels; saves memory)."""
    for kernel in server.api("GET", "/api/kernels") or []:
        try:
            server.api("DELETE", f"/api/kernels/{kernel['id']}")
        except urllib.error.HTTPError:
            pass


def wait_idle(page, *, timeout_ms: int = 60_000) -> None:
    """Wait until the notebook's kernel is idle AND has handled every request the page sent (widget
    updates included, see :class:`KernelTraffic`; the page fixture attaches one as
    ``page.kernel_traffic``). No fixed settle time: a widget message still in flight keeps it waiting."""
    page.wait_for_function(KERNEL_IDLE_JS, polling=KERNEL_IDLE_POLL_MS, timeout=timeout_ms)
    traffic = getattr(page, "kernel_traffic", None)
    if traffic is not None:
        traffic.wait_settled(timeout_s=timeout_ms / 1000)
        page.wait_for_function(KERNEL_IDLE_JS, polling=KERNEL_IDLE_POLL_MS, timeout=timeout_ms)


# ------------------------------------------------------------------------------ waiting on real conditions
def _kernel_message(payload) -> dict | None:
    """A kernel websocket frame as ``{channel, header, parent_header, content}`` (Jupyter's JSON text
    protocol, or its binary ``v1.kernel.websocket.jupyter.org`` protocol: a count of offsets, the
    offsets, then channel, header, parent header, metadata, content, buffers); None if neither."""
    try:
        if isinstance(payload, str):
            msg = json.loads(payload)
            return {k: msg.get(k) or {} for k in ("channel", "header", "parent_header", "content")}
        n = int.from_bytes(payload[:8], "little")
        off = [int.from_bytes(payload[8 * (i + 1): 8 * (i + 2)], "little") for i in range(n)]
        part = [payload[off[i]: off[i + 1]] for i in range(min(n - 1, 5))]
        return {"channel": part[0].decode(), "header": json.loads(part[1]),
                "parent_header": json.loads(part[2]), "content": json.loads(part[4])}
    except (ValueError, IndexError, UnicodeDecodeError, AttributeError):
        return None


class KernelTraffic:
    """Every request the page sends to a kernel (widget updates are ``comm_msg`` requests), and
    whether the kernel has finished it: ipykernel publishes ``status: idle`` on iopub, with the
    request as parent, after the request's last output. ``settled()`` is true when no request is
    outstanding: every control change has been handled and every resulting update is on its way.

    Attach before ``page.goto``: ``traffic = KernelTraffic(page)``.
    """

    def __init__(self, page):
        self.page = page
        self.pending: dict[str, str] = {}
        self.requests = 0
        page.on("websocket", self.attach)

    def attach(self, ws) -> None:
        if "/api/kernels/" in ws.url:
            ws.on("framesent", self._sent)
            ws.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        msg = _kernel_message(payload)
        if msg and msg["channel"] == "shell" and msg["header"].get("msg_id"):
            self.pending[msg["header"]["msg_id"]] = msg["header"].get("msg_type", "?")
            self.requests += 1

    def _received(self, payload) -> None:
        msg = _kernel_message(payload)
        if (msg and msg["channel"] == "iopub" and msg["header"].get("msg_type") == "status"
                and msg["content"].get("execution_state") == "idle"):
            self.pending.pop(msg["parent_header"].get("msg_id"), None)

    def settled(self) -> bool:
        return self.requests > 0 and not self.pending

    def wait_settled(self, *, timeout_s: float = 60) -> None:
        """Wait until every request sent so far has been handled (events are delivered while
        Playwright waits, hence ``wait_for_timeout`` as the polling step)."""
        deadline = time.monotonic() + timeout_s
        while not self.settled():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the kernel did not finish {len(self.pending)} request(s) in {timeout_s:.0f} s: "
                                   f"{sorted(set(self.pending.values()))}")
            self.page.wait_for_timeout(50)


#: Marks each plotly FigureWidget view once plotly has drawn it and wired its event handlers
#: (plotly's widget dispatches ``plotlywidget-after-render`` at the end of its render).
FIGURE_RENDER_SCRIPT = """document.addEventListener('plotlywidget-after-render',
    e => { if (e.detail && e.detail.element) e.detail.element.dataset.ckRendered = '1'; });"""


def watch_figure_renders(page) -> None:
    """Install :data:`FIGURE_RENDER_SCRIPT` in every document the page loads (call before goto)."""
    page.add_init_script(FIGURE_RENDER_SCRIPT)


def figures_rendered(locator, count: int) -> bool:
    """At least ``count`` plotly figures under ``locator``, every one drawn and wired."""
    return locator.evaluate_all(
        f"els => els.length >= {int(count)} && els.every(el => el.dataset.ckRendered === '1')")


def plotly_traces(locator) -> list[dict]:
    """The data of every plotly graph under ``locator`` as the browser holds it (``el.data``)."""
    return locator.evaluate_all("""els => els.map(el => (el.data || []).map(t => ({
        type: t.type, name: t.name === undefined ? null : t.name,
        x: t.x === undefined ? null : Array.from(t.x), y: t.y === undefined ? null : Array.from(t.y),
        n: t.x ? t.x.length : (t.y ? t.y.length : 0),
        marker_color: t.marker && t.marker.color !== undefined ? t.marker.color : null})))""")


def widget_errors(scope) -> list[str]:
    """Widget error texts and tracebacks among the outputs under ``scope`` (a locator). Only outputs
    are searched: the welcome notebook's prose quotes "Error displaying widget" on purpose."""
    outputs = scope.locator(".jp-OutputArea")
    text = "\n".join(outputs.all_inner_texts())
    found = [t for t in WIDGET_ERROR_TEXTS if t.lower() in text.lower()]
    stderr = scope.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    found += [t[:500] for t in stderr.all_inner_texts()]
    return found


def screenshot(locator, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    locator.screenshot(path=str(path))
    return path


# ------------------------------------------------------------------------------ accessibility and layout
AXE_JS = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
#: the WCAG 2.1 A/AA rule sets of axe-core
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_LOG = ROOT / "test-artifacts" / "axe.json"


def run_axe(locator, include: str | None = None) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations inside ``locator``'s first element (or, with ``include``,
    inside the elements that CSS selector matches below it): ``[{id, impact, nodes, help}]``. axe is
    injected from the vendored file."""
    page = locator.page
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    return locator.first.evaluate("""async (el, [tags, include]) => {
        const ctx = include ? Array.from(el.querySelectorAll(include)) : el;
        if (include && !ctx.length) return [];
        const r = await axe.run(ctx, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                        nodes: v.nodes.map(n => n.target.join(' '))}));
    }""", [AXE_TAGS, include])


def record_axe(where: str, violations: list[dict]) -> None:
    """Append the counts per impact for ``where`` to test-artifacts/axe.json (for the report)."""
    AXE_LOG.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(AXE_LOG.read_text())
    except (OSError, ValueError):
        data = {}
    counts: dict = {}
    for v in violations:
        counts[v["impact"] or "none"] = counts.get(v["impact"] or "none", 0) + len(v["nodes"])
    data[where] = {"counts": counts, "rules": sorted({v["id"] for v in violations})}
    AXE_LOG.write_text(json.dumps(data, indent=1, sort_keys=True))


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


#: every keyboard stop inside a panel, with the name assistive technology gets for it
TAB_STOPS_JS = """root => {
  const sel = 'a[href], button, input, select, textarea, [tabindex], [contenteditable="true"]';
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
                        && getComputedStyle(el).visibility !== 'hidden';
  const name = el => {
    const a = el.getAttribute('aria-label');
    if (a && a.trim()) return a.trim();
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(' ').map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    if (el.labels && el.labels.length) return Array.from(el.labels).map(l => l.textContent).join(' ').trim();
    return (el.textContent || el.getAttribute('title') || el.getAttribute('placeholder') || '').trim();
  };
  return Array.from(root.querySelectorAll(sel))
    .filter(el => el.tabIndex >= 0 && !el.disabled && visible(el))
    .map((el, i) => { el.dataset.ckStop = String(i);
      return {i, tag: el.tagName.toLowerCase(), role: el.getAttribute('role') || '', name: name(el),
              cls: el.className && el.className.baseVal === undefined ? el.className : ''}; });
}"""

#: boxes whose content is cut: text wider than its element, a plotly legend with a scrollbar
LAYOUT_PROBLEMS_JS = """root => {
  const out = [];
  const visible = el => !!(el.offsetWidth || el.offsetHeight) && getComputedStyle(el).visibility !== 'hidden';
  const ctx = document.createElement('canvas').getContext('2d');
  root.querySelectorAll('.widget-label, .widget-label-basic, .widget-html-content td, .widget-button').forEach(el => {
    if (visible(el) && el.scrollWidth > el.clientWidth + 1)
      out.push(`cut text: "${el.textContent.trim().slice(0, 40)}" (${el.scrollWidth} > ${el.clientWidth} px)`);
  });
  root.querySelectorAll('select').forEach(el => {
    if (!visible(el) || el.selectedIndex < 0) return;
    const cs = getComputedStyle(el);
    ctx.font = `${cs.fontSize} ${cs.fontFamily}`;
    const text = el.options[el.selectedIndex].text;
    const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16;
    if (ctx.measureText(text).width > room) out.push(`cut dropdown: "${text}" (${Math.round(ctx.measureText(text).width)} > ${Math.round(room)} px)`);
  });
  root.querySelectorAll('.js-plotly-plot').forEach(el => {
    const bar = el.querySelector('.legend .scrollbar');
    if (bar && bar.getBBox && bar.getBBox().height > 0) out.push('plotly legend with a scrollbar');
    const r = el.getBoundingClientRect(), p = root.getBoundingClientRect();
    if (r.right > p.right + 2) out.push(`figure overflows its panel by ${Math.round(r.right - p.right)} px`);
  });
  if (root.scrollWidth > root.clientWidth + 2) out.push(`panel content wider than the panel (${root.scrollWidth} > ${root.clientWidth} px)`);
  return out;
}"""


def tab_stops(panel) -> list[dict]:
    return panel.evaluate(TAB_STOPS_JS)


def layout_problems(panel) -> list[str]:
    return panel.evaluate(LAYOUT_PROBLEMS_JS)


# ------------------------------------------------------------------------------ static figures' layout
#: draws one figure (plotly JSON) with plotly.js into ``#ck-figure-root`` and lists what a reader would
#: see as broken: text outside the drawing (a cut title, label or legend entry), a legend that needs a
#: scrollbar, two labels (titles, axis titles, annotations, legend entries) covering each other.
FIGURE_LAYOUT_JS = """async fig => {
  const root = document.getElementById('ck-figure-root');
  root.innerHTML = '';
  const div = document.createElement('div');
  root.appendChild(div);
  await Plotly.newPlot(div, fig.data, fig.layout, {responsive: true});
  const out = [];
  const box = div.querySelector('svg.main-svg').getBoundingClientRect();
  const shown = t => t.textContent.trim() && t.getBoundingClientRect().width > 0;
  div.querySelectorAll('.legend .scrollbar').forEach(b => {
    if (b.getBBox().height > 0) out.push('legend with a scrollbar');
  });
  for (const t of [...div.querySelectorAll('svg.main-svg text')].filter(shown)) {
    const r = t.getBoundingClientRect();
    if (r.left < box.left - 2 || r.right > box.right + 2 || r.top < box.top - 2 || r.bottom > box.bottom + 2)
      out.push(`text outside the figure: "${t.textContent.trim().slice(0, 40)}" (x ${Math.round(r.left - box.left)}..` +
               `${Math.round(r.right - box.left)} of ${Math.round(box.width)}, y ${Math.round(r.top - box.top)}..` +
               `${Math.round(r.bottom - box.top)} of ${Math.round(box.height)} px)`);
  }
  const labels = [...div.querySelectorAll('.annotation-text, .gtitle, .g-xtitle text, .g-ytitle text, ' +
                                          '.g-x2title text, .g-y2title text, .legendtext')].filter(shown);
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
    const a = labels[i].getBoundingClientRect(), b = labels[j].getBoundingClientRect();
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    const name = t => t.textContent.trim().slice(0, 30);
    if (w > 2 && h > 2 && w * h > 0.2 * Math.min(a.width * a.height, b.width * b.height))
      out.push(`labels overlap: "${name(labels[i])}" / "${name(labels[j])}"`);
  }
  Plotly.purge(div);
  return out;
}"""

#: a page as wide as JupyterLab's output area in a window of the viewport's width (prompt and margins)
FIGURE_PAGE_HTML = ("<html><body style='margin:0;font-family:sans-serif'>"
                    "<div id='ck-figure-root' style='margin-left:90px;width:calc(100vw - 140px)'></div></body></html>")


#: every figure of ``window.ckFigures`` ([name, figure] pairs) through FIGURE_LAYOUT_JS, in the page
FIGURES_LAYOUT_JS = f"""async () => {{
  const check = {FIGURE_LAYOUT_JS};
  const out = {{}};
  for (const [name, fig] of window.ckFigures) {{
    const found = await check(fig);
    if (found.length) out[name] = found;
  }}
  return out;
}}"""


def figures_layout_problems(page, named_figures, widths) -> dict[int, dict[str, list[str]]]:
    """:data:`FIGURE_LAYOUT_JS` on every ``(name, figure)`` at each page width: ``{width: {name:
    problems}}``, figures without a problem left out. The figures travel to the page once, as one
    JSON array (sending each figure for each width cost more CPU than drawing it)."""
    import plotly

    plain = json.loads(json.dumps([[name, fig.to_plotly_json()] for name, fig in named_figures],
                                  cls=plotly.utils.PlotlyJSONEncoder))
    open_figure_page(page, widths[0])
    page.evaluate("figs => { window.ckFigures = figs; }", plain)
    found = {}
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        found[width] = page.evaluate(FIGURES_LAYOUT_JS)
    return found


def open_figure_page(page, width: int) -> None:
    """An offline page with the kit's plotly.js (the one its figures are made for), ``width`` px wide."""
    import plotly

    page.set_viewport_size({"width": width, "height": 900})
    page.set_content(FIGURE_PAGE_HTML)
    page.add_script_tag(path=str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js"))
