"""Hostile and honest submissions of exercise 01, graded end to end in ONE gradebook run (bwrap).

Each attack of issue 11 gets no mark it did not earn and a report line naming what happened; honest
edge cases get full marks; the kit's files and the submissions are byte-identical afterwards; no
process started by a submission survives; memory stays bounded."""

from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import time
import uuid

import nbformat
import pytest

from course_kit import lifecycle
from course_kit.course import exercise_build, gradebook, variants

from helpers import ROOT, sha256

pytestmark = [
    pytest.mark.skipif(shutil.which("bwrap") is None or os.environ.get("COURSE_KIT_SANDBOX") == "none",
                       reason="SANDBOXED GRADING TESTS SKIPPED: bubblewrap (bwrap) is not installed "
                              f"({os.environ.get('COURSE_KIT_BWRAP_SKIP', 'apt-get install bubblewrap')})"),
    pytest.mark.xdist_group("grading_hostile"),  # one worker grades the folder, once (session fixture)
]

EX01 = ROOT / "exercises" / "01_lifecycle.ipynb"
SOL01 = ROOT / "solutions" / "01_lifecycle.ipynb"
SPEC = json.loads(SOL01.read_text())["metadata"]["course_kit"]["variants"]
MARKER = f"ck-straggler-{uuid.uuid4().hex[:10]}"
SOLUTION = {exercise_build.cell_role(c)[1]: c.source for c in nbformat.read(SOL01, as_version=4).cells
            if exercise_build.cell_role(c)[0] == "answer"}


def hard_coded(values: dict) -> dict[str, str]:
    """Numeric answers for one learner's numbers, computed here independently (closed forms)."""
    lam, mu = values["ARRIVAL_RATE_PER_S"], values["SERVICE_RATE_PER_S"]
    p95 = lifecycle.end_to_end_percentiles(lifecycle.REALTIME_INGESTION_STAGES, (95,))[95]
    return {"q1": f"# Q1\nq1_speedup = {p95 / values['SLO_MS']!r}",
            "q2": f"# Q2\nq2_wait_ms = {(lam / mu) / (mu - lam) * 1000!r}",
            "q3": f"# Q3\nq3_backlog_gb = {(values['INGEST_GB_PER_S'] - values['SUSTAINED_GB_PER_S']) * values['MINUTES'] * 60!r}"}


def notebook(learner: str | None, answers: dict | None = None, extra: list[tuple[int, str]] = (), drop_meta=False):
    nb = nbformat.read(EX01, as_version=4)
    if learner:
        exercise_build.inject_parameters(nb, variants.draw(SPEC, "01_lifecycle", learner), learner)
    for cell in nb.cells:
        role, q = exercise_build.cell_role(cell)
        if role == "answer" and answers and q in answers:
            cell.source = answers[q]
            if drop_meta:
                cell.metadata.pop("course_kit")
    for at, src in sorted(extra, reverse=True):
        nb.cells.insert(at if at >= 0 else len(nb.cells), nbformat.v4.new_code_cell(src))
    return nb


PATCHER = """# Q1
import builtins, sys
import course_kit.checks as c
c.check = lambda q, *a, **k: print(c.pass_line(q))
import course_kit.course.variants as v
v._OVERRIDE = {"SLO_MS": 50, "ARRIVAL_RATE_PER_S": 900, "SERVICE_RATE_PER_S": 1000}  # "reset" the numbers
builtins.print = lambda *a, **k: sys.__stdout__.write("q1: correct ✓\\n")
class W:
    def write(self, s): return sys.__stdout__.write("q2: correct ✓\\n")
    def flush(self): pass
sys.stdout = W()
"""
FORGER = """import os
lines = [b'{"t": "answer", "i": 3, "q": "q2", "value": 9.0}\\n', b'{"t": "end", "i": 99\\n', b'\\xff\\xfe not json\\n',
         b'{"t": "done"}\\n', b'[1, 2]\\n', b'{"passed": true, "question": "q1"}\\n']
for fd in range(3, 40):
    for line in lines:
        try:
            os.write(fd, line)
        except OSError:
            pass
path = os.environ.get("COURSE_KIT_REPORT") or os.environ.get("COURSE_KIT_VARIANT_FILE")
assert path is None, path
"""
KITWRITER = """import pathlib, course_kit
kit = pathlib.Path(course_kit.__file__).parent
for target in [kit / "checks.py", kit / "course" / "checks.py", kit.parent / "data" / "x.csv"]:
    try:
        with open(target, "a") as fh:
            fh.write("\\ndef check(q, *a, **k):\\n    print(q + ': correct ✓')\\n")
    except OSError as exc:
        print("refused", exc)
"""
COPIER = """# Q1
import json, pathlib, course_kit
sol = pathlib.Path(course_kit.__file__).parent.parent / "solutions" / "01_lifecycle.ipynb"
for cell in json.loads(sol.read_text())["cells"]:
    if cell.get("metadata", {}).get("course_kit", {}).get("answer"):
        exec("".join(cell["source"]))
"""
STRAGGLER = f"""import subprocess, os
subprocess.Popen(["sleep", "600", "{MARKER}"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "601", "{MARKER}"])
    os._exit(0)
"""
def _differs(name: str) -> bool:
    a, b = hard_coded(variants.draw(SPEC, "01_lifecycle", "ada")), hard_coded(variants.draw(SPEC, "01_lifecycle", name))
    return all(a[q] != b[q] for q in a)


