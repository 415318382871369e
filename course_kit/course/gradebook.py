"""Grade a whole workshop: every submission in a folder, in parallel, into one CSV and feedback files.

Submissions are ``FOLDER/<learner>/<NN_name>.ipynb`` (one folder per learner, as LMS exports and
``deploy/`` collect them) or ``FOLDER/<learner>__<NN_name>.ipynb``. The learner id comes from that
name and is authoritative; LMS-style names ("Smith, John") map to a safe id (``smith-john``; two
folders mapping to one id are flagged). A notebook started for another learner is flagged and graded
with *this* learner's numbers. Submissions are graded ``jobs`` at a time, each in its own sandbox
(:func:`course_kit.course.grading.grade`); one that breaks anything becomes "not graded: <why>" and
the run goes on. The CSV is written as results arrive and rewritten sorted at the end; cells that
a spreadsheet would read as a formula are neutralised. One Markdown feedback file per learner says
what passed and gives the hints for what did not.
"""

from __future__ import annotations

import csv
import os
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from course_kit._validate import check_int, check_number
from course_kit.course.variants import safe_id

__all__ = [
    "COLUMNS",
    "Submission",
    "find_submissions",
    "grade_folder",
    "neutralise",
    "summarise",
    "write_csv",
    "write_feedback",
]

COLUMNS = ["learner", "exercise", "question", "pass", "points", "max_points", "status", "detail", "score", "total",
           "flags", "submission"]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Submission:
    path: Path
    learner: str          # the safe id
    folder_name: str      # as found on disk
    flags: tuple = ()


