"""Gradebook bench (issue 11): sandbox overhead, 40 mixed submissions on this machine's cores, peak memory.

Prints:
1. sandbox overhead per submission: the runner with a one-cell plan in bubblewrap (cgroups, limits)
   minus the same runner started as a plain ``python -m course_kit.course.runner`` (median of 7);
2. 40 submissions of exercise 01 made as a workshop would (``course-kit start 01 --learner ...``):
   full, half done, blank, one endless loop and one printing 200 MB, graded with
   ``course-kit gradebook --timeout T --wall W`` (a shorter per-cell limit than the default 60 s so that
   the endless loop costs T, not a minute; say so when quoting the figure);
3. the peak RSS of the whole gradebook process tree (grader, answer-key workers, sandboxes), sampled
   every 0.1 s from /proc.

Usage: python bench/bench_gradebook.py [N] [JOBS] [TIMEOUT_S]   (targets: <= 0.5 s, <= 90 s, <= 2 GiB)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_kit.course import exercise_build, sandbox, variants

SOL = ROOT / "solutions" / "01_lifecycle.ipynb"
EX = ROOT / "exercises" / "01_lifecycle.ipynb"


def overhead(repeats: int = 7) -> tuple[float, float]:
    plan = [{"kind": "cell", "source": "x = 1"}, {"kind": "capture", "question": "q1", "expression": "x"}]
    boxed, plain = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        res = sandbox.run_plan(plan, sandbox.Limits())
        boxed.append(time.perf_counter() - t)
        assert res.answers.get("q1", {}).get("value") == 1, res
        r, w = os.pipe()
        t = time.perf_counter()
        home = tempfile.mkdtemp()
        proc = subprocess.Popen([sys.executable, "-m", "course_kit.course.runner", "--fd", str(w)], cwd=home,
                                stdin=subprocess.PIPE, pass_fds=(w,), env=sandbox._env(home, ROOT))
        os.close(w)
        proc.communicate(json.dumps({"steps": plan}).encode())
        while os.read(r, 65536):
            pass
        plain.append(time.perf_counter() - t)
        os.close(r)
    return statistics.median(boxed), statistics.median(plain)


def make_submissions(folder: Path, n: int) -> None:
    sol = nbformat.read(SOL, as_version=4)
    answers = {exercise_build.cell_role(c)[1]: c.source for c in sol.cells if exercise_build.cell_role(c)[0] == "answer"}
    spec = sol.metadata["course_kit"]["variants"]
    for i in range(n):
        learner = f"learner-{i:02d}"
        nb = exercise_build.inject_parameters(nbformat.read(EX, as_version=4),
                                              variants.draw(spec, "01_lifecycle", learner), learner)
        mine = dict(answers)
        if i == 0:
            mine["q1"] = "# Q1\nwhile True:\n    pass"
        elif i == 1:
            mine["q2"] = "# Q2\nfor _ in range(200_000):\n    print('x' * 1000)"
        elif i % 3 == 2:
            mine = {q: a for q, a in mine.items() if q in ("q1", "q2")}
        elif i % 7 == 3:
            mine = {}
        for cell in nb.cells:
            role, q = exercise_build.cell_role(cell)
            if role == "answer" and q in mine:
                cell.source = mine[q]
        (folder / learner).mkdir(parents=True)
        nbformat.write(nb, folder / learner / "01_lifecycle.ipynb")


def tree_rss_mb(root: int) -> float:
    total = 0
    for pid in [root, *sandbox.descendants(root)]:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    jobs = sys.argv[2] if len(sys.argv) > 2 else str(os.cpu_count())
    timeout = sys.argv[3] if len(sys.argv) > 3 else "10"
    print(sandbox.describe())
    boxed, plain = overhead()
    print(f"sandbox overhead per submission: {boxed - plain:.2f} s (sandboxed runner {boxed:.2f} s, plain runner "
          f"{plain:.2f} s, median of 7; target <= 0.5 s)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "subs"
        make_submissions(folder, n)
        peak = [0.0]
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "course_kit.cli", "gradebook", str(folder), "--out",
                                 str(Path(tmp) / "book.csv"), "--jobs", jobs, "--timeout", timeout, "--wall", "60",
                                 "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})

        def sample():
            while proc.poll() is None:
                peak[0] = max(peak[0], tree_rss_mb(proc.pid))
                time.sleep(0.1)
        th = threading.Thread(target=sample)
        th.start()
        out, err = proc.communicate()
        th.join()
        elapsed = time.perf_counter() - t
        print(out.strip().splitlines()[0] if out.strip() else err[-500:])
        print(f"{n} submissions (1 endless loop, 1 printing 200 MB), {jobs} jobs, {os.cpu_count()} cores, "
              f"--timeout {timeout} s per cell: {elapsed:.1f} s ({elapsed / n:.2f} s per submission; target <= 90 s)")
        print(f"peak RSS of the gradebook process tree: {peak[0]:.0f} MB (target <= 2048 MB)")
