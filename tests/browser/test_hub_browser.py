"""A class on JupyterHub end to end (issue 24): ``make hub`` for an instructor and three
students; headless Chromium logs in as each student, fetches chapter 1 and submits it in the
Assignment List (alice: correct, bob: the flipped kernel, carol: untouched); bob also submits as
alice from a terminal; the instructor collects from the exchange (bob's forgery refused, alice's
own kept), grades with the course CLI and releases feedback; alice fetches hers in the browser.
The scores are those of the same notebooks graded in-process with the course's tests
(tests/nbharness.py), never numbers written here. Then, as a student, everything that must be
refused is tried (tests/test_hub.py has the parts that need no hub).

Fails rather than skips when ``CI`` is set (hubclass.require_hub)."""
from __future__ import annotations

import csv
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

import driver

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import hubclass  # noqa: E402
import nbharness as h  # noqa: E402
from attacks_01_filter_sliding import honest_notebook  # noqa: E402
from mutants_01_filter_sliding import MUTANTS  # noqa: E402

CH = hubclass.CH
FLIPPED = "single: kernel flipped (mathematical convolution)"
T_HUB = 180_000          # a first login spawns the user's server (seconds on 2 busy cores)


def flipped_notebook():
    nb = honest_notebook()
    for cell in nb.cells:
        gid = h.meta(cell).get("grade_id")
        if gid in MUTANTS[FLIPPED]:
            cell.source = MUTANTS[FLIPPED][gid]
    return nb


def untouched_notebook():
    return h.release_notebook(CH)


def expected_scores() -> dict:
    """What each notebook earns with the course's own tests, graded in this process."""
    release = {h.meta(c).get("grade_id"): c.source for c in untouched_notebook().cells
               if h.meta(c).get("solution") and h.meta(c).get("grade_id")}
    return {"alice": h.score(h.grade_in_process(CH))[0],
            "bob": h.score(h.grade_in_process(CH, replace=MUTANTS[FLIPPED]))[0],
            "carol": h.score(h.grade_in_process(CH, replace=release))[0]}


@pytest.fixture(scope="module")
def room():
    hubclass.require_hub()
    classroom = hubclass.start_classroom()
    try:
        yield classroom
    finally:
        hubclass.remove_classroom(classroom)


def login(browser, room, user):
    """A page of ``user``'s JupyterLab in the hub, logged in through the hub's login form (the
    browser's cookies are cleared first: one person at a time in this browser)."""
    browser.context.clear_cookies()
    page = browser.page()
    page.set_default_timeout(T_HUB)
    page.goto(f"{room.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", room.passwords.get(user) or room.instructor_password())
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=T_HUB)
    page.locator(driver.STATUSBAR).wait_for(timeout=T_HUB)
    return page


def nbgrader_menu(page) -> list:
    """The labels of JupyterLab's Nbgrader menu (opened, as a person opens it)."""
    page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
    menu = page.locator(".lm-Menu .lm-Menu-itemLabel")
    menu.first.wait_for()
    return [label.strip() for label in menu.all_text_contents() if label.strip()]


def open_assignment_list(page):
    if not page.locator(".lm-Menu").count():
        nbgrader_menu(page)
    page.locator(".lm-Menu .lm-Menu-itemLabel", has_text="Assignment List").click()
    page.locator("#released_assignments_list").wait_for(timeout=T_HUB)


def fetch_and_submit(page, room, user, notebook):
    open_assignment_list(page)
    released = page.locator("#released_assignments_list .list_item", has_text=CH)
    released.get_by_role("button", name="Fetch").click(timeout=T_HUB)
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=CH)
    expect(fetched.get_by_role("button", name="Submit")).to_be_visible(timeout=T_HUB)
    target = room.home(user) / CH / f"{CH}.ipynb"
    assert target.is_file(), f"Fetch did not put {target} in {user}'s home"
    if notebook is not None:             # the student's work, saved as she would save it
        room.write_as(user, target, nbformat.writes(notebook))
    fetched.get_by_role("button", name="Submit").click()
    submitted = page.locator("#submitted_assignments_list .list_item", has_text=CH)
    expect(submitted.first).to_be_visible(timeout=T_HUB)


def scores_of_last_run(room) -> dict:
    logs = sorted((room.course / "grading" / "logs").glob(f"autograde-{CH}-*.csv"),
                  key=lambda p: p.stat().st_mtime)
    assert logs, "autograde wrote no run log"
    with open(logs[-1], newline="") as f:
        return {row["student"]: float(row["score"]) for row in csv.DictReader(f)}


