"""Workshop-scale grading: per-learner variants, `course-kit start --learner`, and the gradebook CLI
over a small folder (the hostile cases are in test_grading_hostile.py)."""

from __future__ import annotations

import csv
import subprocess
import sys

import nbformat
import pytest

from course_kit import cli, lifecycle, paths
from course_kit.course import exercise_build, gradebook, grading, variants

from helpers import ROOT, sha256

SPEC = nbformat.read(ROOT / "solutions" / "01_lifecycle.ipynb", as_version=4).metadata["course_kit"]["variants"]


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
    dest.write_text("mine", encoding="utf-8")
    assert cli.start("01", learner="ada") == (dest, False) and dest.read_text() == "mine"


@pytest.mark.notebook
def test_each_learner_passes_only_with_their_own_numbers(tmp_path, monkeypatch):
    ada = _start(tmp_path, monkeypatch, "ada")
    _fill(ada, _answers_for(variants.draw(SPEC, "01_lifecycle", "ada")))
    mine = grading.grade(ada, timeout_s=60)
    assert [r.status for r in mine.results][:3] == ["pass"] * 3, mine.table()
    assert any("unverified" in w for w in mine.warnings)  # no --learner: the notebook's id, said so
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
    report = grading.grade(dest, timeout_s=60, learner="ada")
    assert any("edited" in w and "ARRIVAL_RATE_PER_S" in w for w in report.warnings), report.table()
    assert {r.question: r.status for r in report.results}["q2"] == "wrong", report.table()


@pytest.mark.notebook
def test_gradebook_cli_end_to_end(tmp_path, monkeypatch):
    folder = tmp_path / "submissions"
    sol = nbformat.read(ROOT / "solutions" / "01_lifecycle.ipynb", as_version=4)
    answers = {exercise_build.cell_role(c)[1]: c.source for c in sol.cells
               if exercise_build.cell_role(c)[0] == "answer"}
    for learner, ans in (("ada", answers), ("cy", None)):
        monkeypatch.setattr(paths, "work_dir", lambda learner=learner: folder / learner)
        dest, _ = cli.start("01", learner=learner)
        if ans:
            _fill(dest, ans)
    (folder / "hal").mkdir()
    (folder / "hal" / "01_lifecycle.ipynb").write_text('{"cells": [', encoding="utf-8")
    (folder / "ivy").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), folder / "ivy" / "notes.ipynb")
    hashes = {p: sha256(p) for p in folder.rglob("*.ipynb")}
    out = tmp_path / "book.csv"
    proc = subprocess.run([sys.executable, "-m", "course_kit.cli", "gradebook", str(folder), "--out", str(out),
                           "--timeout", "20", "--jobs", "2", "--quiet"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "graded 4 submissions" in proc.stdout
    assert {p: sha256(p) for p in folder.rglob("*.ipynb")} == hashes, "a submission was modified"
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == gradebook.COLUMNS
    got = {}
    for r in rows:
        got.setdefault(r["learner"], {})[r["question"]] = r["status"]
    assert got["ivy"] == {"": "not graded"}
    assert got["ada"] == dict.fromkeys(["q1", "q2", "q3", "q4"], "pass")
    assert got["cy"] == dict.fromkeys(["q1", "q2", "q3", "q4"], "not done")
    assert got["hal"] == dict.fromkeys(["q1", "q2", "q3", "q4"], "invalid notebook")
    with out.with_name("book_summary.csv").open(newline="") as fh:
        summary = {(r["exercise"], r["question"]): r for r in csv.DictReader(fh)}
    assert (summary[("01_lifecycle", "q3")]["submissions"], summary[("01_lifecycle", "q3")]["passed"]) == ("3", "1")
    assert (out.parent / "book_feedback" / "ada.md").is_file()
    with out.with_name("book_totals.csv").open(newline="") as fh:
        totals = {r["learner"]: (r["points"], r["max_points"]) for r in csv.DictReader(fh)}
    assert totals["ada"] == ("4", "4") and totals["cy"] == ("0", "4") and totals["ivy"] == ("0", "0")
