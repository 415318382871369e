"""Grade a whole workshop: every submission in a folder, in parallel, into one CSV.

Submissions are found as ``FOLDER/<learner>/<NN_name>.ipynb`` (one folder per learner) or
``FOLDER/<learner>__<NN_name>.ipynb``; the learner id comes from that name (it is authoritative: a
notebook started for another learner is graded with this learner's numbers, and flagged). Each
submission is graded by :func:`course_kit.grading.grade` in its own kernel with the per-cell time
limit, ``jobs`` at a time (default: the number of cores). A broken submission (not JSON, an endless
loop, ``sys.exit``, a crashing kernel, a deleted check cell, an unknown exercise) becomes rows saying
so; it never stops the run, and no submission file is ever written to.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from course_kit._validate import check_int, check_number

__all__ = ["Submission", "find_submissions", "grade_folder", "summarise", "write_csv", "COLUMNS"]

COLUMNS = ["learner", "exercise", "question", "pass", "score", "total", "status", "detail", "submission"]


@dataclass(frozen=True)
class Submission:
    path: Path
    learner: str


def find_submissions(folder) -> list[Submission]:
    """Every ``.ipynb`` below ``folder`` (checkpoints excluded), with its learner id."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"folder must be an existing directory of submissions; got {str(folder)!r}")
    subs = []
    for p in sorted(root.rglob("*.ipynb")):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if len(rel.parts) > 1:
            learner = rel.parts[0]
        elif "__" in p.stem:
            learner = p.stem.split("__", 1)[0]
        else:
            learner = p.stem
        subs.append(Submission(p, learner))
    return subs


def _grade_one(sub: Submission, timeout_s: float) -> list[dict]:
    from course_kit.grading import grade

    try:
        report = grade(sub.path, timeout_s=timeout_s, learner=_safe_learner(sub.learner))
    except Exception as exc:  # noqa: BLE001 - one bad submission must not stop the run
        return [{"learner": sub.learner, "exercise": _exercise_guess(sub.path), "question": "",
                 "pass": False, "score": 0, "total": 0, "status": "not graded",
                 "detail": f"{type(exc).__name__}: {exc}"[:300], "submission": str(sub.path)}]
    extra = "; ".join(report.warnings)
    rows = []
    for r in report.results:
        detail = r.detail if not extra else (f"{r.detail} [{extra}]" if r.detail else f"[{extra}]")
        rows.append({"learner": sub.learner, "exercise": report.exercise, "question": r.question,
                     "pass": r.passed, "score": report.score, "total": report.total, "status": r.status,
                     "detail": detail[:300], "submission": str(sub.path)})
    return rows


def _safe_learner(learner: str) -> str | None:
    from course_kit.variants import _LEARNER

    return learner if _LEARNER.match(learner or "") else None


def _exercise_guess(path: Path) -> str:
    m = re.search(r"(\d\d_[A-Za-z0-9_]+)$", path.stem)
    return m.group(1) if m else path.stem


def grade_folder(folder, *, jobs: int | None = None, timeout_s: float = 60.0, progress: bool = True) -> list[dict]:
    """Grade every submission below ``folder``; returns one row per (submission, question)."""
    subs = find_submissions(folder)
    jobs = check_int("jobs", jobs if jobs is not None else (os.cpu_count() or 1), low=1, high=64)
    timeout_s = check_number("timeout_s", timeout_s, low=1, high=24 * 3600)
    rows: list[dict] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(subs), desc="grading", unit="submission")
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_grade_one, s, timeout_s): s for s in subs}
        for fut in as_completed(futures):
            rows.extend(fut.result())
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    rows.sort(key=lambda r: (r["learner"], r["exercise"], r["question"], r["submission"]))
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """Per (exercise, question): submissions, passes, pass rate and the most common failure."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["exercise"], r["question"]), []).append(r)
    out = []
    for (exercise, question), rs in sorted(groups.items()):
        # the learner-facing line (e.g. "not yet — got 12.0. Hint: ...") says more than the status
        fails = Counter(f"{r['status']}: {r['detail'].split(' [')[0][:120]}" if r["detail"] else r["status"]
                        for r in rs if not r["pass"])
        passed = sum(bool(r["pass"]) for r in rs)
        out.append({"exercise": exercise, "question": question, "submissions": len(rs), "passed": passed,
                    "pass_rate": round(passed / len(rs), 3),
                    "most_common_failure": fails.most_common(1)[0][0] if fails else ""})
    return out


def write_csv(rows: list[dict], path, columns: list[str] | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or (list(rows[0]) if rows else COLUMNS)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    return path
