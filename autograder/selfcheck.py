"""`make check`: one notebook graded exactly as the instructor's autograder would grade it, in a
throw-away course root (self-learners), and what it prints, in the notebook's language (a Chinese
notebook, from ``course/zh_CN/``, is graded the same way and reported in Chinese)."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from autograder.intake import submit
from autograder.nbgrader_run import generate
from autograder.paths import assignments, scratch_course
from convlab import i18n
from convlab.i18n import _


def language_of(notebook: Path) -> str:
    """The language ``notebook`` is written in (its ``metadata.convlab.language``); English when
    it says none or cannot be read."""
    try:
        return i18n.notebook_language(json.loads(Path(notebook).read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError):
        return i18n.DEFAULT


def check_notebook(notebook: Path, student: str = "self", keep: bool = False):
    """Grade one notebook exactly as the instructor's autograder would (self-learners); returns
    its results.GradeResult. Its messages are in the notebook's language."""
    notebook = Path(notebook).resolve()
    with i18n.speaking(language_of(notebook) if notebook.is_file() else None):
        if not notebook.is_file():
            raise FileNotFoundError(_("no such notebook: {path}").format(path=notebook))
        assignment = notebook.stem
        if assignment not in assignments():
            raise ValueError(_("{file} is not a chapter notebook; chapters are: {chapters} (the "
                               "file name must stay <chapter>.ipynb)").format(
                                   file=notebook.name, chapters=", ".join(assignments())))
    from autograder import isolation
    from autograder.pipeline import grade_submission   # loads nbgrader: arguments checked first

    # says on stderr "isolation is off: ..." where bubblewrap cannot run (macOS): your own code
    # runs unisolated; on Linux without it, stops here with what to install
    isolation.enabled()

    root = scratch_course()
    try:
        generate(root, assignment)
        submit(root, assignment, student, notebook)
        # grade_submission speaks the submitted notebook's language (its messages, its feedback)
        return grade_submission(root, assignment, student)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def total(r) -> str:
    """"16 / 16", with the bonus beside it when the chapter has one: "16 / 16 (+3 of 3 bonus)"."""
    text = f"{r.score:g} / {r.max_score:g}"
    if r.bonus_max or r.bonus:
        text += " " + _("(+{score} of {most} bonus)").format(score=f"{r.bonus:g}",
                                                               most=f"{r.bonus_max:g}")
    return text


def print_result(r, out=None, lang: str | None = None) -> None:
    """What `check` prints for a GradeResult (autograder/results.py), in ``lang`` (default: the
    current language; :func:`language_of` the checked notebook gives the student's)."""
    out = out or sys.stdout
    with i18n.speaking(lang):
        print("\n" + _("{chapter} for {student}: graded with the visible and the hidden tests "
                       "({seconds} s)").format(chapter=r.assignment, student=r.student,
                                               seconds=f"{r.seconds:.1f}"), file=out)
        if r.error:
            print("  " + _("NOT GRADED: {error}").format(error=r.error), file=out)
            return
        if r.note:
            print("  " + _("note: {note}").format(note=r.note), file=out)
        if r.cell_errors:
            print("  " + _("these cells failed when the grader ran your notebook (the tests that "
                           "need what they define fail):"), file=out)
            for message in r.cell_errors:
                print(f"    {message}", file=out)
        width = max([len(c.grade_id) for c in r.cells] + [5])
        for c in r.cells:
            if c.bonus:                                # extra credit: not earning it costs nothing
                mark = "ok  " if c.score >= c.bonus else "--  "
                points = _("+{score} of {most} bonus").format(score=f"{c.score:g}",
                                                             most=f"{c.bonus:g}")
            else:
                mark = "ok  " if c.score == c.max_score else "FAIL"
                points = f"{c.score:g} / {c.max_score:g}"
            print(f"  {mark} {c.grade_id:<{width}}  {points}", file=out)
            if c.message:
                for line in c.message.splitlines():
                    print(f"         {line}", file=out)
        print(f"  {'':4} {_('total'):<{width}}  {total(r)}", file=out)
