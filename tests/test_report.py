"""The misconception report (issue 19): mistakes as data, recorded while grading, reported to the
instructor, pointed at in the student's feedback.

* every catalogue entry has a stable id "<exercise>.<name>" (parsed, not called);
* a failure message ends with a ``[mistake: id]`` line that survives the feedback's redaction;
* the recorder and the report on a gradebook written directly (fast);
* a class of 40+ (each kind of submission graded through nbgrader with 2 workers, marked
  ``nbgrader``; classmates with the same notebook get copies of its rows): the report counts
  exactly the mistakes put in.
"""
import ast
import csv
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import cells, feedback, misconceptions, report
from convlab import testing

REPO = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(REPO.glob("convlab/ch*/mistakes.py"))
ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$")


def _is_text(node) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.BinOp) and _is_text(node.left) and _is_text(node.right)


def catalogue_entries(path):
    """(exercise, id or None, line) of every (explanation, compute) entry in a catalogue."""
    tree = ast.parse(path.read_text())
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef) or fn.name.startswith("_"):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "mistake":
                yield fn.name, node.args[0].value, node.lineno
            elif (isinstance(node, ast.Tuple) and len(node.elts) == 2 and _is_text(node.elts[0])
                  and not _is_text(node.elts[1])):
                yield fn.name, None, node.lineno         # an explanation without an id


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.name)
def test_every_catalogue_entry_has_a_stable_id_named_after_its_exercise(path):
    entries = list(catalogue_entries(path))
    assert entries, path
    for exercise, mistake_id, line in entries:
        assert mistake_id is not None, f"{path.name}:{line}: an explanation without mistake(id, ...)"
        assert ID.match(mistake_id), f"{path.name}:{line}: {mistake_id!r}"
        assert mistake_id.split(".")[0] == exercise, f"{path.name}:{line}: {mistake_id} in {exercise}"


def test_the_catalogue_finds_a_tuple_without_an_id(tmp_path):
    bad = tmp_path / "mistakes.py"
    bad.write_text("def f(x):\n    return [('you flipped it.', lambda: x)]\n")
    assert list(catalogue_entries(bad)) == [("f", None, 2)]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.name)
def test_review_overrides_name_ids_and_sections_of_the_chapter(path):
    chapter = path.parent.name[2:]
    module = __import__(f"convlab.{path.parent.name}.mistakes", fromlist=["REVIEW"])
    ids = {i for _, i, _ in catalogue_entries(path)}
    source = REPO / "solutions" / chapter / f"{chapter}.ipynb"
    for mistake_id, number in getattr(module, "REVIEW", {}).items():
        assert mistake_id in ids
        assert misconceptions.section_of(source, chapter, mistake_id).startswith(f"{number}. ")


def flipped_message():
    from convlab.ch01_filter_sliding import compute, mistakes

    rng = np.random.default_rng(3)
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    with pytest.raises(AssertionError) as err:
        testing.assert_allclose(compute.conv2d_single(image, kernel[::-1, ::-1]),
                                compute.conv2d_single(image, kernel), "conv2d_single(...)",
                                mistakes=mistakes.conv2d_single(image, kernel,
                                                                compute.conv2d_single))
    return str(err.value)


def test_a_diagnosed_failure_ends_with_its_mistake_line():
    message = flipped_message()
    assert message.splitlines()[-1] == "[mistake: conv2d_single.flipped_kernel]"
    assert testing.MISTAKE_LINE.pattern == misconceptions.MISTAKE_LINE.pattern
    found = misconceptions.diagnoses("AssertionError: " + message)
    assert [d.mistake_id for d in found] == ["conv2d_single.flipped_kernel"]
    assert found[0].explanation.startswith("you flipped the kernel.")


def test_mistakes_that_give_the_same_result_keep_every_id():
    from convlab.ch02_stride_padding import mistakes

    # i=7, k=3, p=1, s=2, d=2: "k·d span" and "one-sided padding" both give 2
    joined = [e for e, compute in mistakes.conv_output_size(7, 3, 1, 2, 2) if len(e.ids) > 1]
    assert joined and " Or: " in joined[0]
    line = testing.mistake_line(joined[0])
    assert [d.mistake_id for d in misconceptions.diagnoses("x" + line)] == list(joined[0].ids)


