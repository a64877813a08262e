"""What the class got wrong: the misconception report for instructors (``python -m autograder
report CHAPTER`` or ``--all``).

Built from what grading recorded (autograder/misconceptions.py) in the gradebook's database, it
writes one self-contained HTML page (matplotlib plots embedded as PNG, no script, no external
file) and a CSV of the same numbers. Per chapter: the score histogram and the slowest
submissions; per exercise: the pass rate, the diagnosed mistakes with counts and shares (a share
is the fraction of the graded submissions of the chapter), the failures no catalogue explains,
grouped by their message, and, for each mistake, the students who made it (for the instructor's
eyes only: the page and the CSV name students). Each mistake's explanation is the catalogue's, as
the students read it in their hints.
"""
from __future__ import annotations

import base64
import csv
import html
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from autograder import misconceptions

REPORTS = "reports"                 # under the course's data folder (grading/)
SLOWEST = 5
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


# --- reading the records --------------------------------------------------------------------------
def load(db_url: str, chapters: list | None = None) -> dict:
    """{chapter: (gradings, outcomes, diagnoses)} as lists of dicts, for ``chapters`` (all
    recorded ones when None)."""
    from sqlalchemy import inspect, select

    md, gradings, outcomes, diagnoses = misconceptions.tables()
    eng = misconceptions.engine(db_url)
    found = defaultdict(lambda: ([], [], []))
    try:
        if not inspect(eng).has_table(gradings.name):
            return {}
        with eng.connect() as con:
            for i, table in enumerate((gradings, outcomes, diagnoses)):
                query = select(table)
                if chapters:
                    query = query.where(table.c.assignment.in_(chapters))
                for row in con.execute(query).mappings():
                    found[row["assignment"]][i].append(dict(row))
    finally:
        eng.dispose()
    return dict(sorted(found.items()))


def message_group(message: str) -> str:
    """The key under which failures no catalogue explains are counted together: the message's
    first line with its numbers masked (shapes and values differ between students)."""
    first = next((line.strip() for line in message.splitlines() if line.strip()), "(no message)")
    return NUMBER.sub("#", first)[:200]


# --- the numbers ----------------------------------------------------------------------------------
@dataclass
class Mistake:
    mistake_id: str
    section: str
    explanation: str
    students: list
    share: float


@dataclass
class Unexplained:
    group: str
    example: str
    students: list
    share: float


@dataclass
class Exercise:
    name: str
    graded: int                      # submissions with outcomes for this exercise
    passed: int                      # ... that passed all its test cells
    cells: list                      # (grade_id, passed, graded)
    mistakes: list = field(default_factory=list)
    unexplained: list = field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


@dataclass
class Chapter:
    name: str
    scores: dict                     # student -> score
    max_score: float
    slowest: list                    # (student, seconds, score)
    exercises: list


def summarise(chapter: str, gradings: list, outcomes: list, diagnoses: list) -> Chapter:
    students = sorted({g["student"] for g in gradings})
    n = len(students) or 1
    by_exercise = defaultdict(list)
    for o in outcomes:
        by_exercise[o["exercise"]].append(o)
    order = {}
    for o in outcomes:                                   # exercises in the notebook's order
        order.setdefault(o["exercise"], len(order))
    exercises = []
    for name in sorted(by_exercise, key=order.get):
        rows = by_exercise[name]
        failed = {o["student"] for o in rows if not o["passed"]}
        seen = {o["student"] for o in rows}
        per_cell = defaultdict(lambda: [0, 0])
        for o in rows:
            per_cell[o["grade_id"]][1] += 1
            per_cell[o["grade_id"]][0] += bool(o["passed"])
        ex = Exercise(name, len(seen), len(seen - failed),
                      [(gid, p, g) for gid, (p, g) in per_cell.items()])
        made = defaultdict(set)
        texts = defaultdict(Counter)
        sections = {}
        for d in diagnoses:
            if d["exercise"] == name:
                made[d["mistake_id"]].add(d["student"])
                texts[d["mistake_id"]][d["explanation"]] += 1
                sections[d["mistake_id"]] = d["section"]
        ex.mistakes = sorted(
            (Mistake(m, sections[m], texts[m].most_common(1)[0][0], sorted(s), len(s) / n)
             for m, s in made.items()), key=lambda m: (-len(m.students), m.mistake_id))
        # a failure counts as unexplained only for a student in whom no catalogued mistake was
        # found in this exercise (a worked example fails too when the kernel is flipped)
        diagnosed = set().union(*made.values()) if made else set()
        groups, examples = defaultdict(set), {}
        for o in rows:
            if not o["passed"] and not o["explained"] and o["student"] not in diagnosed:
                key = message_group(o["message"])
                groups[key].add(o["student"])
                examples.setdefault(key, o["message"])
        ex.unexplained = sorted(
            (Unexplained(k, examples[k], sorted(s), len(s) / n) for k, s in groups.items()),
            key=lambda u: (-len(u.students), u.group))
        exercises.append(ex)
    scores = {g["student"]: float(g["score"]) for g in gradings}
    max_score = max((float(g["max_score"]) for g in gradings), default=0.0)
    slowest = sorted(((g["student"], float(g["seconds"]), float(g["score"])) for g in gradings),
                     key=lambda s: -s[1])[:SLOWEST]
    return Chapter(chapter, scores, max_score, slowest, exercises)