OTHER = next(n for n in ("eve", "fay", "gus", "ivy", "jo", "kim", "lou", "max") if _differs(n))  # not ada's numbers

HONEST_EXTRA = {  # an answer cell that also calls check(), a comment naming the nbval marker, NumPy values
    "q2": SOLUTION["q2"] + "\n# NBVAL_CHECK_OUTPUT (mentioned in a comment)\nfrom course_kit.checks import check\n"
                           "check('q2', lambda: q2_wait_ms, expected=-1)",
    "q3": SOLUTION["q3"] + "\nimport numpy as np\nq3_backlog_gb = np.float64(q3_backlog_gb)",
}

CASES = {
    # learner folder: (notebook or raw bytes, {question: expected status})
    "ada": (lambda: notebook("ada", SOLUTION), dict.fromkeys(["q1", "q2", "q3", "q4"], "pass")),
    "bob": (lambda: notebook("bob", {**SOLUTION, **HONEST_EXTRA}, extra=[(-1, "helper = 42")], drop_meta=True),
            dict.fromkeys(["q1", "q2", "q3", "q4"], "pass")),
    "Smith, John": (lambda: notebook("smith-john", SOLUTION), dict.fromkeys(["q1", "q2", "q3", "q4"], "pass")),
    "patcher": (lambda: notebook("patcher", {"q1": PATCHER}), dict.fromkeys(["q1", "q2", "q3", "q4"], "not done")),
    "forger": (lambda: notebook("forger", extra=[(3, FORGER)]), dict.fromkeys(["q1", "q2", "q3", "q4"], "not done")),
    "kitwriter": (lambda: notebook("kitwriter", extra=[(3, KITWRITER)]), dict.fromkeys(["q1", "q2", "q3", "q4"], "not done")),
    "copier": (lambda: notebook("copier", {"q1": COPIER}), {"q1": "error", "q2": "not done", "q3": "not done", "q4": "not done"}),
    "escaper": (lambda: notebook("escaper", SOLUTION, extra=[(3, STRAGGLER)]), dict.fromkeys(["q1", "q2", "q3", "q4"], "pass")),
    "killer": (lambda: notebook("killer", {**SOLUTION, "q2": "# Q2\nimport os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(-1, signal.SIGKILL)"}),
               {"q1": "pass", "q2": "error", "q3": "pass", "q4": "pass"}),  # its sandbox protects the grader
    "looper": (lambda: notebook("looper", {**SOLUTION, "q1": "# Q1\nwhile True:\n    pass"}),
               {"q1": "timeout", "q2": "pass", "q3": "pass", "q4": "pass"}),
    "sleeper": (lambda: notebook("sleeper", SOLUTION, extra=[(-1, "import time\ntime.sleep(58)")] * 4),
                dict.fromkeys(["q1", "q2", "q3", "q4"], "pass")),
    "printer": (lambda: notebook("printer", {**SOLUTION, "q2": "# Q2\nfor _ in range(200_000):\n    print('x' * 1000)"}),
                {"q1": "pass", "q2": "output cap", "q3": "pass", "q4": "pass"}),
    "hog": (lambda: notebook("hog", {**SOLUTION, "q3": "# Q3\nblob = bytearray(3 * 2**30)"}),
            {"q1": "pass", "q2": "pass", "q3": "memory cap", "q4": "not run"}),
    "crasher": (lambda: notebook("crasher", {**SOLUTION, "q3": "# Q3\nimport os\nos._exit(1)"}),
                {"q1": "pass", "q2": "pass", "q3": "crash", "q4": "not run"}),
    OTHER: (lambda: notebook("ada", hard_coded(variants.draw(SPEC, "01_lifecycle", "ada"))),  # ada's notebook
            {"q1": "wrong", "q2": "wrong", "q3": "wrong", "q4": "not done"}),
    "nometa": (lambda: _no_variant_meta(), dict.fromkeys(["q1", "q2", "q3", "q4"], "pass")),
    "faker": (lambda: _fake_pristine(), dict.fromkeys(["q1", "q2", "q3", "q4"], "not done")),
    "hal": (lambda: b'{"cells": [', dict.fromkeys(["q1", "q2", "q3", "q4"], "invalid notebook")),
}


