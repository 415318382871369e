"""course_kit.present without a browser: section lookup, the Voila command line, the offline template.

The dashboard itself (served, rendered, driven, offline) is tested in tests/test_browser.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_kit import present

from helpers import NOTEBOOKS, ROOT

TEMPLATE_DIR = present.TEMPLATE_ROOT / "voila" / "templates" / present.TEMPLATE


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_section_resolves_by_number_and_by_name(nb):
    number = nb.stem.split("_", 1)[0]
    assert present.section_notebook(number) == nb
    assert present.section_notebook(str(int(number))) == nb
    assert present.section_notebook(nb.stem) == nb
    assert present.section_notebook(f"notebooks/{nb.name}") == nb


@pytest.mark.parametrize("bad", ["99", "", "lifecycle", "01_nope", "-1", "../README", "٣", "1.0"])
def test_unknown_sections_are_refused_with_the_valid_range(bad):
    with pytest.raises(ValueError, match=r"section must be a number 0-10 or a notebook name like 01_lifecycle"):
        present.section_notebook(bad)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=20), st.integers(-5, 200)))
def test_section_lookup_returns_a_notebook_or_raises_valueerror(section):
    try:
        path = present.section_notebook(section)
    except ValueError:
        return
    assert path.suffix == ".ipynb" and path.parent == ROOT / "notebooks" and path.is_file()


def test_voila_command_is_loopback_only_code_free_and_uses_the_offline_template():
    cmd = present.voila_command(ROOT / "notebooks" / "01_lifecycle.ipynb", port=8870, token="abc")
    assert cmd[1:3] == ["-m", "voila"]
    for flag in ("--Voila.ip=127.0.0.1", "--port=8870", "--Voila.port_retries=0", "--Voila.token=abc",
                 "--strip_sources=True", f"--template={present.TEMPLATE}", "--no-browser"):
        assert flag in cmd
    assert cmd[-1].endswith("01_lifecycle.ipynb")
    with pytest.raises(ValueError, match="port must be in"):
        present.voila_command(ROOT / "notebooks" / "01_lifecycle.ipynb", port=0, token="abc")


@pytest.mark.parametrize("port", [-1, 65536, 1.5, "80", True])
def test_present_refuses_bad_ports_before_starting_anything(port):
    with pytest.raises(ValueError, match="port must be an integer in"):
        present.present("01", port=port)


def test_cli_reports_an_unknown_section_and_exits_2(capsys):
    from course_kit import cli

    assert cli.main(["present", "99"]) == 2
    assert "section must be a number 0-10" in capsys.readouterr().err


def test_present_has_no_second_command_line_parser():
    assert not hasattr(present, "main") and not hasattr(present, "build_parser")


def test_url_is_printed_only_once_the_server_answers(tmp_path, monkeypatch, capsys):
    """A stand-in for Voila that starts listening 1.5 s after launch: the URL line must come after
    the port accepts connections (it used to be printed before Voila started)."""
    import subprocess
    import sys
    import time

    fake = tmp_path / "slow_server.py"
    fake.write_text(
        "import sys, time, http.server, socketserver\n"
        "time.sleep(1.5)\n"
        "port = int([a for a in sys.argv if a.startswith('--port=')][0].split('=')[1])\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(200); self.end_headers(); self.wfile.write(b'ok')\n"
        "        raise SystemExit(0)\n"
        "    def log_message(self, *a): pass\n"
        "with socketserver.TCPServer(('127.0.0.1', port), H) as s:\n"
        "    s.handle_request()\n")
    monkeypatch.setattr(present, "voila_command",
                        lambda nb, port, token, open_browser: [sys.executable, str(fake), f"--port={port}"])
    seen = {}
    real_print = print

    def stamped(*args, **kw):
        text = " ".join(map(str, args))
        if text.startswith("[course-kit] dashboard:"):
            seen["at"] = time.monotonic()
        real_print(*args, **kw)

    monkeypatch.setattr("builtins.print", stamped)
    t0 = time.monotonic()
    try:
        present.present("01")
    except subprocess.SubprocessError:
        pass
    assert "at" in seen, capsys.readouterr().out
    assert seen["at"] - t0 >= 1.4, "the URL was printed before the server listened"


def test_voila_env_puts_the_kit_template_first_on_jupyter_path():
    env = present.voila_env({"JUPYTER_PATH": "/elsewhere", "PATH": "/usr/bin"})
    assert env["JUPYTER_PATH"].split(":")[0] == str(present.TEMPLATE_ROOT)
    assert env["JUPYTER_PATH"].endswith("/elsewhere")
    assert env["PATH"].endswith("/usr/bin")


def test_voila_finds_the_template_and_bases_it_on_lab():
    from jupyter_core.paths import jupyter_path
    from voila.paths import collect_template_paths

    assert json.loads((TEMPLATE_DIR / "conf.json").read_text()) == {"base_template": "lab"}
    found = collect_template_paths(["voila", "nbconvert"], present.TEMPLATE,
                                   root_dirs=[str(present.TEMPLATE_ROOT), *jupyter_path()])
    assert str(TEMPLATE_DIR) in found
    assert any(p.endswith(str(Path("voila", "templates", "lab"))) for p in found)


def _block(text: str, name: str) -> str:
    m = re.search(r"\{%-? block " + name + r" -?%\}(.*?)\{%-? endblock " + name + r" -?%\}", text, re.S)
    assert m, f"no block {name}"
    return m.group(1)


def _normalise(block: str) -> list[str]:
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_template_is_voilas_lab_block_minus_the_cdn_stylesheets():
    """If a Voila upgrade changes the lab template's `notebook_css` block, this fails: re-copy it."""
    from jupyter_core.paths import jupyter_path

    lab = next(Path(d, "voila", "templates", "lab", "index.html.j2") for d in jupyter_path()
               if Path(d, "voila", "templates", "lab", "index.html.j2").is_file())
    theirs = _normalise(_block(lab.read_text(), "notebook_css"))
    ours = _normalise(_block((TEMPLATE_DIR / "index.html.j2").read_text(), "notebook_css"))
    remote = [line for line in theirs if re.search(r"https?://", line)]
    assert remote, "Voila's lab template no longer loads remote stylesheets: the kit's template may be dropped"
    expected = [line for line in theirs if line not in remote and line != "{{ super() }}"]
    ours_body = [line for line in ours if line != "{{ super.super() }}"]
    # ours may add comments to the <style> blocks; compare everything else in order
    assert [line for line in ours_body if not line.startswith("/*")] == [
        line for line in expected if not line.startswith("/*")]
    assert "{{ super.super() }}" in ours
    code = re.sub(r"\{#.*?#\}", "", (TEMPLATE_DIR / "index.html.j2").read_text(), flags=re.S)
    assert not re.search(r"https?://", code), "the kit's template must not load anything remote"


