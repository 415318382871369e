"""Gradebook throughput: N submissions of one exercise graded with `course-kit gradebook`
(target: 40 submissions of one exercise in <= 2 minutes on 2 cores).

Submissions are made as a workshop would: `course-kit start 01 --learner learner-NN` for each
learner, answered from the solution (every second one left half done), then graded in parallel.
Usage: python bench/bench_gradebook.py [N] [JOBS]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from course_kit import cli, exercise_build, paths

ROOT = Path(__file__).resolve().parent.parent


def make_submissions(folder: Path, n: int, exercise: str = "01") -> None:
    sol_path = next((ROOT / "solutions").glob(f"{exercise}_*.ipynb"))
    sol = nbformat.read(sol_path, as_version=4)
    answers = {exercise_build.cell_role(c)[1]: c.source for c in sol.cells
               if exercise_build.cell_role(c)[0] == "answer"}
    for i in range(n):
        learner = f"learner-{i:02d}"
        paths.work_dir = lambda learner=learner: folder / learner
        dest, _ = cli.start(exercise, learner=learner)
        nb = nbformat.read(dest, as_version=4)
        for cell in nb.cells:
            role, q = exercise_build.cell_role(cell)
            if role == "answer" and (i % 2 == 0 or q in ("q1", "q2")):
                cell.source = answers[q]
        nbformat.write(nb, dest)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    jobs = sys.argv[2] if len(sys.argv) > 2 else str(os.cpu_count())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "subs"
        make_submissions(folder, n)
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "course_kit.cli", "gradebook", str(folder), "--out",
                               str(Path(tmp) / "book.csv"), "--jobs", jobs, "--quiet"],
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        print(proc.stdout.strip().splitlines()[0] if proc.stdout else proc.stderr[-500:])
        print(f"{n} submissions, {jobs} jobs, {os.cpu_count()} cores: {elapsed:.1f} s "
              f"({elapsed / n:.2f} s per submission; target 40 in <= 120 s)")
