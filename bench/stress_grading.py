"""Grade the reference solution of a chapter N times in a row (default 20) through the full
instructor path (nbgrader + trusted re-check) and print how many got full marks and the timings.

    python bench/stress_grading.py [CHAPTER] [N]
"""
from __future__ import annotations

import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import core  # noqa: E402


def main() -> int:
    chapter = sys.argv[1] if len(sys.argv) > 1 else "01_filter_sliding"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    root = core.scratch_course()
    try:
        core.generate(root, chapter)
        core.submit(root, chapter, "stress", core.REPO / "solutions" / chapter / f"{chapter}.ipynb")
        seconds, full = [], 0
        for i in range(n):
            r = core.grade_submission(root, chapter, "stress")
            seconds.append(r.seconds)
            ok = not r.error and r.score == r.max_score > 0
            full += ok
            print(f"run {i + 1:>2}/{n}: {r.score:g}/{r.max_score:g} in {r.seconds:.1f} s"
                  + ("" if ok else f"  <-- {r.error or [c for c in r.cells if c.score < c.max_score]}"),
                  flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n{chapter}: {full}/{n} runs with full marks; seconds per run: median "
          f"{statistics.median(seconds):.1f}, min {min(seconds):.1f}, max {max(seconds):.1f}")
    return 0 if full == n else 1


if __name__ == "__main__":
    raise SystemExit(main())
