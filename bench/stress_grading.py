"""Grade the reference solution of a chapter N times (default 20) through the full instructor path
(nbgrader + trusted re-check) and print how many got full marks and the timings.

    python bench/stress_grading.py [CHAPTER] [N]                 one student, graded N times in a row
    python bench/stress_grading.py [CHAPTER] [N] --workers W     N students, W at a time (a class)
    CONVLAB_DB_URL=postgresql+psycopg2://... python bench/stress_grading.py ... --workers W
    python bench/stress_grading.py [CHAPTER] [N] --workers W --isolation off   the cost of isolation

``--isolation off`` grades without bubblewrap (``CONVLAB_ISOLATION=off``, refused with
``CI=true``), to measure what isolating student code costs: compare with ``--isolation on``.
On a machine other work is loading, two runs minutes apart differ by more than isolation costs;
two measures are less sensitive to that:

    python bench/stress_grading.py [CHAPTER] [N] --isolation paired   the same submission graded
        N times each way, interleaved on/off/off/on/...: the median of the paired differences
        (wall seconds; CPU time is not comparable here: a sandbox's processes are not reaped by
        their starter, so their CPU time is missing from getrusage(RUSAGE_CHILDREN))
    python bench/stress_grading.py --startup K     K start-ups of a sandboxed Python next to K
        unsandboxed ones, interleaved: what bubblewrap itself adds per process (a submission
        starts two: nbgrader's kernel and the re-check's sandbox)

With --workers, the N submissions go through ``autograder.pipeline.grade_many`` (a process pool)
into one gradebook (SQLite in a scratch course unless CONVLAB_DB_URL names another), and the wall
time and throughput are printed with a SQLite integrity check at the end.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import gradebook, intake, nbgrader_run, paths, pipeline  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chapter", nargs="?", default="01_filter_sliding")
    ap.add_argument("n", nargs="?", type=int, default=20)
    ap.add_argument("--workers", type=int, default=0, help="grade N students W at a time")
    ap.add_argument("--isolation", choices=("on", "off", "paired"), default="on",
                    help="run student code isolated by bubblewrap (on, the default) or not; "
                         "paired: both, interleaved on one submission")
    ap.add_argument("--startup", type=int, default=0, metavar="K",
                    help="only time K sandbox start-ups against K plain ones")
    args = ap.parse_args()
    if args.startup:
        return startup_cost(args.startup)
    if args.isolation == "paired":
        return paired(args.chapter, args.n)
    if args.isolation == "off":
        os.environ["CONVLAB_ISOLATION"] = "off"      # inherited by workers and nbgrader's children
    else:
        os.environ.pop("CONVLAB_ISOLATION", None)
    from autograder import isolation
    print(isolation.describe(), flush=True)
    chapter, n = args.chapter, args.n
    reference = paths.REPO / "solutions" / chapter / f"{chapter}.ipynb"
    root = paths.scratch_course(db_url=os.environ.get("CONVLAB_DB_URL"))
    try:
        nbgrader_run.generate(root, chapter)
        if args.workers:
            students = [f"s{i:04d}" for i in range(n)]
            for s in students:
                intake.submit(root, chapter, s, reference)
            start = time.monotonic()
            results = pipeline.grade_many(root, chapter, students, workers=args.workers,
                                      on_result=lambda r: print(
                                          f"{r.student}: {r.score:g}/{r.max_score:g} in "
                                          f"{r.seconds:.1f} s {r.error[:80]}", flush=True))
            wall = time.monotonic() - start
        else:
            intake.submit(root, chapter, "stress", reference)
            results = []
            for i in range(n):
                r = pipeline.grade_submission(root, chapter, "stress")
                results.append(r)
                print(f"run {i + 1:>2}/{n}: {r.score:g}/{r.max_score:g} in {r.seconds:.1f} s"
                      + ("" if not r.error else f"  <-- {r.error}"), flush=True)
            wall = sum(r.seconds for r in results)
        full = sum(1 for r in results if not r.error and r.score == r.max_score > 0)
        for r in results:
            if r.error or r.score < r.max_score:
                print(f"  not full: {r.student} {r.error or [c for c in r.cells if c.score < c.max_score]}")
        seconds = [r.seconds for r in results]
        db = gradebook.sqlite_file(gradebook.url(root))
        integrity = "n/a (not SQLite)"
        if db is not None:
            with sqlite3.connect(db) as con:
                integrity = con.execute("pragma integrity_check").fetchone()[0]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    mode = f"{n} students, {args.workers} workers" if args.workers else f"{n} runs in a row"
    mode += f", isolation {args.isolation}"
    print(f"\n{chapter} ({mode}): {full}/{n} with full marks; seconds per submission: median "
          f"{statistics.median(seconds):.1f}, min {min(seconds):.1f}, max {max(seconds):.1f}; "
          f"wall {wall:.1f} s = {60 * n / wall:.1f} submissions/minute; gradebook integrity: "
          f"{integrity}")
    return 0 if full == n else 1


def _set_isolation(on: bool) -> None:
    if on:
        os.environ.pop("CONVLAB_ISOLATION", None)
    else:
        os.environ["CONVLAB_ISOLATION"] = "off"


def _order(n: int) -> list:
    """on, off, off, on, on, off, ...: each way as often first as second (a drift cancels)."""
    return [(i % 2 == 0) == (k == 0) for i in range(n) for k in range(2)]


def _differences(label: str, on: list, off: list) -> str:
    diffs = [a - b for a, b in zip(on, off)]
    return (f"{label}: on median {statistics.median(on):.2f}, off median "
            f"{statistics.median(off):.2f}; paired difference median {statistics.median(diffs):+.2f}"
            f" (min {min(diffs):+.2f}, max {max(diffs):+.2f})")


def paired(chapter: str, n: int) -> int:
    """Grade one submission of the reference solution 2n times, isolation on and off
    interleaved; print each grading and the paired differences (wall seconds)."""
    reference = paths.REPO / "solutions" / chapter / f"{chapter}.ipynb"
    root = paths.scratch_course(db_url=os.environ.get("CONVLAB_DB_URL"))
    runs = {True: [], False: []}
    wrong = 0
    try:
        nbgrader_run.generate(root, chapter)
        intake.submit(root, chapter, "paired", reference)
        for i, on in enumerate(_order(n)):
            _set_isolation(on)
            r = pipeline.grade_submission(root, chapter, "paired")
            runs[on].append(r.seconds)
            wrong += bool(r.error or r.score != r.max_score)
            print(f"grading {i + 1:>2}/{2 * n} isolation {'on ' if on else 'off'}: "
                  f"{r.score:g}/{r.max_score:g}, wall {r.seconds:.2f} s"
                  + (f"  <-- {r.error[:80]}" if r.error else ""), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n{chapter}, one submission graded {n} times each way, interleaved "
          f"({wrong} gradings without full marks):")
    print("  " + _differences("wall seconds", runs[True], runs[False]))
    return 0 if wrong == 0 else 1


def startup_cost(k: int) -> int:
    """Start a Python that imports nothing, k times in a sandbox and k times plain,
    interleaved; print the medians and the paired difference (wall seconds)."""
    from autograder import isolation

    _set_isolation(True)
    if not isolation.enabled():
        print("isolation is not available here:", isolation.describe())
        return 1
    times = {True: [], False: []}
    for on in _order(k):
        _set_isolation(on)
        start = time.monotonic()
        with isolation.SandboxCommand([sys.executable, "-c", "pass"]) as box:
            proc = box.popen(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            proc.wait(timeout=60)
        times[on].append(time.monotonic() - start)
        if proc.returncode != 0:
            print(f"the {'sandboxed' if on else 'plain'} Python failed: exit {proc.returncode}")
            return 1
    _set_isolation(True)
    print(f"start-up of a Python (-c pass), {k} times each way, interleaved:")
    print("  " + _differences("wall seconds", times[True], times[False]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
