"""Expected outputs of the ``# NBVAL_CHECK_OUTPUT`` cells, kept outside the notebooks.

Notebooks are committed without outputs, so nbval alone can only compare a run with a second run
(it catches nondeterminism, never a changed value). The notebook suite therefore also compares
every marked cell of the QUICK run with ``tests/expected_outputs/<folder>/<notebook>.json``, keyed by
cell id: a changed number fails, and an intended change is one reviewed update of that file:

    python tests/update_expected.py notebooks/01_lifecycle.ipynb   # one or more notebooks
    python tests/update_expected.py                                 # all of notebooks/ and solutions/
    git diff tests/expected_outputs/                                # review, then commit

What is compared: each output's text (stream text, or the ``text/plain`` of a result or display),
after nbval's sanitize patterns (course_kit/nbval_sanitize.cfg: ids, addresses, temp paths).
"""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_DIR = ROOT / "tests" / "expected_outputs"
SANITIZE = ROOT / "course_kit" / "nbval_sanitize.cfg"
MARK = "NBVAL_CHECK_OUTPUT"
UPDATE_HINT = "python tests/update_expected.py {nb}"


def expected_path(notebook: Path) -> Path:
    notebook = Path(notebook).resolve()
    return EXPECTED_DIR / notebook.parent.name / f"{notebook.stem}.json"


def _patterns() -> list[tuple[re.Pattern, str]]:
    cfg = configparser.ConfigParser()
    cfg.read(SANITIZE, encoding="utf-8")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def sanitize(text: str) -> str:
    for rx, rep in _patterns():
        text = rx.sub(rep, text)
    return text


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _outputs(cell) -> list[dict]:
    out = []
    for o in cell.get("outputs", []):
        kind = o.get("output_type")
        if kind == "stream":
            out.append({"kind": f"stream:{o.get('name', 'stdout')}", "text": sanitize(_text(o.get("text", "")))})
        elif kind in ("execute_result", "display_data") and "text/plain" in o.get("data", {}):
            out.append({"kind": kind, "text": sanitize(_text(o["data"]["text/plain"]))})
        elif kind == "error":
            out.append({"kind": "error", "text": f"{o.get('ename')}: {o.get('evalue')}"})
    return out


def merged_streams(outputs: list[dict]) -> list[dict]:
    """Consecutive outputs of the same stream joined: how a kernel chunks ``print`` output depends on
    timing (a loaded machine splits one cell's text into several messages), the text does not."""
    out: list[dict] = []
    for o in outputs:
        if out and o["kind"].startswith("stream:") and out[-1]["kind"] == o["kind"]:
            out[-1] = {"kind": o["kind"], "text": out[-1]["text"] + o["text"]}
        else:
            out.append(dict(o))
    return out


def checked_outputs(executed) -> dict[str, dict]:
    """``{cell id: {"source": first line after the marker, "outputs": [...]}}`` for every marked cell
    of an executed notebook (an ``nbformat`` node)."""
    found = {}
    for cell in executed.cells:
        if cell.cell_type != "code" or MARK not in cell.source:
            continue
        lines = [ln for ln in cell.source.splitlines() if ln.strip() and MARK not in ln]
        found[cell.get("id") or ""] = {"source": (lines[0] if lines else "")[:100],
                                       "outputs": merged_streams(_outputs(cell))}
    return found


def problems(notebook: Path, executed) -> list[str]:
    """What differs between the executed notebook's marked cells and the recorded expected outputs."""
    rel = Path(notebook).resolve().relative_to(ROOT).as_posix()
    hint = UPDATE_HINT.format(nb=rel)
    got = checked_outputs(executed)
    path = expected_path(notebook)
    if not path.exists():
        return [f"no expected outputs recorded for {rel} ({len(got)} checked cells): review the run and record "
                f"them with `{hint}`"] if got else []
    want = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for cid, cell in got.items():
        if not cid:
            out.append(f"{rel}: a checked cell has no cell id (save it with nbformat >= 4.5)")
        elif cid not in want:
            out.append(f"{rel}: checked cell {cid} ({cell['source']!r}) has no expected output: `{hint}`")
        elif cell["outputs"] != merged_streams(want[cid]["outputs"]):
            out.append(f"{rel}: cell {cid} ({cell['source']!r}) changed:\n  expected {want[cid]['outputs']}\n"
                       f"  got      {cell['outputs']}\n  intended? record it with `{hint}` and commit the diff")
    for cid in sorted(set(want) - set(got)):
        out.append(f"{rel}: expected outputs recorded for cell {cid} ({want[cid]['source']!r}), which is no "
                   f"longer a checked cell: `{hint}`")
    return out


def record(notebook: Path, executed) -> Path:
    path = expected_path(notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(checked_outputs(executed), indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                    encoding="utf-8")
    return path


def run_quick(notebook: Path, out: Path) -> tuple[int, str]:
    """The suite's one execution of ``notebook``: papermill injects ``QUICK = True`` (no execution),
    then nbval (``--nbval-lax``) runs the copy in a fresh kernel and fails on any error; every
    cell's outputs are captured (tests/nbval_capture.py) and written into ``out``, the executed
    notebook the checks read. The marked cells keep their marker in ``out`` but not in the copy nbval
    runs: their expected outputs live in tests/expected_outputs/, compared by :func:`problems`.

    Returns nbval's exit code and its report (the tail of its output)."""
    import os
    import subprocess
    import sys

    import nbformat

    from course_kit.present import quick_copy  # the one place QUICK = True is injected

    out = Path(out)
    nb = nbformat.read(quick_copy(Path(notebook), out.parent), as_version=4)
    run = out.with_name(f"{out.stem}.nbval.ipynb")
    bare = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for cell in bare.cells:
        if cell.cell_type == "code" and MARK in cell.source:
            cell.source = "\n".join(ln for ln in cell.source.splitlines() if MARK not in ln)
    nbformat.write(bare, run)
    captured = out.with_name(f"{out.stem}.outputs.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", CK_NBVAL_CAPTURE=str(captured),
               PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "nbval.plugin", "-p", "nbval_capture",
         "--nbval-lax", "--nbval-current-env", f"--nbval-sanitize-with={SANITIZE}", "--nbval-cell-timeout=600",
         "--rootdir", str(out.parent), str(run)],
        cwd=out.parent, env=env, capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL)
    outputs = json.loads(captured.read_text(encoding="utf-8")) if captured.exists() else {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(o) for o in outputs.get(cell.get("id") or "", [])]
    nbformat.write(nb, out)
    return proc.returncode, (proc.stdout[-6000:] + "\n" + proc.stderr[-2000:]).strip()