def test_the_mistake_line_survives_the_feedbacks_redaction():
    """RedactHiddenTests replaces a hidden test's traceback by its message and drops lines that
    quote hidden code: the mistake line is neither."""
    source = cells.read_notebook(REPO / "solutions/01_filter_sliding/01_filter_sliding.ipynb")
    cell = next(c for c in cells.test_cells(source) if cells.grade_id(c) == "test_conv2d_single_vs_tf")
    cell = nbformat.from_dict(dict(cell))
    message = flipped_message()
    cell.outputs = [nbformat.from_dict({"output_type": "error", "ename": "AssertionError",
                                        "evalue": message,
                                        "traceback": ["\x1b[31mTraceback ...", message]})]
    redacted, _ = feedback.RedactHiddenTests().preprocess_cell(cell, {}, 0)
    out = redacted.outputs[0]
    assert "[mistake: conv2d_single.flipped_kernel]" in out.evalue
    assert "[mistake: conv2d_single.flipped_kernel]" in out.traceback[0]
    review = misconceptions.with_review_lines(out.evalue, "01_filter_sliding",
                                              REPO / "solutions/01_filter_sliding/01_filter_sliding.ipynb")
    assert "[mistake:" not in review
    assert review.splitlines()[-1] == ("What to review: chapter 1, section 4. Cross-correlation, "
                                       "not convolution")


# --- recording and reporting, on a gradebook written directly ---------------------------------------
CH = "01_filter_sliding"
SOURCE = REPO / "solutions" / CH / f"{CH}.ipynb"


def graded(student, failures):
    """A GradeResult of chapter 1 where the test cells in ``failures`` (grade_id -> message)
    failed."""
    from autograder.results import CellResult, GradeResult

    nb = cells.read_notebook(SOURCE)
    result = GradeResult(CH, student, max_score=0.0)
    for cell in cells.test_cells(nb):
        gid, points = cells.grade_id(cell), float(cell.metadata.nbgrader["points"])
        message = failures.get(gid, "")
        result.cells.append(CellResult(gid, 0.0 if message else points, points, message))
        result.max_score += points
        result.score += 0.0 if message else points
    return result


def test_record_then_report_counts_each_student_once_per_mistake(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    flipped = "AssertionError: " + flipped_message()
    unexplained = ("AssertionError: conv2d_multi(images (2, 5, 6, 3), ...): 10 of 60 values differ "
                   "from TensorFlow")
    # the hidden line of a test cell must not reach the record
    hidden = cells.secret_lines(next(c for c in cells.test_cells(cells.read_notebook(SOURCE))
                                     if cells.grade_id(c) == "test_conv2d_multi_vs_tf").source)[0]
    class_ = {
        "ana": {"test_conv2d_single_example": flipped, "test_conv2d_single_vs_tf": flipped},
        # the worked example fails without a diagnosis: the vs_tf diagnosis explains ben
        "ben": {"test_conv2d_single_vs_tf": flipped,
                "test_conv2d_single_example": "AssertionError: 3 of 4 values differ"},
        "cem": {"test_conv2d_multi_vs_tf": unexplained + "\n" + hidden},
        "dia": {"test_conv2d_multi_vs_tf": unexplained.replace("(2, 5, 6, 3)", "(1, 4, 4, 2)")},
        "eve": {},
    }
    for student, failures in class_.items():
        misconceptions.record(db_url, CH, student, SOURCE, graded(student, failures), 12.5)
    # re-grading replaces a student's rows
    misconceptions.record(db_url, CH, "eve", SOURCE, graded("eve", {}), 30.0)

    built = report.build(db_url, [CH], tmp_path / "out", CH)
    ch, = built.chapters
    single = next(e for e in ch.exercises if e.name == "conv2d_single")
    multi = next(e for e in ch.exercises if e.name == "conv2d_multi")
    assert (single.passed, single.graded) == (3, 5) and (multi.passed, multi.graded) == (3, 5)
    assert [(m.mistake_id, m.students) for m in single.mistakes] == \
        [("conv2d_single.flipped_kernel", ["ana", "ben"])]
    assert single.mistakes[0].section == "4. Cross-correlation, not convolution"
    assert single.mistakes[0].explanation.startswith("you flipped the kernel.")
    assert [(u.students, u.share) for u in multi.unexplained] == [(["cem", "dia"], 0.4)]
    assert single.unexplained == []
    assert hidden not in multi.unexplained[0].example
    assert ch.slowest[0] == ("eve", 30.0, ch.max_score) and len(ch.scores) == 5

    page = built.html.read_text()
    assert page.count("data:image/png;base64,") == 2 and "<script" not in page
    assert "you flipped the kernel." in page and "ana, ben" in page
    rows = list(csv.DictReader(built.csv.open()))
    row = next(r for r in rows if r["item"] == "conv2d_single.flipped_kernel")
    assert (row["students"], row["share"], row["who"]) == ("2", "0.4000", "ana ben")


def test_the_report_command(tmp_path):
    import subprocess
    import sys

    from autograder import gradebook, paths

    root = paths.scratch_course(tmp_path / "course")
    flipped = "AssertionError: " + flipped_message()
    for student in ("ana", "ben"):
        misconceptions.record(gradebook.url(root), CH, student, SOURCE,
                              graded(student, {"test_conv2d_single_vs_tf": flipped}), 3.0)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "--root", str(root), "report",
                               *args], capture_output=True, text=True, timeout=300)

    done = cli(CH)
    assert done.returncode == 0, done.stderr
    assert "conv2d_single.flipped_kernel 2 (100%)" in done.stdout
    assert (root / "grading/reports" / f"{CH}.html").is_file()
    assert (root / "grading/reports" / f"{CH}.csv").is_file()
    nothing = cli("02_stride_padding", "--to", str(tmp_path / "out"))
    assert nothing.returncode == 1 and "nothing recorded for 02_stride_padding" in nothing.stderr
    assert cli("99_nope").returncode == 2


