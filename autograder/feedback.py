"""Feedback that never shows hidden tests.

nbgrader's ``ClearHiddenTests`` removes the hidden region from a test cell's *source*, but a failing
hidden test still prints its own lines inside the traceback. :class:`RedactHiddenTests` runs before
it during ``nbgrader generate_feedback`` and, in every test cell that has a hidden region, replaces
each error's traceback by one line, ``ExceptionName: message`` (the course's checks put what the
student needs to know in the message), and drops any output line that quotes a hidden line.
"""
from __future__ import annotations

import re

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def hidden_lines(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS") -> list:
    """The non-blank lines of ``source`` between the hidden-test delimiters (stripped)."""
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


class RedactHiddenTests(NbGraderPreprocessor):
    """Strip tracebacks (and any quoted hidden line) from the outputs of hidden-test cells."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)
    notice = Unicode("(details of hidden tests are not shown)").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not utils.is_grade(cell):
            return cell, resources
        secret = [s for s in hidden_lines(cell.source, self.begin_test_delimeter,
                                          self.end_test_delimeter) if len(s) >= 4]
        if not secret:
            return cell, resources
        kept = []
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                evalue = _scrub(str(output.get("evalue", "")), secret)
                output.evalue = evalue
                output.traceback = [f"{output.ename}: {evalue}" if evalue else
                                    f"{output.ename}: a hidden test failed {self.notice}"]
            elif output.output_type == "stream":
                output.text = _scrub(output.text, secret)
            elif "data" in output:
                for mime in list(output.data):
                    if mime.startswith("text/") and isinstance(output.data[mime], str):
                        output.data[mime] = _scrub(output.data[mime], secret)
            kept.append(output)
        cell.outputs = kept
        return cell, resources


def _scrub(text: str, secret: list) -> str:
    """Drop every line of ``text`` that quotes one of the ``secret`` lines."""
    out = []
    for line in text.split("\n"):
        plain = ANSI.sub("", line).strip()
        if plain and any(s in plain or (len(plain) >= 12 and plain in s) for s in secret):
            continue
        out.append(line)
    return "\n".join(out)
