"""Keypress-to-updated-output latency of each chapter's widget in a real browser.

Starts a fresh JupyterLab server and headless Chromium (tests/browser/driver.py), opens each solved
notebook, runs it, focuses the widget's slider handle and presses an arrow key N times. In the page,
a capturing keydown listener stamps the keypress and a MutationObserver stamps the first change of
the widget's text and of its plot image (W.Image src), both with performance.now().
Targets (issue 9): p95 <= 150 ms for text, <= 300 ms for a redrawn plot. Not a test: it prints
(SLOW marks a missed target) and exits 0.

    python bench/bench_widgets_browser.py [--presses 20]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "browser"))
sys.path.insert(0, str(REPO))

import driver  # noqa: E402

TARGET_TEXT, TARGET_IMAGE = 150.0, 300.0

# chapter -> (widget cell marker, slider label, index of the text element among the widget's
# .widget-html-content, slider max steps to the right before turning back)
WIDGETS = {
    "01_filter_sliding": ("FilterSlider(conv_fn=", "step", 1),
    "02_stride_padding": ("PaddingExplorer(size_fn=", "input size i", 0),
}

_INSTALL = """([widget, textEl]) => {
  window.__lat = {t0: null, text: null, img: null};
  document.addEventListener('keydown', () => {
    window.__lat = {t0: performance.now(), text: null, img: null};
  }, true);
  const img = widget.querySelector('img.widget-image');
  new MutationObserver(() => {
    if (window.__lat.t0 !== null && window.__lat.img === null)
      window.__lat.img = performance.now() - window.__lat.t0;
  }).observe(img, {attributes: true, attributeFilter: ['src']});
  new MutationObserver(() => {
    if (window.__lat.t0 !== null && window.__lat.text === null)
      window.__lat.text = performance.now() - window.__lat.t0;
  }).observe(textEl, {childList: true, subtree: true, characterData: true});
}"""


def measure(page, chapter, presses):
    marker, label, text_index = WIDGETS[chapter]
    cell = driver.code_cell(page, marker)
    widget = cell.locator(".jp-OutputArea-output .widget-vbox").first
    widget.wait_for()
    widget.scroll_into_view_if_needed()
    text_el = widget.locator(".widget-html-content").nth(text_index)
    page.evaluate(_INSTALL, [widget.element_handle(), text_el.element_handle()])
    slider = widget.locator(".widget-slider").filter(
        has=page.locator("label.widget-label", has_text=label))
    handle = slider.locator(".noUi-handle")
    handle.focus()
    texts, images = [], []
    for _ in range(presses):
        now, top = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemax"))
        key = "ArrowRight" if now < top else "ArrowLeft"
        page.keyboard.press(key)
        page.wait_for_function("() => window.__lat.text !== null && window.__lat.img !== null",
                               timeout=driver.T_UPDATE)
        lat = page.evaluate("() => window.__lat")
        texts.append(lat["text"])
        images.append(lat["img"])
        driver.wait_idle(page)
    return np.array(texts), np.array(images)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presses", type=int, default=20)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="convlab-bench-browser-"))
    root = work / "root"
    (root / "solved").mkdir(parents=True)
    for chapter in WIDGETS:
        shutil.copy(REPO / "solutions" / chapter / f"{chapter}.ipynb", root / "solved")
    server = driver.LabServer(root, work / "lab")
    browser = None
    rows = []
    try:
        server.start()
        browser = driver.Browser(work / "chromium")
        for chapter in WIDGETS:
            page = browser.page()
            try:
                driver.open_notebook(page, server.url, f"solved/{chapter}.ipynb")
                driver.run_all(page)
                rows.append((chapter, *measure(page, chapter, args.presses)))
            finally:
                page.close()
                server.shutdown_kernels()
    finally:
        if browser is not None:
            browser.close()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(f"widget keypress -> updated output in headless Chromium ({args.presses} presses; ms)")
    print(f"{'chapter':20s} {'output':6s} {'p50':>7s} {'p95':>7s} {'max':>7s} {'target':>7s}")
    for chapter, texts, images in rows:
        for what, xs, target in (("text", texts, TARGET_TEXT), ("image", images, TARGET_IMAGE)):
            p50, p95 = np.percentile(xs, [50, 95])
            flag = "ok" if p95 <= target else "SLOW"
            print(f"{chapter:20s} {what:6s} {p50:7.0f} {p95:7.0f} {xs.max():7.0f} "
                  f"{target:7.0f} {flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