def test_records_on_postgresql_from_parallel_writers():
    """The tables are created on demand by whichever grader comes first (two racing here) and
    each grader replaces only its own student's rows."""
    from concurrent.futures import ThreadPoolExecutor

    from pgserver import postgres_server

    flipped = "AssertionError: " + flipped_message()
    with postgres_server() as db_url:
        students = [f"p{i:02d}" for i in range(8)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda s: misconceptions.record(
                db_url, CH, s, SOURCE,
                graded(s, {"test_conv2d_single_vs_tf": flipped} if int(s[1:]) % 2 else {}), 1.0),
                students))
        misconceptions.record(db_url, CH, "p01", SOURCE, graded("p01", {}), 2.0)   # re-graded
        ch, = report.build(db_url, [CH], Path(__import__("tempfile").mkdtemp()), CH).chapters
        single = next(e for e in ch.exercises if e.name == "conv2d_single")
        assert [m.students for m in single.mistakes] == [["p03", "p05", "p07"]]
        assert len(ch.scores) == 8 and single.passed == 5


def test_the_bench_class_reports_the_mistakes_written(tmp_path):
    """bench/bench_report.py's synthetic gradebook (written directly): the report's counts are
    the numbers of students given each mistake."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_report", REPO / "bench/bench_report.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    chapters = ["01_filter_sliding", "08_backprop"]
    made = bench.synthetic_class(db_url, 30, chapters, seed=5)
    built = report.build(db_url, None, tmp_path, "all")
    counted = {(ch.name, m.mistake_id): set(m.students)
               for ch in built.chapters for ex in ch.exercises for m in ex.mistakes}
    assert counted == made


# --- a class graded through nbgrader, 2 workers ------------------------------------------------------
# mutant of tests/mutants_01_filter_sliding.py -> students given it (known proportions)
CLASS_MUTANTS = {
    "single: kernel flipped (mathematical convolution)": 8,
    "multi: bias missing": 6,
    "single: kernel transposed": 4,
    "multi: bias added once per input channel": 3,
    "count: bias forgotten": 2,                     # no catalogue explains it
}
HONEST = 18
SYNTAX_ERROR = 2                                    # broken, but a notebook: graded
NOT_A_NOTEBOOK = 1                                  # broken beyond grading: not in the report


def simulated_class():
    """{student: notebook or text}, and {student: the mutant each got (None: honest/broken)}."""
    from attacks_01_filter_sliding import honest_notebook
    from mutants_01_filter_sliding import MUTANTS

    import nbharness as h

    notebooks, given = {}, {}

    def add(prefix, nb, mutant=None):
        sid = f"{prefix}{len(notebooks):02d}"
        notebooks[sid], given[sid] = nb, mutant

    for _ in range(HONEST):
        add("ok", honest_notebook())
    for name, count in CLASS_MUTANTS.items():
        for _ in range(count):
            nb = honest_notebook()
            for cell in nb.cells:
                if h.meta(cell).get("grade_id") in MUTANTS[name]:
                    cell.source = MUTANTS[name][h.meta(cell)["grade_id"]]
            add("mu", nb, name)
    for _ in range(SYNTAX_ERROR):
        nb = honest_notebook()
        cell = next(c for c in nb.cells if h.meta(c).get("grade_id") == "conv2d_multi")
        cell.source = cell.source.replace("def conv2d_multi(", "def conv2d_multi(:", 1)
        add("br", nb, "syntax error")
    for _ in range(NOT_A_NOTEBOOK):
        add("br", "{ not a notebook")
    return notebooks, given


def expected_mistakes(given: dict) -> dict:
    """{(exercise, mistake id): students}: what an in-process grading of each mutant diagnoses
    (tests/nbharness.py, independent of nbgrader and of the recorder), times the students given
    it."""
    from mutants_01_filter_sliding import MUTANTS

    import nbharness as h

    exercises = cells.solution_names(cells.read_notebook(SOURCE))
    per_mutant = {}
    for name in CLASS_MUTANTS:
        found = set()
        for gid, verdict in h.grade_in_process(CH, replace=MUTANTS[name]).items():
            if not verdict.passed:
                found |= {(misconceptions.exercise_of(gid, exercises), d.mistake_id)
                          for d in misconceptions.diagnoses(verdict.message)}
        per_mutant[name] = found
    expected = {}
    for student, name in given.items():
        for key in per_mutant.get(name, ()):
            expected.setdefault(key, set()).add(student)
    return expected


def kind_of(notebooks: dict, given: dict, student: str):
    """What a student handed in: None (the honest notebook), a mutant's name, "syntax error",
    or "not a notebook"."""
    return "not a notebook" if isinstance(notebooks[student], str) else given[student]


def copy_records(db_url: str, graded: str, students: list) -> None:
    """Give ``students`` the rows the recorder wrote for ``graded`` (same notebook, same rows),
    written by the recorder's own ``misconceptions.write``."""
    from sqlalchemy import create_engine

    _, *tables = misconceptions.tables()
    engine = create_engine(db_url)
    try:
        with engine.connect() as con:
            rows = [[{k: v for k, v in row._mapping.items() if k != "id"}
                     for row in con.execute(t.select().where(t.c.assignment == CH,
                                                             t.c.student == graded))]
                    for t in tables]
    finally:
        engine.dispose()
    for student in students:
        misconceptions.write(db_url, CH, [student],
                             *[[{**r, "student": student} for r in table] for table in rows])