def find_submissions(folder) -> list[Submission]:
    """Every ``.ipynb`` below ``folder`` (hidden files and checkpoints excluded), with its learner id."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"folder must be an existing directory of submissions; got {str(folder)!r}")
    found = []
    for p in sorted(root.rglob("*.ipynb")):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or p.is_symlink() or not p.is_file():
            continue
        if len(rel.parts) > 1:
            raw = rel.parts[0]
        elif "__" in p.stem:
            raw = p.stem.split("__", 1)[0]
        else:
            raw = p.stem
        try:
            learner = safe_id(raw)
        except ValueError:
            learner = "unnamed"
        found.append((p, learner, raw))
    owners: dict[str, set] = {}
    for _, learner, raw in found:
        owners.setdefault(learner, set()).add(raw)
    subs = []
    for p, learner, raw in found:
        flags = []
        if raw != learner:
            flags.append(f"folder {raw!r} graded as learner id {learner!r}")
        if len(owners[learner]) > 1:
            flags.append(f"learner id {learner!r} is shared by folders {sorted(owners[learner])}: check by hand")
        subs.append(Submission(p, learner, raw, tuple(flags)))
    return subs


def neutralise(value):
    """A CSV cell a spreadsheet will not run as a formula (``'`` before ``= + - @``, tab, CR).

    >>> neutralise('=HYPERLINK("http://x")'), neutralise("ok"), neutralise(3)
    ('\\'=HYPERLINK("http://x")', 'ok', 3)
    """
    if isinstance(value, str):
        value = value.replace("\x00", "")
        if value.startswith(_FORMULA):
            return "'" + value
    return value


def _rows_for(sub: Submission, report) -> list[dict]:
    flags = "; ".join([*sub.flags, *report.warnings])
    return [{"learner": sub.learner, "exercise": report.exercise, "question": r.question, "pass": r.passed,
             "points": r.earned, "max_points": r.points, "status": r.status, "detail": r.detail[:300],
             "score": report.score, "total": report.total, "flags": flags[:1000], "submission": str(sub.path)}
            for r in report.results]


def _not_graded(sub: Submission, why: str) -> list[dict]:
    m = re.search(r"(\d\d_[A-Za-z0-9_]+)$", sub.path.stem)
    return [{"learner": sub.learner, "exercise": m.group(1) if m else sub.path.stem, "question": "",
             "pass": False, "points": 0, "max_points": 0, "status": "not graded", "detail": f"not graded: {why}"[:300],
             "score": 0, "total": 0, "flags": "; ".join(sub.flags), "submission": str(sub.path)}]


_local = threading.local()


def _grade_one(sub: Submission, timeout_s: float, wall_s: float) -> tuple[list[dict], object]:
    from course_kit.course.grading import grade
    from course_kit.course.key import KeyWorker

    if getattr(_local, "key", None) is None:
        _local.key = KeyWorker()
    try:
        report = grade(sub.path, timeout_s=timeout_s, wall_s=wall_s, learner=sub.learner, key=_local.key)
    except Exception as exc:  # noqa: BLE001 - one bad submission must not stop the run
        return _not_graded(sub, f"{type(exc).__name__}: {exc}"), None
    return _rows_for(sub, report), report


def grade_folder(folder, *, jobs: int | None = None, timeout_s: float = 60.0, wall_s: float = 120.0,
                 progress: bool = True, out=None, feedback_dir=None) -> list[dict]:
    """Grade every submission below ``folder``; one row per (submission, question).

    With ``out``, the CSV is appended to as each submission is graded and rewritten sorted at the
    end (it exists even if the run is interrupted); with ``feedback_dir``, one Markdown file per learner.
    """
    subs = find_submissions(folder)
    jobs = check_int("jobs", jobs if jobs is not None else (os.cpu_count() or 1), low=1, high=64)
    timeout_s = check_number("timeout_s", timeout_s, low=0.1, high=24 * 3600)
    wall_s = check_number("wall_s", wall_s, low=0.5, high=7 * 24 * 3600)
    rows: list[dict] = []
    reports: dict[str, list] = {}
    lock = threading.Lock()
    fh = writer = None
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        fh = out.open("w", newline="", encoding="utf-8")
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        fh.flush()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(subs), desc="grading", unit="submission")
    workers: list = []

    def work(sub):
        try:
            res = _grade_one(sub, timeout_s, wall_s)
        except BaseException as exc:  # noqa: BLE001 - even a dying worker gives a row
            res = (_not_graded(sub, f"the grading worker died ({type(exc).__name__})"), None)
        key = getattr(_local, "key", None)
        if key is not None and key not in workers:
            with lock:
                workers.append(key)
        return res

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(work, s): s for s in subs}
            for fut in as_completed(futures):
                sub = futures[fut]
                try:
                    got, report = fut.result()
                except BaseException as exc:  # noqa: BLE001
                    got, report = _not_graded(sub, f"{type(exc).__name__}: {exc}"), None
                rows.extend(got)
                if report is not None:
                    reports.setdefault(sub.learner, []).append((sub, report))
                if writer is not None:
                    writer.writerows([{k: neutralise(v) for k, v in r.items()} for r in got])
                    fh.flush()
                if bar is not None:
                    bar.update(1)
    finally:
        for key in workers:
            key.close()
        if bar is not None:
            bar.close()
        if fh is not None:
            fh.close()
    rows.sort(key=lambda r: (r["learner"], r["exercise"], r["question"], r["submission"]))
    if out is not None:
        write_csv(rows, out, COLUMNS)
    if feedback_dir is not None:
        write_feedback(reports, feedback_dir, rows)
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """Per (exercise, question): submissions, passes, pass rate and the most common failure."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["exercise"], r["question"]), []).append(r)
    out = []
    for (exercise, question), rs in sorted(groups.items()):
        fails = Counter(f"{r['status']}: {r['detail'][:120]}" if r["detail"] else r["status"]
                        for r in rs if not r["pass"])
        passed = sum(bool(r["pass"]) for r in rs)
        out.append({"exercise": exercise, "question": question, "submissions": len(rs), "passed": passed,
                    "pass_rate": round(passed / len(rs), 3),
                    "most_common_failure": fails.most_common(1)[0][0] if fails else ""})
    return out


def totals(rows: list[dict]) -> dict[str, tuple]:
    """``{learner: (points, max points)}`` over every graded submission."""
    out: dict[str, list] = {}
    for r in rows:
        t = out.setdefault(r["learner"], [0.0, 0.0])
        t[0] += float(r["points"] or 0)
        t[1] += float(r["max_points"] or 0)
    return {k: (v[0], v[1]) for k, v in out.items()}


def write_csv(rows: list[dict], path, columns: list[str] | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or (list(rows[0]) if rows else COLUMNS)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows([{k: neutralise(v) for k, v in r.items()} for r in rows])
    tmp.replace(path)
    return path


def _md(text) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", str(text)).replace("\n", " ")


def write_feedback(reports: dict, folder, rows: list[dict] | None = None) -> list[Path]:
    """One ``<learner>.md`` per learner: per exercise, what passed and the hints for the rest."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    learners = set(reports) | {r["learner"] for r in rows or []}
    for learner in sorted(learners):
        lines = [f"# Feedback for {_md(learner)}", ""]
        got = tot = 0.0
        for sub, rep in sorted(reports.get(learner, []), key=lambda x: x[1].exercise):
            got, tot = got + rep.score, tot + rep.total
            lines += [f"## {_md(rep.exercise)}: {rep.score}/{rep.total} points", ""]
            if rep.variant:
                lines.append("Your numbers: " + ", ".join(f"`{k} = {v}`" for k, v in rep.variant.items()))
                lines.append("")
            for r in rep.results:
                mark = "✔" if r.passed else "✘"
                lines.append(f"- {mark} **{r.question}** ({_num(r.earned)}/{_num(r.points)}): "
                             + ("passed" if r.passed else f"{r.status} — {_md(r.detail)}"))
            for w in rep.warnings:
                lines.append(f"- note: {_md(w)}")
            lines.append("")
        for r in rows or []:
            if r["learner"] == learner and r["status"] == "not graded" and not r["question"]:
                lines += [f"## {_md(r['exercise'])}: not graded", "", f"- {_md(r['detail'])}", ""]
        lines.insert(2, f"Total: {_num(got)}/{_num(tot)} points\n")
        path = folder / f"{learner}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        written.append(path)
    return written


def _num(x):
    return int(x) if float(x).is_integer() else round(float(x), 3)