def test_template_files_are_shipped_as_package_data():
    """The lead wires this in pyproject.toml: `course_kit = ["*.cfg", "share/jupyter/voila/templates/*/*"]`."""
    import fnmatch

    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["course_kit"]
    for f in TEMPLATE_DIR.iterdir():
        rel = f.relative_to(ROOT / "course_kit").as_posix()
        assert any(fnmatch.fnmatch(rel, p) for p in patterns), f"{rel} is not package data in pyproject.toml"


def test_template_lifts_anywidgets_two_second_module_deadline_before_any_widget_code():
    """anywidget drops every kernel message to a model whose module took > 2 s to load (a frozen
    figure on a busy machine); the template's script lifting that deadline must stay in the page's
    head, which runs before Voila's widget code. The browser test checks both figures follow."""
    text = (TEMPLATE_DIR / "index.html.j2").read_text()
    head = _block(text, "html_head_js")
    assert "{{ super() }}" in head
    assert "AbortSignal.timeout = (ms) => timeout(ms === 2000 ? 600000 : ms)" in head
    ext = present.TEMPLATE_ROOT / "labextensions" / "course-kit-fixes" / "static" / "remoteEntry.js"
    assert "AbortSignal.timeout = (ms) => timeout(ms === 2000 ? 600000 : ms)" in ext.read_text()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_quick_copy_runs_with_quick_true_and_leaves_the_notebook_untouched(nb, tmp_path):
    """COURSE_KIT_QUICK=1 (the browser tests' dashboards): the copy Voila runs sets QUICK = True right
    after the parameters cell (executing its code cells up to there leaves QUICK True); the section's
    notebook is byte-identical and still says QUICK = False."""
    import nbformat

    before = nb.read_bytes()
    copy = present.quick_copy(nb, tmp_path)
    assert nb.read_bytes() == before and copy.parent == tmp_path and copy.name == nb.name
    cells = nbformat.read(copy, as_version=4).cells
    original = nbformat.reads(before.decode(), as_version=4).cells
    i = next(k for k, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    assert "injected-parameters" in cells[i + 1].metadata.get("tags", [])
    ns: dict = {}
    for cell in cells[: i + 2]:
        if cell.cell_type == "code":
            exec(cell.source, ns)  # the parameters cell and the injected one: plain assignments
    assert ns["QUICK"] is True
    assert [c.source for c in cells[: i + 1] + cells[i + 2:]] == [c.source for c in original], \
        "the copy differs from the notebook by more than the injected cell"
    assert re.search(r"^QUICK\s*=\s*False\s*$", original[i].source, re.M)


def test_present_quick_serves_the_copy_from_a_temporary_folder_removed_on_exit(tmp_path, monkeypatch):
    """present() with COURSE_KIT_QUICK=1 hands Voila the QUICK copy, outside the repository, bound to
    127.0.0.1, and removes the copy when the server stops; a value other than 0/1 is refused."""
    import subprocess

    import nbformat

    seen = {}

    class FakeVoila:
        def __init__(self, cmd, env, cwd):
            served = Path(cmd[-1])
            seen.update(cmd=cmd, cwd=cwd, served=served, text=served.read_text())

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakeVoila)
    monkeypatch.setenv(present.QUICK_ENV, "1")
    assert present.present("01") == 0
    served = seen["served"]
    assert not served.is_relative_to(ROOT) and served.name == "01_lifecycle.ipynb" and seen["cwd"] == served.parent
    assert "--Voila.ip=127.0.0.1" in seen["cmd"]
    cells = nbformat.reads(seen["text"], as_version=4).cells
    injected = [c.source for c in cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected == ["# Parameters\nQUICK = True\n"]
    assert not served.parent.exists(), "the temporary copy outlived the server"
    monkeypatch.setenv(present.QUICK_ENV, "yes")
    with pytest.raises(ValueError, match="COURSE_KIT_QUICK must be 1"):
        present.present("01")
    monkeypatch.setenv(present.QUICK_ENV, "0")
    assert present.present("01") == 0 and seen["served"] == ROOT / "notebooks" / "01_lifecycle.ipynb"
