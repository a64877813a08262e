"""Grading a class several submissions at a time (issue 8).

Two configurations of the same unit of work, ``autograder.pipeline.grade_submission``:
- a laptop: the instructor's command line, ``--workers 2`` (a process pool), SQLite gradebook;
- a cluster: a Dask ``distributed`` cluster's executor, a PostgreSQL gradebook.
Each student must get exactly the score a one-at-a-time, in-process grading gives
(tests/nbharness.py, itself checked against nbgrader in test_nbgrader_roundtrip.py), bad
submissions must not disturb the others, re-grading must change nothing, and the gradebook must
stay whole.
"""
import csv
import sqlite3
import subprocess
import sys

import nbformat
import pytest

import nbharness as h
from attacks_01_filter_sliding import CH, honest_notebook
from autograder import gradebook, intake, nbgrader_run, paths, pipeline
from mutants_01_filter_sliding import MUTANTS
from pgserver import postgres_server

pytestmark = pytest.mark.nbgrader

FLIPPED = "single: kernel flipped (mathematical convolution)"
BIAS = "multi: bias missing"


def mutant_notebook(name):
    nb = honest_notebook()
    for cell in nb.cells:
        gid = h.meta(cell).get("grade_id")
        if gid in MUTANTS[name]:
            cell.source = MUTANTS[name][gid]
    return nb


def expected_score(name=None):
    """What a one-at-a-time grading gives (in this process, judged like nbgrader)."""
    return h.score(h.grade_in_process(CH, replace=MUTANTS[name] if name else None))[0]


def write_class(folder, students):
    """students: id -> notebook or raw text. Writes <folder>/<id>.ipynb (an LMS export)."""
    folder.mkdir(parents=True, exist_ok=True)
    for sid, nb in students.items():
        path = folder / f"{sid}.ipynb"
        if isinstance(nb, str):
            path.write_text(nb)
        else:
            nbformat.write(nb, path)
    return folder


def cli(root, *args):
    return subprocess.run([sys.executable, "-m", "autograder", "--root", str(root), *args],
                          cwd=paths.REPO, capture_output=True, text=True, timeout=1800)


def test_process_pool_on_sqlite_through_the_command_line(tmp_path):
    root = paths.scratch_course(tmp_path / "course")
    lms = write_class(tmp_path / "lms", {
        "s01": honest_notebook(),
        "s02": mutant_notebook(FLIPPED),
        "s03": "{ not a notebook",
        "s04": mutant_notebook(BIAS),
        "s05": nbformat.read(paths.REPO / "course" / CH / f"{CH}.ipynb", as_version=4),
    })
    assert cli(root, "collect", CH, str(lms)).returncode == 0

    proc = cli(root, "autograde", CH, "--workers", "2")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr          # one submission could not be graded
    assert "with 2 worker(s)" in out and "5/5" in out and "[" + "#" * 20 + "]" in out
    assert "5 submissions: 4 graded (1 with full marks), 1 could not be graded" in out

    def scores():
        from nbgrader.api import Gradebook
        with Gradebook(gradebook.url(root), paths.COURSE_ID) as gb:
            return {s.student.id: (s.score, [(g.name, g.score) for g in s.notebooks[0].grades])
                    for s in gb.find_assignment(CH).submissions}

    first = scores()
    full = expected_score()
    assert first["s01"][0] == full > 0
    assert first["s02"][0] == expected_score(FLIPPED) < full
    assert first["s04"][0] == expected_score(BIAS) < full
    assert first["s05"][0] == 0
    assert "s03" not in first or first["s03"][0] == 0

    # re-grading is idempotent: same scores cell by cell, no duplicated records. In the same run,
    # attack 27: a submission that writes to the gradebook (zeroes everybody's grades) while it
    # is graded. Student code runs isolated (autograder.isolation): the gradebook is not even
    # visible to it, so the records of the students not graded in this run do not change and
    # the run succeeds. (Without isolation the run would notice the change and exit 3:
    # gradebook.records_changed, tests/test_grading_stages.py.)
    tamper = honest_notebook()
    tamper.cells.append(nbformat.v4.new_code_cell(
        "import pathlib, sqlite3\n"
        "db = pathlib.Path.cwd().parents[2] / 'gradebook.db'\n"
        "if db.exists():\n"
        "    with sqlite3.connect(db) as con:\n"
        "        con.execute('UPDATE grade SET auto_score = 0')\n"))
    intake.submit(root, CH, "s06", write_class(tmp_path / "late", {"s06": tamper}) / "s06.ipynb")
    proc = cli(root, "autograde", CH, "--workers", "2", "--student", "s02", "--student", "s06")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "NOT graded in this run changed" not in proc.stderr
    again = scores()
    assert again["s06"][0] == full
    assert {s: r for s, r in again.items() if s != "s06"} == first
    db = gradebook.sqlite_file(gradebook.url(root))
    with sqlite3.connect(db) as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert len(list((root / "grading" / "backups").glob("gradebook-*.db"))) == 2

    proc = cli(root, "export", "--format", "nbgrader", "--to", "grades.csv")
    assert proc.returncode == 0, proc.stderr
    rows = {r["student_id"]: r for r in csv.DictReader(open(root / "grades.csv"))
            if r["assignment"] == CH}
    assert float(rows["s01"]["score"]) == full and float(rows["s02"]["score"]) == first["s02"][0]
    assert float(rows["s06"]["score"]) == full


def test_dask_cluster_on_postgresql(tmp_path):
    distributed = pytest.importorskip("distributed")
    with postgres_server() as url:
        root = paths.scratch_course(tmp_path / "course", db_url=url)
        nbgrader_run.generate(root, CH)
        students = {"p01": honest_notebook(), "p02": mutant_notebook(FLIPPED),
                    "p03": "{ not a notebook"}
        intake.import_submissions(root, CH, write_class(tmp_path / "lms", students))
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            results = pipeline.grade_many(root, CH, list(students), executor=client.get_executor())
        by_id = {r.student: r for r in results}
        assert [r.student for r in results] == list(students)
        assert not by_id["p01"].error and by_id["p01"].score == by_id["p01"].max_score > 0
        assert by_id["p02"].score == expected_score(FLIPPED) < by_id["p02"].max_score
        assert by_id["p03"].error and by_id["p03"].score == 0
        assert gradebook.backup(root) is None       # PostgreSQL: back up with pg_dump

        from nbgrader.api import Gradebook
        with Gradebook(url, paths.COURSE_ID) as gb:
            graded = {s.student.id: s.score for s in gb.find_assignment(CH).submissions}
        assert graded["p01"] == by_id["p01"].score and graded["p02"] == by_id["p02"].score
        proc = nbgrader_run.run_nbgrader(["export", "--to", str(tmp_path / "grades.csv")], root)
        rows = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "grades.csv"))
            if r["assignment"] == CH}
        assert float(rows["p01"]["score"]) == by_id["p01"].score, proc.stdout
