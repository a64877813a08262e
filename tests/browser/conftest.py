"""Fixtures of the browser suite: ONE fresh JupyterLab server and ONE headless Chromium per test
session, and a fresh page per test. Everything started here is stopped here, also on failure.

The server runs from a scratch nbgrader course (``autograder.paths.scratch_course`` + ``generate``
for every chapter) so the formgrader has a gradebook that knows the chapters; the notebooks the
tests open are copies under ``solved/`` and ``student/`` in that scratch root, never the
repository's files."""
import shutil
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))

import driver  # noqa: E402
from autograder import nbgrader_run, paths  # noqa: E402

REPO = paths.REPO
SCREENSHOTS = REPO / "artifacts" / "screenshots"
STUDENT_CHAPTER = "01_filter_sliding"
expect.set_options(timeout=driver.T_UPDATE)  # Playwright's default 5 s is tight on 2 busy cores


def pytest_collection_modifyitems(items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    work = tmp_path_factory.mktemp("browser")
    root = paths.scratch_course(work / "course")
    for chapter in paths.assignments():
        nbgrader_run.generate(root, chapter)
        (root / "solved").mkdir(exist_ok=True)
        shutil.copy(REPO / "solutions" / chapter / f"{chapter}.ipynb", root / "solved")
    (root / "student").mkdir()
    shutil.copy(REPO / "course" / STUDENT_CHAPTER / f"{STUDENT_CHAPTER}.ipynb", root / "student")
    with driver.LabServer(root, work / "lab") as server:
        yield server


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    b = driver.Browser(tmp_path_factory.mktemp("chromium") / "profile")
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def page(lab, browser):
    p = browser.page()
    driver.watch_page_errors(p)
    try:
        yield p
    finally:
        p.close()
        lab.shutdown_kernels()  # each test starts from no running kernel: 2 cores only


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
