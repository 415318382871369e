"""Unit tests of the grading machinery: outcome classification (table), self-checks and forms,
answer encoding, CSV neutralising, learner ids, the fallback sandbox, the CLI."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import uuid

import nbformat
import numpy as np
import pandas as pd
import pytest

from course_kit import checks as learner_checks
from course_kit import cli
from course_kit.course import checks, gradebook, grading, key, runner, sandbox, variants
from course_kit.course.checks import (
    CheckFailed,
    Flag,
    Function,
    Integer,
    Mapping,
    Number,
    Seq,
    Text,
    check,
)

from helpers import ROOT

OK = {"status": "ok", "error": None}
NIE = {"status": "error", "error": {"type": "NotImplementedError", "msg": "q1: replace"}}
BOOM = {"status": "error", "error": {"type": "ZeroDivisionError", "msg": "division by zero"}}
VALUE = {"value": 1.0}
PASS = {"status": "pass", "detail": ""}
WRONG = {"status": "wrong", "detail": "not yet — got 1.0. Hint: h"}

CASES = [
    # (answer steps, capture step, answer record, key verdict, stopped) -> status, words in the detail
    ([OK], OK, VALUE, PASS, None, "pass", ""),
    ([OK], OK, VALUE, WRONG, None, "wrong", "Hint"),
    ([BOOM], OK, VALUE, PASS, None, "pass", ""),           # the value counts, not the stray error after it
    ([NIE], OK, {"missing": {"type": "NameError", "msg": "x"}}, None, None, "not done", "not filled in"),
    ([], OK, {"missing": {"type": "NameError", "msg": "x"}}, None, None, "not done", "not filled in"),
    ([BOOM], OK, {"missing": {"type": "NameError", "msg": "x"}}, None, None, "error", "ZeroDivisionError"),
    ([{"status": "timeout", "error": None}], OK, {"missing": {}}, None, None, "timeout", "time limit"),
    ([{"status": "output cap", "error": None}], OK, {"missing": {}}, None, None, "output cap", "output"),
    ([{"status": "memory cap", "error": None}], None, None, None, "killed", "memory cap", "memory"),
    ([{"status": "crash", "error": None}], None, None, None, "ended", "crash", "ended the Python process"),
    ([OK], None, None, None, "the runner process ended during step 3", "not run", "step 3"),
    ([], None, None, None, None, "not run", "not run"),
    ([OK], {"status": "timeout", "error": None}, None, None, None, "timeout", "probe"),
    ([OK], {"status": "error", "error": {"type": "TypeError", "msg": "t"}}, None, None, None, "error", "TypeError"),
    ([OK], OK, {"unreadable": {"type": "TooLarge", "msg": "big"}}, None, None, "error", "could not be read"),
    ([OK], OK, VALUE, {"status": "not done", "detail": ""}, None, "not done", "not filled in"),
    ([OK], OK, VALUE, {"status": "not graded", "detail": "the answer key failed (X)"}, None, "not graded", "key"),
    ([OK], OK, None, None, None, "not graded", "no answer"),
]


@pytest.mark.parametrize("steps,capture,answer,verdict,stopped,status,words", CASES)
def test_outcome_classification(steps, capture, answer, verdict, stopped, status, words):
    got, detail = grading.classify("q1", answer_steps=steps, capture=capture, answer=answer,
                                   key_verdict=verdict, stopped=stopped)
    assert got == status and words in detail
    assert got in grading.STATUSES


# --------------------------------------------------------------------------- check() and forms


def test_learner_alias_is_the_same_check():
    assert learner_checks.check is checks.check and learner_checks.Number is checks.Number


@pytest.mark.parametrize("answer,expected", [
    (np.array([1.0, 2.0, 3.0]), [1.0, 2.0, 3.0]),
    (pd.Series([1.0, 2.0]), np.array([1.0, 2.0000000001])),
    ([np.float64(1.5), np.int64(2)], (1.5, 2)),
    (np.float64(2.0), 2),
    ({"a": np.array([1, 2])}, {"a": [1, 2]}),
    (np.bool_(True), True),
    (" Ingest ", "ingest"),
])
def test_check_passes_array_likes(answer, expected, capsys):
    check("q1", lambda: answer, expected=expected)
    assert capsys.readouterr().out == "q1: correct ✓\n"


@pytest.mark.parametrize("answer,expected,words", [
    (np.array([1.0, 2.0]), [1.0, 2.0, 3.0], "not yet"),
    (pd.Series([1.0, 5.0]), [1.0, 2.0], "not yet"),
    (np.array([[1, 2]]), np.array([1, 2]), "shape"),
    ([1.0, 9.0], [1.0, 2.0], "value 2 of 2"),
    (True, 1, "not yet"),
    ("x", 1.0, "not yet"),
    (float("nan"), 1.0, "not yet"),
    (None, 1.0, "not answered"),
])
def test_check_raises_one_line_on_wrong_answers(answer, expected, words):
    with pytest.raises(CheckFailed) as info:
        check("q1", lambda: answer, expected=expected, hint="think")
    assert words in str(info.value)
    assert info.value._render_traceback_() == [str(info.value)]
    assert isinstance(info.value, AssertionError)


def _undefined():
    return undefined_name  # noqa: F821


def _stub():
    raise NotImplementedError("q1: replace this line")


def _boom():
    raise ZeroDivisionError("x")


@pytest.mark.parametrize("answer,words", [(_undefined, "not answered"), (_stub, "not answered"),
                                          (_boom, "ZeroDivisionError")])
def test_check_reports_unanswered_and_errors(answer, words):
    with pytest.raises(CheckFailed, match=words):
        check("q1", answer, expected=1)


def test_check_never_raises_anything_else():
    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no")

        __hash__ = None
    for test in (lambda v: 1 / 0, lambda v: "too small", lambda v: False):
        with pytest.raises(CheckFailed):
            check("q1", lambda: 3, test=test)
    with pytest.raises(CheckFailed):
        check("q1", lambda: Weird(), expected=Weird())


def test_check_is_silent_while_grading(monkeypatch, capsys):
    monkeypatch.setattr(checks, "GRADING", True)
    assert check("q1", lambda: 1, expected=2) is None
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("form,good,bad,words", [
    (Number(low=0), 2.5, -1, "at least 0"),
    (Number(high=1), np.float64(0.5), "0.5", "expected a number"),
    (Integer(low=1), np.int64(3), 2.0, "whole number"),
    (Text(choices=("memory", "compute")), "Memory ", "network", "one of"),
    (Flag(), np.bool_(False), 0, "True or False"),
    (Seq(Text(), Number(0, 1)), ("a", 0.5), ("a", 2.0), "value 2"),
    (Seq(Number(), Number()), np.array([1.0, 2.0]), (1.0,), "expected 2 values"),
    (Mapping(keys=("a", "b")), {"a": 1, "b": 2}, {"a": 1}, "keys"),
    (Function(arity=2), lambda x, y: x, lambda x: x, "2 arguments"),
    (Function(), len, 3, "expected a function"),
])
def test_public_forms(form, good, bad, words, capsys):
    check("q1", lambda: good, form=form)
    assert "answered ✓" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match=words):
        check("q1", lambda: bad, form=form)
    assert form.describe()


# --------------------------------------------------------------------------- answer encoding


@pytest.mark.parametrize("value", [
    1, 2.5, "text", True, None, (1, "a"), [1.0, [2, 3]], {"a": 1, 2: "b"}, float("inf"),
    np.array([[1.0, 2.0]]), pd.Series([1.0, 2.0], index=["x", "y"]), np.float32(1.5), np.int64(7),
    pd.DataFrame({"a": [1, 2]}),
])
def test_encode_decode_round_trip_compares_equal(value):
    data = json.loads(json.dumps(runner.encode(value)))
    back = key.decode(data)
    if isinstance(value, pd.DataFrame):
        assert back.equals(value)
    elif value is None:
        assert back is None
    else:
        assert checks.compare(back, value, 1e-9)


def test_function_answers_are_probe_tables():
    enc = runner.encode(lambda a, b: a / b, probes=[[1.0, 2.0], [1.0, 0.0]])
    fn = key.decode(json.loads(json.dumps(enc)))
    assert fn(1.0, 2.0) == 0.5
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(1, 0)
    with pytest.raises(LookupError):
        fn(3, 4)


def test_decode_tolerates_garbage():
    for junk in ({"$": "dict", "v": [1, [2]]}, {"$": "float", "v": "x"}, {"$": "series", "v": 3}, {"$": "?"},
                 {"$": "frame", "v": 1}, {"$": "array", "v": [[1], [1, 2]]}, {"$": "function", "calls": 7}):
        key.decode(junk)


# --------------------------------------------------------------------------- learner ids, CSV


@pytest.mark.parametrize("name,sid", [("Smith, John", "smith-john"), ("ada", "ada"), ("Zoë O'Neil", "zoe-o-neil"),
                                      ("=HYPERLINK(1)", "hyperlink-1"), ("../../etc", "etc")])
def test_safe_ids(name, sid):
    assert variants.safe_id(name) == sid and variants.is_learner_id(sid)


def test_safe_id_refuses_names_without_letters():
    with pytest.raises(ValueError, match="name must contain"):
        variants.safe_id("!!!")


def test_find_submissions_maps_lms_names_and_flags_collisions(tmp_path):
    for folder in ("Smith, John", "smith-john", "ada"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "01_lifecycle.ipynb").write_text("{}")
    (tmp_path / "bob__01_lifecycle.ipynb").write_text("{}")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "01_lifecycle.ipynb").write_text("{}")
    subs = {(s.folder_name, s.learner): s.flags for s in gradebook.find_submissions(tmp_path)}
    assert set(subs) == {("Smith, John", "smith-john"), ("smith-john", "smith-john"), ("ada", "ada"), ("bob", "bob")}
    assert any("shared by folders" in f for f in subs[("Smith, John", "smith-john")])
    assert subs[("ada", "ada")] == ()
    with pytest.raises(ValueError, match="folder must be"):
        gradebook.find_submissions(tmp_path / "nope")


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil\",\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_formula_cells_are_neutralised(tmp_path, cell):
    row = {c: "" for c in gradebook.COLUMNS} | {"detail": cell, "learner": cell}
    path = gradebook.write_csv([row], tmp_path / "g.csv", gradebook.COLUMNS)
    with path.open(newline="") as fh:
        got = next(csv.DictReader(fh))
    assert got["detail"] == "'" + cell and got["learner"] == "'" + cell


def test_summary_totals_and_feedback(tmp_path):
    rows = [{"learner": "a", "exercise": "01_x", "question": q, "pass": p, "points": pts, "max_points": 1,
             "status": "pass" if p else "wrong", "detail": "" if p else "not yet — got 1. Hint: h",
             "score": 1, "total": 2, "flags": "", "submission": "s"} for q, p, pts in (("q1", True, 1), ("q2", False, 0))]
    rows.append({"learner": "b", "exercise": "01_x", "question": "", "pass": False, "points": 0, "max_points": 0,
                 "status": "not graded", "detail": "not graded: boom", "score": 0, "total": 0, "flags": "",
                 "submission": "t"})
    s = {(r["exercise"], r["question"]): r for r in gradebook.summarise(rows)}
    assert s[("01_x", "q2")]["most_common_failure"].startswith("wrong: not yet")
    assert gradebook.totals(rows) == {"a": (1.0, 2.0), "b": (0.0, 0.0)}
    files = gradebook.write_feedback({}, tmp_path, rows)
    assert "not graded: boom" in (tmp_path / "b.md").read_text() and len(files) == 2


# --------------------------------------------------------------------------- sandbox


def test_sandbox_env_is_clean_and_limits_are_reported(monkeypatch):
    monkeypatch.setenv("CK_GRADER_SECRET", "s3cret")
    res = sandbox.run_plan([{"kind": "cell", "source": "import os\nkeys = sorted(os.environ)"},
                            {"kind": "capture", "question": "q1", "expression": "keys"}],
                           sandbox.Limits(timeout_s=20, wall_s=40))
    keys = res.answers["q1"]["value"]
    assert "CK_GRADER_SECRET" not in keys and "COURSE_KIT_GRADING" in keys
    assert not any(k.startswith(("PYTEST", "COV")) for k in keys)
    assert "limits" in sandbox.describe()


def test_fallback_sandbox_kills_stragglers_and_warns(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_KIT_SANDBOX", "none")
    marker = f"ck-fallback-{uuid.uuid4().hex[:8]}"
    nb = nbformat.read(ROOT / "solutions" / "01_lifecycle.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        f"import subprocess\nsubprocess.Popen(['sleep', '300', '{marker}'], start_new_session=True)"))
    path = tmp_path / "01_lifecycle.ipynb"
    nbformat.write(nb, path)
    report = grading.grade(path, timeout_s=60)
    assert report.all_passed, report.table()
    assert sandbox.FALLBACK_WARNING in report.warnings and "NO SANDBOX" in report.sandbox
    left = [p for p in os.listdir("/proc") if p.isdigit() and _cmdline_has(p, marker)]
    assert left == []


def _cmdline_has(pid, marker):
    try:
        return marker.encode() in open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        return False


def test_forged_and_broken_records_never_crash_the_reader():
    for line in (b"", b"{", b"\xff", b"[1]", b'{"t": 1}', b"1e999", b"[" * 100000):
        assert sandbox._parse(line) is None or isinstance(sandbox._parse(line), dict)


# --------------------------------------------------------------------------- identification, CLI


def test_exercise_identified_only_among_known_names(tmp_path):
    p = tmp_path / "notes.ipynb"
    assert grading.identify_exercise({"course_kit": {"exercise": "../../solutions/01_lifecycle"}}, p) is None
    assert grading.identify_exercise({"course_kit": {"exercise": "07_assessments"}}, p) == "07_assessments"
    assert grading.identify_exercise(None, tmp_path / "ada__01_lifecycle.ipynb") == "01_lifecycle"
    assert grading.identify_exercise(None, tmp_path / "01_mine.ipynb") == "01_lifecycle"


def test_grade_refuses_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="path must be"):
        grading.grade(tmp_path / "missing.ipynb")
    with pytest.raises(ValueError, match="learner must be"):
        grading.grade(ROOT / "exercises" / "01_lifecycle.ipynb", learner="Smith, John")
    (tmp_path / "notes.ipynb").write_text("{}")
    with pytest.raises(ValueError, match="known exercise"):
        grading.grade(tmp_path / "notes.ipynb")


def test_cli_grade_json_and_errors(tmp_path, capsys):
    bad = tmp_path / "01_lifecycle.ipynb"
    bad.write_text("not json")
    assert cli.main(["grade", str(bad), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["error"].startswith("not a valid notebook") and out["score"] == 0 and out["total"] == 4
    assert cli.main(["grade", str(tmp_path / "nope.ipynb")]) == 2
    assert "path must be" in capsys.readouterr().err


def test_cli_release_and_gradebook_arguments(tmp_path, capsys):
    roster = tmp_path / "roster.txt"
    roster.write_text("# workshop\nSmith, John\nada\n")
    assert cli.main(["release", str(tmp_path / "rel"), "--roster", str(roster)]) == 0
    assert (tmp_path / "rel" / "smith-john" / "01_lifecycle.ipynb").is_file()
    assert cli.main(["release", str(tmp_path / "rel")]) == 2  # not empty
    assert cli.main(["gradebook", str(tmp_path / "none")]) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["gradebook", str(empty), "--out", str(tmp_path / "g.csv"), "--quiet"]) == 0
    assert (tmp_path / "g.csv").read_text().startswith("learner,exercise")
    capsys.readouterr()


def test_sandbox_module_prints_its_mode():
    out = subprocess.run([sys.executable, "-m", "course_kit.course.sandbox"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "limits" in out.stdout and ("bubblewrap" in out.stdout or "NO SANDBOX" in out.stdout)
    assert shutil.which("bwrap") or "NO SANDBOX" in out.stdout


def test_cli_sections_start_build_and_clean(tmp_path, monkeypatch, capsys):
    from course_kit import paths

    assert cli.main(["sections"]) == 0
    assert "01" in capsys.readouterr().out
    monkeypatch.setattr(paths, "work_dir", lambda: tmp_path / "work")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["start", "01", "--learner", "ada"]) == 0
    out = capsys.readouterr().out
    assert "work/01_lifecycle.ipynb" in out and "Your numbers (learner ada)" in out
    assert cli.main(["start", "01"]) == 0 and "left as it is" in capsys.readouterr().out
    assert cli.main(["start", "99"]) == 2
    assert cli.main(["build-exercises", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", execution_count=3, outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=3)])])
    p = tmp_path / "n.ipynb"
    nbformat.write(nb, p)
    assert cli.main(["clean", str(p)]) == 0 and "cleaned" in capsys.readouterr().out
    assert nbformat.read(p, as_version=4).cells[0].outputs == []


def test_start_and_grade_map_lms_names_to_safe_ids(tmp_path, monkeypatch, capsys):
    from course_kit import paths

    monkeypatch.setattr(paths, "work_dir", lambda: tmp_path / "work")
    assert cli.main(["start", "01", "--learner", "Smith, John"]) == 0
    assert "learner smith-john" in capsys.readouterr().out
    nb = nbformat.read(tmp_path / "work" / "01_lifecycle.ipynb", as_version=4)
    assert nb.metadata["course_kit"]["variant"]["learner"] == "smith-john"


def test_a_dying_worker_gives_not_graded_and_the_csv_is_still_written(tmp_path, monkeypatch):
    for learner in ("ada", "bob"):
        (tmp_path / "subs" / learner).mkdir(parents=True)
        (tmp_path / "subs" / learner / "01_lifecycle.ipynb").write_text("{}")

    def dying_grade(path, **kw):
        if "ada" in str(path):
            raise SystemExit("worker killed")  # not even an Exception
        raise MemoryError("out of memory in the grader")
    monkeypatch.setattr(grading, "grade", dying_grade)
    out = tmp_path / "g.csv"
    rows = gradebook.grade_folder(tmp_path / "subs", jobs=2, progress=False, out=out, feedback_dir=tmp_path / "fb")
    assert {r["learner"]: r["status"] for r in rows} == {"ada": "not graded", "bob": "not graded"}
    assert all(r["detail"].startswith("not graded: ") for r in rows)
    with out.open(newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 2
    assert "not graded" in (tmp_path / "fb" / "ada.md").read_text()


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bwrap is not installed")
def test_bwrap_mounts_the_scratch_tmpfs_before_the_kit_so_a_kit_under_tmp_stays_visible():
    """A CI clone lives under /tmp: the sandbox's /tmp tmpfs must not hide the kit, the venv or data/
    (bwrap applies mounts in order, so every bind of a path below /tmp must come after the tmpfs)."""
    from pathlib import Path

    cmd = sandbox._bwrap_command(["true"], sandbox.Limits(), Path("/tmp/clone"))
    tmpfs_at = cmd.index("--tmpfs")
    assert cmd[tmpfs_at + 1] == "/tmp"
    binds = [i for i, a in enumerate(cmd) if a == "--ro-bind" and cmd[i + 2].startswith("/tmp/")]
    assert {cmd[i + 2] for i in binds} >= {"/tmp/clone/course_kit", "/tmp/clone/data"}
    assert all(i > tmpfs_at for i in binds)