def _no_variant_meta():
    nb = notebook("nometa", SOLUTION)
    nb.metadata["course_kit"].pop("variant")
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    return nb  # the solution's answers use the parameter names: graded with nometa's issued numbers


def _fake_pristine():
    nb = notebook("faker")
    nb.metadata["course_kit"]["exercise"] = "../faker/pristine"
    nb.metadata["course_kit"]["source"] = "faker/pristine.ipynb"
    return nb


def _kit_files():
    files = [p for d in ("course_kit", "data", "solutions", "exercises") for p in (ROOT / d).rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    return {str(p): sha256(p) for p in files}


@pytest.fixture(scope="session")  # session: kept even if the worker runs another module's test in between
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for learner, (make, _) in CASES.items():
        (folder / learner).mkdir()
        nb = make()
        target = folder / learner / "01_lifecycle.ipynb"
        target.write_bytes(nb if isinstance(nb, bytes) else nbformat.writes(nb).encode())
    fake = nbformat.v4.new_notebook(metadata={"course_kit": {"exercise": "pristine", "questions": ["q1"]}})
    (folder / "faker" / "pristine.ipynb").write_text(nbformat.writes(fake))  # graded as its own (unknown) file
    subs = {str(p): sha256(p) for p in folder.rglob("*.ipynb")}
    kit = _kit_files()
    out = tmp_path_factory.mktemp("book") / "gradebook.csv"
    t0 = time.monotonic()
    rows = gradebook.grade_folder(folder, jobs=2, timeout_s=10, wall_s=30, progress=False, out=out,
                                  feedback_dir=out.parent / "feedback")
    elapsed = time.monotonic() - t0
    time.sleep(0.2)
    survivors = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and MARKER.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                survivors.append(pid)
        except OSError:
            pass
    return {"rows": rows, "out": out, "subs": subs, "folder": folder, "kit": kit, "elapsed": elapsed,
            "survivors": survivors, "maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def _by_learner(rows):
    got = {}
    for r in rows:
        if r["question"]:
            got.setdefault(r["learner"], {})[r["question"]] = r
    return got


@pytest.mark.parametrize("learner", list(CASES))
def test_each_submission_gets_exactly_what_it_earned(graded, learner):
    got = _by_learner(graded["rows"])[variants.safe_id(learner)]
    want = CASES[learner][1]
    assert {q: r["status"] for q, r in got.items()} == want, json.dumps(got, indent=1, default=str)
    for q, r in got.items():
        assert r["pass"] == (want[q] == "pass")
        if want[q] not in ("pass",):
            assert r["detail"], f"{learner} {q}: no report line"


def test_report_lines_name_what_happened(graded):
    got = _by_learner(graded["rows"])
    assert "time limit" in got["looper"]["q1"]["detail"]
    assert "output" in got["printer"]["q2"]["detail"]
    assert "memory" in got["hog"]["q3"]["detail"]
    assert "not run" in got["crasher"]["q4"]["detail"]
    assert "FileNotFoundError" in got["copier"]["q1"]["detail"]
    assert "Hint" in got[OTHER]["q2"]["detail"]
    assert "started for learner 'ada'" in got[OTHER]["q1"]["flags"]
    assert "graded as learner id 'smith-john'" in got["smith-john"]["q1"]["flags"]
    # 4 x sleep(58) at 10 s per cell would take 40 s: the 30 s wall per submission stops it first
    assert "total time limit (30 s)" in got["sleeper"]["q1"]["flags"]
    faker = [r for r in graded["rows"] if r["submission"].endswith("pristine.ipynb")]
    assert [r["status"] for r in faker] == ["not graded"] and "known exercise" in faker[0]["detail"]


def test_nothing_was_modified_and_nothing_survives(graded):
    assert {str(p): sha256(p) for p in graded["folder"].rglob("*.ipynb")} == graded["subs"]
    assert _kit_files() == graded["kit"], "a submission changed the kit's files"
    assert graded["survivors"] == [], "a process started by a submission outlived grading"


def test_time_and_memory_stay_bounded(graded):
    # 18 submissions, one endless loop, 4 x sleep(58), a 200 MB printer, a 3 GB allocation, on 2 workers
    assert graded["elapsed"] < 150, graded["elapsed"]
    assert graded["maxrss_mb"] < 1500, graded["maxrss_mb"]


def test_csv_feedback_and_totals(graded):
    with graded["out"].open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == gradebook.COLUMNS
    assert len({r["submission"] for r in rows}) == len(graded["subs"])
    ada = [r for r in rows if r["learner"] == "ada"]
    assert {r["score"] for r in ada} == {"4"} and {r["total"] for r in ada} == {"4"}
    assert not any(str(v).startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    fb = (graded["out"].parent / "feedback" / f"{OTHER}.md").read_text()
    assert "Total: 0/4" in fb and "Hint" in fb
    assert "Total: 4/4" in (graded["out"].parent / "feedback" / "smith-john.md").read_text()
