"""Command line: ``python -m autograder <command>`` (run from the repository root).

    generate [CHAPTER ...] [--check]   course/ from solutions/ (authors); --check only compares
    setup [--students CSV]             gradebook with every chapter (and the class list)
    workspace DIR                      copy new chapters of course/ into a student's DIR
    check NOTEBOOK [--json]            grade one notebook like the instructor would (self-learners);
                                       exit status 0 only at full marks
    collect CHAPTER FOLDER_OR_ZIP      take in an LMS export (one notebook per student id)
    autograde CHAPTER [--student ID] [--workers N]
                                       grade submissions in grading/submitted (instructors)
    feedback CHAPTER                   HTML feedback without hidden tests -> grading/feedback
    export [--to FILE]                 grades as CSV (default grading/exports/grades.csv)

Grading commands import nbgrader (seconds); `workspace` and `generate` start without it.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from autograder import intake, paths, release
from autograder.nbgrader_run import run_nbgrader


def _print_result(r, out=sys.stdout) -> None:
    """What `check` prints for a GradeResult (autograder/results.py)."""
    print(f"\n{r.assignment} for {r.student}: graded with the visible and the hidden tests "
          f"({r.seconds:.1f} s)", file=out)
    if r.error:
        print(f"  NOT GRADED: {r.error}", file=out)
        return
    if r.note:
        print(f"  note: {r.note}", file=out)
    if r.cell_errors:
        print("  these cells failed when the grader ran your notebook (the tests that need what "
              "they define fail):", file=out)
        for message in r.cell_errors:
            print(f"    {message}", file=out)
    width = max([len(c.grade_id) for c in r.cells] + [5])
    for c in r.cells:
        if c.bonus:                                    # extra credit: not earning it costs nothing
            mark = "ok  " if c.score >= c.bonus else "--  "
            points = f"+{c.score:g} of {c.bonus:g} bonus"
        else:
            mark = "ok  " if c.score == c.max_score else "FAIL"
            points = f"{c.score:g} / {c.max_score:g}"
        print(f"  {mark} {c.grade_id:<{width}}  {points}", file=out)
        if c.message:
            for line in c.message.splitlines():
                print(f"         {line}", file=out)
    print(f"  {'':4} {'total':<{width}}  {_total(r)}", file=out)


def _total(r) -> str:
    """"16 / 16", with the bonus beside it when the chapter has one: "16 / 16 (+3 of 3 bonus)"."""
    text = f"{r.score:g} / {r.max_score:g}"
    return text + (f" (+{r.bonus:g} of {r.bonus_max:g} bonus)" if r.bonus_max or r.bonus else "")


def _summary_table(results: list) -> str:
    lines = [f"\n{'student':<16} {'score':>7} {'max':>5} {'bonus':>6} {'seconds':>8}  notes"]
    for r in results:
        note = (r.error.splitlines()[0] if r.error else r.note)[:60]
        bonus = f"+{r.bonus:g}" if r.bonus_max or r.bonus else ""
        lines.append(f"{r.student:<16} {r.score:>7g} {r.max_score:>5g} {bonus:>6} "
                     f"{r.seconds:>8.1f}  {note}")
    graded = [r for r in results if not r.error]
    full = sum(1 for r in graded if r.full_marks)
    lines.append(f"{len(results)} submissions: {len(graded)} graded ({full} with full marks), "
                 f"{len(results) - len(graded)} could not be graded")
    if any(r.bonus_max or r.bonus for r in results):
        lines.append("bonus: extra credit beyond the maximum; nbgrader's gradebook, formgrader and "
                     "export count it in the score (score + bonus)")
    return "\n".join(lines)


def _add_bonus_column(csv_path: Path, bonus: dict) -> None:
    """Add a ``bonus`` column to nbgrader's export: the extra credit (bonus exercises) that its
    ``score`` includes beyond ``max_score``."""
    import csv

    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return
    fields = list(rows[0]) + ["bonus"]
    for row in rows:
        row["bonus"] = f"{bonus.get((row['assignment'], row['student_id']), 0.0):g}"
    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(paths.REPO),
                        help="course root with nbgrader_config.py (default: this repository; "
                             "setup/collect/autograde/feedback/export)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("generate", help="regenerate course/ from solutions/")
    p.add_argument("chapters", nargs="*")
    p.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    p = sub.add_parser("setup", help="create/update the gradebook (chapters, students)")
    p.add_argument("--students", help="CSV with columns id,first_name,last_name,email")
    p = sub.add_parser("workspace", help="copy new chapters into a student's work folder")
    p.add_argument("dir")
    p = sub.add_parser("check", help="grade one notebook like the instructor would (exit status "
                                     "0 at full marks, 1 otherwise)")
    p.add_argument("notebook")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p = sub.add_parser("collect", help="take in an LMS export of notebooks named by student id")
    p.add_argument("chapter")
    p.add_argument("source", help="a folder or a .zip of <student-id>[_...].ipynb files")
    p = sub.add_parser("autograde", help=f"grade submissions in {paths.SUBMITTED}")
    p.add_argument("chapter")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--workers", type=int, default=max(1, min(os.cpu_count() or 1, 8)),
                   help="submissions graded at once (default: one per CPU core, at most 8: "
                        "each runs its own TensorFlow kernels)")
    p = sub.add_parser("feedback", help="generate HTML feedback (no hidden tests)")
    p.add_argument("chapter")
    p = sub.add_parser("export", help="export grades to CSV")
    p.add_argument("--to", default=f"{paths.EXPORTS}/grades.csv")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        parser.error(f"{root} is not a course root (it has no nbgrader_config.py)")

    if args.command == "generate":
        chapters = args.chapters or paths.assignments()
        unknown = sorted(set(chapters) - set(paths.assignments()))
        if unknown:
            parser.error(f"unknown chapter(s) {unknown}; chapters: {paths.assignments()}")
        diff = release.generate_course(chapters, check_only=args.check)
        if args.check:
            if diff:
                print("course/ is not what nbgrader generates from solutions/ "
                      "(run `make generate` and commit):\n  " + "\n  ".join(diff))
                return 1
            print("course/ is up to date with solutions/")
        else:
            print("regenerated: " + ", ".join(f"course/{c}" for c in chapters))
        return 0

    if args.command == "setup":
        from autograder import gradebook

        db_url = gradebook.url(root)
        gradebook.sync(db_url)
        print(f"gradebook {db_url}: chapters {', '.join(paths.assignments())}")
        if args.students:
            run_nbgrader(["db", "student", "import", str(Path(args.students).resolve())], root)
            print(f"students imported from {args.students}")
        return 0

    if args.command == "workspace":
        copied = release.prepare_workspace(Path(args.dir))
        print(f"{args.dir}/: " + (f"new chapters copied: {', '.join(copied)}" if copied
                                  else "up to date (your work is never overwritten)"))
        return 0

    if args.command == "check":
        from autograder.selfcheck import check_notebook

        try:
            result = check_notebook(Path(args.notebook))
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps({**result.as_dict(), "full_marks": result.full_marks}, indent=2))
        else:
            _print_result(result)
        # scripts and `make check` can tell a finished chapter from one that is not
        return 0 if result.full_marks else 1

    if args.command == "autograde":
        from autograder import gradebook
        from autograder.pipeline import grade_many

        students = args.student or paths.CoursePaths(root).students(args.chapter)
        if not students:
            print(f"no submissions for {args.chapter} in {root / paths.SUBMITTED}",
                  file=sys.stderr)
            return 1
        db_url = gradebook.url(root)
        if not gradebook.has_chapter(db_url, args.chapter):
            gradebook.sync(db_url, [args.chapter])
        backup = gradebook.backup(root)
        if backup:
            print(f"gradebook backed up to {backup.relative_to(root)}")
        workers = max(1, min(args.workers, len(students)))
        print(f"grading {len(students)} submissions of {args.chapter} with {workers} worker(s)",
              flush=True)
        done = []

        def progress(r):
            done.append(r)
            status = r.error.splitlines()[0] if r.error else f"{r.score:g} / {r.max_score:g}"
            bar = "#" * (20 * len(done) // len(students))
            print(f"[{bar:<20}] {len(done)}/{len(students)} {r.student}: {status} "
                  f"({r.seconds:.1f} s)", flush=True)

        before = gradebook.class_records(db_url)
        results = grade_many(root, args.chapter, students, workers=workers, on_result=progress)
        print(_summary_table(results))
        changed = gradebook.records_changed(before, gradebook.class_records(db_url),
                                            set(students))
        if changed:
            print("\nWARNING: the gradebook records of students who were NOT graded in this run "
                  "changed during it (a submission may have written to the gradebook):\n  "
                  + "\n  ".join(changed)
                  + (f"\nThe gradebook as it was before the run: {backup.relative_to(root)}"
                     if backup else ""), file=sys.stderr)
            return 3
        return 0 if all(not r.error for r in results) else 1

    if args.command == "collect":
        try:
            found = intake.import_submissions(root, args.chapter, Path(args.source))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{len(found)} submissions for {args.chapter}: {', '.join(sorted(found)) or 'none'}")
        return 0 if found else 1

    if args.command == "feedback":
        run_nbgrader(["generate_feedback", args.chapter, "--force"], root)
        print(f"feedback written to {paths.FEEDBACK}/<student>/{args.chapter}/")
        return 0

    if args.command == "export":
        target = (root / args.to).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        from autograder import gradebook

        run_nbgrader(["export", "--to", str(target)], root)
        _add_bonus_column(target, gradebook.bonus_records(gradebook.url(root)))
        print(f"grades written to {target} (score includes the bonus column's extra credit; "
              f"max_score does not)")
        return 0
    return 2
