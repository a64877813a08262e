"""Command line: ``python -m autograder <command>`` (run from the repository root).

    generate [CHAPTER ...] [--check]   course/ from solutions/ (authors), then the Chinese edition
                                       course/zh_CN/ and the compiled catalogues; --check compares
    translations update|check|compile [DOMAIN ...]
                                       the Chinese catalogues, translations/zh_CN/*.po
    setup [--students CSV]             gradebook with every chapter (and the class list)
    workspace DIR [--language zh_CN]   copy new chapters of course/ (or course/zh_CN/) into a
                                       student's DIR
    check NOTEBOOK [--json]            grade one notebook like the instructor would (self-learners);
                                       exit status 0 only at full marks
    collect CHAPTER FOLDER_OR_ZIP [--submitted-at T | --times CSV] [--allow-new-students]
                                       take in an LMS export (Canvas, Moodle or <id>.ipynb files)
    collect CHAPTER --exchange         take in what students submitted to nbgrader's exchange
                                       (a JupyterHub class); a submission made by another
                                       account than the student it names is refused
    autograde CHAPTER [--student ID] [--workers N]
                                       grade submissions in grading/submitted (instructors);
                                       a log of each run in grading/logs/
    feedback CHAPTER                   HTML feedback without hidden tests -> grading/feedback
                                       (what is missing or stale; lists whom it skipped), and
                                       released through nbgrader's exchange when the course uses one
    export [--chapter CH] [--format gradebook|canvas|nbgrader] [--to FILE]
                                       grades as CSV, one row per student (grading/exports/)
    report CHAPTER | --all [--to DIR]  what the class got wrong: diagnosed mistakes per exercise,
                                       HTML with plots and CSV (grading/reports/; names students)

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


def _print_result(r, out=None, lang=None) -> None:
    """What `check` prints for a GradeResult, in the notebook's language (autograder/selfcheck.py)."""
    from autograder import selfcheck

    selfcheck.print_result(r, out, lang=lang)


def _total(r) -> str:
    """"16 / 16", with the bonus beside it when the chapter has one: "16 / 16 (+3 of 3 bonus)"."""
    text = f"{r.score:g} / {r.max_score:g}"
    return text + (f" (+{r.bonus:g} of {r.bonus_max:g} bonus)" if r.bonus_max or r.bonus else "")


def _summary_table(results: list, late_rule: str = "") -> str:
    """autograde's summary: one line per submission (score, max, bonus, late penalty, status,
    seconds, notes: the cause of an ungradable one, a manual override, how it was graded)."""
    from autograder.results import cause, status

    lines = [f"\n{'student':<16} {'score':>7} {'max':>5} {'bonus':>6} {'late':>6} "
             f"{'status':<10} {'seconds':>8}  notes"]
    for r in results:
        notes = [cause(r.error)] if r.error else []
        if r.late_seconds > 0:
            notes.append(f"late by {intake.duration(r.late_seconds)}, -{r.penalty:g} points")
        if r.manual:
            notes.append(r.manual + " (the gradebook's score uses it)")
        if r.note:
            notes.append(r.note)
        bonus = f"+{r.bonus:g}" if r.bonus_max or r.bonus else ""
        penalty = f"-{r.penalty:g}" if r.penalty else ""
        score = "" if r.error else f"{r.score:g}"
        lines.append(f"{r.student:<16} {score:>7} {r.max_score:>5g} {bonus:>6} {penalty:>6} "
                     f"{status(r):<10} {r.seconds:>8.1f}  {'; '.join(notes)[:160]}")
    graded = [r for r in results if not r.error]
    full = sum(1 for r in graded if r.full_marks)
    lines.append(f"{len(results)} submissions: {len(graded)} graded ({full} with full marks), "
                 f"{len(results) - len(graded)} could not be graded")
    late = [r for r in graded if r.late_seconds > 0]
    if late:
        lines.append(f"{len(late)} late: {', '.join(r.student for r in late)}"
                     + (f" ({late_rule}; score shown before the penalty)" if late_rule else ""))
    if any(r.manual for r in results):
        lines.append("manual override: a score entered in the formgrader replaces the automatic "
                     "one in the gradebook and the export")
    if any(r.bonus_max or r.bonus for r in results):
        lines.append("bonus: extra credit beyond the maximum; nbgrader's gradebook, formgrader and "
                     "export count it in the score (score + bonus)")
    return "\n".join(lines)


