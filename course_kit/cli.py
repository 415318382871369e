"""``course-kit``: the command line of the course.

    course-kit sections                 the course map: which sections, notebooks and exercises exist
    course-kit start NN [--learner ID]  copy exercise NN into work/ (never overwrites your copy);
                                        with --learner, the exercise gets your own numbers
    course-kit grade PATH               grade your notebook (read-only, sandboxed; per-question table and score)
    course-kit gradebook FOLDER         grade every submission in a folder into a CSV + feedback (instructors)
    course-kit release OUT [--roster F] the learner bundle for a graded workshop (no answer key) (instructors)
    course-kit present NN               section NN's widgets as a Voila dashboard on 127.0.0.1 (instructors)
    course-kit build-exercises [--check]  regenerate exercises/ from solutions/ (maintainers)
    course-kit clean [PATH ...]         strip outputs and widget state from notebooks (maintainers)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from course_kit import paths

__all__ = ["clean_notebook", "main", "start"]


def _exercise_for(section: str) -> Path:
    from course_kit.course_map import find_section

    try:
        path = paths.exercises_dir() / f"{find_section(section).notebook}.ipynb"
    except ValueError:
        path = None
    if path is None or not path.is_file():
        known = ", ".join(p.stem for p in sorted(paths.exercises_dir().glob("*.ipynb"))) or "none yet"
        raise ValueError(f"section must name an exercise (available: {known}); got {section!r}")
    return path


def start(section: str, learner: str | None = None) -> tuple[Path, bool]:
    """Copy exercise ``section`` into ``work/``. Returns (path, created). An existing copy is kept.

    With ``learner``, the exercise's variant parameters are drawn from the learner id, injected after
    its ``parameters`` cell (papermill) and recorded in the notebook's metadata, so the grader checks
    the learner against their own numbers. Exercises without variants record the id only.
    """
    from course_kit.course.variants import safe_id

    src = _exercise_for(section)
    learner = safe_id(learner) if learner is not None else None
    dest = paths.work_dir() / src.name
    if dest.exists():
        return dest, False
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part.ipynb")
    if learner is None:
        shutil.copyfile(src, tmp)
    else:
        _write_variant(src, tmp, learner)
    tmp.replace(dest)
    return dest, True


def _write_variant(src: Path, dest: Path, learner: str) -> None:
    import nbformat

    from course_kit.course import variants
    from course_kit.course.exercise_build import inject_parameters

    nb = nbformat.read(src, as_version=4)
    meta = nb.metadata.get("course_kit") or {}
    values = variants.draw(meta.get("variants") or {}, src.stem, learner)
    nbformat.write(inject_parameters(nb, values, learner), dest)


def clean_notebook(path: Path) -> bool:
    """Remove outputs, execution counts and widget state; True when the file changed."""
    import nbformat

    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    for key in ("widgets", "papermill"):
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    after = nbformat.writes(nb) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
        return True
    return False


def _cmd_sections(_args) -> int:
    from course_kit.course_map import course_map

    for row in course_map():
        status = "ready" if row.notebook_exists else "not written yet"
        ex = f"exercise {row.exercise}" if row.exercise_exists else "no exercise"
        print(f"{row.number:>2}  {row.title:<48} {status:<16} {ex}")
    return 0


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is below it, else absolute."""
    path = path.resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _cmd_start(args) -> int:
    dest, created = start(args.section, learner=args.learner)
    rel = _shown(dest)
    if created:
        print(f"Your copy: {rel}\nOpen it in JupyterLab, fill in the answers, then run: course-kit grade {rel}")
        if args.learner:
            import nbformat

            variant = nbformat.read(dest, as_version=4).metadata["course_kit"]["variant"]
            values = variant["parameters"]
            print(f"Your numbers (learner {variant['learner']}): " + (
                ", ".join(f"{k} = {v}" for k, v in values.items()) or "this exercise has no variants"))
    else:
        print(f"{rel} already exists and was left as it is (your work is never overwritten).\n"
              f"To start over, rename or delete it, then run this command again.")
    return 0


def _cmd_grade(args) -> int:
    from course_kit.course import sandbox
    from course_kit.course.grading import grade

    if sandbox.mode() == "none":
        print(sandbox.FALLBACK_WARNING, file=sys.stderr)
    from course_kit.course.variants import safe_id

    learner = safe_id(args.learner) if args.learner else None
    report = grade(args.path, timeout_s=args.timeout, wall_s=args.wall, learner=learner)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.table())
    return 0 if report.all_passed else 1


