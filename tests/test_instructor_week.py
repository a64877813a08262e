"""An instructor's week with a real LMS (issue 22): a class of 8 for chapter 1, exported from Canvas
as a zip, through collect, autograde (2 workers), a manual grade, a regrade, feedback and export.

The export holds on-time and late files (the zip's entry times are the LMS's submission times),
two files of one student (the later one's name sorts first), an id that is not in the class list,
a file name with spaces, a corrupt notebook, a syntax error, another chapter's notebook and files
that are no notebooks. collect's table, the run log, the export and the feedback listing are
checked against what was put in; scores against a one-at-a-time grading (tests/nbharness.py).
"""
import csv
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

import nbharness as h
from attacks_01_filter_sliding import CH, honest_notebook
from autograder import gradebook, intake, late, nbgrader_run, paths, results
from mutants_01_filter_sliding import MUTANTS

FLIPPED = "single: kernel flipped (mathematical convolution)"
SYNTAX_ERROR = "def conv_param_count(kernel_size, in_channels, out_channels:\n    return 0\n"
DUE = dt.datetime(2026, 12, 7, 18, 0)
PERCENT_PER_DAY = 10.0

CLASS = [  # id, first, last, email, Canvas user id
    ("ada", "Ada", "Lovelace", "ada@uni.example", "1001"),
    ("alan", "Alan", "Turing", "alan@uni.example", "1002"),
    ("grace", "Grace", "Hopper", "grace@uni.example", "1003"),
    ("jane", "Jane", "Doe", "jane@uni.example", "1004"),
    ("edsger", "Edsger", "Dijkstra", "edsger@uni.example", "1005"),
    ("barbara", "Barbara", "Liskov", "barbara@uni.example", "1006"),
    ("don", "Don", "Knuth", "don@uni.example", "1007"),
    ("ken", "Ken", "Thompson", "ken@uni.example", "1008"),
]


def with_solution(nb, grade_id, source):
    for cell in nb.cells:
        if h.meta(cell).get("grade_id") == grade_id:
            cell.source = source
    return nb


def mutant(name):
    nb = honest_notebook()
    for gid, src in MUTANTS[name].items():
        with_solution(nb, gid, src)
    return nb


def text(nb):
    return nbformat.writes(nb)


def at(day, hour, minute=0):
    return dt.datetime(2026, 12, day, hour, minute)


# What the LMS export holds: file name -> (contents, submission time in the zip)
EXPORT = {
    "lovelaceada_1001_5001_01_filter_sliding.ipynb": ("honest", at(6, 10)),
    "turingalan_LATE_1002_5002_01_filter_sliding.ipynb": ("honest", at(9, 6)),   # 1.5 d late
    # two files of grace: the later (honest) one's name sorts first
    "hoppergrace_1003_5003_01_filter_sliding-1.ipynb": ("honest", at(7, 12)),
    "hoppergrace_1003_5003_01_filter_sliding.ipynb": ("flipped", at(5, 9)),
    "doejane_1004_5004_My notebook (final).ipynb": ("honest", at(7, 17, 59)),
    "dijkstraedsger_1005_5005_01_filter_sliding.ipynb": ("corrupt", at(7, 11)),
    "liskovbarbara_1006_5006_01_filter_sliding.ipynb": ("syntax", at(6, 23)),
    "thompsonken_1008_5008_02_stride_padding.ipynb": ("chapter2", at(7, 8)),
    "mysterystudent_9999_5999_01_filter_sliding.ipynb": ("honest", at(7, 9)),
    "readme.txt": ("not a notebook", at(7, 9)),
    "__MACOSX/._lovelaceada_1001_5001_01_filter_sliding.ipynb": ("junk", at(6, 10)),
}


