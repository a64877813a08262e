"""The Chinese edition in a real browser (issue 21): chapter 1's Chinese notebook, solved, runs in
JupyterLab started the way `make lab LANG=zh_CN` starts it (the language pack and
translations/zh_CN/jupyter's default setting): JupyterLab's menus, the chapter's text, its widget
and its test cells' output are Chinese. The screenshot goes to artifacts/screenshots/ (the one in
docs/screenshots/ is a copy of it)."""
import json
import re

import pytest
from playwright.sync_api import expect

import driver
from autograder import paths, translations

REPO = paths.REPO

CHAPTER = "01_filter_sliding"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def zh_lab(tmp_path_factory):
    work = tmp_path_factory.mktemp("zh-lab")
    root = work / "root"
    (root / "solved").mkdir(parents=True)
    source = json.loads((REPO / "solutions" / CHAPTER / f"{CHAPTER}.ipynb").read_text(encoding="utf-8"))
    solved = translations.build_notebook(source, CHAPTER)
    (root / "solved" / f"{CHAPTER}.ipynb").write_text(json.dumps(solved, ensure_ascii=False),
                                                      encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        # what the Makefile's lab target sets for LANG=zh_CN (tests/test_i18n.py checks it does)
        mp.setenv("JUPYTER_CONFIG_PATH", str(REPO / "translations" / "zh_CN" / "jupyter"))
        mp.delenv("CONVLAB_LANG", raising=False)   # the notebook says its language
        with driver.LabServer(root, work / "lab") as server:
            yield server


def test_chapter_1_in_chinese(zh_lab, browser, screenshots):
    page = browser.page()
    driver.watch_page_errors(page)
    try:
        driver.open_notebook(page, zh_lab.url, f"solved/{CHAPTER}.ipynb")
        # JupyterLab's own interface: the menu bar's "Settings" and "Help" are 设置 and 帮助
        menu = page.locator(".lm-MenuBar").first
        expect(menu).to_contain_text("设置")
        expect(menu).to_contain_text("帮助")
        driver.run_all(page)
        assert driver.errors(page) == []
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
        heading = notebook.locator(".jp-MarkdownOutput h1").first
        assert CJK.search(heading.text_content()), heading.text_content()
        # a test cell's success line, printed through convlab.testing.passed, in Chinese
        test_cell = driver.code_cell(page, "assert_no_forbidden_library(conv2d_single)")
        output = test_cell.locator(".jp-OutputArea-output").first
        expect(output).to_contain_text(CJK)
        # the filter slider: its labels and status line in Chinese
        widget_cell = driver.code_cell(page, "FilterSlider(conv_fn=conv2d_single)")
        widget = widget_cell.locator(".jp-OutputArea-output .widget-vbox").first
        widget.wait_for()
        widget.scroll_into_view_if_needed()
        expect(widget).to_contain_text(CJK)
        shot = screenshots / "zh_CN_01_filter_slider.png"
        widget_cell.screenshot(path=str(shot))
        assert shot.stat().st_size > 1000
        assert driver.page_errors(page) == [], driver.page_errors(page)
    finally:
        page.close()
        zh_lab.shutdown_kernels()