def test_a_class_on_jupyterhub(room, browser):
    expected = expected_scores()
    a, b, c = (room.students[r] for r in ("alice", "bob", "carol"))
    cycle = time.monotonic()
    work = {a: honest_notebook(), b: flipped_notebook(), c: None}
    for user in (a, b, c):
        page = login(browser, room, user)
        try:
            # students see the Assignment List, not the instructor's tools
            menu = nbgrader_menu(page)
            assert "Assignment List" in menu, menu
            assert not {"Formgrader", "Formgrader (local)", "Create assignment",
                        "Course List"} & set(menu), menu
            fetch_and_submit(page, room, user, work[user])
        finally:
            page.close()
    # bob submits as alice from a terminal (nbgrader lets him), after alice
    forged = room.as_user(b, "nbgrader", "submit", CH, "--student", a)
    assert forged.returncode == 0, forged.stderr

    collect = room.instructor_cli("collect", CH, "--exchange")
    assert collect.returncode == 0, collect.stdout + collect.stderr
    table = collect.stdout
    assert f"submitted by {b} as {a}" in table, table
    for user in (a, b, c):
        assert re.search(rf"^{re.escape(user)}\+{CH}\+.*\btaken\s+{user}\b", table, re.M), table
    assert re.search(rf"^{re.escape(a)}\+{CH}\+.*\brefused\s+{a}\b.*submitted by {b} as {a}",
                     table, re.M), table
    grade = room.instructor_cli("autograde", CH, "--workers", "2")
    assert grade.returncode == 0, grade.stdout + grade.stderr
    scores = scores_of_last_run(room)
    assert scores == {a: expected["alice"], b: expected["bob"], c: expected["carol"]}, \
        (scores, expected, grade.stdout)
    assert expected["alice"] > expected["bob"] > expected["carol"] == 0

    feedback = room.instructor_cli("feedback", CH)
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr
    assert re.search(r"released through nbgrader's exchange for 3 student", feedback.stdout), \
        feedback.stdout
    page = login(browser, room, a)
    open_assignment_list(page)
    submitted = page.locator("#submitted_assignments_list .list_item", has_text=CH)
    submitted.get_by_role("button", name="Fetch Feedback").first.click(timeout=T_HUB)
    pages_of_alice = []
    deadline = time.monotonic() + 60
    while not pages_of_alice and time.monotonic() < deadline:
        pages_of_alice = list((room.home(a) / CH / "feedback").glob(f"*/{CH}.html"))
        time.sleep(0.3)   # polling for the fetched file
    assert pages_of_alice, "alice's Fetch Feedback brought no feedback into her home"
    html = pages_of_alice[0].read_text()
    assert f"{expected['alice']:g}" in html
    room.timings["cycle"] = time.monotonic() - cycle
    page.close()

    # --- permissions that hold -------------------------------------------------------------
    course = room.course
    for path in [course / "grading" / "submitted" / u / CH / f"{CH}.ipynb" for u in (a, b, c)] \
            + [course / "grading" / "feedback" / a / CH / f"{CH}.html"]:
        st = path.stat()
        assert st.st_uid == room.home(room.instructor).stat().st_uid, path
        assert st.st_mode & 0o022 == 0, f"{path} is writable by others: {oct(st.st_mode)}"
    refused = {
        "the instructor's solutions": ("cat", course / "solutions" / CH / f"{CH}.ipynb"),
        "the gradebook": ("cat", course / "grading" / "gradebook.db"),
        "alice's collected submission": ("cat", course / "grading" / "submitted" / a / CH /
                                         f"{CH}.ipynb"),
        "changing alice's collected submission": ("touch", course / "grading" / "submitted" / a
                                                  / CH / f"{CH}.ipynb"),
        "alice's home": ("ls", room.home(a)),
        "alice's notebook": ("cat", room.home(a) / CH / f"{CH}.ipynb"),
        "changing alice's notebook": ("touch", room.home(a) / CH / f"{CH}.ipynb"),
        "alice's nbgrader cache (her feedback's secret)": (
            "ls", room.home(a) / ".local/share/jupyter/nbgrader_cache"),
        "the submissions in the exchange": ("ls", room.exchange / "convlab" / "inbound"),
        "the released feedback's names": ("ls", room.exchange / "convlab" / "feedback"),
        "renaming the course's exchange folder": (
            "mv", room.exchange / "convlab", room.exchange / "mine"),
    }
    for what, cmd in refused.items():
        proc = room.as_user(b, *cmd)
        assert proc.returncode != 0 and re.search(r"[Pp]ermission denied|not permitted",
                                                  proc.stderr), (what, proc.stdout, proc.stderr)
    cache = room.home(a) / ".local/share/jupyter/nbgrader_cache"
    assert cache.stat().st_mode & 0o077 == 0 or room.home(a).stat().st_mode & 0o077 == 0
    # bob's own feedback, fetched in the terminal, is his (his score), never alice's
    own = room.as_user(b, "nbgrader", "fetch_feedback", CH)
    assert own.returncode == 0, own.stderr
    bobs = list((room.home(b) / CH / "feedback").glob(f"*/{CH}.html"))
    assert len(bobs) == 1 and f"{expected['bob']:g}" in bobs[0].read_text()
    print(f"\nhub classroom: make hub {room.setup_seconds:.0f} s; cycle for three students "
          f"{room.timings['cycle']:.0f} s")


def test_the_formgrader_works_inside_the_hub(room, browser):
    page = login(browser, room, room.instructor)
    try:
        menu = nbgrader_menu(page)
        assert {"Formgrader", "Create assignment"} <= set(menu), menu
        response = page.request.get(f"{room.url}/user/{room.instructor}/formgrader")
        assert response.ok, response.status
        assert "frame-ancestors 'self'" in response.headers.get("content-security-policy", "")
        page.locator(".lm-Menu .lm-Menu-itemLabel", has_text=re.compile(r"^Formgrader$")).click()
        frame = page.frame_locator("iframe").first
        expect(frame.get_by_text(CH).first).to_be_visible(timeout=T_HUB)
    finally:
        page.close()
