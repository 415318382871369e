"""Workshop-scale grading: per-learner variants and the gradebook over a folder of submissions that
holds full marks, partial, blank and every broken kind (endless loop, sys.exit, crashed kernel,
deleted check cell, invalid JSON, unknown exercise)."""

from __future__ import annotations

import csv
import subprocess
import sys

import nbformat
import pytest

from course_kit import cli, exercise_build, gradebook, grading, lifecycle, paths, variants
from helpers import ROOT, sha256

SPEC = nbformat.read(ROOT / "exercises" / "01_lifecycle.ipynb", as_version=4).metadata["course_kit"]["variants"]


def _answers_for(values: dict) -> dict[str, str]:
    """Hard-coded numeric answers for exercise 01, computed independently from one learner's numbers."""
    lam, mu = values["ARRIVAL_RATE_PER_S"], values["SERVICE_RATE_PER_S"]
    q1 = lifecycle.end_to_end_percentiles(lifecycle.REALTIME_INGESTION_STAGES, (95,))[95] / values["SLO_MS"]
    q2 = (lam / mu) / (mu - lam) * 1000
    q3 = (values["INGEST_GB_PER_S"] - values["SUSTAINED_GB_PER_S"]) * values["MINUTES"] * 60
    return {"q1": f"# Q1\nq1_speedup = {q1!r}", "q2": f"# Q2\nq2_wait_ms = {q2!r}",
            "q3": f"# Q3\nq3_backlog_gb = {q3!r}"}


def _fill(path, answers: dict[str, str]):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        role, q = exercise_build.cell_role(cell)
        if role == "answer" and q in answers:
            cell.source = answers[q]
    nbformat.write(nb, path)
    return nb


def _start(tmp_path, monkeypatch, learner, folder="work"):
    monkeypatch.setattr(paths, "work_dir", lambda: tmp_path / folder / (learner or "anon"))
    dest, created = cli.start("01", learner=learner)
    assert created
    return dest


def test_variant_draws_are_deterministic_per_learner_and_differ_between_learners():
    a1, a2 = variants.draw(SPEC, "01_lifecycle", "ada"), variants.draw(SPEC, "01_lifecycle", "ada")
    b = variants.draw(SPEC, "01_lifecycle", "grace")
    assert a1 == a2 and a1 != b
    for name, rule in SPEC.items():
        if "choices" in rule:
            assert a1[name] in rule["choices"]
        else:
            assert rule["low"] <= a1[name] <= rule["high"]
    assert variants.draw(SPEC, "02_other", "ada") != a1  # per exercise too


@pytest.mark.parametrize("bad", ["", "a b", "../x", "x" * 65, None, 7])
def test_bad_learner_ids_are_refused(bad):
    with pytest.raises(ValueError, match="learner must be"):
        variants.learner_seed("01_lifecycle", bad)


def test_start_with_learner_injects_and_records_the_numbers(tmp_path, monkeypatch):
    dest = _start(tmp_path, monkeypatch, "ada")
    nb = nbformat.read(dest, as_version=4)
    want = variants.draw(SPEC, "01_lifecycle", "ada")
    assert nb.metadata["course_kit"]["variant"] == {"learner": "ada", "parameters": want}
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and variants.parameter_values(injected[0].source) == want
    # the stored expected outputs of the check cells survive the injection
    checks = [c for c in nb.cells if exercise_build.cell_role(c)[0] == "check"]
    assert all(c.outputs and c.execution_count for c in checks)
    # and start never overwrites
    dest.write_text("mine", encoding="utf-8")
    assert cli.start("01", learner="ada") == (dest, False) and dest.read_text() == "mine"


@pytest.mark.notebook
def test_each_learner_passes_only_with_their_own_numbers(tmp_path, monkeypatch):
    ada = _start(tmp_path, monkeypatch, "ada")
    _fill(ada, _answers_for(variants.draw(SPEC, "01_lifecycle", "ada")))
    mine = grading.grade(ada, timeout_s=60)
    assert [r.status for r in mine.results][:3] == ["pass"] * 3, mine.table()
    as_grace = grading.grade(ada, timeout_s=60, learner="grace")
    assert [r.passed for r in as_grace.results][1:3] == [False, False], as_grace.table()
    assert any("started for learner 'ada'" in w for w in as_grace.warnings)