def _cmd_gradebook(args) -> int:
    import time

    from course_kit.course import gradebook, sandbox

    if sandbox.mode() == "none":
        print(sandbox.FALLBACK_WARNING, file=sys.stderr)
    t0 = time.perf_counter()
    out = Path(args.out)
    feedback = Path(args.feedback) if args.feedback else out.with_name(out.stem + "_feedback")
    rows = gradebook.grade_folder(args.folder, jobs=args.jobs, timeout_s=args.timeout, wall_s=args.wall,
                                  progress=not args.quiet, out=out, feedback_dir=feedback)
    summary = gradebook.summarise(rows)
    summary_path = out.with_name(out.stem + "_summary.csv")
    gradebook.write_csv(summary, summary_path)
    totals_path = out.with_name(out.stem + "_totals.csv")
    gradebook.write_csv([{"learner": k, "points": gradebook._num(p), "max_points": gradebook._num(m)}
                         for k, (p, m) in sorted(gradebook.totals(rows).items())], totals_path,
                        ["learner", "points", "max_points"])
    n = len({r["submission"] for r in rows})
    print(f"graded {n} submissions in {time.perf_counter() - t0:.1f} s -> {out.resolve()} (per question), "
          f"{totals_path.name} (per learner), {summary_path.name} (per question over all learners) and "
          f"feedback in {feedback.resolve()}")
    for s in summary:
        print(f"  {s['exercise']:<22} {s['question'] or '-':<4} passed {s['passed']:>3}/{s['submissions']:<3} "
              f"({s['pass_rate']:.0%})  {('most common: ' + s['most_common_failure']) if s['most_common_failure'] else ''}")
    return 0


def _cmd_release(args) -> int:
    from course_kit.course.release import release

    out = release(args.out, roster=args.roster)
    print(f"wrote the learner release to {out.resolve()} (see its README.md)")
    return 0


def _cmd_present(args) -> int:
    from course_kit.present import present

    return present(args.section, port=args.port, open_browser=args.open)


def _cmd_build(args) -> int:
    from course_kit.course.exercise_build import build_all

    changed = build_all(check_only=args.check)
    root = paths.repo_root()
    for p in changed:
        print(("out of date: " if args.check else "wrote ") + str(p.relative_to(root)))
    if args.check and changed:
        print("exercises/ is out of date: run `course-kit build-exercises`", file=sys.stderr)
        return 1
    if not changed:
        print("exercises/ is up to date")
    return 0


def _cmd_clean(args) -> int:
    targets = [Path(p) for p in args.paths] or [
        *sorted(paths.notebooks_dir().glob("*.ipynb")), *sorted(paths.solutions_dir().glob("*.ipynb"))]
    for p in targets:
        if clean_notebook(p):
            print(f"cleaned {p}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course-kit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sections", help="list the course's sections").set_defaults(func=_cmd_sections)
    p = sub.add_parser("start", help="copy an exercise into work/ (never overwrites)")
    p.add_argument("section", help="section number, e.g. 01")
    p.add_argument("--learner", help="your learner id: your exercise gets its own numbers")
    p.set_defaults(func=_cmd_start)
    p = sub.add_parser("grade", help="grade a notebook (never writes to it)")
    p.add_argument("path")
    p.add_argument("--timeout", type=float, default=60.0, help="time limit per cell in seconds (60)")
    p.add_argument("--wall", type=float, default=120.0, help="time limit for the whole notebook in seconds (120)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--learner", help="grade as this learner (default: the id recorded by start --learner)")
    p.set_defaults(func=_cmd_grade)
    p = sub.add_parser("gradebook", help="grade every submission in a folder into a CSV")
    p.add_argument("folder", help="FOLDER/<learner>/NN_name.ipynb or FOLDER/<learner>__NN_name.ipynb")
    p.add_argument("--out", default="gradebook.csv", help="CSV to write (default gradebook.csv); a "
                   "per-question summary goes beside it as *_summary.csv")
    p.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: cores)")
    p.add_argument("--timeout", type=float, default=60.0, help="time limit per cell in seconds (60)")
    p.add_argument("--wall", type=float, default=120.0, help="time limit per submission in seconds (120)")
    p.add_argument("--feedback", help="folder for one feedback file per learner (default: beside the CSV)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_gradebook)
    p = sub.add_parser("release", help="build the learner-facing bundle of a graded workshop")
    p.add_argument("out", help="folder to write (created; must not exist or be empty)")
    p.add_argument("--roster", help="text file with one learner name per line: per-learner numbers")
    p.set_defaults(func=_cmd_release)
    p = sub.add_parser("present", help="serve a section's widgets as a Voila dashboard (workshop mode)")
    p.add_argument("section", help="section number, e.g. 05")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    p.add_argument("--open", action="store_true", help="open a browser")
    p.set_defaults(func=_cmd_present)
    p = sub.add_parser("build-exercises", help="generate exercises/ from solutions/")
    p.add_argument("--check", action="store_true", help="only report whether exercises/ is up to date")
    p.set_defaults(func=_cmd_build)
    p = sub.add_parser("clean", help="strip outputs and widget state from notebooks")
    p.add_argument("paths", nargs="*")
    p.set_defaults(func=_cmd_clean)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"course-kit: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
