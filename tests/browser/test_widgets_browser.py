"""Every chapter's widget in a real browser (JupyterLab + headless Chromium), used like a person
would; a student notebook's widget with an unfinished exercise; the instructor's formgrader."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

import driver
from autograder import paths
from convlab import data, kernels, sliding
from convlab.widgets.predict import show_value
from conftest import STUDENT_CHAPTER
from specs import (answer_prediction, canvas, predictions_of, press_canvas_slider,
                   specs_of)

CHAPTERS = paths.assignments()


def test_every_chapter_has_a_browser_spec():
    missing = sorted(c for c in CHAPTERS if not specs_of(c))
    assert not missing, (f"no browser spec for {missing}: add one to tests/browser/specs.py "
                         "(see tests/browser/README.md)")


def test_every_chapter_that_asks_for_predictions_has_a_browser_check():
    """A chapter whose widgets build Questions (predict, then check) has a Prediction in
    specs.PREDICTIONS, so that the browser suite answers one of its questions."""
    package = Path(paths.REPO) / "convlab"
    asking = sorted(c for c in CHAPTERS
                    if "Question(" in (package / f"ch{c}" / "widgets.py").read_text())
    assert "01_filter_sliding" in asking
    missing = [c for c in asking if not predictions_of(c)]
    assert not missing, (f"no prediction check for {missing}: add one to "
                         "tests/browser/specs.py PREDICTIONS (see tests/browser/README.md)")


def _widget(page, marker: str):
    cell = driver.code_cell(page, marker)
    widget = cell.locator(".jp-OutputArea-output .widget-vbox").first
    widget.wait_for()
    widget.scroll_into_view_if_needed()
    return widget


def _shooter(screenshots, name):
    def shot(locator):
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(screenshots / name))
        assert (screenshots / name).stat().st_size > 1000
    return shot


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solved_chapter_widget(chapter, lab, page, screenshots):
    """Run the solved notebook once, then operate each of the chapter's widgets in turn."""
    specs = specs_of(chapter)
    if not specs:
        pytest.fail(f"no browser spec for {chapter} (tests/browser/specs.py)")
    driver.open_notebook(page, lab.url, f"solved/{chapter}.ipynb")
    driver.run_all(page)
    assert driver.errors(page) == [], f"{chapter}: cells show errors"
    # predict, then check: one question answered wrong, the next one right (fresh widgets)
    for prediction in predictions_of(chapter):
        sc = canvas(_widget(page, prediction.cell), prediction.canvas)
        answer_prediction(page, sc, prediction, right=False)
        answer_prediction(page, sc, prediction, right=True)
    for spec in specs:
        widget = _widget(page, spec.cell)
        spec.interact(page, widget, _shooter(screenshots, spec.screenshot))
        assert driver.errors(page) == []
        # a callback error would be printed into the widget's log (an Output widget): none
        expect(widget.locator(".widget-output .jp-OutputArea-output")).to_have_count(0)
    # nor may a widget's front end fail (an uncaught JavaScript error)
    assert driver.page_errors(page) == [], driver.page_errors(page)


FLIPPED = """def conv2d_single(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)[::-1, ::-1]
    (h, w), (kh, kw) = image.shape, kernel.shape
    return np.array([[np.sum(image[i:i + kh, j:j + kw] * kernel) for j in range(w - kw + 1)]
                     for i in range(h - kh + 1)])
"""


def test_student_notebook_widget_shows_unfinished_and_wrong_work(lab, page, screenshots):
    """The released notebook, unsolved: Run All stops at the first test cell (the exercise raises
    NotImplementedError); the student then runs the widget cell, which must say so clearly. Then
    the student writes a wrong conv2d_single (the kernel flipped) and runs the widget again: it
    must show the student's wrong result as wrong, never a blank or a silent pass."""
    driver.open_notebook(page, lab.url, f"student/{STUDENT_CHAPTER}.ipynb")
    driver.run_until_error(page)
    assert any("not implemented yet" in e for e in driver.errors(page)), driver.errors(page)
    cell = driver.code_cell(page, "FilterSlider(conv_fn=")
    driver.run_cell(page, cell)
    widget = _widget(page, "FilterSlider(conv_fn=")
    sc = canvas(widget)
    expect(sc.locator(".convlab-sc-status")).to_contain_text(re.compile(
        r"Your function could not be shown:.*conv2d_single is not implemented yet"))
    # the window still slides over the window sums, labelled as such: never a blank
    expect(sc.locator(".convlab-sc-panel[data-panel='output'] figcaption")).to_have_text(
        "window sums (conv2d_single failed)")
    press_canvas_slider(page, sc, "step")
    expect(sc.locator(".convlab-sc-detail")).to_contain_text("step 1:")
    expect(sc.locator(".convlab-sc-status")).to_contain_text("not implemented yet")
    _shooter(screenshots, "01_student_not_implemented.png")(widget)

    solution = driver.code_cell(page, "def conv2d_single(")
    driver.type_into_cell(page, solution, FLIPPED)
    driver.run_cell(page, solution)
    # the visible test against TensorFlow catches it and names the mistake
    driver.run_cell(page, driver.code_cell(page, "agrees with tf.nn.conv2d (padding VALID"))
    assert any("flipped the kernel" in e for e in driver.errors(page)), driver.errors(page)
    driver.run_cell(page, cell)
    widget = _widget(page, "FilterSlider(conv_fn=")
    sc = canvas(widget)
    frame_status = sc.locator(".convlab-sc-frame-status")
    expect(frame_status).to_contain_text(re.compile(r"1 of the 1 cells so far differ"))
    press_canvas_slider(page, sc, "step")
    expect(frame_status).to_contain_text(re.compile(r"2 of the 2 cells so far differ"))
    # its question (output[0, 1]) is judged against the window sums; the verdict names the
    # student's function and its wrong value
    expect(sc.locator(".convlab-sc-question")).to_have_text("What will output[0, 1] be?")
    sobel = kernels.get("vertical edge (Sobel x)")
    image = data.sample_image("grid").image
    truth, flipped = (sliding.window_sums(image, k)[0, 1] for k in (sobel, sobel[::-1, ::-1]))
    assert truth != flipped
    sc.locator("input.convlab-sc-answer").click()
    page.keyboard.type(show_value(truth))           # key by key: no notebook shortcut takes them
    page.keyboard.press("Enter")
    expect(sc.locator(".convlab-sc-verdict")).to_contain_text(
        f"✓ Right: {show_value(truth)} (you said {show_value(truth)}). It is the sum of the 9 "
        f"products of the window and the kernel. conv2d_single gives {show_value(flipped)} here: "
        f"it disagrees with the reference")
    _shooter(screenshots, "01_student_wrong_function.png")(widget)


def test_formgrader_lists_the_course_assignments(lab, page, screenshots):
    page.goto(f"{lab.url}/lab?reset")
    driver.wait_app(page)
    driver.execute(page, "nbgrader:open-formgrader")
    frame = page.frame_locator("iframe").first
    for chapter in CHAPTERS:
        expect(frame.get_by_role("link", name=chapter, exact=True).first).to_be_visible(
            timeout=driver.T_START)
    page.locator(".jp-MainAreaWidget:not(.lm-mod-hidden) iframe").first.screenshot(
        path=str(screenshots / "formgrader.png"))