@pytest.mark.notebook
def test_edited_variant_parameters_are_caught(tmp_path, monkeypatch):
    dest = _start(tmp_path, monkeypatch, "ada")
    nb = nbformat.read(dest, as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source + "\nARRIVAL_RATE_PER_S = 100  # easier numbers"
    nbformat.write(nb, dest)
    answers = _answers_for({**variants.draw(SPEC, "01_lifecycle", "ada"), "ARRIVAL_RATE_PER_S": 100})
    _fill(dest, answers)
    report = grading.grade(dest, timeout_s=60)
    assert any("edited" in w and "ARRIVAL_RATE_PER_S" in w for w in report.warnings), report.table()
    assert {r.question: r.status for r in report.results}["q2"] == "wrong", report.table()


BROKEN = {
    "loop": "# Q1\nwhile True:\n    pass",
    "sysexit": "# Q1\nimport sys\nsys.exit(3)",
    "crash": "# Q1\nimport os\nos._exit(1)",
}


@pytest.fixture
def submissions(tmp_path, monkeypatch):
    folder = tmp_path / "submissions"
    sol = nbformat.read(ROOT / "solutions" / "01_lifecycle.ipynb", as_version=4)
    solution_answers = {exercise_build.cell_role(c)[1]: c.source for c in sol.cells
                        if exercise_build.cell_role(c)[0] == "answer"}

    def make(learner, answers=None, *, variant=True):
        monkeypatch.setattr(paths, "work_dir", lambda: folder / learner)
        dest, _ = cli.start("01", learner=learner if variant else None)
        if answers:
            _fill(dest, answers)
        return dest

    make("ada", solution_answers)                                               # full marks
    make("bob", {**_answers_for(variants.draw(SPEC, "01_lifecycle", "bob")), "q3": "# Q3\nq3_backlog_gb = 1.0"})
    make("cy")                                                                  # blank
    make("dan", {**solution_answers, "q1": BROKEN["loop"]})
    make("eve", {**solution_answers, "q1": BROKEN["sysexit"]})
    make("fay", {**solution_answers, "q2": BROKEN["crash"]})
    gus = make("gus", solution_answers)                                         # deleted a check cell
    nb = nbformat.read(gus, as_version=4)
    nb.cells = [c for c in nb.cells if exercise_build.cell_role(c) != ("check", "q4")]
    nbformat.write(nb, gus)
    (folder / "hal").mkdir()
    (folder / "hal" / "01_lifecycle.ipynb").write_text('{"cells": [', encoding="utf-8")
    (folder / "ivy").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), folder / "ivy" / "notes.ipynb")
    return folder


EXPECTED = {
    "ada": {"q1": "pass", "q2": "pass", "q3": "pass", "q4": "pass"},
    "bob": {"q1": "pass", "q2": "pass", "q3": "wrong", "q4": "not done"},
    "cy": {"q1": "not done", "q2": "not done", "q3": "not done", "q4": "not done"},
    "dan": {"q1": "timeout", "q2": "pass", "q3": "pass", "q4": "pass"},
    "eve": {"q1": "error", "q2": "pass", "q3": "pass", "q4": "pass"},
    "fay": {"q1": "pass", "q2": "kernel died", "q3": "kernel died", "q4": "kernel died"},
    "gus": {"q1": "pass", "q2": "pass", "q3": "pass", "q4": "pass"},
    "hal": {"q1": "invalid notebook", "q2": "invalid notebook", "q3": "invalid notebook", "q4": "invalid notebook"},
}


@pytest.mark.notebook
def test_gradebook_end_to_end(submissions, tmp_path):
    hashes = {p: sha256(p) for p in submissions.rglob("*.ipynb")}
    out = tmp_path / "book.csv"
    proc = subprocess.run([sys.executable, "-m", "course_kit.cli", "gradebook", str(submissions), "--out", str(out),
                           "--timeout", "20", "--jobs", "2"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "graded 9 submissions" in proc.stdout
    assert {p: sha256(p) for p in submissions.rglob("*.ipynb")} == hashes, "a submission was modified"
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == gradebook.COLUMNS
    got = {}
    for r in rows:
        got.setdefault(r["learner"], {})[r["question"]] = r["status"]
    ivy = got.pop("ivy")
    assert ivy == {"": "not graded"}
    assert got == EXPECTED
    assert all("q4 deleted" in r["detail"] for r in rows if r["learner"] == "gus")
    ada_rows = [r for r in rows if r["learner"] == "ada"]
    assert {r["score"] for r in ada_rows} == {"4"} and {r["pass"] for r in ada_rows} == {"True"}
    with out.with_name("book_summary.csv").open(newline="") as fh:
        summary = {(r["exercise"], r["question"]): r for r in csv.DictReader(fh)}
    q3 = summary[("01_lifecycle", "q3")]
    assert (q3["submissions"], q3["passed"]) == ("8", "4")  # ada, dan, eve, gus
