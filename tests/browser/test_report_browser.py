"""The misconception report (autograder/report.py) opens in a real browser without errors: a class
of 40 written directly into a gradebook (bench/bench_report.py's synthetic class), the report
built, then loaded from its file in headless Chromium. Needs only the browser, not JupyterLab."""
import importlib.util

from autograder import report
from autograder.paths import REPO


def synthetic(db_url):
    spec = importlib.util.spec_from_file_location("bench_report", REPO / "bench/bench_report.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.synthetic_class(db_url, 40, ["01_filter_sliding", "08_backprop"], seed=7)


def test_the_report_opens_without_errors(browser, tmp_path, screenshots):
    made = synthetic(f"sqlite:///{tmp_path / 'gradebook.db'}")
    built = report.build(f"sqlite:///{tmp_path / 'gradebook.db'}", None, tmp_path, "all")
    page = browser.page()
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    try:
        page.goto(built.html.as_uri())
        page.wait_for_load_state("load")
        assert page.title() == "What the class got wrong: all chapters"
        images = page.locator("img")
        assert images.count() == 4                   # overview + mistakes, two chapters
        widths = page.evaluate("[...document.images].map(i => i.complete ? i.naturalWidth : 0)")
        assert all(w > 300 for w in widths), widths
        # every mistake written is on the page, with its student count
        text = page.inner_text("body")
        for (chapter, mistake_id), students in made.items():
            assert mistake_id in text
        # the students' names are folded away until the instructor opens them
        folded = page.locator("details.private")
        assert folded.count() >= len(made)
        assert folded.first.get_attribute("open") is None
        page.screenshot(path=str(screenshots / "report.png"), full_page=False)
        assert not problems, problems
    finally:
        page.close()