def contents(kind):
    if kind == "honest":
        return text(honest_notebook())
    if kind == "flipped":
        return text(mutant(FLIPPED))
    if kind == "syntax":
        return text(with_solution(honest_notebook(), "conv_param_count", SYNTAX_ERROR))
    if kind == "corrupt":                                      # a truncated upload
        whole = text(honest_notebook())
        return whole[: len(whole) // 2]
    if kind == "chapter2":
        return (paths.REPO / "course" / "02_stride_padding" / "02_stride_padding.ipynb").read_text()
    return kind


def cli(root, *args):
    return subprocess.run([sys.executable, "-m", "autograder", "--root", str(root), *args],
                          cwd=paths.REPO, capture_output=True, text=True, timeout=1800)


def table_rows(out):
    """collect's table: {file: (status, student, rest of the line)}."""
    found = {}
    for line in out.splitlines():
        for name in EXPORT:
            if line.startswith(name + " "):
                status = "unknown id" if line[len(name):].split()[:2] == ["unknown", "id"] \
                    else line[len(name):].split()[0]
                found[name] = (status, line)
    return found


# --- collect alone: no nbgrader grading (fast) ----------------------------------------------------
@pytest.fixture(scope="module")
def class_gradebook(tmp_path_factory):
    """A gradebook with chapter 1, its due date and the class list (made once: seconds)."""
    root = scratch(tmp_path_factory.mktemp("template"))
    students = root / "students.csv"
    with open(students, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "first_name", "last_name", "email", "lms_user_id"])
        w.writerows(CLASS)
    url = gradebook.url(root)
    gradebook.sync(url, [CH])
    nbgrader_run.run_nbgrader(["db", "student", "import", str(students)], root)
    assert late.sync_due_dates(root, url, [CH]) == {CH: DUE}
    return gradebook.sqlite_file(url)


def scratch(where):
    """A scratch course whose configuration sets chapter 1's due date and the late penalty."""
    root = paths.scratch_course(where / "course")
    with open(root / "nbgrader_config.py", "a") as f:
        f.write(f"c.LatePenalty.due_dates = {{{CH!r}: '{DUE:%Y-%m-%d %H:%M} UTC'}}\n"
                f"c.LatePenalty.penalty_method = 'percent_per_day'\n"
                f"c.LatePenalty.percent_per_day = {PERCENT_PER_DAY}\n"
                f"c.LatePenalty.zero_after_days = 7\n")
    return root


@pytest.fixture()
def course(class_gradebook, tmp_path):
    root = scratch(tmp_path)
    shutil.copyfile(class_gradebook, paths.CoursePaths(root).gradebook)
    return root


def make_zip(path, files):
    with zipfile.ZipFile(path, "w") as z:
        for name, (kind, when) in files.items():
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            z.writestr(info, contents(kind))
    return path