# --- the figures ----------------------------------------------------------------------------------
def _png(fig) -> str:
    """The figure as base64 PNG for a data: URL (convlab.figures.to_png: no pyplot, one draw)."""
    from convlab.figures import to_png

    return base64.b64encode(to_png(fig)).decode("ascii")


def overview_figure(ch: Chapter) -> str:
    """The score histogram beside the pass rate of each exercise (one figure: each figure costs
    a rendering, the report's main cost)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 2.8))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.1]})
    top = max(ch.max_score, max(ch.scores.values(), default=0.0))
    bins = [b - 0.5 for b in range(int(top) + 2)] if top <= 40 else 20
    left.hist(list(ch.scores.values()), bins=bins, color="#4c72b0", edgecolor="white")
    left.set_xlabel(f"score (of {ch.max_score:g})")
    left.set_ylabel("submissions")
    left.set_title(f"scores of {len(ch.scores)} submissions", fontsize=10)
    names = [ex.name for ex in ch.exercises][::-1]
    rates = [100 * ex.pass_rate for ex in ch.exercises][::-1]
    right.barh(range(len(names)), rates, color="#55a868")
    right.set_yticks(range(len(names)), names, fontsize=8)
    right.set_xlim(0, 100)
    right.set_xlabel("% of submissions passing every test of the exercise")
    right.set_title("pass rate per exercise", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.88, wspace=0.55)
    return _png(fig)


def mistakes_figure(ch: Chapter, limit: int = 16) -> str:
    """The chapter's most frequent diagnosed mistakes (and unexplained failures per exercise),
    as horizontal bars of the number of students."""
    from matplotlib.figure import Figure

    bars = []
    for ex in ch.exercises:
        bars += [(m.mistake_id, len(m.students), "#c44e52") for m in ex.mistakes]
        unexplained = len({s for u in ex.unexplained for s in u.students})
        if unexplained:
            bars.append((f"{ex.name}: no catalogue explains", unexplained, "#8c8c8c"))
    bars = sorted(bars, key=lambda b: -b[1])[:limit][::-1]
    if not bars:
        return ""
    n = max(len(ch.scores), 1)
    fig = Figure(figsize=(9, 0.28 * len(bars) + 0.9))
    ax = fig.subplots()
    ax.barh(range(len(bars)), [b[1] for b in bars], color=[b[2] for b in bars])
    ax.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    ax.set_xlim(0, n * 1.15)
    for y, (_, v, _) in enumerate(bars):
        ax.text(v, y, f" {v} ({v / n:.0%})", va="center", fontsize=8)
    ax.set_xlabel("students")
    ax.set_title(f"{ch.name}: the most frequent mistakes", fontsize=10)
    fig.subplots_adjust(left=0.42, right=0.97, bottom=0.6 / (0.28 * len(bars) + 0.9),
                        top=1 - 0.3 / (0.28 * len(bars) + 0.9))
    return _png(fig)


# --- the page and the CSV -------------------------------------------------------------------------
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 2px solid #ddd; margin-top: 2em; }
h3 { margin-top: 1.5em; } table { border-collapse: collapse; margin: .5em 0; }
td, th { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } .num { text-align: right; } .muted { color: #777; font-size: .9em; }
.private { background: #fff6e5; } details summary { cursor: pointer; }
code { background: #f4f4f4; padding: 0 .2em; } img { max-width: 100%; display: block; }
.bar { width: 6em; height: .5em; background: #eee; } .bar span { display: block; height: 100%;
background: #c44e52; }
"""


