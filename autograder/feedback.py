"""What a student's feedback shows: never the hidden tests, and what the grader found beyond
nbgrader.

nbgrader's ``ClearHiddenTests`` removes the hidden region from a test cell's *source*, but a failing
hidden test still prints its own lines inside the traceback. :class:`RedactHiddenTests` runs before
it during ``nbgrader generate_feedback`` and, in every test cell that has a hidden region, replaces
each error's traceback by one line, ``ExceptionName: message`` (the course's checks put what the
student needs to know in the message), and drops any output line that quotes a hidden line.

The grader writes into the autograded notebook, from which nbgrader renders the feedback, what its
trusted re-check found (:func:`annotate`), or, when nbgrader could not run the notebook at all,
builds that notebook from the re-check alone (:func:`recheck_only_notebook`).
"""
from __future__ import annotations

import copy

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from autograder import cells
from convlab import i18n
from convlab.i18n import N_, _


class RedactHiddenTests(NbGraderPreprocessor):
    """Strip tracebacks (and any quoted hidden line) from the outputs of hidden-test cells."""

    begin_test_delimeter = Unicode(cells.HIDDEN_BEGIN).tag(config=True)
    end_test_delimeter = Unicode(cells.HIDDEN_END).tag(config=True)
    notice = Unicode(N_("(details of hidden tests are not shown)")).tag(config=True)

    def preprocess(self, nb, resources):
        """In the language the notebook is written in (a Chinese submission's feedback is
        Chinese, whichever language the command runs in)."""
        meta = nb.get("metadata") or {}
        lang = i18n.notebook_language(nb) if i18n.METADATA_KEY in meta else None
        with i18n.speaking(lang):
            return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not utils.is_grade(cell):
            return cell, resources
        secret = cells.secret_lines(cell.source, self.begin_test_delimeter,
                                    self.end_test_delimeter)
        if not secret:
            return cell, resources
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                evalue = cells.redact(str(output.get("evalue", "")), secret)
                output.evalue = evalue
                output.traceback = [f"{output.ename}: {evalue}" if evalue else
                                    f"{output.ename}: " + _("a hidden test failed {notice}").format(
                                        notice=_(self.notice))]
            elif output.output_type == "stream":
                output.text = cells.redact(output.text, secret)
            elif "data" in output:
                for mime in list(output.data):
                    if mime.startswith("text/") and isinstance(output.data[mime], str):
                        output.data[mime] = cells.redact(output.data[mime], secret)
        return cell, resources


def show_cell_errors(nb, errors: list) -> bool:
    """Show each cell error (recheck.CellError) under its cell of the autograded notebook, and so
    in the feedback, unless the cell already shows an error from nbgrader's run. Returns whether
    the notebook changed."""
    changed = False
    for e in errors:
        cell = None
        if e.grade_id:
            cell = next((c for c in nb["cells"] if cells.grade_id(c) == e.grade_id), None)
        elif 0 <= e.index < len(nb["cells"]):
            cell = nb["cells"][e.index]
        if cell is None or cell.get("cell_type") != "code" or cells.shows_error(cell):
            continue
        cells.add_error(cell, "GraderCellError", e.message,
                        "GraderCellError: " + _("this cell failed when the grader ran it (outside "
                                                "your notebook's kernel): {message}").format(
                                                    message=e.message))
        changed = True
    return changed


def annotate(nb, notes: dict, errors: list) -> bool:
    """Under each test cell of ``notes`` (grade_id -> (error name, message), from
    gradebook.record_verdicts) what the re-check found, and the cell errors under their cells.
    Returns whether the notebook changed."""
    for cell in cells.test_cells(nb):
        if cells.grade_id(cell) in notes:
            cells.add_error(cell, *notes[cells.grade_id(cell)])
    return show_cell_errors(nb, errors) or bool(notes)


def recheck_only_notebook(source_nb, submitted_nb, verdicts):
    """The autograded notebook when only the re-check graded: the submission, with the trusted
    test cells in place of its own and each showing the re-check's verdict."""
    nb = copy.deepcopy(submitted_nb)
    trusted = cells.by_grade_id(source_nb)
    for i, cell in enumerate(nb.cells):
        gid = cells.grade_id(cell)
        if gid not in trusted or not utils.is_grade(trusted[gid]) or gid not in verdicts:
            continue
        cell = nb.cells[i] = copy.deepcopy(trusted[gid])
        verdict = verdicts[gid]
        if verdict.passed:
            cell.outputs = [{"output_type": "stream", "name": "stdout",
                             "text": _("passed (graded by the grader's re-check)") + "\n"}]
        else:
            cell.outputs = []
            cells.add_error(cell, verdict.message.split(":")[0],
                            verdict.message.partition(": ")[2] or verdict.message,
                            verdict.message)
        cell.execution_count = None
    show_cell_errors(nb, verdicts.cell_errors)
    return nb