def test_collect_reads_canvas_names_times_duplicates_and_says_what_it_refused(course, tmp_path):
    root = course
    proc = cli(root, "collect", CH, str(make_zip(tmp_path / "canvas.zip", EXPORT)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = table_rows(proc.stdout)
    assert set(rows) == set(EXPORT), proc.stdout                # every file has its line
    expect = {
        "lovelaceada_1001_5001_01_filter_sliding.ipynb": ("taken", "ada"),
        "turingalan_LATE_1002_5002_01_filter_sliding.ipynb": ("taken", "alan"),
        "hoppergrace_1003_5003_01_filter_sliding-1.ipynb": ("taken", "grace"),
        "hoppergrace_1003_5003_01_filter_sliding.ipynb": ("archived", "grace"),
        "doejane_1004_5004_My notebook (final).ipynb": ("taken", "jane"),
        "dijkstraedsger_1005_5005_01_filter_sliding.ipynb": ("taken", "edsger"),
        "liskovbarbara_1006_5006_01_filter_sliding.ipynb": ("taken", "barbara"),
        "thompsonken_1008_5008_02_stride_padding.ipynb": ("refused", "ken"),
        "mysterystudent_9999_5999_01_filter_sliding.ipynb": ("unknown id", "9999"),
        "readme.txt": ("skipped", ""),
        "__MACOSX/._lovelaceada_1001_5001_01_filter_sliding.ipynb": ("skipped", ""),
    }
    for name, (status, student) in expect.items():
        assert rows[name][0] == status, rows[name][1]
        if student:
            assert f" {student} " in rows[name][1], rows[name][1]
    # why, in the table
    assert "a notebook of 02_stride_padding, not of 01_filter_sliding" in \
        rows["thompsonken_1008_5008_02_stride_padding.ipynb"][1]
    assert "NotJSONError" in rows["dijkstraedsger_1005_5005_01_filter_sliding.ipynb"][1]
    assert "late by 1 d 12 h" in rows["turingalan_LATE_1002_5002_01_filter_sliding.ipynb"][1]
    assert "late" not in rows["doejane_1004_5004_My notebook (final).ipynb"][1]
    assert "not a notebook file" in rows["readme.txt"][1]
    assert "unknown ids" in proc.stdout and "9999" in proc.stdout.splitlines()[-1]
    assert f"{CH}: 6 taken, 1 archived, 2 skipped, 1 refused, 1 unknown id" in proc.stdout

    # what nbgrader will see: the LMS's times, the later of grace's files, nobody unknown
    cp = paths.CoursePaths(root)
    assert cp.students(CH) == sorted(["ada", "alan", "grace", "jane", "edsger", "barbara"])
    for name, (kind, when) in EXPORT.items():
        if expect[name][0] == "taken":
            stamp = (cp.submitted(CH, expect[name][1]).parent / "timestamp.txt").read_text()
            assert intake.parse_time(stamp) == when, name
    assert cp.submitted(CH, "grace").read_text() == contents("honest")
    archived = list((root / "grading" / "archive" / CH / "grace").glob("*.ipynb"))
    assert len(archived) == 1 and archived[0].read_text() == contents("flipped")
    log = next(cp.logs.glob(f"collect-{CH}-*.csv"))
    with open(log, newline="") as f:
        assert {r["file"]: r["status"] for r in csv.DictReader(f)} == \
            {k: v[0] for k, v in expect.items()}

    # the unknown student only with --allow-new-students; an earlier file than the one taken
    # before is archived and the submission stays
    again = make_zip(tmp_path / "again.zip", {
        "mysterystudent_9999_5999_01_filter_sliding.ipynb": ("honest", at(7, 9)),
        "turingalan_1002_5000_01_filter_sliding.ipynb": ("flipped", at(6, 9))})
    proc = cli(root, "collect", CH, str(again), "--allow-new-students")
    rows = {line.split()[0]: line for line in proc.stdout.splitlines()[1:-1]}
    assert " taken " in rows["mysterystudent_9999_5999_01_filter_sliding.ipynb"]
    assert " archived " in rows["turingalan_1002_5000_01_filter_sliding.ipynb"]
    assert cp.submitted(CH, "alan").read_text() == contents("honest")
    assert "9999" in cp.students(CH)


def test_collect_moodle_folders_submission_csv_and_given_time(course, tmp_path):
    root = course
    cp = paths.CoursePaths(root)
    moodle = tmp_path / "moodle"
    for folder, kind in [("Ada Lovelace_1001_assignsubmission_file_", "honest"),
                         ("Grace Hopper_77_assignsubmission_file_", "honest"),
                         ("Who Ever_555_assignsubmission_file_", "honest")]:
        (moodle / folder).mkdir(parents=True)
        (moodle / folder / "my work.ipynb").write_text(contents(kind))
    times = tmp_path / "submissions.csv"
    times.write_text("lms_user_id,submitted_at\n1001,2026-12-07 19:30 UTC\n"
                     "77,2026-12-06T09:00:00+01:00\n")
    proc = cli(root, "collect", CH, str(moodle), "--times", str(times))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    ada = next(line for line in out.splitlines() if line.startswith("Ada Lovelace_"))
    grace = next(line for line in out.splitlines() if line.startswith("Grace Hopper_"))
    who = next(line for line in out.splitlines() if line.startswith("Who Ever_"))
    # ada by her LMS id, grace (an id the class list lacks) by her full name, the csv's times
    assert " taken " in ada and " ada " in ada and "late by 1 h 30 min" in ada, out
    assert " taken " in grace and " grace " in grace and "time from csv" in grace, out
    assert "unknown id" in who and "555" in who, out
    assert intake.parse_time((cp.submitted(CH, "grace").parent / "timestamp.txt").read_text()) \
        == dt.datetime(2026, 12, 6, 8, 0)

    # one time for all; a file without an id is matched by name when one student has it
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "Jane Doe_x.ipynb").write_text(contents("honest"))
    (plain / "Nobody Known_x.ipynb").write_text(contents("honest"))
    proc = cli(root, "collect", CH, str(plain), "--submitted-at", "2026-12-01 12:00")
    jane = next(line for line in proc.stdout.splitlines() if line.startswith("Jane Doe_x"))
    nobody = next(line for line in proc.stdout.splitlines() if line.startswith("Nobody Known"))
    assert " taken " in jane and " jane " in jane and "time from given" in jane
    assert " skipped " in nobody and "no student id in the file name" in nobody
    bad = cli(root, "collect", CH, str(plain), "--submitted-at", "next tuesday-ish")
    assert bad.returncode == 2 and "not a time" in bad.stderr


def test_late_penalty_rule():
    rule = late.LatePenalty(penalty_method="percent_per_day", percent_per_day=10,
                            zero_after_days=7)
    assert rule.penalty(11, 0) == 0 and rule.penalty(11, -5) == 0
    assert rule.penalty(11, 60) == pytest.approx(1.1)             # a started day counts
    assert rule.penalty(11, 1.5 * 86400) == pytest.approx(2.2)
    assert rule.penalty(11, 7.5 * 86400) == 11
    assert late.LatePenalty(penalty_method="zero").penalty(11, 1) == 11
    assert late.LatePenalty(penalty_method="none").penalty(11, 1e6) == 0
    assert results.cause("nbgrader could not grade this submission:\nTraceback (most recent "
                         "call last):\n  File x\nnbformat.reader.NotJSONError: Notebook does "
                         "not appear to be JSON: '{'\n[AutogradeApp | ERROR] see log") \
        .startswith("nbformat.reader.NotJSONError: Notebook does not appear to be JSON")


# --- the week, through real nbgrader: 7 gradings ----------------------------------------------------
@pytest.mark.nbgrader
def test_the_week_autograde_manual_grade_feedback_export(course, tmp_path):
    root = course
    cp = paths.CoursePaths(root)
    assert cli(root, "collect", CH, str(make_zip(tmp_path / "canvas.zip", EXPORT))).returncode == 0
    full = h.score(h.grade_in_process(CH))[0]
    syntax = h.score(h.grade_in_process(CH, replace={"conv_param_count": SYNTAX_ERROR}))[0]
    assert 0 < syntax < full
    # the points of the cell the formgrader sets to 0 below
    count_points = next(float(h.meta(c)["points"]) for c in h.source_notebook(CH).cells
                        if h.meta(c).get("grade_id") == "test_conv_param_count")

    proc = cli(root, "autograde", CH, "--workers", "2")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr                 # edsger's cannot be graded
    assert f"due {DUE:%Y-%m-%d %H:%M} UTC" in out
    progress = next(line for line in out.splitlines() if re.search(r"\d/6 edsger:", line))
    assert "ungradable: " in progress and "NotJSONError" in progress, progress
    assert f"(0 / {full:g})" in progress, progress                  # its true maximum

    summary = {line.split()[0]: line for line in out.splitlines()
               if line.split()[:1] and line.split()[0] in dict((c[0], 1) for c in CLASS)}
    assert "NotJSONError" in summary["edsger"] and " ungradable " in summary["edsger"]
    assert summary["edsger"].split()[1] == f"{full:g}"              # score blank, max shown
    alan_penalty = full * 2 * PERCENT_PER_DAY / 100                 # 1.5 days: 2 started days
    assert " late " in summary["alan"] and f"-{alan_penalty:g}" in summary["alan"]
    assert "late by 1 d 12 h" in summary["alan"]
    assert "6 submissions: 5 graded" in out and "1 late: alan" in out

    # the run log: every student's status, cause, lateness
    log = next(cp.logs.glob(f"autograde-{CH}-*.csv"))
    with open(log, newline="") as f:
        run = {r["student"]: r for r in csv.DictReader(f)}
    assert {s: r["status"] for s, r in run.items()} == {
        "ada": "graded", "alan": "late", "grace": "graded", "jane": "graded",
        "edsger": "ungradable", "barbara": "graded"}
    assert "NotJSONError" in run["edsger"]["cause"] and run["edsger"]["score"] == ""
    assert float(run["edsger"]["max_score"]) == full
    assert float(run["alan"]["late_seconds"]) == 1.5 * 86400
    assert run["alan"]["late_by"] == "1 d 12 h"
    assert float(run["alan"]["penalty"]) == pytest.approx(alan_penalty)
    for s in ("ada", "grace", "jane"):
        assert float(run[s]["score"]) == full, s
    assert float(run["barbara"]["score"]) == syntax

    # feedback: all but edsger, who is listed with the reason
    proc = cli(root, "feedback", CH)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"skipped edsger: ungradable .*NotJSONError", proc.stdout), proc.stdout
    assert "feedback for 5 student(s)" in proc.stdout
    pages = {p.parts[-3] for p in (root / "grading" / "feedback").rglob(f"{CH}.html")}
    assert pages == {"ada", "alan", "grace", "jane", "barbara"}

    # the formgrader's manual grade for ada, then a regrade of ada: the summary marks the
    # override, feedback remakes only ada's stale page
    with gradebook.opened(gradebook.url(root)) as gb:
        grade = gb.find_grade("test_conv_param_count", CH, CH, "ada")
        grade.manual_score = 0.0
        gb.db.commit()
    before = {s: (cp.feedback(CH, s) / f"{CH}.html").stat().st_mtime for s in pages}
    proc = cli(root, "autograde", CH, "--student", "ada", "--workers", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ada = next(line for line in proc.stdout.splitlines() if line.startswith("ada "))
    assert f"manual override: test_conv_param_count 0 (auto {count_points:g})" in ada, proc.stdout
    proc = cli(root, "feedback", CH)
    assert "feedback for 1 student(s)" in proc.stdout and ": ada" in proc.stdout, proc.stdout
    after = {s: (cp.feedback(CH, s) / f"{CH}.html").stat().st_mtime for s in pages}
    assert [s for s in pages if after[s] != before[s]] == ["ada"]

    # export: one row per student of the class list, blanks where nothing was graded
    proc = cli(root, "export", "--chapter", CH)
    assert proc.returncode == 0, proc.stderr
    with open(root / "grading" / "exports" / f"grades-{CH}.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == sorted(c[0] for c in CLASS)              # not the unknown id
    assert {s: r["status"] for s, r in rows.items()} == {
        "ada": "graded", "alan": "late", "grace": "graded", "jane": "graded",
        "edsger": "ungradable", "barbara": "graded", "don": "not submitted",
        "ken": "not submitted"}
    assert {s: r["lms_user_id"] for s, r in rows.items()} == {c[0]: c[4] for c in CLASS}
    for s in ("edsger", "don", "ken"):
        assert rows[s]["score"] == "" and float(rows[s]["max_score"]) == full, rows[s]
    assert "NotJSONError" in rows["edsger"]["note"]
    assert float(rows["ada"]["score"]) == full - count_points       # the manual 0 counts
    assert rows["ada"]["note"] == "manual override: test_conv_param_count"
    assert float(rows["alan"]["score"]) == pytest.approx(full - alan_penalty)
    assert float(rows["alan"]["penalty"]) == pytest.approx(alan_penalty)
    assert rows["alan"]["late_by"] == "1 d 12 h"
    assert float(rows["barbara"]["score"]) == syntax

    # Canvas's import format: its user id in ID, points or blank per chapter
    proc = cli(root, "export", "--chapter", CH, "--format", "canvas")
    with open(root / "grading" / "exports" / f"grades-{CH}-canvas.csv", newline="") as f:
        canvas = list(csv.reader(f))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", CH]
    assert canvas[1][0].strip() == "Points Possible" and float(canvas[1][5]) == full
    by_id = {r[1]: r for r in canvas[2:]}
    assert set(by_id) == {c[4] for c in CLASS}
    assert by_id["1005"][5] == "" and by_id["1007"][5] == ""        # ungradable, not submitted
    assert by_id["1001"][0] == "Lovelace, Ada"
    assert float(by_id["1001"][5]) == full - count_points

    # all chapters: one row per student, a chapter's columns prefixed by its name
    proc = cli(root, "export")
    with open(root / "grading" / "exports" / "grades.csv", newline="") as f:
        wide = list(csv.DictReader(f))
    assert len(wide) == len(CLASS)
    other = "02_stride_padding"
    assert all(r[f"{other} status"] == "not submitted" and r[f"{other} score"] == ""
               for r in wide)
    json.dumps(wide)                                                 # plain strings only


def test_summary_and_run_log_name_each_status(tmp_path):
    """Without nbgrader: the summary and the run log of results as grade_many returns them."""
    from autograder import cli
    from autograder.results import GradeResult

    graded = GradeResult(CH, "ada", score=11, max_score=11)
    late_one = GradeResult(CH, "alan", score=11, max_score=11, late_seconds=90000, penalty=2.2)
    slow = GradeResult(CH, "grace", max_score=11,
                       error="autograding took longer than 1800 s and was stopped")
    broken = GradeResult(CH, "edsger", max_score=11, error=(
        "nbgrader could not grade this submission:\nTraceback (most recent call last):\n"
        "nbformat.reader.NotJSONError: Notebook does not appear to be JSON: '{\"cells\"'\n"
        "[AutogradeApp | ERROR] There was an error processing assignment"))
    manual = GradeResult(CH, "jane", score=10, max_score=11,
                         manual="manual override: test_conv_param_count 0 (auto 1)")
    everyone = [graded, late_one, slow, broken, manual]
    table = cli._summary_table(everyone, "late work: -10% per day")
    rows = {line.split()[0]: line for line in table.splitlines() if line.strip()}
    assert rows["ada"].split()[1:4] == ["11", "11", "graded"]
    assert rows["alan"].split()[1:5] == ["11", "11", "-2.2", "late"]
    assert "late by 1 d 1 h, -2.2 points" in rows["alan"]
    assert rows["grace"].split()[1:4] == ["11", "timed", "out"]          # blank score
    assert "took longer than 1800 s" in rows["grace"]
    assert rows["edsger"].split()[1:3] == ["11", "ungradable"]
    assert "NotJSONError: Notebook does not appear to be JSON" in rows["edsger"]
    assert "manual override: test_conv_param_count 0 (auto 1)" in rows["jane"]
    assert "5 submissions: 3 graded (2 with full marks), 2 could not be graded" in table
    assert "1 late: alan (late work: -10% per day" in table

    root = paths.scratch_course(tmp_path / "course")
    log = cli._write_run_log(root, CH, everyone)
    assert log.parent == root / "grading" / "logs"
    with open(log, newline="") as f:
        run = {r["student"]: r for r in csv.DictReader(f)}
    assert {s: r["status"] for s, r in run.items()} == {
        "ada": "graded", "alan": "late", "grace": "timed out", "edsger": "ungradable",
        "jane": "graded"}
    assert run["alan"]["late_by"] == "1 d 1 h" and run["grace"]["score"] == ""
    assert run["edsger"]["cause"].startswith("nbformat.reader.NotJSONError")
    assert results.run_statuses(root, CH)["grace"]["status"] == "timed out"