def _e(text) -> str:
    return html.escape(str(text))


def _bar(share: float) -> str:
    return (f'{share:.0%}<div class="bar"><span style="width:{100 * share:.0f}%"></span>'
            f"</div>")


def _students(names: list) -> str:
    return (f'<details class="private"><summary>{len(names)} student(s)</summary>'
            f'{_e(", ".join(names))}</details>')


def chapter_html(ch: Chapter) -> str:
    n = len(ch.scores)
    full = sum(1 for s in ch.scores.values() if ch.max_score and s >= ch.max_score)
    mean = sum(ch.scores.values()) / n if n else 0.0
    out = [f'<h2 id="{_e(ch.name)}">{_e(ch.name)}</h2>',
           f"<p>{n} submissions graded; mean score {mean:.1f} of {ch.max_score:g}; "
           f"{full} with full marks.</p>"]
    if n:
        out.append(f'<img alt="scores and pass rates of {_e(ch.name)}" '
                   f'src="data:image/png;base64,{overview_figure(ch)}">')
        bars = mistakes_figure(ch)
        if bars:
            out.append(f'<img alt="most frequent mistakes in {_e(ch.name)}" '
                       f'src="data:image/png;base64,{bars}">')
    out.append("<h3>Pass rate per exercise</h3><table><tr><th>exercise</th><th>pass rate</th>"
               "<th>test cells (passed / graded)</th></tr>")
    for ex in ch.exercises:
        tests = ", ".join(f"<code>{_e(g)}</code> {p}/{t}" for g, p, t in ex.cells)
        out.append(f'<tr><td>{_e(ex.name)}</td><td class="num">{ex.passed}/{ex.graded} '
                   f"({ex.pass_rate:.0%})</td><td>{tests}</td></tr>")
    out.append("</table>")
    for ex in ch.exercises:
        if not ex.mistakes and not ex.unexplained:
            continue
        out.append(f"<h3>{_e(ex.name)}: what went wrong</h3>")
        if ex.mistakes:
            out.append("<table><tr><th>mistake</th><th>students</th><th>share</th>"
                       "<th>explanation (as the students read it)</th><th>section to review"
                       "</th><th>who</th></tr>")
            for m in ex.mistakes:
                out.append(f"<tr><td><code>{_e(m.mistake_id)}</code></td>"
                           f'<td class="num">{len(m.students)}</td>'
                           f'<td class="num">{_bar(m.share)}</td><td>{_e(m.explanation)}</td>'
                           f"<td>{_e(m.section)}</td><td>{_students(m.students)}</td></tr>")
            out.append("</table>")
        if ex.unexplained:
            out.append("<p>Failures no catalogue explains, grouped by message (numbers "
                       "masked):</p><table><tr><th>message</th><th>students</th><th>share</th>"
                       "<th>an example</th><th>who</th></tr>")
            for u in ex.unexplained:
                out.append(f"<tr><td><code>{_e(u.group)}</code></td>"
                           f'<td class="num">{len(u.students)}</td>'
                           f'<td class="num">{_bar(u.share)}</td>'
                           f'<td class="muted">{_e(u.example[:400])}</td>'
                           f"<td>{_students(u.students)}</td></tr>")
            out.append("</table>")
    if ch.slowest:
        out.append("<h3>Slowest submissions to grade</h3><table><tr><th>student</th>"
                   "<th>seconds</th><th>score</th></tr>")
        for student, seconds, score in ch.slowest:
            out.append(f'<tr><td class="private">{_e(student)}</td>'
                       f'<td class="num">{seconds:.1f}</td><td class="num">{score:g}</td></tr>')
        out.append("</table>")
    return "\n".join(out)