@pytest.mark.nbgrader
def test_a_class_graded_with_two_workers_reports_the_mistakes_put_in(tmp_path):
    """One submission of each kind (the honest notebook, each mutant, a syntax error, a file
    that is not a notebook) goes through nbgrader and the pipeline's recorder, two at a time;
    its classmates who handed in the very same notebook get copies of its recorded rows. The
    report of the whole class counts exactly the mistakes put in."""
    import nbformat as nbf

    from autograder import gradebook, intake, nbgrader_run, paths, pipeline

    notebooks, given = simulated_class()
    assert len(notebooks) >= 40
    expected = expected_mistakes(given)
    # the known proportions, as the catalogue names them
    assert expected[("conv2d_single", "conv2d_single.flipped_kernel")] == \
        {s for s, m in given.items() if m == "single: kernel flipped (mathematical convolution)"}
    assert expected[("conv2d_multi", "conv2d_multi.bias_missing")] == \
        {s for s, m in given.items() if m == "multi: bias missing"}
    first = {}                                        # kind -> the student graded for it
    for sid in notebooks:
        first.setdefault(kind_of(notebooks, given, sid), sid)
    for sid in notebooks:                             # a classmate's notebook is the same file
        assert notebooks[sid] == notebooks[first[kind_of(notebooks, given, sid)]], sid
    assert len(first) == len(CLASS_MUTANTS) + 3

    root = paths.scratch_course(tmp_path / "course")
    nbgrader_run.generate(root, CH)
    lms = tmp_path / "lms"
    lms.mkdir()
    for sid in first.values():
        nb = notebooks[sid]
        if isinstance(nb, str):
            (lms / f"{sid}.ipynb").write_text(nb)
        else:
            nbf.write(nb, lms / f"{sid}.ipynb")
    intake.import_submissions(root, CH, lms)
    results = pipeline.grade_many(root, CH, list(first.values()), workers=2)
    graded_first = {r.student: r for r in results}
    by_id = {s: graded_first[first[kind_of(notebooks, given, s)]] for s in notebooks}
    broken = [s for s, nb in notebooks.items() if isinstance(nb, str)]
    assert all(by_id[s].error for s in broken)
    assert not [s for s in notebooks if s not in broken and by_id[s].error]
    for kind, sid in first.items():
        copy_records(gradebook.url(root), sid,
                     [s for s in notebooks if s != sid and kind_of(notebooks, given, s) == kind])

    # the student's side: a review line instead of the mistake line
    flipped = first["single: kernel flipped (mathematical convolution)"]
    message = next(c.message for c in by_id[flipped].cells if c.grade_id == "test_conv2d_single_vs_tf")
    assert "[mistake:" not in message
    assert "What to review: chapter 1, section 4. Cross-correlation, not convolution" in message
    autograded = cells.read_notebook(paths.CoursePaths(root).autograded(CH, flipped))
    shown = "".join(str(o.get("evalue", "")) for c in cells.test_cells(autograded)
                    for o in c.get("outputs", []))
    assert "What to review: chapter 1" in shown and "[mistake:" not in shown

    built = report.build(gradebook.url(root), [CH], tmp_path / "report", CH)
    ch, = built.chapters
    graded = [s for s in notebooks if s not in broken]
    assert sorted(ch.scores) == sorted(graded)
    assert {s: ch.scores[s] for s in graded} == {s: by_id[s].score for s in graded}
    counted = {(ex.name, m.mistake_id): set(m.students) for ex in ch.exercises
               for m in ex.mistakes}
    assert counted == expected
    for ex in ch.exercises:
        for m in ex.mistakes:
            assert m.share == pytest.approx(len(m.students) / len(graded))
    # no catalogue explains a forgotten bias in the parameter count, nor a syntax error
    for exercise, cause in (("conv_param_count", "count: bias forgotten"),
                            ("conv2d_multi", "syntax error")):
        ex = next(ex for ex in ch.exercises if ex.name == exercise)
        assert {s for u in ex.unexplained for s in u.students} == \
            {s for s, m in given.items() if m == cause}, exercise
    honest = {s for s, m in given.items() if m is None and s not in broken}
    assert all(not (set(m.students) & honest) for ex in ch.exercises for m in ex.mistakes)
    single = next(ex for ex in ch.exercises if ex.name == "conv2d_single")
    wrong_single = {s for s, m in given.items() if m and m.startswith("single:")}
    assert single.graded == len(graded) and single.passed == len(graded) - len(wrong_single)
    assert len(ch.slowest) == 5 and all(seconds > 1 for _, seconds, _ in ch.slowest)
    rows = list(csv.DictReader(built.csv.open()))
    assert {(r["exercise"], r["item"]): int(r["students"]) for r in rows if r["kind"] == "mistake"} \
        == {k: len(v) for k, v in expected.items()}


def test_the_feedback_notebook_gets_review_lines_also_in_coloured_tracebacks(tmp_path):
    source = cells.read_notebook(SOURCE)
    nb = nbformat.from_dict(dict(source))
    message = flipped_message()
    cell = next(c for c in nb.cells if cells.grade_id(c) == "test_conv2d_single_example")
    cell.outputs = [nbformat.from_dict({
        "output_type": "error", "ename": "AssertionError", "evalue": message,
        "traceback": ["\x1b[0;31mAssertionError\x1b[0m: " + message + "\x1b[0m"]})]
    path = tmp_path / "graded.ipynb"
    cells.write_notebook(nb, path)
    misconceptions._rewrite_notebook(path, CH, SOURCE)
    out = next(c for c in cells.read_notebook(path).cells
               if cells.grade_id(c) == "test_conv2d_single_example").outputs[0]
    for text in (out.evalue, out.traceback[0]):
        assert "[mistake:" not in text and "What to review: chapter 1, section 4." in text