def _write_run_log(root: Path, chapter: str, results: list) -> Path:
    """grading/logs/autograde-<chapter>-<time>-<pid>.csv: each student's status in this run
    (results.run_statuses reads it back)."""
    from autograder.results import cause, status

    return intake.write_log(
        root, "autograde", chapter,
        ["student", "status", "score", "max_score", "bonus", "late_seconds", "late_by", "penalty",
         "cause", "manual_override", "seconds"],
        [[r.student, status(r), "" if r.error else f"{r.score:g}", f"{r.max_score:g}",
          f"{r.bonus:g}", f"{r.late_seconds:g}",
          intake.duration(r.late_seconds) if r.late_seconds > 0 else "", f"{r.penalty:g}",
          cause(r.error) if r.error else "", r.manual, f"{r.seconds:.1f}"] for r in results])


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
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["translations"]:
        from autograder import translations

        return translations.main(argv[1:])
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
    p.add_argument("--students", help="class list CSV: columns id (required), first_name, "
                                     "last_name, email, lms_user_id (the LMS's user id)")
    p = sub.add_parser("workspace", help="copy new chapters into a student's work folder")
    p.add_argument("dir")
    p.add_argument("--language", default="en", help="en (default) or zh_CN, the Chinese edition")
    sub.add_parser("translations", help="the Chinese catalogues: update | check | compile [DOMAIN ...]")
    p = sub.add_parser("check", help="grade one notebook like the instructor would (exit status "
                                     "0 at full marks, 1 otherwise)")
    p.add_argument("notebook")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p = sub.add_parser("collect", help="take in an LMS export (Canvas, Moodle, or notebooks "
                                       "named by student id); prints what it took and why not")
    p.add_argument("chapter")
    p.add_argument("source", nargs="?", help="a folder or a .zip: Canvas <name>_[LATE_]<lms id>_<sub id>_"
                                  "<file>.ipynb, Moodle <Full Name>_<lms id>_assignsubmission_"
                                  "file_/<file>.ipynb, or <student-id>[_...].ipynb; the lms id "
                                  "is the class list's lms_user_id column")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--submitted-at", help="one submission time for every file, e.g. "
                                             "'2026-12-07 18:00 UTC' (default: the zip entry's "
                                             "time, or the file's modification time)")
    when.add_argument("--times", help="a submissions CSV with a submitted_at column and a file, "
                                      "id or lms_user_id column (the LMS's submission times)")
    p.add_argument("--time-column", default="submitted_at",
                   help="the time column of --times (default submitted_at)")
    p.add_argument("--allow-new-students", action="store_true",
                   help="take files of ids that are not in the class list (default: refuse)")
    p.add_argument("--exchange", action="store_true",
                   help="collect from nbgrader's exchange (Exchange.root, the course_id) instead "
                        "of an LMS export; each submission's files must belong to the student "
                        "it names")
    p = sub.add_parser("autograde", help=f"grade submissions in {paths.SUBMITTED}")
    p.add_argument("chapter")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--workers", type=int, default=max(1, min(os.cpu_count() or 1, 8)),
                   help="submissions graded at once (default: one per CPU core, at most 8: "
                        "each runs its own TensorFlow kernels)")
    p = sub.add_parser("feedback", help="generate HTML feedback (no hidden tests)")
    p.add_argument("chapter")
    p = sub.add_parser("export", help="export grades to CSV, one row per student")
    p.add_argument("--chapter", action="append",
                   help="only this chapter (repeatable; default: every chapter)")
    p.add_argument("--format", choices=("gradebook", "canvas", "nbgrader"), default="gradebook",
                   help="gradebook: one row per student with lms_user_id, score, max, status "
                        "per chapter (default); canvas: Canvas's gradebook import CSV; "
                        "nbgrader: nbgrader's own export, one row per (student, chapter), "
                        "with a bonus column")
    p.add_argument("--to", help=f"the CSV file (default {paths.EXPORTS}/grades[-CHAPTER]"
                                f"[-canvas].csv)")
    p = sub.add_parser("report", help="misconception report: the mistakes the class made, per "
                                      "exercise (HTML + CSV; for the instructor only)")
    p.add_argument("chapter", nargs="*")
    p.add_argument("--all", action="store_true", help="every chapter with records, one page")
    p.add_argument("--to", help=f"folder for the HTML and CSV (default {paths.DATA}/reports)")
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
        from autograder import translations

        for domain in chapters + [translations.SHARED]:
            if args.check:
                diff += translations.compiled_differs(domain)
            else:
                translations.compile_catalogue(domain)
        for chapter in chapters:
            diff += translations.generate_edition(chapter, check_only=args.check)
        diff += translations.generate_glossary(check_only=args.check)
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
        from autograder import late

        for chapter, due in late.sync_due_dates(root, db_url).items():
            print(f"{chapter} due {due:%Y-%m-%d %H:%M} UTC")
        print(late.settings(root).describe())
        return 0

    if args.command == "workspace":
        from convlab.i18n import _, normalize, speaking

        language = normalize(args.language) or "en"
        copied = release.prepare_workspace(Path(args.dir), language=language)
        with speaking(language):         # a student reads this when `make lab` starts
            print(f"{args.dir}/: " + (_("new chapters copied: {chapters}").format(
                chapters=", ".join(copied)) if copied
                else _("up to date (your work is never overwritten)")))
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
            from autograder.selfcheck import language_of

            _print_result(result, lang=language_of(Path(args.notebook)))
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
        from autograder import late, results as res

        due = late.sync_due_dates(root, db_url, [args.chapter]).get(args.chapter)
        penalty_rule = late.settings(root)
        chapter_max = res.chapter_max(db_url, args.chapter)
        backup = gradebook.backup(root)
        if backup:
            print(f"gradebook backed up to {backup.relative_to(root)}")
        workers = max(1, min(args.workers, len(students)))
        print(f"grading {len(students)} submissions of {args.chapter} with {workers} worker(s)"
              + (f"; due {due:%Y-%m-%d %H:%M} UTC, {penalty_rule.describe()}" if due else ""),
              flush=True)
        from autograder import hidden
        print(hidden.status_line(), flush=True)      # public seeds, or the course secret's
        done = []

        def progress(r):
            done.append(r)
            if r.error:                       # its cause, with the points it could have earned
                status = (f"{res.status(r)}: {res.cause(r.error)} "
                          f"(0 / {r.max_score or chapter_max:g})")
            else:
                status = f"{r.score:g} / {r.max_score:g}"
            bar = "#" * (20 * len(done) // len(students))
            print(f"[{bar:<20}] {len(done)}/{len(students)} {r.student}: {status} "
                  f"({r.seconds:.1f} s)", flush=True)

        before = gradebook.class_records(db_url)
        results = grade_many(root, args.chapter, students, workers=workers, on_result=progress)
        for r in results:
            r.max_score = r.max_score or chapter_max
            if not r.error:
                r.late_seconds, r.penalty = late.apply(db_url, args.chapter, r.student,
                                                       penalty_rule)
                r.manual = res.manual_overrides(db_url, args.chapter, r.student)
        print(_summary_table(results, penalty_rule.describe()))
        log = _write_run_log(root, args.chapter, results)
        print(f"run log: {log.relative_to(root)} (nbgrader's output per student: "
              f"{paths.LOGS}/<student>/{args.chapter}.log)")
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
        options = {"allow_new_students": args.allow_new_students}
        if bool(args.source) == args.exchange:
            parser.error("collect: give an LMS export (folder or .zip) or --exchange")
        if args.exchange and (args.submitted_at or args.times):
            parser.error("collect --exchange: the submission times come from the exchange")
        try:
            if args.exchange:
                from autograder import exchange

                report = exchange.collect(root, args.chapter, **options)
                print(report.table())
                return 0 if report.taken else 1
            if args.submitted_at:
                options["submitted_at"] = intake.parse_time(args.submitted_at)
            if args.times:
                options["times"] = intake.read_times(Path(args.times), args.time_column)
            report = intake.collect(root, args.chapter, Path(args.source), **options)
        except (ValueError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(report.table())
        return 0 if report.taken else 1

    if args.command == "feedback":
        from autograder import results as res

        made, skipped = res.refresh_feedback(root, args.chapter)
        for student, why in skipped:
            print(f"skipped {student}: {why}")
        print(f"feedback for {len(made)} student(s) written to {paths.FEEDBACK}/<student>/"
              f"{args.chapter}/" + (f": {', '.join(made)}" if made else " (all up to date)")
              + (f"; {len(skipped)} skipped" if skipped else ""))
        from autograder import exchange

        if exchange.course_folder(root) is not None:
            released, not_released = exchange.release_feedback(root, args.chapter)
            for student, why in not_released:
                print(f"not released {student}: {why}")
            print(f"feedback released through nbgrader's exchange for {len(released)} "
                  f"student(s)" + (f": {', '.join(released)}" if released else "")
                  + " (students fetch it in the Assignment List)")
        return 0

    if args.command == "export":
        from autograder import gradebook, results as res

        chapters = args.chapter or paths.assignments(root)
        unknown = sorted(set(chapters) - set(paths.assignments(root)))
        if unknown:
            parser.error(f"unknown chapter(s) {unknown}; chapters: {paths.assignments(root)}")
        name = "grades" + (f"-{chapters[0]}" if len(chapters) == 1 else "") + \
            ("" if args.format != "canvas" else "-canvas") + ".csv"
        target = (root / (args.to or f"{paths.EXPORTS}/{name}")).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        if args.format == "nbgrader":
            run_nbgrader(["export", "--to", str(target)], root)
            _add_bonus_column(target, gradebook.bonus_records(gradebook.url(root)))
            print(f"grades written to {target} (score includes the bonus column's extra credit; "
                  f"max_score does not)")
            return 0
        rows = res.class_grades(root, chapters)
        res.write_export(target, rows, chapters, canvas=args.format == "canvas")
        counts = {}
        for row in rows:
            for ch in chapters:
                counts[row[ch]["status"]] = counts.get(row[ch]["status"], 0) + 1
        print(f"grades of {len(rows)} students for {', '.join(chapters)} written to {target} "
              f"({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}; blank where "
              f"nothing was graded)")
        return 0

    if args.command == "report":
        from autograder import report as misconception_report

        if bool(args.chapter) == args.all:
            parser.error("report: name chapter(s) or give --all")
        unknown = sorted(set(args.chapter) - set(paths.assignments(root)))
        if unknown:
            parser.error(f"unknown chapter(s) {unknown}; chapters: {paths.assignments(root)}")
        return misconception_report.command(root, args.chapter or None, args.to)
    return 2