def page(chapters: list, title: str) -> str:
    body = "\n".join(chapter_html(ch) for ch in chapters) or "<p>Nothing graded yet.</p>"
    toc = " · ".join(f'<a href="#{_e(ch.name)}">{_e(ch.name)}</a>' for ch in chapters)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{_e(title)}</h1><p class=\"muted\">For the instructor only: the tables name "
            f"students. Built {time.strftime('%Y-%m-%d %H:%M')} from the gradebook. "
            f"Shares are fractions of the graded submissions of the chapter.</p>"
            f"<p>{toc}</p>{body}</body></html>\n")


CSV_FIELDS = ["chapter", "exercise", "kind", "item", "students", "share", "section",
              "explanation", "who"]


def csv_rows(chapters: list) -> list:
    rows = []
    for ch in chapters:
        for ex in ch.exercises:
            rows.append(dict(chapter=ch.name, exercise=ex.name, kind="pass rate",
                             item=f"{ex.passed}/{ex.graded}", students=ex.passed,
                             share=f"{ex.pass_rate:.4f}", section="", explanation="", who=""))
            for m in ex.mistakes:
                rows.append(dict(chapter=ch.name, exercise=ex.name, kind="mistake",
                                 item=m.mistake_id, students=len(m.students),
                                 share=f"{m.share:.4f}", section=m.section,
                                 explanation=m.explanation, who=" ".join(m.students)))
            for u in ex.unexplained:
                rows.append(dict(chapter=ch.name, exercise=ex.name, kind="unexplained",
                                 item=u.group, students=len(u.students),
                                 share=f"{u.share:.4f}", section="",
                                 explanation=u.example, who=" ".join(u.students)))
    return rows


@dataclass
class Built:
    html: Path
    csv: Path
    chapters: list
    seconds: float


def build(db_url: str, chapters: list | None, out_dir: Path, name: str) -> Built:
    """Write ``<out_dir>/<name>.html`` and ``.csv`` for ``chapters`` (None: every recorded one)."""
    start = time.perf_counter()
    data = load(db_url, chapters)
    summaries = [summarise(c, *data[c]) for c in (chapters or list(data)) if c in data]
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, csv_path = out_dir / f"{name}.html", out_dir / f"{name}.csv"
    title = ("What the class got wrong: " + (name if chapters and len(chapters) == 1
                                              else "all chapters"))
    html_path.write_text(page(summaries, title))
    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(csv_rows(summaries))
    return Built(html_path, csv_path, summaries, time.perf_counter() - start)


def command(root: Path, chapters: list | None, to: str | None = None) -> int:
    """``python -m autograder report``: build and say where the files are. Exit status 1 when
    nothing was recorded for the chapters asked."""
    from autograder import gradebook
    from autograder.paths import CoursePaths

    out_dir = Path(to).resolve() if to else CoursePaths(root).data / REPORTS
    name = chapters[0] if chapters and len(chapters) == 1 else "all"
    built = build(gradebook.url(root), chapters, out_dir, name)
    for ch in built.chapters:
        top = [m for ex in ch.exercises for m in ex.mistakes]
        top = sorted(top, key=lambda m: -len(m.students))[:3]
        print(f"{ch.name}: {len(ch.scores)} submissions; most frequent mistakes: "
              + (", ".join(f"{m.mistake_id} {len(m.students)} ({m.share:.0%})" for m in top)
                 or "none diagnosed"))
    missing = sorted(set(chapters or []) - {ch.name for ch in built.chapters})
    if missing:
        print(f"nothing recorded for {', '.join(missing)} (grade with `python -m autograder "
              f"autograde CHAPTER` first)", file=sys.stderr)
    print(f"report written to {built.html} and {built.csv} ({built.seconds:.1f} s); it names "
          f"students: for the instructor only")
    return 0 if built.chapters and not missing else 1
